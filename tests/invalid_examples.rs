//! `examples/invalid/` holds one example per diagnostic code. Each is validated on its own
//! (a file in a fresh temporary repository, a folder as it stands): it must produce exactly
//! its own code, exit 1, and the rendered report is snapshotted.

mod common;

use std::collections::BTreeSet;
use std::path::PathBuf;

use common::{codes, railyard, root, stdout};
use railyard::diagnostics::Code;

/// Codes that no example file can produce, and why.
const NO_EXAMPLE: &[(&str, &str)] = &[
    ("io-error", "an unreadable file cannot be committed to git"),
    (
        "record-changed",
        "it takes git history (a record and a later commit changing it): tests/append_only.rs",
    ),
    (
        "status-in-pull-request",
        "it takes a pull request's commits and its base: tests/pull_request.rs",
    ),
];

fn examples() -> Vec<(String, PathBuf)> {
    let dir = root().join("examples/invalid");
    let mut entries: Vec<(String, PathBuf)> = std::fs::read_dir(&dir)
        .expect("examples/invalid exists")
        .map(|e| e.expect("a directory entry").path())
        .map(|path| {
            let stem = path
                .file_stem()
                .and_then(|s| s.to_str())
                .unwrap_or_default()
                .to_string();
            (stem, path)
        })
        .collect();
    entries.sort();
    entries
}

/// Validates one example in isolation; returns the repository it used (kept alive).
fn isolate(path: &PathBuf) -> (tempfile::TempDir, PathBuf) {
    let temp = tempfile::tempdir().expect("a temporary directory");
    if path.is_dir() {
        return (temp, path.clone());
    }
    let name = path.file_name().expect("a file name");
    std::fs::copy(path, temp.path().join(name)).expect("copy the example");
    let repo = temp.path().to_path_buf();
    (temp, repo)
}

#[test]
fn every_code_has_an_example() {
    let have: BTreeSet<String> = examples().into_iter().map(|(stem, _)| stem).collect();
    for code in Code::ALL {
        let name = code.as_str();
        if NO_EXAMPLE.iter().any(|(c, _)| *c == name) {
            assert!(!have.contains(name), "{name} has an example after all");
            continue;
        }
        assert!(
            have.contains(name),
            "examples/invalid has no example for `{name}`"
        );
    }
    for stem in &have {
        assert!(
            Code::ALL.iter().any(|c| c.as_str() == stem),
            "examples/invalid/{stem} names no code"
        );
    }
}

#[test]
fn each_example_produces_exactly_its_code() {
    for (stem, path) in examples() {
        let (_keep, repo) = isolate(&path);
        let (found, exit) = codes(&repo);
        let distinct: BTreeSet<&str> = found.iter().map(String::as_str).collect();
        assert_eq!(
            distinct,
            BTreeSet::from([stem.as_str()]),
            "{stem}: {found:?}"
        );
        assert_eq!(exit, 1, "{stem} exits 1");
    }
}

#[test]
fn rendered_reports_are_snapshotted() {
    for (stem, path) in examples() {
        let (_keep, repo) = isolate(&path);
        let output = railyard()
            .arg("validate")
            .arg("--repo")
            .arg(&repo)
            .output()
            .expect("railyard runs");
        insta::assert_snapshot!(stem.clone(), stdout(&output));
    }
}
