//! Records written by people and never changed afterwards: `Approval` and `TaskReport`.
//! Git history is their audit trail.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::values::{Id, ObjectRef};

/// A person's decision on a gate or an exit criterion of one object.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ApprovalSpec {
    /// The object decided on, as `<Kind>/<name>`.
    pub subject: ObjectRef,
    /// The approval gate decided (exactly one of `gate` and `criterion`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gate: Option<Id>,
    /// The exit criterion attested (exactly one of `gate` and `criterion`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub criterion: Option<Id>,
    /// `approve`, or `reject` (which holds the gate until a later approval).
    pub decision: Decision,
    /// The member id of the person deciding.
    pub by: Id,
    /// Why, for the people reading the plan.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

/// Approve or reject.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Decision {
    Approve,
    Reject,
}

/// The outcome of a manual task, reported by its owner.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct TaskReportSpec {
    /// The turnover (or release) whose task this is, as `<Kind>/<name>`.
    pub subject: ObjectRef,
    /// The id of the manual task reported.
    pub task: Id,
    /// The deployment attempt the report is for (1 unless retried).
    #[schemars(range(min = 1))]
    pub attempt: u32,
    /// How the task went.
    pub outcome: Outcome,
    /// The member who did the task (checked against the commit's author).
    pub by: Id,
    /// What the person wants others to know.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// How a task ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    Succeeded,
    Failed,
    Skipped,
}
