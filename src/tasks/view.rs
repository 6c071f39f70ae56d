//! The plan's view of a task list ([`TasksView`]): ids once, in run order, and everything
//! else as places in that order. A plan of forty thousand turnovers holds four hundred
//! thousand tasks; ids in every wave, state map and path were a tenth of a dry-run's memory.

use std::collections::BTreeMap;

use super::{TaskBoard, TaskState};
use crate::manifest::Id;

/// A task list as the plan shows it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TasksView {
    /// The attempt the states are for.
    pub attempt: u32,
    /// The ReleaseModel task plan (releases only).
    pub plan: Option<String>,
    /// Whether the tasks run in the current phase (it waits for them to succeed): only then
    /// does `reconcile --execute` start ready ones.
    pub active: bool,
    /// Task ids in run order (short ones are held inline). A task's place here is how the
    /// rest of the view names it.
    pub order: Vec<Id>,
    /// Each task's state, by place.
    pub states: Vec<TaskState>,
    /// The tasks that may run side by side, wave by wave.
    waves: Places,
    /// Each task's dependencies, by place.
    dependencies: Places,
    /// The longest chain by timeout.
    critical_path: Vec<u32>,
}

/// Lists of places in the run order, one after another in one vector: list `k` ends where
/// `ends[k]` says.
#[derive(Clone, Debug, Default, PartialEq)]
struct Places {
    items: Vec<u32>,
    ends: Vec<u32>,
}

impl Places {
    fn of<'l>(lists: impl ExactSizeIterator<Item = &'l [usize]>, place: &[u32]) -> Places {
        let mut places = Places {
            items: Vec::new(),
            ends: Vec::with_capacity(lists.len()),
        };
        for list in lists {
            places.items.extend(list.iter().map(|&i| place[i]));
            places.ends.push(places.items.len() as u32);
        }
        places
    }

    fn get(&self, k: usize) -> &[u32] {
        let start = k
            .checked_sub(1)
            .map_or(0, |before| self.ends[before] as usize);
        &self.items[start..self.ends[k] as usize]
    }

    fn iter(&self) -> impl ExactSizeIterator<Item = &[u32]> {
        (0..self.ends.len()).map(|k| self.get(k))
    }
}

impl TasksView {
    /// The plan's view of a task board.
    pub fn of(board: &TaskBoard<'_>, attempt: u32, plan: Option<&str>, active: bool) -> TasksView {
        let mut place = vec![0u32; board.tasks.len()];
        for (k, &i) in board.order.iter().enumerate() {
            place[i] = k as u32;
        }
        TasksView {
            attempt,
            plan: plan.map(str::to_string),
            active,
            order: board
                .order
                .iter()
                .map(|&i| board.tasks[i].id.clone())
                .collect(),
            states: board.order.iter().map(|&i| board.states[i]).collect(),
            waves: Places::of(board.waves.iter().map(Vec::as_slice), &place),
            dependencies: Places::of(
                board
                    .order
                    .iter()
                    .map(|&i| board.dependencies[i].as_slice()),
                &place,
            ),
            critical_path: board.critical_path.iter().map(|&i| place[i]).collect(),
        }
    }

    /// The place of task `id` in the run order.
    pub fn place(&self, id: &str) -> Option<usize> {
        self.order.iter().position(|t| t.as_str() == id)
    }

    /// The state of task `id`.
    pub fn state(&self, id: &str) -> Option<TaskState> {
        self.place(id).map(|k| self.states[k])
    }

    /// Each task with its state, in run order.
    pub fn tasks(&self) -> impl Iterator<Item = (&Id, TaskState)> {
        self.order.iter().zip(self.states.iter().copied())
    }

    /// The waves, each a list of places in the run order.
    pub fn waves(&self) -> impl ExactSizeIterator<Item = &[u32]> {
        self.waves.iter()
    }

    /// The places of the dependencies of the task at place `k`.
    pub fn dependencies(&self, k: usize) -> &[u32] {
        self.dependencies.get(k)
    }

    /// The places of the tasks on the longest chain by timeout, first task first.
    pub fn critical_path(&self) -> &[u32] {
        &self.critical_path
    }

    /// The ids of a list of places.
    pub fn ids<'v, 'p>(&'v self, places: &'p [u32]) -> impl Iterator<Item = &'v Id> + use<'v, 'p> {
        places.iter().map(|&k| &self.order[k as usize])
    }

    /// A view of tasks in run order, each with its state, with their waves, dependencies and
    /// critical path as places.
    #[cfg(test)]
    pub(crate) fn listed(
        tasks: &[(&str, TaskState)],
        waves: &[&[u32]],
        dependencies: &[&[u32]],
        critical_path: &[u32],
    ) -> TasksView {
        let lists = |lists: Vec<&[u32]>| Places {
            items: lists.concat(),
            ends: lists
                .iter()
                .scan(0, |end, list| {
                    *end += list.len() as u32;
                    Some(*end)
                })
                .collect(),
        };
        TasksView {
            order: tasks.iter().map(|&(id, _)| Id::from(id)).collect(),
            states: tasks.iter().map(|&(_, state)| state).collect(),
            waves: lists(waves.to_vec()),
            dependencies: lists(dependencies.to_vec()),
            critical_path: critical_path.to_vec(),
            ..TasksView::default()
        }
    }

    /// States by id, sorted by id (how JSON output and status files list them).
    pub fn states_by_id(&self) -> BTreeMap<&Id, TaskState> {
        self.tasks().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::task;
    use super::*;
    use crate::manifest::Task;

    /// A board of `tasks` in declaration order, states cycling through a few.
    fn board(tasks: &[Task]) -> TaskBoard<'_> {
        let tasks: Vec<&Task> = tasks.iter().collect();
        let layout = super::super::layout(&tasks);
        let cycle = [
            TaskState::Succeeded,
            TaskState::Ready,
            TaskState::Pending,
            TaskState::Waiting,
        ];
        TaskBoard {
            states: (0..tasks.len()).map(|i| cycle[i % cycle.len()]).collect(),
            early: vec![false; tasks.len()],
            refused: vec![None; tasks.len()],
            order: layout.order,
            waves: layout.waves,
            critical_path: layout.critical_path,
            dependencies: layout.dependencies,
            tasks,
        }
    }

    #[test]
    fn the_view_names_tasks_by_their_place_in_the_run_order() {
        // Declared c, a, b, d: c after b, b after a; d alone.
        let tasks = [
            task("c", &["b"]),
            task("a", &[]),
            task("b", &["a"]),
            task("d", &[]),
        ];
        let board = board(&tasks);
        let view = TasksView::of(&board, 2, None, true);
        let ids = |places: &[u32]| view.ids(places).map(Id::as_str).collect::<Vec<_>>();
        assert_eq!(ids(&[0, 1, 2, 3]), ["a", "b", "c", "d"]);
        let waves: Vec<Vec<&str>> = view.waves().map(ids).collect();
        assert_eq!(waves, [vec!["a", "d"], vec!["b"], vec!["c"]]);
        assert_eq!(ids(view.dependencies(2)), ["b"]);
        assert_eq!(ids(view.dependencies(1)), ["a"]);
        assert!(view.dependencies(0).is_empty() && view.dependencies(3).is_empty());
        assert_eq!(ids(view.critical_path()), ["a", "b", "c"]);
        // c was declared first: its state is the board's first.
        assert_eq!(view.state("c"), Some(TaskState::Succeeded));
        assert_eq!(view.state("a"), Some(TaskState::Ready));
        assert_eq!(view.state("e"), None);
        assert_eq!(
            view.states_by_id()
                .keys()
                .map(|id| id.as_str())
                .collect::<Vec<_>>(),
            ["a", "b", "c", "d"]
        );
    }
}
