//! Every name that points at another object, member, gate or criterion must resolve.

use std::collections::BTreeSet;

use super::{escape, member, require, unique_ids, unresolved};
use crate::catalog::{Catalog, Item};
use crate::diagnostics::{Code, Diagnostic};
use crate::manifest::{
    ApplicationReleaseSpec, ConfigSpec, EnvironmentSpec, Gates, Kind, ReleaseModelSpec,
    ReleaseSpec, ReleaseTrainSpec, TeamSpec, TrainTemplateSpec, TurnoverSpec, WorkflowKind,
};
use crate::workflow;

/// What a reference field must name.
#[derive(Clone, Copy)]
enum Names {
    /// An object of this kind.
    Object(Kind),
    /// A member of any team.
    Member,
    /// A team, or a member.
    TeamOrMember,
}

/// A reference field of the kind `S`: its JSON pointer (`{}` stands for an item's place in
/// a list), what it must name, and the names it holds.
struct Field<S> {
    pointer: &'static str,
    names: Names,
    values: fn(&S) -> Vec<&str>,
}

/// The one name an optional field holds.
fn one<N: std::borrow::Borrow<str>>(name: &Option<N>) -> Vec<&str> {
    name.iter().map(|n| n.borrow()).collect()
}

/// The names an optional list holds.
fn every(names: &Option<Vec<crate::manifest::Name>>) -> Vec<&str> {
    names.iter().flatten().map(|n| n.as_str()).collect()
}

fn reserved(list: &Option<Vec<crate::manifest::Reservation>>) -> Vec<&str> {
    list.iter().flatten().map(|r| r.name.as_str()).collect()
}

#[rustfmt::skip]
const ENVIRONMENT: &[Field<EnvironmentSpec>] = &[
    Field { pointer: "/spec/promotesTo", names: Names::Object(Kind::Environment), values: |s| one(&s.promotes_to) },
    Field { pointer: "/spec/owners", names: Names::Object(Kind::Team), values: |s| one(&s.owners) },
];

#[rustfmt::skip]
const TEMPLATE: &[Field<TrainTemplateSpec>] = &[
    Field { pointer: "/spec/manager", names: Names::Member, values: |s| one(&s.manager) },
    Field { pointer: "/spec/environments/{}/name", names: Names::Object(Kind::Environment), values: |s| reserved(&s.environments) },
];

#[rustfmt::skip]
const TRAIN: &[Field<ReleaseTrainSpec>] = &[
    Field { pointer: "/spec/template", names: Names::Object(Kind::TrainTemplate), values: |s| one(&s.template) },
    Field { pointer: "/spec/manager", names: Names::Member, values: |s| one(&s.manager) },
    Field { pointer: "/spec/environments/{}/name", names: Names::Object(Kind::Environment), values: |s| reserved(&s.environments) },
];

#[rustfmt::skip]
const APPLICATION: &[Field<ApplicationReleaseSpec>] = &[
    Field { pointer: "/spec/train", names: Names::Object(Kind::ReleaseTrain), values: |s| one(&s.train) },
];

#[rustfmt::skip]
const TURNOVER: &[Field<TurnoverSpec>] = &[
    Field { pointer: "/spec/environment", names: Names::Object(Kind::Environment), values: |s| vec![s.environment.as_str()] },
    Field { pointer: "/spec/train", names: Names::Object(Kind::ReleaseTrain), values: |s| one(&s.train) },
    Field { pointer: "/spec/releases/{}", names: Names::Object(Kind::ApplicationRelease), values: |s| every(&s.releases) },
];

#[rustfmt::skip]
const RELEASE: &[Field<ReleaseSpec>] = &[
    Field { pointer: "/spec/releaseModel", names: Names::Object(Kind::ReleaseModel), values: |s| one(&s.release_model) },
    Field { pointer: "/spec/serviceOwner", names: Names::Member, values: |s| one(&s.service_owner) },
    Field { pointer: "/spec/owner", names: Names::Member, values: |s| one(&s.owner) },
    Field { pointer: "/spec/requestedBy", names: Names::Member, values: |s| one(&s.requested_by) },
    Field { pointer: "/spec/owningGroup", names: Names::Object(Kind::Team), values: |s| one(&s.owning_group) },
    Field { pointer: "/spec/supportLevel1", names: Names::TeamOrMember, values: |s| s.support_level1.as_deref().into_iter().collect() },
    Field { pointer: "/spec/supportLevel2", names: Names::TeamOrMember, values: |s| s.support_level2.as_deref().into_iter().collect() },
    Field { pointer: "/spec/supportLevel3", names: Names::TeamOrMember, values: |s| s.support_level3.as_deref().into_iter().collect() },
];

/// Checks that every reference field of `fields` in `item` resolves.
fn resolve<S>(c: &Catalog<'_>, item: &Item<'_, S>, fields: &[Field<S>], out: &mut Vec<Diagnostic>) {
    let spec = &item.manifest.spec;
    for field in fields {
        for (i, name) in (field.values)(spec).into_iter().enumerate() {
            let pointer = field.pointer.replace("{}", &i.to_string());
            match field.names {
                Names::Object(kind) => {
                    require(c, item, &pointer, kind, name, out);
                }
                Names::Member => member(c, item, &pointer, name, out),
                Names::TeamOrMember => team_or_member(c, item, &pointer, name, out),
            }
        }
    }
}

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
    members(c, out);
    for env in c.all::<EnvironmentSpec>() {
        resolve(c, &env, ENVIRONMENT, out);
        override_approvals(c, &env, out);
    }
    for template in c.all::<TrainTemplateSpec>() {
        resolve(c, &template, TEMPLATE, out);
        if let Some(gates) = &template.manifest.spec.gates {
            gate_roles(c, &template, gates, out);
        }
    }
    for train in c.all::<ReleaseTrainSpec>() {
        train_references(c, train, out);
    }
    for release in c.all::<ApplicationReleaseSpec>() {
        application_references(c, release, out);
    }
    for turnover in c.all::<TurnoverSpec>() {
        turnover_references(c, turnover, out);
    }
    for release in c.all::<ReleaseSpec>() {
        resolve(c, &release, RELEASE, out);
    }
    for model in c.all::<ReleaseModelSpec>() {
        task_plans(c, model, out);
    }
    super::records::check(c, out);
}

/// Member ids are unique within a team, and a commit author's email names one member.
fn members(c: &Catalog<'_>, out: &mut Vec<Diagnostic>) {
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
}

fn application_references(
    c: &Catalog<'_>,
    release: Item<'_, ApplicationReleaseSpec>,
    out: &mut Vec<Diagnostic>,
) {
    resolve(c, &release, APPLICATION, out);
    let spec = &release.manifest.spec;
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

/// A ReleaseModel's task plans are for phases of the Release workflow that take one.
fn task_plans(c: &Catalog<'_>, model: Item<'_, ReleaseModelSpec>, out: &mut Vec<Diagnostic>) {
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
                .root()
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

/// An environment's emergency `override` asks approvals of known roles, and its `or` fields
/// are fields of a Turnover (its subject).
fn override_approvals(c: &Catalog<'_>, env: &Item<'_, EnvironmentSpec>, out: &mut Vec<Diagnostic>) {
    let Some(passage) = &env.manifest.spec.emergency_override else {
        return;
    };
    let fields = crate::schema::spec_fields(Kind::Turnover);
    let names: Vec<&str> = fields.iter().map(String::as_str).collect();
    for (i, approval) in passage.approvals.iter().enumerate() {
        let base = format!("/spec/override/approvals/{i}");
        role(c, env, &format!("{base}/role"), &approval.role, out);
        for (k, field) in approval.or.iter().enumerate() {
            if !fields.contains(field) {
                out.push(unresolved(
                    env,
                    &format!("{base}/or/{k}"),
                    "Turnover field",
                    field,
                    &names,
                ));
            }
        }
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
    resolve(c, &train, TRAIN, out);
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
    resolve(c, &turnover, TURNOVER, out);
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
        (Some(train), None) => c.releases_of_train(train.as_str()),
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
    fn an_emergency_override_asks_known_roles_and_turnover_fields() {
        let found = with(
            "apiVersion: railyard/v1\nkind: Environment\nmetadata: {name: hotfix}\nspec:\n  tier: staging\n  override: {approvals: [{gate: emergency-start, role: release-managerz, or: [scheduledAt, ownr]}]}\n",
        );
        assert_eq!(
            found,
            vec![
                (
                    "unresolved-reference",
                    "unknown team `release-managerz`".to_string()
                ),
                (
                    "unresolved-reference",
                    "unknown Turnover field `ownr`".to_string()
                ),
            ]
        );
    }

    #[test]
    fn a_freeze_s_calendar_is_a_committed_file_and_the_freeze_s_only_period() {
        let env = |freeze: &str| {
            format!(
                "apiVersion: railyard/v1\nkind: Environment\nmetadata: {{name: hotfix}}\nspec:\n  tier: staging\n  freezes: [{{{freeze}, reason: Holiday}}]\n"
            )
        };
        assert_eq!(
            with(&env("calendar: calendars/nope.ics")),
            vec![(
                "unresolved-reference",
                "no calendar file `calendars/nope.ics` in the repository".to_string()
            )]
        );
        let ics = "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART;VALUE=DATE:20261225\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
        let both = env("calendar: h.ics, from: 2026-12-01, to: 2026-12-02");
        assert_eq!(
            crate::check::testing::codes(&[("repo.yaml", &format!("{BASE}---\n{both}")), ("h.ics", ics)]),
            vec![(
                "freeze-period",
                "a freeze is dated (`from` and `to`), recurs (`recur`) or comes from a `calendar`: one of them".to_string()
            )]
        );
        // An .ics file nothing names is not read for problems.
        assert_eq!(
            crate::check::testing::codes(&[("repo.yaml", BASE), ("other.ics", "not a calendar")]),
            vec![]
        );
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
