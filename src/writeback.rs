//! `reconcile` without `--dry-run`: read the configured branch's committed tree, reconcile
//! it with the status railyard itself committed before, and write the new status files and
//! `STATUS.md` as one commit by the bot identity, moving the branch only if nobody moved it
//! meanwhile (compare-and-swap, a few tries).

use std::path::Path;
use std::sync::Arc;

use crate::engine::ObjectPlan;
use crate::error::Error;
use crate::git::{GitError, GitRepo, Worktree};
use crate::manifest::Kind;

/// How many times a reconcile starts again on a branch that moved under it.
pub const MAX_TRIES: u32 = 5;

/// What a reconcile that writes did.
#[derive(Debug)]
pub struct Written {
    /// The new commit, or `None` when everything was up to date.
    pub commit: Option<String>,
    /// The commit's first line.
    pub subject: String,
    pub transitions: usize,
    /// Hand-edited status files and the like, one sentence each.
    pub warnings: Vec<String>,
    /// Diagnostics of the manifests (objects with errors were skipped).
    pub errors: usize,
    pub worktree: Option<Worktree>,
    /// How many times the branch moved under the reconcile.
    pub retries: u32,
    /// With recorded runs: the run lists whose ready automated tasks `--execute` starts.
    pub run_lists: Vec<crate::tasks::runner::RunList>,
    /// Notifications delivered after the status commit (sink deliveries).
    pub notified: usize,
    /// Deliveries that failed, one sentence each (tried again by the next reconcile).
    pub undelivered: Vec<String>,
}

/// Where the status commit goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// The local branch, moved by compare-and-swap.
    Local,
    /// The branch on this remote, pushed with `--force-with-lease` (the git CLI does the
    /// network: railyard's libgit2 has no TLS); the local branch follows when it can.
    Push { remote: String },
}

/// A commit built on top of `tip`, not yet on any branch.
struct Prepared {
    commit: Option<String>,
    subject: String,
    transitions: usize,
    warnings: Vec<String>,
    errors: usize,
    changes: Vec<(String, Option<Vec<u8>>)>,
    run_lists: Vec<crate::tasks::runner::RunList>,
    /// Notifications owed to sinks once this status is committed.
    owed: Vec<(Kind, String, crate::status::Outgoing)>,
    sinks: Vec<crate::manifest::NotifySink>,
}

/// Reconciles the committed tree of `tip` and builds the status commit on top of it, with
/// the runs `--execute` recorded so far when there are any.
fn prepare(
    repo: &mut GitRepo,
    tip: &str,
    now: jiff::Timestamp,
    recorded: Option<&crate::status::recorded::Recorded>,
    cache: Option<&mut crate::pipeline::Incremental>,
    delivered: Option<&crate::deliver::Delivered>,
) -> Result<Prepared, Error> {
    let started = std::time::Instant::now();
    let lap =
        |what: &str| tracing::debug!(elapsed_ms = started.elapsed().as_millis() as u64, "{what}");
    let mut cache = cache;
    let caches = cache.as_deref_mut().map(|c| crate::git::Caches {
        tree: &mut c.tree,
        facts: &mut c.facts,
    });
    let crate::git::CommitRead {
        loaded,
        own: own_files,
        facts,
        ..
    } = repo.read_commit(tip, caches)?;
    lap("read the tree and the history");
    let settings = loaded.settings.clone();
    repo.owned = settings.owned_paths();
    let crate::pipeline::Outcome {
        plans,
        diagnostics,
        warnings,
        changes,
        run_lists,
        previous,
        ..
    } = crate::pipeline::reconcile(
        crate::pipeline::Inputs {
            loaded: crate::pipeline::Manifests::Shared(&loaded),
            own_files: &own_files,
            facts: &facts,
            now,
            recorded,
            delivered,
            render_new: true,
            started,
            ways_out: crate::engine::WaysOut::Dropped,
        },
        cache,
    );
    let transitions: usize = plans.iter().map(|p| p.transitions.len()).sum();
    let errors = diagnostics
        .iter()
        .filter(|d| d.severity == crate::diagnostics::Severity::Error)
        .count();
    let subject = match (transitions, recorded, delivered) {
        (0, Some(_), _) => "railyard: record task runs".to_string(),
        (0, None, Some(_)) => "railyard: record notifications".to_string(),
        _ => commit_subject(transitions),
    };
    let commit = if changes.is_empty() {
        None
    } else {
        let message = commit_message(&subject, &plans);
        repo.commit_changes(
            tip,
            &changes,
            (&settings.bot.name, &settings.bot.email),
            now,
            &message,
        )?
    };
    lap("built the commit");
    let owed = crate::deliver::owed(&plans);
    // A watcher's cache holds the other share of what was read (the history too) and
    // updates it in place next round: that share is let go of here, not late on the reclaim
    // thread (which would make the next round copy it all). Without a cache this was the
    // only share: freed like the rest (a one-shot run's history of a hundred thousand files
    // was 20-40 ms of freeing on one core at its end).
    let (loaded, own_files) = (Arc::into_inner(loaded), Arc::into_inner(own_files));
    let facts = Arc::into_inner(facts);
    crate::reclaim::at_end((loaded, plans, previous, own_files, diagnostics, facts));
    let subject = if commit.is_some() {
        subject
    } else {
        "up to date".to_string()
    };
    Ok(Prepared {
        commit,
        subject,
        transitions,
        warnings,
        errors,
        changes,
        run_lists,
        owed,
        sinks: settings.notify.clone(),
    })
}

/// Reconciles the configured branch of the git repository that holds `root` and commits the
/// result to `target`. `before_swap` runs between building the commit and moving the branch
/// or pushing (tests use it to move the branch under the reconcile).
pub fn reconcile_branch(
    root: &Path,
    now: jiff::Timestamp,
    target: &Target,
    before_swap: &mut dyn FnMut(u32),
) -> Result<Written, Error> {
    let mut hook = |attempt: u32| {
        before_swap(attempt);
        true
    };
    reconcile_branch_with(
        root,
        now,
        target,
        Hooks {
            before_swap: Some(&mut hook),
            ..Hooks::default()
        },
    )
}

/// What a write-back reconcile takes beyond the repository and the clock.
#[derive(Default)]
pub struct Hooks<'a> {
    /// Runs `--execute` recorded, laid over the previous status.
    pub recorded: Option<&'a crate::status::recorded::Recorded>,
    /// What the last round kept for this one (`watch`).
    pub cache: Option<&'a mut crate::pipeline::Incremental>,
    /// Runs between building the commit and moving the branch (or pushing); `false`
    /// abandons the reconcile with nothing moved (`watch` stopping).
    pub before_swap: Option<&'a mut dyn FnMut(u32) -> bool>,
    /// Results of delivering notifications, to record (the reconcile after a delivery run;
    /// it delivers nothing itself).
    pub delivered: Option<&'a crate::deliver::Delivered>,
}

/// [`reconcile_branch`] with [`Hooks`].
pub fn reconcile_branch_with(
    root: &Path,
    now: jiff::Timestamp,
    target: &Target,
    mut hooks: Hooks<'_>,
) -> Result<Written, Error> {
    let mut repo = match GitRepo::discover(root) {
        Ok(repo) => repo,
        Err(GitError::NotARepository { path }) => {
            return Err(Error::NotGit(path.display().to_string()));
        }
        Err(e) => return Err(e.into()),
    };
    repo.sign_from_env()?;
    let branch = repo.configured_branch()?;
    for attempt in 0..MAX_TRIES {
        let tip = match target {
            Target::Local => repo.branch_tip(&branch)?,
            Target::Push { remote } => repo.fetch(remote, &branch)?,
        };
        let mut prepared = prepare(
            &mut repo,
            &tip,
            now,
            hooks.recorded,
            hooks.cache.as_deref_mut(),
            hooks.delivered,
        )?;
        let owed = std::mem::take(&mut prepared.owed);
        let sinks = std::mem::take(&mut prepared.sinks);
        let deliver = hooks.delivered.is_none();
        let done =
            |commit: Option<String>, worktree: Option<Worktree>, prepared: Prepared| Written {
                commit,
                subject: prepared.subject,
                transitions: prepared.transitions,
                warnings: prepared.warnings,
                errors: prepared.errors,
                worktree,
                retries: attempt,
                run_lists: prepared.run_lists,
                notified: 0,
                undelivered: Vec::new(),
            };
        let Some(commit) = prepared.commit.clone() else {
            // Nothing to commit, but a railyard was killed while it wrote the branch or the
            // working tree: put the working tree right (and remove the lock it left).
            let worktree = match target {
                Target::Local if repo.interrupted() => Some(repo.update_worktree(&branch, &[])?),
                _ => None,
            };
            let written = done(None, worktree, prepared);
            return Ok(deliver_owed(
                root, now, target, written, &owed, &sinks, deliver,
            ));
        };
        if let Some(hook) = hooks.before_swap.as_mut()
            && !hook(attempt)
        {
            return Err(Error::Abandoned);
        }
        let landed = match target {
            Target::Local => repo.move_branch(&branch, &tip, &commit, &prepared.subject)?,
            Target::Push { remote } => repo.push(remote, &branch, &tip, &commit)?,
        };
        if landed {
            // The local branch follows a push only when it was at the pushed-on commit.
            let local_moved = match target {
                Target::Local => true,
                Target::Push { .. } => {
                    repo.branch_tip(&branch).ok().as_deref() == Some(tip.as_str())
                        && repo.move_branch(&branch, &tip, &commit, &prepared.subject)?
                }
            };
            let worktree = if local_moved {
                Some(repo.update_worktree(&branch, &prepared.changes)?)
            } else {
                None
            };
            let written = done(Some(commit), worktree, prepared);
            return Ok(deliver_owed(
                root, now, target, written, &owed, &sinks, deliver,
            ));
        }
        tracing::info!(
            branch,
            attempt,
            "the branch moved during the reconcile: starting again on its new head"
        );
    }
    Err(Error::Raced {
        branch,
        tries: MAX_TRIES,
    })
}

/// After the status commit landed (or nothing changed): delivers the notifications owed and
/// records the results with a second reconcile. A failure to record is a warning: the
/// notifications went out and may go out once more (same `Idempotency-Key`).
fn deliver_owed(
    root: &Path,
    now: jiff::Timestamp,
    target: &Target,
    mut written: Written,
    owed: &[(Kind, String, crate::status::Outgoing)],
    sinks: &[crate::manifest::NotifySink],
    deliver: bool,
) -> Written {
    if !deliver || owed.is_empty() {
        return written;
    }
    let delivered = crate::deliver::deliver(root, sinks, owed);
    written.notified = delivered.sent();
    written.undelivered = delivered.failed();
    if delivered.is_empty() {
        return written;
    }
    let hooks = Hooks {
        delivered: Some(&delivered),
        ..Hooks::default()
    };
    match reconcile_branch_with(root, now, target, hooks) {
        Ok(recorded) => {
            if recorded.commit.is_some() {
                written.commit = recorded.commit;
                written.worktree = recorded.worktree;
                // The commit printed is the one that recorded the deliveries.
                if written.subject == "up to date" {
                    written.subject = recorded.subject;
                }
            }
        }
        Err(e) => written.warnings.push(format!(
            "notifications were sent but recording that failed ({e}): the next reconcile may send them again, with the same Idempotency-Key"
        )),
    }
    written
}

fn commit_subject(transitions: usize) -> String {
    match transitions {
        0 => "railyard: update status".to_string(),
        1 => "railyard: 1 transition".to_string(),
        n => format!("railyard: {n} transitions"),
    }
}

/// The subject, a line per transition with the spec digest it reflects, and `[skip ci]` so
/// that CI does not run again on railyard's own commit.
fn commit_message(subject: &str, plans: &[std::sync::Arc<ObjectPlan>]) -> String {
    let mut body = String::new();
    for object in plans {
        for t in &object.transitions {
            body.push_str(&format!(
                "- {}/{}: {} → {} (spec {}): {}\n",
                object.kind, object.name, t.from, t.to, object.status.spec_digest, t.reason
            ));
        }
    }
    // One blank line between paragraphs, also when there is no transition to list.
    let mut message = format!("{subject}\n\n{body}");
    if !body.is_empty() {
        message.push('\n');
    }
    message.push_str("[skip ci]\n");
    message
}

#[cfg(test)]
mod tests {
    #[test]
    fn commit_subjects_count_transitions() {
        assert_eq!(super::commit_subject(0), "railyard: update status");
        assert_eq!(super::commit_subject(1), "railyard: 1 transition");
        assert_eq!(super::commit_subject(3), "railyard: 3 transitions");
    }
}
