//! `railyard new itil-release`: an ITIL Release record (seed 004) with the fields its `log`
//! phase asks for, and who runs and supports it copied from an earlier release.

use serde_json::{Map, Value, json};

use super::{Context, Drafted, existing, member, named};
use crate::error::Error;
use crate::manifest::{Kind, ReleaseSpec};

/// `railyard new itil-release` flags.
#[derive(Clone, Debug, Default)]
pub struct ItilOptions {
    pub name: Option<String>,
    /// A Release to copy who runs and supports it from (type, model, service, owners,
    /// support levels).
    pub template: Option<String>,
    pub title: Option<String>,
    /// `emergency`, `major` or `minor`.
    pub release_type: Option<String>,
    pub description: Option<String>,
    pub reason: Option<String>,
    pub justification: Option<String>,
    /// The ReleaseModel; by default the template's, else the repository's only one.
    pub model: Option<String>,
    pub service: Option<String>,
    /// A member; by default the person running railyard.
    pub requested_by: Option<String>,
}

/// What a template passes on: who runs and supports the release, not what it is.
const FROM_TEMPLATE: [&str; 9] = [
    "releaseType",
    "releaseModel",
    "service",
    "serviceOwner",
    "owningGroup",
    "category",
    "owner",
    "supportLevel1",
    "supportLevel2",
];

pub(super) fn draft(context: &Context<'_>, options: &ItilOptions) -> Result<Drafted, Error> {
    let catalog = context.catalog;
    let name = named(options.name.as_deref(), "itil-release")?;
    let mut filled = Vec::new();
    let template: Map<String, Value> = match &options.template {
        Some(template) => {
            let template = existing(catalog, Kind::Release, template, "--template")?;
            let spec = catalog
                .get::<ReleaseSpec>(&template)
                .and_then(|r| serde_json::to_value(&r.manifest.spec).ok());
            let copied: Map<String, Value> = match spec {
                Some(Value::Object(spec)) => spec
                    .into_iter()
                    .filter(|(k, _)| FROM_TEMPLATE.contains(&k.as_str()) || k == "supportLevel3")
                    .collect(),
                _ => Map::new(),
            };
            if !copied.is_empty() {
                filled.push(format!(
                    "{} from Release/{template}",
                    copied
                        .keys()
                        .map(|k| format!("`{k}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
            copied
        }
        None => Map::new(),
    };
    let mut spec = Map::new();
    let mut set = |key: &str, value: Option<Value>| {
        if let Some(value) = value.or_else(|| template.get(key).cloned()) {
            spec.insert(key.to_string(), value);
        }
    };
    set("title", options.title.as_ref().map(|t| json!(t)));
    if let Some(kind) = &options.release_type {
        let known = ["emergency", "major", "minor"];
        if !known.contains(&kind.as_str()) {
            return Err(Error::Refused(format!(
                "--release-type: `{kind}` is not a release type ({})",
                known.join(", ")
            )));
        }
    }
    set(
        "releaseType",
        options.release_type.as_ref().map(|t| json!(t)),
    );
    set(
        "description",
        options.description.as_ref().map(|t| json!(t)),
    );
    let requested_by = match (&options.requested_by, &context.me) {
        (Some(who), _) => Some(member(catalog, who, "--requested-by")?),
        (None, Some(me)) => {
            filled.push(format!("requestedBy `{me}` (you)"));
            Some(me.clone())
        }
        (None, None) => None,
    };
    set("requestedBy", requested_by.map(|w| json!(w)));
    set("reason", options.reason.as_ref().map(|t| json!(t)));
    let model = match &options.model {
        Some(model) => Some(existing(catalog, Kind::ReleaseModel, model, "--model")?),
        None if template.contains_key("releaseModel") => None,
        None => match catalog.names(Kind::ReleaseModel).as_slice() {
            [only] => {
                filled.push(format!("releaseModel `{only}` (the repository's only one)"));
                Some(only.to_string())
            }
            _ => None,
        },
    };
    set("releaseModel", model.map(|m| json!(m)));
    set(
        "justification",
        options.justification.as_ref().map(|t| json!(t)),
    );
    set("service", options.service.as_ref().map(|t| json!(t)));
    for key in FROM_TEMPLATE
        .iter()
        .skip(3)
        .copied()
        .chain(["supportLevel3"])
    {
        set(key, None);
    }
    Ok(Drafted {
        kind: Kind::Release,
        name,
        spec,
        filled,
        header: "Written by `railyard new itil-release`: fill in what `log` still asks for,\nreview it and commit it.".into(),
    })
}
