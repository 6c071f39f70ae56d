//! `reconcile --execute`: railyard runs the ready automated tasks of deploying turnovers (and
//! of releases whose phase has a task plan) itself, and records each run in status.
//!
//! The run goes like this: a first reconcile commits status as usual (and marks runs that an
//! earlier railyard left `running` as failed: it stopped before they finished); its plan gives
//! the run lists. The [`Scheduler`] starts ready tasks, at most `jobs` at once, each a
//! process of its own ([`process::run`]); a finished task unlocks its dependents at once, so
//! scheduling never waits on git. Every start and end goes to a recorder that commits them as
//! the status of the branch (a reconcile with the runs laid over the previous status), folding
//! whatever arrived while it was committing into its next commit. The engine decides phases
//! from those runs as from anything else: a turnover whose tasks all succeeded is `deployed`.

pub mod process;

use std::path::{Path, PathBuf};
use std::time::Duration;

use tokio::sync::{mpsc, watch};

use crate::status::recorded::Recorded;
use crate::tasks::runner::{Counts, RunList, RunTask, Scheduler};

use crate::error::Error;
use crate::git::{GitError, GitRepo};
use crate::manifest::Kind;
use crate::tasks::{RunState, TaskRun};
use crate::writeback::{self, Target, Written};

/// The clock of an execution or a watch: fixed by `--now`, the system's, or (for `watch
/// --now`) one that starts at a given instant and runs.
#[derive(Clone, Copy, Debug)]
pub enum Clock {
    Fixed(jiff::Timestamp),
    System,
    Running {
        at: jiff::Timestamp,
        since: std::time::Instant,
    },
}

impl Clock {
    pub fn now(self) -> jiff::Timestamp {
        match self {
            Clock::Fixed(at) => at,
            Clock::System => jiff::Timestamp::now(),
            Clock::Running { at, since } => {
                let elapsed = jiff::SignedDuration::try_from(since.elapsed()).unwrap_or_default();
                at.checked_add(elapsed).unwrap_or(at)
            }
        }
    }
}

/// How to execute.
#[derive(Clone, Debug)]
pub struct Options {
    /// At most this many tasks at once (at least 1); `None`: Config `execute.jobs`.
    pub jobs: Option<usize>,
    pub target: Target,
    pub clock: Clock,
}

/// What happens during an execution, for the command line to show.
pub enum Event<'e> {
    Started {
        subject: &'e str,
        task: &'e RunTask,
    },
    Finished {
        subject: &'e str,
        task: &'e RunTask,
        run: &'e TaskRun,
    },
    /// After every start and end.
    Progress(Counts),
}

/// One finished run, for the summary.
#[derive(Clone, Debug)]
pub struct Finished {
    pub subject: String,
    pub task: String,
    pub run: TaskRun,
}

/// What an execution did.
#[derive(Debug)]
pub struct Execution {
    /// The first reconcile, before any task ran.
    pub first: Written,
    /// Every run that ended, in the order they ended.
    pub finished: Vec<Finished>,
    /// The last reconcile that recorded runs (`None` when no task ran).
    pub last: Option<Written>,
    /// How many status commits recorded runs.
    pub commits: usize,
    /// Phase transitions committed, the first reconcile's included.
    pub transitions: usize,
    /// Recorder reconciles that failed (the next one records the same runs again).
    pub failures: Vec<String>,
    /// Set when the last reconcile failed: the runs since the last good one are not in
    /// status (the command line prints them).
    pub unrecorded: Option<String>,
    /// Why the execution stopped early (Ctrl-C), if it did.
    pub stopped: Option<String>,
}

/// Checks that the repository at `root` has the configured branch checked out, and returns
/// the committed settings.
pub fn check_branch(root: &Path) -> Result<crate::load::Settings, Error> {
    let repo = match GitRepo::discover(root) {
        Ok(repo) => repo,
        Err(GitError::NotARepository { path }) => {
            return Err(Error::NotGit(path.display().to_string()));
        }
        Err(e) => return Err(e.into()),
    };
    let settings = repo.configured_settings()?;
    let configured = settings.branch.clone();
    match repo.checked_out_branch()? {
        Some(branch) if branch == configured => Ok(settings),
        Some(branch) => Err(Error::WrongBranch {
            configured,
            found: format!("this working tree has `{branch}` checked out"),
        }),
        None => Err(Error::WrongBranch {
            configured,
            found: "this working tree has no branch checked out (detached HEAD)".into(),
        }),
    }
}

/// A task's start or end, on its way to the recorder.
struct Record {
    kind: Kind,
    name: String,
    task: String,
    run: TaskRun,
}

/// What the recorder did.
#[derive(Default)]
struct Recording {
    last: Option<Written>,
    commits: usize,
    transitions: usize,
    failures: Vec<String>,
    unrecorded: Option<String>,
}

/// Executes the ready automated tasks of the repository at `root` (see the module doc).
/// `stop` resolves with a reason when the user wants the execution to end (Ctrl-C): nothing
/// new starts, running tasks are terminated and recorded as failed with that reason.
pub async fn execute(
    root: PathBuf,
    options: Options,
    stop: impl std::future::Future<Output = String>,
    observer: &mut dyn FnMut(Event<'_>),
) -> Result<Execution, Error> {
    let settings = check_branch(&root)?;
    let first = commit_runs(
        root.clone(),
        options.clone(),
        Recorded::interrupting_stale(),
    )
    .await?;
    let mut scheduler = Scheduler::new(first.run_lists.clone());
    let (records, inbox) = mpsc::unbounded_channel::<Record>();
    let recorder = tokio::spawn(record(root.clone(), options.clone(), inbox));
    let (stop_all, stop_signal) = watch::channel(None::<String>);
    let mut running = tokio::task::JoinSet::new();
    let mut finished = Vec::new();
    let mut stopped = None;
    let jobs = options.jobs.unwrap_or(settings.jobs).max(1);
    let subjects: Vec<String> = scheduler.run_lists().iter().map(RunList::subject).collect();
    tokio::pin!(stop);
    loop {
        while running.len() < jobs {
            let Some(at) = scheduler.start_next() else {
                break;
            };
            let list = &scheduler.run_lists()[at.list];
            let task = scheduler.task(at);
            let started_at = options.clock.now();
            let run = started(list, started_at);
            let _ = records.send(Record {
                kind: list.kind,
                name: list.name.clone(),
                task: task.id.clone(),
                run: run.clone(),
            });
            observer(Event::Started {
                subject: &subjects[at.list],
                task,
            });
            let launch = TaskLaunch {
                argv: task.run.clone().unwrap_or_default(),
                dir: root.clone(),
                env: environment(list, task),
                timeout: task.timeout,
            };
            let stop_signal = stop_signal.clone();
            running.spawn(async move { (at, started_at, launch.run(stop_signal).await) });
        }
        observer(Event::Progress(scheduler.counts()));
        if running.is_empty() {
            break;
        }
        tokio::select! {
            joined = running.join_next() => {
                let Some(Ok((at, started_at, ended))) = joined else {
                    continue;
                };
                scheduler.finish(at, ended.succeeded);
                let list = &scheduler.run_lists()[at.list];
                let task = scheduler.task(at);
                let run = ended_run(list, started_at, ended);
                observer(Event::Finished { subject: &subjects[at.list], task, run: &run });
                finished.push(Finished {
                    subject: subjects[at.list].clone(),
                    task: task.id.clone(),
                    run: run.clone(),
                });
                let _ = records.send(Record {
                    kind: list.kind,
                    name: list.name.clone(),
                    task: task.id.clone(),
                    run,
                });
            }
            reason = &mut stop, if stopped.is_none() => {
                scheduler.stop();
                let _ = stop_all.send(Some(reason.clone()));
                stopped = Some(reason);
            }
        }
    }
    drop(records);
    let recording = recorder.await.unwrap_or_default();
    let transitions = first.transitions + recording.transitions;
    Ok(Execution {
        first,
        finished,
        last: recording.last,
        commits: recording.commits,
        transitions,
        failures: recording.failures,
        unrecorded: recording.unrecorded,
        stopped,
    })
}

/// What a spawned task needs, owned.
struct TaskLaunch {
    argv: Vec<String>,
    dir: PathBuf,
    env: Vec<(&'static str, String)>,
    timeout: Duration,
}

impl TaskLaunch {
    /// Runs the task to its end (or its timeout, or the stop).
    async fn run(self, stop: watch::Receiver<Option<String>>) -> process::Ended {
        let spec = process::Spec {
            argv: &self.argv,
            dir: &self.dir,
            env: self.env,
            timeout: self.timeout,
        };
        process::run(spec, stop).await
    }
}

/// The run of a task of `list` that starts at `started_at`.
fn started(list: &RunList, started_at: jiff::Timestamp) -> TaskRun {
    TaskRun {
        attempt: list.attempt,
        plan: list.plan.clone(),
        state: RunState::Running,
        started_at,
        duration_ms: None,
        exit_code: None,
        reason: None,
        output: Vec::new(),
    }
}

/// The run of a task of `list` that started at `started_at` and ended so.
fn ended_run(list: &RunList, started_at: jiff::Timestamp, ended: process::Ended) -> TaskRun {
    TaskRun {
        attempt: list.attempt,
        plan: list.plan.clone(),
        state: if ended.succeeded {
            RunState::Succeeded
        } else {
            RunState::Failed
        },
        started_at,
        duration_ms: Some(u64::try_from(ended.duration.as_millis()).unwrap_or(u64::MAX)),
        exit_code: ended.exit_code,
        reason: ended.reason,
        output: ended.output,
    }
}

/// The environment variables that tell a task what it is running for.
fn environment(list: &RunList, task: &RunTask) -> Vec<(&'static str, String)> {
    let mut env = vec![
        ("RAILYARD_SUBJECT", list.subject()),
        ("RAILYARD_TASK", task.id.clone()),
        ("RAILYARD_ATTEMPT", list.attempt.to_string()),
    ];
    match list.kind {
        Kind::Turnover => env.push(("RAILYARD_TURNOVER", list.name.clone())),
        _ => env.push(("RAILYARD_RELEASE", list.name.clone())),
    }
    if let Some(environment) = &list.environment {
        env.push(("RAILYARD_ENVIRONMENT", environment.clone()));
    }
    if let Some(plan) = &list.plan {
        env.push(("RAILYARD_TASK_PLAN", plan.clone()));
    }
    env
}

/// Commits the runs it receives, folding those that arrive during a commit into the next.
async fn record(
    root: PathBuf,
    options: Options,
    mut inbox: mpsc::UnboundedReceiver<Record>,
) -> Recording {
    let mut recorded = Recorded::default();
    let mut recording = Recording::default();
    while let Some(first) = inbox.recv().await {
        let mut add = |r: Record| recorded.insert(r.kind, &r.name, &r.task, r.run);
        add(first);
        while let Ok(more) = inbox.try_recv() {
            add(more);
        }
        let written = commit_runs(root.clone(), options.clone(), recorded.clone()).await;
        match written {
            Ok(written) => {
                if written.commit.is_some() {
                    recording.commits += 1;
                    recording.transitions += written.transitions;
                }
                recording.last = Some(written);
                recording.unrecorded = None;
            }
            Err(e) => {
                tracing::warn!("recording task runs: {e}");
                recording.failures.push(e.to_string());
                recording.unrecorded = Some(e.to_string());
            }
        }
    }
    recording
}

/// One status commit with `recorded` laid over the previous status, off the async threads.
async fn commit_runs(
    root: PathBuf,
    options: Options,
    recorded: Recorded,
) -> Result<Written, Error> {
    blocking(move || {
        writeback::reconcile_branch_with(
            &root,
            options.clock.now(),
            &options.target,
            writeback::Hooks {
                recorded: Some(&recorded),
                ..writeback::Hooks::default()
            },
        )
    })
    .await
}

/// Runs git work off the async threads.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, Error> + Send + 'static,
) -> Result<T, Error> {
    tokio::task::spawn_blocking(work)
        .await
        .unwrap_or_else(|e| Err(Error::Internal(e.to_string())))
}
