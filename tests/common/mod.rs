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
