//! Freezes from a committed iCalendar file of holidays (`freezes: [{calendar: holidays.ics,
//! reason: Public holiday}]`). The `icalendar` crate reads the file's content lines
//! (folding, parameters, escapes); railyard reads each VEVENT's dates and rule itself:
//!
//! - an all-day event (`DTSTART;VALUE=DATE`) freezes its whole local days, up to its
//!   `DTEND` (not included) or for its `DURATION` (default one day);
//! - an event at a time (`DTSTART:20261224T120000`, floating, `Z` or with a `TZID`) freezes
//!   from that instant to its `DTEND` or for its `DURATION`;
//! - an `RRULE` makes it recur like a freeze's `recur`, counted from its DTSTART (an event
//!   at a time of day recurs in the environment's zone, so its TZID must be that zone).
//!
//! `EXDATE`, `RDATE` and `RECURRENCE-ID` are not applied: they are warnings, as are
//! cancelled events (`STATUS:CANCELLED`, left out). Events are numbered from 1 in file order;
//! a problem points at the line its event begins on.

use jiff::Timestamp;
use jiff::civil::{Date, DateTime};
use jiff::tz::TimeZone;

use crate::manifest::{self, Freeze, Moment, Recurrence};

/// A calendar file's events, as read.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Holidays {
    pub events: Vec<Holiday>,
}

/// One VEVENT.
#[derive(Clone, Debug, PartialEq)]
pub struct Holiday {
    pub summary: String,
    start: Stamp,
    end: End,
    rrule: Option<String>,
    /// The line of its `BEGIN:VEVENT`.
    pub line: u32,
}

/// A DTSTART or DTEND value.
#[derive(Clone, Debug, PartialEq)]
enum Stamp {
    Date(Date),
    /// No zone: local to the environment.
    Floating(DateTime),
    Utc(Timestamp),
    Zoned(DateTime, TimeZone),
}

#[derive(Clone, Debug, PartialEq)]
enum End {
    At(Stamp),
    /// `DURATION`, in wall-clock seconds (a day is 24 hours of the clock).
    For(i64),
    /// Neither: a day for an all-day event, nothing for one at a time.
    Default,
}

/// A problem with a calendar file, at a line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub line: u32,
    pub message: String,
    /// A warning: something railyard leaves out, the rest stands.
    pub warning: bool,
}

impl Holidays {
    /// Reads an iCalendar text; an event that does not read is a problem and left out.
    pub fn parse(text: &str) -> (Holidays, Vec<Problem>) {
        let unfolded = icalendar::parser::unfold(text);
        let mut problems = Vec::new();
        let calendar = match icalendar::parser::read_calendar(&unfolded) {
            Ok(calendar) => calendar,
            Err(error) => {
                let first = error.lines().nth(1).unwrap_or(&error).trim();
                problems.push(Problem {
                    line: 1,
                    message: format!("is not an iCalendar file (RFC 5545): {first}"),
                    warning: false,
                });
                return (Holidays::default(), problems);
            }
        };
        let lines = event_lines(text);
        let mut events = Vec::new();
        let vevents = calendar.components.iter().filter(|c| c.name == "VEVENT");
        for (i, component) in vevents.enumerate() {
            let line = lines.get(i).copied().unwrap_or(1);
            match Holiday::read(component, line, &mut problems) {
                Ok(Some(event)) => events.push(event),
                Ok(None) => {}
                Err(message) => problems.push(Problem {
                    line,
                    message: format!("event {} {message}", i + 1),
                    warning: false,
                }),
            }
        }
        (Holidays { events }, problems)
    }

    /// The freezes the events make in `zone`, each `reason: <its SUMMARY>`.
    pub fn freezes(
        &self,
        reason: &str,
        allow_emergency: bool,
        zone: &TimeZone,
    ) -> (Vec<Freeze>, Vec<Problem>) {
        let mut freezes = Vec::new();
        let mut problems = Vec::new();
        for event in &self.events {
            let reason = match event.summary.is_empty() {
                true => reason.to_string(),
                false => format!("{reason}: {}", event.summary),
            };
            match event.freeze(zone) {
                Ok((from, to, recur)) => freezes.push(Freeze {
                    from,
                    to,
                    recur,
                    calendar: None,
                    reason,
                    allow_emergency,
                }),
                Err(message) => problems.push(Problem {
                    line: event.line,
                    message: format!("event `{}` {message}", event.summary),
                    warning: false,
                }),
            }
        }
        (freezes, problems)
    }
}

type Bounds = (Option<Moment>, Option<Moment>, Option<Recurrence>);

impl Holiday {
    /// The event; `None` when it is cancelled (a warning says so).
    fn read(
        component: &icalendar::parser::Component<'_>,
        line: u32,
        problems: &mut Vec<Problem>,
    ) -> Result<Option<Holiday>, String> {
        let property = |name: &str| component.properties.iter().find(|p| p.name == name);
        let summary = property("SUMMARY")
            .map(|p| p.val.clone().unescape_text().as_str().trim().to_string())
            .unwrap_or_default();
        if property("STATUS").is_some_and(|p| p.val.as_str().eq_ignore_ascii_case("CANCELLED")) {
            problems.push(Problem {
                line,
                message: format!("event `{summary}` is cancelled: left out"),
                warning: true,
            });
            return Ok(None);
        }
        for name in ["EXDATE", "RDATE", "RECURRENCE-ID"] {
            if property(name).is_some() {
                problems.push(Problem {
                    line,
                    message: format!("event `{summary}` has {name}, which railyard does not apply: its rule's occurrences stand as they are"),
                    warning: true,
                });
            }
        }
        let start = property("DTSTART")
            .ok_or_else(|| format!("`{summary}` has no DTSTART"))
            .and_then(|p| stamp(p).map_err(|e| format!("`{summary}`: DTSTART {e}")))?;
        let end = match (property("DTEND"), property("DURATION")) {
            (Some(p), _) => End::At(stamp(p).map_err(|e| format!("`{summary}`: DTEND {e}"))?),
            (None, Some(p)) => End::For(
                duration(p.val.as_str()).map_err(|e| format!("`{summary}`: DURATION {e}"))?,
            ),
            (None, None) => End::Default,
        };
        let rrule = property("RRULE").map(|p| p.val.as_str().to_string());
        Ok(Some(Holiday {
            summary,
            start,
            end,
            rrule,
            line,
        }))
    }

    /// The freeze's bounds in `zone`: `from`/`to`, or a recurrence.
    fn freeze(&self, zone: &TimeZone) -> Result<Bounds, String> {
        match &self.rrule {
            Some(rrule) => Ok((None, None, Some(self.recurrence(rrule, zone)?))),
            None => {
                let (from, to) = self.period(zone)?;
                Ok((Some(from), Some(to), None))
            }
        }
    }

    /// A recurring event as a freeze's `recur`, counted from its DTSTART.
    fn recurrence(&self, rrule: &str, zone: &TimeZone) -> Result<Recurrence, String> {
        let (since, time) = match &self.start {
            Stamp::Date(date) => (*date, None),
            Stamp::Floating(at) => (at.date(), Some(at.time())),
            Stamp::Zoned(at, tz) if tz.iana_name() == zone.iana_name() => {
                (at.date(), Some(at.time()))
            }
            Stamp::Zoned(..) | Stamp::Utc(_) => {
                return Err(format!(
                    "recurs at a time of day in another zone than the environment's ({}): give it the environment's TZID, no zone, or make it an all-day event",
                    zone.iana_name().unwrap_or("UTC")
                ));
            }
        };
        let seconds = match (&self.start, &self.end) {
            (_, End::For(seconds)) => *seconds,
            (Stamp::Date(_), End::Default) => 86_400,
            (Stamp::Date(first), End::At(Stamp::Date(last))) => {
                (*last - *first).get_days() as i64 * 86_400
            }
            (_, End::At(end)) => {
                let end = local(end, zone);
                let start = since.to_datetime(time.unwrap_or_default());
                start.duration_until(end).as_secs()
            }
            (_, End::Default) => 0,
        };
        if seconds <= 0 {
            return Err("lasts no time: give it a DTEND after its DTSTART or a DURATION".into());
        }
        let recurrence = Recurrence {
            rrule: rrule.to_string(),
            start: time.map(manifest::TimeOfDay),
            duration: manifest::Duration {
                seconds: seconds as u64,
            },
            since: Some(manifest::Date(since)),
        };
        super::Rule::new(&recurrence, zone)?;
        Ok(recurrence)
    }

    /// A single event's `from` and `to`: whole local days, or instants.
    fn period(&self, zone: &TimeZone) -> Result<(Moment, Moment), String> {
        let (from, to) = match (&self.start, &self.end) {
            (Stamp::Date(first), End::Default) => (
                Moment::Date(manifest::Date(*first)),
                Moment::Date(manifest::Date(*first)),
            ),
            (Stamp::Date(first), End::At(Stamp::Date(end))) => {
                let last = end.yesterday().map_err(|e| e.to_string())?;
                if last < *first {
                    return Err("ends before it starts".into());
                }
                (
                    Moment::Date(manifest::Date(*first)),
                    Moment::Date(manifest::Date(last)),
                )
            }
            (Stamp::Date(first), End::For(seconds)) => {
                let days = (seconds + 86_399) / 86_400;
                let last = first
                    .checked_add(jiff::Span::new().days(days.max(1) - 1))
                    .map_err(|e| e.to_string())?;
                (
                    Moment::Date(manifest::Date(*first)),
                    Moment::Date(manifest::Date(last)),
                )
            }
            (start, end) => {
                let start = instant(start, zone)?;
                let end = match end {
                    End::At(end) => instant(end, zone)?,
                    End::For(seconds) => start
                        .checked_add(jiff::SignedDuration::from_secs(*seconds))
                        .map_err(|e| e.to_string())?,
                    End::Default => start,
                };
                if end <= start {
                    return Err(
                        "lasts no time: give it a DTEND after its DTSTART or a DURATION".into(),
                    );
                }
                (
                    Moment::Instant(manifest::Instant(start)),
                    Moment::Instant(manifest::Instant(end)),
                )
            }
        };
        Ok((from, to))
    }
}

/// The local date and time of `stamp` in `zone`.
fn local(stamp: &Stamp, zone: &TimeZone) -> DateTime {
    match stamp {
        Stamp::Date(date) => date.to_datetime(jiff::civil::Time::midnight()),
        Stamp::Floating(at) => *at,
        Stamp::Utc(at) => zone.to_datetime(*at),
        Stamp::Zoned(at, tz) => tz
            .to_ambiguous_zoned(*at)
            .compatible()
            .map_or(*at, |z| zone.to_datetime(z.timestamp())),
    }
}

/// The instant of `stamp` (a date: its local midnight in `zone`).
fn instant(stamp: &Stamp, zone: &TimeZone) -> Result<Timestamp, String> {
    match stamp {
        Stamp::Utc(at) => Ok(*at),
        Stamp::Zoned(at, tz) => tz
            .to_ambiguous_zoned(*at)
            .compatible()
            .map(|z| z.timestamp())
            .map_err(|e| e.to_string()),
        other => zone
            .to_ambiguous_zoned(local(other, zone))
            .compatible()
            .map(|z| z.timestamp())
            .map_err(|e| e.to_string()),
    }
}

/// A DTSTART or DTEND: `VALUE=DATE` (or 8 digits) is a date; otherwise a date-time, in UTC
/// with `Z`, in its `TZID`, or floating.
fn stamp(property: &icalendar::parser::Property<'_>) -> Result<Stamp, String> {
    let value = property.val.as_str().trim();
    let param = |key: &str| {
        property
            .params
            .iter()
            .find(|p| p.key.as_str().eq_ignore_ascii_case(key))
            .and_then(|p| p.val.as_ref())
            .map(|v| v.as_str().trim_matches('"').to_string())
    };
    let is_date = param("VALUE").is_some_and(|v| v.eq_ignore_ascii_case("DATE"))
        || (value.len() == 8 && value.bytes().all(|b| b.is_ascii_digit()));
    if is_date {
        return Date::strptime("%Y%m%d", value)
            .map(Stamp::Date)
            .map_err(|_| format!("`{value}` is not a date (YYYYMMDD)"));
    }
    let (text, utc) = match value.strip_suffix('Z') {
        Some(text) => (text, true),
        None => (value, false),
    };
    let at = DateTime::strptime("%Y%m%dT%H%M%S", text)
        .map_err(|_| format!("`{value}` is not a date-time (YYYYMMDDTHHMMSS, with Z for UTC)"))?;
    if utc {
        return TimeZone::UTC
            .to_ambiguous_zoned(at)
            .compatible()
            .map(|z| Stamp::Utc(z.timestamp()))
            .map_err(|e| e.to_string());
    }
    match param("TZID") {
        Some(name) => Ok(Stamp::Zoned(at, super::zone(&name)?)),
        None => Ok(Stamp::Floating(at)),
    }
}

/// An RFC 5545 DURATION (`P1D`, `PT4H30M`, `P2W`) in wall-clock seconds.
fn duration(value: &str) -> Result<i64, String> {
    let span: jiff::Span = value
        .trim()
        .parse()
        .map_err(|_| format!("`{value}` is not a duration (P1D, PT4H)"))?;
    let seconds = span.get_weeks() as i64 * 7 * 86_400
        + span.get_days() as i64 * 86_400
        + span.get_hours() as i64 * 3_600
        + span.get_minutes() * 60
        + span.get_seconds();
    if span.get_years() != 0 || span.get_months() != 0 {
        return Err(format!(
            "`{value}` has years or months, which RFC 5545 durations do not"
        ));
    }
    Ok(seconds)
}

/// The line (from 1) of each `BEGIN:VEVENT` of the original text, in order.
fn event_lines(text: &str) -> Vec<u32> {
    text.lines()
        .enumerate()
        .filter(|(_, line)| line.trim_end().eq_ignore_ascii_case("BEGIN:VEVENT"))
        .map(|(i, _)| i as u32 + 1)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOLIDAYS: &str = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//holidays//EN\r\nBEGIN:VEVENT\r\nUID:1\r\nDTSTART;VALUE=DATE:20261225\r\nDTEND;VALUE=DATE:20261227\r\nSUMMARY:Christmas\\, both days\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:2\r\nDTSTART;VALUE=DATE:20270101\r\nSUMMARY:New Year's Day\r\nRRULE:FREQ=YEARLY\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:3\r\nDTSTART;TZID=America/New_York:20261126T120000\r\nDTEND;TZID=America/New_York:20261126T180000\r\nSUMMARY:Thanksgiving afternoon in the New York office, a summary long enough to be fo\r\n lded\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:4\r\nDTSTART:20261231T220000Z\r\nDURATION:PT4H\r\nSUMMARY:Year-end batch\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:5\r\nDTSTART:20261224T120000\r\nDURATION:P1DT12H\r\nRRULE:FREQ=YEARLY\r\nEXDATE:20281224T120000\r\nSUMMARY:Christmas Eve\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:6\r\nDTSTART;VALUE=DATE:20261005\r\nSTATUS:CANCELLED\r\nSUMMARY:Called off\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:7\r\nDTSTART:2026-10-03\r\nSUMMARY:Broken\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:8\r\nDTSTART;TZID=Asia/Kolkata:20261102T090000\r\nDURATION:PT2H\r\nRRULE:FREQ=WEEKLY\r\nSUMMARY:Elsewhere\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";

    fn berlin() -> TimeZone {
        super::super::zone("Europe/Berlin").expect("a zone")
    }

    #[test]
    fn each_kind_of_event_becomes_the_freeze_it_says_and_the_rest_is_reported() {
        let (holidays, problems) = Holidays::parse(HOLIDAYS);
        let said: Vec<(u32, bool, &str)> = problems
            .iter()
            .map(|p| (p.line, p.warning, p.message.as_str()))
            .collect();
        assert_eq!(
            said,
            [
                (
                    29,
                    true,
                    "event `Christmas Eve` has EXDATE, which railyard does not apply: its rule's occurrences stand as they are"
                ),
                (37, true, "event `Called off` is cancelled: left out"),
                (
                    43,
                    false,
                    "event 7 `Broken`: DTSTART `2026-10-03` is not a date-time (YYYYMMDDTHHMMSS, with Z for UTC)"
                ),
            ]
        );
        let (freezes, problems) = holidays.freezes("Holiday", true, &berlin());
        assert_eq!(
            problems
                .iter()
                .map(|p| (p.line, p.message.as_str()))
                .collect::<Vec<_>>(),
            [(
                48,
                "event `Elsewhere` recurs at a time of day in another zone than the environment's (Europe/Berlin): give it the environment's TZID, no zone, or make it an all-day event"
            )]
        );
        let shown: Vec<String> = freezes
            .iter()
            .map(|f| {
                let bounds = match (&f.from, &f.to, &f.recur) {
                    (Some(from), Some(to), None) => format!("{from} .. {to}"),
                    (None, None, Some(r)) => format!(
                        "{} from {} at {:?} for {}s",
                        r.rrule,
                        r.since.map(|d| d.to_string()).unwrap_or_default(),
                        r.start.map(|t| t.to_string()),
                        r.duration.seconds
                    ),
                    _ => "?".into(),
                };
                format!("{} | {bounds} | {}", f.reason, f.allow_emergency)
            })
            .collect();
        assert_eq!(
            shown,
            [
                // Whole local days: DTEND is the day after the last.
                "Holiday: Christmas, both days | 2026-12-25 .. 2026-12-26 | true",
                "Holiday: New Year's Day | FREQ=YEARLY from 2027-01-01 at None for 86400s | true",
                // A TZID is its zone's time; folded lines are one summary.
                "Holiday: Thanksgiving afternoon in the New York office, a summary long enough to be folded | 2026-11-26T17:00:00Z .. 2026-11-26T23:00:00Z | true",
                "Holiday: Year-end batch | 2026-12-31T22:00:00Z .. 2027-01-01T02:00:00Z | true",
                // Floating: the environment's wall clock, recurring there.
                "Holiday: Christmas Eve | FREQ=YEARLY from 2026-12-24 at Some(\"12:00\") for 129600s | true",
            ]
        );
    }

    #[test]
    fn text_that_is_not_icalendar_is_one_problem() {
        let (holidays, problems) = Holidays::parse("holidays:\n  - 2026-12-25\n");
        assert_eq!(holidays.events, vec![]);
        assert_eq!(problems.len(), 1);
        assert!(
            problems[0]
                .message
                .starts_with("is not an iCalendar file (RFC 5545)"),
            "{problems:?}"
        );
    }
}
