//! Approvals (SPEC §3, §4): counting the `Approval` records of a gate or an exit criterion.
//! They count only from members of the required team (or the person a spec field names),
//! each person once, never from the author of the subject's last change, only for the
//! subject's current visit to its phase, and only when their provenance holds (committed by
//! the member they name, unchanged since, signed when `trust.signatures` asks); a `reject`
//! after approvals blocks the gate until a newer `approve`.

use std::collections::BTreeMap;

use crate::catalog::{Catalog, Item};
use crate::manifest::{ApprovalSpec, Decision, WorkflowKind};
use crate::trust::Provenance;

/// What an approval is of: a gate (an Approval's `gate`) or an exit criterion (its `criterion`).
#[derive(Clone, Copy)]
pub enum ApprovalOf<'t> {
    Gate(&'t str),
    Criterion(&'t str),
}

impl ApprovalOf<'_> {
    fn names(self, spec: &ApprovalSpec) -> bool {
        match self {
            ApprovalOf::Gate(g) => spec.gate.as_ref().is_some_and(|x| x.as_str() == g),
            ApprovalOf::Criterion(c) => spec.criterion.as_ref().is_some_and(|x| x.as_str() == c),
        }
    }
}

/// The outcome of counting approvals for one gate or criterion.
#[derive(Debug, Default)]
pub struct Tally {
    /// Distinct members whose approval counts, in the order given.
    pub approvers: Vec<String>,
    /// The member whose `reject` blocks the gate (and the comment), when the last decision
    /// was a rejection.
    pub rejected_by: Option<(String, Option<String>)>,
    /// Records that do not count, and why.
    pub ignored: Vec<String>,
    /// Under `trust.signatures: verify`, the counted approvers whose record's commit is not
    /// signed by them, and why (under `require` they are not counted at all).
    pub unsigned: BTreeMap<String, String>,
}

/// The object approvals are for: its kind, name and file.
#[derive(Clone, Copy)]
pub struct Of<'s> {
    pub kind: WorkflowKind,
    pub name: &'s str,
    pub path: &'s str,
}

impl Of<'_> {
    /// `Kind/name`.
    fn reference(&self) -> String {
        format!("{}/{}", self.kind.as_str(), self.name)
    }
}

/// Who is asked: members of `team`, or the people `also` names (a spec field and the member
/// or team it holds).
struct Asked<'q> {
    team: &'q str,
    also: &'q [(String, String)],
}

/// Every Approval record by the subject it names ((kind, name)), in catalog order.
pub struct Approvals<'a> {
    by_subject: crate::catalog::BySubject<'a, ApprovalSpec>,
}

impl<'a> Approvals<'a> {
    pub fn index(catalog: &Catalog<'a>) -> Approvals<'a> {
        let by_subject = catalog.by_subject::<ApprovalSpec>(|a| &a.subject);
        Approvals { by_subject }
    }

    /// Counts the approvals `of` a gate or criterion on `subject` from members of `team` (or
    /// from the people `also` names), as SPEC §3 says; `since` is when the subject entered
    /// its phase (an approval committed by then belongs to an earlier visit).
    pub fn tally(
        &self,
        provenance: &Provenance<'a>,
        subject: Of<'_>,
        of: ApprovalOf<'_>,
        team: &str,
        also: &[(String, String)],
        since: Option<jiff::Timestamp>,
    ) -> Tally {
        let mut tally = Tally::default();
        let Some(records) = self.by_subject.get(&(subject.kind.as_str(), subject.name)) else {
            return tally;
        };
        let facts = provenance.facts;
        let mut relevant: Vec<&Item<'a, ApprovalSpec>> = records
            .iter()
            .filter(|a| of.names(&a.manifest.spec))
            .collect();
        // Later commits win.
        relevant.sort_by_key(|a| {
            (
                facts.added.get(a.path()).map(|c| c.time),
                a.path().to_string(),
                a.name().to_string(),
            )
        });
        let last_author = facts
            .changed
            .get(subject.path)
            .and_then(|c| provenance.catalog.member_by_email(&c.author_email));
        let asked = Asked { team, also };
        for approval in relevant {
            let by = approval.manifest.spec.by.as_str();
            let unsigned = match distrusted(provenance, approval, since) {
                Ok(unsigned) => unsigned,
                Err(why) => {
                    tally.ignored.push(why);
                    continue;
                }
            };
            if let Some(why) = not_asked(provenance.catalog, &asked, subject, by, last_author) {
                tally.ignored.push(why);
                continue;
            }
            tally.decide(&approval.manifest.spec, unsigned);
        }
        tally
    }
}

impl Tally {
    /// Counts one approval that holds: an `approve` adds its member once, a `reject` blocks
    /// the gate until a newer `approve`.
    fn decide(&mut self, spec: &ApprovalSpec, unsigned: Option<String>) {
        let by = spec.by.as_str();
        match spec.decision {
            Decision::Approve => {
                self.rejected_by = None;
                if !self.approvers.iter().any(|a| a == by) {
                    self.approvers.push(by.to_string());
                }
                match unsigned {
                    Some(why) => self.unsigned.insert(by.to_string(), why),
                    None => self.unsigned.remove(by),
                };
            }
            Decision::Reject => {
                self.approvers.clear();
                self.unsigned.clear();
                self.rejected_by = Some((by.to_string(), spec.comment.clone()));
            }
        }
    }
}

/// Why an approval's provenance does not hold (`Err`), or whether it holds unsigned under
/// `trust.signatures: verify` (`Ok(Some(why))`). Without a verified history (a dry-run of a
/// working tree that git cannot vouch for) every record holds.
fn distrusted(
    provenance: &Provenance<'_>,
    approval: &Item<'_, ApprovalSpec>,
    since: Option<jiff::Timestamp>,
) -> Result<Option<String>, String> {
    let facts = provenance.facts;
    if !facts.verified {
        return Ok(None);
    }
    let (name, path) = (approval.name(), approval.path());
    let by = approval.manifest.spec.by.as_str();
    match provenance.author(path) {
        None if !facts.added.contains_key(path) => {
            return Err(format!("`{name}` is not committed yet"));
        }
        Some(author) if author == by => {}
        _ => {
            let merged = facts
                .added
                .get(path)
                .filter(|c| c.merge)
                .map(|c| {
                    format!(
                        " (the merge commit {} by {} added it itself: a file a merge introduces is the merger's)",
                        c.id.get(..12).unwrap_or(&c.id),
                        c.author_name
                    )
                })
                .unwrap_or_default();
            return Err(format!(
                "`{name}` says `by: {by}` but was committed by someone else{merged}"
            ));
        }
    }
    if crate::trust::rewritten(facts, path).is_some() {
        return Err(format!(
            "`{name}` was changed after it was added (`record-changed`)"
        ));
    }
    let unsigned = provenance.unsigned(path, by);
    if let Some(why) = &unsigned
        && provenance.signatures_required()
    {
        return Err(format!(
            "`{name}` is not signed by `{by}` ({why}) and `trust.signatures` is `require`"
        ));
    }
    // Committed when the object left the phase, or before: that visit's.
    if let (Some(since), Some(added)) = (since, facts.added.get(path))
        && added.time <= since
    {
        return Err(format!(
            "`{name}` was given during an earlier visit to this phase"
        ));
    }
    Ok(unsigned)
}

/// Why `by` may not approve: neither in the team nor named by the spec, or the author of
/// the subject's last change (no self-approval).
fn not_asked(
    catalog: &Catalog<'_>,
    asked: &Asked<'_>,
    subject: Of<'_>,
    by: &str,
    last_author: Option<&str>,
) -> Option<String> {
    let team = asked.team;
    let named_by = asked
        .also
        .iter()
        .find(|(_, who)| who == by || catalog.in_team(by, who))
        .map(|(field, _)| field.as_str());
    if !catalog.in_team(by, team) && named_by.is_none() {
        let nor = asked
            .also
            .iter()
            .map(|(field, _)| format!(" nor the `{field}`"))
            .collect::<String>();
        return Some(format!("`{by}` is not in team `{team}`{nor}"));
    }
    if last_author != Some(by) {
        return None;
    }
    Some(match named_by {
        Some(field) if !catalog.in_team(by, team) => format!(
            "`{by}` is the `{field}` of {} but also made its last change, so that approval does not count (no self-approval): another member of team `{team}` must approve",
            subject.reference()
        ),
        _ => format!(
            "`{by}` made the last change to {} and cannot approve it",
            subject.reference()
        ),
    })
}
