//! Workflow definitions: phases that exist, are reachable and have a way out; guards and
//! actions that name real fields of the kind; one workflow per kind.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use super::escape;
use crate::catalog::Catalog;
use crate::diagnostics::{Code, Diagnostic};
use crate::load::Document;
use crate::manifest::{Kind, Phase, Transition, WorkflowKind, WorkflowSpec};
use crate::schema;
use crate::suggest;
use crate::workflow;

pub(super) fn check(c: &Catalog<'_>, out: &mut Vec<Diagnostic>) {
    let mut by_kind: BTreeMap<WorkflowKind, &Document> = BTreeMap::new();
    for flow in c.all::<WorkflowSpec>() {
        let kind = flow.manifest.spec.applies_to;
        if let Some(first) = by_kind.get(&kind) {
            out.push(
                flow.error(
                    Code::WorkflowDuplicate,
                    "/spec/appliesTo",
                    format!("a second workflow for {}", kind.as_str()),
                )
                .with_label("this one is ignored")
                .with_related(
                    &first.path,
                    first.root().locate("/spec/appliesTo").node.span,
                    "the workflow in force",
                )
                .with_hint("keep one Workflow per kind"),
            );
            continue;
        }
        by_kind.insert(kind, flow.document);
        let other_phases = |kind: WorkflowKind| -> Vec<String> {
            workflow::effective(c, kind)
                .map(|w| w.spec.phases.iter().map(|p| p.name.clone()).collect())
                .unwrap_or_default()
        };
        check_workflow(&flow.manifest.spec, flow.document, &other_phases, out);
    }
}

/// Checks one workflow; `phases_of` gives the phase names of another kind's workflow (for
/// `related` and `parent` guards).
pub fn check_workflow(
    spec: &WorkflowSpec,
    document: &Document,
    phases_of: &dyn Fn(WorkflowKind) -> Vec<String>,
    out: &mut Vec<Diagnostic>,
) {
    let kind: Kind = spec.applies_to.as_str().parse().unwrap_or(Kind::Release);
    let check = Check {
        spec,
        document,
        path: document.path.as_str(),
        names: spec.phases.iter().map(|p| p.name.as_str()).collect(),
        fields: schema::spec_fields(kind),
    };
    check.duplicate_phases(out);
    if !check.names.contains(&spec.initial.as_str()) {
        out.push(check.unknown_phase("/spec/initial", &spec.initial, &check.names, ""));
    }
    let mut edges: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (i, phase) in spec.phases.iter().enumerate() {
        let base = format!("/spec/phases/{i}");
        check.phase_fields(phase, &base, out);
        check.dead_end(phase, &base, out);
        for (t, transition) in phase.transitions.iter().enumerate() {
            let tp = format!("{base}/transitions/{t}");
            if check.names.contains(&transition.to.as_str()) {
                edges
                    .entry(phase.name.as_str())
                    .or_default()
                    .push(transition.to.as_str());
            } else {
                out.push(check.unknown_phase(
                    &format!("{tp}/to"),
                    &transition.to,
                    &check.names,
                    "",
                ));
            }
            check.transition(transition, &tp, phases_of, out);
        }
    }
    check.unreachable(&edges, out);
}

/// One workflow being checked: its phases' names and the fields of the kind it applies to.
struct Check<'w> {
    spec: &'w WorkflowSpec,
    document: &'w Document,
    path: &'w str,
    names: Vec<&'w str>,
    fields: Vec<String>,
}

impl Check<'_> {
    fn at(&self, pointer: &str) -> Option<crate::yaml::Span> {
        Some(self.document.root().locate(pointer).node.span)
    }

    fn duplicate_phases(&self, out: &mut Vec<Diagnostic>) {
        let mut seen = BTreeMap::new();
        for (i, phase) in self.spec.phases.iter().enumerate() {
            if let Some(first) = seen.insert(phase.name.as_str(), i) {
                let first_span = self
                    .document
                    .root()
                    .locate(&format!("/spec/phases/{first}/name"))
                    .node
                    .span;
                out.push(
                    Diagnostic::error(
                        Code::DuplicateId,
                        self.path,
                        self.at(&format!("/spec/phases/{i}/name")),
                        format!("phase `{}` is defined twice", phase.name),
                    )
                    .with_label("defined again here")
                    .with_related(self.path, first_span, "first defined here"),
                );
            }
        }
    }

    fn unknown_phase(
        &self,
        pointer: &str,
        phase: &str,
        candidates: &[&str],
        whose: &str,
    ) -> Diagnostic {
        Diagnostic::error(
            Code::WorkflowUnknownPhase,
            self.path,
            self.at(pointer),
            format!("unknown phase `{phase}`{whose}"),
        )
        .with_label("no such phase")
        .with_hint_opt(suggest::did_you_mean(phase, candidates.iter().copied()))
    }

    /// `field` must be a field of the kind: an error at `pointer` when it is not.
    fn field(&self, pointer: &str, field: &str, out: &mut Vec<Diagnostic>) {
        if self.fields.iter().any(|f| f == field) {
            return;
        }
        let applies_to = self.spec.applies_to.as_str();
        let names = self.fields.iter().map(String::as_str);
        let hint = suggest::did_you_mean(field, names.clone()).unwrap_or_else(|| {
            format!(
                "{applies_to} has the fields {}",
                names
                    .filter(|f| !f.contains('.'))
                    .map(|f| format!("`{f}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        });
        out.push(
            Diagnostic::error(
                Code::WorkflowUnknownField,
                self.path,
                self.at(pointer),
                format!("{applies_to} has no field `{field}`"),
            )
            .with_label("not a field of the kind")
            .with_hint(hint),
        );
    }

    /// The fields a phase names: its due date, whom it notifies, what it sets on entry.
    fn phase_fields(&self, phase: &Phase, base: &str, out: &mut Vec<Diagnostic>) {
        if let Some(due) = &phase.due {
            self.field(&format!("{base}/due"), due, out);
        }
        let Some(on_enter) = &phase.on_enter else {
            return;
        };
        for (n, recipient) in on_enter.notify.iter().enumerate() {
            if !recipient.starts_with("role:") {
                self.field(&format!("{base}/onEnter/notify/{n}"), recipient, out);
            }
        }
        for field in on_enter.set.keys() {
            self.field(&format!("{base}/onEnter/set/{}", escape(field)), field, out);
        }
        for (n, conditional) in on_enter.set_if.iter().enumerate() {
            let cp = format!("{base}/onEnter/setIf/{n}");
            for field in conditional.set.keys() {
                self.field(&format!("{cp}/set/{}", escape(field)), field, out);
            }
            for (pointer, field) in guard_fields(&conditional.when, &format!("{cp}/when")) {
                self.field(&pointer, &field, out);
            }
        }
    }

    /// A non-terminal phase needs a way out; a terminal one has none.
    fn dead_end(&self, phase: &Phase, base: &str, out: &mut Vec<Diagnostic>) {
        if !phase.terminal && phase.transitions.is_empty() {
            out.push(
                Diagnostic::error(
                    Code::WorkflowDeadEnd,
                    self.path,
                    self.at(&format!("{base}/name")),
                    format!("phase `{}` is not terminal and has no way out", phase.name),
                )
                .with_label("objects would stay here forever")
                .with_hint("add a transition, or mark the phase `terminal: true`"),
            );
        }
        if phase.terminal && !phase.transitions.is_empty() {
            out.push(
                Diagnostic::error(
                    Code::WorkflowDeadEnd,
                    self.path,
                    self.at(&format!("{base}/terminal")),
                    format!("terminal phase `{}` has transitions", phase.name),
                )
                .with_label("a terminal phase is never left")
                .with_hint("remove `terminal: true` or the transitions"),
            );
        }
    }

    /// A transition's guards and `set`s name fields of the kind, gates it has, and phases
    /// the related and parent kinds' workflows have.
    fn transition(
        &self,
        transition: &Transition,
        tp: &str,
        phases_of: &dyn Fn(WorkflowKind) -> Vec<String>,
        out: &mut Vec<Diagnostic>,
    ) {
        let when = &transition.when;
        for (pointer, field) in guard_fields(when, &format!("{tp}/when")) {
            self.field(&pointer, &field, out);
        }
        for field in transition.set.keys() {
            self.field(&format!("{tp}/set/{}", escape(field)), field, out);
        }
        let applies_to = self.spec.applies_to;
        if let Some(gate) = &when.criteria
            && (applies_to != WorkflowKind::ReleaseTrain
                || !["scoping", "construction", "qa"].contains(&gate.as_str()))
        {
            out.push(
                Diagnostic::error(
                    Code::WorkflowUnknownField,
                    self.path,
                    self.at(&format!("{tp}/when/criteria")),
                    format!("{} has no stage gate `{gate}`", applies_to.as_str()),
                )
                .with_label("no such gate")
                .with_hint(
                    "stage gates belong to release trains: `scoping`, `construction` or `qa`",
                ),
            );
        }
        let mut other_phase = |kind: WorkflowKind, phase: &str, pointer: &str| {
            let phases = phases_of(kind);
            if !phases.iter().any(|p| p == phase) {
                let candidates: Vec<&str> = phases.iter().map(String::as_str).collect();
                out.push(self.unknown_phase(
                    &format!("{tp}/when/{pointer}"),
                    phase,
                    &candidates,
                    &format!(" of {}", kind.as_str()),
                ));
            }
        };
        if let Some(related) = &when.related {
            other_phase(related.kind, &related.phase, "related/phase");
        }
        if let Some(parent) = &when.parent {
            other_phase(WorkflowKind::ReleaseTrain, &parent.phase, "parent/phase");
        }
    }

    /// Every phase is reachable from the initial one (when that one exists).
    fn unreachable(&self, edges: &BTreeMap<&str, Vec<&str>>, out: &mut Vec<Diagnostic>) {
        let initial = self.spec.initial.as_str();
        if !self.names.contains(&initial) {
            return;
        }
        let mut reached: BTreeSet<&str> = BTreeSet::new();
        let mut queue: VecDeque<&str> = VecDeque::from([initial]);
        while let Some(phase) = queue.pop_front() {
            if reached.insert(phase) {
                queue.extend(edges.get(phase).into_iter().flatten());
            }
        }
        for (i, phase) in self.spec.phases.iter().enumerate() {
            if !reached.contains(phase.name.as_str()) {
                out.push(
                    Diagnostic::error(
                        Code::WorkflowUnreachablePhase,
                        self.path,
                        self.at(&format!("/spec/phases/{i}/name")),
                        format!("phase `{}` cannot be reached from `{initial}`", phase.name),
                    )
                    .with_label("no transition leads here")
                    .with_hint("add a transition to it, or remove the phase"),
                );
            }
        }
    }
}

/// The spec fields a set of guards names, with the JSON pointer of each mention.
fn guard_fields(when: &crate::manifest::Guards, base: &str) -> Vec<(String, String)> {
    let mut found: Vec<(String, String)> = when
        .fields
        .iter()
        .enumerate()
        .map(|(f, field)| (format!("{base}/fields/{f}"), field.clone()))
        .collect();
    if let Some(field) = &when.time {
        found.push((format!("{base}/time"), field.clone()));
    }
    found.extend(
        when.values
            .keys()
            .map(|field| (format!("{base}/values/{}", escape(field)), field.clone())),
    );
    for (a, approval) in when.approvals.iter().enumerate() {
        found.extend(
            approval
                .or
                .iter()
                .enumerate()
                .map(|(k, field)| (format!("{base}/approvals/{a}/or/{k}"), field.clone())),
        );
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::testing::codes;

    #[test]
    fn builtin_workflows_pass_the_same_checks() {
        for &kind in WorkflowKind::ALL {
            let source = workflow::builtin(kind).expect("builtin");
            let phases_of = |k: WorkflowKind| {
                workflow::builtin(k)
                    .map(|w| w.spec.phases.iter().map(|p| p.name.clone()).collect())
                    .unwrap_or_default()
            };
            let mut out = Vec::new();
            check_workflow(source.spec, source.document, &phases_of, &mut out);
            assert_eq!(out, vec![], "{}", kind.as_str());
        }
    }

    #[test]
    fn broken_workflow_reports_every_problem() {
        let text = r#"apiVersion: railyard/v1
kind: Workflow
metadata: {name: trains}
spec:
  appliesTo: ReleaseTrain
  initial: scoping
  phases:
    - name: scoping
      transitions:
        - to: buidling
          when: {fields: [purpsoe]}
        - to: done
          when: {related: {kind: ApplicationRelease, phase: finished}}
        - to: done
          when: {approvals: [{gate: close, role: release-engineers, or: [managr]}]}
    - name: done
      terminal: true
    - name: limbo
"#;
        let found = codes(&[("workflows/t.yaml", text)]);
        let found: Vec<(&str, &str)> = found.iter().map(|(c, m)| (*c, m.as_str())).collect();
        assert_eq!(
            found,
            vec![
                ("workflow-unknown-phase", "unknown phase `buidling`"),
                (
                    "workflow-unknown-field",
                    "ReleaseTrain has no field `purpsoe`"
                ),
                (
                    "workflow-unknown-phase",
                    "unknown phase `finished` of ApplicationRelease"
                ),
                (
                    "workflow-unknown-field",
                    "ReleaseTrain has no field `managr`"
                ),
                (
                    "workflow-unreachable-phase",
                    "phase `limbo` cannot be reached from `scoping`"
                ),
                (
                    "workflow-dead-end",
                    "phase `limbo` is not terminal and has no way out"
                ),
            ]
        );
    }

    #[test]
    fn one_workflow_per_kind() {
        let flow = |name: &str| {
            format!(
                "apiVersion: railyard/v1\nkind: Workflow\nmetadata: {{name: {name}}}\nspec:\n  appliesTo: Turnover\n  initial: a\n  phases: [{{name: a, terminal: true}}]\n"
            )
        };
        let found = codes(&[("w.yaml", &format!("{}---\n{}", flow("one"), flow("two")))]);
        assert_eq!(
            found,
            vec![(
                "workflow-duplicate",
                "a second workflow for Turnover".to_string()
            )]
        );
    }
}
