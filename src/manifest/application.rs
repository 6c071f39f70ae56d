//! `ApplicationRelease`: one application's version, its work items and milestones.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::train::{Abandon, Milestone};
use super::values::{Date, Id, Name};

/// A release of one application, usually on a train.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ApplicationReleaseSpec {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub train: Option<Name>,
    pub application: String,
    pub version: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schedule: Option<ReleaseSchedule>,
    /// Application releases that must be deployed before this one.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub depends_on: Vec<Name>,
    /// Its own milestones; when absent it inherits the train's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub milestones: Option<Vec<Milestone>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub work_items: Vec<WorkItem>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub abandon: Option<Abandon>,
}

/// When the application release starts and ends.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ReleaseSchedule {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start: Option<Date>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end: Option<Date>,
}

/// A business request, development task or defect delivered by the release.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct WorkItem {
    pub id: Id,
    #[serde(rename = "type")]
    pub item_type: WorkItemType,
    pub title: String,
    #[serde(default)]
    pub done: bool,
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
