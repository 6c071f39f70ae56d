//! Benchmark of `reconcile --execute`: what railyard adds per executed task beyond the
//! process itself.
//!
//! cargo bench --bench execute [-- --small N --large N --runs N]
//!
//! A git repository holds one started turnover whose automated tasks (`true`) form a chain,
//! so every start waits for the previous end: the scheduler's reaction time is on the
//! critical path. The railyard binary runs `reconcile --execute --jobs 1` on a chain of
//! `small` and of `large` tasks; the slope between the two (wall time per extra task)
//! removes what does not depend on the number of tasks (start-up, the first and last status
//! commits). From it we subtract the cost of starting `true` alone (measured here the same
//! way, a process after a process), which leaves railyard's own overhead per task: the
//! scheduler, the recorder's status commits (in the background) and the bookkeeping.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

const NOW: &str = "2026-11-25T12:00:00Z";

fn main() {
    let mut small = 20usize;
    let mut large = 220usize;
    let mut runs = 5usize;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().and_then(|v| v.parse().ok());
        match arg.as_str() {
            "--small" => small = value().unwrap_or(small),
            "--large" => large = value().unwrap_or(large),
            "--runs" => runs = value().unwrap_or(runs),
            _ => {}
        }
    }
    let median = |tasks: usize| -> Duration {
        let mut times: Vec<Duration> = (0..runs).map(|_| execute_chain(tasks)).collect();
        times.sort();
        times[times.len() / 2]
    };
    let (t_small, t_large) = (median(small), median(large));
    let per_task = (t_large.as_secs_f64() - t_small.as_secs_f64()) / (large - small) as f64;
    let spawn = spawn_cost(large);
    println!(
        "execute a chain of {small} tasks: median {:.0} ms; of {large} tasks: median {:.0} ms ({runs} runs each)",
        t_small.as_secs_f64() * 1e3,
        t_large.as_secs_f64() * 1e3
    );
    println!(
        "per task: {:.2} ms wall, of which starting `true` alone costs {:.2} ms: railyard's overhead {:.2} ms per executed task",
        per_task * 1e3,
        spawn * 1e3,
        (per_task - spawn) * 1e3
    );
}

/// Wall time of `reconcile --execute --jobs 1` on a fresh repository with a chain of `tasks`.
fn execute_chain(tasks: usize) -> Duration {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let root = dir.path();
    git(root, &["init", "-q", "-b", "main"], "nobody");
    let mut turnover = String::from(
        "apiVersion: railyard/v1\nkind: Turnover\nmetadata: {name: bench}\nspec:\n  environment: test\n  releases: [web-2]\n  scheduledAt: 2026-11-24T20:00:00Z\n  tasks:\n",
    );
    for i in 0..tasks {
        let depends = if i == 0 {
            String::new()
        } else {
            format!(", dependsOn: [t{}]", i - 1)
        };
        turnover.push_str(&format!(
            "    - {{id: t{i}, title: Step {i}, type: automated, run: [\"true\"]{depends}}}\n"
        ));
    }
    write(root, "turnovers/bench.yaml", &turnover);
    write(
        root,
        "repo.yaml",
        "apiVersion: railyard/v1\nkind: Team\nmetadata: {name: release-engineers}\nspec: {members: [{id: eve, emails: [eve@example.com]}]}\n---\napiVersion: railyard/v1\nkind: Environment\nmetadata: {name: test}\nspec: {tier: test}\n---\napiVersion: railyard/v1\nkind: ApplicationRelease\nmetadata: {name: web-2}\nspec: {application: web, version: \"2.0\"}\n",
    );
    git(root, &["add", "-A"], "rita");
    git(root, &["commit", "-q", "-m", "turnover"], "rita");
    for gate in ["acceptance", "start"] {
        write(
            root,
            &format!("approvals/{gate}.yaml"),
            &format!(
                "apiVersion: railyard/v1\nkind: Approval\nmetadata: {{name: {gate}}}\nspec: {{subject: Turnover/bench, gate: {gate}, decision: approve, by: eve}}\n"
            ),
        );
    }
    git(root, &["add", "-A"], "eve");
    git(root, &["commit", "-q", "-m", "approvals"], "eve");
    let start = Instant::now();
    let output = Command::new(env!("CARGO_BIN_EXE_railyard"))
        .args([
            "reconcile",
            "--execute",
            "--jobs",
            "1",
            "--now",
            NOW,
            "--repo",
        ])
        .arg(root)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .output()
        .expect("railyard runs");
    let took = start.elapsed();
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success() && text.contains(&format!("ran {tasks} tasks: {tasks} succeeded")),
        "{text}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    took
}

/// Seconds to start and wait for `true`, one after the other.
fn spawn_cost(count: usize) -> f64 {
    let start = Instant::now();
    for _ in 0..count {
        let status = Command::new("true").status().expect("true runs");
        assert!(status.success());
    }
    start.elapsed().as_secs_f64() / count as f64
}

fn write(root: &Path, path: &str, text: &str) {
    let full = root.join(path);
    if let Some(parent) = full.parent() {
        std::fs::create_dir_all(parent).expect("mkdir");
    }
    std::fs::write(full, text).expect("write");
}

fn git(root: &Path, args: &[&str], author: &str) {
    let status = Command::new("git")
        .args(args)
        .current_dir(root)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", author)
        .env("GIT_AUTHOR_EMAIL", format!("{author}@example.com"))
        .env("GIT_AUTHOR_DATE", "2026-11-20T10:00:00Z")
        .env("GIT_COMMITTER_NAME", author)
        .env("GIT_COMMITTER_EMAIL", format!("{author}@example.com"))
        .env("GIT_COMMITTER_DATE", "2026-11-20T10:00:00Z")
        .status()
        .expect("git runs");
    assert!(status.success(), "git {args:?}");
}
