//! Benchmark of `railyard watch`: from a one-file commit to railyard's status commit on the
//! generated 10,000-manifest repository.
//!
//! cargo bench --bench watch [-- --manifests N --commits N --debounce-ms N]
//! cargo bench --bench watch -- --commits 1000          # is the watcher's memory flat?
//!
//! The repository is generated, committed and reconciled once; then `railyard watch` starts
//! (JSON log lines on stderr). Each measured commit changes one application release's
//! version (so its status file changes), made with the git CLI; the clock starts when `git
//! commit` returns and stops when the branch ref names railyard's commit (polled every
//! millisecond). The figure the issue asks for is that latency minus the debounce; the log
//! line of each round gives its own duration and how many files it parsed again. The next
//! commit waits until that round has ended (it goes on to update the working tree after the
//! branch moved) and the watcher has seen its own commit: each latency is that of a commit
//! to an idle watcher. After each round the watcher's resident memory (VmRSS) is read: the
//! bench prints it after the first round, a tenth, half and all of the rounds, and the
//! growth per hundred rounds over the second half (flat memory is what a long-running
//! watcher must have).

mod common;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn main() {
    let mut manifests = 10_000usize;
    let mut commits = 11usize;
    let mut debounce_ms = 50u64;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().and_then(|v| v.parse::<u64>().ok());
        match arg.as_str() {
            "--manifests" => manifests = value().map_or(manifests, |v| v as usize),
            "--commits" => commits = value().map_or(commits, |v| v as usize),
            "--debounce-ms" => debounce_ms = value().unwrap_or(debounce_ms),
            _ => {}
        }
    }
    let temp = tempfile::tempdir().expect("a temporary directory");
    let root = temp.path();
    let files = common::generate(root, manifests);
    common::commit_all(root);
    let binary = env!("CARGO_BIN_EXE_railyard");
    let first = Command::new(binary)
        .args(["reconcile", "--now", "2026-11-25T12:00:00Z", "--repo"])
        .arg(root)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .output()
        .expect("railyard runs");
    assert!(first.status.success(), "{first:?}");
    println!("generated {files} files ({manifests} manifests), reconciled once");
    let log = root.join("../watch-bench.log");
    let mut watch = Command::new(binary)
        .args(["--log-format", "json", "watch", "--interval", "1h"])
        .args(["--debounce", &format!("{debounce_ms}ms")])
        .args(["--now", "2026-11-25T12:00:00Z", "--repo"])
        .arg(root)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env(
            "RUST_LOG",
            std::env::var("BENCH_LOG").unwrap_or_else(|_| "info".into()),
        )
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).expect("a log file"))
        .spawn()
        .expect("watch starts");
    let rounds = |log: &Path| -> Vec<serde_json::Value> {
        std::fs::read_to_string(log)
            .unwrap_or_default()
            .lines()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .filter(|l| l["fields"]["trigger"].is_string())
            .collect()
    };
    let deadline = Instant::now() + Duration::from_secs(120);
    while rounds(&log).is_empty() {
        assert!(
            Instant::now() < deadline,
            "watch never finished its first round"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let tip = || std::fs::read_to_string(root.join(".git/refs/heads/main")).unwrap_or_default();
    let mut latencies = Vec::new();
    let mut resident: Vec<u64> = Vec::new();
    for i in 0..commits {
        let path = root.join("releases/train-0000/app-00.yaml");
        let text = std::fs::read_to_string(&path).expect("a release");
        let version = format!("version: \"9.0.{i}\"");
        let changed = text
            .lines()
            .map(|l| {
                if l.trim_start().starts_with("version:") {
                    format!("  {version}")
                } else {
                    l.to_string()
                }
            })
            .collect::<Vec<_>>()
            .join("\n");
        std::fs::write(&path, format!("{changed}\n")).expect("write");
        common::git(root, &["commit", "-q", "-am", &format!("bump {i}")]);
        let committed = tip();
        let start = Instant::now();
        let deadline = start + Duration::from_secs(60);
        while tip() == committed {
            assert!(
                Instant::now() < deadline,
                "no status commit after commit {i}"
            );
            std::thread::sleep(Duration::from_millis(1));
        }
        latencies.push(start.elapsed());
        // Each commit is measured against an idle watcher: the round that made the status
        // commit goes on to update the working tree, and then the watcher sees its own
        // commit move the branch. A commit made before that would wait for the round to end.
        let landed = tip();
        let landed = landed.trim();
        while !rounds(&log).iter().any(|r| {
            r["fields"]["commit"]
                .as_str()
                .is_some_and(|c| !c.is_empty() && landed.starts_with(c))
        }) {
            assert!(
                Instant::now() < deadline,
                "the round of commit {i} never ended"
            );
            std::thread::sleep(Duration::from_millis(5));
        }
        std::thread::sleep(Duration::from_millis(debounce_ms * 3));
        resident.push(rss_kib(watch.id()));
    }
    let _ = Command::new("kill")
        .args(["-TERM", &watch.id().to_string()])
        .status();
    let _ = watch.wait();
    let measured: Vec<serde_json::Value> = rounds(&log)
        .into_iter()
        .filter(|l| l["fields"]["trigger"] == "ref refs/heads/main" && l["fields"]["commit"] != "")
        .collect();
    let mut took: Vec<u64> = measured
        .iter()
        .filter_map(|l| l["fields"]["took_ms"].as_u64())
        .collect();
    let parsed: Vec<u64> = measured
        .iter()
        .filter_map(|l| l["fields"]["parsed"].as_u64())
        .collect();
    latencies.sort();
    took.sort();
    let median = |d: &[Duration]| d[d.len() / 2].as_secs_f64() * 1e3;
    println!(
        "commit → status commit: median {:.0} ms (min {:.0}, max {:.0}, {commits} commits), {:.0} ms after the {debounce_ms} ms debounce",
        median(&latencies),
        latencies[0].as_secs_f64() * 1e3,
        latencies[latencies.len() - 1].as_secs_f64() * 1e3,
        median(&latencies) - debounce_ms as f64
    );
    println!(
        "the round itself (watch's log): median {} ms; files parsed again per round: {:?}",
        took.get(took.len() / 2).copied().unwrap_or(0),
        parsed
    );
    let at = |fraction: f64| {
        let i = ((resident.len() as f64 * fraction) as usize).clamp(1, resident.len()) - 1;
        (i + 1, resident[i] as f64 / 1024.0)
    };
    let half = resident.len() / 2;
    let growth = if resident.len() >= 4 {
        let span = (resident.len() - 1 - half) as f64;
        (resident[resident.len() - 1] as f64 - resident[half] as f64) / 1024.0 / span * 100.0
    } else {
        0.0
    };
    println!(
        "watch's resident memory: {}; over the second half {growth:+.2} MiB per 100 rounds",
        [0.0, 0.1, 0.5, 1.0]
            .iter()
            .map(|&f| {
                let (round, mib) = at(f);
                format!("{mib:.0} MiB after round {round}")
            })
            .collect::<Vec<_>>()
            .join(", ")
    );
    if std::env::var_os("BENCH_LOG").is_some() {
        let _ = std::fs::copy(&log, "target/watch-bench.log");
    }
    let _ = std::fs::remove_file(&log);
}

/// The resident memory of process `pid` in KiB (`VmRSS` of /proc), 0 where it cannot be read.
fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}
