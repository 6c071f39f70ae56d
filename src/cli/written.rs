//! What a status commit did, as `reconcile` and `reconcile --execute` tell it: warnings, the
//! commit, the working tree, notifications; or its JSON.

use std::io::Write;

use super::{Format, Global};

/// Prints what a status commit did: its warnings, the commit, the working tree. The step
/// outputs (`--format github`) are the caller's: one set per command.
pub fn report(global: &Global, written: &railyard::writeback::Written) -> anyhow::Result<()> {
    super::print_warnings(global, &written.warnings)?;
    let worktree = match written.worktree {
        Some(railyard::git::Worktree::Updated) => "the working tree is updated",
        Some(railyard::git::Worktree::Dirty) => {
            "the working tree has local changes and was left alone: pull or reset to see the new status"
        }
        Some(railyard::git::Worktree::Locked) => {
            "the working tree was left alone: .git/index.lock exists (another git is running; if none is, a killed one left it: remove it)"
        }
        Some(railyard::git::Worktree::OtherBranch) => {
            "another branch is checked out: the working tree was left alone"
        }
        Some(railyard::git::Worktree::Bare) | None => "",
    };
    let mut stdout = std::io::stdout().lock();
    match global.format {
        Format::Json => {
            writeln!(stdout, "{}", serde_json::to_string_pretty(&json(written))?)?;
        }
        _ => match &written.commit {
            Some(id) => {
                writeln!(stdout, "committed {} {}", &id[..12], written.subject)?;
                if !worktree.is_empty() {
                    writeln!(stdout, "{worktree}")?;
                }
            }
            None => {
                writeln!(stdout, "up to date")?;
                // A working tree an earlier railyard left behind the branch (killed, or the
                // index locked at the time): caught up now, or found changed and left.
                if !worktree.is_empty() {
                    writeln!(stdout, "{worktree}")?;
                }
            }
        },
    }
    drop(stdout);
    if global.format != Format::Json {
        if written.notified > 0 {
            println!(
                "sent {} notification{}",
                written.notified,
                if written.notified == 1 { "" } else { "s" }
            );
        }
        for failed in &written.undelivered {
            eprintln!(
                "warning: notification not delivered: {failed} (tried again by the next reconcile)"
            );
        }
    }
    Ok(())
}

/// A status commit as `--format json` prints it.
pub fn json(written: &railyard::writeback::Written) -> serde_json::Value {
    serde_json::json!({
        "commit": written.commit,
        "subject": written.subject,
        "transitions": written.transitions,
        "warnings": written.warnings,
        "retries": written.retries,
        "notified": written.notified,
        "undelivered": written.undelivered,
    })
}
