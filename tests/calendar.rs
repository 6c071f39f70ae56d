//! `railyard calendar` (issue 24, part 5, first half): the sample's release calendar as
//! iCalendar and JSON, byte-identical from run to run, well-formed as RFC 5545 lines.

mod common;

use common::{railyard, root, stdout};

fn calendar(extra: &[&str]) -> std::process::Output {
    railyard()
        .args(["calendar", "--now", "2026-12-01T00:00:00Z", "--repo"])
        .arg(root().join("examples/acme"))
        .args(extra)
        .output()
        .expect("railyard runs")
}

#[test]
fn the_sample_calendar_is_well_formed_icalendar_and_the_same_every_run() {
    let first = calendar(&[]);
    assert_eq!(
        first.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let text = stdout(&first);
    assert_eq!(
        text,
        stdout(&calendar(&["--format", "ics"])),
        "ics is the default"
    );
    assert_eq!(
        text,
        stdout(&calendar(&[])),
        "byte-identical from run to run"
    );
    assert!(
        text.starts_with("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"),
        "{text}"
    );
    assert!(text.ends_with("END:VCALENDAR\r\n"));
    let lines: Vec<&str> = text.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert!(
        !text.replace("\r\n", "").contains('\n'),
        "every line ends with CRLF"
    );
    for line in &lines {
        assert!(line.len() <= 75, "{line:?} is longer than 75 octets");
    }
    let begins = lines.iter().filter(|l| **l == "BEGIN:VEVENT").count();
    let ends = lines.iter().filter(|l| **l == "END:VEVENT").count();
    assert_eq!(begins, ends);
    assert_eq!(
        begins,
        lines.iter().filter(|l| l.starts_with("UID:")).count(),
        "one UID per event"
    );
    // The weekend freeze, as the recurrence it is, in its zone, from its first Friday.
    let unfolded = text.replace("\r\n ", "");
    assert!(
        unfolded.contains("UID:environment-production-freeze-1@railyard\r\nDTSTAMP:20000101T000000Z\r\nDTSTART;TZID=Europe/Berlin:20000107T160000\r\nDURATION:P2DT16H\r\nRRULE:FREQ=WEEKLY;BYDAY=FR\r\nSUMMARY:Freeze on production: No deployments from Friday 16:00 to Monday 08:00\r\n"),
        "{unfolded}"
    );
}

#[test]
fn the_sample_calendar_as_json() {
    let out = calendar(&["--format", "json"]);
    assert_eq!(out.status.code(), Some(0));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    insta::assert_json_snapshot!("acme_calendar", json);
    let refused = calendar(&["--format", "dot"]);
    assert_eq!(refused.status.code(), Some(2));
    let other = railyard()
        .args(["validate", "--format", "ics", "--repo"])
        .arg(root().join("examples/acme"))
        .output()
        .expect("railyard runs");
    assert_eq!(other.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&other.stderr)
            .contains("`--format ics` is for `railyard calendar`")
    );
}

#[test]
fn expand_lists_railyard_s_own_occurrences_across_daylight_saving_time() {
    let out = railyard()
        .args([
            "calendar",
            "--format",
            "json",
            "--expand",
            "14",
            "--now",
            "2026-10-19T00:00:00Z",
            "--repo",
        ])
        .arg(root().join("examples/acme"))
        .output()
        .expect("railyard runs");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let weekend = json
        .as_array()
        .and_then(|events| {
            events
                .iter()
                .find(|e| e["uid"] == "environment-production-freeze-1@railyard")
        })
        .expect("the weekend freeze");
    // Friday 16:00 to Monday 08:00 in Berlin: 64h, then 65h over the night clocks go back.
    assert_eq!(
        weekend["occurrences"],
        serde_json::json!([
            ["2026-10-16T14:00:00Z", "2026-10-19T06:00:00Z"],
            ["2026-10-23T14:00:00Z", "2026-10-26T07:00:00Z"],
            ["2026-10-30T15:00:00Z", "2026-11-02T07:00:00Z"]
        ])
    );
    let refused = calendar(&["--expand", "14"]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("add `--format json`"));
}

#[test]
fn a_repository_with_errors_gets_the_calendar_of_what_is_valid_and_exit_1() {
    let out = railyard()
        .args(["calendar", "--now", "2026-12-01T00:00:00Z", "--repo"])
        .arg(root().join("examples/invalid"))
        .output()
        .expect("railyard runs");
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).starts_with("BEGIN:VCALENDAR\r\n"));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("objects with errors are left out of the calendar"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The sample as a git repository, committed by rita.
fn sample_repository() -> tempfile::TempDir {
    let repo = common::git_repo();
    common::copy_tree(&root().join("examples/acme"), repo.path());
    common::git(repo.path(), &["add", "-A"], "rita", "2026-11-01T10:00:00Z");
    common::git(
        repo.path(),
        &["commit", "-q", "-m", "The December train"],
        "rita",
        "2026-11-01T10:00:00Z",
    );
    repo
}

fn head(dir: &std::path::Path) -> String {
    stdout(&common::git(
        dir,
        &["rev-parse", "HEAD"],
        "rita",
        "2026-11-01T10:00:00Z",
    ))
}

#[test]
fn the_committed_calendar_is_written_with_the_status_as_railyard_s_own_file() {
    const NOW: &str = "2026-12-01T00:00:00Z";
    let repo = sample_repository();
    let dir = repo.path();
    common::reconcile_at(dir, NOW, "the status commit");
    let show = |args: &[&str]| {
        let args: Vec<&str> = std::iter::once("show")
            .chain(args.iter().copied())
            .collect();
        stdout(&common::git(dir, &args, "rita", "2026-11-01T10:00:00Z"))
    };
    // Committed by railyard's own commit, beside STATUS.md, as `railyard calendar` prints it.
    let files = show(&["--format=%ae", "--name-only", "HEAD"]);
    assert!(files.starts_with("railyard-bot@acme.example\n"), "{files}");
    assert!(files.lines().any(|l| l == "calendar.ics"), "{files}");
    let printed = railyard()
        .args(["calendar", "--now", NOW, "--repo"])
        .arg(dir)
        .output()
        .expect("railyard runs");
    assert_eq!(show(&["HEAD:calendar.ics"]), stdout(&printed));
    // STATUS.md shows the next 14 days of each environment, in its zone.
    let status = show(&["HEAD:STATUS.md"]);
    assert!(
        status.contains("## Next 14 days\n\nFrom 2026-12-01 to 2026-12-14; each environment in its own time zone.\n"),
        "{status}"
    );
    assert!(
        status.contains("  title production (Europe/Berlin)\n  dateFormat YYYY-MM-DD HH:mm\n  axisFormat %a %d\n  section Freezes\n"),
        "{status}"
    );
    // The weekend freeze from its Friday 16:00 to Monday 08:00, Berlin time.
    assert!(
        status.contains(" :crit, f1_0, 2026-12-04 16:00, 2026-12-07 08:00\n"),
        "{status}"
    );
    // Nothing changes at the same clock: no second commit.
    let before = head(dir);
    common::reconcile_at(dir, NOW, "a reconcile with nothing to do");
    assert_eq!(head(dir), before, "a second reconcile commits nothing");
    // A hand edit is railyard's to overwrite, and a pull request may not make it.
    std::fs::write(
        dir.join("calendar.ics"),
        "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n",
    )
    .expect("written");
    common::git(
        dir,
        &["commit", "-qam", "edit"],
        "rita",
        "2026-12-01T00:00:00Z",
    );
    common::reconcile_at(dir, NOW, "the repair");
    assert_eq!(show(&["HEAD:calendar.ics"]), stdout(&printed));
}
