//! Time as release managers plan it: time zones, and periods that recur.
//!
//! Zones come from railyard's own copy of the IANA time zone database (jiff's bundle), not
//! the machine's, so that the same repository and clock give the same plan on every
//! machine. A recurrence (RFC 5545 `RRULE`, expanded by the `rrule` crate) is expanded in
//! wall-clock time, as a calendar expands it: each occurrence is a local date and time of
//! day, turned into an instant in the environment's zone by jiff (a time that a change of
//! daylight saving time skips is taken after the gap, a time it repeats at its first
//! instant), and its end is the start's wall-clock time plus the duration, turned the same
//! way. [`openings`] puts an environment's freezes and windows together.

pub mod holidays;
pub mod openings;

use std::sync::OnceLock;

use jiff::civil::DateTime;
use jiff::tz::{TimeZone, TimeZoneDatabase};
use jiff::{SignedDuration, Timestamp};

use crate::manifest::Recurrence;

/// The zone database: bundled, never the machine's.
fn db() -> &'static TimeZoneDatabase {
    static DB: OnceLock<TimeZoneDatabase> = OnceLock::new();
    DB.get_or_init(TimeZoneDatabase::bundled)
}

/// The zone an IANA name names (`Europe/Berlin`, `UTC`); otherwise why not, with the
/// closest name.
pub fn zone(name: &str) -> Result<TimeZone, String> {
    db().get(name).map_err(|_| {
        let names: Vec<String> = db().available().map(|n| n.to_string()).collect();
        let hint = crate::suggest::did_you_mean(name, names.iter().map(String::as_str))
            .map(|h| format!(" ({h})"))
            .unwrap_or_default();
        format!("`{name}` is not an IANA time zone{hint}")
    })
}

/// The zone named by the first of `names` that is given, else UTC. A name that is not a
/// zone counts as UTC here: the checks report it.
pub fn zone_of(names: &[Option<&str>]) -> TimeZone {
    names
        .iter()
        .flatten()
        .next()
        .and_then(|name| zone(name).ok())
        .unwrap_or(TimeZone::UTC)
}

/// The zone an environment's dates and times of day are in: its own `timezone`, else the
/// Config's (`config`), else UTC.
pub fn environment_zone(
    environment: Option<&crate::manifest::EnvironmentSpec>,
    config: Option<&str>,
) -> TimeZone {
    zone_of(&[environment.and_then(|e| e.timezone.as_deref()), config])
}

/// A period of time: from `start` up to, not including, `end`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Period {
    pub start: Timestamp,
    pub end: Timestamp,
}

impl Period {
    pub fn contains(&self, at: Timestamp) -> bool {
        self.start <= at && at < self.end
    }
}

/// The day a recurrence counts from when it names none.
const DEFAULT_SINCE: jiff::civil::Date = jiff::civil::date(2000, 1, 1);

/// A recurrence made ready to expand in a zone.
#[derive(Clone, Debug)]
pub struct Rule {
    /// The `RRULE` value, without its `RRULE:` name.
    rrule: String,
    /// The first occurrence's local date and time (DTSTART).
    first: DateTime,
    /// How long each occurrence lasts, in wall-clock time.
    duration: SignedDuration,
    /// Whether moving DTSTART by whole weeks keeps the same occurrences (no COUNT, an
    /// INTERVAL of 1, a rule that repeats weekly or more often): then expanding near an
    /// instant starts near it rather than at `since`.
    movable: bool,
    zone: TimeZone,
}

impl Rule {
    /// `recurrence` in `zone`; otherwise why it is not a rule railyard can expand.
    pub fn new(recurrence: &Recurrence, zone: &TimeZone) -> Result<Rule, String> {
        let rrule = recurrence
            .rrule
            .trim()
            .strip_prefix("RRULE:")
            .unwrap_or(recurrence.rrule.trim())
            .to_string();
        let since = recurrence.since.map_or(DEFAULT_SINCE, |d| d.0);
        let start = recurrence
            .start
            .map_or(jiff::civil::Time::midnight(), |t| t.0);
        let first = since.to_datetime(start);
        let seconds = i64::try_from(recurrence.duration.seconds).unwrap_or(i64::MAX);
        if seconds == 0 {
            return Err("a recurring period lasts longer than `0s`".into());
        }
        let parsed: rrule::RRule<rrule::Unvalidated> = rrule
            .parse()
            .map_err(|e: rrule::RRuleError| format!("`{rrule}` is not an RFC 5545 RRULE: {e}"))?;
        let movable = parsed.get_count().is_none()
            && parsed.get_interval() == 1
            && matches!(
                parsed.get_freq(),
                rrule::Frequency::Weekly
                    | rrule::Frequency::Daily
                    | rrule::Frequency::Hourly
                    | rrule::Frequency::Minutely
                    | rrule::Frequency::Secondly
            );
        let rule = Rule {
            rrule,
            first,
            duration: SignedDuration::from_secs(seconds),
            movable,
            zone: zone.clone(),
        };
        // Built once here so that a rule that does not validate (an UNTIL before DTSTART,
        // BYxxx out of range) is refused where it is written.
        rule.set(first)?;
        Ok(rule)
    }

    /// The rule set with its DTSTART at the local `first`, expanded as if local time were
    /// UTC (floating time).
    fn set(&self, first: DateTime) -> Result<rrule::RRuleSet, String> {
        let text = format!(
            "DTSTART:{}\nRRULE:{}",
            first.strftime("%Y%m%dT%H%M%SZ"),
            self.rrule
        );
        text.parse::<rrule::RRuleSet>()
            .map_err(|e| format!("`{}` is not an RFC 5545 RRULE: {e}", self.rrule))
    }

    /// The occurrences that overlap `from..to`, in order (at most `limit`).
    pub fn periods(&self, from: Timestamp, to: Timestamp, limit: usize) -> Vec<Period> {
        let local = |at: Timestamp| at.to_zoned(self.zone.clone()).datetime();
        // Start the expansion a whole number of weeks after DTSTART, at least a duration
        // and a week before `from`, when that changes nothing.
        let mut first = self.first;
        if self.movable
            && let Ok(wanted) =
                local(from).checked_sub(self.duration + SignedDuration::from_hours(24 * 8))
        {
            let weeks = first.duration_until(wanted).as_hours().div_euclid(24 * 7);
            if weeks > 0
                && let Ok(moved) = first.checked_add(SignedDuration::from_hours(weeks * 24 * 7))
            {
                first = moved;
            }
        }
        let Ok(set) = self.set(first) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for occurrence in &set {
            // Floating: the instant's seconds are the local wall-clock time's.
            let Ok(wall) = Timestamp::from_second(occurrence.timestamp()) else {
                break;
            };
            let start_local = wall.to_zoned(TimeZone::UTC).datetime();
            let Ok(end_local) = start_local.checked_add(self.duration) else {
                break;
            };
            let start = self.instant(start_local);
            let mut end = self.instant(end_local);
            // A start inside a skipped hour, shorter than the gap: it lasts its duration.
            if end <= start {
                end = start.checked_add(self.duration).unwrap_or(Timestamp::MAX);
            }
            let period = Period { start, end };
            if period.start >= to || out.len() >= limit {
                break;
            }
            if period.end > from && period.start < period.end {
                out.push(period);
            }
        }
        out
    }

    /// The local date and time of the first occurrence (the DTSTART a calendar needs: one
    /// the rule itself matches), when there is one.
    pub fn first_local(&self) -> Option<DateTime> {
        let set = self.set(self.first).ok()?;
        let first = (&set).into_iter().next()?;
        let wall = Timestamp::from_second(first.timestamp()).ok()?;
        Some(wall.to_zoned(TimeZone::UTC).datetime())
    }

    /// The rule as written, without an `RRULE:` name.
    pub fn rrule(&self) -> &str {
        &self.rrule
    }

    /// How long each occurrence lasts.
    pub fn duration(&self) -> SignedDuration {
        self.duration
    }

    /// A local date and time as an instant in the rule's zone: after a gap when the clocks
    /// skip it, the earlier when they repeat it.
    fn instant(&self, local: DateTime) -> Timestamp {
        self.zone
            .to_ambiguous_timestamp(local)
            .compatible()
            .unwrap_or(Timestamp::MAX)
    }
}

/// `FREQ=WEEKLY;BYDAY=FR from 16:00 for 64h, Europe/Berlin`.
pub fn describe(recurrence: &Recurrence, zone: &str) -> String {
    let start = recurrence
        .start
        .map_or_else(|| "00:00".to_string(), |t| t.to_string());
    format!(
        "{} from {start} for {}, {zone}",
        recurrence.rrule.trim().trim_start_matches("RRULE:"),
        recurrence.duration
    )
}

/// The rule of a train's recurring reservation (`recur`), in the reserved environment's
/// `zone`: its `since` defaults to the reservation's first day (`from`, else the train's
/// `start`). `None` without `recur`.
pub fn reservation_rule(
    reservation: &crate::manifest::Reservation,
    start: Option<crate::manifest::Date>,
    zone: &TimeZone,
) -> Option<Result<Rule, String>> {
    let mut recurrence = reservation.recur.clone()?;
    if recurrence.since.is_none() {
        recurrence.since = match reservation.from {
            Some(crate::manifest::Moment::Date(date)) => Some(date),
            Some(crate::manifest::Moment::Instant(at)) => {
                Some(crate::manifest::Date(at.0.to_zoned(zone.clone()).date()))
            }
            None => start,
        };
    }
    Some(Rule::new(&recurrence, zone))
}

#[cfg(test)]
mod tests;
