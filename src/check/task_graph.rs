//! Task lists and dependency graphs: ids unique, `dependsOn` resolving, no self-dependency and
//! no cycle (tasks, ReleaseModel task plans, application releases, `tasksFrom` chains). A
//! cycle is reported once, at its first edge, with the whole cycle in the message.

use std::collections::{BTreeMap, HashMap};

use super::{unique_ids, unique_ids_at, unresolved};
use crate::catalog::{Catalog, Item};
use crate::diagnostics::{Code, Diagnostic};
use crate::graph;
use crate::load::SameObject;
use crate::manifest::{
    ApplicationReleaseSpec, Kind, ReleaseModelSpec, Task, TaskType, TurnoverSpec,
};
use crate::tasks::{PlacedTask, turnover_tasks};

/// The findings of each turnover's own checks, with the objects they were made from (the
/// turnover, its `tasksFrom` chain, and the teams its owners are looked up in), so that a
/// watcher checks again only the turnovers whose objects changed.
#[derive(Default)]
pub struct TaskGraphMemo {
    /// Every team document's object, in order: a change there checks every turnover again.
    teams: Vec<SameObject>,
    turnovers: HashMap<String, (Vec<SameObject>, Vec<Diagnostic>)>,
    /// How many turnovers the last round took from the memo.
    pub reused: usize,
}

/// The objects a turnover's own checks read: itself and its `tasksFrom` chain.
fn sources(c: &Catalog<'_>, turnover: &Item<'_, TurnoverSpec>) -> Vec<SameObject> {
    crate::tasks::tasks_from_chain(c, *turnover)
        .items
        .iter()
        .map(|t| SameObject::of(t.document))
        .collect()
}

pub(super) fn check(c: &Catalog<'_>, out: &mut Vec<Diagnostic>, memo: Option<&mut TaskGraphMemo>) {
    // Thousands of turnovers, each checked on its own: on every core, reported in order.
    let turnovers: Vec<Item<'_, TurnoverSpec>> = c.all::<TurnoverSpec>().collect();
    let mut memo = memo;
    if let Some(memo) = memo.as_deref_mut() {
        let teams: Vec<SameObject> = c
            .documents()
            .iter()
            .filter(|d| d.kind == Some(Kind::Team))
            .map(SameObject::of)
            .collect();
        if memo.teams != teams {
            memo.turnovers.clear();
            memo.teams = teams;
        }
    }
    let kept = memo.as_deref().map(|m| &m.turnovers);
    let found: Vec<(Option<Vec<SameObject>>, Vec<Diagnostic>)> = {
        use rayon::prelude::*;
        turnovers
            .par_iter()
            .map(|turnover| {
                let Some(kept) = kept else {
                    let mut out = Vec::new();
                    check_turnover(c, turnover, &mut out);
                    return (None, out);
                };
                let sources = sources(c, turnover);
                if let Some((was, found)) = kept.get(turnover.name())
                    && *was == sources
                {
                    return (None, found.clone());
                }
                let mut out = Vec::new();
                check_turnover(c, turnover, &mut out);
                (Some(sources), out)
            })
            .collect()
    };
    if let Some(memo) = memo {
        memo.reused = found
            .iter()
            .filter(|(sources, _)| sources.is_none())
            .count();
        for (turnover, (sources, found)) in turnovers.iter().zip(&found) {
            if let Some(sources) = sources {
                memo.turnovers.insert(
                    turnover.name().to_string(),
                    (sources.clone(), found.clone()),
                );
            }
        }
        if memo.turnovers.len() > turnovers.len() {
            let names: std::collections::HashSet<&str> =
                turnovers.iter().map(|t| t.name()).collect();
            memo.turnovers
                .retain(|name, _| names.contains(name.as_str()));
        }
    }
    out.extend(found.into_iter().flat_map(|(_, found)| found));
    for model in c.all::<ReleaseModelSpec>() {
        for (plan, tasks) in &model.manifest.spec.task_plans {
            let key = plan.replace('~', "~0").replace('/', "~1");
            let list = format!("/spec/taskPlans/{key}").into();
            let plan_tasks = placed(c, &model, tasks, list, out);
            dependencies(
                &plan_tasks,
                |_| true,
                &format!("tasks of plan `{plan}`"),
                out,
            );
        }
    }
    release_cycles(c, out);
    tasks_from_cycles(c, out);
}

/// A turnover's own tasks: their fields, unique ids, `order`, and dependencies.
fn check_turnover(c: &Catalog<'_>, turnover: &Item<'_, TurnoverSpec>, out: &mut Vec<Diagnostic>) {
    let spec = &turnover.manifest.spec;
    placed(c, turnover, &spec.tasks, "/spec/tasks".into(), out);
    let effective = turnover_tasks(c, *turnover);
    if let Some(order) = &spec.order {
        let order_ids: Vec<_> = order
            .iter()
            .enumerate()
            .map(|(i, id)| (id, format!("/spec/order/{i}")))
            .collect();
        unique_ids(turnover, "task in `order`", &order_ids, out);
        let known: Vec<&str> = effective.iter().map(|t| t.task.id.as_str()).collect();
        for (i, id) in order.iter().enumerate() {
            if !known.contains(&id.as_str()) {
                out.push(unresolved(
                    turnover,
                    &format!("/spec/order/{i}"),
                    "task",
                    id.as_str(),
                    &known,
                ));
            }
        }
    }
    let is_local = |t: &PlacedTask<'_>| std::ptr::eq(t.document, turnover.document);
    dependencies(&effective, is_local, "tasks", out);
}

/// The tasks of `item` at `{list}/{i}`, with their fields and ids checked.
fn placed<'a, S>(
    c: &Catalog<'_>,
    item: &Item<'a, S>,
    tasks: &'a [Task],
    list: std::borrow::Cow<'a, str>,
    out: &mut Vec<Diagnostic>,
) -> Vec<PlacedTask<'a>> {
    let placed: Vec<PlacedTask<'a>> = tasks
        .iter()
        .enumerate()
        .map(|(i, task)| PlacedTask {
            task,
            path: item.path(),
            list: list.clone(),
            index: i,
            document: item.document,
        })
        .collect();
    task_fields(c, item, &placed, out);
    // Each task's pointer is made only for a diagnostic.
    let ids: Vec<&crate::manifest::Id> = placed.iter().map(|t| &t.task.id).collect();
    unique_ids_at(
        item,
        "task",
        &ids,
        |i| format!("{}/id", placed[i].pointer()),
        out,
    );
    placed
}

/// A manual task needs an owner who exists; an automated one needs a command.
fn task_fields<S>(
    c: &Catalog<'_>,
    item: &Item<'_, S>,
    tasks: &[PlacedTask<'_>],
    out: &mut Vec<Diagnostic>,
) {
    for placed in tasks {
        let Task {
            id,
            task_type,
            owner,
            run,
            ..
        } = placed.task;
        match task_type {
            TaskType::Manual if owner.is_none() => out.push(
                item.error(
                    Code::MissingField,
                    &placed.pointer(),
                    format!("manual task `{id}` has no `owner`"),
                )
                .with_label("`owner` is required for a manual task")
                .with_hint("the team or member who performs the task and reports its outcome"),
            ),
            TaskType::Automated if run.is_none() => out.push(
                item.error(
                    Code::MissingField,
                    &placed.pointer(),
                    format!("automated task `{id}` has no `run`"),
                )
                .with_label("`run` is required for an automated task")
                .with_hint("the command as an argv list, e.g. `run: [./deploy.sh, --env, test]`"),
            ),
            _ => {}
        }
        if let Some(owner) = owner
            && !c.exists(Kind::Team, owner)
            && c.teams_of(owner).is_empty()
        {
            let mut candidates = c.names(Kind::Team);
            candidates.extend(c.member_ids());
            out.push(unresolved(
                item,
                &format!("{}/owner", placed.pointer()),
                "team or member",
                owner,
                &candidates,
            ));
        }
    }
}

/// `dependsOn` of the tasks for which `report` holds: known ids, no self-dependency, no cycle.
fn dependencies<'a>(
    tasks: &[PlacedTask<'a>],
    report: impl Fn(&PlacedTask<'a>) -> bool,
    what: &str,
    out: &mut Vec<Diagnostic>,
) {
    let mut index: BTreeMap<&str, usize> = BTreeMap::new();
    for (i, placed) in tasks.iter().enumerate() {
        index.entry(placed.task.id.as_str()).or_insert(i);
    }
    let known: Vec<&str> = tasks.iter().map(|t| t.task.id.as_str()).collect();
    let mut edges = Vec::new();
    for (from, placed) in tasks.iter().enumerate() {
        for (d, dependency) in placed.task.depends_on.iter().enumerate() {
            match index.get(dependency.as_str()) {
                Some(&to) if to == from && report(placed) => {
                    out.push(
                        Diagnostic::error(
                            Code::SelfDependency,
                            placed.path,
                            Some(placed.span(&format!("/dependsOn/{d}"))),
                            format!("task `{dependency}` depends on itself"),
                        )
                        .with_label("itself"),
                    );
                }
                Some(&to) if to == from => {}
                Some(&to) => edges.push((from, to)),
                None if report(placed) => {
                    let hint =
                        crate::suggest::did_you_mean(dependency.as_str(), known.iter().copied());
                    out.push(
                        Diagnostic::error(
                            Code::UnresolvedReference,
                            placed.path,
                            Some(placed.span(&format!("/dependsOn/{d}"))),
                            format!(
                                "unknown task `{dependency}` in `dependsOn` of `{}`",
                                placed.task.id
                            ),
                        )
                        .with_label(format!("no task `{dependency}` here"))
                        .with_hint_opt(hint),
                    );
                }
                None => {}
            }
        }
    }
    for cycle in graph::cycles(tasks.len(), &edges) {
        // Report at the first edge written in a reported document.
        let Some(position) = cycle.windows(2).position(|w| report(&tasks[w[0]])) else {
            continue;
        };
        let (from, to) = (cycle[position], cycle[position + 1]);
        let placed = &tasks[from];
        let d = placed
            .task
            .depends_on
            .iter()
            .position(|id| *id == tasks[to].task.id)
            .unwrap_or(0);
        let path: Vec<&str> = cycle.iter().map(|&i| tasks[i].task.id.as_str()).collect();
        out.push(
            Diagnostic::error(
                Code::DependencyCycle,
                placed.path,
                Some(placed.span(&format!("/dependsOn/{d}"))),
                format!(
                    "{what} depend on each other in a cycle: {}",
                    path.join(" → ")
                ),
            )
            .with_label(format!(
                "`{}` depends on `{}` here",
                tasks[from].task.id, tasks[to].task.id
            ))
            .with_hint("remove one of these dependencies"),
        );
    }
}

fn release_cycles(c: &Catalog<'_>, out: &mut Vec<Diagnostic>) {
    let releases: Vec<Item<'_, ApplicationReleaseSpec>> =
        c.all::<ApplicationReleaseSpec>().collect();
    let index: BTreeMap<&str, usize> = releases
        .iter()
        .enumerate()
        .map(|(i, r)| (r.name(), i))
        .collect();
    let edges: Vec<(usize, usize)> = releases
        .iter()
        .enumerate()
        .flat_map(|(from, r)| {
            r.manifest
                .spec
                .depends_on
                .iter()
                .filter_map(|d| index.get(d.as_str()))
                .map(move |&to| (from, to))
        })
        .collect();
    for cycle in graph::cycles(releases.len(), &edges) {
        let (from, to) = (&releases[cycle[0]], &releases[cycle[1]]);
        let d = from
            .manifest
            .spec
            .depends_on
            .iter()
            .position(|n| n.as_str() == to.name())
            .unwrap_or(0);
        let names: Vec<&str> = cycle.iter().map(|&i| releases[i].name()).collect();
        out.push(
            from.error(
                Code::DependencyCycle,
                &format!("/spec/dependsOn/{d}"),
                format!(
                    "application releases depend on each other in a cycle: {}",
                    names.join(" → ")
                ),
            )
            .with_label(format!("`{}` depends on `{}` here", from.name(), to.name()))
            .with_hint("remove one of these dependencies"),
        );
    }
}

fn tasks_from_cycles(c: &Catalog<'_>, out: &mut Vec<Diagnostic>) {
    let turnovers: Vec<Item<'_, TurnoverSpec>> = c.all::<TurnoverSpec>().collect();
    let index: BTreeMap<&str, usize> = turnovers
        .iter()
        .enumerate()
        .map(|(i, t)| (t.name(), i))
        .collect();
    let edges: Vec<(usize, usize)> = turnovers
        .iter()
        .enumerate()
        .filter_map(|(from, t)| {
            Some((
                from,
                *index.get(t.manifest.spec.tasks_from.as_ref()?.as_str())?,
            ))
        })
        .collect();
    let cycles = graph::cycles(turnovers.len(), &edges);
    let in_cycle: std::collections::BTreeSet<usize> = cycles.iter().flatten().copied().collect();
    for (i, turnover) in turnovers.iter().enumerate() {
        if in_cycle.contains(&i) {
            continue;
        }
        let chain = crate::tasks::tasks_from_chain(c, *turnover);
        if !chain.too_long {
            continue;
        }
        let names: Vec<&str> = chain.items.iter().map(|t| t.name()).collect();
        out.push(
            turnover
                .error(
                    Code::InvalidValue,
                    "/spec/tasksFrom",
                    format!(
                        "`tasksFrom` copies through more than {} turnovers: {} → …",
                        crate::tasks::MAX_TASKS_FROM,
                        names.join(" → ")
                    ),
                )
                .with_label("copies from here")
                .with_hint("copy from a turnover nearer the start of the promotion path, or write the tasks here"),
        );
    }
    for cycle in cycles {
        let first = &turnovers[cycle[0]];
        let names: Vec<&str> = cycle.iter().map(|&i| turnovers[i].name()).collect();
        out.push(
            first
                .error(
                    Code::DependencyCycle,
                    "/spec/tasksFrom",
                    format!(
                        "turnovers copy their tasks from each other in a cycle: {}",
                        names.join(" → ")
                    ),
                )
                .with_label("copies from here")
                .with_hint("one turnover of the chain must define its own tasks"),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::check::testing::{BASE, codes};

    fn turnover(name: &str, extra: &str, tasks: &str) -> String {
        format!(
            "apiVersion: railyard/v1\nkind: Turnover\nmetadata: {{name: {name}}}\nspec:\n  environment: test\n  train: q4\n{extra}  tasks:\n{tasks}"
        )
    }

    fn with(docs: &[String]) -> Vec<(&'static str, String)> {
        let mut text = BASE.to_string();
        for doc in docs {
            text.push_str("---\n");
            text.push_str(doc);
        }
        codes(&[("repo.yaml", &text)])
    }

    const T: &str = "    - {id: a, title: A, type: automated, run: [ok]}\n    - {id: b, title: B, type: automated, run: [ok], dependsOn: [a]}\n";

    #[test]
    fn a_task_id_used_twice_points_at_both_places() {
        let mut text = crate::check::testing::BASE.to_string();
        text.push_str("---\n");
        let tasks = "    - {id: a, title: A, type: automated, run: [ok]}\n    - {id: b, title: B, type: automated, run: [ok]}\n    - {id: a, title: C, type: automated, run: [ok]}\n";
        text.push_str(&turnover("t1", "", tasks));
        let twice: Vec<_> = crate::check::testing::diagnostics(&[("repo.yaml", &text)])
            .into_iter()
            .filter(|d| d.message == "task id `a` is used twice")
            .collect();
        assert_eq!(twice.len(), 1, "{twice:?}");
        let line_of =
            |needle: &str| text.lines().position(|l| l.contains(needle)).expect(needle) + 1;
        let span = twice[0].span.expect("a span");
        assert_eq!(span.start.line as usize, line_of("title: C"));
        let first = twice[0].related.first().expect("the first use");
        assert_eq!(first.span.start.line as usize, line_of("title: A"));
    }

    /// Checks one repository state after another, as a watcher does: through a parse cache
    /// (unchanged files keep their objects) and the checks' memo, against a fresh check.
    /// Returns, per state, the diagnostics and how many turnovers the memo supplied.
    fn rounds(states: &[Vec<(&str, String)>]) -> Vec<(Vec<crate::diagnostics::Diagnostic>, usize)> {
        let mut cache = crate::load::ParseCache::default();
        let mut memo = crate::check::ChecksMemo::default();
        states
            .iter()
            .map(|files| {
                let keys = files
                    .iter()
                    .map(|(path, text)| (path.to_string(), text.as_bytes().to_vec()))
                    .collect();
                let loaded = cache.load(crate::load::Settings::default(), None, keys, |missing| {
                    missing
                        .iter()
                        .map(|(path, bytes)| crate::load::RawFile {
                            path: path.clone(),
                            content: crate::load::Content::Bytes(bytes.clone()),
                            again: None,
                        })
                        .collect()
                });
                let fresh = crate::validate::check_loaded(&loaded, None);
                let kept = crate::validate::check_loaded(&loaded, Some(&mut memo));
                assert_eq!(kept, fresh, "the memo changed what the checks find");
                (kept, memo.turnovers.reused)
            })
            .collect()
    }

    #[test]
    fn a_watcher_checks_again_only_the_turnovers_whose_objects_changed() {
        let base = ("base.yaml", BASE.to_string());
        let source = |tasks: &str| ("t1.yaml", turnover("t1", "", tasks));
        // t2 takes t1's tasks and adds one that depends on a task of t1.
        let t2 = (
            "t2.yaml",
            turnover(
                "t2",
                "  tasksFrom: t1\n",
                "    - {id: c, title: C, type: manual, owner: developers, dependsOn: [b]}\n",
            ),
        );
        let t3 = (
            "t3.yaml",
            turnover(
                "t3",
                "",
                "    - {id: x, title: X, type: manual, owner: nobody}\n",
            ),
        );
        let no_b = "    - {id: a, title: A, type: automated, run: [ok]}\n";
        let teams = |extra: &str| ("base.yaml", format!("{BASE}---\n{extra}"));
        let nobody = "apiVersion: railyard/v1\nkind: Team\nmetadata: {name: nobody}\nspec: {members: [{id: nora, emails: [nora@x]}]}\n";
        let found = rounds(&[
            vec![base.clone(), source(T), t2.clone(), t3.clone()],
            vec![base.clone(), source(T), t2.clone(), t3.clone()],
            // t1 loses `b`: t2, which inherits from t1, is checked again with it.
            vec![base.clone(), source(no_b), t2.clone(), t3.clone()],
            // A new team: every turnover is checked again.
            vec![teams(nobody), source(no_b), t2.clone(), t3.clone()],
            vec![teams(nobody), source(no_b), t3.clone()],
        ]);
        let messages = |round: usize| -> Vec<String> {
            found[round]
                .0
                .iter()
                .map(|d| format!("{} {}", d.file, d.message))
                .collect()
        };
        assert_eq!(found[0].1, 0);
        assert_eq!(messages(0), ["t3.yaml unknown team or member `nobody`"]);
        assert_eq!(found[1].1, 3, "nothing changed");
        assert_eq!(found[2].1, 1, "t3 only");
        assert_eq!(
            messages(2),
            [
                "t2.yaml unknown task `b` in `dependsOn` of `c`",
                "t3.yaml unknown team or member `nobody`"
            ]
        );
        assert_eq!(found[3].1, 0, "a team changed");
        assert_eq!(
            messages(3),
            ["t2.yaml unknown task `b` in `dependsOn` of `c`"]
        );
        assert_eq!(found[4].1, 2);
        assert!(messages(4).is_empty());
    }

    #[test]
    fn a_clean_graph() {
        assert_eq!(with(&[turnover("t1", "", T)]), vec![]);
    }

    #[test]
    fn cycles_name_the_whole_cycle() {
        let tasks = "    - {id: a, title: A, type: automated, run: [x], dependsOn: [c]}\n    - {id: b, title: B, type: automated, run: [x], dependsOn: [a]}\n    - {id: c, title: C, type: automated, run: [x], dependsOn: [b]}\n";
        assert_eq!(
            with(&[turnover("t1", "", tasks)]),
            vec![(
                "dependency-cycle",
                "tasks depend on each other in a cycle: a → c → b → a".to_string()
            )]
        );
    }

    #[test]
    fn unknown_and_self_dependencies() {
        let tasks = "    - {id: a, title: A, type: automated, run: [x], dependsOn: [a]}\n    - {id: b, title: B, type: automated, run: [x], dependsOn: [aa]}\n";
        let found = with(&[turnover("t1", "", tasks)]);
        assert_eq!(
            found[0],
            ("self-dependency", "task `a` depends on itself".to_string())
        );
        assert_eq!(
            found[1],
            (
                "unresolved-reference",
                "unknown task `aa` in `dependsOn` of `b`".to_string()
            )
        );
    }

    #[test]
    fn copied_tasks_resolve_and_are_reported_once() {
        let local = "    - {id: c, title: C, type: manual, owner: developers, dependsOn: [b]}\n";
        let found = with(&[
            turnover("t1", "", T),
            turnover("t2", "  tasksFrom: t1\n  order: [c, a, z]\n", local),
        ]);
        assert_eq!(
            found,
            vec![("unresolved-reference", "unknown task `z`".to_string())]
        );
    }

    #[test]
    fn manual_tasks_need_an_owner_and_automated_ones_a_command() {
        let tasks = "    - {id: a, title: A, type: manual}\n    - {id: b, title: B, type: automated}\n    - {id: c, title: C, type: manual, owner: nobody}\n";
        let found: Vec<&str> = with(&[turnover("t1", "", tasks)])
            .into_iter()
            .map(|(c, _)| c)
            .collect();
        assert_eq!(
            found,
            ["missing-field", "missing-field", "unresolved-reference"]
        );
    }

    #[test]
    fn release_and_tasks_from_cycles() {
        let releases = [
            "apiVersion: railyard/v1\nkind: ApplicationRelease\nmetadata: {name: api}\nspec: {application: api, version: '1', dependsOn: [db]}\n".to_string(),
            "apiVersion: railyard/v1\nkind: ApplicationRelease\nmetadata: {name: db}\nspec: {application: db, version: '1', dependsOn: [api]}\n".to_string(),
            turnover("t1", "  tasksFrom: t2\n", T),
            turnover("t2", "  tasksFrom: t1\n", T),
        ];
        let found = with(&releases);
        assert_eq!(
            found,
            vec![
                (
                    "dependency-cycle",
                    "application releases depend on each other in a cycle: api → db → api"
                        .to_string()
                ),
                (
                    "dependency-cycle",
                    "turnovers copy their tasks from each other in a cycle: t1 → t2 → t1"
                        .to_string()
                ),
            ]
        );
    }
}
