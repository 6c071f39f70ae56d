//! Checks beyond the schema: names and references between objects, task and release
//! dependency graphs, workflows, schedules, reservations and the promotion path. Each check
//! reports every problem it finds as a located diagnostic with a code of its own.

pub(crate) mod records;
mod references;
mod schedule;
mod task_graph;
mod times;
mod workflows;

use std::collections::BTreeMap;

use crate::catalog::{Catalog, Item};
use crate::diagnostics::{Code, Diagnostic};
use crate::manifest::{Id, Kind};
use crate::suggest;

/// Runs every check over the catalog: the checks read the catalog only, so they run side by
/// side; their diagnostics come out in the same order as one after the other.
pub fn run(catalog: &Catalog<'_>) -> Vec<Diagnostic> {
    run_with(catalog, None)
}

/// What a watcher keeps of the checks between rounds.
#[derive(Default)]
pub struct ChecksMemo {
    pub turnovers: task_graph::TaskGraphMemo,
}

/// [`run`], with the findings of turnovers whose objects did not change taken from `memo`
/// (the same diagnostics, in the same order).
pub fn run_with(catalog: &Catalog<'_>, memo: Option<&mut ChecksMemo>) -> Vec<Diagnostic> {
    let each = |check: fn(&Catalog<'_>, &mut Vec<Diagnostic>)| {
        let mut out = Vec::new();
        check(catalog, &mut out);
        out
    };
    let tasks = || {
        let mut out = Vec::new();
        task_graph::check(catalog, &mut out, memo.map(|m| &mut m.turnovers));
        out
    };
    let ((references, task_graph), (workflows, schedule)) = rayon::join(
        || rayon::join(|| each(references::check), tasks),
        || rayon::join(|| each(workflows::check), || each(schedule::check)),
    );
    let keys = each(crate::trust::check_keys);
    let times = each(times::check);
    [references, task_graph, workflows, schedule, times, keys].concat()
}

/// "unknown environment `prod`", located at `pointer`, with a "did you mean".
fn unresolved<S>(
    item: &Item<'_, S>,
    pointer: &str,
    what: &str,
    name: &str,
    candidates: &[&str],
) -> Diagnostic {
    let hint = suggest::did_you_mean(name, candidates.iter().copied()).or_else(|| {
        (candidates.is_empty()).then(|| format!("the repository defines no {what} yet"))
    });
    item.error(
        Code::UnresolvedReference,
        pointer,
        format!("unknown {what} `{name}`"),
    )
    .with_label(format!("no {what} named `{name}`"))
    .with_hint_opt(hint)
}

/// Checks that `name` is an object of `kind`; reports it otherwise.
fn require<S>(
    catalog: &Catalog<'_>,
    item: &Item<'_, S>,
    pointer: &str,
    kind: Kind,
    name: &str,
    out: &mut Vec<Diagnostic>,
) -> bool {
    if catalog.exists(kind, name) {
        return true;
    }
    let what = kind_words(kind);
    out.push(unresolved(item, pointer, what, name, &catalog.names(kind)));
    false
}

/// Escapes a map key for a JSON pointer (RFC 6901).
fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

/// The member `id` must exist (in any team).
fn member<S>(
    c: &Catalog<'_>,
    item: &Item<'_, S>,
    pointer: &str,
    id: &str,
    out: &mut Vec<Diagnostic>,
) {
    if c.teams_of(id).is_empty() {
        out.push(unresolved(item, pointer, "member", id, &c.member_ids()));
    }
}

/// The words for a kind in a sentence.
fn kind_words(kind: Kind) -> &'static str {
    match kind {
        Kind::Config => "config",
        Kind::Team => "team",
        Kind::Environment => "environment",
        Kind::TrainTemplate => "train template",
        Kind::ReleaseTrain => "release train",
        Kind::ApplicationRelease => "application release",
        Kind::Turnover => "turnover",
        Kind::Release => "release",
        Kind::ReleaseModel => "release model",
        Kind::Workflow => "workflow",
        Kind::Approval => "approval",
        Kind::TaskReport => "task report",
        Kind::Halt => "halt",
    }
}

/// Reports ids used twice in one list; `ids` are (id, JSON pointer of the id).
fn unique_ids<S>(item: &Item<'_, S>, what: &str, ids: &[(&Id, String)], out: &mut Vec<Diagnostic>) {
    let just_ids: Vec<&Id> = ids.iter().map(|(id, _)| *id).collect();
    unique_ids_at(item, what, &just_ids, |i| ids[i].1.clone(), out);
}

/// [`unique_ids`] for ids whose pointers (`pointer` of each one's place) are made only for
/// a diagnostic: a turnover's tasks, hundreds of thousands in a large repository.
fn unique_ids_at<S>(
    item: &Item<'_, S>,
    what: &str,
    ids: &[&Id],
    pointer: impl Fn(usize) -> String,
    out: &mut Vec<Diagnostic>,
) {
    let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
    for (at, id) in ids.iter().enumerate() {
        match seen.get(id.as_str()) {
            Some(&first) => out.push(
                item.error(
                    Code::DuplicateId,
                    &pointer(at),
                    format!("{what} id `{id}` is used twice"),
                )
                .with_label("used again here")
                .with_related(
                    item.path(),
                    item.span(&pointer(first)),
                    "first used here",
                ),
            ),
            None => {
                seen.insert(id.as_str(), at);
            }
        }
    }
}

#[cfg(test)]
pub(crate) mod testing {
    //! Runs the whole validation on in-memory files, for the checks' tests.
    use crate::diagnostics::Diagnostic;
    use crate::load::{Content, RawFile, Settings};

    /// Every diagnostic of a repository made of `files` as (path, text).
    pub fn diagnostics(files: &[(&str, &str)]) -> Vec<Diagnostic> {
        let raw = files
            .iter()
            .map(|(path, text)| RawFile {
                path: (*path).to_string(),
                content: Content::Bytes(text.as_bytes().to_vec()),
                again: None,
            })
            .collect();
        let loaded = crate::load::parse_files(Settings::default(), None, raw);
        crate::validate::check_loaded(&loaded, None)
    }

    /// The codes and messages of those diagnostics.
    pub fn codes(files: &[(&str, &str)]) -> Vec<(&'static str, String)> {
        diagnostics(files)
            .into_iter()
            .map(|d| (d.code.as_str(), d.message))
            .collect()
    }

    /// A small valid repository that tests add to.
    pub const BASE: &str = r#"
apiVersion: railyard/v1
kind: Team
metadata: {name: release-managers}
spec:
  members:
    - {id: rita, emails: [rita@example.com]}
---
apiVersion: railyard/v1
kind: Team
metadata: {name: release-engineers}
spec:
  members:
    - {id: eve, emails: [eve@example.com]}
---
apiVersion: railyard/v1
kind: Team
metadata: {name: developers}
spec:
  members:
    - {id: dan, emails: [dan@example.com]}
---
apiVersion: railyard/v1
kind: Environment
metadata: {name: test}
spec: {tier: test, promotesTo: production}
---
apiVersion: railyard/v1
kind: Environment
metadata: {name: production}
spec: {tier: production}
---
apiVersion: railyard/v1
kind: ReleaseTrain
metadata: {name: q4}
spec:
  type: minor
  manager: rita
  schedule: {start: 2026-10-01, end: 2026-12-31}
  environments: [{name: test}, {name: production}]
  gates:
    scoping:
      criteria:
        - {id: scope-agreed, description: Scope agreed}
---
apiVersion: railyard/v1
kind: ApplicationRelease
metadata: {name: web-2}
spec: {train: q4, application: web, version: "2.0"}
"#;
}
