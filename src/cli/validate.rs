//! `railyard validate`.

use std::io::Write;
use std::process::ExitCode;

use super::{EXIT_ERRORS, EXIT_FAILURE, Format, Global};
use railyard::diagnostics::{self, HumanStyle};
use railyard::validate;

pub fn run(global: &Global) -> anyhow::Result<ExitCode> {
    let started = std::time::Instant::now();
    let validation = validate::validate_dir(&global.repo)?;
    tracing::info!(
        files = validation.loaded.sources.len(),
        documents = validation.loaded.documents.len(),
        elapsed_ms = started.elapsed().as_millis() as u64,
        "validated"
    );
    let mut stdout = std::io::stdout().lock();
    match global.format {
        Format::Human => {
            let style = HumanStyle {
                color: global.color_stdout(),
            };
            let rendered = diagnostics::render_human(
                &validation.diagnostics,
                &validation.loaded.sources,
                style,
            );
            stdout.write_all(rendered.as_bytes())?;
            writeln!(stdout, "{}", validate::summary_line(&validation))?;
        }
        Format::Json => {
            let json =
                serde_json::json!({ "diagnostics": diagnostics::to_json(&validation.diagnostics) });
            writeln!(stdout, "{}", serde_json::to_string_pretty(&json)?)?;
        }
        Format::Github | Format::Dot | Format::Mermaid | Format::Ics => {
            stdout.write_all(diagnostics::render_github(&validation.diagnostics).as_bytes())?;
            super::append_step_summary(&validate::markdown_summary(&validation))?;
            super::write_outputs(&[
                ("transitions", "0".into()),
                ("errors", validation.error_count().to_string()),
                ("changed", "false".into()),
            ])?;
        }
    }
    stdout.flush()?;
    let code = if validation.has_io_errors() {
        ExitCode::from(EXIT_FAILURE)
    } else if validation.has_errors() {
        ExitCode::from(EXIT_ERRORS)
    } else {
        ExitCode::SUCCESS
    };
    // Every document read, about to be given back whole by the exit.
    railyard::reclaim::at_end(validation);
    Ok(code)
}
