//! An environment's freezes and deployment windows at an instant: what stops a deployment
//! from starting then, and the first instant one may (SPEC `notFrozen`).
//!
//! Dated freezes cover whole days in the environment's zone; recurring ones and windows are
//! expanded a year ahead of the instant ([`HORIZON_DAYS`]): a start that no freeze and no
//! window allows within that year is reported as such rather than searched for further.

use jiff::Timestamp;
use jiff::tz::TimeZone;

use super::{Period, Rule, describe, environment_zone};
use crate::manifest::{EnvironmentSpec, Freeze};

/// How far ahead freezes and windows are expanded at most.
pub const HORIZON_DAYS: i64 = 366;
/// How far ahead they are expanded first: far enough for nearly every answer (a weekly
/// window opens within a week); the whole [`HORIZON_DAYS`] only when no start is allowed
/// this soon.
const FIRST_DAYS: i64 = 16;
/// At most this many occurrences of one rule within the horizon (an hourly rule has 8,784).
const MAX_OCCURRENCES: usize = 10_000;

/// An environment's freezes and windows, made ready to ask about instants.
pub struct Openings {
    zone: TimeZone,
    freezes: Vec<FreezeTimes>,
    windows: Vec<(Rule, String)>,
}

struct FreezeTimes {
    reason: String,
    allow_emergency: bool,
    when: When,
}

enum When {
    /// From a date or instant to another: the period and how the plan names it.
    Fixed(Period, String),
    /// A recurring freeze and how the plan names it.
    Recurring(Rule, String),
}

/// Why a deployment may not start at an instant, and when it may.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Closed {
    /// One sentence per freeze that covers the instant, and one when it is outside every
    /// window (`environment `…`` is added by the caller).
    pub reasons: Vec<String>,
    /// The first instant after it when a deployment may start; `None` when there is none
    /// within [`HORIZON_DAYS`].
    pub next: Option<Timestamp>,
}

/// An environment at one instant: closed or not, for a normal and for an emergency train,
/// and when that may next change.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AtInstant {
    pub normal: Option<Closed>,
    pub emergency: Option<Closed>,
    /// The first instant after the clock when a freeze or a window starts or ends.
    pub changes: Option<Timestamp>,
}

impl Openings {
    /// The freezes and windows of `environment` in its zone (its own, the Config's, or
    /// UTC). A recurrence that is not a rule railyard can expand is left out: the checks
    /// report it.
    pub fn of(config_zone: Option<&str>, environment: &EnvironmentSpec) -> Openings {
        let zone = environment_zone(Some(environment), config_zone);
        let name = zone.iana_name().unwrap_or("UTC").to_string();
        let freezes = environment
            .freezes
            .iter()
            .chain(&environment.holidays)
            .filter_map(|freeze| {
                let when = match (&freeze.recur, freeze.from, freeze.to) {
                    (Some(recur), _, _) => {
                        let rule = Rule::new(recur, &zone).ok()?;
                        When::Recurring(rule, describe(recur, &name))
                    }
                    (None, Some(from), Some(to)) => When::Fixed(
                        Period {
                            start: from.start_in(&zone),
                            end: to.end_in(&zone),
                        },
                        fixed_name(freeze, &name),
                    ),
                    _ => return None,
                };
                Some(FreezeTimes {
                    reason: freeze.reason.clone(),
                    allow_emergency: freeze.allow_emergency,
                    when,
                })
            })
            .collect();
        let windows = environment
            .windows
            .iter()
            .filter_map(|w| Some((Rule::new(w, &zone).ok()?, describe(w, &name))))
            .collect();
        Openings {
            zone,
            freezes,
            windows,
        }
    }

    /// Whether this environment has any freeze or window at all.
    pub fn is_empty(&self) -> bool {
        self.freezes.is_empty() && self.windows.is_empty()
    }

    /// The environment at `now`.
    pub fn at(&self, now: Timestamp) -> AtInstant {
        let soon = self.within(now, FIRST_DAYS);
        let found = |closed: &Option<Closed>| closed.as_ref().is_none_or(|c| c.next.is_some());
        if found(&soon.normal) && found(&soon.emergency) {
            return soon;
        }
        self.within(now, HORIZON_DAYS)
    }

    /// The environment at `now`, its freezes and windows expanded `days` ahead. When
    /// nothing starts or ends within them, the answer is good until their end: that is
    /// when it may change.
    fn within(&self, now: Timestamp, days: i64) -> AtInstant {
        let horizon = now
            .checked_add(jiff::SignedDuration::from_hours(24 * days))
            .unwrap_or(Timestamp::MAX);
        let freezes: Vec<(&FreezeTimes, Vec<Period>)> = self
            .freezes
            .iter()
            .map(|f| {
                let periods = match &f.when {
                    When::Fixed(period, _) => vec![*period],
                    When::Recurring(rule, _) => rule.periods(now, horizon, MAX_OCCURRENCES),
                };
                (f, periods)
            })
            .collect();
        let windows: Vec<(&str, Vec<Period>)> = self
            .windows
            .iter()
            .map(|(rule, name)| (name.as_str(), rule.periods(now, horizon, MAX_OCCURRENCES)))
            .collect();
        let changes = freezes
            .iter()
            .flat_map(|(_, periods)| periods)
            .chain(windows.iter().flat_map(|(_, periods)| periods))
            .flat_map(|p| [p.start, p.end])
            .filter(|&t| t > now)
            .min()
            .or(Some(horizon));
        let closed = |emergency: bool| {
            let applies: Vec<(&FreezeTimes, &Vec<Period>)> = freezes
                .iter()
                .filter(|(f, _)| !(emergency && f.allow_emergency))
                .map(|(f, p)| (*f, p))
                .collect();
            closed_at(now, horizon, &applies, &windows)
        };
        AtInstant {
            normal: closed(false),
            emergency: closed(true),
            changes,
        }
    }

    /// The zone the environment's dates and times of day are in.
    pub fn zone(&self) -> &TimeZone {
        &self.zone
    }
}

/// Why `now` is closed by `freezes` or outside `windows`, and the next instant that is not.
fn closed_at(
    now: Timestamp,
    horizon: Timestamp,
    freezes: &[(&FreezeTimes, &Vec<Period>)],
    windows: &[(&str, Vec<Period>)],
) -> Option<Closed> {
    let mut reasons = Vec::new();
    for (freeze, periods) in freezes {
        if let Some(period) = periods.iter().find(|p| p.contains(now)) {
            reasons.push(match &freeze.when {
                When::Fixed(_, named) => format!("is frozen {named}: {}", freeze.reason),
                When::Recurring(_, named) => format!(
                    "is frozen from {} to {}: {} ({named})",
                    period.start, period.end, freeze.reason
                ),
            });
        }
    }
    let in_window = |at: Timestamp| {
        windows
            .iter()
            .any(|(_, ps)| ps.iter().any(|p| p.contains(at)))
    };
    if !windows.is_empty() && !in_window(now) {
        let names: Vec<&str> = windows.iter().map(|(name, _)| *name).collect();
        reasons.push(format!(
            "is outside its deployment windows ({})",
            names.join("; ")
        ));
    }
    if reasons.is_empty() {
        return None;
    }
    Some(Closed {
        reasons,
        next: next_start(now, horizon, freezes, windows),
    })
}

/// The first instant from `now` that no freeze covers and, when there are windows, a window
/// does; `None` when there is none before `horizon`.
fn next_start(
    now: Timestamp,
    horizon: Timestamp,
    freezes: &[(&FreezeTimes, &Vec<Period>)],
    windows: &[(&str, Vec<Period>)],
) -> Option<Timestamp> {
    let mut at = now;
    // Each step moves past a freeze's end or to a window's start: both lists are finite.
    let steps = freezes.iter().map(|(_, p)| p.len()).sum::<usize>()
        + windows.iter().map(|(_, p)| p.len()).sum::<usize>()
        + 2;
    for _ in 0..steps {
        if at >= horizon {
            return None;
        }
        if let Some(end) = freezes
            .iter()
            .flat_map(|(_, periods)| periods.iter())
            .filter(|p| p.contains(at))
            .map(|p| p.end)
            .max()
        {
            at = end;
            continue;
        }
        if windows.is_empty()
            || windows
                .iter()
                .any(|(_, ps)| ps.iter().any(|p| p.contains(at)))
        {
            return Some(at);
        }
        at = windows
            .iter()
            .flat_map(|(_, periods)| periods.iter())
            .map(|p| p.start)
            .filter(|&start| start > at)
            .min()?;
    }
    None
}

/// `from 2026-12-20 to 2027-01-02`, with the zone when it is not UTC.
fn fixed_name(freeze: &Freeze, zone: &str) -> String {
    let (Some(from), Some(to)) = (freeze.from, freeze.to) else {
        return String::new();
    };
    match zone {
        "UTC" => format!("from {from} to {to}"),
        zone => format!("from {from} to {to} ({zone})"),
    }
}
