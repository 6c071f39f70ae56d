//! `railyard new release`: an ApplicationRelease of an application's version, on a train.

use serde_json::{Map, json};

use super::{Context, Drafted, existing, named};
use crate::error::Error;
use crate::manifest::Kind;

/// `railyard new release` flags.
#[derive(Clone, Debug, Default)]
pub struct ReleaseOptions {
    pub name: Option<String>,
    /// By default, from a name `<application>-<version>` (`api-3.2`).
    pub application: Option<String>,
    pub version: Option<String>,
    /// The train it rides; by default the one train still open to releases.
    pub train: Option<String>,
    /// Application releases it depends on.
    pub depends_on: Vec<String>,
}

pub(super) fn draft(context: &Context<'_>, options: &ReleaseOptions) -> Result<Drafted, Error> {
    let catalog = context.catalog;
    let name = named(options.name.as_deref(), "release")?;
    let mut filled = Vec::new();
    // `api-3.2`: the application, then a version that starts with a digit.
    let from_name = name
        .rsplit_once('-')
        .filter(|(_, version)| version.starts_with(|c: char| c.is_ascii_digit()));
    let (application, version) = match (&options.application, &options.version, from_name) {
        (Some(a), Some(v), _) => (a.clone(), v.clone()),
        (a, v, Some((app, ver))) => {
            if a.is_none() {
                filled.push(format!("application `{app}` (from the name)"));
            }
            if v.is_none() {
                filled.push(format!("version `{ver}` (from the name)"));
            }
            (
                a.clone().unwrap_or_else(|| app.to_string()),
                v.clone().unwrap_or_else(|| ver.to_string()),
            )
        }
        _ => {
            return Err(Error::Refused(format!(
                "give --application and --version (or name the release `<application>-<version>`, e.g. `{name}-1.0`)"
            )));
        }
    };
    let mut spec = Map::new();
    let train = match &options.train {
        Some(train) => Some(existing(catalog, Kind::ReleaseTrain, train, "--train")?),
        None => {
            let open = open_trains(context);
            match open.as_slice() {
                [only] => {
                    filled.push(format!(
                        "train `{only}` (the only train in scoping or construction)"
                    ));
                    Some(only.clone())
                }
                _ => None,
            }
        }
    };
    if let Some(train) = &train {
        spec.insert("train".into(), json!(train));
    }
    spec.insert("application".into(), json!(application));
    spec.insert("version".into(), json!(version));
    let mut depends_on = Vec::new();
    for release in &options.depends_on {
        depends_on.push(existing(
            catalog,
            Kind::ApplicationRelease,
            release,
            "--depends-on",
        )?);
    }
    if !depends_on.is_empty() {
        spec.insert("dependsOn".into(), json!(depends_on));
    }
    Ok(Drafted {
        kind: Kind::ApplicationRelease,
        name,
        spec,
        filled,
        header: "Written by `railyard new release`: add its work items (`workItems`), review it\nand commit it.".into(),
    })
}

/// The trains whose plan is in `scoping` or `construction`: those a release may still join.
fn open_trains(context: &Context<'_>) -> Vec<String> {
    context
        .plan
        .objects
        .iter()
        .filter(|o| o.kind == Kind::ReleaseTrain && !o.invalid)
        .filter(|o| matches!(o.status.phase.as_str(), "scoping" | "construction"))
        .map(|o| o.name.clone())
        .collect()
}
