//! `railyard new train`: a ReleaseTrain built from a template, managed by a release
//! manager, reserving the environments of the promotion path.

use serde_json::{Map, Value, json};

use super::{Context, Drafted, existing, member, named};
use crate::error::Error;
use crate::manifest::{EnvironmentSpec, Kind, TrainTemplateSpec};

/// `railyard new train` flags.
#[derive(Clone, Debug, Default)]
pub struct TrainOptions {
    pub name: Option<String>,
    /// A TrainTemplate; by default the repository's only one.
    pub template: Option<String>,
    /// The train's manager (a member); by default the person running railyard.
    pub manager: Option<String>,
    /// `major`, `minor`, `patch` or `emergency`; by default the template's, else `minor`.
    pub train_type: Option<String>,
    pub purpose: Option<String>,
    pub start: Option<jiff::civil::Date>,
    pub end: Option<jiff::civil::Date>,
}

pub(super) fn draft(context: &Context<'_>, options: &TrainOptions) -> Result<Drafted, Error> {
    let catalog = context.catalog;
    let name = named(options.name.as_deref(), "train")?;
    let mut filled = Vec::new();
    let mut spec = Map::new();
    let template = template(context, options, &mut filled)?;
    let template_spec = template
        .as_deref()
        .and_then(|t| catalog.get::<TrainTemplateSpec>(t))
        .map(|t| t.manifest.spec.clone());
    if let Some(template) = &template {
        spec.insert("template".into(), json!(template));
    }
    match (&options.train_type, &template_spec) {
        (Some(train_type), _) => {
            let known = ["major", "minor", "patch", "emergency"];
            if !known.contains(&train_type.as_str()) {
                return Err(Error::Refused(format!(
                    "--type: `{train_type}` is not a train type ({})",
                    known.join(", ")
                )));
            }
            spec.insert("type".into(), json!(train_type));
        }
        (None, Some(t)) if t.train_type.is_some() => {}
        (None, _) => {
            spec.insert("type".into(), json!("minor"));
            filled.push("type `minor` (no template sets one; --type to change)".into());
        }
    }
    if let Some(purpose) = &options.purpose {
        spec.insert("purpose".into(), json!(purpose));
    }
    let manager = match (&options.manager, &context.me) {
        (Some(manager), _) => member(catalog, manager, "--manager")?,
        (None, Some(me)) => {
            filled.push(format!("manager `{me}` (you; --manager to change)"));
            me.clone()
        }
        (None, None) => {
            return Err(Error::Refused(
                "name the train's manager with --manager (railyard could not tell who you are from git)".into(),
            ));
        }
    };
    spec.insert("manager".into(), json!(manager));
    if let Some(schedule) = schedule(options)? {
        spec.insert("schedule".into(), schedule);
    }
    if template_spec
        .as_ref()
        .is_none_or(|t| t.environments.is_none())
    {
        let path = promotion_path(context);
        if !path.is_empty() {
            filled.push(format!(
                "reserves {} (the promotion path)",
                path.iter()
                    .map(|e| format!("`{e}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
            spec.insert(
                "environments".into(),
                Value::Array(path.iter().map(|e| json!({"name": e})).collect()),
            );
        }
    }
    Ok(Drafted {
        kind: Kind::ReleaseTrain,
        name,
        spec,
        filled,
        header: "Written by `railyard new train`: review it and commit it.".into(),
    })
}

/// The template: `--template`, else the repository's only one (several: the person
/// chooses).
fn template(
    context: &Context<'_>,
    options: &TrainOptions,
    filled: &mut Vec<String>,
) -> Result<Option<String>, Error> {
    let catalog = context.catalog;
    if let Some(template) = &options.template {
        return existing(catalog, Kind::TrainTemplate, template, "--template").map(Some);
    }
    match catalog.names(Kind::TrainTemplate).as_slice() {
        [only] => {
            filled.push(format!("template `{only}` (the repository's only one)"));
            Ok(Some(only.to_string()))
        }
        [] => Ok(None),
        many => Err(Error::Refused(format!(
            "the repository has {} train templates ({}): choose one with --template",
            many.len(),
            many.join(", ")
        ))),
    }
}

/// `schedule: {start, end}` from `--start` and `--end`, which come together and in order.
fn schedule(options: &TrainOptions) -> Result<Option<Value>, Error> {
    match (options.start, options.end) {
        (Some(start), Some(end)) if end < start => Err(Error::Refused(format!(
            "--end {end} is before --start {start}"
        ))),
        (Some(start), Some(end)) => Ok(Some(
            json!({"start": start.to_string(), "end": end.to_string()}),
        )),
        (None, None) => Ok(None),
        _ => Err(Error::Refused(
            "a schedule has both --start and --end".into(),
        )),
    }
}

/// Every environment, in promotion order: each path from an environment nothing promotes
/// to, followed along `promotesTo`; environments off any path last, by name.
pub(super) fn promotion_path(context: &Context<'_>) -> Vec<String> {
    let catalog = context.catalog;
    let environments: Vec<(String, Option<String>)> = catalog
        .all::<EnvironmentSpec>()
        .map(|e| {
            (
                e.name().to_string(),
                e.manifest.spec.promotes_to.as_ref().map(|n| n.to_string()),
            )
        })
        .collect();
    let mut order: Vec<String> = Vec::new();
    let starts = environments.iter().filter(|(name, _)| {
        !environments
            .iter()
            .any(|(_, to)| to.as_deref() == Some(name))
    });
    for (start, _) in starts {
        let mut at = Some(start.clone());
        while let Some(name) = at.take() {
            if order.contains(&name) {
                break;
            }
            at = environments
                .iter()
                .find(|(n, _)| *n == name)
                .and_then(|(_, to)| to.clone());
            order.push(name);
        }
    }
    let mut rest: Vec<String> = environments
        .into_iter()
        .map(|(name, _)| name)
        .filter(|name| !order.contains(name))
        .collect();
    rest.sort();
    order.extend(rest);
    order
}
