//! What `reconcile --execute` records of a task's run, in the task's object's status.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// One run of an automated task by `reconcile --execute`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct TaskRun {
    /// The attempt (`retry.attempt`, or the task plan's attempt) the run belongs to.
    pub attempt: u32,
    /// The ReleaseModel task plan the task belongs to (releases only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan: Option<String>,
    /// Where the run is: `running`, `succeeded` or `failed`.
    pub state: RunState,
    /// When the run started.
    #[schemars(with = "crate::manifest::Instant")]
    pub started_at: jiff::Timestamp,
    /// Wall time, once finished.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_ms: Option<u64>,
    /// The exit code; absent when the task did not start or was killed by a signal.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exit_code: Option<i32>,
    /// Why a run failed other than by its exit code (timeout, signal, could not start,
    /// interrupted).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The last lines of the task's output (stdout and stderr as they arrived).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub output: Vec<String>,
}

crate::names::named! {
    /// Where a run is.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, JsonSchema)]
    pub enum RunState {
        Running = "running",
        Succeeded = "succeeded",
        Failed = "failed",
    }
}
