//! Helpers shared by the end-to-end tests: a hermetic `railyard` command and temporary
//! repositories.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use assert_cmd::Command;

/// The railyard binary with a hermetic environment: no user git config, no color, no
/// GitHub variables, a quiet log.
pub fn railyard() -> Command {
    let mut command = Command::cargo_bin("railyard").expect("the railyard binary is built");
    command
        .env_remove("RUST_LOG")
        .env_remove("GITHUB_STEP_SUMMARY")
        .env_remove("NO_COLOR")
        .env_remove("GIT_AUTHOR_NAME")
        .env_remove("GIT_AUTHOR_EMAIL")
        .env_remove("GIT_COMMITTER_NAME")
        .env_remove("GIT_COMMITTER_EMAIL")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .arg("--color")
        .arg("never");
    command
}

/// The project's root directory.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A temporary repository holding `files` as (relative path, bytes).
pub fn repo(files: &[(&str, &[u8])]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a temporary directory");
    for (path, bytes) in files {
        write(dir.path(), path, bytes);
    }
    dir
}

pub fn write(root: &Path, path: &str, bytes: &[u8]) {
    let full = root.join(path);
    if let Some(parent) = full.parent() {
        std::fs::create_dir_all(parent).expect("create the parent directory");
    }
    std::fs::write(full, bytes).expect("write the file");
}

/// stdout of a finished command as text.
pub fn stdout(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// The diagnostic codes of `validate --format json` on `dir`.
pub fn codes(dir: &Path) -> (Vec<String>, i32) {
    let output = railyard()
        .args(["validate", "--format", "json", "--repo"])
        .arg(dir)
        .output()
        .expect("railyard runs");
    let json: serde_json::Value =
        serde_json::from_slice(&output.stdout).expect("validate prints JSON");
    let codes = json["diagnostics"]
        .as_array()
        .expect("a list of diagnostics")
        .iter()
        .map(|d| d["code"].as_str().unwrap_or_default().to_string())
        .collect();
    (codes, output.status.code().unwrap_or(-1))
}

/// A hermetic git command in `dir`: no user or system config, fixed identity
/// (`author@example.com`) and dates.
pub fn git(dir: &Path, args: &[&str], author: &str, date: &str) -> std::process::Output {
    git_as(dir, args, (author, &format!("{author}@example.com")), date)
}

/// A hermetic git command in `dir` as `who` (name, email) at `date`.
pub fn git_as(dir: &Path, args: &[&str], who: (&str, &str), date: &str) -> std::process::Output {
    let output = std::process::Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", who.0)
        .env("GIT_AUTHOR_EMAIL", who.1)
        .env("GIT_AUTHOR_DATE", date)
        .env("GIT_COMMITTER_NAME", who.0)
        .env("GIT_COMMITTER_EMAIL", who.1)
        .env("GIT_COMMITTER_DATE", date)
        .output()
        .expect("git runs");
    assert!(
        output.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// Writes `files` and commits them as `author` at `date`.
pub fn commit(dir: &Path, files: &[(&str, &str)], author: &str, date: &str) {
    for (path, text) in files {
        write(dir, path, text.as_bytes());
    }
    git(dir, &["add", "-A"], author, date);
    git(
        dir,
        &["commit", "-q", "-m", &format!("{author} changes")],
        author,
        date,
    );
}

/// A commit by rita in a working tree whose branch a railyard moves at the same time: git
/// refuses while railyard holds the index lock or has just moved the branch (as it would
/// for a person committing then), so try again, as a person would. `only` limits the
/// commit to those paths (railyard may be writing its own files meanwhile); empty commits
/// everything. `date` fixes the author and committer dates.
pub fn commit_racing(dir: &Path, only: &[&str], message: &str, date: Option<&str>) {
    for _ in 0..200 {
        let run = |args: &[&str]| {
            let mut command = std::process::Command::new("git");
            command
                .args(args)
                .current_dir(dir)
                .env("GIT_CONFIG_GLOBAL", "/dev/null")
                .env("GIT_CONFIG_NOSYSTEM", "1")
                .env("GIT_AUTHOR_NAME", "rita")
                .env("GIT_AUTHOR_EMAIL", "rita@example.com")
                .env("GIT_COMMITTER_NAME", "rita")
                .env("GIT_COMMITTER_EMAIL", "rita@example.com")
                .stderr(std::process::Stdio::null());
            if let Some(date) = date {
                command
                    .env("GIT_AUTHOR_DATE", date)
                    .env("GIT_COMMITTER_DATE", date);
            }
            command.status().is_ok_and(|s| s.success())
        };
        let committed = if only.is_empty() {
            run(&["add", "-A"]) && run(&["commit", "-q", "-m", message])
        } else {
            let add: Vec<&str> = ["add", "--"].iter().chain(only).copied().collect();
            let commit: Vec<&str> = ["commit", "-q", "-m", message, "--"]
                .iter()
                .chain(only)
                .copied()
                .collect();
            run(&add) && run(&commit)
        };
        if committed {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    panic!("could not commit `{message}`");
}

/// A new git repository with a `main` branch.
pub fn git_repo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a temporary directory");
    git(
        dir.path(),
        &["init", "-q", "-b", "main"],
        "nobody",
        "2026-01-01T00:00:00Z",
    );
    dir
}

/// Copies a directory tree (for running on a plain-folder copy of an example).
pub fn copy_tree(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).expect("readable") {
        let entry = entry.expect("an entry");
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            std::fs::create_dir_all(&target).expect("mkdir");
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

/// `reconcile --dry-run --format json` at `now` on `dir` (plus `extra` arguments): the plan
/// and the exit code.
pub fn dry_run_json(dir: &Path, now: &str, extra: &[&str]) -> (serde_json::Value, i32) {
    let output = railyard()
        .args([
            "reconcile",
            "--dry-run",
            "--format",
            "json",
            "--now",
            now,
            "--repo",
        ])
        .arg(dir)
        .args(extra)
        .output()
        .expect("railyard runs");
    let json = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|_| panic!("a JSON plan: {}", String::from_utf8_lossy(&output.stdout)));
    (json, output.status.code().unwrap_or(-1))
}

/// `railyard reconcile` (a status commit) of `dir` at `now`, which must end with exit 0 or
/// 1 (objects with manifest errors are skipped); `what` names the step in a failure.
pub fn reconcile_at(dir: &Path, now: &str, what: &str) {
    let out = railyard()
        .args(["reconcile", "--now", now, "--repo"])
        .arg(dir)
        .output()
        .expect("railyard runs");
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{what}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A team of release managers (rita, marco), committed under their own emails.
pub const TEAMS: &str = "apiVersion: railyard/v1\nkind: Team\nmetadata: {name: release-managers}\nspec:\n  members:\n    - {id: rita, emails: [rita@example.com]}\n    - {id: marco, emails: [marco@example.com]}\n";
/// A train that marco's approval moves to construction.
pub const TRAIN: &str = "apiVersion: railyard/v1\nkind: ReleaseTrain\nmetadata: {name: q4}\nspec: {type: minor, manager: rita}\n";
pub const APPROVAL: &str = "apiVersion: railyard/v1\nkind: Approval\nmetadata: {name: q4-train}\nspec: {subject: ReleaseTrain/q4, gate: train, decision: approve, by: marco}\n";
/// A git repository with the release managers and train `q4` committed by rita.
pub fn train_repo() -> tempfile::TempDir {
    let repo = git_repo();
    commit(
        repo.path(),
        &[("teams.yaml", TEAMS), ("trains/q4.yaml", TRAIN)],
        "rita",
        "2026-11-01T10:00:00Z",
    );
    repo
}

/// [`train_repo`] with marco's approval committed by marco: the train can leave scoping.
pub fn approved_train_repo() -> tempfile::TempDir {
    let repo = train_repo();
    commit(
        repo.path(),
        &[("approvals/q4-train.yaml", APPROVAL)],
        "marco",
        "2026-11-02T10:00:00Z",
    );
    repo
}

/// A bare clone of the repository at `of`.
pub fn bare_clone(of: &Path) -> tempfile::TempDir {
    let bare = tempfile::tempdir().expect("a temporary directory");
    git(
        bare.path(),
        &["clone", "-q", "--bare", &of.display().to_string(), "."],
        "nobody",
        "2026-11-25T12:00:00Z",
    );
    bare
}

/// A release engineer (eve), a test environment and a release to deploy.
pub const DEPLOYABLE: &str = "apiVersion: railyard/v1\nkind: Team\nmetadata: {name: release-engineers}\nspec: {members: [{id: eve, emails: [eve@example.com]}]}\n---\napiVersion: railyard/v1\nkind: Team\nmetadata: {name: developers}\nspec: {members: [{id: dan, emails: [dan@example.com]}]}\n---\napiVersion: railyard/v1\nkind: Environment\nmetadata: {name: test}\nspec: {tier: test}\n---\napiVersion: railyard/v1\nkind: ApplicationRelease\nmetadata: {name: web-2}\nspec: {application: web, version: \"2.0\"}\n";

/// A git repository whose Turnover `to` (on `test`, with these task lines and schedule) eve
/// accepted and started, each commit by its own author.
pub fn started_turnover(tasks: &[&str], scheduled_at: &str) -> tempfile::TempDir {
    let repo = git_repo();
    let turnover = format!(
        "apiVersion: railyard/v1\nkind: Turnover\nmetadata: {{name: to}}\nspec:\n  environment: test\n  releases: [web-2]\n  scheduledAt: {scheduled_at}\n  tasks:\n{}",
        tasks
            .iter()
            .map(|t| format!("    - {t}\n"))
            .collect::<String>()
    );
    commit(
        repo.path(),
        &[("repo.yaml", DEPLOYABLE), ("turnovers/to.yaml", &turnover)],
        "rita",
        "2026-11-20T10:00:00Z",
    );
    let approvals: Vec<(String, String)> = ["acceptance", "start"]
        .iter()
        .map(|gate| {
            (
                format!("approvals/{gate}.yaml"),
                format!("apiVersion: railyard/v1\nkind: Approval\nmetadata: {{name: {gate}}}\nspec: {{subject: Turnover/to, gate: {gate}, decision: approve, by: eve}}\n"),
            )
        })
        .collect();
    let borrowed: Vec<(&str, &str)> = approvals
        .iter()
        .map(|(p, t)| (p.as_str(), t.as_str()))
        .collect();
    commit(repo.path(), &borrowed, "eve", "2026-11-21T10:00:00Z");
    repo
}

/// A child process that is killed when the test ends, even by a failed assertion: a test
/// never leaves a `railyard watch` behind.
pub struct KillOnDrop(pub std::process::Child);

impl std::ops::Deref for KillOnDrop {
    type Target = std::process::Child;
    fn deref(&self) -> &std::process::Child {
        &self.0
    }
}

impl std::ops::DerefMut for KillOnDrop {
    fn deref_mut(&mut self) -> &mut std::process::Child {
        &mut self.0
    }
}

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        if matches!(self.0.try_wait(), Ok(None)) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}

/// What `reconcile` says when it has nothing to commit: `up to date`, and, when a railyard
/// before it left the working tree behind the branch (killed, or the index was locked by
/// another git at the time), that it caught the tree up.
pub fn up_to_date(said: &str) -> bool {
    ["up to date\n", "up to date\nthe working tree is updated\n"].contains(&said)
}
