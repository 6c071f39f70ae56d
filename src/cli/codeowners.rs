//! `railyard codeowners`: the CODEOWNERS lines that make a pull request adding an approval
//! or a report ask the people it names.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::Args;

use super::{EXIT_ERRORS, Global};
use railyard::catalog::Catalog;
use railyard::codeowners;

#[derive(Debug, Args)]
pub struct CodeownersArgs {
    /// Exit 1 when the committed CODEOWNERS does not hold the current lines.
    #[arg(long, conflicts_with = "write")]
    pub check: bool,
    /// Write the lines into CODEOWNERS (.github/CODEOWNERS when there is none), keeping the
    /// file's other lines.
    #[arg(long)]
    pub write: bool,
}

/// Where GitHub looks for CODEOWNERS, in its order.
const PLACES: [&str; 3] = [".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS"];

pub fn codeowners(global: &Global, args: &CodeownersArgs) -> anyhow::Result<ExitCode> {
    let loaded = railyard::load::read_worktree(&global.repo, None)?;
    let (catalog, _) = Catalog::build(&loaded.settings, &loaded.documents);
    // CODEOWNERS paths start at the git repository's top.
    let (top, prefix) = match railyard::git::GitRepo::discover(&global.repo) {
        Ok(repo) => (
            repo.workdir()
                .map_or_else(|| global.repo.clone(), PathBuf::from),
            repo.prefix().to_string(),
        ),
        Err(_) => (global.repo.clone(), String::new()),
    };
    let block = codeowners::block(&catalog, &prefix);
    let existing = PLACES.iter().map(|p| top.join(p)).find(|p| p.is_file());
    if existing.is_some() || args.write {
        for path in codeowners::outside_convention(&catalog) {
            eprintln!(
                "warning: {path} is outside the path convention ({} or {}): CODEOWNERS covers a record like it only once it exists, so a pull request adding one asks no owner",
                codeowners::APPROVAL_CONVENTION,
                codeowners::REPORT_CONVENTION
            );
        }
    }
    if args.check {
        let Some(path) = existing else {
            eprintln!(
                "error: no CODEOWNERS file (looked in {}): run `railyard codeowners --write`",
                PLACES.join(", ")
            );
            return Ok(ExitCode::from(EXIT_ERRORS));
        };
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        if codeowners::find_block(&text).as_deref() == Some(block.as_str()) {
            println!("{} is up to date", path.display());
            return Ok(ExitCode::SUCCESS);
        }
        eprintln!(
            "error: {} is out of date: run `railyard codeowners --write` and commit it. The lines should be:\n{block}",
            path.display()
        );
        return Ok(ExitCode::from(EXIT_ERRORS));
    }
    if args.write {
        let path = existing.unwrap_or_else(|| top.join(PLACES[0]));
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
            Err(e) => bail!("cannot read {}: {e}", path.display()),
        };
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("cannot create {}", parent.display()))?;
        }
        std::fs::write(&path, codeowners::replace_block(&text, &block))
            .with_context(|| format!("cannot write {}", path.display()))?;
        println!("wrote {}", path.display());
        return Ok(ExitCode::SUCCESS);
    }
    std::io::stdout().lock().write_all(block.as_bytes())?;
    Ok(ExitCode::SUCCESS)
}
