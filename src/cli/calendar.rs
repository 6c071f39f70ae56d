//! `railyard calendar`: the release calendar as iCalendar or JSON.

use std::io::Write;
use std::process::ExitCode;

use clap::Args;

use super::{EXIT_ERRORS, Format, Global};

/// `railyard calendar` flags.
#[derive(Debug, Args)]
pub struct CalendarArgs {
    /// With `--format json`: list each recurring event's occurrences from now for this many
    /// days, as railyard expands them.
    #[arg(long, value_name = "DAYS", value_parser = clap::value_parser!(u16).range(1..=3660))]
    pub expand: Option<u16>,
}

/// `railyard calendar`: iCalendar, or JSON with `--format json`.
pub fn run(global: &Global, args: &CalendarArgs) -> anyhow::Result<ExitCode> {
    if args.expand.is_some() && global.format != Format::Json {
        anyhow::bail!("`--expand` lists occurrences in JSON: add `--format json`");
    }
    let now = global.now();
    let railyard::calendar::Calendar {
        name,
        mut events,
        errors,
    } = of_worktree(&global.repo, now)?;
    if let Some(days) = args.expand {
        let to = now
            .checked_add(jiff::SignedDuration::from_hours(24 * i64::from(days)))
            .unwrap_or(jiff::Timestamp::MAX);
        railyard::calendar::expand(&mut events, now, to);
    }
    let mut stdout = std::io::stdout().lock();
    match global.format {
        Format::Json => {
            serde_json::to_writer_pretty(&mut stdout, &events)?;
            writeln!(stdout)?;
        }
        _ => stdout.write_all(railyard::calendar::ics(&events, &name).as_bytes())?,
    }
    if errors > 0 {
        eprintln!(
            "error: the repository has {errors} error{}: objects with errors are left out of the calendar (`railyard validate` shows them)",
            if errors == 1 { "" } else { "s" }
        );
        return Ok(ExitCode::from(EXIT_ERRORS));
    }
    Ok(ExitCode::SUCCESS)
}

/// The calendar of the working tree at `root` at `now` (halts in force then).
fn of_worktree(
    root: &std::path::Path,
    now: jiff::Timestamp,
) -> Result<railyard::calendar::Calendar, railyard::error::Error> {
    let mut tree = railyard::reconcile::Worktree::read(root)?;
    let plan = tree.plan(now);
    let errors = plan.error_count();
    let (catalog, _) =
        railyard::catalog::Catalog::build(&tree.loaded.settings, &tree.loaded.documents);
    Ok(railyard::calendar::Calendar {
        name: railyard::calendar::name(&catalog),
        events: railyard::calendar::events(&catalog, &plan.halts),
        errors,
    })
}
