//! `railyard status`: the committed status of every object (what STATUS.md shows), read from
//! the configured branch's tree, never the working tree, and filtered for the terminal.
//!
//! Only status files railyard trusts are shown as status (committed last by railyard, and
//! reading as railyard writes them); an object whose status file someone else changed is
//! listed as such, and one railyard has not reconciled yet as not reconciled.

use std::path::Path;
use std::sync::Arc;

use serde::Serialize;

use crate::catalog::Catalog;
use crate::error::Error;
use crate::git::{GitError, GitRepo};
use crate::manifest::Kind;
use crate::status::ObjectStatus;

/// The kinds that have a status, in the order the table lists them.
pub const WITH_STATUS: [Kind; 4] = [
    Kind::ReleaseTrain,
    Kind::ApplicationRelease,
    Kind::Turnover,
    Kind::Release,
];

/// Where an object stands, by its committed conditions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Standing {
    /// In a terminal phase.
    Done,
    /// Its phase was due and it has not left it.
    Overdue,
    /// A way out of its phase lacks something.
    Blocked,
    /// Its manifest has errors: its last status is kept.
    Invalid,
    /// Nothing blocks it right now (time, or a reconcile, will move it).
    Moving,
    /// No status committed for it yet: railyard has not reconciled it.
    NotReconciled,
    /// Its status file was changed by someone other than railyard: not trusted.
    Distrusted,
}

/// One object's row.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Row {
    #[serde(serialize_with = "kind_name")]
    pub kind: Kind,
    pub name: String,
    /// The committed phase; `None` when there is no trusted status.
    pub phase: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub since: Option<jiff::Timestamp>,
    pub standing: Standing,
    /// What blocks it, the first way out's first reason (as STATUS.md shows it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub blocked_by: Option<String>,
    /// With [`Filter::waiting_for`]: what of it waits for that member (`approval `qa``,
    /// `task `smoke``).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub waiting_for: Vec<String>,
}

/// The committed status of a branch.
#[derive(Debug, Serialize)]
pub struct Dashboard {
    pub branch: String,
    pub commit: String,
    /// Whose work the rows are (`--waiting-for`), when only theirs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub member: Option<String>,
    /// The halts in force on the branch at the clock (the table starts with them).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub halts: Vec<crate::halts::Halt>,
    pub objects: Vec<Row>,
    #[serde(skip)]
    waiting: bool,
}

/// Which rows to show.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    pub kind: Option<Kind>,
    pub blocked: bool,
    pub overdue: bool,
    /// Only what waits for this member: an approval a way out asks of them (or of a team
    /// of theirs), a manual task waiting for them (or for a team of theirs).
    pub waiting_for: Option<Who>,
}

/// Whose work to show: a member id, or the person running railyard (`me`: their git email).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Who {
    Member(String),
    Me,
}

impl Filter {
    fn keeps(&self, row: &Row) -> bool {
        self.kind.is_none_or(|k| k == row.kind)
            && (!self.blocked || matches!(row.standing, Standing::Blocked | Standing::Overdue))
            && (!self.overdue || row.standing == Standing::Overdue)
            && (self.waiting_for.is_none() || !row.waiting_for.is_empty())
    }
}

/// The committed status of every object on the configured branch of the git repository
/// that holds `root`, filtered.
pub fn committed(root: &Path, filter: &Filter, now: jiff::Timestamp) -> Result<Dashboard, Error> {
    let repo = GitRepo::discover(root).map_err(|e| match e {
        GitError::NotARepository { path } => Error::StatusNeedsGit(path.display().to_string()),
        e => e.into(),
    })?;
    let settings = repo.configured_settings()?;
    let branch = settings.branch.clone();
    let read = repo.read_commit(&branch, None)?;
    let commit = read.id;
    let (mut loaded, own_files, facts) = (Arc::unwrap_or_clone(read.loaded), read.own, read.facts);
    let member = match &filter.waiting_for {
        None => None,
        Some(who) => Some(member_of(&repo, &loaded, who)?),
    };
    // What waits for the member is what the branch's tree asks now: its plan.
    let waits = match &member {
        None => Vec::new(),
        Some(member) => waiting_for(&mut loaded, &own_files, &facts, now, member),
    };
    let (catalog, _) = Catalog::build(&loaded.settings, &loaded.documents);
    let keys = crate::trust::Keyring::build(&catalog);
    let (halts, _) = crate::halts::in_force_now(&catalog, &facts, &keys, now);
    let trusted =
        crate::status_files::trusted_previous(&loaded.settings, &keys, &own_files, &facts, None);
    let mut objects = Vec::new();
    for kind in WITH_STATUS {
        for name in catalog.names(kind) {
            let key = (kind, name.to_string());
            let mut row = match trusted.previous.get(&key) {
                Some(status) => row(kind, name, status),
                None => Row {
                    kind,
                    name: name.to_string(),
                    phase: None,
                    since: None,
                    standing: if trusted.distrusted.binary_search(&key).is_ok() {
                        Standing::Distrusted
                    } else {
                        Standing::NotReconciled
                    },
                    blocked_by: None,
                    waiting_for: Vec::new(),
                },
            };
            if let Some((_, _, waiting)) = waits.iter().find(|(k, n, _)| *k == kind && n == name) {
                row.waiting_for = waiting.clone();
            }
            if filter.keeps(&row) {
                objects.push(row);
            }
        }
    }
    Ok(Dashboard {
        branch,
        commit,
        waiting: member.is_some(),
        member,
        halts,
        objects,
    })
}

fn kind_name<S: serde::Serializer>(kind: &Kind, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(kind.as_str())
}

fn row(kind: Kind, name: &str, status: &ObjectStatus) -> Row {
    let standing = if status.holds("Invalid") {
        Standing::Invalid
    } else if status.holds("Ready") {
        Standing::Done
    } else if status.holds("Overdue") {
        Standing::Overdue
    } else if status.holds("Blocked") {
        Standing::Blocked
    } else {
        Standing::Moving
    };
    let blocked_by = status
        .next
        .first()
        .and_then(|n| Some(format!("to `{}`: {}", n.phase, n.blocked_by.first()?)));
    Row {
        kind,
        name: name.to_string(),
        phase: Some(status.phase.clone()),
        since: status.since,
        standing,
        blocked_by,
        waiting_for: Vec::new(),
    }
}

/// The member `who` names: a member id of some team, or (`me`) the member whose email the
/// person's git identity is.
fn member_of(repo: &GitRepo, loaded: &crate::load::Loaded, who: &Who) -> Result<String, Error> {
    let (catalog, _) = Catalog::build(&loaded.settings, &loaded.documents);
    match who {
        Who::Member(id) => {
            if catalog.teams_of(id).is_empty() {
                let ids = catalog.member_ids();
                let hint = crate::suggest::did_you_mean(id, ids.iter().copied())
                    .map(|h| format!("; {h}"))
                    .unwrap_or_default();
                return Err(Error::NotAMember(format!(
                    "`{id}` is not a member of any team{hint}"
                )));
            }
            Ok(id.clone())
        }
        Who::Me => {
            let email = repo.user_email()?.ok_or_else(|| {
                Error::NotAMember(
                    "git has no identity here: set it with `git config user.email you@example.com`, or name the member (`--waiting-for rita`)".into(),
                )
            })?;
            catalog
                .member_by_email(&email)
                .map(str::to_string)
                .ok_or_else(|| {
                    Error::NotAMember(format!(
                        "your git email `{email}` is no member's: add it to your member's `emails` in a Team, or name the member (`--waiting-for rita`)"
                    ))
                })
        }
    }
}

/// Per object, what of it waits for `member` in the plan of the committed tree: approvals
/// its ways out ask of them or of a team of theirs (unless they made the object's last
/// change: no self-approval), and manual tasks waiting for them.
fn waiting_for(
    loaded: &mut crate::load::Loaded,
    own_files: &crate::git::OwnFiles,
    facts: &crate::trust::facts::Facts,
    now: jiff::Timestamp,
    member: &str,
) -> Vec<(Kind, String, Vec<String>)> {
    let outcome = crate::pipeline::reconcile(
        crate::pipeline::Inputs::looking(loaded, own_files, facts, now),
        None,
    );
    let (catalog, _) = Catalog::build(&loaded.settings, &loaded.documents);
    let theirs = |who: &str| who == member || catalog.in_team(member, who);
    let mut out = Vec::new();
    for plan in outcome.plans.iter().filter(|p| !p.invalid) {
        // No self-approval: the author of the subject's last change is not asked.
        let changed_it_last = facts
            .changed
            .get(&plan.path)
            .and_then(|c| catalog.member_by_email(&c.author_email))
            == Some(member);
        let mut waiting: Vec<String> = plan
            .asks
            .iter()
            .filter(|_| !changed_it_last)
            .filter(|ask| ask.approvers.iter().any(|a| theirs(a)))
            .map(|ask| match ask.criterion {
                true => format!("criterion `{}`", ask.gate),
                false => format!("approval `{}`", ask.gate),
            })
            .collect();
        if let Some(view) = plan.tasks.as_ref().filter(|v| v.active) {
            let tasks =
                crate::tasks::phase_tasks(&catalog, plan.kind, &plan.name, view.plan.as_deref())
                    .unwrap_or_default();
            for task in tasks {
                let owned = task.owner.as_deref().is_some_and(&theirs);
                let waits = view.state(task.id.as_str()) == Some(crate::tasks::TaskState::Waiting);
                if owned && waits {
                    waiting.push(format!("task `{}`", task.id));
                }
            }
        }
        if !waiting.is_empty() {
            out.push((plan.kind, plan.name.clone(), waiting));
        }
    }
    out
}

impl Dashboard {
    /// The table: one object per line, what blocks it last.
    pub fn render_human(&self) -> String {
        let cells: Vec<[String; 5]> = self
            .objects
            .iter()
            .map(|r| {
                [
                    format!("{}/{}", r.kind, r.name),
                    r.phase.clone().unwrap_or_else(|| "-".into()),
                    r.since
                        .map_or_else(|| "-".into(), |s| s.strftime("%Y-%m-%d").to_string()),
                    r.standing.word().to_string(),
                    if self.waiting {
                        r.waiting_for.join(", ")
                    } else {
                        r.blocked_by.clone().unwrap_or_default()
                    },
                ]
            })
            .collect();
        let last = if self.waiting {
            "WAITING FOR YOU"
        } else {
            "WHAT BLOCKS IT"
        };
        let header = ["OBJECT", "PHASE", "SINCE", "STANDING", last];
        let width = |i: usize| {
            cells
                .iter()
                .map(|c| c[i].chars().count())
                .chain([header[i].len()])
                .max()
                .unwrap_or(0)
        };
        let widths = [width(0), width(1), width(2), width(3)];
        let line = |c: [&str; 5]| {
            let text = format!(
                "{:w0$}  {:w1$}  {:w2$}  {:w3$}  {}",
                c[0],
                c[1],
                c[2],
                c[3],
                c[4],
                w0 = widths[0],
                w1 = widths[1],
                w2 = widths[2],
                w3 = widths[3]
            );
            format!("{}\n", text.trim_end())
        };
        let mut out: String = self
            .halts
            .iter()
            .map(|h| format!("HALTED: {}\n", h.sentence(&h.on())))
            .collect();
        if !out.is_empty() {
            out.push('\n');
        }
        out.push_str(&line(header));
        for c in &cells {
            out.push_str(&line([&c[0], &c[1], &c[2], &c[3], &c[4]]));
        }
        let short = self.commit.get(..12).unwrap_or(&self.commit);
        out.push_str(&format!(
            "\n{} object{} on `{}` at {short}",
            self.objects.len(),
            if self.objects.len() == 1 { "" } else { "s" },
            self.branch
        ));
        if self
            .objects
            .iter()
            .any(|r| r.standing == Standing::NotReconciled)
        {
            out.push_str("; some are not reconciled yet (run `railyard reconcile`)");
        }
        out.push('\n');
        out
    }
}

impl Standing {
    /// The word the table shows.
    pub fn word(self) -> &'static str {
        match self {
            Standing::Done => "done",
            Standing::Overdue => "overdue",
            Standing::Blocked => "blocked",
            Standing::Invalid => "invalid",
            Standing::Moving => "-",
            Standing::NotReconciled => "not reconciled",
            Standing::Distrusted => "edited by hand",
        }
    }
}
