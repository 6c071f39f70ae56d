//! `ApplicationRelease`: one application's version, its work items and milestones.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::train::{Abandon, Milestone};
use super::values::{Date, Id, Name};

/// A release of one application, usually on a train.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ApplicationReleaseSpec {
    /// The ReleaseTrain this release ships with, by name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub train: Option<Name>,
    /// The application (or service) released.
    pub application: String,
    /// The version released, as the team writes it (`2.4.0`).
    pub version: String,
    /// When the release starts and ends.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schedule: Option<ReleaseSchedule>,
    /// Application releases that must be deployed before this one.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub depends_on: Vec<Name>,
    /// Its own milestones; when absent it inherits the train's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub milestones: Option<Vec<Milestone>>,
    /// The changes in the release; each must be `done` before it completes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub work_items: Vec<WorkItem>,
    /// Set to abandon the release, with the reason.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub abandon: Option<Abandon>,
}

/// When the application release starts and ends.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ReleaseSchedule {
    /// The first day of the release (a date).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start: Option<Date>,
    /// The last day of the release (a date).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end: Option<Date>,
}

/// A business request, development task or defect delivered by the release.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct WorkItem {
    /// The item's id, unique in the release.
    pub id: Id,
    /// What kind of change the item is.
    #[serde(rename = "type")]
    pub item_type: WorkItemType,
    /// The item's title.
    pub title: String,
    /// Whether the work is done.
    #[serde(default)]
    pub done: bool,
    /// A link to the item in the team's tracker.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
}

/// What a work item is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum WorkItemType {
    BusinessRequest,
    DevelopmentTask,
    Defect,
}
