//! The reconcile, once: from what was read (manifests, railyard's own files, the history,
//! the clock) to what railyard would write (each object's plan, the status files and
//! `STATUS.md`, the notifications owed, the warnings). Pure: it reads and writes nothing.
//! `reconcile --dry-run`, the status commit, `--execute`, `explain`, `graph`, `promote` and
//! `watch` all call it, so that a dry-run shows exactly what a commit would do.

use std::sync::Arc;

use crate::catalog::Catalog;
use crate::diagnostics::Diagnostic;
use crate::engine::{self, ObjectPlan};
use crate::git::OwnFiles;
use crate::load::Loaded;
use crate::manifest::SignatureMode;
use crate::notify::Directory;
use crate::status::StatusMap;
use crate::status::recorded::Recorded;
use crate::status_files::{self, Trusted};
use crate::tasks::runner::RunList;
use crate::trust::facts::Facts;
use crate::validate;

/// What a watcher keeps from one round for the next: each part is an input of the round
/// that it makes cheaper when little changed, never one that changes what the round decides
/// (the same round without it gives the same bytes).
#[derive(Default)]
pub struct Incremental {
    /// Manifests parsed by blob, and what the last round read of the committed tree (the
    /// working tree's loads, `watch --dry-run`, use its parse cache too).
    pub tree: crate::git::TreeCache,
    /// The facts of the last tip read (who added and changed each file).
    pub facts: crate::git::FactsCache,
    /// railyard's own status files as parsed before.
    pub statuses: status_files::Statuses,
    /// What the engine decided last round, for the objects whose inputs did not change.
    pub memo: engine::memo::PlanMemo,
    /// What the cross-object checks found last round, for the objects that did not change.
    pub checks: crate::check::ChecksMemo,
    /// What the last round found and wrote of railyard's own files.
    pub rendered: status_files::Rendered,
}

impl Incremental {
    /// Manifest files the last load parsed (the rest came from the cache).
    pub fn parsed(&self) -> usize {
        self.tree.parse.parsed
    }
}

/// The manifests a reconcile reads: shared with a watcher's cache (or a commit that keeps
/// them), or the caller's own, whose YAML trees the pipeline frees once the checks (the
/// only step that needs positions) are done: a dry-run of a large repository then peaks
/// lower.
pub enum Manifests<'a> {
    Shared(&'a Loaded),
    Owned(&'a mut Loaded),
}

/// What a reconcile starts from.
pub struct Inputs<'a> {
    pub loaded: Manifests<'a>,
    /// railyard's own files as the tree (or the working tree) has them.
    pub own_files: &'a OwnFiles,
    pub facts: &'a Facts,
    pub now: jiff::Timestamp,
    /// Runs `--execute` recorded, laid over the previous status (and the run lists of what may
    /// run next are made).
    pub recorded: Option<&'a Recorded>,
    /// Deliveries to record, laid over the previous status.
    pub delivered: Option<&'a crate::deliver::Delivered>,
    /// Whether files that do not exist yet get their bytes: a commit writes them, a dry-run
    /// needs only their names (it then lists them with empty bytes, and renders nothing for
    /// a repository without status).
    pub render_new: bool,
    /// When the caller's reconcile started: the debug log's laps count from it.
    pub started: std::time::Instant,
    /// Which plans keep their ways out (`explain`'s object; none otherwise).
    pub ways_out: engine::WaysOut<'a>,
}

impl<'a> Inputs<'a> {
    /// The inputs of a reconcile that only looks (a dry-run, `status`): the caller's own
    /// manifests, nothing recorded or delivered, new status files named but not rendered.
    pub fn looking(
        loaded: &'a mut Loaded,
        own_files: &'a OwnFiles,
        facts: &'a Facts,
        now: jiff::Timestamp,
    ) -> Inputs<'a> {
        Inputs {
            loaded: Manifests::Owned(loaded),
            own_files,
            facts,
            now,
            recorded: None,
            delivered: None,
            render_new: false,
            started: std::time::Instant::now(),
            ways_out: engine::WaysOut::Dropped,
        }
    }
}

/// What a reconcile decided.
pub struct Outcome {
    pub plans: Vec<Arc<ObjectPlan>>,
    /// The halts in force (STATUS.md and the plan start with them).
    pub halts: Vec<crate::halts::Halt>,
    pub diagnostics: Vec<Diagnostic>,
    /// railyard's own files someone else changed, recipients that name nobody, sinks that
    /// can receive nothing: one sentence each.
    pub warnings: Vec<String>,
    /// Who the notifications reach: the plans' messages are made from it when asked.
    pub directory: Directory,
    /// Each of railyard's own files to write (its bytes; empty for a new file without
    /// [`Inputs::render_new`]) or to delete (`None`), by path.
    pub changes: Vec<(String, Option<Vec<u8>>)>,
    /// With [`Inputs::recorded`]: the run lists of what may run next.
    pub run_lists: Vec<RunList>,
    /// `trust.signatures`, as the catalog read it.
    pub signatures: SignatureMode,
    /// What the outcome was worked out from, let go of by the caller when it is done.
    pub previous: StatusMap,
}

/// The reconcile of `inputs`, starting from what `cache` kept of the last round.
pub fn reconcile(inputs: Inputs<'_>, cache: Option<&mut Incremental>) -> Outcome {
    let started = inputs.started;
    let lap = |what: &str| {
        tracing::debug!(
            elapsed_ms = started.elapsed().as_millis() as u64,
            peak_kib = crate::reclaim::peak_kib(),
            "{what}"
        )
    };
    let Inputs {
        loaded,
        own_files,
        facts,
        now,
        recorded,
        delivered,
        render_new,
        started: _,
        ways_out,
    } = inputs;
    let mut cache = cache;
    // The catalog and the signing keys its teams list, for the checks; then the previous
    // status and the manifests' diagnostics.
    let checked =
        |loaded: &Loaded, catalog: &Catalog<'_>, names, cache: Option<&mut Incremental>| {
            let keys = crate::trust::Keyring::build(catalog);
            lap("built the catalog");
            let (trusted, diagnostics) =
                trusted_and_checked(loaded, (catalog, &keys), names, own_files, facts, cache);
            (keys, trusted, diagnostics)
        };
    let (loaded, catalog, keys, trusted, diagnostics) = match loaded {
        // Shared manifests keep their trees: one catalog serves the checks and the engine.
        Manifests::Shared(loaded) => {
            let (catalog, names) = Catalog::build(&loaded.settings, &loaded.documents);
            let (keys, trusted, diagnostics) =
                checked(loaded, &catalog, names, cache.as_deref_mut());
            (loaded, catalog, keys, trusted, diagnostics)
        }
        Manifests::Owned(loaded) => {
            let (keys, trusted, diagnostics) = {
                let (catalog, names) = Catalog::build(&loaded.settings, &loaded.documents);
                checked(loaded, &catalog, names, cache.as_deref_mut())
            };
            loaded.release_trees();
            let loaded: &Loaded = loaded;
            // The catalog again for the engine (it borrowed what was freed).
            let (catalog, _) = Catalog::build(&loaded.settings, &loaded.documents);
            (loaded, catalog, keys, trusted, diagnostics)
        }
    };
    let settings = &loaded.settings;
    let Trusted {
        mut previous,
        files: before,
        warnings,
        distrusted,
    } = trusted;
    // What this execution ran and the outbox delivered, laid over the committed status.
    recorded.inspect(|r| r.apply(&mut previous));
    delivered.inspect(|d| d.apply(&mut previous));
    lap("read the previous status and checked the manifests");
    let mut plans = engine::reconcile(
        &catalog,
        &keys,
        &diagnostics,
        &previous,
        facts,
        now,
        cache.as_deref_mut().map(|cache| &mut cache.memo),
        ways_out,
    );
    crate::notify::hand_edits(settings, &mut plans, &distrusted);
    let mut warnings = warnings;
    let directory = notifications(&catalog, &mut plans, &mut warnings);
    lap("reconciled");
    let run_lists = match recorded {
        Some(_) => run_lists(&catalog, &plans),
        None => Vec::new(),
    };
    let (halts, banner) = crate::halts::in_force_now(&catalog, facts, &keys, now);
    warnings.extend(crate::halts::expired_on_arrival(&catalog, facts));
    let pages = status_files::Pages {
        banner,
        upcoming: crate::upcoming::section(&catalog, &halts, now),
        calendar: settings.calendar.as_ref().map(|path| {
            let events = crate::calendar::events(&catalog, &halts);
            let text = crate::calendar::ics(&events, &crate::calendar::name(&catalog));
            (path.clone(), text.into_bytes())
        }),
    };
    let wanted = status_files::owned_files(
        &settings.status_dir,
        &settings.summary,
        &catalog,
        (&plans, &pages),
        (own_files, &before),
        cache.map(|cache| &mut cache.rendered),
        render_new,
    );
    let changes = status_files::diff(&wanted, own_files);
    lap("rendered the files");
    let signatures = keys.mode;
    drop(wanted);
    drop(catalog);
    crate::reclaim::at_end(before);
    Outcome {
        plans,
        halts,
        diagnostics,
        warnings,
        directory,
        changes,
        run_lists,
        signatures,
        previous,
    }
}

/// The run lists of the valid objects whose tasks run in their phase, in plan order.
fn run_lists(catalog: &Catalog<'_>, plans: &[Arc<ObjectPlan>]) -> Vec<RunList> {
    let viewed = plans
        .iter()
        .filter(|p| !p.invalid)
        .filter_map(|p| Some((p.kind, p.name.as_str(), p.tasks.as_ref()?)));
    crate::tasks::runner::run_lists(catalog, viewed)
}

/// railyard's own files as trusted (and the previous status they give), and the manifests'
/// diagnostics: the cross-object checks run on one core while the status files are parsed
/// on the others (neither needs the other), then the records changed after they were
/// committed are added.
fn trusted_and_checked(
    loaded: &Loaded,
    (catalog, keys): (&Catalog<'_>, &crate::trust::Keyring),
    names: Vec<Diagnostic>,
    own_files: &OwnFiles,
    facts: &Facts,
    cache: Option<&mut Incremental>,
) -> (Trusted, Vec<Diagnostic>) {
    let settings = &loaded.settings;
    let mut cache = cache;
    let mut checks = cache.as_deref_mut().map(|c| std::mem::take(&mut c.checks));
    let (trusted, mut diagnostics) = rayon::join(
        || {
            crate::laps::timed("read the previous status", || {
                let statuses = cache.as_deref_mut().map(|c| &mut c.statuses);
                status_files::trusted_previous(settings, keys, own_files, facts, statuses)
            })
        },
        || {
            crate::laps::timed("checked the manifests", || {
                validate::check_catalog(loaded, catalog, names, checks.as_mut())
            })
        },
    );
    if let (Some(cache), Some(checks)) = (cache, checks) {
        cache.checks = checks;
    }
    let changed = crate::trust::changed_records(&loaded.documents, facts);
    if !changed.is_empty() {
        diagnostics.extend(changed);
        crate::diagnostics::sort(&mut diagnostics);
    }
    (trusted, diagnostics)
}

/// The notifications of `plans`, recipients resolved, each put into its object's outbox for
/// the sinks that take it; a name that is no team or member, or a sink that can receive
/// nothing, is a warning.
///
/// The messages themselves are made only when a sink would take them: a plan makes them
/// again from the returned [`Directory`] when something reads them.
fn notifications(
    catalog: &Catalog<'_>,
    plans: &mut [Arc<ObjectPlan>],
    warnings: &mut Vec<String>,
) -> Directory {
    let settings = catalog.settings;
    let directory = Directory::of(catalog);
    warnings.extend(crate::notify::unresolved(&directory, plans));
    let messages = if crate::deliver::delivers(&settings.notify) {
        crate::notify::messages(&directory, plans, settings.repository_url.as_deref())
    } else {
        Vec::new()
    };
    warnings.extend(crate::deliver::enqueue(
        catalog,
        plans,
        &messages,
        &settings.notify,
    ));
    directory
}
