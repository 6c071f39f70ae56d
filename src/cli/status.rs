//! `railyard status`: the committed status of every object, as a table or JSON.

use std::io::Write;
use std::process::ExitCode;

use clap::Args;

use super::{EXIT_FAILURE, Format, Global};
use railyard::dashboard::{self, Filter, Who};
use railyard::manifest::Kind;

#[derive(Debug, Args)]
pub struct StatusArgs {
    /// Only objects of this kind (`ReleaseTrain`, `ApplicationRelease`, `Turnover`, `Release`).
    #[arg(long, value_name = "KIND")]
    pub kind: Option<String>,
    /// Only objects that something blocks (overdue ones included).
    #[arg(long)]
    pub blocked: bool,
    /// Only objects whose phase is past its due date.
    #[arg(long)]
    pub overdue: bool,
    /// Only what waits for this member: approvals asked of them or their teams, and manual
    /// tasks waiting for them; `me` is the member whose email is your git `user.email`.
    #[arg(long, value_name = "MEMBER")]
    pub waiting_for: Option<String>,
}

pub fn run(global: &Global, args: &StatusArgs) -> anyhow::Result<ExitCode> {
    let kind = match args.kind.as_deref().map(kind_with_status).transpose() {
        Ok(kind) => kind,
        Err(reason) => {
            eprintln!("error: --kind: {reason}");
            return Ok(ExitCode::from(EXIT_FAILURE));
        }
    };
    let filter = Filter {
        kind,
        blocked: args.blocked,
        overdue: args.overdue,
        waiting_for: args.waiting_for.as_deref().map(|who| match who {
            "me" => Who::Me,
            id => Who::Member(id.to_string()),
        }),
    };
    let board = dashboard::committed(&global.repo, &filter, global.now())?;
    let mut stdout = std::io::stdout().lock();
    match global.format {
        Format::Json => {
            serde_json::to_writer_pretty(&mut stdout, &board)?;
            writeln!(stdout)?;
        }
        _ => stdout.write_all(board.render_human().as_bytes())?,
    }
    Ok(ExitCode::SUCCESS)
}

/// A kind that has a status, by name; otherwise why not, with the kinds there are.
fn kind_with_status(name: &str) -> Result<Kind, String> {
    let names: Vec<&str> = dashboard::WITH_STATUS.iter().map(|k| k.as_str()).collect();
    if let Some(kind) = dashboard::WITH_STATUS.iter().find(|k| k.as_str() == name) {
        return Ok(*kind);
    }
    let hint = railyard::suggest::did_you_mean(name, names.iter().copied())
        .unwrap_or_else(|| format!("the kinds with a status are {}", names.join(", ")));
    Err(format!("`{name}` is not a kind with a status; {hint}"))
}
