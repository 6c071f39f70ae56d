//! `Environment`: where turnovers deploy, its place on the promotion path, and its freezes.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::values::{Moment, Name};

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
    /// Periods in which no deployment may start.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub freezes: Vec<Freeze>,
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

/// A change freeze: from `from` up to and including `to` (a date bound covers its whole day).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Freeze {
    /// When the freeze starts: a date (the whole day) or an instant.
    pub from: Moment,
    /// When the freeze ends: a date (the whole day) or an instant.
    pub to: Moment,
    /// Why deployments stop, shown in the plan.
    pub reason: String,
    /// An `emergency` train may still deploy during this freeze.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub allow_emergency: bool,
}
