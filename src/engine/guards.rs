//! The closed set of guards (SPEC §3). Each guard either holds, with a few words on why, or
//! does not, with a sentence per missing thing that names who can supply it.

use super::approving;
pub use super::approving::named_approvers;
use super::repository::{Repository, as_text, field_values, is_empty};
use super::verdict::instant_of;
pub use super::verdict::{Ctx, Verdict};
use crate::approvals::ApprovalOf;
use crate::manifest::{Check, Guards, TasksGuard, Tier, WorkflowKind};
use crate::tasks::TaskState;

/// Evaluates every guard of `when`.
pub fn evaluate(ctx: &Ctx<'_, '_>, when: &Guards) -> Verdict {
    let mut verdict = Verdict::default();
    fields(ctx, &when.fields, &mut verdict);
    values(ctx, when, &mut verdict);
    if let Some(field) = &when.time {
        time(ctx, field, &mut verdict);
    }
    if let Some(value) = &when.requested {
        let current = field_values(ctx.values, "request")
            .first()
            .map(|v| as_text(v))
            .unwrap_or_default();
        if current == *value {
            verdict.held.push(format!("`request: {value}`"));
        } else {
            verdict.missing.push(format!(
                "waiting for `request: {value}` in {}",
                ctx.subject.document.path
            ));
        }
    }
    if let Some(parent) = &when.parent {
        parent_guard(ctx, &parent.phase, &parent.tiers, &mut verdict);
    }
    if let Some(related) = &when.related {
        related_guard(
            ctx,
            related.kind,
            &related.phase,
            &related.tiers,
            &mut verdict,
        );
    }
    if when.not_frozen == Some(true) {
        super::starts::not_frozen(ctx, &mut verdict);
    }
    if let Some(gate) = &when.criteria {
        criteria(ctx, gate, &mut verdict);
    }
    if let Some(expected) = when.tasks {
        tasks(ctx, expected, &mut verdict);
    }
    approving::approvals(ctx, &when.approvals, &mut verdict);
    verdict
}

fn fields(ctx: &Ctx<'_, '_>, fields: &[String], verdict: &mut Verdict) {
    let mut set = Vec::new();
    for field in fields {
        let found = field_values(ctx.values, field);
        if found.is_empty() || found.iter().any(|v| is_empty(v)) {
            verdict.missing.push(format!(
                "`{field}` is not set: set `spec.{field}` in {}",
                ctx.subject.document.path
            ));
        } else {
            set.push(format!("`{field}`"));
        }
    }
    if !set.is_empty() {
        verdict.held.push(format!("{} set", set.join(", ")));
    }
}

fn values(ctx: &Ctx<'_, '_>, when: &Guards, verdict: &mut Verdict) {
    for (field, allowed) in &when.values {
        let found = field_values(ctx.values, field);
        // An absent field reads as `false`: `draft: ["false"]` holds when draft is not set.
        let texts: Vec<String> = if found.is_empty() {
            if field.contains('.') {
                Vec::new()
            } else {
                vec!["false".to_string()]
            }
        } else {
            found
                .iter()
                .map(|v| {
                    if v.is_null() {
                        "false".to_string()
                    } else {
                        as_text(v)
                    }
                })
                .collect()
        };
        let wrong: Vec<&String> = texts.iter().filter(|t| !allowed.contains(t)).collect();
        let choices = allowed
            .iter()
            .map(|a| format!("`{a}`"))
            .collect::<Vec<_>>()
            .join(" or ");
        if wrong.is_empty() {
            verdict.held.push(format!("`{field}` is {choices}"));
        } else if found.iter().all(|v| v.is_null()) && !allowed.iter().any(|a| a == "false") {
            verdict.missing.push(format!(
                "`{field}` is not set ({choices}): set `spec.{field}` in {}",
                ctx.subject.document.path
            ));
        } else if field.contains('.') {
            verdict.missing.push(format!(
                "{} of `{field}` not {choices} yet: update {}",
                wrong.len(),
                ctx.subject.document.path
            ));
        } else {
            verdict.missing.push(format!(
                "`{field}` is `{}`, not {choices}: update {}",
                wrong[0], ctx.subject.document.path
            ));
        }
    }
}

fn time(ctx: &Ctx<'_, '_>, field: &str, verdict: &mut Verdict) {
    match field_values(ctx.values, field)
        .first()
        .and_then(|v| instant_of(v))
    {
        Some(at) if ctx.repository.passed(at, ctx.timer) => {
            verdict.held.push(format!("`{field}` reached"))
        }
        Some(at) => verdict
            .missing
            .push(format!("`{field}` ({at}) is not reached yet")),
        None => verdict.missing.push(format!(
            "`{field}` is not set: set `spec.{field}` in {}",
            ctx.subject.document.path
        )),
    }
}

fn parent_guard(ctx: &Ctx<'_, '_>, phase: &str, tiers: &[Tier], verdict: &mut Verdict) {
    if !tiers.is_empty()
        && !ctx
            .repository
            .tier(ctx.subject)
            .is_some_and(|t| tiers.contains(&t))
    {
        return;
    }
    let Some(train) = ctx.repository.parent(ctx.subject) else {
        return;
    };
    match ctx.repository.phase_of(WorkflowKind::ReleaseTrain, &train) {
        Some(current)
            if ctx
                .repository
                .reached(WorkflowKind::ReleaseTrain, current, phase) =>
        {
            verdict
                .held
                .push(format!("train `{train}` is in `{current}`"));
        }
        Some(current) => verdict.missing.push(format!(
            "train `{train}` is in `{current}`, not yet in `{phase}`"
        )),
        None => verdict
            .missing
            .push(format!("train `{train}` is not valid; fix it first")),
    }
}

fn related_guard(
    ctx: &Ctx<'_, '_>,
    kind: WorkflowKind,
    phase: &str,
    tiers: &[Tier],
    verdict: &mut Verdict,
) {
    let repository = ctx.repository;
    let what = match kind {
        WorkflowKind::ApplicationRelease => "application release",
        WorkflowKind::Turnover => "turnover",
        WorkflowKind::ReleaseTrain => "release train",
        WorkflowKind::Release => "release",
    };
    let related: Vec<String> = repository
        .related(ctx.subject, kind)
        .into_iter()
        .filter(|name| {
            tiers.is_empty()
                || (kind == WorkflowKind::Turnover
                    && repository
                        .turnover_tier(name)
                        .is_some_and(|t| tiers.contains(&t)))
        })
        .filter(|name| !repository.withdrawn(kind, name))
        .collect();
    let on = if tiers.is_empty() {
        String::new()
    } else {
        format!(
            " on {}",
            tiers
                .iter()
                .map(|t| format!("{t:?}").to_lowercase())
                .collect::<Vec<_>>()
                .join(" or ")
        )
    };
    // A turnover that is not promoted has no source to wait for; every other relation needs
    // at least one related object (a train with no releases is not ready for verification).
    let optional = ctx.subject.kind == WorkflowKind::Turnover && kind == WorkflowKind::Turnover;
    if related.is_empty() && optional {
        return;
    }
    if related.is_empty() {
        verdict.missing.push(format!(
            "no {what}{on} belongs to {} yet",
            ctx.subject.reference()
        ));
        return;
    }
    let behind: Vec<String> = related
        .iter()
        .filter_map(|name| {
            let current = repository.phase_of(kind, name).unwrap_or("invalid");
            (!repository.reached(kind, current, phase))
                .then(|| format!("{what} `{name}` is in `{current}`, not yet `{phase}`"))
        })
        .collect();
    if behind.is_empty() {
        verdict
            .held
            .push(format!("every {what}{on} is `{phase}` or later"));
    } else {
        let shown = behind.len().min(5);
        verdict.missing.extend(behind.iter().take(shown).cloned());
        if behind.len() > shown {
            verdict.missing.push(format!(
                "and {} more {what}s not yet `{phase}`",
                behind.len() - shown
            ));
        }
    }
}

fn criteria(ctx: &Ctx<'_, '_>, gate_name: &str, verdict: &mut Verdict) {
    if ctx.subject.kind != WorkflowKind::ReleaseTrain {
        return;
    }
    let Some(train) = ctx.repository.train_spec(ctx.subject.name) else {
        return;
    };
    let Some(gate) = train.gates.as_ref().and_then(|g| {
        g.iter()
            .find(|(name, _)| *name == gate_name)
            .map(|(_, g)| g.clone())
    }) else {
        verdict
            .held
            .push(format!("gate `{gate_name}` has no exit criteria"));
        return;
    };
    let mut met = 0;
    for criterion in &gate.criteria {
        let Some(problem) = unmet(ctx, &train, criterion) else {
            met += 1;
            continue;
        };
        if criterion.check.is_none() {
            let role = criterion.role.as_deref().unwrap_or(CRITERION_ROLE);
            let team = ctx.repository.catalog.settings.team_for_role(role);
            verdict
                .criteria_asked
                .push((criterion.id.to_string(), team.to_string()));
        }
        verdict.missing.push(format!(
            "exit criterion `{}` ({}) of gate `{gate_name}`: {problem}",
            criterion.id, criterion.description
        ));
    }
    if met == gate.criteria.len() {
        verdict
            .held
            .push(format!("exit criteria of `{gate_name}` met"));
    }
}

/// The role that approves an exit criterion without a `check` when it names none.
const CRITERION_ROLE: &str = "release-managers";

/// What keeps an exit criterion from being met (SPEC §4): a `check` railyard evaluates, or
/// for one without, an approval of the criterion from the gate's role.
fn unmet(
    ctx: &Ctx<'_, '_>,
    train: &crate::manifest::ReleaseTrainSpec,
    criterion: &crate::manifest::Criterion,
) -> Option<String> {
    let repository = ctx.repository;
    let listed = |items: &[String]| {
        items
            .iter()
            .map(|i| format!("`{i}`"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    match &criterion.check {
        Some(Check::ReleasesIn(phase)) => {
            let behind: Vec<String> = repository
                .related(ctx.subject, WorkflowKind::ApplicationRelease)
                .into_iter()
                .filter(|r| !repository.withdrawn(WorkflowKind::ApplicationRelease, r))
                .filter(|r| !reached(repository, WorkflowKind::ApplicationRelease, r, phase))
                .collect();
            (!behind.is_empty()).then(|| format!("{} not yet `{phase}`", listed(&behind)))
        }
        Some(Check::TurnoversDeployed(environment)) => {
            let deployed = repository
                .related(ctx.subject, WorkflowKind::Turnover)
                .iter()
                .any(|t| {
                    repository
                        .catalog
                        .get::<crate::manifest::TurnoverSpec>(t)
                        .is_some_and(|x| x.manifest.spec.environment == *environment)
                        && reached(repository, WorkflowKind::Turnover, t, "deployed")
                });
            (!deployed).then(|| format!("no turnover of the train is deployed on `{environment}`"))
        }
        Some(Check::MilestonesReached(true)) => {
            let open: Vec<String> = train
                .milestones
                .iter()
                .flatten()
                .filter(|m| !m.reached)
                .map(|m| m.id.to_string())
                .collect();
            (!open.is_empty()).then(|| format!("milestones {} not reached", listed(&open)))
        }
        Some(Check::WorkItemsDone(true)) => {
            let open: Vec<String> = repository
                .related(ctx.subject, WorkflowKind::ApplicationRelease)
                .iter()
                .filter_map(|r| {
                    repository
                        .catalog
                        .get::<crate::manifest::ApplicationReleaseSpec>(r)
                })
                .flat_map(|r| {
                    r.manifest
                        .spec
                        .work_items
                        .iter()
                        .filter(|w| !w.done)
                        .map(|w| w.id.to_string())
                        .collect::<Vec<_>>()
                })
                .collect();
            (!open.is_empty()).then(|| format!("work items {} not done", listed(&open)))
        }
        Some(Check::MilestonesReached(false) | Check::WorkItemsDone(false)) => None,
        None => {
            let role = criterion.role.as_deref().unwrap_or(CRITERION_ROLE);
            let team = repository.catalog.settings.team_for_role(role);
            let tally = repository.tally(
                ctx.subject,
                ApprovalOf::Criterion(criterion.id.as_str()),
                team,
                &[],
                ctx.since,
            );
            match (&tally.rejected_by, tally.approvers.is_empty()) {
                (Some((by, _)), _) => Some(format!("rejected by `{by}`")),
                (None, true) => Some(format!("needs an approval from team `{team}`")),
                (None, false) => None,
            }
        }
    }
}

/// True when the object `name` of `kind` is in `phase` or past it.
fn reached(repository: &Repository<'_>, kind: WorkflowKind, name: &str, phase: &str) -> bool {
    repository.reached(kind, repository.phase_of(kind, name).unwrap_or(""), phase)
}

fn tasks(ctx: &Ctx<'_, '_>, expected: TasksGuard, verdict: &mut Verdict) {
    let Some(board) = ctx.board() else {
        if expected == TasksGuard::Succeeded {
            verdict.held.push("no tasks".into());
        } else {
            verdict.missing.push("no task has failed".into());
        }
        return;
    };
    match expected {
        TasksGuard::Succeeded => {
            let open: Vec<String> = board
                .order
                .iter()
                .filter(|&&i| !board.states[i].done())
                .map(|&i| {
                    let task = board.tasks[i];
                    let early = match (&board.refused[i], board.early[i]) {
                        (Some(why), _) => format!("; {why}"),
                        (None, true) => {
                            "; reported before it was ready, which does not count".into()
                        }
                        (None, false) => String::new(),
                    };
                    match (board.states[i], &task.owner) {
                        (TaskState::Waiting, Some(owner)) => {
                            format!("`{}` (waiting for `{owner}`{early})", task.id)
                        }
                        (state, _) => format!("`{}` ({}{early})", task.id, state.as_str()),
                    }
                })
                .collect();
            if open.is_empty() {
                verdict
                    .held
                    .push("every task succeeded or was skipped".into());
            } else {
                verdict
                    .missing
                    .push(format!("tasks not done: {}", open.join(", ")));
            }
        }
        TasksGuard::Retried => {
            let failed = board.states.contains(&TaskState::Failed);
            if ctx.attempt > 1 && !failed {
                verdict
                    .held
                    .push(format!("attempt {} asked for", ctx.attempt));
            } else {
                verdict.missing.push(format!(
                    "to retry, raise `retry.attempt` to {} in {} (`rerun: failed` skips the tasks that succeeded)",
                    ctx.attempt + 1,
                    ctx.subject.document.path
                ));
            }
        }
        TasksGuard::Failed => {
            let failed: Vec<String> = board
                .order
                .iter()
                .filter(|&&i| board.states[i] == TaskState::Failed)
                .map(|&i| format!("`{}`", board.tasks[i].id))
                .collect();
            let running: Vec<String> = board
                .order
                .iter()
                .filter(|&&i| board.states[i] == TaskState::Running)
                .map(|&i| format!("`{}`", board.tasks[i].id))
                .collect();
            if failed.is_empty() {
                verdict.missing.push("no task has failed".into());
            } else if !running.is_empty() {
                // Tasks already running finish before the turnover counts as failed.
                verdict.missing.push(format!(
                    "task {} failed; waiting for {} to finish",
                    failed.join(", "),
                    running.join(", ")
                ));
            } else {
                verdict
                    .held
                    .push(format!("task {} failed", failed.join(", ")));
            }
        }
    }
}
