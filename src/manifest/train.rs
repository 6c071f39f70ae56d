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
    /// What kind of train this is.
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub train_type: Option<TrainType>,
    /// What the train delivers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purpose: Option<String>,
    /// The member id of the train's release manager.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manager: Option<Id>,
    /// The train's dates: start, end and each phase's due date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schedule: Option<TrainSchedule>,
    /// Environments reserved for the train.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environments: Option<Vec<Reservation>>,
    /// The stage gates between the train's phases: criteria and approvals.
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
    /// What trains made from the template are for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The type of trains made from the template.
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub train_type: Option<TrainType>,
    /// The purpose of trains made from the template.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purpose: Option<String>,
    /// The member who manages trains made from the template.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manager: Option<Id>,
    /// The environments trains made from the template reserve.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environments: Option<Vec<Reservation>>,
    /// The stage gates of trains made from the template.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gates: Option<Gates>,
    /// The milestones of trains made from the template.
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
    /// The train's first day.
    pub start: Date,
    /// The train's last day.
    pub end: Date,
    /// When each phase is due: past it, the train is `Overdue`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phases: Option<PhaseDueDates>,
}

/// When each phase of a train is due to be done.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PhaseDueDates {
    /// When scoping is due to end.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scoping: Option<Date>,
    /// When construction is due to end.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub construction: Option<Date>,
    /// When verification is due to end.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verification: Option<Date>,
    /// When deployment is due to end.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deployment: Option<Date>,
}

/// An environment reserved for the train, for a period or for the whole train.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Reservation {
    /// The Environment reserved, by name.
    pub name: Name,
    /// When the reservation starts: a date or an instant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<Moment>,
    /// When the reservation ends: a date or an instant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<Moment>,
    /// Within `from`..`to` (or the train's schedule), the train holds the environment only
    /// in these periods, in the environment's zone: `{rrule: "FREQ=WEEKLY;BYDAY=TU", start:
    /// "20:00", duration: 4h}`. Its `since` defaults to the reservation's first day.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recur: Option<super::environment::Recurrence>,
}

/// The stage gates of a train.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Gates {
    /// The gate that leaves scoping.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scoping: Option<Gate>,
    /// The gate that leaves construction.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub construction: Option<Gate>,
    /// The gate that leaves verification.
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
    /// Exit criteria: each must be met (by its check, or by an approval of its id).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub criteria: Vec<Criterion>,
    /// Approvals the gate needs, from the named teams.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub approvals: Vec<ApprovalRequirement>,
}

/// An exit criterion. With `check`, railyard evaluates it; without, it is met by an
/// `Approval` with `criterion: <id>` from the gate's role.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Criterion {
    /// The criterion's id, unique in the gate (an approval may name it).
    pub id: Id,
    /// What must be true, for people.
    pub description: String,
    /// How railyard checks the criterion; without one, an approval of its id meets it.
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
    /// The approval's id: the `gate` an Approval names.
    pub gate: Id,
    /// A role name (mapped by `Config.spec.roles`) or a team name.
    pub role: String,
    /// How many distinct members must approve (default 1).
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
    /// The milestone's id, unique in the train.
    pub id: Id,
    /// The milestone's title.
    pub title: String,
    /// When the milestone is due.
    pub due: Date,
    /// Set once the milestone is reached.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub reached: bool,
}

/// Abandons an object, with the reason.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Abandon {
    /// Why the object is abandoned.
    #[schemars(length(min = 1))]
    pub reason: String,
}
