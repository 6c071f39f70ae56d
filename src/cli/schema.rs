//! `railyard schema`.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;

use railyard::schema;

#[derive(Debug, Args)]
pub struct SchemaArgs {
    /// Write every schema (one per kind, and manifest.json for any kind) into this directory.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

pub fn run(args: &SchemaArgs) -> anyhow::Result<ExitCode> {
    let files = schema::files();
    match &args.out {
        None => {
            let any = files
                .iter()
                .find(|(name, _)| name == schema::ANY_MANIFEST_FILE)
                .map(|(_, text)| text.as_str())
                .unwrap_or_default();
            std::io::stdout().lock().write_all(any.as_bytes())?;
        }
        Some(dir) => {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
            for (name, text) in &files {
                write_atomically(&dir.join(name), text.as_bytes())?;
            }
            eprintln!("wrote {} schemas to {}", files.len(), dir.display());
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Writes through a temporary file and a rename, so a reader never sees half a schema.
fn write_atomically(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let temporary = path.with_extension("json.tmp");
    std::fs::write(&temporary, bytes)
        .with_context(|| format!("cannot write {}", temporary.display()))?;
    std::fs::rename(&temporary, path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}
