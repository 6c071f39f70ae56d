//! `railyard new`: a new manifest with what its kind needs to leave its first phase, filled
//! from a template, from the repository (environments, teams, the train's releases, the
//! tasks of the turnover it follows) and from flags. The file is written only when the
//! repository validates, never over a file, and is planned with the rest before the command
//! says it is done: a draft that does not validate is taken back.

mod itil;
mod release;
mod train;
mod turnover;

pub use itil::ItilOptions;
pub use release::ReleaseOptions;
pub use train::TrainOptions;
pub use turnover::TurnoverOptions;

use std::path::Path;

use serde_json::{Map, Value, json};

use crate::catalog::Catalog;
use crate::error::Error;
use crate::manifest::{Kind, Name};
use crate::plan::Plan;
use crate::reconcile::Worktree;

/// What to make.
#[derive(Clone, Debug)]
pub enum What {
    Train(TrainOptions),
    Release(ReleaseOptions),
    Turnover(TurnoverOptions),
    ItilRelease(ItilOptions),
}

/// The repository a draft is made from: its catalog and plan, and who is running railyard
/// (the member their git email names, when it names one).
pub struct Context<'a> {
    pub catalog: &'a Catalog<'a>,
    pub plan: &'a Plan,
    pub me: Option<String>,
}

/// A drafted manifest: its object, its spec (in the order it is written), and what was
/// filled in from where.
pub struct Drafted {
    pub kind: Kind,
    pub name: String,
    pub spec: Map<String, Value>,
    /// One line per thing taken from the repository or a template, e.g. "tasks from
    /// Turnover/2026-12-test (deployed on `test`)".
    pub filled: Vec<String>,
    /// A comment for the top of the file.
    pub header: String,
}

/// What `railyard new` wrote and what the object needs next.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Created {
    pub path: String,
    /// `ReleaseTrain/2027-01`.
    pub object: String,
    pub filled: Vec<String>,
    /// Its phase in the plan of the tree with it, and the phases it moves through there.
    pub phase: String,
    pub moves: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
    pub blocked_by: Vec<String>,
}

/// Drafts `what` in the release repository at `root`, writes it and plans it.
pub fn create(root: &Path, now: jiff::Timestamp, what: &What) -> Result<Created, Error> {
    let mut tree = Worktree::read(root)?;
    let plan = tree.validated_plan(now)?;
    let me = identity(root, &tree);
    let (path, text, drafted) = {
        let (catalog, _) = Catalog::build(&tree.loaded.settings, &tree.loaded.documents);
        let context = Context {
            catalog: &catalog,
            plan: &plan,
            me,
        };
        let drafted = match what {
            What::Train(options) => train::draft(&context, options)?,
            What::Release(options) => release::draft(&context, options)?,
            What::Turnover(options) => turnover::draft(&context, options)?,
            What::ItilRelease(options) => itil::draft(&context, options)?,
        };
        if let Some(problem) = Name::problem(&drafted.name) {
            return Err(Error::Refused(format!(
                "`{}` is not a valid name: {problem}",
                drafted.name
            )));
        }
        if let Some(existing) = catalog.document(drafted.kind, &drafted.name) {
            return Err(Error::Refused(format!(
                "{} `{}` already exists ({}); choose another name",
                drafted.kind, drafted.name, existing.path
            )));
        }
        let path = format!("{}/{}.yaml", folder(&catalog, drafted.kind), drafted.name);
        let text = render(root, &drafted, &path);
        (path, text, drafted)
    };
    crate::records::write_new(root, &path, &text)?;
    let mut after = Worktree::read(root)?;
    let planned = after.plan(now);
    if let Some(problem) = planned.first_error_in(&path) {
        let _ = std::fs::remove_file(root.join(&path));
        return Err(Error::Refused(format!(
            "the {} drafted does not validate with the repository ({}: {}): nothing was kept",
            drafted.kind,
            problem.code.as_str(),
            problem.message
        )));
    }
    let object = planned
        .objects
        .iter()
        .find(|o| o.kind == drafted.kind && o.name == drafted.name);
    let next = object.and_then(|o| o.status.next.first());
    Ok(Created {
        object: format!("{}/{}", drafted.kind, drafted.name),
        filled: drafted.filled,
        phase: object.map(|o| o.status.phase.clone()).unwrap_or_default(),
        moves: object
            .map(|o| o.transitions.iter().map(|t| t.to.to_string()).collect())
            .unwrap_or_default(),
        next: next.map(|n| n.phase.clone()),
        blocked_by: next.map(|n| n.blocked_by.clone()).unwrap_or_default(),
        path,
    })
}

impl Created {
    /// For people: what was written, from where, and what it needs next.
    pub fn render_human(&self) -> String {
        let mut out = format!("wrote {} ({})\n", self.path, self.object);
        for line in &self.filled {
            out.push_str(&format!("  {line}\n"));
        }
        if !self.moves.is_empty() {
            out.push_str(&format!(
                "once committed, the next reconcile moves it to `{}`\n",
                self.moves.join("` → `")
            ));
        }
        match (&self.next, self.blocked_by.is_empty()) {
            (Some(next), false) => {
                out.push_str(&format!(
                    "to go from `{}` to `{next}` it needs:\n",
                    self.phase
                ));
                for reason in &self.blocked_by {
                    out.push_str(&format!("  - {reason}\n"));
                }
            }
            _ => out.push_str(&format!("it starts in `{}`\n", self.phase)),
        }
        out.push_str(&format!(
            "review it, then commit it: `git add {0} && git commit {0}`\n",
            self.path
        ));
        out
    }
}

/// The member the person's git email names, when railyard runs inside a git repository
/// and exactly one member lists that email.
fn identity(root: &Path, tree: &Worktree) -> Option<String> {
    let email = crate::git::GitRepo::discover(root)
        .ok()?
        .user_email()
        .ok()??;
    let (catalog, _) = Catalog::build(&tree.loaded.settings, &tree.loaded.documents);
    match catalog.members_with_email(&email).as_slice() {
        [one] => Some(one.to_string()),
        _ => None,
    }
}

/// The folder new manifests of `kind` go to: where most of the existing ones are, else
/// the layout SPEC §1 names.
fn folder(catalog: &Catalog<'_>, kind: Kind) -> String {
    let mut counts: std::collections::BTreeMap<&str, usize> = Default::default();
    for name in catalog.names(kind) {
        if let Some(document) = catalog.document(kind, name) {
            let folder = document.path.rsplit_once('/').map_or("", |(dir, _)| dir);
            *counts.entry(folder).or_default() += 1;
        }
    }
    let most = counts
        .iter()
        .max_by_key(|(folder, count)| (**count, std::cmp::Reverse(**folder)))
        .map(|(folder, _)| folder.to_string());
    match most {
        Some(folder) if !folder.is_empty() => folder,
        Some(_) => ".".to_string(),
        None => match kind {
            Kind::ReleaseTrain => "trains",
            Kind::Turnover => "turnovers",
            _ => "releases",
        }
        .to_string(),
    }
}

/// The manifest's text: a schema modeline, the header, and the object.
fn render(root: &Path, drafted: &Drafted, path: &str) -> String {
    let mut text = crate::records::modeline(root, drafted.kind, path);
    for line in drafted.header.lines() {
        text.push_str(&format!("# {line}\n"));
    }
    let object = json!({
        "apiVersion": "railyard/v1",
        "kind": drafted.kind.as_str(),
        "metadata": {"name": drafted.name},
        "spec": Value::Object(drafted.spec.clone()),
    });
    text.push_str(&crate::yaml_out::to_yaml(&object));
    text
}

/// `name` of `kind` when it exists; otherwise why not, with the closest name.
fn existing(catalog: &Catalog<'_>, kind: Kind, name: &str, flag: &str) -> Result<String, Error> {
    if catalog.exists(kind, name) {
        return Ok(name.to_string());
    }
    let hint = crate::suggest::did_you_mean(name, catalog.names(kind))
        .map(|h| format!(" ({h})"))
        .unwrap_or_default();
    Err(Error::Refused(format!(
        "{flag}: there is no {kind} `{name}`{hint}"
    )))
}

/// `member` when some team lists it; otherwise why not.
fn member(catalog: &Catalog<'_>, member: &str, flag: &str) -> Result<String, Error> {
    if !catalog.teams_of(member).is_empty() {
        return Ok(member.to_string());
    }
    let ids = catalog.member_ids();
    let hint = crate::suggest::did_you_mean(member, ids.iter().copied())
        .map(|h| format!(" ({h})"))
        .unwrap_or_default();
    Err(Error::Refused(format!(
        "{flag}: `{member}` is not a member of any team{hint}"
    )))
}

/// The name given, or why one is needed.
fn named(name: Option<&str>, what: &str) -> Result<String, Error> {
    name.map(str::to_string)
        .ok_or_else(|| Error::Refused(format!("name the new {what}: `railyard new {what} NAME`")))
}
