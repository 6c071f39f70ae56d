//! Approvals and task reports name a subject, and a gate, criterion or task it has, as well
//! as the member who gives them.

use std::collections::BTreeSet;

use super::{member, require, unresolved};
use crate::catalog::{Catalog, Item};
use crate::diagnostics::{Code, Diagnostic};
use crate::manifest::{
    ApprovalSpec, EnvironmentSpec, HaltSpec, Kind, ReleaseModelSpec, ReleaseSpec, ReleaseTrainSpec,
    TaskReportSpec, TurnoverSpec, WorkflowKind,
};
use crate::workflow;

pub(super) fn check(c: &Catalog<'_>, out: &mut Vec<Diagnostic>) {
    let mut decidable = Decidable::default();
    for approval in c.all::<ApprovalSpec>() {
        approval_references(c, approval, &mut decidable, out);
    }
    for report in c.all::<TaskReportSpec>() {
        report_references(c, report, out);
    }
    for halt in c.all::<HaltSpec>() {
        halt_references(c, halt, out);
    }
}

/// A halt names a member and environments that exist; a lift names a halt (not a lift, not
/// itself) and nothing else to stop.
fn halt_references(c: &Catalog<'_>, halt: Item<'_, HaltSpec>, out: &mut Vec<Diagnostic>) {
    let spec = &halt.manifest.spec;
    member(c, &halt, "/spec/by", spec.by.as_str(), out);
    for (i, environment) in spec.environments.iter().enumerate() {
        require(
            c,
            &halt,
            &format!("/spec/environments/{i}"),
            Kind::Environment,
            environment.as_str(),
            out,
        );
    }
    let Some(lifts) = &spec.lifts else {
        return;
    };
    if !spec.environments.is_empty() || spec.until.is_some() {
        let field = if spec.until.is_some() {
            "until"
        } else {
            "environments"
        };
        out.push(
            halt.error(
                Code::InvalidValue,
                &format!("/spec/{field}"),
                "a Halt that lifts another stops nothing: it has no `environments` and no `until`",
            )
            .with_label("remove this, or the `lifts`")
            .with_hint("to stop the line again, write a new Halt"),
        );
    }
    let lifted = c.get::<HaltSpec>(lifts.as_str());
    let problem = if lifts.as_str() == halt.name() {
        Some("a Halt cannot lift itself".to_string())
    } else if lifted.is_some_and(|l| l.manifest.spec.lifts.is_some()) {
        Some(format!("`lifts` names `{lifts}`, which is itself a lift"))
    } else {
        None
    };
    if let Some(problem) = problem {
        out.push(
            halt.error(Code::InvalidValue, "/spec/lifts", problem)
                .with_label("not a halt in force")
                .with_hint("a lift names the Halt it ends"),
        );
        return;
    }
    require(c, &halt, "/spec/lifts", Kind::Halt, lifts.as_str(), out);
}

/// The approval gates an object of `kind` has: those its workflow asks for, plus a train's
/// own gate approvals.
/// What an approval may decide, worked out once per subject rather than once per approval
/// (thousands of approvals name a few hundred trains): by workflow kind and, for a train,
/// its name.
#[derive(Default)]
struct Decidable<'c> {
    subjects: foldhash::HashMap<(WorkflowKind, &'c str), Decisions>,
}

/// A subject's gates (every gate its workflow asks approvals for, and a train's own), and,
/// for a train, its exit criteria (`None` for other kinds: they have none).
pub(crate) struct Decisions {
    pub(crate) gates: Vec<String>,
    pub(crate) criteria: Option<Vec<String>>,
}

/// What an approval of `kind/name` may decide (`railyard approve` checks it before writing).
pub(crate) fn decisions(c: &Catalog<'_>, kind: WorkflowKind, name: &str) -> Decisions {
    let train = (kind == WorkflowKind::ReleaseTrain)
        .then(|| c.get::<ReleaseTrainSpec>(name))
        .flatten()
        .map(|t| c.train_spec(t.manifest));
    let criteria = train.as_ref().map(|t| {
        t.gates
            .as_ref()
            .map(|g| {
                g.iter()
                    .flat_map(|(_, gate)| gate.criteria.iter().map(|c| c.id.to_string()))
                    .collect()
            })
            .unwrap_or_default()
    });
    Decisions {
        gates: approval_gates(c, kind, train.as_ref()),
        criteria,
    }
}

impl<'c> Decidable<'c> {
    fn of(&mut self, c: &Catalog<'c>, kind: WorkflowKind, name: &'c str) -> &Decisions {
        let key = (
            kind,
            if kind == WorkflowKind::ReleaseTrain {
                name
            } else {
                ""
            },
        );
        self.subjects
            .entry(key)
            .or_insert_with(|| decisions(c, kind, name))
    }
}

fn approval_gates(
    c: &Catalog<'_>,
    kind: WorkflowKind,
    train: Option<&ReleaseTrainSpec>,
) -> Vec<String> {
    let mut gates: BTreeSet<String> = BTreeSet::new();
    if let Some(flow) = workflow::effective(c, kind) {
        for phase in &flow.spec.phases {
            for transition in &phase.transitions {
                gates.extend(transition.when.approvals.iter().map(|a| a.gate.to_string()));
            }
        }
    }
    if let Some(gates_spec) = train.and_then(|t| t.gates.as_ref()) {
        for (_, gate) in gates_spec.iter() {
            gates.extend(gate.approvals.iter().map(|a| a.gate.to_string()));
        }
    }
    // A turnover may also be approved past a freeze or halt by an environment's emergency
    // `override` (the engine counts only its own environment's).
    if kind == WorkflowKind::Turnover {
        for environment in c.all::<EnvironmentSpec>() {
            let passage = environment.manifest.spec.emergency_override.iter();
            gates.extend(
                passage
                    .flat_map(|o| &o.approvals)
                    .map(|a| a.gate.to_string()),
            );
        }
    }
    gates.into_iter().collect()
}

fn workflow_kind(kind: &str) -> Option<WorkflowKind> {
    kind.parse().ok()
}

fn approval_references<'c>(
    c: &Catalog<'c>,
    approval: Item<'c, ApprovalSpec>,
    decidable: &mut Decidable<'c>,
    out: &mut Vec<Diagnostic>,
) {
    let spec = &approval.manifest.spec;
    member(c, &approval, "/spec/by", spec.by.as_str(), out);
    gate_or_criterion(&approval, out);
    let Some(kind) = workflow_kind(&spec.subject.kind) else {
        let subject_kinds: Vec<&str> = WorkflowKind::ALL.iter().map(|k| k.as_str()).collect();
        out.push(unresolved(
            &approval,
            "/spec/subject",
            "kind of approval subject",
            &spec.subject.kind,
            &subject_kinds,
        ));
        return;
    };
    let Ok(object_kind) = kind.as_str().parse::<Kind>() else {
        return;
    };
    if !require(
        c,
        &approval,
        "/spec/subject",
        object_kind,
        &spec.subject.name,
        out,
    ) {
        return;
    }
    let decisions = decidable.of(c, kind, &spec.subject.name);
    decided(&approval, decisions, out);
}

/// An approval decides a gate or a criterion: one, not both.
fn gate_or_criterion(approval: &Item<'_, ApprovalSpec>, out: &mut Vec<Diagnostic>) {
    match (
        &approval.manifest.spec.gate,
        &approval.manifest.spec.criterion,
    ) {
        (Some(_), Some(_)) => out.push(
            approval
                .error(
                    Code::ApprovalTarget,
                    "/spec/criterion",
                    "an approval decides either a `gate` or a `criterion`, not both",
                )
                .with_label("remove this or `gate`"),
        ),
        (None, None) => out.push(
            approval
                .error(
                    Code::ApprovalTarget,
                    "/spec",
                    "an approval needs the `gate` or the `criterion` it decides",
                )
                .with_label("neither `gate` nor `criterion`"),
        ),
        _ => {}
    }
}

/// The gate or criterion an approval decides is one its subject has.
fn decided(approval: &Item<'_, ApprovalSpec>, subject: &Decisions, out: &mut Vec<Diagnostic>) {
    let spec = &approval.manifest.spec;
    if let Some(gate) = &spec.gate
        && !subject.gates.iter().any(|g| g == gate.as_str())
    {
        let candidates: Vec<&str> = subject.gates.iter().map(String::as_str).collect();
        out.push(
            unresolved(
                approval,
                "/spec/gate",
                &format!("approval gate of {}", spec.subject.kind),
                gate.as_str(),
                &candidates,
            )
            .with_hint_opt(Some(format!(
                "{} has the gates {}",
                spec.subject,
                candidates
                    .iter()
                    .map(|g| format!("`{g}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ))),
        );
    }
    if let Some(criterion) = &spec.criterion {
        match &subject.criteria {
            Some(criteria) if !criteria.iter().any(|c| c == criterion.as_str()) => {
                let candidates: Vec<&str> = criteria.iter().map(String::as_str).collect();
                out.push(unresolved(
                    approval,
                    "/spec/criterion",
                    &format!("exit criterion of {}", spec.subject),
                    criterion.as_str(),
                    &candidates,
                ));
            }
            Some(_) => {}
            None => out.push(
                approval
                    .error(
                        Code::UnresolvedReference,
                        "/spec/criterion",
                        format!(
                            "{} has no exit criteria: only release trains have stage gates",
                            spec.subject
                        ),
                    )
                    .with_label("no such criterion"),
            ),
        }
    }
}

fn report_references(c: &Catalog<'_>, report: Item<'_, TaskReportSpec>, out: &mut Vec<Diagnostic>) {
    let spec = &report.manifest.spec;
    member(c, &report, "/spec/by", spec.by.as_str(), out);
    let task_ids: Vec<String> = match spec.subject.kind.as_str() {
        "Turnover" => {
            if !require(
                c,
                &report,
                "/spec/subject",
                Kind::Turnover,
                &spec.subject.name,
                out,
            ) {
                return;
            }
            match c.get::<TurnoverSpec>(&spec.subject.name) {
                Some(turnover) => crate::tasks::turnover_tasks(c, turnover)
                    .iter()
                    .map(|t| t.task.id.to_string())
                    .collect(),
                None => return,
            }
        }
        "Release" => {
            if !require(
                c,
                &report,
                "/spec/subject",
                Kind::Release,
                &spec.subject.name,
                out,
            ) {
                return;
            }
            let model = c
                .get::<ReleaseSpec>(&spec.subject.name)
                .and_then(|r| r.manifest.spec.release_model.clone())
                .and_then(|m| c.get::<ReleaseModelSpec>(m.as_str()));
            match model {
                Some(model) => model
                    .manifest
                    .spec
                    .task_plans
                    .values()
                    .flatten()
                    .map(|t| t.id.to_string())
                    .collect(),
                None => return,
            }
        }
        other => {
            out.push(unresolved(
                &report,
                "/spec/subject",
                "kind of task report subject",
                other,
                &["Turnover", "Release"],
            ));
            return;
        }
    };
    if !task_ids.iter().any(|t| t == spec.task.as_str()) {
        let candidates: Vec<&str> = task_ids.iter().map(String::as_str).collect();
        out.push(unresolved(
            &report,
            "/spec/task",
            &format!("task of {}", spec.subject),
            spec.task.as_str(),
            &candidates,
        ));
    }
}
