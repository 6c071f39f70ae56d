//! `railyard new train|release|turnover|itil-release`: a new manifest, filled from the
//! repository, validated before it is kept.

use std::io::Write;
use std::process::ExitCode;

use clap::{Args, Subcommand};

use super::{EXIT_ERRORS, Format, Global};
use railyard::drafts::{self, ItilOptions, ReleaseOptions, TrainOptions, TurnoverOptions, What};
use railyard::error::Error;

#[derive(Debug, Args)]
pub struct NewArgs {
    #[command(subcommand)]
    pub what: NewCommand,
}

#[derive(Debug, Subcommand)]
pub enum NewCommand {
    /// A ReleaseTrain: from a template (the repository's only one by default), managed by
    /// you unless `--manager` says otherwise, reserving the promotion path.
    Train(TrainArgs),
    /// An ApplicationRelease of an application's version (from a name like `api-3.2`), on
    /// the open train unless `--train` says which.
    Release(ReleaseArgs),
    /// A Turnover of a train's releases to an environment, its tasks copied from the
    /// latest deployed turnover of the train on the environment before it (then promoted
    /// from it), else the latest on this environment, else `--template`.
    Turnover(TurnoverArgs),
    /// An ITIL Release record with what its `log` phase asks for; `--template` copies who
    /// runs and supports it from an earlier release.
    ItilRelease(ItilArgs),
}

#[derive(Debug, Args)]
pub struct TrainArgs {
    /// The train's name, e.g. `2027-01`.
    pub name: Option<String>,
    /// The TrainTemplate it starts from.
    #[arg(long, value_name = "TEMPLATE")]
    pub template: Option<String>,
    /// Its manager (a member id).
    #[arg(long, value_name = "MEMBER")]
    pub manager: Option<String>,
    /// `major`, `minor`, `patch` or `emergency` (default: the template's, else `minor`).
    #[arg(long = "type", value_name = "TYPE")]
    pub train_type: Option<String>,
    /// What the train delivers.
    #[arg(long, value_name = "TEXT")]
    pub purpose: Option<String>,
    /// Its first day (YYYY-MM-DD), with `--end`.
    #[arg(long, value_name = "DATE")]
    pub start: Option<jiff::civil::Date>,
    /// Its last day (YYYY-MM-DD), with `--start`.
    #[arg(long, value_name = "DATE")]
    pub end: Option<jiff::civil::Date>,
}

#[derive(Debug, Args)]
pub struct ReleaseArgs {
    /// The release's name, e.g. `api-3.2`.
    pub name: Option<String>,
    /// The application (default: the name before its version).
    #[arg(long, value_name = "APPLICATION")]
    pub application: Option<String>,
    /// The version (default: the name's last part, when it starts with a digit).
    #[arg(long, value_name = "VERSION")]
    pub version: Option<String>,
    /// The train it rides.
    #[arg(long, value_name = "TRAIN")]
    pub train: Option<String>,
    /// Application releases it depends on (repeat, or separate with commas).
    #[arg(long, value_name = "RELEASE", value_delimiter = ',')]
    pub depends_on: Vec<String>,
}

#[derive(Debug, Args)]
pub struct TurnoverArgs {
    /// The turnover's name (default: `<train>-<environment>`).
    pub name: Option<String>,
    /// The environment it deploys to.
    #[arg(long, value_name = "ENVIRONMENT")]
    pub environment: String,
    /// The train whose releases it deploys.
    #[arg(long, value_name = "TRAIN")]
    pub train: Option<String>,
    /// When it may start (RFC 3339, e.g. 2026-12-08T20:00:00Z).
    #[arg(long, value_name = "RFC3339")]
    pub scheduled_at: Option<jiff::Timestamp>,
    /// A turnover whose tasks to copy instead.
    #[arg(long, value_name = "TURNOVER")]
    pub template: Option<String>,
}

#[derive(Debug, Args)]
pub struct ItilArgs {
    /// The record's name, e.g. `payments-gateway-2027`.
    pub name: Option<String>,
    /// A Release to copy the type, model, service, owners and support levels from.
    #[arg(long, value_name = "RELEASE")]
    pub template: Option<String>,
    #[arg(long, value_name = "TEXT")]
    pub title: Option<String>,
    /// `emergency`, `major` or `minor`.
    #[arg(long, value_name = "TYPE")]
    pub release_type: Option<String>,
    #[arg(long, value_name = "TEXT")]
    pub description: Option<String>,
    /// Why the release is needed.
    #[arg(long, value_name = "TEXT")]
    pub reason: Option<String>,
    #[arg(long, value_name = "TEXT")]
    pub justification: Option<String>,
    /// The ReleaseModel whose task plans it runs.
    #[arg(long, value_name = "MODEL")]
    pub model: Option<String>,
    /// The service it changes.
    #[arg(long, value_name = "SERVICE")]
    pub service: Option<String>,
    /// Who asks for it (a member id; default: you).
    #[arg(long, value_name = "MEMBER")]
    pub requested_by: Option<String>,
}

pub fn run(global: &Global, args: &NewArgs) -> anyhow::Result<ExitCode> {
    let what = match &args.what {
        NewCommand::Train(a) => What::Train(TrainOptions {
            name: a.name.clone(),
            template: a.template.clone(),
            manager: a.manager.clone(),
            train_type: a.train_type.clone(),
            purpose: a.purpose.clone(),
            start: a.start,
            end: a.end,
        }),
        NewCommand::Release(a) => What::Release(ReleaseOptions {
            name: a.name.clone(),
            application: a.application.clone(),
            version: a.version.clone(),
            train: a.train.clone(),
            depends_on: a.depends_on.clone(),
        }),
        NewCommand::Turnover(a) => What::Turnover(TurnoverOptions {
            name: a.name.clone(),
            environment: a.environment.clone(),
            train: a.train.clone(),
            scheduled_at: a.scheduled_at,
            template: a.template.clone(),
        }),
        NewCommand::ItilRelease(a) => What::ItilRelease(ItilOptions {
            name: a.name.clone(),
            template: a.template.clone(),
            title: a.title.clone(),
            release_type: a.release_type.clone(),
            description: a.description.clone(),
            reason: a.reason.clone(),
            justification: a.justification.clone(),
            model: a.model.clone(),
            service: a.service.clone(),
            requested_by: a.requested_by.clone(),
        }),
    };
    let created = match drafts::create(&global.repo, global.now(), &what) {
        Ok(created) => created,
        Err(e @ (Error::Refused(_) | Error::DoesNotValidate { .. })) => {
            eprintln!("error: cannot write it: {e}");
            return Ok(ExitCode::from(EXIT_ERRORS));
        }
        Err(e) => return Err(e.into()),
    };
    let mut stdout = std::io::stdout().lock();
    match global.format {
        Format::Json => {
            serde_json::to_writer_pretty(&mut stdout, &created)?;
            writeln!(stdout)?;
        }
        _ => stdout.write_all(created.render_human().as_bytes())?,
    }
    Ok(ExitCode::SUCCESS)
}
