//! Time and place: ranges that end after they start, environments reserved by one train at a
//! time (recurring reservations compared occurrence by occurrence), and a promotion path without cycles that promoted turnovers follow.

use std::collections::BTreeMap;

use crate::catalog::{Catalog, Item};
use crate::diagnostics::{Code, Diagnostic};
use crate::graph;
use crate::manifest::{
    ApplicationReleaseSpec, EnvironmentSpec, Moment, ReleaseSpec, ReleaseTrainSpec, TurnoverSpec,
};
use crate::time::{Period, Rule, environment_zone, reservation_rule};

pub(super) fn check(c: &Catalog<'_>, out: &mut Vec<Diagnostic>) {
    date_order(c, out);
    reservation_overlaps(c, out);
    promotion(c, out);
}

/// Reports `from`..`to` ranges that end before they start.
fn range<S>(
    item: &Item<'_, S>,
    from: Option<Moment>,
    to: Option<Moment>,
    pointer_to: &str,
    what: &str,
    out: &mut Vec<Diagnostic>,
) {
    if let (Some(from), Some(to)) = (from, to)
        && to.end() <= from.start()
    {
        out.push(
            item.error(
                Code::DateOrder,
                pointer_to,
                format!("{what} ends ({to}) before it starts ({from})"),
            )
            .with_label("before the start"),
        );
    }
}

fn date(d: Option<crate::manifest::Date>) -> Option<Moment> {
    d.map(Moment::Date)
}

fn date_order(c: &Catalog<'_>, out: &mut Vec<Diagnostic>) {
    for env in c.all::<EnvironmentSpec>() {
        for (i, freeze) in env.manifest.spec.freezes.iter().enumerate() {
            range(
                &env,
                freeze.from,
                freeze.to,
                &format!("/spec/freezes/{i}/to"),
                "the freeze",
                out,
            );
        }
    }
    for train in c.all::<ReleaseTrainSpec>() {
        let spec = &train.manifest.spec;
        if let Some(schedule) = &spec.schedule {
            range(
                &train,
                date(Some(schedule.start)),
                date(Some(schedule.end)),
                "/spec/schedule/end",
                "the train's schedule",
                out,
            );
        }
        for (i, r) in spec.environments.iter().flatten().enumerate() {
            range(
                &train,
                r.from,
                r.to,
                &format!("/spec/environments/{i}/to"),
                "the reservation",
                out,
            );
        }
    }
    for release in c.all::<ApplicationReleaseSpec>() {
        if let Some(schedule) = &release.manifest.spec.schedule {
            range(
                &release,
                date(schedule.start),
                date(schedule.end),
                "/spec/schedule/end",
                "the release's schedule",
                out,
            );
        }
    }
    for release in c.all::<ReleaseSpec>() {
        let spec = &release.manifest.spec;
        let instant = |i: Option<crate::manifest::Instant>| i.map(Moment::Instant);
        range(
            &release,
            instant(spec.scheduled_start),
            instant(spec.scheduled_end),
            "/spec/scheduledEnd",
            "the scheduled deployment",
            out,
        );
        range(
            &release,
            instant(spec.actual_start),
            instant(spec.actual_end),
            "/spec/actualEnd",
            "the actual deployment",
            out,
        );
    }
}

/// One reservation: the train, where it is written, the period it covers and, when it
/// recurs, the periods within it that the train holds the environment.
struct Booking<'a> {
    train: Item<'a, ReleaseTrainSpec>,
    index: usize,
    from: jiff::Timestamp,
    to: jiff::Timestamp,
    rule: Option<Rule>,
}

/// How far two recurring reservations are compared: the first two years in which both hold
/// (a rule that repeats within them overlaps within them too, or never does for most rules
/// people write; see the README).
const COMPARED_DAYS: i64 = 732;

impl Booking<'_> {
    /// The periods it holds within `from..to`.
    fn periods(&self, from: jiff::Timestamp, to: jiff::Timestamp) -> Vec<Period> {
        match &self.rule {
            Some(rule) => rule.periods(from, to, 20_000),
            None => vec![Period {
                start: from,
                end: to,
            }],
        }
    }

    /// The first instant both hold the environment, if any.
    fn overlap(&self, other: &Booking<'_>) -> Option<jiff::Timestamp> {
        let from = self.from.max(other.from);
        let to = self.to.min(other.to);
        if from >= to {
            return None;
        }
        if self.rule.is_none() && other.rule.is_none() {
            return Some(from);
        }
        // Unbounded before: from the first occurrence either rule has.
        let first = [&self.rule, &other.rule]
            .into_iter()
            .flatten()
            .filter_map(|rule| rule.periods(from, to, 1).first().map(|p| p.start))
            .min()?
            .max(from);
        let to = to.min(
            first
                .checked_add(jiff::SignedDuration::from_hours(24 * COMPARED_DAYS))
                .unwrap_or(jiff::Timestamp::MAX),
        );
        let (mine, theirs) = (self.periods(first, to), other.periods(first, to));
        let (mut i, mut k) = (0, 0);
        while let (Some(a), Some(b)) = (mine.get(i), theirs.get(k)) {
            if a.start < b.end && b.start < a.end {
                return Some(a.start.max(b.start));
            }
            if a.end <= b.end {
                i += 1;
            } else {
                k += 1;
            }
        }
        None
    }
}

fn reservation_overlaps(c: &Catalog<'_>, out: &mut Vec<Diagnostic>) {
    let mut by_environment: BTreeMap<String, Vec<Booking<'_>>> = BTreeMap::new();
    for train in c.all::<ReleaseTrainSpec>() {
        if train.manifest.spec.abandon.is_some() {
            continue;
        }
        let merged = c.train_spec(train.manifest);
        let schedule = merged.schedule.as_ref();
        for (index, reservation) in merged.environments.iter().flatten().enumerate() {
            let from = reservation
                .from
                .or_else(|| schedule.map(|s| Moment::Date(s.start)))
                .map_or(jiff::Timestamp::MIN, Moment::start);
            let to = reservation
                .to
                .or_else(|| schedule.map(|s| Moment::Date(s.end)))
                .map_or(jiff::Timestamp::MAX, Moment::end);
            let zone = environment_zone(
                c.get::<EnvironmentSpec>(reservation.name.as_str())
                    .map(|e| &e.manifest.spec),
                c.settings.timezone.as_deref(),
            );
            // A rule that does not parse is reported where it is written ([`super::times`]).
            let rule = reservation_rule(reservation, schedule.map(|s| s.start), &zone)
                .and_then(Result::ok);
            if reservation.recur.is_some() && rule.is_none() {
                continue;
            }
            by_environment
                .entry(reservation.name.to_string())
                .or_default()
                .push(Booking {
                    train,
                    index,
                    from,
                    to,
                    rule,
                });
        }
    }
    for (environment, bookings) in &by_environment {
        for (i, later) in bookings.iter().enumerate() {
            let Some((earlier, at)) = bookings[..i].iter().find_map(|b| {
                (b.train.name() != later.train.name())
                    .then(|| b.overlap(later).map(|at| (b, at)))
                    .flatten()
            }) else {
                continue;
            };
            let own = train_pointer(later);
            let (trains, what) = (
                format!(
                    "trains `{}` and `{}`",
                    earlier.train.name(),
                    later.train.name()
                ),
                match earlier.rule.is_some() || later.rule.is_some() {
                    true => format!("at overlapping times (both from {at})"),
                    false => "over overlapping dates".to_string(),
                },
            );
            let mut d = later
                .train
                .error(Code::ReservationOverlap, &own, format!("environment `{environment}` is reserved by {trains} {what}"))
                .with_label("overlaps another train's reservation")
                .with_hint("give the reservations `from`/`to` dates (or `recur` periods) that do not overlap, or reserve another environment");
            let other = train_pointer(earlier);
            d = d.with_related(
                earlier.train.path(),
                earlier.train.span(&other),
                format!("reserved by `{}` here", earlier.train.name()),
            );
            out.push(d);
        }
    }
}

/// Where a booking is written: in the train, or (inherited) at its `template` field.
fn train_pointer(booking: &Booking<'_>) -> String {
    if booking.train.manifest.spec.environments.is_some() {
        format!("/spec/environments/{}/name", booking.index)
    } else {
        "/spec/template".to_string()
    }
}

fn promotion(c: &Catalog<'_>, out: &mut Vec<Diagnostic>) {
    let environments: Vec<Item<'_, EnvironmentSpec>> = c.all::<EnvironmentSpec>().collect();
    let index: BTreeMap<&str, usize> = environments
        .iter()
        .enumerate()
        .map(|(i, e)| (e.name(), i))
        .collect();
    let edges: Vec<(usize, usize)> = environments
        .iter()
        .enumerate()
        .filter_map(|(from, e)| {
            Some((
                from,
                *index.get(e.manifest.spec.promotes_to.as_ref()?.as_str())?,
            ))
        })
        .collect();
    for (from, to) in &edges {
        if from == to {
            out.push(
                environments[*from]
                    .error(
                        Code::PromotionCycle,
                        "/spec/promotesTo",
                        format!(
                            "environment `{}` promotes to itself",
                            environments[*from].name()
                        ),
                    )
                    .with_label("itself"),
            );
        }
    }
    for cycle in graph::cycles(environments.len(), &edges) {
        let names: Vec<&str> = cycle.iter().map(|&i| environments[i].name()).collect();
        out.push(
            environments[cycle[0]]
                .error(
                    Code::PromotionCycle,
                    "/spec/promotesTo",
                    format!("the promotion path loops: {}", names.join(" → ")),
                )
                .with_label("promotes back into the loop")
                .with_hint("a promotion path runs one way, e.g. dev → test → staging → production"),
        );
    }
    for turnover in c.all::<TurnoverSpec>() {
        let spec = &turnover.manifest.spec;
        let Some(source) = spec
            .promoted_from
            .as_ref()
            .and_then(|s| c.get::<TurnoverSpec>(s.as_str()))
        else {
            continue;
        };
        let Some(source_env) = c.get::<EnvironmentSpec>(source.manifest.spec.environment.as_str())
        else {
            continue;
        };
        let next = source_env.manifest.spec.promotes_to.as_ref();
        if next.map(|n| n.as_str()) != Some(spec.environment.as_str()) {
            let leads = next.map_or("is the end of the promotion path".to_string(), |n| {
                format!("promotes to `{n}`")
            });
            out.push(
                turnover
                    .error(
                        Code::PromotionPath,
                        "/spec/promotedFrom",
                        format!("turnover `{}` is on `{}`, which {leads}, not to `{}`", source.name(), source_env.name(), spec.environment),
                    )
                    .with_label("not the previous environment on the promotion path")
                    .with_hint("promote from a turnover on the environment whose `promotesTo` is this turnover's environment"),
            );
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
    fn ranges_that_end_before_they_start() {
        let found = with(
            "apiVersion: railyard/v1\nkind: Environment\nmetadata: {name: dev}\nspec:\n  tier: development\n  freezes: [{from: 2026-12-24, to: 2026-12-20, reason: holidays}]\n",
        );
        assert_eq!(
            found,
            vec![(
                "date-order",
                "the freeze ends (2026-12-20) before it starts (2026-12-24)".to_string()
            )]
        );
        // A one-day freeze is fine: a date covers its whole day.
        assert_eq!(
            with(
                "apiVersion: railyard/v1\nkind: Environment\nmetadata: {name: dev}\nspec:\n  tier: development\n  freezes: [{from: 2026-12-24, to: 2026-12-24, reason: eve}]\n"
            ),
            vec![]
        );
    }

    #[test]
    fn recurring_reservations_overlap_only_where_their_periods_do() {
        let train = |name: &str, extra: &str| {
            format!(
                "apiVersion: railyard/v1\nkind: ReleaseTrain\nmetadata: {{name: {name}}}\nspec:\n  type: patch\n  manager: rita\n  environments: [{{name: production, from: 2027-01-01, to: 2027-01-31{extra}}}]\n"
            )
        };
        let evenings = |day: &str, start: &str| {
            format!(
                ", recur: {{rrule: \"FREQ=WEEKLY;BYDAY={day}\", start: \"{start}\", duration: 4h}}"
            )
        };
        let both = |a: &str, b: &str| with(&format!("{}---\n{}", train("p1", a), train("p2", b)));
        // Tuesday and Thursday evenings of the same month share no hour.
        assert_eq!(
            both(&evenings("TU", "20:00"), &evenings("TH", "20:00")),
            vec![]
        );
        // Tuesday 20:00-24:00 and 22:00-02:00 do, from the first Tuesday of January.
        assert_eq!(
            both(&evenings("TU", "20:00"), &evenings("TU", "22:00")),
            vec![("reservation-overlap", "environment `production` is reserved by trains `p1` and `p2` at overlapping times (both from 2027-01-05T22:00:00Z)".to_string())]
        );
        // A whole-month reservation holds every one of the other's evenings.
        assert_eq!(
            both("", &evenings("FR", "20:00")),
            vec![("reservation-overlap", "environment `production` is reserved by trains `p1` and `p2` at overlapping times (both from 2027-01-01T20:00:00Z)".to_string())]
        );
        // A rule that does not parse is reported where it is written, and compared with nothing.
        assert_eq!(
            both("", ", recur: {rrule: FREQ=FORTNIGHTLY, duration: 4h}"),
            vec![("invalid-recurrence", "`FREQ=FORTNIGHTLY` is not an RFC 5545 RRULE: RRule parsing error: `FORTNIGHTLY` is not a valid frequency.".to_string())]
        );
    }

    #[test]
    fn overlapping_reservations() {
        let train = |name: &str, from: &str, to: &str| {
            format!(
                "apiVersion: railyard/v1\nkind: ReleaseTrain\nmetadata: {{name: {name}}}\nspec:\n  type: patch\n  manager: rita\n  environments: [{{name: production, from: {from}, to: {to}}}]\n"
            )
        };
        let overlapping = with(&format!(
            "{}---\n{}",
            train("p1", "2027-01-01", "2027-01-10"),
            train("p2", "2027-01-10", "2027-01-20")
        ));
        // A date bound covers its whole day: p1 holds production through 2027-01-10.
        assert_eq!(overlapping, vec![("reservation-overlap", "environment `production` is reserved by trains `p1` and `p2` over overlapping dates".to_string())]);
        // q4 holds production until 2026-12-31; January trains that do not overlap each other are fine.
        let apart = with(&format!(
            "{}---\n{}",
            train("p1", "2027-01-01", "2027-01-09"),
            train("p2", "2027-01-10", "2027-01-20")
        ));
        assert_eq!(apart, vec![]);
    }

    #[test]
    fn promotion_path() {
        let found = with(
            "apiVersion: railyard/v1\nkind: Environment\nmetadata: {name: a}\nspec: {tier: test, promotesTo: b}\n---\n\
             apiVersion: railyard/v1\nkind: Environment\nmetadata: {name: b}\nspec: {tier: test, promotesTo: a}\n",
        );
        assert_eq!(
            found,
            vec![(
                "promotion-cycle",
                "the promotion path loops: a → b → a".to_string()
            )]
        );
        let tasks = "  tasks: [{id: x, title: X, type: automated, run: [x]}]\n";
        let wrong = with(&format!(
            "apiVersion: railyard/v1\nkind: Turnover\nmetadata: {{name: t1}}\nspec:\n  environment: production\n  train: q4\n{tasks}---\n\
             apiVersion: railyard/v1\nkind: Turnover\nmetadata: {{name: t2}}\nspec:\n  environment: test\n  train: q4\n  promotedFrom: t1\n{tasks}"
        ));
        assert_eq!(wrong, vec![("promotion-path", "turnover `t1` is on `production`, which is the end of the promotion path, not to `test`".to_string())]);
    }
}
