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
    /// The release record's title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// The ITIL release type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub release_type: Option<ReleaseType>,
    /// What the release delivers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Member id; defaults to the author of the commit that added the record.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requested_by: Option<Id>,
    /// Why the release is made.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The `ReleaseModel` whose task plans the release runs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub release_model: Option<Name>,
    /// The business justification.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub justification: Option<String>,
    /// The service the release changes.
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
    /// The release's category, as the organisation classifies releases.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    /// Member id of the release's owner.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<Id>,
    /// The assessed risk.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub risk: Option<String>,
    /// The assessed impact.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub impact: Option<String>,
    /// How the release is implemented.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub implementation_plan: Option<String>,
    /// How the release is backed out if it fails.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remediation_plan: Option<String>,
    /// When the deployment is scheduled to start (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scheduled_start: Option<Instant>,
    /// When the deployment is scheduled to end (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scheduled_end: Option<Instant>,
    /// How long the deployment is planned to take (`2h`, `90m`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration: Option<Duration>,
    /// How the release ended.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub completion_code: Option<CompletionCode>,
    /// When the deployment actually started (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actual_start: Option<Instant>,
    /// When the deployment actually ended (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actual_end: Option<Instant>,
    /// What the post-implementation review found.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review_results: Option<String>,
    /// Team or member notified on entering early life support.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub support_level1: Option<String>,
    /// The second-level support group for the released service.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub support_level2: Option<String>,
    /// The third-level support group for the released service.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub support_level3: Option<String>,
    /// Ids of the related change requests (RFCs).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub changes: Vec<String>,
    /// Set to abandon the release, with the reason.
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
    /// What the model is for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Phase name → the tasks that hold the phase until they are done.
    pub task_plans: BTreeMap<String, Vec<Task>>,
}
