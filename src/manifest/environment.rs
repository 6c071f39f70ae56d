//! `Environment`: where turnovers deploy, its place on the promotion path, and its freezes.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::values::{Date, Duration, Moment, Name, TimeOfDay};

/// An environment that turnovers deploy to.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct EnvironmentSpec {
    /// Where the environment stands in the path to production.
    pub tier: Tier,
    /// The next environment on the promotion path.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub promotes_to: Option<Name>,
    /// The team that owns the environment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owners: Option<Name>,
    /// What the environment is for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The IANA time zone (e.g. `America/New_York`) that the dates and times of day of its
    /// freezes and windows are local to. Default: `Config.spec.timezone`, else `UTC`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timezone: Option<String>,
    /// Periods in which no deployment may start.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub freezes: Vec<Freeze>,
    /// The freezes of the calendar files its `freezes` name, one per event, as the loader
    /// read them (never written in a manifest).
    #[serde(skip)]
    #[schemars(skip)]
    pub holidays: Vec<Freeze>,
    /// The only times a deployment may start here, when there are any (e.g. Tuesday to
    /// Thursday, 10:00 to 16:00): each a recurring period.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub windows: Vec<Recurrence>,
    /// What a turnover promoted to this environment waits for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub promotion: Option<PromotionRules>,
    /// How a turnover of an `emergency` train may start here in spite of a freeze, a closed
    /// window or a halt: with every approval named here given on the turnover, in order.
    #[serde(default, rename = "override", skip_serializing_if = "Option::is_none")]
    pub emergency_override: Option<EmergencyOverride>,
}

/// `override`: the approvals that let an emergency train's turnover start while the
/// environment is frozen, outside its windows or halted. The plan and the turnover's history
/// say who overrode what.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct EmergencyOverride {
    /// The approvals it needs, asked in order (each `count` distinct members of the team of
    /// `role`); records say `subject: Turnover/<name>` and `gate: <gate>`.
    #[schemars(length(min = 1))]
    pub approvals: Vec<super::approval::ApprovalGuard>,
}

/// `promotion`: what a promoted turnover waits for before it may start here.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PromotionRules {
    /// How long the turnover it is promoted from must have been deployed (on the
    /// environment before this one) before it may start: `24h`, `3d`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub soak: Option<Duration>,
}

/// The tier of an environment.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Tier {
    Development,
    Test,
    Staging,
    Production,
}

/// A change freeze: from `from` up to and including `to` (a date bound covers its whole day,
/// in the environment's zone), or a period that recurs (`recur`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Freeze {
    /// When the freeze starts: a date (the whole day) or an instant. With `to`; not with
    /// `recur`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<Moment>,
    /// When the freeze ends: a date (the whole day) or an instant. With `from`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<Moment>,
    /// A freeze that comes back: every Friday 16:00 for 64h, every 20 December for 15d.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recur: Option<Recurrence>,
    /// Freezes from a committed iCalendar file of holidays, by its path from the
    /// repository root (`calendars/holidays-de.ics`): each event freezes its days (or its
    /// period), recurring with its `RRULE`. Not with `from`/`to` or `recur`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub calendar: Option<String>,
    /// Why deployments stop, shown in the plan (with a calendar's events: before each
    /// event's summary, `Public holiday: Christmas Day`).
    pub reason: String,
    /// An `emergency` train may still deploy during this freeze.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub allow_emergency: bool,
}

/// A period that recurs: from `start` (a time of day in the environment's zone) on every
/// day the RFC 5545 `rrule` names, for `duration` of wall-clock time (a 64h freeze from a
/// Friday 16:00 ends on Monday 08:00 local, even across a change of daylight saving time).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Recurrence {
    /// An RFC 5545 recurrence rule, e.g. `FREQ=WEEKLY;BYDAY=FR` or
    /// `FREQ=YEARLY;BYMONTH=12;BYMONTHDAY=20`.
    #[schemars(regex(pattern = r"^(RRULE:)?FREQ="))]
    pub rrule: String,
    /// The local time of day each occurrence begins (`HH:MM`). Default `00:00`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start: Option<TimeOfDay>,
    /// How long each occurrence lasts: `64h`, `15d`, `6h`.
    pub duration: Duration,
    /// The day the rule counts from (its DTSTART): what `INTERVAL=2` or `COUNT` count
    /// from. Default 2000-01-01.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub since: Option<Date>,
}
