//! `railyard watch`: reconcile once, then again on every relevant change and on a timer.
//!
//! A file-system watcher (notify, debounced) reports paths; [`Classifier::classify`], a pure
//! function, sorts each into a manifest edit, a moved branch ref, or noise (railyard's own
//! status writes, objects, the index, lock files…). Rounds run one at a time; whatever arrives
//! during a round is folded into the next one. A commit-mode round reconciles the configured
//! branch (reusing the manifests parsed before, by blob id: only changed files are parsed
//! again); a `--dry-run` round plans the working tree and commits nothing. A round whose
//! trigger was the branch moving to the commit railyard itself just made is skipped. Errors
//! are logged and the watcher goes on, backing off while they repeat. On SIGINT/SIGTERM the
//! round in progress is abandoned before it moves the branch, and the watcher ends.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use notify_debouncer_full::notify::EventKind;
use notify_debouncer_full::notify::event::CreateKind;
use tokio::sync::{mpsc, watch};

use crate::error::Error;
use crate::execute::{self, Clock};
use crate::git::GitRepo;
use crate::load::{Selection, Settings};
use crate::pipeline::Incremental;
use crate::plan::Plan;
use crate::writeback::{self, Hooks, Target, Written};

/// What a changed path means to the watcher.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Change {
    /// A manifest in the working tree was edited (counts in `--dry-run` only).
    Manifest(String),
    /// A ref that can carry a new commit of the configured branch moved.
    Branch(String),
    /// Nothing railyard needs to look at.
    Ignored,
}

/// Sorts changed paths. Pure: paths in, [`Change`] out.
pub struct Classifier {
    /// The release repository's folder.
    pub root: PathBuf,
    /// The git directory.
    pub git_dir: PathBuf,
    pub branch: String,
    /// Whether working-tree edits count (`--dry-run`).
    pub worktree: bool,
    selection: Selection,
}

impl Classifier {
    pub fn new(root: PathBuf, git_dir: PathBuf, settings: &Settings, worktree: bool) -> Classifier {
        Classifier {
            root,
            git_dir,
            branch: settings.branch.clone(),
            worktree,
            selection: Selection::new(settings),
        }
    }

    /// What an event of `kind` on `path` means. Reading a file (railyard reads the branch
    /// ref every round) is never a change.
    pub fn classify(&self, kind: &EventKind, path: &Path) -> Change {
        if matches!(kind, EventKind::Access(_)) {
            return Change::Ignored;
        }
        if let Ok(inside) = path.strip_prefix(&self.git_dir) {
            let inside = slashed(inside);
            let branch = &self.branch;
            let moved = inside == format!("refs/heads/{branch}")
                || inside == "packed-refs"
                || (inside.starts_with("refs/remotes/") && inside.ends_with(&format!("/{branch}")));
            return if moved {
                Change::Branch(inside)
            } else {
                Change::Ignored
            };
        }
        let Ok(relative) = path.strip_prefix(&self.root) else {
            return Change::Ignored;
        };
        let relative = slashed(relative);
        let hidden = relative.split('/').any(|part| part.starts_with('.'));
        // A new folder may already hold files whose own events came before the watch on it.
        let folder = matches!(kind, EventKind::Create(CreateKind::Folder))
            && !relative.is_empty()
            && !self.selection.is_owned(&relative);
        let manifest =
            folder || relative == crate::load::CONFIG_FILE || self.selection.is_manifest(&relative);
        if self.worktree && !hidden && manifest {
            Change::Manifest(relative)
        } else {
            Change::Ignored
        }
    }
}

fn slashed(path: &Path) -> String {
    path.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// How to watch.
#[derive(Clone, Debug)]
pub struct Options {
    pub target: Target,
    /// Plan the working tree and commit nothing.
    pub dry_run: bool,
    /// Run ready automated tasks each round, with at most this many at once (`None`: no
    /// execution; `Some(None)`: Config `execute.jobs`).
    pub execute: Option<Option<usize>>,
    /// A round at least this often, for time-based guards.
    pub interval: Duration,
    /// How long the file-system events of one change are gathered.
    pub debounce: Duration,
    pub clock: Clock,
}

/// What one round did, for the command line to show.
#[derive(Debug)]
pub enum Outcome {
    Written(Written),
    Executed(Box<execute::Execution>),
    Planned(Box<Plan>),
    /// Skipped: the branch is where railyard's own last round left it.
    Unchanged,
    Failed(String),
}

/// One round.
#[derive(Debug)]
pub struct Round {
    /// What started it: `start`, `timer`, `branch refs/heads/main`, `edit trains/q4.yaml`…
    pub trigger: String,
    pub took: Duration,
    /// Manifest files parsed in this round (the rest came from the cache).
    pub parsed: Option<usize>,
    pub outcome: Outcome,
}

/// Watches the repository at `root` until `stop` resolves. `on_round` hears about every round.
pub async fn watch(
    root: PathBuf,
    options: Options,
    stop: impl std::future::Future<Output = String> + Send + 'static,
    on_round: &mut dyn FnMut(&Round),
) -> Result<(), Error> {
    let repo = GitRepo::discover(&root).map_err(|e| match e {
        crate::git::GitError::NotARepository { path } => Error::NotGit(path.display().to_string()),
        e => e.into(),
    })?;
    let settings = repo.configured_settings()?;
    if options.execute.is_some() {
        // Refused now, not in every round.
        execute::check_branch(&root)?;
    }
    let git_dir = repo
        .git_dir()
        .canonicalize()
        .map_err(|e| Error::Internal(e.to_string()))?;
    let canonical_root = root
        .canonicalize()
        .map_err(|e| Error::Internal(e.to_string()))?;
    drop(repo);
    let classifier = Classifier::new(
        canonical_root.clone(),
        git_dir.clone(),
        &settings,
        options.dry_run,
    );
    // Stop, as a value every round can look at.
    let (stopping_tx, stopping) = watch::channel(None::<String>);
    tokio::spawn(async move {
        let reason = stop.await;
        let _ = stopping_tx.send(Some(reason));
    });
    let (changes_tx, mut changes) = mpsc::unbounded_channel::<Change>();
    let debouncer = watcher(
        classifier,
        options.debounce,
        changes_tx,
        &canonical_root,
        &git_dir,
    )?;
    let mut rounds = Rounds {
        root,
        options: options.clone(),
        cache: Some(Incremental::default()),
        last_tip: None,
        failures: 0,
        stopping,
    };
    let mut ticker = tokio::time::interval(options.interval);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    ticker.tick().await;
    on_round(&rounds.run("start".into(), false).await);
    let mut stop_signal = rounds.stopping.clone();
    loop {
        if rounds.stopped() {
            break;
        }
        let (trigger, only_branch) = tokio::select! {
            change = changes.recv() => {
                let Some(first) = change else {
                    tracing::error!("the file watcher stopped: watching ends");
                    break;
                };
                let mut all = vec![first];
                while let Ok(more) = changes.try_recv() {
                    all.push(more);
                }
                describe(&all)
            }
            _ = ticker.tick() => ("timer".to_string(), false),
            () = rounds.until_timer() => ("timer".to_string(), false),
            _ = stop_signal.wait_for(Option::is_some) => break,
        };
        if let Some(wait) = rounds.backoff() {
            tracing::info!(
                wait_ms = wait.as_millis() as u64,
                "backing off after {} failed rounds",
                rounds.failures
            );
            tokio::select! {
                () = tokio::time::sleep(wait) => {}
                _ = stop_signal.wait_for(Option::is_some) => break,
            }
        }
        let round = rounds.run(trigger, only_branch).await;
        on_round(&round);
        if matches!(round.outcome, Outcome::Failed(_)) && !rounds.root.exists() {
            return Err(Error::Gone(rounds.root.display().to_string()));
        }
    }
    drop(debouncer);
    Ok(())
}

/// The debounced file watcher of the working tree (and of the git directory, when it lies
/// outside): every change it classifies as one railyard cares about goes to `changes`.
fn watcher(
    classifier: Classifier,
    debounce: std::time::Duration,
    changes_tx: mpsc::UnboundedSender<Change>,
    canonical_root: &Path,
    git_dir: &Path,
) -> Result<
    notify_debouncer_full::Debouncer<
        notify_debouncer_full::notify::RecommendedWatcher,
        notify_debouncer_full::NoCache,
    >,
    Error,
> {
    let mut debouncer = notify_debouncer_full::new_debouncer_opt::<
        _,
        notify_debouncer_full::notify::RecommendedWatcher,
        notify_debouncer_full::NoCache,
    >(
        debounce,
        None,
        move |result: notify_debouncer_full::DebounceEventResult| match result {
            Ok(events) => {
                for event in events {
                    for path in &event.paths {
                        let change = classifier.classify(&event.kind, path);
                        if change != Change::Ignored {
                            let _ = changes_tx.send(change);
                        }
                    }
                }
            }
            Err(errors) => {
                for error in errors {
                    tracing::warn!("watching the repository: {error}");
                }
            }
        },
        notify_debouncer_full::NoCache,
        notify_debouncer_full::notify::Config::default(),
    )
    .map_err(|e| Error::Internal(format!("cannot watch the repository: {e}")))?;
    use notify_debouncer_full::notify::RecursiveMode;
    let watch_error = |e: notify_debouncer_full::notify::Error| {
        Error::Internal(format!("cannot watch the repository: {e}"))
    };
    debouncer
        .watch(canonical_root, RecursiveMode::Recursive)
        .map_err(watch_error)?;
    if !git_dir.starts_with(canonical_root) {
        debouncer
            .watch(git_dir, RecursiveMode::Recursive)
            .map_err(watch_error)?;
    }
    Ok(debouncer)
}

/// The trigger of a round from the changes folded into it, and whether only refs moved.
fn describe(changes: &[Change]) -> (String, bool) {
    let mut edits: Vec<&str> = Vec::new();
    let mut refs: Vec<&str> = Vec::new();
    for change in changes {
        match change {
            Change::Manifest(path) if !edits.contains(&path.as_str()) => edits.push(path),
            Change::Branch(name) if !refs.contains(&name.as_str()) => refs.push(name),
            _ => {}
        }
    }
    let mut parts = Vec::new();
    if !refs.is_empty() {
        parts.push(format!("ref {}", refs.join(", ")));
    }
    match edits.len() {
        0 => {}
        1..=3 => parts.push(format!("edit {}", edits.join(", "))),
        n => parts.push(format!("{n} edits")),
    }
    (parts.join("; "), edits.is_empty())
}

/// The state kept between rounds.
struct Rounds {
    root: PathBuf,
    options: Options,
    /// Taken by the round that runs, given back when it ends.
    cache: Option<Incremental>,
    /// The branch tip railyard last saw or made.
    last_tip: Option<String>,
    /// Rounds that failed in a row.
    failures: u32,
    stopping: watch::Receiver<Option<String>>,
}

impl Rounds {
    fn stopped(&self) -> bool {
        self.stopping.borrow().is_some()
    }

    /// How long to wait before the next round after repeated failures: 1 s, 2 s, 4 s … 60 s.
    fn backoff(&self) -> Option<Duration> {
        match self.failures {
            0 => None,
            n => Some(Duration::from_secs(1 << (n - 1).min(6)).min(Duration::from_secs(60))),
        }
    }

    async fn run(&mut self, trigger: String, only_branch: bool) -> Round {
        let started = Instant::now();
        crate::git::next_round();
        let (outcome, parsed) = self.attempt(only_branch).await;
        match &outcome {
            Outcome::Failed(_) => self.failures += 1,
            _ => self.failures = 0,
        }
        Round {
            trigger,
            took: started.elapsed(),
            parsed,
            outcome,
        }
    }

    /// Resolves when the clock reaches the earliest instant the last round's guards were
    /// waiting for (never, when none was), so that a turnover held by a schedule, a freeze
    /// or a window moves at that instant rather than at the next `--interval` tick.
    async fn until_timer(&self) {
        let next = self.cache.as_ref().and_then(|c| c.memo.next_timer());
        // An instant already past is the interval's to catch: never a busy loop.
        let Some(next) = next.filter(|&n| n > self.options.clock.now()) else {
            return std::future::pending().await;
        };
        let wait = self.options.clock.now().duration_until(next);
        // A little after the instant: a guard holds once the clock is at or past it.
        let wait = std::time::Duration::try_from(wait).unwrap_or_default()
            + std::time::Duration::from_millis(20);
        tokio::time::sleep(wait).await;
    }

    async fn attempt(&mut self, only_branch: bool) -> (Outcome, Option<usize>) {
        let now = self.options.clock.now();
        let root = self.root.clone();
        if self.options.dry_run {
            let mut cache = self.cache.take().unwrap_or_default();
            let planned = tokio::task::spawn_blocking(move || {
                let plan = crate::reconcile::plan_worktree(&root, now, Some(&mut cache));
                (cache, plan)
            })
            .await;
            let (cache, plan) = match planned {
                Ok(pair) => pair,
                Err(e) => return (Outcome::Failed(e.to_string()), None),
            };
            let parsed = Some(cache.parsed());
            self.cache = Some(cache);
            return match plan {
                Ok(plan) => (Outcome::Planned(Box::new(plan)), parsed),
                Err(e) => (Outcome::Failed(e.to_string()), parsed),
            };
        }
        let tip = branch_tip(&self.root);
        if only_branch && tip.is_some() && tip == self.last_tip {
            return (Outcome::Unchanged, None);
        }
        if let Some(jobs) = self.options.execute {
            let options = execute::Options {
                jobs,
                target: self.options.target.clone(),
                clock: self.options.clock,
            };
            let mut stopping = self.stopping.clone();
            let stop = async move { execute::process::stopping(&mut stopping).await };
            let executed = execute::execute(self.root.clone(), options, stop, &mut |_| {}).await;
            self.last_tip = branch_tip(&self.root);
            return match executed {
                Ok(execution) => (Outcome::Executed(Box::new(execution)), None),
                Err(e) => (Outcome::Failed(e.to_string()), None),
            };
        }
        let target = self.options.target.clone();
        let mut cache = self.cache.take().unwrap_or_default();
        let abandon = Arc::new(AtomicBool::new(false));
        let abandoned = abandon.clone();
        let work = tokio::task::spawn_blocking(move || {
            let mut go_on = |_: u32| !abandoned.load(Ordering::SeqCst);
            let written = writeback::reconcile_branch_with(
                &root,
                now,
                &target,
                Hooks {
                    cache: Some(&mut cache),
                    before_swap: Some(&mut go_on),
                    ..Hooks::default()
                },
            );
            (cache, written)
        });
        tokio::pin!(work);
        let mut stopping = self.stopping.clone();
        let joined = tokio::select! {
            joined = &mut work => joined,
            _ = stopping.wait_for(Option::is_some) => {
                abandon.store(true, Ordering::SeqCst);
                work.await
            }
        };
        let (cache, written) = match joined {
            Ok(pair) => pair,
            Err(e) => return (Outcome::Failed(e.to_string()), None),
        };
        let parsed = Some(cache.parsed());
        self.cache = Some(cache);
        match written {
            Ok(written) => {
                self.last_tip = branch_tip(&self.root);
                (Outcome::Written(written), parsed)
            }
            Err(e) => (Outcome::Failed(e.to_string()), parsed),
        }
    }
}

/// The configured branch's tip, when it can be read.
fn branch_tip(root: &Path) -> Option<String> {
    let repo = GitRepo::discover(root).ok()?;
    let branch = repo.configured_branch().ok()?;
    repo.branch_tip(&branch).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use notify_debouncer_full::notify::event::{AccessKind, DataChange, ModifyKind, RenameMode};

    fn classifier(worktree: bool) -> Classifier {
        Classifier::new(
            PathBuf::from("/r"),
            PathBuf::from("/r/.git"),
            &Settings::default(),
            worktree,
        )
    }

    #[test]
    fn paths_sort_into_manifest_edits_branch_moves_and_noise() {
        let c = classifier(true);
        let table = [
            (
                "/r/trains/q4.yaml",
                Change::Manifest("trains/q4.yaml".into()),
            ),
            ("/r/railyard.yaml", Change::Manifest("railyard.yaml".into())),
            (
                "/r/.git/refs/heads/main",
                Change::Branch("refs/heads/main".into()),
            ),
            ("/r/.git/packed-refs", Change::Branch("packed-refs".into())),
            (
                "/r/.git/refs/remotes/origin/main",
                Change::Branch("refs/remotes/origin/main".into()),
            ),
            // railyard's own writes, and everything else under .git, are noise.
            ("/r/status/Turnover/t.yaml", Change::Ignored),
            ("/r/STATUS.md", Change::Ignored),
            ("/r/.git/refs/heads/main.lock", Change::Ignored),
            ("/r/.git/refs/heads/feature", Change::Ignored),
            ("/r/.git/objects/ab/cdef", Change::Ignored),
            ("/r/.git/index", Change::Ignored),
            ("/r/.git/HEAD", Change::Ignored),
            ("/r/.github/workflows/railyard.yml", Change::Ignored),
            ("/r/notes.txt", Change::Ignored),
            ("/elsewhere/x.yaml", Change::Ignored),
        ];
        let written = EventKind::Modify(ModifyKind::Data(DataChange::Content));
        let renamed = EventKind::Modify(ModifyKind::Name(RenameMode::To));
        for (path, expected) in table {
            assert_eq!(c.classify(&written, Path::new(path)), expected, "{path}");
            assert_eq!(c.classify(&renamed, Path::new(path)), expected, "{path}");
            assert_eq!(
                c.classify(&EventKind::Create(CreateKind::File), Path::new(path)),
                expected,
                "{path}"
            );
            // Reading a file is never a change: railyard reads the ref every round.
            assert_eq!(
                c.classify(&EventKind::Access(AccessKind::Read), Path::new(path)),
                Change::Ignored,
                "{path}"
            );
        }
    }

    #[test]
    fn a_new_folder_counts_as_an_edit_since_its_files_may_have_come_first() {
        let c = classifier(true);
        let folder = EventKind::Create(CreateKind::Folder);
        assert_eq!(
            c.classify(&folder, Path::new("/r/trains")),
            Change::Manifest("trains".into())
        );
        assert_eq!(
            c.classify(&folder, Path::new("/r/status/Turnover")),
            Change::Ignored
        );
        assert_eq!(c.classify(&folder, Path::new("/r/.cache")), Change::Ignored);
        assert_eq!(
            classifier(false).classify(&folder, Path::new("/r/trains")),
            Change::Ignored
        );
    }

    #[test]
    fn working_tree_edits_count_only_in_a_dry_run() {
        let c = classifier(false);
        let written = EventKind::Modify(ModifyKind::Any);
        assert_eq!(
            c.classify(&written, Path::new("/r/trains/q4.yaml")),
            Change::Ignored
        );
        assert_eq!(
            c.classify(&written, Path::new("/r/.git/refs/heads/main")),
            Change::Branch("refs/heads/main".into())
        );
    }

    #[test]
    fn a_round_names_what_triggered_it() {
        let changes = [
            Change::Branch("refs/heads/main".into()),
            Change::Branch("refs/heads/main".into()),
            Change::Manifest("a.yaml".into()),
        ];
        assert_eq!(
            describe(&changes),
            ("ref refs/heads/main; edit a.yaml".to_string(), false)
        );
        assert_eq!(
            describe(&changes[..1]),
            ("ref refs/heads/main".to_string(), true)
        );
        let many: Vec<Change> = (0..5)
            .map(|i| Change::Manifest(format!("{i}.yaml")))
            .collect();
        assert_eq!(describe(&many).0, "5 edits");
    }

    #[test]
    fn backoff_doubles_up_to_a_minute() {
        let (_tx, stopping) = watch::channel(None);
        let mut rounds = Rounds {
            root: PathBuf::new(),
            options: Options {
                target: Target::Local,
                dry_run: false,
                execute: None,
                interval: Duration::from_secs(60),
                debounce: Duration::from_millis(100),
                clock: Clock::System,
            },
            cache: None,
            last_tip: None,
            failures: 0,
            stopping,
        };
        let waits: Vec<Option<u64>> = [0, 1, 2, 3, 7, 30]
            .iter()
            .map(|&n| {
                rounds.failures = n;
                rounds.backoff().map(|d| d.as_secs())
            })
            .collect();
        assert_eq!(waits, [None, Some(1), Some(2), Some(4), Some(60), Some(60)]);
    }
}
