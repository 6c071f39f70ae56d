//! The GitHub Action's steps run here as GitHub would run them: each `run:` script of
//! `action.yml` in bash, with its `env:` expressions evaluated against a fake `github`
//! context (event JSON, inputs, step outputs), temporary GITHUB_OUTPUT / GITHUB_STEP_SUMMARY
//! files, and a stub `gh` on PATH in place of GitHub's API (no network).

mod common;

use common::{APPROVAL, TEAMS};

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use common::{commit, git};
use serde_json::{Value, json};

/// The steps of action.yml as JSON.
fn steps() -> Vec<Value> {
    let text = std::fs::read_to_string(common::root().join("action.yml")).expect("action.yml");
    let parsed = railyard::yaml::parse(&text, railyard::yaml::Limits::default());
    assert!(parsed.errors.is_empty(), "action.yml parses");
    let action = parsed.documents[0].root.to_json();
    action["runs"]["steps"].as_array().expect("steps").clone()
}

/// The action's input defaults with `given` over them.
fn inputs(given: &[(&str, &str)]) -> BTreeMap<String, String> {
    let text = std::fs::read_to_string(common::root().join("action.yml")).expect("action.yml");
    let parsed = railyard::yaml::parse(&text, railyard::yaml::Limits::default());
    let action = parsed.documents[0].root.to_json();
    let mut out = BTreeMap::new();
    for (name, input) in action["inputs"].as_object().expect("inputs") {
        assert!(
            input["description"].is_string(),
            "input `{name}` is described"
        );
        let default = input["default"].as_str().unwrap_or_default();
        out.insert(name.clone(), default.to_string());
    }
    for (k, v) in given {
        out.insert((*k).to_string(), (*v).to_string());
    }
    out
}

/// A fake Actions runner for one job.
struct Runner {
    context: Value,
    temp: tempfile::TempDir,
    workspace: PathBuf,
}

impl Runner {
    fn new(workspace: &Path, event_name: &str, event: Value, given: &[(&str, &str)]) -> Runner {
        let temp = tempfile::tempdir().expect("temp");
        let inputs: serde_json::Map<String, Value> = inputs(given)
            .into_iter()
            .map(|(k, v)| (k, Value::String(v)))
            .collect();
        let mut context = json!({
            "github": {
                "action_path": common::root().display().to_string(),
                "event_name": event_name,
                "event": event,
                "repository": "acme/releases",
                "token": "fake-token",
            },
            "inputs": inputs,
            "runner": {"os": "Linux", "arch": "X64"},
            "steps": {},
        });
        // Input defaults may be expressions (`${{ github.token }}`): GitHub evaluates them.
        let evaluated: serde_json::Map<String, Value> = context["inputs"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(k, v)| {
                let text = v.as_str().unwrap_or_default();
                (k.clone(), Value::String(interpolate(&context, text)))
            })
            .collect();
        context["inputs"] = Value::Object(evaluated);
        // The stub for GitHub's API: logs each call; lists a comment once one was posted.
        let bin = temp.path().join("bin");
        std::fs::create_dir_all(&bin).expect("mkdir");
        let gh = bin.join("gh");
        std::fs::write(
            &gh,
            r#"#!/usr/bin/env bash
log="$RUNNER_TEMP/gh.log"
echo "gh $* token=$GH_TOKEN" >> "$log"
for arg in "$@"; do
  case "$arg" in
    body=@*) cp "${arg#body=@}" "$RUNNER_TEMP/posted-$(wc -l < "$log").md" ;;
  esac
done
if [ "$2" = "--method" ] && [ "$3" = "POST" ]; then touch "$RUNNER_TEMP/commented"; fi
if [ "$2" != "--method" ] && [ -e "$RUNNER_TEMP/commented" ]; then echo 4242; fi
"#,
        )
        .expect("write gh");
        std::process::Command::new("chmod")
            .args(["+x"])
            .arg(&gh)
            .status()
            .expect("chmod");
        Runner {
            context,
            temp,
            workspace: workspace.to_path_buf(),
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.temp.path().join(name)
    }

    /// Runs every step (the `uses:` cache step is GitHub's business and skipped); returns
    /// each run step's id (or name) and (exit code, stdout).
    fn run(&mut self) -> BTreeMap<String, (i32, String)> {
        let mut results = BTreeMap::new();
        let mut job_failed = false;
        for step in steps() {
            let name = step["id"]
                .as_str()
                .or(step["name"].as_str())
                .unwrap_or_default()
                .to_string();
            if step.get("uses").is_some() {
                continue;
            }
            // Like GitHub: after a failed step, only steps that ask for `always()` run.
            let condition = step["if"].as_str().map(strip);
            if job_failed && !condition.is_some_and(|c| c.contains("always()")) {
                continue;
            }
            if let Some(condition) = condition
                && !truthy(&evaluate(&self.context, condition))
            {
                continue;
            }
            let script = step["run"].as_str().expect("a run step");
            assert_eq!(step["shell"], "bash", "step `{name}` says its shell");
            assert!(
                !script.contains("${{"),
                "step `{name}`: expressions go through env:, never into the script"
            );
            if name == "Install railyard" {
                // The cache restored a build of this very source.
                let dir = self.context["steps"]["source"]["outputs"]["dir"]
                    .as_str()
                    .expect("the install dir")
                    .to_string();
                std::fs::create_dir_all(Path::new(&dir).join("bin")).expect("mkdir");
                let target = Path::new(&dir).join("bin/railyard");
                if !target.exists() {
                    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_railyard"), target)
                        .expect("link");
                }
            }
            let output_file = self.path(&format!("output-{name}"));
            std::fs::write(&output_file, "").expect("output file");
            let mut command = std::process::Command::new("bash");
            command
                .args(["-e", "-c", script])
                .current_dir(&self.workspace)
                .env_clear()
                .env(
                    "PATH",
                    format!(
                        "{}:{}",
                        self.path("bin").display(),
                        std::env::var("PATH").unwrap_or_default()
                    ),
                )
                .env("GITHUB_OUTPUT", &output_file)
                .env("GITHUB_STEP_SUMMARY", self.path("summary.md"))
                .env("GITHUB_PATH", self.path("path"))
                .env("RUNNER_TEMP", self.temp.path())
                .env("RUNNER_TOOL_CACHE", self.path("tools"))
                .env("GIT_CONFIG_GLOBAL", "/dev/null")
                .env("GIT_CONFIG_NOSYSTEM", "1");
            for (key, value) in step["env"].as_object().into_iter().flatten() {
                let value = value.as_str().unwrap_or_default();
                command.env(key, interpolate(&self.context, value));
            }
            let output = command.output().expect("bash runs");
            let outputs: serde_json::Map<String, Value> = std::fs::read_to_string(&output_file)
                .unwrap_or_default()
                .lines()
                .filter_map(|l| l.split_once('='))
                .map(|(k, v)| (k.to_string(), Value::String(v.to_string())))
                .collect();
            if let Some(id) = step["id"].as_str() {
                self.context["steps"][id] = json!({ "outputs": outputs });
            }
            let failed = !output.status.success();
            results.insert(
                name,
                (
                    output.status.code().unwrap_or(-1),
                    format!(
                        "{}{}",
                        String::from_utf8_lossy(&output.stdout),
                        String::from_utf8_lossy(&output.stderr)
                    ),
                ),
            );
            job_failed |= failed;
        }
        results
    }
}

/// `${{ expr }}` → `expr`.
fn strip(text: &str) -> &str {
    text.trim()
        .strip_prefix("${{")
        .and_then(|t| t.strip_suffix("}}"))
        .unwrap_or(text)
        .trim()
}

/// Replaces every `${{ expr }}` in `text`.
fn interpolate(context: &Value, text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("${{") {
        out.push_str(&rest[..start]);
        let end = rest[start..].find("}}").expect("closed expression") + start;
        let value = evaluate(context, rest[start + 3..end].trim());
        out.push_str(&match value {
            Value::String(s) => s,
            Value::Null => String::new(),
            other => other.to_string(),
        });
        rest = &rest[end + 2..];
    }
    out.push_str(rest);
    out
}

fn truthy(value: &Value) -> bool {
    match value {
        Value::Bool(b) => *b,
        Value::String(s) => !s.is_empty(),
        Value::Null => false,
        _ => true,
    }
}

/// The part of GitHub's expression language action.yml uses: context paths, string
/// literals, `==`, `&&`, `||` and parentheses.
fn evaluate(context: &Value, expression: &str) -> Value {
    let tokens = tokenize(expression);
    let mut position = 0;
    let value = or(context, &tokens, &mut position);
    assert_eq!(position, tokens.len(), "all of `{expression}` was read");
    value
}

fn tokenize(text: &str) -> Vec<String> {
    let mut tokens = Vec::new();
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c == '\'' {
            let end = chars[i + 1..]
                .iter()
                .position(|&x| x == '\'')
                .expect("closed")
                + i
                + 1;
            tokens.push(chars[i..=end].iter().collect());
            i = end + 1;
        } else if "()".contains(c) {
            tokens.push(c.to_string());
            i += 1;
        } else if "=&|".contains(c) {
            tokens.push(chars[i..i + 2].iter().collect());
            i += 2;
        } else {
            let start = i;
            while i < chars.len() && (chars[i].is_alphanumeric() || "._-".contains(chars[i])) {
                i += 1;
            }
            tokens.push(chars[start..i].iter().collect());
        }
    }
    tokens
}

fn or(context: &Value, tokens: &[String], i: &mut usize) -> Value {
    let mut left = and(context, tokens, i);
    while tokens.get(*i).map(String::as_str) == Some("||") {
        *i += 1;
        let right = and(context, tokens, i);
        left = if truthy(&left) { left } else { right };
    }
    left
}

fn and(context: &Value, tokens: &[String], i: &mut usize) -> Value {
    let mut left = equals(context, tokens, i);
    while tokens.get(*i).map(String::as_str) == Some("&&") {
        *i += 1;
        let right = equals(context, tokens, i);
        left = if truthy(&left) { right } else { left };
    }
    left
}

fn equals(context: &Value, tokens: &[String], i: &mut usize) -> Value {
    let left = atom(context, tokens, i);
    if tokens.get(*i).map(String::as_str) == Some("==") {
        *i += 1;
        let right = atom(context, tokens, i);
        return Value::Bool(left == right);
    }
    left
}

fn atom(context: &Value, tokens: &[String], i: &mut usize) -> Value {
    let token = tokens[*i].clone();
    *i += 1;
    if token == "(" {
        let value = or(context, tokens, i);
        assert_eq!(tokens[*i], ")");
        *i += 1;
        return value;
    }
    if token == "always" {
        assert_eq!((tokens[*i].as_str(), tokens[*i + 1].as_str()), ("(", ")"));
        *i += 2;
        return Value::Bool(true);
    }
    if let Some(literal) = token.strip_prefix('\'').and_then(|t| t.strip_suffix('\'')) {
        return Value::String(literal.to_string());
    }
    let mut value = context;
    for part in token.split('.') {
        value = value.get(part).unwrap_or(&Value::Null);
    }
    value.clone()
}

/// A pull request: main has a train; the head adds its approval and a broken manifest.
fn pull_request() -> (tempfile::TempDir, String) {
    let repo = common::train_repo();
    let dir = repo.path();
    git(
        dir,
        &["checkout", "-q", "-b", "feature"],
        "rita",
        "2026-11-01T10:00:00Z",
    );
    commit(
        dir,
        &[
            ("approvals/q4-train.yaml", APPROVAL),
            (
                "teams.yaml",
                &format!("{TEAMS}    - {{id: eve, emails: [eve@example.com]}}\n"),
            ),
            (
                "trains/broken.yaml",
                "apiVersion: railyard/v1\nkind: ReleaseTrain\nmetadata: {name: broken}\nspec: {type: minor, manager: nobody, colour: red}\n",
            ),
        ],
        "marco",
        "2026-11-02T10:00:00Z",
    );
    let head = String::from_utf8_lossy(
        &git(dir, &["rev-parse", "HEAD"], "rita", "2026-11-02T10:00:00Z").stdout,
    )
    .trim()
    .to_string();
    // The runner checks out something else (GitHub's merge commit): --rev must choose.
    git(
        dir,
        &["checkout", "-q", "main"],
        "rita",
        "2026-11-02T10:00:00Z",
    );
    (repo, head)
}

#[test]
fn on_a_pull_request_the_plan_becomes_annotations_a_summary_outputs_and_one_comment() {
    let (repo, head) = pull_request();
    let base = String::from_utf8_lossy(
        &git(
            repo.path(),
            &["rev-parse", "main"],
            "rita",
            "2026-11-02T10:00:00Z",
        )
        .stdout,
    )
    .trim()
    .to_string();
    let event =
        json!({"pull_request": {"number": 7, "head": {"sha": head}, "base": {"sha": base}}});
    let mut runner = Runner::new(
        repo.path(),
        "pull_request",
        event,
        &[("comment", "true"), ("args", "--now 2026-11-25T12:00:00Z")],
    );
    let results = runner.run();
    let (code, log) = &results["Install railyard"];
    assert_eq!(*code, 0, "{log}");
    assert!(log.contains("railyard is cached in"), "{log}");
    let (code, out) = &results["run"];
    assert_eq!(*code, 1, "the head has an error: {out}");
    // Annotations on the head's lines, worst first, escaped.
    let annotations: Vec<&str> = out.lines().filter(|l| l.starts_with("::")).collect();
    assert!(
        annotations[0].starts_with("::error file=trains/broken.yaml,line=4,"),
        "{out}"
    );
    assert!(annotations.iter().all(|a| !a.contains('\n')));
    let summary = std::fs::read_to_string(runner.path("summary.md")).expect("a job summary");
    assert!(
        summary.contains(&format!("## railyard plan ({head})")),
        "{summary}"
    );
    assert!(summary.contains("scoping → construction"), "{summary}");
    // Checked against the pull request's base: reviewers see who gains power.
    assert!(
        summary.contains("- `eve` joins team `release-managers`"),
        "{summary}"
    );
    assert_eq!(
        runner.context["steps"]["run"]["outputs"],
        json!({"transitions": "1", "errors": "1", "changed": "true"})
    );
    // The comment is posted even though the manifests have errors: it lists what is invalid.
    let (code, said) = &results["Post the plan on the pull request"];
    assert_eq!((*code, said.trim()), (0, "posted the plan"));
    let comment = std::fs::read_to_string(runner.path("railyard-comment.md")).expect("a body");
    assert!(
        comment.starts_with("<!-- railyard-plan -->\n## railyard plan"),
        "{comment}"
    );
}

#[test]
fn the_comment_is_posted_once_then_edited() {
    let (repo, head) = pull_request();
    // Without the broken file the plan succeeds and the comment step runs.
    git(
        repo.path(),
        &["checkout", "-q", "feature"],
        "rita",
        "2026-11-02T10:00:00Z",
    );
    git(
        repo.path(),
        &["rm", "-q", "trains/broken.yaml"],
        "rita",
        "2026-11-02T10:00:00Z",
    );
    git(
        repo.path(),
        &["commit", "-q", "-m", "fix"],
        "marco",
        "2026-11-02T11:00:00Z",
    );
    let head_fixed = String::from_utf8_lossy(
        &git(
            repo.path(),
            &["rev-parse", "HEAD"],
            "rita",
            "2026-11-02T11:00:00Z",
        )
        .stdout,
    )
    .trim()
    .to_string();
    assert_ne!(head, head_fixed);
    let event = json!({"pull_request": {"number": 7, "head": {"sha": head_fixed}}});
    let mut runner = Runner::new(
        repo.path(),
        "pull_request",
        event,
        &[("comment", "true"), ("args", "--now 2026-11-25T12:00:00Z")],
    );
    let first = runner.run();
    assert_eq!(first["run"].0, 0, "{}", first["run"].1);
    assert_eq!(first["Post the plan on the pull request"].0, 0);
    let second = runner.run();
    assert_eq!(
        second["Post the plan on the pull request"].1.trim(),
        "updated comment 4242"
    );
    let calls = std::fs::read_to_string(runner.path("gh.log")).expect("gh was called");
    let calls: Vec<&str> = calls.lines().collect();
    assert_eq!(calls.len(), 4, "{calls:?}");
    assert!(calls[0].starts_with("gh api repos/acme/releases/issues/7/comments --paginate"));
    assert!(
        calls[1]
            .starts_with("gh api --method POST repos/acme/releases/issues/7/comments -F body=@")
    );
    assert!(
        calls[3].starts_with(
            "gh api --method PATCH repos/acme/releases/issues/comments/4242 -F body=@"
        )
    );
    assert!(calls.iter().all(|c| c.ends_with("token=fake-token")));
    let posted = std::fs::read_to_string(runner.path("posted-2.md")).expect("the posted body");
    assert!(posted.starts_with("<!-- railyard-plan -->"), "{posted}");
    assert!(
        posted.contains("`ReleaseTrain/q4` | construction | scoping → construction"),
        "{posted}"
    );
}

#[test]
fn on_push_the_action_commits_status_and_without_comment_posts_nothing() {
    let repo = common::approved_train_repo();
    let dir = repo.path();
    // The bot's key, as a repository secret holds it.
    let keys = tempfile::tempdir().expect("a temporary directory");
    let key = keys.path().join("bot");
    let made = std::process::Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", "bot", "-f"])
        .arg(&key)
        .status()
        .expect("ssh-keygen runs");
    assert!(made.success());
    let secret = std::fs::read_to_string(&key).expect("the private key");
    let mut runner = Runner::new(
        dir,
        "push",
        json!({}),
        &[
            ("command", "reconcile"),
            ("args", "--now 2026-11-25T12:00:00Z"),
            ("signing-key", &secret),
        ],
    );
    let results = runner.run();
    assert_eq!(results["run"].0, 0, "{}", results["run"].1);
    assert!(
        !runner.path("railyard-signing-key").exists(),
        "the key file is removed after the step"
    );
    let public = std::fs::read_to_string(keys.path().join("bot.pub")).expect("the public key");
    let allowed = keys.path().join("allowed_signers");
    std::fs::write(&allowed, format!("bot {public}")).expect("write");
    let verified = std::process::Command::new("git")
        .arg("-c")
        .arg(format!("gpg.ssh.allowedSignersFile={}", allowed.display()))
        .args(["verify-commit", "HEAD"])
        .current_dir(dir)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .output()
        .expect("git runs");
    assert!(
        verified.status.success(),
        "the status commit is signed: {}",
        String::from_utf8_lossy(&verified.stderr)
    );
    assert!(!results.contains_key("Post the plan on the pull request"));
    assert_eq!(
        runner.context["steps"]["run"]["outputs"],
        json!({"transitions": "1", "errors": "0", "changed": "true"})
    );
    let subject = git(
        dir,
        &["log", "-1", "--format=%s%n%b"],
        "nobody",
        "2026-11-25T12:00:00Z",
    );
    let subject = String::from_utf8_lossy(&subject.stdout);
    assert!(subject.starts_with("railyard: 1 transition"), "{subject}");
    assert!(
        subject.contains("[skip ci]"),
        "the status commit does not start CI again"
    );
    let changed = git(
        dir,
        &["show", "--name-only", "--format=", "HEAD"],
        "nobody",
        "2026-11-25T12:00:00Z",
    );
    assert!(
        String::from_utf8_lossy(&changed.stdout)
            .lines()
            .all(|p| p == "STATUS.md" || p.starts_with("status/")),
        "the status commit touches only what the example workflow's paths-ignore lists"
    );
    // A bad command is a clear error.
    let mut bad = Runner::new(dir, "push", json!({}), &[("command", "deploy")]);
    let results = bad.run();
    assert_eq!(results["run"].0, 2);
    assert!(results["run"].1.contains("input `command` is `deploy`"));
}

#[test]
fn the_example_workflow_ignores_the_status_commit_and_runs_one_reconcile_at_a_time() {
    let text = std::fs::read_to_string(common::root().join("examples/github/railyard.yml"))
        .expect("the example workflow");
    let parsed = railyard::yaml::parse(&text, railyard::yaml::Limits::default());
    let workflow = parsed.documents[0].root.to_json();
    assert_eq!(
        workflow["on"]["push"]["paths-ignore"],
        json!(["status/**", "STATUS.md"])
    );
    assert!(workflow["concurrency"]["group"].is_string());
    assert_eq!(
        workflow["permissions"],
        json!({"contents": "write", "pull-requests": "write"})
    );
    for job in ["plan", "reconcile"] {
        assert_eq!(
            workflow["jobs"][job]["steps"][0]["with"]["fetch-depth"], 0,
            "{job} checks out the whole history"
        );
    }
}
