//! Command-line interface: the global flags of SPEC §7 and one module per command.

mod calendar;
mod codeowners;
mod completions;
mod execute;
mod init;
mod new;
mod promote;
mod reconcile;
mod records;
mod schema;
mod status;
mod validate;
mod watch;
mod written;

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Exit code: the manifests have errors.
pub const EXIT_ERRORS: u8 = 1;
/// Exit code: usage, I/O or git failure.
pub const EXIT_FAILURE: u8 = 2;

/// Release management as code: validate and reconcile release trains, turnovers and ITIL
/// releases kept as YAML in git.
#[derive(Debug, Parser)]
#[command(name = "railyard", version, about, max_term_width = 100)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

/// Flags every command takes.
#[derive(Debug, Args)]
pub struct Global {
    /// The release repository (a git checkout or a plain folder).
    #[arg(long, global = true, default_value = ".", value_name = "PATH")]
    pub repo: PathBuf,
    /// How results are printed.
    #[arg(long, global = true, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Fix the clock (RFC 3339, e.g. 2026-12-01T18:00:00Z) instead of reading it.
    #[arg(long, global = true, value_name = "RFC3339", value_parser = parse_now)]
    pub now: Option<jiff::Timestamp>,
    /// When to color the output.
    #[arg(long, global = true, value_enum, default_value_t = Color::Auto)]
    pub color: Color,
    /// More logging on stderr (-v info, -vv debug, -vvv trace); RUST_LOG overrides.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// How log lines on stderr are written: `text`, or one JSON object per line.
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
}

/// Log line formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

impl Global {
    /// The clock: `--now` when given, else the system's.
    pub fn now(&self) -> jiff::Timestamp {
        self.now.unwrap_or_else(jiff::Timestamp::now)
    }

    /// Whether to write ANSI colors to stdout.
    pub fn color_stdout(&self) -> bool {
        match self.color {
            Color::Always => true,
            Color::Never => false,
            Color::Auto => {
                std::env::var_os("NO_COLOR").is_none() && std::io::stdout().is_terminal()
            }
        }
    }
}

fn parse_now(text: &str) -> Result<jiff::Timestamp, String> {
    text.parse::<jiff::Timestamp>()
        .map_err(|e| format!("`{text}` is not an RFC 3339 instant like 2026-12-01T18:00:00Z: {e}"))
}

/// Output formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// For people: diagnostics under their source lines.
    Human,
    /// One JSON object on stdout.
    Json,
    /// GitHub workflow commands (annotations), and a Markdown summary in $GITHUB_STEP_SUMMARY.
    Github,
    /// Graphviz DOT (`railyard graph` only).
    Dot,
    /// A Mermaid flowchart (`railyard graph` only; its default).
    Mermaid,
    /// iCalendar (RFC 5545; `railyard calendar` only, its default).
    Ics,
}

/// Color choice.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Color {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check every manifest against its schema and against each other; report every problem.
    Validate,
    /// Work out every object's next legal phase and print the plan (`--dry-run`).
    Reconcile(reconcile::ReconcileArgs),
    /// Explain one object: its phase, history, and what holds or blocks each way out.
    Explain(reconcile::ExplainArgs),
    /// Draw a turnover's tasks (or a train's releases) with their states: `--format dot|mermaid`.
    Graph(reconcile::ExplainArgs),
    /// Write a new Turnover that promotes a deployed one to the next environment.
    Promote(promote::PromoteArgs),
    /// Print the JSON Schema of any manifest, or write every schema to a directory.
    Schema(schema::SchemaArgs),
    /// Reconcile now, then on every new commit of the branch and on a timer (or, with
    /// `--dry-run`, print the plan after every edit of the working tree).
    Watch(watch::WatchArgs),
    /// Start a new release repository here: settings, teams, environments, a train template,
    /// the GitHub workflow and CODEOWNERS (never overwrites a file).
    Init,
    /// Print the CODEOWNERS lines that give each approval record to the team whose approval
    /// it is (`--write` updates the file, `--check` fails when it is out of date).
    Codeowners(codeowners::CodeownersArgs),
    /// Show the committed status of every object on the configured branch: phase, since
    /// when, and what blocks it (what STATUS.md shows), filtered by `--kind`, `--blocked`,
    /// `--overdue`.
    Status(status::StatusArgs),
    /// Write a new train, application release, turnover or ITIL release, filled from the
    /// repository (template, environments, teams, the tasks of the turnover it follows).
    New(new::NewArgs),
    /// Approve (or `--reject`) a gate or an exit criterion as you (your git email's member):
    /// checked as the engine counts it, written under `approvals/`, committed with `--commit`.
    Approve(records::ApproveArgs),
    /// Report how a manual task waiting for you went: checked, written under `reports/` for
    /// the current attempt, committed with `--commit`.
    Report(records::ReportArgs),
    /// Print the release calendar: trains' phases and milestones, scheduled turnovers,
    /// freezes (recurring ones as RRULEs), windows, reservations and halts, as iCalendar
    /// (`--format ics`, the default) or JSON.
    Calendar(calendar::CalendarArgs),
    /// Print the completion script for a shell (`bash`, `zsh`, `fish`, `elvish`,
    /// `powershell`), e.g. `railyard completions bash > ~/.local/share/bash-completion/completions/railyard`.
    Completions(completions::CompletionsArgs),
    /// Print railyard's man page, or write one page per command into `--out`.
    Man(completions::ManArgs),
}

/// Runs the command; the exit code says how it went.
pub fn run(cli: &Cli) -> anyhow::Result<ExitCode> {
    let diagram_format = matches!(cli.global.format, Format::Dot | Format::Mermaid);
    if diagram_format && !matches!(cli.command, Command::Graph(_)) {
        anyhow::bail!(
            "`--format dot` and `--format mermaid` are for `railyard graph`; use human, json or github here"
        );
    }
    if cli.global.format == Format::Ics && !matches!(cli.command, Command::Calendar(_)) {
        anyhow::bail!("`--format ics` is for `railyard calendar`; use human, json or github here");
    }
    match &cli.command {
        Command::Validate => validate::run(&cli.global),
        Command::Reconcile(args) => reconcile::run(&cli.global, args),
        Command::Explain(args) => reconcile::explain(&cli.global, args),
        Command::Graph(args) => reconcile::graph(&cli.global, args),
        Command::Promote(args) => promote::run(&cli.global, args),
        Command::Schema(args) => schema::run(args),
        Command::Watch(args) => watch::run(&cli.global, args),
        Command::Init => init::init(&cli.global),
        Command::Codeowners(args) => codeowners::codeowners(&cli.global, args),
        Command::Status(args) => status::run(&cli.global, args),
        Command::New(args) => new::run(&cli.global, args),
        Command::Approve(args) => records::approve(&cli.global, args),
        Command::Report(args) => records::report(&cli.global, args),
        Command::Calendar(args) => calendar::run(&cli.global, args),
        Command::Completions(args) => completions::completions(args),
        Command::Man(args) => completions::man(args),
    }
}

/// Whether `command` runs tasks (processes of the user's, which inherit what railyard sets
/// on itself).
pub fn runs_tasks(command: &Command) -> bool {
    match command {
        Command::Watch(args) => args.execute,
        Command::Reconcile(args) => args.execute,
        _ => false,
    }
}

/// How the process gives back what a reconcile built: commands that reconcile again and again
/// free it; one reconcile and out leaves it to the operating system.
pub fn reclaim_mode(command: &Command) -> railyard::reclaim::Mode {
    use railyard::reclaim::Mode;
    match command {
        Command::Watch(_) => Mode::Background,
        Command::Reconcile(args) if args.execute => Mode::Background,
        _ => Mode::OneShot,
    }
}

/// Prints warnings: `warning: …` lines on stderr, or under `--format github` a `::warning`
/// annotation each on stdout, placed on the file when the warning is about one of
/// railyard's own files (it then starts with that file's path).
pub fn print_warnings(global: &Global, warnings: &[String]) -> anyhow::Result<()> {
    use railyard::diagnostics::{escape_data, escape_property};
    use std::io::Write;
    if global.format != Format::Github {
        for warning in warnings {
            eprintln!("warning: {warning}");
        }
        return Ok(());
    }
    let mut stdout = std::io::stdout().lock();
    for warning in warnings {
        let file = warning
            .split_once(' ')
            .map(|(first, _)| first)
            .filter(|first| first.ends_with(".yaml") || first.ends_with(".md"));
        match file {
            Some(file) => writeln!(
                stdout,
                "::warning file={},title=railyard::{}",
                escape_property(file),
                escape_data(warning)
            )?,
            None => writeln!(stdout, "::warning title=railyard::{}", escape_data(warning))?,
        }
    }
    Ok(())
}

/// Appends step outputs to `$GITHUB_OUTPUT` when it names a file.
pub fn write_outputs(pairs: &[(&str, String)]) -> anyhow::Result<()> {
    use anyhow::Context;
    use std::io::Write;
    let Some(path) = std::env::var_os("GITHUB_OUTPUT") else {
        return Ok(());
    };
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .with_context(|| format!("cannot open $GITHUB_OUTPUT ({})", path.to_string_lossy()))?;
    file.write_all(railyard::github::outputs(pairs).as_bytes())?;
    Ok(())
}

/// Appends Markdown to the GitHub job summary when `$GITHUB_STEP_SUMMARY` names one.
pub fn append_step_summary(markdown: &str) -> anyhow::Result<()> {
    use anyhow::Context;
    use std::io::Write;
    let Some(path) = std::env::var_os("GITHUB_STEP_SUMMARY") else {
        return Ok(());
    };
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .with_context(|| {
            format!(
                "cannot open $GITHUB_STEP_SUMMARY ({})",
                path.to_string_lossy()
            )
        })?;
    file.write_all(markdown.as_bytes())?;
    Ok(())
}

/// Logs to stderr: warnings by default (`watch`: a line per round), more with `-v`, or as
/// `RUST_LOG` says; text or JSON lines.
pub fn init_tracing(cli: &Cli) {
    let watching = matches!(cli.command, Command::Watch(_));
    let default = match cli.global.verbose + u8::from(watching) {
        0 => "warn",
        1 => "info",
        2 => "debug",
        _ => "trace",
    };
    let mut filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    // The HTTP, TLS and SMTP crates log request URLs, headers and raw bytes at debug and
    // trace: webhook URLs and tokens are secrets. They say warnings and errors only, whatever
    // `-v` or RUST_LOG asks (a directive for the same crate in RUST_LOG is replaced).
    for quiet in ["ureq=warn", "ureq_proto=warn", "rustls=warn", "lettre=warn"] {
        if let Ok(directive) = quiet.parse() {
            filter = filter.add_directive(directive);
        }
    }
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = match cli.global.log_format {
        LogFormat::Json => builder.json().try_init(),
        LogFormat::Text => builder
            .with_ansi(std::io::stderr().is_terminal())
            .try_init(),
    };
}

/// Text written as it is made (`std::fmt::Write`) into a byte stream, buffered; the first
/// I/O error is kept for [`TextOut::finish`] (a closed pipe must fail the command, not be
/// lost in a `fmt::Error`).
pub struct TextOut<W: std::io::Write> {
    inner: std::io::BufWriter<W>,
    error: Option<std::io::Error>,
}

impl<W: std::io::Write> TextOut<W> {
    pub fn new(inner: W) -> TextOut<W> {
        TextOut {
            inner: std::io::BufWriter::with_capacity(64 * 1024, inner),
            error: None,
        }
    }

    /// Flushes, and gives the first error met.
    pub fn finish(mut self) -> std::io::Result<()> {
        use std::io::Write;
        match self.error.take() {
            Some(error) => Err(error),
            None => self.inner.flush(),
        }
    }
}

impl<W: std::io::Write> std::fmt::Write for TextOut<W> {
    fn write_str(&mut self, text: &str) -> std::fmt::Result {
        use std::io::Write;
        if self.error.is_some() {
            return Err(std::fmt::Error);
        }
        self.inner.write_all(text.as_bytes()).map_err(|error| {
            self.error = Some(error);
            std::fmt::Error
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn command(args: &[&str]) -> Command {
        Cli::try_parse_from(std::iter::once("railyard").chain(args.iter().copied()))
            .expect("the arguments parse")
            .command
    }

    #[test]
    fn only_the_commands_that_run_tasks_keep_the_huge_pages() {
        for (args, runs) in [
            (&["reconcile", "--execute"][..], true),
            (&["watch", "--execute"][..], true),
            (&["reconcile"][..], false),
            (&["reconcile", "--dry-run"][..], false),
            (&["watch"][..], false),
            (&["validate"][..], false),
        ] {
            assert_eq!(runs_tasks(&command(args)), runs, "{args:?}");
        }
    }
}
