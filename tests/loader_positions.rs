//! The loader's diagnostics on a generated repository with errors of every kind a
//! cross-object check finds, in single- and multi-document files: every code, message,
//! file, line and column is snapshotted, so that a change in how the loader keeps (or
//! re-reads) each document's tree cannot move one (issue 25). Schema errors of single
//! files are held by the `examples/invalid` snapshots.

mod common;

#[path = "../benches/common/mod.rs"]
mod generator;

use common::{railyard, stdout};

/// The generated repository (300 manifests) with errors written into it.
fn broken() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let root = dir.path();
    generator::generate(root, 300);
    let edit = |path: &str, from: &str, to: &str| {
        let full = root.join(path);
        let text = std::fs::read_to_string(&full).expect("a generated file");
        assert!(text.contains(from), "{path} has {from:?}");
        std::fs::write(&full, text.replacen(from, to, 1)).expect("written");
    };
    // References that resolve to nothing, deep in a valid document.
    edit(
        "turnovers/train-0000/t-03.yaml",
        "environment: test",
        "environment: tset",
    );
    edit(
        "releases/train-0001/app-04.yaml",
        "dependsOn: [train-0001-app-03]",
        "dependsOn: [train-0001-app-99]",
    );
    edit("approvals/train-0002/a-00.yaml", "by: eve", "by: nobody");
    // A task graph with a cycle, a self-dependency and an unknown task.
    edit(
        "turnovers/train-0001/t-05.yaml",
        "    - id: step-0\n",
        "    - id: step-0\n      dependsOn: [step-9]\n",
    );
    edit(
        "turnovers/train-0002/t-07.yaml",
        "dependsOn: [step-2, step-1]",
        "dependsOn: [step-3, step-missing]",
    );
    // Dates that end before they start; a duplicate name; a reservation overlap.
    edit(
        "trains/train-0000.yaml",
        "    end: 2027-01-03",
        "    end: 2026-12-30",
    );
    edit(
        "releases/train-0002/app-01.yaml",
        "name: train-0002-app-01",
        "name: train-0002-app-02",
    );
    generator::write(
        root,
        "trains/extra.yaml",
        "# Two trains in one file, the second reserving what train-0001 holds.\napiVersion: railyard/v1\nkind: ReleaseTrain\nmetadata:\n  name: extra-a\nspec:\n  type: patch\n  manager: rita\n---\napiVersion: railyard/v1\nkind: ReleaseTrain\nmetadata:\n  name: extra-b\nspec:\n  type: patch\n  manager: ghost\n  environments:\n    - name: staging\n      from: 2027-01-04\n      to: 2027-01-05\n",
    );
    // A schema error and a YAML error beside them.
    edit(
        "turnovers/train-0000/t-09.yaml",
        "timeout: 30m",
        "timeout: soon",
    );
    generator::write(
        root,
        "approvals/broken.yaml",
        "apiVersion: railyard/v1\nkind: Approval\nmetadata: {name: broken\n",
    );
    dir
}

#[test]
fn every_diagnostic_keeps_its_file_line_column_and_message() {
    let repo = broken();
    let run = |format: &str| {
        railyard()
            .args(["validate", "--format", format, "--repo"])
            .arg(repo.path())
            .output()
            .expect("railyard runs")
    };
    let json = run("json");
    assert_eq!(json.status.code(), Some(1));
    insta::assert_snapshot!("generated_json", stdout(&json));
    let human = run("human");
    insta::assert_snapshot!("generated_human", stdout(&human));
}

/// The same repository committed: its diagnostics, read from git (a valid file's text read
/// again from its blob when a diagnostic points into it), are those of the working tree.
#[test]
fn a_committed_tree_gives_the_working_trees_diagnostics() {
    let repo = broken();
    let date = "2026-11-20T10:00:00Z";
    common::git(repo.path(), &["init", "-q", "-b", "main"], "rita", date);
    common::git(repo.path(), &["add", "-A"], "rita", date);
    common::git(
        repo.path(),
        &["commit", "-q", "-m", "manifests"],
        "rita",
        date,
    );
    let diagnostics = |args: &[&str]| -> Vec<serde_json::Value> {
        let output = railyard()
            .args(["--format", "json", "--now", "2026-11-25T12:00:00Z"])
            .args(args)
            .arg("--repo")
            .arg(repo.path())
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .output()
            .expect("railyard runs");
        let json: serde_json::Value =
            serde_json::from_str(&stdout(&output)).expect("a JSON document");
        json["diagnostics"].as_array().cloned().unwrap_or_default()
    };
    let worktree = diagnostics(&["validate"]);
    let committed = diagnostics(&["reconcile", "--dry-run", "--rev", "HEAD"]);
    assert!(
        worktree.iter().any(|d| d["code"] == "unresolved-reference"
            && d["file"] == "turnovers/train-0000/t-03.yaml"),
        "{worktree:?}"
    );
    assert_eq!(committed, worktree);
}
