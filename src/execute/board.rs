//! The scheduler of `reconcile --execute`: which ready automated task starts next and what a
//! finished one unlocks. Pure: the runner hands it results and asks what to start.
//!
//! Boards are the task lists of the objects whose tasks run in their current phase (a
//! `deploying` turnover), in the order the plan lists them; tasks in run order. The next task
//! is the first ready automated one of the first board that has one, so runs are
//! reproducible. A board with a failed task starts nothing new (tasks already running
//! finish); manual tasks wait for their owner's TaskReport, which needs a commit, so they
//! never become startable here.

use std::collections::BTreeSet;
use std::time::Duration;

use crate::catalog::Catalog;
use crate::engine::ObjectPlan;
use crate::manifest::{ReleaseModelSpec, ReleaseSpec, Task, TurnoverSpec};

use crate::engine::world::TaskState;
use crate::manifest::Kind;

/// The tasks of one object, as `reconcile --execute` runs them.
#[derive(Clone, Debug, PartialEq)]
pub struct Board {
    pub kind: Kind,
    pub name: String,
    /// The turnover's environment.
    pub environment: Option<String>,
    pub attempt: u32,
    /// The ReleaseModel task plan (releases only).
    pub plan: Option<String>,
    /// In run order.
    pub tasks: Vec<BoardTask>,
}

impl Board {
    /// `Kind/name`.
    pub fn subject(&self) -> String {
        format!("{}/{}", self.kind, self.name)
    }
}

/// One task of a board.
#[derive(Clone, Debug, PartialEq)]
pub struct BoardTask {
    pub id: String,
    pub title: String,
    /// The argv of an automated task; `None` for a manual one.
    pub run: Option<Vec<String>>,
    pub timeout: std::time::Duration,
    /// Positions in the board's `tasks`.
    pub dependencies: Vec<usize>,
    pub state: TaskState,
}

/// A task of a board, by position.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct TaskRef {
    pub board: usize,
    pub task: usize,
}

/// How many tasks are where, over every board.
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

/// Boards and the tasks that may start now.
#[derive(Debug)]
pub struct Scheduler {
    boards: Vec<Board>,
    /// Per board, per task: the tasks that depend on it.
    dependents: Vec<Vec<Vec<usize>>>,
    /// Boards that start nothing new (a task failed, or the run is stopping).
    halted: Vec<bool>,
    ready: BTreeSet<TaskRef>,
}

impl Scheduler {
    pub fn new(boards: Vec<Board>) -> Scheduler {
        let mut ready = BTreeSet::new();
        let mut dependents = Vec::with_capacity(boards.len());
        let mut halted = Vec::with_capacity(boards.len());
        for (b, board) in boards.iter().enumerate() {
            let mut of = vec![Vec::new(); board.tasks.len()];
            for (t, task) in board.tasks.iter().enumerate() {
                for &d in &task.dependencies {
                    if let Some(list) = of.get_mut(d) {
                        list.push(t);
                    }
                }
                if startable(task) {
                    ready.insert(TaskRef { board: b, task: t });
                }
            }
            dependents.push(of);
            halted.push(board.tasks.iter().any(|t| t.state == TaskState::Failed));
        }
        Scheduler {
            boards,
            dependents,
            halted,
            ready,
        }
    }

    pub fn boards(&self) -> &[Board] {
        &self.boards
    }

    pub fn task(&self, at: TaskRef) -> &BoardTask {
        &self.boards[at.board].tasks[at.task]
    }

    /// The next task to start, now marked running; `None` when nothing may start.
    pub fn start_next(&mut self) -> Option<TaskRef> {
        let next = *self.ready.iter().find(|r| !self.halted[r.board])?;
        self.ready.remove(&next);
        self.boards[next.board].tasks[next.task].state = TaskState::Running;
        Some(next)
    }

    /// Records how a running task ended: a success makes the tasks that waited only for it
    /// ready (or waiting, when manual); a failure halts its board.
    pub fn finish(&mut self, at: TaskRef, succeeded: bool) {
        let board = &mut self.boards[at.board];
        board.tasks[at.task].state = if succeeded {
            TaskState::Succeeded
        } else {
            TaskState::Failed
        };
        if !succeeded {
            self.halted[at.board] = true;
            return;
        }
        for &d in &self.dependents[at.board][at.task] {
            let task = &board.tasks[d];
            let unblocked = task.state == TaskState::Pending
                && task
                    .dependencies
                    .iter()
                    .all(|&x| board.tasks[x].state.done());
            if !unblocked {
                continue;
            }
            let task = &mut board.tasks[d];
            task.state = if task.run.is_some() {
                TaskState::Ready
            } else {
                TaskState::Waiting
            };
            if startable(task) {
                self.ready.insert(TaskRef {
                    board: at.board,
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
        for task in self.boards.iter().flat_map(|b| &b.tasks) {
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

fn startable(task: &BoardTask) -> bool {
    task.state == TaskState::Ready && task.run.is_some()
}

/// The boards of the objects whose tasks run in their current phase and that have a ready
/// automated task, in plan order.
pub fn boards(catalog: &Catalog<'_>, plans: &[std::sync::Arc<ObjectPlan>]) -> Vec<Board> {
    let mut boards = Vec::new();
    for plan in plans.iter().filter(|p| !p.invalid) {
        let Some(view) = plan.tasks.as_ref().filter(|v| v.active) else {
            continue;
        };
        if !view.states.values().any(|s| s == "ready") {
            continue;
        }
        let (definitions, environment): (Vec<&Task>, Option<String>) = match plan.kind {
            Kind::Turnover => {
                let Some(turnover) = catalog.get::<TurnoverSpec>(&plan.name) else {
                    continue;
                };
                (
                    crate::tasks::turnover_tasks(catalog, turnover)
                        .into_iter()
                        .map(|p| p.task)
                        .collect(),
                    Some(turnover.manifest.spec.environment.to_string()),
                )
            }
            Kind::Release => {
                let tasks = catalog
                    .get::<ReleaseSpec>(&plan.name)
                    .and_then(|r| r.manifest.spec.release_model.clone())
                    .and_then(|m| catalog.get::<ReleaseModelSpec>(m.as_str()))
                    .zip(view.plan.as_deref())
                    .and_then(|(m, p)| m.manifest.spec.task_plans.get(p))
                    .map(|t| t.iter().collect())
                    .unwrap_or_default();
                (tasks, None)
            }
            _ => continue,
        };
        let tasks = view
            .order
            .iter()
            .enumerate()
            .filter_map(|(k, id)| {
                let task = definitions.iter().find(|t| t.id.as_str() == id)?;
                Some(BoardTask {
                    id: id.clone(),
                    title: task.title.clone(),
                    run: match task.task_type {
                        crate::manifest::TaskType::Automated => task.run.clone(),
                        crate::manifest::TaskType::Manual => None,
                    },
                    timeout: task.timeout.map_or(catalog.settings.task_timeout, |t| {
                        Duration::from_secs(t.seconds)
                    }),
                    dependencies: view
                        .dependencies
                        .get(k)
                        .map(|d| d.iter().map(|&p| p as usize).collect())
                        .unwrap_or_default(),
                    state: view
                        .states
                        .get(id)
                        .and_then(|s| TaskState::parse(s))
                        .unwrap_or(TaskState::Pending),
                })
            })
            .collect::<Vec<_>>();
        if tasks.len() != view.order.len() {
            continue;
        }
        boards.push(Board {
            kind: plan.kind,
            name: plan.name.clone(),
            environment,
            attempt: view.attempt,
            plan: view.plan.clone(),
            tasks,
        });
    }
    boards
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A board from a table: (id, automated?, dependencies, state).
    fn board(name: &str, rows: &[(&str, bool, &[&str], &str)]) -> Board {
        let position = |id: &str| rows.iter().position(|r| r.0 == id).expect("known id");
        Board {
            kind: Kind::Turnover,
            name: name.into(),
            environment: Some("test".into()),
            attempt: 1,
            plan: None,
            tasks: rows
                .iter()
                .map(|&(id, automated, deps, state)| BoardTask {
                    id: id.into(),
                    title: id.to_uppercase(),
                    run: automated.then(|| vec!["true".to_string()]),
                    timeout: std::time::Duration::from_secs(60),
                    dependencies: deps.iter().map(|d| position(d)).collect(),
                    state: TaskState::parse(state).expect("a state"),
                })
                .collect(),
        }
    }

    fn id(s: &Scheduler, at: TaskRef) -> String {
        format!("{}:{}", s.boards()[at.board].name, s.task(at).id)
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
            board(
                "t1",
                &[
                    ("a", true, &[], "ready"),
                    ("m", false, &[], "waiting"),
                    ("b", true, &["a"], "pending"),
                    ("c", true, &[], "ready"),
                ],
            ),
            board("t2", &[("x", true, &[], "ready")]),
        ]);
        assert_eq!(start_all(&mut s), ["t1:a", "t1:c", "t2:x"]);
        assert_eq!(s.counts().running, 3);
        assert_eq!(s.start_next(), None);
    }

    #[test]
    fn a_success_unlocks_dependents_once_all_their_dependencies_are_done() {
        let mut s = Scheduler::new(vec![board(
            "t",
            &[
                ("a", true, &[], "ready"),
                ("b", true, &[], "ready"),
                ("c", true, &["a", "b"], "pending"),
                ("m", false, &["a"], "pending"),
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
            s.task(TaskRef { board: 0, task: 3 }).state,
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
            board(
                "t1",
                &[
                    ("a", true, &[], "ready"),
                    ("b", true, &[], "ready"),
                    ("c", true, &[], "ready"),
                ],
            ),
            board("t2", &[("x", true, &[], "ready")]),
        ]);
        let a = s.start_next().expect("a");
        s.finish(a, false);
        assert_eq!(
            start_all(&mut s),
            ["t2:x"],
            "t1 starts nothing after `a` failed"
        );
        // A board that already has a failed task starts nothing at all.
        let mut s = Scheduler::new(vec![board(
            "t",
            &[("a", true, &[], "failed"), ("b", true, &[], "ready")],
        )]);
        assert_eq!(s.start_next(), None);
    }

    #[test]
    fn stop_starts_nothing_new() {
        let mut s = Scheduler::new(vec![board(
            "t",
            &[("a", true, &[], "ready"), ("b", true, &[], "ready")],
        )]);
        let a = s.start_next().expect("a");
        s.stop();
        assert_eq!(s.start_next(), None);
        s.finish(a, true);
        assert_eq!(s.start_next(), None);
        assert_eq!(s.counts().queued, 1);
    }
}
