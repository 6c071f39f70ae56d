//! Table tests of the time logic at fixed clocks in several zones, across the nights that
//! daylight saving time begins and ends.

use super::openings::Openings;
use super::*;
use crate::manifest::{Date, Duration, EnvironmentSpec, Moment, TimeOfDay};

fn at(text: &str) -> Timestamp {
    text.parse().expect("an instant")
}

fn recurrence(rrule: &str, start: &str, duration: &str) -> Recurrence {
    Recurrence {
        rrule: rrule.into(),
        start: Some(start.parse::<TimeOfDay>().expect("a time of day")),
        duration: duration.parse::<Duration>().expect("a duration"),
        since: None,
    }
}

/// The periods of `rule` in `zone` that overlap `from..to`, as RFC 3339 pairs.
fn periods(rule: &Recurrence, zone_name: &str, from: &str, to: &str) -> Vec<(String, String)> {
    let rule = Rule::new(rule, &zone(zone_name).expect("a zone")).expect("a rule");
    rule.periods(at(from), at(to), 100)
        .into_iter()
        .map(|p| (p.start.to_string(), p.end.to_string()))
        .collect()
}

#[test]
fn a_weekend_freeze_ends_on_monday_morning_local_across_both_dst_changes() {
    let weekend = recurrence("FREQ=WEEKLY;BYDAY=FR", "16:00", "64h");
    let cases = [
        // Berlin falls back on 2026-10-25: 16:00 CEST is 14:00Z, 08:00 CET is 07:00Z (65h).
        (
            "Europe/Berlin",
            "2026-10-22T00:00:00Z",
            ("2026-10-23T14:00:00Z", "2026-10-26T07:00:00Z"),
        ),
        // Berlin springs forward on 2027-03-28: 16:00 CET is 15:00Z, 08:00 CEST is 06:00Z (63h).
        (
            "Europe/Berlin",
            "2027-03-25T00:00:00Z",
            ("2027-03-26T15:00:00Z", "2027-03-29T06:00:00Z"),
        ),
        // New York falls back on 2026-11-01: EDT 20:00Z, then EST 13:00Z.
        (
            "America/New_York",
            "2026-10-29T00:00:00Z",
            ("2026-10-30T20:00:00Z", "2026-11-02T13:00:00Z"),
        ),
        // And springs forward on 2027-03-14.
        (
            "America/New_York",
            "2027-03-11T00:00:00Z",
            ("2027-03-12T21:00:00Z", "2027-03-15T12:00:00Z"),
        ),
        // Kolkata has no daylight saving time: +05:30 all year.
        (
            "Asia/Kolkata",
            "2026-10-22T00:00:00Z",
            ("2026-10-23T10:30:00Z", "2026-10-26T02:30:00Z"),
        ),
        (
            "UTC",
            "2026-10-22T00:00:00Z",
            ("2026-10-23T16:00:00Z", "2026-10-26T08:00:00Z"),
        ),
    ];
    for (zone_name, from, (start, end)) in cases {
        let found = periods(&weekend, zone_name, from, "2026-10-22T00:00:00Z".max(from));
        assert!(found.is_empty(), "nothing in an empty range");
        let to = at(from)
            .checked_add(SignedDuration::from_hours(24 * 3))
            .expect("later")
            .to_string();
        let found = periods(&weekend, zone_name, from, &to);
        assert_eq!(
            found,
            [(start.to_string(), end.to_string())],
            "{zone_name} from {from}"
        );
    }
}

#[test]
fn times_the_clocks_skip_or_repeat_are_taken_after_the_gap_and_at_their_first_instant() {
    let nightly = recurrence("FREQ=DAILY", "02:30", "1h");
    // 02:30 does not exist in Berlin on 2027-03-28: the period starts after the gap
    // (03:30 CEST, 01:30Z) and lasts its hour.
    assert_eq!(
        periods(
            &nightly,
            "Europe/Berlin",
            "2027-03-28T00:00:00Z",
            "2027-03-28T12:00:00Z"
        ),
        [("2027-03-28T01:30:00Z".into(), "2027-03-28T02:30:00Z".into())]
    );
    // 02:30 happens twice on 2026-10-25: the first (CEST, 00:30Z) starts it, and it ends at
    // 03:30 CET (02:30Z).
    assert_eq!(
        periods(
            &nightly,
            "Europe/Berlin",
            "2026-10-25T00:00:00Z",
            "2026-10-25T12:00:00Z"
        ),
        [("2026-10-25T00:30:00Z".into(), "2026-10-25T02:30:00Z".into())]
    );
}

#[test]
fn yearly_and_dated_periods_cover_local_days() {
    let holidays = recurrence("FREQ=YEARLY;BYMONTH=12;BYMONTHDAY=20", "00:00", "15d");
    assert_eq!(
        periods(
            &holidays,
            "Europe/Berlin",
            "2026-06-01T00:00:00Z",
            "2027-06-01T00:00:00Z"
        ),
        [("2026-12-19T23:00:00Z".into(), "2027-01-03T23:00:00Z".into())]
    );
    let zone = zone("America/Los_Angeles").expect("a zone");
    let day: Moment = "2026-12-24".parse().expect("a date");
    assert_eq!(day.start_in(&zone).to_string(), "2026-12-24T08:00:00Z");
    assert_eq!(day.end_in(&zone).to_string(), "2026-12-25T08:00:00Z");
}

#[test]
fn a_rule_starts_counting_at_its_since() {
    // Every other Tuesday from 2026-12-01: not 2026-12-08.
    let mut fortnightly = recurrence("FREQ=WEEKLY;INTERVAL=2;BYDAY=TU", "10:00", "1h");
    fortnightly.since = Some("2026-12-01".parse::<Date>().expect("a date"));
    let starts: Vec<String> = periods(
        &fortnightly,
        "UTC",
        "2026-11-01T00:00:00Z",
        "2026-12-31T00:00:00Z",
    )
    .into_iter()
    .map(|(start, _)| start)
    .collect();
    assert_eq!(
        starts,
        [
            "2026-12-01T10:00:00Z",
            "2026-12-15T10:00:00Z",
            "2026-12-29T10:00:00Z"
        ]
    );
}

#[test]
fn expanding_from_near_the_instant_finds_what_expanding_from_since_finds() {
    let zone = zone("Europe/Berlin").expect("a zone");
    for rrule in [
        "FREQ=WEEKLY;BYDAY=FR",
        "FREQ=DAILY;BYHOUR=9",
        "FREQ=WEEKLY;BYDAY=TU,TH;UNTIL=20300101T000000Z",
        "FREQ=HOURLY;BYMINUTE=55",
    ] {
        let mut recurring = recurrence(rrule, "16:00", "64h");
        recurring.since = Some("2025-01-01".parse::<Date>().expect("a date"));
        let moved = Rule::new(&recurring, &zone).expect("a rule");
        assert!(moved.movable, "{rrule}");
        let fixed = Rule {
            movable: false,
            ..moved.clone()
        };
        for from in [
            "2026-03-27T12:00:00Z",
            "2026-10-24T12:00:00Z",
            "2029-12-31T23:00:00Z",
        ] {
            let to = at(from)
                .checked_add(SignedDuration::from_hours(24 * 40))
                .expect("later");
            assert_eq!(
                moved.periods(at(from), to, 1000),
                fixed.periods(at(from), to, 1000),
                "{rrule} from {from}"
            );
        }
    }
}

#[test]
fn rules_and_zones_that_do_not_parse_say_why() {
    let zone_error = zone("Europe/Berln").expect_err("not a zone");
    assert!(
        zone_error.contains("did you mean `Europe/Berlin`"),
        "{zone_error}"
    );
    for (rrule, duration) in [
        ("FREQ=FORTNIGHTLY", "1h"),
        ("BYDAY=FR", "1h"),
        ("FREQ=WEEKLY;BYDAY=XX", "1h"),
        ("FREQ=DAILY", "0s"),
    ] {
        let error =
            Rule::new(&recurrence(rrule, "10:00", duration), &TimeZone::UTC).expect_err(rrule);
        assert!(!error.is_empty());
    }
}

#[test]
fn openings_say_which_freeze_or_window_blocks_and_the_next_allowed_start() {
    let env: EnvironmentSpec = serde_json::from_value(serde_json::json!({
        "tier": "production",
        "freezes": [
            {"reason": "Weekend", "recur": {"rrule": "FREQ=WEEKLY;BYDAY=FR", "start": "16:00", "duration": "64h"}},
            {"from": "2026-12-24", "to": "2026-12-26", "reason": "Christmas", "allowEmergency": true},
        ],
        "windows": [{"rrule": "FREQ=WEEKLY;BYDAY=TU,WE,TH", "start": "10:00", "duration": "6h"}],
    }))
    .expect("an environment spec");
    let openings = Openings::of(Some("Europe/Berlin"), &env);
    let table = [
        // Friday 17:00 Berlin: the weekend freeze, and outside the windows: Tuesday 10:00.
        (
            "2026-12-04T16:00:00Z",
            false,
            2,
            Some("2026-12-08T09:00:00Z"),
        ),
        // Tuesday 11:00: open.
        ("2026-12-08T10:00:00Z", false, 0, None),
        // Tuesday 16:00: the window has closed; Wednesday 10:00.
        (
            "2026-12-08T15:00:00Z",
            false,
            1,
            Some("2026-12-09T09:00:00Z"),
        ),
        // Christmas Eve (Thursday): frozen by date; the 25th is a Friday, so Tuesday the 29th.
        (
            "2026-12-24T10:00:00Z",
            false,
            1,
            Some("2026-12-29T09:00:00Z"),
        ),
        // An emergency train may pass Christmas: open on Thursday morning.
        ("2026-12-24T10:00:00Z", true, 0, None),
    ];
    for (now, emergency, reasons, next) in table {
        let found = openings.at(at(now));
        let closed = if emergency {
            found.emergency
        } else {
            found.normal
        };
        match closed {
            None => assert_eq!((reasons, next), (0, None), "{now}"),
            Some(closed) => {
                assert_eq!(closed.reasons.len(), reasons, "{now}: {:?}", closed.reasons);
                assert_eq!(closed.next.map(|t| t.to_string()).as_deref(), next, "{now}");
            }
        }
    }
    // The watch timer wakes when the weekend freeze ends (Monday 08:00 Berlin).
    assert_eq!(
        openings.at(at("2026-12-05T12:00:00Z")).changes,
        Some(at("2026-12-07T07:00:00Z"))
    );
}
