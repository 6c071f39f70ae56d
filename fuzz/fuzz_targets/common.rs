#![allow(dead_code)]
//! What the targets share: running the loader, the checks, the engine and every renderer on
//! a set of files, the way `validate` and `reconcile --dry-run` do on a working tree.

use railyard::load::{self, Content, RawFile};

/// A file of the repository.
pub fn file(path: &str, bytes: &[u8]) -> RawFile {
    RawFile {
        path: path.to_string(),
        content: Content::Bytes(bytes.to_vec()),
        again: None,
    }
}

/// `validate` on these files (railyard.yaml among them or not): the settings from the
/// config, every file parsed, every check, and the diagnostics rendered as a person and
/// as JSON read them.
pub fn validate(files: Vec<RawFile>) -> load::Loaded {
    let (config, manifests): (Vec<RawFile>, Vec<RawFile>) =
        files.into_iter().partition(|f| f.path == "railyard.yaml");
    let (settings, config) = load::settings_from(config.first());
    let loaded = load::parse_files(settings, config, manifests);
    let diagnostics = railyard::validate::check_loaded(&loaded, None);
    let style = railyard::diagnostics::HumanStyle { color: false };
    let _ = railyard::diagnostics::render_human(&diagnostics, &loaded.sources, style);
    let _ = railyard::diagnostics::to_json(&diagnostics);
    let _ = railyard::diagnostics::render_github(&diagnostics);
    loaded
}

/// `reconcile --dry-run` on these files and railyard's own (status files, STATUS.md): the
/// plan, in every format.
pub fn dry_run(files: Vec<RawFile>, own: railyard::git::OwnFiles) {
    let mut loaded = validate(files);
    let facts = railyard::trust::facts::Facts::default();
    let now = jiff::Timestamp::from_second(1_796_212_800).expect("a valid instant");
    let plan = railyard::reconcile::plan_loaded(&mut loaded, &own, &facts, now, "fuzz".into(), None);
    let _ = plan.render_human();
    let _ = plan.render_markdown();
    let _ = serde_json::to_string(&plan.json());
}
