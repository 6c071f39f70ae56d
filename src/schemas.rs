//! The files of `schemas/`: the schema of each kind and of any manifest, and the schemas of
//! what railyard writes and sends (status files, notifications), as `railyard schema`
//! writes them; with a base URL for publishing, and a catalog entry for SchemaStore.

use serde_json::{Value, json};

use crate::manifest::Kind;
use crate::schema::{
    ANY_MANIFEST_FILE, any_manifest_schema, file_name, kind_schema, schema_id, set_id, settings,
};

/// Every schema file of `schemas/` as (file name, pretty JSON with a final newline). With a
/// `base_url` (see [`base_url`]), each `$id` is `<base_url>/<file name>` instead of the URN:
/// what a catalog such as SchemaStore needs, where the files are published at that URL.
pub fn files(base_url: Option<&str>) -> Vec<(String, String)> {
    let mut schemas: Vec<(String, Value)> = Kind::ALL
        .iter()
        .map(|kind| (file_name(*kind), kind_schema(*kind)))
        .collect();
    schemas.push((ANY_MANIFEST_FILE.to_string(), any_manifest_schema()));
    schemas.push((STATUS_FILE.to_string(), status_schema()));
    schemas.push(("Notification.json".to_string(), notification_schema()));
    schemas
        .into_iter()
        .map(|(name, mut schema)| {
            if let Some(base) = base_url {
                set_id(&mut schema, &format!("{base}/{name}"));
            }
            (name, pretty(&schema))
        })
        .collect()
}

/// `url` checked as the base of published schemas: an absolute `https://` (or `http://`)
/// URL without a query or fragment, returned without a trailing `/`.
pub fn base_url(url: &str) -> Result<String, String> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .ok_or_else(|| format!("`{url}` is not an https:// URL"))?;
    let host = rest.split('/').next().unwrap_or_default();
    if host.is_empty() {
        return Err(format!("`{url}` has no host"));
    }
    if let Some(bad) = url
        .chars()
        .find(|c| matches!(c, '?' | '#') || c.is_whitespace())
    {
        return Err(format!(
            "`{url}` holds {bad:?}: a base URL has no query, fragment or spaces"
        ));
    }
    Ok(url.trim_end_matches('/').to_string())
}

/// The file name of the catalog entry written beside schemas published at a base URL.
pub const CATALOG_FILE: &str = "catalog.json";

/// An entry for a JSON Schema catalog (SchemaStore's `catalog.json` format): editors that
/// use the catalog then check `railyard.yaml` with no modeline. The other kinds have no fixed
/// file name, so they keep their modelines (they may point at the published URLs too).
pub fn catalog(base_url: &str) -> String {
    let entry = json!({
        "$schema": "https://json.schemastore.org/schema-catalog.json",
        "version": 1,
        "schemas": [{
            "name": "railyard configuration",
            "description": "railyard's configuration (kind Config): where manifests and status live, trust, notifications, limits",
            "fileMatch": ["railyard.yaml", "railyard.yml"],
            "url": format!("{base_url}/{}", file_name(Kind::Config)),
        }],
    });
    pretty(&entry)
}

/// The schema of the JSON body a webhook sink receives.
pub fn notification_schema() -> Value {
    let mut generator = settings().into_generator();
    let mut schema = generator
        .root_schema_for::<crate::notify::Message>()
        .to_value();
    set_id(&mut schema, &schema_id("Notification"));
    schema
}

/// The file name of the schema of status files.
pub const STATUS_FILE: &str = "Status.json";

/// The schema of `status/<Kind>/<name>.yaml`.
pub fn status_schema() -> Value {
    let mut generator = settings().into_generator();
    let mut schema = generator
        .root_schema_for::<crate::status::StatusFile>()
        .to_value();
    set_id(&mut schema, &schema_id("Status"));
    schema
}

fn pretty(value: &Value) -> String {
    let mut text = serde_json::to_string_pretty(value).unwrap_or_default();
    text.push('\n');
    text
}
