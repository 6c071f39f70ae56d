//! Tasks, in one room: the task list of a turnover as it will run (its own tasks merged over
//! the tasks it copies with `tasksFrom`, reordered by `order`; each task keeps where it was
//! written, for diagnostics) or of a Release's ReleaseModel plan; its graph and each task's
//! state in an attempt ([`state`]); the runs `--execute` records ([`runs`]); the plan's view
//! of them ([`TasksView`]); and the run lists `reconcile --execute` schedules ([`runner`]).

use std::collections::BTreeMap;

use crate::catalog::{Catalog, Item};
use crate::manifest::{Kind, ReleaseModelSpec, ReleaseSpec, Task, TurnoverSpec};

pub mod runner;
pub mod runs;
pub mod state;
mod view;

pub use runs::{RunState, TaskRun};
pub use view::TasksView;

pub use state::{Attempt, Counted, Layout, TaskBoard, TaskState, layout, states};

/// A task and the place it was written.
#[derive(Clone, Debug)]
pub struct PlacedTask<'a> {
    pub task: &'a Task,
    /// The file that holds the task.
    pub path: &'a str,
    /// JSON pointer to the list the task stands in (`/spec/tasks`), and its place there:
    /// the task's own pointer is made only when a diagnostic needs it.
    pub list: std::borrow::Cow<'a, str>,
    pub index: usize,
    /// The document the task stands in.
    pub document: &'a crate::load::Document,
}

impl PlacedTask<'_> {
    /// JSON pointer to the task in its document.
    pub fn pointer(&self) -> String {
        format!("{}/{}", self.list, self.index)
    }

    pub fn span(&self, suffix: &str) -> crate::yaml::Span {
        self.document
            .root()
            .locate(&format!("{}{suffix}", self.pointer()))
            .node
            .span
    }
}

/// The most turnovers a `tasksFrom` chain may pass through, the turnover itself not
/// counted. A real chain follows the promotion path (dev → test → staging → production);
/// the bound keeps the copied task lists, and so a reconcile's memory, linear in the
/// repository's size (a chain of 2,000 copies each list 2,000 times over).
pub const MAX_TASKS_FROM: usize = 16;

/// The turnovers a turnover's tasks come from, itself first, then each `tasksFrom` in turn.
/// It stops at a name that is not a turnover, at a loop, and after [`MAX_TASKS_FROM`]
/// sources (then `too_long`: the checks report it).
pub struct Chain<'a> {
    pub items: Vec<Item<'a, TurnoverSpec>>,
    pub too_long: bool,
}

pub fn tasks_from_chain<'a>(catalog: &Catalog<'a>, turnover: Item<'a, TurnoverSpec>) -> Chain<'a> {
    let mut items = vec![turnover];
    let mut current = turnover;
    while let Some(source) = current.manifest.spec.tasks_from.as_ref() {
        let Some(next) = catalog.get::<TurnoverSpec>(source.as_str()) else {
            break;
        };
        if items.iter().any(|t| t.name() == next.name()) {
            break;
        }
        if items.len() > MAX_TASKS_FROM {
            return Chain {
                items,
                too_long: true,
            };
        }
        items.push(next);
        current = next;
    }
    Chain {
        items,
        too_long: false,
    }
}

/// The tasks of a turnover in run order. A `tasksFrom` chain that loops or names no valid
/// turnover contributes nothing past that point, and one that is too long nothing past
/// [`MAX_TASKS_FROM`] (the checks report each).
pub fn turnover_tasks<'a>(
    catalog: &Catalog<'a>,
    turnover: Item<'a, TurnoverSpec>,
) -> Vec<PlacedTask<'a>> {
    if let Some(own) = own_tasks_only(turnover) {
        return own
            .iter()
            .enumerate()
            .map(|(index, task)| PlacedTask {
                task,
                path: turnover.path(),
                list: "/spec/tasks".into(),
                index,
                document: turnover.document,
            })
            .collect();
    }
    merged_tasks(catalog, turnover)
}

/// [`turnover_tasks`] the long way: the lists of the `tasksFrom` chain merged, source first,
/// a later task of an id taking the earlier one's place, each `order` applied in turn.
fn merged_tasks<'a>(
    catalog: &Catalog<'a>,
    turnover: Item<'a, TurnoverSpec>,
) -> Vec<PlacedTask<'a>> {
    let chain = tasks_from_chain(catalog, turnover).items;
    let mut tasks: Vec<PlacedTask<'a>> = Vec::new();
    // Where each id stands in `tasks`: lists of thousands of tasks merge in linear time.
    let mut at: foldhash::HashMap<&str, usize> = foldhash::HashMap::default();
    for item in chain.into_iter().rev() {
        for (index, task) in item.manifest.spec.tasks.iter().enumerate() {
            let placed = PlacedTask {
                task,
                path: item.path(),
                list: "/spec/tasks".into(),
                index,
                document: item.document,
            };
            match at.get(task.id.as_str()) {
                Some(&existing) => tasks[existing] = placed,
                None => {
                    at.insert(task.id.as_str(), tasks.len());
                    tasks.push(placed);
                }
            }
        }
        if let Some(order) = &item.manifest.spec.order {
            let mut slots: Vec<Option<PlacedTask<'a>>> = tasks.drain(..).map(Some).collect();
            let mut ordered = Vec::with_capacity(slots.len());
            for id in order {
                if let Some(placed) = at.get(id.as_str()).and_then(|&i| slots[i].take()) {
                    ordered.push(placed);
                }
            }
            ordered.extend(slots.into_iter().flatten());
            at = ordered
                .iter()
                .enumerate()
                .map(|(i, t)| (t.task.id.as_str(), i))
                .collect();
            tasks = ordered;
        }
    }
    tasks
}

/// A turnover's own task list when it is the whole answer of [`turnover_tasks`]: no
/// `tasksFrom`, no `order` and no id twice (a later task of the same id would take the
/// earlier one's place). Most turnovers, and found without a map.
fn own_tasks_only(turnover: Item<'_, TurnoverSpec>) -> Option<&[Task]> {
    let spec = &turnover.manifest.spec;
    if spec.tasks_from.is_some() || spec.order.is_some() {
        return None;
    }
    let tasks = spec.tasks.as_slice();
    let unique = match tasks.len() {
        // Pairwise below a few dozen: no allocation, fewer comparisons than hashing.
        0..=32 => tasks
            .iter()
            .enumerate()
            .all(|(i, task)| tasks[..i].iter().all(|before| before.id != task.id)),
        _ => {
            let mut seen = foldhash::HashSet::default();
            tasks.iter().all(|task| seen.insert(task.id.as_str()))
        }
    };
    unique.then_some(tasks)
}

/// The task list of an object's phase: a turnover's tasks (`tasksFrom` included), or the
/// ReleaseModel task plan `plan` of a Release; `None` for other kinds and for what does not
/// exist.
pub fn phase_tasks<'a>(
    catalog: &Catalog<'a>,
    kind: Kind,
    name: &str,
    plan: Option<&str>,
) -> Option<Vec<&'a Task>> {
    match kind {
        Kind::Turnover => {
            let turnover = catalog.get::<TurnoverSpec>(name)?;
            if let Some(own) = own_tasks_only(turnover) {
                return Some(own.iter().collect());
            }
            Some(
                turnover_tasks(catalog, turnover)
                    .into_iter()
                    .map(|p| p.task)
                    .collect(),
            )
        }
        Kind::Release => {
            let release = catalog.get::<ReleaseSpec>(name)?;
            let model = catalog
                .get::<ReleaseModelSpec>(release.manifest.spec.release_model.as_ref()?.as_str())?;
            Some(model.manifest.spec.task_plans.get(plan?)?.iter().collect())
        }
        _ => None,
    }
}

/// The titles of an object's tasks by id: a turnover's (copied ones included), or every task
/// plan of a release's model.
pub fn titles(catalog: &Catalog<'_>, kind: Kind, name: &str) -> BTreeMap<String, String> {
    let mut titles = BTreeMap::new();
    match kind {
        Kind::Turnover => {
            if let Some(turnover) = catalog.get::<TurnoverSpec>(name) {
                for placed in turnover_tasks(catalog, turnover) {
                    titles.insert(placed.task.id.to_string(), placed.task.title.to_string());
                }
            }
        }
        Kind::Release => {
            let model = catalog
                .get::<ReleaseSpec>(name)
                .and_then(|r| r.manifest.spec.release_model.clone())
                .and_then(|m| catalog.get::<ReleaseModelSpec>(m.as_str()));
            for task in model
                .iter()
                .flat_map(|m| m.manifest.spec.task_plans.values().flatten())
            {
                titles
                    .entry(task.id.to_string())
                    .or_insert_with(|| task.title.to_string());
            }
        }
        _ => {}
    }
    titles
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::load::{Content, RawFile, Settings};
    use crate::manifest::{Id, TaskType};

    /// A manual task with an id, its title the id, after `depends_on`.
    pub(crate) fn task(id: &str, depends_on: &[&str]) -> Task {
        Task {
            id: Id::from(id),
            title: id.into(),
            task_type: TaskType::Manual,
            owner: None,
            run: None,
            depends_on: depends_on.iter().map(|&d| Id::from(d)).collect(),
            timeout: None,
        }
    }

    fn turnover(name: &str, extra: &str, ids: &[&str]) -> String {
        let tasks: Vec<String> = ids
            .iter()
            .enumerate()
            .map(|(i, id)| format!("    - {{id: {id}, title: T{i}, type: manual, owner: ops}}\n"))
            .collect();
        let tasks = if tasks.is_empty() {
            " []\n".to_string()
        } else {
            format!("\n{}", tasks.concat())
        };
        format!(
            "apiVersion: railyard/v1\nkind: Turnover\nmetadata: {{name: {name}}}\nspec:\n  environment: test\n  releases: [r]\n{extra}  tasks:{tasks}---\n"
        )
    }

    #[test]
    fn a_turnovers_own_list_is_taken_as_it_is_only_when_nothing_merges_into_it() {
        let many: Vec<String> = (0..40).map(|i| format!("t{i}")).collect();
        let mut many_twice: Vec<&str> = many.iter().map(String::as_str).collect();
        many_twice[37] = "t3";
        let text = [
            turnover("plain", "", &["a", "b", "c"]),
            turnover("twice", "", &["a", "b", "a"]),
            turnover(
                "long",
                "",
                &many.iter().map(String::as_str).collect::<Vec<_>>(),
            ),
            turnover("long-twice", "", &many_twice),
            turnover("ordered", "  order: [c, a]\n", &["a", "b", "c"]),
            turnover("copied", "  tasksFrom: plain\n", &["b", "d"]),
            turnover("empty", "", &[]),
        ]
        .concat();
        let files = vec![RawFile {
            path: "turnovers.yaml".into(),
            content: Content::Bytes(text.into_bytes()),
            again: None,
        }];
        let loaded = crate::load::parse_files(Settings::default(), None, files);
        let (catalog, _) = Catalog::build(&loaded.settings, &loaded.documents);
        let ids = |tasks: &[PlacedTask<'_>]| -> Vec<(String, String, usize)> {
            tasks
                .iter()
                .map(|t| (t.task.id.to_string(), t.task.title.to_string(), t.index))
                .collect()
        };
        let mut taken = Vec::new();
        for name in [
            "plain",
            "twice",
            "long",
            "long-twice",
            "ordered",
            "copied",
            "empty",
        ] {
            let item = catalog.get::<TurnoverSpec>(name).expect(name);
            let tasks = turnover_tasks(&catalog, item);
            assert_eq!(ids(&tasks), ids(&merged_tasks(&catalog, item)), "{name}");
            let phase: Vec<&str> = phase_tasks(&catalog, Kind::Turnover, name, None)
                .expect(name)
                .iter()
                .map(|t| t.id.as_str())
                .collect();
            let placed: Vec<&str> = tasks.iter().map(|t| t.task.id.as_str()).collect();
            assert_eq!(phase, placed, "{name}");
            if own_tasks_only(item).is_some() {
                taken.push(name);
            }
        }
        assert_eq!(taken, ["plain", "long", "empty"]);
        let twice = turnover_tasks(
            &catalog,
            catalog.get::<TurnoverSpec>("twice").expect("twice"),
        );
        assert_eq!(
            ids(&twice),
            [("a".into(), "T2".into(), 2), ("b".into(), "T1".into(), 1)]
        );
    }
}
