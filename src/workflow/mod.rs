//! Workflows: the built-in phase machines, shipped as YAML in `src/workflow/builtin/` and
//! read through the same loader, schema and checks as a repository's own `Workflow`.

use std::sync::OnceLock;

use crate::catalog::Catalog;
use crate::load::{self, Content, Document, RawFile, Settings};
use crate::manifest::{Object, WorkflowKind, WorkflowSpec};

/// The built-in workflow files, as (path shown in diagnostics, text).
pub const BUILTIN_FILES: [(&str, &str); 4] = [
    (
        "builtin/release-train.yaml",
        include_str!("builtin/release-train.yaml"),
    ),
    (
        "builtin/application-release.yaml",
        include_str!("builtin/application-release.yaml"),
    ),
    (
        "builtin/turnover.yaml",
        include_str!("builtin/turnover.yaml"),
    ),
    ("builtin/release.yaml", include_str!("builtin/release.yaml")),
];

/// The built-in workflows loaded as documents (with any diagnostic they produce, which a test
/// keeps at zero). Parsed on the calling thread: the first call can come from a check running
/// on the rayon pool while another thread is inside this initialization, and parsing on the
/// pool could then wait for a worker that is itself waiting here (a deadlock that hung a test
/// run now and then).
pub fn builtin_documents() -> &'static load::Loaded {
    static LOADED: OnceLock<load::Loaded> = OnceLock::new();
    LOADED.get_or_init(|| {
        let files = BUILTIN_FILES
            .iter()
            .map(|(path, text)| RawFile {
                path: (*path).to_string(),
                content: Content::Bytes(text.as_bytes().to_vec()),
                again: None,
            })
            .collect();
        load::parse_files_here(Settings::default(), files)
    })
}

/// A workflow with the document it came from.
#[derive(Clone, Copy)]
pub struct Source<'a> {
    pub spec: &'a WorkflowSpec,
    pub document: &'a Document,
    pub builtin: bool,
}

/// The built-in workflow of `kind`.
pub fn builtin(kind: WorkflowKind) -> Option<Source<'static>> {
    builtin_documents()
        .documents
        .iter()
        .find_map(|document| match document.object.as_deref() {
            Some(Object::Workflow(w)) if w.spec.applies_to == kind => Some(Source {
                spec: &w.spec,
                document,
                builtin: true,
            }),
            _ => None,
        })
}

/// The workflow that drives `kind` in this repository: its own `Workflow` with
/// `appliesTo: <kind>` when it has one (the first by name), else the built-in one.
pub fn effective<'a>(catalog: &Catalog<'a>, kind: WorkflowKind) -> Option<Source<'a>> {
    catalog
        .all::<WorkflowSpec>()
        .find(|w| w.manifest.spec.applies_to == kind)
        .map(|w| Source {
            spec: &w.manifest.spec,
            document: w.document,
            builtin: false,
        })
        .or_else(|| builtin(kind))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_workflow_loads_cleanly() {
        let loaded = builtin_documents();
        assert_eq!(loaded.diagnostics, vec![]);
        for &kind in WorkflowKind::ALL {
            let source = builtin(kind).expect("a built-in workflow per kind");
            assert_eq!(source.spec.applies_to, kind);
        }
    }

    #[test]
    fn the_release_workflow_has_the_seed_phases() {
        let release = builtin(WorkflowKind::Release).expect("release workflow");
        let phases: Vec<&str> = release
            .spec
            .phases
            .iter()
            .map(|p| p.name.as_str())
            .collect();
        assert_eq!(
            phases,
            [
                "log",
                "evaluate",
                "plan-and-design",
                "build-and-test",
                "approve-deployment",
                "deploy",
                "remediate",
                "early-life-support",
                "review",
                "close",
                "abandon"
            ]
        );
    }
}
