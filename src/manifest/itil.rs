//! `Release` (the ITIL release record of Service Manager) and `ReleaseModel` (its task plans).

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::train::Abandon;
use super::turnover::Task;
use super::values::{Duration, Id, Instant, Name};

/// An ITIL release record. Its workflow (`log` → … → `close`) requires more fields at each
/// phase, so every field is optional here; the workflow says which are needed when.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ReleaseSpec {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub release_type: Option<ReleaseType>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Member id; defaults to the author of the commit that added the record.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requested_by: Option<Id>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The `ReleaseModel` whose task plans the release runs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub release_model: Option<Name>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub justification: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
    /// Member id of the service owner, who is notified at each phase.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_owner: Option<Id>,
    /// Defaults to `slight-disruption` (`severe-disruption` for an emergency).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub urgency: Option<Urgency>,
    /// The team that owns the release.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owning_group: Option<Name>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    /// Member id of the release's owner.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<Id>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub risk: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub impact: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub implementation_plan: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remediation_plan: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scheduled_start: Option<Instant>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scheduled_end: Option<Instant>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration: Option<Duration>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub completion_code: Option<CompletionCode>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actual_start: Option<Instant>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actual_end: Option<Instant>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review_results: Option<String>,
    /// Team or member notified on entering early life support.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub support_level1: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub support_level2: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub support_level3: Option<String>,
    /// Ids of the related change requests (RFCs).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub changes: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub abandon: Option<Abandon>,
}

/// The ITIL release types.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum ReleaseType {
    Emergency,
    Major,
    Minor,
}

/// How much the release disrupts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Urgency {
    SlightDisruption,
    ModerateDisruption,
    SevereDisruption,
}

/// How the deployment ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum CompletionCode {
    Successful,
    SuccessfulWithIssues,
    Failed,
    BackedOut,
}

/// Predefined task plans for releases: the tasks a release runs in each phase.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ReleaseModelSpec {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Phase name → the tasks that hold the phase until they are done.
    pub task_plans: BTreeMap<String, Vec<Task>>,
}
