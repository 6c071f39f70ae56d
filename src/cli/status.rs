//! `railyard status`: the committed status of every object, as a table or JSON.

use std::io::Write;
use std::process::ExitCode;

use clap::Args;

use super::{EXIT_FAILURE, Format, Global};
use railyard::dashboard::{self, Filter};
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
    };
    let board = dashboard::committed(&global.repo, &filter)?;
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
    const WITH_STATUS: [&str; 4] = ["ReleaseTrain", "ApplicationRelease", "Turnover", "Release"];
    if WITH_STATUS.contains(&name) {
        return name.parse().map_err(|_| format!("unknown kind `{name}`"));
    }
    let hint = railyard::suggest::did_you_mean(name, WITH_STATUS.iter().copied())
        .unwrap_or_else(|| format!("the kinds with a status are {}", WITH_STATUS.join(", ")));
    Err(format!("`{name}` is not a kind with a status; {hint}"))
}
