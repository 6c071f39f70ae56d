//! `railyard schema`.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;

use railyard::{schema, schemas};

#[derive(Debug, Args)]
pub struct SchemaArgs {
    /// Write every schema (one per kind, and manifest.json for any kind) into this directory.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Where the schemas will be published (https://…): each `$id` becomes URL/<file>
    /// instead of its URN, and `--out` also writes catalog.json, an entry for a schema
    /// catalog such as SchemaStore's.
    #[arg(long, value_name = "URL")]
    pub base_url: Option<String>,
}

pub fn run(args: &SchemaArgs) -> anyhow::Result<ExitCode> {
    let base = match &args.base_url {
        None => None,
        Some(url) => match schemas::base_url(url) {
            Ok(base) => Some(base),
            Err(reason) => {
                eprintln!("error: --base-url: {reason}");
                return Ok(ExitCode::from(2));
            }
        },
    };
    let mut files = schemas::files(base.as_deref());
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
            if let Some(base) = &base {
                files.push((schemas::CATALOG_FILE.to_string(), schemas::catalog(base)));
            }
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
            for (name, text) in &files {
                write_atomically(&dir.join(name), text.as_bytes())?;
            }
            eprintln!("wrote {} files to {}", files.len(), dir.display());
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
