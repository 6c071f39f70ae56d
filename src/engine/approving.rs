//! The approvals guard (SPEC §3): the approvals a way out needs, asked in order, counted
//! from the right people ([`Repository::tally`]). Also what an environment's emergency
//! `override` asks ([`super::starts`]).

use serde_json::Value;

use super::repository::{as_text, field_values, is_empty};
use super::verdict::{Ctx, Verdict};
use crate::approvals::ApprovalOf;
use crate::manifest::{ApprovalGuard, SignatureMode};

/// Approvals are asked for in order: a later one (`executive`) only once the earlier ones
/// (`qa`) are given.
pub(super) fn approvals(ctx: &Ctx<'_, '_>, requirements: &[ApprovalGuard], verdict: &mut Verdict) {
    let repository = ctx.repository;
    let mut given = Vec::new();
    for (i, requirement) in requirements.iter().enumerate() {
        let team = repository.catalog.settings.team_for_role(&requirement.role);
        let gate = requirement.gate.as_str();
        let also = named_approvers(ctx.values, &requirement.or);
        let tally = repository.tally(ctx.subject, ApprovalOf::Gate(gate), team, &also, ctx.since);
        let need = requirement.count as usize;
        if let Some((by, comment)) = &tally.rejected_by {
            let why = comment
                .as_deref()
                .map(|c| format!(": {c}"))
                .unwrap_or_default();
            verdict
                .rejections
                .push(format!("`{gate}` rejected by `{by}`{why}"));
            verdict.missing.push(format!("approval `{gate}` was rejected by `{by}`{why}; a newer approval from team `{team}` is needed"));
        } else if tally.approvers.len() >= need {
            let checked = repository.keys.mode != SignatureMode::Off && repository.facts.verified;
            given.push(format!(
                "approval `{gate}` by {}",
                tally
                    .approvers
                    .iter()
                    .map(|a| match tally.unsigned.get(a) {
                        Some(why) => format!("`{a}` (not signed: {why})"),
                        None if checked => format!("`{a}` (signed)"),
                        None => format!("`{a}`"),
                    })
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
            continue;
        } else {
            let so_far = if tally.approvers.is_empty() {
                "none yet".to_string()
            } else {
                format!(
                    "{} so far ({})",
                    tally.approvers.len(),
                    tally.approvers.join(", ")
                )
            };
            let ignored = if tally.ignored.is_empty() {
                String::new()
            } else {
                format!(" (not counted: {})", tally.ignored.join("; "))
            };
            let or = also
                .iter()
                .map(|(field, who)| format!(" or the `{field}` (`{who}`)"))
                .collect::<String>();
            verdict.missing.push(format!(
                "approval `{gate}` needs {need} of team `{team}`{or}; {so_far}{ignored}"
            ));
        }
        verdict.asks = Some(i);
        for later in &requirements[i + 1..] {
            verdict.missing.push(format!(
                "approval `{}` is asked for once `{gate}` is given",
                later.gate
            ));
        }
        break;
    }
    if !given.is_empty() {
        verdict.held.push(given.join(", "));
    }
}

/// The people an approval's `or` fields name on the subject: (field, member or team), each
/// field that is set.
pub fn named_approvers(values: &Value, fields: &[String]) -> Vec<(String, String)> {
    fields
        .iter()
        .flat_map(|field| {
            field_values(values, field)
                .into_iter()
                .filter(|v| !is_empty(v))
                .map(move |v| (field.clone(), as_text(v)))
        })
        .collect()
}
