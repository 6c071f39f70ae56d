//! `railyard promote`: a new Turnover for the next environment on the promotion path, made
//! from a deployed one (seeds 000 and 001). railyard never edits a person's file: it writes a
//! new manifest for the person to review, schedule and commit.

use std::fmt::Write as _;

use crate::catalog::Catalog;
use crate::engine::ObjectPlan;
use crate::error::PromotionRefused;
use crate::manifest::{EnvironmentSpec, Kind, Name, Task, TaskType, TurnoverSpec};
use crate::tasks::turnover_tasks;
use crate::yaml_out::scalar;

/// The new manifest: where to write it and its text.
#[derive(Debug, PartialEq, Eq)]
pub struct Promotion {
    pub name: String,
    pub path: String,
    pub text: String,
}

/// Works out the promotion of `source` to `target` (optionally named `name`), from the
/// catalog and the plan that says which phase the source is in.
pub fn promote(
    catalog: &Catalog<'_>,
    plans: &[std::sync::Arc<ObjectPlan>],
    source: &str,
    target: &str,
    name: Option<&str>,
) -> Result<Promotion, PromotionRefused> {
    let hint = |names: Vec<&str>, input: &str| {
        crate::suggest::did_you_mean(input, names)
            .map(|h| format!(" ({h})"))
            .unwrap_or_default()
    };
    let Some(turnover) = catalog.get::<TurnoverSpec>(source) else {
        if catalog.exists(Kind::Turnover, source) {
            return Err(PromotionRefused::Invalid(source.to_string()));
        }
        return Err(PromotionRefused::UnknownTurnover(
            source.to_string(),
            hint(catalog.names(Kind::Turnover), source),
        ));
    };
    let plan = plans
        .iter()
        .find(|p| p.kind == Kind::Turnover && p.name == source);
    let phase = plan.map_or("", |p| p.status.phase.as_str());
    if plan.is_none_or(|p| p.invalid) {
        return Err(PromotionRefused::Invalid(source.to_string()));
    }
    if !["deployed", "closed"].contains(&phase) {
        return Err(PromotionRefused::NotDeployed {
            name: source.to_string(),
            phase: phase.to_string(),
        });
    }
    if catalog.get::<EnvironmentSpec>(target).is_none() {
        return Err(PromotionRefused::UnknownEnvironment(
            target.to_string(),
            hint(catalog.names(Kind::Environment), target),
        ));
    }
    let spec = &turnover.manifest.spec;
    let from = spec.environment.as_str();
    let next = catalog
        .get::<EnvironmentSpec>(from)
        .and_then(|e| e.manifest.spec.promotes_to.clone());
    if next.as_ref().map(Name::as_str) != Some(target) {
        return Err(PromotionRefused::OffPath {
            name: source.to_string(),
            from: from.to_string(),
            next: next.map_or("is the end of the promotion path".to_string(), |n| {
                format!("promotes to `{n}`")
            }),
            to: target.to_string(),
        });
    }
    let new_name = match name {
        Some(name) => name.to_string(),
        None => match source.strip_suffix(&format!("-{from}")) {
            Some(stem) => format!("{stem}-{target}"),
            None => format!("{source}-{target}"),
        },
    };
    if let Some(problem) = Name::problem(&new_name) {
        return Err(PromotionRefused::BadName(new_name, problem));
    }
    if catalog.exists(Kind::Turnover, &new_name) {
        return Err(PromotionRefused::NameTaken(new_name));
    }
    let directory = turnover
        .path()
        .rsplit_once('/')
        .map_or(String::new(), |(dir, _)| format!("{dir}/"));
    let tasks: Vec<&Task> = turnover_tasks(catalog, turnover)
        .into_iter()
        .map(|p| p.task)
        .collect();
    let text = render(&new_name, source, target, spec, &tasks);
    Ok(Promotion {
        path: format!("{directory}{new_name}.yaml"),
        name: new_name,
        text,
    })
}

/// The new Turnover as YAML: the source's releases, work items and tasks (copied, so that
/// they can be edited), `promotedFrom` the source, and no `scheduledAt` yet.
fn render(name: &str, source: &str, target: &str, spec: &TurnoverSpec, tasks: &[&Task]) -> String {
    let mut out = format!(
        "# Promoted from Turnover/{source} by `railyard promote`: review the tasks, set\n\
         # `scheduledAt`, and commit. Until it is scheduled the turnover stays in draft.\n\
         apiVersion: railyard/v1\nkind: Turnover\nmetadata:\n  name: {name}\nspec:\n  environment: {target}\n"
    );
    if let Some(train) = &spec.train {
        let _ = writeln!(out, "  train: {}", scalar(train.as_str()));
    }
    if let Some(releases) = &spec.releases {
        let _ = writeln!(
            out,
            "  releases: [{}]",
            releases
                .iter()
                .map(|r| scalar(r.as_str()))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    let _ = writeln!(out, "  promotedFrom: {}", scalar(source));
    if !spec.work_items.is_empty() {
        let _ = writeln!(
            out,
            "  workItems: [{}]",
            spec.work_items
                .iter()
                .map(|w| scalar(w.as_str()))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    out.push_str("  tasks:\n");
    for task in tasks {
        let _ = writeln!(out, "    - id: {}", scalar(task.id.as_str()));
        let _ = writeln!(out, "      title: {}", scalar(&task.title));
        let kind = match task.task_type {
            TaskType::Manual => "manual",
            TaskType::Automated => "automated",
        };
        let _ = writeln!(out, "      type: {kind}");
        if let Some(owner) = &task.owner {
            let _ = writeln!(out, "      owner: {}", scalar(owner));
        }
        if let Some(run) = &task.run {
            let _ = writeln!(
                out,
                "      run: [{}]",
                run.iter().map(|a| scalar(a)).collect::<Vec<_>>().join(", ")
            );
        }
        if !task.depends_on.is_empty() {
            let _ = writeln!(
                out,
                "      dependsOn: [{}]",
                task.depends_on
                    .iter()
                    .map(|d| scalar(d.as_str()))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
        if let Some(timeout) = task.timeout {
            let _ = writeln!(out, "      timeout: {timeout}");
        }
    }
    out
}
