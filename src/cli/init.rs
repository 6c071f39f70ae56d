//! `railyard init`: a new release repository, never over an existing file.

use std::io::Write;
use std::process::ExitCode;

use anyhow::{Context, bail};

use super::Global;

/// Writes railyard's starting files into `--repo`, or refuses, writing nothing, when any of
/// them exists.
pub fn init(global: &Global) -> anyhow::Result<ExitCode> {
    let files = railyard::init::scaffold();
    let taken: Vec<&str> = files
        .iter()
        .map(|(path, _)| *path)
        .filter(|path| global.repo.join(path).exists())
        .collect();
    if !taken.is_empty() {
        bail!(
            "{} already has {}: `railyard init` starts a new release repository and never overwrites a file; nothing was written",
            global.repo.display(),
            taken.join(", ")
        );
    }
    for (path, text) in &files {
        let full = global.repo.join(path);
        if let Some(parent) = full.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("cannot create {}", parent.display()))?;
        }
        // create_new: a file that appeared meanwhile is still not overwritten.
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&full)
            .with_context(|| format!("cannot create {}", full.display()))?;
        file.write_all(text.as_bytes())
            .with_context(|| format!("cannot write {}", full.display()))?;
    }
    let mut stdout = std::io::stdout().lock();
    for (path, _) in &files {
        writeln!(stdout, "created {path}")?;
    }
    writeln!(
        stdout,
        "next: put your people in teams/, then `railyard validate`, commit, and push; the workflow in .github/workflows/railyard.yml does the rest"
    )?;
    Ok(ExitCode::SUCCESS)
}
