//! `railyard reconcile --execute`: runs the ready automated tasks, shows how far it got (a live
//! line on a terminal, plain lines otherwise), and stops cleanly on Ctrl-C or SIGTERM.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use railyard::execute::{self, Clock, Event, Execution, Options};
use railyard::tasks::{RunState, TaskRun};

use super::written;
use super::{EXIT_ERRORS, EXIT_FAILURE, Format, Global};

/// Exit code after Ctrl-C (128 + SIGINT), as shells report it.
const EXIT_INTERRUPTED: u8 = 130;
/// How many output lines of a failed task are shown (status keeps more).
const SHOWN_LINES: usize = 10;

pub fn run(
    global: &Global,
    target: railyard::writeback::Target,
    jobs: Option<usize>,
) -> anyhow::Result<ExitCode> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let options = Options {
        jobs,
        target,
        clock: global.now.map_or(Clock::System, Clock::Fixed),
    };
    let mut progress = Progress::new(std::io::stderr().is_terminal());
    let execution = runtime.block_on(execute::execute(
        global.repo.clone(),
        options,
        stop_requested(),
        &mut |event| progress.show(&event),
    ));
    progress.clear();
    let execution = execution?;
    // The last failure, when nothing recorded after it, is the error below.
    let recovered = execution
        .failures
        .len()
        .saturating_sub(usize::from(execution.unrecorded.is_some()));
    for failure in &execution.failures[..recovered] {
        eprintln!(
            "warning: a status commit during the run failed ({failure}); the next one recorded the same runs"
        );
    }
    print(global, &execution)?;
    if let Some(error) = &execution.unrecorded {
        eprintln!(
            "error: the last task results could not be committed ({error}); they are listed above, and the next `reconcile --execute` counts those tasks as interrupted"
        );
        return Ok(ExitCode::from(EXIT_FAILURE));
    }
    if let Some(reason) = &execution.stopped {
        eprintln!("{reason}");
        return Ok(ExitCode::from(EXIT_INTERRUPTED));
    }
    let errors = execution.last.as_ref().unwrap_or(&execution.first).errors;
    if errors > 0 {
        eprintln!(
            "error: the manifests have {errors} errors; those objects were skipped (run `railyard validate`)"
        );
        return Ok(ExitCode::from(EXIT_ERRORS));
    }
    Ok(ExitCode::SUCCESS)
}

/// Resolves on Ctrl-C or SIGTERM with the reason recorded for the tasks it stops.
pub async fn stop_requested() -> String {
    use tokio::signal::unix::{SignalKind, signal};
    let mut terminate = signal(SignalKind::terminate()).ok();
    let sigterm = async {
        match terminate.as_mut() {
            Some(s) => {
                s.recv().await;
            }
            None => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => "stopped: railyard was interrupted (Ctrl-C) while the task ran".into(),
        () = sigterm => "stopped: railyard was terminated (SIGTERM) while the task ran".into(),
    }
}

fn print(global: &Global, execution: &Execution) -> anyhow::Result<()> {
    if global.format == Format::Json {
        let runs: Vec<serde_json::Value> = execution
            .finished
            .iter()
            .map(|f| {
                serde_json::json!({
                    "subject": f.subject,
                    "task": f.task,
                    "state": f.run.state,
                    "attempt": f.run.attempt,
                    "exitCode": f.run.exit_code,
                    "durationMs": f.run.duration_ms,
                    "reason": f.run.reason,
                })
            })
            .collect();
        let json = serde_json::json!({
            "first": written::json(&execution.first),
            "runs": runs,
            "last": execution.last.as_ref().map(written::json),
            "commits": execution.commits,
            "stopped": execution.stopped,
        });
        writeln!(
            std::io::stdout().lock(),
            "{}",
            serde_json::to_string_pretty(&json)?
        )?;
        return Ok(());
    }
    written::report(global, &execution.first)?;
    let failed = execution
        .finished
        .iter()
        .filter(|f| f.run.state == RunState::Failed)
        .count();
    let mut stdout = std::io::stdout().lock();
    match execution.finished.len() {
        0 => writeln!(stdout, "no automated task is ready")?,
        ran => {
            writeln!(
                stdout,
                "ran {ran} task{}: {} succeeded, {failed} failed; {} status commit{}",
                plural(ran),
                ran - failed,
                execution.commits,
                plural(execution.commits)
            )?;
            for f in execution
                .finished
                .iter()
                .filter(|f| f.run.state == RunState::Failed)
            {
                writeln!(
                    stdout,
                    "failed: {} `{}`: {}",
                    f.subject,
                    f.task,
                    why(&f.run)
                )?;
            }
        }
    }
    drop(stdout);
    if let Some(last) = &execution.last {
        written::report(global, last)?;
    }
    // After the status commits' own outputs: these are the execution's, and the last wins.
    if global.format == Format::Github {
        github(execution)?;
    }
    Ok(())
}

/// Failed tasks as annotations, and the step outputs of the whole execution.
fn github(execution: &Execution) -> anyhow::Result<()> {
    let mut stdout = std::io::stdout().lock();
    for f in execution
        .finished
        .iter()
        .filter(|f| f.run.state == RunState::Failed)
    {
        let why = why(&f.run)
            .replace('%', "%25")
            .replace('\r', "%0D")
            .replace('\n', "%0A");
        writeln!(
            stdout,
            "::error title=railyard task failed::{} `{}`: {why}",
            f.subject, f.task
        )?;
    }
    let last = execution.last.as_ref().unwrap_or(&execution.first);
    super::write_outputs(&[
        ("transitions", execution.transitions.to_string()),
        ("errors", last.errors.to_string()),
        (
            "changed",
            (execution.first.commit.is_some() || execution.commits > 0).to_string(),
        ),
    ])?;
    Ok(())
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// Why a run failed, in a few words.
fn why(run: &TaskRun) -> String {
    match (&run.reason, run.exit_code) {
        (Some(reason), _) => reason.clone(),
        (None, Some(code)) => format!("exit code {code}"),
        (None, None) => "no exit code".into(),
    }
}

fn took(run: &TaskRun) -> String {
    match run.duration_ms {
        Some(ms) if ms < 1000 => format!("{ms}ms"),
        Some(ms) => format!("{:.1}s", ms as f64 / 1000.0),
        None => "?".into(),
    }
}

/// Progress on stderr: on a terminal, a line per finished task under a live count; otherwise
/// one plain line per start and end.
struct Progress {
    live: bool,
    /// Whether the live line is on screen (to clear before printing above it).
    drawn: bool,
}

impl Progress {
    fn new(live: bool) -> Progress {
        Progress { live, drawn: false }
    }

    fn show(&mut self, event: &Event<'_>) {
        let mut err = std::io::stderr().lock();
        match event {
            Event::Started { subject, task } => {
                if !self.live {
                    let _ = writeln!(err, "started {subject} `{}` ({})", task.id, task.title);
                }
            }
            Event::Finished { subject, task, run } => {
                self.clear_line(&mut err);
                let _ = match run.state {
                    RunState::Succeeded => {
                        writeln!(err, "succeeded {subject} `{}` in {}", task.id, took(run))
                    }
                    _ => writeln!(
                        err,
                        "failed {subject} `{}` after {}: {}",
                        task.id,
                        took(run),
                        why(run)
                    ),
                };
                if run.state == RunState::Failed {
                    let skip = run.output.len().saturating_sub(SHOWN_LINES);
                    for line in &run.output[skip..] {
                        let _ = writeln!(err, "  | {line}");
                    }
                }
            }
            Event::Progress(counts) => {
                if self.live {
                    self.clear_line(&mut err);
                    let _ = write!(
                        err,
                        "tasks: {} done, {} running, {} failed, {} queued, {} waiting for people",
                        counts.done, counts.running, counts.failed, counts.queued, counts.waiting
                    );
                    let _ = err.flush();
                    self.drawn = true;
                }
            }
        }
    }

    fn clear_line(&mut self, err: &mut impl Write) {
        if self.drawn {
            let _ = write!(err, "\r\x1b[2K");
            self.drawn = false;
        }
    }

    fn clear(&mut self) {
        let mut err = std::io::stderr().lock();
        self.clear_line(&mut err);
    }
}
