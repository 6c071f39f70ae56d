//! The plan of a reconcile: what each object would do, what blocks it, who would be told, and
//! which status files would change. Rendered as JSON (SPEC §7), for people, and as Markdown
//! for a GitHub job summary.

use std::collections::BTreeMap;
use std::fmt::Write;

use serde::Serialize;
use serde_json::Value;

use crate::diagnostics::{self, Diagnostic};
use crate::engine::ObjectPlan;

/// A reconcile's plan.
#[derive(Debug)]
pub struct Plan {
    /// The revision reconciled (`working-tree` for uncommitted files).
    pub revision: String,
    /// The halts in force: the plan starts with them.
    pub halts: Vec<crate::halts::Halt>,
    pub objects: Vec<std::sync::Arc<ObjectPlan>>,
    pub diagnostics: Vec<Diagnostic>,
    /// Status files that would change: (path, `create` | `update` | `delete`).
    pub changes: Vec<(String, String)>,
    /// False when approvals and reports were counted by their `by` field (no git history).
    pub verified: bool,
    /// `trust.signatures`: whether authorship was taken from author emails alone.
    pub signatures: crate::manifest::SignatureMode,
    /// railyard's own files that someone else changed last (they are recomputed).
    pub warnings: Vec<String>,
    /// Who the notifications reach ([`Plan::messages`]).
    pub directory: crate::notify::Directory,
    /// `Config.repositoryUrl`, for the messages' links.
    pub repository_url: Option<String>,
}

/// `reconcile --format json`.
#[derive(Serialize)]
pub struct JsonPlan<'a> {
    revision: &'a str,
    /// The halts in force ([`crate::halts::Halt`]).
    halts: &'a [crate::halts::Halt],
    objects: Vec<JsonObject<'a>>,
    diagnostics: Value,
    changes: Vec<JsonChange<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JsonObject<'a> {
    kind: &'a str,
    name: &'a str,
    phase: &'a str,
    transitions: Vec<JsonTransition<'a>>,
    blocked_by: Vec<JsonBlocked<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tasks: Option<JsonTasks<'a>>,
    notifications: Vec<JsonNotification<'a>>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    invalid: bool,
}

#[derive(Serialize)]
struct JsonTransition<'a> {
    from: &'a str,
    to: &'a str,
    reason: &'a str,
}

#[derive(Serialize)]
struct JsonBlocked<'a> {
    to: &'a str,
    reasons: &'a [String],
}

#[derive(Serialize)]
struct JsonTasks<'a> {
    order: &'a [crate::manifest::Id],
    waves: JsonWaves<'a>,
    states: BTreeMap<&'a crate::manifest::Id, crate::tasks::TaskState>,
}

/// A task view's waves as lists of ids, written as they are serialized (a plan of many
/// turnovers would otherwise hold them twice).
struct JsonWaves<'a>(&'a crate::tasks::TasksView);

impl Serialize for JsonWaves<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq;
        let view = self.0;
        let mut waves = serializer.serialize_seq(Some(view.waves().len()))?;
        for wave in view.waves() {
            waves.serialize_element(&view.ids(wave).collect::<Vec<_>>())?;
        }
        waves.end()
    }
}

#[derive(Serialize)]
struct JsonNotification<'a> {
    to: &'a str,
    event: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    gate: Option<&'a str>,
}

#[derive(Serialize)]
struct JsonChange<'a> {
    path: &'a str,
    action: &'a str,
}

/// The path of an object's status file.
pub fn status_path(status_dir: &str, kind: &str, name: &str) -> String {
    format!("{}/{kind}/{name}.yaml", status_dir.trim_end_matches('/'))
}

impl Plan {
    /// The notifications this reconcile would send, recipients resolved: made when asked
    /// (a plan of a hundred thousand objects would otherwise hold as many messages that
    /// only the Markdown plan reads).
    pub fn messages(&self) -> Vec<crate::notify::Message> {
        crate::notify::messages(
            &self.directory,
            &self.objects,
            self.repository_url.as_deref(),
        )
    }

    /// True when some diagnostic is an error.
    /// How many of its diagnostics are errors.
    pub fn error_count(&self) -> usize {
        self.diagnostics
            .iter()
            .filter(|d| d.severity == diagnostics::Severity::Error)
            .count()
    }

    /// The first error in the file at `path` (one railyard has just drafted).
    pub fn first_error_in(&self, path: &str) -> Option<&crate::diagnostics::Diagnostic> {
        self.diagnostics
            .iter()
            .find(|d| d.severity == diagnostics::Severity::Error && d.file == path)
    }

    pub fn has_errors(&self) -> bool {
        self.diagnostics
            .iter()
            .any(|d| d.severity == diagnostics::Severity::Error)
    }

    /// The JSON of SPEC §7, as a value that serializes straight to a writer (the plan of a
    /// large repository is never built as a JSON tree in memory).
    pub fn json(&self) -> JsonPlan<'_> {
        JsonPlan {
            revision: &self.revision,
            halts: &self.halts,
            objects: self
                .objects
                .iter()
                .map(|o| JsonObject {
                    kind: o.kind.as_str(),
                    name: &o.name,
                    phase: &o.status.phase,
                    transitions: o
                        .transitions
                        .iter()
                        .map(|t| JsonTransition {
                            from: &t.from,
                            to: &t.to,
                            reason: &t.reason,
                        })
                        .collect(),
                    blocked_by: o
                        .status
                        .next
                        .iter()
                        .map(|n| JsonBlocked {
                            to: &n.phase,
                            reasons: &n.blocked_by,
                        })
                        .collect(),
                    tasks: o.tasks.as_ref().map(|t| JsonTasks {
                        order: &t.order,
                        waves: JsonWaves(t),
                        states: t.states_by_id(),
                    }),
                    notifications: o
                        .notifications
                        .iter()
                        .map(|n| JsonNotification {
                            to: &n.to,
                            event: &n.event,
                            gate: n.gate.as_deref(),
                        })
                        .collect(),
                    invalid: o.invalid,
                })
                .collect(),
            diagnostics: diagnostics::to_json(&self.diagnostics),
            changes: self
                .changes
                .iter()
                .map(|(path, action)| JsonChange { path, action })
                .collect(),
        }
    }

    /// The plan for people: a table of every object, then the details of what moves or is
    /// blocked.
    pub fn render_human(&self) -> String {
        let mut out = String::new();
        let _ = self.write_human(&mut out);
        out
    }

    /// [`Plan::render_human`] written as it is made: a plan of a hundred thousand objects is
    /// some thirty megabytes of text, which `reconcile --dry-run` streams to its output
    /// instead of holding it whole.
    pub fn write_human(&self, out: &mut impl Write) -> std::fmt::Result {
        for halt in &self.halts {
            writeln!(out, "HALTED: {}", halt.sentence(&halt.on()))?;
        }
        if !self.halts.is_empty() {
            out.write_char('\n')?;
        }
        self.human_table(out)?;
        for o in &self.objects {
            if o.transitions.is_empty()
                && o.status.next.is_empty()
                && o.notifications.is_empty()
                && !o.invalid
            {
                continue;
            }
            human_detail(o, out)?;
        }
        if !self.verified {
            out.write_str("\nnote: no git history: approvals and task reports were counted by their `by` field, authorship not verified\n")?;
        } else if self.signatures == crate::manifest::SignatureMode::Off {
            out.write_str("\nnote: authorship was taken from commit author emails, which anyone can set; `trust.signatures` makes signatures count\n")?;
        }
        let moved = self
            .objects
            .iter()
            .filter(|o| !o.transitions.is_empty())
            .count();
        let transitions: usize = self.objects.iter().map(|o| o.transitions.len()).sum();
        writeln!(
            out,
            "\n{} object{}, {transitions} transition{} in {moved}; {} file{} railyard writes would change{}",
            self.objects.len(),
            if self.objects.len() == 1 { "" } else { "s" },
            if transitions == 1 { "" } else { "s" },
            self.changes.len(),
            if self.changes.len() == 1 { "" } else { "s" },
            if self.has_errors() {
                "; the manifests have errors (see `railyard validate`)"
            } else {
                ""
            }
        )
    }

    /// One row per object: its phase, where it moved from, and whether it is blocked. The
    /// columns' widths are measured in a first pass, then each row is written.
    fn human_table(&self, out: &mut impl Write) -> std::fmt::Result {
        fn moved(o: &ObjectPlan) -> Option<&str> {
            o.transitions.first().map(|t| t.from.as_str())
        }
        let state = |o: &ObjectPlan| {
            if o.invalid {
                "INVALID"
            } else if o.status.holds("Overdue") {
                "overdue"
            } else if o.status.holds("Blocked") {
                "blocked"
            } else {
                ""
            }
        };
        let (mut w0, mut w1, mut w2) = ("OBJECT".len(), "PHASE".len(), "MOVED".len());
        for o in &self.objects {
            w0 = w0.max(o.kind.as_str().chars().count() + 1 + o.name.chars().count());
            w1 = w1.max(o.status.phase.chars().count());
            // "← " and the phase moved from.
            w2 = w2.max(moved(o).map_or(0, |from| 2 + from.chars().count()));
        }
        writeln!(
            out,
            "{:w0$}  {:w1$}  {:w2$}  STATE",
            "OBJECT", "PHASE", "MOVED"
        )?;
        let mut line = String::new();
        for o in &self.objects {
            line.clear();
            let object = format!("{}/{}", o.kind, o.name);
            let moved = moved(o).map(|from| format!("← {from}")).unwrap_or_default();
            let _ = write!(
                line,
                "{object:w0$}  {:w1$}  {moved:w2$}  {}",
                o.status.phase,
                state(o)
            );
            writeln!(out, "{}", line.trim_end())?;
        }
        Ok(())
    }

    /// The plan as Markdown, for `$GITHUB_STEP_SUMMARY` and pull-request comments.
    pub fn render_markdown(&self) -> String {
        let mut out = format!(
            "## railyard plan ({})\n\n{}| object | phase | moves | blocked by |\n|---|---|---|---|\n",
            self.revision,
            crate::halts::banner(&self.halts)
        );
        use crate::escape::{code, markdown};
        for o in &self.objects {
            let moves = o
                .transitions
                .iter()
                .map(|t| format!("{} → {}", t.from, t.to))
                .collect::<Vec<_>>()
                .join(", ");
            let blocked = if o.invalid {
                "❌ invalid".to_string()
            } else {
                o.status
                    .next
                    .first()
                    .and_then(|n| n.blocked_by.first())
                    .map(|r| markdown(r))
                    .unwrap_or_default()
            };
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} |",
                code(&format!("{}/{}", o.kind, o.name), true),
                markdown(&o.status.phase),
                markdown(&moves),
                blocked
            );
        }
        let notifications: Vec<String> = self
            .messages()
            .iter()
            .map(|m| {
                let what = crate::notify::describe(
                    &m.event,
                    &m.phase,
                    m.task.as_deref().or(m.gate.as_deref()),
                );
                let to = crate::notify::mentions(m);
                let to = if to.is_empty() {
                    "nobody".to_string()
                } else {
                    to
                };
                format!(
                    "- {} — {} {}",
                    markdown(&to),
                    code(&format!("{}/{}", m.subject.kind, m.subject.name), false),
                    markdown(&what)
                )
            })
            .collect();
        if !notifications.is_empty() {
            out.push_str("\n### Notifications\n\n");
            out.push_str(&notifications.join("\n"));
            out.push('\n');
        }
        if !self.warnings.is_empty() {
            out.push_str("\n### Warnings\n\n");
            for warning in &self.warnings {
                // One line each, and no HTML: the text names people's emails and paths.
                let _ = writeln!(out, "- {}", markdown(warning));
            }
        }
        if !self.changes.is_empty() {
            out.push_str("\n### Status files\n\n");
            for (path, action) in &self.changes {
                let _ = writeln!(out, "- {action} {}", code(path, false));
            }
        }
        out
    }

    /// One object explained: phase, history, and each way out with what holds and what not.
    pub fn explain(&self, kind: &str, name: &str) -> Option<String> {
        let o = self
            .objects
            .iter()
            .find(|o| o.kind.as_str() == kind && o.name == name)?;
        let mut out = format!(
            "{}/{} ({})\nphase: {}",
            o.kind, o.name, o.path, o.status.phase
        );
        if let Some(since) = o.status.since {
            let _ = write!(out, " since {since}");
        }
        out.push('\n');
        for c in o.status.conditions.iter().filter(|c| c.status == "True") {
            let _ = writeln!(out, "condition {}: {}", c.kind, c.message);
        }
        if !o.status.history.is_empty() {
            out.push_str("history:\n");
            for h in &o.status.history {
                let _ = writeln!(out, "  {} {} → {}: {}", h.at, h.from, h.to, h.reason);
            }
        }
        if o.invalid {
            out.push_str("ways out: unknown until the manifest's errors are fixed (run `railyard validate`)\n");
        } else if o.ways_out.is_empty() {
            out.push_str("ways out: none (terminal phase)\n");
        } else {
            out.push_str("ways out:\n");
            for way in &o.ways_out {
                let verdict = if way.missing.is_empty() {
                    "open"
                } else {
                    "blocked"
                };
                let _ = writeln!(out, "  to {} ({verdict}):", way.to);
                for held in &way.held {
                    let _ = writeln!(out, "    ✓ {held}");
                }
                for missing in &way.missing {
                    let _ = writeln!(out, "    ✗ {missing}");
                }
            }
        }
        if let Some(tasks) = &o.tasks {
            out.push_str("tasks:\n");
            for (wave, places) in tasks.waves().enumerate() {
                let listed: Vec<String> = places
                    .iter()
                    .map(|&k| {
                        let k = k as usize;
                        format!("{} ({})", tasks.order[k], tasks.states[k].as_str())
                    })
                    .collect();
                let _ = writeln!(out, "  wave {}: {}", wave + 1, listed.join(", "));
            }
            // What `--execute` saw of each run of this attempt.
            for id in &tasks.order {
                let Some(run) = o
                    .status
                    .runs
                    .get(id.as_str())
                    .filter(|r| r.attempt == tasks.attempt)
                else {
                    continue;
                };
                let mut line = format!("  run {id}: {}", run.state.as_str());
                if let Some(code) = run.exit_code {
                    line.push_str(&format!(", exit code {code}"));
                }
                if let Some(ms) = run.duration_ms {
                    line.push_str(&format!(", {ms} ms"));
                }
                if let Some(reason) = &run.reason {
                    line.push_str(&format!(": {reason}"));
                }
                let _ = writeln!(out, "{line}");
                if run.state == crate::tasks::RunState::Failed {
                    for output in run.output.iter().rev().take(5).rev() {
                        let _ = writeln!(out, "    | {output}");
                    }
                }
            }
        }
        Some(out)
    }
}

/// One object's transitions, conditions, what blocks it and whom it notifies.
fn human_detail(o: &ObjectPlan, out: &mut impl Write) -> std::fmt::Result {
    writeln!(
        out,
        "\n{}/{} — {} ({})",
        o.kind, o.name, o.status.phase, o.path
    )?;
    for t in &o.transitions {
        writeln!(out, "  → {} → {}: {}", t.from, t.to, t.reason)?;
    }
    for c in o
        .status
        .conditions
        .iter()
        .filter(|c| c.status == "True")
        .filter(|c| matches!(c.kind.as_str(), "Invalid" | "Overdue" | "Returned"))
    {
        writeln!(out, "  ! {}: {}", c.kind, c.message)?;
    }
    for n in &o.status.next {
        writeln!(out, "  to {} needs:", n.phase)?;
        for reason in &n.blocked_by {
            writeln!(out, "    - {reason}")?;
        }
    }
    for n in &o.notifications {
        match &n.gate {
            Some(gate) => writeln!(out, "  ✉ {} ({} {}: `{gate}`)", n.to, n.event, n.phase)?,
            None => writeln!(out, "  ✉ {} ({} {})", n.to, n.event, n.phase)?,
        }
    }
    Ok(())
}
