//! `Workflow`: a phase machine as data. The built-in workflows and a repository's overrides
//! share these types, the schema generated from them and the checks in `check::workflows`.

use std::collections::BTreeMap;

use super::approval::ApprovalGuard;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A phase machine for one kind.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct WorkflowSpec {
    /// The kind this workflow drives; it replaces the built-in workflow of that kind.
    pub applies_to: WorkflowKind,
    /// What the workflow is for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The phase every object starts in.
    pub initial: String,
    /// The workflow's phases, the first one where objects start.
    #[schemars(length(min = 1))]
    pub phases: Vec<Phase>,
}

crate::names::named! {
    /// The kinds that have a workflow.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, JsonSchema)]
    pub enum WorkflowKind {
        ReleaseTrain = "ReleaseTrain",
        ApplicationRelease = "ApplicationRelease",
        Turnover = "Turnover",
        Release = "Release",
    }
}

/// The pattern of a phase name.
pub const PHASE_PATTERN: &str = "^[a-z][a-z0-9-]*$";

/// A phase and the ways out of it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Phase {
    /// The phase's name, unique in the workflow.
    #[schemars(regex(pattern = PHASE_PATTERN))]
    pub name: String,
    /// A terminal phase has no way out.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub terminal: bool,
    /// An object in this phase has left the process (abandoned, returned): it no longer
    /// counts for other objects' `related` and `parent` guards.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub withdrawn: bool,
    /// On entering, a task plan whose tasks failed starts a new attempt (seed 004's
    /// approve-deployment).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub reset_failed_tasks: bool,
    /// The spec field holding the date by which the phase is due (`Overdue` after it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due: Option<String>,
    /// What happens when an object enters the phase: who is told, which values are set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_enter: Option<OnEnter>,
    /// The ReleaseModel task plan (by its key) that holds this phase until its tasks are done.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task_plan: Option<String>,
    /// Tried in order; the first whose guards all hold is taken.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub transitions: Vec<Transition>,
}

/// What happens on entering a phase.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct OnEnter {
    /// Who is told: a spec field holding a member or team (`serviceOwner`, `owningGroup`), or
    /// `role:<role>` for a whole team.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notify: Vec<String>,
    /// The event those people are told of (default `phase-entered`), e.g. `turnover-failed`;
    /// notify sinks filter on it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event: Option<String>,
    /// Values recorded for spec fields the person left empty (the seed's defaults). `@author`
    /// stands for the member who committed the record.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub set: BTreeMap<String, serde_json::Value>,
    /// Defaults that apply only when their guards hold (an emergency's urgency).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub set_if: Vec<ConditionalSet>,
}

/// Values recorded on entering a phase when `when` holds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ConditionalSet {
    /// The guards that must hold for the values to be set.
    pub when: Guards,
    /// Spec fields and the values recorded for them.
    pub set: BTreeMap<String, serde_json::Value>,
}

/// A way from one phase to another.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Transition {
    /// The phase this way out leads to.
    pub to: String,
    /// Guards that must all hold; none means the transition is always taken.
    #[serde(default)]
    pub when: Guards,
    /// Values recorded for spec fields when the transition is taken.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub set: BTreeMap<String, serde_json::Value>,
}

/// The closed set of guards. Every guard given must hold.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Guards {
    /// Spec fields (dotted paths) that must be set and non-empty.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<String>,
    /// Approvals that must be given, asked for in order: a later one only once the ones
    /// before it are given.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub approvals: Vec<ApprovalGuard>,
    /// Every exit criterion of this gate is met.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub criteria: Option<String>,
    /// Every related object of `kind` has reached `phase` or later.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub related: Option<RelatedGuard>,
    /// The phase's tasks all succeeded (or were skipped), one failed, or a retry was asked for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tasks: Option<TasksGuard>,
    /// The instant in this spec field is reached.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time: Option<String>,
    /// `spec.request` has this value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requested: Option<String>,
    /// The parent (a release's train, a turnover's train) has reached this phase or later;
    /// holds when there is no parent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<ParentGuard>,
    /// No freeze of the environment covers now.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_frozen: Option<bool>,
    /// Spec fields whose value must be one of the listed ones.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub values: BTreeMap<String, Vec<String>>,
}

/// See [`Guards::related`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RelatedGuard {
    /// The kind of the related objects.
    pub kind: WorkflowKind,
    /// The phase every related object must be in.
    pub phase: String,
    /// Count only turnovers on environments of these tiers (all when empty).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tiers: Vec<super::environment::Tier>,
}

/// See [`Guards::parent`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ParentGuard {
    /// The phase the parent object must be in.
    pub phase: String,
    /// Applies only to turnovers on environments of these tiers (all when empty): a
    /// production deployment waits for the train's `deployment` phase, a test one does not.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tiers: Vec<super::environment::Tier>,
}

/// See [`Guards::tasks`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum TasksGuard {
    Succeeded,
    Failed,
    /// A retry was asked for: `retry.attempt` is above 1 and no task of that attempt has
    /// failed yet.
    Retried,
}

impl WorkflowSpec {
    /// The phase called `name`.
    pub fn phase(&self, name: &str) -> Option<&Phase> {
        self.phases.iter().find(|p| p.name == name)
    }
}
