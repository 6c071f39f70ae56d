//! `railyard new turnover`: a Turnover of a train's releases to an environment, its tasks
//! copied from the turnover it follows: the latest deployed one of the train on the
//! environment that promotes to this one (then it is `promotedFrom` that one, as
//! `railyard promote` writes it), else the latest one on this environment, else a template.

use serde_json::{Map, Value, json};

use super::{Context, Drafted, existing, named};
use crate::catalog::Item;
use crate::engine::ObjectPlan;
use crate::error::Error;
use crate::manifest::{EnvironmentSpec, Kind, TurnoverSpec};

/// `railyard new turnover` flags.
#[derive(Clone, Debug, Default)]
pub struct TurnoverOptions {
    /// By default `<train>-<environment>`.
    pub name: Option<String>,
    pub environment: String,
    pub train: Option<String>,
    pub scheduled_at: Option<jiff::Timestamp>,
    /// A turnover whose tasks to copy, instead of the one it follows.
    pub template: Option<String>,
}

pub(super) fn draft(context: &Context<'_>, options: &TurnoverOptions) -> Result<Drafted, Error> {
    let catalog = context.catalog;
    let environment = existing(
        catalog,
        Kind::Environment,
        &options.environment,
        "--environment",
    )?;
    let train = options
        .train
        .as_deref()
        .map(|t| existing(catalog, Kind::ReleaseTrain, t, "--train"))
        .transpose()?;
    let name = match (&options.name, &train) {
        (Some(name), _) => name.clone(),
        (None, Some(train)) => format!("{train}-{environment}"),
        (None, None) => named(None, "turnover")?,
    };
    let mut filled = Vec::new();
    let mut spec = Map::new();
    spec.insert("environment".into(), json!(environment));
    if let Some(train) = &train {
        spec.insert("train".into(), json!(train));
        let releases = catalog.releases_of_train(train);
        // A turnover names its train or its releases, not both: the train's are all of them.
        filled.push(match releases.is_empty() {
            true => format!("train `{train}` (no application releases yet)"),
            false => format!("train `{train}`, so its releases: {}", releases.join(", ")),
        });
    }
    let (source, promoted) = match &options.template {
        Some(template) => {
            let name = existing(catalog, Kind::Turnover, template, "--template")?;
            (catalog.get::<TurnoverSpec>(&name), false)
        }
        None => follows(context, &environment, train.as_deref()),
    };
    match source {
        Some(source) => {
            let how = match (promoted, &options.template) {
                (true, _) => {
                    spec.insert("promotedFrom".into(), json!(source.name()));
                    format!(
                        "promoted from Turnover/{} (deployed on `{}`, which promotes to `{environment}`): its tasks copied",
                        source.name(),
                        source.manifest.spec.environment
                    )
                }
                (false, Some(_)) => {
                    format!("tasks copied from Turnover/{} (--template)", source.name())
                }
                (false, None) => format!(
                    "tasks copied from Turnover/{} (the latest on `{environment}`)",
                    source.name()
                ),
            };
            filled.push(how);
            let work_items = &source.manifest.spec.work_items;
            if promoted && !work_items.is_empty() {
                spec.insert("workItems".into(), json!(work_items));
            }
            let tasks: Vec<Value> = crate::tasks::turnover_tasks(catalog, source)
                .into_iter()
                .filter_map(|placed| serde_json::to_value(placed.task).ok())
                .collect();
            spec.insert("tasks".into(), Value::Array(tasks));
        }
        None => {
            filled.push(format!(
                "no tasks: no turnover on `{environment}` or before it to copy them from (--template TURNOVER)"
            ));
            spec.insert("tasks".into(), Value::Array(Vec::new()));
        }
    }
    if let Some(at) = options.scheduled_at {
        spec.insert("scheduledAt".into(), json!(at.to_string()));
    }
    Ok(Drafted {
        kind: Kind::Turnover,
        name,
        spec,
        filled,
        header: match options.scheduled_at {
            Some(_) => "Written by `railyard new turnover`: review the tasks and commit it.".into(),
            None => "Written by `railyard new turnover`: review the tasks, set `scheduledAt`, and\ncommit it.".into(),
        },
    })
}

/// The turnover a new one on `environment` follows, and whether it is promoted from it:
/// the latest deployed turnover of `train` on the environment that promotes to this one,
/// else the latest turnover on this environment (of any train).
fn follows<'a>(
    context: &Context<'a>,
    environment: &str,
    train: Option<&str>,
) -> (Option<Item<'a, TurnoverSpec>>, bool) {
    let catalog = context.catalog;
    let previous: Vec<String> = catalog
        .all::<EnvironmentSpec>()
        .filter(|e| {
            e.manifest
                .spec
                .promotes_to
                .as_ref()
                .is_some_and(|to| to.as_str() == environment)
        })
        .map(|e| e.name().to_string())
        .collect();
    let plan_of = |name: &str| -> Option<&ObjectPlan> {
        context
            .plan
            .objects
            .iter()
            .map(std::sync::Arc::as_ref)
            .find(|o| o.kind == Kind::Turnover && o.name == name && !o.invalid)
    };
    let latest = |keep: &dyn Fn(&Item<'a, TurnoverSpec>, &ObjectPlan) -> bool| {
        catalog
            .all::<TurnoverSpec>()
            .filter_map(|t| plan_of(t.name()).map(|p| (t, p)))
            .filter(|(t, p)| keep(t, p))
            .max_by_key(|(t, p)| (p.status.since, t.name().to_string()))
            .map(|(t, _)| t)
    };
    let promoted = latest(&|t, p| {
        let spec = &t.manifest.spec;
        previous.iter().any(|e| e == spec.environment.as_str())
            && matches!(p.status.phase.as_str(), "deployed" | "closed")
            && train.is_none_or(|train| spec.train.as_ref().is_some_and(|t| t.as_str() == train))
    });
    if promoted.is_some() {
        return (promoted, true);
    }
    let same = latest(&|t, _| t.manifest.spec.environment.as_str() == environment);
    (same, false)
}
