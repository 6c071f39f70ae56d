//! `Turnover`: a deployment of a train or of application releases to one environment, with
//! its manual and automated tasks.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::values::{Duration, Id, Instant, Name};

/// A turnover: tasks that deploy releases to one environment.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct TurnoverSpec {
    /// The Environment deployed to, by name.
    pub environment: Name,
    /// The train deployed (exactly one of `train` and `releases`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub train: Option<Name>,
    /// The application releases deployed (exactly one of `train` and `releases`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub releases: Option<Vec<Name>>,
    /// When the deployment may start.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scheduled_at: Option<Instant>,
    /// A draft is not sent for acceptance.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub draft: bool,
    /// The deployed turnover on the previous environment that this one promotes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub promoted_from: Option<Name>,
    /// Copy that turnover's tasks; local tasks with the same id replace copied ones.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tasks_from: Option<Name>,
    /// A new order of the task ids (copied and local), for `tasksFrom`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order: Option<Vec<Id>>,
    /// Ids of the releases' work items that this turnover delivers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub work_items: Vec<Id>,
    /// The deployment's tasks, ordered by `dependsOn`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tasks: Vec<Task>,
    /// Raise `attempt` to retry a failed deployment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry: Option<Retry>,
    /// `return` sends a failed turnover back to development; `close` closes a deployed one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<TurnoverRequest>,
}

/// A deployment task.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Task {
    /// The task's id, unique in the turnover.
    pub id: Id,
    /// The task's title.
    // Titles, owners and arguments are short: stored inline up to 24 bytes (a turnover of
    // ten tasks would otherwise make some thirty allocations).
    #[schemars(with = "String")]
    pub title: compact_str::CompactString,
    /// `manual` (a person reports it) or `automated` (`reconcile --execute` runs it).
    #[serde(rename = "type")]
    pub task_type: TaskType,
    /// The team or member who performs a manual task and reports its outcome.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<String>")]
    pub owner: Option<compact_str::CompactString>,
    /// The command of an automated task, as an argv list (no shell).
    // Lists of exactly their length (8 bytes less a task than a `Vec`'s room: a repository
    // of ten-task turnovers holds hundreds of thousands of them).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1), with = "Option<Vec<String>>")]
    pub run: Option<Box<[compact_str::CompactString]>>,
    /// Ids of the tasks that must succeed before this one starts.
    #[serde(default, skip_serializing_if = "<[Id]>::is_empty")]
    #[schemars(with = "Vec<Id>")]
    pub depends_on: Box<[Id]>,
    /// How long an automated task may run before it is killed (`30m`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<Duration>,
}

/// Who performs a task.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum TaskType {
    Manual,
    Automated,
}

/// A retry of a failed deployment.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Retry {
    /// The attempt asked for: one more than the attempt that failed.
    #[schemars(range(min = 1))]
    pub attempt: u32,
    /// Which tasks the new attempt runs again.
    #[serde(default)]
    pub rerun: Rerun,
}

/// Which tasks a retry runs again.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Rerun {
    /// Tasks that succeeded in an earlier attempt are skipped.
    #[default]
    Failed,
    /// Every task runs again.
    All,
}

/// A request a person makes of a turnover.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum TurnoverRequest {
    Return,
    Close,
}
