//! An object's plan once the reconcile has settled: what holds and what blocks each way out
//! of its phase, its tasks and the manual ones newly waiting, its conditions and a missed
//! deadline. It reads the settled repository and nothing else.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use serde_json::Value;

use super::guards::{self, Ctx, Verdict};
use super::repository::{Repository, field_values};
use super::spec_fields::effective;
use super::step::{approvers, ask_later, ctx, recipients};
use super::{Ask, Notification, ObjectPlan, State, WayOut};
use crate::manifest::{Moment, Phase, TasksGuard, WorkflowKind};
use crate::status::{Condition, NextStep, ObjectStatus, StatusMap};
use crate::tasks::{TaskState, TasksView};

/// The object's final status: what blocks each way out, conditions, deadlines, tasks.
/// Returns the plan and the object's timer (see [`super::repository::Timer`]).
pub(super) fn finish(
    repository: &Repository<'_>,
    mut state: State<'_>,
    previous: &StatusMap,
    ways_out: super::WaysOut<'_>,
) -> (ObjectPlan, Option<jiff::Timestamp>) {
    let object_kind = state.subject.object_kind();
    let before = previous
        .get(&(object_kind, state.subject.name.to_string()))
        .map(Arc::as_ref);
    let values = effective(&state.subject, &state.status);
    let phase = state.flow.phase(&state.status.phase).cloned();
    let mut verdicts = Verdicts::default();
    let mut asks = Vec::new();
    let mut tasks = None;
    if let Some(phase) = &phase {
        let context = ctx(repository, &state, &values, phase);
        let keep = ways_out.kept(object_kind, state.subject.name);
        verdicts = judge(&context, &state, phase, keep);
        asks = asked_now(repository, &values, phase, &verdicts);
        tasks = tasks_of(&context, &state, phase);
        let retried = context.retried.cloned();
        if state.subject.kind == WorkflowKind::Turnover {
            state.status.retried = retried;
        }
        ask_later(
            repository,
            &mut state.notifications,
            &mut state.status.asked,
            phase,
            &values,
            &verdicts.asks,
        );
    }
    if let Some((view, owners, ids)) = &tasks {
        waiting(
            &mut state.status,
            &mut state.notifications,
            before,
            view,
            owners,
        );
        // Runs of tasks a turnover no longer has are dropped.
        if let Some(ids) = ids {
            state.status.runs.retain(|task, _| ids.contains(task));
        }
    } else {
        state.status.waiting = Vec::new();
    }
    let conditions = conditions(
        repository,
        Parts {
            status: &state.status,
            notifications: &mut state.notifications,
            timer: &state.timer,
        },
        before,
        phase.as_ref(),
        &values,
        &verdicts,
    );
    state.status.next = verdicts.next;
    state.status.conditions =
        crate::status::settle_conditions(before, conditions, false, repository.now());
    let timer = state.timer.get();
    // Lists pushed to while stepping keep room for more (a first push makes room for four),
    // and a plan is held to the end of the run: the room is given back.
    state.status.history.shrink_to_fit();
    state.status.next.shrink_to_fit();
    state.transitions.shrink_to_fit();
    state.notifications.shrink_to_fit();
    verdicts.ways_out.shrink_to_fit();
    asks.shrink_to_fit();
    let plan = ObjectPlan {
        ways_out: verdicts.ways_out,
        asks,
        kind: object_kind,
        name: state.subject.name.to_string(),
        path: state.subject.document.path.clone(),
        status: state.status,
        transitions: state.transitions,
        notifications: state.notifications,
        tasks: tasks.map(|(view, _, _)| view),
        invalid: false,
    };
    (plan, timer)
}

/// Every way out of the phase verdicts: what holds, what is missing, the rejections met and
/// the approval each way waits for.
#[derive(Default)]
struct Verdicts {
    ways_out: Vec<WayOut>,
    /// The ways_out that are blocked, with what blocks them (not the escapes).
    next: Vec<NextStep>,
    rejections: Vec<String>,
    asks: Vec<Option<usize>>,
    /// The approvals of an emergency `override` a way out waits for.
    overrides: Vec<crate::manifest::ApprovalGuard>,
    /// Exit criteria waiting for an approval, with the team that gives it.
    criteria_asked: Vec<(String, String)>,
}

/// Each way out of `phase` judged: what it waits for (the next steps, the approvals to ask),
/// and with `keep` the ways out themselves, with what holds and what does not.
fn judge(context: &Ctx<'_, '_>, state: &State<'_>, phase: &Phase, keep: bool) -> Verdicts {
    let mut verdicts = Verdicts::default();
    for transition in &phase.transitions {
        let Verdict {
            missing,
            rejections,
            held,
            asks,
            overrides,
            criteria_asked,
        } = guards::evaluate(context, &transition.when);
        verdicts.asks.push(asks);
        verdicts.overrides.extend(overrides);
        for asked in criteria_asked {
            if !verdicts.criteria_asked.contains(&asked) {
                verdicts.criteria_asked.push(asked);
            }
        }
        verdicts.rejections.extend(rejections);
        if keep {
            verdicts.ways_out.push(WayOut {
                to: transition.to.clone(),
                held,
                missing: missing.clone(),
            });
        }
        // Ways out that are a person's choice (abandon, return) or a failure (a task
        // failed) are not "blocked": listing what they lack would only be noise.
        let escape = state
            .flow
            .phase(&transition.to)
            .is_some_and(|p| p.withdrawn)
            || transition.when.tasks == Some(TasksGuard::Failed);
        if !missing.is_empty() && !escape {
            verdicts.next.push(NextStep {
                phase: transition.to.clone(),
                blocked_by: missing,
            });
        }
    }
    verdicts
}

/// The approvals the ways out wait for now, with who may give them: each exit criterion
/// that waits for one, then the next approval of each way's guard (`asks`: its place in the
/// guard's list), then the next of an emergency `override`.
fn asked_now(
    repository: &Repository<'_>,
    values: &Value,
    phase: &Phase,
    verdicts: &Verdicts,
) -> Vec<Ask> {
    let mut out: Vec<Ask> = verdicts
        .criteria_asked
        .iter()
        .map(|(id, team)| Ask {
            gate: id.clone(),
            criterion: true,
            approvers: vec![team.clone()],
        })
        .collect();
    let guards = phase
        .transitions
        .iter()
        .zip(&verdicts.asks)
        .filter_map(|(transition, ask)| ask.and_then(|i| transition.when.approvals.get(i)))
        .chain(&verdicts.overrides);
    for guard in guards {
        if out
            .iter()
            .any(|a| !a.criterion && a.gate == guard.gate.as_str())
        {
            continue;
        }
        out.push(Ask {
            gate: guard.gate.to_string(),
            criterion: false,
            approvers: approvers(repository, values, guard),
        });
    }
    out
}

/// The tasks the plan shows (a turnover's, or the task plan of a Release's phase), with the
/// owners of its tasks by id and, for a turnover, every task id it has.
type Shown = (
    TasksView,
    BTreeMap<String, String>,
    Option<BTreeSet<String>>,
);

fn tasks_of(context: &Ctx<'_, '_>, state: &State<'_>, phase: &Phase) -> Option<Shown> {
    let shows_tasks = match state.subject.kind {
        WorkflowKind::Turnover => true,
        WorkflowKind::Release => phase.task_plan.is_some(),
        _ => false,
    };
    let board = context.board().filter(|_| shows_tasks)?;
    let ids = (state.subject.kind == WorkflowKind::Turnover)
        .then(|| board.tasks.iter().map(|t| t.id.to_string()).collect());
    let owners = board
        .tasks
        .iter()
        .filter_map(|t| Some((t.id.to_string(), t.owner.as_ref()?.to_string())))
        .collect();
    let active = phase
        .transitions
        .iter()
        .any(|t| t.when.tasks == Some(TasksGuard::Succeeded));
    let view = TasksView::of(board, context.attempt, context.plan, active);
    Some((view, owners, ids))
}

/// `task-waiting`: a manual task that newly waits for its owner, while the tasks run.
fn waiting(
    status: &mut ObjectStatus,
    notifications: &mut Vec<Notification>,
    before: Option<&ObjectStatus>,
    view: &TasksView,
    owners: &BTreeMap<String, String>,
) {
    let waiting: Vec<(&str, &String)> = if view.active {
        view.tasks()
            .filter(|&(_, state)| state == TaskState::Waiting)
            .filter_map(|(id, _)| Some((id.as_str(), owners.get(id.as_str())?)))
            .collect()
    } else {
        Vec::new()
    };
    for &(task, owner) in &waiting {
        if !before.is_some_and(|b| b.waiting.iter().any(|w| w == task)) {
            notifications.push(Notification {
                to: owner.as_str().into(),
                event: "task-waiting".into(),
                phase: status.phase.as_str().into(),
                task: Some(task.into()),
                gate: None,
            });
        }
    }
    status.waiting = waiting
        .into_iter()
        .map(|(task, _)| task.to_string())
        .collect();
}

/// What [`conditions`] reads of the object's state, and where it adds a notification.
struct Parts<'s> {
    status: &'s ObjectStatus,
    notifications: &'s mut Vec<Notification>,
    timer: &'s super::repository::Timer,
}

/// The conditions that hold now (`Ready`, `Blocked`, `Returned`, `Overdue`), and the
/// `deadline-missed` notification of a phase newly overdue.
fn conditions(
    repository: &Repository<'_>,
    state: Parts<'_>,
    before: Option<&ObjectStatus>,
    phase: Option<&Phase>,
    values: &Value,
    verdicts: &Verdicts,
) -> Vec<Condition> {
    let mut conditions = Vec::new();
    let mut condition = |kind: &str, reason: &str, message: String| {
        conditions.push(Condition {
            kind: kind.into(),
            status: "True".into(),
            reason: reason.into(),
            message,
            since: None,
        });
    };
    let terminal = phase.is_some_and(|p| p.terminal);
    if terminal {
        condition(
            "Ready",
            "Done",
            format!("in terminal phase `{}`", state.status.phase),
        );
    } else if let Some(first) = verdicts.next.first() {
        let reason = first.blocked_by.first().cloned().unwrap_or_default();
        condition(
            "Blocked",
            "GuardsNotMet",
            format!("to `{}`: {reason}", first.phase),
        );
    }
    if !verdicts.rejections.is_empty() {
        condition("Returned", "Rejected", verdicts.rejections.join("; "));
    }
    let due = phase
        .and_then(|p| p.due.as_deref())
        .filter(|_| !terminal)
        .and_then(|field| {
            field_values(values, field)
                .first()
                .and_then(|v| v.as_str())
                .and_then(|s| s.parse::<Moment>().ok())
        });
    if let Some(due) = due
        && repository.passed(due.end(), state.timer)
    {
        condition(
            "Overdue",
            "DeadlineMissed",
            format!("phase `{}` was due {due}", state.status.phase),
        );
        let newly = before.is_none_or(|b| b.phase != state.status.phase || !b.holds("Overdue"));
        if newly {
            let notify = phase
                .and_then(|p| p.on_enter.as_ref())
                .map(|o| o.notify.clone())
                .unwrap_or_default();
            for recipient in recipients(repository, values, &notify) {
                state.notifications.push(Notification {
                    to: recipient.into(),
                    event: "deadline-missed".into(),
                    phase: state.status.phase.as_str().into(),
                    task: None,
                    gate: None,
                });
            }
        }
    }
    conditions
}
