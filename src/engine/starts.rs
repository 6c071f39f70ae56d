//! Whether a deployment may start now (the `notFrozen` guard): no freeze of the
//! environment covers now and one of its windows does ([`crate::time`]), no halt stops it
//! ([`crate::halts`]), a promoted turnover's source has soaked, and the train has reserved
//! the environment for the scheduled time. An emergency train passes the freezes, windows
//! and halts with the approvals of the environment's `override`.

use super::repository::field_values;
use super::verdict::{Ctx, Verdict, instant_of};
use crate::manifest::{EmergencyOverride, TrainType, WorkflowKind};

/// No freeze of the turnover's environment covers now (an emergency train may pass a freeze
/// that allows it), and the train has reserved the environment for the scheduled time.
pub(super) fn not_frozen(ctx: &Ctx<'_, '_>, verdict: &mut Verdict) {
    let repository = ctx.repository;
    let Some(environment) = repository.environment(ctx.subject) else {
        return;
    };
    let train = repository.parent(ctx.subject);
    let train_spec = train.as_deref().and_then(|t| repository.train_spec(t));
    let emergency = train_spec
        .as_ref()
        .is_some_and(|t| t.train_type == Some(TrainType::Emergency));
    // What an emergency override may pass: freezes, closed windows and halts.
    let mut blocks: Vec<String> = Vec::new();
    let mut next_start = None;
    if let Some(openings) = repository.openings(environment.name()) {
        if let Some(changes) = openings.changes {
            ctx.timer.note(repository.now(), changes);
        }
        let closed = match emergency {
            true => &openings.emergency,
            false => &openings.normal,
        };
        if let Some(closed) = closed {
            blocks.extend(
                closed
                    .reasons
                    .iter()
                    .map(|reason| format!("environment `{}` {reason}", environment.name())),
            );
            next_start = Some(match closed.next {
                Some(next) => format!("the next allowed start is {next}"),
                None => format!(
                    "no start is allowed on `{}` in the next {} days",
                    environment.name(),
                    crate::time::openings::HORIZON_DAYS
                ),
            });
        }
    }
    let (halts, ignored) = repository.halts();
    for halt in halts.iter().filter(|h| h.stops(environment.name())) {
        if let Some(until) = halt.until {
            ctx.timer.note(repository.now(), until);
        }
        blocks.push(halt.sentence(&format!("`{}`", environment.name())));
    }
    verdict.held.extend(ignored.iter().cloned());
    let mut open = blocks.is_empty();
    if !open {
        let passage = environment
            .manifest
            .spec
            .emergency_override
            .as_ref()
            .filter(|_| emergency);
        open = overridden(ctx, passage, &environment, blocks, next_start, verdict);
    }
    if !soaked(ctx, &environment, verdict) {
        open = false;
    }
    if let (Some(train), Some(spec)) = (train.as_deref(), train_spec.as_ref()) {
        let reservation = spec
            .environments
            .iter()
            .flatten()
            .find(|r| r.name.as_str() == environment.name());
        match reservation {
            None => {
                open = false;
                verdict.missing.push(format!("train `{train}` has not reserved environment `{}`: add it to the train's `environments`", environment.name()));
            }
            Some(reservation) => {
                let at = field_values(ctx.values, "scheduledAt")
                    .first()
                    .and_then(|v| instant_of(v))
                    .unwrap_or(repository.now());
                // Without a schedule the reservation is checked against the clock: its bounds
                // are when the answer can change (noted either way; harmless with a schedule).
                for bound in [
                    reservation.from.map(|f| f.start()),
                    reservation.to.map(|t| t.end()),
                ]
                .into_iter()
                .flatten()
                {
                    ctx.timer.note(repository.now(), bound);
                }
                let after_start = reservation.from.is_none_or(|f| f.start() <= at);
                let before_end = reservation.to.is_none_or(|t| at < t.end());
                if !(after_start && before_end) {
                    open = false;
                    verdict.missing.push(format!(
                        "the scheduled time {at} is outside train `{train}`'s reservation of `{}`",
                        environment.name()
                    ));
                } else if let Some(outside) =
                    outside_periods(ctx, &environment, spec, reservation, at)
                {
                    open = false;
                    verdict.missing.push(format!(
                        "the scheduled time {at} is outside train `{train}`'s periods on `{}` ({outside})",
                        environment.name()
                    ));
                }
            }
        }
    }
    if open {
        verdict
            .held
            .push(format!("environment `{}` is open", environment.name()));
    }
}

/// Whether an emergency train's turnover passes what `blocks` it with the approvals of the
/// environment's `override`: when they are all given the plan holds who overrode what (and
/// the transition's history keeps it); otherwise the blocks are missing, with the approval
/// that would pass them.
fn overridden(
    ctx: &Ctx<'_, '_>,
    passage: Option<&EmergencyOverride>,
    environment: &crate::catalog::Item<'_, crate::manifest::EnvironmentSpec>,
    blocks: Vec<String>,
    next_start: Option<String>,
    verdict: &mut Verdict,
) -> bool {
    let Some(passage) = passage else {
        verdict.missing.extend(blocks);
        verdict.missing.extend(next_start);
        return false;
    };
    let mut tally = Verdict::default();
    super::approving::approvals(ctx, &passage.approvals, &mut tally);
    if tally.holds() {
        verdict.held.push(format!(
            "emergency override of `{}` with {}: {}",
            environment.name(),
            tally.held.join(", "),
            blocks.join("; ")
        ));
        return true;
    }
    verdict.missing.extend(blocks);
    verdict.missing.extend(next_start);
    verdict.missing.push(format!(
        "an emergency train may start on `{}` anyway with the approvals of its `override`",
        environment.name()
    ));
    verdict.missing.extend(tally.missing);
    verdict.rejections.extend(tally.rejections);
    verdict.overrides = tally.asks.and_then(|i| passage.approvals.get(i)).cloned();
    false
}

/// When the train's reservation recurs (`recur`) and `at` is in none of its periods: the
/// rule, and the next period's start when there is one. The next start or end of a period is
/// noted for the timer (`at` is the clock when the turnover has no schedule).
fn outside_periods(
    ctx: &Ctx<'_, '_>,
    environment: &crate::catalog::Item<'_, crate::manifest::EnvironmentSpec>,
    train: &crate::manifest::ReleaseTrainSpec,
    reservation: &crate::manifest::Reservation,
    at: jiff::Timestamp,
) -> Option<String> {
    let repository = ctx.repository;
    let settings = repository.catalog.settings;
    let zone = crate::time::environment_zone(
        Some(&environment.manifest.spec),
        settings.timezone.as_deref(),
    );
    let start = train.schedule.as_ref().map(|s| s.start);
    // A rule that does not parse is an error of the train: nothing starts on it.
    let rule = match crate::time::reservation_rule(reservation, start, &zone)? {
        Ok(rule) => rule,
        Err(why) => return Some(why),
    };
    let soon = at
        .checked_add(jiff::SignedDuration::from_hours(
            24 * crate::time::openings::HORIZON_DAYS,
        ))
        .unwrap_or(jiff::Timestamp::MAX);
    let periods = rule.periods(at, soon, 2);
    if let Some(next) = periods
        .iter()
        .flat_map(|p| [p.start, p.end])
        .find(|&t| t > repository.now())
    {
        ctx.timer.note(repository.now(), next);
    }
    let described = crate::time::describe(
        reservation.recur.as_ref()?,
        zone.iana_name().unwrap_or("UTC"),
    );
    match periods.first() {
        Some(period) if period.contains(at) => None,
        Some(period) => Some(format!("{described}; the next starts at {}", period.start)),
        None => Some(described),
    }
}

/// Whether a promoted turnover's source has been deployed for the soak the environment
/// asks (`promotion.soak`); says so either way when there is a soak to wait for.
fn soaked(
    ctx: &Ctx<'_, '_>,
    environment: &crate::catalog::Item<'_, crate::manifest::EnvironmentSpec>,
    verdict: &mut Verdict,
) -> bool {
    let repository = ctx.repository;
    let Some(soak) = environment
        .manifest
        .spec
        .promotion
        .as_ref()
        .and_then(|p| p.soak)
    else {
        return true;
    };
    let Some(source) = repository
        .catalog
        .get::<crate::manifest::TurnoverSpec>(ctx.subject.name)
        .and_then(|t| t.manifest.spec.promoted_from.clone())
    else {
        return true;
    };
    let phase = repository.phase_of(WorkflowKind::Turnover, source.as_str());
    if !matches!(phase, Some("deployed" | "closed")) {
        // The promotion path's own guard and checks say what a source that is not deployed
        // lacks.
        return true;
    }
    // Deployed in this very reconcile when its last status does not say when.
    let since = repository
        .deployed_at
        .get(source.as_str())
        .copied()
        .unwrap_or(repository.now());
    let seconds = i64::try_from(soak.seconds).unwrap_or(i64::MAX);
    let ready = since
        .checked_add(jiff::SignedDuration::from_secs(seconds))
        .unwrap_or(jiff::Timestamp::MAX);
    if repository.passed(ready, ctx.timer) {
        verdict.held.push(format!(
            "Turnover/{source} has soaked for {soak} since it was deployed at {since}"
        ));
        true
    } else {
        verdict.missing.push(format!(
            "Turnover/{source} was deployed at {since} and `{}` asks it to soak for {soak}: it may start at {ready}",
            environment.name()
        ));
        false
    }
}
