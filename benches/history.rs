//! Benchmark of reading who added and changed each file (the facts approvals are trusted
//! by) on a history with merges: the generated 10,000-manifest repository, then 5,000
//! commits of which 1,000 merge a pull-request branch of three commits with a merge commit.
//!
//! cargo bench --bench history [-- --manifests N --pulls N]
//!
//! The history is written with `git fast-import` (one process, seconds). It times the full
//! read of the facts from the tip (median of 5), and the incremental read a watcher makes
//! after one more pull request is merged (only the new commits are read).

mod common;

use std::io::Write as _;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

fn main() {
    let mut manifests = 10_000usize;
    let mut pulls = 1_000usize;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().and_then(|v| v.parse::<usize>().ok());
        match arg.as_str() {
            "--manifests" => manifests = value().unwrap_or(manifests),
            "--pulls" => pulls = value().unwrap_or(pulls),
            _ => {}
        }
    }
    let temp = tempfile::tempdir().expect("a temporary directory");
    let root = temp.path();
    let files = common::generate(root, manifests);
    common::commit_all(root);
    let started = Instant::now();
    let commits = pull_requests(root, pulls, 0);
    println!(
        "generated {files} files, then {commits} commits ({pulls} merges) in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let repo = railyard::git::GitRepo::discover(root).expect("a git repository");
    let mut full = Vec::new();
    let mut facts = None;
    for _ in 0..5 {
        let started = Instant::now();
        facts = Some(repo.facts(None).expect("facts"));
        full.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    let facts = facts.expect("facts were read");
    let merged = facts
        .added
        .keys()
        .filter(|path| path.starts_with("approvals/pulls/"))
        .filter(|path| facts.added[*path].author_email != "maint@example.com")
        .count();
    full.sort_by(f64::total_cmp);
    println!(
        "facts of the whole history: median {:.0} ms (min {:.0}, max {:.0}, 5 runs); {merged} records merged with a merge commit credited to their authors",
        full[2], full[0], full[4]
    );
    // A watcher's read: the facts of the last tip, brought up to date with one more pull
    // request.
    let tip = repo.revision(None).expect("the tip");
    let mut cache = Some((tip, std::sync::Arc::new(facts)));
    pull_requests(root, 1, pulls);
    let head = repo.revision(None).expect("the new tip");
    let started = Instant::now();
    repo.facts_cached(&head, &mut cache).expect("facts");
    println!(
        "facts after one more merged pull request (incremental): {:.1} ms",
        started.elapsed().as_secs_f64() * 1000.0
    );
}

/// Writes `pulls` pull requests onto main with `git fast-import`: for each, a direct commit
/// on main by rita, then a branch of three commits by its author (an approval added, then
/// changed twice), merged by maint with a merge commit. Returns the number of commits.
/// Records sit 50 to a folder, as they do under a per-subject layout
/// (`approvals/<Kind>/<name>/…`): one flat folder of N records makes each of the N commits
/// that touch it compare N entries, and the read grows with the square of the history.
fn pull_requests(root: &Path, pulls: usize, first: usize) -> usize {
    let mut stream = String::new();
    let mut mark = 0usize;
    let mut time = 1_780_000_000u64 + first as u64 * 600;
    let mut main = "refs/heads/main^0".to_string();
    let mut commit = |stream: &mut String,
                      branch: &str,
                      who: &str,
                      parents: &[String],
                      path: &str,
                      text: &str| {
        mark += 1;
        time += 60;
        let message = format!("{who} changes {path}");
        stream.push_str(&format!(
            "commit {branch}\nmark :{mark}\nauthor {who} <{who}@example.com> {time} +0000\ncommitter {who} <{who}@example.com> {time} +0000\ndata {}\n{message}\n",
            message.len()
        ));
        if let Some((from, merges)) = parents.split_first() {
            stream.push_str(&format!("from {from}\n"));
            for merge in merges {
                stream.push_str(&format!("merge {merge}\n"));
            }
        }
        if !path.is_empty() {
            stream.push_str(&format!(
                "M 100644 inline {path}\ndata {}\n{text}\n",
                text.len()
            ));
        }
        format!(":{mark}")
    };
    let authors = ["rita", "marco", "eve", "dan"];
    for pull in first..first + pulls {
        let note = format!("pull {pull}\n");
        main = commit(
            &mut stream,
            "refs/heads/main",
            "rita",
            &[main],
            &format!("notes/{}/{pull}.txt", pull / 50),
            &note,
        );
        let who = authors[pull % authors.len()];
        let path = format!("approvals/pulls/{}/p-{pull}.yaml", pull / 50);
        let mut side = main.clone();
        let mut text = String::new();
        for version in 0..3 {
            text = format!(
                "apiVersion: railyard/v1\nkind: Approval\nmetadata:\n  name: pull-{pull}\nspec:\n  subject: ReleaseTrain/train-0\n  gate: train\n  decision: approve\n  by: {who}\n  comment: version {version}\n"
            );
            side = commit(
                &mut stream,
                &format!("refs/heads/pull-{pull}"),
                who,
                &[side],
                &path,
                &text,
            );
        }
        // The merge's tree is main's with what the branch changed (fast-import starts a
        // commit from its first parent's tree).
        main = commit(
            &mut stream,
            "refs/heads/main",
            "maint",
            &[main, side],
            &path,
            &text,
        );
    }
    let mut child = Command::new("git")
        .args(["fast-import", "--quiet"])
        .current_dir(root)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .stdin(Stdio::piped())
        .spawn()
        .expect("git fast-import runs");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stream.as_bytes())
        .expect("the stream is written");
    assert!(child.wait().expect("git fast-import ends").success());
    mark
}
