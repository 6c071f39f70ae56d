//! What the guards look at: spec fields, related objects and their phases, approvals and
//! task reports that can be trusted, environments and their freezes. Lookups only: no kind
//! has a state machine here.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::catalog::{Catalog, Item};
use crate::facts::Facts;
use crate::load::Document;
use crate::manifest::SignatureMode;
use crate::manifest::{
    ApplicationReleaseSpec, ApprovalSpec, Decision, EnvironmentSpec, Kind, Outcome,
    ReleaseModelSpec, ReleaseSpec, ReleaseTrainSpec, Task, TaskReportSpec, TaskType, Tier,
    TurnoverSpec, WorkflowKind, WorkflowSpec,
};
use crate::status::{RunState, TaskRun};
use crate::trust::Proof;
use crate::workflow;

/// The earliest instant ahead of the clock that an object's guards compared the clock with:
/// what the engine decided for the object cannot change before then without a change to its
/// inputs (an incremental reconcile runs it again from then on). Shared by the threads that
/// look at the object, hence atomic; nanoseconds, `i64::MAX` for "never" (an instant past the
/// year 2262 counts as never).
#[derive(Debug)]
pub struct Horizon(std::sync::atomic::AtomicI64);

impl Default for Horizon {
    fn default() -> Horizon {
        Horizon(std::sync::atomic::AtomicI64::new(i64::MAX))
    }
}

impl Horizon {
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

/// An object the engine drives.
#[derive(Clone, Debug)]
pub struct Subject<'a> {
    pub kind: WorkflowKind,
    pub name: &'a str,
    pub document: &'a Document,
    /// The spec as JSON, for field guards: only the fields the workflow reads (a list of
    /// objects keeps its length and the item fields the workflow names).
    pub spec: Value,
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

/// Records (approvals, task reports) by the subject they name: (kind, name), in catalog
/// order.
type BySubject<'a, S> = foldhash::HashMap<(&'a str, &'a str), Vec<Item<'a, S>>>;

/// The repository as the engine sees it, with every object's current phase.
pub struct World<'a> {
    pub catalog: &'a Catalog<'a>,
    /// The keys that sign members' commits and railyard's own (`trust.signatures`).
    pub keys: &'a crate::trust::Keyring,
    pub facts: &'a Facts,
    /// The clock. Read it through [`World::now`] to stamp what happens now; a guard that
    /// compares it with an instant goes through [`World::passed`] (or notes the instant in
    /// its [`Horizon`]), so an incremental reconcile knows when the answer can change.
    now: jiff::Timestamp,
    pub workflows: BTreeMap<WorkflowKind, &'a WorkflowSpec>,
    /// (kind, name) → the phase the object is in right now.
    pub phases: BTreeMap<(WorkflowKind, String), String>,
    approvals: BySubject<'a, ApprovalSpec>,
    reports: BySubject<'a, TaskReportSpec>,
    /// The runs `reconcile --execute` recorded, by subject (`Kind/name`) and task id.
    pub runs: BTreeMap<String, BTreeMap<String, TaskRun>>,
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

/// The outcome of counting approvals for one gate or criterion.
#[derive(Debug, Default)]
pub struct Tally {
    /// Distinct members whose approval counts, in the order given.
    pub approvers: Vec<String>,
    /// The member whose `reject` blocks the gate (and the comment), when the last decision
    /// was a rejection.
    pub rejected_by: Option<(String, Option<String>)>,
    /// Records that do not count, and why.
    pub ignored: Vec<String>,
    /// Under `trust.signatures: verify`, the counted approvers whose record's commit is not
    /// signed by them, and why (under `require` they are not counted at all).
    pub unsigned: BTreeMap<String, String>,
}

/// What an approval is of: a gate (an Approval's `gate`) or an exit criterion (its `criterion`).
#[derive(Clone, Copy)]
pub enum ApprovalOf<'t> {
    Gate(&'t str),
    Criterion(&'t str),
}

/// The state of a task in the current attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TaskState {
    Pending,
    Ready,
    Waiting,
    Running,
    Succeeded,
    Failed,
    Skipped,
}

impl TaskState {
    pub fn as_str(self) -> &'static str {
        match self {
            TaskState::Pending => "pending",
            TaskState::Ready => "ready",
            TaskState::Waiting => "waiting",
            TaskState::Running => "running",
            TaskState::Succeeded => "succeeded",
            TaskState::Failed => "failed",
            TaskState::Skipped => "skipped",
        }
    }

    /// The state `as_str` names.
    pub fn parse(text: &str) -> Option<TaskState> {
        [
            TaskState::Pending,
            TaskState::Ready,
            TaskState::Waiting,
            TaskState::Running,
            TaskState::Succeeded,
            TaskState::Failed,
            TaskState::Skipped,
        ]
        .into_iter()
        .find(|s| s.as_str() == text)
    }

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
    /// the task was ready (see [`World::task_board`]).
    pub early: Vec<bool>,
    /// Per task, why its latest report for this attempt does not count (not its owner's,
    /// committed by someone else, not signed, changed after it was added), when one does
    /// not.
    pub refused: Vec<Option<String>>,
}

/// The counted outcome per task (with when it was committed), and why the latest report
/// that did not count was refused.
type Reported = (
    BTreeMap<String, (Outcome, Option<jiff::Timestamp>)>,
    BTreeMap<String, String>,
);

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

impl<'a> World<'a> {
    pub fn new(
        catalog: &'a Catalog<'a>,
        keys: &'a crate::trust::Keyring,
        facts: &'a Facts,
        now: jiff::Timestamp,
    ) -> World<'a> {
        let mut workflows = BTreeMap::new();
        for kind in WorkflowKind::ALL {
            if let Some(source) = workflow::effective(catalog, kind) {
                workflows.insert(kind, source.spec);
            }
        }
        let mut approvals: BySubject<'a, ApprovalSpec> =
            BySubject::with_capacity_and_hasher(catalog.count(Kind::Approval), Default::default());
        for approval in catalog.all::<ApprovalSpec>() {
            let subject = &approval.manifest.spec.subject;
            approvals
                .entry((subject.kind.as_str(), subject.name.as_str()))
                .or_default()
                .push(approval);
        }
        let mut reports: BySubject<'a, TaskReportSpec> = BySubject::with_capacity_and_hasher(
            catalog.count(Kind::TaskReport),
            Default::default(),
        );
        for report in catalog.all::<TaskReportSpec>() {
            let subject = &report.manifest.spec.subject;
            reports
                .entry((subject.kind.as_str(), subject.name.as_str()))
                .or_default()
                .push(report);
        }
        World {
            catalog,
            keys,
            facts,
            now,
            workflows,
            phases: BTreeMap::new(),
            approvals,
            reports,
            runs: BTreeMap::new(),
        }
    }

    /// The clock, for stamping transitions and conditions (not for comparing: see
    /// [`World::passed`]).
    pub fn now(&self) -> jiff::Timestamp {
        self.now
    }

    /// True when the clock has reached `at`. An instant still ahead is noted in `horizon`:
    /// the answer changes when the clock gets there.
    pub fn passed(&self, at: jiff::Timestamp, horizon: &Horizon) -> bool {
        horizon.note(self.now, at);
        self.now >= at
    }

    pub fn phase_of(&self, kind: WorkflowKind, name: &str) -> Option<&str> {
        self.phases
            .get(&(kind, name.to_string()))
            .map(String::as_str)
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
                .all::<ApplicationReleaseSpec>()
                .filter(|r| {
                    r.manifest
                        .spec
                        .train
                        .as_ref()
                        .is_some_and(|t| t.as_str() == subject.name)
                })
                .map(|r| r.name().to_string())
                .collect(),
            (WorkflowKind::ReleaseTrain, WorkflowKind::Turnover) => catalog
                .all::<TurnoverSpec>()
                .filter(|t| {
                    let probe = Subject {
                        kind: WorkflowKind::Turnover,
                        name: t.name(),
                        document: t.document,
                        spec: Value::Null,
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

    /// The member who committed the file at `path`, when git says so.
    fn author(&self, path: &str) -> Option<&'a str> {
        self.facts
            .added
            .get(path)
            .and_then(|c| self.catalog.member_by_email(&c.author_email))
    }

    /// Whether the commit that added `path` is signed by `member` (or by a forge on the
    /// member's behalf): `None` when it is, or when signatures are off; otherwise why not.
    fn unsigned(&self, path: &str, member: &str) -> Option<String> {
        let keys = self.keys;
        if keys.mode == SignatureMode::Off || !self.facts.verified {
            return None;
        }
        let commit = self.facts.added.get(path)?;
        let short = commit.id.get(..12).unwrap_or(&commit.id);
        match keys.proof(commit, member) {
            Proof::Signed => None,
            Proof::Unsigned => Some(format!("its commit {short} is not signed")),
            Proof::NotProven(why) => Some(format!("its commit {short}: {why}")),
        }
    }

    /// Whether a record signed as `unsigned` says counts: not under `require`.
    fn required(&self) -> bool {
        self.keys.mode == SignatureMode::Require
    }

    /// Counts the approvals `of` a gate or criterion on the subject from members of `team` (or
    /// from the people `also` names: a spec field and the member or team it holds), as SPEC §3
    /// says: each person once, never the author of the subject's last change, none from an
    /// earlier visit to the phase (given before `since`), and a later reject blocks.
    pub fn tally(
        &self,
        subject: &Subject<'_>,
        of: ApprovalOf<'_>,
        team: &str,
        also: &[(String, String)],
        since: Option<jiff::Timestamp>,
    ) -> Tally {
        let mut tally = Tally::default();
        let Some(records) = self.approvals.get(&(subject.kind.as_str(), subject.name)) else {
            return tally;
        };
        let mut relevant: Vec<&Item<'a, ApprovalSpec>> = records
            .iter()
            .filter(|a| {
                let spec = &a.manifest.spec;
                match of {
                    ApprovalOf::Gate(g) => spec.gate.as_ref().is_some_and(|x| x.as_str() == g),
                    ApprovalOf::Criterion(c) => {
                        spec.criterion.as_ref().is_some_and(|x| x.as_str() == c)
                    }
                }
            })
            .collect();
        relevant.sort_by_key(|a| {
            (
                self.facts.added.get(a.path()).map(|c| c.time),
                a.path().to_string(),
                a.name().to_string(),
            )
        });
        let last_author = self
            .facts
            .changed
            .get(&subject.document.path)
            .and_then(|c| self.catalog.member_by_email(&c.author_email));
        for approval in relevant {
            let spec = &approval.manifest.spec;
            let by = spec.by.as_str();
            let mut unsigned = None;
            if self.facts.verified {
                match self.author(approval.path()) {
                    None if !self.facts.added.contains_key(approval.path()) => {
                        tally
                            .ignored
                            .push(format!("`{}` is not committed yet", approval.name()));
                        continue;
                    }
                    Some(author) if author == by => {}
                    _ => {
                        let merged = self
                            .facts
                            .added
                            .get(approval.path())
                            .filter(|c| c.merge)
                            .map(|c| {
                                format!(
                                    " (the merge commit {} by {} added it itself: a file a merge introduces is the merger's)",
                                    c.id.get(..12).unwrap_or(&c.id),
                                    c.author_name
                                )
                            })
                            .unwrap_or_default();
                        tally.ignored.push(format!(
                            "`{}` says `by: {by}` but was committed by someone else{merged}",
                            approval.name()
                        ));
                        continue;
                    }
                }
                if crate::trust::rewritten(self.facts, approval.path()).is_some() {
                    tally.ignored.push(format!(
                        "`{}` was changed after it was added (`record-changed`)",
                        approval.name()
                    ));
                    continue;
                }
                if let Some(why) = self.unsigned(approval.path(), by) {
                    if self.required() {
                        tally.ignored.push(format!(
                            "`{}` is not signed by `{by}` ({why}) and `trust.signatures` is `require`",
                            approval.name()
                        ));
                        continue;
                    }
                    unsigned = Some(why);
                }
                // Committed when the object left the phase, or before: that visit's.
                if let (Some(since), Some(added)) = (since, self.facts.added.get(approval.path()))
                    && added.time <= since
                {
                    tally.ignored.push(format!(
                        "`{}` was given during an earlier visit to this phase",
                        approval.name()
                    ));
                    continue;
                }
            }
            let named_by = also
                .iter()
                .find(|(_, who)| who == by || self.catalog.in_team(by, who))
                .map(|(field, _)| field.as_str());
            if !self.catalog.in_team(by, team) && named_by.is_none() {
                let nor = also
                    .iter()
                    .map(|(field, _)| format!(" nor the `{field}`"))
                    .collect::<String>();
                tally
                    .ignored
                    .push(format!("`{by}` is not in team `{team}`{nor}"));
                continue;
            }
            if last_author == Some(by) {
                tally.ignored.push(match named_by {
                    Some(field) if !self.catalog.in_team(by, team) => format!(
                        "`{by}` is the `{field}` of {} but also made its last change, so that approval does not count (no self-approval): another member of team `{team}` must approve",
                        subject.reference()
                    ),
                    _ => format!(
                        "`{by}` made the last change to {} and cannot approve it",
                        subject.reference()
                    ),
                });
                continue;
            }
            match spec.decision {
                Decision::Approve => {
                    tally.rejected_by = None;
                    if !tally.approvers.iter().any(|a| a == by) {
                        tally.approvers.push(by.to_string());
                    }
                    match unsigned {
                        Some(why) => tally.unsigned.insert(by.to_string(), why),
                        None => tally.unsigned.remove(by),
                    };
                }
                Decision::Reject => {
                    tally.approvers.clear();
                    tally.unsigned.clear();
                    tally.rejected_by = Some((by.to_string(), spec.comment.clone()));
                }
            }
        }
        tally
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
        let index: BTreeMap<&str, usize> = tasks
            .iter()
            .enumerate()
            .map(|(i, t)| (t.id.as_str(), i))
            .collect();
        let edges: Vec<(usize, usize)> = tasks
            .iter()
            .enumerate()
            .flat_map(|(i, t)| {
                t.depends_on
                    .iter()
                    .filter_map(|d| index.get(d.as_str()))
                    .map(move |&d| (i, d))
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
        let (states, early, refused) =
            self.states(subject, plan, attempt, &tasks, &order, &dependencies);
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
        match subject.kind {
            WorkflowKind::Turnover => {
                let turnover = self.catalog.get::<TurnoverSpec>(subject.name)?;
                Some(
                    crate::tasks::turnover_tasks(self.catalog, turnover)
                        .into_iter()
                        .map(|p| p.task)
                        .collect(),
                )
            }
            WorkflowKind::Release => {
                let release = self.catalog.get::<ReleaseSpec>(subject.name)?;
                let model = self.catalog.get::<ReleaseModelSpec>(
                    release.manifest.spec.release_model.as_ref()?.as_str(),
                )?;
                Some(model.manifest.spec.task_plans.get(plan?)?.iter().collect())
            }
            _ => None,
        }
    }

    /// Each task's state in `attempt`, from the owners' reports, railyard's runs and what
    /// earlier attempts left done (`order` is a topological order), and which tasks have a
    /// report that does not count yet because it came before the task was ready: before its
    /// dependencies were done, or (when git says when) committed no later than the last of
    /// them finished.
    fn states(
        &self,
        subject: &Subject<'_>,
        plan: Option<&str>,
        attempt: Attempt<'_>,
        tasks: &[&'a Task],
        order: &[usize],
        dependencies: &[Vec<usize>],
    ) -> (Vec<TaskState>, Vec<bool>, Vec<Option<String>>) {
        let Attempt {
            number: attempt,
            begun,
            carried,
        } = attempt;
        let (reported, mut refused) = self.reported_outcomes(subject, tasks, attempt);
        let runs = self.runs.get(&subject.reference());
        let run_of = |id: &str| {
            runs.and_then(|r| r.get(id))
                .filter(|r| r.plan.as_deref() == plan && r.attempt == attempt)
        };
        let mut states = vec![TaskState::Pending; tasks.len()];
        let mut early = vec![false; tasks.len()];
        // When each task was done, where that is known.
        let mut done_at: Vec<Option<jiff::Timestamp>> = vec![None; tasks.len()];
        for &i in order {
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
            let run = run_of(id);
            (states[i], done_at[i]) = match (report.filter(|_| counts), run) {
                // A person's report for this attempt outranks what railyard saw run.
                (Some((outcome, committed)), _) => (
                    match outcome {
                        Outcome::Succeeded => TaskState::Succeeded,
                        Outcome::Failed => TaskState::Failed,
                        Outcome::Skipped => TaskState::Skipped,
                    },
                    committed,
                ),
                (None, Some(run)) => {
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
                (None, None) if carried.contains_key(id) => (TaskState::Skipped, None),
                (None, None) => match (ready, tasks[i].task_type) {
                    (false, _) => (TaskState::Pending, None),
                    (true, TaskType::Manual) => (TaskState::Waiting, None),
                    (true, TaskType::Automated) => (TaskState::Ready, None),
                },
            };
        }
        let refused = tasks
            .iter()
            .zip(&states)
            .map(|(task, state)| refused.remove(task.id.as_str()).filter(|_| !state.done()))
            .collect();
        (states, early, refused)
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

    /// [`World::succeeded_before`] from attempt `from`, which starts with `carried` done, up
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
        let Some(board) = self.task_board(subject, None, Attempt::first(from)) else {
            return carried;
        };
        let (order, dependencies) = (board.order, board.dependencies);
        for earlier in recorded_attempts {
            let at = Attempt {
                number: earlier,
                begun: None,
                carried: &carried,
            };
            let (states, _, _) = self.states(subject, None, at, &tasks, &order, &dependencies);
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
            let why = if self.facts.verified && self.author(report.path()) != Some(by) {
                Some(match self.facts.added.get(report.path()) {
                    None => format!("report `{name}` is not committed yet"),
                    Some(_) => {
                        format!("report `{name}` says `by: {by}` but was committed by someone else")
                    }
                })
            } else if let Some(why) = self.unsigned(report.path(), by).filter(|_| self.required()) {
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
