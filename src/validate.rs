//! `validate`: load a repository, run every check, and collect all diagnostics in one run.

use std::path::Path;

use crate::catalog::Catalog;
use crate::check;
use crate::diagnostics::{self, Code, Diagnostic, Severity};
use crate::load::{self, LoadError, Loaded};

/// The outcome of validating a repository.
pub struct Validation {
    pub loaded: Loaded,
    /// Every diagnostic, sorted by file and position.
    pub diagnostics: Vec<Diagnostic>,
}

impl Validation {
    /// True when some diagnostic is an error.
    pub fn has_errors(&self) -> bool {
        self.diagnostics
            .iter()
            .any(|d| d.severity == Severity::Error)
    }

    /// True when a file could not be read (exit code 2 rather than 1).
    pub fn has_io_errors(&self) -> bool {
        self.diagnostics.iter().any(|d| d.code == Code::Io)
    }

    pub fn error_count(&self) -> usize {
        self.diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .count()
    }
}

/// Validates the working tree at `root`.
pub fn validate_dir(root: &Path) -> Result<Validation, LoadError> {
    let started = std::time::Instant::now();
    let loaded = load::read_worktree(root, None)?;
    tracing::debug!(
        elapsed_ms = started.elapsed().as_millis() as u64,
        peak_kib = crate::reclaim::peak_kib(),
        "read and parsed the manifests"
    );
    let validation = validate_loaded(loaded);
    tracing::debug!(
        elapsed_ms = started.elapsed().as_millis() as u64,
        peak_kib = crate::reclaim::peak_kib(),
        "checked them"
    );
    Ok(validation)
}

/// Validates what was loaded: the loader's diagnostics plus every cross-object check.
pub fn validate_loaded(loaded: Loaded) -> Validation {
    let diagnostics = check_loaded(&loaded, None);
    Validation {
        loaded,
        diagnostics,
    }
}

/// The loader's diagnostics and those of the checks, sorted; with `memo`, what a watcher
/// kept of the last round's checks (the same result).
pub fn check_loaded(loaded: &Loaded, memo: Option<&mut check::ChecksMemo>) -> Vec<Diagnostic> {
    let (catalog, names) = Catalog::build(&loaded.settings, &loaded.documents);
    check_catalog(loaded, &catalog, names, memo)
}

/// [`check_loaded`] on the catalog of `loaded` already built, with what building it
/// found (`names`): for a caller that goes on to use the catalog.
pub fn check_catalog(
    loaded: &Loaded,
    catalog: &Catalog<'_>,
    names: Vec<Diagnostic>,
    memo: Option<&mut check::ChecksMemo>,
) -> Vec<Diagnostic> {
    let mut all = loaded.diagnostics.clone();
    all.extend(names);
    all.extend(check::run_with(catalog, memo));
    diagnostics::sort(&mut all);
    all
}

/// The last line of a human report: what was read and what was found.
pub fn summary_line(validation: &Validation) -> String {
    let files = validation.loaded.sources.len();
    let documents = validation.loaded.documents.len();
    let errors = validation.error_count();
    let warnings = validation.diagnostics.len() - errors;
    let read = format!(
        "{documents} manifest{} in {files} file{}",
        plural(documents),
        plural(files)
    );
    match (errors, warnings) {
        (0, 0) => format!("ok: {read}, no problems"),
        (0, w) => format!("ok: {read}, {w} warning{}", plural(w)),
        (e, 0) => format!("error: {read}, {e} error{}", plural(e)),
        (e, w) => format!(
            "error: {read}, {e} error{} and {w} warning{}",
            plural(e),
            plural(w)
        ),
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// A Markdown report for a GitHub job summary.
pub fn markdown_summary(validation: &Validation) -> String {
    let mut out = String::from("## railyard validate\n\n");
    out.push_str(&summary_line(validation));
    out.push_str("\n\n");
    if !validation.diagnostics.is_empty() {
        out.push_str("| | code | where | problem |\n|---|---|---|---|\n");
        for d in &validation.diagnostics {
            let mark = match d.severity {
                Severity::Error => "❌",
                Severity::Warning => "⚠️",
            };
            out.push_str(&format!(
                "| {mark} | `{}` | {} | {} |\n",
                d.code,
                crate::escape::code(&format!("{}:{}:{}", d.file, d.line(), d.column()), true),
                crate::escape::markdown(&d.message)
            ));
        }
    }
    out
}
