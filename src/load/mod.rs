//! Loading a repository: find the manifest files, read them within limits, parse every
//! document, check it against its kind's schema and turn it into the typed model.
//!
//! The file system is touched only by [`read_worktree`]; everything after it
//! ([`parse_files`]) is a pure function of the files' bytes, so that a git tree (for
//! `--rev` and `reconcile`) can feed the same pipeline.

mod calendars;
mod parse;
mod settings;
mod worktree;

use parse::parse_file;
pub use parse::{ConfigResult, FileResult, ManifestChange, ParseCache, settings_from};
pub use settings::{CEILING, Ceiling, Selection, Settings};
pub use worktree::{read_limited, read_worktree};

use std::path::PathBuf;

use rayon::prelude::*;

use crate::diagnostics::{self, Code, Diagnostic};
use crate::manifest::{Kind, Object};
use crate::source::SourceFile;
use crate::yaml::{Node, Value};

/// The file that holds the `Config`.
pub const CONFIG_FILE: &str = "railyard.yaml";

/// The largest of railyard's own files (a status file, the summary) read back. It is not
/// `limits.maxFileBytes`, which guards against manifests people write: the summary of ten
/// thousand objects is over a megabyte, and a file that is not read back counts as absent
/// (written again every time, its previous status lost). A larger one is hostile.
pub const MAX_OWN_FILE_BYTES: u64 = 256 * 1024 * 1024;

/// The bytes of one file of the repository, or why they were not read.
#[derive(Clone, Debug)]
pub enum Content {
    Bytes(Vec<u8>),
    /// Larger than `limits.maxFileBytes`: not read at all.
    TooLarge {
        size: u64,
    },
    /// Could not be read (permissions, a vanished file, …).
    Unreadable(String),
}

/// A file found in the repository, path relative to the root with `/` separators.
#[derive(Clone, Debug)]
pub struct RawFile {
    pub path: String,
    pub content: Content,
    /// Where the text can be read again (the working tree, a git blob): a file whose
    /// documents are all valid then lets its text go (see [`crate::source::Reread`]).
    pub again: Option<std::sync::Arc<dyn crate::source::Reread>>,
}

/// One YAML document of a file, and what became of it.
#[derive(Clone, Debug)]
pub struct Document {
    pub path: String,
    /// The document's YAML tree, with a position for every node: kept from the parse for a
    /// document with problems; for a valid one (the great majority) dropped once its typed
    /// object is made, and read again from its file's text the first time something asks
    /// for it (a cross-object diagnostic's position). See [`Document::root`].
    tree: std::sync::OnceLock<std::sync::Arc<Node>>,
    /// Where the tree is read again from.
    origin: Option<Origin>,
    /// Where the document stands in its file.
    pub span: crate::yaml::Span,
    /// The kind it claims, when `kind` names one.
    pub kind: Option<Kind>,
    /// The name it claims, when `metadata.name` is a string.
    pub name: Option<String>,
    /// The typed object, when the document passed its schema (shared like `root`).
    pub object: Option<std::sync::Arc<Object>>,
    /// What the engine derives from the object alone (its digest, the fields its workflow
    /// reads), made once: shared by the clones a watcher's cache hands to every round. Only
    /// a document a cache holds has the cell ([`Document::shares_its_view`]): a one-shot
    /// run never keeps a view, and a hundred thousand empty cells were 14 MB.
    pub view: Option<std::sync::Arc<std::sync::OnceLock<SpecView>>>,
}

/// Where a document's tree is read again from: its file, and its place among the file's
/// documents.
#[derive(Clone, Debug)]
struct Origin {
    file: std::sync::Arc<FileTrees>,
    index: usize,
}

/// A file's text (shared with its [`SourceFile`]: held, or let go to be read again), the
/// limits it was parsed under, and its documents' trees once one of them was asked for: a
/// file is parsed again at most once however many of its documents are (a file of ten
/// thousand documents with a diagnostic each must not be parsed ten thousand times).
#[derive(Debug)]
pub(crate) struct FileTrees {
    text: crate::source::Text,
    limits: crate::yaml::Limits,
    trees: std::sync::OnceLock<Vec<std::sync::Arc<Node>>>,
}

impl FileTrees {
    pub(crate) fn new(text: crate::source::Text, limits: crate::yaml::Limits) -> FileTrees {
        FileTrees {
            text,
            limits,
            trees: std::sync::OnceLock::new(),
        }
    }

    /// The same text and limits, without the trees read so far.
    fn emptied(&self) -> FileTrees {
        FileTrees::new(self.text.clone(), self.limits)
    }

    /// Document `index` of the file at `path`.
    fn tree(&self, path: &str, index: usize) -> Option<std::sync::Arc<Node>> {
        let trees = self.trees.get_or_init(|| {
            // A text that cannot be had again gives no trees: the document's span stands.
            let Some(text) = self.text.get(path) else {
                return Vec::new();
            };
            crate::yaml::parse(&text, self.limits)
                .documents
                .into_iter()
                .map(|d| std::sync::Arc::new(d.root))
                .collect()
        });
        trees.get(index).cloned()
    }
}

impl Document {
    /// A document whose tree is kept as it is (no file to read it again from).
    pub fn with_tree(path: String, root: Node) -> Document {
        Document {
            path,
            span: root.span,
            tree: std::sync::OnceLock::from(std::sync::Arc::new(root)),
            origin: None,
            kind: None,
            name: None,
            object: None,
            view: None,
        }
    }

    /// A document whose tree is read again from `file` (document `index` of it) when asked
    /// for.
    pub(super) fn read_later(
        path: String,
        span: crate::yaml::Span,
        file: std::sync::Arc<FileTrees>,
        index: usize,
    ) -> Document {
        Document {
            path,
            span,
            tree: std::sync::OnceLock::new(),
            origin: Some(Origin { file, index }),
            kind: None,
            name: None,
            object: None,
            view: None,
        }
    }

    /// Gives the document a cell for the view of its spec, which its clones share (a cache
    /// holding it hands a clone to every round).
    pub(crate) fn shares_its_view(&mut self) {
        self.view.get_or_insert_with(Default::default);
    }

    /// The document's YAML tree: the one kept, or its file's text parsed again (the same
    /// text and limits give the same tree, positions included). A valid file's text may
    /// itself have been let go and is then read again (working tree or git blob, see
    /// [`crate::source::Reread`]); when it cannot be had unchanged, the tree is an empty
    /// node at the document's span.
    pub fn root(&self) -> &Node {
        self.tree.get_or_init(|| {
            self.origin
                .as_ref()
                .and_then(|origin| origin.file.tree(&self.path, origin.index))
                .unwrap_or_else(|| {
                    std::sync::Arc::new(Node {
                        span: self.span,
                        value: Value::Null,
                        plain: false,
                    })
                })
        })
    }

    /// Notes where the tree is read again from: document `index` of `file`.
    pub(super) fn read_again_from(&mut self, file: std::sync::Arc<FileTrees>, index: usize) {
        self.origin = Some(Origin { file, index });
    }

    /// Lets the tree go now (it is read again when asked for); `span` stays known.
    pub(super) fn forget_tree(&mut self, span: crate::yaml::Span) {
        self.span = span;
        self.tree = std::sync::OnceLock::new();
    }

    /// Drops the tree when it can be read again from the file's text.
    fn drop_tree(&mut self) -> Option<std::sync::Arc<Node>> {
        match self.origin {
            Some(_) => self.tree.take(),
            None => None,
        }
    }
}

/// A document's parsed object, compared by identity. A watcher's parse cache hands out the
/// same object for the same file and blob, so "the same object" means "the same bytes at the
/// same path"; holding it keeps its address from being reused. The memos that let a `watch`
/// round skip work (the engine's, the task checks') key on it.
#[derive(Clone, Debug, Default)]
pub struct SameObject(Option<std::sync::Arc<Object>>);

impl SameObject {
    pub fn of(document: &Document) -> SameObject {
        SameObject(document.object.clone())
    }

    /// True when `document` holds this very object (or, both being invalid, none).
    pub fn is(&self, document: Option<&Document>) -> bool {
        self.same(document.and_then(|d| d.object.as_ref()))
    }

    fn same(&self, object: Option<&std::sync::Arc<Object>>) -> bool {
        match (&self.0, object) {
            (None, None) => true,
            (Some(a), Some(b)) => std::sync::Arc::ptr_eq(a, b),
            _ => false,
        }
    }
}

impl PartialEq for SameObject {
    fn eq(&self, other: &SameObject) -> bool {
        self.same(other.0.as_ref())
    }
}

/// The engine's view of a document's spec: the digest status records, and the spec cut
/// down to the fields its workflow reads (`fields`, so a changed workflow is noticed).
#[derive(Clone, Debug)]
pub struct SpecView {
    pub digest: String,
    pub fields: std::sync::Arc<[String]>,
    pub spec: serde_json::Value,
}

/// Everything read from a repository.
#[derive(Clone, Debug, Default)]
pub struct Loaded {
    pub settings: Settings,
    pub sources: Vec<SourceFile>,
    pub documents: Vec<Document>,
    pub diagnostics: Vec<Diagnostic>,
}

impl Loaded {
    /// Frees every document's YAML tree, keeping its span: once diagnostics are made, the
    /// engine needs only the typed objects.
    pub fn release_trees(&mut self) {
        let trees: Vec<_> = self
            .documents
            .iter_mut()
            .filter_map(Document::drop_tree)
            .collect();
        // The trees files were read again for go too; the documents of one file keep
        // sharing one (empty) entry.
        let mut emptied: std::collections::HashMap<*const FileTrees, std::sync::Arc<FileTrees>> =
            std::collections::HashMap::new();
        for origin in self.documents.iter_mut().filter_map(|d| d.origin.as_mut()) {
            if origin.file.trees.get().is_none() {
                continue;
            }
            let fresh = emptied
                .entry(std::sync::Arc::as_ptr(&origin.file))
                .or_insert_with(|| std::sync::Arc::new(origin.file.emptied()))
                .clone();
            origin.file = fresh;
        }
        crate::reclaim::soon(trees);
    }
}

/// Why a repository could not be read at all.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("{path}: no such directory")]
    NotFound { path: PathBuf },
    #[error("{path}: not a directory")]
    NotADirectory { path: PathBuf },
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// Parses every file (in parallel); pure apart from the CPU it uses.
pub fn parse_files(
    settings: Settings,
    config: Option<ConfigResult>,
    files: Vec<RawFile>,
) -> Loaded {
    parse_as_read(settings, config, |parse| {
        files.into_par_iter().map(parse).collect()
    })
}

/// [`parse_files`] of the files `read` reads (in parallel), each handed to `parse` as soon
/// as its bytes are read: the bytes of all of them are never held at once (a hundred
/// thousand manifests are a hundred megabytes), and each file is parsed while it is fresh.
/// `read` gives the results back in the order of its files.
pub fn parse_as_read<R>(settings: Settings, config: Option<ConfigResult>, read: R) -> Loaded
where
    R: FnOnce(&(dyn Fn(RawFile) -> FileResult + Sync)) -> Vec<FileResult>,
{
    let results = read(&|raw| parse_file(&raw, &settings));
    assemble(settings, config, results)
}

/// [`parse_files`] on the calling thread alone, for loads that must not wait for the rayon
/// pool (see [`crate::workflow::builtin_documents`]).
pub fn parse_files_here(settings: Settings, files: Vec<RawFile>) -> Loaded {
    parse_as_read(settings, None, |parse| {
        files.into_iter().map(parse).collect()
    })
}

/// The `Loaded` of parsed files: `Config` documents checked for their place, diagnostics
/// sorted.
pub(super) fn assemble(
    settings: Settings,
    config: Option<ConfigResult>,
    mut results: Vec<FileResult>,
) -> Loaded {
    if let Some(config) = config {
        results.insert(0, config.file);
    }
    let mut loaded = Loaded {
        settings,
        ..Loaded::default()
    };
    // Sized once: a hundred thousand documents pushed one by one would grow the list (and
    // hold the old one while it copies) seventeen times.
    loaded
        .documents
        .reserve_exact(results.iter().map(|r| r.documents.len()).sum());
    loaded.sources.reserve_exact(results.len());
    let mut config_seen = false;
    let mut calendars = std::collections::BTreeMap::new();
    for result in results {
        if let (Some(calendar), Some(source)) = (&result.calendar, &result.source) {
            calendars.insert(source.path.to_string(), calendar.clone());
        }
        loaded.sources.extend(result.source);
        loaded.diagnostics.extend(result.diagnostics);
        for document in result.documents {
            if document.kind == Some(Kind::Config) {
                let misplaced = document.path != CONFIG_FILE || config_seen;
                config_seen |= document.path == CONFIG_FILE;
                if misplaced {
                    let span = document
                        .root()
                        .entry("kind")
                        .map_or(document.span, |e| e.value.span);
                    let message = if document.path == CONFIG_FILE {
                        "a second `Config` in railyard.yaml"
                    } else {
                        "a `Config` outside railyard.yaml"
                    };
                    loaded.diagnostics.push(
                        Diagnostic::error(Code::MisplacedConfig, &document.path, Some(span), message)
                            .with_label("ignored")
                            .with_hint("the repository's one `Config` lives in railyard.yaml at the root; it decides which files are manifests"),
                    );
                    continue;
                }
            }
            loaded.documents.push(document);
        }
    }
    calendars::join(&mut loaded, &calendars);
    if loaded.documents.is_empty() && loaded.diagnostics.is_empty() {
        loaded.diagnostics.push(
            Diagnostic::error(
                Code::NoManifests,
                "",
                None,
                "the repository holds no manifest",
            )
            .with_hint(format!(
                "railyard reads the files matching {} (set `spec.manifests` in railyard.yaml)",
                loaded
                    .settings
                    .manifests
                    .iter()
                    .map(|g| format!("`{g}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        );
    }
    diagnostics::sort(&mut loaded.diagnostics);
    loaded
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(path: &str, text: &str) -> RawFile {
        RawFile {
            path: path.into(),
            content: Content::Bytes(text.as_bytes().to_vec()),
            again: None,
        }
    }

    fn load(files: Vec<RawFile>) -> Loaded {
        parse_files(Settings::default(), None, files)
    }

    fn codes(loaded: &Loaded) -> Vec<&'static str> {
        loaded.diagnostics.iter().map(|d| d.code.as_str()).collect()
    }

    const TEAM: &str = "apiVersion: railyard/v1\nkind: Team\nmetadata:\n  name: devs\nspec:\n  members:\n    - id: ann\n      emails: [ann@example.com]\n";

    #[test]
    fn the_parse_cache_parses_only_what_changed_and_forgets_what_is_gone() {
        let texts = std::collections::HashMap::from([
            ("a.yaml", TEAM.to_string()),
            ("b.yaml", TEAM.replace("devs", "ops")),
            ("c.yaml", "kind: [broken".to_string()),
        ]);
        let mut cache = ParseCache::default();
        let mut load = |ids: &[(&str, u8)], texts: &std::collections::HashMap<&str, String>| {
            let keys = ids
                .iter()
                .map(|(p, id)| (p.to_string(), vec![*id]))
                .collect();
            let loaded = cache.load(Settings::default(), None, keys, |missing| {
                missing
                    .iter()
                    .map(|(p, _)| file(p, &texts[p.as_str()]))
                    .collect()
            });
            let names: Vec<String> = loaded
                .documents
                .iter()
                .filter_map(|d| d.name.clone())
                .collect();
            (cache.parsed, names, codes(&loaded).len())
        };
        assert_eq!(
            load(&[("a.yaml", 1), ("b.yaml", 1), ("c.yaml", 1)], &texts),
            (3, vec!["devs".to_string(), "ops".to_string()], 1)
        );
        // `b` changed (a new id): only it is parsed; the broken file's diagnostic is kept.
        let mut changed = texts.clone();
        changed.insert("b.yaml", TEAM.replace("devs", "qa"));
        assert_eq!(
            load(&[("a.yaml", 1), ("b.yaml", 2), ("c.yaml", 1)], &changed),
            (1, vec!["devs".to_string(), "qa".to_string()], 1)
        );
        // `c` is gone, and nothing needs parsing.
        assert_eq!(
            load(&[("a.yaml", 1), ("b.yaml", 2)], &changed),
            (0, vec!["devs".to_string(), "qa".to_string()], 0)
        );
        assert_eq!(cache.files.len(), 2);
    }

    #[test]
    fn the_working_tree_cache_rereads_files_whose_size_or_time_changed() {
        let dir = tempfile::tempdir().expect("temp");
        let hour_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
        let put = |name: &str, text: &str, at: std::time::SystemTime| {
            let path = dir.path().join(name);
            std::fs::write(&path, text).expect("write");
            let file = std::fs::File::options()
                .write(true)
                .open(&path)
                .expect("open");
            file.set_modified(at).expect("set the time");
        };
        put("a.yaml", TEAM, hour_ago);
        put("b.yaml", &TEAM.replace("devs", "ops"), hour_ago);
        let mut cache = ParseCache::default();
        let load = |cache: &mut ParseCache| {
            let loaded = read_worktree(dir.path(), Some(cache)).expect("loads");
            let names: Vec<String> = loaded
                .documents
                .iter()
                .filter_map(|d| d.name.clone())
                .collect();
            (cache.parsed, names.join(","))
        };
        assert_eq!(load(&mut cache), (2, "devs,ops".to_string()));
        assert_eq!(load(&mut cache), (0, "devs,ops".to_string()));
        // Another time: read again.
        put(
            "b.yaml",
            &TEAM.replace("devs", "qa"),
            hour_ago + std::time::Duration::from_secs(60),
        );
        assert_eq!(load(&mut cache), (1, "devs,qa".to_string()));
        // Written just now: read every time until it is two seconds old.
        put(
            "c.yaml",
            &TEAM.replace("devs", "new"),
            std::time::SystemTime::now(),
        );
        assert_eq!(load(&mut cache), (1, "devs,qa,new".to_string()));
        assert_eq!(load(&mut cache), (1, "devs,qa,new".to_string()));
    }

    #[test]
    fn a_file_is_read_whole_or_found_too_large_whatever_its_size() {
        let dir = tempfile::tempdir().expect("temp");
        let first = 64 * 1024;
        // Around the first read's size, and limits below and above it.
        for size in [0, 1, first - 1, first, first + 1, 3 * first + 7] {
            let path = dir.path().join(format!("f{size}"));
            let bytes: Vec<u8> = (0..size).map(|i| (i % 251) as u8).collect();
            std::fs::write(&path, &bytes).expect("write");
            for max in [0, 1, 100, first as u64 - 1, first as u64, 4 * first as u64] {
                match read_limited(&path, max) {
                    Content::Bytes(read) => {
                        assert!(
                            size as u64 <= max,
                            "{size} bytes read under a limit of {max}"
                        );
                        assert!(read == bytes, "{size} bytes under {max} read differently");
                    }
                    Content::TooLarge { size: found } => {
                        assert!(size as u64 > max, "{size} bytes refused under {max}");
                        assert_eq!(found, size as u64, "the size told for {size} under {max}");
                    }
                    Content::Unreadable(error) => panic!("{size} under {max}: {error}"),
                }
            }
        }
        assert!(matches!(
            read_limited(&dir.path().join("missing"), 10),
            Content::Unreadable(_)
        ));
    }

    #[test]
    fn a_valid_files_text_is_read_again_from_the_working_tree_only_while_unchanged() {
        let dir = tempfile::tempdir().expect("temp");
        let turnover = "apiVersion: railyard/v1\nkind: Turnover\nmetadata:\n  name: t1\nspec:\n  environment: nowhere\n  releases: [web]\n";
        std::fs::write(dir.path().join("t1.yaml"), turnover).expect("write");
        std::fs::write(dir.path().join("team.yaml"), TEAM).expect("write");
        let validation = crate::validate::validate_dir(dir.path()).expect("loads");
        // The turnover is a valid document whose references do not resolve: its diagnostics
        // point into its text, which was let go and is read again for them.
        let unresolved: Vec<_> = validation
            .diagnostics
            .iter()
            .filter(|d| d.code == Code::UnresolvedReference)
            .map(|d| (d.file.as_str(), d.line(), d.column()))
            .collect();
        assert_eq!(unresolved, [("t1.yaml", 6, 16), ("t1.yaml", 7, 14)]);
        let source = |path: &str| {
            validation
                .loaded
                .sources
                .iter()
                .find(|s| s.path == path)
                .expect("a source")
                .clone()
        };
        assert!(
            !source("t1.yaml").is_held(),
            "a valid file's text is let go"
        );
        assert_eq!(source("t1.yaml").text().as_deref(), Some(turnover));
        let rendered = crate::diagnostics::render_human(
            &validation.diagnostics,
            &validation.loaded.sources,
            Default::default(),
        );
        assert!(
            rendered.contains("6 │   environment: nowhere"),
            "{rendered}"
        );
        // Changed on disk since: not taken for the text that was parsed. The diagnostic
        // names the file alone, and the document keeps its span.
        let loaded = read_worktree(dir.path(), None).expect("loads");
        let team = loaded
            .documents
            .iter()
            .find(|d| d.path == "team.yaml")
            .expect("the team");
        std::fs::write(dir.path().join("team.yaml"), TEAM.replace("ann", "bob")).expect("write");
        let team_source = loaded
            .sources
            .iter()
            .find(|s| s.path == "team.yaml")
            .expect("a source");
        assert_eq!(team_source.text(), None);
        assert_eq!(team.root().value, Value::Null);
        assert_eq!(team.root().span, team.span);
    }

    #[test]
    fn a_valid_document_becomes_an_object() {
        let loaded = load(vec![file("teams/devs.yaml", TEAM)]);
        assert_eq!(codes(&loaded), Vec::<&str>::new());
        assert_eq!(loaded.documents.len(), 1);
        assert!(
            matches!(loaded.documents[0].object.as_deref(), Some(Object::Team(t)) if t.spec.members[0].id.as_str() == "ann")
        );
    }

    #[test]
    fn unknown_fields_point_at_the_key_with_a_hint() {
        let text = TEAM.replace("      emails", "      emials");
        let loaded = load(vec![file("t.yaml", &text)]);
        let codes = codes(&loaded);
        assert!(codes.contains(&"unknown-field"), "{codes:?}");
        let d = loaded
            .diagnostics
            .iter()
            .find(|d| d.code == Code::UnknownField)
            .expect("unknown field");
        assert_eq!((d.line(), d.column()), (8, 7));
        assert_eq!(d.hint.as_deref(), Some("did you mean `emails`?"));
        assert!(loaded.documents[0].object.is_none());
    }

    #[test]
    fn numbers_where_strings_belong_get_a_quoting_hint() {
        let text = "apiVersion: railyard/v1\nkind: ApplicationRelease\nmetadata: {name: web}\nspec:\n  application: web\n  version: 1.10\n";
        let loaded = load(vec![file("r.yaml", text)]);
        let d = &loaded.diagnostics[0];
        assert_eq!(d.code, Code::WrongType);
        assert_eq!((d.line(), d.column()), (6, 12));
        assert_eq!(
            d.hint.as_deref(),
            Some("quote it to keep it as written: `\"1.10\"`")
        );
    }

    #[test]
    fn several_documents_and_every_problem_in_one_run() {
        let text = format!(
            "{TEAM}---\napiVersion: railyard/v1\nkind: Tem\nmetadata: {{name: x}}\n---\napiVersion: railyard/v2\nkind: Team\nmetadata: {{name: Bad_Name}}\nspec: {{members: []}}\n"
        );
        let loaded = load(vec![file("multi.yaml", &text)]);
        assert_eq!(
            codes(&loaded),
            vec!["unknown-kind", "unknown-api-version", "invalid-name"]
        );
        assert_eq!(
            loaded.diagnostics[0].hint.as_deref(),
            Some("did you mean `Team`?")
        );
        assert_eq!(loaded.documents.len(), 3);
    }

    #[test]
    fn empty_and_non_utf8_files() {
        let loaded = load(vec![
            file("empty.yaml", "# nothing here\n"),
            RawFile {
                path: "bin.yaml".into(),
                content: Content::Bytes(b"a: 1\nb: \xff\xfe\n".to_vec()),
                again: None,
            },
        ]);
        assert_eq!(codes(&loaded), vec!["not-utf8", "empty-file"]);
        assert_eq!(
            (loaded.diagnostics[0].line(), loaded.diagnostics[0].column()),
            (2, 4)
        );
    }

    #[test]
    fn unreadable_files_are_io_errors() {
        let loaded = load(vec![RawFile {
            path: "locked.yaml".into(),
            content: Content::Unreadable("permission denied".into()),
            again: None,
        }]);
        assert_eq!(codes(&loaded), vec!["io-error"]);
        assert_eq!(
            loaded.diagnostics[0].message,
            "cannot read locked.yaml: permission denied"
        );
    }

    #[test]
    fn nothing_at_all_is_no_manifests() {
        assert_eq!(codes(&load(vec![])), vec!["no-manifests"]);
    }

    #[test]
    fn a_config_outside_railyard_yaml_is_misplaced() {
        let text = "apiVersion: railyard/v1\nkind: Config\nmetadata: {name: x}\nspec: {}\n";
        let loaded = load(vec![file("sub/railyard.yaml", text)]);
        assert!(codes(&loaded).contains(&"misplaced-config"));
    }

    #[test]
    fn settings_come_from_railyard_yaml() {
        let text = "apiVersion: railyard/v1\nkind: Config\nmetadata: {name: repo}\nspec:\n  statusDir: ../out\n  branch: trunk\n  limits: {maxFileBytes: 10}\n";
        let (settings, result) = settings_from(Some(&file(CONFIG_FILE, text)));
        assert_eq!(settings.branch, "trunk");
        assert_eq!(settings.max_file_bytes, 10);
        let loaded = parse_files(settings, result, vec![file("big.yaml", TEAM)]);
        assert_eq!(codes(&loaded), vec!["file-too-large", "invalid-path"]);
    }

    #[test]
    fn selection_skips_status_summary_and_github() {
        let selection = Selection::new(&Settings::default());
        assert!(selection.is_manifest("teams/a.yaml"));
        assert!(selection.is_manifest("top.yml"));
        assert!(!selection.is_manifest("status/Team/a.yaml"));
        assert!(!selection.is_manifest(".github/workflows/ci.yaml"));
        assert!(!selection.is_manifest("README.md"));
    }
}
