//! `reconcile --dry-run` and `explain`: load, validate, run the engine, and compare with the
//! status files already in the repository. This is the shell around the pure engine: it
//! reads the working tree or a commit, asks git for the facts that trust needs, and is handed
//! the clock.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use crate::catalog::Catalog;
use crate::diagram::Diagram;
use crate::engine::{self, WaysOut};
use crate::error::Error;
use crate::git::{GitError, GitRepo};
use crate::load::{self, Settings};
use crate::manifest::{ApplicationReleaseSpec, Kind};
use crate::plan::Plan;
use crate::trust::facts::Facts;

/// The plan for the working tree at `root` (uncommitted edits included), at `now`. Inside a
/// git repository, approvals and reports are trusted from its history; in a plain folder
/// they count by their `by` field and the plan says so. With `cache` (`watch --dry-run`),
/// files whose size and modification time it knows are not parsed again, and the checks and
/// the engine start from what they kept.
pub fn plan_worktree(
    root: &Path,
    now: jiff::Timestamp,
    cache: Option<&mut crate::pipeline::Incremental>,
) -> Result<Plan, Error> {
    let (loaded, plan) = worktree_plan(root, now, cache, WaysOut::Dropped)?;
    crate::reclaim::at_end(loaded);
    Ok(plan)
}

/// The working tree planned as [`plan_worktree`] plans it, the plan of `kind`/`name` keeping
/// its ways out of the phase (what holds and what does not on each), for `explain`.
pub fn explain_worktree(
    root: &Path,
    now: jiff::Timestamp,
    kind: &str,
    name: &str,
) -> Result<Plan, Error> {
    let (loaded, plan) = worktree_plan(root, now, None, WaysOut::Of(kind, name))?;
    crate::reclaim::at_end(loaded);
    Ok(plan)
}

/// The working tree loaded and planned, starting from railyard's own trusted status, as
/// `reconcile --dry-run`, `graph` and `promote` all see it.
fn worktree_plan(
    root: &Path,
    now: jiff::Timestamp,
    cache: Option<&mut crate::pipeline::Incremental>,
    ways_out: WaysOut<'_>,
) -> Result<(load::Loaded, Plan), Error> {
    let mut cache = cache;
    let mut tree = Worktree::read_with(root, cache.as_deref_mut().map(|c| &mut c.tree.parse))?;
    let plan = plan_keeping(
        &mut tree.loaded,
        &tree.own,
        &tree.facts,
        now,
        "working-tree".to_string(),
        cache,
        ways_out,
    );
    crate::reclaim::at_end((tree.own, tree.facts));
    Ok((tree.loaded, plan))
}

/// The working tree as a plan reads it: its manifests, railyard's own files in it, and what
/// git says of its history (nothing, verified or not, for a plain folder).
pub struct Worktree {
    pub loaded: load::Loaded,
    pub own: crate::git::OwnFiles,
    pub facts: Facts,
}

impl Worktree {
    /// Reads the working tree at `root`.
    pub fn read(root: &Path) -> Result<Worktree, Error> {
        Worktree::read_with(root, None)
    }

    /// The history is read beside the files (neither needs the other).
    fn read_with(root: &Path, parse: Option<&mut load::ParseCache>) -> Result<Worktree, Error> {
        let (loaded, facts) = crate::beside::side_by_side(
            || load::read_worktree(root, parse),
            || worktree_facts(root),
        );
        let loaded = loaded?;
        let own = read_own_files(root, &loaded.settings);
        Ok(Worktree {
            loaded,
            own,
            facts: facts?,
        })
    }

    /// Its plan at `now` when the repository validates; otherwise how many errors it has (a
    /// command that writes a file for a person writes nothing then).
    pub fn validated_plan(&mut self, now: jiff::Timestamp) -> Result<Plan, Error> {
        let plan = self.plan(now);
        match plan.error_count() {
            0 => Ok(plan),
            errors => Err(Error::DoesNotValidate { errors }),
        }
    }

    /// Its plan at `now`, as `reconcile --dry-run` shows it.
    pub fn plan(&mut self, now: jiff::Timestamp) -> Plan {
        plan_loaded(
            &mut self.loaded,
            &self.own,
            &self.facts,
            now,
            "working-tree".to_string(),
            None,
        )
    }
}

/// Facts from the git repository that holds `root`; none (unverified) for a plain folder.
fn worktree_facts(root: &Path) -> Result<Facts, Error> {
    match GitRepo::discover(root) {
        Ok(repo) => Ok(repo.facts(None)?),
        Err(GitError::NotARepository { .. }) => Ok(Facts::unverified()),
        Err(e) => Err(e.into()),
    }
}

/// The plan for the commit `rev` of the git repository that holds `root`, read from its tree
/// (the working tree is not looked at).
pub fn plan_revision(root: &Path, rev: &str, now: jiff::Timestamp) -> Result<Plan, Error> {
    let repo = GitRepo::discover(root)?;
    let read = repo.read_commit(rev, None)?;
    let (mut loaded, existing) = (Arc::unwrap_or_clone(read.loaded), read.own);
    let plan = plan_loaded(&mut loaded, &existing, &read.facts, now, read.id, None);
    crate::reclaim::at_end((loaded, existing, read.facts));
    Ok(plan)
}

/// [`plan_revision`] of a pull request's head `rev`, checked against its `base` (a branch
/// or commit): what the pull request changes since the two parted ([`crate::review`]) is
/// added to the plan, errors as diagnostics and the rest as warnings.
pub fn plan_pull_request(
    root: &Path,
    rev: &str,
    base: &str,
    now: jiff::Timestamp,
) -> Result<Plan, Error> {
    let repo = GitRepo::discover(root)?;
    let parted = repo.merge_base(base, rev)?;
    let read = repo.read_commit(rev, None)?;
    let (mut loaded, existing) = (Arc::unwrap_or_clone(read.loaded), read.own);
    let (before, _) = repo.read_tree(&parted)?;
    let changed = repo.changed_paths(&parted, &read.id)?;
    let review = crate::review::review(&before, &loaded, &changed);
    drop(before);
    let mut plan = plan_loaded(&mut loaded, &existing, &read.facts, now, read.id, None);
    crate::reclaim::at_end((loaded, existing, read.facts));
    if !review.diagnostics.is_empty() {
        plan.diagnostics.extend(review.diagnostics);
        crate::diagnostics::sort(&mut plan.diagnostics);
    }
    plan.warnings.extend(review.warnings);
    Ok(plan)
}

/// The plan of what was read: the pipeline's outcome as a plan, with `revision` for its
/// title. `cache` is what the last round kept (`watch --dry-run`).
pub fn plan_loaded(
    loaded: &mut load::Loaded,
    own_files: &crate::git::OwnFiles,
    facts: &Facts,
    now: jiff::Timestamp,
    revision: String,
    cache: Option<&mut crate::pipeline::Incremental>,
) -> Plan {
    let ways_out = WaysOut::Dropped;
    plan_keeping(loaded, own_files, facts, now, revision, cache, ways_out)
}

/// [`plan_loaded`], the plans `ways_out` names keeping their ways out of the phase.
fn plan_keeping(
    loaded: &mut load::Loaded,
    own_files: &crate::git::OwnFiles,
    facts: &Facts,
    now: jiff::Timestamp,
    revision: String,
    cache: Option<&mut crate::pipeline::Incremental>,
    ways_out: WaysOut<'_>,
) -> Plan {
    let inputs = crate::pipeline::Inputs {
        ways_out,
        ..crate::pipeline::Inputs::looking(loaded, own_files, facts, now)
    };
    let outcome = crate::pipeline::reconcile(inputs, cache);
    let changes = outcome
        .changes
        .iter()
        .map(|(path, bytes)| {
            let action = match (own_files.contains_key(path), bytes) {
                (_, None) => "delete",
                (true, Some(_)) => "update",
                (false, Some(_)) => "create",
            };
            (path.clone(), action.to_string())
        })
        .collect();
    crate::reclaim::at_end(outcome.previous);
    Plan {
        halts: outcome.halts,
        signatures: outcome.signatures,
        revision,
        objects: outcome.plans,
        diagnostics: outcome.diagnostics,
        changes,
        verified: facts.verified,
        warnings: outcome.warnings,
        directory: outcome.directory,
        repository_url: loaded.settings.repository_url.clone(),
    }
}

/// The dependency diagram of `object` (`Kind/name`) in the working tree at `root`: a
/// turnover's tasks (or a release's current task plan) with their states, or a train's
/// application releases with their phases.
pub fn diagram_worktree(root: &Path, now: jiff::Timestamp, object: &str) -> Result<Diagram, Error> {
    let (loaded, plan) = worktree_plan(root, now, None, WaysOut::Dropped)?;
    let (kind, name) = object.split_once('/').unwrap_or((object, ""));
    let Some(found) = plan
        .objects
        .iter()
        .find(|o| o.kind.as_str() == kind && o.name == name)
    else {
        let known: Vec<String> = plan
            .objects
            .iter()
            .map(|o| format!("{}/{}", o.kind, o.name))
            .collect();
        let hint = crate::suggest::did_you_mean(object, known.iter().map(String::as_str))
            .map(|h| format!(" ({h})"))
            .unwrap_or_default();
        return Err(Error::NoSuchObject(object.to_string(), hint));
    };
    let (catalog, _) = Catalog::build(&loaded.settings, &loaded.documents);
    if let Some(tasks) = &found.tasks {
        let titles = crate::tasks::titles(&catalog, found.kind, &found.name);
        return Ok(Diagram::from_tasks(object, tasks, &|id: &str| {
            titles.get(id).cloned().unwrap_or_default()
        }));
    }
    if found.kind != Kind::ReleaseTrain {
        return Err(Error::NoGraph(object.to_string()));
    }
    let of_train = |release: &str| {
        catalog
            .get::<ApplicationReleaseSpec>(release)
            .is_some_and(|r| {
                r.manifest
                    .spec
                    .train
                    .as_ref()
                    .is_some_and(|t| t.as_str() == name)
            })
    };
    let releases: Vec<&engine::ObjectPlan> = plan
        .objects
        .iter()
        .map(std::sync::Arc::as_ref)
        .filter(|o| o.kind == Kind::ApplicationRelease && of_train(&o.name))
        .collect();
    let depends = |release: &str| -> Vec<String> {
        catalog
            .get::<ApplicationReleaseSpec>(release)
            .map(|r| {
                r.manifest
                    .spec
                    .depends_on
                    .iter()
                    .map(|d| d.to_string())
                    .collect()
            })
            .unwrap_or_default()
    };
    let describe = |release: &str| -> String {
        catalog
            .get::<ApplicationReleaseSpec>(release)
            .map(|r| {
                format!(
                    "{} {}",
                    r.manifest.spec.application, r.manifest.spec.version
                )
            })
            .unwrap_or_default()
    };
    Ok(Diagram::from_releases(
        object, &releases, &depends, &describe,
    ))
}

/// The promotion of turnover `source` to environment `target` in the working tree at `root`
/// (the new manifest's path and text; nothing is written here).
pub fn promote_worktree(
    root: &Path,
    now: jiff::Timestamp,
    source: &str,
    target: &str,
    name: Option<&str>,
) -> Result<crate::promote::Promotion, Error> {
    let (loaded, plan) = worktree_plan(root, now, None, WaysOut::Dropped)?;
    let (catalog, _) = Catalog::build(&loaded.settings, &loaded.documents);
    Ok(crate::promote::promote(
        &catalog,
        &plan.objects,
        source,
        target,
        name,
    )?)
}

/// railyard's own files in the working tree (status files and the summary), by path.
fn read_own_files(root: &Path, settings: &Settings) -> crate::git::OwnFiles {
    let mut found = BTreeMap::new();
    for page in settings.pages() {
        if let load::Content::Bytes(bytes) =
            load::read_limited(&root.join(page), load::MAX_OWN_FILE_BYTES)
        {
            found.insert(page.to_string(), std::sync::Arc::new(bytes));
        }
    }
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
                load::read_limited(&file.path(), load::MAX_OWN_FILE_BYTES)
            {
                found.insert(
                    format!(
                        "{}/{kind}/{name}",
                        settings.status_dir.trim_end_matches('/')
                    ),
                    std::sync::Arc::new(bytes),
                );
            }
        }
    }
    found
}
