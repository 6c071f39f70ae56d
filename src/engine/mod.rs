//! The phase engine: one generic machine that runs every kind's Workflow (SPEC §3).
//!
//! `reconcile` is a pure function of the catalog, the previous status, the clock and the facts
//! read from git. For each object it takes, in declaration order, the first transition whose
//! guards all hold, and repeats; objects look at each other's phases (a train waits for its
//! releases, a production turnover for its train), so rounds repeat over all objects until
//! none moves. Every transition that does not hold is explained, one sentence per missing
//! thing.

mod approving;
mod finish;
pub mod guards;
pub mod memo;
pub mod repository;
mod spec_fields;
mod spec_shape;
mod starts;
mod step;
mod verdict;

use spec_fields::{needed_fields, run_spec, spec_view};
use step::{Stepped, can_move, enter, reevaluate, step};

use std::collections::BTreeSet;
use std::sync::Arc;

use compact_str::CompactString;
use serde_json::Value;

use crate::catalog::Catalog;
use crate::diagnostics::{Diagnostic, Severity};
use crate::load::{Document, SpecView};
use crate::manifest::{Kind, WorkflowKind, WorkflowSpec};
use crate::status::{Condition, ObjectStatus};
use crate::tasks::TasksView;
use crate::trust::facts::Facts;

use repository::{PhaseKey, Repository, Subject, Timer, reading};

pub use crate::status::StatusMap;

/// A transition taken in this reconcile.
#[derive(Clone, Debug, PartialEq)]
pub struct TransitionTaken {
    pub from: CompactString,
    pub to: CompactString,
    pub reason: String,
}

/// Someone to tell about something. Its words are short (names, events, phases) and a
/// repository's plans hold hundreds of thousands of them: each is kept inline up to 24
/// bytes, without an allocation.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Notification {
    /// A member id or a team name.
    pub to: CompactString,
    /// `phase-entered`, `approval-needed`, `deadline-missed`, `task-waiting`, or a phase's own
    /// event.
    pub event: CompactString,
    pub phase: CompactString,
    /// The task a `task-waiting` notification is about.
    pub task: Option<CompactString>,
    /// The approval an `approval-needed` notification asks for.
    pub gate: Option<CompactString>,
}

/// A way out of the current phase with what holds and what does not (for `explain`).
#[derive(Clone, Debug, PartialEq)]
pub struct WayOut {
    pub to: String,
    pub held: Vec<String>,
    pub missing: Vec<String>,
}

/// An approval a way out of the phase waits for now, of a gate or of an exit criterion, and
/// who may give it: team names, or the members the workflow's `or` fields name.
#[derive(Clone, Debug, PartialEq)]
pub struct Ask {
    /// The gate, or with `criterion` the exit criterion's id (an Approval's `criterion`).
    pub gate: String,
    pub criterion: bool,
    pub approvers: Vec<String>,
}

/// Which plans keep their ways out of the phase ([`ObjectPlan::ways_out`]). Only `explain`
/// reads them, for one object; kept for every object they were 22 MiB of a 100,000-manifest
/// dry-run's peak (the text of each guard that holds or not, on every way out).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WaysOut<'a> {
    /// No plan keeps them (a reconcile, `status`, a watcher's rounds).
    Dropped,
    /// The plan of the object of this kind and name (`explain`).
    Of(&'a str, &'a str),
    /// Every plan.
    Every,
}

impl WaysOut<'_> {
    /// Whether the plan of `kind`/`name` keeps its ways out.
    pub fn kept(self, kind: Kind, name: &str) -> bool {
        match self {
            WaysOut::Dropped => false,
            WaysOut::Of(of_kind, of_name) => kind.as_str() == of_kind && name == of_name,
            WaysOut::Every => true,
        }
    }
}

/// What the reconcile decided for one object.
#[derive(Clone, Debug, PartialEq)]
pub struct ObjectPlan {
    /// Every way out of the phase, in declaration order, when the reconcile was asked to keep
    /// this plan's ([`WaysOut`]); otherwise empty.
    pub ways_out: Vec<WayOut>,
    /// The approvals the ways out wait for now (the next one of each guard's list).
    pub asks: Vec<Ask>,
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
#[derive(Clone)]
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
#[allow(clippy::too_many_arguments)]
pub fn reconcile(
    catalog: &Catalog<'_>,
    keys: &crate::trust::Keyring,
    diagnostics: &[Diagnostic],
    previous: &StatusMap,
    facts: &Facts,
    now: jiff::Timestamp,
    memo: Option<&mut memo::PlanMemo>,
    ways_out: WaysOut<'_>,
) -> Vec<Arc<ObjectPlan>> {
    let settle = |repository: &mut Repository<'_>, states: &mut [State<'_>]| {
        settle(repository, states, TOGETHER)
    };
    reconcile_with(
        catalog,
        keys,
        diagnostics,
        previous,
        facts,
        now,
        memo,
        ways_out,
        &settle,
    )
}

/// How a reconcile settles the objects (tests hold other ways up against [`settle`]).
type Settle<'f> = &'f dyn Fn(&mut Repository<'_>, &mut [State<'_>]);

#[allow(clippy::too_many_arguments)]
fn reconcile_with(
    catalog: &Catalog<'_>,
    keys: &crate::trust::Keyring,
    diagnostics: &[Diagnostic],
    previous: &StatusMap,
    facts: &Facts,
    now: jiff::Timestamp,
    memo: Option<&mut memo::PlanMemo>,
    ways_out: WaysOut<'_>,
    settle: Settle<'_>,
) -> Vec<Arc<ObjectPlan>> {
    let laps = Laps(std::time::Instant::now());
    let mut repository = Repository::new(catalog, keys, facts, now);
    repository.runs = previous
        .iter()
        .filter(|(_, status)| !status.runs.is_empty())
        .map(|((kind, name), status)| (format!("{kind}/{name}"), status.runs.clone()))
        .collect();
    repository.deployed_at = previous
        .iter()
        .filter(|((kind, _), _)| *kind == Kind::Turnover)
        .filter_map(|((_, name), status)| {
            let entered = status.history.iter().rev().find(|h| h.to == "deployed")?;
            Some((name.clone(), entered.at))
        })
        .collect();
    laps.lap("built the repository");
    let invalid = invalid_objects(catalog, diagnostics, &repository);
    laps.lap("found the invalid objects");
    let reuse = memo
        .as_deref()
        .map(|memo| memo.round(catalog, &invalid, previous, facts, now));
    laps.lap("compared the inputs with the last round");
    let reused = |kind: Kind, name: &str| reuse.as_ref().is_some_and(|r| r.reused(kind, name));
    let (plans, subjects) = subjects(&repository, &invalid, previous, &reused);
    laps.lap("found the objects");
    // A memo's next round reads the documents' views again; a one-shot run lets each go
    // with its object's plan.
    let mut states = start(&mut repository, subjects, memo.is_some(), &laps);
    laps.lap("started the objects");
    settle(&mut repository, &mut states);
    laps.lap("settled");
    // Each object's plan (its task board, next steps, conditions) reads the settled
    // repository and nothing else: made in parallel.
    // Shared: a watcher's memo keeps them for the next round, and what changes a plan later
    // (an outbox entry) copies it first. Each is made shared where it is made: a hundred
    // thousand plans are not held twice.
    let finished = finish_all(&repository, states, previous, ways_out);
    let mut timers = foldhash::HashMap::default();
    let mut plans: Vec<Arc<ObjectPlan>> = {
        let mut all = Vec::with_capacity(plans.len() + finished.len());
        all.extend(plans.into_iter().map(Arc::new));
        all
    };
    for (plan, timer) in finished {
        if let Some(timer) = timer {
            timers.insert((plan.kind, plan.name.clone()), timer);
        }
        plans.push(plan);
    }
    if let (Some(memo), Some(reuse)) = (memo, reuse) {
        memo.record(reuse, &mut plans, &timers);
        tracing::debug!(
            reused = memo.reused,
            ran = memo.ran,
            "engine: plans taken from the last round"
        );
    }
    plans.sort_by(|a, b| (a.kind, &a.name).cmp(&(b.kind, &b.name)));
    laps.lap("made the plans");
    plans
}

/// The time since the reconcile began, at each step (`-vv`).
struct Laps(std::time::Instant);

impl Laps {
    fn lap(&self, what: &str) {
        tracing::debug!(
            elapsed_ms = self.0.elapsed().as_millis() as u64,
            "engine: {what}"
        );
    }
}

/// An object to run: its kind, workflow, name, document, previous status and the fields its
/// workflow reads.
type ToRun<'a> = (
    WorkflowKind,
    &'a WorkflowSpec,
    &'a str,
    &'a Document,
    Option<&'a ObjectStatus>,
    Arc<[String]>,
);

/// The objects to run, in kind order, and the plans of those that are invalid (they are not
/// run). Objects whose plan the memo keeps (`reused`) are neither.
fn subjects<'a>(
    repository: &Repository<'a>,
    invalid: &BTreeSet<(Kind, String)>,
    previous: &'a StatusMap,
    reused: &dyn Fn(Kind, &str) -> bool,
) -> (Vec<ObjectPlan>, Vec<ToRun<'a>>) {
    let catalog = repository.catalog;
    let mut plans = Vec::new();
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
        // Found in one walk of the names (sorted) beside the map, not by a lookup (and a
        // copy of the name for it) each.
        let keys: Vec<(Kind, &str)> = catalog
            .names(object_kind)
            .into_iter()
            .map(|name| (object_kind, name))
            .collect();
        let befores = memo::previous_of(&keys, previous);
        for (&(_, name), before) in keys.iter().zip(befores) {
            let Some(document) = catalog.document(object_kind, name) else {
                continue;
            };
            if reused(object_kind, name) {
                continue;
            }
            let before = before.map(Arc::as_ref);
            let is_invalid =
                !invalid.is_empty() && invalid.contains(&(object_kind, name.to_string()));
            if is_invalid || document.object.is_none() {
                let now = repository.now();
                plans.push(invalid_plan(object_kind, name, &document.path, before, now));
                continue;
            }
            subjects.push((kind, flow, name, document, before, fields.clone()));
        }
    }
    (plans, subjects)
}

/// Each state's plan (and the timer its guards wait for), in the states' order, made on
/// every core. The states go as their plans come: taken from the end a few thousand at a
/// time, the list giving back its room once it is half empty, so that a hundred thousand
/// states (some 600 bytes each) are not held beside all of their plans.
fn finish_all(
    repository: &Repository<'_>,
    mut states: Vec<State<'_>>,
    previous: &StatusMap,
    ways_out: WaysOut<'_>,
) -> Vec<(Arc<ObjectPlan>, Option<jiff::Timestamp>)> {
    use rayon::prelude::*;
    const AT_A_TIME: usize = 4096;
    let mut batches = Vec::with_capacity(states.len().div_ceil(AT_A_TIME));
    while !states.is_empty() {
        let from = states.len().saturating_sub(AT_A_TIME);
        let batch: Vec<(Arc<ObjectPlan>, Option<jiff::Timestamp>)> = states
            .par_drain(from..)
            .map(|state| {
                let (plan, timer) = finish::finish(repository, state, previous, ways_out);
                (Arc::new(plan), timer)
            })
            .collect();
        batches.push(batch);
        if states.len() < states.capacity() / 2 {
            states.shrink_to_fit();
        }
    }
    batches.into_iter().rev().flatten().collect()
}

/// Each object's starting state, its phase recorded in the repository. One whose previous
/// status is known resumes from it, on its own (in parallel); a new one enters its
/// workflow's first phase, which may read the phases of the objects before it: in order,
/// one at a time, as they are recorded. `keep_views`: each document keeps the view of its
/// spec made here ([`spec_view`]).
fn start<'a>(
    repository: &mut Repository<'a>,
    subjects: Vec<ToRun<'a>>,
    keep_views: bool,
    laps: &Laps,
) -> Vec<State<'a>> {
    use rayon::prelude::*;
    let catalog = repository.catalog;
    let now = repository.now();
    // Serializing and digesting each spec is most of a start's work and needs nothing but
    // the document: done in parallel, once per parsed document.
    let views: Vec<std::borrow::Cow<'_, SpecView>> = subjects
        .par_iter()
        .map(|(_, _, _, document, _, fields)| spec_view(document, fields, keep_views))
        .collect();
    laps.lap("digested the specs");
    let starts: Vec<(Started<'_>, String)> = subjects
        .into_par_iter()
        .zip(views)
        .map(|((kind, flow, name, document, before, _), view)| {
            let (pruned, digest) = match view {
                std::borrow::Cow::Borrowed(view) => {
                    (std::borrow::Cow::Borrowed(&view.spec), view.digest.clone())
                }
                std::borrow::Cow::Owned(view) => (std::borrow::Cow::Owned(view.spec), view.digest),
            };
            let subject = Subject {
                kind,
                name,
                document,
                spec: run_spec(catalog, kind, name, pruned),
            };
            let started = match before.filter(|b| flow.phase(&b.phase).is_some()) {
                Some(known) => Started::Resumed(Box::new(resume(subject, flow, known, now))),
                None => Started::New(subject, flow),
            };
            (started, digest)
        })
        .collect();
    let mut states: Vec<State<'_>> = Vec::with_capacity(starts.len());
    // The phases are recorded together (the map built in one pass, not a hundred thousand
    // inserts), and before each new object begins: it reads those of the objects before it.
    let mut recorded: Vec<(PhaseKey, String)> = Vec::with_capacity(starts.len());
    for (start, digest) in starts {
        let mut state = match start {
            Started::Resumed(state) => *state,
            Started::New(subject, flow) => {
                repository.set_phases(std::mem::take(&mut recorded));
                begin(repository, subject, flow)
            }
        };
        state.status.spec_digest = digest;
        recorded.push((state.key(), state.status.phase.clone()));
        states.push(state);
    }
    repository.set_phases(recorded);
    states
}

/// Rounds until no object moves; each round can only move objects forward through a finite
/// workflow, so this ends (the bound is a guard against a workflow that cycles).
///
/// The answer is that of stepping every object, in order, round after round, each seeing
/// the phases as the objects before it left them — but an object's step depends only on
/// the object and on the phases it reads ([`reading`]), so only the objects that may step
/// differently are stepped again: those never stepped, those cut short, and those that read
/// a phase written since. Those are stepped on every core at once, a few thousand at a time,
/// each on a copy and on the phases as the group found them; in order, a step that read a
/// phase an earlier object of its group wrote is thrown away and taken again on the spot.
fn settle(repository: &mut Repository<'_>, states: &mut [State<'_>], together: usize) {
    use rayon::prelude::*;
    let bound: usize = states.iter().map(|s| s.flow.phases.len()).sum::<usize>() + 2;
    // When no object can move (a reconcile with nothing new) the rounds would only find
    // that out one object at a time: it is found out on every core first.
    let settled = {
        let repository = &*repository;
        !states.par_iter().any(|state| can_move(repository, state))
    };
    if settled {
        return;
    }
    // Each object's last step: how many phases had been written before it, what it read,
    // and whether the workflow's bound cut it short.
    let mut last: Vec<Option<LastStep>> = vec![None; states.len()];
    // The number of phases written so far, and the count at each object's latest write.
    let mut writes = 0u64;
    let mut written: foldhash::HashMap<PhaseKey, u64> = foldhash::HashMap::default();
    for round in 0..bound {
        let stale: Vec<usize> = (0..states.len())
            .filter(|&i| match &last[i] {
                None => true,
                Some(step) => {
                    step.cut
                        || step
                            .read
                            .iter()
                            .any(|key| written.get(key).is_some_and(|&w| w > step.writes))
                }
            })
            .collect();
        if stale.is_empty() {
            break;
        }
        let (mut moved, mut again) = (0usize, 0usize);
        for group in stale.chunks(together.max(1)) {
            let before = writes;
            let tried: Vec<(State<'_>, Stepped, Vec<PhaseKey>)> = {
                let (repository, states) = (&*repository, &*states);
                group
                    .par_iter()
                    .map(|&i| {
                        let mut state = states[i].clone();
                        let (stepped, read) = reading(|| step(repository, &mut state));
                        (state, stepped, read)
                    })
                    .collect()
            };
            for (&i, (state, stepped, read)) in group.iter().zip(tried) {
                let overtaken = read
                    .iter()
                    .any(|key| written.get(key).is_some_and(|&w| w > before));
                let (stepped, read) = if overtaken {
                    again += 1;
                    reading(|| step(repository, &mut states[i]))
                } else {
                    states[i] = state;
                    (stepped, read)
                };
                last[i] = Some(LastStep {
                    writes,
                    read,
                    cut: stepped == Stepped::Cut,
                });
                if stepped != Stepped::Stayed {
                    moved += 1;
                    writes += 1;
                    let key = states[i].key();
                    written.insert(key.clone(), writes);
                    repository.set_phase(key, states[i].status.phase.clone());
                }
            }
        }
        tracing::debug!(
            round,
            stepped = stale.len(),
            again,
            moved,
            "engine: a round over the objects that may move"
        );
    }
}

/// The plain form of [`settle`], which it must answer like: every object stepped, in
/// order, round after round, until a round moves none.
#[cfg(test)]
fn settle_in_order(repository: &mut Repository<'_>, states: &mut [State<'_>]) {
    let bound: usize = states.iter().map(|s| s.flow.phases.len()).sum::<usize>() + 2;
    for _ in 0..bound {
        let mut moved = false;
        for state in states.iter_mut() {
            if step(repository, state) != Stepped::Stayed {
                moved = true;
                repository.set_phase(state.key(), state.status.phase.clone());
            }
        }
        if !moved {
            break;
        }
    }
}

/// How many objects are stepped at once on the same phases (see [`settle`]): enough to
/// keep every core busy, few enough that the copies stay small.
const TOGETHER: usize = 2048;

/// An object's last step in a settle.
#[derive(Clone)]
struct LastStep {
    /// How many phases had been written before it.
    writes: u64,
    /// The objects whose phase it read.
    read: Vec<PhaseKey>,
    /// The workflow's bound stopped it while a transition may still hold.
    cut: bool,
}

impl State<'_> {
    fn key(&self) -> PhaseKey {
        (self.subject.kind, self.subject.name.to_string())
    }
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
        let span = document.span;
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
                    spec: std::borrow::Cow::Owned(Value::Null),
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
        asks: Vec::new(),
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

#[cfg(test)]
mod memo_tests;
#[cfg(test)]
mod tests;
