//! `railyard report`: a `TaskReport` of a manual task waiting for the person, for the
//! current attempt, checked as the engine would count it before it is written.

use std::fmt::Write as _;

use super::{Desk, Draft};
use crate::catalog::Catalog;
use crate::error::Error;
use crate::manifest::{Kind, Outcome, TaskReportSpec, TaskType, WorkflowKind};
use crate::tasks::TaskState;
use crate::yaml_out::scalar;

/// A person's report, as the command line gives it.
#[derive(Clone, Debug)]
pub struct Request<'r> {
    /// `Turnover/name` or `Release/name`.
    pub subject: &'r str,
    pub task: &'r str,
    pub outcome: Outcome,
    pub note: Option<&'r str>,
}

/// The TaskReport `request` asks for, by the desk's member, or why it would not count.
pub fn draft(desk: &Desk, request: &Request<'_>) -> Result<Draft, Error> {
    let catalog = desk.catalog();
    let (kind, name) = super::subject(
        &catalog,
        request.subject,
        &[WorkflowKind::Turnover, WorkflowKind::Release],
    )?;
    let reference = format!("{kind}/{name}");
    let object = desk
        .object(kind, &name)
        .ok_or_else(|| Error::Internal(format!("{reference} has no plan")))?;
    let phase = object.status.phase.as_str();
    let Some(view) = object.tasks.as_ref().filter(|v| v.active) else {
        return Err(Error::Refused(format!(
            "{reference} is in `{phase}`, where it runs no tasks: reports count only while its tasks run"
        )));
    };
    let tasks =
        crate::tasks::phase_tasks(&catalog, kind, &name, view.plan.as_deref()).unwrap_or_default();
    let Some(task) = tasks.iter().find(|t| t.id.as_str() == request.task) else {
        let ids: Vec<&str> = tasks.iter().map(|t| t.id.as_str()).collect();
        let hint = crate::suggest::did_you_mean(request.task, ids.iter().copied())
            .map(|h| format!("{h} "))
            .unwrap_or_default();
        return Err(Error::Refused(format!(
            "{reference} has no task `{}` in `{phase}` ({hint}its tasks: {})",
            request.task,
            ids.join(", ")
        )));
    };
    let id = task.id.as_str();
    let member = desk.member.as_str();
    if task.task_type == TaskType::Automated {
        return Err(Error::Refused(format!(
            "task `{id}` of {reference} is automated: railyard runs it (`railyard reconcile --execute`) and records how it went"
        )));
    }
    let owner = task.owner.as_deref().unwrap_or_default();
    if owner != member && !catalog.in_team(member, owner) {
        return Err(Error::Refused(format!(
            "task `{id}` of {reference} is `{owner}`'s to report, not `{member}`'s: a report counts only from the task's owner"
        )));
    }
    let attempt = view.attempt;
    if let Some(path) = reported(&catalog, desk, kind, &name, id, attempt) {
        return Err(Error::Refused(format!(
            "task `{id}` of {reference} is reported for attempt {attempt} already ({path})"
        )));
    }
    let state = view.state(id).unwrap_or(TaskState::Pending);
    if state != TaskState::Waiting {
        return Err(Error::Refused(not_waiting(&reference, task, state, view)));
    }
    let folder = format!("reports/{kind}/{name}");
    let (path, record) = desk.free_place(
        Kind::TaskReport,
        &folder,
        &format!("{id}-{attempt}-{member}"),
        &format!("{name}-{id}-{attempt}"),
    );
    let outcome = match request.outcome {
        Outcome::Succeeded => "succeeded",
        Outcome::Failed => "failed",
        Outcome::Skipped => "skipped",
    };
    let mut text = desk.modeline(Kind::TaskReport, &path);
    let _ = write!(
        text,
        "apiVersion: railyard/v1\nkind: TaskReport\nmetadata:\n  name: {record}\nspec:\n  subject: {reference}\n  task: {}\n  attempt: {attempt}\n  outcome: {outcome}\n  by: {}\n",
        scalar(id),
        scalar(member)
    );
    if let Some(note) = request.note {
        let _ = writeln!(text, "  note: {}", scalar(note));
    }
    Ok(Draft {
        says: format!("{member} reports task `{id}` of {reference} {outcome} (attempt {attempt})"),
        message: format!("Report task {id} of {reference}: {outcome}"),
        path,
        text,
        kind,
        name,
    })
}

/// A report of `task` for `attempt` of the subject already in the working tree.
fn reported(
    catalog: &Catalog<'_>,
    desk: &Desk,
    kind: Kind,
    name: &str,
    task: &str,
    attempt: u32,
) -> Option<String> {
    catalog
        .all::<TaskReportSpec>()
        .find(|r| {
            let spec = &r.manifest.spec;
            spec.subject.kind == kind.as_str()
                && spec.subject.name == name
                && spec.task.as_str() == task
                && spec.attempt == attempt
                && spec.by.as_str() == desk.member
        })
        .map(|r| match desk.tree.facts.added.contains_key(r.path()) {
            true => r.path().to_string(),
            false => format!("{}, not committed yet", r.path()),
        })
}

/// Why a manual task that is not waiting cannot be reported now.
fn not_waiting(
    reference: &str,
    task: &crate::manifest::Task,
    state: TaskState,
    view: &crate::tasks::TasksView,
) -> String {
    let id = task.id.as_str();
    match state {
        TaskState::Pending => {
            let open: Vec<String> = task
                .depends_on
                .iter()
                .filter(|d| {
                    !matches!(
                        view.state(d.as_str()),
                        Some(TaskState::Succeeded | TaskState::Skipped)
                    )
                })
                .map(|d| format!("`{d}`"))
                .collect();
            format!(
                "task `{id}` of {reference} is not ready: it waits for {}",
                match open.is_empty() {
                    true => "its turn".to_string(),
                    false => open.join(", "),
                }
            )
        }
        done => format!(
            "task `{id}` of {reference} is `{}` in this attempt: only a waiting task can be reported",
            done.as_str()
        ),
    }
}
