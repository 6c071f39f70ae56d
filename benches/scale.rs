//! How railyard's cost grows with the repository (issue 25): `railyard validate` and
//! `railyard reconcile --dry-run` on generated repositories of 1,000 to 200,000 manifests,
//! wall time, CPU time and peak RSS of each (median of `--runs`, through /usr/bin/time), and
//! ajv-cli 5 with ajv-formats on the same files against `schemas/manifest.json` (schema
//! checks only, no cross-object checks) when `npm` is there.
//!
//! cargo bench --bench scale                                  # 1k, 10k, 50k, 100k, 200k
//! cargo bench --bench scale -- --sizes 10000,100000 --runs 5
//! cargo bench --bench scale -- --keep target/scale           # keep (and reuse) the repositories
//! cargo bench --bench scale -- --no-ajv
//! cargo bench --bench scale -- --committed 100000            # also: a no-change reconcile
//!
//! The repositories come from the benchmarks' generator with dates quoted, so that ajv-cli
//! (whose YAML reader takes unquoted dates for timestamps) reads the same values. ajv-cli
//! and ajv-formats are installed under `target/bench-ajv` on the first run.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

const NOW: &str = "2026-11-25T12:00:00Z";

fn main() {
    let mut sizes = vec![1_000, 10_000, 50_000, 100_000, 200_000];
    let mut runs = 3usize;
    let mut keep: Option<PathBuf> = None;
    let mut with_ajv = true;
    let mut committed: Vec<usize> = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--sizes" => sizes = numbers(args.next()),
            "--runs" => runs = args.next().and_then(|n| n.parse().ok()).unwrap_or(runs),
            "--keep" => keep = args.next().map(PathBuf::from),
            "--no-ajv" => with_ajv = false,
            "--committed" => committed = numbers(args.next()),
            _ => {} // cargo bench passes --bench
        }
    }
    let temporary = tempfile::tempdir().expect("a temporary directory");
    let root = keep.unwrap_or_else(|| temporary.path().to_path_buf());
    let binary = PathBuf::from(env!("CARGO_BIN_EXE_railyard"));
    let ajv = if with_ajv { ajv() } else { None };
    println!(
        "| manifests | MB | validate wall / CPU / RSS | reconcile --dry-run wall / CPU / RSS | ajv-cli wall / CPU / RSS |"
    );
    println!("|---|---|---|---|---|");
    for &size in &sizes {
        let repo = root.join(size.to_string());
        let marker = repo.join(".generated");
        if !marker.exists() {
            let _ = std::fs::remove_dir_all(&repo);
            common::generate_quoted(&repo, size);
            std::fs::write(&marker, "").expect("a marker");
        }
        let megabytes = bytes(&repo) as f64 / 1e6;
        let validate = measure(runs, &binary, &["validate", "--repo"], &repo, &[0]);
        let dry_run = measure(
            runs,
            &binary,
            &["reconcile", "--dry-run", "--now", NOW, "--repo"],
            &repo,
            &[0],
        );
        let ajv = ajv.as_ref().map_or("(no npm)".to_string(), |(node, cli)| {
            let formats = cli
                .ancestors()
                .nth(3)
                .map_or_else(PathBuf::new, |modules| modules.join("ajv-formats"));
            let glob = format!("{}/**/*.yaml", repo.display());
            let schema = Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas/manifest.json");
            let args: Vec<String> = vec![
                cli.display().to_string(),
                "validate".into(),
                "--spec=draft2020".into(),
                "--strict=false".into(),
                "-c".into(),
                formats.display().to_string(),
                "-s".into(),
                schema.display().to_string(),
                "-d".into(),
                glob,
            ];
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            measure(runs, node, &args, Path::new(""), &[0, 1]).to_string()
        });
        println!("| {size} | {megabytes:.1} | {validate} | {dry_run} | {ajv} |");
    }
    for &size in &committed {
        let repo = root.join(format!("{size}-committed"));
        let _ = std::fs::remove_dir_all(&repo);
        common::generate_quoted(&repo, size);
        common::commit_all(&repo);
        let first = measure(
            1,
            &binary,
            &["reconcile", "--now", NOW, "--repo"],
            &repo,
            &[0],
        );
        let again = measure(
            runs,
            &binary,
            &["reconcile", "--now", NOW, "--repo"],
            &repo,
            &[0],
        );
        println!(
            "committed {size}: first reconcile (writes every status file) {first}; a reconcile with nothing to do {again}"
        );
    }
}

/// Wall time, CPU time and peak RSS: medians of the runs.
struct Figures {
    wall: f64,
    cpu: f64,
    rss_mib: f64,
}

impl std::fmt::Display for Figures {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{:.2} s / {:.2} s / {:.0} MiB",
            self.wall, self.cpu, self.rss_mib
        )
    }
}

/// Runs `program ARGS [dir]` `runs` times under /usr/bin/time; an exit code outside `ok`
/// is a failed benchmark.
fn measure(runs: usize, program: &Path, args: &[&str], dir: &Path, ok: &[i32]) -> Figures {
    let mut walls = Vec::new();
    let mut cpus = Vec::new();
    let mut rss = Vec::new();
    for _ in 0..runs.max(1) {
        let mut command = Command::new("/usr/bin/time");
        command
            .args(["-f", "@@ %e %U %S %M"])
            .arg(program)
            .args(args);
        if !dir.as_os_str().is_empty() {
            command.arg(dir);
        }
        let output = command
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_AUTHOR_NAME", "eve")
            .env("GIT_AUTHOR_EMAIL", "eve@example.com")
            .env("GIT_COMMITTER_NAME", "eve")
            .env("GIT_COMMITTER_EMAIL", "eve@example.com")
            .output()
            .expect("/usr/bin/time runs");
        let stderr = String::from_utf8_lossy(&output.stderr);
        let code = output.status.code().unwrap_or(-1);
        assert!(
            ok.contains(&code),
            "{} {args:?} exited {code}: {}",
            program.display(),
            stderr.lines().rev().take(5).collect::<Vec<_>>().join("\n")
        );
        let line = stderr
            .lines()
            .rev()
            .find_map(|l| l.strip_prefix("@@ "))
            .expect("/usr/bin/time's figures");
        let numbers: Vec<f64> = line
            .split_whitespace()
            .filter_map(|n| n.parse().ok())
            .collect();
        walls.push(numbers[0]);
        cpus.push(numbers[1] + numbers[2]);
        rss.push(numbers[3] / 1024.0);
    }
    Figures {
        wall: median(walls),
        cpu: median(cpus),
        rss_mib: median(rss),
    }
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn numbers(text: Option<String>) -> Vec<usize> {
    text.unwrap_or_default()
        .split(',')
        .filter_map(|n| n.trim().parse().ok())
        .collect()
}

/// The bytes of every file under `dir`.
fn bytes(dir: &Path) -> u64 {
    let mut total = 0;
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        total += match path.is_dir() {
            true => bytes(&path),
            false => entry.metadata().map_or(0, |m| m.len()),
        };
    }
    total
}

/// node and ajv-cli's script, installed under `target/bench-ajv` when npm is there.
fn ajv() -> Option<(PathBuf, PathBuf)> {
    let node = which("node")?;
    which("npm")?;
    let prefix = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench-ajv");
    let cli = prefix.join("node_modules/ajv-cli/dist/index.js");
    if !cli.exists() {
        let status = Command::new("npm")
            .args(["install", "--no-audit", "--no-fund", "--prefix"])
            .arg(&prefix)
            .args(["ajv-cli@5", "ajv-formats@3"])
            .status()
            .ok()?;
        if !status.success() || !cli.exists() {
            eprintln!("npm could not install ajv-cli: the ajv column is left out");
            return None;
        }
    }
    Some((node, cli))
}

fn which(program: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join(program))
            .find(|path| path.is_file())
    })
}
