//! The spec fields an object's workflow reads: which fields (from its guards, `set`s and
//! due dates), the spec pruned to them and digested once per parsed document, and the spec
//! overlaid with the values the workflow recorded.

use std::collections::BTreeSet;
use std::sync::Arc;

use serde_json::Value;

use super::repository::{Subject, field_values, is_empty};
use crate::catalog::Catalog;
use crate::load::{Document, SpecView};
use crate::manifest::{WorkflowKind, WorkflowSpec};
use crate::status::{ObjectStatus, digest_json};

/// The spec the engine reads: the pruned spec, with a turnover's tasks as the ones it will
/// run (`tasksFrom` included; only their number matters). The pruned spec itself, shared,
/// when that changes nothing (a hundred thousand objects do not each copy theirs).
pub(super) fn run_spec<'v>(
    catalog: &Catalog<'_>,
    kind: WorkflowKind,
    name: &str,
    pruned: std::borrow::Cow<'v, Value>,
) -> std::borrow::Cow<'v, Value> {
    if kind != WorkflowKind::Turnover {
        return pruned;
    }
    let (Some(turnover), Value::Object(map)) =
        (catalog.get::<crate::manifest::TurnoverSpec>(name), &*pruned)
    else {
        return pruned;
    };
    if !map.contains_key("tasks") && turnover.manifest.spec.tasks_from.is_none() {
        return pruned;
    }
    let count = crate::tasks::turnover_tasks(catalog, turnover).len();
    let tasks = Value::Array(vec![Value::Object(serde_json::Map::new()); count]);
    if map.get("tasks") == Some(&tasks) {
        return pruned;
    }
    let mut spec = pruned.into_owned();
    if let Value::Object(map) = &mut spec {
        map.insert("tasks".into(), tasks);
    }
    std::borrow::Cow::Owned(spec)
}

/// The spec fields a workflow reads (dotted paths), plus those the guards always consult.
pub(super) fn needed_fields(flow: &WorkflowSpec) -> Vec<String> {
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
/// kept with the document when it was made for the same fields, else made now, and kept with
/// the document when `keep` (a watcher's next round reads it again) and the document has a
/// cell for it (a cache holds it).
///
/// A view not kept is the object's own and goes with its plan's making: held with the
/// documents to the end of a one-shot run, the 100,000-manifest dry-run's views were some
/// 50 MB of its peak.
pub(super) fn spec_view<'d>(
    document: &'d Document,
    fields: &Arc<[String]>,
    keep: bool,
) -> std::borrow::Cow<'d, SpecView> {
    let make = || {
        let object = document.object.as_deref();
        // Made from the typed spec when every shape in it is modelled, else from its JSON:
        // the same view either way.
        let direct = object.and_then(|object| {
            let spec = object.spec();
            let split: Vec<Vec<&str>> = fields.iter().map(|p| p.split('.').collect()).collect();
            let paths: Vec<&[&str]> = split.iter().map(Vec::as_slice).collect();
            Some(SpecView {
                digest: crate::status::digest_serialized(&spec)?,
                fields: fields.clone(),
                spec: super::spec_shape::pruned(&spec, &paths)?,
            })
        });
        direct.unwrap_or_else(|| {
            let full = object.map_or(Value::Null, crate::manifest::Object::spec_json);
            SpecView {
                digest: digest_json(&full),
                fields: fields.clone(),
                spec: prune(&full, fields),
            }
        })
    };
    let kept = document.view.as_deref().and_then(|cell| match keep {
        true => Some(cell.get_or_init(make)),
        false => cell.get(),
    });
    match kept {
        Some(kept) if kept.fields == *fields => std::borrow::Cow::Borrowed(kept),
        _ => std::borrow::Cow::Owned(make()),
    }
}

/// `value` with only the fields on `paths`; a list keeps its length, each item only the
/// fields the path goes on to.
pub(super) fn prune(value: &Value, paths: &[String]) -> Value {
    let split: Vec<Vec<&str>> = paths.iter().map(|p| p.split('.').collect()).collect();
    let refs: Vec<&[&str]> = split.iter().map(Vec::as_slice).collect();
    prune_steps(value, &refs)
}

pub(super) fn prune_steps(value: &Value, paths: &[&[&str]]) -> Value {
    match value {
        Value::Object(map) => {
            // Gathered first and made a map of the exact size: a pruned spec is kept for
            // every object for the whole run, and a map grown one entry at a time keeps
            // room for half as many again.
            let mut kept: Vec<(String, Value)> = Vec::new();
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
                    super::spec_shape::merge(shallow(child), prune_steps(child, &deeper))
                } else {
                    prune_steps(child, &deeper)
                };
                kept.push((key.clone(), pruned));
            }
            Value::Object(kept.into_iter().collect())
        }
        Value::Array(items) => {
            Value::Array(items.iter().map(|item| prune_steps(item, paths)).collect())
        }
        other => other.clone(),
    }
}

/// A field read as a whole: scalars as they are, a list of objects as that many empty
/// objects (enough to tell empty from not).
pub(super) fn shallow(value: &Value) -> Value {
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

/// The spec with the workflow's recorded values laid over it.
pub(super) fn effective<'v>(
    subject: &'v Subject<'_>,
    status: &ObjectStatus,
) -> std::borrow::Cow<'v, Value> {
    if status.defaults.is_empty() && status.recorded.is_empty() {
        return std::borrow::Cow::Borrowed(&*subject.spec);
    }
    let mut values = subject.spec.clone().into_owned();
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

pub(super) fn set_field(values: &mut Value, path: &str, value: Value) {
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
