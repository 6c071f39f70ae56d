//! What a guard is evaluated with and what it answers: the object's context ([`Ctx`]) and
//! the [`Verdict`] of a set of guards. Below both guard rooms ([`super::guards`] and
//! [`super::starts`]).

use serde_json::Value;

use super::repository::{Repository, Subject};
use crate::manifest::Moment;

/// What the guards need to know about the object beyond the repository.
pub struct Ctx<'s, 'a> {
    pub repository: &'s Repository<'a>,
    pub subject: &'s Subject<'a>,
    /// The spec overlaid with the values the workflow recorded.
    pub values: &'s Value,
    pub phase: &'s str,
    /// When the object last left this phase on an earlier visit: approvals older than this
    /// are stale.
    pub since: Option<jiff::Timestamp>,
    /// The task plan of the phase and its attempt.
    pub plan: Option<&'s str>,
    pub attempt: u32,
    /// What a turnover retried with `rerun: failed` carries from its earlier attempts (the
    /// tasks skipped in this one).
    pub retried: Option<&'s crate::status::Retried>,
    /// Since when the attempt is asked for, when known (a retry, a task plan started again):
    /// reports committed before then do not count for it.
    pub begun: Option<jiff::Timestamp>,
    /// The task board, made the first time a guard or the plan asks for it.
    pub board: std::cell::OnceCell<Option<crate::tasks::TaskBoard<'a>>>,
    /// Where the instants the guards compare the clock with are noted.
    pub timer: &'s super::repository::Timer,
}

impl<'a> Ctx<'_, 'a> {
    /// The subject's tasks and their states for this phase's plan and attempt: made once per
    /// context, however many transitions look at them.
    pub fn board(&self) -> Option<&crate::tasks::TaskBoard<'a>> {
        self.board
            .get_or_init(|| {
                let mut attempt = crate::tasks::Attempt::first(self.attempt);
                attempt.begun = self.begun;
                if let Some(retried) = self.retried {
                    attempt.carried = &retried.succeeded;
                }
                self.repository.task_board(self.subject, self.plan, attempt)
            })
            .as_ref()
    }
}

/// The outcome of a set of guards.
#[derive(Debug, Default, PartialEq)]
pub struct Verdict {
    /// Why it holds: one short phrase per guard.
    pub held: Vec<String>,
    /// Why it does not: one sentence per missing thing.
    pub missing: Vec<String>,
    /// Rejections met on the way (for the `Returned` condition).
    pub rejections: Vec<String>,
    /// The approval (by its place in the guard) that the way out waits for, if any.
    pub asks: Option<usize>,
    /// The approval of an environment's emergency `override` the way out waits for, if any.
    pub overrides: Option<crate::manifest::ApprovalGuard>,
    /// The exit criteria (without a `check`) that wait for an approval, each with the team
    /// that gives it.
    pub criteria_asked: Vec<(String, String)>,
}

impl Verdict {
    pub fn holds(&self) -> bool {
        self.missing.is_empty()
    }
}

/// A spec value that holds an instant (or a date: its first instant).
pub(super) fn instant_of(value: &Value) -> Option<jiff::Timestamp> {
    value.as_str()?.parse::<Moment>().ok().map(Moment::start)
}
