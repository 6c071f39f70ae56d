//! `reconcile --dry-run` and `explain`: load, validate, run the engine, and compare with the
//! status files already in the repository. This is the shell around the pure engine: it
//! reads the working tree and the clock is handed in.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

use crate::catalog::Catalog;
use crate::engine::{self, StatusMap};
use crate::facts::Facts;
use crate::load::{self, LoadError, Settings};
use crate::plan::{self, Plan};
use crate::validate;

/// The plan for the working tree at `root`, at `now`.
pub fn plan_worktree(root: &Path, now: jiff::Timestamp) -> Result<Plan, LoadError> {
    let loaded = load::read_worktree(root)?;
    let existing = read_status_files(root, &loaded.settings);
    let facts = Facts::unverified();
    Ok(plan_loaded(
        &loaded,
        &existing,
        &facts,
        now,
        "working-tree".to_string(),
    ))
}

/// The plan for what was loaded: pure.
pub fn plan_loaded(
    loaded: &load::Loaded,
    existing: &BTreeMap<String, Value>,
    facts: &Facts,
    now: jiff::Timestamp,
    revision: String,
) -> Plan {
    let diagnostics = validate::check_loaded(loaded);
    let (catalog, _) = Catalog::build(&loaded.settings, &loaded.documents);
    // Status files are railyard's own output and could have been edited by anyone: until
    // their history is verified (the write-back issue), nothing in them is trusted.
    let previous = StatusMap::new();
    let objects = engine::reconcile(&catalog, &diagnostics, &previous, facts, now);
    let changes = plan::changes(&loaded.settings.status_dir, &objects, existing);
    Plan {
        revision,
        objects,
        diagnostics,
        changes,
        verified: facts.verified,
    }
}

/// The status files in the working tree, as JSON, by path.
fn read_status_files(root: &Path, settings: &Settings) -> BTreeMap<String, Value> {
    let mut found = BTreeMap::new();
    let dir = root.join(&settings.status_dir);
    let Ok(kinds) = std::fs::read_dir(&dir) else {
        return found;
    };
    for kind in kinds.filter_map(Result::ok) {
        let Ok(files) = std::fs::read_dir(kind.path()) else {
            continue;
        };
        for file in files.filter_map(Result::ok) {
            let path = file.path();
            if path.extension().is_none_or(|e| e != "yaml") {
                continue;
            }
            let (Some(kind), Some(name)) = (
                kind.file_name().to_str().map(String::from),
                file.file_name().to_str().map(String::from),
            ) else {
                continue;
            };
            let relative = format!(
                "{}/{kind}/{name}",
                settings.status_dir.trim_end_matches('/')
            );
            let text = match load::read_limited(&path, settings.max_file_bytes) {
                load::Content::Bytes(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
                _ => String::new(),
            };
            let parsed = crate::yaml::parse(&text, settings.yaml);
            let value = parsed
                .documents
                .first()
                .map_or(Value::Null, |d| d.root.to_json());
            found.insert(relative, value);
        }
    }
    found
}
