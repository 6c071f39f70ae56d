//! Loading a repository: find the manifest files, read them within limits, parse every
//! document, check it against its kind's schema and turn it into the typed model.
//!
//! The file system is touched only by [`read_worktree`]; everything after it
//! ([`parse_files`]) is a pure function of the files' bytes, so that a git tree (for
//! `--rev` and `reconcile`) can feed the same pipeline.

use std::path::{Path, PathBuf};

use globset::{Glob, GlobSet, GlobSetBuilder};
use rayon::prelude::*;

use crate::diagnostics::{self, Code, Diagnostic};
use crate::manifest::{API_VERSION, Bot, ConfigSpec, Kind, Object};
use crate::schema;
use crate::source::SourceFile;
use crate::suggest;
use crate::yaml::{self, Node, Value};

/// The file that holds the `Config`.
pub const CONFIG_FILE: &str = "railyard.yaml";

/// The largest of railyard's own files (a status file, the summary) read back. It is not
/// `limits.maxFileBytes`, which guards against manifests people write: the summary of ten
/// thousand objects is over a megabyte, and a file that is not read back counts as absent
/// (written again every time, its previous status lost). A larger one is hostile.
pub const MAX_OWN_FILE_BYTES: u64 = 256 * 1024 * 1024;

/// The effective settings of a repository: its `Config` with every default filled in.
#[derive(Clone, Debug, PartialEq)]
pub struct Settings {
    pub manifests: Vec<String>,
    pub status_dir: String,
    pub summary: String,
    pub branch: String,
    pub bot: Bot,
    /// Role name → team name, from `Config.spec.roles`.
    pub roles: std::collections::BTreeMap<String, String>,
    pub max_file_bytes: u64,
    pub yaml: yaml::Limits,
    /// `reconcile --execute`: tasks at once (`--jobs` overrides).
    pub jobs: usize,
    /// `reconcile --execute`: the timeout of a task that sets none.
    pub task_timeout: std::time::Duration,
    /// Where the repository is browsed (`Config.repositoryUrl`), for links in notifications.
    pub repository_url: Option<String>,
    /// Where notifications go (`Config.notify`).
    pub notify: Vec<crate::manifest::NotifySink>,
    /// `Config.trust`: what proves a commit's author.
    pub trust: crate::manifest::Trust,
}

impl Default for Settings {
    fn default() -> Self {
        Settings::from_spec(&ConfigSpec::default())
    }
}

/// The most that `limits` in railyard.yaml may raise each bound to (README "Limits"):
/// together they keep a reconcile's memory a small multiple of the repository's size.
pub struct Ceiling {
    pub max_file_bytes: u64,
    pub yaml: yaml::Limits,
}

pub const CEILING: Ceiling = Ceiling {
    max_file_bytes: 16 * 1024 * 1024,
    yaml: yaml::Limits {
        max_depth: 255,
        max_alias_nodes: 100_000,
    },
};

impl Settings {
    /// The team that holds `role`: the mapping in `Config.spec.roles`, or the team of that
    /// name.
    pub fn team_for_role<'a>(&'a self, role: &'a str) -> &'a str {
        self.roles.get(role).map_or(role, String::as_str)
    }

    /// Fills the defaults of SPEC §2 into a `Config` spec, each limit held to [`CEILING`].
    pub fn from_spec(spec: &ConfigSpec) -> Settings {
        let limits = spec.limits.clone().unwrap_or_default();
        let defaults = yaml::Limits::default();
        let execute = spec.execute.clone().unwrap_or_default();
        Settings {
            manifests: spec
                .manifests
                .clone()
                .unwrap_or_else(|| vec!["**/*.yaml".into(), "**/*.yml".into()]),
            status_dir: spec.status_dir.clone().unwrap_or_else(|| "status".into()),
            summary: spec.summary.clone().unwrap_or_else(|| "STATUS.md".into()),
            branch: spec.branch.clone().unwrap_or_else(|| "main".into()),
            bot: spec.bot.clone().unwrap_or_else(|| Bot {
                name: "railyard[bot]".into(),
                email: "railyard[bot]@users.noreply.github.com".into(),
                signing_keys: Vec::new(),
            }),
            roles: spec
                .roles
                .iter()
                .map(|(role, team)| (role.clone(), team.to_string()))
                .collect(),
            // The schema refuses a limit past its ceiling; clamped here too, so that no way
            // of reading a Config raises one.
            max_file_bytes: limits
                .max_file_bytes
                .unwrap_or(1024 * 1024)
                .min(CEILING.max_file_bytes),
            yaml: yaml::Limits {
                max_depth: limits
                    .max_depth
                    .map_or(defaults.max_depth, |d| d as usize)
                    .min(CEILING.yaml.max_depth),
                max_alias_nodes: limits
                    .max_alias_nodes
                    .map_or(defaults.max_alias_nodes, |n| n as usize)
                    .min(CEILING.yaml.max_alias_nodes),
            },
            jobs: execute.jobs.map_or(4, |j| j.max(1) as usize),
            task_timeout: std::time::Duration::from_secs(
                execute.timeout.map_or(30 * 60, |t| t.seconds.max(1)),
            ),
            repository_url: spec.repository_url.clone(),
            notify: spec.notify.clone(),
            trust: spec.trust.clone().unwrap_or_default(),
        }
    }
}

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
}

/// One YAML document of a file, and what became of it.
#[derive(Clone, Debug)]
pub struct Document {
    pub path: String,
    /// Shared: a watcher's cache hands the same parsed tree to every round.
    pub root: std::sync::Arc<Node>,
    /// The kind it claims, when `kind` names one.
    pub kind: Option<Kind>,
    /// The name it claims, when `metadata.name` is a string.
    pub name: Option<String>,
    /// The typed object, when the document passed its schema (shared like `root`).
    pub object: Option<std::sync::Arc<Object>>,
    /// What the engine derives from the object alone (its digest, the fields its workflow
    /// reads), made once: shared by the clones a watcher's cache hands to every round.
    pub view: std::sync::Arc<std::sync::OnceLock<SpecView>>,
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
            .map(|document| {
                let span = document.root.span;
                std::mem::replace(
                    &mut document.root,
                    std::sync::Arc::new(Node {
                        span,
                        value: Value::Null,
                        plain: false,
                    }),
                )
            })
            .collect();
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

/// Reads the working tree at `root`: `railyard.yaml` first (it says which files are
/// manifests), then every manifest file, in parallel. With `cache` (`watch --dry-run`), only
/// the files whose path, size and modification time it does not know are parsed; a file
/// changed in the last two seconds is always read again: a second edit within the file
/// system's timestamp granularity could keep both the same.
pub fn read_worktree(root: &Path, cache: Option<&mut ParseCache>) -> Result<Loaded, LoadError> {
    let meta = std::fs::metadata(root).map_err(|source| match source.kind() {
        std::io::ErrorKind::NotFound => LoadError::NotFound {
            path: root.to_path_buf(),
        },
        _ => LoadError::Io {
            path: root.to_path_buf(),
            source,
        },
    })?;
    if !meta.is_dir() {
        return Err(LoadError::NotADirectory {
            path: root.to_path_buf(),
        });
    }
    let config_path = root.join(CONFIG_FILE);
    // A regular file only, as every manifest: a symlink could point outside the repository.
    let config_file = std::fs::symlink_metadata(&config_path)
        .is_ok_and(|m| m.is_file())
        .then(|| RawFile {
            path: CONFIG_FILE.to_string(),
            content: read_limited(&config_path, Settings::default().max_file_bytes),
        });
    let (settings, config_result) = settings_from(config_file.as_ref());
    let selection = Selection::new(&settings);
    let mut paths = Vec::new();
    let walker = ignore::WalkBuilder::new(root)
        .hidden(true)
        .parents(false)
        .follow_links(false)
        .sort_by_file_name(|a, b| a.cmp(b))
        .build();
    let mut walk_errors = Vec::new();
    for entry in walker {
        let entry = match entry {
            Ok(entry) => entry,
            Err(error) => {
                walk_errors.push(Diagnostic::error(
                    Code::Io,
                    "",
                    None,
                    format!("cannot list the repository: {error}"),
                ));
                continue;
            }
        };
        if !entry.file_type().is_some_and(|t| t.is_file()) {
            continue;
        }
        let Ok(relative) = entry.path().strip_prefix(root) else {
            continue;
        };
        let Some(relative) = relative_slash_path(relative) else {
            continue;
        };
        if relative != CONFIG_FILE && selection.is_manifest(&relative) {
            let stamp = entry.metadata().ok().and_then(|m| stamp(&m));
            paths.push((relative, entry.into_path(), stamp));
        }
    }
    let max = settings.max_file_bytes;
    let read = |wanted: &[(String, std::path::PathBuf)]| -> Vec<RawFile> {
        wanted
            .par_iter()
            .map(|(relative, full)| RawFile {
                path: relative.clone(),
                content: read_limited(full, max),
            })
            .collect()
    };
    let mut loaded = match cache {
        None => {
            let all: Vec<(String, std::path::PathBuf)> =
                paths.into_iter().map(|(r, f, _)| (r, f)).collect();
            parse_files(settings, config_result, read(&all))
        }
        Some(cache) => {
            let fulls: std::collections::HashMap<String, std::path::PathBuf> = paths
                .iter()
                .map(|(r, f, _)| (r.clone(), f.clone()))
                .collect();
            let keys = paths
                .into_iter()
                .enumerate()
                .map(|(i, (relative, _, stamp))| {
                    // No stamp (or a fresh one): a key no earlier round can have.
                    let id = stamp.unwrap_or_else(|| {
                        let mut unique = b"unstamped".to_vec();
                        unique.extend_from_slice(&(i as u64).to_le_bytes());
                        unique.extend_from_slice(&cache.round.to_le_bytes());
                        unique
                    });
                    (relative, id)
                })
                .collect();
            cache.round += 1;
            cache.load(settings, config_result, keys, |missing| {
                let wanted: Vec<(String, std::path::PathBuf)> = missing
                    .iter()
                    .filter_map(|(p, _)| Some((p.clone(), fulls.get(p)?.clone())))
                    .collect();
                read(&wanted)
            })
        }
    };
    loaded.diagnostics.extend(walk_errors);
    diagnostics::sort(&mut loaded.diagnostics);
    Ok(loaded)
}

/// A file's size and modification time as a cache key; `None` when the time is unknown or
/// within the last two seconds.
fn stamp(meta: &std::fs::Metadata) -> Option<Vec<u8>> {
    let modified = meta.modified().ok()?;
    let age = std::time::SystemTime::now().duration_since(modified).ok()?;
    if age < std::time::Duration::from_secs(2) {
        return None;
    }
    let since = modified.duration_since(std::time::UNIX_EPOCH).ok()?;
    let mut key = meta.len().to_le_bytes().to_vec();
    key.extend_from_slice(&since.as_nanos().to_le_bytes());
    Some(key)
}

fn relative_slash_path(path: &Path) -> Option<String> {
    let parts: Option<Vec<&str>> = path.components().map(|c| c.as_os_str().to_str()).collect();
    parts.map(|p| p.join("/"))
}

/// Reads a file unless it is larger than `max` bytes.
pub fn read_limited(path: &Path, max: u64) -> Content {
    use std::io::Read;
    let file = match std::fs::File::open(path) {
        Ok(file) => file,
        Err(error) => return Content::Unreadable(error.to_string()),
    };
    match file.metadata() {
        Ok(meta) if meta.len() > max => return Content::TooLarge { size: meta.len() },
        Ok(_) => {}
        Err(error) => return Content::Unreadable(error.to_string()),
    }
    let mut bytes = Vec::new();
    match file.take(max + 1).read_to_end(&mut bytes) {
        Ok(_) if bytes.len() as u64 > max => Content::TooLarge {
            size: bytes.len() as u64,
        },
        Ok(_) => Content::Bytes(bytes),
        Err(error) => Content::Unreadable(error.to_string()),
    }
}

/// Which paths hold manifests: the `manifests` globs, minus railyard's own output and
/// `.github/`.
pub struct Selection {
    globs: GlobSet,
    status_prefix: String,
    summary: String,
}

impl Selection {
    pub fn new(settings: &Settings) -> Selection {
        let mut builder = GlobSetBuilder::new();
        for pattern in &settings.manifests {
            if let Ok(glob) = globset::GlobBuilder::new(pattern)
                .literal_separator(true)
                .build()
            {
                builder.add(glob);
            }
        }
        Selection {
            globs: builder.build().unwrap_or_else(|_| GlobSet::empty()),
            status_prefix: format!("{}/", settings.status_dir.trim_end_matches('/')),
            summary: settings.summary.clone(),
        }
    }

    /// True for railyard's own files and folders (the status folder and the summary).
    pub fn is_owned(&self, path: &str) -> bool {
        path == self.summary
            || path.starts_with(&self.status_prefix)
            || format!("{path}/") == self.status_prefix
    }

    /// True when the file at `path` (relative, `/`-separated) is a manifest file.
    pub fn is_manifest(&self, path: &str) -> bool {
        !path.starts_with(&self.status_prefix)
            && path != self.summary
            && !path.starts_with(".github/")
            && self.globs.is_match(path)
    }
}

/// The result of parsing `railyard.yaml`, kept so that it is parsed only once.
pub struct ConfigResult {
    file: FileResult,
}

/// Works out the settings from `railyard.yaml` (defaults when there is none or it is broken).
pub fn settings_from(config: Option<&RawFile>) -> (Settings, Option<ConfigResult>) {
    let Some(raw) = config else {
        return (Settings::default(), None);
    };
    let mut file = parse_file(raw, &Settings::default());
    let mut settings = Settings::default();
    let mut seen_config = false;
    for document in &file.documents {
        if let Some(Object::Config(config)) = document.object.as_deref() {
            if seen_config {
                continue;
            }
            seen_config = true;
            settings = Settings::from_spec(&config.spec);
            check_settings(&settings, document, &mut file.diagnostics);
        }
    }
    (settings, Some(ConfigResult { file }))
}

/// `statusDir` and `summary` must stay inside the repository; globs must parse.
fn check_settings(settings: &Settings, document: &Document, out: &mut Vec<Diagnostic>) {
    for (field, value) in [
        ("statusDir", &settings.status_dir),
        ("summary", &settings.summary),
    ] {
        let escapes = value.is_empty()
            || value.starts_with('/')
            || value.contains('\\')
            || value
                .split('/')
                .any(|part| part == ".." || part == "." || part.is_empty())
            || value.starts_with(".git/")
            || value == ".git";
        if escapes {
            let span = document.root.locate(&format!("/spec/{field}")).node.span;
            out.push(
                Diagnostic::error(
                    Code::InvalidPath,
                    &document.path,
                    Some(span),
                    format!("`spec.{field}` must be a relative path inside the repository, found `{value}`"),
                )
                .with_label("leaves the repository or is not a plain relative path")
                .with_hint("use a path such as `status` or `STATUS.md`, without `..`, `.` or a leading `/`"),
            );
        }
    }
    for (index, pattern) in settings.manifests.iter().enumerate() {
        let problem = match Glob::new(pattern) {
            Err(error) => Some(error.kind().to_string()),
            Ok(_) if pattern.starts_with('/') || pattern.split('/').any(|p| p == "..") => {
                Some("a glob is relative to the repository root".to_string())
            }
            Ok(_) => None,
        };
        if let Some(problem) = problem {
            let span = document
                .root
                .locate(&format!("/spec/manifests/{index}"))
                .node
                .span;
            out.push(
                Diagnostic::error(
                    Code::InvalidPath,
                    &document.path,
                    Some(span),
                    format!("bad glob `{pattern}`: {problem}"),
                )
                .with_label("not a usable glob"),
            );
        }
    }
}

/// Parses every file (in parallel); pure apart from the CPU it uses.
pub fn parse_files(
    settings: Settings,
    config: Option<ConfigResult>,
    files: Vec<RawFile>,
) -> Loaded {
    let results: Vec<FileResult> = files
        .into_par_iter()
        .map(|f| parse_file(&f, &settings))
        .collect();
    assemble(settings, config, results)
}

/// [`parse_files`] on the calling thread alone, for loads that must not wait for the rayon
/// pool (see [`crate::workflow::builtin_documents`]).
pub fn parse_files_here(settings: Settings, files: Vec<RawFile>) -> Loaded {
    let results: Vec<FileResult> = files.iter().map(|f| parse_file(f, &settings)).collect();
    assemble(settings, None, results)
}

/// Files parsed and schema-checked, by path and content id (a git blob id, or the working
/// tree's path, size and modification time): a watcher parses again only what changed.
/// The settings that decide how files parse are part of the key.
#[derive(Default)]
pub struct ParseCache {
    settings: Option<String>,
    files: std::collections::HashMap<(String, Vec<u8>), FileResult>,
    /// Files parsed by the last load (the rest came from the cache).
    pub parsed: usize,
    /// Working-tree loads so far (makes keys for files without a usable time).
    round: u64,
}

impl ParseCache {
    /// Loads `files` (path, content id, how to read the bytes), parsing in parallel only
    /// those the cache does not hold; entries of files that are gone are dropped.
    pub fn load<F>(
        &mut self,
        settings: Settings,
        config: Option<ConfigResult>,
        files: Vec<(String, Vec<u8>)>,
        read: F,
    ) -> Loaded
    where
        F: FnOnce(&[(String, Vec<u8>)]) -> Vec<RawFile>,
    {
        let fingerprint = format!(
            "{}|{}|{}",
            settings.max_file_bytes, settings.yaml.max_depth, settings.yaml.max_alias_nodes
        );
        if self.settings.as_deref() != Some(fingerprint.as_str()) {
            self.files.clear();
            self.settings = Some(fingerprint);
        }
        let missing: Vec<(String, Vec<u8>)> = files
            .iter()
            .filter(|key| !self.files.contains_key(*key))
            .cloned()
            .collect();
        let fresh: Vec<FileResult> = read(&missing)
            .into_par_iter()
            .map(|f| parse_file(&f, &settings))
            .collect();
        self.parsed = fresh.len();
        for (key, result) in missing.into_iter().zip(fresh) {
            self.files.insert(key, result);
        }
        let wanted: std::collections::HashSet<&(String, Vec<u8>)> = files.iter().collect();
        self.files.retain(|key, _| wanted.contains(key));
        let results = files
            .iter()
            .filter_map(|key| self.files.get(key).cloned())
            .collect();
        assemble(settings, config, results)
    }
}

/// A manifest file that differs between two trees: its content id before and now, `None`
/// where the file is absent.
pub struct ManifestChange {
    pub path: String,
    pub before: Option<Vec<u8>>,
    pub after: Option<Vec<u8>>,
}

impl ParseCache {
    /// Brings `loaded`, made by [`ParseCache::load`] from files in path order (a git
    /// tree's), up to date with the manifests that changed. Only those are read (`read`) and parsed; the
    /// other files' documents, sources and diagnostics stay where they are, so `loaded` is
    /// what [`ParseCache::load`] would make of the new list of files.
    ///
    /// Returns `false`, with `loaded` as it was, when the change reaches past the files
    /// themselves: a `Config` document in a changed file (its place is judged across
    /// files), or no document before or after (the repository-wide "no manifest" finding).
    /// The caller then loads the whole list.
    pub fn update<F>(&mut self, loaded: &mut Loaded, changed: &[ManifestChange], read: F) -> bool
    where
        F: FnOnce(&[(String, Vec<u8>)]) -> Vec<RawFile>,
    {
        let now: Vec<(String, Vec<u8>)> = changed
            .iter()
            .filter_map(|change| Some((change.path.clone(), change.after.clone()?)))
            .collect();
        let missing: Vec<(String, Vec<u8>)> = now
            .iter()
            .filter(|key| !self.files.contains_key(*key))
            .cloned()
            .collect();
        let settings = &loaded.settings;
        let fresh: Vec<FileResult> = read(&missing)
            .into_par_iter()
            .map(|f| parse_file(&f, settings))
            .collect();
        self.parsed = fresh.len();
        for (key, result) in missing.into_iter().zip(fresh) {
            self.files.insert(key, result);
        }
        for change in changed {
            let before = change.before.as_ref();
            if let Some(before) = before.filter(|b| Some(*b) != change.after.as_ref()) {
                self.files.remove(&(change.path.clone(), before.clone()));
            }
        }
        let results: Vec<&FileResult> = now.iter().filter_map(|key| self.files.get(key)).collect();
        let paths: std::collections::HashSet<&str> =
            changed.iter().map(|change| change.path.as_str()).collect();
        let config = |document: &Document| document.kind == Some(Kind::Config);
        let removed = loaded
            .documents
            .iter()
            .filter(|d| paths.contains(d.path.as_str()))
            .count();
        let added: usize = results.iter().map(|r| r.documents.len()).sum();
        let beyond = results.iter().any(|r| r.documents.iter().any(config))
            || loaded
                .diagnostics
                .iter()
                .any(|d| d.code == Code::MisplacedConfig && paths.contains(d.file.as_str()))
            || loaded
                .documents
                .iter()
                .any(|d| config(d) && paths.contains(d.path.as_str()))
            || loaded.documents.is_empty()
            || loaded.documents.len() - removed + added == 0;
        if beyond {
            return false;
        }
        let results: Vec<FileResult> = results.into_iter().cloned().collect();
        let (sources, documents, diagnostics) = results.into_iter().fold(
            (Vec::new(), Vec::new(), Vec::new()),
            |(mut sources, mut documents, mut diagnostics), result| {
                sources.extend(result.source);
                documents.push(result.documents);
                diagnostics.extend(result.diagnostics);
                (sources, documents, diagnostics)
            },
        );
        loaded.sources = merge(std::mem::take(&mut loaded.sources), &paths, sources, |s| {
            s.path.as_str()
        });
        let documents = documents.into_iter().flatten().collect();
        loaded.documents = merge(
            std::mem::take(&mut loaded.documents),
            &paths,
            documents,
            |d| d.path.as_str(),
        );
        loaded
            .diagnostics
            .retain(|d| !paths.contains(d.file.as_str()));
        loaded.diagnostics.extend(diagnostics);
        diagnostics::sort(&mut loaded.diagnostics);
        true
    }
}

/// `old` (the config file's items first, then the rest in path order) without the items of
/// `changed` paths, and `fresh` (in path order) each where its path sorts.
fn merge<T>(
    old: Vec<T>,
    changed: &std::collections::HashSet<&str>,
    fresh: Vec<T>,
    path: impl Fn(&T) -> &str,
) -> Vec<T> {
    let mut out = Vec::with_capacity(old.len() + fresh.len());
    let mut fresh = fresh.into_iter().peekable();
    for item in old {
        let at = path(&item);
        if at != CONFIG_FILE {
            while let Some(next) = fresh.next_if(|f| path(f) < at) {
                out.push(next);
            }
        }
        if !changed.contains(at) {
            out.push(item);
        }
    }
    out.extend(fresh);
    out
}

/// The `Loaded` of parsed files: `Config` documents checked for their place, diagnostics
/// sorted.
fn assemble(
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
    let mut config_seen = false;
    for result in results {
        loaded.sources.extend(result.source);
        loaded.diagnostics.extend(result.diagnostics);
        for document in result.documents {
            if document.kind == Some(Kind::Config) {
                let misplaced = document.path != CONFIG_FILE || config_seen;
                config_seen |= document.path == CONFIG_FILE;
                if misplaced {
                    let span = document
                        .root
                        .entry("kind")
                        .map_or(document.root.span, |e| e.value.span);
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

/// What one file produced.
#[derive(Clone)]
pub struct FileResult {
    source: Option<SourceFile>,
    documents: Vec<Document>,
    diagnostics: Vec<Diagnostic>,
}

fn parse_file(raw: &RawFile, settings: &Settings) -> FileResult {
    let path = raw.path.as_str();
    let mut result = FileResult {
        source: None,
        documents: Vec::new(),
        diagnostics: Vec::new(),
    };
    let too_large = |size: u64| size > settings.max_file_bytes;
    let bytes = match &raw.content {
        Content::Bytes(bytes) if !too_large(bytes.len() as u64) => bytes,
        Content::Bytes(bytes) => {
            return too_large_result(path, bytes.len() as u64, settings, result);
        }
        Content::TooLarge { size } => return too_large_result(path, *size, settings, result),
        Content::Unreadable(error) => {
            result.diagnostics.push(Diagnostic::error(
                Code::Io,
                path,
                None,
                format!("cannot read {path}: {error}"),
            ));
            return result;
        }
    };
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = match std::str::from_utf8(bytes) {
        Ok(text) => text,
        Err(error) => {
            let valid = &bytes[..error.valid_up_to()];
            let valid = std::str::from_utf8(valid).unwrap_or_default();
            let line = valid.matches('\n').count() as u32 + 1;
            let column = valid.rsplit('\n').next().map_or(0, |l| l.chars().count()) as u32 + 1;
            let span = yaml::Span::at(yaml::Pos { line, column });
            result.source = Some(SourceFile::new(
                path,
                String::from_utf8_lossy(bytes).into_owned(),
            ));
            result.diagnostics.push(
                Diagnostic::error(
                    Code::NotUtf8,
                    path,
                    Some(span),
                    format!("{path} is not UTF-8 text"),
                )
                .with_label("this byte is not UTF-8")
                .with_hint("save the file as UTF-8"),
            );
            return result;
        }
    };
    let source = SourceFile::new(path, text);
    let parsed = yaml::parse(text, settings.yaml);
    for error in &parsed.errors {
        result.diagnostics.push(yaml_diagnostic(path, error));
    }
    let broken_documents = parsed.errors.iter().any(|e| {
        !matches!(
            e.kind,
            yaml::ErrorKind::Syntax | yaml::ErrorKind::TooDeep | yaml::ErrorKind::AliasBudget
        )
    });
    let mut any = false;
    for doc in parsed.documents {
        if doc.root.value == Value::Null {
            continue;
        }
        any = true;
        let document = check_document(
            doc.root,
            &source,
            !broken_documents,
            &mut result.diagnostics,
        );
        result.documents.push(document);
    }
    if !any && parsed.errors.is_empty() {
        result.diagnostics.push(
            Diagnostic::error(
                Code::EmptyFile,
                path,
                None,
                format!("{path} holds no document"),
            )
            .with_hint("add a manifest, or delete the file"),
        );
    }
    result.source = Some(source);
    result
}

fn too_large_result(
    path: &str,
    size: u64,
    settings: &Settings,
    mut result: FileResult,
) -> FileResult {
    result.diagnostics.push(
        Diagnostic::error(
            Code::FileTooLarge,
            path,
            None,
            format!(
                "{path} is {size} bytes, more than the limit of {} bytes",
                settings.max_file_bytes
            ),
        )
        .with_hint(
            "split it into several files, or raise `spec.limits.maxFileBytes` in railyard.yaml",
        ),
    );
    result
}

fn yaml_diagnostic(path: &str, error: &yaml::Error) -> Diagnostic {
    use yaml::ErrorKind as K;
    let code = match error.kind {
        K::Syntax => Code::YamlSyntax,
        K::DuplicateKey { .. } => Code::YamlDuplicateKey,
        K::TooDeep => Code::YamlTooDeep,
        K::AliasBudget => Code::YamlAliasLimit,
        K::ComplexKey => Code::YamlComplexKey,
        K::UnsupportedTag => Code::YamlTag,
    };
    let diagnostic = Diagnostic::error(code, path, Some(error.span), error.message.clone());
    match &error.kind {
        K::DuplicateKey { first } => diagnostic
            .with_label("written again here")
            .with_related(path, *first, "first written here")
            .with_hint("YAML keeps only one value per key: remove one of them"),
        K::TooDeep => diagnostic
            .with_label("too deep")
            .with_hint("raise `spec.limits.maxDepth` in railyard.yaml if this nesting is intended"),
        K::AliasBudget => diagnostic
            .with_label("expansion stopped here")
            .with_hint("aliases that copy aliases grow exponentially; write the values out"),
        K::Syntax => diagnostic.with_label("here"),
        K::ComplexKey | K::UnsupportedTag => diagnostic.with_label("here"),
    }
}

/// Checks one document's envelope and schema and, when both pass, deserializes it.
fn check_document(
    root: Node,
    source: &SourceFile,
    sound: bool,
    out: &mut Vec<Diagnostic>,
) -> Document {
    let path = source.path.as_str();
    let mut document = Document {
        path: path.to_string(),
        kind: None,
        name: root
            .get("metadata")
            .and_then(|m| m.get("name"))
            .and_then(Node::as_str)
            .map(String::from),
        object: None,
        root: std::sync::Arc::new(root),
        view: Default::default(),
    };
    let root = &document.root;
    if !matches!(root.value, Value::Map(_)) {
        out.push(
            Diagnostic::error(
                Code::NotAManifest,
                path,
                Some(root.span),
                "a manifest is a mapping with `apiVersion`, `kind`, `metadata` and `spec`",
            )
            .with_label("not a mapping"),
        );
        return document;
    }
    let Some(kind_entry) = root.entry("kind") else {
        out.push(
            Diagnostic::error(
                Code::NotAManifest,
                path,
                Some(root.span),
                "this document has no `kind`",
            )
            .with_label("no `kind`")
            .with_hint(format!(
                "start it with `apiVersion: {API_VERSION}` and a `kind` such as `ReleaseTrain`"
            )),
        );
        return document;
    };
    let kind_text = kind_entry.value.scalar_text().unwrap_or_default();
    let Ok(kind) = kind_text.parse::<Kind>() else {
        let names: Vec<&str> = Kind::ALL.iter().map(|k| k.as_str()).collect();
        out.push(
            Diagnostic::error(
                Code::UnknownKind,
                path,
                Some(kind_entry.value.span),
                format!("unknown kind `{kind_text}`"),
            )
            .with_label("not a railyard kind")
            .with_hint(
                suggest::did_you_mean(&kind_text, names.iter().copied())
                    .unwrap_or_else(|| format!("the kinds are {}", names.join(", "))),
            ),
        );
        return document;
    };
    document.kind = Some(kind);
    let mut errors = Vec::new();
    if let Some(version) = root.get("apiVersion")
        && version.as_str() != Some(API_VERSION)
    {
        errors.push(
            Diagnostic::error(
                Code::UnknownApiVersion,
                path,
                Some(version.span),
                format!(
                    "unknown apiVersion `{}`",
                    version.scalar_text().unwrap_or_default()
                ),
            )
            .with_label(format!("this railyard reads `{API_VERSION}`")),
        );
    }
    let instance = root.to_json();
    for diagnostic in schema::validate(kind, root, &instance, source) {
        let is_version = diagnostic.code == Code::InvalidValue
            && errors.first().is_some_and(|e| e.span == diagnostic.span);
        if !is_version {
            errors.push(diagnostic);
        }
    }
    if errors.is_empty() && sound {
        match kind.object(instance) {
            Ok(object) => document.object = Some(std::sync::Arc::new(object)),
            Err(error) => errors.push(Diagnostic::error(
                Code::InvalidValue,
                path,
                Some(root.span),
                format!("{kind} does not fit the model: {error}"),
            )),
        }
    }
    out.extend(errors);
    document
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(path: &str, text: &str) -> RawFile {
        RawFile {
            path: path.into(),
            content: Content::Bytes(text.as_bytes().to_vec()),
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
