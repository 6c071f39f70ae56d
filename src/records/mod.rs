//! Records written from the command line: `railyard approve` writes an `Approval`,
//! `railyard report` a `TaskReport`. Each takes who the person is from their git identity
//! (the author email git would give their next commit, mapped to a member), refuses with
//! the engine's own reason what would not count, writes the record at the path convention
//! of [`crate::codeowners`] (never over a file), commits that one file when asked, and says
//! what the record does to the plan.
//!
//! With `--commit` only the record is committed (`git commit --only`): whatever else is
//! staged stays staged and out of the commit. The commit is made by the `git` command, so
//! that the person's own identity, hooks and signing settings (`commit.gpgsign`) apply.

pub mod approve;
pub mod report;

use std::path::{Path, PathBuf};

use crate::catalog::Catalog;
use crate::engine::ObjectPlan;
use crate::error::Error;
use crate::git::{GitError, GitRepo};
use crate::manifest::Kind;
use crate::plan::Plan;
use crate::reconcile::Worktree;
use crate::trust::facts::{Commit, CommitInfo};

/// The person's view of the release repository: its working tree and plan, and the member
/// they are.
pub struct Desk {
    root: PathBuf,
    pub tree: Worktree,
    pub plan: Plan,
    /// The member the person's git email belongs to.
    pub member: String,
    pub email: String,
    now: jiff::Timestamp,
}

/// A record to write: where, its text, and what it says in a sentence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Draft {
    /// Relative to the release repository.
    pub path: String,
    pub text: String,
    /// The object the record is about.
    pub kind: Kind,
    pub name: String,
    /// `marco approves gate `train` of ReleaseTrain/2026-12`.
    pub says: String,
    /// The subject line of its commit.
    pub message: String,
}

/// What a written record does: the subject's phase before it and after it, and what still
/// blocks the subject's next step.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Effect {
    /// The record's path.
    pub path: String,
    /// What it says (`marco approves gate `train` of ReleaseTrain/2026-12`).
    pub says: String,
    /// The commit that holds it, with `--commit`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
    pub subject: String,
    /// The subject's phase in the plan without the record.
    pub phase: String,
    /// The phases the record moves it through (empty: it does not move yet).
    pub moves: Vec<String>,
    /// The way out the subject waits for next, and what it still lacks.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
    pub blocked_by: Vec<String>,
}

impl Desk {
    /// Opens the release repository at `root` for `command` (`approve`, `report`): a git
    /// repository, a person git can name who is one member, and manifests that validate.
    pub fn open(root: &Path, now: jiff::Timestamp, command: &'static str) -> Result<Desk, Error> {
        let repo = GitRepo::discover(root).map_err(|e| match e {
            GitError::NotARepository { path } => Error::RecordNeedsGit {
                command,
                path: path.display().to_string(),
            },
            e => e.into(),
        })?;
        let email = repo.user_email()?.ok_or_else(|| {
            Error::NotAMember(
                "git has no identity here: set it with `git config user.email you@example.com` (the email your member lists in its Team)".into(),
            )
        })?;
        let mut tree = Worktree::read(root)?;
        let member = {
            let (catalog, _) = Catalog::build(&tree.loaded.settings, &tree.loaded.documents);
            member_with_email(&catalog, &email)?
        };
        let plan = tree.validated_plan(now)?;
        Ok(Desk {
            root: root.to_path_buf(),
            tree,
            plan,
            member,
            email,
            now,
        })
    }

    /// The catalog of the working tree.
    pub fn catalog(&self) -> Catalog<'_> {
        Catalog::build(&self.tree.loaded.settings, &self.tree.loaded.documents).0
    }

    /// The plan of `kind/name`.
    pub fn object(&self, kind: Kind, name: &str) -> Option<&ObjectPlan> {
        self.plan
            .objects
            .iter()
            .map(std::sync::Arc::as_ref)
            .find(|o| o.kind == kind && o.name == name)
    }

    /// The member who made the last commit that changed `path`, when git knows one.
    pub fn last_changed_by(&self, path: &str) -> Option<(String, &Commit)> {
        let commit = self.tree.facts.changed.get(path)?;
        let member = self
            .catalog()
            .member_by_email(&commit.author_email)?
            .to_string();
        Some((member, commit))
    }

    /// The first free path and name for a record: `folder/<stem>.yaml` named
    /// `<name_stem>`, else with `-2`, `-3`… after both (an existing file is never replaced,
    /// and record names are unique per kind).
    pub fn free_place(
        &self,
        kind: Kind,
        folder: &str,
        stem: &str,
        name_stem: &str,
    ) -> (String, String) {
        let catalog = self.catalog();
        let name_stem = record_name(name_stem);
        let candidate = |n: u32| {
            let suffix = if n == 1 {
                String::new()
            } else {
                format!("-{n}")
            };
            // The suffix always fits: the stem gives way to it within the 63 characters.
            let room = 63 - suffix.len();
            let stem_part = record_name(&name_stem.chars().take(room).collect::<String>());
            (
                format!("{folder}/{stem}{suffix}.yaml"),
                format!("{stem_part}{suffix}"),
            )
        };
        // Ten thousand records of one person on one gate would be a repository of its own;
        // past them the last candidate stands, and writing it refuses an existing file.
        (1..=10_000)
            .map(candidate)
            .find(|(path, name)| {
                let path_taken = self.root.join(path).exists()
                    || self.tree.loaded.documents.iter().any(|d| &d.path == path);
                !path_taken && !catalog.exists(kind, name)
            })
            .unwrap_or_else(|| candidate(10_000))
    }

    /// The modeline of a record of `kind` at `path` ([`modeline`]).
    pub fn modeline(&self, kind: Kind, path: &str) -> String {
        modeline(&self.root, kind, path)
    }

    /// Writes `draft` as a new file (never over one), and with `commit` commits it alone;
    /// then plans the tree with it to say what it does.
    pub fn write(&mut self, draft: &Draft, commit: bool) -> Result<Effect, Error> {
        write_new(&self.root, &draft.path, &draft.text)?;
        // Planned first as the person's commit would make it: a record that does not
        // validate is taken back before anything is committed.
        let mut after = Worktree::read(&self.root)?;
        let by_them = Commit::new(CommitInfo {
            id: "(not committed)".into(),
            author_name: self.member.clone(),
            author_email: self.email.clone(),
            time: self.now,
            merge: false,
            own_only: false,
            signature: None,
        });
        after
            .facts
            .added
            .insert(draft.path.clone(), by_them.clone());
        after.facts.changed.insert(draft.path.clone(), by_them);
        let mut plan = after.plan(self.now);
        if let Some(problem) = plan.first_error_in(&draft.path) {
            let _ = std::fs::remove_file(self.root.join(&draft.path));
            return Err(Error::Internal(format!(
                "the record railyard drafted does not validate ({}), so it was not kept",
                problem.message
            )));
        }
        let commit_id = match commit {
            true => {
                let id = commit_only(&self.root, &draft.path, &draft.message, &self.email)?;
                // What the commit really holds (its author, its signature) counts now.
                plan = Worktree::read(&self.root)?.plan(self.now);
                Some(id)
            }
            false => None,
        };
        Ok(self.effect(draft, &plan, commit_id))
    }

    /// What `plan` (the tree with `draft` in it) says of the draft's subject, against the
    /// plan without it.
    fn effect(&self, draft: &Draft, plan: &Plan, commit: Option<String>) -> Effect {
        let before = self
            .object(draft.kind, &draft.name)
            .map(|o| o.status.phase.clone())
            .unwrap_or_default();
        let subject = plan
            .objects
            .iter()
            .find(|o| o.kind == draft.kind && o.name == draft.name);
        let moves = subject
            .filter(|o| o.status.phase != before)
            .and_then(|o| {
                let start = o.transitions.iter().position(|t| t.from == before)?;
                Some(
                    o.transitions[start..]
                        .iter()
                        .map(|t| t.to.to_string())
                        .collect(),
                )
            })
            .unwrap_or_default();
        let next = subject.and_then(|o| o.status.next.first());
        Effect {
            path: draft.path.clone(),
            says: draft.says.clone(),
            commit,
            subject: format!("{}/{}", draft.kind, draft.name),
            phase: before,
            moves,
            next: next.map(|n| n.phase.clone()),
            blocked_by: next.map(|n| n.blocked_by.clone()).unwrap_or_default(),
        }
    }
}

impl Effect {
    /// What the record does, for people: `after this commit, ReleaseTrain/2026-12 moves
    /// scoping → construction`, or what still blocks it.
    pub fn render_human(&self) -> String {
        let mut out = format!("wrote {}: {}\n", self.path, self.says);
        let when = match &self.commit {
            Some(id) => {
                out.push_str(&format!("committed it as {}\n", id.get(..12).unwrap_or(id)));
                "after this commit,".to_string()
            }
            None => "once it is committed,".to_string(),
        };
        match self.moves.is_empty() {
            true => out.push_str(&format!(
                "{when} {} stays in `{}`",
                self.subject, self.phase
            )),
            false => out.push_str(&format!(
                "{when} {} moves {} → {}",
                self.subject,
                self.phase,
                self.moves.join(" → ")
            )),
        }
        match (&self.next, self.blocked_by.is_empty()) {
            (Some(next), false) => {
                out.push_str(&format!("; to reach `{next}` it still needs:\n"));
                for reason in &self.blocked_by {
                    out.push_str(&format!("  - {reason}\n"));
                }
            }
            _ => out.push('\n'),
        }
        if self.commit.is_none() {
            out.push_str(&format!(
                "not committed yet: `git add {0} && git commit {0}` (or `--commit` next time)\n",
                self.path
            ));
        }
        out
    }
}

/// The modeline that points editors at `kind`'s schema from a new file at `path` of the
/// release repository at `root`: the nearest `schemas/<Kind>.json` in the release
/// repository or a folder above it inside the git work tree, else `schemas/` at the release
/// repository's top (where `railyard schema --out schemas` writes them).
pub(crate) fn modeline(root: &Path, kind: Kind, path: &str) -> String {
    let file = crate::schema::file_name(kind);
    let depth = path.matches('/').count();
    let mut up = 0;
    let mut folder = root.to_path_buf();
    let found = loop {
        if folder.join("schemas").join(&file).is_file() {
            break Some(up);
        }
        if folder.join(".git").exists() || !folder.pop() {
            break None;
        }
        up += 1;
    };
    format!(
        "# yaml-language-server: $schema={}schemas/{file}\n",
        "../".repeat(depth + found.unwrap_or(0))
    )
}

/// The one member whose Team lists `email`.
fn member_with_email(catalog: &Catalog<'_>, email: &str) -> Result<String, Error> {
    match catalog.members_with_email(email).as_slice() {
        [one] => Ok(one.to_string()),
        [] => Err(Error::NotAMember(format!(
            "your git email `{email}` is no member's: add it to your member's `emails` in a Team, or commit as the email your member lists"
        ))),
        many => Err(Error::NotAMember(format!(
            "your git email `{email}` is listed by {} members ({}): an email names one person; remove it from all but one",
            many.len(),
            many.iter()
                .map(|m| format!("`{m}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

/// `text` made a valid object name: lowercase, `-` for what a name cannot hold, at most 63
/// characters, starting and ending with a letter or digit.
fn record_name(text: &str) -> String {
    let mapped: String = text
        .chars()
        .map(|c| match c.to_ascii_lowercase() {
            c @ ('a'..='z' | '0'..='9' | '-') => c,
            _ => '-',
        })
        .collect();
    let mut name: String = mapped.chars().take(63).collect();
    while name.ends_with('-') {
        name.pop();
    }
    name.trim_start_matches('-').to_string()
}

/// Writes `text` to the new file `root/path` (folders made as needed); an existing file is
/// refused, and a failed write leaves no file behind.
pub(crate) fn write_new(root: &Path, path: &str, text: &str) -> Result<(), Error> {
    use std::io::Write;
    let full = root.join(path);
    let io = |e: std::io::Error| {
        Error::Load(crate::load::LoadError::Io {
            path: full.clone(),
            source: e,
        })
    };
    if let Some(parent) = full.parent() {
        std::fs::create_dir_all(parent).map_err(io)?;
    }
    let mut file = match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&full)
    {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            return Err(Error::Refused(format!(
                "{path} already exists (written meanwhile?): nothing was written"
            )));
        }
        Err(e) => return Err(io(e)),
    };
    if let Err(e) = file
        .write_all(text.as_bytes())
        .and_then(|()| file.sync_all())
    {
        drop(file);
        let _ = std::fs::remove_file(&full);
        return Err(io(e));
    }
    Ok(())
}

/// Commits the file at `path` alone, as the person (`git add`, then `git commit --only`):
/// other staged changes stay staged. Returns the new commit's id.
fn commit_only(root: &Path, path: &str, message: &str, email: &str) -> Result<String, Error> {
    let git = |args: &[&str]| -> Result<String, String> {
        let output = std::process::Command::new("git")
            .args(args)
            .current_dir(root)
            // The email railyard resolved is the author's, whatever git would add to it.
            .env("GIT_AUTHOR_EMAIL", email)
            .stdin(std::process::Stdio::null())
            .output()
            .map_err(|e| match e.kind() {
                std::io::ErrorKind::NotFound => {
                    "the `git` command is not installed (railyard commits with it so that your signing settings apply)".to_string()
                }
                _ => format!("cannot run git: {e}"),
            })?;
        if output.status.success() {
            Ok(String::from_utf8_lossy(&output.stdout).trim().to_string())
        } else {
            Err(String::from_utf8_lossy(&output.stderr).trim().to_string())
        }
    };
    let failed = |why: String| Error::CommitFailed {
        written: path.to_string(),
        why: format!("{why}; commit it yourself, or delete it"),
    };
    git(&["add", "--", path]).map_err(failed)?;
    settle_after_head(&git);
    if let Err(why) = git(&["commit", "--only", "-q", "-m", message, "--", path]) {
        // Leave the index as it was: the record stays written, untracked.
        let _ = git(&["rm", "-q", "--cached", "--", path]);
        return Err(failed(why));
    }
    git(&["rev-parse", "HEAD"]).map_err(failed)
}

/// The object `text` (`Kind/name`) names, of one of `kinds`; otherwise why not, with the
/// closest names.
fn subject(
    catalog: &Catalog<'_>,
    text: &str,
    kinds: &[crate::manifest::WorkflowKind],
) -> Result<(Kind, String), Error> {
    let kind_names: Vec<&str> = kinds.iter().map(|k| k.as_str()).collect();
    let Some((kind, name)) = text.split_once('/') else {
        let found: Vec<String> = kinds
            .iter()
            .filter_map(|k| k.as_str().parse::<Kind>().ok())
            .filter(|k| catalog.exists(*k, text))
            .map(|k| format!("`{k}/{text}`"))
            .collect();
        let hint = match found.is_empty() {
            true => format!("e.g. `{}/{text}`", kind_names[0]),
            false => format!("did you mean {}?", found.join(" or ")),
        };
        return Err(Error::Refused(format!(
            "`{text}` is not `Kind/name` ({hint})"
        )));
    };
    let Some(kind) = kinds
        .iter()
        .find(|k| k.as_str() == kind)
        .and_then(|k| k.as_str().parse::<Kind>().ok())
    else {
        let hint = crate::suggest::did_you_mean(kind, kind_names.iter().copied())
            .map(|h| format!("{h} "))
            .unwrap_or_default();
        return Err(Error::Refused(format!(
            "`{kind}` is not a kind this takes ({hint}the kinds: {})",
            kind_names.join(", ")
        )));
    };
    if !catalog.exists(kind, name) {
        let hint = crate::suggest::did_you_mean(name, catalog.names(kind))
            .map(|h| format!(" ({h})"))
            .unwrap_or_default();
        return Err(Error::Refused(format!("there is no {kind} `{name}`{hint}")));
    }
    Ok((kind, name.to_string()))
}

/// Waits, when the last commit was made this very second, until the next one: commit
/// times have whole seconds, and a record counts only when it is committed after what
/// made it due (a task's report after the report that made the task ready). A clock fixed
/// with `GIT_COMMITTER_DATE` is the caller's to order.
fn settle_after_head(git: &impl Fn(&[&str]) -> Result<String, String>) {
    if std::env::var_os("GIT_COMMITTER_DATE").is_some() {
        return;
    }
    let Some(head) = git(&["log", "-1", "--format=%ct"])
        .ok()
        .and_then(|t| t.parse::<i64>().ok())
    else {
        return;
    };
    let now = jiff::Timestamp::now();
    let wait = (head + 1) * 1000 - now.as_millisecond();
    if (1..=2000).contains(&wait) {
        std::thread::sleep(std::time::Duration::from_millis(wait.unsigned_abs()));
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn record_names_are_valid_names_with_room_for_a_suffix() {
        let long = "x".repeat(80);
        let name = super::record_name(&format!("{long}-gate-rita"));
        assert_eq!(name.len(), 63);
        assert!(crate::manifest::Name::problem(&name).is_none());
        assert_eq!(
            super::record_name("2026-12_Gate--Rita-"),
            "2026-12-gate--rita"
        );
        assert!(
            crate::manifest::Name::problem(&super::record_name("2026-12_Gate--Rita-")).is_none()
        );
    }
}
