//! What the guards look at: spec fields, related objects and their phases, approvals and
//! task reports that can be trusted, environments and their freezes. Lookups only: no kind
//! has a state machine here.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::approvals::{ApprovalOf, Approvals, Tally};
use crate::catalog::{Catalog, Item};
use crate::load::Document;
use crate::manifest::{
    ApplicationReleaseSpec, EnvironmentSpec, Kind, ReleaseTrainSpec, Task, TaskReportSpec, Tier,
    TurnoverSpec, WorkflowKind, WorkflowSpec,
};
use crate::tasks::TaskRun;
use crate::tasks::{Attempt, TaskBoard};
use crate::trust::Provenance;
use crate::trust::facts::Facts;
use crate::workflow;

/// The earliest instant ahead of the clock that an object's guards compared the clock with:
/// what the engine decided for the object cannot change before then without a change to its
/// inputs (an incremental reconcile runs it again from then on). Shared by the threads that
/// look at the object, hence atomic; nanoseconds, `i64::MAX` for "never" (an instant past the
/// year 2262 counts as never).
#[derive(Debug)]
pub struct Timer(std::sync::atomic::AtomicI64);

impl Default for Timer {
    fn default() -> Timer {
        Timer(std::sync::atomic::AtomicI64::new(i64::MAX))
    }
}

impl Clone for Timer {
    fn clone(&self) -> Timer {
        Timer(std::sync::atomic::AtomicI64::new(
            self.0.load(std::sync::atomic::Ordering::Relaxed),
        ))
    }
}

impl Timer {
    /// Notes that an answer depends on whether the clock (`now`) has reached `at`.
    pub fn note(&self, now: jiff::Timestamp, at: jiff::Timestamp) {
        if at > now {
            let nanos = i64::try_from(at.as_nanosecond()).unwrap_or(i64::MAX);
            self.0
                .fetch_min(nanos, std::sync::atomic::Ordering::Relaxed);
        }
    }

    /// The earliest instant noted, if any.
    pub fn get(&self) -> Option<jiff::Timestamp> {
        match self.0.load(std::sync::atomic::Ordering::Relaxed) {
            i64::MAX => None,
            nanos => Some(
                jiff::Timestamp::from_nanosecond(i128::from(nanos)).unwrap_or(jiff::Timestamp::MIN),
            ),
        }
    }
}

/// An object as the engine keys its phase.
pub type PhaseKey = (WorkflowKind, String);

thread_local! {
    /// The phases read on this thread while [`reading`] records them.
    static READ: std::cell::RefCell<Option<Vec<PhaseKey>>> =
        const { std::cell::RefCell::new(None) };
}

/// Runs `f` and returns, with its result, the objects whose phase it read on this thread
/// (through [`Repository::phase_of`]): what its answer depends on among the things a settle
/// changes. Nests: an outer recording goes on after an inner one ends.
pub fn reading<T>(f: impl FnOnce() -> T) -> (T, Vec<PhaseKey>) {
    /// Puts the outer recording back, even when `f` unwinds.
    struct Restore(Option<Option<Vec<PhaseKey>>>);
    impl Drop for Restore {
        fn drop(&mut self) {
            if let Some(outer) = self.0.take() {
                READ.set(outer);
            }
        }
    }
    let mut restore = Restore(Some(READ.replace(Some(Vec::new()))));
    let out = f();
    let outer = restore.0.take().unwrap_or_default();
    let read = READ.replace(outer).unwrap_or_default();
    (out, read)
}

/// An object the engine drives.
#[derive(Clone, Debug)]
pub struct Subject<'a> {
    pub kind: WorkflowKind,
    pub name: &'a str,
    pub document: &'a Document,
    /// The spec as JSON, for field guards: only the fields the workflow reads (a list of
    /// objects keeps its length and the item fields the workflow names). Borrowed from the
    /// document's [`crate::load::SpecView`] unless the engine had to change it.
    pub spec: std::borrow::Cow<'a, Value>,
}

impl Subject<'_> {
    pub fn object_kind(&self) -> Kind {
        self.kind.as_str().parse().unwrap_or(Kind::Release)
    }

    /// `Kind/name`, as approvals and reports name their subject.
    pub fn reference(&self) -> String {
        format!("{}/{}", self.kind.as_str(), self.name)
    }
}

/// The repository as the engine sees it, with every object's current phase.
pub struct Repository<'a> {
    pub catalog: &'a Catalog<'a>,
    /// The keys that sign members' commits and railyard's own (`trust.signatures`).
    pub keys: &'a crate::trust::Keyring,
    pub facts: &'a Facts,
    /// The clock. Read it through [`Repository::now`] to stamp what happens now; a guard that
    /// compares it with an instant goes through [`Repository::passed`] (or notes the instant in
    /// its [`Timer`]), so an incremental reconcile knows when the answer can change.
    now: jiff::Timestamp,
    pub workflows: BTreeMap<WorkflowKind, &'a WorkflowSpec>,
    /// (kind, name) → the phase the object is in right now. Read through
    /// [`Repository::phase_of`], which tells [`reading`] what was read.
    phases: BTreeMap<PhaseKey, String>,
    approvals: Approvals<'a>,
    reports: crate::catalog::BySubject<'a, TaskReportSpec>,
    /// The runs `reconcile --execute` recorded, by subject (`Kind/name`) and task id.
    pub runs: BTreeMap<String, BTreeMap<String, TaskRun>>,
    /// Each environment's freezes and windows at the clock, worked out on first use (every
    /// turnover on an environment asks the same question).
    openings: std::sync::OnceLock<BTreeMap<String, crate::time::openings::AtInstant>>,
    /// When each turnover last entered `deployed`, by name, from its previous status (for
    /// the soak a promotion waits for).
    pub deployed_at: BTreeMap<String, jiff::Timestamp>,
    /// The halts in force at the clock, and why each Halt record that does not count does
    /// not, worked out on first use.
    halts: std::sync::OnceLock<(Vec<crate::halts::Halt>, Vec<String>)>,
}

/// The value of a field: absent, or every value found along the path (a path through a list
/// reads every item's field).
pub fn field_values<'v>(spec: &'v Value, path: &str) -> Vec<&'v Value> {
    let mut current: Vec<&Value> = vec![spec];
    for step in path.split('.') {
        let mut next = Vec::new();
        for value in current {
            match value {
                Value::Object(map) => next.extend(map.get(step)),
                Value::Array(items) => next.extend(items.iter().filter_map(|item| item.get(step))),
                _ => {}
            }
        }
        // A list at the end of a step is flattened into its items on the next step only.
        current = next;
    }
    current
}

/// True for a value a person has not really set: null, "", [] or {}.
pub fn is_empty(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::String(s) => s.trim().is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
        _ => false,
    }
}

/// A scalar as the text `values` guards compare with.
pub fn as_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// The counted outcome per task (with when it was committed), and why the latest report
/// that did not count was refused.
type Reported = (crate::tasks::Counted, BTreeMap<String, String>);

impl<'a> Repository<'a> {
    pub fn new(
        catalog: &'a Catalog<'a>,
        keys: &'a crate::trust::Keyring,
        facts: &'a Facts,
        now: jiff::Timestamp,
    ) -> Repository<'a> {
        let mut workflows = BTreeMap::new();
        for &kind in WorkflowKind::ALL {
            if let Some(source) = workflow::effective(catalog, kind) {
                workflows.insert(kind, source.spec);
            }
        }
        let approvals = Approvals::index(catalog);
        let reports = catalog.by_subject::<TaskReportSpec>(|r| &r.subject);
        Repository {
            catalog,
            keys,
            facts,
            now,
            workflows,
            phases: BTreeMap::new(),
            approvals,
            reports,
            runs: BTreeMap::new(),
            openings: std::sync::OnceLock::new(),
            deployed_at: BTreeMap::new(),
            halts: std::sync::OnceLock::new(),
        }
    }

    /// The halts in force at the clock, and why each Halt record that does not count does
    /// not.
    pub fn halts(&self) -> &(Vec<crate::halts::Halt>, Vec<String>) {
        self.halts.get_or_init(|| {
            let provenance = Provenance {
                catalog: self.catalog,
                facts: self.facts,
                keys: self.keys,
            };
            crate::halts::in_force(&provenance, self.now)
        })
    }

    /// Environment `name`'s freezes and windows at the clock: whether a deployment may start
    /// now (for a normal and an emergency train), when it may, and when that changes.
    pub fn openings(&self, name: &str) -> Option<&crate::time::openings::AtInstant> {
        self.openings
            .get_or_init(|| {
                self.catalog
                    .all::<EnvironmentSpec>()
                    .filter_map(|e| {
                        let openings = crate::time::openings::Openings::of(
                            self.catalog.settings.timezone.as_deref(),
                            &e.manifest.spec,
                        );
                        (!openings.is_empty())
                            .then(|| (e.name().to_string(), openings.at(self.now)))
                    })
                    .collect()
            })
            .get(name)
    }

    /// The clock, for stamping transitions and conditions (not for comparing: see
    /// [`Repository::passed`]).
    pub fn now(&self) -> jiff::Timestamp {
        self.now
    }

    /// True when the clock has reached `at`. An instant still ahead is noted in `timer`:
    /// the answer changes when the clock gets there.
    pub fn passed(&self, at: jiff::Timestamp, timer: &Timer) -> bool {
        timer.note(self.now, at);
        self.now >= at
    }

    /// The phase object `name` of `kind` is in right now (none when it is not run: invalid).
    pub fn phase_of(&self, kind: WorkflowKind, name: &str) -> Option<&str> {
        let key = (kind, name.to_string());
        let phase = self.phases.get(&key).map(String::as_str);
        READ.with_borrow_mut(|read| {
            if let Some(read) = read {
                read.push(key);
            }
        });
        phase
    }

    /// Records the phase an object is in now.
    pub fn set_phase(&mut self, key: PhaseKey, phase: String) {
        self.phases.insert(key, phase);
    }

    /// [`Repository::set_phase`] of each, in order (a later one of the same object wins);
    /// into an empty map, as at the start of a reconcile, the map is built in one pass.
    pub fn set_phases(&mut self, phases: Vec<(PhaseKey, String)>) {
        if self.phases.is_empty() {
            self.phases = phases.into_iter().collect();
        } else {
            self.phases.extend(phases);
        }
    }

    /// True when `phase` of `kind`'s workflow is `target` or comes after it (reachable from
    /// it), and is not a withdrawn phase.
    pub fn reached(&self, kind: WorkflowKind, phase: &str, target: &str) -> bool {
        let Some(flow) = self.workflows.get(&kind) else {
            return false;
        };
        if flow.phase(phase).is_some_and(|p| p.withdrawn) {
            return false;
        }
        let mut seen = vec![target];
        let mut stack = vec![target];
        while let Some(current) = stack.pop() {
            if current == phase {
                return true;
            }
            for transition in flow
                .phase(current)
                .map(|p| p.transitions.as_slice())
                .unwrap_or_default()
            {
                if !seen.contains(&transition.to.as_str()) {
                    seen.push(&transition.to);
                    stack.push(&transition.to);
                }
            }
        }
        false
    }

    /// True when the object is in a withdrawn phase (abandoned, returned).
    pub fn withdrawn(&self, kind: WorkflowKind, name: &str) -> bool {
        let phase = self.phase_of(kind, name).unwrap_or_default();
        self.workflows
            .get(&kind)
            .and_then(|f| f.phase(phase))
            .is_some_and(|p| p.withdrawn)
    }

    /// The train an application release or a turnover belongs to.
    pub fn parent(&self, subject: &Subject<'_>) -> Option<String> {
        match subject.kind {
            WorkflowKind::ApplicationRelease => self
                .catalog
                .get::<ApplicationReleaseSpec>(subject.name)?
                .manifest
                .spec
                .train
                .as_ref()
                .map(|t| t.to_string()),
            WorkflowKind::Turnover => {
                let turnover = self.catalog.get::<TurnoverSpec>(subject.name)?;
                let spec = &turnover.manifest.spec;
                if let Some(train) = &spec.train {
                    return Some(train.to_string());
                }
                // Releases of one train: that train.
                let trains: Vec<String> = spec
                    .releases
                    .iter()
                    .flatten()
                    .filter_map(|r| self.catalog.get::<ApplicationReleaseSpec>(r.as_str()))
                    .filter_map(|r| r.manifest.spec.train.as_ref().map(|t| t.to_string()))
                    .collect();
                trains
                    .first()
                    .filter(|first| trains.iter().all(|t| t == *first))
                    .cloned()
            }
            _ => None,
        }
    }

    /// The environment of a turnover.
    pub fn environment(&self, subject: &Subject<'_>) -> Option<Item<'a, EnvironmentSpec>> {
        let turnover = self
            .catalog
            .get::<TurnoverSpec>(subject.name)
            .filter(|_| subject.kind == WorkflowKind::Turnover)?;
        self.catalog
            .get::<EnvironmentSpec>(turnover.manifest.spec.environment.as_str())
    }

    pub fn tier(&self, subject: &Subject<'_>) -> Option<Tier> {
        self.environment(subject).map(|e| e.manifest.spec.tier)
    }

    /// The objects of `kind` that belong with the subject: a train's application releases and
    /// turnovers, an application release's turnovers, the turnover a turnover is promoted
    /// from.
    pub fn related(&self, subject: &Subject<'_>, kind: WorkflowKind) -> Vec<String> {
        let catalog = self.catalog;
        match (subject.kind, kind) {
            (WorkflowKind::ReleaseTrain, WorkflowKind::ApplicationRelease) => catalog
                .releases_of_train(subject.name)
                .into_iter()
                .map(str::to_string)
                .collect(),
            (WorkflowKind::ReleaseTrain, WorkflowKind::Turnover) => catalog
                .all::<TurnoverSpec>()
                .filter(|t| {
                    let probe = Subject {
                        kind: WorkflowKind::Turnover,
                        name: t.name(),
                        document: t.document,
                        spec: std::borrow::Cow::Owned(Value::Null),
                    };
                    self.parent(&probe).as_deref() == Some(subject.name)
                })
                .map(|t| t.name().to_string())
                .collect(),
            // A promoted turnover's source (none when it is not promoted).
            (WorkflowKind::Turnover, WorkflowKind::Turnover) => catalog
                .get::<TurnoverSpec>(subject.name)
                .and_then(|t| {
                    t.manifest
                        .spec
                        .promoted_from
                        .as_ref()
                        .map(|p| p.to_string())
                })
                .into_iter()
                .collect(),
            (WorkflowKind::ApplicationRelease, WorkflowKind::Turnover) => {
                let train = catalog
                    .get::<ApplicationReleaseSpec>(subject.name)
                    .and_then(|r| r.manifest.spec.train.clone());
                catalog
                    .all::<TurnoverSpec>()
                    .filter(|t| {
                        let spec = &t.manifest.spec;
                        spec.releases
                            .iter()
                            .flatten()
                            .any(|r| r.as_str() == subject.name)
                            || (spec.train.is_some() && spec.train == train)
                    })
                    .map(|t| t.name().to_string())
                    .collect()
            }
            _ => Vec::new(),
        }
    }

    /// The tier of a turnover, by name.
    pub fn turnover_tier(&self, name: &str) -> Option<Tier> {
        let turnover = self.catalog.get::<TurnoverSpec>(name)?;
        Some(
            self.catalog
                .get::<EnvironmentSpec>(turnover.manifest.spec.environment.as_str())?
                .manifest
                .spec
                .tier,
        )
    }

    /// Counts the approvals `of` a gate or criterion on the subject (see
    /// [`Approvals::tally`]).
    pub fn tally(
        &self,
        subject: &Subject<'_>,
        of: ApprovalOf<'_>,
        team: &str,
        also: &[(String, String)],
        since: Option<jiff::Timestamp>,
    ) -> Tally {
        let of_subject = crate::approvals::Of {
            kind: subject.kind,
            name: subject.name,
            path: &subject.document.path,
        };
        self.approvals
            .tally(&self.provenance(), of_subject, of, team, also, since)
    }

    fn provenance(&self) -> Provenance<'a> {
        Provenance {
            catalog: self.catalog,
            facts: self.facts,
            keys: self.keys,
        }
    }

    /// The tasks of the subject's current phase, with their states for `attempt`: a turnover's
    /// tasks, or the ReleaseModel plan of a Release phase.
    ///
    /// A report counts only for its attempt, when it was not committed before the attempt
    /// began, and once its task is ready (every dependency succeeded or was skipped): a task
    /// that was never ready in an attempt did not succeed in it.
    pub fn task_board(
        &self,
        subject: &Subject<'_>,
        plan: Option<&str>,
        attempt: Attempt<'_>,
    ) -> Option<TaskBoard<'a>> {
        let tasks = self.tasks(subject, plan)?;
        let layout = crate::tasks::layout(&tasks);
        let (reported, mut refused) = self.reported_outcomes(subject, &tasks, attempt.number);
        let runs = self.runs.get(&subject.reference());
        let (states, early) = crate::tasks::states(&tasks, &layout, attempt, &reported, runs, plan);
        let refused = tasks
            .iter()
            .zip(&states)
            .map(|(task, state)| refused.remove(task.id.as_str()).filter(|_| !state.done()))
            .collect();
        let crate::tasks::Layout {
            order,
            waves,
            critical_path,
            dependencies,
        } = layout;
        Some(TaskBoard {
            critical_path,
            dependencies,
            tasks,
            order,
            waves,
            states,
            early,
            refused,
        })
    }

    /// The task list of the subject's phase: a turnover's tasks (`tasksFrom` included), or
    /// a Release's ReleaseModel plan.
    fn tasks(&self, subject: &Subject<'_>, plan: Option<&str>) -> Option<Vec<&'a Task>> {
        crate::tasks::phase_tasks(self.catalog, subject.object_kind(), subject.name, plan)
    }

    /// What a turnover retried with `rerun: failed` carries into `attempt`: the tasks its
    /// earlier attempts left done, each with the attempt it succeeded in (they are skipped);
    /// `None` for a first attempt, `rerun: all` and other kinds. `recorded` is what status
    /// kept when a later attempt was asked for; from there (or from attempt 1 when nothing
    /// was kept) each attempt's board is worked out from its own reports and runs. Only the
    /// attempts that have a report or a run can change the answer, so a `retry.attempt` of
    /// a million costs no more than one of 2.
    ///
    /// The record says since when the attempt is asked for (the reconcile that first saw it,
    /// for an object railyard knew before: `seen`; unknown for one met already retried): a
    /// report for it committed before then predates it and does not count.
    pub fn succeeded_before(
        &self,
        subject: &Subject<'_>,
        attempt: u32,
        recorded: Option<&crate::status::Retried>,
        seen: bool,
    ) -> Option<crate::status::Retried> {
        let rerun_failed = subject.kind == WorkflowKind::Turnover
            && self
                .catalog
                .get::<TurnoverSpec>(subject.name)
                .and_then(|t| t.manifest.spec.retry.clone())
                .is_none_or(|r| r.rerun == crate::manifest::Rerun::Failed);
        if !rerun_failed || attempt <= 1 {
            return None;
        }
        let (succeeded, since) = match recorded {
            Some(r) if r.attempt == attempt => return Some(r.clone()),
            Some(r) if r.attempt < attempt => (
                self.carry(subject, r.attempt, attempt, r.succeeded.clone()),
                Some(self.now),
            ),
            _ => (
                self.carry(subject, 1, attempt, BTreeMap::new()),
                seen.then_some(self.now),
            ),
        };
        Some(crate::status::Retried {
            attempt,
            since,
            succeeded,
        })
    }

    /// [`Repository::succeeded_before`] from attempt `from`, which starts with `carried` done, up
    /// to `attempt`.
    fn carry(
        &self,
        subject: &Subject<'_>,
        from: u32,
        attempt: u32,
        mut carried: BTreeMap<String, u32>,
    ) -> BTreeMap<String, u32> {
        let Some(tasks) = self.tasks(subject, None) else {
            return carried;
        };
        // The attempts in [from, attempt) that anything was recorded for, in order.
        let mut recorded_attempts: Vec<u32> = self
            .reports
            .get(&(subject.kind.as_str(), subject.name))
            .into_iter()
            .flatten()
            .map(|r| r.manifest.spec.attempt)
            .chain(
                self.runs
                    .get(&subject.reference())
                    .into_iter()
                    .flat_map(|runs| runs.values().map(|r| r.attempt)),
            )
            .filter(|a| (from..attempt).contains(a))
            .collect();
        recorded_attempts.sort_unstable();
        recorded_attempts.dedup();
        if recorded_attempts.is_empty() {
            return carried;
        }
        let layout = crate::tasks::layout(&tasks);
        let runs = self.runs.get(&subject.reference());
        for earlier in recorded_attempts {
            let at = Attempt {
                number: earlier,
                begun: None,
                carried: &carried,
            };
            let (reported, _) = self.reported_outcomes(subject, &tasks, earlier);
            let (states, _) = crate::tasks::states(&tasks, &layout, at, &reported, runs, None);
            carried = tasks
                .iter()
                .zip(&states)
                .filter(|(_, state)| state.done())
                .map(|(task, _)| {
                    let id = task.id.to_string();
                    let when = carried.get(&id).copied().unwrap_or(earlier);
                    (id, when)
                })
                .collect();
        }
        carried
    }

    /// The latest trusted report per task for `attempt`, with when it was committed (when
    /// git says): only from the task's owner (the member, or a member of the owning team).
    fn reported_outcomes(&self, subject: &Subject<'_>, tasks: &[&Task], attempt: u32) -> Reported {
        let mut outcomes = BTreeMap::new();
        let mut refused = BTreeMap::new();
        let Some(reports) = self.reports.get(&(subject.kind.as_str(), subject.name)) else {
            return (outcomes, refused);
        };
        let mut ordered: Vec<&Item<'a, TaskReportSpec>> = reports
            .iter()
            .filter(|r| r.manifest.spec.attempt == attempt)
            .collect();
        // Later commits win.
        ordered.sort_by_key(|r| {
            (
                self.facts.added.get(r.path()).map(|c| c.time),
                r.path().to_string(),
                r.name().to_string(),
            )
        });
        for report in ordered {
            let spec = &report.manifest.spec;
            let by = spec.by.as_str();
            let Some(task) = tasks.iter().find(|t| t.id == spec.task) else {
                continue;
            };
            let name = report.name();
            let provenance = self.provenance();
            let why = if self.facts.verified && provenance.author(report.path()) != Some(by) {
                Some(match self.facts.added.get(report.path()) {
                    None => format!("report `{name}` is not committed yet"),
                    Some(_) => {
                        format!("report `{name}` says `by: {by}` but was committed by someone else")
                    }
                })
            } else if let Some(why) = provenance
                .unsigned(report.path(), by)
                .filter(|_| provenance.signatures_required())
            {
                Some(format!("report `{name}` is not signed by `{by}` ({why})"))
            } else if self.facts.verified
                && crate::trust::rewritten(self.facts, report.path()).is_some()
            {
                Some(format!(
                    "report `{name}` was changed after it was added (`record-changed`)"
                ))
            } else {
                match &task.owner {
                    Some(owner) if owner != by && !self.catalog.in_team(by, owner) => Some(
                        format!("report `{name}` is by `{by}`, not by the task's owner `{owner}`"),
                    ),
                    _ => None,
                }
            };
            match why {
                Some(why) => {
                    refused.insert(
                        spec.task.to_string(),
                        format!("{why}, so it does not count"),
                    );
                }
                None => {
                    let committed = self.facts.added.get(report.path()).map(|c| c.time);
                    outcomes.insert(spec.task.to_string(), (spec.outcome, committed));
                    refused.remove(spec.task.as_str());
                }
            }
        }
        (outcomes, refused)
    }

    /// The train of the subject, merged with its template.
    pub fn train_spec(&self, name: &str) -> Option<ReleaseTrainSpec> {
        self.catalog
            .get::<ReleaseTrainSpec>(name)
            .map(|t| self.catalog.train_spec(t.manifest))
    }
}
