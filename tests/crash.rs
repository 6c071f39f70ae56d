//! Crash consistency with real git. railyard is killed with SIGKILL at moments drawn from a
//! fixed seed, while it reconciles, executes tasks and watches; after every kill git's own
//! checks pass, no lock file is left, the branch is on a valid commit and the next run
//! succeeds (recording a task it was running as interrupted). Then three reconcilers race a
//! person pushing for 50 rounds: every commit of the person's is kept, and the final status
//! is what one reconcile from scratch writes.

mod common;

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{commit, git, started_turnover};

const NOW: &str = "2026-12-02T10:00:00Z";

/// xorshift64*: the same kill moments on every run.
struct Seeded(u64);

impl Seeded {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A moment in `0..limit`.
    fn within(&mut self, limit: Duration) -> Duration {
        let nanos = limit.as_nanos().max(1) as u64;
        Duration::from_nanos(self.next() % nanos)
    }
}

fn spawn(dir: &Path, args: &[&str]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_railyard"))
        .args(["--color", "never", "--now", NOW])
        .args(args)
        .arg("--repo")
        .arg(dir)
        .env_remove("RUST_LOG")
        .env_remove("GITHUB_STEP_SUMMARY")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("railyard starts")
}

fn finish(dir: &Path, args: &[&str]) -> (i32, String) {
    let output = spawn(dir, args).wait_with_output().expect("railyard runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.code().unwrap_or(-1), text)
}

/// How long an uninterrupted run takes: kills are drawn within it.
fn timed(dir: &Path, args: &[&str]) -> Duration {
    let started = Instant::now();
    let (code, text) = finish(dir, args);
    assert!(code == 0 || code == 1, "railyard {args:?}: {text}");
    started.elapsed()
}

fn kill_after(mut child: Child, wait: Duration) {
    std::thread::sleep(wait);
    let _ = child.kill();
    let _ = child.wait();
}

fn git_text(dir: &Path, args: &[&str]) -> String {
    String::from_utf8_lossy(&git(dir, args, "nobody", NOW).stdout).into_owned()
}

/// What must hold after any kill: git's checks pass and the branch is on a commit. A kill
/// inside git's own lock window (microseconds of each write) leaves that lock: the lock
/// files found are returned, and the next railyard must have removed them.
fn consistent(dir: &Path, what: &str) -> Vec<std::path::PathBuf> {
    let fsck = Command::new("git")
        .args(["fsck", "--strict", "--no-dangling"])
        .current_dir(dir)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .output()
        .expect("git fsck runs");
    assert!(
        fsck.status.success() && fsck.stdout.is_empty(),
        "{what}: git fsck --strict: {}{}",
        String::from_utf8_lossy(&fsck.stdout),
        String::from_utf8_lossy(&fsck.stderr)
    );
    let mut locks = Vec::new();
    let mut pending = vec![dir.join(".git")];
    while let Some(folder) = pending.pop() {
        for entry in std::fs::read_dir(&folder).expect("a readable folder") {
            let path = entry.expect("an entry").path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|e| e == "lock") {
                locks.push(path);
            }
        }
    }
    git(
        dir,
        &["rev-parse", "--verify", "main^{commit}"],
        "nobody",
        NOW,
    );
    locks
}

/// After the next run: consistent, and no lock file at all.
fn settled(dir: &Path, what: &str) {
    let locks = consistent(dir, what);
    assert!(locks.is_empty(), "{what}: lock files left: {locks:?}");
}

fn add_release(dir: &Path, round: usize) {
    let release = format!(
        "apiVersion: railyard/v1\nkind: ApplicationRelease\nmetadata: {{name: app-{round}}}\nspec: {{train: q4, application: app-{round}, version: \"1.{round}\"}}\n"
    );
    commit(
        dir,
        &[(&format!("releases/app-{round}.yaml"), &release)],
        "rita",
        &format!("2026-11-02T10:{:02}:{:02}Z", round / 60, round % 60),
    );
}

const TASKS: [&str; 3] = [
    "{id: one, title: One, type: automated, run: [sleep, \"0.05\"]}",
    "{id: two, title: Two, type: automated, run: [sleep, \"0.05\"], dependsOn: [one]}",
    "{id: three, title: Three, type: automated, run: [sleep, \"0.05\"], dependsOn: [two]}",
];

#[test]
fn kill_nine_at_any_moment_leaves_a_consistent_repository() {
    let mut seeded = Seeded(0x0005_EED0_FCAF);
    let releases = common::train_repo();
    let dir = releases.path();
    // Calibrate the windows on uninterrupted runs.
    add_release(dir, 0);
    let reconcile_time = timed(dir, &["reconcile"]);
    let execute_time = {
        let probe = started_turnover(&TASKS, "2026-12-01T20:00:00Z");
        timed(probe.path(), &["reconcile", "--execute"])
    };
    let mut kills = 0;
    let mut interrupted = 0;
    let mut committed = 0;
    let mut left = 0;
    for round in 1..=60 {
        match round % 3 {
            0 => {
                add_release(dir, round);
                let before = git_text(dir, &["rev-parse", "main"]);
                kill_after(
                    spawn(dir, &["reconcile"]),
                    seeded.within(reconcile_time + reconcile_time / 2),
                );
                committed += usize::from(git_text(dir, &["rev-parse", "main"]) != before);
                left += consistent(dir, &format!("round {round}, reconcile killed")).len();
                let (code, text) = finish(dir, &["reconcile"]);
                assert_eq!(code, 0, "round {round}: the next reconcile: {text}");
            }
            1 => {
                let repo = started_turnover(&TASKS, "2026-12-01T20:00:00Z");
                let turnover = repo.path();
                kill_after(
                    spawn(turnover, &["reconcile", "--execute"]),
                    seeded.within(execute_time),
                );
                left += consistent(turnover, &format!("round {round}, execute killed")).len();
                let (code, text) = finish(turnover, &["reconcile", "--execute"]);
                assert!(
                    code == 0 || code == 1,
                    "round {round}: the next execute exits {code}: {text}"
                );
                let status = std::fs::read_to_string(turnover.join("status/Turnover/to.yaml"))
                    .expect("the turnover's status is written");
                if status.contains("interrupted: the railyard that ran it stopped") {
                    interrupted += 1;
                } else {
                    // Killed before a run was recorded or after the last: the next execution
                    // ran or kept every task, and none is left running.
                    assert!(
                        !status.contains("state: running"),
                        "round {round}: {status}\nthe next execute said: {text}\ngit status: {}\nlog: {}",
                        git_text(turnover, &["status", "--porcelain"]),
                        git_text(turnover, &["log", "--format=%h %s", "-8"])
                    );
                }
                settled(turnover, &format!("round {round}, after the next execute"));
                let (_, text) = finish(turnover, &["reconcile"]);
                assert_eq!(text.trim(), "up to date", "round {round}");
            }
            _ => {
                add_release(dir, round);
                let before = git_text(dir, &["rev-parse", "main"]);
                let watch = spawn(dir, &["watch", "--interval", "1s", "--debounce", "10ms"]);
                kill_after(watch, seeded.within(reconcile_time * 3));
                committed += usize::from(git_text(dir, &["rev-parse", "main"]) != before);
                left += consistent(dir, &format!("round {round}, watch killed")).len();
                let (code, text) = finish(dir, &["reconcile"]);
                assert_eq!(code, 0, "round {round}: the reconcile after watch: {text}");
            }
        }
        kills += 1;
        settled(dir, &format!("round {round}, after the next run"));
    }
    assert!(kills >= 50);
    // The seed kills some executions while a task runs: the check above is not vacuous.
    assert!(interrupted > 0, "no execution was killed while a task ran");
    // Every release of every round is planned, and nothing is left to do.
    let (code, text) = finish(dir, &["reconcile"]);
    assert_eq!((code, text.trim()), (0, "up to date"));
    let authors = git_text(dir, &["log", "--format=%an"]);
    // The first commit, release 0, and one release in each round that is not an execution.
    assert_eq!(authors.lines().filter(|a| *a == "rita").count(), 2 + 40);
    assert_eq!(git_text(dir, &["status", "--porcelain"]), "");
    eprintln!(
        "{kills} kills: {committed} killed reconciles and watches had moved the branch, {interrupted} executions were killed while a task ran, {left} git locks were left by a kill and removed by the next run"
    );
}

/// A person's commit of one new release in the shared checkout, while railyards race.
fn person_commits(dir: &Path, round: usize) {
    let path = format!("releases/race-{round}.yaml");
    let release = format!(
        "apiVersion: railyard/v1\nkind: ApplicationRelease\nmetadata: {{name: race-{round}}}\nspec: {{train: q4, application: race-{round}, version: \"2.{round}\"}}\n"
    );
    common::write(dir, &path, release.as_bytes());
    let date = format!("2026-11-03T10:{:02}:{:02}Z", round / 60, round % 60);
    common::commit_racing(dir, &[&path], "rita changes", Some(&date));
}

#[test]
fn three_reconcilers_racing_a_person_lose_nothing() {
    let repo = common::train_repo();
    let dir = repo.path().to_path_buf();
    for round in 0..50 {
        let racers: Vec<_> = (0..3)
            .map(|_| {
                let dir = dir.clone();
                std::thread::spawn(move || finish(&dir, &["reconcile"]))
            })
            .collect();
        person_commits(&dir, round);
        for racer in racers {
            let (code, text) = racer.join().expect("joins");
            assert_eq!(code, 0, "round {round}: {text}");
        }
    }
    settled(&dir, "after the race");
    // Every commit of the person's is on the branch.
    let authors = git_text(&dir, &["log", "--format=%an"]);
    assert_eq!(authors.lines().filter(|a| *a == "rita").count(), 1 + 50);
    let (code, _) = finish(&dir, &["reconcile"]);
    assert_eq!(code, 0);
    settled(&dir, "after the last reconcile");
    assert_eq!(git_text(&dir, &["status", "--porcelain"]), "");
    // The status is what one reconcile computes from the same history, in a fresh clone
    // that no racer touched: it finds nothing to change.
    let fresh = tempfile::tempdir().expect("a temporary directory");
    git(
        fresh.path(),
        &["clone", "-q", &dir.display().to_string(), "."],
        "nobody",
        NOW,
    );
    let (code, text) = finish(
        fresh.path(),
        &["--format", "json", "reconcile", "--dry-run"],
    );
    assert_eq!(code, 0, "{text}");
    let plan: serde_json::Value = serde_json::from_str(&text).expect("a JSON plan");
    assert_eq!(plan["changes"], serde_json::json!([]), "{text}");
}

/// A railyard killed after it wrote STATUS.md but before it wrote the index leaves the file
/// different from the index both ways (the index has the parent's, the working tree the
/// branch's). The next run puts it right once: the file was repaired twice at the same time
/// before, and the two writers raced for one temporary file ("No such file or directory").
#[test]
fn a_file_behind_in_the_index_and_ahead_in_the_tree_is_repaired_once() {
    let repo = common::train_repo();
    let dir = repo.path();
    settle(dir, "the first reconcile");
    for round in 1..=20 {
        add_release(dir, round);
        settle(dir, &format!("round {round}"));
        let parent = git_text(dir, &["rev-parse", "HEAD~1:STATUS.md"]);
        git(
            dir,
            &[
                "update-index",
                "--cacheinfo",
                &format!("100644,{},STATUS.md", parent.trim()),
            ],
            "nobody",
            NOW,
        );
        std::fs::write(dir.join(".git/railyard-intent"), "index.lock -\n").expect("intent");
        let (code, text) = finish(dir, &["reconcile"]);
        assert_eq!(code, 0, "round {round}: {text}");
        // Nothing to commit, and the catch-up says what it did.
        assert!(
            text.starts_with("up to date\nthe working tree is updated\n"),
            "round {round}: {text}"
        );
        assert_eq!(
            git_text(dir, &["status", "--porcelain"]),
            "",
            "round {round}: the tree and the index are the branch's again"
        );
    }
}

fn settle(dir: &Path, what: &str) {
    let (code, text) = finish(dir, &["reconcile"]);
    assert_eq!(code, 0, "{what}: {text}");
}

/// A railyard killed after it moved the branch and before it updated the working tree leaves
/// the tree and the index one commit behind. When the next run has a commit of its own to
/// make (here: `three` recorded as interrupted), they are two commits behind by the time
/// that run updates them, and still railyard's files: the index's difference is put right
/// with the rest, and no `state: running` is left for a `git commit -a` to bring back.
#[test]
fn a_tree_two_commits_behind_is_put_right_by_a_run_that_commits() {
    let repo = started_turnover(&TASKS, "2026-12-01T20:00:00Z");
    let dir = repo.path();
    let (code, text) = finish(dir, &["reconcile", "--execute"]);
    assert_eq!(code, 0, "{text}");
    let subjects = git_text(dir, &["log", "--format=%s", "-3"]);
    assert!(
        subjects.starts_with("railyard: 1 transition\nrailyard: record task runs\n"),
        "{subjects}"
    );
    // The state of a kill between the last record's branch move and its tree update.
    let recorded = git_text(dir, &["rev-parse", "HEAD~1"]);
    git(dir, &["reset", "--hard", "HEAD~2"], "nobody", NOW);
    git(
        dir,
        &["update-ref", "refs/heads/main", recorded.trim()],
        "nobody",
        NOW,
    );
    std::fs::write(
        dir.join(".git/railyard-intent"),
        format!("refs/heads/main.lock {}\n", recorded.trim()),
    )
    .expect("intent");
    let behind = std::fs::read_to_string(dir.join("status/Turnover/to.yaml")).expect("status");
    assert!(behind.contains("state: running"), "{behind}");

    let (code, text) = finish(dir, &["reconcile", "--execute"]);
    assert_eq!(code, 0, "{text}");
    assert_eq!(
        git_text(dir, &["log", "--format=%s", "-1"]).trim(),
        "railyard: 1 transition"
    );
    assert_eq!(
        git_text(dir, &["status", "--porcelain"]),
        "",
        "the tree and the index are the branch's again"
    );
    let status = std::fs::read_to_string(dir.join("status/Turnover/to.yaml")).expect("status");
    assert!(!status.contains("state: running"), "{status}");
}

/// A railyard killed while git held `index.lock` with the new index already written in it
/// leaves a binary lock. The next railyard removes it as it removes an empty one: before,
/// the lock was read as text, the binary one was not recognised, and every later run left
/// the working tree alone ("index.lock exists") until a person removed it. The same when the
/// killed railyard was rewriting its intent: only the first line counts.
#[test]
fn a_killed_railyards_written_index_lock_is_removed() {
    let repo = common::train_repo();
    let dir = repo.path();
    settle(dir, "the first reconcile");
    // The intent as a railyard killed while it rewrote it leaves it: its new line over the
    // start of the old, longer one.
    let overwritten = "index.lock -\nads/main.lock 0123456789abcdef0123456789abcdef01234567\n";
    for (round, more, intent) in [
        (1, false, "index.lock -\n"),
        (2, true, "index.lock -\n"),
        (3, true, overwritten),
    ] {
        if more {
            add_release(dir, round);
        }
        let index = std::fs::read(dir.join(".git/index")).expect("the index");
        assert!(std::str::from_utf8(&index).is_err(), "a binary index");
        std::fs::write(dir.join(".git/index.lock"), &index).expect("a lock");
        std::fs::write(dir.join(".git/railyard-intent"), intent).expect("intent");
        let (code, text) = finish(dir, &["reconcile"]);
        assert_eq!(code, 0, "round {round}: {text}");
        assert!(!text.contains("left alone"), "round {round}: {text}");
        settled(dir, &format!("round {round}"));
        assert_eq!(
            git_text(dir, &["status", "--porcelain"]),
            "",
            "round {round}"
        );
    }
}
