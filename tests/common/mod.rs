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

/// A hermetic git command in `dir`: no user or system config, fixed identity and dates.
pub fn git(dir: &Path, args: &[&str], author: &str, date: &str) -> std::process::Output {
    let output = std::process::Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", author)
        .env("GIT_AUTHOR_EMAIL", format!("{author}@example.com"))
        .env("GIT_AUTHOR_DATE", date)
        .env("GIT_COMMITTER_NAME", author)
        .env("GIT_COMMITTER_EMAIL", format!("{author}@example.com"))
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
