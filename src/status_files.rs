//! Status files as railyard judges them: which of the committed ones it trusts (the bot
//! wrote them last and they read back exactly as railyard renders them), what it wants
//! written for a plan (each object's status file and `STATUS.md`), and how that differs
//! from what is committed. Pure: the commit, the dry-run and `watch` all ask it.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::Arc;

use foldhash::{HashMap, HashMapExt, HashSet};
use rayon::prelude::*;

use crate::catalog::Catalog;
use crate::engine::ObjectPlan;
use crate::manifest::Kind;
use crate::plan;
use crate::status::StatusMap;
use crate::status::{StatusFile, TasksStatus};

/// railyard's own status files as parsed before, by path: their bytes and content.
pub type Statuses = foldhash::HashMap<String, (Arc<Vec<u8>>, Arc<StatusFile>)>;

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
    fn distrust(&self, facts: &crate::trust::facts::Facts, path: &str) -> Option<String> {
        let Some(commit) = facts.changed.get(path).filter(|_| facts.verified) else {
            return Some(String::new());
        };
        let short = &commit.id[..commit.id.len().min(12)];
        if !crate::trust::facts::same_email(&commit.author_email, self.email) {
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
    facts: &crate::trust::facts::Facts,
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
            _ => (StatusFile::read_back(bytes).map(Arc::new), true),
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
    // The two maps side by side (each a name copied for each of thousands of files). Path
    // order is nearly the status map's order (kinds, then names): collected fast.
    let parsed = || {
        trusted
            .iter()
            .zip(&found)
            .filter_map(|(trusted, (file, _))| Some((trusted, file.as_ref()?)))
    };
    let (files, previous) = rayon::join(
        || {
            let mut files = HashMap::with_capacity(trusted.len());
            files.extend(parsed().map(|((path, _, _), file)| ((*path).clone(), file.clone())));
            files
        },
        || -> StatusMap {
            parsed()
                .map(|((_, _, (kind, name)), file)| {
                    ((*kind, name.to_string()), file.status.clone())
                })
                .collect()
        },
    );
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

/// What a watcher's last round found and wrote of railyard's own files, for the next round.
#[derive(Default)]
pub struct Rendered {
    known_right: KnownRight,
    rows: crate::summary::Rows,
}

/// Status files a watcher's round found already right, by the plan they were right for
/// (held here, so that its address names that one plan), with the parsed file they were
/// right for and their path. The same plan and the same parsed file again (the same
/// allocations: never changed while shared) are right again: the next round neither
/// compares their statuses field by field nor writes their paths again (thousands of files
/// a round).
#[derive(Default)]
struct KnownRight {
    by_plan: HashMap<usize, RightFile>,
    /// The round that judges now: a right that stood in it carries its number.
    round: u64,
}

struct RightFile {
    plan: Arc<ObjectPlan>,
    file: Arc<StatusFile>,
    path: String,
    stood: std::sync::atomic::AtomicU64,
}

impl KnownRight {
    /// The path of `object`'s status file, when it was found right for this same plan and
    /// `before` has this same parsed file there. Marks the right as standing this round.
    fn stands(
        &self,
        object: &Arc<ObjectPlan>,
        before: &HashMap<String, Arc<StatusFile>>,
    ) -> Option<&str> {
        let right = self.by_plan.get(&(Arc::as_ptr(object) as usize))?;
        let same = Arc::ptr_eq(&right.plan, object)
            && before
                .get(&right.path)
                .is_some_and(|file| Arc::ptr_eq(file, &right.file));
        same.then(|| {
            right
                .stood
                .store(self.round, std::sync::atomic::Ordering::Relaxed);
            right.path.as_str()
        })
    }
}

/// What railyard writes beside the objects' status files: the summary's halts banner and
/// next days ([`crate::upcoming`]), and the calendar file (path, bytes) when the Config asks
/// for one.
#[derive(Debug, Default)]
pub struct Pages {
    pub banner: String,
    pub upcoming: String,
    pub calendar: Option<(String, Vec<u8>)>,
}

/// What railyard's own files should hold.
#[derive(Debug, PartialEq)]
pub struct Desired<'f> {
    /// Files and their bytes, in path order.
    pub files: BTreeMap<String, Cow<'f, [u8]>>,
    /// Whether `files` names every own file there should be (the others are removed).
    /// Otherwise every own file it leaves out is right as it is: a watcher's round leaves
    /// out the thousands of status files it found right last round, when no own file is
    /// without an object (none is to be removed).
    pub complete: bool,
}

/// One object's status file, as [`owned_files`] finds it.
enum Observed<'f, 'j> {
    /// Right as it is, as the last round known_right it: its path.
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
/// found right again are left out unless a file is to be removed ([`Desired::complete`]).
pub fn owned_files<'f>(
    status_dir: &str,
    summary: &str,
    catalog: &Catalog<'_>,
    (plans, pages): (&[Arc<ObjectPlan>], &Pages),
    (own_files, before): Existing<'f>,
    rendered: Option<&mut Rendered>,
    render_new: bool,
) -> Desired<'f> {
    let (mut known_right, rows) = match rendered {
        Some(Rendered { known_right, rows }) => (Some(known_right), Some(rows)),
        None => (None, None),
    };
    if let Some(known_right) = known_right.as_deref_mut() {
        known_right.round += 1;
    }
    let known = known_right.as_deref();
    // Thousands of files: rendered in parallel (those whose status changed), the summary
    // beside them.
    let (found, dashboard) = rayon::join(
        || {
            crate::laps::timed("rendered the status files", || {
                plans
                    .par_iter()
                    .filter_map(|object| {
                        observe(object, status_dir, (own_files, before), known, render_new)
                    })
                    .collect::<Vec<_>>()
            })
        },
        || {
            crate::laps::timed("rendered the summary", || {
                if render_new || own_files.contains_key(summary) {
                    let around = (pages.banner.as_str(), pages.upcoming.as_str());
                    crate::summary::render_with(catalog, plans, around, rows).into_bytes()
                } else {
                    Vec::new()
                }
            })
        },
    );
    // Every own file but the pages is some object's status file (each object has one
    // path): then none is to be removed, and the files that stand can be left out.
    let with_file = found
        .iter()
        .filter(|f| matches!(f, Observed::Stands(_) | Observed::File { exists: true, .. }))
        .count();
    let calendar = pages.calendar.as_ref();
    let pages_there = std::iter::once(summary)
        .chain(calendar.map(|(path, _)| path.as_str()))
        .filter(|page| own_files.contains_key(*page))
        .count();
    let complete = known.is_none() || with_file != own_files.len() - pages_there;
    let mut files: BTreeMap<String, Cow<'f, [u8]>> = BTreeMap::new();
    let mut right = Vec::new();
    let mut stood = 0;
    for found in found {
        match found {
            Observed::Stands(path) => {
                stood += 1;
                if complete && let Some((path, bytes)) = own_files.get_key_value(path) {
                    files.insert(path.clone(), Cow::Borrowed(bytes.as_slice()));
                }
            }
            Observed::File {
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
    if let Some(known_right) = known_right {
        known_right.remember(right, stood);
    }
    files.insert(summary.to_string(), Cow::Owned(dashboard));
    if let Some((path, bytes)) = calendar {
        // Like the summary: named with no bytes when it is new and only looked at.
        let bytes = match render_new || own_files.contains_key(path) {
            true => bytes.clone(),
            false => Vec::new(),
        };
        files.insert(path.clone(), Cow::Owned(bytes));
    }
    Desired { files, complete }
}

/// One object's status file: standing as the last round found it right, kept as it is
/// (an invalid object's, a file already right), or rendered; `None` for an invalid object
/// without one.
fn observe<'f, 'j>(
    object: &Arc<ObjectPlan>,
    status_dir: &str,
    (own_files, before): Existing<'f>,
    known: Option<&'j KnownRight>,
    render_new: bool,
) -> Option<Observed<'f, 'j>> {
    if !object.invalid
        && let Some(path) = known.and_then(|k| k.stands(object, before))
    {
        return Some(Observed::Stands(path));
    }
    let path = plan::status_path(status_dir, object.kind.as_str(), &object.name);
    let existing = own_files.get(&path);
    if object.invalid {
        let kept = existing?;
        return Some(Observed::File {
            path,
            bytes: Cow::Borrowed(kept.as_slice()),
            right: None,
            exists: true,
        });
    }
    let exists = existing.is_some();
    if !exists && !render_new {
        return Some(Observed::File {
            path,
            bytes: Cow::Borrowed(&[]),
            right: None,
            exists,
        });
    }
    let file = before.get(&path);
    Some(match (unchanged(own_files, before, &path, object), file) {
        (Some(kept), Some(file)) => Observed::File {
            path,
            bytes: Cow::Borrowed(kept),
            right: Some((object.clone(), file.clone())),
            exists,
        },
        _ => Observed::File {
            path,
            bytes: Cow::Owned(status_file(object).render().into_bytes()),
            right: None,
            exists,
        },
    })
}

impl KnownRight {
    /// Remembers the files found right this round (with the plan each was right for), and
    /// forgets those that did not stand (their plan is gone or its file changed).
    fn remember(&mut self, right: Vec<(Arc<ObjectPlan>, Arc<StatusFile>, String)>, stood: usize) {
        let round = self.round;
        let judged_now = stood + right.len();
        for (plan, file, path) in right {
            self.by_plan.insert(
                Arc::as_ptr(&plan) as usize,
                RightFile {
                    plan,
                    file,
                    path,
                    stood: round.into(),
                },
            );
        }
        if self.by_plan.len() != judged_now {
            self.by_plan
                .retain(|_, j| j.stood.load(std::sync::atomic::Ordering::Relaxed) == round);
        }
    }
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
        (Some(was), Some(now)) => was.shows(now),
        _ => false,
    };
    (tasks && *file.status == object.status && bytes.starts_with(crate::status::HEADER.as_bytes()))
        .then_some(bytes.as_slice())
}

fn status_file(object: &ObjectPlan) -> StatusFile {
    StatusFile {
        status: Arc::new(object.status.clone()),
        tasks: object.tasks.as_ref().map(TasksStatus::of),
    }
}

/// What to write and what to remove so that the owned files become `wanted`.
pub fn diff(
    wanted: &Desired<'_>,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_status_cache_never_stands_in_for_a_file_that_changed() {
        let settings = crate::load::Settings::default();
        let path = "status/ReleaseTrain/q4.yaml".to_string();
        let mut facts = crate::trust::facts::Facts {
            verified: true,
            ..Default::default()
        };
        facts.changed.insert(
            path.clone(),
            crate::trust::facts::Commit::new(crate::trust::facts::CommitInfo {
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
                ways_out: Vec::new(),
                asks: Vec::new(),
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
                (plans, &Pages::default()),
                existing,
                Some(rendered),
                true,
            );
            let fresh = owned_files(
                "status",
                "STATUS.md",
                &catalog,
                (plans, &Pages::default()),
                existing,
                None,
                true,
            );
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
        assert!(
            rendered
                .known_right
                .stands(&construction, &before)
                .is_some()
        );
        // The same plan and file: taken as right, left out, and kept for the next round.
        let (again, _) = round(&construction, (&own, &before), &mut rendered);
        assert_eq!(again, None);
        let stands = rendered.known_right.stands(&construction, &before);
        assert_eq!(stands, Some(path.as_str()));
        // Another plan, even one that renders the same, is compared: this one does not.
        let verification = plan("verification");
        assert!(
            rendered
                .known_right
                .stands(&verification, &before)
                .is_none()
        );
        let (moved, _) = round(&verification, (&own, &before), &mut rendered);
        assert_eq!(moved, Some((false, rendered_bytes(&verification))));
        assert!(
            rendered.known_right.by_plan.is_empty(),
            "what is not right is not kept"
        );
        // Another parsed file (the file changed and was parsed again) is compared too.
        round(&construction, (&own, &before), &mut rendered);
        let reparsed = Arc::new(StatusFile::parse(&own[&path]).expect("parses"));
        let reread: HashMap<_, _> = [(path.clone(), reparsed)].into_iter().collect();
        assert!(
            rendered
                .known_right
                .stands(&construction, &before)
                .is_some()
        );
        assert!(
            rendered
                .known_right
                .stands(&construction, &reread)
                .is_none()
        );
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
        let mut wanted = Desired {
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
    }
}
