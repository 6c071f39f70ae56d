//! `ReleaseTrain` and `TrainTemplate`: the train's type, schedule, reservations, stage gates
//! and milestones.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::values::{Date, Id, Moment, Name};

/// A release train: application releases that ship together through the phases `scoping`,
/// `construction`, `verification` and `deployment`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ReleaseTrainSpec {
    /// A `TrainTemplate` to start from; fields set here override the template's, field by field.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template: Option<Name>,
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub train_type: Option<TrainType>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purpose: Option<String>,
    /// The member id of the train's release manager.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manager: Option<Id>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schedule: Option<TrainSchedule>,
    /// Environments reserved for the train.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environments: Option<Vec<Reservation>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gates: Option<Gates>,
    /// Milestones that apply to every application release of the train.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub milestones: Option<Vec<Milestone>>,
    /// Abandons the train from any phase before `closed`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub abandon: Option<Abandon>,
}

/// A template for trains: anything a train may hold except its schedule.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct TrainTemplateSpec {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub train_type: Option<TrainType>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purpose: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manager: Option<Id>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environments: Option<Vec<Reservation>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gates: Option<Gates>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub milestones: Option<Vec<Milestone>>,
}

impl ReleaseTrainSpec {
    /// The train with the template's fields filled in where the train sets none.
    pub fn with_template(&self, template: &TrainTemplateSpec) -> ReleaseTrainSpec {
        let mut merged = self.clone();
        merged.train_type = merged.train_type.or(template.train_type);
        merged.purpose = merged.purpose.or_else(|| template.purpose.clone());
        merged.manager = merged.manager.or_else(|| template.manager.clone());
        merged.environments = merged
            .environments
            .or_else(|| template.environments.clone());
        merged.milestones = merged.milestones.or_else(|| template.milestones.clone());
        merged.gates = match (merged.gates, &template.gates) {
            (Some(own), Some(base)) => Some(Gates {
                scoping: own.scoping.or_else(|| base.scoping.clone()),
                construction: own.construction.or_else(|| base.construction.clone()),
                qa: own.qa.or_else(|| base.qa.clone()),
            }),
            (own, base) => own.or_else(|| base.clone()),
        };
        merged
    }
}

/// The kind of train.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum TrainType {
    Major,
    Minor,
    Patch,
    Emergency,
}

/// The train's dates and the due date of each phase.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct TrainSchedule {
    pub start: Date,
    pub end: Date,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phases: Option<PhaseDueDates>,
}

/// When each phase of a train is due to be done.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PhaseDueDates {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scoping: Option<Date>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub construction: Option<Date>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verification: Option<Date>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deployment: Option<Date>,
}

/// An environment reserved for the train, for a period or for the whole train.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Reservation {
    pub name: Name,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<Moment>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<Moment>,
}

/// The stage gates of a train.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Gates {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scoping: Option<Gate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub construction: Option<Gate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub qa: Option<Gate>,
}

impl Gates {
    /// The gates that are set, by name.
    pub fn iter(&self) -> impl Iterator<Item = (&'static str, &Gate)> {
        [
            ("scoping", &self.scoping),
            ("construction", &self.construction),
            ("qa", &self.qa),
        ]
        .into_iter()
        .filter_map(|(name, gate)| gate.as_ref().map(|g| (name, g)))
    }
}

/// A stage gate: exit criteria, and approvals required on top of the workflow's own.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Gate {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub criteria: Vec<Criterion>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub approvals: Vec<ApprovalRequirement>,
}

/// An exit criterion. With `check`, railyard evaluates it; without, it is met by an
/// `Approval` with `criterion: <id>` from the gate's role.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Criterion {
    pub id: Id,
    pub description: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub check: Option<Check>,
    /// The role whose approval meets a criterion without `check`. Default
    /// `release-managers`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
}

/// A check that railyard evaluates itself.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub enum Check {
    /// Every application release of the train has reached this phase or later.
    ReleasesIn(String),
    /// A turnover of the train is deployed on this environment.
    TurnoversDeployed(Name),
    /// Every milestone of the train is reached.
    MilestonesReached(bool),
    /// Every work item of the train's application releases is done.
    WorkItemsDone(bool),
}

/// Approvals needed: `count` distinct members of the team that holds `role`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ApprovalRequirement {
    pub gate: Id,
    /// A role name (mapped by `Config.spec.roles`) or a team name.
    pub role: String,
    #[serde(default = "one", skip_serializing_if = "is_one")]
    #[schemars(range(min = 1))]
    pub count: u32,
}

fn one() -> u32 {
    1
}

fn is_one(n: &u32) -> bool {
    *n == 1
}

/// A milestone with its due date.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Milestone {
    pub id: Id,
    pub title: String,
    pub due: Date,
    /// Set once the milestone is reached.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub reached: bool,
}

/// Abandons an object, with the reason.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Abandon {
    #[schemars(length(min = 1))]
    pub reason: String,
}
