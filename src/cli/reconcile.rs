//! `railyard reconcile --dry-run` and `railyard explain`.

use std::io::Write;
use std::process::ExitCode;

use anyhow::bail;
use clap::Args;

use super::{EXIT_ERRORS, Format, Global};
use railyard::diagnostics;
use railyard::reconcile;

#[derive(Debug, Args)]
pub struct ReconcileArgs {
    /// Print the plan and write nothing (reads the working tree, uncommitted edits included).
    /// Without it, reconcile commits status to the configured branch.
    #[arg(long)]
    pub dry_run: bool,
    /// Push the status commit to this remote's branch (with a lease), fetching and
    /// reconciling again when someone pushed first.
    #[arg(long, value_name = "REMOTE", num_args = 0..=1, default_missing_value = "origin")]
    pub push: Option<String>,
    /// Plan for this commit (a branch, tag or commit id) instead of the working tree.
    #[arg(long, value_name = "REV")]
    pub rev: Option<String>,
    /// With `--rev`: check `REV` as a pull request into this branch (or commit): changes to
    /// railyard's own files and deleted records are errors, and changes of team membership,
    /// workflows and `railyard.yaml` are warnings for the reviewers.
    #[arg(long, value_name = "BASE", requires = "rev")]
    pub base: Option<String>,
    /// With `--dry-run`: also write the plan as a pull-request comment body (Markdown with a
    /// hidden marker, cut below GitHub's size limit) to this file.
    #[arg(long, value_name = "PATH", requires = "dry_run")]
    pub comment_file: Option<std::path::PathBuf>,
    /// Run the ready automated tasks of deploying turnovers, record each run in status, and
    /// go on until nothing more can start. Only on the configured branch, never in a dry-run.
    #[arg(long)]
    pub execute: bool,
    /// With `--execute`: at most this many tasks at once (default: Config `execute.jobs`,
    /// else 4).
    #[arg(long, value_name = "N", requires = "execute",
          value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub jobs: Option<u16>,
}

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// The object, as `Kind/name` (e.g. `ReleaseTrain/2026-12`).
    #[arg(value_name = "KIND/NAME")]
    pub object: String,
}

pub fn run(global: &Global, args: &ReconcileArgs) -> anyhow::Result<ExitCode> {
    if args.dry_run && args.push.is_some() {
        bail!("`--push` writes; it does not go with `--dry-run`");
    }
    if args.dry_run && args.execute {
        bail!(
            "`--execute` runs tasks and commits their results; it does not go with `--dry-run` (the dry-run already lists the tasks that are ready)"
        );
    }
    if !args.dry_run {
        if args.rev.is_some() {
            bail!(
                "`--rev` plans a commit with `--dry-run`; `reconcile` itself always works on the configured branch"
            );
        }
        let target = match &args.push {
            Some(remote) => railyard::writeback::Target::Push {
                remote: remote.clone(),
            },
            None => railyard::writeback::Target::Local,
        };
        if args.execute {
            return super::execute::run(global, target, args.jobs.map(usize::from));
        }
        return write(global, &target);
    }
    let plan = match (&args.rev, &args.base) {
        (Some(rev), Some(base)) => {
            reconcile::plan_pull_request(&global.repo, rev, base, global.now())?
        }
        (Some(rev), None) => reconcile::plan_revision(&global.repo, rev, global.now())?,
        (None, _) => reconcile::plan_worktree(&global.repo, global.now(), None)?,
    };
    // Annotations come worst first: under `--format github` the warnings follow the errors.
    if global.format != Format::Github {
        super::print_warnings(global, &plan.warnings)?;
    }
    let mut stdout = std::io::stdout().lock();
    match global.format {
        Format::Human => {
            let mut out = super::TextOut::new(&mut stdout);
            // A write error is kept by `out` and reported by `finish`.
            let _ = plan.write_human(&mut out);
            out.finish()?;
        }
        Format::Json => {
            let mut writer = std::io::BufWriter::new(&mut stdout);
            serde_json::to_writer_pretty(&mut writer, &plan.json())?;
            writeln!(writer)?;
        }
        Format::Github | Format::Dot | Format::Mermaid | Format::Ics => {
            stdout.write_all(diagnostics::render_github(&plan.diagnostics).as_bytes())?;
            stdout.flush()?;
            if global.format == Format::Github {
                super::print_warnings(global, &plan.warnings)?;
            }
            super::append_step_summary(&plan.render_markdown())?;
            let transitions: usize = plan.objects.iter().map(|o| o.transitions.len()).sum();
            let errors = plan
                .diagnostics
                .iter()
                .filter(|d| d.severity == diagnostics::Severity::Error)
                .count();
            super::write_outputs(&[
                ("transitions", transitions.to_string()),
                ("errors", errors.to_string()),
                ("changed", (!plan.changes.is_empty()).to_string()),
            ])?;
        }
    }
    if let Some(path) = &args.comment_file {
        let body = railyard::github::comment_body(
            &plan.render_markdown(),
            railyard::github::COMMENT_LIMIT,
        );
        std::fs::write(path, body)
            .map_err(|e| anyhow::anyhow!("cannot write the comment to {}: {e}", path.display()))?;
    }
    stdout.flush()?;
    let code = if plan.has_errors() {
        ExitCode::from(EXIT_ERRORS)
    } else {
        ExitCode::SUCCESS
    };
    // Every object's plan, about to be given back whole by the exit.
    railyard::reclaim::at_end(plan);
    Ok(code)
}

pub fn explain(global: &Global, args: &ExplainArgs) -> anyhow::Result<ExitCode> {
    let Some((kind, name)) = args.object.split_once('/') else {
        bail!(
            "`{}` is not an object: write it as Kind/name, e.g. ReleaseTrain/2026-12",
            args.object
        );
    };
    let plan = reconcile::explain_worktree(&global.repo, global.now(), kind, name)?;
    match plan.explain(kind, name) {
        Some(text) => {
            std::io::stdout().lock().write_all(text.as_bytes())?;
            Ok(ExitCode::SUCCESS)
        }
        None => {
            let known: Vec<String> = plan
                .objects
                .iter()
                .map(|o| format!("{}/{}", o.kind, o.name))
                .collect();
            let hint =
                railyard::suggest::did_you_mean(&args.object, known.iter().map(String::as_str))
                    .map(|h| format!(" ({h})"))
                    .unwrap_or_default();
            bail!(
                "no object `{}` with a workflow in this repository{hint}",
                args.object
            )
        }
    }
}

pub fn graph(global: &Global, args: &ExplainArgs) -> anyhow::Result<ExitCode> {
    if !args.object.contains('/') {
        bail!(
            "`{}` is not an object: write it as Kind/name, e.g. Turnover/2026-12-test",
            args.object
        );
    }
    let diagram = reconcile::diagram_worktree(&global.repo, global.now(), &args.object)?;
    let text = match global.format {
        Format::Dot => diagram.to_dot(),
        Format::Mermaid | Format::Human => diagram.to_mermaid(),
        Format::Json | Format::Github | Format::Ics => {
            bail!("`railyard graph` draws `--format dot` or `--format mermaid` (the default)")
        }
    };
    std::io::stdout().lock().write_all(text.as_bytes())?;
    Ok(ExitCode::SUCCESS)
}

/// `reconcile` without `--dry-run`: one status commit on the configured branch.
fn write(global: &Global, target: &railyard::writeback::Target) -> anyhow::Result<ExitCode> {
    let written =
        railyard::writeback::reconcile_branch(&global.repo, global.now(), target, &mut |_| {})?;
    super::written::report(global, &written)?;
    if global.format == Format::Github {
        super::write_outputs(&[
            ("transitions", written.transitions.to_string()),
            ("errors", written.errors.to_string()),
            ("changed", written.commit.is_some().to_string()),
        ])?;
    }
    if written.errors > 0 {
        eprintln!(
            "error: the manifests have {} errors; those objects were skipped (run `railyard validate`)",
            written.errors
        );
        return Ok(ExitCode::from(EXIT_ERRORS));
    }
    Ok(ExitCode::SUCCESS)
}
