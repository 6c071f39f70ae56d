//! `railyard calendar`: the release calendar as iCalendar (RFC 5545) or JSON: every train's
//! phases and milestones, scheduled turnovers, freezes (recurring ones as RRULEs), deployment
//! windows, reservations and the halts in force. Pure: the catalog and the halts in, text
//! out. The bytes depend only on the repository (and, through the halts, the clock):
//! events are sorted by a UID made of what they are (`freeze-2-production@railyard`), and
//! DTSTAMP is fixed, so that a calendar app subscribed to the file sees a change only when
//! the repository changes.

use std::fmt::Write as _;

use jiff::Timestamp;
use jiff::civil::{Date, DateTime};
use serde::Serialize;

use crate::catalog::Catalog;
use crate::halts::Halt;
use crate::manifest::{EnvironmentSpec, Moment, ReleaseTrainSpec, TurnoverSpec};
use crate::time::{Rule, environment_zone};

/// One calendar entry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Event {
    pub uid: String,
    /// `phase`, `milestone`, `turnover`, `freeze`, `window`, `reservation` or `halt`.
    pub category: &'static str,
    pub summary: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The environment it is about: a freeze's, a window's, a turnover's, a reservation's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub environment: Option<String>,
    #[serde(flatten)]
    pub when: When,
    /// With [`expand`]: a recurring event's occurrences in the range asked, as instants.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub occurrences: Option<Vec<[Timestamp; 2]>>,
}

/// When an event happens.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase", tag = "type")]
pub enum When {
    /// Whole days, `end` not included.
    Days { start: Date, end: Date },
    /// From an instant, to another (or open-ended).
    Instants {
        start: Timestamp,
        #[serde(skip_serializing_if = "Option::is_none")]
        end: Option<Timestamp>,
    },
    /// A recurrence in a zone: the first occurrence's local date and time, the rule and
    /// how long each occurrence lasts.
    #[serde(rename_all = "camelCase")]
    Recurring {
        timezone: String,
        first: DateTime,
        rrule: String,
        duration_seconds: i64,
    },
}

/// Every event of the repository in `catalog`, with `halts` (those in force), by UID.
pub fn events(catalog: &Catalog<'_>, halts: &[Halt]) -> Vec<Event> {
    events_with(catalog, halts, true)
}

/// [`events`] but the scheduled turnovers: a repository keeps thousands of them, and a
/// reader of a few days of them takes them from the catalog.
pub fn events_but_turnovers(catalog: &Catalog<'_>, halts: &[Halt]) -> Vec<Event> {
    events_with(catalog, halts, false)
}

fn events_with(catalog: &Catalog<'_>, halts: &[Halt], turnovers: bool) -> Vec<Event> {
    let mut out = Vec::new();
    trains(catalog, &mut out);
    if turnovers {
        for turnover in catalog.all::<TurnoverSpec>() {
            if let Some(at) = turnover.manifest.spec.scheduled_at {
                out.push(Event {
                    uid: format!("turnover-{}@railyard", turnover.name()),
                    category: "turnover",
                    summary: format!(
                        "Turnover {} to {}",
                        turnover.name(),
                        turnover.manifest.spec.environment
                    ),
                    description: None,
                    environment: Some(turnover.manifest.spec.environment.to_string()),
                    when: When::Instants {
                        start: at.0,
                        end: None,
                    },
                    occurrences: None,
                });
            }
        }
    }
    for environment in catalog.all::<EnvironmentSpec>() {
        environment_events(
            catalog,
            environment.name(),
            &environment.manifest.spec,
            &mut out,
        );
    }
    // A halt in a plain folder has no commit to start from: it is in the plan, not here.
    for halt in halts {
        let Some(start) = halt.since else { continue };
        out.push(Event {
            uid: format!("halt-{}@railyard", halt.name),
            category: "halt",
            summary: format!("Deployments halted on {}", halt.on().replace('`', "")),
            description: Some(format!("{} (by {})", halt.reason, halt.by)),
            environment: None,
            when: When::Instants {
                start,
                end: halt.until,
            },
            occurrences: None,
        });
    }
    out.sort_by(|a, b| a.uid.cmp(&b.uid));
    out
}

/// Fills in each recurring event's occurrences from `from` up to `to`, as railyard's own
/// expansion gives them (what `railyard calendar --format json --expand DAYS` prints, and
/// CI compares with a third-party expansion of the iCalendar text).
pub fn expand(events: &mut [Event], from: Timestamp, to: Timestamp) {
    for event in events {
        let When::Recurring {
            timezone,
            first,
            rrule,
            duration_seconds,
        } = &event.when
        else {
            continue;
        };
        let Ok(zone) = crate::time::zone(timezone) else {
            continue;
        };
        let recurrence = crate::manifest::Recurrence {
            rrule: rrule.clone(),
            start: Some(crate::manifest::TimeOfDay(first.time())),
            duration: crate::manifest::Duration {
                seconds: u64::try_from(*duration_seconds).unwrap_or(0),
            },
            since: Some(crate::manifest::Date(first.date())),
        };
        let Ok(rule) = Rule::new(&recurrence, &zone) else {
            continue;
        };
        event.occurrences = Some(
            rule.periods(from, to, 100_000)
                .into_iter()
                .map(|p| [p.start, p.end])
                .collect(),
        );
    }
}

/// Each train's phases (from its start to each phase's due date), milestones and
/// reservations.
fn trains(catalog: &Catalog<'_>, out: &mut Vec<Event>) {
    for train in catalog.all::<ReleaseTrainSpec>() {
        let name = train.name();
        let spec = catalog.train_spec(train.manifest);
        if let Some(schedule) = &spec.schedule {
            let mut start = schedule.start.0;
            let phases = schedule.phases.as_ref();
            let due = [
                ("scoping", phases.and_then(|p| p.scoping)),
                ("construction", phases.and_then(|p| p.construction)),
                ("verification", phases.and_then(|p| p.verification)),
                ("deployment", phases.and_then(|p| p.deployment)),
            ];
            for (i, (phase, due)) in due.iter().enumerate() {
                let Some(due) = due else { continue };
                out.push(Event {
                    uid: format!("train-{name}-phase-{i}-{phase}@railyard"),
                    category: "phase",
                    summary: format!("Train {name}: {phase}"),
                    description: Some(format!("due {}", due.0)),
                    environment: None,
                    when: When::Days {
                        start,
                        end: due.0.max(start),
                    },
                    occurrences: None,
                });
                start = due.0;
            }
        }
        for milestone in spec.milestones.iter().flatten() {
            out.push(Event {
                uid: format!("train-{name}-milestone-{}@railyard", milestone.id),
                category: "milestone",
                summary: format!("Train {name}: {}", milestone.title),
                description: None,
                environment: None,
                when: days(milestone.due.0, milestone.due.0),
                occurrences: None,
            });
        }
        for reservation in spec.environments.iter().flatten() {
            if reservation.recur.is_some() {
                recurring_reservation(catalog, name, &spec, reservation, out);
                continue;
            }
            let (Some(from), Some(to)) = (reservation.from, reservation.to) else {
                continue;
            };
            out.push(Event {
                uid: format!("train-{name}-reserves-{}@railyard", reservation.name),
                category: "reservation",
                summary: format!("Train {name} reserves {}", reservation.name),
                description: None,
                environment: Some(reservation.name.to_string()),
                when: moments(from, to),
                occurrences: None,
            });
        }
    }
}

/// At most this many periods of one recurring reservation are listed.
const MAX_RESERVED_PERIODS: usize = 366;

/// A recurring reservation: one event per period the train holds the environment, within
/// the reservation's dates (or the train's schedule); none when either end is open.
fn recurring_reservation(
    catalog: &Catalog<'_>,
    name: &str,
    spec: &ReleaseTrainSpec,
    reservation: &crate::manifest::Reservation,
    out: &mut Vec<Event>,
) {
    let schedule = spec.schedule.as_ref();
    let from = reservation
        .from
        .or_else(|| schedule.map(|s| Moment::Date(s.start)));
    let to = reservation
        .to
        .or_else(|| schedule.map(|s| Moment::Date(s.end)));
    let (Some(from), Some(to)) = (from, to) else {
        return;
    };
    let environment = catalog.get::<EnvironmentSpec>(reservation.name.as_str());
    let zone = environment_zone(
        environment.map(|e| &e.manifest.spec),
        catalog.settings.timezone.as_deref(),
    );
    let Some(Ok(rule)) =
        crate::time::reservation_rule(reservation, schedule.map(|s| s.start), &zone)
    else {
        return;
    };
    let periods = rule.periods(from.start(), to.end(), MAX_RESERVED_PERIODS);
    for (k, period) in periods.iter().enumerate() {
        out.push(Event {
            uid: format!("train-{name}-reserves-{}-{k}@railyard", reservation.name),
            category: "reservation",
            summary: format!("Train {name} reserves {}", reservation.name),
            description: None,
            environment: Some(reservation.name.to_string()),
            when: When::Instants {
                start: period.start.max(from.start()),
                end: Some(period.end.min(to.end())),
            },
            occurrences: None,
        });
    }
}

/// An environment's freezes and windows.
fn environment_events(
    catalog: &Catalog<'_>,
    name: &str,
    spec: &EnvironmentSpec,
    out: &mut Vec<Event>,
) {
    let zone = environment_zone(Some(spec), catalog.settings.timezone.as_deref());
    let zone_name = zone.iana_name().unwrap_or("UTC").to_string();
    let recurring = |recurrence| {
        let rule = Rule::new(recurrence, &zone).ok()?;
        Some(When::Recurring {
            timezone: zone_name.clone(),
            first: rule.first_local()?,
            rrule: rule.rrule().to_string(),
            duration_seconds: rule.duration().as_secs(),
        })
    };
    let holidays = spec
        .holidays
        .iter()
        .enumerate()
        .map(|(i, f)| ("holiday", i, f));
    let freezes = spec
        .freezes
        .iter()
        .enumerate()
        .map(|(i, f)| ("freeze", i, f));
    for (what, i, freeze) in freezes.chain(holidays) {
        let when = match (&freeze.recur, freeze.from, freeze.to) {
            (Some(recur), _, _) => recurring(recur),
            (None, Some(from), Some(to)) => Some(moments(from, to)),
            _ => None,
        };
        let Some(when) = when else { continue };
        out.push(Event {
            uid: format!("environment-{name}-{what}-{i}@railyard"),
            category: "freeze",
            summary: format!("Freeze on {name}: {}", freeze.reason),
            description: freeze
                .allow_emergency
                .then(|| "an emergency train may still deploy".to_string()),
            environment: Some(name.to_string()),
            when,
            occurrences: None,
        });
    }
    for (i, window) in spec.windows.iter().enumerate() {
        let Some(when) = recurring(window) else {
            continue;
        };
        out.push(Event {
            uid: format!("environment-{name}-window-{i}@railyard"),
            category: "window",
            summary: format!("Deployment window on {name}"),
            description: None,
            environment: Some(name.to_string()),
            when,
            occurrences: None,
        });
    }
}

/// Whole days from `first` to `last`, both included.
fn days(first: Date, last: Date) -> When {
    When::Days {
        start: first,
        end: last.tomorrow().unwrap_or(last),
    }
}

/// A range of moments: whole days when both are dates, else instants (a date bound at its
/// UTC day, as reservations count it).
fn moments(from: Moment, to: Moment) -> When {
    match (from, to) {
        (Moment::Date(from), Moment::Date(to)) => days(from.0, to.0),
        (from, to) => When::Instants {
            start: from.start(),
            end: Some(to.end()),
        },
    }
}

/// A repository's calendar: its name (its Config's), its events, and how many errors its
/// manifests have (objects with errors are left out).
pub struct Calendar {
    pub name: String,
    pub events: Vec<Event>,
    pub errors: usize,
}

/// The calendar's name: the repository's Config's, else `releases`.
pub fn name(catalog: &Catalog<'_>) -> String {
    catalog
        .all::<crate::manifest::ConfigSpec>()
        .next()
        .map_or_else(|| "releases".to_string(), |c| c.name().to_string())
}

/// The calendar as iCalendar text: CRLF line ends, lines folded at 75 octets.
pub fn ics(events: &[Event], name: &str) -> String {
    let mut lines: Vec<String> = vec![
        "BEGIN:VCALENDAR".into(),
        "VERSION:2.0".into(),
        "PRODID:-//railyard//release calendar//EN".into(),
        "CALSCALE:GREGORIAN".into(),
        format!("X-WR-CALNAME:{}", text(name)),
    ];
    for event in events {
        lines.push("BEGIN:VEVENT".into());
        lines.push(format!("UID:{}", text(&event.uid)));
        // Fixed: the file changes only when the repository does.
        lines.push("DTSTAMP:20000101T000000Z".into());
        match &event.when {
            When::Days { start, end } => {
                lines.push(format!("DTSTART;VALUE=DATE:{}", start.strftime("%Y%m%d")));
                lines.push(format!("DTEND;VALUE=DATE:{}", end.strftime("%Y%m%d")));
            }
            When::Instants { start, end } => {
                lines.push(format!("DTSTART:{}", utc(*start)));
                if let Some(end) = end {
                    lines.push(format!("DTEND:{}", utc(*end)));
                }
            }
            When::Recurring {
                timezone,
                first,
                rrule,
                duration_seconds,
            } => {
                lines.push(format!(
                    "DTSTART;TZID={timezone}:{}",
                    first.strftime("%Y%m%dT%H%M%S")
                ));
                lines.push(format!("DURATION:{}", duration(*duration_seconds)));
                lines.push(format!("RRULE:{rrule}"));
            }
        }
        lines.push(format!("SUMMARY:{}", text(&event.summary)));
        if let Some(description) = &event.description {
            lines.push(format!("DESCRIPTION:{}", text(description)));
        }
        lines.push(format!("CATEGORIES:{}", event.category.to_uppercase()));
        lines.push("END:VEVENT".into());
    }
    lines.push("END:VCALENDAR".into());
    let mut out = String::new();
    for line in lines {
        fold(&mut out, &line);
    }
    out
}

/// A duration as iCalendar writes it: whole days as nominal days (`P2DT16H`), which a
/// calendar counts in wall-clock time across a change of daylight saving time, as railyard
/// does; the rest exact.
fn duration(seconds: i64) -> String {
    let (days, rest) = (seconds / 86_400, seconds % 86_400);
    let (hours, minutes, secs) = (rest / 3_600, rest % 3_600 / 60, rest % 60);
    let mut out = String::from("P");
    if days > 0 {
        let _ = write!(out, "{days}D");
    }
    if rest > 0 || days == 0 {
        out.push('T');
        for (n, unit) in [(hours, 'H'), (minutes, 'M'), (secs, 'S')] {
            if n > 0 {
                let _ = write!(out, "{n}{unit}");
            }
        }
        if rest == 0 {
            out.push_str("0S");
        }
    }
    out
}

/// An instant as an iCalendar UTC date-time.
fn utc(at: Timestamp) -> String {
    at.strftime("%Y%m%dT%H%M%SZ").to_string()
}

/// A TEXT value escaped (RFC 5545 §3.3.11).
fn text(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// Appends `line` folded at 75 octets (never inside a character), with CRLF ends.
fn fold(out: &mut String, line: &str) {
    let mut width = 0;
    for c in line.chars() {
        if width + c.len_utf8() > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += c.len_utf8();
    }
    let _ = write!(out, "\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_keep_whole_days_nominal() {
        assert_eq!(duration(64 * 3600), "P2DT16H");
        assert_eq!(duration(15 * 86_400), "P15D");
        assert_eq!(duration(6 * 3600 + 30 * 60), "PT6H30M");
        assert_eq!(duration(300), "PT5M");
        assert_eq!(duration(0), "PT0S");
    }

    #[test]
    fn text_is_escaped_and_long_lines_are_folded_at_75_octets() {
        assert_eq!(text("a,b;c\\d\ne"), "a\\,b\\;c\\\\d\\ne");
        let mut out = String::new();
        fold(&mut out, &format!("SUMMARY:{}", "é".repeat(50)));
        for line in out.split("\r\n").filter(|l| !l.is_empty()) {
            assert!(line.len() <= 75, "{line:?} is {} octets", line.len());
        }
        let unfolded = out.replace("\r\n ", "");
        assert_eq!(unfolded, format!("SUMMARY:{}\r\n", "é".repeat(50)));
    }
}
