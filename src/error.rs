//! The library's errors, typed: one enum for what an operation could not do, turned into
//! messages in the CLI only.

use crate::git::GitError;
use crate::load::LoadError;

/// Why railyard could not do what it was asked: the error of every operation of the
/// library (plans, commits, executions, watching, promotions). The CLI turns it into a message
/// and an exit code.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Load(#[from] LoadError),
    #[error(transparent)]
    Git(#[from] GitError),
    #[error("no object `{0}` with a workflow in this repository{1}")]
    NoSuchObject(String, String),
    #[error(
        "{0} has no dependency graph: graphs are drawn for turnovers, releases with a task plan in their phase, and trains"
    )]
    NoGraph(String),
    #[error(transparent)]
    PromotionRefused(#[from] PromotionRefused),
    #[error(
        "{0} is not inside a git repository: `reconcile` writes status back as a commit; use `reconcile --dry-run` to see the plan"
    )]
    NotGit(String),
    #[error(
        "{0} is not inside a git repository: `railyard status` shows the status committed on the configured branch; use `reconcile --dry-run` to see the plan of a plain folder"
    )]
    StatusNeedsGit(String),
    #[error("{0}")]
    NotAMember(String),
    #[error(
        "{path} is not inside a git repository: `railyard {command}` takes who you are from git and writes a record to commit"
    )]
    RecordNeedsGit { command: &'static str, path: String },
    #[error(
        "the repository does not validate ({errors} error{s}; `railyard validate` shows them): fix them first, nothing was written",
        s = if *errors == 1 { "" } else { "s" }
    )]
    DoesNotValidate { errors: usize },
    /// What a person asked for, refused before anything was written: the reason.
    #[error("{0}")]
    Refused(String),
    #[error("{written} is written, but committing it failed: {why}")]
    CommitFailed { written: String, why: String },
    #[error(
        "railyard runs tasks only on the configured branch `{configured}`, and {found}: switch to `{configured}` first, or leave out `--execute`"
    )]
    WrongBranch { configured: String, found: String },
    #[error("{0} is gone: nothing left to watch")]
    Gone(String),
    #[error("abandoned before the branch was moved: nothing was committed")]
    Abandoned,
    #[error("internal error: {0}")]
    Internal(String),
    #[error(
        "branch `{branch}` kept moving while railyard reconciled it ({tries} tries); nothing was committed, try again"
    )]
    Raced { branch: String, tries: u32 },
}

/// Why a promotion is refused.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum PromotionRefused {
    #[error("there is no turnover `{0}`{1}")]
    UnknownTurnover(String, String),
    #[error("there is no environment `{0}`{1}")]
    UnknownEnvironment(String, String),
    #[error("turnover `{0}` has errors; run `railyard validate` and fix them first")]
    Invalid(String),
    #[error("turnover `{name}` is in `{phase}`: only a deployed turnover can be promoted")]
    NotDeployed { name: String, phase: String },
    #[error("turnover `{name}` is on `{from}`, which {next}; it cannot be promoted to `{to}`")]
    OffPath {
        name: String,
        from: String,
        next: String,
        to: String,
    },
    #[error("a turnover named `{0}` already exists; choose another name with --name")]
    NameTaken(String),
    #[error("`{0}` is not a valid name: {1}")]
    BadName(String, &'static str),
}
