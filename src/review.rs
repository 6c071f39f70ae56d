//! The pull-request check (`reconcile --dry-run --rev HEAD --base main`): what a pull
//! request changes that trust depends on, found before it is merged. Pure: the caller reads
//! both trees and the changed paths from git.
//!
//! Errors, with their file: railyard's own files changed by the pull request
//! (`status-in-pull-request`) and records it deletes (`record-changed`; records it edits are
//! already `record-changed` from history). Warnings, for reviewers: who gains or loses the
//! power to approve (team members, their emails and signing keys), and changed workflows and
//! `railyard.yaml`.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::diagnostics::{Code, Diagnostic};
use crate::load::{Document, Loaded};
use crate::manifest::Kind;

/// What the pull request changes that reviewers must see.
#[derive(Debug, Default)]
pub struct Review {
    pub diagnostics: Vec<Diagnostic>,
    pub warnings: Vec<String>,
}

/// Reviews a pull request whose base tree is `base` and head tree is `head`, `changed`
/// being the files that differ: (path, in base, in head).
pub fn review(base: &Loaded, head: &Loaded, changed: &[(String, bool, bool)]) -> Review {
    let mut review = Review::default();
    own_files(base, head, changed, &mut review);
    deleted_records(base, changed, &mut review);
    teams(base, head, &mut review.warnings);
    changed_specs(base, head, Kind::Workflow, &mut review.warnings);
    changed_specs(base, head, Kind::Config, &mut review.warnings);
    review
}

/// railyard's own paths under either tree's settings.
fn own_files(base: &Loaded, head: &Loaded, changed: &[(String, bool, bool)], review: &mut Review) {
    let owns = |loaded: &Loaded, path: &str| {
        let settings = &loaded.settings;
        let dir = settings.status_dir.trim_end_matches('/');
        settings.is_page(path)
            || path
                .strip_prefix(dir)
                .is_some_and(|rest| rest.starts_with('/'))
    };
    for (path, before, after) in changed {
        if !owns(base, path) && !owns(head, path) {
            continue;
        }
        let what = match (before, after) {
            (false, _) => "adds",
            (_, false) => "deletes",
            _ => "changes",
        };
        review.diagnostics.push(
            Diagnostic::error(
                Code::StatusInPullRequest,
                path,
                None,
                format!("this pull request {what} `{path}`, which only railyard writes"),
            )
            .with_hint(
                "railyard commits status to the configured branch itself; drop this change from the pull request (`git checkout <base> -- <path>`, or `git rm` a file it adds)",
            ),
        );
    }
}

/// Records the base has that the pull request deletes.
fn deleted_records(base: &Loaded, changed: &[(String, bool, bool)], review: &mut Review) {
    let deleted: std::collections::BTreeSet<&str> = changed
        .iter()
        .filter(|(_, before, after)| *before && !*after)
        .map(|(path, _, _)| path.as_str())
        .collect();
    for document in &base.documents {
        let (Some(kind @ (Kind::Approval | Kind::TaskReport | Kind::Halt)), Some(name)) =
            (document.kind, document.name.as_deref())
        else {
            continue;
        };
        if deleted.contains(document.path.as_str()) {
            review.diagnostics.push(
                Diagnostic::error(
                    Code::RecordChanged,
                    &document.path,
                    None,
                    format!("this pull request deletes {kind} `{name}`; records are append-only"),
                )
                .with_hint(
                    "a decision is withdrawn by a new record (a reject, or a report of the next attempt), never by deleting one",
                ),
            );
        }
    }
}

/// One member as a team lists it: emails and signing keys.
#[derive(Default, PartialEq)]
struct Member {
    emails: Vec<String>,
    keys: Vec<String>,
}

/// team → member id → what it lists.
fn members(loaded: &Loaded) -> BTreeMap<String, BTreeMap<String, Member>> {
    let mut teams: BTreeMap<String, BTreeMap<String, Member>> = BTreeMap::new();
    for document in of_kind(loaded, Kind::Team) {
        let team = teams.entry(document.0.to_string()).or_default();
        let spec = document.1.root().to_json();
        for member in spec["spec"]["members"].as_array().into_iter().flatten() {
            let Some(id) = member["id"].as_str() else {
                continue;
            };
            let strings = |field: &str| -> Vec<String> {
                let mut list: Vec<String> = member[field]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect();
                list.sort();
                list
            };
            team.insert(
                id.to_string(),
                Member {
                    emails: strings("emails"),
                    keys: strings("signingKeys"),
                },
            );
        }
    }
    teams
}

fn of_kind(loaded: &Loaded, kind: Kind) -> impl Iterator<Item = (&str, &Document)> {
    loaded
        .documents
        .iter()
        .filter(move |d| d.kind == Some(kind))
        .filter_map(|d| Some((d.name.as_deref()?, d)))
}

/// Who joins or leaves a team, and whose emails or signing keys change: each changes who
/// may approve what that team approves.
fn teams(base: &Loaded, head: &Loaded, warnings: &mut Vec<String>) {
    let (before, after) = (members(base), members(head));
    let empty = BTreeMap::new();
    let names: std::collections::BTreeSet<&String> = before.keys().chain(after.keys()).collect();
    for team in names {
        let (was, is) = (
            before.get(team).unwrap_or(&empty),
            after.get(team).unwrap_or(&empty),
        );
        if !before.contains_key(team) {
            warnings.push(format!("this pull request adds team `{team}`"));
        } else if !after.contains_key(team) {
            warnings.push(format!("this pull request removes team `{team}`"));
        }
        for (id, member) in is {
            let Some(old) = was.get(id) else {
                warnings.push(format!(
                    "`{id}` joins team `{team}`: they may approve and own what `{team}` approves and owns"
                ));
                continue;
            };
            let gained = |old: &[String], new: &[String]| -> Vec<String> {
                new.iter().filter(|x| !old.contains(x)).cloned().collect()
            };
            for email in gained(&old.emails, &member.emails) {
                warnings.push(format!(
                    "`{id}` of team `{team}` gains the email `{email}`: commits under it count as theirs"
                ));
            }
            for email in gained(&member.emails, &old.emails) {
                warnings.push(format!("`{id}` of team `{team}` loses the email `{email}`"));
            }
            for key in gained(&old.keys, &member.keys) {
                warnings.push(format!(
                    "`{id}` of team `{team}` gains a signing key: {}",
                    key_name(&key)
                ));
            }
            for key in gained(&member.keys, &old.keys) {
                warnings.push(format!(
                    "`{id}` of team `{team}` loses a signing key: {}",
                    key_name(&key)
                ));
            }
        }
        for id in was.keys().filter(|id| !is.contains_key(*id)) {
            warnings.push(format!(
                "`{id}` leaves team `{team}`: their approvals for it no longer count"
            ));
        }
    }
}

/// A key by its fingerprint when it parses, else as written.
fn key_name(key: &str) -> String {
    crate::trust::Key::parse(key).map_or_else(|_| format!("`{key}`"), |k| k.fingerprint)
}

/// Objects of `kind` that the pull request adds, removes or changes (their `spec`).
fn changed_specs(base: &Loaded, head: &Loaded, kind: Kind, warnings: &mut Vec<String>) {
    let specs = |loaded: &Loaded| -> BTreeMap<String, (String, Value)> {
        of_kind(loaded, kind)
            .map(|(name, d)| {
                (
                    name.to_string(),
                    (d.path.clone(), d.root().to_json()["spec"].clone()),
                )
            })
            .collect()
    };
    let (before, after) = (specs(base), specs(head));
    let what = match kind {
        Kind::Config => "the settings",
        _ => "a workflow: its phases, gates and approvals decide what counts",
    };
    for (name, (path, spec)) in &after {
        match before.get(name) {
            None => warnings.push(format!(
                "this pull request adds {kind} `{name}` ({path}), {what}"
            )),
            Some((_, old)) if old != spec => {
                let fields = changed_fields(old, spec);
                warnings.push(format!(
                    "this pull request changes {kind} `{name}` ({path}{}), {what}",
                    if fields.is_empty() {
                        String::new()
                    } else {
                        format!(": {fields}")
                    }
                ));
            }
            Some(_) => {}
        }
    }
    for (name, (path, _)) in &before {
        if !after.contains_key(name) {
            warnings.push(format!(
                "this pull request removes {kind} `{name}` ({path}), {what}"
            ));
        }
    }
}

/// The top-level fields that differ between two specs, as `` `a`, `b` ``.
fn changed_fields(old: &Value, new: &Value) -> String {
    let (Some(old), Some(new)) = (old.as_object(), new.as_object()) else {
        return String::new();
    };
    let mut fields: Vec<&String> = old
        .keys()
        .chain(new.keys())
        .filter(|k| old.get(*k) != new.get(*k))
        .collect();
    fields.sort();
    fields.dedup();
    fields
        .iter()
        .map(|f| format!("`{f}`"))
        .collect::<Vec<_>>()
        .join(", ")
}
