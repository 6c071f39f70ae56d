//! The states of a task list in one attempt: the graph's order, waves and critical path, and
//! each task's state from its owner's reports, railyard's runs and what earlier attempts left
//! done. Pure: the engine hands it the reports that count and the runs status recorded.

use std::collections::BTreeMap;

use super::runs::{RunState, TaskRun};
use crate::manifest::{Outcome, Task, TaskType};

crate::names::named! {
    /// The state of a task in the current attempt (SPEC §5), written in status as its name.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, schemars::JsonSchema)]
    pub enum TaskState {
        Pending = "pending",
        Ready = "ready",
        Waiting = "waiting",
        Running = "running",
        Succeeded = "succeeded",
        Failed = "failed",
        Skipped = "skipped",
    }
}

impl TaskState {
    /// Succeeded or skipped: what lets the tasks that depend on it become ready.
    pub fn done(self) -> bool {
        matches!(self, TaskState::Succeeded | TaskState::Skipped)
    }
}

/// A task list with the state of every task, in run order.
#[derive(Clone, Debug, Default)]
pub struct TaskBoard<'t> {
    pub tasks: Vec<&'t Task>,
    pub order: Vec<usize>,
    pub waves: Vec<Vec<usize>>,
    /// The longest chain by timeout (30m for a task without one).
    pub critical_path: Vec<usize>,
    /// Each task's dependencies, by index.
    pub dependencies: Vec<Vec<usize>>,
    pub states: Vec<TaskState>,
    /// Tasks whose owner's report for this attempt does not count because it came before
    /// the task was ready (see [`states`]).
    pub early: Vec<bool>,
    /// Per task, why its latest report for this attempt does not count (not its owner's,
    /// committed by someone else, not signed, changed after it was added), when one does
    /// not.
    pub refused: Vec<Option<String>>,
}

/// One attempt at a task list: its number, since when it is asked for (a report committed
/// before then is not for it), and the tasks earlier attempts left done (skipped in it).
#[derive(Clone, Copy, Debug)]
pub struct Attempt<'c> {
    pub number: u32,
    pub begun: Option<jiff::Timestamp>,
    pub carried: &'c BTreeMap<String, u32>,
}

/// Nothing carried.
static NOTHING: BTreeMap<String, u32> = BTreeMap::new();

impl Attempt<'static> {
    /// An attempt that carries nothing and whose start is not known.
    pub fn first(number: u32) -> Attempt<'static> {
        Attempt {
            number,
            begun: None,
            carried: &NOTHING,
        }
    }
}

/// The weight of a task on the critical path: its timeout, or 30 minutes.
const DEFAULT_TASK_SECONDS: u64 = 30 * 60;

/// A task list laid out as a graph: run order, waves, critical path, and each task's
/// dependencies by index (an unknown id is left out: the checks report it).
pub struct Layout {
    pub order: Vec<usize>,
    pub waves: Vec<Vec<usize>>,
    pub critical_path: Vec<usize>,
    pub dependencies: Vec<Vec<usize>>,
}

pub fn layout(tasks: &[&Task]) -> Layout {
    // Ids sorted, each with its task's place (the last task of an id, when two share it):
    // one vector, searched by halves.
    let mut index: Vec<(&str, usize)> = tasks
        .iter()
        .enumerate()
        .map(|(i, t)| (t.id.as_str(), i))
        .collect();
    index.sort_unstable();
    index.dedup_by(|later, earlier| {
        let same = later.0 == earlier.0;
        if same {
            earlier.1 = later.1;
        }
        same
    });
    let place = |id: &str| {
        let found = index.binary_search_by(|(other, _)| (*other).cmp(id)).ok()?;
        Some(index[found].1)
    };
    let edges: Vec<(usize, usize)> = tasks
        .iter()
        .enumerate()
        .flat_map(|(i, t)| {
            t.depends_on
                .iter()
                .filter_map(|d| place(d.as_str()))
                .map(move |d| (i, d))
        })
        .collect();
    let weights: Vec<u64> = tasks
        .iter()
        .map(|t| t.timeout.map_or(DEFAULT_TASK_SECONDS, |d| d.seconds))
        .collect();
    let crate::graph::Schedule {
        order,
        waves,
        critical_path,
    } = crate::graph::schedule(tasks.len(), &edges, &weights);
    let mut dependencies: Vec<Vec<usize>> = vec![Vec::new(); tasks.len()];
    for &(node, dependency) in &edges {
        dependencies[node].push(dependency);
    }
    Layout {
        order,
        waves,
        critical_path,
        dependencies,
    }
}

/// The reports that count for one attempt, by task id: the outcome and when it was
/// committed (when git says).
pub type Counted = BTreeMap<String, (Outcome, Option<jiff::Timestamp>)>;

/// Each task's state in `attempt` and which tasks have a report that does not count yet
/// because it came before the task was ready: before its dependencies were done, or (when
/// git says when) committed no later than the last of them finished. `runs` are the runs
/// railyard recorded for this task list (`plan` and `attempt` select them); `order` is a
/// topological order.
pub fn states(
    tasks: &[&Task],
    layout: &Layout,
    attempt: Attempt<'_>,
    reported: &Counted,
    runs: Option<&BTreeMap<String, TaskRun>>,
    plan: Option<&str>,
) -> (Vec<TaskState>, Vec<bool>) {
    let Attempt {
        number,
        begun,
        carried,
    } = attempt;
    let run_of = |id: &str| {
        runs.and_then(|r| r.get(id))
            .filter(|r| r.plan.as_deref() == plan && r.attempt == number)
    };
    let dependencies = &layout.dependencies;
    let mut states = vec![TaskState::Pending; tasks.len()];
    let mut early = vec![false; tasks.len()];
    // When each task was done, where that is known.
    let mut done_at: Vec<Option<jiff::Timestamp>> = vec![None; tasks.len()];
    for &i in &layout.order {
        let id = tasks[i].id.as_str();
        let ready = dependencies[i].iter().all(|&d| states[d].done());
        // Ready once the last dependency was done, and not before the attempt began.
        let ready_at = dependencies[i]
            .iter()
            .filter_map(|&d| done_at[d])
            .chain(begun)
            .max();
        let report = reported.get(id).copied();
        let counts = report.is_some_and(|(_, committed)| {
            ready && ready_at.is_none_or(|r| committed.is_none_or(|c| c > r))
        });
        early[i] = report.is_some() && !counts;
        (states[i], done_at[i]) = match (report.filter(|_| counts), run_of(id)) {
            // A person's report for this attempt outranks what railyard saw run.
            (Some((outcome, committed)), _) => (reported_state(outcome), committed),
            (None, Some(run)) => ran(run),
            (None, None) if carried.contains_key(id) => (TaskState::Skipped, None),
            (None, None) => match (ready, tasks[i].task_type) {
                (false, _) => (TaskState::Pending, None),
                (true, TaskType::Manual) => (TaskState::Waiting, None),
                (true, TaskType::Automated) => (TaskState::Ready, None),
            },
        };
    }
    (states, early)
}

fn reported_state(outcome: Outcome) -> TaskState {
    match outcome {
        Outcome::Succeeded => TaskState::Succeeded,
        Outcome::Failed => TaskState::Failed,
        Outcome::Skipped => TaskState::Skipped,
    }
}

/// A recorded run's state, and when it ended (when it did).
fn ran(run: &TaskRun) -> (TaskState, Option<jiff::Timestamp>) {
    let ended = run.duration_ms.and_then(|ms| {
        run.started_at
            .checked_add(jiff::SignedDuration::from_millis(
                i64::try_from(ms).unwrap_or(i64::MAX),
            ))
            .ok()
    });
    match run.state {
        RunState::Running => (TaskState::Running, None),
        RunState::Succeeded => (TaskState::Succeeded, ended),
        RunState::Failed => (TaskState::Failed, ended),
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::task;
    use super::*;

    #[test]
    fn dependencies_are_found_by_id_the_last_task_of_an_id_first() {
        // `b` needs `a`, declared twice: the later `a` (a list that reached the board with
        // an id twice is an error elsewhere, but the layout stays the same as ever).
        let tasks = [
            task("a", &[]),
            task("b", &["a", "missing"]),
            task("c", &["b"]),
            task("a", &[]),
        ];
        let tasks: Vec<&Task> = tasks.iter().collect();
        let layout = layout(&tasks);
        assert_eq!(layout.dependencies, [vec![], vec![3], vec![1], vec![]]);
        assert_eq!(layout.order, [0, 3, 1, 2]);
        assert_eq!(layout.waves, [vec![0, 3], vec![1], vec![2]]);
        assert_eq!(layout.critical_path, [3, 1, 2]);
    }
}
