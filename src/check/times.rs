//! Time zones and recurrences: every `timezone` is an IANA name, every freeze is dated,
//! recurs or comes from a calendar (one of them), every recurrence rule parses, and every deployment window opens.

use crate::catalog::{Catalog, Item};
use crate::diagnostics::{Code, Diagnostic};
use crate::manifest::{
    ConfigSpec, EnvironmentSpec, Recurrence, ReleaseTrainSpec, Reservation, TrainTemplateSpec,
};
use crate::time::{Rule, environment_zone, zone};

/// How far after its `since` a window must open at least once.
const WINDOW_YEARS: i16 = 10;

pub(super) fn check(c: &Catalog<'_>, out: &mut Vec<Diagnostic>) {
    for config in c.all::<ConfigSpec>() {
        if let Some(name) = &config.manifest.spec.timezone {
            time_zone(&config, name, out);
        }
    }
    for train in c.all::<ReleaseTrainSpec>() {
        reservations(c, &train, train.manifest.spec.environments.as_deref(), out);
    }
    for template in c.all::<TrainTemplateSpec>() {
        reservations(
            c,
            &template,
            template.manifest.spec.environments.as_deref(),
            out,
        );
    }
    for env in c.all::<EnvironmentSpec>() {
        let spec = &env.manifest.spec;
        if let Some(name) = &spec.timezone {
            time_zone(&env, name, out);
        }
        let zone = environment_zone(Some(spec), c.settings.timezone.as_deref());
        for (i, freeze) in spec.freezes.iter().enumerate() {
            let pointer = format!("/spec/freezes/{i}");
            let dated = freeze.from.is_some() || freeze.to.is_some();
            let ways = usize::from(dated)
                + usize::from(freeze.recur.is_some())
                + usize::from(freeze.calendar.is_some());
            match (&freeze.recur, freeze.from, freeze.to) {
                _ if ways > 1 => out.push(
                    env.error(
                        Code::FreezePeriod,
                        &pointer,
                        "a freeze is dated (`from` and `to`), recurs (`recur`) or comes from a `calendar`: one of them",
                    )
                    .with_label("more than one period")
                    .with_hint("split it into one freeze each"),
                ),
                (Some(recur), None, None) => {
                    rule(&env, recur, &zone, &format!("{pointer}/recur"), out);
                }
                (None, Some(_), Some(_)) => {}
                _ if freeze.calendar.is_some() => {}
                _ => out.push(
                    env.error(
                        Code::FreezePeriod,
                        &pointer,
                        "a freeze needs `from` and `to`, `recur`, or a `calendar`",
                    )
                    .with_label("no period")
                    .with_hint("e.g. `from: 2026-12-20` and `to: 2027-01-02`, `recur: {rrule: FREQ=WEEKLY;BYDAY=FR, start: \"16:00\", duration: 64h}`, or `calendar: calendars/holidays.ics`"),
                ),
            }
        }
        for (i, window) in spec.windows.iter().enumerate() {
            let pointer = format!("/spec/windows/{i}");
            if let Some(rule) = rule(&env, window, &zone, &pointer, out) {
                never_opens(&env, window, &rule, &pointer, out);
            }
        }
    }
}

/// Every recurring reservation's rule parses, in the reserved environment's zone.
fn reservations<S>(
    c: &Catalog<'_>,
    item: &Item<'_, S>,
    reservations: Option<&[Reservation]>,
    out: &mut Vec<Diagnostic>,
) {
    for (i, reservation) in reservations.unwrap_or_default().iter().enumerate() {
        let Some(recur) = &reservation.recur else {
            continue;
        };
        let environment = c.get::<EnvironmentSpec>(reservation.name.as_str());
        let zone = environment_zone(
            environment.map(|e| &e.manifest.spec),
            c.settings.timezone.as_deref(),
        );
        rule(
            item,
            recur,
            &zone,
            &format!("/spec/environments/{i}/recur"),
            out,
        );
    }
}

fn time_zone<S>(item: &Item<'_, S>, name: &str, out: &mut Vec<Diagnostic>) {
    if let Err(why) = zone(name) {
        out.push(
            item.error(Code::UnknownTimeZone, "/spec/timezone", why)
                .with_label("not a time zone")
                .with_hint("an IANA name such as `Europe/Berlin`, `America/New_York` or `UTC`"),
        );
    }
}

/// The rule of `recurrence`, or a diagnostic at its `rrule` (or `duration`).
fn rule<S>(
    item: &Item<'_, S>,
    recurrence: &Recurrence,
    zone: &jiff::tz::TimeZone,
    pointer: &str,
    out: &mut Vec<Diagnostic>,
) -> Option<Rule> {
    match Rule::new(recurrence, zone) {
        Ok(rule) => Some(rule),
        Err(why) => {
            let at = match recurrence.duration.seconds {
                0 => "duration",
                _ => "rrule",
            };
            out.push(
                item.error(Code::InvalidRecurrence, &format!("{pointer}/{at}"), why)
                    .with_label("not a recurrence railyard can expand")
                    .with_hint("an RFC 5545 RRULE such as `FREQ=WEEKLY;BYDAY=TU,WE,TH` or `FREQ=YEARLY;BYMONTH=12;BYMONTHDAY=20`"),
            );
            None
        }
    }
}

/// Reports a window with no occurrence in the years after it starts counting.
fn never_opens<S>(
    item: &Item<'_, S>,
    window: &Recurrence,
    rule: &Rule,
    pointer: &str,
    out: &mut Vec<Diagnostic>,
) {
    let since = window
        .since
        .map_or(jiff::civil::date(2000, 1, 1), |d| d.0)
        .to_zoned(jiff::tz::TimeZone::UTC)
        .map(|z| z.timestamp());
    let Ok(since) = since else {
        return;
    };
    let until = since
        .checked_add(jiff::SignedDuration::from_hours(
            24 * 366 * i64::from(WINDOW_YEARS),
        ))
        .unwrap_or(jiff::Timestamp::MAX);
    if rule.periods(since, until, 1).is_empty() {
        out.push(
            item.error(
                Code::InvalidRecurrence,
                &format!("{pointer}/rrule"),
                format!(
                    "this deployment window never opens: `{}` has no occurrence in the {WINDOW_YEARS} years from its start",
                    window.rrule
                ),
            )
            .with_label("never opens")
            .with_hint("no deployment could ever start on this environment; fix the rule or remove the window"),
        );
    }
}
