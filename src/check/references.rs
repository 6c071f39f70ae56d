//! Every name that points at another object, member, gate or criterion must resolve.

use std::collections::BTreeSet;

use super::{require, unique_ids, unresolved};
use crate::catalog::{Catalog, Item};
use crate::diagnostics::{Code, Diagnostic};
use crate::manifest::{
    ApplicationReleaseSpec, ApprovalSpec, ConfigSpec, EnvironmentSpec, Gates, Kind,
    ReleaseModelSpec, ReleaseSpec, ReleaseTrainSpec, TaskReportSpec, TeamSpec, TrainTemplateSpec,
    TurnoverSpec, WorkflowKind,
};
use crate::workflow;

pub(super) fn check(c: &Catalog<'_>, out: &mut Vec<Diagnostic>) {
    for config in c.all::<ConfigSpec>() {
        for (role, team) in &config.manifest.spec.roles {
            require(
                c,
                &config,
                &format!("/spec/roles/{}", escape(role)),
                Kind::Team,
                team.as_str(),
                out,
            );
        }
    }
    // A commit author's email must name one member: the same address on two member ids is
    // ambiguous.
    let mut emails: std::collections::BTreeMap<String, (&str, &str, crate::yaml::Span)> =
        Default::default();
    for team in c.all::<TeamSpec>() {
        let ids: Vec<_> = team
            .manifest
            .spec
            .members
            .iter()
            .enumerate()
            .map(|(i, m)| (&m.id, format!("/spec/members/{i}/id")))
            .collect();
        unique_ids(&team, "member", &ids, out);
        for (i, member) in team.manifest.spec.members.iter().enumerate() {
            for (e, email) in member.emails.iter().enumerate() {
                let pointer = format!("/spec/members/{i}/emails/{e}");
                match emails.get(&email.to_lowercase()) {
                    Some((other, path, span)) if *other != member.id.as_str() => out.push(
                        team.error(Code::DuplicateId, &pointer, format!("email `{email}` belongs to members `{other}` and `{}`", member.id))
                            .with_label("used by two members")
                            .with_related(path, *span, format!("`{other}` uses it here"))
                            .with_hint("a commit's author email must name one member: keep the address on one of them"),
                    ),
                    Some(_) => {}
                    None => {
                        emails.insert(email.to_lowercase(), (member.id.as_str(), team.path(), team.span(&pointer)));
                    }
                }
            }
        }
    }
    for env in c.all::<EnvironmentSpec>() {
        let spec = &env.manifest.spec;
        if let Some(next) = &spec.promotes_to {
            require(
                c,
                &env,
                "/spec/promotesTo",
                Kind::Environment,
                next.as_str(),
                out,
            );
        }
        if let Some(owners) = &spec.owners {
            require(c, &env, "/spec/owners", Kind::Team, owners.as_str(), out);
        }
    }
    for template in c.all::<TrainTemplateSpec>() {
        let spec = &template.manifest.spec;
        if let Some(manager) = &spec.manager {
            member(c, &template, "/spec/manager", manager.as_str(), out);
        }
        reservations(
            c,
            &template,
            spec.environments.as_deref().unwrap_or_default(),
            out,
        );
        if let Some(gates) = &spec.gates {
            gate_roles(c, &template, gates, out);
        }
    }
    for train in c.all::<ReleaseTrainSpec>() {
        train_references(c, train, out);
    }
    for release in c.all::<ApplicationReleaseSpec>() {
        let spec = &release.manifest.spec;
        if let Some(train) = &spec.train {
            require(
                c,
                &release,
                "/spec/train",
                Kind::ReleaseTrain,
                train.as_str(),
                out,
            );
        }
        for (i, dependency) in spec.depends_on.iter().enumerate() {
            let pointer = format!("/spec/dependsOn/{i}");
            if dependency.as_str() == release.name() {
                out.push(
                    release
                        .error(
                            Code::SelfDependency,
                            &pointer,
                            format!("application release `{dependency}` depends on itself"),
                        )
                        .with_label("itself"),
                );
            } else {
                require(
                    c,
                    &release,
                    &pointer,
                    Kind::ApplicationRelease,
                    dependency.as_str(),
                    out,
                );
            }
        }
        let items: Vec<_> = spec
            .work_items
            .iter()
            .enumerate()
            .map(|(i, w)| (&w.id, format!("/spec/workItems/{i}/id")))
            .collect();
        unique_ids(&release, "work item", &items, out);
        if let Some(milestones) = &spec.milestones {
            let ids: Vec<_> = milestones
                .iter()
                .enumerate()
                .map(|(i, m)| (&m.id, format!("/spec/milestones/{i}/id")))
                .collect();
            unique_ids(&release, "milestone", &ids, out);
        }
    }
    for turnover in c.all::<TurnoverSpec>() {
        turnover_references(c, turnover, out);
    }
    for release in c.all::<ReleaseSpec>() {
        let spec = &release.manifest.spec;
        if let Some(model) = &spec.release_model {
            require(
                c,
                &release,
                "/spec/releaseModel",
                Kind::ReleaseModel,
                model.as_str(),
                out,
            );
        }
        for (field, id) in [
            ("serviceOwner", &spec.service_owner),
            ("owner", &spec.owner),
            ("requestedBy", &spec.requested_by),
        ] {
            if let Some(id) = id {
                member(c, &release, &format!("/spec/{field}"), id.as_str(), out);
            }
        }
        if let Some(group) = &spec.owning_group {
            require(
                c,
                &release,
                "/spec/owningGroup",
                Kind::Team,
                group.as_str(),
                out,
            );
        }
        for (field, value) in [
            ("supportLevel1", &spec.support_level1),
            ("supportLevel2", &spec.support_level2),
            ("supportLevel3", &spec.support_level3),
        ] {
            if let Some(value) = value {
                team_or_member(c, &release, &format!("/spec/{field}"), value, out);
            }
        }
    }
    for model in c.all::<ReleaseModelSpec>() {
        let phases: Vec<&str> = workflow::effective(c, WorkflowKind::Release)
            .map(|w| {
                w.spec
                    .phases
                    .iter()
                    .filter_map(|p| p.task_plan.as_deref())
                    .collect()
            })
            .unwrap_or_default();
        for plan in model.manifest.spec.task_plans.keys() {
            if !phases.contains(&plan.as_str()) {
                let diagnostic = unresolved(
                    &model,
                    &format!("/spec/taskPlans/{}", escape(plan)),
                    "task plan of the Release workflow",
                    plan,
                    &phases,
                );
                let span = model
                    .document
                    .root
                    .locate("/spec/taskPlans")
                    .node
                    .entry(plan)
                    .map(|e| e.key_span);
                out.push(crate::diagnostics::Diagnostic {
                    span: span.or(diagnostic.span),
                    ..diagnostic
                });
            }
        }
    }
    let mut decidable = Decidable::default();
    for approval in c.all::<ApprovalSpec>() {
        approval_references(c, approval, &mut decidable, out);
    }
    for report in c.all::<TaskReportSpec>() {
        report_references(c, report, out);
    }
}

/// Escapes a map key for a JSON pointer.
fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

fn member<S>(
    c: &Catalog<'_>,
    item: &Item<'_, S>,
    pointer: &str,
    id: &str,
    out: &mut Vec<Diagnostic>,
) {
    if c.teams_of(id).is_empty() {
        out.push(unresolved(item, pointer, "member", id, &c.member_ids()));
    }
}

fn team_or_member<S>(
    c: &Catalog<'_>,
    item: &Item<'_, S>,
    pointer: &str,
    name: &str,
    out: &mut Vec<Diagnostic>,
) {
    if c.exists(Kind::Team, name) || !c.teams_of(name).is_empty() {
        return;
    }
    let mut candidates = c.names(Kind::Team);
    candidates.extend(c.member_ids());
    out.push(unresolved(
        item,
        pointer,
        "team or member",
        name,
        &candidates,
    ));
}

/// A role resolves through `Config.spec.roles` or to the team of that name.
fn role<S>(
    c: &Catalog<'_>,
    item: &Item<'_, S>,
    pointer: &str,
    role: &str,
    out: &mut Vec<Diagnostic>,
) {
    let team = c.settings.team_for_role(role);
    if !c.exists(Kind::Team, team) {
        let mut d = unresolved(item, pointer, "team", team, &c.names(Kind::Team));
        if team == role {
            let hint = d.hint.clone().unwrap_or_else(|| format!("define a Team `{role}`, or map the role to a team in railyard.yaml `spec.roles`"));
            d = d.with_hint(hint);
        }
        out.push(d);
    }
}

fn reservations<S>(
    c: &Catalog<'_>,
    item: &Item<'_, S>,
    list: &[crate::manifest::Reservation],
    out: &mut Vec<Diagnostic>,
) {
    for (i, reservation) in list.iter().enumerate() {
        require(
            c,
            item,
            &format!("/spec/environments/{i}/name"),
            Kind::Environment,
            reservation.name.as_str(),
            out,
        );
    }
}

fn gate_roles<S>(c: &Catalog<'_>, item: &Item<'_, S>, gates: &Gates, out: &mut Vec<Diagnostic>) {
    for (gate_name, gate) in gates.iter() {
        for (i, approval) in gate.approvals.iter().enumerate() {
            role(
                c,
                item,
                &format!("/spec/gates/{gate_name}/approvals/{i}/role"),
                &approval.role,
                out,
            );
        }
        for (i, criterion) in gate.criteria.iter().enumerate() {
            if let Some(r) = &criterion.role {
                role(
                    c,
                    item,
                    &format!("/spec/gates/{gate_name}/criteria/{i}/role"),
                    r,
                    out,
                );
            }
        }
    }
}

fn train_references(c: &Catalog<'_>, train: Item<'_, ReleaseTrainSpec>, out: &mut Vec<Diagnostic>) {
    let spec = &train.manifest.spec;
    if let Some(template) = &spec.template {
        require(
            c,
            &train,
            "/spec/template",
            Kind::TrainTemplate,
            template.as_str(),
            out,
        );
    }
    if let Some(manager) = &spec.manager {
        member(c, &train, "/spec/manager", manager.as_str(), out);
    }
    reservations(
        c,
        &train,
        spec.environments.as_deref().unwrap_or_default(),
        out,
    );
    if let Some(gates) = &spec.gates {
        gate_roles(c, &train, gates, out);
    }
    let merged = c.train_spec(train.manifest);
    let template_broken = spec
        .template
        .as_ref()
        .is_some_and(|t| c.get::<TrainTemplateSpec>(t.as_str()).is_none());
    if !template_broken {
        let source = spec
            .template
            .as_ref()
            .map_or(String::new(), |t| format!(" nor in template `{t}`"));
        if merged.train_type.is_none() {
            out.push(
                train
                    .error(
                        Code::MissingField,
                        "/spec",
                        format!(
                            "release train `{}` has no `type`: set neither here{source}",
                            train.name()
                        ),
                    )
                    .with_label("`type` is required")
                    .with_hint("one of `major`, `minor`, `patch`, `emergency`"),
            );
        }
        if merged.manager.is_none() {
            out.push(
                train
                    .error(
                        Code::MissingField,
                        "/spec",
                        format!(
                            "release train `{}` has no `manager`: set neither here{source}",
                            train.name()
                        ),
                    )
                    .with_label("`manager` is required")
                    .with_hint("the member id of the train's release manager"),
            );
        }
    }
    if let Some(milestones) = &spec.milestones {
        let ids: Vec<_> = milestones
            .iter()
            .enumerate()
            .map(|(i, m)| (&m.id, format!("/spec/milestones/{i}/id")))
            .collect();
        unique_ids(&train, "milestone", &ids, out);
    }
    if let Some(gates) = &spec.gates {
        let ids: Vec<_> = gates
            .iter()
            .flat_map(|(gate, g)| {
                g.criteria
                    .iter()
                    .enumerate()
                    .map(move |(i, cr)| (&cr.id, format!("/spec/gates/{gate}/criteria/{i}/id")))
            })
            .collect();
        unique_ids(&train, "criterion", &ids, out);
        for (gate, g) in gates.iter() {
            for (i, criterion) in g.criteria.iter().enumerate() {
                if let Some(crate::manifest::Check::TurnoversDeployed(env)) = &criterion.check {
                    require(
                        c,
                        &train,
                        &format!("/spec/gates/{gate}/criteria/{i}/check/turnoversDeployed"),
                        Kind::Environment,
                        env.as_str(),
                        out,
                    );
                }
            }
        }
    }
}

fn turnover_references(
    c: &Catalog<'_>,
    turnover: Item<'_, TurnoverSpec>,
    out: &mut Vec<Diagnostic>,
) {
    let spec = &turnover.manifest.spec;
    require(
        c,
        &turnover,
        "/spec/environment",
        Kind::Environment,
        spec.environment.as_str(),
        out,
    );
    match (&spec.train, &spec.releases) {
        (Some(_), Some(_)) => out.push(
            turnover
                .error(
                    Code::TurnoverTarget,
                    "/spec/releases",
                    "a turnover deploys either a `train` or a list of `releases`, not both",
                )
                .with_label("remove this or `train`"),
        ),
        (None, None) => out.push(
            turnover
                .error(
                    Code::TurnoverTarget,
                    "/spec",
                    "a turnover needs a `train` or a list of `releases` to deploy",
                )
                .with_label("neither `train` nor `releases`"),
        ),
        (None, Some(releases)) if releases.is_empty() => out.push(
            turnover
                .error(
                    Code::TurnoverTarget,
                    "/spec/releases",
                    "`releases` is empty: a turnover deploys at least one application release",
                )
                .with_label("empty"),
        ),
        _ => {}
    }
    if let Some(train) = &spec.train {
        require(
            c,
            &turnover,
            "/spec/train",
            Kind::ReleaseTrain,
            train.as_str(),
            out,
        );
    }
    for (i, release) in spec.releases.iter().flatten().enumerate() {
        require(
            c,
            &turnover,
            &format!("/spec/releases/{i}"),
            Kind::ApplicationRelease,
            release.as_str(),
            out,
        );
    }
    for (field, source) in [
        ("promotedFrom", &spec.promoted_from),
        ("tasksFrom", &spec.tasks_from),
    ] {
        if let Some(source) = source {
            let pointer = format!("/spec/{field}");
            if source.as_str() == turnover.name() {
                out.push(
                    turnover
                        .error(
                            Code::SelfDependency,
                            &pointer,
                            format!("turnover `{source}` names itself in `{field}`"),
                        )
                        .with_label("itself"),
                );
            } else {
                require(c, &turnover, &pointer, Kind::Turnover, source.as_str(), out);
            }
        }
    }
    // Work items must belong to a release the turnover deploys.
    if spec.work_items.is_empty() {
        return;
    }
    let releases: Vec<&str> = match (&spec.train, &spec.releases) {
        (_, Some(releases)) => releases.iter().map(|r| r.as_str()).collect(),
        (Some(train), None) => c
            .all::<ApplicationReleaseSpec>()
            .filter(|r| r.manifest.spec.train.as_ref().is_some_and(|t| t == train))
            .map(|r| r.name())
            .collect(),
        (None, None) => Vec::new(),
    };
    let known: BTreeSet<&str> = releases
        .iter()
        .filter_map(|r| c.get::<ApplicationReleaseSpec>(r))
        .flat_map(|r| r.manifest.spec.work_items.iter().map(|w| w.id.as_str()))
        .collect();
    let all_valid = releases
        .iter()
        .all(|r| c.get::<ApplicationReleaseSpec>(r).is_some());
    if all_valid {
        let candidates: Vec<&str> = known.iter().copied().collect();
        for (i, item) in spec.work_items.iter().enumerate() {
            if !known.contains(item.as_str()) {
                out.push(unresolved(
                    &turnover,
                    &format!("/spec/workItems/{i}"),
                    "work item of the turnover's releases",
                    item.as_str(),
                    &candidates,
                ));
            }
        }
    }
}

/// The approval gates an object of `kind` has: those its workflow asks for, plus a train's
/// own gate approvals.
/// What an approval may decide, worked out once per subject rather than once per approval
/// (thousands of approvals name a few hundred trains): by workflow kind and, for a train,
/// its name.
#[derive(Default)]
struct Decidable<'c> {
    subjects: foldhash::HashMap<(WorkflowKind, &'c str), Subject>,
}

/// A subject's gates (every gate its workflow asks approvals for, and a train's own), and,
/// for a train, its exit criteria (`None` for other kinds: they have none).
struct Subject {
    gates: Vec<String>,
    criteria: Option<Vec<String>>,
}

impl<'c> Decidable<'c> {
    fn of(&mut self, c: &Catalog<'c>, kind: WorkflowKind, name: &'c str) -> &Subject {
        let key = (
            kind,
            if kind == WorkflowKind::ReleaseTrain {
                name
            } else {
                ""
            },
        );
        self.subjects.entry(key).or_insert_with(|| {
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
            Subject {
                gates: approval_gates(c, kind, train.as_ref()),
                criteria,
            }
        })
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
    gates.into_iter().collect()
}

fn workflow_kind(kind: &str) -> Option<WorkflowKind> {
    WorkflowKind::ALL.into_iter().find(|k| k.as_str() == kind)
}

fn approval_references<'c>(
    c: &Catalog<'c>,
    approval: Item<'c, ApprovalSpec>,
    decidable: &mut Decidable<'c>,
    out: &mut Vec<Diagnostic>,
) {
    let spec = &approval.manifest.spec;
    member(c, &approval, "/spec/by", spec.by.as_str(), out);
    match (&spec.gate, &spec.criterion) {
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
    let subject = decidable.of(c, kind, &spec.subject.name);
    if let Some(gate) = &spec.gate
        && !subject.gates.iter().any(|g| g == gate.as_str())
    {
        let candidates: Vec<&str> = subject.gates.iter().map(String::as_str).collect();
        out.push(
            unresolved(
                &approval,
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
                    &approval,
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

#[cfg(test)]
mod tests {
    use crate::check::testing::{BASE, codes};

    fn with(extra: &str) -> Vec<(&'static str, String)> {
        codes(&[("repo.yaml", &format!("{BASE}---\n{extra}"))])
    }

    #[test]
    fn the_base_repository_is_clean() {
        assert_eq!(codes(&[("repo.yaml", BASE)]), vec![]);
    }

    #[test]
    fn unknown_environment_with_a_suggestion() {
        let found = with(
            "apiVersion: railyard/v1\nkind: Turnover\nmetadata: {name: t1}\nspec: {environment: tset, train: q4}\n",
        );
        assert_eq!(
            found,
            vec![(
                "unresolved-reference",
                "unknown environment `tset`".to_string()
            )]
        );
        let d = crate::check::testing::diagnostics(&[(
            "repo.yaml",
            &format!(
                "{BASE}---\napiVersion: railyard/v1\nkind: Turnover\nmetadata: {{name: t1}}\nspec: {{environment: tset, train: q4}}\n"
            ),
        )]);
        assert_eq!(d[0].hint.as_deref(), Some("did you mean `test`?"));
    }

    #[test]
    fn turnover_needs_exactly_one_target() {
        let both = with(
            "apiVersion: railyard/v1\nkind: Turnover\nmetadata: {name: t1}\nspec: {environment: test, train: q4, releases: [web-2]}\n",
        );
        assert_eq!(both[0].0, "turnover-target");
        let neither = with(
            "apiVersion: railyard/v1\nkind: Turnover\nmetadata: {name: t1}\nspec: {environment: test}\n",
        );
        assert_eq!(neither[0].0, "turnover-target");
    }

    #[test]
    fn approvals_name_known_members_gates_and_criteria() {
        let found = with(
            "apiVersion: railyard/v1\nkind: Approval\nmetadata: {name: a1}\nspec: {subject: ReleaseTrain/q4, gate: trian, decision: approve, by: rita}\n---\n\
             apiVersion: railyard/v1\nkind: Approval\nmetadata: {name: a2}\nspec: {subject: ReleaseTrain/q4, criterion: scope-agred, decision: approve, by: nobody}\n---\n\
             apiVersion: railyard/v1\nkind: Approval\nmetadata: {name: a3}\nspec: {subject: ReleaseTrain/q5, gate: train, criterion: x, decision: approve, by: rita}\n",
        );
        let codes: Vec<&str> = found.iter().map(|(c, _)| *c).collect();
        assert_eq!(
            codes,
            [
                "unresolved-reference",
                "unresolved-reference",
                "unresolved-reference",
                "unresolved-reference",
                "approval-target"
            ]
        );
        assert_eq!(found[0].1, "unknown approval gate of ReleaseTrain `trian`");
        assert_eq!(
            found[1].1,
            "unknown exit criterion of ReleaseTrain/q4 `scope-agred`"
        );
        assert_eq!(found[2].1, "unknown member `nobody`");
        assert_eq!(found[3].1, "unknown release train `q5`");
    }

    #[test]
    fn trains_need_a_type_and_a_manager_from_somewhere() {
        let found = with(
            "apiVersion: railyard/v1\nkind: TrainTemplate\nmetadata: {name: std}\nspec: {type: major}\n---\n\
             apiVersion: railyard/v1\nkind: ReleaseTrain\nmetadata: {name: q1}\nspec: {template: std}\n",
        );
        assert_eq!(
            found,
            vec![(
                "missing-field",
                "release train `q1` has no `manager`: set neither here nor in template `std`"
                    .to_string()
            )]
        );
    }

    #[test]
    fn duplicate_names_and_ids() {
        let found = with(
            "apiVersion: railyard/v1\nkind: Team\nmetadata: {name: developers}\nspec:\n  members:\n    - {id: a, emails: [a@x]}\n    - {id: a, emails: [b@x]}\n",
        );
        assert_eq!(
            found,
            vec![(
                "duplicate-name",
                "Team `developers` is defined twice".to_string()
            )]
        );
        let ids = with(
            "apiVersion: railyard/v1\nkind: Team\nmetadata: {name: qa}\nspec:\n  members:\n    - {id: a, emails: [a@x]}\n    - {id: a, emails: [b@x]}\n",
        );
        assert_eq!(
            ids,
            vec![("duplicate-id", "member id `a` is used twice".to_string())]
        );
    }

    #[test]
    fn one_email_names_one_member() {
        let found = with(
            "apiVersion: railyard/v1\nkind: Team\nmetadata: {name: qa}\nspec:\n  members:\n    - {id: quinn, emails: [DAN@example.com]}\n    - {id: dan, emails: [dan@example.com]}\n",
        );
        assert_eq!(
            found,
            vec![(
                "duplicate-id",
                "email `DAN@example.com` belongs to members `dan` and `quinn`".to_string()
            )]
        );
    }

    #[test]
    fn task_reports_name_a_task_of_their_subject() {
        let found = with(
            "apiVersion: railyard/v1\nkind: Turnover\nmetadata: {name: t1}\nspec:\n  environment: test\n  train: q4\n  tasks:\n    - {id: smoke, title: Smoke test, type: manual, owner: developers}\n---\n\
             apiVersion: railyard/v1\nkind: TaskReport\nmetadata: {name: r1}\nspec: {subject: Turnover/t1, task: smoek, attempt: 1, outcome: succeeded, by: dan}\n",
        );
        assert_eq!(
            found,
            vec![(
                "unresolved-reference",
                "unknown task of Turnover/t1 `smoek`".to_string()
            )]
        );
    }
}
