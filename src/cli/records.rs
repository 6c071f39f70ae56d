//! `railyard approve` and `railyard report`: a record from the command line, checked,
//! written, optionally committed, and what it does.

use std::io::Write;
use std::process::ExitCode;

use clap::{Args, ValueEnum};

use super::{EXIT_ERRORS, Format, Global};
use railyard::error::Error;
use railyard::manifest::{Decision, Outcome};
use railyard::records::{Desk, Draft, approve, report};

#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("decides").required(true).args(["gate", "criterion"])))]
pub struct ApproveArgs {
    /// What is approved: `Kind/name`, e.g. `ReleaseTrain/2026-12`.
    #[arg(value_name = "KIND/NAME")]
    pub subject: String,
    /// The approval gate (e.g. `train`, `qa`, `acceptance`).
    #[arg(long, value_name = "GATE")]
    pub gate: Option<String>,
    /// A train's exit criterion (e.g. `scope-signed-off`).
    #[arg(long, value_name = "CRITERION")]
    pub criterion: Option<String>,
    /// Reject instead of approve: the gate is blocked until a newer approval.
    #[arg(long)]
    pub reject: bool,
    /// Why (kept in the record; a rejection tells the product owner what to fix).
    #[arg(long, value_name = "TEXT")]
    pub comment: Option<String>,
    /// Commit the record (and nothing else) as you, signed when git is set to sign.
    #[arg(long)]
    pub commit: bool,
}

/// Task outcomes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum OutcomeArg {
    Succeeded,
    Failed,
    Skipped,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// The turnover or release: `Turnover/name` or `Release/name`.
    #[arg(value_name = "KIND/NAME")]
    pub subject: String,
    /// The manual task reported.
    #[arg(long, value_name = "TASK")]
    pub task: String,
    /// How it went.
    #[arg(long, value_enum)]
    pub outcome: OutcomeArg,
    /// What happened (kept in the record).
    #[arg(long, value_name = "TEXT")]
    pub note: Option<String>,
    /// Commit the report (and nothing else) as you, signed when git is set to sign.
    #[arg(long)]
    pub commit: bool,
}

pub fn approve(global: &Global, args: &ApproveArgs) -> anyhow::Result<ExitCode> {
    let of = match (&args.gate, &args.criterion) {
        (Some(gate), _) => approve::Of::Gate(gate.clone()),
        (None, Some(criterion)) => approve::Of::Criterion(criterion.clone()),
        (None, None) => anyhow::bail!("say what is approved: --gate or --criterion"),
    };
    let request = approve::Request {
        subject: &args.subject,
        of,
        decision: match args.reject {
            true => Decision::Reject,
            false => Decision::Approve,
        },
        comment: args.comment.as_deref(),
    };
    write(global, "approve", args.commit, |desk| {
        approve::draft(desk, &request)
    })
}

pub fn report(global: &Global, args: &ReportArgs) -> anyhow::Result<ExitCode> {
    let request = report::Request {
        subject: &args.subject,
        task: &args.task,
        outcome: match args.outcome {
            OutcomeArg::Succeeded => Outcome::Succeeded,
            OutcomeArg::Failed => Outcome::Failed,
            OutcomeArg::Skipped => Outcome::Skipped,
        },
        note: args.note.as_deref(),
    };
    write(global, "report", args.commit, |desk| {
        report::draft(desk, &request)
    })
}

/// Opens the desk, drafts the record, writes (and commits) it and says what it does; a
/// refusal or an invalid repository writes nothing and exits 1.
fn write(
    global: &Global,
    command: &'static str,
    commit: bool,
    draft: impl FnOnce(&Desk) -> Result<Draft, Error>,
) -> anyhow::Result<ExitCode> {
    let refused = |e: &Error| {
        eprintln!("error: cannot {command}: {e}");
        Ok(ExitCode::from(EXIT_ERRORS))
    };
    let mut desk = match Desk::open(&global.repo, global.now(), command) {
        Ok(desk) => desk,
        Err(e @ Error::DoesNotValidate { .. }) => return refused(&e),
        Err(e) => return Err(e.into()),
    };
    let draft = match draft(&desk) {
        Ok(draft) => draft,
        Err(e @ Error::Refused(_)) => return refused(&e),
        Err(e) => return Err(e.into()),
    };
    let effect = match desk.write(&draft, commit) {
        Ok(effect) => effect,
        Err(e @ Error::Refused(_)) => return refused(&e),
        Err(e) => return Err(e.into()),
    };
    let mut stdout = std::io::stdout().lock();
    match global.format {
        Format::Json => {
            serde_json::to_writer_pretty(&mut stdout, &effect)?;
            writeln!(stdout)?;
        }
        _ => stdout.write_all(effect.render_human().as_bytes())?,
    }
    Ok(ExitCode::SUCCESS)
}
