//! `reconcile` without `--dry-run`: read the configured branch's committed tree, reconcile
//! it with the status railyard itself committed before, and write the new status files and
//! `STATUS.md` as one commit by the bot identity, moving the branch only if nobody moved it
//! meanwhile (compare-and-swap, a few tries).

use std::borrow::Cow;
use std::collections::BTreeMap;

use foldhash::{HashMap, HashMapExt, HashSet};
use std::path::Path;
use std::sync::Arc;

use crate::catalog::Catalog;
use crate::engine::{self, ObjectPlan, StatusMap};
use crate::error::Error;
use crate::git::{GitError, GitRepo, Worktree};
use crate::manifest::Kind;
use crate::plan;
use crate::status::{StatusFile, TasksStatus};
use crate::validate;
use rayon::prelude::*;

/// How many times a reconcile starts again on a branch that moved under it.
pub const MAX_TRIES: u32 = 5;

/// What a reconcile that writes did.
#[derive(Debug)]
pub struct Written {
    /// The new commit, or `None` when everything was up to date.
    pub commit: Option<String>,
    /// The commit's first line.
    pub subject: String,
    pub transitions: usize,
    /// Hand-edited status files and the like, one sentence each.
    pub warnings: Vec<String>,
    /// Diagnostics of the manifests (objects with errors were skipped).
    pub errors: usize,
    pub worktree: Option<Worktree>,
    /// How many times the branch moved under the reconcile.
    pub retries: u32,
    /// With recorded runs: the task boards whose ready automated tasks `--execute` starts.
    pub boards: Vec<crate::execute::board::Board>,
    /// Notifications delivered after the status commit (sink deliveries).
    pub notified: usize,
    /// Deliveries that failed, one sentence each (tried again by the next reconcile).
    pub undelivered: Vec<String>,
}

/// Where the status commit goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// The local branch, moved by compare-and-swap.
    Local,
    /// The branch on this remote, pushed with `--force-with-lease` (the git CLI does the
    /// network: railyard's libgit2 has no TLS); the local branch follows when it can.
    Push { remote: String },
}

/// A commit built on top of `tip`, not yet on any branch.
struct Prepared {
    commit: Option<String>,
    subject: String,
    transitions: usize,
    warnings: Vec<String>,
    errors: usize,
    changes: Vec<(String, Option<Vec<u8>>)>,
    boards: Vec<crate::execute::board::Board>,
    /// Notifications owed to sinks once this status is committed.
    owed: Vec<(Kind, String, crate::status::Outgoing)>,
    sinks: Vec<crate::manifest::NotifySink>,
}

/// Reconciles the committed tree of `tip` and builds the status commit on top of it, with
/// the runs `--execute` recorded so far when there are any.
fn prepare(
    repo: &mut GitRepo,
    tip: &str,
    now: jiff::Timestamp,
    recorded: Option<&crate::execute::recorded::Recorded>,
    cache: Option<&mut Incremental>,
    delivered: Option<&crate::deliver::Delivered>,
) -> Result<Prepared, Error> {
    let started = std::time::Instant::now();
    let lap =
        |what: &str| tracing::debug!(elapsed_ms = started.elapsed().as_millis() as u64, "{what}");
    let mut cache = cache;
    let (loaded, own_files) =
        repo.read_tree_cached(tip, cache.as_deref_mut().map(|c| &mut c.tree))?;
    lap("read the tree");
    let facts = match cache.as_deref_mut() {
        Some(cache) => repo.facts_cached(tip, &mut cache.facts)?,
        None => Arc::new(repo.facts(Some(tip))?),
    };
    lap("read the history");
    let settings = loaded.settings.clone();
    repo.owned = vec![
        settings.status_dir.trim_end_matches('/').to_string(),
        settings.summary.clone(),
    ];
    // One catalog for the checks and the engine. (The YAML trees stay until the end: the
    // catalog's documents hold them; a one-shot command never frees them anyway.)
    let (catalog, names) = Catalog::build(&loaded.settings, &loaded.documents);
    lap("built the catalog");
    // The cross-object checks run on one core while the status files are parsed on the
    // others: neither needs the other.
    let (
        Trusted {
            mut previous,
            files: before,
            warnings,
            distrusted,
        },
        diagnostics,
    ) = {
        let mut checks = cache.as_deref_mut().map(|c| std::mem::take(&mut c.checks));
        let found = rayon::join(
            || {
                trusted_previous(
                    &settings,
                    &catalog.keys,
                    &own_files,
                    &facts,
                    cache.as_deref_mut().map(|c| &mut c.statuses),
                )
            },
            || validate::check_catalog(&loaded, &catalog, names, checks.as_mut()),
        );
        if let (Some(cache), Some(checks)) = (cache.as_deref_mut(), checks) {
            cache.checks = checks;
        }
        found
    };
    let mut diagnostics = diagnostics;
    let changed = crate::trust::changed_records(&loaded.documents, &facts);
    if !changed.is_empty() {
        diagnostics.extend(changed);
        crate::diagnostics::sort(&mut diagnostics);
    }
    if let Some(recorded) = recorded {
        recorded.apply(&mut previous);
    }
    if let Some(delivered) = delivered {
        delivered.apply(&mut previous);
    }
    lap("read the previous status and checked the manifests");
    let mut plans = engine::reconcile_with(
        &catalog,
        &diagnostics,
        &previous,
        &facts,
        now,
        cache.as_deref_mut().map(|cache| &mut cache.memo),
    );
    crate::notify::hand_edits(&settings, &mut plans, &distrusted);
    let (messages, unresolved) =
        crate::notify::messages(&catalog, &plans, settings.repository_url.as_deref());
    let mut warnings = warnings;
    warnings.extend(unresolved);
    warnings.extend(crate::deliver::enqueue(
        &catalog,
        &mut plans,
        &messages,
        &settings.notify,
    ));
    lap("reconciled");
    let boards = if recorded.is_some() {
        crate::execute::board::boards(&catalog, &plans)
    } else {
        Vec::new()
    };
    let rendered = cache.map(|cache| &mut cache.rendered);
    let wanted = owned_files(
        &settings.status_dir,
        &settings.summary,
        &catalog,
        &plans,
        (&own_files, &before),
        rendered,
    );
    let changes: Vec<(String, Option<Vec<u8>>)> = diff(&wanted, &own_files);
    lap("rendered the files");
    let transitions: usize = plans.iter().map(|p| p.transitions.len()).sum();
    let errors = diagnostics
        .iter()
        .filter(|d| d.severity == crate::diagnostics::Severity::Error)
        .count();
    let subject = match (transitions, recorded, delivered) {
        (0, Some(_), _) => "railyard: record task runs".to_string(),
        (0, None, Some(_)) => "railyard: record notifications".to_string(),
        _ => commit_subject(transitions),
    };
    let commit = if changes.is_empty() {
        None
    } else {
        let message = commit_message(&subject, &plans);
        repo.commit_changes(
            tip,
            &changes,
            (&settings.bot.name, &settings.bot.email),
            now,
            &message,
        )?
    };
    lap("built the commit");
    let owed = crate::deliver::owed(&plans);
    drop(catalog);
    // The history stays with watch's cache, which updates it in place next round.
    drop(facts);
    // A watcher's cache holds the other share of what was read and updates it in place next
    // round: that share is let go of here, not late on the reclaim thread (which would make
    // the next round copy it all).
    let (loaded, own_files) = (Arc::into_inner(loaded), Arc::into_inner(own_files));
    crate::reclaim::at_end((loaded, plans, previous, before, own_files, diagnostics));
    let subject = if commit.is_some() {
        subject
    } else {
        "up to date".to_string()
    };
    Ok(Prepared {
        commit,
        subject,
        transitions,
        warnings,
        errors,
        changes,
        boards,
        owed,
        sinks: settings.notify.clone(),
    })
}

/// Reconciles the configured branch of the git repository that holds `root` and commits the
/// result to `target`. `before_swap` runs between building the commit and moving the branch
/// or pushing (tests use it to move the branch under the reconcile).
pub fn reconcile_branch(
    root: &Path,
    now: jiff::Timestamp,
    target: &Target,
    before_swap: &mut dyn FnMut(u32),
) -> Result<Written, Error> {
    let mut hook = |attempt: u32| {
        before_swap(attempt);
        true
    };
    reconcile_branch_with(
        root,
        now,
        target,
        Hooks {
            before_swap: Some(&mut hook),
            ..Hooks::default()
        },
    )
}

/// What a write-back reconcile takes beyond the repository and the clock.
#[derive(Default)]
pub struct Hooks<'a> {
    /// Runs `--execute` recorded, laid over the previous status.
    pub recorded: Option<&'a crate::execute::recorded::Recorded>,
    /// What the last round kept for this one (`watch`).
    pub cache: Option<&'a mut Incremental>,
    /// Runs between building the commit and moving the branch (or pushing); `false`
    /// abandons the reconcile with nothing moved (`watch` stopping).
    pub before_swap: Option<&'a mut dyn FnMut(u32) -> bool>,
    /// Results of delivering notifications, to record (the reconcile after a delivery run;
    /// it delivers nothing itself).
    pub delivered: Option<&'a crate::deliver::Delivered>,
}

/// [`reconcile_branch`] with [`Hooks`].
pub fn reconcile_branch_with(
    root: &Path,
    now: jiff::Timestamp,
    target: &Target,
    mut hooks: Hooks<'_>,
) -> Result<Written, Error> {
    let mut repo = match GitRepo::discover(root) {
        Ok(repo) => repo,
        Err(GitError::NotARepository { path }) => {
            return Err(Error::NotGit(path.display().to_string()));
        }
        Err(e) => return Err(e.into()),
    };
    repo.sign_from_env()?;
    let branch = repo.configured_branch()?;
    for attempt in 0..MAX_TRIES {
        let tip = match target {
            Target::Local => repo.branch_tip(&branch)?,
            Target::Push { remote } => repo.fetch(remote, &branch)?,
        };
        let mut prepared = prepare(
            &mut repo,
            &tip,
            now,
            hooks.recorded,
            hooks.cache.as_deref_mut(),
            hooks.delivered,
        )?;
        let owed = std::mem::take(&mut prepared.owed);
        let sinks = std::mem::take(&mut prepared.sinks);
        let deliver = hooks.delivered.is_none();
        let done =
            |commit: Option<String>, worktree: Option<Worktree>, prepared: Prepared| Written {
                commit,
                subject: prepared.subject,
                transitions: prepared.transitions,
                warnings: prepared.warnings,
                errors: prepared.errors,
                worktree,
                retries: attempt,
                boards: prepared.boards,
                notified: 0,
                undelivered: Vec::new(),
            };
        let Some(commit) = prepared.commit.clone() else {
            // Nothing to commit, but a railyard was killed while it wrote the branch or the
            // working tree: put the working tree right (and remove the lock it left).
            let worktree = match target {
                Target::Local if repo.interrupted() => Some(repo.update_worktree(&branch, &[])?),
                _ => None,
            };
            let written = done(None, worktree, prepared);
            return Ok(deliver_owed(
                root, now, target, written, &owed, &sinks, deliver,
            ));
        };
        if let Some(hook) = hooks.before_swap.as_mut()
            && !hook(attempt)
        {
            return Err(Error::Abandoned);
        }
        let landed = match target {
            Target::Local => repo.move_branch(&branch, &tip, &commit, &prepared.subject)?,
            Target::Push { remote } => repo.push(remote, &branch, &tip, &commit)?,
        };
        if landed {
            // The local branch follows a push only when it was at the pushed-on commit.
            let local_moved = match target {
                Target::Local => true,
                Target::Push { .. } => {
                    repo.branch_tip(&branch).ok().as_deref() == Some(tip.as_str())
                        && repo.move_branch(&branch, &tip, &commit, &prepared.subject)?
                }
            };
            let worktree = if local_moved {
                Some(repo.update_worktree(&branch, &prepared.changes)?)
            } else {
                None
            };
            let written = done(Some(commit), worktree, prepared);
            return Ok(deliver_owed(
                root, now, target, written, &owed, &sinks, deliver,
            ));
        }
        tracing::info!(
            branch,
            attempt,
            "the branch moved during the reconcile: starting again on its new head"
        );
    }
    Err(Error::Raced {
        branch,
        tries: MAX_TRIES,
    })
}

/// After the status commit landed (or nothing changed): delivers the notifications owed and
/// records the results with a second reconcile. A failure to record is a warning: the
/// notifications went out and may go out once more (same `Idempotency-Key`).
fn deliver_owed(
    root: &Path,
    now: jiff::Timestamp,
    target: &Target,
    mut written: Written,
    owed: &[(Kind, String, crate::status::Outgoing)],
    sinks: &[crate::manifest::NotifySink],
    deliver: bool,
) -> Written {
    if !deliver || owed.is_empty() {
        return written;
    }
    let delivered = crate::deliver::deliver(root, sinks, owed);
    written.notified = delivered.sent();
    written.undelivered = delivered.failed();
    if delivered.is_empty() {
        return written;
    }
    let hooks = Hooks {
        delivered: Some(&delivered),
        ..Hooks::default()
    };
    match reconcile_branch_with(root, now, target, hooks) {
        Ok(recorded) => {
            if recorded.commit.is_some() {
                written.commit = recorded.commit;
                written.worktree = recorded.worktree;
                // The commit printed is the one that recorded the deliveries.
                if written.subject == "up to date" {
                    written.subject = recorded.subject;
                }
            }
        }
        Err(e) => written.warnings.push(format!(
            "notifications were sent but recording that failed ({e}): the next reconcile may send them again, with the same Idempotency-Key"
        )),
    }
    written
}

/// railyard's bot, as git history names it, and the keys its commits are signed with.
struct Bot<'s> {
    email: &'s str,
    keys: &'s crate::trust::Keyring,
}

impl<'s> Bot<'s> {
    fn of(settings: &'s crate::load::Settings, keys: &'s crate::trust::Keyring) -> Bot<'s> {
        Bot {
            email: &settings.bot.email,
            keys,
        }
    }

    /// Why the last change to `path` is not taken as railyard's (`None`: it is). Without git
    /// history nothing is railyard's, and nothing is said (`Some("")`). With history, the
    /// bot's author email is a claim anyone can make, so the commit must also look like one
    /// of railyard's: signed by a key in `bot.signingKeys` when `trust.signatures` is on,
    /// and otherwise changing nothing outside the status dir and the summary.
    fn distrust(&self, facts: &crate::facts::Facts, path: &str) -> Option<String> {
        let Some(commit) = facts.changed.get(path).filter(|_| facts.verified) else {
            return Some(String::new());
        };
        let short = &commit.id[..commit.id.len().min(12)];
        if !crate::facts::same_email(&commit.author_email, self.email) {
            return Some(format!(
                "{path} was last changed by {} <{}> in {short}, not by railyard",
                commit.author_name, commit.author_email
            ));
        }
        if self.keys.mode != crate::manifest::SignatureMode::Off {
            if !self.keys.signed_by_bot(commit) {
                return Some(format!(
                    "{path} was last changed in {short} under railyard's name, but that commit is not signed by a key in `bot.signingKeys`"
                ));
            }
        } else if !commit.own_only {
            return Some(format!(
                "{path} was last changed in {short} under railyard's name, but that commit also changed files outside the status dir and the summary, which railyard's commits never do"
            ));
        }
        None
    }
}

/// What railyard's own files say, where railyard wrote them last.
#[derive(Debug, Default)]
pub struct Trusted {
    /// The previous status of every object.
    pub previous: StatusMap,
    /// Each trusted status file as parsed, by path: a file whose object's status has not
    /// changed is kept as it is, not rendered again.
    pub files: HashMap<String, Arc<StatusFile>>,
    /// Files someone else changed last, one sentence each.
    pub warnings: Vec<String>,
    /// The objects whose committed status file is not trusted (`status-tampered`): someone
    /// else changed it last, or it does not read as railyard writes it. Sorted.
    pub distrusted: Vec<(Kind, String)>,
}

/// railyard's own files as the tree has them (path → bytes), and the trusted status files
/// among them as parsed ([`Trusted::files`]).
pub type Existing<'a> = (
    &'a crate::git::OwnFiles,
    &'a HashMap<String, Arc<StatusFile>>,
);

/// The previous status of every object, read from the status files that railyard itself
/// wrote last ([`Bot::distrust`]) and that read back exactly as railyard renders them; any
/// other committed status file is not trusted and gets a warning, and its object is
/// reconciled from its manifests and records as if new. Without git history nothing is
/// trusted.
pub fn trusted_previous(
    settings: &crate::load::Settings,
    keys: &crate::trust::Keyring,
    own_files: &crate::git::OwnFiles,
    facts: &crate::facts::Facts,
    cache: Option<&mut Statuses>,
) -> Trusted {
    let mut warnings = Vec::new();
    let mut distrusted = Vec::new();
    let bot = Bot::of(settings, keys);
    // In path order: each trusted status file, its bytes and the object it is the status of.
    type Bytes = Arc<Vec<u8>>;
    let mut trusted: Vec<(&String, &Bytes, (Kind, &str))> = Vec::new();
    for (path, bytes) in own_files {
        let key = status_object(&settings.status_dir, path);
        if let Some(why) = bot.distrust(facts, path) {
            if !why.is_empty() {
                warnings.push(format!("{why}: it is recomputed and overwritten"));
                if let Some((kind, name)) = key {
                    distrusted.push((kind, name.to_string()));
                }
            }
            continue;
        }
        if path == &settings.summary {
            continue;
        }
        if let Some(key) = key {
            trusted.push((path, bytes, key));
        }
    }
    // Thousands of status files: parsed in parallel, or found in the cache (`watch`) by
    // path and bytes: the same bytes (a file unchanged since the cache took it is the same
    // allocation, held by both) or equal ones. Each one's parsed form (`None`: it does not
    // parse, or it is not what railyard would write for what it says), and whether it was
    // parsed now.
    let cached = cache;
    let known = cached.as_deref();
    let found: Vec<(Option<Arc<StatusFile>>, bool)> = trusted
        .par_iter()
        .map(|(path, bytes, _)| match known.and_then(|c| c.get(*path)) {
            Some((kept, file)) if Arc::ptr_eq(kept, bytes) || kept == *bytes => {
                (Some(file.clone()), false)
            }
            _ => (
                StatusFile::parse(bytes)
                    .filter(|file| file.render().as_bytes() == bytes.as_slice())
                    .map(Arc::new),
                true,
            ),
        })
        .collect();
    for ((path, _, (kind, name)), (file, _)) in trusted.iter().zip(&found) {
        if file.is_none() {
            warnings.push(format!(
                "{path} does not read as railyard writes a status file: it is recomputed and overwritten"
            ));
            distrusted.push((*kind, name.to_string()));
        }
    }
    distrusted.sort();
    if let Some(cached) = cached {
        // The cache takes the files parsed now and forgets the rest: a changed file that no
        // longer parses has no previous status, nor has a file that is gone or not trusted.
        let mut held = 0;
        for ((path, bytes, _), (file, now)) in trusted.iter().zip(&found) {
            match (file, now) {
                (Some(file), true) => {
                    cached.insert((*path).clone(), ((*bytes).clone(), file.clone()));
                }
                (None, _) => {
                    cached.remove(*path);
                }
                (Some(_), false) => {}
            }
            held += usize::from(file.is_some());
        }
        if cached.len() > held {
            let wanted: HashSet<&str> = trusted.iter().map(|(path, _, _)| path.as_str()).collect();
            cached.retain(|path, _| wanted.contains(path.as_str()));
        }
    }
    let mut files = HashMap::with_capacity(trusted.len());
    // Path order is nearly the map's order (kinds, then names): collected fast.
    let mut previous = Vec::with_capacity(trusted.len());
    for ((path, _, (kind, name)), (file, _)) in trusted.iter().zip(found) {
        if let Some(file) = file {
            previous.push(((*kind, name.to_string()), file.status.clone()));
            files.insert((*path).clone(), file);
        }
    }
    let previous = previous.into_iter().collect();
    Trusted {
        previous,
        files,
        warnings,
        distrusted,
    }
}

/// (kind, name) of `status/<Kind>/<name>.yaml`, borrowed from `path`.
fn status_object<'p>(status_dir: &str, path: &'p str) -> Option<(Kind, &'p str)> {
    let rest = path
        .strip_prefix(status_dir.trim_end_matches('/'))?
        .strip_prefix('/')?;
    let (kind, file) = rest.split_once('/')?;
    let name = file.strip_suffix(".yaml")?;
    Some((kind.parse().ok()?, name))
}

/// What a watcher keeps from one round for the next: each part is an input of the round
/// that it makes cheaper when little changed, never one that changes what the round decides
/// (the same round without it gives the same bytes).
#[derive(Default)]
pub struct Incremental {
    /// Manifests parsed by blob, and what the last round read of the committed tree (the
    /// working tree's loads, `watch --dry-run`, use its parse cache too).
    pub tree: crate::git::TreeCache,
    /// The facts of the last tip read (who added and changed each file).
    pub facts: Option<(String, Arc<crate::facts::Facts>)>,
    /// railyard's own status files as parsed before.
    pub statuses: Statuses,
    /// What the engine decided last round, for the objects whose inputs did not change.
    pub memo: crate::engine::memo::Memo,
    /// What the cross-object checks found last round, for the objects that did not change.
    pub checks: crate::check::Memo,
    /// What the last round found and wrote of railyard's own files.
    pub rendered: Rendered,
}

impl Incremental {
    /// Manifest files the last load parsed (the rest came from the cache).
    pub fn parsed(&self) -> usize {
        self.tree.parse.parsed
    }
}

/// railyard's own status files as parsed before, by path: their bytes and content.
pub type Statuses = foldhash::HashMap<String, (Arc<Vec<u8>>, Arc<StatusFile>)>;

/// What a watcher's last round found and wrote of railyard's own files, for the next round.
#[derive(Default)]
pub struct Rendered {
    judged: Judged,
    rows: crate::summary::Rows,
}

/// Status files a watcher's round found already right, by the plan they were right for
/// (held here, so that its address names that one plan), with the parsed file they were
/// right for and their path. The same plan and the same parsed file again (the same
/// allocations: never changed while shared) are right again: the next round neither
/// compares their statuses field by field nor writes their paths again (thousands of files
/// a round).
#[derive(Default)]
struct Judged {
    by_plan: HashMap<usize, Judgement>,
    /// The round that judges now: a judgement that stood in it carries its number.
    round: u64,
}

struct Judgement {
    plan: Arc<ObjectPlan>,
    file: Arc<StatusFile>,
    path: String,
    stood: std::sync::atomic::AtomicU64,
}

impl Judged {
    /// The path of `object`'s status file, when it was found right for this same plan and
    /// `before` has this same parsed file there. Marks the judgement as standing this round.
    fn stands(
        &self,
        object: &Arc<ObjectPlan>,
        before: &HashMap<String, Arc<StatusFile>>,
    ) -> Option<&str> {
        let judgement = self.by_plan.get(&(Arc::as_ptr(object) as usize))?;
        let same = Arc::ptr_eq(&judgement.plan, object)
            && before
                .get(&judgement.path)
                .is_some_and(|file| Arc::ptr_eq(file, &judgement.file));
        same.then(|| {
            judgement
                .stood
                .store(self.round, std::sync::atomic::Ordering::Relaxed);
            judgement.path.as_str()
        })
    }
}

/// What railyard's own files should hold.
#[derive(Debug, PartialEq)]
pub struct Wanted<'f> {
    /// Files and their bytes, in path order.
    pub files: BTreeMap<String, Cow<'f, [u8]>>,
    /// Whether `files` names every own file there should be (the others are removed).
    /// Otherwise every own file it leaves out is right as it is: a watcher's round leaves
    /// out the thousands of status files it found right last round, when no own file is
    /// without an object (none is to be removed).
    pub complete: bool,
}

/// One object's status file, as [`owned_files`] finds it.
enum Found<'f, 'j> {
    /// Right as it is, as the last round judged it: its path.
    Stands(&'j str),
    File {
        path: String,
        bytes: Cow<'f, [u8]>,
        /// The plan and parsed file it is right for, when it is right as it is.
        right: Option<(Arc<ObjectPlan>, Arc<StatusFile>)>,
        /// Whether the file is there now.
        exists: bool,
    },
}

/// Every file railyard owns, as it should be: a status file per valid object, the invalid
/// ones' files kept as they were, and the summary. Files that stay as they are are borrowed
/// from `own_files`, not copied (thousands of them on every round of `watch`). With
/// `rendered` (a watcher's), what the last round found right is not compared again, nor
/// its summary rows written again, and this round's are kept there for the next; files
/// found right again are left out unless a file is to be removed ([`Wanted::complete`]).
pub fn owned_files<'f>(
    status_dir: &str,
    summary: &str,
    catalog: &Catalog<'_>,
    plans: &[Arc<ObjectPlan>],
    (own_files, before): Existing<'f>,
    rendered: Option<&mut Rendered>,
) -> Wanted<'f> {
    let (mut judged, rows) = match rendered {
        Some(Rendered { judged, rows }) => (Some(judged), Some(rows)),
        None => (None, None),
    };
    if let Some(judged) = judged.as_deref_mut() {
        judged.round += 1;
    }
    let known = judged.as_deref();
    // Thousands of files: rendered in parallel (those whose status changed), the summary
    // beside them.
    let (found, dashboard) = rayon::join(
        || {
            plans
                .par_iter()
                .filter_map(|object| {
                    if !object.invalid
                        && let Some(path) = known.and_then(|k| k.stands(object, before))
                    {
                        return Some(Found::Stands(path));
                    }
                    let path = plan::status_path(status_dir, object.kind.as_str(), &object.name);
                    let existing = own_files.get(&path);
                    if object.invalid {
                        let kept = existing?;
                        return Some(Found::File {
                            path,
                            bytes: Cow::Borrowed(kept.as_slice()),
                            right: None,
                            exists: true,
                        });
                    }
                    let exists = existing.is_some();
                    let file = before.get(&path);
                    Some(match (unchanged(own_files, before, &path, object), file) {
                        (Some(kept), Some(file)) => Found::File {
                            path,
                            bytes: Cow::Borrowed(kept),
                            right: Some((object.clone(), file.clone())),
                            exists,
                        },
                        _ => Found::File {
                            path,
                            bytes: Cow::Owned(status_file(object).render().into_bytes()),
                            right: None,
                            exists,
                        },
                    })
                })
                .collect::<Vec<_>>()
        },
        || crate::summary::render_with(catalog, plans, rows).into_bytes(),
    );
    // Every own file but the summary is some object's status file (each object has one
    // path): then none is to be removed, and the files that stand can be left out.
    let with_file = found
        .iter()
        .filter(|f| matches!(f, Found::Stands(_) | Found::File { exists: true, .. }))
        .count();
    let complete = known.is_none()
        || with_file != own_files.len() - usize::from(own_files.contains_key(summary));
    let mut files: BTreeMap<String, Cow<'f, [u8]>> = BTreeMap::new();
    let mut right = Vec::new();
    let mut stood = 0;
    for found in found {
        match found {
            Found::Stands(path) => {
                stood += 1;
                if complete && let Some((path, bytes)) = own_files.get_key_value(path) {
                    files.insert(path.clone(), Cow::Borrowed(bytes.as_slice()));
                }
            }
            Found::File {
                path,
                bytes,
                right: found,
                ..
            } => {
                if let Some((plan, file)) = found {
                    right.push((plan, file, path.clone()));
                }
                files.insert(path, bytes);
            }
        }
    }
    if let Some(judged) = judged {
        let round = judged.round;
        let judged_now = stood + right.len();
        for (plan, file, path) in right {
            judged.by_plan.insert(
                Arc::as_ptr(&plan) as usize,
                Judgement {
                    plan,
                    file,
                    path,
                    stood: round.into(),
                },
            );
        }
        // Judgements that did not stand (their plan is gone or its file changed) go.
        if judged.by_plan.len() != judged_now {
            judged
                .by_plan
                .retain(|_, j| j.stood.load(std::sync::atomic::Ordering::Relaxed) == round);
        }
    }
    files.insert(summary.to_string(), Cow::Owned(dashboard));
    Wanted { files, complete }
}

/// The files a reconcile would create, update or delete, as (path, action): what
/// [`owned_files`] and [`diff`] give, but a file is rendered only to compare it with one that
/// exists (a dry-run of a large repository without status renders nothing).
pub fn planned_changes(
    status_dir: &str,
    summary: &str,
    catalog: &Catalog<'_>,
    plans: &[std::sync::Arc<ObjectPlan>],
    (own_files, before): Existing<'_>,
) -> Vec<(String, String)> {
    let mut changes = Vec::new();
    let mut kept = std::collections::BTreeSet::new();
    for object in plans {
        let path = plan::status_path(status_dir, object.kind.as_str(), &object.name);
        kept.insert(path.clone());
        if object.invalid {
            continue;
        }
        match own_files.get(&path) {
            None => changes.push((path, "create".to_string())),
            Some(bytes) => {
                if unchanged(own_files, before, &path, object).is_none()
                    && status_file(object).render().as_bytes() != bytes.as_slice()
                {
                    changes.push((path, "update".to_string()));
                }
            }
        }
    }
    match own_files.get(summary) {
        None => changes.push((summary.to_string(), "create".to_string())),
        Some(bytes) if crate::summary::render(catalog, plans).as_bytes() != bytes.as_slice() => {
            changes.push((summary.to_string(), "update".to_string()));
        }
        Some(_) => {}
    }
    changes.extend(
        own_files
            .keys()
            .filter(|p| *p != summary && !kept.contains(*p))
            .map(|p| (p.clone(), "delete".to_string())),
    );
    changes.sort();
    changes
}

/// The bytes of `path` when they are already what `object`'s status renders to: a trusted
/// file (railyard wrote it last) that parses to the same status and tasks, with the header
/// of the current format ([`crate::status::HEADER`] changes whenever the rendering does).
/// Saves rendering thousands of unchanged files on every reconcile.
fn unchanged<'f>(
    own_files: &'f crate::git::OwnFiles,
    before: &HashMap<String, Arc<StatusFile>>,
    path: &str,
    object: &ObjectPlan,
) -> Option<&'f [u8]> {
    let bytes = own_files.get(path)?;
    let file = before.get(path)?;
    let tasks = match (&file.tasks, &object.tasks) {
        (None, None) => true,
        (Some(was), Some(now)) => {
            was.order == now.order && was.waves == now.waves && was.states == now.states
        }
        _ => false,
    };
    (tasks && *file.status == object.status && bytes.starts_with(crate::status::HEADER.as_bytes()))
        .then_some(bytes.as_slice())
}

fn status_file(object: &ObjectPlan) -> StatusFile {
    StatusFile {
        status: Arc::new(object.status.clone()),
        tasks: object.tasks.as_ref().map(|t| TasksStatus {
            order: t.order.clone(),
            waves: t.waves.clone(),
            states: t.states.clone(),
        }),
    }
}

/// What to write and what to remove so that the owned files become `wanted`.
pub fn diff(
    wanted: &Wanted<'_>,
    existing: &crate::git::OwnFiles,
) -> Vec<(String, Option<Vec<u8>>)> {
    let same = |was: Option<&Arc<Vec<u8>>>, bytes: &Cow<'_, [u8]>| match (was, bytes) {
        // Borrowed from the file itself: unchanged, without comparing the bytes.
        (Some(was), Cow::Borrowed(kept)) if std::ptr::eq(was.as_slice(), *kept) => true,
        (was, bytes) => was.map(|b| b.as_slice()) == Some(bytes.as_ref()),
    };
    if !wanted.complete {
        return wanted
            .files
            .iter()
            .filter(|(path, bytes)| !same(existing.get(*path), bytes))
            .map(|(path, bytes)| (path.clone(), Some(bytes.to_vec())))
            .collect();
    }
    // Both in path order: walked side by side.
    let mut changes = Vec::new();
    let mut old = existing.iter().peekable();
    for (path, bytes) in &wanted.files {
        while let Some((gone, _)) = old.next_if(|(p, _)| *p < path) {
            changes.push((gone.clone(), None));
        }
        if !same(old.next_if(|(p, _)| *p == path).map(|(_, b)| b), bytes) {
            changes.push((path.clone(), Some(bytes.to_vec())));
        }
    }
    changes.extend(old.map(|(gone, _)| (gone.clone(), None)));
    changes
}

fn commit_subject(transitions: usize) -> String {
    match transitions {
        0 => "railyard: update status".to_string(),
        1 => "railyard: 1 transition".to_string(),
        n => format!("railyard: {n} transitions"),
    }
}

/// The subject, a line per transition with the spec digest it reflects, and `[skip ci]` so
/// that CI does not run again on railyard's own commit.
fn commit_message(subject: &str, plans: &[std::sync::Arc<ObjectPlan>]) -> String {
    let mut body = String::new();
    for object in plans {
        for t in &object.transitions {
            body.push_str(&format!(
                "- {}/{}: {} → {} (spec {}): {}\n",
                object.kind, object.name, t.from, t.to, object.status.spec_digest, t.reason
            ));
        }
    }
    // One blank line between paragraphs, also when there is no transition to list.
    let mut message = format!("{subject}\n\n{body}");
    if !body.is_empty() {
        message.push('\n');
    }
    message.push_str("[skip ci]\n");
    message
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_status_cache_never_stands_in_for_a_file_that_changed() {
        let settings = crate::load::Settings::default();
        let path = "status/ReleaseTrain/q4.yaml".to_string();
        let mut facts = crate::facts::Facts {
            verified: true,
            ..Default::default()
        };
        facts.changed.insert(
            path.clone(),
            crate::facts::Commit::new(crate::facts::CommitInfo {
                id: "1".repeat(40),
                author_name: settings.bot.name.clone(),
                author_email: settings.bot.email.clone(),
                time: jiff::Timestamp::UNIX_EPOCH,
                merge: false,
                own_only: true,
                signature: None,
            }),
        );
        let file = StatusFile {
            status: std::sync::Arc::new(crate::status::ObjectStatus {
                phase: "construction".into(),
                ..Default::default()
            }),
            tasks: None,
        };
        let mut cache = Statuses::default();
        let keys = crate::trust::Keyring::default();
        let mut own = BTreeMap::from([(path.clone(), Arc::new(file.render().into_bytes()))]);
        let key = (Kind::ReleaseTrain, "q4".to_string());
        let first = trusted_previous(&settings, &keys, &own, &facts, Some(&mut cache));
        assert_eq!(first.previous[&key].phase, "construction");
        let again = trusted_previous(&settings, &keys, &own, &facts, Some(&mut cache));
        assert_eq!(again.previous, first.previous, "from the cache");
        assert!(
            Arc::ptr_eq(&again.files[&path], &first.files[&path]),
            "not parsed again"
        );
        // The same bytes in another allocation (the tree read again): still the cache's.
        own.insert(path.clone(), Arc::new(file.render().into_bytes()));
        let copied = trusted_previous(&settings, &keys, &own, &facts, Some(&mut cache));
        assert!(Arc::ptr_eq(&copied.files[&path], &first.files[&path]));
        let mut edited = file.clone();
        edited.status = std::sync::Arc::new(crate::status::ObjectStatus {
            phase: "testing".into(),
            ..Default::default()
        });
        own.insert(path.clone(), Arc::new(edited.render().into_bytes()));
        let changed = trusted_previous(&settings, &keys, &own, &facts, Some(&mut cache));
        assert_eq!(changed.previous[&key].phase, "testing");
        own.insert(path.clone(), Arc::new(b"phase: [broken".to_vec()));
        let broken = trusted_previous(&settings, &keys, &own, &facts, Some(&mut cache));
        assert!(broken.previous.is_empty(), "{:?}", broken.previous);
        assert!(broken.files.is_empty());
    }

    #[test]
    fn a_status_file_found_right_is_taken_as_right_again_only_for_the_same_plan_and_file() {
        let settings = crate::load::Settings::default();
        let (catalog, _) = Catalog::build(&settings, &[]);
        let path = "status/ReleaseTrain/q4.yaml".to_string();
        let plan = |phase: &str| {
            Arc::new(ObjectPlan {
                ways: Vec::new(),
                kind: Kind::ReleaseTrain,
                name: "q4".into(),
                path: "trains/q4.yaml".into(),
                status: crate::status::ObjectStatus {
                    phase: phase.into(),
                    ..Default::default()
                },
                transitions: Vec::new(),
                notifications: Vec::new(),
                tasks: None,
                invalid: false,
            })
        };
        let rendered_bytes = |plan: &ObjectPlan| status_file(plan).render().into_bytes();
        let construction = plan("construction");
        let mut own = BTreeMap::from([(path.clone(), Arc::new(rendered_bytes(&construction)))]);
        let file = Arc::new(StatusFile::parse(&own[&path]).expect("parses"));
        let before: HashMap<_, _> = [(path.clone(), file.clone())].into_iter().collect();
        let mut rendered = Rendered::default();
        // A watcher's round of `plan` on `own` and `before`: the changes it makes are a fresh
        // round's. What it wants of the file (`None`: left out as right; `true`: borrowed
        // as it is), and whether it named every file.
        let round = |plan: &Arc<ObjectPlan>,
                     existing: Existing<'_>,
                     rendered: &mut Rendered|
         -> (Option<(bool, Vec<u8>)>, bool) {
            let plans = std::slice::from_ref(plan);
            let wanted = owned_files(
                "status",
                "STATUS.md",
                &catalog,
                plans,
                existing,
                Some(rendered),
            );
            let fresh = owned_files("status", "STATUS.md", &catalog, plans, existing, None);
            assert!(fresh.complete);
            let changes = diff(&wanted, existing.0);
            assert_eq!(
                changes,
                diff(&fresh, existing.0),
                "what a fresh round makes"
            );
            let file = wanted.files.get(path.as_str());
            let file = file.map(|f| (matches!(f, Cow::Borrowed(_)), f.to_vec()));
            (file, wanted.complete)
        };
        let (first, complete) = round(&construction, (&own, &before), &mut rendered);
        assert!(matches!(first, Some((true, _))), "right as it is");
        assert!(!complete, "no file is to be removed");
        assert!(rendered.judged.stands(&construction, &before).is_some());
        // The same plan and file: taken as right, left out, and kept for the next round.
        let (again, _) = round(&construction, (&own, &before), &mut rendered);
        assert_eq!(again, None);
        let stands = rendered.judged.stands(&construction, &before);
        assert_eq!(stands, Some(path.as_str()));
        // Another plan, even one that renders the same, is compared: this one does not.
        let verification = plan("verification");
        assert!(rendered.judged.stands(&verification, &before).is_none());
        let (moved, _) = round(&verification, (&own, &before), &mut rendered);
        assert_eq!(moved, Some((false, rendered_bytes(&verification))));
        assert!(
            rendered.judged.by_plan.is_empty(),
            "what is not right is not kept"
        );
        // Another parsed file (the file changed and was parsed again) is compared too.
        round(&construction, (&own, &before), &mut rendered);
        let reparsed = Arc::new(StatusFile::parse(&own[&path]).expect("parses"));
        let reread: HashMap<_, _> = [(path.clone(), reparsed)].into_iter().collect();
        assert!(rendered.judged.stands(&construction, &before).is_some());
        assert!(rendered.judged.stands(&construction, &reread).is_none());
        // A status file without an object is removed: then every file is named, the one
        // that stands as well.
        own.insert(
            "status/ReleaseTrain/gone.yaml".into(),
            Arc::new(b"phase: x\n".to_vec()),
        );
        let (named, complete) = round(&construction, (&own, &before), &mut rendered);
        assert!(complete);
        assert!(matches!(named, Some((true, _))));
    }

    #[test]
    fn status_paths_name_their_object() {
        assert_eq!(
            status_object("status", "status/Turnover/t-1.yaml"),
            Some((Kind::Turnover, "t-1"))
        );
        assert_eq!(status_object("status/", "status/Nope/t.yaml"), None);
        assert_eq!(status_object("status", "STATUS.md"), None);
    }

    #[test]
    fn diff_writes_what_changed_and_removes_what_is_gone() {
        let existing = BTreeMap::from([
            ("a".to_string(), Arc::new(b"1".to_vec())),
            ("b".to_string(), Arc::new(b"old".to_vec())),
            ("c".to_string(), Arc::new(b"3".to_vec())),
            ("d".to_string(), Arc::new(b"4".to_vec())),
            ("0".to_string(), Arc::new(b"first".to_vec())),
            ("z".to_string(), Arc::new(b"last".to_vec())),
        ]);
        let mut wanted = Wanted {
            files: BTreeMap::from([
                ("a".to_string(), Cow::Owned(b"1".to_vec())),
                ("b".to_string(), Cow::Owned(b"2".to_vec())),
                ("d".to_string(), Cow::Borrowed(existing["d"].as_slice())),
                ("e".to_string(), Cow::Borrowed(existing["d"].as_slice())),
            ]),
            complete: true,
        };
        assert_eq!(
            diff(&wanted, &existing),
            vec![
                ("0".to_string(), None),
                ("b".to_string(), Some(b"2".to_vec())),
                ("c".to_string(), None),
                ("e".to_string(), Some(b"4".to_vec())),
                ("z".to_string(), None),
            ]
        );
        // The files left out are right as they are: nothing is removed.
        wanted.complete = false;
        assert_eq!(
            diff(&wanted, &existing),
            vec![
                ("b".to_string(), Some(b"2".to_vec())),
                ("e".to_string(), Some(b"4".to_vec())),
            ]
        );
        assert_eq!(commit_subject(1), "railyard: 1 transition");
    }
}
