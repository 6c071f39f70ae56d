//! `railyard watch`: the long-running reconciler. One log line per round on stderr (text, or
//! JSON with `--log-format json`); in `--dry-run` the plan is printed again on stdout after
//! every round.

use std::io::Write;
use std::process::ExitCode;

use anyhow::bail;
use clap::Args;

use railyard::execute::Clock;
use railyard::watch::{self, Outcome, Round};

use super::Global;

#[derive(Debug, Args)]
pub struct WatchArgs {
    /// Push each status commit to this remote's branch (as `reconcile --push`), and react to
    /// fetches of it.
    #[arg(long, value_name = "REMOTE", num_args = 0..=1, default_missing_value = "origin")]
    pub push: Option<String>,
    /// Run ready automated tasks in every round (as `reconcile --execute`).
    #[arg(long)]
    pub execute: bool,
    /// With `--execute`: at most this many tasks at once.
    #[arg(long, value_name = "N", requires = "execute",
          value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub jobs: Option<u16>,
    /// Reconcile at least this often, so that schedules, deadlines and freezes take effect
    /// without a commit (e.g. 30s, 1m, 5m).
    #[arg(long, value_name = "DURATION", default_value = "1m", value_parser = parse_interval)]
    pub interval: std::time::Duration,
    /// Watch the working tree and print the plan after each edit; commit nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// How long the file events of one change are gathered before a round starts (e.g. 200ms).
    #[arg(long, value_name = "DURATION", default_value = "200ms", value_parser = parse_debounce)]
    pub debounce: std::time::Duration,
}

fn parse_interval(text: &str) -> Result<std::time::Duration, String> {
    let duration: railyard::manifest::Duration = text
        .parse()
        .map_err(|e| format!("`{text}` is not a duration like 30s, 1m or 1h: {e}"))?;
    if duration.seconds == 0 {
        return Err("the interval must be at least 1s".into());
    }
    Ok(std::time::Duration::from_secs(duration.seconds))
}

fn parse_debounce(text: &str) -> Result<std::time::Duration, String> {
    let duration = match text.strip_suffix("ms") {
        Some(ms) => ms.parse::<u64>().ok().map(std::time::Duration::from_millis),
        None => parse_interval(text).ok(),
    };
    match duration {
        Some(d) if d >= std::time::Duration::from_millis(10) => Ok(d),
        _ => Err(format!(
            "`{text}` is not a debounce like 200ms or 1s (at least 10ms)"
        )),
    }
}

pub fn run(global: &Global, args: &WatchArgs) -> anyhow::Result<ExitCode> {
    if args.dry_run && (args.push.is_some() || args.execute) {
        bail!("`--dry-run` commits nothing: it does not go with `--push` or `--execute`");
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let options = watch::Options {
        target: match &args.push {
            Some(remote) => railyard::writeback::Target::Push {
                remote: remote.clone(),
            },
            None => railyard::writeback::Target::Local,
        },
        dry_run: args.dry_run,
        execute: args.execute.then(|| args.jobs.map(usize::from)),
        interval: args.interval,
        debounce: args.debounce,
        clock: match global.now {
            Some(at) => Clock::Running {
                at,
                since: std::time::Instant::now(),
            },
            None => Clock::System,
        },
    };
    tracing::info!(
        repo = %global.repo.display(),
        interval_s = args.interval.as_secs(),
        dry_run = args.dry_run,
        "watching"
    );
    let format = global.format;
    runtime.block_on(watch::watch(
        global.repo.clone(),
        options,
        super::execute::stop_requested(),
        &mut |round| report(round, format),
    ))?;
    tracing::info!("stopped");
    Ok(ExitCode::SUCCESS)
}

/// One log line per round; the plan on stdout in a dry-run.
fn report(round: &Round, format: super::Format) {
    let took_ms = round.took.as_millis() as u64;
    let trigger = round.trigger.as_str();
    let parsed = round.parsed.unwrap_or(0);
    match &round.outcome {
        Outcome::Written(written) => {
            let commit = written.commit.as_deref().map(|c| &c[..12]).unwrap_or("");
            for warning in &written.warnings {
                tracing::warn!("{warning}");
            }
            tracing::info!(
                trigger,
                took_ms,
                parsed,
                commit,
                transitions = written.transitions,
                errors = written.errors,
                "{}",
                if commit.is_empty() {
                    "up to date".to_string()
                } else {
                    format!("committed {commit} {}", written.subject)
                }
            );
        }
        Outcome::Executed(execution) => {
            let failed = execution
                .finished
                .iter()
                .filter(|f| f.run.state == railyard::tasks::RunState::Failed)
                .count();
            tracing::info!(
                trigger,
                took_ms,
                ran = execution.finished.len(),
                failed,
                commits = execution.commits,
                "executed {} tasks",
                execution.finished.len()
            );
        }
        Outcome::Planned(plan) => {
            tracing::info!(trigger, took_ms, parsed, "planned");
            let text = match format {
                super::Format::Json => serde_json::to_string_pretty(&plan.json())
                    .map(|t| format!("{t}\n"))
                    .unwrap_or_default(),
                _ => plan.render_human(),
            };
            let mut stdout = std::io::stdout().lock();
            let _ = stdout.write_all(text.as_bytes());
            let _ = stdout.flush();
        }
        Outcome::Unchanged => {
            tracing::debug!(trigger, took_ms, "the branch is where railyard left it");
        }
        Outcome::Failed(error) => {
            tracing::error!(trigger, took_ms, "round failed: {error}");
        }
    }
}
