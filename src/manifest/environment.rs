//! `Environment`: where turnovers deploy, its place on the promotion path, and its freezes.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::values::{Moment, Name};

/// An environment that turnovers deploy to.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct EnvironmentSpec {
    pub tier: Tier,
    /// The next environment on the promotion path.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub promotes_to: Option<Name>,
    /// The team that owns the environment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owners: Option<Name>,
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
    pub from: Moment,
    pub to: Moment,
    pub reason: String,
    /// An `emergency` train may still deploy during this freeze.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub allow_emergency: bool,
}
