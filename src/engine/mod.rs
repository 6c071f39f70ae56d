//! The phase engine: one generic machine that runs every kind's Workflow (SPEC §3).
//!
//! `reconcile` is a pure function of the catalog, the previous status, the clock and the facts
//! read from git. For each object it takes, in declaration order, the first transition whose
//! guards all hold, and repeats; objects look at each other's phases (a train waits for its
//! releases, a production turnover for its train), so rounds repeat over all objects until
//! none moves. Every transition that does not hold is explained, one sentence per missing
//! thing.

mod finish;
pub mod guards;
pub mod memo;
pub mod repository;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use serde_json::Value;

use crate::catalog::Catalog;
use crate::diagnostics::{Diagnostic, Severity};
use crate::facts::Facts;
use crate::load::{Document, SpecView};
use crate::manifest::{Kind, Phase, WorkflowKind, WorkflowSpec};
use crate::status::{Condition, HistoryEntry, ObjectStatus, digest_json};
use crate::tasks::TasksView;

use guards::Ctx;
use repository::{Repository, Subject, Timer, field_values, is_empty};

pub use crate::status::StatusMap;

/// A transition taken in this reconcile.
#[derive(Clone, Debug, PartialEq)]
pub struct TransitionTaken {
    pub from: String,
    pub to: String,
    pub reason: String,
}

/// Someone to tell about something.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Notification {
    /// A member id or a team name.
    pub to: String,
    /// `phase-entered`, `approval-needed`, `deadline-missed`, `task-waiting`, or a phase's own
    /// event.
    pub event: String,
    pub phase: String,
    /// The task a `task-waiting` notification is about.
    pub task: Option<String>,
    /// The approval an `approval-needed` notification asks for.
    pub gate: Option<String>,
}

/// A way out of the current phase with what holds and what does not (for `explain`).
#[derive(Clone, Debug, PartialEq)]
pub struct WayOut {
    pub to: String,
    pub held: Vec<String>,
    pub missing: Vec<String>,
}

/// What the reconcile decided for one object.
#[derive(Clone, Debug, PartialEq)]
pub struct ObjectPlan {
    /// Every way out of the phase, in declaration order.
    pub ways_out: Vec<WayOut>,
    pub kind: Kind,
    pub name: String,
    pub path: String,
    pub status: ObjectStatus,
    pub transitions: Vec<TransitionTaken>,
    pub notifications: Vec<Notification>,
    pub tasks: Option<TasksView>,
    /// Skipped because it (or what it depends on) has errors.
    pub invalid: bool,
}

/// The engine's state for one object during a reconcile.
struct State<'a> {
    subject: Subject<'a>,
    flow: &'a WorkflowSpec,
    status: ObjectStatus,
    transitions: Vec<TransitionTaken>,
    notifications: Vec<Notification>,
    /// The earliest instant ahead that a guard compared the clock with.
    timer: Timer,
    /// True when the object started from a previous status (railyard knew it before).
    known: bool,
    /// What a retried turnover carries from its earlier attempts: worked out once a
    /// reconcile (its inputs, the spec and the previous status, do not change meanwhile).
    retried: std::sync::OnceLock<Option<crate::status::Retried>>,
}

/// Reconciles every object. `diagnostics` are those of validation: an object with an error
/// in its document, or that depends on one, is skipped with the condition `Invalid`. With a
/// `memo` (`watch`), the plans of the objects whose inputs did not change since the last
/// round are taken from it (see [`memo`]) and this round is recorded in it; the result is
/// the same as without one.
pub fn reconcile(
    catalog: &Catalog<'_>,
    keys: &crate::trust::Keyring,
    diagnostics: &[Diagnostic],
    previous: &StatusMap,
    facts: &Facts,
    now: jiff::Timestamp,
    memo: Option<&mut memo::PlanMemo>,
) -> Vec<Arc<ObjectPlan>> {
    let started = std::time::Instant::now();
    let lap = |what: &str| {
        tracing::debug!(
            elapsed_ms = started.elapsed().as_millis() as u64,
            "engine: {what}"
        );
    };
    let mut repository = Repository::new(catalog, keys, facts, now);
    repository.runs = previous
        .iter()
        .filter(|(_, status)| !status.runs.is_empty())
        .map(|((kind, name), status)| (format!("{kind}/{name}"), status.runs.clone()))
        .collect();
    lap("built the repository");
    let invalid = invalid_objects(catalog, diagnostics, &repository);
    lap("found the invalid objects");
    let round = memo
        .as_deref()
        .map(|memo| memo.round(catalog, &invalid, previous, facts, now));
    lap("compared the inputs with the last round");
    let reused = |kind: Kind, name: &str| round.as_ref().is_some_and(|r| r.reused(kind, name));
    let mut plans: Vec<ObjectPlan> = Vec::new();
    // The objects to run, in kind order, each with its workflow and the fields it reads.
    let mut subjects = Vec::new();
    for kind in [
        WorkflowKind::ReleaseTrain,
        WorkflowKind::ApplicationRelease,
        WorkflowKind::Turnover,
        WorkflowKind::Release,
    ] {
        let object_kind: Kind = kind.as_str().parse().unwrap_or(Kind::Release);
        let Some(flow) = repository.workflows.get(&kind).copied() else {
            continue;
        };
        let fields: Arc<[String]> = needed_fields(flow).into();
        for name in catalog.names(object_kind) {
            let Some(document) = catalog.document(object_kind, name) else {
                continue;
            };
            if reused(object_kind, name) {
                continue;
            }
            let before = previous
                .get(&(object_kind, name.to_string()))
                .map(Arc::as_ref);
            if invalid.contains(&(object_kind, name.to_string())) || document.object.is_none() {
                plans.push(invalid_plan(object_kind, name, &document.path, before, now));
                continue;
            }
            subjects.push((kind, flow, name, document, before, fields.clone()));
        }
    }
    // Serializing and digesting each spec is most of a start's work and needs nothing but
    // the document: done in parallel, once per parsed document.
    lap("found the objects");
    let views: Vec<std::borrow::Cow<'_, SpecView>> = {
        use rayon::prelude::*;
        subjects
            .par_iter()
            .map(|(_, _, _, document, _, fields)| spec_view(document, fields))
            .collect()
    };
    lap("digested the specs");
    // Each object's starting state. One whose previous status is known resumes from it, on
    // its own (in parallel); a new one enters its workflow's first phase, which may read the
    // phases of the objects before it: in order, one at a time, as they are recorded.
    let starts: Vec<(Started<'_>, String)> = {
        use rayon::prelude::*;
        subjects
            .into_par_iter()
            .zip(views)
            .map(|((kind, flow, name, document, before, _), view)| {
                let subject = Subject {
                    kind,
                    name,
                    document,
                    spec: run_spec(catalog, kind, name, &view.spec),
                };
                let started = match before.filter(|b| flow.phase(&b.phase).is_some()) {
                    Some(known) => Started::Resumed(Box::new(resume(subject, flow, known, now))),
                    None => Started::New(subject, flow),
                };
                (started, view.digest.clone())
            })
            .collect()
    };
    let mut states: Vec<State<'_>> = Vec::with_capacity(starts.len());
    for (start, digest) in starts {
        let mut state = match start {
            Started::Resumed(state) => *state,
            Started::New(subject, flow) => begin(&repository, subject, flow),
        };
        state.status.spec_digest = digest;
        repository.phases.insert(
            (state.subject.kind, state.subject.name.to_string()),
            state.status.phase.clone(),
        );
        states.push(state);
    }
    // Rounds until no object moves; each round can only move objects forward through a
    // finite workflow, so this ends (the bound is a guard against a workflow that cycles).
    lap("started the objects");
    let bound: usize = states.iter().map(|s| s.flow.phases.len()).sum::<usize>() + 2;
    // When no object can move (a reconcile with nothing new) the rounds would only find
    // that out one object at a time: it is found out on every core first.
    let settled = {
        use rayon::prelude::*;
        !states.par_iter().any(|state| can_move(&repository, state))
    };
    let rounds = if settled { 0 } else { bound };
    for _ in 0..rounds {
        let mut moved = false;
        for state in &mut states {
            if step(&repository, state) {
                moved = true;
                repository.phases.insert(
                    (state.subject.kind, state.subject.name.to_string()),
                    state.status.phase.clone(),
                );
            }
        }
        if !moved {
            break;
        }
    }
    lap("settled");
    // Each object's plan (its task board, next steps, conditions) reads the settled repository
    // and nothing else: made in parallel.
    let finished: Vec<(ObjectPlan, Option<jiff::Timestamp>)> = {
        use rayon::prelude::*;
        let repository = &repository;
        states
            .into_par_iter()
            .map(|state| finish::finish(repository, state, previous))
            .collect()
    };
    let mut timers = foldhash::HashMap::default();
    for (plan, timer) in finished {
        if let Some(timer) = timer {
            timers.insert((plan.kind, plan.name.clone()), timer);
        }
        plans.push(plan);
    }
    // Shared: a watcher's memo keeps them for the next round, and what changes a plan later
    // (an outbox entry) copies it first.
    let mut plans: Vec<Arc<ObjectPlan>> = plans.into_iter().map(Arc::new).collect();
    if let (Some(memo), Some(round)) = (memo, round) {
        memo.record(round, &mut plans, &timers);
        tracing::debug!(
            reused = memo.reused,
            ran = memo.ran,
            "engine: plans taken from the last round"
        );
    }
    plans.sort_by(|a, b| (a.kind, &a.name).cmp(&(b.kind, &b.name)));
    lap("made the plans");
    plans
}

/// Objects whose document has an error, and those that depend on them (their train, their
/// releases, their environment).
fn invalid_objects(
    catalog: &Catalog<'_>,
    diagnostics: &[Diagnostic],
    repository: &Repository<'_>,
) -> BTreeSet<(Kind, String)> {
    let mut invalid = BTreeSet::new();
    // The errors by file: a repository with many diagnostics is not scanned once per document.
    let mut errors: std::collections::HashMap<&str, Vec<&Diagnostic>> =
        std::collections::HashMap::new();
    for d in diagnostics.iter().filter(|d| d.severity == Severity::Error) {
        errors.entry(d.file.as_str()).or_default().push(d);
    }
    for document in catalog.documents() {
        let (Some(kind), Some(name)) = (document.kind, document.name.as_deref()) else {
            continue;
        };
        let Some(errors) = errors.get(document.path.as_str()) else {
            continue;
        };
        let span = document.root.span;
        let broken = errors.iter().any(|d| {
            d.span.is_none_or(|s| {
                s.start.line >= span.start.line
                    && s.start.line <= span.end.line.max(span.start.line)
            })
        });
        if broken {
            invalid.insert((kind, name.to_string()));
        }
    }
    // Dependents: repeat until stable (chains are short). Nothing invalid, no dependents.
    if invalid.is_empty() {
        return invalid;
    }
    for _ in 0..4 {
        let mut more = Vec::new();
        for kind in [WorkflowKind::ApplicationRelease, WorkflowKind::Turnover] {
            let object_kind: Kind = kind.as_str().parse().unwrap_or(Kind::Release);
            for name in catalog.names(object_kind) {
                let Some(document) = catalog.document(object_kind, name) else {
                    continue;
                };
                let probe = Subject {
                    kind,
                    name,
                    document,
                    spec: Value::Null,
                };
                let parent_bad = repository
                    .parent(&probe)
                    .is_some_and(|t| invalid.contains(&(Kind::ReleaseTrain, t)));
                let env_bad = catalog
                    .get::<crate::manifest::TurnoverSpec>(name)
                    .filter(|_| kind == WorkflowKind::Turnover)
                    .is_some_and(|t| {
                        invalid
                            .contains(&(Kind::Environment, t.manifest.spec.environment.to_string()))
                            || t.manifest.spec.releases.iter().flatten().any(|r| {
                                invalid.contains(&(Kind::ApplicationRelease, r.to_string()))
                            })
                    });
                if parent_bad || env_bad {
                    more.push((object_kind, name.to_string()));
                }
            }
        }
        let before = invalid.len();
        invalid.extend(more);
        if invalid.len() == before {
            break;
        }
    }
    invalid
}

fn invalid_plan(
    kind: Kind,
    name: &str,
    path: &str,
    before: Option<&ObjectStatus>,
    now: jiff::Timestamp,
) -> ObjectPlan {
    let mut status = before.cloned().unwrap_or_default();
    status.next.clear();
    let invalid = Condition {
        kind: "Invalid".into(),
        status: "True".into(),
        reason: "ManifestErrors".into(),
        message: format!("{path} (or an object it depends on) has errors; run `railyard validate`"),
        since: None,
    };
    status.conditions = crate::status::settle_conditions(before, vec![invalid], true, now);
    ObjectPlan {
        ways_out: Vec::new(),
        kind,
        name: name.to_string(),
        path: path.to_string(),
        status,
        transitions: Vec::new(),
        notifications: Vec::new(),
        tasks: None,
        invalid: true,
    }
}

/// How an object starts this reconcile.
enum Started<'a> {
    /// From its previous status, re-evaluated.
    Resumed(Box<State<'a>>),
    /// Not known before: it enters its workflow's initial phase ([`begin`]).
    New(Subject<'a>, &'a WorkflowSpec),
}

/// The spec the engine reads: the pruned spec, with a turnover's tasks as the ones it will
/// run (`tasksFrom` included; only their number matters).
fn run_spec(catalog: &Catalog<'_>, kind: WorkflowKind, name: &str, pruned: &Value) -> Value {
    let mut spec = pruned.clone();
    if kind == WorkflowKind::Turnover
        && let (Some(turnover), Value::Object(map)) = (
            catalog.get::<crate::manifest::TurnoverSpec>(name),
            &mut spec,
        )
        && (map.contains_key("tasks") || turnover.manifest.spec.tasks_from.is_some())
    {
        let count = crate::tasks::turnover_tasks(catalog, turnover).len();
        map.insert(
            "tasks".into(),
            Value::Array(vec![Value::Object(serde_json::Map::new()); count]),
        );
    }
    spec
}

/// An object known before starts from its previous status, re-evaluated (reads nothing but
/// the object itself).
fn resume<'a>(
    subject: Subject<'a>,
    flow: &'a WorkflowSpec,
    known: &ObjectStatus,
    now: jiff::Timestamp,
) -> State<'a> {
    let mut state = State {
        status: known.clone(),
        subject,
        flow,
        transitions: Vec::new(),
        notifications: Vec::new(),
        timer: Timer::default(),
        known: true,
        retried: std::sync::OnceLock::new(),
    };
    reevaluate(&mut state, now);
    state
}

/// A new object: the workflow's initial phase, entered now (since when git added it).
fn begin<'a>(
    repository: &Repository<'a>,
    subject: Subject<'a>,
    flow: &'a WorkflowSpec,
) -> State<'a> {
    let mut state = State {
        status: ObjectStatus::default(),
        subject,
        flow,
        transitions: Vec::new(),
        notifications: Vec::new(),
        timer: Timer::default(),
        known: false,
        retried: std::sync::OnceLock::new(),
    };
    state.status.phase = flow.initial.clone();
    state.status.since = repository
        .facts
        .added
        .get(&state.subject.document.path)
        .map(|c| c.time);
    if let Some(phase) = flow.phase(&flow.initial) {
        enter(repository, &mut state, phase);
    }
    state
}

/// The spec fields a workflow reads (dotted paths), plus those the guards always consult.
fn needed_fields(flow: &WorkflowSpec) -> Vec<String> {
    let mut fields: BTreeSet<String> = ["request", "scheduledAt", "retry.attempt"]
        .iter()
        .map(|f| f.to_string())
        .collect();
    let guard_fields = |when: &crate::manifest::Guards, fields: &mut BTreeSet<String>| {
        fields.extend(when.fields.iter().cloned());
        fields.extend(when.time.iter().cloned());
        fields.extend(when.values.keys().cloned());
        fields.extend(when.approvals.iter().flat_map(|a| a.or.iter().cloned()));
    };
    for phase in &flow.phases {
        fields.extend(phase.due.iter().cloned());
        if let Some(on_enter) = &phase.on_enter {
            fields.extend(
                on_enter
                    .notify
                    .iter()
                    .filter(|n| !n.starts_with("role:"))
                    .cloned(),
            );
            fields.extend(on_enter.set.keys().cloned());
            for conditional in &on_enter.set_if {
                fields.extend(conditional.set.keys().cloned());
                guard_fields(&conditional.when, &mut fields);
            }
        }
        for transition in &phase.transitions {
            fields.extend(transition.set.keys().cloned());
            guard_fields(&transition.when, &mut fields);
        }
    }
    fields.into_iter().collect()
}

/// The document's digest and its spec cut down to `fields` (a turnover's task list shrinks
/// to its length, so a repository of thousands of turnovers stays small in memory): the one
/// kept with the document when it was made for the same fields, else made now.
fn spec_view<'d>(document: &'d Document, fields: &Arc<[String]>) -> std::borrow::Cow<'d, SpecView> {
    let make = || {
        let full = document
            .object
            .as_deref()
            .map_or(Value::Null, crate::manifest::Object::spec_json);
        SpecView {
            digest: digest_json(&full),
            fields: fields.clone(),
            spec: prune(&full, fields),
        }
    };
    let kept = document.view.get_or_init(make);
    if kept.fields == *fields {
        std::borrow::Cow::Borrowed(kept)
    } else {
        std::borrow::Cow::Owned(make())
    }
}

/// `value` with only the fields on `paths`; a list keeps its length, each item only the
/// fields the path goes on to.
fn prune(value: &Value, paths: &[String]) -> Value {
    let split: Vec<Vec<&str>> = paths.iter().map(|p| p.split('.').collect()).collect();
    let refs: Vec<&[&str]> = split.iter().map(Vec::as_slice).collect();
    prune_steps(value, &refs)
}

fn prune_steps(value: &Value, paths: &[&[&str]]) -> Value {
    match value {
        Value::Object(map) => {
            let mut kept = serde_json::Map::new();
            for (key, child) in map {
                let rest: Vec<&[&str]> = paths
                    .iter()
                    .filter(|p| p.first() == Some(&key.as_str()))
                    .map(|p| &p[1..])
                    .collect();
                if rest.is_empty() {
                    continue;
                }
                let whole = rest.iter().any(|r| r.is_empty());
                let deeper: Vec<&[&str]> = rest.into_iter().filter(|r| !r.is_empty()).collect();
                let pruned = if deeper.is_empty() {
                    shallow(child)
                } else if whole {
                    merge(shallow(child), prune_steps(child, &deeper))
                } else {
                    prune_steps(child, &deeper)
                };
                kept.insert(key.clone(), pruned);
            }
            Value::Object(kept)
        }
        Value::Array(items) => {
            Value::Array(items.iter().map(|item| prune_steps(item, paths)).collect())
        }
        other => other.clone(),
    }
}

/// A field read as a whole: scalars as they are, a list of objects as that many empty
/// objects (enough to tell empty from not).
fn shallow(value: &Value) -> Value {
    match value {
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(|i| {
                    if i.is_object() {
                        Value::Object(serde_json::Map::new())
                    } else {
                        i.clone()
                    }
                })
                .collect(),
        ),
        Value::Object(map) if !map.is_empty() => {
            let mut one = serde_json::Map::new();
            one.insert("set".into(), Value::Bool(true));
            Value::Object(one)
        }
        other => other.clone(),
    }
}

fn merge(base: Value, more: Value) -> Value {
    match (base, more) {
        (Value::Array(a), Value::Array(b)) => {
            Value::Array(a.into_iter().zip(b).map(|(x, y)| merge(x, y)).collect())
        }
        (Value::Object(mut a), Value::Object(b)) => {
            a.extend(b);
            Value::Object(a)
        }
        (_, more) => more,
    }
}

/// The spec with the workflow's recorded values laid over it.
fn effective<'v>(subject: &'v Subject<'_>, status: &ObjectStatus) -> std::borrow::Cow<'v, Value> {
    if status.defaults.is_empty() && status.recorded.is_empty() {
        return std::borrow::Cow::Borrowed(&subject.spec);
    }
    let mut values = subject.spec.clone();
    for (field, value) in &status.defaults {
        if field_values(&values, field)
            .first()
            .is_none_or(|v| is_empty(v))
        {
            set_field(&mut values, field, value.clone());
        }
    }
    for (field, value) in &status.recorded {
        set_field(&mut values, field, value.clone());
    }
    std::borrow::Cow::Owned(values)
}

fn set_field(values: &mut Value, path: &str, value: Value) {
    let mut current = values;
    let steps: Vec<&str> = path.split('.').collect();
    for (i, step) in steps.iter().enumerate() {
        if !current.is_object() {
            *current = Value::Object(serde_json::Map::new());
        }
        let Value::Object(map) = current else { return };
        if i + 1 == steps.len() {
            map.insert((*step).to_string(), value);
            return;
        }
        current = map
            .entry((*step).to_string())
            .or_insert(Value::Object(serde_json::Map::new()));
    }
}

/// Re-evaluation (seed 004): when a field that an earlier transition required has changed
/// or emptied, the object returns to the phase that required it. The history only grows:
/// the return is a new entry, and the entries it goes back past stay, their `fields` emptied
/// (what they required no longer holds the object). They keep their times, so an approval
/// given before the object left a phase stays stale on the next visit (see [`ctx`]). Values
/// the undone transitions recorded (`completionCode: abandoned`) go with them.
fn reevaluate(state: &mut State<'_>, now: jiff::Timestamp) {
    let values = effective(&state.subject, &state.status);
    let changed = state
        .status
        .history
        .iter()
        .enumerate()
        .find_map(|(i, entry)| {
            entry.fields.iter().find_map(|(field, digest)| {
                let current = field_values(&values, field)
                    .into_iter()
                    .cloned()
                    .collect::<Vec<_>>();
                (digest_json(&Value::Array(current)) != *digest).then(|| (i, field.clone()))
            })
        });
    if let Some((index, field)) = changed {
        let back_to = state.status.history[index].from.clone();
        let from = std::mem::replace(&mut state.status.phase, back_to.clone());
        let reason = format!("`{field}` changed since the transition that required it");
        let set_by = |entries: &[HistoryEntry]| -> BTreeSet<String> {
            entries
                .iter()
                .filter_map(|h| {
                    state
                        .flow
                        .phase(&h.from)?
                        .transitions
                        .iter()
                        .find(|t| t.to == h.to)
                })
                .flat_map(|t| t.set.keys().cloned())
                .collect()
        };
        let kept = set_by(&state.status.history[..index]);
        for field in set_by(&state.status.history[index..]) {
            if !kept.contains(&field) {
                state.status.recorded.remove(&field);
            }
        }
        for undone in &mut state.status.history[index..] {
            undone.fields.clear();
        }
        state.status.asked.clear();
        state.status.history.push(HistoryEntry {
            from: from.clone(),
            to: back_to.clone(),
            at: now,
            reason: reason.clone(),
            fields: BTreeMap::new(),
        });
        state.status.since = Some(now);
        state.transitions.push(TransitionTaken {
            from,
            to: back_to,
            reason,
        });
    }
}

fn ctx<'s, 'a>(
    repository: &'s Repository<'a>,
    state: &'s State<'a>,
    values: &'s Value,
    phase: &'s Phase,
) -> Ctx<'s, 'a> {
    let plan = phase.task_plan.as_deref();
    let attempt = match state.subject.kind {
        WorkflowKind::Turnover => field_values(values, "retry.attempt")
            .first()
            .and_then(|v| v.as_u64())
            .map_or(1, |a| a as u32),
        _ => plan
            .and_then(|p| state.status.attempts.get(p))
            .copied()
            .unwrap_or(1),
    };
    // A turnover's retry is recorded when railyard first sees it; a task plan started again
    // began when the object entered the phase.
    let retried = state
        .retried
        .get_or_init(|| {
            repository.succeeded_before(
                &state.subject,
                attempt,
                state.status.retried.as_ref(),
                state.known,
            )
        })
        .as_ref();
    let begun = match retried {
        Some(r) => r.since,
        None if state.subject.kind == WorkflowKind::Release && attempt > 1 => state.status.since,
        None => None,
    };
    Ctx {
        repository,
        subject: &state.subject,
        values,
        phase: &phase.name,
        // "Only for the current phase": approvals given before the object last left this
        // phase belong to an earlier visit (a returned train, a re-evaluated release). On a
        // first visit every approval counts, however early it was committed: the answer does
        // not depend on when railyard happened to run.
        since: state
            .status
            .history
            .iter()
            .filter(|h| h.from == phase.name)
            .map(|h| h.at)
            .max(),
        plan,
        attempt,
        retried,
        begun,
        board: std::cell::OnceCell::new(),
        timer: &state.timer,
    }
}

/// Takes transitions until none holds; true when the object moved.
fn step(repository: &Repository<'_>, state: &mut State<'_>) -> bool {
    let mut moved = false;
    for _ in 0..=state.flow.phases.len() {
        let Some(phase) = state.flow.phase(&state.status.phase) else {
            break;
        };
        let values = effective(&state.subject, &state.status);
        let Some((transition, verdict)) = first_open(repository, state, &values, phase) else {
            break;
        };
        let fields: BTreeMap<String, String> = transition
            .when
            .fields
            .iter()
            .map(|f| {
                (
                    f.clone(),
                    digest_json(&Value::Array(
                        field_values(&values, f).into_iter().cloned().collect(),
                    )),
                )
            })
            .collect();
        let reason = if verdict.held.is_empty() {
            "no conditions".to_string()
        } else {
            verdict.held.join("; ")
        };
        let from = state.status.phase.clone();
        state.status.history.push(HistoryEntry {
            from: from.clone(),
            to: transition.to.clone(),
            at: repository.now(),
            reason: reason.clone(),
            fields,
        });
        state.transitions.push(TransitionTaken {
            from,
            to: transition.to.clone(),
            reason,
        });
        for (field, value) in &transition.set {
            state.status.recorded.insert(field.clone(), value.clone());
        }
        state.status.phase = transition.to.clone();
        state.status.since = Some(repository.now());
        state.status.asked.clear();
        if let Some(next) = state.flow.phase(&transition.to) {
            enter(repository, state, next);
        }
        moved = true;
    }
    moved
}

/// The first transition out of `phase` whose guards hold, with their verdict.
fn first_open<'f>(
    repository: &Repository<'_>,
    state: &State<'_>,
    values: &Value,
    phase: &'f Phase,
) -> Option<(&'f crate::manifest::Transition, guards::Verdict)> {
    let context = ctx(repository, state, values, phase);
    phase.transitions.iter().find_map(|t| {
        let verdict = guards::evaluate(&context, &t.when);
        verdict.holds().then_some((t, verdict))
    })
}

/// Whether [`step`] would move the object (it changes nothing).
fn can_move(repository: &Repository<'_>, state: &State<'_>) -> bool {
    state.flow.phase(&state.status.phase).is_some_and(|phase| {
        let values = effective(&state.subject, &state.status);
        first_open(repository, state, &values, phase).is_some()
    })
}

/// Entering a phase: defaults, conditional defaults, a task-plan reset, notifications.
fn enter(repository: &Repository<'_>, state: &mut State<'_>, phase: &Phase) {
    approvals_needed(repository, state, phase);
    let Some(on_enter) = &phase.on_enter else {
        reset_tasks(repository, state, phase);
        return;
    };
    for (field, value) in &on_enter.set {
        if let Some(value) = resolve_value(repository, state, value) {
            state.status.defaults.insert(field.clone(), value);
        }
    }
    for conditional in &on_enter.set_if {
        let values = effective(&state.subject, &state.status);
        let verdict = guards::evaluate(&ctx(repository, state, &values, phase), &conditional.when);
        if verdict.holds() {
            for (field, value) in &conditional.set {
                if let Some(value) = resolve_value(repository, state, value) {
                    state.status.defaults.insert(field.clone(), value);
                }
            }
        }
    }
    reset_tasks(repository, state, phase);
    let values = effective(&state.subject, &state.status);
    let event = on_enter.event.as_deref().unwrap_or("phase-entered");
    for recipient in recipients(repository, &values, &on_enter.notify) {
        state.notifications.push(Notification {
            to: recipient,
            event: event.into(),
            phase: phase.name.clone(),
            task: None,
            gate: None,
        });
    }
}

/// `approval-needed`: on entering a phase, the team of the first approval each way out asks
/// for (approvals are asked in order), and the people its `or` fields name, hear that it is
/// wanted. The later ones are asked when the one before them is given (see [`ask_later`]).
fn approvals_needed(repository: &Repository<'_>, state: &mut State<'_>, phase: &Phase) {
    let values = effective(&state.subject, &state.status);
    let mut asked = Vec::new();
    for transition in &phase.transitions {
        let Some(first) = transition.when.approvals.first() else {
            continue;
        };
        for to in approvers(repository, &values, first) {
            let notification = Notification {
                to,
                event: "approval-needed".into(),
                phase: phase.name.clone(),
                task: None,
                gate: Some(first.gate.to_string()),
            };
            if !state.notifications.contains(&notification) && !asked.contains(&notification) {
                asked.push(notification);
            }
        }
    }
    drop(values);
    state.notifications.extend(asked);
}

/// Who may give an approval: the team of its role, then the people its `or` fields name.
fn approvers(
    repository: &Repository<'_>,
    values: &Value,
    approval: &crate::manifest::ApprovalGuard,
) -> Vec<String> {
    let mut out = vec![
        repository
            .catalog
            .settings
            .team_for_role(&approval.role)
            .to_string(),
    ];
    for (_, who) in guards::named_approvers(values, &approval.or) {
        if !out.contains(&who) {
            out.push(who);
        }
    }
    out
}

/// `approval-needed` for an approval that became the one a way out waits for because the
/// one before it in the guard was given (`executive` once `qa` is): once per phase visit,
/// remembered in `status.asked`.
fn ask_later(
    repository: &Repository<'_>,
    notifications: &mut Vec<Notification>,
    asked: &mut Vec<String>,
    phase: &Phase,
    values: &Value,
    asks: &[Option<usize>],
) {
    for (transition, index) in phase.transitions.iter().zip(asks) {
        let Some(approval) = index
            .filter(|&i| i > 0)
            .and_then(|i| transition.when.approvals.get(i))
        else {
            continue;
        };
        let gate = approval.gate.to_string();
        if asked.contains(&gate) {
            continue;
        }
        for to in approvers(repository, values, approval) {
            notifications.push(Notification {
                to,
                event: "approval-needed".into(),
                phase: phase.name.clone(),
                task: None,
                gate: Some(gate.clone()),
            });
        }
        asked.push(gate);
    }
}

/// `@author`: the member who committed the record, when git knows.
fn resolve_value(repository: &Repository<'_>, state: &State<'_>, value: &Value) -> Option<Value> {
    match value.as_str() {
        Some("@author") => repository
            .facts
            .added
            .get(&state.subject.document.path)
            .and_then(|c| repository.catalog.member_by_email(&c.author_email))
            .map(|m| Value::String(m.to_string())),
        _ => Some(value.clone()),
    }
}

/// Entering a phase with a task plan starts a new attempt of the plan when the phase resets
/// failed plans and its tasks failed (seed 004's approve-deployment), and on every visit
/// after the first: the reports of an earlier visit are for work done before the object went
/// back (a re-evaluation) and do not count again.
fn reset_tasks(repository: &Repository<'_>, state: &mut State<'_>, phase: &Phase) {
    let Some(plan) = phase.task_plan.as_deref() else {
        return;
    };
    let attempt = state.status.attempts.get(plan).copied().unwrap_or(1);
    let revisit = state.status.history.iter().any(|h| h.from == phase.name);
    let failed = phase.reset_failed_tasks
        && repository
            .task_board(
                &state.subject,
                Some(plan),
                crate::tasks::Attempt::first(attempt),
            )
            .is_some_and(|b| b.states.contains(&crate::tasks::TaskState::Failed));
    if revisit || failed {
        state.status.attempts.insert(plan.to_string(), attempt + 1);
    }
}

/// Who a `notify` list names: spec fields holding a member or team, or `role:<role>`.
fn recipients(repository: &Repository<'_>, values: &Value, notify: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    for entry in notify {
        let found: Vec<String> = match entry.strip_prefix("role:") {
            Some(role) => vec![repository.catalog.settings.team_for_role(role).to_string()],
            None => field_values(values, entry)
                .into_iter()
                .filter(|v| !is_empty(v))
                .map(repository::as_text)
                .collect(),
        };
        for recipient in found {
            if !out.contains(&recipient) {
                out.push(recipient);
            }
        }
    }
    out
}

#[cfg(test)]
mod memo_tests;
#[cfg(test)]
mod tests;
