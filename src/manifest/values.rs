//! Value types shared by the kinds: names, dates, instants, durations and object references.
//! Each parses from the string a person writes and has a JSON Schema of its own, so that the
//! schema and the Rust model can never disagree.

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Implements Serialize/Deserialize through `Display`/`FromStr`.
macro_rules! string_serde {
    ($ty:ty) => {
        impl Serialize for $ty {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.collect_str(self)
            }
        }
        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = <Cow<'de, str>>::deserialize(deserializer)?;
                text.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}

/// The pattern of `metadata.name` and of every reference to one: DNS-label-like pieces
/// joined by single dots, so a name is always a safe file name.
pub const NAME_PATTERN: &str = "^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$";

/// The longest name.
pub const NAME_MAX: usize = 63;

/// The name of an object: 1–63 characters of `[a-z0-9-.]`, starting and ending with a letter
/// or digit, with no `..` (it becomes a file name under the status dir).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Name(compact_str::CompactString);

impl Name {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Why `text` is not a valid name, or `None` when it is.
    pub fn problem(text: &str) -> Option<&'static str> {
        if text.is_empty() {
            return Some("a name cannot be empty");
        }
        if text.len() > NAME_MAX {
            return Some("a name has at most 63 characters");
        }
        if !text
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.')
        {
            return Some("a name uses only lowercase letters, digits, `-` and `.`");
        }
        let ends_ok = |b: Option<&u8>| b.is_some_and(|b| b.is_ascii_alphanumeric());
        if !ends_ok(text.as_bytes().first()) || !ends_ok(text.as_bytes().last()) {
            return Some("a name starts and ends with a letter or a digit");
        }
        if text
            .split('.')
            .any(|part| !ends_ok(part.as_bytes().first()) || !ends_ok(part.as_bytes().last()))
        {
            return Some(
                "each `.`-separated part of a name starts and ends with a letter or digit",
            );
        }
        None
    }
}

impl FromStr for Name {
    type Err = &'static str;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match Name::problem(text) {
            Some(problem) => Err(problem),
            None => Ok(Name(text.into())),
        }
    }
}

impl fmt::Display for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::borrow::Borrow<str> for Name {
    fn borrow(&self) -> &str {
        &self.0
    }
}

string_serde!(Name);

impl JsonSchema for Name {
    fn schema_name() -> Cow<'static, str> {
        "Name".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "description": "1–63 characters of [a-z0-9-.], starting and ending with a letter or digit",
            "minLength": 1,
            "maxLength": NAME_MAX,
            "pattern": NAME_PATTERN,
        })
    }
}

/// The pattern of ids inside one object (tasks, members, milestones, criteria, work items).
pub const ID_PATTERN: &str = "^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?$";

/// An id that is unique within its list: a task, a member, a milestone, a criterion.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Id(pub compact_str::CompactString);

impl Id {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::borrow::Borrow<str> for Id {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl From<&str> for Id {
    fn from(id: &str) -> Id {
        Id(id.into())
    }
}

impl From<String> for Id {
    fn from(id: String) -> Id {
        Id(id.into())
    }
}

impl JsonSchema for Id {
    fn schema_name() -> Cow<'static, str> {
        "Id".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "description": "letters, digits, `.`, `_` and `-`, starting and ending with a letter or digit",
            "minLength": 1,
            "maxLength": NAME_MAX,
            "pattern": ID_PATTERN,
        })
    }
}

/// A calendar date, RFC 3339 `full-date` (`2026-12-31`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date(pub jiff::civil::Date);

impl FromStr for Date {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        if text.len() != 10 {
            return Err(format!("`{text}` is not a date like 2026-12-31"));
        }
        text.parse::<jiff::civil::Date>()
            .map(Date)
            .map_err(|e| format!("`{text}` is not a date like 2026-12-31: {e}"))
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

string_serde!(Date);

impl JsonSchema for Date {
    fn schema_name() -> Cow<'static, str> {
        "Date".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "format": "date",
            "description": "an RFC 3339 date, e.g. 2026-12-31",
        })
    }
}

/// A time of day, `HH:MM` on a 24-hour clock (`16:00`), local to an environment's zone.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TimeOfDay(pub jiff::civil::Time);

impl FromStr for TimeOfDay {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let bad = || format!("`{text}` is not a time of day like 16:00");
        let (hours, minutes) = text.split_once(':').ok_or_else(bad)?;
        if hours.len() != 2 || minutes.len() != 2 {
            return Err(bad());
        }
        let hours: i8 = hours.parse().map_err(|_| bad())?;
        let minutes: i8 = minutes.parse().map_err(|_| bad())?;
        jiff::civil::Time::new(hours, minutes, 0, 0)
            .map(TimeOfDay)
            .map_err(|_| bad())
    }
}

impl fmt::Display for TimeOfDay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}:{:02}", self.0.hour(), self.0.minute())
    }
}

string_serde!(TimeOfDay);

impl JsonSchema for TimeOfDay {
    fn schema_name() -> Cow<'static, str> {
        "TimeOfDay".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9]$",
            "description": "a time of day on a 24-hour clock, e.g. 16:00",
        })
    }
}

/// A point in time, RFC 3339 `date-time` with an offset (`2026-12-01T18:00:00Z`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Instant(pub jiff::Timestamp);

impl FromStr for Instant {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        text.parse::<jiff::Timestamp>()
            .map(Instant)
            .map_err(|e| format!("`{text}` is not an instant like 2026-12-01T18:00:00Z: {e}"))
    }
}

impl fmt::Display for Instant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

string_serde!(Instant);

impl JsonSchema for Instant {
    fn schema_name() -> Cow<'static, str> {
        "Instant".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "format": "date-time",
            "description": "an RFC 3339 date-time with offset, e.g. 2026-12-01T18:00:00Z",
        })
    }
}

/// A date or an instant: the bounds of freezes and reservations. A date bound covers its
/// whole day (UTC): `to: 2026-12-31` ends at the end of that day.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Moment {
    Date(Date),
    Instant(Instant),
}

impl Moment {
    /// The first instant the moment covers.
    pub fn start(self) -> jiff::Timestamp {
        match self {
            Moment::Instant(i) => i.0,
            Moment::Date(d) => day_start(d.0),
        }
    }

    /// The instant just after the moment: the end of the day for a date.
    pub fn end(self) -> jiff::Timestamp {
        match self {
            Moment::Instant(i) => i.0,
            Moment::Date(d) => d.0.tomorrow().map_or(jiff::Timestamp::MAX, day_start),
        }
    }
}

impl Moment {
    /// [`Moment::start`] with a date's day in `zone` rather than UTC.
    pub fn start_in(self, zone: &jiff::tz::TimeZone) -> jiff::Timestamp {
        match self {
            Moment::Instant(i) => i.0,
            Moment::Date(d) => day_start_in(d.0, zone),
        }
    }

    /// [`Moment::end`] with a date's day in `zone` rather than UTC.
    pub fn end_in(self, zone: &jiff::tz::TimeZone) -> jiff::Timestamp {
        match self {
            Moment::Instant(i) => i.0,
            Moment::Date(d) => {
                d.0.tomorrow()
                    .map_or(jiff::Timestamp::MAX, |next| day_start_in(next, zone))
            }
        }
    }
}

/// The first instant of `date` in `zone` (after a gap, when midnight does not exist there).
fn day_start_in(date: jiff::civil::Date, zone: &jiff::tz::TimeZone) -> jiff::Timestamp {
    date.to_zoned(zone.clone())
        .map_or(jiff::Timestamp::MAX, |z| z.timestamp())
}

fn day_start(date: jiff::civil::Date) -> jiff::Timestamp {
    date.to_zoned(jiff::tz::TimeZone::UTC)
        .map_or(jiff::Timestamp::MAX, |z| z.timestamp())
}

impl FromStr for Moment {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        if text.len() == 10 {
            text.parse().map(Moment::Date)
        } else {
            text.parse().map(Moment::Instant)
        }
    }
}

impl fmt::Display for Moment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Moment::Date(d) => d.fmt(f),
            Moment::Instant(i) => i.fmt(f),
        }
    }
}

string_serde!(Moment);

impl JsonSchema for Moment {
    fn schema_name() -> Cow<'static, str> {
        "Moment".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "an RFC 3339 date (the whole day: in the environment's zone for a freeze, UTC elsewhere) or date-time",
            "anyOf": [
                {"type": "string", "format": "date"},
                {"type": "string", "format": "date-time"},
            ],
        })
    }
}

/// The pattern of a duration: one or more of days, hours, minutes, seconds, in that order.
pub const DURATION_PATTERN: &str = "^([0-9]+d([0-9]+h)?([0-9]+m)?([0-9]+s)?|[0-9]+h([0-9]+m)?([0-9]+s)?|[0-9]+m([0-9]+s)?|[0-9]+s)$";

/// A span of time written short: `90m`, `4h`, `1h30m`, `2d`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Duration {
    /// The duration in seconds.
    pub seconds: u64,
}

impl FromStr for Duration {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let bad = || format!("`{text}` is not a duration like 90m, 4h, 1h30m or 2d");
        let mut seconds: u64 = 0;
        let mut digits = String::new();
        let mut last_unit = 0;
        for c in text.chars() {
            if c.is_ascii_digit() {
                digits.push(c);
                continue;
            }
            let (rank, factor) = match c {
                'd' => (1, 86_400),
                'h' => (2, 3_600),
                'm' => (3, 60),
                's' => (4, 1),
                _ => return Err(bad()),
            };
            if digits.is_empty() || rank <= last_unit {
                return Err(bad());
            }
            let n: u64 = digits.parse().map_err(|_| bad())?;
            seconds = n
                .checked_mul(factor)
                .and_then(|v| seconds.checked_add(v))
                .ok_or_else(bad)?;
            digits.clear();
            last_unit = rank;
        }
        if !digits.is_empty() || last_unit == 0 {
            return Err(bad());
        }
        Ok(Duration { seconds })
    }
}

impl fmt::Display for Duration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut rest = self.seconds;
        if rest == 0 {
            return f.write_str("0s");
        }
        for (unit, size) in [("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1)] {
            if rest >= size {
                write!(f, "{}{unit}", rest / size)?;
                rest %= size;
            }
        }
        Ok(())
    }
}

string_serde!(Duration);

impl JsonSchema for Duration {
    fn schema_name() -> Cow<'static, str> {
        "Duration".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "description": "a duration such as 90m, 4h, 1h30m or 2d",
            "pattern": DURATION_PATTERN,
        })
    }
}

/// The pattern of a reference to an object of another kind: `Kind/name`.
pub const OBJECT_REF_PATTERN: &str = "^[A-Z][A-Za-z]*/[a-z0-9]([a-z0-9.-]*[a-z0-9])?$";

/// A reference to an object as `<Kind>/<name>`, e.g. `ReleaseTrain/2026-q4`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ObjectRef {
    /// The object's kind.
    pub kind: String,
    /// The object's name.
    pub name: String,
}

impl FromStr for ObjectRef {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text.split_once('/') {
            Some((kind, name)) if !kind.is_empty() && !name.is_empty() => Ok(ObjectRef {
                kind: kind.to_string(),
                name: name.to_string(),
            }),
            _ => Err(format!(
                "`{text}` is not a reference like ReleaseTrain/2026-q4"
            )),
        }
    }
}

impl fmt::Display for ObjectRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.kind, self.name)
    }
}

string_serde!(ObjectRef);

impl JsonSchema for ObjectRef {
    fn schema_name() -> Cow<'static, str> {
        "ObjectRef".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "description": "an object as <Kind>/<name>, e.g. ReleaseTrain/2026-q4",
            "pattern": OBJECT_REF_PATTERN,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        for good in ["a", "web", "2026-q4", "app.v2", "a-b.c-d", &"x".repeat(63)] {
            assert_eq!(Name::problem(good), None, "{good}");
        }
        for bad in [
            "",
            "A",
            "-a",
            "a-",
            "a..b",
            "../x",
            "a/b",
            ".a",
            "a.",
            "a_b",
            &"x".repeat(64),
        ] {
            assert!(Name::problem(bad).is_some(), "{bad}");
        }
    }

    #[test]
    fn durations() {
        let cases = [
            ("90m", 5_400),
            ("4h", 14_400),
            ("1h30m", 5_400),
            ("2d", 172_800),
            ("10s", 10),
        ];
        for (text, seconds) in cases {
            assert_eq!(
                text.parse::<Duration>().map(|d| d.seconds),
                Ok(seconds),
                "{text}"
            );
        }
        for bad in [
            "",
            "h",
            "30",
            "1m2h",
            "1h1h",
            "1w",
            "-1h",
            "99999999999999999999d",
        ] {
            assert!(bad.parse::<Duration>().is_err(), "{bad}");
        }
        assert_eq!(
            "1h30m".parse::<Duration>().map(|d| d.to_string()),
            Ok("1h30m".into())
        );
    }

    #[test]
    fn moments_cover_whole_days() {
        let day: Moment = "2026-12-24".parse().expect("date");
        let later: Moment = "2026-12-24T23:00:00Z".parse().expect("instant");
        assert!(day.start() <= later.start() && later.start() < day.end());
        assert!("2026-13-01".parse::<Moment>().is_err());
    }

    #[test]
    fn object_refs() {
        let r: ObjectRef = "ReleaseTrain/2026-q4".parse().expect("ref");
        assert_eq!(
            (r.kind.as_str(), r.name.as_str()),
            ("ReleaseTrain", "2026-q4")
        );
        assert!("nope".parse::<ObjectRef>().is_err());
    }
}
