//! The pull-request check (issue 19, part 5): `reconcile --dry-run --rev HEAD --base main`
//! finds, before the merge, what a pull request changes that trust depends on.

mod common;

use std::path::Path;

use common::{APPROVAL, TEAMS, commit, git, railyard};

const NOW: &str = "2026-11-25T12:00:00Z";

/// `reconcile --dry-run --rev pr --base main` in `dir`: exit code, stdout (JSON) and stderr.
fn check(dir: &Path) -> (i32, serde_json::Value, String) {
    let output = railyard()
        .args([
            "reconcile",
            "--dry-run",
            "--format",
            "json",
            "--now",
            NOW,
            "--rev",
            "pr",
            "--base",
            "main",
            "--repo",
        ])
        .arg(dir)
        .output()
        .expect("railyard runs");
    let json = serde_json::from_slice(&output.stdout).unwrap_or_else(|_| {
        panic!(
            "a JSON plan: {}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    });
    (
        output.status.code().unwrap_or(-1),
        json,
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// The (code, file) of each error diagnostic.
fn errors(plan: &serde_json::Value) -> Vec<(String, String)> {
    plan["diagnostics"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|d| d["severity"] == "error")
        .map(|d| {
            (
                d["code"].as_str().unwrap_or_default().to_string(),
                d["file"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

/// The approved train reconciled on main (status committed by railyard), then branch `pr`.
fn reconciled_main() -> tempfile::TempDir {
    let repo = common::approved_train_repo();
    let output = railyard()
        .args(["reconcile", "--now", NOW, "--repo"])
        .arg(repo.path())
        .output()
        .expect("railyard runs");
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    git(repo.path(), &["checkout", "-q", "-b", "pr"], "nobody", NOW);
    repo
}

#[test]
fn a_clean_pull_request_passes_and_says_nothing() {
    let repo = reconciled_main();
    let dir = repo.path();
    commit(
        dir,
        &[("notes.txt", "a harmless change\n")],
        "marco",
        "2026-11-03T10:00:00Z",
    );
    let (code, plan, stderr) = check(dir);
    assert_eq!(code, 0, "{plan} {stderr}");
    assert!(!stderr.contains("warning"), "{stderr}");
}

#[test]
fn status_changed_in_a_pull_request_is_an_error_at_the_file() {
    let repo = reconciled_main();
    let dir = repo.path();
    let path = "status/ReleaseTrain/q4.yaml";
    let status = std::fs::read_to_string(dir.join(path)).expect("the status");
    commit(
        dir,
        &[
            (path, &status.replace("construction", "deployment")),
            ("STATUS.md", "all done\n"),
        ],
        "marco",
        "2026-11-03T10:00:00Z",
    );
    let (code, plan, _) = check(dir);
    assert_eq!(code, 1);
    let errors = errors(&plan);
    assert!(
        errors.contains(&("status-in-pull-request".into(), path.into())),
        "{errors:?}"
    );
    assert!(
        errors.contains(&("status-in-pull-request".into(), "STATUS.md".into())),
        "{errors:?}"
    );
    // The same commit planned without `--base` is not a pull request: no such error.
    let output = railyard()
        .args([
            "reconcile",
            "--dry-run",
            "--format",
            "json",
            "--now",
            NOW,
            "--rev",
            "pr",
            "--repo",
        ])
        .arg(dir)
        .output()
        .expect("railyard runs");
    assert!(
        !String::from_utf8_lossy(&output.stdout).contains("status-in-pull-request"),
        "only with a base"
    );
}

#[test]
fn records_deleted_or_edited_in_a_pull_request_are_errors() {
    let repo = reconciled_main();
    let dir = repo.path();
    git(
        dir,
        &["rm", "-q", "approvals/q4-train.yaml"],
        "marco",
        "2026-11-03T10:00:00Z",
    );
    git(
        dir,
        &["commit", "-q", "-m", "withdraw"],
        "marco",
        "2026-11-03T10:00:00Z",
    );
    let (code, plan, _) = check(dir);
    assert_eq!(code, 1);
    assert_eq!(
        errors(&plan),
        [(
            "record-changed".to_string(),
            "approvals/q4-train.yaml".to_string()
        )]
    );
    assert!(
        plan["diagnostics"][0]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("deletes Approval `q4-train`"),
        "{plan}"
    );

    let repo = reconciled_main();
    let dir = repo.path();
    commit(
        dir,
        &[(
            "approvals/q4-train.yaml",
            &APPROVAL.replace("by: marco}", "by: marco, comment: edited}"),
        )],
        "eve",
        "2026-11-03T10:00:00Z",
    );
    let (code, plan, _) = check(dir);
    assert_eq!(code, 1);
    assert_eq!(
        errors(&plan),
        [(
            "record-changed".to_string(),
            "approvals/q4-train.yaml".to_string()
        )]
    );
}

#[test]
fn membership_workflow_and_config_changes_are_warnings_for_reviewers() {
    let repo = reconciled_main();
    let dir = repo.path();
    let key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOYYXIbPCoP6niJtKLsyAkca8YSXDV3g3OMZ28wjO456 eve@laptop";
    let teams = TEAMS
        .replace(
            "{id: marco, emails: [marco@example.com]}",
            &format!(
                "{{id: marco, emails: [marco@example.com, m@evil.example], signingKeys: ['{key}']}}"
            ),
        )
        .replace("    - {id: rita, emails: [rita@example.com]}\n", "")
        + "    - {id: eve, emails: [eve@example.com]}\n";
    commit(
        dir,
        &[
            ("teams.yaml", &teams),
            (
                "railyard.yaml",
                "apiVersion: railyard/v1\nkind: Config\nmetadata: {name: config}\nspec: {roles: {release-managers: release-managers}}\n",
            ),
            (
                "workflows/train.yaml",
                "apiVersion: railyard/v1\nkind: Workflow\nmetadata: {name: lax}\nspec:\n  appliesTo: ReleaseTrain\n  initial: scoping\n  phases:\n    - {name: scoping}\n    - {name: done, terminal: true}\n  transitions:\n    - {from: scoping, to: done}\n",
            ),
        ],
        "marco",
        "2026-11-03T10:00:00Z",
    );
    let (_, plan, stderr) = check(dir);
    for expected in [
        "warning: `eve` joins team `release-managers`: they may approve",
        "warning: `rita` leaves team `release-managers`",
        "warning: `marco` of team `release-managers` gains the email `m@evil.example`: commits under it count as theirs",
        "warning: `marco` of team `release-managers` gains a signing key: SHA256:",
        "warning: this pull request adds Config `config` (railyard.yaml)",
        "warning: this pull request adds Workflow `lax` (workflows/train.yaml), a workflow",
    ] {
        assert!(stderr.contains(expected), "{expected}\n{stderr}\n{plan}");
    }
}

#[test]
fn a_base_that_names_nothing_is_refused() {
    let repo = reconciled_main();
    let output = railyard()
        .args([
            "reconcile",
            "--dry-run",
            "--rev",
            "pr",
            "--base",
            "nope",
            "--repo",
        ])
        .arg(repo.path())
        .output()
        .expect("railyard runs");
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("`nope` names no commit"));
    let output = railyard()
        .args(["reconcile", "--dry-run", "--base", "main", "--repo"])
        .arg(repo.path())
        .output()
        .expect("railyard runs");
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("--rev"));
}
