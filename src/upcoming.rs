//! STATUS.md's "Next 14 days": a Mermaid gantt chart per environment of its freezes,
//! deployment windows, scheduled turnovers and the halts that stop it, from the start of
//! the current day (in the Config's zone) for [`DAYS`] days. Each chart is in its
//! environment's own zone, as its freezes and windows are written. Made from the same
//! events as `railyard calendar` ([`crate::calendar`]), so the chart and the feed agree.
//!
//! The section depends on the clock's day: it moves once a day, at the Config zone's
//! midnight, and is the same for every reconcile within that day.

use std::fmt::Write as _;

use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};

use crate::calendar::{Event, When};
use crate::catalog::Catalog;
use crate::escape;
use crate::halts::Halt;
use crate::manifest::{EnvironmentSpec, TurnoverSpec};
use crate::time::{environment_zone, zone_of};

/// How many days the section shows.
pub const DAYS: i64 = 14;
/// At most this many bars per row kind of one chart (an hourly window has hundreds); the
/// chart says how many it left out.
const MAX_BARS: usize = 40;

/// The section, Markdown, or nothing when no environment has anything in the days shown.
pub fn section(catalog: &Catalog<'_>, halts: &[Halt], now: Timestamp) -> String {
    let home = zone_of(&[catalog.settings.timezone.as_deref()]);
    let today = now.to_zoned(home.clone()).date();
    let last = today.checked_add((DAYS - 1).days()).unwrap_or(today);
    let bound = |date: jiff::civil::Date| {
        date.to_zoned(home.clone())
            .map_or(Timestamp::MAX, |z| z.timestamp())
    };
    let from = bound(today);
    let to = bound(last.tomorrow().unwrap_or(last));
    let mut events = crate::calendar::events_but_turnovers(catalog, &[]);
    crate::calendar::expand(&mut events, from, to);
    // The scheduled turnovers, in the calendar's order, with no event made of each.
    let scheduled: Vec<(&str, &str, Timestamp)> = catalog
        .all::<TurnoverSpec>()
        .filter_map(|t| {
            let spec = &t.manifest.spec;
            Some((spec.environment.as_str(), t.name(), spec.scheduled_at?.0))
        })
        .collect();
    let mut environments: Vec<_> = catalog.all::<EnvironmentSpec>().collect();
    environments.sort_by(|a, b| a.name().cmp(b.name()));
    let mut charts = String::new();
    for environment in environments {
        let zone = environment_zone(
            Some(&environment.manifest.spec),
            catalog.settings.timezone.as_deref(),
        );
        let chart = Chart {
            zone: &zone,
            from,
            to,
        };
        let name = environment.name();
        let own = |category: &'static str| {
            events
                .iter()
                .filter(move |e| e.category == category && e.environment.as_deref() == Some(name))
        };
        let mut rows = String::new();
        chart.bars(&mut rows, "Freezes", "crit, ", own("freeze"));
        chart.bars(&mut rows, "Windows", "", own("window"));
        chart.halts(&mut rows, halts.iter().filter(|h| h.stops(name)));
        let turnovers = scheduled
            .iter()
            .filter(|(environment, _, _)| *environment == name)
            .map(|&(_, turnover, at)| (turnover, at));
        chart.turnovers(&mut rows, turnovers);
        if rows.is_empty() {
            continue;
        }
        let zone_name = zone.iana_name().unwrap_or("UTC");
        let _ = write!(
            charts,
            "\n### {}\n\n```mermaid\ngantt\n  title {} ({zone_name})\n  dateFormat YYYY-MM-DD HH:mm\n  axisFormat %a %d\n{rows}```\n",
            escape::code(name, false),
            escape::mermaid(name),
        );
    }
    if charts.is_empty() {
        return String::new();
    }
    format!(
        "\n## Next {DAYS} days\n\nFrom {today} to {last}; each environment in its own time zone.\n{charts}"
    )
}

/// The days a chart shows, and the zone it shows them in.
struct Chart<'z> {
    zone: &'z TimeZone,
    from: Timestamp,
    to: Timestamp,
}

impl Chart<'_> {
    fn local(&self, at: Timestamp) -> String {
        at.to_zoned(self.zone.clone())
            .strftime("%Y-%m-%d %H:%M")
            .to_string()
    }

    /// `[start, end)` of `when` within the days shown, each instant a freeze or window
    /// covers (a dated freeze covers whole local days).
    fn periods(&self, event: &Event) -> Vec<(Timestamp, Timestamp)> {
        let all: Vec<(Timestamp, Timestamp)> = match &event.when {
            When::Days { start, end } => {
                let midnight = |d: &jiff::civil::Date| {
                    d.to_zoned(self.zone.clone())
                        .map_or(Timestamp::MAX, |z| z.timestamp())
                };
                vec![(midnight(start), midnight(end))]
            }
            When::Instants { start, end } => vec![(*start, end.unwrap_or(Timestamp::MAX))],
            When::Recurring { .. } => event
                .occurrences
                .iter()
                .flatten()
                .map(|[start, end]| (*start, *end))
                .collect(),
        };
        all.into_iter()
            .filter(|(start, end)| *start < self.to && *end > self.from)
            .map(|(start, end)| (start.max(self.from), end.min(self.to)))
            .collect()
    }

    /// A section of bars, one per period of each event.
    fn bars<'e>(
        &self,
        out: &mut String,
        title: &str,
        tags: &str,
        events: impl Iterator<Item = &'e Event>,
    ) {
        let mut lines = Vec::new();
        for (i, event) in events.enumerate() {
            let label = escape::mermaid(short(event));
            for (k, (start, end)) in self.periods(event).into_iter().enumerate() {
                lines.push(format!(
                    "  {label} :{tags}{}{i}_{k}, {}, {}",
                    &title[..1].to_ascii_lowercase(),
                    self.local(start),
                    self.local(end)
                ));
            }
        }
        rows(out, title, lines);
    }

    fn halts<'h>(&self, out: &mut String, halts: impl Iterator<Item = &'h Halt>) {
        let mut lines = Vec::new();
        for (i, halt) in halts.enumerate() {
            let start = halt.since.unwrap_or(self.from).max(self.from);
            let end = halt.until.unwrap_or(self.to).min(self.to);
            if start < end {
                lines.push(format!(
                    "  {} :crit, h{i}, {}, {}",
                    escape::mermaid(&format!("Halt {}: {}", halt.name, halt.reason)),
                    self.local(start),
                    self.local(end)
                ));
            }
        }
        rows(out, "Halts", lines);
    }

    /// The scheduled turnovers (name, when) of the chart's environment: each numbered among
    /// all of them, as the calendar lists them, and shown when it falls in the days shown.
    fn turnovers<'t>(
        &self,
        out: &mut String,
        turnovers: impl Iterator<Item = (&'t str, Timestamp)>,
    ) {
        let mut lines = Vec::new();
        for (i, (name, start)) in turnovers.enumerate() {
            if self.from <= start && start < self.to {
                lines.push(format!(
                    "  {} :milestone, t{i}, {}, 0d",
                    escape::mermaid(name),
                    self.local(start)
                ));
            }
        }
        rows(out, "Turnovers", lines);
    }
}

/// An event's summary without what its chart already says (the environment): a freeze's
/// reason, "window".
fn short(event: &Event) -> &str {
    let summary = event.summary.as_str();
    match event.category {
        "freeze" => summary
            .split_once(": ")
            .map_or(summary, |(_, reason)| reason),
        "window" => "window",
        _ => summary,
    }
}

/// `section <title>` and its lines, at most [`MAX_BARS`] of them; nothing when empty.
fn rows(out: &mut String, title: &str, mut lines: Vec<String>) {
    if lines.is_empty() {
        return;
    }
    let _ = writeln!(out, "  section {title}");
    let left_out = lines.len().saturating_sub(MAX_BARS);
    lines.truncate(MAX_BARS);
    for line in lines {
        out.push_str(&line);
        out.push('\n');
    }
    if left_out > 0 {
        let _ = writeln!(out, "  %% {left_out} more left out");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::{Content, RawFile, Settings};

    /// The section for a repository of `text` at `now`.
    fn section_of(text: &str, now: &str, halts: &[Halt]) -> String {
        let raw = vec![RawFile {
            path: "repo.yaml".into(),
            content: Content::Bytes(text.as_bytes().to_vec()),
            again: None,
        }];
        let loaded = crate::load::parse_files(Settings::default(), None, raw);
        assert_eq!(crate::validate::check_loaded(&loaded, None), vec![]);
        let (catalog, _) = Catalog::build(&loaded.settings, &loaded.documents);
        section(&catalog, halts, now.parse().expect("an instant"))
    }

    const PRODUCTION: &str = "apiVersion: railyard/v1\nkind: Environment\nmetadata: {name: production}\nspec:\n  tier: production\n  timezone: Europe/Berlin\n  freezes:\n    - {from: 2026-10-30, to: 2026-10-30, reason: Audit}\n    - {reason: Weekend, recur: {rrule: FREQ=WEEKLY;BYDAY=FR, start: \"16:00\", duration: 64h}}\n  windows:\n    - {rrule: \"FREQ=HOURLY\", start: \"00:00\", duration: 30m}\n---\napiVersion: railyard/v1\nkind: Environment\nmetadata: {name: test}\nspec: {tier: test}\n";

    #[test]
    fn each_environment_in_its_zone_across_the_fall_back_night_clipped_and_capped() {
        let text = section_of(PRODUCTION, "2026-10-19T23:30:00Z", &[]);
        // The day is the Config's (UTC here, where Berlin is already on the 20th).
        assert!(
            text.starts_with("\n## Next 14 days\n\nFrom 2026-10-19 to 2026-11-01; each environment in its own time zone.\n\n### `production`\n"),
            "{text}"
        );
        // Berlin falls back on 2026-10-25: the weekend still ends on Monday 08:00 local.
        assert!(
            text.contains("  Weekend :crit, f1_1, 2026-10-23 16:00, 2026-10-26 08:00\n"),
            "{text}"
        );
        // The weekends at either end are clipped to the days shown (UTC midnights).
        assert!(
            text.contains("  Weekend :crit, f1_0, 2026-10-19 02:00, 2026-10-19 08:00\n"),
            "{text}"
        );
        assert!(
            text.contains("  Weekend :crit, f1_2, 2026-10-30 16:00, 2026-11-02 01:00\n"),
            "{text}"
        );
        // A dated freeze covers its whole local day.
        assert!(
            text.contains("  Audit :crit, f0_0, 2026-10-30 00:00, 2026-10-31 00:00\n"),
            "{text}"
        );
        // An hourly window: the first 40 bars, and how many were left out.
        let windows = text.lines().filter(|l| l.starts_with("  window :")).count();
        assert_eq!(windows, MAX_BARS, "{text}");
        assert!(text.contains("  %% "), "{text}");
        // An environment with nothing in the days shown has no chart.
        assert!(!text.contains("### `test`"), "{text}");
    }

    #[test]
    fn a_halt_and_a_scheduled_turnover_and_nothing_at_all() {
        let halt = Halt {
            name: "incident".into(),
            by: "rita".into(),
            reason: "Payments down".into(),
            since: Some("2026-11-02T09:00:00Z".parse().expect("an instant")),
            until: Some("2026-11-03T09:00:00Z".parse().expect("an instant")),
            environments: vec!["test".into()],
        };
        let turnover = "---\napiVersion: railyard/v1\nkind: Turnover\nmetadata: {name: to1}\nspec: {environment: test, releases: [r1], scheduledAt: 2026-11-05T10:00:00Z, tasks: []}\n---\napiVersion: railyard/v1\nkind: ApplicationRelease\nmetadata: {name: r1}\nspec: {application: api, version: 1.0.0}\n";
        let text = section_of(
            &format!("{PRODUCTION}{turnover}"),
            "2026-11-02T12:00:00Z",
            std::slice::from_ref(&halt),
        );
        let test = &text[text.find("### `test`").expect("a chart of test")..];
        assert_eq!(
            test,
            "### `test`\n\n```mermaid\ngantt\n  title test (UTC)\n  dateFormat YYYY-MM-DD HH:mm\n  axisFormat %a %d\n  section Halts\n  Halt incident#58; Payments down :crit, h0, 2026-11-02 09:00, 2026-11-03 09:00\n  section Turnovers\n  to1 :milestone, t0, 2026-11-05 10:00, 0d\n```\n"
        );
        let quiet = "apiVersion: railyard/v1\nkind: Environment\nmetadata: {name: test}\nspec: {tier: test}\n";
        assert_eq!(section_of(quiet, "2026-11-02T12:00:00Z", &[]), "");
    }

    /// A turnover's number in its chart counts every scheduled turnover of its environment
    /// (as the calendar lists them), shown or not: the same chart whatever else changes.
    #[test]
    fn a_turnover_keeps_its_number_among_its_environments_scheduled_turnovers() {
        let turnover = |name: &str, environment: &str, at: Option<&str>| {
            let at = at.map_or(String::new(), |at| format!(", scheduledAt: {at}"));
            format!(
                "---\napiVersion: railyard/v1\nkind: Turnover\nmetadata: {{name: {name}}}\nspec: {{environment: {environment}, releases: [r1]{at}, tasks: []}}\n"
            )
        };
        let text = [
            PRODUCTION.to_string(),
            turnover("ta", "test", Some("2026-12-20T10:00:00Z")),
            turnover("tb", "production", Some("2026-11-04T10:00:00Z")),
            turnover("tc", "test", None),
            turnover("td", "test", Some("2026-11-05T10:00:00Z")),
            turnover("te", "test", Some("2026-11-06T09:30:00Z")),
            "---\napiVersion: railyard/v1\nkind: ApplicationRelease\nmetadata: {name: r1}\nspec: {application: api, version: 1.0.0}\n".to_string(),
        ]
        .concat();
        let text = section_of(&text, "2026-11-02T12:00:00Z", &[]);
        let test = &text[text.find("### `test`").expect("a chart of test")..];
        assert_eq!(
            test,
            "### `test`\n\n```mermaid\ngantt\n  title test (UTC)\n  dateFormat YYYY-MM-DD HH:mm\n  axisFormat %a %d\n  section Turnovers\n  td :milestone, t1, 2026-11-05 10:00, 0d\n  te :milestone, t2, 2026-11-06 09:30, 0d\n```\n"
        );
        assert!(
            text.contains("  section Turnovers\n  tb :milestone, t0, 2026-11-04 11:00, 0d\n"),
            "{text}"
        );
    }
}
