//! Records written by people and never changed afterwards: `Approval`, `TaskReport` and
//! `Halt`. Git history is their audit trail.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::values::{Id, Instant, Name, ObjectRef};

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

/// Stop the line: no deployment starts on the environments it names (all, when it names
/// none) from the commit that adds it until `until`, or until a later Halt lifts it. It
/// counts only from a member of the release managers, committed by them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct HaltSpec {
    /// Why the line stops (or, for a lift, why it starts again): shown in every plan it
    /// holds.
    pub reason: String,
    /// The member id of the release manager who halts (or lifts).
    pub by: Id,
    /// The environments it stops; none: every environment. Not with `lifts`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub environments: Vec<Name>,
    /// When the halt ends by itself. Not with `lifts`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<Instant>,
    /// The Halt this record lifts: a record with `lifts` ends that halt and stops nothing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lifts: Option<Name>,
}
