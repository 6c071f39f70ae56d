//! Whole lifecycles as people drive them: every change a commit by the person who would make
//! it, then `railyard reconcile` with an advancing clock, on a real temporary git repository.
//! Each test holds one rule of what counts: a report only for the current attempt, an
//! approval only for the current visit, the train's manager among those who may close it,
//! and the executives asked once `qa` is given.

mod common;

use std::path::Path;

use serde_json::Value;

use common::{commit, git, git_repo, railyard, stdout};

fn record(kind: &str, name: &str, spec: &str) -> String {
    format!("apiVersion: railyard/v1\nkind: {kind}\nmetadata: {{name: {name}}}\nspec: {spec}\n")
}

/// `railyard reconcile` at `now`, which must succeed.
fn reconcile(dir: &Path, now: &str) -> String {
    let output = railyard()
        .args(["reconcile", "--now", now, "--repo"])
        .arg(dir)
        .output()
        .expect("railyard runs");
    assert_eq!(
        output.status.code(),
        Some(0),
        "stdout: {}\nstderr: {}",
        stdout(&output),
        String::from_utf8_lossy(&output.stderr)
    );
    stdout(&output)
}

/// The status railyard committed for `Kind/name` on main, as JSON.
fn committed(dir: &Path, object: &str) -> Value {
    let text = git(
        dir,
        &["show", &format!("main:status/{object}.yaml")],
        "nobody",
        "2026-12-01T00:00:00Z",
    )
    .stdout;
    let text = String::from_utf8_lossy(&text).into_owned();
    railyard::yaml::parse(&text, railyard::yaml::Limits::default()).documents[0]
        .root
        .to_json()
}

/// The reasons a way out of the committed status is blocked by.
fn blocked(status: &Value, to: &str) -> Vec<String> {
    status["next"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|n| n["phase"] == to)
        .flat_map(|n| n["blockedBy"].as_array().cloned().unwrap_or_default())
        .map(|r| r.as_str().unwrap_or_default().to_string())
        .collect()
}

/// The history as `from → to` steps, and whether each starts where the one before ended.
fn history(status: &Value) -> (Vec<String>, bool) {
    let entries = status["history"].as_array().cloned().unwrap_or_default();
    let steps = entries
        .iter()
        .map(|h| {
            format!(
                "{} → {}",
                h["from"].as_str().unwrap_or(""),
                h["to"].as_str().unwrap_or("")
            )
        })
        .collect();
    let chains = entries.windows(2).all(|w| w[0]["to"] == w[1]["from"]);
    (steps, chains)
}

fn task_states(status: &Value) -> String {
    status["tasks"]["states"]
        .as_object()
        .expect("task states")
        .iter()
        .map(|(id, s)| format!("{id}={}", s.as_str().unwrap_or("?")))
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
fn a_report_for_the_failed_attempt_does_not_complete_the_retry() {
    let repo = common::started_turnover(
        &[
            "{id: migrate, title: Migrate, type: manual, owner: developers}",
            "{id: smoke, title: Smoke test, type: manual, owner: developers, dependsOn: [migrate]}",
        ],
        "2026-11-21T20:00:00Z",
    );
    let dir = repo.path();
    let report = |name: &str, task: &str, attempt: u32, outcome: &str, by: &str| {
        (
            format!("reports/{name}.yaml"),
            record(
                "TaskReport",
                name,
                &format!(
                    "{{subject: Turnover/to, task: {task}, attempt: {attempt}, outcome: {outcome}, by: {by}}}"
                ),
            ),
        )
    };
    let commit_report = |r: (String, String), who: &str, date: &str| {
        commit(dir, &[(r.0.as_str(), r.1.as_str())], who, date);
    };
    // Attempt 1: migrate fails while smoke waits behind it.
    commit_report(
        report("migrate-1", "migrate", 1, "failed", "dan"),
        "dan",
        "2026-11-22T10:00:00Z",
    );
    reconcile(dir, "2026-11-22T12:00:00Z");
    let status = committed(dir, "Turnover/to");
    assert_eq!(status["phase"], "failed");
    assert_eq!(task_states(&status), "migrate=failed smoke=pending");
    // The release engineer asks for attempt 2.
    let turnover = std::fs::read_to_string(dir.join("turnovers/to.yaml")).expect("turnover");
    let retried = turnover.replace(
        "  scheduledAt:",
        "  retry: {attempt: 2, rerun: failed}\n  scheduledAt:",
    );
    commit(
        dir,
        &[("turnovers/to.yaml", &retried)],
        "eve",
        "2026-11-23T10:00:00Z",
    );
    reconcile(dir, "2026-11-23T12:00:00Z");
    let status = committed(dir, "Turnover/to");
    assert_eq!(status["phase"], "deploying");
    assert_eq!(
        status["retried"],
        serde_json::json!({"attempt": 2, "since": "2026-11-23T12:00:00Z"})
    );
    // migrate succeeds in attempt 2; smoke now waits for its owner.
    commit_report(
        report("migrate-2", "migrate", 2, "succeeded", "dan"),
        "dan",
        "2026-11-24T10:00:00Z",
    );
    reconcile(dir, "2026-11-24T12:00:00Z");
    assert_eq!(
        task_states(&committed(dir, "Turnover/to")),
        "migrate=succeeded smoke=waiting"
    );
    // The owner reports smoke for attempt 1: that attempt never got to smoke, and the report
    // came after the retry. The new deployment is not smoke-tested by it.
    commit_report(
        report("smoke-1", "smoke", 1, "succeeded", "dan"),
        "dan",
        "2026-11-24T13:00:00Z",
    );
    reconcile(dir, "2026-11-24T14:00:00Z");
    let status = committed(dir, "Turnover/to");
    assert_eq!(status["phase"], "deploying");
    assert_eq!(task_states(&status), "migrate=succeeded smoke=waiting");
    // Nor does a report for attempt 2 by someone who does not own the task, nor one the
    // owner wrote for attempt 2 before it was asked for (committed back in time here).
    commit_report(
        report("smoke-2-early", "smoke", 2, "succeeded", "dan"),
        "dan",
        "2026-11-23T11:00:00Z",
    );
    reconcile(dir, "2026-11-24T15:30:00Z");
    assert_eq!(committed(dir, "Turnover/to")["phase"], "deploying");
    commit_report(
        report("smoke-2-eve", "smoke", 2, "succeeded", "eve"),
        "eve",
        "2026-11-24T15:00:00Z",
    );
    reconcile(dir, "2026-11-24T16:00:00Z");
    assert_eq!(committed(dir, "Turnover/to")["phase"], "deploying");
    // The owner's report for this attempt does.
    commit_report(
        report("smoke-2", "smoke", 2, "succeeded", "dan"),
        "dan",
        "2026-11-24T17:00:00Z",
    );
    reconcile(dir, "2026-11-24T18:00:00Z");
    let status = committed(dir, "Turnover/to");
    assert_eq!(status["phase"], "deployed");
    let (steps, chains) = history(&status);
    assert!(chains, "{steps:?}");
    assert_eq!(
        steps[steps.len() - 3..],
        [
            "deploying → failed",
            "failed → deploying",
            "deploying → deployed"
        ]
    );
}

const ITIL_TEAMS: &str = "apiVersion: railyard/v1\nkind: Team\nmetadata: {name: release-managers}\nspec: {members: [{id: rita, emails: [rita@example.com]}, {id: marco, emails: [marco@example.com]}]}\n---\napiVersion: railyard/v1\nkind: Team\nmetadata: {name: release-engineers}\nspec: {members: [{id: eve, emails: [eve@example.com]}]}\n---\napiVersion: railyard/v1\nkind: Team\nmetadata: {name: release-approvers}\nspec: {members: [{id: sam, emails: [sam@example.com]}]}\n---\napiVersion: railyard/v1\nkind: ReleaseModel\nmetadata: {name: standard}\nspec: {taskPlans: {}}\n";

const ITIL_RELEASE: &str = "apiVersion: railyard/v1\nkind: Release\nmetadata: {name: gateway}\nspec:\n  title: Payments gateway\n  releaseType: minor\n  description: Move payments to the new gateway\n  requestedBy: marco\n  reason: End of support\n  releaseModel: standard\n  justification: Lower fees\n  service: payments\n  serviceOwner: rita\n  owningGroup: release-engineers\n  category: application\n  owner: eve\n  risk: low\n  impact: small\n  implementationPlan: Blue-green\n  remediationPlan: Switch back\n  scheduledStart: 2026-12-01T20:00:00Z\n  scheduledEnd: 2026-12-01T22:00:00Z\n  duration: 2h\n";

#[test]
fn a_cab_approval_from_before_a_reevaluation_is_asked_again() {
    let repo = git_repo();
    let dir = repo.path();
    commit(
        dir,
        &[
            ("teams.yaml", ITIL_TEAMS),
            ("releases/gateway.yaml", ITIL_RELEASE),
        ],
        "rita",
        "2026-11-20T10:00:00Z",
    );
    reconcile(dir, "2026-11-20T12:00:00Z");
    assert_eq!(
        committed(dir, "Release/gateway")["phase"],
        "approve-deployment"
    );
    let cab = |name: &str, by: &str| {
        record(
            "Approval",
            name,
            &format!("{{subject: Release/gateway, gate: deployment, decision: approve, by: {by}}}"),
        )
    };
    // Someone outside the CAB approves: not counted. Then the CAB does.
    commit(
        dir,
        &[("approvals/eve.yaml", &cab("cab-eve", "eve"))],
        "eve",
        "2026-11-21T09:00:00Z",
    );
    reconcile(dir, "2026-11-21T09:30:00Z");
    let status = committed(dir, "Release/gateway");
    assert_eq!(status["phase"], "approve-deployment");
    assert!(
        blocked(&status, "deploy")[0].contains("`eve` is not in team `release-approvers`"),
        "{status}"
    );
    commit(
        dir,
        &[("approvals/sam.yaml", &cab("cab-sam", "sam"))],
        "sam",
        "2026-11-21T10:00:00Z",
    );
    reconcile(dir, "2026-11-21T12:00:00Z");
    let deployed = committed(dir, "Release/gateway");
    assert_eq!(deployed["phase"], "deploy");
    // The risk assessment is withdrawn: the record goes back to plan-and-design.
    let no_risk = ITIL_RELEASE.replace("  risk: low\n", "");
    commit(
        dir,
        &[("releases/gateway.yaml", &no_risk)],
        "rita",
        "2026-11-22T10:00:00Z",
    );
    reconcile(dir, "2026-11-22T12:00:00Z");
    let back = committed(dir, "Release/gateway");
    assert_eq!(back["phase"], "plan-and-design");
    let (before, _) = history(&deployed);
    let (after, chains) = history(&back);
    assert!(chains, "{after:?}");
    assert_eq!(after[..before.len()], before[..], "the history only grows");
    assert_eq!(
        after.last().map(String::as_str),
        Some("deploy → plan-and-design")
    );
    assert_eq!(
        back["history"][before.len()]["reason"],
        "`risk` changed since the transition that required it"
    );
    // The risk is set again: the record comes back to approve-deployment, where the CAB's
    // approval of the first visit no longer counts.
    commit(
        dir,
        &[("releases/gateway.yaml", ITIL_RELEASE)],
        "rita",
        "2026-11-23T10:00:00Z",
    );
    reconcile(dir, "2026-11-23T12:00:00Z");
    let again = committed(dir, "Release/gateway");
    assert_eq!(again["phase"], "approve-deployment");
    let (steps, chains) = history(&again);
    assert!(chains, "{steps:?}");
    assert_eq!(steps[..after.len()], after[..]);
    assert!(
        blocked(&again, "deploy")[0]
            .contains("`cab-sam` was given during an earlier visit to this phase"),
        "{again}"
    );
    // A new approval by the CAB moves it on.
    commit(
        dir,
        &[("approvals/sam-2.yaml", &cab("cab-sam-2", "sam"))],
        "sam",
        "2026-11-24T10:00:00Z",
    );
    reconcile(dir, "2026-11-24T12:00:00Z");
    assert_eq!(committed(dir, "Release/gateway")["phase"], "deploy");
}

const TRAIN_TEAMS: &str = "apiVersion: railyard/v1\nkind: Team\nmetadata: {name: release-managers}\nspec: {members: [{id: rita, emails: [rita@example.com]}, {id: marco, emails: [marco@example.com]}]}\n---\napiVersion: railyard/v1\nkind: Team\nmetadata: {name: release-engineers}\nspec: {members: [{id: eve, emails: [eve@example.com]}]}\n---\napiVersion: railyard/v1\nkind: Team\nmetadata: {name: executives}\nspec: {members: [{id: cora, emails: [cora@example.com]}]}\n---\napiVersion: railyard/v1\nkind: Team\nmetadata: {name: developers}\nspec: {members: [{id: dan, emails: [dan@example.com]}]}\n---\napiVersion: railyard/v1\nkind: Environment\nmetadata: {name: production}\nspec: {tier: production}\n";

const TRAIN: &str = "apiVersion: railyard/v1\nkind: ReleaseTrain\nmetadata: {name: t}\nspec:\n  type: minor\n  manager: rita\n  environments: [{name: production}]\n";

const RELEASE_AND_TURNOVER: &str = "apiVersion: railyard/v1\nkind: ApplicationRelease\nmetadata: {name: web}\nspec: {train: t, application: web, version: '2.0'}\n---\napiVersion: railyard/v1\nkind: Turnover\nmetadata: {name: prod}\nspec:\n  environment: production\n  train: t\n  scheduledAt: 2026-11-20T20:00:00Z\n  tasks: [{id: verify, title: Verify, type: manual, owner: developers}]\n";

fn approval_file(subject: &str, gate: &str, by: &str) -> (String, String) {
    let name = format!("{}-{gate}-{by}", subject.replace('/', "-").to_lowercase());
    (
        format!("approvals/{name}.yaml"),
        record(
            "Approval",
            &name,
            &format!("{{subject: {subject}, gate: {gate}, decision: approve, by: {by}}}"),
        ),
    )
}

fn approve(dir: &Path, subject: &str, gate: &str, by: &str, date: &str) {
    let (path, text) = approval_file(subject, gate, by);
    commit(dir, &[(path.as_str(), text.as_str())], by, date);
}

/// `{to, gate}` of every `approval-needed` in a dry-run's plan of `object`.
fn asked(dir: &Path, now: &str, object: &str) -> Vec<(String, String)> {
    let (plan, code) = common::dry_run_json(dir, now, &[]);
    assert_eq!(code, 0, "{plan}");
    let (kind, name) = object.split_once('/').expect("Kind/name");
    plan["objects"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|o| o["kind"] == kind && o["name"] == name)
        .flat_map(|o| o["notifications"].as_array().cloned().unwrap_or_default())
        .filter(|n| n["event"] == "approval-needed")
        .map(|n| {
            (
                n["to"].as_str().unwrap_or_default().to_string(),
                n["gate"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

#[test]
fn a_train_from_scoping_to_closed_asks_the_executives_and_lets_its_manager_close_it() {
    let repo = git_repo();
    let dir = repo.path();
    commit(
        dir,
        &[
            ("teams.yaml", TRAIN_TEAMS),
            ("trains/t.yaml", TRAIN),
            ("releases.yaml", RELEASE_AND_TURNOVER),
        ],
        "rita",
        "2026-11-01T10:00:00Z",
    );
    approve(
        dir,
        "ReleaseTrain/t",
        "train",
        "marco",
        "2026-11-02T10:00:00Z",
    );
    approve(
        dir,
        "ReleaseTrain/t",
        "development",
        "marco",
        "2026-11-03T10:00:00Z",
    );
    reconcile(dir, "2026-11-03T12:00:00Z");
    assert_eq!(committed(dir, "ReleaseTrain/t")["phase"], "verification");
    // qa is given: now the executives are asked for theirs, once.
    approve(dir, "ReleaseTrain/t", "qa", "eve", "2026-11-04T10:00:00Z");
    assert_eq!(
        asked(dir, "2026-11-04T12:00:00Z", "ReleaseTrain/t"),
        [("executives".to_string(), "executive".to_string())]
    );
    reconcile(dir, "2026-11-04T12:00:00Z");
    let status = committed(dir, "ReleaseTrain/t");
    assert_eq!(status["phase"], "verification");
    assert_eq!(status["asked"], serde_json::json!(["executive"]));
    assert_eq!(asked(dir, "2026-11-04T13:00:00Z", "ReleaseTrain/t"), []);
    // cora approves; the production turnover is accepted, started and verified.
    approve(
        dir,
        "ReleaseTrain/t",
        "executive",
        "cora",
        "2026-11-05T10:00:00Z",
    );
    approve(
        dir,
        "Turnover/prod",
        "acceptance",
        "eve",
        "2026-11-05T11:00:00Z",
    );
    approve(dir, "Turnover/prod", "start", "eve", "2026-11-05T11:10:00Z");
    let verified = record(
        "TaskReport",
        "prod-verify",
        "{subject: Turnover/prod, task: verify, attempt: 1, outcome: succeeded, by: dan}",
    );
    commit(
        dir,
        &[("reports/prod-verify.yaml", &verified)],
        "dan",
        "2026-11-21T10:00:00Z",
    );
    reconcile(dir, "2026-11-21T12:00:00Z");
    assert_eq!(committed(dir, "Turnover/prod")["phase"], "deployed");
    assert_eq!(
        committed(dir, "ApplicationRelease/web")["phase"],
        "released"
    );
    let status = committed(dir, "ReleaseTrain/t");
    assert_eq!(status["phase"], "deployment");
    assert_eq!(
        blocked(&status, "closed"),
        [
            "approval `close` needs 1 of team `release-engineers` or the `manager` (`rita`); none yet"
        ]
    );
    // A developer's close does not count; the manager's does not either while she made the
    // train's last change, and the plan says so.
    approve(
        dir,
        "ReleaseTrain/t",
        "close",
        "dan",
        "2026-11-22T09:00:00Z",
    );
    approve(
        dir,
        "ReleaseTrain/t",
        "close",
        "rita",
        "2026-11-22T10:00:00Z",
    );
    reconcile(dir, "2026-11-22T12:00:00Z");
    let status = committed(dir, "ReleaseTrain/t");
    assert_eq!(status["phase"], "deployment");
    assert_eq!(
        blocked(&status, "closed"),
        [
            "approval `close` needs 1 of team `release-engineers` or the `manager` (`rita`); none yet (not counted: `dan` is not in team `release-engineers` nor the `manager`; `rita` is the `manager` of ReleaseTrain/t but also made its last change, so that approval does not count (no self-approval): another member of team `release-engineers` must approve)"
        ]
    );
    // Once someone else made the train's last change, the manager closes her train.
    let purpose = TRAIN.replace(
        "  manager: rita\n",
        "  manager: rita\n  purpose: December release\n",
    );
    commit(
        dir,
        &[("trains/t.yaml", &purpose)],
        "marco",
        "2026-11-23T10:00:00Z",
    );
    reconcile(dir, "2026-11-23T12:00:00Z");
    let status = committed(dir, "ReleaseTrain/t");
    assert_eq!(status["phase"], "closed");
    let (steps, chains) = history(&status);
    assert!(chains, "{steps:?}");
    assert_eq!(
        status["history"][steps.len() - 1]["reason"],
        "every application release is `released` or later; approval `close` by `rita`"
    );
}
