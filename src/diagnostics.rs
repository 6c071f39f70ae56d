//! Diagnostics: every problem a user can cause in a repository, with a stable code, the file,
//! line and column of the offending node, a message and a hint; and their three renderings
//! (`human` with the source line and a label under it, `json`, and GitHub workflow commands).

use std::collections::HashMap;
use std::fmt::Write as _;

use codespan_reporting::diagnostic as cs;
use codespan_reporting::files::SimpleFiles;
use codespan_reporting::term::{self, termcolor};
use serde::Serialize;

use crate::source::SourceFile;
use crate::yaml::Span;

/// How bad a diagnostic is. Errors fail `validate`; warnings do not.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

macro_rules! codes {
    ($($variant:ident = $name:literal : $summary:literal,)*) => {
        /// The stable code of a diagnostic. The string form is the interface: tools and
        /// people match on it, so a code is never renamed or reused.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Code { $($variant,)* }

        impl Code {
            /// Every code, in the order of the README's table.
            pub const ALL: &'static [Code] = &[$(Code::$variant,)*];

            /// The code as users see it, e.g. `unknown-field`.
            pub fn as_str(self) -> &'static str {
                match self { $(Code::$variant => $name,)* }
            }

            /// One line on what the code means.
            pub fn summary(self) -> &'static str {
                match self { $(Code::$variant => $summary,)* }
            }
        }
    };
}

codes! {
    Io = "io-error": "a file or directory could not be read (exit code 2)",
    FileTooLarge = "file-too-large": "a manifest file is larger than `limits.maxFileBytes` (default 1 MiB)",
    NotUtf8 = "not-utf8": "a manifest file is not UTF-8 text",
    EmptyFile = "empty-file": "a manifest file holds no document",
    NoManifests = "no-manifests": "the repository holds no manifest at all",
    YamlSyntax = "yaml-syntax": "the text is not valid YAML",
    YamlDuplicateKey = "yaml-duplicate-key": "a key is written twice in one mapping",
    YamlTooDeep = "yaml-too-deep": "mappings and sequences nested deeper than the limit",
    YamlAliasLimit = "yaml-alias-limit": "aliases expand into more nodes than the limit (an alias bomb)",
    YamlComplexKey = "yaml-complex-key": "a mapping or sequence is used as a mapping key",
    YamlTag = "yaml-tag": "a tag outside the YAML core schema, or a value that does not fit its tag",
    NotAManifest = "not-a-manifest": "a document is not a mapping with `apiVersion` and `kind`",
    UnknownApiVersion = "unknown-api-version": "`apiVersion` is not `railyard/v1`",
    UnknownKind = "unknown-kind": "`kind` names no railyard kind",
    MisplacedConfig = "misplaced-config": "a `Config` outside `railyard.yaml` at the repository root, or more than one",
    MissingField = "missing-field": "a required field is missing",
    UnknownField = "unknown-field": "a field that the kind does not have (a typo must not silently do nothing)",
    WrongType = "wrong-type": "a value of the wrong type (a number where a string belongs, …)",
    InvalidValue = "invalid-value": "a value outside what the field allows",
    InvalidFormat = "invalid-format": "a date, instant, duration or other formatted string that does not parse",
    InvalidName = "invalid-name": "`metadata.name` is not 1–63 characters of `[a-z0-9-.]` starting and ending with a letter or digit",
    InvalidPath = "invalid-path": "a path in `railyard.yaml` that is absolute or leaves the repository, or a bad glob",
    DuplicateName = "duplicate-name": "two objects of one kind share a name",
    DuplicateId = "duplicate-id": "two entries of one list share an id (tasks, members, milestones, criteria, work items, phases), or two members share an email",
    UnresolvedReference = "unresolved-reference": "a reference names an object, member, task, gate or criterion that does not exist",
    SelfDependency = "self-dependency": "a task or application release depends on itself",
    DependencyCycle = "dependency-cycle": "tasks or application releases depend on each other in a cycle",
    TurnoverTarget = "turnover-target": "a turnover names neither or both of `train` and `releases`",
    ApprovalTarget = "approval-target": "an approval names neither or both of `gate` and `criterion`",
    DateOrder = "date-order": "a range that ends before it starts (schedules, freezes, reservations)",
    FreezePeriod = "freeze-period": "a freeze with neither `from` and `to` nor `recur`, or with both",
    UnknownTimeZone = "unknown-time-zone": "a `timezone` that is not an IANA time zone name",
    InvalidCalendar = "invalid-calendar": "a holiday calendar (`.ics`) that a freeze names does not read, or has an event railyard cannot make a freeze of (warnings: parts it leaves out)",
    InvalidRecurrence = "invalid-recurrence": "a recurrence rule (RFC 5545 RRULE) that does not parse, or a deployment window that never opens",
    ReservationOverlap = "reservation-overlap": "two trains reserve one environment over overlapping dates",
    PromotionCycle = "promotion-cycle": "environments' `promotesTo` form a cycle",
    PromotionPath = "promotion-path": "a turnover is promoted from one on an environment that does not promote to its own",
    WorkflowDuplicate = "workflow-duplicate": "two workflows apply to the same kind",
    WorkflowUnknownPhase = "workflow-unknown-phase": "a workflow names a phase it does not define",
    WorkflowUnreachablePhase = "workflow-unreachable-phase": "a workflow phase that no transition leads to",
    WorkflowDeadEnd = "workflow-dead-end": "a non-terminal workflow phase with no way out",
    WorkflowUnknownField = "workflow-unknown-field": "a workflow guard or action names a field the kind does not have",
    RecordChanged = "record-changed": "an approval, task report or halt was changed after the commit that added it (records are append-only; it does not count)",
    StatusInPullRequest = "status-in-pull-request": "a pull request changes railyard's own files (the status dir or the summary), which only railyard writes",
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A secondary place that explains a diagnostic ("first defined here").
#[derive(Clone, Debug, PartialEq)]
pub struct Related {
    pub file: String,
    pub span: Span,
    pub message: String,
}

/// One problem, located at the exact node that causes it.
#[derive(Clone, Debug, PartialEq)]
pub struct Diagnostic {
    pub severity: Severity,
    pub code: Code,
    /// Path relative to the repository root, `/`-separated; empty for the repository itself.
    pub file: String,
    /// Where in the file; `None` for a problem of the whole file or repository.
    pub span: Option<Span>,
    pub message: String,
    /// A short text under the source line; defaults to the message.
    pub label: Option<String>,
    pub hint: Option<String>,
    pub related: Vec<Related>,
}

impl Diagnostic {
    /// An error at `span` of `file`.
    pub fn error(code: Code, file: &str, span: Option<Span>, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Error,
            code,
            file: file.to_string(),
            span,
            message: message.into(),
            label: None,
            hint: None,
            related: Vec::new(),
        }
    }

    pub fn with_label(mut self, label: impl Into<String>) -> Self {
        self.label = Some(label.into());
        self
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    pub fn with_hint_opt(mut self, hint: Option<String>) -> Self {
        self.hint = hint;
        self
    }

    pub fn with_related(mut self, file: &str, span: Span, message: impl Into<String>) -> Self {
        self.related.push(Related {
            file: file.to_string(),
            span,
            message: message.into(),
        });
        self
    }

    /// 1-based line, or 1 when the problem concerns the whole file.
    pub fn line(&self) -> u32 {
        self.span.map_or(1, |s| s.start.line)
    }

    /// 1-based column in characters, or 1 when the problem concerns the whole file.
    pub fn column(&self) -> u32 {
        self.span.map_or(1, |s| s.start.column)
    }

    /// The order in which diagnostics are shown: by file, then position, then code.
    fn sort_key(&self) -> (&str, u32, u32, Code, &str) {
        (
            &self.file,
            self.line(),
            self.column(),
            self.code,
            &self.message,
        )
    }
}

/// The longest piece of a value that a message quotes: a hostile 1 MB name must not become
/// a 1 MB line in every format (the source excerpt shows where the value is).
pub const MAX_QUOTED: usize = 80;

/// `text` cut to [`MAX_QUOTED`] characters, with `…` where it was cut.
pub fn clip(text: &str) -> std::borrow::Cow<'_, str> {
    match text.char_indices().nth(MAX_QUOTED) {
        None => text.into(),
        Some((end, _)) => format!("{}…", &text[..end]).into(),
    }
}

/// Sorts diagnostics into their stable display order and drops exact repeats.
pub fn sort(diagnostics: &mut Vec<Diagnostic>) {
    diagnostics.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    diagnostics.dedup();
}

/// How a report is rendered for a terminal.
#[derive(Clone, Copy, Debug, Default)]
pub struct HumanStyle {
    pub color: bool,
}

/// Renders diagnostics the way rustc and cargo-deny do: the message, the source line, a label
/// under the offending node, and the hint.
pub fn render_human(
    diagnostics: &[Diagnostic],
    sources: &[SourceFile],
    style: HumanStyle,
) -> String {
    // Only the files the diagnostics point into: the renderer indexes every line of each
    // file it is given, and a clean repository of a hundred thousand files has none.
    let named: std::collections::HashSet<&str> = diagnostics
        .iter()
        .flat_map(|d| {
            std::iter::once(d.file.as_str()).chain(d.related.iter().map(|r| r.file.as_str()))
        })
        .collect();
    // Their texts, held (a valid file's text is read again here; one that changed since it
    // was parsed is left out, and its diagnostics name the file alone).
    let held: Vec<SourceFile> = sources
        .iter()
        .filter(|s| named.contains(s.path.as_str()))
        .filter_map(SourceFile::held)
        .collect();
    let mut files = SimpleFiles::new();
    let mut ids = HashMap::new();
    for source in &held {
        let text = source.text().unwrap_or_default();
        ids.insert(source.path.as_str(), files.add(source.path.clone(), text));
    }
    let by_path: HashMap<&str, &SourceFile> = held.iter().map(|s| (s.path.as_str(), s)).collect();
    let mut buffer = if style.color {
        termcolor::Buffer::ansi()
    } else {
        termcolor::Buffer::no_color()
    };
    let config = term::Config::default();
    for diagnostic in diagnostics {
        let mut rendered = match diagnostic.severity {
            Severity::Error => cs::Diagnostic::error(),
            Severity::Warning => cs::Diagnostic::warning(),
        }
        .with_code(diagnostic.code.as_str())
        .with_message(&diagnostic.message);
        let mut located = false;
        if let (Some(span), Some(id), Some(source)) = (
            diagnostic.span,
            ids.get(diagnostic.file.as_str()),
            by_path.get(diagnostic.file.as_str()),
        ) {
            let label = diagnostic.label.as_deref().unwrap_or("");
            rendered = rendered
                .with_label(cs::Label::primary(*id, source.range(span)).with_message(label));
            located = true;
        }
        for related in &diagnostic.related {
            if let (Some(id), Some(source)) = (
                ids.get(related.file.as_str()),
                by_path.get(related.file.as_str()),
            ) {
                rendered = rendered.with_label(
                    cs::Label::secondary(*id, source.range(related.span))
                        .with_message(&related.message),
                );
            }
        }
        let mut notes = Vec::new();
        if !located && !diagnostic.file.is_empty() {
            notes.push(format!("in {}", diagnostic.file));
        }
        if let Some(hint) = &diagnostic.hint {
            notes.push(format!("help: {hint}"));
        }
        rendered = rendered.with_notes(notes);
        if term::emit(&mut buffer, &config, &files, &rendered).is_err() {
            // A span outside its file: fall back to a plain line rather than lose the problem.
            let _ = writeln_plain(&mut buffer, diagnostic);
        }
    }
    String::from_utf8_lossy(buffer.as_slice()).into_owned()
}

fn writeln_plain(buffer: &mut termcolor::Buffer, d: &Diagnostic) -> std::io::Result<()> {
    use std::io::Write;
    writeln!(
        buffer,
        "error[{}]: {} ({}:{}:{})",
        d.code,
        d.message,
        d.file,
        d.line(),
        d.column()
    )
}

/// One diagnostic as `--format json` prints it.
#[derive(Serialize)]
struct JsonDiagnostic<'a> {
    severity: Severity,
    code: &'a str,
    file: &'a str,
    line: u32,
    column: u32,
    message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    hint: Option<&'a str>,
}

/// The diagnostics as JSON values (SPEC §7: severity, code, file, line, column, message, and a
/// hint where there is one).
pub fn to_json(diagnostics: &[Diagnostic]) -> serde_json::Value {
    serde_json::Value::Array(
        diagnostics
            .iter()
            .map(|d| {
                serde_json::to_value(JsonDiagnostic {
                    severity: d.severity,
                    code: d.code.as_str(),
                    file: &d.file,
                    line: d.line(),
                    column: d.column(),
                    message: &d.message,
                    hint: d.hint.as_deref(),
                })
                .unwrap_or(serde_json::Value::Null)
            })
            .collect(),
    )
}

/// GitHub workflow commands (`::error file=…,line=…,col=…,title=…::message`), errors first.
pub fn render_github(diagnostics: &[Diagnostic]) -> String {
    let mut ordered: Vec<&Diagnostic> = diagnostics.iter().collect();
    ordered.sort_by_key(|d| d.severity);
    let mut out = String::new();
    for d in ordered {
        let command = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let mut message = d.message.clone();
        if let Some(hint) = &d.hint {
            message.push_str("\nhelp: ");
            message.push_str(hint);
        }
        let _ = write!(out, "::{command} ");
        if !d.file.is_empty() {
            let _ = write!(
                out,
                "file={},line={},col={},",
                escape_property(&d.file),
                d.line(),
                d.column()
            );
        }
        let _ = writeln!(
            out,
            "title={}::{}",
            escape_property(d.code.as_str()),
            escape_data(&message)
        );
    }
    out
}

/// Escapes a workflow command's message (GitHub's `escapeData`).
pub fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a workflow command's property value (GitHub's `escapeProperty`).
pub fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::Pos;

    fn at(line: u32, column: u32, len: u32) -> Span {
        Span {
            start: Pos { line, column },
            end: Pos {
                line,
                column: column + len,
            },
        }
    }

    #[test]
    fn codes_are_unique_kebab_case() {
        let mut seen = std::collections::HashSet::new();
        for code in Code::ALL {
            let name = code.as_str();
            assert!(seen.insert(name), "{name} twice");
            assert!(
                name.chars()
                    .all(|c| c.is_ascii_lowercase() || c == '-' || c.is_ascii_digit()),
                "{name}"
            );
            assert!(!code.summary().is_empty());
        }
    }

    #[test]
    fn human_rendering_puts_a_label_under_the_node() {
        let source = SourceFile::new("teams/a.yaml", "kind: Team\nspce: {}\n");
        let diagnostic = Diagnostic::error(
            Code::UnknownField,
            "teams/a.yaml",
            Some(at(2, 1, 4)),
            "unknown field `spce`",
        )
        .with_label("not a field of Team")
        .with_hint("did you mean `spec`?");
        let text = render_human(&[diagnostic], &[source], HumanStyle::default());
        assert!(
            text.contains("error[unknown-field]: unknown field `spce`"),
            "{text}"
        );
        assert!(text.contains("teams/a.yaml:2:1"), "{text}");
        assert!(text.contains("^^^^ not a field of Team"), "{text}");
        assert!(text.contains("help: did you mean `spec`?"), "{text}");
    }

    #[test]
    fn github_commands_escape_their_parts() {
        let diagnostic = Diagnostic::error(
            Code::InvalidValue,
            "a,b:c.yaml",
            Some(at(3, 5, 1)),
            "50% done\nnext line",
        );
        let warning = Diagnostic {
            severity: Severity::Warning,
            ..diagnostic.clone()
        };
        let text = render_github(&[warning, diagnostic]);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[0],
            "::error file=a%2Cb%3Ac.yaml,line=3,col=5,title=invalid-value::50%25 done%0Anext line"
        );
        assert!(lines[1].starts_with("::warning "));
    }

    #[test]
    fn json_has_the_spec_keys() {
        let d = Diagnostic::error(Code::DuplicateName, "x.yaml", Some(at(1, 2, 3)), "m");
        let json = to_json(&[d]);
        assert_eq!(
            json[0],
            serde_json::json!({"severity": "error", "code": "duplicate-name", "file": "x.yaml",
                "line": 1, "column": 2, "message": "m"})
        );
    }
}
