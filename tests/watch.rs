//! `railyard watch` on real repositories: a commit from another process gets its status
//! commit; a burst of commits is folded into few rounds and ends where a single reconcile
//! would; SIGTERM leaves git clean; the timer starts a scheduled turnover without a commit.

mod common;

use common::{APPROVAL, TEAMS, TRAIN};

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{commit, git, git_repo, railyard, stdout};

/// A git repository with the release managers' team committed.
fn teams_repo() -> tempfile::TempDir {
    let repo = git_repo();
    commit(
        repo.path(),
        &[("teams.yaml", TEAMS)],
        "rita",
        "2026-11-01T10:00:00Z",
    );
    repo
}

/// Starts `railyard watch` on `dir` with JSON log lines on stderr (into a file we can read
/// while it runs).
fn start(dir: &Path, log: &Path, extra: &[&str]) -> common::KillOnDrop {
    let child = Command::new(env!("CARGO_BIN_EXE_railyard"))
        .args([
            "--log-format",
            "json",
            "watch",
            "--debounce",
            "100ms",
            "--repo",
        ])
        .arg(dir)
        .args(extra)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env_remove("RUST_LOG")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(log).expect("a log file"))
        .spawn()
        .expect("railyard watch starts");
    common::KillOnDrop(child)
}

/// The log's round lines (those with a `trigger`).
fn rounds(log: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(log)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|l| l["fields"]["trigger"].is_string())
        .collect()
}

/// Waits (generously: the latency target lives in the benchmark) until `ready` holds.
fn eventually(what: &str, mut ready: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !ready() {
        assert!(Instant::now() < deadline, "timed out waiting until {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn terminate(child: &mut Child) -> std::process::ExitStatus {
    let sent = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(sent.success());
    child.wait().expect("watch ends")
}

fn head(dir: &Path) -> String {
    String::from_utf8_lossy(
        &git(
            dir,
            &["log", "-1", "--format=%an %s"],
            "nobody",
            "2026-11-25T12:00:00Z",
        )
        .stdout,
    )
    .trim()
    .to_string()
}

fn no_lock_files(dir: &Path) {
    let found = Command::new("find")
        .arg(dir.join(".git"))
        .args(["-name", "*.lock"])
        .output()
        .expect("find runs");
    assert_eq!(stdout(&found), "", "no stray lock file");
}

#[test]
fn a_commit_from_another_process_gets_its_status_commit() {
    let repo = common::train_repo();
    let dir = repo.path();
    let logs = tempfile::tempdir().expect("temp");
    let log = logs.path().join("watch.log");
    let mut watch = start(dir, &log, &["--now", "2026-11-25T12:00:00Z"]);
    // The round has ended once it is logged: after its commit it writes the working tree
    // and the index, and a `git add` meanwhile would find the index locked.
    eventually("the first round committed status and ended", || {
        rounds(&log).iter().any(|l| {
            l["fields"]["commit"]
                .as_str()
                .is_some_and(|c| !c.is_empty())
        })
    });
    assert!(head(dir).starts_with("railyard[bot]"));
    commit(
        dir,
        &[("approvals/q4-train.yaml", APPROVAL)],
        "marco",
        "2026-11-02T10:00:00Z",
    );
    eventually("the approval's status commit appeared", || {
        head(dir) == "railyard[bot] railyard: 1 transition"
    });
    let status = terminate(&mut watch);
    assert_eq!(status.code(), Some(0), "SIGTERM ends watch cleanly");
    let lines = rounds(&log);
    let last = lines
        .iter()
        .rev()
        .find(|l| l["fields"]["transitions"] == 1)
        .expect("a round with the transition");
    assert_eq!(last["fields"]["trigger"], "ref refs/heads/main");
    assert_eq!(
        last["fields"]["parsed"], 1,
        "only the new file was parsed: {last}"
    );
    git(dir, &["fsck", "--strict"], "nobody", "2026-11-25T12:00:00Z");
}

#[test]
fn a_burst_of_commits_is_folded_into_few_rounds_and_ends_like_one_reconcile() {
    let repo = teams_repo();
    let dir = repo.path();
    let logs = tempfile::tempdir().expect("temp");
    let log = logs.path().join("watch.log");
    let mut watch = start(dir, &log, &["--now", "2026-11-25T12:00:00Z"]);
    eventually("the first round", || !rounds(&log).is_empty());
    for i in 0..50 {
        let train = TRAIN.replace("q4", &format!("t{i:02}"));
        common::write(dir, &format!("trains/t{i:02}.yaml"), train.as_bytes());
        common::commit_racing(dir, &[], &format!("train {i}"), None);
    }
    eventually("the last train has status", || {
        Command::new("git")
            .args(["cat-file", "-e", "main:status/ReleaseTrain/t49.yaml"])
            .current_dir(dir)
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    });
    // Let a round that is still running finish.
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(terminate(&mut watch).code(), Some(0));
    let count = rounds(&log).len();
    assert!(count < 25, "50 commits, {count} rounds");
    // A single reconcile finds nothing to do: the status is what it would have written.
    let once = railyard()
        .args(["reconcile", "--now", "2026-11-25T12:00:00Z", "--repo"])
        .arg(dir)
        .output()
        .expect("runs");
    // (A round may have found the index locked by one of the commits and left the tree.)
    assert!(common::up_to_date(&stdout(&once)), "{}", stdout(&once));
    git(dir, &["fsck", "--strict"], "nobody", "2026-11-25T12:00:00Z");
    no_lock_files(dir);
}

#[test]
fn sigterm_during_rounds_never_leaves_half_a_commit() {
    let repo = teams_repo();
    let dir = repo.path();
    let logs = tempfile::tempdir().expect("temp");
    for (round, wait_ms) in [0u64, 5, 20, 60].into_iter().enumerate() {
        let log = logs.path().join(format!("watch-{round}.log"));
        let mut watch = start(dir, &log, &["--now", "2026-11-25T12:00:00Z"]);
        eventually("the first round", || !rounds(&log).is_empty());
        let train = TRAIN.replace("q4", &format!("s{round}"));
        commit(
            dir,
            &[(&format!("trains/s{round}.yaml"), &train)],
            "rita",
            "2026-11-02T10:00:00Z",
        );
        std::thread::sleep(Duration::from_millis(100 + wait_ms));
        assert_eq!(terminate(&mut watch).code(), Some(0));
        git(dir, &["fsck", "--strict"], "nobody", "2026-11-25T12:00:00Z");
        no_lock_files(dir);
    }
    // Whatever was abandoned, one reconcile catches up and then nothing is left to do.
    for expected in [None, Some("up to date\n")] {
        let output = railyard()
            .args(["reconcile", "--now", "2026-11-25T12:00:00Z", "--repo"])
            .arg(dir)
            .output()
            .expect("runs");
        assert_eq!(output.status.code(), Some(0));
        if let Some(text) = expected {
            assert_eq!(stdout(&output), text);
        }
    }
}

/// The last round that made a transition was started by the timer, not by a commit.
#[track_caller]
fn last_move_was_the_timer(log: &Path) {
    let triggers: Vec<String> = rounds(log)
        .iter()
        .filter(|l| l["fields"]["transitions"] == 1)
        .map(|l| l["fields"]["trigger"].as_str().unwrap_or("").to_string())
        .collect();
    assert_eq!(
        triggers.last().map(String::as_str),
        Some("timer"),
        "{triggers:?}"
    );
}

/// Turnover `to`'s status file as committed on `main` (empty before the first).
fn committed_status(dir: &Path) -> String {
    let shown = Command::new("git")
        .args(["show", "main:status/Turnover/to.yaml"])
        .current_dir(dir)
        .output()
        .expect("git runs");
    String::from_utf8_lossy(&shown.stdout).into_owned()
}

/// The `phase:` of a status file.
fn phase_of(status: &str) -> String {
    status
        .lines()
        .find_map(|l| l.strip_prefix("phase: ").map(str::to_string))
        .unwrap_or_default()
}

#[test]
fn the_timer_starts_a_scheduled_turnover_without_a_commit() {
    // Scheduled two seconds after the clock watch starts with.
    let repo = common::started_turnover(
        &["{id: check, title: Check, type: manual, owner: release-engineers}"],
        "2026-11-25T12:00:02Z",
    );
    let dir = repo.path();
    let logs = tempfile::tempdir().expect("temp");
    let log = logs.path().join("watch.log");
    let mut watch = start(
        dir,
        &log,
        &["--now", "2026-11-25T12:00:00Z", "--interval", "1s"],
    );
    let phase = || phase_of(&committed_status(dir));
    eventually("the first round", || phase() == "ready");
    eventually("the timer started the turnover", || phase() == "deploying");
    assert_eq!(terminate(&mut watch).code(), Some(0));
    last_move_was_the_timer(&log);
}

#[test]
fn a_turnover_held_by_a_weekly_freeze_starts_when_the_freeze_ends_without_a_commit() {
    // Ready since Monday 07:00; the weekend freeze (Friday 16:00 for 64h) ends at 08:00.
    let repo = common::started_turnover(
        &["{id: check, title: Check, type: manual, owner: release-engineers}"],
        "2026-11-30T07:00:00Z",
    );
    let dir = repo.path();
    let text = std::fs::read_to_string(dir.join("repo.yaml")).expect("the repository file");
    let frozen = text.replace(
        "spec: {tier: test}",
        "spec:\n  tier: test\n  freezes:\n    - reason: Weekend\n      recur: {rrule: FREQ=WEEKLY;BYDAY=FR, start: \"16:00\", duration: 64h}",
    );
    assert_ne!(frozen, text, "the test environment gets a freeze");
    common::commit(
        dir,
        &[("repo.yaml", &frozen)],
        "rita",
        "2026-11-22T10:00:00Z",
    );
    let logs = tempfile::tempdir().expect("temp");
    let log = logs.path().join("watch.log");
    // No round of the ten-minute interval comes before the freeze ends: only its end can.
    let mut watch = start(
        dir,
        &log,
        &["--now", "2026-11-30T07:59:57Z", "--interval", "10m"],
    );
    let status = || committed_status(dir);
    let phase = || phase_of(&status());
    eventually("the first round", || phase() == "ready");
    assert!(
        status().contains("the next allowed start is 2026-11-30T08:00:00Z"),
        "{}",
        status()
    );
    eventually("the freeze's end started the turnover", || {
        phase() == "deploying"
    });
    assert!(
        status().contains("since: \"2026-11-30T08:00:0"),
        "{}",
        status()
    );
    assert_eq!(terminate(&mut watch).code(), Some(0));
    last_move_was_the_timer(&log);
}

#[test]
fn a_dry_run_watch_prints_the_plan_after_each_edit_and_commits_nothing() {
    let repo = teams_repo();
    let dir = repo.path();
    let logs = tempfile::tempdir().expect("temp");
    let (log, out) = (logs.path().join("watch.log"), logs.path().join("plan.out"));
    let mut watch = common::KillOnDrop(
        Command::new(env!("CARGO_BIN_EXE_railyard"))
            .args([
                "--log-format",
                "json",
                "watch",
                "--dry-run",
                "--debounce",
                "100ms",
            ])
            .args(["--now", "2026-11-25T12:00:00Z", "--repo"])
            .arg(dir)
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env_remove("RUST_LOG")
            .stdout(std::fs::File::create(&out).expect("a file"))
            .stderr(std::fs::File::create(&log).expect("a file"))
            .spawn()
            .expect("starts"),
    );
    eventually("the first plan", || !rounds(&log).is_empty());
    common::write(dir, "trains/q4.yaml", TRAIN.as_bytes());
    eventually("the edit was planned", || {
        rounds(&log).iter().any(|l| {
            l["fields"]["trigger"]
                .as_str()
                .is_some_and(|t| t.starts_with("edit trains"))
        })
    });
    assert_eq!(terminate(&mut watch).code(), Some(0));
    let plan = std::fs::read_to_string(&out).expect("plans");
    assert!(
        plan.contains("q4"),
        "the second plan shows the new train: {plan}"
    );
    assert_eq!(head(dir), "rita rita changes", "nothing was committed");
}

#[test]
fn watch_refuses_what_it_cannot_do() {
    let plain = tempfile::tempdir().expect("temp");
    let output = railyard()
        .args(["watch", "--repo"])
        .arg(plain.path())
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("is not inside a git repository"));
    let bad = railyard()
        .args(["watch", "--interval", "0s", "--repo"])
        .arg(plain.path())
        .output()
        .expect("runs");
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("the interval must be at least 1s"));
    let both = railyard()
        .args(["watch", "--dry-run", "--push", "--repo"])
        .arg(plain.path())
        .output()
        .expect("runs");
    assert_eq!(both.status.code(), Some(2));
}

#[test]
fn watch_ends_when_its_repository_is_deleted() {
    let repo = teams_repo();
    let dir = repo.path().to_path_buf();
    let logs = tempfile::tempdir().expect("temp");
    let log = logs.path().join("watch.log");
    let mut watch = start(
        &dir,
        &log,
        &["--now", "2026-11-25T12:00:00Z", "--interval", "1s"],
    );
    eventually("the first round", || !rounds(&log).is_empty());
    drop(repo);
    eventually("watch gave up", || matches!(watch.try_wait(), Ok(Some(_))));
    assert_eq!(watch.wait().expect("ended").code(), Some(2));
    let text = std::fs::read_to_string(&log).expect("log");
    assert!(text.contains("is gone: nothing left to watch"), "{text}");
}

#[test]
fn watch_execute_off_the_configured_branch_is_refused_at_once() {
    let repo = teams_repo();
    let dir = repo.path();
    git(
        dir,
        &["checkout", "-q", "-b", "feature"],
        "rita",
        "2026-11-25T12:00:00Z",
    );
    let output = railyard()
        .args(["watch", "--execute", "--repo"])
        .arg(dir)
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&output.stderr)
            .contains("railyard runs tasks only on the configured branch `main`")
    );
}
