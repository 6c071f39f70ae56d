//! Benchmark of the time logic (issue 24): what expanding every freeze and deployment
//! window costs a reconcile of the generated 10,000-manifest repository, and what
//! STATUS.md's next 14 days and the committed `calendar.ics` cost to render.
//!
//! cargo bench --bench time
//!
//! The generated repository's four environments get a time zone, a weekly weekend freeze,
//! a yearly holiday freeze, an hourly maintenance freeze (the worst case a rule can be:
//! 8,784 occurrences a year), the freezes of a committed holiday calendar (`.ics`, 12
//! yearly and 8 dated all-day events) and weekday windows. It reports (1) the in-process cost of
//! what a reconcile adds for them: building each environment's rules and expanding them a
//! year ahead of the clock, as the engine does once per environment per reconcile (median
//! of 21 runs), (1b) rendering STATUS.md's next-14-days section and the release calendar
//! (iCalendar) of the whole repository (median of 21 runs each), and (2) `reconcile
//! --dry-run` on the repository with and without them
//! (median of 7 runs each), whose difference is that cost plus the noise of two process
//! timings.

mod common;

use std::process::Command;
use std::time::{Duration, Instant};

use railyard::manifest::EnvironmentSpec;
use railyard::time::openings::Openings;

/// A Tuesday 10:30 in Berlin: inside the windows, outside every freeze, so that both
/// repositories have the same plan and the difference is the expansion alone.
const NOW: &str = "2026-12-08T09:30:00Z";

/// The recurrences every generated environment gets (YAML lines under `spec:`).
const TIMES: &str = "  timezone: Europe/Berlin\n  freezes:\n    - reason: Weekend\n      recur: {rrule: \"FREQ=WEEKLY;BYDAY=FR\", start: \"16:00\", duration: 64h}\n    - reason: Holidays\n      recur: {rrule: \"FREQ=YEARLY;BYMONTH=12;BYMONTHDAY=20\", duration: 15d}\n    - reason: Hourly maintenance\n      recur: {rrule: FREQ=HOURLY, start: \"00:55\", duration: 5m}\n    - {calendar: calendars/holidays.ics, reason: Public holiday}\n  windows:\n    - {rrule: \"FREQ=WEEKLY;BYDAY=MO,TU,WE,TH\", start: \"09:00\", duration: 8h}\n";

fn main() {
    let plain = tempfile::tempdir().expect("a temporary directory");
    let timed = tempfile::tempdir().expect("a temporary directory");
    let files = common::generate(plain.path(), 10_000);
    common::generate(timed.path(), 10_000);
    add_times(timed.path());
    println!("generated {files} files (10,000 manifests), twice: with and without recurrences");

    // (1) In process: what the engine works out once per environment per reconcile.
    let loaded = railyard::load::read_worktree(timed.path(), None).expect("the repository loads");
    let (catalog, _) = railyard::catalog::Catalog::build(&loaded.settings, &loaded.documents);
    let environments: Vec<EnvironmentSpec> = catalog
        .all::<EnvironmentSpec>()
        .map(|e| e.manifest.spec.clone())
        .collect();
    assert!(
        loaded.diagnostics.is_empty() && environments.len() == 4,
        "the repository with recurrences must load cleanly, its four environments valid"
    );
    assert!(
        environments
            .iter()
            .all(|e| e.windows.len() == 1 && e.freezes.len() == 4 && e.holidays.len() == 20)
    );
    let settings = &loaded.settings;
    let now: jiff::Timestamp = NOW.parse().expect("an instant");
    let mut runs: Vec<Duration> = (0..21)
        .map(|_| {
            let started = Instant::now();
            for env in &environments {
                let at = Openings::of(settings.timezone.as_deref(), env).at(now);
                std::hint::black_box(at);
            }
            started.elapsed()
        })
        .collect();
    runs.sort();
    println!(
        "expanding {} environments' freezes and windows a year ahead: median {:.2} ms (min {:.2}, max {:.2})",
        environments.len(),
        ms(runs[runs.len() / 2]),
        ms(runs[0]),
        ms(runs[runs.len() - 1])
    );

    // (1b) What every reconcile renders for STATUS.md, and the calendar file when asked for.
    let median = |work: &dyn Fn()| {
        let mut runs: Vec<Duration> = (0..21)
            .map(|_| {
                let started = Instant::now();
                work();
                started.elapsed()
            })
            .collect();
        runs.sort();
        (runs[runs.len() / 2], runs[0], runs[runs.len() - 1])
    };
    let events = railyard::calendar::events(&catalog, &[]).len();
    for (what, (mid, min, max)) in [
        (
            "STATUS.md's next 14 days".to_string(),
            median(&|| {
                std::hint::black_box(railyard::upcoming::section(&catalog, &[], now));
            }),
        ),
        (
            format!("calendar.ics ({events} events)"),
            median(&|| {
                let events = railyard::calendar::events(&catalog, &[]);
                std::hint::black_box(railyard::calendar::ics(&events, "bench"));
            }),
        ),
    ] {
        println!(
            "rendering {what}: median {:.2} ms (min {:.2}, max {:.2})",
            ms(mid),
            ms(min),
            ms(max)
        );
    }

    // (2) End to end.
    let binary = env!("CARGO_BIN_EXE_railyard");
    for (label, root) in [
        ("without recurrences", plain.path()),
        ("with recurrences", timed.path()),
    ] {
        let mut times: Vec<Duration> = (0..7)
            .map(|_| {
                let started = Instant::now();
                let status = Command::new(binary)
                    .args([
                        "reconcile",
                        "--dry-run",
                        "--format",
                        "json",
                        "--now",
                        NOW,
                        "--repo",
                    ])
                    .arg(root)
                    .stdout(std::process::Stdio::null())
                    .status()
                    .expect("railyard runs");
                assert_eq!(status.code(), Some(0), "{label}: the plan has no errors");
                started.elapsed()
            })
            .collect();
        times.sort();
        println!(
            "reconcile --dry-run {label}: median {:.0} ms (min {:.0}, max {:.0})",
            ms(times[3]),
            ms(times[0]),
            ms(times[6])
        );
    }
}

/// A holiday calendar: 12 yearly all-day events and 8 dated ones.
fn holidays() -> String {
    let mut text = String::from("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//bench//EN\r\n");
    for month in 1..=12 {
        text.push_str(&format!(
            "BEGIN:VEVENT\r\nUID:y{month}\r\nDTSTART;VALUE=DATE:2026{month:02}15\r\nRRULE:FREQ=YEARLY\r\nSUMMARY:Yearly {month}\r\nEND:VEVENT\r\n"
        ));
    }
    for day in 1..=8 {
        text.push_str(&format!(
            "BEGIN:VEVENT\r\nUID:d{day}\r\nDTSTART;VALUE=DATE:202704{day:02}\r\nSUMMARY:Dated {day}\r\nEND:VEVENT\r\n"
        ));
    }
    text + "END:VCALENDAR\r\n"
}

/// Adds [`TIMES`] to every environment (replacing a fixed freeze list), and the holiday
/// calendar they name.
fn add_times(root: &std::path::Path) {
    std::fs::create_dir_all(root.join("calendars")).expect("a folder");
    std::fs::write(root.join("calendars/holidays.ics"), holidays()).expect("written");
    for entry in std::fs::read_dir(root.join("environments")).expect("environments") {
        let path = entry.expect("an entry").path();
        let text = std::fs::read_to_string(&path).expect("readable");
        let head = text
            .split("  freezes:\n")
            .next()
            .unwrap_or(&text)
            .to_string();
        std::fs::write(&path, format!("{head}{TIMES}")).expect("written");
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
