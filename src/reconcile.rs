//! `reconcile --dry-run` and `explain`: load, validate, run the engine, and compare with the
//! status files already in the repository. This is the shell around the pure engine: it
//! reads the working tree or a commit, asks git for the facts that trust needs, and is handed
//! the clock.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

use crate::catalog::Catalog;
use crate::engine::{self, StatusMap};
use crate::facts::Facts;
use crate::git::{GitError, GitRepo};
use crate::load::{self, LoadError, Settings};
use crate::plan::{self, Plan};
use crate::validate;

/// Why a plan could not be made.
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    #[error(transparent)]
    Load(#[from] LoadError),
    #[error(transparent)]
    Git(#[from] GitError),
}

/// The plan for the working tree at `root` (uncommitted edits included), at `now`. Inside a
/// git repository, approvals and reports are trusted from its history; in a plain folder
/// they count by their `by` field and the plan says so.
pub fn plan_worktree(root: &Path, now: jiff::Timestamp) -> Result<Plan, PlanError> {
    let loaded = load::read_worktree(root)?;
    let existing = status_json(&read_status_files(root, &loaded.settings), &loaded.settings);
    let facts = match GitRepo::discover(root) {
        Ok(repo) => repo.facts(None)?,
        Err(GitError::NotARepository { .. }) => Facts::unverified(),
        Err(e) => return Err(e.into()),
    };
    Ok(plan_loaded(
        &loaded,
        &existing,
        &facts,
        now,
        "working-tree".to_string(),
    ))
}

/// The plan for the commit `rev` of the git repository that holds `root`, read from its tree
/// (the working tree is not looked at).
pub fn plan_revision(root: &Path, rev: &str, now: jiff::Timestamp) -> Result<Plan, PlanError> {
    let repo = GitRepo::discover(root)?;
    let (loaded, status) = repo.read_tree(rev)?;
    let existing = status_json(&status, &loaded.settings);
    let facts = repo.facts(Some(rev))?;
    Ok(plan_loaded(
        &loaded,
        &existing,
        &facts,
        now,
        repo.revision(Some(rev))?,
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
    // Status files are railyard's own output and anyone could have edited them: until their
    // history is checked (the write-back issue), nothing in them is trusted.
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

/// Status files as JSON values, by path.
fn status_json(files: &BTreeMap<String, Vec<u8>>, settings: &Settings) -> BTreeMap<String, Value> {
    files
        .iter()
        .map(|(path, bytes)| {
            let text = String::from_utf8_lossy(bytes);
            let parsed = crate::yaml::parse(&text, settings.yaml);
            (
                path.clone(),
                parsed
                    .documents
                    .first()
                    .map_or(Value::Null, |d| d.root.to_json()),
            )
        })
        .collect()
}

/// The status files in the working tree, by path.
fn read_status_files(root: &Path, settings: &Settings) -> BTreeMap<String, Vec<u8>> {
    let mut found = BTreeMap::new();
    let Ok(kinds) = std::fs::read_dir(root.join(&settings.status_dir)) else {
        return found;
    };
    for kind in kinds.filter_map(Result::ok) {
        let Ok(files) = std::fs::read_dir(kind.path()) else {
            continue;
        };
        for file in files.filter_map(Result::ok) {
            let (Some(kind), Some(name)) = (
                kind.file_name().to_str().map(String::from),
                file.file_name().to_str().map(String::from),
            ) else {
                continue;
            };
            if !name.ends_with(".yaml") {
                continue;
            }
            if let load::Content::Bytes(bytes) =
                load::read_limited(&file.path(), settings.max_file_bytes)
            {
                found.insert(
                    format!(
                        "{}/{kind}/{name}",
                        settings.status_dir.trim_end_matches('/')
                    ),
                    bytes,
                );
            }
        }
    }
    found
}
