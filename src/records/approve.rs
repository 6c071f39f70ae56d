//! `railyard approve`: an `Approval` of a gate or an exit criterion, checked as the engine
//! would count it before it is written.

use std::fmt::Write as _;

use super::{Desk, Draft};
use crate::catalog::Catalog;
use crate::engine::ObjectPlan;
use crate::error::Error;
use crate::manifest::{
    ApprovalSpec, Decision, EnvironmentSpec, Kind, ReleaseTrainSpec, TeamSpec, TurnoverSpec,
    WorkflowKind,
};
use crate::yaml_out::scalar;

/// What is approved (or rejected).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Of {
    Gate(String),
    Criterion(String),
}

impl Of {
    fn id(&self) -> &str {
        match self {
            Of::Gate(id) | Of::Criterion(id) => id,
        }
    }

    fn is_criterion(&self) -> bool {
        matches!(self, Of::Criterion(_))
    }

    /// `gate `qa`` or `criterion `scope-signed-off``.
    fn named(&self) -> String {
        match self {
            Of::Gate(g) => format!("gate `{g}`"),
            Of::Criterion(c) => format!("criterion `{c}`"),
        }
    }
}

/// A person's decision, as the command line gives it.
#[derive(Clone, Debug)]
pub struct Request<'r> {
    /// `Kind/name`.
    pub subject: &'r str,
    pub of: Of,
    pub decision: Decision,
    pub comment: Option<&'r str>,
}

/// The Approval `request` asks for, by the desk's member, or why it would not count.
pub fn draft(desk: &Desk, request: &Request<'_>) -> Result<Draft, Error> {
    let catalog = desk.catalog();
    let (kind, name) = super::subject(&catalog, request.subject, WorkflowKind::ALL)?;
    let object = desk
        .object(kind, &name)
        .ok_or_else(|| Error::Internal(format!("{kind}/{name} has no plan")))?;
    let reference = format!("{kind}/{name}");
    let of = &request.of;
    known(&catalog, kind, &name, of)?;
    let member = desk.member.as_str();
    if let Some(path) = duplicate(desk, &catalog, object, of, request.decision) {
        let done = match request.decision {
            Decision::Approve => "approved",
            Decision::Reject => "rejected",
        };
        return Err(Error::Refused(format!(
            "`{member}` has {done} {} of {reference} in this phase already ({path})",
            of.named()
        )));
    }
    let Some(ask) = object
        .asks
        .iter()
        .find(|a| a.criterion == of.is_criterion() && a.gate == of.id())
    else {
        return Err(Error::Refused(not_asked_now(&catalog, object, of)));
    };
    if !ask
        .approvers
        .iter()
        .any(|who| who == member || catalog.in_team(member, who))
    {
        return Err(Error::Refused(format!(
            "`{member}` may not decide {} of {reference}: it is asked of {}",
            of.named(),
            ask.approvers
                .iter()
                .map(|who| asked_of(&catalog, who))
                .collect::<Vec<_>>()
                .join(" or ")
        )));
    }
    if let Some((author, commit)) = desk.last_changed_by(&object.path)
        && author == member
    {
        return Err(Error::Refused(format!(
            "`{member}` made the last change to {reference} (commit {}, {}): approvals never count from the author of the subject's last change; another of {} must decide it",
            commit.id.get(..12).unwrap_or(&commit.id),
            commit.time.strftime("%Y-%m-%d"),
            ask.approvers
                .iter()
                .map(|who| asked_of(&catalog, who))
                .collect::<Vec<_>>()
                .join(" or ")
        )));
    }
    let (verb, word) = match request.decision {
        Decision::Approve => ("approves", "approve"),
        Decision::Reject => ("rejects", "reject"),
    };
    let folder = format!("approvals/{kind}/{name}");
    let (path, record) = desk.free_place(
        Kind::Approval,
        &folder,
        &format!("{}-{member}", of.id()),
        &format!("{name}-{}-{member}", of.id()),
    );
    let mut text = desk.modeline(Kind::Approval, &path);
    let _ = write!(
        text,
        "apiVersion: railyard/v1\nkind: Approval\nmetadata:\n  name: {record}\nspec:\n  subject: {reference}\n  {}: {}\n  decision: {word}\n  by: {}\n",
        if of.is_criterion() {
            "criterion"
        } else {
            "gate"
        },
        scalar(of.id()),
        scalar(member)
    );
    if let Some(comment) = request.comment {
        let _ = writeln!(text, "  comment: {}", scalar(comment));
    }
    let capital = match request.decision {
        Decision::Approve => "Approve",
        Decision::Reject => "Reject",
    };
    Ok(Draft {
        says: format!("{member} {verb} {} of {reference}", of.named()),
        message: format!("{capital} {} of {reference}", of.named()).replace('`', ""),
        path,
        text,
        kind,
        name,
    })
}

/// `gate` or `criterion` is one the subject has; otherwise which it has.
fn known(catalog: &Catalog<'_>, kind: Kind, name: &str, of: &Of) -> Result<(), Error> {
    let Ok(workflow_kind) = kind.as_str().parse::<WorkflowKind>() else {
        return Ok(());
    };
    let decisions = crate::check::records::decisions(catalog, workflow_kind, name);
    let (has, what) = match of {
        Of::Gate(_) => (decisions.gates, "gates"),
        Of::Criterion(_) => match decisions.criteria {
            Some(criteria) => (criteria, "exit criteria"),
            None => {
                return Err(Error::Refused(format!(
                    "{kind}/{name} has no exit criteria (only a ReleaseTrain's gates have them); approve one of its gates with --gate"
                )));
            }
        },
    };
    if has.iter().any(|g| g == of.id()) {
        return match of {
            Of::Criterion(id) if checked(catalog, name, id) => Err(Error::Refused(format!(
                "criterion `{id}` of {kind}/{name} has a `check`: railyard decides it from the repository, no approval does"
            ))),
            _ => Ok(()),
        };
    }
    let hint = crate::suggest::did_you_mean(of.id(), has.iter().map(String::as_str))
        .map(|h| format!("{h} "))
        .unwrap_or_default();
    let list = match has.is_empty() {
        true => "none".to_string(),
        false => has
            .iter()
            .map(|g| format!("`{g}`"))
            .collect::<Vec<_>>()
            .join(", "),
    };
    Err(Error::Refused(format!(
        "{kind}/{name} has no {} ({hint}its {what}: {list})",
        of.named()
    )))
}

/// True when the exit criterion `id` of train `name` is one railyard evaluates (`check`).
fn checked(catalog: &Catalog<'_>, name: &str, id: &str) -> bool {
    catalog
        .get::<ReleaseTrainSpec>(name)
        .map(|t| catalog.train_spec(t.manifest))
        .and_then(|t| t.gates)
        .is_some_and(|gates| {
            gates
                .iter()
                .flat_map(|(_, gate)| gate.criteria.iter())
                .any(|c| c.id.as_str() == id && c.check.is_some())
        })
}

/// The record by which the member already made this decision in the subject's current
/// phase, when there is one: an uncommitted one in the working tree, or a committed one
/// (by them) that still stands (no later decision by anyone has replaced it).
fn duplicate(
    desk: &Desk,
    catalog: &Catalog<'_>,
    object: &ObjectPlan,
    of: &Of,
    decision: Decision,
) -> Option<String> {
    let facts = &desk.tree.facts;
    let provenance_of = |path: &str| {
        facts
            .added
            .get(path)
            .and_then(|c| catalog.member_by_email(&c.author_email))
    };
    let mut records: Vec<(Option<jiff::Timestamp>, &str, &ApprovalSpec)> = catalog
        .all::<ApprovalSpec>()
        .filter(|a| {
            let spec = &a.manifest.spec;
            spec.subject.kind == object.kind.as_str()
                && spec.subject.name == object.name
                && match of {
                    Of::Gate(g) => spec.gate.as_ref().is_some_and(|x| x.as_str() == g),
                    Of::Criterion(c) => spec.criterion.as_ref().is_some_and(|x| x.as_str() == c),
                }
        })
        .map(|a| {
            (
                facts.added.get(a.path()).map(|c| c.time),
                a.path(),
                &a.manifest.spec,
            )
        })
        .collect();
    let member = desk.member.as_str();
    // An uncommitted record of theirs is a decision in the making.
    if let Some((_, path, _)) = records
        .iter()
        .find(|(time, _, spec)| time.is_none() && spec.by.as_str() == member)
    {
        return Some(format!("{path}, not committed yet"));
    }
    // Committed in this visit to the phase, by the member it names, in commit order.
    records.retain(|(time, path, spec)| {
        time.is_some_and(|t| object.status.since.is_none_or(|since| t > since))
            && provenance_of(path) == Some(spec.by.as_str())
    });
    records.sort_by_key(|(time, path, _)| (*time, path.to_string()));
    // The member's decision that still stands: a later reject by anyone clears approvals,
    // a later approve by anyone lifts a reject.
    let mut standing: Option<(&str, Decision)> = None;
    for (_, path, spec) in &records {
        let theirs = spec.by.as_str() == member;
        standing = match (theirs, spec.decision, standing) {
            (true, decision, _) => Some((path, decision)),
            (false, Decision::Approve, Some((_, Decision::Reject))) => None,
            (false, Decision::Reject, _) => None,
            (false, Decision::Approve, kept) => kept,
        };
    }
    standing
        .filter(|(_, standing)| *standing == decision)
        .map(|(path, _)| path.to_string())
}

/// Why `of` is not asked of anyone in the subject's phase now: another phase asks it, or
/// this one asks it only after another gate, or it has what it needs.
fn not_asked_now(catalog: &Catalog<'_>, object: &ObjectPlan, of: &Of) -> String {
    let reference = format!("{}/{}", object.kind, object.name);
    let phase = object.status.phase.as_str();
    if let Some(environment) = overridden_by(catalog, object, of) {
        return format!(
            "{} of {reference} is asked only while a freeze, a closed window or a halt of `{environment}` holds an emergency train's turnover that may start otherwise, and it is not asked now (phase `{phase}`)",
            of.named()
        );
    }
    let asking = asking_phases(catalog, object, of);
    if !asking.iter().any(|(p, _)| p == phase) {
        let phases = match asking.is_empty() {
            true => "no phase of its workflow".to_string(),
            false => {
                let mut names: Vec<String> = asking.iter().map(|(p, _)| format!("`{p}`")).collect();
                names.dedup();
                format!("phase {}", names.join(" or "))
            }
        };
        return format!(
            "{} of {reference} is asked in {phases}, and {reference} is in `{phase}`: approvals count only for the subject's current phase",
            of.named()
        );
    }
    let earlier: Vec<&String> = asking
        .iter()
        .filter(|(p, _)| p == phase)
        .flat_map(|(_, before)| before)
        .filter(|g| object.asks.iter().any(|a| !a.criterion && &a.gate == *g))
        .collect();
    match earlier.first() {
        Some(gate) => format!(
            "{} of {reference} is asked only once gate `{gate}` is given",
            of.named()
        ),
        None => format!(
            "{} of {reference} is not asked now: it has what it needs in `{phase}`",
            of.named()
        ),
    }
}

/// The turnover's environment when `of` is one of the approvals of its emergency `override`.
fn overridden_by(catalog: &Catalog<'_>, object: &ObjectPlan, of: &Of) -> Option<String> {
    let Of::Gate(gate) = of else {
        return None;
    };
    let turnover = (object.kind == Kind::Turnover)
        .then(|| catalog.get::<TurnoverSpec>(&object.name))
        .flatten()?;
    let name = turnover.manifest.spec.environment.as_str();
    let environment = catalog.get::<EnvironmentSpec>(name)?;
    let passage = environment.manifest.spec.emergency_override.as_ref()?;
    passage
        .approvals
        .iter()
        .any(|a| a.gate.as_str() == gate)
        .then(|| name.to_string())
}

/// The phases whose ways out ask for `of`, each with the gates its guard asks before it.
fn asking_phases(
    catalog: &Catalog<'_>,
    object: &ObjectPlan,
    of: &Of,
) -> Vec<(String, Vec<String>)> {
    let Some(flow) = object
        .kind
        .as_str()
        .parse::<WorkflowKind>()
        .ok()
        .and_then(|k| crate::workflow::effective(catalog, k))
    else {
        return Vec::new();
    };
    // A train's own gates and criteria are asked where the workflow checks that gate.
    let train = (object.kind == Kind::ReleaseTrain)
        .then(|| catalog.get::<ReleaseTrainSpec>(&object.name))
        .flatten()
        .map(|t| catalog.train_spec(t.manifest));
    let train_gate = train
        .as_ref()
        .and_then(|t| t.gates.as_ref())
        .and_then(|gates| {
            gates.iter().find_map(|(name, gate)| {
                let has = match of {
                    Of::Gate(g) => gate.approvals.iter().any(|a| a.gate.as_str() == g),
                    Of::Criterion(c) => gate.criteria.iter().any(|x| x.id.as_str() == c),
                };
                has.then_some(name)
            })
        });
    let mut out = Vec::new();
    for phase in &flow.spec.phases {
        for transition in &phase.transitions {
            let when = &transition.when;
            if let Of::Gate(g) = of
                && let Some(i) = when.approvals.iter().position(|a| a.gate.as_str() == g)
            {
                let before = when.approvals[..i]
                    .iter()
                    .map(|a| a.gate.to_string())
                    .collect();
                out.push((phase.name.to_string(), before));
            } else if train_gate.is_some() && when.criteria.as_deref() == train_gate {
                out.push((phase.name.to_string(), Vec::new()));
            }
        }
    }
    out
}

/// `team `release-engineers` (eve, raj)`, or `` `rita` `` for a member a field names.
fn asked_of(catalog: &Catalog<'_>, who: &str) -> String {
    match catalog.get::<TeamSpec>(who) {
        Some(team) => {
            let members: Vec<&str> = team
                .manifest
                .spec
                .members
                .iter()
                .map(|m| m.id.as_str())
                .collect();
            format!("team `{who}` ({})", members.join(", "))
        }
        None => format!("`{who}`"),
    }
}
