//! Benchmark of `railyard validate` and `railyard reconcile --dry-run` on a generated
//! repository (default 10,000 manifests: trains, application releases, turnovers with ten
//! tasks each, approvals), with the dry-run's peak RSS (through /usr/bin/time when it is
//! there), and of check-jsonschema on the same files against the same schemas when it is
//! installed. Add `--no-compare` to skip check-jsonschema (it takes minutes).
//!
//! cargo bench --bench validate                       # 10,000 manifests
//! cargo bench --bench validate -- --manifests 50000  # another size
//! cargo bench --bench validate -- --keep target/bench-repo   # keep the repository
//!
//! check-jsonschema is looked up in target/ci-venv/bin (where .ci/run installs it), then on
//! PATH.

mod common;

use common::generate;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

const RUNS: usize = 7;

fn main() {
    let mut manifests = 10_000usize;
    let mut keep: Option<PathBuf> = None;
    let mut compare = true;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--manifests" => {
                manifests = args
                    .next()
                    .and_then(|n| n.parse().ok())
                    .unwrap_or(manifests)
            }
            "--keep" => keep = args.next().map(PathBuf::from),
            "--no-compare" => compare = false,
            _ => {} // cargo bench passes --bench
        }
    }
    let temp = tempfile::tempdir().expect("a temporary directory");
    let root = keep.clone().unwrap_or_else(|| temp.path().to_path_buf());
    if root.exists() && keep.is_some() {
        std::fs::remove_dir_all(&root).expect("clear the old repository");
    }
    let files = generate(&root, manifests);
    println!(
        "generated {files} files ({manifests} manifests) in {}",
        root.display()
    );

    let binary = env!("CARGO_BIN_EXE_railyard");
    let first = Command::new(binary)
        .args(["validate", "--format", "json", "--repo"])
        .arg(&root)
        .output()
        .expect("railyard runs");
    assert!(
        first.status.success(),
        "the generated repository must validate cleanly:\n{}",
        String::from_utf8_lossy(&first.stdout)
    );
    let times = time(RUNS, || {
        let status = Command::new(binary)
            .args(["validate", "--format", "json", "--repo"])
            .arg(&root)
            .stdout(std::process::Stdio::null())
            .status()
            .expect("railyard runs");
        assert!(status.success());
    });
    report("railyard validate", &times, manifests);

    let dry_run = [
        "reconcile",
        "--dry-run",
        "--format",
        "json",
        "--now",
        "2026-11-25T12:00:00Z",
        "--repo",
    ];
    let plans = time(RUNS, || {
        let status = Command::new(binary)
            .args(dry_run)
            .arg(&root)
            .stdout(std::process::Stdio::null())
            .status()
            .expect("railyard runs");
        assert!(status.success());
    });
    report("railyard reconcile --dry-run", &plans, manifests);
    match Command::new("/usr/bin/time")
        .arg("-f")
        .arg("%M")
        .arg(binary)
        .args(dry_run)
        .arg(&root)
        .stdout(std::process::Stdio::null())
        .output()
    {
        Ok(output) if output.status.success() => {
            let text = String::from_utf8_lossy(&output.stderr);
            let kib: f64 = text
                .lines()
                .last()
                .and_then(|l| l.trim().parse().ok())
                .unwrap_or(0.0);
            println!(
                "railyard reconcile --dry-run: peak RSS {:.0} MiB",
                kib / 1024.0
            );
        }
        _ => println!("/usr/bin/time not found: peak RSS not measured (apt-get install time)"),
    }

    write_back(binary, &root);
    status_commit(binary, 10_000);

    match check_jsonschema().filter(|_| compare) {
        Some(tool) => {
            let schema = Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas/manifest.json");
            let mut paths = Vec::new();
            collect_yaml(&root, &mut paths);
            let check = time(1, || {
                let output = Command::new(&tool)
                    .arg("--schemafile")
                    .arg(&schema)
                    .args(&paths)
                    .output()
                    .expect("check-jsonschema runs");
                assert!(
                    output.status.success(),
                    "{}",
                    String::from_utf8_lossy(&output.stdout)
                );
            });
            report(
                "check-jsonschema (schemas/manifest.json)",
                &check,
                manifests,
            );
            let ratio = median(&check).as_secs_f64() / median(&times).as_secs_f64();
            println!(
                "railyard is {ratio:.1}x faster than check-jsonschema, and also checks references"
            );
        }
        None => {
            println!("check-jsonschema skipped (--no-compare, or not installed: run .ci/run once)")
        }
    }
}

/// One `railyard -vv reconcile` of `root`: its wall time, its first line of output, and its
/// debug log, whose laps ([`lap`]) say where the time went.
fn reconcile_logged(binary: &str, root: &Path) -> (Duration, String, String) {
    let start = Instant::now();
    let output = Command::new(binary)
        .args([
            "-vv",
            "reconcile",
            "--now",
            "2026-11-25T12:00:00Z",
            "--repo",
        ])
        .arg(root)
        .output()
        .expect("railyard runs");
    let took = start.elapsed();
    let log = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(output.status.success(), "{log}");
    let said = String::from_utf8_lossy(&output.stdout);
    (
        took,
        said.lines().next().unwrap_or_default().to_string(),
        log,
    )
}

/// Milliseconds since the start of the reconcile at the debug line that says `what`.
fn lap(log: &str, what: &str) -> u64 {
    log.lines()
        .filter(|l| l.contains(what))
        .filter_map(|l| l.split("elapsed_ms=").nth(1)?.trim().parse::<u64>().ok())
        .next_back()
        .unwrap_or(0)
}

/// The time to build the status commit (the files are rendered before; the working tree is
/// written after), from a reconcile's debug log.
fn commit_ms(log: &str) -> u64 {
    lap(log, "built the commit").saturating_sub(lap(log, "rendered the files"))
}

/// The write-back on the same repository, committed to a fresh git repository: the first
/// `reconcile` writes a status file per object in one commit; the second has nothing to do.
fn write_back(binary: &str, root: &Path) {
    common::commit_all(root);
    let (first, said, log) = reconcile_logged(binary, root);
    println!(
        "railyard reconcile (first, {said}): {:.0} ms wall, of which building the commit {} ms",
        first.as_secs_f64() * 1e3,
        commit_ms(&log)
    );
    let runs: Vec<Duration> = (0..5).map(|_| reconcile_logged(binary, root).0).collect();
    report("railyard reconcile (no change)", &runs, 10_000);
}

/// The first reconcile of a repository large enough for `files` status files (61 of every
/// 100 generated manifests have one): the time to build the commit that writes them all.
fn status_commit(binary: &str, files: usize) {
    let temp = tempfile::tempdir().expect("a temporary directory");
    let root = temp.path();
    generate(root, files * 100 / 61 + 100);
    common::commit_all(root);
    let (_, _, log) = reconcile_logged(binary, root);
    let listed = Command::new("git")
        .args(["ls-tree", "-r", "--name-only", "HEAD", "status/"])
        .current_dir(root)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .output()
        .expect("git runs");
    let written = String::from_utf8_lossy(&listed.stdout).lines().count();
    println!(
        "status commit of {written} status files and STATUS.md: built in {} ms (rendering before it: {} ms)",
        commit_ms(&log),
        lap(&log, "rendered the files").saturating_sub(lap(&log, "reconciled")),
    );
}

fn time(runs: usize, mut f: impl FnMut()) -> Vec<Duration> {
    (0..runs)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed()
        })
        .collect()
}

fn median(times: &[Duration]) -> Duration {
    let mut sorted = times.to_vec();
    sorted.sort();
    sorted[sorted.len() / 2]
}

fn report(what: &str, times: &[Duration], manifests: usize) {
    let mut sorted = times.to_vec();
    sorted.sort();
    let med = median(times);
    println!(
        "{what}: median {:.0} ms (min {:.0}, max {:.0}, {} runs) — {:.1} µs per manifest",
        med.as_secs_f64() * 1e3,
        sorted[0].as_secs_f64() * 1e3,
        sorted[sorted.len() - 1].as_secs_f64() * 1e3,
        times.len(),
        med.as_secs_f64() * 1e6 / manifests as f64
    );
}

fn check_jsonschema() -> Option<PathBuf> {
    let local = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/ci-venv/bin/check-jsonschema");
    if local.exists() {
        return Some(local);
    }
    let found = Command::new("check-jsonschema")
        .arg("--version")
        .output()
        .ok()?;
    found
        .status
        .success()
        .then(|| PathBuf::from("check-jsonschema"))
}

fn collect_yaml(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.filter_map(Result::ok).map(|e| e.path()).collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            collect_yaml(&path, out);
        } else if path.extension().is_some_and(|e| e == "yaml") {
            out.push(path);
        }
    }
}
