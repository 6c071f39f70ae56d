//! Records are append-only (issue 19, part 4): an Approval or TaskReport changed after the
//! commit that added it is a `record-changed` error at the file, naming the commit and the
//! author that changed it, and it does not count.

mod common;

use std::path::Path;

use common::{APPROVAL, commit, git};

const NOW: &str = "2026-11-25T12:00:00Z";

/// The dry-run plan's train, its `record-changed` diagnostics and the exit code.
fn plan(dir: &Path) -> (serde_json::Value, Vec<serde_json::Value>, i32) {
    let (plan, code) = common::dry_run_json(dir, NOW, &[]);
    let train = plan["objects"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|o| o["kind"] == "ReleaseTrain")
        .cloned()
        .expect("the train is planned");
    let changed = plan["diagnostics"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|d| d["code"] == "record-changed")
        .cloned()
        .collect();
    (train, changed, code)
}

#[test]
fn an_approval_edited_after_it_was_added_is_an_error_and_does_not_count() {
    let repo = common::train_repo();
    let dir = repo.path();
    // Marco's reject, committed by marco…
    let reject = APPROVAL.replace("decision: approve", "decision: reject");
    commit(
        dir,
        &[("approvals/q4-train.yaml", &reject)],
        "marco",
        "2026-11-02T10:00:00Z",
    );
    let (train, changed, code) = plan(dir);
    assert_eq!((train["phase"].as_str(), code), (Some("scoping"), 0));
    assert!(changed.is_empty());
    // …turned into an approval by eve.
    commit(
        dir,
        &[("approvals/q4-train.yaml", APPROVAL)],
        "eve",
        "2026-11-03T10:00:00Z",
    );
    let (train, changed, code) = plan(dir);
    assert_eq!(code, 1, "an error fails the check");
    assert_eq!(train["phase"], "scoping", "{train}");
    assert!(
        train["blockedBy"]
            .to_string()
            .contains("`q4-train` was changed after it was added (`record-changed`)"),
        "{train}"
    );
    assert_eq!(changed.len(), 1, "{changed:?}");
    let message = changed[0]["message"].as_str().unwrap_or_default();
    assert_eq!(changed[0]["file"], "approvals/q4-train.yaml");
    assert_eq!(changed[0]["severity"], "error");
    assert!(
        message.contains("by marco <marco@example.com>"),
        "{message}"
    );
    assert!(
        message.contains("changed in") && message.contains("by eve <eve@example.com>"),
        "{message}"
    );
    assert!(message.contains("it does not count"), "{message}");
}

#[test]
fn an_edit_on_a_pull_request_branch_is_caught_after_the_merge() {
    let repo = common::train_repo();
    let dir = repo.path();
    git(dir, &["checkout", "-q", "-b", "pr"], "nobody", NOW);
    commit(
        dir,
        &[("approvals/q4-train.yaml", APPROVAL)],
        "marco",
        "2026-11-02T10:00:00Z",
    );
    // Someone else edits marco's record on the same branch before it is merged.
    commit(
        dir,
        &[(
            "approvals/q4-train.yaml",
            &APPROVAL.replace("by: marco}", "by: marco, comment: ship it}"),
        )],
        "eve",
        "2026-11-02T11:00:00Z",
    );
    git(dir, &["checkout", "-q", "main"], "nobody", NOW);
    commit(
        dir,
        &[("notes.txt", "main moved on\n")],
        "rita",
        "2026-11-02T12:00:00Z",
    );
    git(
        dir,
        &[
            "merge",
            "-q",
            "--no-ff",
            "pr",
            "-m",
            "Merge pull request #1",
        ],
        "rita",
        "2026-11-02T13:00:00Z",
    );
    let (train, changed, code) = plan(dir);
    assert_eq!((train["phase"].as_str(), code), (Some("scoping"), 1));
    let message = changed[0]["message"].as_str().unwrap_or_default();
    assert!(message.contains("by eve <eve@example.com>"), "{message}");
}

#[test]
fn a_task_report_edited_after_it_was_added_does_not_count() {
    let repo = common::started_turnover(
        &["{id: smoke, title: Smoke test, type: manual, owner: developers}"],
        "2026-11-21T20:00:00Z",
    );
    let dir = repo.path();
    let report = "apiVersion: railyard/v1\nkind: TaskReport\nmetadata: {name: smoke-1}\nspec: {subject: Turnover/to, task: smoke, attempt: 1, outcome: failed, by: dan}\n";
    let state = |dir: &Path| {
        let (plan, code) = common::dry_run_json(dir, NOW, &[]);
        let turnover = plan["objects"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|o| o["kind"] == "Turnover")
            .cloned()
            .expect("the turnover");
        (
            format!("{} {}", turnover["tasks"], turnover["blockedBy"]),
            code,
        )
    };
    commit(
        dir,
        &[("reports/smoke-1.yaml", report)],
        "dan",
        "2026-11-22T10:00:00Z",
    );
    let (tasks, code) = state(dir);
    assert!(tasks.contains("\"failed\""), "{tasks}");
    assert_eq!(code, 0);
    // Someone turns dan's failure into a success.
    commit(
        dir,
        &[(
            "reports/smoke-1.yaml",
            &report.replace("outcome: failed", "outcome: succeeded"),
        )],
        "rita",
        "2026-11-22T11:00:00Z",
    );
    let (tasks, code) = state(dir);
    assert_eq!(code, 1);
    assert!(!tasks.contains("\"succeeded\""), "{tasks}");
    assert!(!tasks.contains("\"failed\""), "{tasks}");
    // The plan says why the task still waits.
    assert!(
        tasks.contains("`smoke` (waiting for `developers`; report `smoke-1` was changed after it was added (`record-changed`), so it does not count)"),
        "{tasks}"
    );
}
