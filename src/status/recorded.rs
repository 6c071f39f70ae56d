//! The runs one `reconcile --execute` recorded, laid over the previous status before each
//! of its reconciles (and runs an earlier, killed railyard left `running`, failed).

use std::collections::BTreeMap;

use super::StatusMap;
use crate::manifest::Kind;
use crate::tasks::{RunState, TaskRun};

/// The reason a run left `running` by an earlier railyard is recorded as failed.
const INTERRUPTED: &str = "interrupted: the railyard that ran it stopped before it finished; raise `retry.attempt` to run it again";

/// Runs recorded by this execution, laid over the previous status before each reconcile.
#[derive(Clone, Debug, Default)]
pub struct Recorded {
    runs: BTreeMap<(Kind, String), BTreeMap<String, TaskRun>>,
    /// Runs that an earlier railyard left `running` are failed with [`INTERRUPTED`] (only the
    /// first reconcile of an execution: later ones see this execution's own runs).
    pub interrupt_stale: bool,
}

impl Recorded {
    /// Nothing recorded yet, failing the runs an earlier railyard left `running` (the first
    /// reconcile of an execution).
    pub fn interrupting_stale() -> Recorded {
        Recorded {
            interrupt_stale: true,
            ..Recorded::default()
        }
    }

    pub fn insert(&mut self, kind: Kind, name: &str, task: &str, run: TaskRun) {
        self.runs
            .entry((kind, name.to_string()))
            .or_default()
            .insert(task.to_string(), run);
    }

    /// The previous status with these runs in it.
    pub fn apply(&self, previous: &mut StatusMap) {
        if self.interrupt_stale {
            for (key, status) in previous.iter_mut() {
                let stale = |task: &String, run: &TaskRun| {
                    run.state == RunState::Running
                        && !self.runs.get(key).is_some_and(|r| r.contains_key(task))
                };
                // Copied (from the status file it shares) only when a run is to change.
                if !status.runs.iter().any(|(task, run)| stale(task, run)) {
                    continue;
                }
                for (task, run) in &mut std::sync::Arc::make_mut(status).runs {
                    if stale(task, run) {
                        run.state = RunState::Failed;
                        run.reason = Some(INTERRUPTED.into());
                    }
                }
            }
        }
        for (key, runs) in &self.runs {
            if let Some(status) = previous.get_mut(key) {
                std::sync::Arc::make_mut(status)
                    .runs
                    .extend(runs.iter().map(|(k, v)| (k.clone(), v.clone())));
            }
        }
    }
}
