//! `railyard reconcile --dry-run` and `railyard explain` end to end: the sample repository,
//! temporary git repositories with commits by different people, and bad input.

mod common;

use common::{commit, copy_tree, git_repo, railyard, root, stdout};
use serde_json::Value;

const NOW: &str = "2026-11-25T12:00:00Z";

const TEAMS: &str = "apiVersion: railyard/v1\nkind: Team\nmetadata: {name: release-managers}\nspec:\n  members:\n    - {id: rita, emails: [rita@example.com]}\n    - {id: marco, emails: [marco@example.com]}\n---\napiVersion: railyard/v1\nkind: Team\nmetadata: {name: developers}\nspec:\n  members:\n    - {id: dan, emails: [dan@example.com]}\n";
const TRAIN: &str = "apiVersion: railyard/v1\nkind: ReleaseTrain\nmetadata: {name: q4}\nspec: {type: minor, manager: rita}\n";

fn approval(by: &str) -> String {
    format!(
        "apiVersion: railyard/v1\nkind: Approval\nmetadata: {{name: q4-train-{by}}}\nspec: {{subject: ReleaseTrain/q4, gate: train, decision: approve, by: {by}}}\n"
    )
}

fn plan(dir: &std::path::Path, extra: &[&str]) -> (Value, i32) {
    common::dry_run_json(dir, NOW, extra)
}

fn object<'v>(plan: &'v Value, kind: &str, name: &str) -> &'v Value {
    plan["objects"]
        .as_array()
        .and_then(|a| a.iter().find(|o| o["kind"] == kind && o["name"] == name))
        .expect("object in plan")
}

/// A git repository with the teams and train `q4` committed by `author`.
fn train_repo(author: &str) -> tempfile::TempDir {
    let repo = git_repo();
    commit(
        repo.path(),
        &[("teams.yaml", TEAMS), ("trains/q4.yaml", TRAIN)],
        author,
        "2026-11-01T10:00:00Z",
    );
    repo
}

/// The first reason that blocks train `q4`.
fn first_reason(plan: &Value) -> String {
    object(plan, "ReleaseTrain", "q4")["blockedBy"][0]["reasons"][0]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

#[test]
fn approvals_count_by_the_commit_author() {
    let repo = train_repo("rita");
    let dir = repo.path();
    // dan commits an approval that claims to be marco's: it must not count.
    commit(
        dir,
        &[("approvals/q4-train-marco.yaml", &approval("marco"))],
        "dan",
        "2026-11-02T10:00:00Z",
    );
    let (json, code) = plan(dir, &[]);
    assert_eq!(code, 0);
    let train = object(&json, "ReleaseTrain", "q4");
    assert_eq!(train["phase"], "scoping");
    assert_eq!(
        train["blockedBy"][0]["reasons"][0],
        "approval `train` needs 1 of team `release-managers`; none yet (not counted: `q4-train-marco` says `by: marco` but was committed by someone else)"
    );
    // marco's own approval counts.
    std::fs::remove_file(dir.join("approvals/q4-train-marco.yaml")).expect("rm");
    commit(
        dir,
        &[(
            "approvals/q4-train-marco-2.yaml",
            &approval("marco").replace("q4-train-marco", "q4-train-marco-2"),
        )],
        "marco",
        "2026-11-03T10:00:00Z",
    );
    let (json, _) = plan(dir, &[]);
    let train = object(&json, "ReleaseTrain", "q4");
    assert_eq!(train["phase"], "construction");
    assert_eq!(
        train["transitions"][0],
        serde_json::json!({"from": "scoping", "to": "construction", "reason": "gate `scoping` has no exit criteria; approval `train` by `marco`"})
    );
    assert_eq!(
        train["notifications"],
        serde_json::json!([
            {"to": "release-managers", "event": "approval-needed", "gate": "train"},
            {"to": "rita", "event": "phase-entered"},
            {"to": "release-managers", "event": "approval-needed", "gate": "development"},
            {"to": "rita", "event": "phase-entered"}
        ]),
        "scoping and construction each need the managers' approval"
    );
    assert_eq!(json["revision"], "working-tree");
}

#[test]
fn no_self_approval_and_uncommitted_records_do_not_count() {
    let repo = train_repo("marco");
    let dir = repo.path();
    commit(
        dir,
        &[("approvals/a.yaml", &approval("marco"))],
        "marco",
        "2026-11-02T10:00:00Z",
    );
    let (json, _) = plan(dir, &[]);
    let reason = first_reason(&json);
    assert!(
        reason.contains("`marco` made the last change to ReleaseTrain/q4 and cannot approve it"),
        "{reason}"
    );
    // rita's approval, written but not committed, is not counted either.
    common::write(dir, "approvals/b.yaml", approval("rita").as_bytes());
    let (json, _) = plan(dir, &[]);
    let reason = first_reason(&json);
    assert!(
        reason.contains("`q4-train-rita` is not committed yet"),
        "{reason}"
    );
    // Committed by rita: the train moves.
    commit(dir, &[], "rita", "2026-11-03T10:00:00Z");
    let (json, _) = plan(dir, &[]);
    assert_eq!(object(&json, "ReleaseTrain", "q4")["phase"], "construction");
}

#[test]
fn rev_plans_a_commit_not_the_working_tree() {
    let repo = train_repo("rita");
    let dir = repo.path();
    commit(
        dir,
        &[("approvals/a.yaml", &approval("marco"))],
        "marco",
        "2026-11-02T10:00:00Z",
    );
    common::write(dir, "trains/q4.yaml", b"not: [valid yaml\n");
    let (json, code) = plan(dir, &["--rev", "HEAD~1"]);
    assert_eq!(code, 0, "{json}");
    assert_eq!(object(&json, "ReleaseTrain", "q4")["phase"], "scoping");
    assert_eq!(json["revision"].as_str().map(str::len), Some(40));
    let (json, _) = plan(dir, &["--rev", "main"]);
    assert_eq!(object(&json, "ReleaseTrain", "q4")["phase"], "construction");
    // The broken working tree is what a plain dry-run sees.
    let (json, code) = plan(dir, &[]);
    assert_eq!(code, 1);
    assert!(
        json["diagnostics"]
            .as_array()
            .is_some_and(|d| d.iter().any(|d| d["code"] == "yaml-syntax"))
    );
}

#[test]
fn objects_with_errors_are_skipped_and_the_rest_reconciles() {
    let dir = common::repo(&[
        ("teams.yaml", TEAMS.as_bytes()),
        ("trains/q4.yaml", TRAIN.as_bytes()),
        (
            "trains/q5.yaml",
            TRAIN
                .replace("q4", "q5")
                .replace("minor", "weekly")
                .as_bytes(),
        ),
        ("approvals/a.yaml", approval("marco").as_bytes()),
    ]);
    let (json, code) = plan(dir.path(), &[]);
    assert_eq!(code, 1);
    assert_eq!(object(&json, "ReleaseTrain", "q4")["phase"], "construction");
    assert_eq!(object(&json, "ReleaseTrain", "q5")["invalid"], true);
    assert_eq!(
        json["changes"],
        serde_json::json!([
            {"path": "STATUS.md", "action": "create"},
            {"path": "status/ReleaseTrain/q4.yaml", "action": "create"}
        ])
    );
}

#[test]
fn the_sample_repository_plan_is_snapshotted() {
    // A plain-folder copy: authorship is not verified, so the plan does not depend on this
    // project's own git history.
    let copy = tempfile::tempdir().expect("a temporary directory");
    copy_tree(&root().join("examples/acme"), copy.path());
    let output = railyard()
        .args(["reconcile", "--dry-run", "--now", NOW, "--repo"])
        .arg(copy.path())
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(0));
    insta::assert_snapshot!("acme_plan", stdout(&output));
    let output = railyard()
        .args([
            "reconcile",
            "--dry-run",
            "--format",
            "json",
            "--now",
            NOW,
            "--repo",
        ])
        .arg(copy.path())
        .output()
        .expect("runs");
    let json: Value = serde_json::from_slice(&output.stdout).expect("JSON");
    insta::assert_json_snapshot!("acme_plan_json", json);
    let explained = railyard()
        .args(["explain", "Turnover/2026-12-test", "--now", NOW, "--repo"])
        .arg(copy.path())
        .output()
        .expect("runs");
    insta::assert_snapshot!("acme_explain_turnover", stdout(&explained));
}

#[test]
fn github_format_writes_the_plan_to_the_job_summary() {
    let dir = common::repo(&[
        ("teams.yaml", TEAMS.as_bytes()),
        ("trains/q4.yaml", TRAIN.as_bytes()),
    ]);
    let summary = tempfile::NamedTempFile::new().expect("a file");
    railyard()
        .args([
            "reconcile",
            "--dry-run",
            "--format",
            "github",
            "--now",
            NOW,
            "--repo",
        ])
        .arg(dir.path())
        .env("GITHUB_STEP_SUMMARY", summary.path())
        .assert()
        .success();
    let markdown = std::fs::read_to_string(summary.path()).expect("written");
    assert!(markdown.contains("| `ReleaseTrain/q4` | scoping |  | approval `train` needs 1 of team `release-managers`; none yet |"), "{markdown}");
    assert!(
        markdown.contains("- create `status/ReleaseTrain/q4.yaml`"),
        "{markdown}"
    );
}

#[test]
fn bad_requests_exit_2_with_a_message() {
    let plain = common::repo(&[("teams.yaml", TEAMS.as_bytes())]);
    railyard()
        .args(["reconcile"])
        .arg("--repo")
        .arg(plain.path())
        .assert()
        .code(2)
        .stderr(predicates::str::contains("--dry-run"));
    railyard()
        .args(["reconcile", "--dry-run", "--rev", "HEAD", "--repo"])
        .arg(plain.path())
        .assert()
        .code(2)
        .stderr(predicates::str::contains("not inside a git repository"));
    let repo = git_repo();
    commit(
        repo.path(),
        &[("teams.yaml", TEAMS)],
        "rita",
        "2026-11-01T10:00:00Z",
    );
    railyard()
        .args([
            "reconcile",
            "--dry-run",
            "--rev",
            "no-such-branch",
            "--repo",
        ])
        .arg(repo.path())
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "`no-such-branch` names no commit",
        ));
    railyard()
        .args(["explain", "ReleaseTrain/q9", "--repo"])
        .arg(plain.path())
        .assert()
        .code(2)
        .stderr(predicates::str::contains("no object"));
    railyard()
        .args(["explain", "q9", "--repo"])
        .arg(plain.path())
        .assert()
        .code(2)
        .stderr(predicates::str::contains("Kind/name"));
}

#[test]
fn a_repository_without_commits_counts_nothing_as_committed() {
    let repo = git_repo();
    common::write(repo.path(), "teams.yaml", TEAMS.as_bytes());
    common::write(repo.path(), "trains/q4.yaml", TRAIN.as_bytes());
    common::write(
        repo.path(),
        "approvals/a.yaml",
        approval("marco").as_bytes(),
    );
    let (json, code) = plan(repo.path(), &[]);
    assert_eq!(code, 0);
    let reason = first_reason(&json);
    assert!(reason.contains("not committed yet"), "{reason}");
}

#[test]
fn graph_draws_tasks_and_releases_as_dot_and_mermaid() {
    let copy = tempfile::tempdir().expect("a temporary directory");
    copy_tree(&root().join("examples/acme"), copy.path());
    let draw = |object: &str, format: &str| {
        let output = railyard()
            .args(["graph", object, "--format", format, "--now", NOW, "--repo"])
            .arg(copy.path())
            .output()
            .expect("runs");
        assert_eq!(output.status.code(), Some(0), "{object} {format}");
        stdout(&output)
    };
    insta::assert_snapshot!(
        "graph_turnover_dot",
        draw("Turnover/2026-12-staging", "dot")
    );
    insta::assert_snapshot!(
        "graph_turnover_mermaid",
        draw("Turnover/2026-12-test", "mermaid")
    );
    insta::assert_snapshot!(
        "graph_train_mermaid",
        draw("ReleaseTrain/2026-12", "mermaid")
    );
    // The same repository and clock draw the same bytes.
    assert_eq!(
        draw("Turnover/2026-12-staging", "dot"),
        draw("Turnover/2026-12-staging", "dot")
    );
}

#[test]
fn graph_refuses_what_it_cannot_draw() {
    let dir = common::repo(&[
        ("teams.yaml", TEAMS.as_bytes()),
        ("trains/q4.yaml", TRAIN.as_bytes()),
    ]);
    let run = |args: &[&str]| {
        railyard()
            .args(args)
            .arg("--repo")
            .arg(dir.path())
            .assert()
            .code(2)
    };
    run(&["graph", "ReleaseTrain/q5"])
        .stderr(predicates::str::contains("did you mean `ReleaseTrain/q4`?"));
    run(&["graph", "q4"]).stderr(predicates::str::contains("Kind/name"));
    run(&["graph", "ReleaseTrain/q4", "--format", "json"]).stderr(predicates::str::contains("dot"));
    run(&["validate", "--format", "mermaid"])
        .stderr(predicates::str::contains("are for `railyard graph`"));
    // A train without releases is an empty graph, not an error.
    railyard()
        .args(["graph", "ReleaseTrain/q4", "--format", "dot", "--repo"])
        .arg(dir.path())
        .assert()
        .success();
}
