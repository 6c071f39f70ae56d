//! Moving one object: the first transition whose guards all hold, taken (its `set`s, the
//! phase's `onEnter`), again until none holds; re-evaluation when a field an earlier
//! transition required empties; and who is notified of what.

use std::collections::BTreeSet;

use compact_str::CompactString;
use serde_json::Value;

use super::guards::{self, Ctx};
use super::repository::{Repository, field_values, is_empty};
use super::spec_fields::effective;
use super::{Notification, State, TransitionTaken};
use crate::manifest::{Phase, WorkflowKind};
use crate::status::{FieldDigests, HistoryEntry, digest_json};

/// Re-evaluation (seed 004): when a field that an earlier transition required has changed
/// or emptied, the object returns to the phase that required it. The history only grows:
/// the return is a new entry, and the entries it goes back past stay, their `fields` emptied
/// (what they required no longer holds the object). They keep their times, so an approval
/// given before the object left a phase stays stale on the next visit (see [`ctx`]). Values
/// the undone transitions recorded (`completionCode: abandoned`) go with them.
pub(super) fn reevaluate(state: &mut State<'_>, now: jiff::Timestamp) {
    let values = effective(&state.subject, &state.status);
    let changed = state
        .status
        .history
        .iter()
        .enumerate()
        .find_map(|(i, entry)| {
            entry.fields.iter().find_map(|(field, digest)| {
                let current = field_values(&values, field)
                    .into_iter()
                    .cloned()
                    .collect::<Vec<_>>();
                (digest_json(&Value::Array(current)) != *digest).then(|| (i, field.clone()))
            })
        });
    if let Some((index, field)) = changed {
        let back_to = state.status.history[index].from.clone();
        let from = CompactString::from(std::mem::replace(
            &mut state.status.phase,
            back_to.to_string(),
        ));
        let reason = format!("`{field}` changed since the transition that required it");
        let set_by = |entries: &[HistoryEntry]| -> BTreeSet<String> {
            entries
                .iter()
                .filter_map(|h| {
                    state
                        .flow
                        .phase(&h.from)?
                        .transitions
                        .iter()
                        .find(|t| t.to == h.to)
                })
                .flat_map(|t| t.set.keys().cloned())
                .collect()
        };
        let kept = set_by(&state.status.history[..index]);
        for field in set_by(&state.status.history[index..]) {
            if !kept.contains(&field) {
                state.status.recorded.remove(&field);
            }
        }
        for undone in &mut state.status.history[index..] {
            undone.fields.clear();
        }
        state.status.asked.clear();
        state.status.history.push(HistoryEntry {
            from: from.clone(),
            to: back_to.clone(),
            at: now,
            reason: reason.clone(),
            fields: FieldDigests::default(),
        });
        state.status.since = Some(now);
        state.transitions.push(TransitionTaken {
            from,
            to: back_to,
            reason,
        });
    }
}

pub(super) fn ctx<'s, 'a>(
    repository: &'s Repository<'a>,
    state: &'s State<'a>,
    values: &'s Value,
    phase: &'s Phase,
) -> Ctx<'s, 'a> {
    let plan = phase.task_plan.as_deref();
    let attempt = match state.subject.kind {
        WorkflowKind::Turnover => field_values(values, "retry.attempt")
            .first()
            .and_then(|v| v.as_u64())
            .map_or(1, |a| a as u32),
        _ => plan
            .and_then(|p| state.status.attempts.get(p))
            .copied()
            .unwrap_or(1),
    };
    // A turnover's retry is recorded when railyard first sees it; a task plan started again
    // began when the object entered the phase.
    let retried = state
        .retried
        .get_or_init(|| {
            repository.succeeded_before(
                &state.subject,
                attempt,
                state.status.retried.as_ref(),
                state.known,
            )
        })
        .as_ref();
    let begun = match retried {
        Some(r) => r.since,
        None if state.subject.kind == WorkflowKind::Release && attempt > 1 => state.status.since,
        None => None,
    };
    Ctx {
        repository,
        subject: &state.subject,
        values,
        phase: &phase.name,
        // "Only for the current phase": approvals given before the object last left this
        // phase belong to an earlier visit (a returned train, a re-evaluated release). On a
        // first visit every approval counts, however early it was committed: the answer does
        // not depend on when railyard happened to run.
        since: state
            .status
            .history
            .iter()
            .filter(|h| h.from == phase.name)
            .map(|h| h.at)
            .max(),
        plan,
        attempt,
        retried,
        begun,
        board: std::cell::OnceCell::new(),
        timer: &state.timer,
    }
}

/// What [`step`] did to an object.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Stepped {
    /// No transition held.
    Stayed,
    /// It moved, and no transition out of the phase it reached holds.
    Moved,
    /// It moved as many times as its workflow has phases and was stopped there (a
    /// workflow that cycles): a transition may still hold.
    Cut,
}

/// Takes transitions until none holds.
pub(super) fn step(repository: &Repository<'_>, state: &mut State<'_>) -> Stepped {
    let mut moved = false;
    for _ in 0..=state.flow.phases.len() {
        let Some(phase) = state.flow.phase(&state.status.phase) else {
            return if moved {
                Stepped::Moved
            } else {
                Stepped::Stayed
            };
        };
        let values = effective(&state.subject, &state.status);
        let Some((transition, verdict)) = first_open(repository, state, &values, phase) else {
            return if moved {
                Stepped::Moved
            } else {
                Stepped::Stayed
            };
        };
        let fields: FieldDigests = transition
            .when
            .fields
            .iter()
            .map(|f| {
                (
                    f.clone(),
                    digest_json(&Value::Array(
                        field_values(&values, f).into_iter().cloned().collect(),
                    )),
                )
            })
            .collect();
        let reason = if verdict.held.is_empty() {
            "no conditions".to_string()
        } else {
            verdict.held.join("; ")
        };
        let from = CompactString::from(state.status.phase.as_str());
        let to = CompactString::from(transition.to.as_str());
        state.status.history.push(HistoryEntry {
            from: from.clone(),
            to: to.clone(),
            at: repository.now(),
            reason: reason.clone(),
            fields,
        });
        state.transitions.push(TransitionTaken { from, to, reason });
        for (field, value) in &transition.set {
            state.status.recorded.insert(field.clone(), value.clone());
        }
        state.status.phase = transition.to.clone();
        state.status.since = Some(repository.now());
        state.status.asked.clear();
        if let Some(next) = state.flow.phase(&transition.to) {
            enter(repository, state, next);
        }
        moved = true;
    }
    Stepped::Cut
}

/// The first transition out of `phase` whose guards hold, with their verdict.
pub(super) fn first_open<'f>(
    repository: &Repository<'_>,
    state: &State<'_>,
    values: &Value,
    phase: &'f Phase,
) -> Option<(&'f crate::manifest::Transition, guards::Verdict)> {
    let context = ctx(repository, state, values, phase);
    phase.transitions.iter().find_map(|t| {
        let verdict = guards::evaluate(&context, &t.when);
        verdict.holds().then_some((t, verdict))
    })
}

/// Whether [`step`] would move the object (it changes nothing).
pub(super) fn can_move(repository: &Repository<'_>, state: &State<'_>) -> bool {
    state.flow.phase(&state.status.phase).is_some_and(|phase| {
        let values = effective(&state.subject, &state.status);
        first_open(repository, state, &values, phase).is_some()
    })
}

/// Entering a phase: defaults, conditional defaults, a task-plan reset, notifications.
pub(super) fn enter(repository: &Repository<'_>, state: &mut State<'_>, phase: &Phase) {
    approvals_needed(repository, state, phase);
    let Some(on_enter) = &phase.on_enter else {
        reset_tasks(repository, state, phase);
        return;
    };
    for (field, value) in &on_enter.set {
        if let Some(value) = resolve_value(repository, state, value) {
            state.status.defaults.insert(field.clone(), value);
        }
    }
    for conditional in &on_enter.set_if {
        let values = effective(&state.subject, &state.status);
        let verdict = guards::evaluate(&ctx(repository, state, &values, phase), &conditional.when);
        if verdict.holds() {
            for (field, value) in &conditional.set {
                if let Some(value) = resolve_value(repository, state, value) {
                    state.status.defaults.insert(field.clone(), value);
                }
            }
        }
    }
    reset_tasks(repository, state, phase);
    let values = effective(&state.subject, &state.status);
    let event = on_enter.event.as_deref().unwrap_or("phase-entered");
    for recipient in recipients(repository, &values, &on_enter.notify) {
        state.notifications.push(Notification {
            to: recipient.into(),
            event: event.into(),
            phase: phase.name.as_str().into(),
            task: None,
            gate: None,
        });
    }
}

/// `approval-needed`: on entering a phase, the team of the first approval each way out asks
/// for (approvals are asked in order), and the people its `or` fields name, hear that it is
/// wanted. The later ones are asked when the one before them is given (see [`ask_later`]).
pub(super) fn approvals_needed(repository: &Repository<'_>, state: &mut State<'_>, phase: &Phase) {
    let values = effective(&state.subject, &state.status);
    let mut asked = Vec::new();
    for transition in &phase.transitions {
        let Some(first) = transition.when.approvals.first() else {
            continue;
        };
        for to in approvers(repository, &values, first) {
            let notification = Notification {
                to: to.into(),
                event: "approval-needed".into(),
                phase: phase.name.as_str().into(),
                task: None,
                gate: Some(first.gate.as_str().into()),
            };
            if !state.notifications.contains(&notification) && !asked.contains(&notification) {
                asked.push(notification);
            }
        }
    }
    drop(values);
    state.notifications.extend(asked);
}

/// Who may give an approval: the team of its role, then the people its `or` fields name.
pub(super) fn approvers(
    repository: &Repository<'_>,
    values: &Value,
    approval: &crate::manifest::ApprovalGuard,
) -> Vec<String> {
    let mut out = vec![
        repository
            .catalog
            .settings
            .team_for_role(&approval.role)
            .to_string(),
    ];
    for (_, who) in guards::named_approvers(values, &approval.or) {
        if !out.contains(&who) {
            out.push(who);
        }
    }
    out
}

/// `approval-needed` for an approval that became the one a way out waits for because the
/// one before it in the guard was given (`executive` once `qa` is): once per phase visit,
/// remembered in `status.asked`.
pub(super) fn ask_later(
    repository: &Repository<'_>,
    notifications: &mut Vec<Notification>,
    asked: &mut Vec<String>,
    phase: &Phase,
    values: &Value,
    asks: &[Option<usize>],
) {
    for (transition, index) in phase.transitions.iter().zip(asks) {
        let Some(approval) = index
            .filter(|&i| i > 0)
            .and_then(|i| transition.when.approvals.get(i))
        else {
            continue;
        };
        let gate = approval.gate.to_string();
        if asked.contains(&gate) {
            continue;
        }
        for to in approvers(repository, values, approval) {
            notifications.push(Notification {
                to: to.into(),
                event: "approval-needed".into(),
                phase: phase.name.as_str().into(),
                task: None,
                gate: Some(gate.as_str().into()),
            });
        }
        asked.push(gate);
    }
}

/// `@author`: the member who committed the record, when git knows.
pub(super) fn resolve_value(
    repository: &Repository<'_>,
    state: &State<'_>,
    value: &Value,
) -> Option<Value> {
    match value.as_str() {
        Some("@author") => repository
            .facts
            .added
            .get(&state.subject.document.path)
            .and_then(|c| repository.catalog.member_by_email(&c.author_email))
            .map(|m| Value::String(m.to_string())),
        _ => Some(value.clone()),
    }
}

/// Entering a phase with a task plan starts a new attempt of the plan when the phase resets
/// failed plans and its tasks failed (seed 004's approve-deployment), and on every visit
/// after the first: the reports of an earlier visit are for work done before the object went
/// back (a re-evaluation) and do not count again.
pub(super) fn reset_tasks(repository: &Repository<'_>, state: &mut State<'_>, phase: &Phase) {
    let Some(plan) = phase.task_plan.as_deref() else {
        return;
    };
    let attempt = state.status.attempts.get(plan).copied().unwrap_or(1);
    let revisit = state.status.history.iter().any(|h| h.from == phase.name);
    let failed = phase.reset_failed_tasks
        && repository
            .task_board(
                &state.subject,
                Some(plan),
                crate::tasks::Attempt::first(attempt),
            )
            .is_some_and(|b| b.states.contains(&crate::tasks::TaskState::Failed));
    if revisit || failed {
        state.status.attempts.insert(plan.to_string(), attempt + 1);
    }
}

/// Who a `notify` list names: spec fields holding a member or team, or `role:<role>`.
pub(super) fn recipients(
    repository: &Repository<'_>,
    values: &Value,
    notify: &[String],
) -> Vec<String> {
    let mut out = Vec::new();
    for entry in notify {
        let found: Vec<String> = match entry.strip_prefix("role:") {
            Some(role) => vec![repository.catalog.settings.team_for_role(role).to_string()],
            None => field_values(values, entry)
                .into_iter()
                .filter(|v| !is_empty(v))
                .map(super::repository::as_text)
                .collect(),
        };
        for recipient in found {
            if !out.contains(&recipient) {
                out.push(recipient);
            }
        }
    }
    out
}
