//! Notifications as railyard sends them (issue 8, first part): the engine says who should hear
//! what; this module turns that into messages — one per object, event and phase entry, with
//! a stable id, the recipients resolved to Team members (emails, GitHub handles), what is
//! needed next, a link, and a Slack-compatible `text` — and decides which sink takes which
//! message. Pure: plans and the catalog in, messages out; `deliver` sends them.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::Serialize;

use crate::catalog::Catalog;
use crate::engine::ObjectPlan;
use crate::manifest::{NotifyFilter, TeamSpec};

/// One notification, as a webhook receives it (`schemas/Notification.json`).
#[derive(Clone, Debug, PartialEq, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(
    title = "railyard notification",
    description = "The JSON body railyard POSTs to a webhook sink"
)]
pub struct Message {
    /// Stable: the same object, event and phase entry always give the same id (sent as the
    /// `Idempotency-Key` header too).
    pub id: String,
    /// `phase-entered` or `deadline-missed`.
    pub event: String,
    /// The object the notification is about.
    pub subject: Subject,
    /// The phase entered, or whose deadline was missed.
    pub phase: String,
    /// The task that waits for its owner (`task-waiting`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub task: Option<String>,
    /// The approval that is wanted (`approval-needed`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gate: Option<String>,
    /// When the object entered `phase`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<crate::manifest::Instant>")]
    pub since: Option<jiff::Timestamp>,
    /// The people to tell, resolved from teams and fields.
    pub recipients: Vec<Recipient>,
    /// What the object waits for next, one sentence each.
    pub next: Vec<String>,
    /// The object's file in the repository, when `Config.repositoryUrl` is set.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
    /// One line for chat: a Slack or Teams incoming webhook shows it as the message.
    pub text: String,
}

/// The object a notification is about.
#[derive(Clone, Debug, PartialEq, Serialize, JsonSchema)]
pub struct Subject {
    /// The object's kind.
    pub kind: String,
    /// The object's name.
    pub name: String,
    /// The manifest's path in the repository.
    pub path: String,
}

/// A Team member a notification goes to.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, JsonSchema)]
pub struct Recipient {
    /// The member's id.
    pub id: String,
    /// The member's name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The member's email addresses.
    pub emails: Vec<String>,
    /// The member's GitHub handle, for mentions.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub github: Option<String>,
}

/// The Team members notifications reach, team by team, made once from the catalog: messages
/// are worked out from plans and this alone, so that a plan can make them when something
/// asks (a pull request's Markdown, the outbox) long after the catalog is gone, and a plan
/// that nobody reads as messages never builds them.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Directory {
    teams: Vec<(String, Vec<Recipient>)>,
}

impl Directory {
    pub fn of(catalog: &Catalog<'_>) -> Directory {
        let teams = catalog
            .all::<TeamSpec>()
            .map(|team| {
                let members = team
                    .manifest
                    .spec
                    .members
                    .iter()
                    .map(|member| Recipient {
                        id: member.id.to_string(),
                        name: member.name.clone(),
                        emails: member.emails.clone(),
                        github: member
                            .github
                            .as_ref()
                            .map(|g| g.trim_start_matches('@').to_string()),
                    })
                    .collect();
                (team.name().to_string(), members)
            })
            .collect();
        Directory { teams }
    }

    /// The members a notification `to` names: every member of the team of that name, or
    /// the member with that id.
    fn members(&self, to: &str) -> impl Iterator<Item = &Recipient> {
        self.teams.iter().flat_map(move |(team, members)| {
            members
                .iter()
                .filter(move |member| team == to || member.id == to)
        })
    }
}

/// One message per event and phase (and task or gate) of a plan, and who it is for: the
/// engine lists one line per recipient.
type Groups<'p> = BTreeMap<(&'p str, &'p str, Option<&'p str>, Option<&'p str>), Vec<&'p str>>;

fn groups(plan: &ObjectPlan) -> Groups<'_> {
    let mut grouped: Groups<'_> = BTreeMap::new();
    for n in &plan.notifications {
        grouped
            .entry((
                n.event.as_str(),
                n.phase.as_str(),
                n.task.as_deref(),
                n.gate.as_deref(),
            ))
            .or_default()
            .push(n.to.as_str());
    }
    grouped
}

/// A sentence for each recipient of the plans' notifications that names no team and no
/// member (a warning of the plan, never a crash): nobody gets those.
pub fn unresolved(directory: &Directory, plans: &[std::sync::Arc<ObjectPlan>]) -> Vec<String> {
    let mut out = Vec::new();
    for plan in plans {
        for ((event, phase, _, _), to) in groups(plan) {
            for name in to {
                if directory.members(name).next().is_none() {
                    out.push(format!(
                        "{}/{}: `{event}` of `{phase}` is for `{name}`, which names no team and no member: nobody gets it",
                        plan.kind, plan.name
                    ));
                }
            }
        }
    }
    out
}

/// The messages of a reconcile's plans, recipients resolved, in the plans' order.
pub fn messages(
    directory: &Directory,
    plans: &[std::sync::Arc<ObjectPlan>],
    repository_url: Option<&str>,
) -> Vec<Message> {
    use rayon::prelude::*;
    // Each plan's messages on its own, on every core; then joined in the plans' order.
    let each: Vec<Vec<Message>> = plans
        .par_iter()
        .map(|plan| plan_messages(directory, plan, repository_url))
        .collect();
    let mut out = Vec::with_capacity(each.iter().map(Vec::len).sum());
    out.extend(each.into_iter().flatten());
    out
}

/// The messages of one plan.
fn plan_messages(
    directory: &Directory,
    plan: &ObjectPlan,
    repository_url: Option<&str>,
) -> Vec<Message> {
    let grouped = groups(plan);
    let mut out = Vec::with_capacity(grouped.len());
    for ((event, phase, task, gate), to) in grouped {
        let mut recipients: Vec<Recipient> = to
            .into_iter()
            .flat_map(|name| directory.members(name).cloned())
            .collect();
        recipients.sort();
        recipients.dedup();
        recipients.shrink_to_fit();
        let since = plan.status.since;
        let id = format!(
            "{}/{}#{event}@{phase}{}:{}",
            plan.kind,
            plan.name,
            task.or(gate).map(|t| format!("/{t}")).unwrap_or_default(),
            since.map_or_else(|| "unknown".to_string(), |s| s.to_string())
        );
        let link = repository_url.map(|u| {
            format!(
                "{}/{}",
                u.trim_end_matches('/'),
                crate::escape::url_path(&plan.path)
            )
        });
        let mut next =
            Vec::with_capacity(plan.status.next.iter().map(|n| n.blocked_by.len()).sum());
        for n in &plan.status.next {
            next.extend(
                n.blocked_by
                    .iter()
                    .map(|b| format!("to `{}`: {b}", n.phase)),
            );
        }
        let what = describe(event, phase, task.or(gate));
        // Slack's markup: names and reasons escaped, the link (percent-encoded) kept.
        let slack = crate::escape::slack;
        let mut text = format!("*{}/{}* {}", plan.kind, slack(&plan.name), slack(&what));
        if let Some(first) = next.first() {
            text.push_str(&format!(" — next {}", slack(first)));
        }
        if let Some(link) = &link {
            text.push_str(&format!(" <{link}>"));
        }
        out.push(Message {
            id,
            event: event.to_string(),
            subject: Subject {
                kind: plan.kind.to_string(),
                name: plan.name.clone(),
                path: plan.path.clone(),
            },
            phase: phase.to_string(),
            task: task.map(str::to_string),
            gate: gate.map(str::to_string),
            since,
            recipients,
            next,
            link,
            text,
        });
    }
    out
}

/// What happened, in a few words: `entered \`deploying\``, `failed (entered \`failed\`)`….
/// `about` is the task of `task-waiting` or the approval of `approval-needed`.
pub fn describe(event: &str, phase: &str, about: Option<&str>) -> String {
    match (event, about) {
        ("approval-needed", Some(gate)) => {
            return format!("needs approval `{gate}` to leave `{phase}`");
        }
        (_, Some(task)) => return format!("has task `{task}` waiting for its owner in `{phase}`"),
        _ => {}
    }
    match event {
        "deadline-missed" => format!("missed the deadline of `{phase}`"),
        "approval-needed" => format!("needs an approval to leave `{phase}`"),
        "status-tampered" => format!("had its status edited by hand (in `{phase}`; recomputed)"),
        "phase-entered" => format!("entered `{phase}`"),
        other => format!("entered `{phase}` ({other})"),
    }
}

/// Whether a sink with `filter` takes `message` (of an object with `labels`): every list
/// the filter gives must match.
pub fn accepts(
    filter: Option<&NotifyFilter>,
    message: &Message,
    labels: &BTreeMap<String, String>,
) -> bool {
    let Some(filter) = filter else {
        return true;
    };
    (filter.events.is_empty() || filter.events.contains(&message.event))
        && (filter.kinds.is_empty() || filter.kinds.contains(&message.subject.kind))
        && filter.labels.iter().all(|(k, v)| labels.get(k) == Some(v))
}

/// `status-tampered`: the release managers (the team that holds that role) hear that an
/// object's status file was edited by hand (railyard recomputes and overwrites it).
pub fn hand_edits(
    settings: &crate::load::Settings,
    plans: &mut [std::sync::Arc<ObjectPlan>],
    edited: &[(crate::manifest::Kind, String)],
) {
    if edited.is_empty() {
        return;
    }
    let team = settings.team_for_role("release-managers").to_string();
    let edited: std::collections::BTreeSet<(crate::manifest::Kind, &str)> =
        edited.iter().map(|(k, n)| (*k, n.as_str())).collect();
    for plan in plans.iter_mut() {
        if edited.contains(&(plan.kind, plan.name.as_str())) {
            // A plan the engine's memo shares is copied before it changes.
            let plan = std::sync::Arc::make_mut(plan);
            plan.notifications.push(crate::engine::Notification {
                to: team.as_str().into(),
                event: "status-tampered".into(),
                phase: plan.status.phase.as_str().into(),
                task: None,
                gate: None,
            });
        }
    }
}

/// `@handle` mentions of the recipients that have one, else their ids.
pub fn mentions(message: &Message) -> String {
    message
        .recipients
        .iter()
        .map(|r| match &r.github {
            Some(handle) => format!("@{handle}"),
            None => format!("`{}`", r.id),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Notification;
    use crate::load::{Content, RawFile, Settings};
    use crate::manifest::Kind;

    const TEAMS: &str = r#"apiVersion: railyard/v1
kind: Team
metadata: {name: release-engineers}
spec: {members: [{id: eve, name: Eve, emails: [eve@x], github: eve-gh}, {id: raj, emails: [raj@x]}]}
"#;

    fn plan(notifications: &[(&str, &str, &str)]) -> std::sync::Arc<ObjectPlan> {
        std::sync::Arc::new(ObjectPlan {
            ways_out: Vec::new(),
            asks: Vec::new(),
            kind: Kind::Turnover,
            name: "t1".into(),
            path: "turnovers/t1.yaml".into(),
            status: crate::status::ObjectStatus {
                phase: "awaiting-acceptance".into(),
                since: "2026-11-25T12:00:00Z".parse().ok(),
                next: vec![crate::status::NextStep {
                    phase: "ready".into(),
                    blocked_by: vec![
                        "approval `acceptance` needs 1 of team `release-engineers`".into(),
                    ],
                }],
                ..Default::default()
            },
            transitions: Vec::new(),
            notifications: notifications
                .iter()
                .map(|&(to, event, phase)| Notification {
                    to: to.into(),
                    event: event.into(),
                    phase: phase.into(),
                    task: None,
                    gate: None,
                })
                .collect(),
            tasks: None,
            invalid: false,
        })
    }

    fn with_directory(run: impl FnOnce(&Directory)) {
        let files = vec![RawFile {
            path: "teams.yaml".into(),
            content: Content::Bytes(TEAMS.as_bytes().to_vec()),
            again: None,
        }];
        let loaded = crate::load::parse_files(Settings::default(), None, files);
        let (catalog, _) = Catalog::build(&loaded.settings, &loaded.documents);
        run(&Directory::of(&catalog));
    }

    #[test]
    fn one_message_per_event_with_members_resolved_and_a_stable_id() {
        with_directory(|directory| {
            let plans = [plan(&[
                ("release-engineers", "phase-entered", "awaiting-acceptance"),
                ("eve", "phase-entered", "awaiting-acceptance"),
                ("ghosts", "phase-entered", "awaiting-acceptance"),
            ])];
            let messages = messages(directory, &plans, Some("https://git.example/releases/"));
            let unresolved = unresolved(directory, &plans);
            assert_eq!(messages.len(), 1);
            let m = &messages[0];
            assert_eq!(
                m.id,
                "Turnover/t1#phase-entered@awaiting-acceptance:2026-11-25T12:00:00Z"
            );
            let ids: Vec<&str> = m.recipients.iter().map(|r| r.id.as_str()).collect();
            assert_eq!(ids, ["eve", "raj"], "each member once");
            assert_eq!(mentions(m), "@eve-gh `raj`");
            assert_eq!(
                m.link.as_deref(),
                Some("https://git.example/releases/turnovers/t1.yaml")
            );
            assert_eq!(
                m.text,
                "*Turnover/t1* entered `awaiting-acceptance` — next to `ready`: approval `acceptance` needs 1 of team `release-engineers` <https://git.example/releases/turnovers/t1.yaml>"
            );
            assert_eq!(unresolved.len(), 1);
            assert!(unresolved[0].contains("`ghosts`, which names no team and no member"));
            // The same plan gives the same id: a retried reconcile does not make a new one.
            assert_eq!(
                messages,
                super::messages(directory, &plans, Some("https://git.example/releases/"))
            );
        });
    }

    #[test]
    fn filters_match_events_kinds_and_labels() {
        with_directory(|directory| {
            let messages = messages(
                directory,
                &[plan(&[("eve", "deadline-missed", "awaiting-acceptance")])],
                None,
            );
            let m = &messages[0];
            assert!(
                m.text
                    .contains("missed the deadline of `awaiting-acceptance`")
            );
            let labels = BTreeMap::from([("team".to_string(), "payments".to_string())]);
            let filter =
                |events: &[&str], kinds: &[&str], label: Option<(&str, &str)>| NotifyFilter {
                    events: events.iter().map(|e| e.to_string()).collect(),
                    kinds: kinds.iter().map(|k| k.to_string()).collect(),
                    labels: label
                        .map(|(k, v)| BTreeMap::from([(k.to_string(), v.to_string())]))
                        .unwrap_or_default(),
                };
            assert!(accepts(None, m, &labels));
            assert!(accepts(
                Some(&filter(&["deadline-missed"], &[], None)),
                m,
                &labels
            ));
            assert!(!accepts(
                Some(&filter(&["phase-entered"], &[], None)),
                m,
                &labels
            ));
            assert!(accepts(
                Some(&filter(&[], &["Turnover"], Some(("team", "payments")))),
                m,
                &labels
            ));
            assert!(!accepts(Some(&filter(&[], &["Release"], None)), m, &labels));
            assert!(!accepts(
                Some(&filter(&[], &[], Some(("team", "web")))),
                m,
                &labels
            ));
        });
    }
}
