//! The scheduler of `reconcile --execute`: which ready automated task starts next and what a
//! finished one unlocks. Pure: the runner hands it results and asks what to start.
//!
//! Run lists are the task lists of the objects whose tasks run in their current phase (a
//! `deploying` turnover), in the order the plan lists them; tasks in run order. The next task
//! is the first ready automated one of the first list that has one, so runs are
//! reproducible. A list with a failed task starts nothing new (tasks already running
//! finish); manual tasks wait for their owner's TaskReport, which needs a commit, so they
//! never become startable here.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use super::{TaskState, TasksView};
use crate::catalog::Catalog;
use crate::manifest::{Kind, Task, TaskType, TurnoverSpec};

/// The tasks of one object, as `reconcile --execute` runs them.
#[derive(Clone, Debug, PartialEq)]
pub struct RunList {
    pub kind: Kind,
    pub name: String,
    /// The turnover's environment.
    pub environment: Option<String>,
    pub attempt: u32,
    /// The ReleaseModel task plan (releases only).
    pub plan: Option<String>,
    /// In run order.
    pub tasks: Vec<RunTask>,
}

impl RunList {
    /// `Kind/name`.
    pub fn subject(&self) -> String {
        format!("{}/{}", self.kind, self.name)
    }
}

/// One task of a list.
#[derive(Clone, Debug, PartialEq)]
pub struct RunTask {
    pub id: String,
    pub title: String,
    /// The argv of an automated task; `None` for a manual one.
    pub run: Option<Vec<String>>,
    pub timeout: std::time::Duration,
    /// Positions in the list's `tasks`.
    pub dependencies: Vec<usize>,
    pub state: TaskState,
}

/// A task of a list, by position.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct TaskRef {
    pub list: usize,
    pub task: usize,
}

/// How many tasks are where, over every list.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    /// Succeeded or skipped.
    pub done: usize,
    pub failed: usize,
    pub running: usize,
    /// Manual tasks waiting for their owner.
    pub waiting: usize,
    /// Ready or pending: still to run.
    pub queued: usize,
}

/// Run lists and the tasks that may start now.
#[derive(Debug)]
pub struct Scheduler {
    run_lists: Vec<RunList>,
    /// Per list, per task: the tasks that depend on it.
    dependents: Vec<Vec<Vec<usize>>>,
    /// Run lists that start nothing new (a task failed, or the run is stopping).
    halted: Vec<bool>,
    ready: BTreeSet<TaskRef>,
}

impl Scheduler {
    pub fn new(run_lists: Vec<RunList>) -> Scheduler {
        let mut ready = BTreeSet::new();
        let mut dependents = Vec::with_capacity(run_lists.len());
        let mut halted = Vec::with_capacity(run_lists.len());
        for (b, list) in run_lists.iter().enumerate() {
            let mut of = vec![Vec::new(); list.tasks.len()];
            for (t, task) in list.tasks.iter().enumerate() {
                for &d in &task.dependencies {
                    if let Some(list) = of.get_mut(d) {
                        list.push(t);
                    }
                }
                if startable(task) {
                    ready.insert(TaskRef { list: b, task: t });
                }
            }
            dependents.push(of);
            halted.push(list.tasks.iter().any(|t| t.state == TaskState::Failed));
        }
        Scheduler {
            run_lists,
            dependents,
            halted,
            ready,
        }
    }

    pub fn run_lists(&self) -> &[RunList] {
        &self.run_lists
    }

    pub fn task(&self, at: TaskRef) -> &RunTask {
        &self.run_lists[at.list].tasks[at.task]
    }

    /// The next task to start, now marked running; `None` when nothing may start.
    pub fn start_next(&mut self) -> Option<TaskRef> {
        let next = *self.ready.iter().find(|r| !self.halted[r.list])?;
        self.ready.remove(&next);
        self.run_lists[next.list].tasks[next.task].state = TaskState::Running;
        Some(next)
    }

    /// Records how a running task ended: a success makes the tasks that waited only for it
    /// ready (or waiting, when manual); a failure halts its list.
    pub fn finish(&mut self, at: TaskRef, succeeded: bool) {
        let list = &mut self.run_lists[at.list];
        list.tasks[at.task].state = if succeeded {
            TaskState::Succeeded
        } else {
            TaskState::Failed
        };
        if !succeeded {
            self.halted[at.list] = true;
            return;
        }
        for &d in &self.dependents[at.list][at.task] {
            let task = &list.tasks[d];
            let unblocked = task.state == TaskState::Pending
                && task
                    .dependencies
                    .iter()
                    .all(|&x| list.tasks[x].state.done());
            if !unblocked {
                continue;
            }
            let task = &mut list.tasks[d];
            task.state = if task.run.is_some() {
                TaskState::Ready
            } else {
                TaskState::Waiting
            };
            if startable(task) {
                self.ready.insert(TaskRef {
                    list: at.list,
                    task: d,
                });
            }
        }
    }

    /// Starts nothing new from now on.
    pub fn stop(&mut self) {
        self.halted.iter_mut().for_each(|h| *h = true);
    }

    pub fn counts(&self) -> Counts {
        let mut counts = Counts::default();
        for task in self.run_lists.iter().flat_map(|b| &b.tasks) {
            match task.state {
                TaskState::Succeeded | TaskState::Skipped => counts.done += 1,
                TaskState::Failed => counts.failed += 1,
                TaskState::Running => counts.running += 1,
                TaskState::Waiting => counts.waiting += 1,
                TaskState::Ready | TaskState::Pending => counts.queued += 1,
            }
        }
        counts
    }
}

fn startable(task: &RunTask) -> bool {
    task.state == TaskState::Ready && task.run.is_some()
}

/// The run lists of the objects whose tasks run in their current phase and that have a
/// ready automated task, in the order given (the plan's): each object's kind, name and the
/// plan's view of its tasks.
pub fn run_lists<'p>(
    catalog: &Catalog<'_>,
    plans: impl IntoIterator<Item = (Kind, &'p str, &'p TasksView)>,
) -> Vec<RunList> {
    let mut run_lists = Vec::new();
    for (kind, name, view) in plans {
        if !view.active || !view.states.contains(&TaskState::Ready) {
            continue;
        }
        let Some(definitions) = super::phase_tasks(catalog, kind, name, view.plan.as_deref())
        else {
            continue;
        };
        let by_id: BTreeMap<&str, &Task> =
            definitions.iter().map(|t| (t.id.as_str(), *t)).collect();
        let tasks = view
            .tasks()
            .enumerate()
            .filter_map(|(k, (id, state))| {
                let task = by_id.get(id.as_str())?;
                Some(RunTask {
                    id: id.to_string(),
                    title: task.title.to_string(),
                    run: match task.task_type {
                        TaskType::Automated => task
                            .run
                            .as_ref()
                            .map(|argv| argv.iter().map(|a| a.to_string()).collect()),
                        TaskType::Manual => None,
                    },
                    timeout: task.timeout.map_or(catalog.settings.task_timeout, |t| {
                        Duration::from_secs(t.seconds)
                    }),
                    dependencies: view.dependencies(k).iter().map(|&p| p as usize).collect(),
                    state,
                })
            })
            .collect::<Vec<_>>();
        if tasks.len() != view.order.len() {
            continue;
        }
        let environment = match kind {
            Kind::Turnover => catalog
                .get::<TurnoverSpec>(name)
                .map(|t| t.manifest.spec.environment.to_string()),
            _ => None,
        };
        run_lists.push(RunList {
            kind,
            name: name.to_string(),
            environment,
            attempt: view.attempt,
            plan: view.plan.clone(),
            tasks,
        });
    }
    run_lists
}

#[cfg(test)]
mod tests {
    use super::*;
    use TaskState::{Failed, Pending, Ready, Waiting};

    /// A list from a table: (id, automated?, dependencies, state).
    fn list(name: &str, rows: &[(&str, bool, &[&str], TaskState)]) -> RunList {
        let position = |id: &str| rows.iter().position(|r| r.0 == id).expect("known id");
        RunList {
            kind: Kind::Turnover,
            name: name.into(),
            environment: Some("test".into()),
            attempt: 1,
            plan: None,
            tasks: rows
                .iter()
                .map(|&(id, automated, deps, state)| RunTask {
                    id: id.into(),
                    title: id.to_uppercase(),
                    run: automated.then(|| vec!["true".to_string()]),
                    timeout: std::time::Duration::from_secs(60),
                    dependencies: deps.iter().map(|d| position(d)).collect(),
                    state,
                })
                .collect(),
        }
    }

    fn id(s: &Scheduler, at: TaskRef) -> String {
        format!("{}:{}", s.run_lists()[at.list].name, s.task(at).id)
    }

    fn start_all(s: &mut Scheduler) -> Vec<String> {
        let mut started = Vec::new();
        while let Some(at) = s.start_next() {
            started.push(id(s, at));
        }
        started
    }

    #[test]
    fn starts_ready_automated_tasks_in_board_then_run_order() {
        let mut s = Scheduler::new(vec![
            list(
                "t1",
                &[
                    ("a", true, &[], Ready),
                    ("m", false, &[], Waiting),
                    ("b", true, &["a"], Pending),
                    ("c", true, &[], Ready),
                ],
            ),
            list("t2", &[("x", true, &[], Ready)]),
        ]);
        assert_eq!(start_all(&mut s), ["t1:a", "t1:c", "t2:x"]);
        assert_eq!(s.counts().running, 3);
        assert_eq!(s.start_next(), None);
    }

    #[test]
    fn a_success_unlocks_dependents_once_all_their_dependencies_are_done() {
        let mut s = Scheduler::new(vec![list(
            "t",
            &[
                ("a", true, &[], Ready),
                ("b", true, &[], Ready),
                ("c", true, &["a", "b"], Pending),
                ("m", false, &["a"], Pending),
            ],
        )]);
        let started = [s.start_next(), s.start_next()].map(|r| r.expect("started"));
        s.finish(started[0], true);
        assert_eq!(
            start_all(&mut s),
            Vec::<String>::new(),
            "c still waits for b"
        );
        assert_eq!(
            s.task(TaskRef { list: 0, task: 3 }).state,
            TaskState::Waiting
        );
        s.finish(started[1], true);
        assert_eq!(start_all(&mut s), ["t:c"]);
        let counts = s.counts();
        assert_eq!((counts.done, counts.running, counts.waiting), (2, 1, 1));
    }

    #[test]
    fn a_failure_halts_its_board_only() {
        let mut s = Scheduler::new(vec![
            list(
                "t1",
                &[
                    ("a", true, &[], Ready),
                    ("b", true, &[], Ready),
                    ("c", true, &[], Ready),
                ],
            ),
            list("t2", &[("x", true, &[], Ready)]),
        ]);
        let a = s.start_next().expect("a");
        s.finish(a, false);
        assert_eq!(
            start_all(&mut s),
            ["t2:x"],
            "t1 starts nothing after `a` failed"
        );
        // A list that already has a failed task starts nothing at all.
        let mut s = Scheduler::new(vec![list(
            "t",
            &[("a", true, &[], Failed), ("b", true, &[], Ready)],
        )]);
        assert_eq!(s.start_next(), None);
    }

    #[test]
    fn stop_starts_nothing_new() {
        let mut s = Scheduler::new(vec![list(
            "t",
            &[("a", true, &[], Ready), ("b", true, &[], Ready)],
        )]);
        let a = s.start_next().expect("a");
        s.stop();
        assert_eq!(s.start_next(), None);
        s.finish(a, true);
        assert_eq!(s.start_next(), None);
        assert_eq!(s.counts().queued, 1);
    }
}
