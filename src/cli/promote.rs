//! `railyard promote`.

use std::io::Write;
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;

use super::{EXIT_ERRORS, Global};
use railyard::error::Error;
use railyard::reconcile;

#[derive(Debug, Args)]
pub struct PromoteArgs {
    /// The deployed turnover to promote.
    #[arg(value_name = "TURNOVER")]
    pub turnover: String,
    /// The next environment on its promotion path.
    #[arg(long, value_name = "ENVIRONMENT")]
    pub to: String,
    /// The new turnover's name (default: the source's, with its environment swapped).
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,
}

pub fn run(global: &Global, args: &PromoteArgs) -> anyhow::Result<ExitCode> {
    let promotion = match reconcile::promote_worktree(
        &global.repo,
        global.now(),
        &args.turnover,
        &args.to,
        args.name.as_deref(),
    ) {
        Ok(promotion) => promotion,
        Err(Error::PromotionRefused(refusal)) => {
            eprintln!("error: cannot promote: {refusal}");
            return Ok(ExitCode::from(EXIT_ERRORS));
        }
        Err(other) => return Err(other.into()),
    };
    let path = global.repo.join(&promotion.path);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("cannot create {}", parent.display()))?;
    }
    // create_new: never overwrite a file a person wrote.
    let mut file = match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)
    {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            eprintln!(
                "error: cannot promote: {} already exists; choose another name with --name",
                promotion.path
            );
            return Ok(ExitCode::from(EXIT_ERRORS));
        }
        Err(e) => return Err(e).with_context(|| format!("cannot write {}", path.display())),
    };
    file.write_all(promotion.text.as_bytes())
        .with_context(|| format!("cannot write {}", path.display()))?;
    println!(
        "wrote {} (Turnover/{}): review its tasks, set `scheduledAt`, and commit it",
        promotion.path, promotion.name
    );
    Ok(ExitCode::SUCCESS)
}
