//! Dependency diagrams as Graphviz DOT and Mermaid: a turnover's (or a release plan's) tasks
//! with their states, or a train's application releases with their phases. Nodes and edges
//! come out in declaration order, so the same input gives the same bytes.

use std::fmt::Write as _;

use crate::engine::ObjectPlan;
use crate::escape;
use crate::tasks::TasksView;

/// A node: its id as written, a second line (a title or a phase), and a state for the style.
#[derive(Clone, Debug, PartialEq)]
pub struct DiagramNode {
    pub id: String,
    pub detail: String,
    pub state: String,
    pub critical: bool,
}

/// A graph to draw; edges run from a dependency to what depends on it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Diagram {
    pub title: String,
    pub nodes: Vec<DiagramNode>,
    pub edges: Vec<(usize, usize)>,
}

impl Diagram {
    /// The task graph of a plan's object, with each task's state, in run order; `title`
    /// gives a task's title by id.
    pub fn from_tasks(
        title: &str,
        tasks: &TasksView,
        task_title: &dyn Fn(&str) -> String,
    ) -> Diagram {
        let nodes = tasks
            .tasks()
            .enumerate()
            .map(|(k, (id, state))| DiagramNode {
                id: id.to_string(),
                detail: task_title(id.as_str()),
                state: state.as_str().to_string(),
                critical: tasks.critical_path().contains(&(k as u32)),
            })
            .collect();
        let edges = (0..tasks.order.len())
            .flat_map(|k| tasks.dependencies(k).iter().map(move |&d| (d as usize, k)))
            .collect();
        Diagram {
            title: title.to_string(),
            nodes,
            edges,
        }
    }

    /// Application releases with their phases; `depends` gives each release's dependencies
    /// and `describe` its second line (the application and version).
    pub fn from_releases(
        title: &str,
        releases: &[&ObjectPlan],
        depends: &dyn Fn(&str) -> Vec<String>,
        describe: &dyn Fn(&str) -> String,
    ) -> Diagram {
        let nodes: Vec<DiagramNode> = releases
            .iter()
            .map(|r| DiagramNode {
                id: r.name.clone(),
                detail: describe(&r.name),
                state: if r.invalid {
                    "invalid".into()
                } else {
                    r.status.phase.clone()
                },
                critical: false,
            })
            .collect();
        let index = |name: &str| nodes.iter().position(|n| n.id == name);
        let edges = nodes
            .iter()
            .enumerate()
            .flat_map(|(i, n)| {
                depends(&n.id)
                    .iter()
                    .filter_map(|d| index(d))
                    .map(|d| (d, i))
                    .collect::<Vec<_>>()
            })
            .collect();
        Diagram {
            title: title.to_string(),
            nodes,
            edges,
        }
    }

    /// Graphviz DOT.
    pub fn to_dot(&self) -> String {
        let quote = |text: &str| format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""));
        let mut out = format!(
            "digraph {} {{\n  rankdir=LR;\n  node [shape=box, style=\"rounded,filled\", fontname=\"Helvetica\"];\n",
            quote(&self.title)
        );
        for node in &self.nodes {
            let label = format!(
                "{}\\n{}\\n{}",
                escape_dot(&node.id),
                escape_dot(&node.detail),
                escape_dot(&node.state)
            );
            let border = if node.critical { ", penwidth=2" } else { "" };
            let _ = writeln!(
                out,
                "  {} [label=\"{label}\", fillcolor=\"{}\"{border}];",
                quote(&node.id),
                color(&node.state)
            );
        }
        for &(from, to) in &self.edges {
            let _ = writeln!(
                out,
                "  {} -> {};",
                quote(&self.nodes[from].id),
                quote(&self.nodes[to].id)
            );
        }
        out.push_str("}\n");
        out
    }

    /// A Mermaid flowchart (GitHub renders it in Markdown).
    pub fn to_mermaid(&self) -> String {
        // The title is YAML front matter: a JSON string is a YAML double-quoted scalar.
        let title = serde_json::to_string(&self.title).expect("a string serializes");
        let mut out = format!("---\ntitle: {title}\n---\nflowchart LR\n");
        for (i, node) in self.nodes.iter().enumerate() {
            let _ = writeln!(
                out,
                "  n{i}[\"{}<br/>{}<br/><i>{}</i>\"]",
                escape::mermaid(&node.id),
                escape::mermaid(&node.detail),
                escape::mermaid(&node.state)
            );
        }
        for &(from, to) in &self.edges {
            let _ = writeln!(out, "  n{from} --> n{to}");
        }
        let mut states: Vec<&str> = self.nodes.iter().map(|n| n.state.as_str()).collect();
        states.sort_unstable();
        states.dedup();
        for state in states {
            let members: Vec<String> = self
                .nodes
                .iter()
                .enumerate()
                .filter(|(_, n)| n.state == state)
                .map(|(i, _)| format!("n{i}"))
                .collect();
            let class = class_name(state);
            let _ = writeln!(out, "  classDef {class} fill:{},stroke:#555", color(state));
            let _ = writeln!(out, "  class {} {class}", members.join(","));
        }
        let critical: Vec<String> = self
            .nodes
            .iter()
            .enumerate()
            .filter(|(_, n)| n.critical)
            .map(|(i, _)| format!("n{i}"))
            .collect();
        if !critical.is_empty() {
            out.push_str("  classDef critical stroke-width:3px\n");
            let _ = writeln!(out, "  class {} critical", critical.join(","));
        }
        out
    }
}

fn escape_dot(text: &str) -> String {
    text.replace('\\', "\\\\").replace('"', "\\\"")
}

fn class_name(state: &str) -> String {
    let cleaned: String = state
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    format!("s_{cleaned}")
}

/// A fill color per task state or phase.
fn color(state: &str) -> &'static str {
    match state {
        "succeeded" | "deployed" | "released" | "closed" | "complete" => "#d4edda",
        "failed" | "invalid" => "#f8d7da",
        "running" | "deploying" | "development" => "#cce5ff",
        "waiting" => "#fff3cd",
        "ready" => "#e2e3f3",
        "skipped" | "abandoned" | "returned" => "#e2e3e5",
        _ => "#ffffff",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn title(id: &str) -> String {
        if id == "a" {
            "Back \"up\"".into()
        } else {
            "Check <it>".into()
        }
    }

    fn tasks() -> TasksView {
        use crate::tasks::TaskState::{Succeeded, Waiting};
        TasksView::listed(
            &[("a", Succeeded), ("b", Waiting)],
            &[&[0], &[1]],
            &[&[], &[0]],
            &[0, 1],
        )
    }

    #[test]
    fn dot_draws_tasks_with_states_and_quotes_labels() {
        let dot = Diagram::from_tasks("Turnover/t1", &tasks(), &title).to_dot();
        assert!(dot.starts_with("digraph \"Turnover/t1\" {\n"), "{dot}");
        assert!(dot.contains("  \"a\" [label=\"a\\nBack \\\"up\\\"\\nsucceeded\", fillcolor=\"#d4edda\", penwidth=2];"), "{dot}");
        assert!(dot.contains("  \"a\" -> \"b\";"), "{dot}");
    }

    #[test]
    fn mermaid_draws_tasks_with_classes_and_escapes_labels() {
        let mermaid = Diagram::from_tasks("Turnover/t1", &tasks(), &title).to_mermaid();
        assert!(
            mermaid.contains("flowchart LR\n  n0[\"a<br/>Back #34;up#34;<br/><i>succeeded</i>\"]"),
            "{mermaid}"
        );
        assert!(
            mermaid.contains("n1[\"b<br/>Check #60;it#62;<br/><i>waiting</i>\"]"),
            "{mermaid}"
        );
        assert!(mermaid.contains("  n0 --> n1\n"), "{mermaid}");
        assert!(mermaid.contains("  class n1 s_waiting\n"), "{mermaid}");
        assert!(mermaid.contains("  class n0,n1 critical\n"), "{mermaid}");
    }
}
