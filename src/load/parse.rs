//! Parsing files into documents: YAML with positions, the kind's schema, the typed model;
//! and the cache that parses only what changed (by git blob id or file stamp); `railyard.yaml`
//! parsed into the settings.

use rayon::prelude::*;

use super::settings::{Settings, check_settings};
use super::{CONFIG_FILE, Content, Document, Loaded, RawFile, assemble};
use crate::diagnostics::{self, Code, Diagnostic};
use crate::manifest::{API_VERSION, Kind, Object};
use crate::schema;
use crate::source::{SourceFile, Text};
use crate::suggest;
use crate::yaml::{self, Node, Value};

/// Files parsed and schema-checked, by path and content id (a git blob id, or the working
/// tree's path, size and modification time): a watcher parses again only what changed.
/// The settings that decide how files parse are part of the key.
#[derive(Default)]
pub struct ParseCache {
    pub(super) settings: Option<String>,
    pub(super) files: std::collections::HashMap<(String, Vec<u8>), FileResult>,
    /// Files parsed by the last load (the rest came from the cache).
    pub parsed: usize,
    /// Working-tree loads so far (makes keys for files without a usable time).
    pub(super) round: u64,
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
            .map(|f| {
                let mut result = parse_file(&f, &settings);
                result
                    .documents
                    .iter_mut()
                    .for_each(Document::shares_its_view);
                result
            })
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
        // The documents of the changed files, found by path (a few files of many thousands).
        let places = Places::of(&loaded.documents, &paths, |d| d.path.as_str());
        let gone = || places.items(&loaded.documents, &paths, |d: &Document| d.path.as_str());
        let removed = gone().count();
        let added: usize = results.iter().map(|r| r.documents.len()).sum();
        // Calendars and the environments that name them are joined across files.
        let calendars = paths.iter().any(|p| super::calendars::is_calendar(p))
            || results
                .iter()
                .any(|r| r.documents.iter().any(super::calendars::names_a_calendar))
            || gone().any(super::calendars::names_a_calendar);
        let beyond = calendars
            || results.iter().any(|r| r.documents.iter().any(config))
            || loaded
                .diagnostics
                .iter()
                .any(|d| d.code == Code::MisplacedConfig && paths.contains(d.file.as_str()))
            || gone().any(config)
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
        let sources_at = Places::of(&loaded.sources, &paths, |s| s.path.as_str());
        sources_at.replace(&mut loaded.sources, &paths, sources, |s| s.path.as_str());
        let documents = documents.into_iter().flatten().collect();
        places.replace(&mut loaded.documents, &paths, documents, |d| {
            d.path.as_str()
        });
        loaded
            .diagnostics
            .retain(|d| !paths.contains(d.file.as_str()));
        loaded.diagnostics.extend(diagnostics);
        diagnostics::sort(&mut loaded.diagnostics);
        true
    }
}

/// Where the items of a few changed paths stand in a list of many (the config file's items
/// first, then the rest in path order, as [`ParseCache::load`] makes it): found by binary
/// search, not by looking at every item. `None` when a changed path is the config file's,
/// or more than [`Places::FEW`] paths changed: [`merge`] then walks the list once.
struct Places<'p>(Option<Vec<(&'p str, std::ops::Range<usize>)>>);

impl<'p> Places<'p> {
    /// Beyond this many changed paths, one walk over the list beats a search and a shift of
    /// its tail for each.
    const FEW: usize = 16;

    fn of<T>(
        items: &[T],
        changed: &std::collections::HashSet<&'p str>,
        path: impl Fn(&T) -> &str,
    ) -> Places<'p> {
        if changed.len() > Self::FEW || changed.contains(CONFIG_FILE) {
            return Places(None);
        }
        let config = items.iter().take_while(|i| path(i) == CONFIG_FILE).count();
        let rest = &items[config..];
        let mut places: Vec<(&str, std::ops::Range<usize>)> = changed
            .iter()
            .map(|&changed| {
                let start = config + rest.partition_point(|i| path(i) < changed);
                let end = config + rest.partition_point(|i| path(i) <= changed);
                (changed, start..end)
            })
            .collect();
        places.sort_unstable_by_key(|&(path, _)| path);
        Places(Some(places))
    }

    /// The items of the changed paths.
    fn items<'t, T>(
        &self,
        items: &'t [T],
        changed: &'t std::collections::HashSet<&str>,
        path: impl Fn(&T) -> &str + 't,
    ) -> Box<dyn Iterator<Item = &'t T> + 't> {
        match &self.0 {
            Some(places) => {
                let ranges: Vec<std::ops::Range<usize>> =
                    places.iter().map(|(_, r)| r.clone()).collect();
                Box::new(ranges.into_iter().flat_map(move |r| &items[r]))
            }
            None => Box::new(items.iter().filter(move |i| changed.contains(path(i)))),
        }
    }

    /// `items` with the changed paths' items replaced by `fresh` (in path order, only
    /// changed paths): what [`merge`] makes of them.
    fn replace<T>(
        &self,
        items: &mut Vec<T>,
        changed: &std::collections::HashSet<&str>,
        mut fresh: Vec<T>,
        path: impl Fn(&T) -> &str,
    ) {
        let Some(places) = &self.0 else {
            *items = merge(std::mem::take(items), changed, fresh, path);
            return;
        };
        // From the last path to the first, so that the places found stay right: each
        // path's fresh items (the tail of `fresh` by then) take the place of its old ones.
        for (changed, range) in places.iter().rev() {
            let from = fresh.partition_point(|f| path(f) < *changed);
            let these = fresh.split_off(from);
            items.splice(range.clone(), these);
        }
        debug_assert!(fresh.is_empty(), "fresh items of paths that did not change");
        items.extend(fresh);
    }
}

/// `old` (the config file's items first, then the rest in path order) without the items of
/// `changed` paths, and `fresh` (in path order) each where its path sorts.
pub(super) fn merge<T>(
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

/// What one file produced.
#[derive(Clone)]
pub struct FileResult {
    pub(super) source: Option<SourceFile>,
    pub(super) documents: Vec<Document>,
    pub(super) diagnostics: Vec<Diagnostic>,
    /// An iCalendar file's events (`.ics`), for the freezes that name it.
    pub(super) calendar: Option<std::sync::Arc<super::calendars::CalendarFile>>,
}

/// A file's documents and diagnostics; a file whose documents are all valid manifests lets
/// its text go when it can be read again (`raw.again`, see [`crate::source::Reread`]).
pub(super) fn parse_file(raw: &RawFile, settings: &Settings) -> FileResult {
    let path = raw.path.as_str();
    let mut result = FileResult {
        source: None,
        documents: Vec::new(),
        diagnostics: Vec::new(),
        calendar: None,
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
    if super::calendars::is_calendar(path) {
        result.calendar = Some(std::sync::Arc::new(super::calendars::CalendarFile::read(
            text,
        )));
        result.source = Some(SourceFile::new(path, text));
        return result;
    }
    let stored = match &raw.again {
        Some(from) => Text::again(text, from.clone()),
        None => Text::Held(text.into()),
    };
    if let Some(documents) = plain_manifests(path, text, &stored, settings) {
        result.documents = documents;
        result.source = Some(SourceFile::with_text(path, stored));
        return result;
    }
    // A file with problems keeps its text: its diagnostics show it.
    let text = match stored {
        Text::Held(text) => text,
        Text::Again(_) => text.into(),
    };
    explained(SourceFile::new(path, text), settings, result)
}

/// Reads a file's text into its documents with a YAML tree each, and every problem found.
fn explained(source: SourceFile, settings: &Settings, mut result: FileResult) -> FileResult {
    let path = source.path.as_str();
    let text = source.text().unwrap_or_default();
    let parsed = yaml::parse(&text, settings.yaml);
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
    let file = std::sync::Arc::new(super::FileTrees::new(Text::Held(text), settings.yaml));
    for (index, doc) in parsed.documents.into_iter().enumerate() {
        if doc.root.value == Value::Null {
            continue;
        }
        any = true;
        let mut document = check_document(
            doc.root,
            &source,
            !broken_documents,
            &mut result.diagnostics,
        );
        document.read_again_from(file.clone(), index);
        result.documents.push(document);
    }
    result.documents.shrink_to_fit();
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

/// The documents of a file in which every one is a valid manifest, read the quick way:
/// straight to JSON whose strings point into the text, checked against the schema without
/// collecting errors, and typed from that JSON, with no YAML tree or `serde_json::Value`
/// built (it is read again if something asks for a position). `None` when
/// anything in the file is not so; the caller then reads it the way that explains every
/// problem, so diagnostics come from one place whichever way a file is read.
fn plain_manifests(
    path: &str,
    text: &str,
    stored: &Text,
    settings: &Settings,
) -> Option<Vec<Document>> {
    let parsed = yaml::parse_plain_json(text, settings.yaml)?;
    let file = std::sync::Arc::new(super::FileTrees::new(stored.clone(), settings.yaml));
    // Exactly as many as the file holds: a pushed-to vector starts with room for four, and
    // most files hold one document.
    let mut documents = Vec::with_capacity(parsed.len());
    for (index, doc) in parsed.into_iter().enumerate() {
        if doc.root.is_null() {
            continue;
        }
        let kind: Kind = doc.root.get("kind")?.as_str()?.parse().ok()?;
        let version = doc.root.get("apiVersion");
        if version.is_some_and(|v| v.as_str() != Some(API_VERSION))
            || !schema::accepts(kind, &doc.root)
        {
            return None;
        }
        let name = doc
            .root
            .get("metadata")
            .and_then(|metadata| metadata.get("name"))
            .and_then(yaml::Borrowed::as_str)
            .map(String::from);
        let object = kind.object_from(&doc.root).ok()?;
        let mut document = Document::read_later(path.to_string(), doc.span, file.clone(), index);
        document.kind = Some(kind);
        document.name = name;
        document.object = Some(std::sync::Arc::new(object));
        documents.push(document);
    }
    (!documents.is_empty()).then_some(documents)
}

pub(super) fn too_large_result(
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

pub(super) fn yaml_diagnostic(path: &str, error: &yaml::Error) -> Diagnostic {
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

/// The kind a document declares: an error when it is not a mapping, has no `kind`, or
/// names a kind railyard does not have.
fn manifest_kind(root: &Node, path: &str) -> Result<Kind, Box<Diagnostic>> {
    if !matches!(root.value, Value::Map(_)) {
        return Err(Box::new(
            Diagnostic::error(
                Code::NotAManifest,
                path,
                Some(root.span),
                "a manifest is a mapping with `apiVersion`, `kind`, `metadata` and `spec`",
            )
            .with_label("not a mapping"),
        ));
    }
    let Some(kind_entry) = root.entry("kind") else {
        return Err(Box::new(
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
        ));
    };
    let kind_text = kind_entry.value.scalar_text().unwrap_or_default();
    kind_text.parse::<Kind>().map_err(|_| {
        let names: Vec<&str> = Kind::ALL.iter().map(|k| k.as_str()).collect();
        Box::new(
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
        )
    })
}

/// Checks one document's envelope and schema and, when both pass, deserializes it.
pub(super) fn check_document(
    root: Node,
    source: &SourceFile,
    sound: bool,
    out: &mut Vec<Diagnostic>,
) -> Document {
    let path = source.path.as_str();
    let name = root
        .get("metadata")
        .and_then(|m| m.get("name"))
        .and_then(Node::as_str)
        .map(String::from);
    let (kind, object, errors) = match manifest_kind(&root, path) {
        Ok(kind) => {
            let (object, errors) = typed(kind, &root, source, sound);
            (Some(kind), object, errors)
        }
        Err(diagnostic) => (None, None, vec![*diagnostic]),
    };
    // A valid document's tree is read again from the text when something asks for it.
    let keep = !errors.is_empty() || object.is_none();
    let span = root.span;
    let mut document = Document::with_tree(path.to_string(), root);
    if !keep {
        document.forget_tree(span);
    }
    document.name = name;
    document.kind = kind;
    document.object = object;
    out.extend(errors);
    document
}

/// The document's schema errors, and its typed object when it has none.
fn typed(
    kind: Kind,
    root: &Node,
    source: &SourceFile,
    sound: bool,
) -> (
    Option<std::sync::Arc<crate::manifest::Object>>,
    Vec<Diagnostic>,
) {
    let path = source.path.as_str();
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
    let mut object = None;
    if errors.is_empty() && sound {
        match kind.object(instance) {
            Ok(typed) => object = Some(std::sync::Arc::new(typed)),
            Err(error) => errors.push(Diagnostic::error(
                Code::InvalidValue,
                path,
                Some(root.span),
                format!("{kind} does not fit the model: {error}"),
            )),
        }
    }
    (object, errors)
}

/// The result of parsing `railyard.yaml`, kept so that it is parsed only once.
pub struct ConfigResult {
    pub(super) file: FileResult,
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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Every manifest of the sample repository, as (path, text).
    fn samples() -> Vec<(String, String)> {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
        let mut out = Vec::new();
        let mut dirs = vec![root.clone()];
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(&dir).expect("examples").flatten() {
                let path = entry.path();
                if path.is_dir() {
                    dirs.push(path);
                } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
                    // One invalid sample is not UTF-8 on purpose: it never gets this far.
                    let Ok(text) = String::from_utf8(std::fs::read(&path).expect("a sample"))
                    else {
                        continue;
                    };
                    let name = path.strip_prefix(&root).expect("below examples");
                    out.push((name.to_string_lossy().replace('\\', "/"), text));
                }
            }
        }
        out.sort();
        out
    }

    /// Lines that make a manifest invalid, or YAML that only the explaining reader handles.
    const EDITS: &[&str] = &[
        "  bogus: 1",
        "kind: Bogus",
        "apiVersion: railyard.dev/v0",
        "  name: &anchor x",
        "  copy: *anchor",
        "  tagged: !!str 12",
        "  custom: !mine x",
        "  ? [a, b]",
        "  : 1",
        "  nan: .nan",
        "---",
        "--- .nan",
        "--- ~",
        "--- 3",
        "  name: [unclosed",
        "metadata:",
        "  \"quoted\": 'x'",
        "  1: one",
        "  deep: {a: {b: {c: {d: [1, [2, [3]]]}}}}",
        "\tindented: tab",
        "spec: {}",
        "",
    ];

    fn reads_the_same(path: &str, text: &str) -> Result<(), TestCaseError> {
        let settings = Settings::default();
        let source = SourceFile::new(path, text);
        let Some(quick) = plain_manifests(path, text, &Text::Held(text.into()), &settings) else {
            return Ok(());
        };
        let empty = FileResult {
            source: None,
            documents: Vec::new(),
            diagnostics: Vec::new(),
            calendar: None,
        };
        let slow = explained(source, &settings, empty);
        prop_assert!(slow.diagnostics.is_empty(), "{:?}", slow.diagnostics);
        prop_assert_eq!(quick.len(), slow.documents.len());
        for (quick, slow) in quick.iter().zip(&slow.documents) {
            prop_assert_eq!(&quick.path, &slow.path);
            prop_assert_eq!(quick.span, slow.span);
            prop_assert_eq!(quick.kind, slow.kind);
            prop_assert_eq!(&quick.name, &slow.name);
            prop_assert_eq!(&quick.object, &slow.object);
            prop_assert_eq!(quick.root(), slow.root());
        }
        Ok(())
    }

    #[test]
    fn every_sample_is_read_the_quick_way_alike() {
        let samples = samples();
        assert!(samples.len() > 20, "{} samples", samples.len());
        let quick = samples
            .iter()
            .filter(|(path, text)| {
                let held = Text::Held(text.as_str().into());
                plain_manifests(path, text, &held, &Settings::default()).is_some()
            })
            .count();
        // The valid sample repository is read the quick way; `examples/invalid` is not.
        assert!(
            quick * 3 > samples.len() * 2,
            "{quick} of {}",
            samples.len()
        );
        for (path, text) in &samples {
            reads_the_same(path, text).expect("the same documents");
        }
    }

    proptest! {
        /// Whatever an edit does to a sample, a file the quick reader accepts reads the same
        /// as the explaining reader makes of it, with no diagnostic.
        #[test]
        fn the_quick_reader_agrees_with_the_explaining_one(
            sample in any::<prop::sample::Index>(),
            edits in prop::collection::vec(
                (any::<prop::sample::Index>(), any::<prop::sample::Index>(), any::<bool>()),
                0..4,
            ),
        ) {
            let samples = samples();
            let (path, text) = &samples[sample.index(samples.len())];
            let mut lines: Vec<&str> = text.lines().collect();
            for (at, edit, replace) in edits {
                let at = at.index(lines.len() + 1);
                let edit = EDITS[edit.index(EDITS.len())];
                if replace && at < lines.len() {
                    lines[at] = edit;
                } else {
                    lines.insert(at, edit);
                }
            }
            let text = lines.join("\n") + "\n";
            reads_the_same(path, &text)?;
        }
    }
}
