//! Table tests of the engine on tiny in-memory repositories: one per guard, one per row of
//! seed 004's Release transition table, and the rules of SPEC §3 on approvals.

use std::collections::BTreeMap;

use std::sync::Arc;

use super::{ObjectPlan, StatusMap, reconcile};
use crate::catalog::Catalog;
use crate::load::{Content, RawFile, Settings};
use crate::manifest::Kind;
use crate::status::ObjectStatus;
use crate::trust::facts::{Commit, Facts};

const NOW: &str = "2026-11-23T12:00:00Z";

fn now() -> jiff::Timestamp {
    NOW.parse().expect("a timestamp")
}

/// Teams, environments and a train shared by the tests.
pub(super) const BASE: &str = r#"
apiVersion: railyard/v1
kind: Team
metadata: {name: release-managers}
spec: {members: [{id: rita, emails: [rita@x]}, {id: marco, emails: [marco@x]}]}
---
apiVersion: railyard/v1
kind: Team
metadata: {name: release-engineers}
spec: {members: [{id: eve, emails: [eve@x]}, {id: raj, emails: [raj@x]}]}
---
apiVersion: railyard/v1
kind: Team
metadata: {name: executives}
spec: {members: [{id: cora, emails: [cora@x]}]}
---
apiVersion: railyard/v1
kind: Team
metadata: {name: release-approvers}
spec: {members: [{id: sam, emails: [sam@x]}]}
---
apiVersion: railyard/v1
kind: Team
metadata: {name: developers}
spec: {members: [{id: dan, emails: [dan@x]}]}
---
apiVersion: railyard/v1
kind: Team
metadata: {name: service-desk}
spec: {members: [{id: sol, emails: [sol@x]}]}
---
apiVersion: railyard/v1
kind: Environment
metadata: {name: test}
spec: {tier: test, promotesTo: production}
---
apiVersion: railyard/v1
kind: Environment
metadata: {name: production}
spec:
  tier: production
  freezes: [{from: 2026-12-21, to: 2027-01-04, reason: Year-end freeze}]
"#;

/// Runs the engine on BASE plus `extra` (documents separated by `---`).
fn run_with(
    extra: &str,
    previous: &StatusMap,
    facts: &Facts,
    at: jiff::Timestamp,
) -> Vec<ObjectPlan> {
    let text = format!("{BASE}---\n{extra}");
    let files = vec![RawFile {
        path: "repo.yaml".into(),
        content: Content::Bytes(text.into_bytes()),
        again: None,
    }];
    run_loaded(files, previous, facts, at)
}

/// Runs the engine on BASE (as `base.yaml`) plus `files` (path, text), so that each file
/// can have its own commit in `facts`.
fn run_files(
    files: &[(&str, String)],
    previous: &StatusMap,
    facts: &Facts,
    at: jiff::Timestamp,
) -> Vec<ObjectPlan> {
    let raw = std::iter::once(("base.yaml", BASE.to_string()))
        .chain(files.iter().map(|(path, text)| (*path, text.clone())))
        .map(|(path, text)| RawFile {
            path: path.into(),
            content: Content::Bytes(text.into_bytes()),
            again: None,
        })
        .collect();
    run_loaded(raw, previous, facts, at)
}

/// The engine's plans of `files` parsed, checked and catalogued as a reconcile does, each
/// keeping its ways out.
fn run_loaded(
    files: Vec<RawFile>,
    previous: &StatusMap,
    facts: &Facts,
    at: jiff::Timestamp,
) -> Vec<ObjectPlan> {
    run_keeping(files, previous, facts, at, super::WaysOut::Every)
}

/// [`run_loaded`], the plans `ways_out` names keeping their ways out.
fn run_keeping(
    files: Vec<RawFile>,
    previous: &StatusMap,
    facts: &Facts,
    at: jiff::Timestamp,
    ways_out: super::WaysOut<'_>,
) -> Vec<ObjectPlan> {
    let loaded = crate::load::parse_files(Settings::default(), None, files);
    let diagnostics = crate::validate::check_loaded(&loaded, None);
    let (catalog, _) = Catalog::build(&loaded.settings, &loaded.documents);
    reconcile(
        &catalog,
        &crate::trust::Keyring::build(&catalog),
        &diagnostics,
        previous,
        facts,
        at,
        None,
        ways_out,
    )
    .into_iter()
    .map(Arc::unwrap_or_clone)
    .collect()
}

/// The statuses of a reconcile, as the next one starts from them.
fn statuses(plans: &[ObjectPlan]) -> StatusMap {
    plans
        .iter()
        .filter(|p| !p.invalid)
        .map(|p| ((p.kind, p.name.clone()), Arc::new(p.status.clone())))
        .collect()
}

fn run(extra: &str) -> Vec<ObjectPlan> {
    run_with(extra, &StatusMap::new(), &Facts::unverified(), now())
}

fn object<'p>(plans: &'p [ObjectPlan], kind: Kind, name: &str) -> &'p ObjectPlan {
    plans
        .iter()
        .find(|p| p.kind == kind && p.name == name)
        .expect("the object is planned")
}

fn blocked(plan: &ObjectPlan, to: &str) -> Vec<String> {
    plan.status
        .next
        .iter()
        .find(|n| n.phase == to)
        .map(|n| n.blocked_by.clone())
        .unwrap_or_default()
}

fn path(plan: &ObjectPlan) -> Vec<String> {
    let mut phases: Vec<String> = plan
        .transitions
        .iter()
        .map(|t| t.from.to_string())
        .collect();
    phases.push(plan.status.phase.clone());
    phases
}

fn at(phase: &str) -> StatusMap {
    let mut map = StatusMap::new();
    map.insert(
        (Kind::Release, "r1".into()),
        Arc::new(ObjectStatus {
            phase: phase.into(),
            ..ObjectStatus::default()
        }),
    );
    map
}

fn notified(plan: &ObjectPlan) -> Vec<String> {
    plan.notifications
        .iter()
        .map(|n| format!("{} {} {}", n.to, n.event, n.phase))
        .collect()
}

const TRAIN: &str = "apiVersion: railyard/v1\nkind: ReleaseTrain\nmetadata: {name: t1}\nspec:\n  type: minor\n  manager: rita\n  environments: [{name: test}, {name: production}]\n";

fn approval(name: &str, subject: &str, gate: &str, decision: &str, by: &str) -> String {
    format!(
        "---\napiVersion: railyard/v1\nkind: Approval\nmetadata: {{name: {name}}}\nspec: {{subject: {subject}, gate: {gate}, decision: {decision}, by: {by}}}\n"
    )
}

// ---------------------------------------------------------------- guards, one by one

#[test]
fn guard_fields_names_every_missing_field_and_where_to_set_it() {
    let plans = run(
        "apiVersion: railyard/v1\nkind: Release\nmetadata: {name: r1}\nspec: {title: Upgrade, releaseType: minor}\n",
    );
    let r = object(&plans, Kind::Release, "r1");
    assert_eq!(r.status.phase, "log");
    let reasons = blocked(r, "evaluate");
    assert_eq!(reasons.len(), 6, "{reasons:?}");
    assert_eq!(
        reasons[0],
        "`description` is not set: set `spec.description` in repo.yaml"
    );
}

#[test]
fn guard_parent_waits_for_the_train() {
    let release = "---\napiVersion: railyard/v1\nkind: ApplicationRelease\nmetadata: {name: web}\nspec: {train: t1, application: web, version: '1', workItems: [{id: w1, type: defect, title: Fix, done: false}]}\n";
    let plans = run(&format!("{TRAIN}{release}"));
    let web = object(&plans, Kind::ApplicationRelease, "web");
    assert_eq!(web.status.phase, "planning");
    assert_eq!(
        blocked(web, "development"),
        ["train `t1` is in `scoping`, not yet in `construction`"]
    );
    let plans = run(&format!(
        "{TRAIN}{release}{}",
        approval("a1", "ReleaseTrain/t1", "train", "approve", "rita")
    ));
    assert_eq!(
        object(&plans, Kind::ApplicationRelease, "web").status.phase,
        "development"
    );
}

#[test]
fn a_new_object_entering_its_first_phase_reads_the_phases_of_the_objects_before_it() {
    // The train resumes in `construction`; the release is new, and its workflow's first
    // phase sets a default only while its parent is in `construction`: the train's phase must
    // be recorded before the release begins.
    let flow = "---\napiVersion: railyard/v1\nkind: Workflow\nmetadata: {name: apps}\nspec:\n  appliesTo: ApplicationRelease\n  initial: planning\n  phases:\n    - name: planning\n      onEnter:\n        setIf:\n          - when: {parent: {phase: construction}}\n            set: {application: set-on-entry}\n      transitions:\n        - to: done\n          when: {fields: [workItems]}\n    - {name: done, terminal: true}\n";
    let release = "---\napiVersion: railyard/v1\nkind: ApplicationRelease\nmetadata: {name: web}\nspec: {train: t1, application: web, version: '1'}\n";
    let entered = |train_phase: &str| {
        let mut previous = StatusMap::new();
        previous.insert(
            (Kind::ReleaseTrain, "t1".into()),
            Arc::new(ObjectStatus {
                phase: train_phase.into(),
                ..ObjectStatus::default()
            }),
        );
        let plans = run_with(
            &format!("{TRAIN}{release}{flow}"),
            &previous,
            &Facts::unverified(),
            now(),
        );
        let web = object(&plans, Kind::ApplicationRelease, "web");
        assert_eq!(web.status.phase, "planning", "{:?}", web.status.conditions);
        web.status.defaults.get("application").cloned()
    };
    assert_eq!(
        entered("construction"),
        Some(serde_json::json!("set-on-entry"))
    );
    assert_eq!(entered("scoping"), None);
}

#[test]
fn guard_related_needs_every_release_and_at_least_one() {
    let plans = run(&format!(
        "{TRAIN}{}",
        approval("a1", "ReleaseTrain/t1", "train", "approve", "rita")
    ));
    let train = object(&plans, Kind::ReleaseTrain, "t1");
    assert_eq!(train.status.phase, "construction");
    assert_eq!(
        blocked(train, "verification")[0],
        "no application release belongs to ReleaseTrain/t1 yet"
    );
}

#[test]
fn guard_criteria_attested_by_an_approval_of_the_role() {
    let train = format!(
        "{TRAIN}  gates:\n    scoping:\n      criteria: [{{id: scope, description: Scope agreed}}]\n"
    );
    let plans = run(&format!(
        "{train}{}",
        approval("a1", "ReleaseTrain/t1", "train", "approve", "rita")
    ));
    let t = object(&plans, Kind::ReleaseTrain, "t1");
    assert_eq!(t.status.phase, "scoping");
    assert_eq!(
        blocked(t, "construction"),
        [
            "exit criterion `scope` (Scope agreed) of gate `scoping`: needs an approval from team `release-managers`"
        ]
    );
    let attest = "---\napiVersion: railyard/v1\nkind: Approval\nmetadata: {name: c1}\nspec: {subject: ReleaseTrain/t1, criterion: scope, decision: approve, by: marco}\n";
    let plans = run(&format!(
        "{train}{}{attest}",
        approval("a1", "ReleaseTrain/t1", "train", "approve", "rita")
    ));
    assert_eq!(
        object(&plans, Kind::ReleaseTrain, "t1").status.phase,
        "construction"
    );
}

const TURNOVER: &str = "---\napiVersion: railyard/v1\nkind: Turnover\nmetadata: {name: to1}\nspec:\n  environment: ENV\n  train: t1\n  scheduledAt: WHEN\n  tasks: [{id: check, title: Check, type: manual, owner: developers}]\n";

fn turnover(env: &str, when: &str) -> String {
    TURNOVER.replace("ENV", env).replace("WHEN", when)
}

/// TRAIN and turnover `to1` on `test`, accepted and started, with these task lines instead
/// of its one manual task.
fn started_with(tasks: &str) -> String {
    format!(
        "{TRAIN}{}{}",
        turnover("test", "2026-11-23T08:00:00Z"),
        started()
    )
    .replace(
        "  tasks: [{id: check, title: Check, type: manual, owner: developers}]\n",
        tasks,
    )
}

fn started() -> String {
    ["acceptance", "start"]
        .iter()
        .map(|g| approval(&format!("{g}-eve"), "Turnover/to1", g, "approve", "eve"))
        .collect()
}

#[test]
fn only_the_plans_asked_for_keep_their_ways_out() {
    let text = format!(
        "{BASE}---\n{TRAIN}{}",
        turnover("test", "2026-11-24T20:00:00Z")
    );
    let plans = |ways_out| {
        let files = vec![RawFile {
            path: "repo.yaml".into(),
            content: Content::Bytes(text.clone().into_bytes()),
            again: None,
        }];
        run_keeping(
            files,
            &StatusMap::new(),
            &Facts::unverified(),
            now(),
            ways_out,
        )
    };
    let every = plans(super::WaysOut::Every);
    assert!(every.len() >= 2, "{every:?}");
    assert!(every.iter().all(|p| !p.ways_out.is_empty()), "{every:?}");
    // Kept or not, a plan's ways out are the only thing that differs.
    let without = |plans: &[ObjectPlan]| -> Vec<ObjectPlan> {
        let mut plans = plans.to_vec();
        plans.iter_mut().for_each(|p| p.ways_out.clear());
        plans
    };
    let dropped = plans(super::WaysOut::Dropped);
    assert!(dropped.iter().all(|p| p.ways_out.is_empty()));
    assert_eq!(dropped, without(&every));
    let one = plans(super::WaysOut::Of("Turnover", "to1"));
    for (plan, kept) in one.iter().zip(&every) {
        if (plan.kind, plan.name.as_str()) == (Kind::Turnover, "to1") {
            assert_eq!(plan, kept);
        } else {
            assert!(plan.ways_out.is_empty(), "{plan:?}");
        }
    }
    assert_eq!(without(&one), without(&every));
    // A kind is named as the plan names it: `turnover` is no kind.
    let misnamed = plans(super::WaysOut::Of("turnover", "to1"));
    assert!(misnamed.iter().all(|p| p.ways_out.is_empty()));
}

#[test]
fn guard_time_waits_for_the_schedule() {
    let plans = run(&format!(
        "{TRAIN}{}{}",
        turnover("test", "2026-11-24T20:00:00Z"),
        started()
    ));
    let t = object(&plans, Kind::Turnover, "to1");
    assert_eq!(t.status.phase, "ready");
    assert_eq!(
        blocked(t, "deploying"),
        ["`scheduledAt` (2026-11-24T20:00:00Z) is not reached yet"]
    );
    let plans = run(&format!(
        "{TRAIN}{}{}",
        turnover("test", "2026-11-23T08:00:00Z"),
        started()
    ));
    assert_eq!(
        object(&plans, Kind::Turnover, "to1").status.phase,
        "deploying"
    );
}

#[test]
fn guard_not_frozen_and_production_waits_for_the_train() {
    let extra = format!(
        "{TRAIN}{}{}",
        turnover("production", "2026-11-23T08:00:00Z"),
        started()
    );
    let plans = run(&extra);
    let t = object(&plans, Kind::Turnover, "to1");
    assert_eq!(
        blocked(t, "deploying"),
        ["train `t1` is in `scoping`, not yet in `deployment`"]
    );
    let frozen = run_with(
        &extra,
        &StatusMap::new(),
        &Facts::unverified(),
        "2026-12-24T10:00:00Z".parse().expect("time"),
    );
    let reasons = blocked(object(&frozen, Kind::Turnover, "to1"), "deploying");
    assert!(
        reasons.contains(
            &"environment `production` is frozen from 2026-12-21 to 2027-01-04: Year-end freeze"
                .to_string()
        ),
        "{reasons:?}"
    );
}

#[test]
fn guard_not_frozen_needs_a_reservation() {
    let train = TRAIN.replace(
        "  environments: [{name: test}, {name: production}]\n",
        "  environments: [{name: production}]\n",
    );
    let plans = run(&format!(
        "{train}{}{}",
        turnover("test", "2026-11-23T08:00:00Z"),
        started()
    ));
    assert_eq!(
        blocked(object(&plans, Kind::Turnover, "to1"), "deploying"),
        ["train `t1` has not reserved environment `test`: add it to the train's `environments`"]
    );
}

fn report(task: &str, outcome: &str, by: &str, attempt: u32) -> String {
    format!(
        "---\napiVersion: railyard/v1\nkind: TaskReport\nmetadata: {{name: {task}-{by}-{attempt}}}\nspec: {{subject: Turnover/to1, task: {task}, attempt: {attempt}, outcome: {outcome}, by: {by}}}\n"
    )
}

#[test]
fn guard_tasks_succeeded_and_failed_from_the_owners_reports() {
    let base = format!(
        "{TRAIN}{}{}",
        turnover("test", "2026-11-23T08:00:00Z"),
        started()
    );
    let plans = run(&format!("{base}{}", report("check", "succeeded", "dan", 1)));
    assert_eq!(
        object(&plans, Kind::Turnover, "to1").status.phase,
        "deployed"
    );
    let plans = run(&format!("{base}{}", report("check", "failed", "dan", 1)));
    let failed = object(&plans, Kind::Turnover, "to1");
    assert_eq!(failed.status.phase, "failed");
    // The failed phase tells the release engineers with its own event.
    assert!(
        notified(failed).contains(&"release-engineers turnover-failed failed".to_string()),
        "{:?}",
        notified(failed)
    );
    // Not the owner: does not count.
    let plans = run(&format!("{base}{}", report("check", "succeeded", "eve", 1)));
    let t = object(&plans, Kind::Turnover, "to1");
    assert_eq!(t.status.phase, "deploying");
    assert_eq!(
        blocked(t, "deployed"),
        [
            "tasks not done: `check` (waiting for `developers`; report `check-eve-1` is by `eve`, not by the task's owner `developers`, so it does not count)"
        ]
    );
    assert_eq!(
        t.tasks.as_ref().map(|v| v.state("check").unwrap().as_str()),
        Some("waiting")
    );
    // Its owner hears it once: the next reconcile, from this status, says nothing new.
    assert!(notified(t).contains(&"developers task-waiting deploying".to_string()));
    assert_eq!(t.status.waiting, ["check"]);
    let previous = StatusMap::from([(
        (Kind::Turnover, "to1".to_string()),
        Arc::new(t.status.clone()),
    )]);
    let again = run_with(
        &format!("{base}{}", report("check", "succeeded", "eve", 1)),
        &previous,
        &Facts::unverified(),
        now(),
    );
    let t = object(&again, Kind::Turnover, "to1");
    assert!(
        !notified(t).iter().any(|n| n.contains("task-waiting")),
        "{:?}",
        notified(t)
    );
}

/// Previous status of `to1` in `deploying` with these runs: (task, attempt, state).
fn with_runs(runs: &[(&str, u32, crate::tasks::RunState)]) -> StatusMap {
    let mut status = ObjectStatus {
        phase: "deploying".into(),
        ..ObjectStatus::default()
    };
    for &(task, attempt, state) in runs {
        status.runs.insert(
            task.into(),
            crate::tasks::TaskRun {
                attempt,
                plan: None,
                state,
                started_at: now(),
                duration_ms: None,
                exit_code: None,
                reason: None,
                output: Vec::new(),
            },
        );
    }
    StatusMap::from([((Kind::Turnover, "to1".to_string()), Arc::new(status))])
}

#[test]
fn runs_recorded_by_execute_give_automated_tasks_their_states() {
    use crate::tasks::RunState::{Failed, Running, Succeeded};
    let three = "  tasks:\n    - {id: a, title: A, type: automated, run: [\"true\"]}\n    - {id: b, title: B, type: automated, run: [\"true\"], dependsOn: [a]}\n    - {id: c, title: C, type: automated, run: [\"true\"]}\n";
    let doc = started_with(three);
    let states = |runs: &[(&str, u32, crate::tasks::RunState)]| {
        let plans = run_with(&doc, &with_runs(runs), &Facts::unverified(), now());
        let t = object(&plans, Kind::Turnover, "to1").clone();
        let view = t.tasks.clone().expect("tasks");
        let line: Vec<String> = ["a", "b", "c"]
            .iter()
            .map(|id| format!("{id}={}", view.state(id).unwrap()))
            .collect();
        (t.status.phase.clone(), line.join(" "), t)
    };
    // Table: runs → (phase, states).
    let (phase, line, _) = states(&[]);
    assert_eq!(
        (phase.as_str(), line.as_str()),
        ("deploying", "a=ready b=pending c=ready")
    );
    let (phase, line, _) = states(&[("a", 1, Running)]);
    assert_eq!(
        (phase.as_str(), line.as_str()),
        ("deploying", "a=running b=pending c=ready")
    );
    let (phase, line, _) = states(&[("a", 1, Succeeded)]);
    assert_eq!(
        (phase.as_str(), line.as_str()),
        ("deploying", "a=succeeded b=ready c=ready")
    );
    let (phase, line, t) = states(&[
        ("a", 1, Succeeded),
        ("b", 1, Succeeded),
        ("c", 1, Succeeded),
    ]);
    assert_eq!(
        (phase.as_str(), line.as_str()),
        ("deployed", "a=succeeded b=succeeded c=succeeded")
    );
    assert_eq!(
        t.status.runs.len(),
        3,
        "runs are carried into the new status"
    );
    // A failure waits for the task still running; then the turnover fails.
    let (phase, _, t) = states(&[("a", 1, Failed), ("c", 1, Running)]);
    assert_eq!(phase, "deploying");
    assert_eq!(
        t.ways_out
            .iter()
            .find(|w| w.to == "failed")
            .map(|w| w.missing.clone()),
        Some(vec![
            "task `a` failed; waiting for `c` to finish".to_string()
        ])
    );
    let (phase, _, _) = states(&[("a", 1, Failed), ("c", 1, Succeeded)]);
    assert_eq!(phase, "failed");
    // Runs of another attempt do not count for this one (attempt 2 is asked for below).
    let retried = doc.replace("  tasks:", "  retry: {attempt: 2}\n  tasks:");
    let plans = run_with(
        &retried,
        &with_runs(&[("a", 1, Failed), ("c", 1, Succeeded)]),
        &Facts::unverified(),
        now(),
    );
    let view = object(&plans, Kind::Turnover, "to1")
        .tasks
        .clone()
        .expect("tasks");
    assert_eq!(
        (
            view.state("a").unwrap().as_str(),
            view.state("c").unwrap().as_str()
        ),
        ("ready", "skipped"),
        "attempt 2 runs the failed task again and skips the one that succeeded"
    );
    // A task the turnover no longer has loses its run.
    let (_, _, t) = states(&[("gone", 1, Succeeded)]);
    assert!(t.status.runs.is_empty());
}

#[test]
fn guard_tasks_retried_needs_a_new_attempt_and_rerun_failed_skips_successes() {
    let two = "  tasks:\n    - {id: a, title: A, type: manual, owner: developers}\n    - {id: b, title: B, type: manual, owner: developers, dependsOn: [a]}\n";
    let base = started_with(two);
    let reports = format!(
        "{}{}",
        report("a", "succeeded", "dan", 1),
        report("b", "failed", "dan", 1)
    );
    let plans = run(&format!("{base}{reports}"));
    let t = object(&plans, Kind::Turnover, "to1");
    assert_eq!(t.status.phase, "failed");
    assert_eq!(
        blocked(t, "deploying"),
        [
            "to retry, raise `retry.attempt` to 2 in repo.yaml (`rerun: failed` skips the tasks that succeeded)"
        ]
    );
    // Attempt 2: `a` succeeded before and is skipped; `b` runs again.
    let retried = base.replace("  tasks:", "  retry: {attempt: 2}\n  tasks:");
    let plans = run(&format!("{retried}{reports}"));
    let t = object(&plans, Kind::Turnover, "to1");
    assert_eq!(t.status.phase, "deploying");
    let states = t.tasks.as_ref().expect("tasks");
    assert_eq!(
        (
            states.state("a").unwrap().as_str(),
            states.state("b").unwrap().as_str()
        ),
        ("skipped", "waiting")
    );
    // `rerun: all` runs `a` again.
    let all = base.replace("  tasks:", "  retry: {attempt: 2, rerun: all}\n  tasks:");
    let plans = run(&format!("{all}{reports}"));
    assert_eq!(
        object(&plans, Kind::Turnover, "to1")
            .tasks
            .as_ref()
            .expect("tasks")
            .state("a")
            .unwrap()
            .as_str(),
        "waiting"
    );
    // Attempt 2 fails too: the turnover fails once and stays failed, no back and forth.
    let again = format!("{retried}{reports}{}", report("b", "failed", "dan", 2));
    let plans = run(&again);
    let t = object(&plans, Kind::Turnover, "to1");
    assert_eq!(
        path(t),
        [
            "draft",
            "awaiting-acceptance",
            "ready",
            "deploying",
            "failed"
        ]
    );
    // A report from attempt 1 does not count for attempt 2's `b`.
    let old_success = format!(
        "{retried}{}{}",
        report("a", "succeeded", "dan", 1),
        report("b", "failed", "dan", 1)
    );
    let plans = run(&old_success);
    assert_eq!(
        object(&plans, Kind::Turnover, "to1")
            .tasks
            .as_ref()
            .expect("tasks")
            .state("b")
            .unwrap()
            .as_str(),
        "waiting"
    );
}

#[test]
fn a_report_for_an_earlier_attempt_does_not_complete_a_task_of_this_one() {
    // `migrate` fails in attempt 1 while `smoke` waits behind it and `watch` (no
    // dependency) waits for its owner, unreported.
    let three = "  tasks:\n    - {id: migrate, title: Migrate, type: manual, owner: developers}\n    - {id: smoke, title: Smoke, type: manual, owner: developers, dependsOn: [migrate]}\n    - {id: watch, title: Watch, type: manual, owner: developers}\n";
    let base = started_with(three);
    let retried = base.replace("  tasks:", "  retry: {attempt: 2, rerun: failed}\n  tasks:");
    let states = |plan: &ObjectPlan| {
        let view = plan.tasks.as_ref().expect("tasks");
        ["migrate", "smoke", "watch"]
            .map(|id| format!("{id}={}", view.state(id).unwrap()))
            .join(" ")
    };
    let failed_once = format!("{base}{}", report("migrate", "failed", "dan", 1));
    let first = run(&failed_once);
    let t = object(&first, Kind::Turnover, "to1");
    assert_eq!(
        (t.status.phase.as_str(), states(t).as_str()),
        ("failed", "migrate=failed smoke=pending watch=waiting")
    );
    assert_eq!(t.status.retried, None, "a first attempt carries nothing");
    // The engineer asks for attempt 2: what attempt 1 left done is recorded now (nothing).
    let asked = format!("{retried}{}", report("migrate", "failed", "dan", 1));
    let second = run_with(&asked, &statuses(&first), &Facts::unverified(), now());
    let t = object(&second, Kind::Turnover, "to1");
    assert_eq!(t.status.phase, "deploying");
    assert_eq!(
        t.status.retried,
        Some(crate::status::Retried {
            attempt: 2,
            since: Some(now()),
            succeeded: BTreeMap::new()
        })
    );
    // `migrate` succeeds in attempt 2; then the owner reports attempt 1's `smoke` and
    // `watch` as succeeded. Neither counts: `smoke` was never ready in attempt 1, and
    // nothing committed after the retry speaks for attempt 1.
    let late = format!(
        "{asked}{}{}{}",
        report("migrate", "succeeded", "dan", 2),
        report("smoke", "succeeded", "dan", 1),
        report("watch", "succeeded", "dan", 1)
    );
    let third = run_with(&late, &statuses(&second), &Facts::unverified(), now());
    let t = object(&third, Kind::Turnover, "to1");
    assert_eq!(
        (t.status.phase.as_str(), states(t).as_str()),
        ("deploying", "migrate=succeeded smoke=waiting watch=waiting")
    );
    assert_eq!(
        blocked(t, "deployed"),
        ["tasks not done: `smoke` (waiting for `developers`), `watch` (waiting for `developers`)"]
    );
    // Without the record (a status railyard never wrote), attempt 1 is read from its reports:
    // `smoke` still was never ready there.
    let fresh = run(&late);
    let t = object(&fresh, Kind::Turnover, "to1");
    assert_eq!(
        t.tasks
            .as_ref()
            .expect("tasks")
            .state("smoke")
            .unwrap()
            .as_str(),
        "waiting"
    );
    // What did succeed before the retry is skipped, with the attempt it succeeded in.
    let done_before = format!(
        "{retried}{}{}",
        report("migrate", "failed", "dan", 1),
        report("watch", "succeeded", "dan", 1)
    );
    let plans = run(&done_before);
    let t = object(&plans, Kind::Turnover, "to1");
    assert_eq!(states(t), "migrate=waiting smoke=pending watch=skipped");
    assert_eq!(
        t.status.retried.as_ref().map(|r| r.succeeded.clone()),
        Some(BTreeMap::from([("watch".to_string(), 1)]))
    );
    // A report for a task that is not ready yet counts for nothing, in any attempt.
    let early = format!("{base}{}", report("smoke", "succeeded", "dan", 1));
    let plans = run(&early);
    let t = object(&plans, Kind::Turnover, "to1");
    assert_eq!(states(t), "migrate=waiting smoke=pending watch=waiting");
    assert!(
        blocked(t, "deployed")[0]
            .contains("`smoke` (pending; reported before it was ready, which does not count)"),
        "{:?}",
        blocked(t, "deployed")
    );
    // With git, a report committed before its dependencies were done stays early once they
    // are; one committed after them counts.
    let smoke_when = |smoke_at: &str| {
        let facts = Facts {
            verified: true,
            added: [
                ("turnover.yaml", commit("rita@x", "2026-11-20T10:00:00Z")),
                ("approvals.yaml", commit("eve@x", "2026-11-20T11:00:00Z")),
                ("migrate.yaml", commit("dan@x", "2026-11-21T10:00:00Z")),
                ("smoke.yaml", commit("dan@x", smoke_at)),
            ]
            .into_iter()
            .map(|(path, c)| (path.to_string(), c))
            .collect(),
            ..Facts::default()
        };
        let without_approvals = base.replace(&started(), "");
        let plans = run_files(
            &[
                ("turnover.yaml", without_approvals),
                ("approvals.yaml", started()),
                ("migrate.yaml", report("migrate", "succeeded", "dan", 1)),
                ("smoke.yaml", report("smoke", "succeeded", "dan", 1)),
            ],
            &StatusMap::new(),
            &facts,
            now(),
        );
        let t = object(&plans, Kind::Turnover, "to1");
        (states(t), blocked(t, "deployed"))
    };
    let (line, why) = smoke_when("2026-11-21T09:00:00Z");
    assert_eq!(line, "migrate=succeeded smoke=waiting watch=waiting");
    assert!(
        why[0].contains(
            "`smoke` (waiting for `developers`; reported before it was ready, which does not count)"
        ),
        "{why:?}"
    );
    let (line, _) = smoke_when("2026-11-21T10:30:00Z");
    assert_eq!(line, "migrate=succeeded smoke=succeeded watch=waiting");
    // Attempts are carried through: attempt 3 skips what attempts 1 and 2 left done, and a
    // huge `retry.attempt` costs no more than the attempts that have reports.
    for attempt in [3, 4_000_000_000u32] {
        let text = format!(
            "{}{}{}",
            base.replace(
                "  tasks:",
                &format!("  retry: {{attempt: {attempt}}}\n  tasks:")
            ),
            report("watch", "succeeded", "dan", 1),
            report("migrate", "succeeded", "dan", 2)
        );
        let plans = run(&text);
        let t = object(&plans, Kind::Turnover, "to1");
        assert_eq!(states(t), "migrate=skipped smoke=waiting watch=skipped");
        assert_eq!(
            t.status.retried.as_ref().map(|r| r.succeeded.clone()),
            Some(BTreeMap::from([
                ("migrate".to_string(), 2),
                ("watch".to_string(), 1)
            ]))
        );
    }
}

#[test]
fn a_turnover_first_seen_already_retried_keeps_its_reports_for_that_attempt() {
    // railyard meets the turnover at attempt 2 (no status yet): the reports for attempt 2
    // were committed before this reconcile and count, now and on every later reconcile.
    let text =
        started_with("  tasks: [{id: check, title: Check, type: manual, owner: developers}]\n")
            .replace("  tasks:", "  retry: {attempt: 2}\n  tasks:");
    let facts = Facts {
        verified: true,
        added: [
            ("turnover.yaml", commit("rita@x", "2026-11-20T10:00:00Z")),
            ("approvals.yaml", commit("eve@x", "2026-11-20T11:00:00Z")),
            ("check.yaml", commit("dan@x", "2026-11-21T10:00:00Z")),
        ]
        .into_iter()
        .map(|(path, c)| (path.to_string(), c))
        .collect(),
        ..Facts::default()
    };
    let files = [
        ("turnover.yaml", text.replace(&started(), "")),
        ("approvals.yaml", started()),
        ("check.yaml", report("check", "succeeded", "dan", 2)),
    ];
    let first = run_files(&files, &StatusMap::new(), &facts, now());
    let t = object(&first, Kind::Turnover, "to1");
    assert_eq!(t.status.phase, "deployed");
    assert_eq!(t.status.retried.as_ref().map(|r| r.since), Some(None));
    let again = run_files(&files, &statuses(&first), &facts, now());
    let t2 = object(&again, Kind::Turnover, "to1");
    assert!(t2.transitions.is_empty(), "{:?}", t2.transitions);
    assert_eq!(t2.status, t.status);
}

#[test]
fn guard_related_a_promoted_turnover_waits_for_its_source() {
    let source = format!("{TRAIN}{}", turnover("test", "2026-11-24T20:00:00Z"));
    let promoted = "---\napiVersion: railyard/v1\nkind: Turnover\nmetadata: {name: to2}\nspec:\n  environment: production\n  train: t1\n  scheduledAt: 2026-12-10T20:00:00Z\n  promotedFrom: to1\n  tasksFrom: to1\n";
    let plans = run(&format!("{source}{promoted}"));
    let t = object(&plans, Kind::Turnover, "to2");
    assert_eq!(t.status.phase, "draft");
    assert_eq!(
        blocked(t, "awaiting-acceptance"),
        ["turnover `to1` is in `awaiting-acceptance`, not yet `deployed`"]
    );
    // Once the source is deployed, the promoted turnover goes on to acceptance.
    let deployed = format!(
        "{}{}{promoted}",
        source.replace("2026-11-24T20:00:00Z", "2026-11-23T08:00:00Z"),
        started()
    );
    let deployed = format!("{deployed}{}", report("check", "succeeded", "dan", 1));
    let plans = run(&deployed);
    assert_eq!(
        object(&plans, Kind::Turnover, "to1").status.phase,
        "deployed"
    );
    assert_eq!(
        object(&plans, Kind::Turnover, "to2").status.phase,
        "awaiting-acceptance"
    );
}

#[test]
fn a_promoted_turnover_waits_for_its_source_to_soak() {
    let soaking = format!(
        "{TRAIN}{}{}{}---\napiVersion: railyard/v1\nkind: Turnover\nmetadata: {{name: to2}}\nspec:\n  environment: production\n  train: t1\n  scheduledAt: 2026-11-23T09:00:00Z\n  promotedFrom: to1\n  tasksFrom: to1\n{}{}",
        turnover("test", "2026-11-23T08:00:00Z"),
        started(),
        report("check", "succeeded", "dan", 1),
        approval(
            "to2-acceptance",
            "Turnover/to2",
            "acceptance",
            "approve",
            "eve"
        ),
        approval("to2-start", "Turnover/to2", "start", "approve", "eve"),
    );
    // Production asks a promoted turnover's source to have been deployed for a day.
    let base = BASE.replace(
        "  tier: production\n",
        "  tier: production\n  promotion: {soak: 24h}\n",
    );
    let run_at = |previous: &StatusMap, at: &str| {
        let files = vec![RawFile {
            path: "repo.yaml".into(),
            content: Content::Bytes(format!("{base}---\n{soaking}").into_bytes()),
            again: None,
        }];
        run_loaded(
            files,
            previous,
            &Facts::unverified(),
            at.parse().expect("time"),
        )
    };
    // The source is deployed in this reconcile: it has soaked for no time yet.
    let first = run_at(&StatusMap::new(), NOW);
    assert_eq!(
        object(&first, Kind::Turnover, "to1").status.phase,
        "deployed"
    );
    let promoted = object(&first, Kind::Turnover, "to2");
    assert_eq!(promoted.status.phase, "ready");
    assert!(
        blocked(promoted, "deploying").contains(
            &"Turnover/to1 was deployed at 2026-11-23T12:00:00Z and `production` asks it to soak for 1d: it may start at 2026-11-24T12:00:00Z"
                .to_string()
        ),
        "{:?}",
        blocked(promoted, "deploying")
    );
    // A day and an hour later, from the status the first reconcile wrote, it has soaked.
    let later = run_at(&statuses(&first), "2026-11-24T13:00:00Z");
    let promoted = object(&later, Kind::Turnover, "to2");
    let held: Vec<&String> = promoted
        .ways_out
        .iter()
        .filter(|w| w.to == "deploying")
        .flat_map(|w| &w.held)
        .collect();
    assert!(
        held.iter().any(|h| h.as_str()
            == "Turnover/to1 has soaked for 1d since it was deployed at 2026-11-23T12:00:00Z"),
        "{held:?}"
    );
    assert!(
        !blocked(promoted, "deploying")
            .iter()
            .any(|b| b.contains("soak")),
        "{:?}",
        blocked(promoted, "deploying")
    );
}

fn halt(name: &str, by: &str, extra: &str) -> String {
    format!(
        "---\napiVersion: railyard/v1\nkind: Halt\nmetadata: {{name: {name}}}\nspec: {{reason: Incident, by: {by}{extra}}}\n"
    )
}

#[test]
fn a_halt_by_a_release_manager_stops_deployment_starts_until_it_ends_or_is_lifted() {
    let ready = format!(
        "{TRAIN}{}{}",
        turnover("test", "2026-11-23T08:00:00Z"),
        started()
    );
    let phase = |extra: &str| {
        let plans = run(&format!("{ready}{extra}"));
        let t = object(&plans, Kind::Turnover, "to1");
        (t.status.phase.clone(), blocked(t, "deploying"))
    };
    let halted = (
        "ready".to_string(),
        vec!["deployments on `test` are halted by `rita` (Halt/h1): Incident; until a Halt with `lifts: h1` ends it".to_string()],
    );
    // On every environment, or on the one it names.
    assert_eq!(phase(&halt("h1", "rita", "")), halted);
    assert_eq!(phase(&halt("h1", "rita", ", environments: [test]")), halted);
    // Not on another environment; not from someone who is not a release manager.
    assert_eq!(
        phase(&halt("h1", "rita", ", environments: [production]")).0,
        "deploying"
    );
    assert_eq!(phase(&halt("h1", "eve", "")).0, "deploying");
    // Ended by its `until`, or by a lift.
    assert_eq!(
        phase(&halt("h1", "rita", ", until: 2026-11-23T11:00:00Z")).0,
        "deploying"
    );
    let until_later = phase(&halt("h1", "rita", ", until: 2026-11-23T13:00:00Z"));
    assert_eq!(until_later.0, "ready");
    assert!(
        until_later.1[0].ends_with("until 2026-11-23T13:00:00Z"),
        "{until_later:?}"
    );
    let lifted = format!(
        "{}{}",
        halt("h1", "rita", ""),
        halt("h1-lifted", "marco", ", lifts: h1")
    );
    assert_eq!(phase(&lifted).0, "deploying");
}

#[test]
fn an_emergency_train_passes_a_freeze_and_a_halt_only_with_the_override_approvals() {
    let hotfix = "---\napiVersion: railyard/v1\nkind: Environment\nmetadata: {name: hotfix}\nspec:\n  tier: staging\n  freezes: [{from: 2026-11-20, to: 2026-11-27, reason: Thanksgiving}]\n  override: {approvals: [{gate: emergency-start, role: release-managers, count: 2}]}\n";
    let train = TRAIN.replace("{name: production}]", "{name: production}, {name: hotfix}]");
    let ready = format!(
        "{hotfix}{}{}",
        turnover("hotfix", "2026-11-23T08:00:00Z"),
        started()
    );
    let emergency = train.replace("type: minor", "type: emergency");
    let by = |who: &[&str]| -> String {
        who.iter()
            .map(|w| {
                approval(
                    &format!("e-{w}"),
                    "Turnover/to1",
                    "emergency-start",
                    "approve",
                    w,
                )
            })
            .collect()
    };
    let frozen = "environment `hotfix` is frozen from 2026-11-20 to 2026-11-27: Thanksgiving";
    let next = "the next allowed start is 2026-11-28T00:00:00Z";

    // A minor train waits for the freeze's end, approvals or not.
    let plans = run(&format!("{train}{ready}{}", by(&["rita", "marco"])));
    let t = object(&plans, Kind::Turnover, "to1");
    assert_eq!(blocked(t, "deploying"), [frozen, next]);
    assert!(
        t.asks.iter().all(|a| a.gate != "emergency-start"),
        "{:?}",
        t.asks
    );

    // An emergency train is told which approvals pass it, and `approve` may give them.
    let plans = run(&format!("{emergency}{ready}{}", by(&["rita"])));
    let t = object(&plans, Kind::Turnover, "to1");
    assert_eq!(
        blocked(t, "deploying"),
        [
            frozen,
            next,
            "an emergency train may start on `hotfix` anyway with the approvals of its `override`",
            "approval `emergency-start` needs 2 of team `release-managers`; 1 so far (rita)",
        ]
    );
    let ask = t.asks.iter().find(|a| a.gate == "emergency-start");
    assert_eq!(
        ask.map(|a| a.approvers.clone()),
        Some(vec!["release-managers".to_string()])
    );

    // With both, it starts; the history says who overrode what, a halt included.
    let halted = format!("{}{}", by(&["rita", "marco"]), halt("h1", "rita", ""));
    let plans = run(&format!("{emergency}{ready}{halted}"));
    let t = object(&plans, Kind::Turnover, "to1");
    assert_eq!(t.status.phase, "deploying");
    let entry = t.status.history.iter().find(|h| h.to == "deploying");
    let reason = entry.map(|h| h.reason.as_str()).unwrap_or_default();
    assert!(
        reason.contains(&format!("emergency override of `hotfix` with approval `emergency-start` by `marco`, `rita`: {frozen}; deployments on `hotfix` are halted by `rita` (Halt/h1)")),
        "{reason}"
    );
    assert!(!reason.contains(next), "{reason}");
}

#[test]
fn a_freeze_from_a_committed_holiday_calendar_holds_the_turnover_in_the_environment_s_zone() {
    let env = "apiVersion: railyard/v1\nkind: Environment\nmetadata: {name: hotfix}\nspec:\n  tier: staging\n  timezone: Pacific/Auckland\n  freezes: [{calendar: calendars/holidays.ics, reason: Public holiday}]\n".to_string();
    // All-day, yearly: 24 November in Auckland is 23 November 11:00 to 24 November 11:00 UTC.
    let ics = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:h1\r\nDTSTART;VALUE=DATE:20251124\r\nRRULE:FREQ=YEARLY\r\nSUMMARY:Founders\\, Day\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n".to_string();
    let train = TRAIN.replace("{name: production}]", "{name: production}, {name: hotfix}]");
    let turnover = format!(
        "{train}{}{}",
        turnover("hotfix", "2026-11-23T08:00:00Z"),
        started()
    );
    let files = |ics: &str| {
        vec![
            ("environments/hotfix.yaml", env.clone()),
            ("calendars/holidays.ics", ics.to_string()),
            ("repo.yaml", turnover.clone()),
        ]
    };
    let plans = run_files(&files(&ics), &StatusMap::new(), &Facts::unverified(), now());
    let t = object(&plans, Kind::Turnover, "to1");
    assert_eq!(
        blocked(t, "deploying"),
        [
            "environment `hotfix` is frozen from 2026-11-23T11:00:00Z to 2026-11-24T11:00:00Z: Public holiday: Founders, Day (FREQ=YEARLY from 00:00 for 1d, Pacific/Auckland)",
            "the next allowed start is 2026-11-24T11:00:00Z",
        ]
    );
    // Another year's day: nothing holds it.
    let plans = run_files(
        &files(&ics.replace("20251124", "20251125")),
        &StatusMap::new(),
        &Facts::unverified(),
        now(),
    );
    assert_eq!(
        object(&plans, Kind::Turnover, "to1").status.phase,
        "deploying"
    );
}

#[test]
fn a_recurring_reservation_holds_the_environment_only_in_its_periods() {
    // 2026-11-23 is a Monday: the train holds `test` on Mondays from 06:00 for 4h.
    let train = |start: &str| {
        TRAIN.replace(
            "{name: test}",
            &format!("{{name: test, recur: {{rrule: \"FREQ=WEEKLY;BYDAY=MO\", start: \"{start}\", duration: 4h}}}}"),
        )
    };
    let ready = format!("{}{}", turnover("test", "2026-11-23T08:00:00Z"), started());
    let plans = run(&format!("{}{ready}", train("06:00")));
    assert_eq!(
        object(&plans, Kind::Turnover, "to1").status.phase,
        "deploying"
    );
    let plans = run(&format!("{}{ready}", train("09:00")));
    let t = object(&plans, Kind::Turnover, "to1");
    assert_eq!(
        blocked(t, "deploying"),
        [
            "the scheduled time 2026-11-23T08:00:00Z is outside train `t1`'s periods on `test` (FREQ=WEEKLY;BYDAY=MO from 09:00 for 4h, UTC; the next starts at 2026-11-23T09:00:00Z)"
        ]
    );
}

#[test]
fn guard_requested_closes_a_deployed_turnover() {
    let base = format!(
        "{TRAIN}{}{}{}",
        turnover("test", "2026-11-23T08:00:00Z"),
        started(),
        report("check", "succeeded", "dan", 1)
    );
    let plans = run(&base);
    assert_eq!(
        blocked(object(&plans, Kind::Turnover, "to1"), "closed")[0],
        "waiting for `request: close` in repo.yaml"
    );
    let plans = run(&base.replace("  tasks:", "  request: close\n  tasks:"));
    assert_eq!(object(&plans, Kind::Turnover, "to1").status.phase, "closed");
}

#[test]
fn guard_values_draft_holds_the_turnover() {
    let plans = run(&format!(
        "{TRAIN}{}",
        turnover("test", "2026-11-23T08:00:00Z").replace("  tasks:", "  draft: true\n  tasks:")
    ));
    let t = object(&plans, Kind::Turnover, "to1");
    assert_eq!(t.status.phase, "draft");
    assert_eq!(
        blocked(t, "awaiting-acceptance"),
        ["`draft` is `true`, not `false`: update repo.yaml"]
    );
}

// ---------------------------------------------------------------- approvals (SPEC §3)

#[test]
fn approvals_are_asked_in_order_executive_after_qa() {
    let mut previous = StatusMap::new();
    previous.insert(
        (Kind::ReleaseTrain, "t1".into()),
        Arc::new(ObjectStatus {
            phase: "verification".into(),
            ..ObjectStatus::default()
        }),
    );
    let plans = run_with(TRAIN, &previous, &Facts::unverified(), now());
    assert_eq!(
        blocked(object(&plans, Kind::ReleaseTrain, "t1"), "deployment"),
        [
            "approval `qa` needs 1 of team `release-engineers`; none yet",
            "approval `executive` is asked for once `qa` is given"
        ]
    );
    let with_qa = format!(
        "{TRAIN}{}",
        approval("q", "ReleaseTrain/t1", "qa", "approve", "eve")
    );
    let plans = run_with(&with_qa, &previous, &Facts::unverified(), now());
    let t = object(&plans, Kind::ReleaseTrain, "t1");
    assert_eq!(
        blocked(t, "deployment"),
        ["approval `executive` needs 1 of team `executives`; none yet"]
    );
    // The executives are asked, once `qa` is given, once per visit to the phase.
    let asked = |plan: &ObjectPlan| -> Vec<(String, String, Option<String>)> {
        plan.notifications
            .iter()
            .filter(|n| n.event == "approval-needed")
            .map(|n| {
                (
                    n.to.to_string(),
                    n.phase.to_string(),
                    n.gate.as_ref().map(|g| g.to_string()),
                )
            })
            .collect()
    };
    assert_eq!(
        asked(t),
        [(
            "executives".to_string(),
            "verification".to_string(),
            Some("executive".to_string())
        )]
    );
    assert_eq!(t.status.asked, ["executive"]);
    let again = run_with(&with_qa, &statuses(&plans), &Facts::unverified(), now());
    let t = object(&again, Kind::ReleaseTrain, "t1");
    assert!(asked(t).is_empty(), "{:?}", t.notifications);
    assert_eq!(t.status.asked, ["executive"]);
    // Not while `qa` is missing: nobody has been asked for `executive` yet.
    let plans = run_with(TRAIN, &previous, &Facts::unverified(), now());
    let t = object(&plans, Kind::ReleaseTrain, "t1");
    assert!(asked(t).is_empty() && t.status.asked.is_empty());
    let both = format!(
        "{with_qa}{}",
        approval("x", "ReleaseTrain/t1", "executive", "approve", "cora")
    );
    assert_eq!(
        object(
            &run_with(&both, &previous, &Facts::unverified(), now()),
            Kind::ReleaseTrain,
            "t1"
        )
        .status
        .phase,
        "deployment"
    );
}

#[test]
fn approvals_only_from_the_team_and_each_person_once() {
    let train = TRAIN.replace("spec:\n", "spec:\n  gates:\n    scoping:\n      approvals: [{gate: train, role: release-managers, count: 2}]\n");
    // A duplicate by rita and one by an outsider: one valid approval of the two needed.
    let extra = format!(
        "{train}{}{}{}",
        approval("a1", "ReleaseTrain/t1", "train", "approve", "rita"),
        approval("a2", "ReleaseTrain/t1", "train", "approve", "rita"),
        approval("a3", "ReleaseTrain/t1", "train", "approve", "dan")
    );
    let plans = run(&extra);
    let t = object(&plans, Kind::ReleaseTrain, "t1");
    // The workflow's own `train` approval (count 1) holds; the gate's is not consulted by the
    // built-in workflow, so the train moves: the count applies to the workflow's guard.
    assert_eq!(t.status.phase, "construction");
    let flow = "---\napiVersion: railyard/v1\nkind: Workflow\nmetadata: {name: trains}\nspec:\n  appliesTo: ReleaseTrain\n  initial: scoping\n  phases:\n    - name: scoping\n      transitions:\n        - to: done\n          when: {approvals: [{gate: train, role: release-managers, count: 2}]}\n    - {name: done, terminal: true}\n";
    let plans = run(&format!("{extra}{flow}"));
    let t = object(&plans, Kind::ReleaseTrain, "t1");
    assert_eq!(t.status.phase, "scoping");
    assert_eq!(
        blocked(t, "done"),
        [
            "approval `train` needs 2 of team `release-managers`; 1 so far (rita) (not counted: `dan` is not in team `release-managers`)"
        ]
    );
}

#[test]
fn a_reject_returns_the_train_until_a_newer_approval() {
    let mut previous = StatusMap::new();
    previous.insert(
        (Kind::ReleaseTrain, "t1".into()),
        Arc::new(ObjectStatus {
            phase: "construction".into(),
            ..ObjectStatus::default()
        }),
    );
    let release = "---\napiVersion: railyard/v1\nkind: ApplicationRelease\nmetadata: {name: web}\nspec: {train: t1, application: web, version: '1'}\n";
    let mut rel_prev = previous.clone();
    rel_prev.insert(
        (Kind::ApplicationRelease, "web".into()),
        Arc::new(ObjectStatus {
            phase: "complete".into(),
            ..ObjectStatus::default()
        }),
    );
    let rejected = format!(
        "{TRAIN}{release}{}",
        approval("d1", "ReleaseTrain/t1", "development", "reject", "rita")
    );
    let plans = run_with(&rejected, &rel_prev, &Facts::unverified(), now());
    let t = object(&plans, Kind::ReleaseTrain, "t1");
    assert_eq!(t.status.phase, "construction");
    let returned = t
        .status
        .conditions
        .iter()
        .find(|c| c.kind == "Returned")
        .expect("Returned");
    assert_eq!(returned.message, "`development` rejected by `rita`");
    let approved = format!(
        "{rejected}{}",
        approval("d2", "ReleaseTrain/t1", "development", "approve", "marco")
    );
    let plans = run_with(&approved, &rel_prev, &Facts::unverified(), now());
    assert_eq!(
        object(&plans, Kind::ReleaseTrain, "t1").status.phase,
        "verification"
    );
}

fn commit(email: &str, time: &str) -> Commit {
    Commit::new(crate::trust::facts::CommitInfo {
        id: "0".repeat(40),
        author_name: email.into(),
        author_email: email.into(),
        time: time.parse().expect("time"),
        merge: false,
        own_only: false,
        signature: None,
    })
}

#[test]
fn verified_approvals_need_the_right_author_and_no_self_approval() {
    let extra = format!(
        "{TRAIN}{}",
        approval("a1", "ReleaseTrain/t1", "train", "approve", "rita")
    );
    let mut facts = Facts {
        verified: true,
        ..Facts::default()
    };
    // Not committed at all: not counted.
    let plans = run_with(&extra, &StatusMap::new(), &facts, now());
    assert!(
        blocked(object(&plans, Kind::ReleaseTrain, "t1"), "construction")[0]
            .contains("`a1` is not committed yet")
    );
    // Committed by marco but says rita: not counted.
    facts.added.insert(
        "repo.yaml".into(),
        commit("marco@x", "2026-11-20T10:00:00Z"),
    );
    let plans = run_with(&extra, &StatusMap::new(), &facts, now());
    assert!(
        blocked(object(&plans, Kind::ReleaseTrain, "t1"), "construction")[0]
            .contains("committed by someone else")
    );
    // Committed by rita, who also made the last change to the train: self-approval.
    facts
        .added
        .insert("repo.yaml".into(), commit("rita@x", "2026-11-20T10:00:00Z"));
    facts
        .changed
        .insert("repo.yaml".into(), commit("rita@x", "2026-11-20T10:00:00Z"));
    let plans = run_with(&extra, &StatusMap::new(), &facts, now());
    assert!(
        blocked(object(&plans, Kind::ReleaseTrain, "t1"), "construction")[0]
            .contains("`rita` made the last change")
    );
}

#[test]
fn verified_approvals_carry_an_object_through_several_phases_in_one_run() {
    let extra = format!(
        "{TRAIN}{}{}",
        turnover("test", "2026-11-23T08:00:00Z"),
        started()
    );
    let facts = Facts {
        verified: true,
        own: Vec::new(),
        added: [(
            "repo.yaml".to_string(),
            commit("eve@x", "2026-11-20T10:00:00Z"),
        )]
        .into_iter()
        .collect(),
        changed: [(
            "repo.yaml".to_string(),
            commit("dan@x", "2026-11-20T10:00:00Z"),
        )]
        .into_iter()
        .collect(),
    };
    let plans = run_with(&extra, &StatusMap::new(), &facts, now());
    assert_eq!(
        path(object(&plans, Kind::Turnover, "to1")),
        ["draft", "awaiting-acceptance", "ready", "deploying"]
    );
    // Back in the phase after leaving it on 2026-11-21: the approvals from before are from
    // that earlier visit and no longer count.
    let mut previous = StatusMap::new();
    let left: jiff::Timestamp = "2026-11-21T00:00:00Z".parse().expect("time");
    let visit = |from: &str, to: &str| crate::status::HistoryEntry {
        from: from.into(),
        to: to.into(),
        at: left,
        reason: "test".into(),
        fields: crate::status::FieldDigests::default(),
    };
    previous.insert(
        (Kind::Turnover, "to1".into()),
        Arc::new(ObjectStatus {
            phase: "awaiting-acceptance".into(),
            history: vec![
                visit("awaiting-acceptance", "ready"),
                visit("ready", "awaiting-acceptance"),
            ],
            ..ObjectStatus::default()
        }),
    );
    let plans = run_with(&extra, &previous, &facts, now());
    let t = object(&plans, Kind::Turnover, "to1");
    assert_eq!(t.status.phase, "awaiting-acceptance");
    assert!(
        blocked(t, "ready")[0]
            .contains("`acceptance-eve` was given during an earlier visit to this phase"),
        "{:?}",
        blocked(t, "ready")
    );
}

#[test]
fn the_manager_may_close_her_train_but_not_after_her_own_last_change() {
    // A train in deployment whose only release is released: `close` is what is left.
    let release = "---\napiVersion: railyard/v1\nkind: ApplicationRelease\nmetadata: {name: web}\nspec: {train: t1, application: web, version: '1'}\n";
    let previous = StatusMap::from([
        (
            (Kind::ReleaseTrain, "t1".to_string()),
            Arc::new(ObjectStatus {
                phase: "deployment".into(),
                ..ObjectStatus::default()
            }),
        ),
        (
            (Kind::ApplicationRelease, "web".to_string()),
            Arc::new(ObjectStatus {
                phase: "released".into(),
                ..ObjectStatus::default()
            }),
        ),
    ]);
    let close = |by: &str| {
        approval(
            &format!("close-{by}"),
            "ReleaseTrain/t1",
            "close",
            "approve",
            by,
        )
    };
    let close_by = |by: &str, train_changed_by: &str| {
        let facts = Facts {
            verified: true,
            own: Vec::new(),
            added: [
                ("train.yaml", commit("marco@x", "2026-11-01T10:00:00Z")),
                (
                    "close.yaml",
                    commit(&format!("{by}@x"), "2026-11-22T10:00:00Z"),
                ),
            ]
            .into_iter()
            .map(|(path, c)| (path.to_string(), c))
            .collect(),
            changed: [(
                "train.yaml".to_string(),
                commit(&format!("{train_changed_by}@x"), "2026-11-10T10:00:00Z"),
            )]
            .into_iter()
            .collect(),
        };
        let plans = run_files(
            &[
                ("train.yaml", format!("{TRAIN}{release}")),
                ("close.yaml", close(by)),
            ],
            &previous,
            &facts,
            now(),
        );
        let t = object(&plans, Kind::ReleaseTrain, "t1");
        (t.status.phase.clone(), blocked(t, "closed"))
    };
    // Entering deployment asks the release engineers and the manager for `close`.
    let entering = StatusMap::from([(
        (Kind::ReleaseTrain, "t1".to_string()),
        Arc::new(ObjectStatus {
            phase: "verification".into(),
            ..ObjectStatus::default()
        }),
    )]);
    let gates = ["qa-eve", "executive-cora"]
        .map(|n| {
            let (gate, by) = n.split_once('-').expect("gate-member");
            approval(n, "ReleaseTrain/t1", gate, "approve", by)
        })
        .concat();
    let plans = run_with(
        &format!("{TRAIN}{gates}"),
        &entering,
        &Facts::unverified(),
        now(),
    );
    let t = object(&plans, Kind::ReleaseTrain, "t1");
    assert_eq!(t.status.phase, "deployment");
    let close_asked: Vec<&str> = t
        .notifications
        .iter()
        .filter(|n| n.gate.as_deref() == Some("close"))
        .map(|n| n.to.as_str())
        .collect();
    assert_eq!(close_asked, ["release-engineers", "rita"]);
    // Table: who approves, who made the train's last change → phase, what blocks.
    assert_eq!(close_by("rita", "marco"), ("closed".to_string(), vec![]));
    assert_eq!(close_by("eve", "marco"), ("closed".to_string(), vec![]));
    assert_eq!(
        close_by("rita", "rita"),
        (
            "deployment".to_string(),
            vec![
                "approval `close` needs 1 of team `release-engineers` or the `manager` (`rita`); none yet (not counted: `rita` is the `manager` of ReleaseTrain/t1 but also made its last change, so that approval does not count (no self-approval): another member of team `release-engineers` must approve)".to_string()
            ]
        )
    );
    assert_eq!(
        close_by("dan", "marco"),
        (
            "deployment".to_string(),
            vec![
                "approval `close` needs 1 of team `release-engineers` or the `manager` (`rita`); none yet (not counted: `dan` is not in team `release-engineers` nor the `manager`)".to_string()
            ]
        )
    );
}

// ---------------------------------------------------------------- seed 004, row by row

const RELEASE: &str = "apiVersion: railyard/v1\nkind: Release\nmetadata: {name: r1}\nspec:\n  title: Gateway\n  releaseType: TYPE\n  description: Move payments\n  requestedBy: marco\n  reason: End of support\n  releaseModel: m1\n  justification: Fees\n  service: payments\n  serviceOwner: rita\nEXTRA---\napiVersion: railyard/v1\nkind: ReleaseModel\nmetadata: {name: m1}\nspec:\n  taskPlans:\n    approve-deployment: [{id: cab-pack, title: CAB pack, type: manual, owner: developers}]\n";

fn release(kind: &str, extra: &str) -> String {
    RELEASE.replace("TYPE", kind).replace("EXTRA", extra)
}

#[rustfmt::skip]
/// Seed 004's transition table, one row per transition: the phase it leaves, the phase it
/// enters, the fields the seed requires for it (written from the seed's text, not from the
/// workflow, so that each row holds the built-in workflow to the seed), and the values the
/// row sets beyond [`SEED_VALUES`]. approve-deployment → deploy asks an approval, not
/// fields: `seed_approve_deployment_to_deploy_needs_the_cab` holds it.
const SEED_004: &[(&str, &str, &[&str], &str)] = &[
    ("log", "evaluate", &["title", "releaseType", "description", "requestedBy", "reason", "releaseModel", "justification", "service"], ""),
    ("evaluate", "plan-and-design", &["owningGroup", "category", "owner", "urgency"], ""),
    ("plan-and-design", "build-and-test", &["risk", "impact"], ""),
    ("build-and-test", "approve-deployment", &["implementationPlan", "remediationPlan", "scheduledStart", "scheduledEnd", "duration"], ""),
    ("deploy", "early-life-support", &["completionCode", "actualStart", "actualEnd"], "  completionCode: successful\n"),
    ("deploy", "early-life-support", &["completionCode", "actualStart", "actualEnd"], "  completionCode: successful-with-issues\n"),
    ("deploy", "remediate", &["completionCode"], "  completionCode: failed\n"),
    ("deploy", "remediate", &["completionCode"], "  completionCode: backed-out\n"),
    ("early-life-support", "review", &["completionCode", "actualStart", "actualEnd"], "  completionCode: successful\n"),
    ("remediate", "review", &["completionCode", "actualStart", "actualEnd"], "  completionCode: failed\n"),
    ("review", "close", &["reviewResults"], "  completionCode: successful\n"),
    ("evaluate", "abandon", &["abandon.reason"], ""),
    ("plan-and-design", "abandon", &["abandon.reason"], ""),
    ("build-and-test", "abandon", &["abandon.reason"], ""),
    ("approve-deployment", "abandon", &["abandon.reason"], ""),
    ("deploy", "abandon", &["abandon.reason"], ""),
];

/// A value for every field a row may need (the log fields are in [`RELEASE`]).
const SEED_VALUES: &str = "  urgency: slight-disruption\n  owningGroup: release-engineers\n  category: app\n  owner: eve\n  risk: low\n  impact: small\n  implementationPlan: plan\n  remediationPlan: back out\n  scheduledStart: 2026-12-01T20:00:00Z\n  scheduledEnd: 2026-12-01T22:00:00Z\n  duration: 2h\n  actualStart: 2026-12-01T20:05:00Z\n  actualEnd: 2026-12-01T21:40:00Z\n  reviewResults: went well\n";

/// The spec's lines without the field `field` (a dotted path names a nested field, whose
/// whole mapping goes).
fn without(text: &str, field: &str) -> String {
    let top = field.split('.').next().unwrap_or(field);
    text.lines()
        .filter(|line| !line.starts_with(&format!("  {top}:")))
        .map(|line| format!("{line}\n"))
        .collect()
}

#[test]
fn seed_004_every_transition_needs_exactly_the_seed_s_fields() {
    for &(from, to, fields, values) in SEED_004 {
        let abandon = if to == "abandon" {
            "  abandon: {reason: no longer needed}\n"
        } else {
            ""
        };
        let text = release("minor", &format!("{SEED_VALUES}{values}{abandon}"));
        let plans = run_with(&text, &at(from), &Facts::default(), now());
        let r = object(&plans, Kind::Release, "r1");
        assert_eq!(
            r.transitions
                .first()
                .map(|t| (t.from.as_str(), t.to.as_str())),
            Some((from, to)),
            "{from} → {to} with every field: {:?}",
            r.status
        );
        for field in fields {
            let plans = run_with(&without(&text, field), &at(from), &Facts::default(), now());
            let r = object(&plans, Kind::Release, "r1");
            assert!(
                r.transitions.first().is_none_or(|t| t.to != to),
                "{from} → {to} without `{field}` still moved: {:?}",
                r.transitions
            );
            let blocked = r
                .ways_out
                .iter()
                .find(|w| w.to == to)
                .map(|w| w.missing.clone())
                .unwrap_or_default();
            assert!(
                blocked.iter().any(|b| b.contains(&format!("`{field}`"))),
                "{from} → {to} without `{field}`: {blocked:?}"
            );
        }
    }
}

#[test]
fn seed_log_defaults_and_the_move_to_evaluate() {
    let plans = run(&release("minor", ""));
    let r = object(&plans, Kind::Release, "r1");
    assert_eq!(path(r), ["log", "evaluate"]);
    assert_eq!(
        r.status.defaults.get("urgency"),
        Some(&serde_json::json!("slight-disruption"))
    );
    assert_eq!(notified(r), ["rita phase-entered evaluate"]);
}

#[test]
fn seed_log_requested_by_defaults_to_the_commit_author() {
    let text = release("minor", "").replace("  requestedBy: marco\n", "");
    let plans = run(&text);
    assert_eq!(object(&plans, Kind::Release, "r1").status.phase, "log");
    let facts = Facts {
        verified: true,
        added: [(
            "repo.yaml".to_string(),
            commit("MARCO@x", "2026-11-20T10:00:00Z"),
        )]
        .into_iter()
        .collect(),
        ..Facts::default()
    };
    let plans = run_with(&text, &StatusMap::new(), &facts, now());
    let r = object(&plans, Kind::Release, "r1");
    assert_eq!(
        r.status.defaults.get("requestedBy"),
        Some(&serde_json::json!("marco"))
    );
    assert_eq!(r.status.phase, "evaluate");
}

#[test]
fn seed_evaluate_emergency_is_severe_unless_set() {
    let plans = run(&release("emergency", ""));
    assert_eq!(
        object(&plans, Kind::Release, "r1")
            .status
            .defaults
            .get("urgency"),
        Some(&serde_json::json!("severe-disruption"))
    );
    let plans = run(&release("emergency", "  urgency: moderate-disruption\n"));
    let r = object(&plans, Kind::Release, "r1");
    assert_eq!(
        r.status.defaults.get("urgency"),
        Some(&serde_json::json!("severe-disruption"))
    );
    // The person's own value wins over any default.
    assert_eq!(
        super::spec_fields::effective(
            &super::repository::Subject {
                kind: crate::manifest::WorkflowKind::Release,
                name: "r1",
                document: &dummy_document(),
                spec: std::borrow::Cow::Owned(
                    serde_json::json!({"urgency": "moderate-disruption"})
                )
            },
            &r.status
        )["urgency"],
        "moderate-disruption"
    );
}

fn dummy_document() -> crate::load::Document {
    let root = crate::yaml::parse("a: 1", crate::yaml::Limits::default())
        .documents
        .remove(0)
        .root;
    crate::load::Document::with_tree("x.yaml".into(), root)
}

#[test]
fn seed_evaluate_to_plan_and_design_needs_the_owning_fields() {
    let plans = run(&release("minor", ""));
    let r = object(&plans, Kind::Release, "r1");
    let reasons = blocked(r, "plan-and-design");
    assert_eq!(reasons.len(), 3, "{reasons:?}");
    assert!(
        reasons
            .iter()
            .all(|r| r.contains("owningGroup") || r.contains("category") || r.contains("owner"))
    );
    let plans = run(&release(
        "minor",
        "  owningGroup: release-engineers\n  category: app\n  owner: eve\n",
    ));
    assert_eq!(
        path(object(&plans, Kind::Release, "r1")),
        ["log", "evaluate", "plan-and-design"]
    );
}

const FULL: &str = "  owningGroup: release-engineers\n  category: app\n  owner: eve\n  risk: low\n  impact: small\n  implementationPlan: plan\n  remediationPlan: back out\n  scheduledStart: 2026-12-01T20:00:00Z\n  scheduledEnd: 2026-12-01T22:00:00Z\n  duration: 2h\n";

#[test]
fn seed_plan_and_design_and_build_and_test_to_approve_deployment() {
    let plans = run(&release("minor", FULL));
    let r = object(&plans, Kind::Release, "r1");
    assert_eq!(
        path(r),
        [
            "log",
            "evaluate",
            "plan-and-design",
            "build-and-test",
            "approve-deployment"
        ]
    );
    assert_eq!(
        notified(r),
        [
            "rita phase-entered evaluate",
            "rita phase-entered plan-and-design",
            "rita phase-entered build-and-test",
            "release-approvers approval-needed approve-deployment",
            "rita phase-entered approve-deployment",
            "developers task-waiting approve-deployment"
        ]
    );
    assert_eq!(
        blocked(r, "deploy"),
        [
            "tasks not done: `cab-pack` (waiting for `developers`)",
            "approval `deployment` needs 1 of team `release-approvers`; none yet"
        ]
    );
}

#[test]
fn seed_approve_deployment_to_deploy_needs_the_cab() {
    let done = "---\napiVersion: railyard/v1\nkind: TaskReport\nmetadata: {name: cab-pack-1}\nspec: {subject: Release/r1, task: cab-pack, attempt: 1, outcome: succeeded, by: dan}\n";
    let plans = run(&format!(
        "{}{done}{}",
        release("minor", FULL),
        approval("cab", "Release/r1", "deployment", "approve", "sam")
    ));
    let r = object(&plans, Kind::Release, "r1");
    assert_eq!(r.status.phase, "deploy");
    assert_eq!(
        notified(r).last().map(String::as_str),
        Some("rita phase-entered deploy")
    );
    assert!(notified(r).contains(&"release-engineers phase-entered deploy".to_string()));
}

#[test]
fn seed_approve_deployment_resets_a_failed_task_plan() {
    let failed = "---\napiVersion: railyard/v1\nkind: TaskReport\nmetadata: {name: cab-pack-1}\nspec: {subject: Release/r1, task: cab-pack, attempt: 1, outcome: failed, by: dan}\n";
    let plans = run_with(
        &format!("{}{failed}", release("minor", FULL)),
        &at("build-and-test"),
        &Facts::unverified(),
        now(),
    );
    let r = object(&plans, Kind::Release, "r1");
    assert_eq!(r.status.phase, "approve-deployment");
    assert_eq!(r.status.attempts.get("approve-deployment"), Some(&2));
    assert_eq!(
        r.tasks
            .as_ref()
            .map(|t| t.state("cab-pack").unwrap().as_str()),
        Some("waiting")
    );
}

#[test]
fn seed_deploy_to_early_life_support_or_remediate_by_completion_code() {
    let done = |code: &str| {
        release(
            "minor",
            &format!(
                "{FULL}  completionCode: {code}\n  actualStart: 2026-12-01T20:00:00Z\n  actualEnd: 2026-12-01T21:00:00Z\n  supportLevel1: service-desk\n  supportLevel2: raj\n"
            ),
        )
    };
    let plans = run_with(
        &done("successful"),
        &at("deploy"),
        &Facts::unverified(),
        now(),
    );
    let r = object(&plans, Kind::Release, "r1");
    assert_eq!(path(r)[..2], ["deploy", "early-life-support"]);
    assert_eq!(
        notified(r)[..2],
        [
            "service-desk phase-entered early-life-support",
            "raj phase-entered early-life-support"
        ]
    );
    let plans = run_with(
        &done("backed-out"),
        &at("deploy"),
        &Facts::unverified(),
        now(),
    );
    assert_eq!(
        path(object(&plans, Kind::Release, "r1"))[..2],
        ["deploy", "remediate"]
    );
}

#[test]
fn seed_remediate_and_early_life_support_to_review_then_close() {
    let done = release(
        "minor",
        &format!(
            "{FULL}  completionCode: failed\n  actualStart: 2026-12-01T20:00:00Z\n  actualEnd: 2026-12-01T21:00:00Z\n"
        ),
    );
    let plans = run_with(&done, &at("remediate"), &Facts::unverified(), now());
    let r = object(&plans, Kind::Release, "r1");
    assert_eq!(path(r), ["remediate", "review"]);
    assert_eq!(
        blocked(r, "close"),
        ["`reviewResults` is not set: set `spec.reviewResults` in repo.yaml"]
    );
    let reviewed = done.replace(
        "  title:",
        "  reviewResults: Went fine after the back-out\n  title:",
    );
    let plans = run_with(
        &reviewed,
        &at("early-life-support"),
        &Facts::unverified(),
        now(),
    );
    let r = object(&plans, Kind::Release, "r1");
    assert_eq!(path(r), ["early-life-support", "review", "close"]);
    assert_eq!(
        notified(r),
        [
            "release-engineers phase-entered review",
            "rita phase-entered review",
            "rita phase-entered close"
        ]
    );
}

#[test]
fn seed_abandon_from_evaluate_through_deploy_sets_the_completion_code() {
    for phase in [
        "evaluate",
        "plan-and-design",
        "build-and-test",
        "approve-deployment",
        "deploy",
    ] {
        let plans = run_with(
            &release("minor", "  abandon: {reason: Budget cut}\n"),
            &at(phase),
            &Facts::unverified(),
            now(),
        );
        let r = object(&plans, Kind::Release, "r1");
        assert_eq!(path(r), [phase, "abandon"], "from {phase}");
        assert_eq!(
            r.status.recorded.get("completionCode"),
            Some(&serde_json::json!("abandoned"))
        );
        assert_eq!(notified(r), ["rita phase-entered abandon"]);
    }
    // Not from log or from later phases.
    let plans = run_with(
        &release("minor", "  abandon: {reason: Budget cut}\n"),
        &at("review"),
        &Facts::unverified(),
        now(),
    );
    assert_ne!(object(&plans, Kind::Release, "r1").status.phase, "abandon");
}

#[test]
fn seed_reevaluation_returns_to_the_phase_whose_field_changed() {
    let first = run(&release("minor", FULL));
    let r = object(&first, Kind::Release, "r1");
    assert_eq!(r.status.phase, "approve-deployment");
    let previous: StatusMap = first
        .iter()
        .filter(|p| !p.invalid)
        .map(|p| ((p.kind, p.name.clone()), Arc::new(p.status.clone())))
        .collect();
    let emptied = release("minor", &FULL.replace("  risk: low\n", ""));
    let plans = run_with(&emptied, &previous, &Facts::unverified(), now());
    let r = object(&plans, Kind::Release, "r1");
    assert_eq!(r.status.phase, "plan-and-design");
    assert_eq!(
        r.transitions[0].reason,
        "`risk` changed since the transition that required it"
    );
    assert_eq!(
        blocked(r, "build-and-test"),
        ["`risk` is not set: set `spec.risk` in repo.yaml"]
    );
}

#[test]
fn undoing_an_abandon_drops_the_completion_code_it_recorded() {
    let done = "---\napiVersion: railyard/v1\nkind: TaskReport\nmetadata: {name: cab-pack-1}\nspec: {subject: Release/r1, task: cab-pack, attempt: 1, outcome: succeeded, by: dan}\n";
    let cab = approval("cab", "Release/r1", "deployment", "approve", "sam");
    let text = |extra: &str| format!("{}{done}{cab}", release("minor", &format!("{FULL}{extra}")));
    let abandoned = run(&text("  abandon: {reason: Budget cut}\n"));
    let r = object(&abandoned, Kind::Release, "r1");
    assert_eq!(r.status.phase, "abandon");
    assert_eq!(
        r.status.recorded.get("completionCode"),
        Some(&serde_json::json!("abandoned"))
    );
    // (Abandon is each phase's first way out: the release was abandoned in evaluate.) The
    // reason is withdrawn: back to evaluate, without the code the abandon recorded, so the
    // person's own completion code takes the release on through deploy.
    let finished = "  completionCode: successful\n  actualStart: 2026-12-01T20:00:00Z\n  actualEnd: 2026-12-01T21:00:00Z\n";
    let plans = run_with(
        &text(finished),
        &statuses(&abandoned),
        &Facts::unverified(),
        now(),
    );
    let r = object(&plans, Kind::Release, "r1");
    assert_eq!(
        path(r),
        [
            "abandon",
            "evaluate",
            "plan-and-design",
            "build-and-test",
            "approve-deployment",
            "deploy",
            "early-life-support",
            "review"
        ]
    );
    assert_eq!(r.status.recorded.get("completionCode"), None);
}

/// True when each entry of the history starts where the one before it ended.
fn chains(history: &[crate::status::HistoryEntry]) -> bool {
    history.windows(2).all(|pair| pair[0].to == pair[1].from)
}

#[test]
fn an_approval_from_before_a_reevaluation_is_stale_and_the_history_only_grows() {
    let report = |name: &str, attempt: u32| {
        format!(
            "apiVersion: railyard/v1\nkind: TaskReport\nmetadata: {{name: {name}}}\nspec: {{subject: Release/r1, task: cab-pack, attempt: {attempt}, outcome: succeeded, by: dan}}\n"
        )
    };
    let cab = |name: &str| {
        approval(name, "Release/r1", "deployment", "approve", "sam").replacen("---\n", "", 1)
    };
    let mut facts = Facts {
        verified: true,
        ..Facts::default()
    };
    let mut add = |path: &str, email: &str, time: &str| {
        facts
            .added
            .entry(path.into())
            .or_insert(commit(email, time));
        facts.changed.insert(path.into(), commit(email, time));
        facts.clone()
    };
    add("release.yaml", "rita@x", "2026-11-20T10:00:00Z");
    add("report-1.yaml", "dan@x", "2026-11-21T10:00:00Z");
    let facts1 = add("cab-1.yaml", "sam@x", "2026-11-22T10:00:00Z");
    let mut files = vec![
        ("release.yaml", release("minor", FULL)),
        ("report-1.yaml", report("cab-pack-1", 1)),
        ("cab-1.yaml", cab("cab-1")),
    ];
    let day =
        |d: u32| -> jiff::Timestamp { format!("2026-11-{d}T12:00:00Z").parse().expect("time") };
    let first = run_files(&files, &StatusMap::new(), &facts1, day(23));
    let r = object(&first, Kind::Release, "r1");
    assert_eq!(r.status.phase, "deploy");
    // `risk` is emptied: back to plan-and-design, as a new entry.
    files[0].1 = release("minor", &FULL.replace("  risk: low\n", ""));
    let facts2 = add("release.yaml", "rita@x", "2026-11-24T10:00:00Z");
    let second = run_files(&files, &statuses(&first), &facts2, day(24));
    let r2 = object(&second, Kind::Release, "r1");
    assert_eq!(r2.status.phase, "plan-and-design");
    let h1 = &r.status.history;
    let h2 = &r2.status.history;
    assert_eq!(h2.len(), h1.len() + 1, "{h2:#?}");
    assert!(chains(h2), "{h2:#?}");
    for (before, after) in h1.iter().zip(h2) {
        assert_eq!(
            (&before.from, &before.to, before.at, &before.reason),
            (&after.from, &after.to, after.at, &after.reason),
            "the audit trail is never rewritten"
        );
    }
    let back = h2.last().expect("an entry");
    assert_eq!(
        (back.from.as_str(), back.to.as_str(), back.reason.as_str()),
        (
            "deploy",
            "plan-and-design",
            "`risk` changed since the transition that required it"
        )
    );
    // `risk` is set again: the release comes back to approve-deployment, where the CAB's
    // approval of the first visit no longer counts and the task plan starts again.
    files[0].1 = release("minor", FULL);
    let facts3 = add("release.yaml", "rita@x", "2026-11-25T10:00:00Z");
    let third = run_files(&files, &statuses(&second), &facts3, day(25));
    let r3 = object(&third, Kind::Release, "r1");
    assert_eq!(r3.status.phase, "approve-deployment");
    assert!(chains(&r3.status.history), "{:#?}", r3.status.history);
    assert_eq!(&r3.status.history[..h2.len()], &h2[..]);
    assert_eq!(
        blocked(r3, "deploy"),
        [
            "tasks not done: `cab-pack` (waiting for `developers`)",
            "approval `deployment` needs 1 of team `release-approvers`; none yet (not counted: `cab-1` was given during an earlier visit to this phase)"
        ]
    );
    assert_eq!(r3.tasks.as_ref().map(|t| t.attempt), Some(2));
    // Reconciling that again changes nothing.
    let again = run_files(&files, &statuses(&third), &facts3, day(25));
    let r3b = object(&again, Kind::Release, "r1");
    assert!(r3b.transitions.is_empty(), "{:?}", r3b.transitions);
    assert_eq!(r3b.status, r3.status);
    // A new approval by someone outside the CAB does not count; the CAB's does.
    files.push((
        "eve.yaml",
        approval("eve-ok", "Release/r1", "deployment", "approve", "eve"),
    ));
    add("eve.yaml", "eve@x", "2026-11-26T09:00:00Z");
    files.push(("report-2.yaml", report("cab-pack-2", 2)));
    let facts4 = add("report-2.yaml", "dan@x", "2026-11-26T09:30:00Z");
    let fourth = run_files(&files, &statuses(&third), &facts4, day(26));
    let r4 = object(&fourth, Kind::Release, "r1");
    assert_eq!(r4.status.phase, "approve-deployment");
    assert!(
        blocked(r4, "deploy")[0].contains("`eve` is not in team `release-approvers`"),
        "{:?}",
        blocked(r4, "deploy")
    );
    files.push(("cab-2.yaml", cab("cab-2")));
    let facts5 = add("cab-2.yaml", "sam@x", "2026-11-26T10:00:00Z");
    let fifth = run_files(&files, &statuses(&fourth), &facts5, day(26));
    let r5 = object(&fifth, Kind::Release, "r1");
    assert_eq!(r5.status.phase, "deploy");
    assert!(chains(&r5.status.history));
}

// ---------------------------------------------------------------- deadlines and convergence

#[test]
fn overdue_once_with_one_notification() {
    let train = TRAIN.replace(
        "spec:\n",
        "spec:\n  schedule: {start: 2026-11-01, end: 2026-12-31, phases: {scoping: 2026-11-10}}\n",
    );
    let first = run(&train);
    let t = object(&first, Kind::ReleaseTrain, "t1");
    assert!(
        t.status
            .conditions
            .iter()
            .any(|c| c.kind == "Overdue" && c.message == "phase `scoping` was due 2026-11-10")
    );
    assert!(notified(t).contains(&"rita deadline-missed scoping".to_string()));
    let previous: StatusMap = first
        .iter()
        .map(|p| ((p.kind, p.name.clone()), Arc::new(p.status.clone())))
        .collect();
    let again = run_with(&train, &previous, &Facts::unverified(), now());
    let t = object(&again, Kind::ReleaseTrain, "t1");
    assert!(t.status.conditions.iter().any(|c| c.kind == "Overdue"));
    assert!(t.notifications.is_empty(), "{:?}", t.notifications);
}

#[test]
fn reconciling_the_result_again_changes_nothing() {
    let repos = [
        release("minor", FULL),
        format!(
            "{TRAIN}{}{}{}",
            turnover("test", "2026-11-23T08:00:00Z"),
            started(),
            report("check", "succeeded", "dan", 1)
        ),
        format!(
            "{TRAIN}{}",
            approval("a1", "ReleaseTrain/t1", "train", "approve", "rita")
        ),
    ];
    for repo in repos {
        let first = run(&repo);
        let previous: StatusMap = first
            .iter()
            .map(|p| ((p.kind, p.name.clone()), Arc::new(p.status.clone())))
            .collect();
        let second = run_with(&repo, &previous, &Facts::unverified(), now());
        for plan in &second {
            assert!(
                plan.transitions.is_empty(),
                "{}/{} moved again: {:?}",
                plan.kind,
                plan.name,
                plan.transitions
            );
            assert!(
                plan.notifications.is_empty(),
                "{}/{} notified again",
                plan.kind,
                plan.name
            );
            let before = &previous[&(plan.kind, plan.name.clone())];
            assert_eq!(plan.status.phase, before.phase);
            assert_eq!(plan.status.history, before.history);
        }
    }
}

#[test]
fn invalid_objects_and_their_dependents_are_skipped() {
    let broken = TRAIN.replace("type: minor", "type: weekly");
    let release = "---\napiVersion: railyard/v1\nkind: ApplicationRelease\nmetadata: {name: web}\nspec: {train: t1, application: web, version: '1'}\n";
    let plans = run(&format!("{broken}{release}"));
    for (kind, name) in [
        (Kind::ReleaseTrain, "t1"),
        (Kind::ApplicationRelease, "web"),
    ] {
        let plan = object(&plans, kind, name);
        assert!(plan.invalid, "{name}");
        assert_eq!(plan.status.conditions[0].kind, "Invalid");
    }
}

// ---------------------------------------------------------------- properties

mod properties {
    use super::*;
    use proptest::prelude::*;

    const OPTIONAL: [(&str, &str); 16] = [
        ("owningGroup", "release-engineers"),
        ("category", "app"),
        ("owner", "eve"),
        ("risk", "low"),
        ("impact", "small"),
        ("implementationPlan", "plan"),
        ("remediationPlan", "back out"),
        ("scheduledStart", "2026-12-01T20:00:00Z"),
        ("scheduledEnd", "2026-12-01T22:00:00Z"),
        ("duration", "2h"),
        ("actualStart", "2026-12-01T20:00:00Z"),
        ("actualEnd", "2026-12-01T21:00:00Z"),
        ("reviewResults", "fine"),
        ("supportLevel1", "service-desk"),
        ("urgency", "moderate-disruption"),
        ("abandon", "{reason: stop}"),
    ];
    const PHASES: [&str; 11] = [
        "log",
        "evaluate",
        "plan-and-design",
        "build-and-test",
        "approve-deployment",
        "deploy",
        "remediate",
        "early-life-support",
        "review",
        "close",
        "abandon",
    ];

    fn release_text(
        set: &[bool],
        code: usize,
        kind: usize,
        cab: bool,
        report: Option<bool>,
    ) -> String {
        let mut extra = String::new();
        for ((field, value), on) in OPTIONAL.iter().zip(set) {
            if *on {
                extra.push_str(&format!("  {field}: {value}\n"));
            }
        }
        if let Some(code) = [
            "",
            "successful",
            "successful-with-issues",
            "failed",
            "backed-out",
        ]
        .get(code)
        .filter(|c| !c.is_empty())
        {
            extra.push_str(&format!("  completionCode: {code}\n"));
        }
        let mut text = release(["minor", "major", "emergency"][kind % 3], &extra);
        if cab {
            text.push_str(&approval(
                "cab",
                "Release/r1",
                "deployment",
                "approve",
                "sam",
            ));
        }
        if let Some(ok) = report {
            let outcome = if ok { "succeeded" } else { "failed" };
            text.push_str(&format!("---\napiVersion: railyard/v1\nkind: TaskReport\nmetadata: {{name: rep}}\nspec: {{subject: Release/r1, task: cab-pack, attempt: 1, outcome: {outcome}, by: dan}}\n"));
        }
        text
    }

    proptest! {
           #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

           #[test]
           fn release_reconciles_to_a_stable_fixed_point(
               set in proptest::collection::vec(any::<bool>(), OPTIONAL.len()),
               code in 0usize..5,
               kind in 0usize..3,
               cab in any::<bool>(),
               report in proptest::option::of(any::<bool>()),
               start in proptest::option::of(0usize..PHASES.len()),
           ) {
               let text = release_text(&set, code, kind, cab, report);
               let previous = start.map_or_else(StatusMap::new, |i| at(PHASES[i]));
               let first = run_with(&text, &previous, &Facts::unverified(), now());
               let r = object(&first, Kind::Release, "r1");
               let flow = crate::workflow::builtin(crate::manifest::WorkflowKind::Release).expect("builtin").spec;
               // Every transition taken is one the workflow declares (re-evaluation aside), and
               // the transitions chain from the starting phase.
               let mut phase = start.map_or("log", |i| PHASES[i]).to_string();
               for taken in &r.transitions {
                   prop_assert_eq!(&taken.from, &phase);
                   let declared = flow.phase(&taken.from).is_some_and(|p| p.transitions.iter().any(|t| t.to == taken.to));
                   prop_assert!(declared, "{} → {} is not declared", taken.from, taken.to);
                   phase = taken.to.to_string();
               }
               prop_assert_eq!(&phase, &r.status.phase);
               // A fixed point: no way out holds any more.
               for way in &r.ways_out {
                   prop_assert!(!way.missing.is_empty(), "{} → {} still holds", r.status.phase, way.to);
               }
               // Reconciling the result again takes no transition and notifies no one.
               let again: StatusMap = first.iter().map(|p| ((p.kind, p.name.clone()), Arc::new(p.status.clone()))).collect();
               let second = run_with(&text, &again, &Facts::unverified(), now());
               let r2 = object(&second, Kind::Release, "r1");
               prop_assert!(r2.transitions.is_empty(), "moved again: {:?}", r2.transitions);
               prop_assert!(r2.notifications.is_empty());
               prop_assert_eq!(&r2.status, &r.status);
           }

           /// A Release driven by people over time: `risk` withdrawn and set again (each
           /// withdrawal a re-evaluation back to plan-and-design), CAB approvals, approvals from
           /// outside the CAB, and CAB-pack reports for attempts 1 to 3, each a commit of its own,
           /// each followed by a reconcile from the last status. Held against a log the test
           /// keeps itself (not the status it checks): every approve-deployment → deploy is
           /// taken on a CAB approval committed after the record last left approve-deployment,
           /// and on a report for this visit's attempt committed after the visit began (any
           /// time on the first visit); the history only grows and always chains; reconciling
           /// a result again changes nothing.
           #[test]
           fn no_transition_is_taken_on_an_approval_or_report_from_an_earlier_visit(
               events in proptest::collection::vec(0u8..6, 1..10),
           ) {
               let start: jiff::Timestamp = "2026-11-01T00:00:00Z".parse().expect("time");
               let hour = |i: usize| start + jiff::SignedDuration::from_hours(i as i64);
               let half = jiff::SignedDuration::from_mins(30);
               let release_text = |risk: bool| {
                   let fields = if risk { FULL.to_string() } else { FULL.replace("  risk: low\n", "") };
                   release("minor", &fields)
               };
               let mut files: Vec<(String, String)> = vec![("release.yaml".into(), release_text(true))];
               let mut facts = Facts { verified: true, ..Facts::default() };
               let by = |email: &str, at: jiff::Timestamp| Commit::new(crate::trust::facts::CommitInfo {
                   id: "0".repeat(40),
                   author_name: email.into(),
                   author_email: email.into(),
                   time: at,
                   merge: false,
    own_only: false,
    signature: None,
               });
               facts.added.insert("release.yaml".into(), by("rita@x", start));
               facts.changed.insert("release.yaml".into(), by("rita@x", start));
               let mut risk = true;
               // What the test knows: CAB approvals and reports (attempt) by commit time, and
               // every transition taken, with the clock of its reconcile.
               let mut cab: Vec<jiff::Timestamp> = Vec::new();
               let mut reports: Vec<(u32, jiff::Timestamp)> = Vec::new();
               let mut log: Vec<(String, String, jiff::Timestamp)> = Vec::new();
               let mut previous = StatusMap::new();
               let mut history: Vec<crate::status::HistoryEntry> = Vec::new();
               for (i, event) in events.iter().enumerate() {
                   let at = hour(i + 1);
                   let path = format!("e{i}.yaml");
                   let record = match event {
                       0 => {
                           risk = !risk;
                           files[0].1 = release_text(risk);
                           facts.changed.insert("release.yaml".into(), by("rita@x", at));
                           None
                       }
                       1 => {
                           cab.push(at);
                           Some((approval(&format!("cab-{i}"), "Release/r1", "deployment", "approve", "sam"), "sam@x"))
                       }
                       2 => Some((approval(&format!("eve-{i}"), "Release/r1", "deployment", "approve", "eve"), "eve@x")),
                       k => {
                           let attempt = u32::from(k - 2);
                           reports.push((attempt, at));
                           Some((format!("---\napiVersion: railyard/v1\nkind: TaskReport\nmetadata: {{name: rep-{i}}}\nspec: {{subject: Release/r1, task: cab-pack, attempt: {attempt}, outcome: succeeded, by: dan}}\n"), "dan@x"))
                       }
                   };
                   if let Some((text, email)) = record {
                       files.push((path.clone(), text));
                       facts.added.insert(path.clone(), by(email, at));
                       facts.changed.insert(path, by(email, at));
                   }
                   let now = at + half;
                   let borrowed: Vec<(&str, String)> = files.iter().map(|(p, t)| (p.as_str(), t.clone())).collect();
                   let plans = run_files(&borrowed, &previous, &facts, now);
                   let r = object(&plans, Kind::Release, "r1");
                   for taken in &r.transitions {
                       if taken.from == "approve-deployment" && taken.to == "deploy" {
                           let left = log.iter().rev().find(|(from, _, _)| from == "approve-deployment").map(|(_, _, t)| *t);
                           let entries: Vec<jiff::Timestamp> = log.iter().filter(|(_, to, _)| to == "approve-deployment").map(|(_, _, t)| *t).collect();
                           let visit = entries.len() as u32;
                           let entered = entries.last().copied();
                           prop_assert!(
                               cab.iter().any(|c| *c <= now && left.is_none_or(|l| *c > l)),
                               "deploy on a CAB approval from an earlier visit: cab {cab:?}, left {left:?}, log {log:?}"
                           );
                           prop_assert!(
                               reports.iter().any(|(a, c)| *a == visit && *c <= now && (visit == 1 || entered.is_some_and(|e| *c > e))),
                               "deploy on a report not of this visit's attempt {visit}: {reports:?}, log {log:?}"
                           );
                       }
                       log.push((taken.from.to_string(), taken.to.to_string(), now));
                   }
                   let grown = &r.status.history;
                   prop_assert!(grown.len() >= history.len());
                   prop_assert_eq!(&grown[..history.len()].iter().map(|h| (&h.from, &h.to, h.at, &h.reason)).collect::<Vec<_>>(), &history.iter().map(|h| (&h.from, &h.to, h.at, &h.reason)).collect::<Vec<_>>());
                   prop_assert!(chains(grown), "{:?}", grown);
                   history = grown.clone();
                   previous = statuses(&plans);
                   let again = run_files(&borrowed, &previous, &facts, now);
                   let r2 = object(&again, Kind::Release, "r1");
                   prop_assert!(r2.transitions.is_empty(), "moved again: {:?}", r2.transitions);
                   prop_assert_eq!(&r2.status, &r.status);
               }
           }

           /// A turnover driven over time: owners' reports of `a` and `b` (b after a) for
           /// attempts 1 to 3, succeeded or failed, and the engineer raising `retry.attempt`,
           /// each a commit followed by a reconcile from the last status. Held against the
           /// test's own log: when the turnover is deployed in attempt A, each task was done by
           /// a report for A committed after A was asked for (any time for attempt 1), or by a
           /// report for an earlier attempt j committed before attempt j + 1 was asked for. A
           /// turnover that railyard first meets already retried (`first` above 1) has no record
           /// of when its attempts began: its reports count whenever they were committed.
           #[test]
           fn no_task_is_done_by_a_report_from_outside_its_attempt(
               first in 1u32..3,
               events in proptest::collection::vec((0u8..3, 0u8..2, any::<bool>(), 0u32..3), 1..12),
           ) {
               let start: jiff::Timestamp = "2026-11-23T13:00:00Z".parse().expect("time");
               let hour = |i: usize| start + jiff::SignedDuration::from_hours(i as i64);
               let half = jiff::SignedDuration::from_mins(30);
               let two = "  tasks:\n    - {id: a, title: A, type: manual, owner: developers}\n    - {id: b, title: B, type: manual, owner: developers, dependsOn: [a]}\n";
               let turnover_text = |attempt: u32| {
                   let text = format!("{TRAIN}{}", turnover("test", "2026-11-23T08:00:00Z")).replace(
                       "  tasks: [{id: check, title: Check, type: manual, owner: developers}]\n",
                       two,
                   );
                   if attempt > 1 {
                       text.replace("  tasks:", &format!("  retry: {{attempt: {attempt}}}\n  tasks:"))
                   } else {
                       text
                   }
               };
               let by = |email: &str, at: jiff::Timestamp| Commit::new(crate::trust::facts::CommitInfo {
                   id: "0".repeat(40),
                   author_name: email.into(),
                   author_email: email.into(),
                   time: at,
                   merge: false,
    own_only: false,
    signature: None,
               });
               let mut attempt = first;
               let mut files: Vec<(String, String)> = vec![
                   ("turnover.yaml".into(), turnover_text(first)),
                   ("approvals.yaml".into(), started()),
               ];
               let mut facts = Facts { verified: true, ..Facts::default() };
               for (path, email) in [("turnover.yaml", "rita@x"), ("approvals.yaml", "eve@x")] {
                   facts.added.insert(path.into(), by(email, start));
                   facts.changed.insert(path.into(), by(email, start));
               }
               // (task, attempt, succeeded, committed) of every report, and when each attempt
               // was first asked for (the reconcile after the raise).
               let mut reported: Vec<(&str, u32, bool, jiff::Timestamp)> = Vec::new();
               let mut asked_at: BTreeMap<u32, jiff::Timestamp> = BTreeMap::new();
               let mut previous = StatusMap::new();
               // A report is for the attempt before the current one, the current one, or the
               // next (written ahead of the retry), most often the current one.
               for (i, &(what, task, ok, offset)) in events.iter().enumerate() {
                   let for_attempt = match offset {
                       0 => attempt.saturating_sub(1).max(1),
                       1 => attempt,
                       _ => attempt + 1,
                   };
                   let at = hour(i + 1);
                   let now = at + half;
                   if what == 0 {
                       if attempt < 3 {
                           attempt += 1;
                           files[0].1 = turnover_text(attempt);
                           facts.changed.insert("turnover.yaml".into(), by("rita@x", at));
                           asked_at.insert(attempt, now);
                       }
                   } else {
                       let task = ["a", "b"][usize::from(task)];
                       let outcome = if ok { "succeeded" } else { "failed" };
                       let path = format!("r{i}.yaml");
                       files.push((path.clone(), format!("---\napiVersion: railyard/v1\nkind: TaskReport\nmetadata: {{name: r{i}}}\nspec: {{subject: Turnover/to1, task: {task}, attempt: {for_attempt}, outcome: {outcome}, by: dan}}\n")));
                       facts.added.insert(path.clone(), by("dan@x", at));
                       facts.changed.insert(path, by("dan@x", at));
                       reported.push((task, for_attempt, ok, at));
                   }
                   let borrowed: Vec<(&str, String)> = files.iter().map(|(p, t)| (p.as_str(), t.clone())).collect();
                   let plans = run_files(&borrowed, &previous, &facts, now);
                   let t = object(&plans, Kind::Turnover, "to1");
                   if t.transitions.iter().any(|x| x.to == "deployed") {
                       for task in ["a", "b"] {
                           let honest = reported.iter().any(|&(id, j, ok, c)| {
                               id == task && ok && c <= now && if j == attempt {
                                   asked_at.get(&j).is_none_or(|a| c > *a)
                               } else {
                                   j < attempt && asked_at.get(&(j + 1)).is_none_or(|a| c <= *a)
                               }
                           });
                           prop_assert!(honest, "`{task}` done in attempt {attempt} without a report of it: {reported:?}, asked {asked_at:?}");
                       }
                   }
                   previous = statuses(&plans);
                   let again = run_files(&borrowed, &previous, &facts, now);
                   let t2 = object(&again, Kind::Turnover, "to1");
                   prop_assert!(t2.transitions.is_empty(), "moved again: {:?}", t2.transitions);
                   prop_assert_eq!(&t2.status, &t.status);
               }
           }
       }
}

#[test]
fn a_train_moves_in_the_same_run_when_its_releases_complete_after_it() {
    // Trains are stepped before their releases: t1 reaches construction and waits there for
    // a1, which then enters development (its train is in construction) and completes. The
    // train read a1's phase, which changed after: it is stepped again and moves on.
    let release = "---\napiVersion: railyard/v1\nkind: ApplicationRelease\nmetadata: {name: a1}\nspec: {train: t1, application: a1, version: '1.0', workItems: [{id: w1, type: defect, title: Fix, done: true}]}\n";
    let plans = run(&format!(
        "{TRAIN}{}{}{release}",
        approval("a1", "ReleaseTrain/t1", "train", "approve", "rita"),
        approval("a2", "ReleaseTrain/t1", "development", "approve", "marco"),
    ));
    assert_eq!(
        path(object(&plans, Kind::ApplicationRelease, "a1")),
        ["planning", "development", "complete"]
    );
    assert_eq!(
        path(object(&plans, Kind::ReleaseTrain, "t1")),
        ["scoping", "construction", "verification"]
    );
}
