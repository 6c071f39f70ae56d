//! `railyard reconcile --execute` with real processes on real git repositories: tasks that
//! succeed, fail and time out (their children gone too), `--jobs` honoured, a retry that
//! skips what succeeded, manual tasks completed by the right person only, Ctrl-C, and the
//! refusals.

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use common::{commit, git, railyard, stdout};
use serde_json::Value;

const NOW: &str = "2026-11-25T12:00:00Z";

fn record(kind: &str, name: &str, spec: &str) -> String {
    format!("apiVersion: railyard/v1\nkind: {kind}\nmetadata: {{name: {name}}}\nspec: {spec}\n")
}

/// A turnover `to` on `test` with these task lines (YAML flow mappings), already started.
fn setup(tasks: &[&str]) -> tempfile::TempDir {
    common::started_turnover(tasks, "2026-11-24T20:00:00Z")
}

fn execute(dir: &Path, extra: &[&str]) -> std::process::Output {
    railyard()
        .args(["reconcile", "--execute", "--now", NOW, "--repo"])
        .arg(dir)
        .args(extra)
        .output()
        .expect("railyard runs")
}

fn ok(output: &std::process::Output) -> String {
    assert_eq!(
        output.status.code(),
        Some(0),
        "stdout: {}\nstderr: {}",
        stdout(output),
        String::from_utf8_lossy(&output.stderr)
    );
    stdout(output)
}

/// The committed status of the turnover, as JSON.
fn committed_status(dir: &Path) -> Value {
    let text = git(
        dir,
        &["show", "main:status/Turnover/to.yaml"],
        "nobody",
        NOW,
    )
    .stdout;
    let text = String::from_utf8_lossy(&text).into_owned();
    let parsed = railyard::yaml::parse(&text, railyard::yaml::Limits::default());
    parsed.documents[0].root.to_json()
}

fn states(status: &Value) -> String {
    let states = status["tasks"]["states"].as_object().expect("task states");
    states
        .iter()
        .map(|(id, s)| format!("{id}={}", s.as_str().unwrap_or("?")))
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
fn tasks_run_in_order_with_their_environment_and_the_turnover_is_deployed() {
    let repo = setup(&[
        r#"{id: build, title: Build, type: automated, run: [sh, -c, 'echo "$RAILYARD_TURNOVER/$RAILYARD_TASK on $RAILYARD_ENVIRONMENT, attempt $RAILYARD_ATTEMPT"; echo to stderr >&2']}"#,
        r#"{id: deploy, title: Deploy, type: automated, run: [sh, -c, 'test -n "$RAILYARD_SUBJECT"'], dependsOn: [build], timeout: 5m}"#,
    ]);
    let dir = repo.path();
    let out = ok(&execute(dir, &[]));
    assert!(out.contains("ran 2 tasks: 2 succeeded, 0 failed"), "{out}");
    let status = committed_status(dir);
    assert_eq!(status["phase"], "deployed");
    assert_eq!(states(&status), "build=succeeded deploy=succeeded");
    let build = &status["runs"]["build"];
    assert_eq!(build["state"], "succeeded");
    assert_eq!(build["exitCode"], 0);
    assert_eq!(build["attempt"], 1);
    assert!(build["durationMs"].is_u64());
    assert_eq!(
        build["output"],
        serde_json::json!(["to/build on test, attempt 1", "to stderr"])
    );
    // Every status commit is the bot's; the history ends with deploying → deployed.
    let log =
        String::from_utf8_lossy(&git(dir, &["log", "--format=%an %s", "-4"], "nobody", NOW).stdout)
            .into_owned();
    assert!(
        log.starts_with("railyard[bot] railyard: 1 transition"),
        "{log}"
    );
    git(dir, &["fsck", "--strict"], "nobody", NOW);
    // Nothing is ready any more: nothing runs, nothing is committed.
    let head = git(dir, &["rev-parse", "HEAD"], "nobody", NOW).stdout;
    let again = ok(&execute(dir, &[]));
    assert!(again.contains("no automated task is ready"), "{again}");
    assert_eq!(git(dir, &["rev-parse", "HEAD"], "nobody", NOW).stdout, head);
}

#[test]
fn a_failure_stops_new_starts_running_tasks_finish_and_a_retry_skips_what_succeeded() {
    let log = tempfile::tempdir().expect("temp");
    let count = log.path().join("slow.count");
    let slow = format!(
        "{{id: slow, title: Slow, type: automated, run: [sh, -c, 'sleep 0.5; echo run >> {}']}}",
        count.display()
    );
    let tasks = [
        // Fails on attempt 1, succeeds on attempt 2.
        r#"{id: flaky, title: Flaky, type: automated, run: [sh, -c, 'echo trying; test "$RAILYARD_ATTEMPT" -ge 2 || exit 3']}"#,
        slow.as_str(),
        r#"{id: after, title: After, type: automated, run: ["true"], dependsOn: [flaky]}"#,
    ];
    let repo = setup(&tasks);
    let dir = repo.path();
    let out = ok(&execute(dir, &["--jobs", "2"]));
    assert!(out.contains("ran 2 tasks: 1 succeeded, 1 failed"), "{out}");
    assert!(
        out.contains("failed: Turnover/to `flaky`: exit code 3"),
        "{out}"
    );
    let status = committed_status(dir);
    assert_eq!(status["phase"], "failed");
    assert_eq!(states(&status), "after=pending flaky=failed slow=succeeded");
    assert_eq!(status["runs"]["flaky"]["exitCode"], 3);
    assert_eq!(
        status["runs"]["flaky"]["output"],
        serde_json::json!(["trying"])
    );
    assert!(status["runs"].get("after").is_none(), "nothing new started");
    let explained = railyard()
        .args(["explain", "Turnover/to", "--now", NOW, "--repo"])
        .arg(dir)
        .output()
        .expect("runs");
    let explained = ok(&explained);
    assert!(
        explained.contains("  run flaky: failed, exit code 3, ")
            && explained.contains("    | trying\n"),
        "{explained}"
    );
    // Retry: attempt 2 skips `slow`, runs `flaky` and then `after`.
    let turnover = std::fs::read_to_string(dir.join("turnovers/to.yaml")).expect("turnover");
    commit(
        dir,
        &[(
            "turnovers/to.yaml",
            &turnover.replace("  tasks:", "  retry: {attempt: 2}\n  tasks:"),
        )],
        "eve",
        "2026-11-25T11:00:00Z",
    );
    let out = ok(&execute(dir, &[]));
    assert!(out.contains("ran 2 tasks: 2 succeeded, 0 failed"), "{out}");
    let status = committed_status(dir);
    assert_eq!(status["phase"], "deployed");
    assert_eq!(
        states(&status),
        "after=succeeded flaky=succeeded slow=skipped"
    );
    assert_eq!(status["runs"]["flaky"]["attempt"], 2);
    assert_eq!(
        std::fs::read_to_string(&count).expect("slow ran"),
        "run\n",
        "`slow` ran once"
    );
}

/// Whether process `pid` is gone (or a zombie waiting for its reaper).
fn gone(pid: &str) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => true,
        Ok(stat) => stat
            .rsplit_once(')')
            .is_some_and(|(_, rest)| rest.trim_start().starts_with('Z')),
    }
}

#[test]
fn a_task_that_times_out_is_killed_with_its_children() {
    let scratch = tempfile::tempdir().expect("temp");
    let pidfile = scratch.path().join("child.pid");
    let task = format!(
        "{{id: hang, title: Hang, type: automated, timeout: 1s, run: [sh, -c, 'sleep 60 & echo $! > {}; echo waiting; wait']}}",
        pidfile.display()
    );
    let repo = setup(&[&task]);
    let dir = repo.path();
    let started = Instant::now();
    let out = ok(&execute(dir, &[]));
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "the timeout ended the run"
    );
    assert!(
        out.contains("failed: Turnover/to `hang`: timed out after 1s"),
        "{out}"
    );
    let status = committed_status(dir);
    assert_eq!(status["phase"], "failed");
    assert_eq!(status["runs"]["hang"]["reason"], "timed out after 1s");
    assert_eq!(
        status["runs"]["hang"]["output"],
        serde_json::json!(["waiting"])
    );
    let pid = std::fs::read_to_string(&pidfile).expect("the task wrote its child's pid");
    let pid = pid.trim();
    let deadline = Instant::now() + Duration::from_secs(5);
    while !gone(pid) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(
        gone(pid),
        "the task's child {pid} was killed with its group"
    );
}

#[test]
fn jobs_bounds_how_many_tasks_run_at_once_and_waves_wait_for_their_dependencies() {
    let scratch = tempfile::tempdir().expect("temp");
    let log = scratch.path().join("events");
    let task = |id: &str, deps: &str| {
        format!(
            "{{id: {id}, title: {id}, type: automated, dependsOn: [{deps}], run: [sh, -c, 'echo \"$(date +%s%N) + {id}\" >> {log}; sleep 0.3; echo \"$(date +%s%N) - {id}\" >> {log}']}}",
            log = log.display()
        )
    };
    let tasks = [
        task("a", ""),
        task("b", ""),
        task("c", ""),
        task("d", ""),
        task("e", "a, b, c, d"),
    ];
    let borrowed: Vec<&str> = tasks.iter().map(String::as_str).collect();
    let repo = setup(&borrowed);
    let dir = repo.path();
    let out = ok(&execute(dir, &["--jobs", "2"]));
    assert!(out.contains("ran 5 tasks: 5 succeeded"), "{out}");
    let text = std::fs::read_to_string(&log).expect("events");
    let mut events: Vec<(u128, char, String)> = text
        .lines()
        .map(|l| {
            let mut parts = l.split(' ');
            let at = parts.next().and_then(|t| t.parse().ok()).expect("a time");
            let sign = parts.next().and_then(|s| s.chars().next()).expect("+/-");
            (at, sign, parts.next().expect("an id").to_string())
        })
        .collect();
    events.sort();
    let (mut active, mut most) = (0i32, 0i32);
    for (_, sign, _) in &events {
        active += if *sign == '+' { 1 } else { -1 };
        most = most.max(active);
    }
    assert_eq!(most, 2, "two at once, never more: {text}");
    let start_e = events.iter().position(|e| e.1 == '+' && e.2 == "e");
    let last_end = events
        .iter()
        .rposition(|e| e.1 == '-' && e.2 != "e")
        .expect("ends");
    assert!(start_e > Some(last_end), "`e` waits for its wave: {text}");
}

#[test]
fn manual_tasks_wait_for_a_report_by_their_owner() {
    let repo = setup(&[
        r#"{id: deploy, title: Deploy, type: automated, run: ["true"]}"#,
        "{id: check, title: Check, type: manual, owner: developers, dependsOn: [deploy]}",
    ]);
    let dir = repo.path();
    ok(&execute(dir, &[]));
    assert_eq!(
        states(&committed_status(dir)),
        "check=waiting deploy=succeeded"
    );
    // eve is not a developer; and a report written for dan but committed by eve is not dan's.
    // (Reports are committed after `deploy` ran at NOW: one from before its dependency was
    // done would not count.)
    let by = |who: &str| {
        record(
            "TaskReport",
            &format!("check-{who}"),
            &format!(
                "{{subject: Turnover/to, task: check, attempt: 1, outcome: succeeded, by: {who}}}"
            ),
        )
    };
    commit(
        dir,
        &[
            ("reports/eve.yaml", &by("eve")),
            ("reports/dan.yaml", &by("dan")),
        ],
        "eve",
        "2026-11-25T12:10:00Z",
    );
    ok(&execute(dir, &[]));
    let status = committed_status(dir);
    assert_eq!(status["phase"], "deploying");
    assert!(
        status["next"][0]["blockedBy"][0]
            .as_str()
            .is_some_and(|r| r.contains("`check` (waiting for `developers`; report `check-eve` is by `eve`, not by the task's owner `developers`, so it does not count)")),
        "{status}"
    );
    commit(
        dir,
        &[(
            "reports/dan-own.yaml",
            &by("dan").replace("check-dan", "check-dan-own"),
        )],
        "dan",
        "2026-11-25T12:30:00Z",
    );
    ok(&execute(dir, &[]));
    assert_eq!(committed_status(dir)["phase"], "deployed");
}

#[test]
fn execute_is_refused_in_a_dry_run_and_off_the_configured_branch() {
    let repo = setup(&[r#"{id: deploy, title: Deploy, type: automated, run: ["true"]}"#]);
    let dir = repo.path();
    let head = git(dir, &["rev-parse", "HEAD"], "nobody", NOW).stdout;
    let dry = railyard()
        .args(["reconcile", "--dry-run", "--execute", "--repo"])
        .arg(dir)
        .output()
        .expect("runs");
    assert_eq!(dry.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&dry.stderr).contains("`--execute` runs tasks and commits"),
        "{dry:?}"
    );
    let jobs = railyard()
        .args(["reconcile", "--jobs", "2", "--repo"])
        .arg(dir)
        .output()
        .expect("runs");
    assert_eq!(jobs.status.code(), Some(2), "--jobs needs --execute");
    git(dir, &["checkout", "-q", "-b", "feature"], "nobody", NOW);
    let other = execute(dir, &[]);
    assert_eq!(other.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&other.stderr),
        "error: railyard runs tasks only on the configured branch `main`, and this working tree has `feature` checked out: switch to `main` first, or leave out `--execute`\n"
    );
    git(dir, &["checkout", "-q", "--detach", "main"], "nobody", NOW);
    let detached = execute(dir, &[]);
    assert_eq!(detached.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&detached.stderr).contains("detached HEAD"));
    git(dir, &["checkout", "-q", "main"], "nobody", NOW);
    assert_eq!(
        git(dir, &["rev-parse", "HEAD"], "nobody", NOW).stdout,
        head,
        "nothing was committed"
    );
}

#[test]
fn ctrl_c_terminates_running_tasks_and_records_them_as_failed() {
    let repo = setup(&[
        r#"{id: long, title: Long, type: automated, run: [sleep, "60"]}"#,
        r#"{id: later, title: Later, type: automated, run: ["true"], dependsOn: [long]}"#,
    ]);
    let dir = repo.path();
    let mut child = common::KillOnDrop(
        std::process::Command::new(env!("CARGO_BIN_EXE_railyard"))
            .args([
                "--color",
                "never",
                "reconcile",
                "--execute",
                "--now",
                NOW,
                "--repo",
            ])
            .arg(dir)
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("railyard starts"),
    );
    // Wait until the running task is committed as running.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let shown = std::process::Command::new("git")
            .args(["show", "main:status/Turnover/to.yaml"])
            .current_dir(dir)
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .output()
            .expect("git runs");
        if String::from_utf8_lossy(&shown.stdout).contains("state: running") {
            break;
        }
        assert!(Instant::now() < deadline, "the run was never recorded");
        std::thread::sleep(Duration::from_millis(50));
    }
    let interrupted = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(interrupted.success());
    let status = child.wait().expect("railyard ends");
    let mut stderr = String::new();
    if let Some(mut pipe) = child.stderr.take() {
        let _ = std::io::Read::read_to_string(&mut pipe, &mut stderr);
    }
    assert_eq!(status.code(), Some(130), "{stderr}");
    let status = committed_status(dir);
    assert_eq!(status["phase"], "failed");
    assert_eq!(states(&status), "later=pending long=failed");
    assert_eq!(
        status["runs"]["long"]["reason"],
        "stopped: railyard was interrupted (Ctrl-C) while the task ran"
    );
    git(dir, &["fsck", "--strict"], "nobody", NOW);
}

#[test]
fn runs_left_running_by_a_killed_railyard_are_failed_as_interrupted_next_time() {
    let scratch = tempfile::tempdir().expect("temp");
    let pidfile = scratch.path().join("task.pid");
    let task = format!(
        "{{id: long, title: Long, type: automated, run: [sh, -c, 'echo $$ > {}; exec sleep 60']}}",
        pidfile.display()
    );
    let repo = setup(&[&task]);
    let dir = repo.path();
    let mut child = common::KillOnDrop(
        std::process::Command::new(env!("CARGO_BIN_EXE_railyard"))
            .args(["reconcile", "--execute", "--now", NOW, "--repo"])
            .arg(dir)
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("railyard starts"),
    );
    let deadline = Instant::now() + Duration::from_secs(30);
    let shown = |dir: &Path| {
        std::process::Command::new("git")
            .args(["show", "main:status/Turnover/to.yaml"])
            .current_dir(dir)
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
            .unwrap_or_default()
    };
    while !shown(dir).contains("state: running") {
        assert!(Instant::now() < deadline, "the run was never recorded");
        std::thread::sleep(Duration::from_millis(50));
    }
    child.kill().expect("SIGKILL");
    child.wait().expect("reaped");
    // The task's own process group outlived railyard: end it so the test leaves nothing.
    while !pidfile.exists() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    let pid = std::fs::read_to_string(&pidfile).expect("the task wrote its pid");
    let _ = std::process::Command::new("kill").arg(pid.trim()).status();
    // A plain reconcile leaves the run as it is: someone may still be running it.
    let plain = railyard()
        .args(["reconcile", "--now", NOW, "--repo"])
        .arg(dir)
        .output()
        .expect("runs");
    // (The kill may fall after the branch moved and before the working tree was updated.)
    assert!(common::up_to_date(&stdout(&plain)), "{}", stdout(&plain));
    assert_eq!(states(&committed_status(dir)), "long=running");
    // The next execution records it as interrupted; the turnover fails and can be retried.
    let out = ok(&execute(dir, &[]));
    assert!(out.contains("no automated task is ready"), "{out}");
    let status = committed_status(dir);
    assert_eq!(status["phase"], "failed");
    assert!(
        status["runs"]["long"]["reason"]
            .as_str()
            .is_some_and(|r| r.starts_with("interrupted: the railyard that ran it stopped")),
        "{status}"
    );
}

#[test]
fn github_format_annotates_failed_tasks_and_sets_outputs() {
    let repo = setup(&[
        r#"{id: slow, title: Slow, type: automated, run: [sh, -c, 'sleep 0.3']}"#,
        r#"{id: bad, title: Bad, type: automated, run: [sh, -c, 'exit 4']}"#,
    ]);
    let dir = repo.path();
    let outputs = tempfile::NamedTempFile::new().expect("temp");
    let output = railyard()
        .args([
            "reconcile",
            "--execute",
            "--format",
            "github",
            "--now",
            NOW,
            "--repo",
        ])
        .arg(dir)
        .env("GITHUB_OUTPUT", outputs.path())
        .output()
        .expect("runs");
    let out = ok(&output);
    assert!(
        out.contains("::error title=railyard task failed::Turnover/to `bad`: exit code 4\n"),
        "{out}"
    );
    let written = std::fs::read_to_string(outputs.path()).expect("outputs");
    let last = |key: &str| {
        written
            .lines()
            .rev()
            .find_map(|l| l.strip_prefix(&format!("{key}=")))
            .map(str::to_string)
    };
    assert_eq!(last("errors").as_deref(), Some("0"));
    assert_eq!(last("changed").as_deref(), Some("true"));
    let transitions: usize = last("transitions")
        .and_then(|t| t.parse().ok())
        .expect("a number");
    assert!(transitions >= 2, "into deploying, then failed: {written}");
    for key in ["transitions", "errors", "changed"] {
        assert_eq!(
            written
                .lines()
                .filter(|l| l.starts_with(&format!("{key}=")))
                .count(),
            1,
            "each output once: {written}"
        );
    }
    let log = String::from_utf8_lossy(&git(dir, &["log", "--format=%s"], "nobody", NOW).stdout)
        .into_owned();
    assert!(log.contains("railyard: record task runs"), "{log}");
}

/// One-shot commands ask the kernel for no transparent huge pages (`reclaim::set_mode`), a
/// setting children inherit; `--execute` does not, so a task runs with the huge pages of
/// the process that started railyard.
#[test]
fn a_task_runs_with_the_huge_pages_railyard_was_started_with() {
    let ours = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("THP_enabled:"))
                .map(str::to_string)
        });
    let Some(ours) = ours else {
        // No such line before Linux 5.0 (or no /proc): nothing to compare.
        return;
    };
    let repo = setup(&[
        r#"{id: pages, title: Pages, type: automated, run: [sh, -c, 'grep THP_enabled /proc/self/status']}"#,
    ]);
    let dir = repo.path();
    ok(&execute(dir, &[]));
    let status = committed_status(dir);
    assert_eq!(
        status["runs"]["pages"]["output"],
        serde_json::json!([ours]),
        "{status}"
    );
}
