//! YAML 1.2 documents with a position for every node and every key.
//!
//! saphyr's event parser does the scanning; this module builds the tree itself so that it can
//! keep key spans, report duplicate keys with both places, bound nesting and alias expansion,
//! and never recurse on untrusted depth. Positions are 1-based lines and 1-based columns
//! counted in characters (saphyr's markers count columns from 0).

mod borrowed;
mod plain;
mod scalars;

pub use borrowed::Borrowed;
pub(crate) use borrowed::repeats_a_key;

use std::borrow::Cow;
use std::collections::HashMap;

use saphyr_parser::{Event, Parser, ScalarStyle, Tag};

use scalars::{is_word, scalar_json, scalar_text, scalar_value};

/// A place in a source text: 1-based line, 1-based column counted in characters.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Pos {
    pub line: u32,
    pub column: u32,
}

/// A range of a source text, start inclusive, end exclusive.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Span {
    pub start: Pos,
    pub end: Pos,
}

impl Span {
    /// An empty span at `pos`.
    pub fn at(pos: Pos) -> Span {
        Span {
            start: pos,
            end: pos,
        }
    }

    fn from_saphyr(span: saphyr_parser::Span) -> Span {
        Span {
            start: pos_from_marker(span.start),
            end: pos_from_marker(span.end),
        }
    }
}

fn pos_from_marker(marker: saphyr_parser::Marker) -> Pos {
    Pos {
        line: u32::try_from(marker.line()).unwrap_or(u32::MAX),
        column: u32::try_from(marker.col() + 1).unwrap_or(u32::MAX),
    }
}

/// A YAML node and where it stands.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    pub span: Span,
    pub value: Value,
    /// True for a plain (unquoted) scalar: `1.10` or `no` written without quotes.
    pub plain: bool,
}

/// The value of a node, resolved with the YAML 1.2 core schema.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(Box<str>),
    Seq(Vec<Node>),
    Map(Vec<Entry>),
}

/// One key of a mapping with its value.
#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    pub key: Box<str>,
    pub key_span: Span,
    pub value: Node,
}

/// What is wrong with a YAML text.
#[derive(Clone, Debug, PartialEq)]
pub enum ErrorKind {
    /// The text is not YAML; parsing stops here.
    Syntax,
    /// A key repeated in one mapping; `first` is where it was first written.
    DuplicateKey { first: Span },
    /// Collections nested deeper than the limit; parsing stops here.
    TooDeep,
    /// Aliases expand into more nodes than the limit; parsing stops here.
    AliasBudget,
    /// A mapping or sequence used as a key.
    ComplexKey,
    /// A tag outside the core schema (`!!str`, `!!int`, …).
    UnsupportedTag,
}

/// A problem found while reading YAML, at the span where it stands.
#[derive(Clone, Debug, PartialEq)]
pub struct Error {
    pub kind: ErrorKind,
    pub span: Span,
    pub message: String,
}

/// Bounds that keep hostile input from using unbounded memory or stack.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Deepest nesting of mappings and sequences.
    pub max_depth: usize,
    /// Most nodes that aliases may copy in one file.
    pub max_alias_nodes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_depth: 64,
            max_alias_nodes: 10_000,
        }
    }
}

/// The scanner counts flow nesting in a byte: `[` or `{` nested deeper than this stops it.
const MAX_SCANNER_DEPTH: usize = 255;

/// One document of a YAML stream.
#[derive(Clone, Debug, PartialEq)]
pub struct Document {
    pub root: Node,
}

/// The documents that could be read, and every problem met on the way.
#[derive(Debug, Default)]
pub struct Parsed {
    pub documents: Vec<Document>,
    pub errors: Vec<Error>,
}

impl Node {
    /// The node as a JSON value (mapping keys in document order).
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match &self.value {
            Value::Seq(items) => J::Array(items.iter().map(Node::to_json).collect()),
            Value::Map(entries) => J::Object(
                entries
                    .iter()
                    .map(|e| (e.key.to_string(), e.value.to_json()))
                    .collect(),
            ),
            scalar => scalar_json(scalar.clone()),
        }
    }

    /// The value of `key` when this node is a mapping.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|e| &e.value)
    }

    /// The entry of `key` when this node is a mapping.
    pub fn entry(&self, key: &str) -> Option<&Entry> {
        match &self.value {
            Value::Map(entries) => entries.iter().find(|e| &*e.key == key),
            _ => None,
        }
    }

    /// The string value of a string scalar.
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The source text of a scalar the way a person wrote it, for messages.
    pub fn scalar_text(&self) -> Option<String> {
        scalar_text(&self.value)
    }

    /// Follows an RFC 6901 JSON pointer; returns the node and, when the last step was a
    /// mapping key, that key's span. Stops at the deepest node that exists.
    pub fn locate(&self, pointer: &str) -> Located<'_> {
        let mut node = self;
        let mut key_span = None;
        let mut exact = true;
        for raw in pointer.split('/').skip(1) {
            let step = raw.replace("~1", "/").replace("~0", "~");
            let next = match &node.value {
                Value::Map(entries) => entries.iter().find(|e| *e.key == *step).map(|e| {
                    key_span = Some(e.key_span);
                    &e.value
                }),
                Value::Seq(items) => {
                    key_span = None;
                    step.parse::<usize>().ok().and_then(|i| items.get(i))
                }
                _ => None,
            };
            match next {
                Some(n) => node = n,
                None => {
                    exact = false;
                    break;
                }
            }
        }
        Located {
            node,
            key_span,
            exact,
        }
    }
}

/// The result of [`Node::locate`].
#[derive(Debug)]
pub struct Located<'a> {
    pub node: &'a Node,
    pub key_span: Option<Span>,
    /// False when the pointer went further than the document does.
    pub exact: bool,
}

/// Parses every document of `text`.
pub fn parse(text: &str, limits: Limits) -> Parsed {
    let mut builder = Builder {
        limits,
        stack: Vec::new(),
        anchors: HashMap::new(),
        // Aliases copy at most as many nodes as the file has bytes, whatever the limit says:
        // memory stays a small multiple of the input (a real file's `<<: *defaults` copies a
        // few nodes for every few bytes; a bomb copies millions from a few hundred).
        alias_budget: limits.max_alias_nodes.min(text.len()),
        alias_limit: limits.max_alias_nodes.min(text.len()),
        parsed: Parsed::default(),
    };
    let mut parser = Parser::new_from_str(text);
    while let Some(event) = parser.next_event() {
        match event {
            Ok((event, span)) => {
                if let Err(error) = builder.on_event(event, Span::from_saphyr(span)) {
                    builder.parsed.errors.push(error);
                    break;
                }
            }
            Err(scan) => {
                let pos = pos_from_marker(*scan.marker());
                // The scanner's own bound on flow nesting, met before ours when the file nests
                // flow collections deeper than it allows.
                let too_deep = scan.info() == "recursion limit exceeded";
                builder.parsed.errors.push(Error {
                    kind: if too_deep {
                        ErrorKind::TooDeep
                    } else {
                        ErrorKind::Syntax
                    },
                    span: Span::at(pos),
                    message: if too_deep {
                        format!(
                            "nesting deeper than {} levels of mappings and sequences",
                            limits.max_depth.min(MAX_SCANNER_DEPTH)
                        )
                    } else {
                        scan.info().to_string()
                    },
                });
                break;
            }
        }
    }
    builder.parsed
}

/// A collection being built, with the count of nodes below it (for alias budgets).
enum Frame {
    Seq {
        start: Span,
        anchor: usize,
        items: Vec<Node>,
        count: usize,
    },
    Map {
        start: Span,
        anchor: usize,
        entries: Vec<Entry>,
        index: Option<HashMap<String, usize>>,
        pending_key: Option<PendingKey>,
        count: usize,
    },
}

struct PendingKey {
    key: String,
    span: Span,
    /// A complex key was reported: drop the value that follows.
    skip: bool,
}

struct Builder {
    limits: Limits,
    stack: Vec<Frame>,
    anchors: HashMap<usize, (Node, usize)>,
    alias_budget: usize,
    /// The budget the file started with, for the message.
    alias_limit: usize,
    parsed: Parsed,
}

/// Mappings with more keys than this get a hash index for duplicate detection.
const LINEAR_KEY_SCAN: usize = 16;

impl Builder {
    fn on_event(&mut self, event: Event<'_>, span: Span) -> Result<(), Error> {
        match event {
            Event::Nothing
            | Event::StreamStart
            | Event::StreamEnd
            | Event::DocumentStart(_)
            | Event::DocumentEnd => {}
            Event::Scalar(text, style, anchor, tag) => {
                let node = self.scalar(text, style, tag.as_ref(), span);
                self.complete(node, anchor, 1)?;
            }
            Event::Alias(id) => {
                let Some((node, count)) = self.anchors.get(&id) else {
                    return Err(Error {
                        kind: ErrorKind::Syntax,
                        span,
                        message: "alias to an unknown anchor".into(),
                    });
                };
                if *count > self.alias_budget {
                    return Err(Error {
                        kind: ErrorKind::AliasBudget,
                        span,
                        message: if self.alias_limit < self.limits.max_alias_nodes {
                            format!(
                                "aliases expand to more nodes than the file has bytes ({})",
                                self.alias_limit
                            )
                        } else {
                            format!(
                                "aliases expand to more than {} nodes (`limits.maxAliasNodes`)",
                                self.alias_limit
                            )
                        },
                    });
                }
                self.alias_budget -= *count;
                let (mut node, count) = (node.clone(), *count);
                node.span = span;
                self.complete(node, 0, count)?;
            }
            Event::SequenceStart(anchor, tag) => {
                self.check_depth(span)?;
                self.check_tag(tag.as_ref(), span);
                self.stack.push(Frame::Seq {
                    start: span,
                    anchor,
                    items: Vec::new(),
                    count: 1,
                });
            }
            Event::MappingStart(anchor, tag) => {
                self.check_depth(span)?;
                self.check_tag(tag.as_ref(), span);
                self.stack.push(Frame::Map {
                    start: span,
                    anchor,
                    entries: Vec::new(),
                    index: None,
                    pending_key: None,
                    count: 1,
                });
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let Some(frame) = self.stack.pop() else {
                    return Err(Error {
                        kind: ErrorKind::Syntax,
                        span,
                        message: "unbalanced end of collection".into(),
                    });
                };
                let (node, anchor, count) = match frame {
                    Frame::Seq {
                        start,
                        anchor,
                        mut items,
                        count,
                    } => {
                        items.shrink_to_fit();
                        (collection(start, span, Value::Seq(items)), anchor, count)
                    }
                    Frame::Map {
                        start,
                        anchor,
                        mut entries,
                        count,
                        ..
                    } => {
                        entries.shrink_to_fit();
                        (collection(start, span, Value::Map(entries)), anchor, count)
                    }
                };
                self.complete(node, anchor, count)?;
            }
        }
        Ok(())
    }

    fn check_depth(&self, span: Span) -> Result<(), Error> {
        if self.stack.len() >= self.limits.max_depth {
            return Err(Error {
                kind: ErrorKind::TooDeep,
                span,
                message: format!(
                    "nesting deeper than {} levels of mappings and sequences",
                    self.limits.max_depth
                ),
            });
        }
        Ok(())
    }

    fn check_tag(&mut self, tag: Option<&Cow<'_, Tag>>, span: Span) {
        if let Some(tag) = tag
            && !tag.is_yaml_core_schema()
        {
            self.parsed.errors.push(Error {
                kind: ErrorKind::UnsupportedTag,
                span,
                message: format!("unsupported tag `{}{}`", tag.handle, tag.suffix),
            });
        }
    }

    fn scalar(
        &mut self,
        text: Cow<'_, str>,
        style: ScalarStyle,
        tag: Option<&Cow<'_, Tag>>,
        span: Span,
    ) -> Node {
        self.check_tag(tag, span);
        let value = match scalar_value(text.clone(), style, tag) {
            Some(value) => value,
            None => {
                self.parsed.errors.push(Error {
                    kind: ErrorKind::UnsupportedTag,
                    span,
                    message: format!("`{text}` does not fit its tag"),
                });
                Value::Str(text.as_ref().into())
            }
        };
        Node {
            span,
            value,
            plain: style == ScalarStyle::Plain,
        }
    }

    /// Attaches a finished node to its parent, or ends the document.
    fn complete(&mut self, node: Node, anchor: usize, count: usize) -> Result<(), Error> {
        if anchor != 0 {
            self.anchors.insert(anchor, (node.clone(), count));
        }
        let Some(parent) = self.stack.last_mut() else {
            self.parsed.documents.push(Document { root: node });
            self.anchors.clear();
            return Ok(());
        };
        match parent {
            Frame::Seq {
                items, count: c, ..
            } => {
                *c += count;
                items.push(node);
            }
            Frame::Map {
                entries,
                index,
                pending_key,
                count: c,
                ..
            } => {
                *c += count;
                match pending_key.take() {
                    None => {
                        let (key, skip) = match node.scalar_text() {
                            Some(key) => (key, false),
                            None => {
                                self.parsed.errors.push(Error {
                                    kind: ErrorKind::ComplexKey,
                                    span: node.span,
                                    message: "a mapping key must be a plain value, not a \
                                              mapping or a sequence"
                                        .into(),
                                });
                                (String::new(), true)
                            }
                        };
                        *pending_key = Some(PendingKey {
                            key,
                            span: node.span,
                            skip,
                        });
                    }
                    Some(PendingKey { skip: true, .. }) => {}
                    Some(PendingKey { key, span, .. }) => {
                        if let Some(first) = find_key(entries, index, &key) {
                            self.parsed.errors.push(Error {
                                kind: ErrorKind::DuplicateKey {
                                    first: entries[first].key_span,
                                },
                                span,
                                message: format!("duplicate key `{key}`"),
                            });
                            return Ok(());
                        }
                        if let Some(index) = index {
                            index.insert(key.clone(), entries.len());
                        } else if entries.len() >= LINEAR_KEY_SCAN {
                            let mut built: HashMap<String, usize> = entries
                                .iter()
                                .enumerate()
                                .map(|(i, e)| (e.key.to_string(), i))
                                .collect();
                            built.insert(key.clone(), entries.len());
                            *index = Some(built);
                        }
                        entries.push(Entry {
                            key: key.into_boxed_str(),
                            key_span: span,
                            value: node,
                        });
                    }
                }
            }
        }
        Ok(())
    }
}

fn find_key(entries: &[Entry], index: &Option<HashMap<String, usize>>, key: &str) -> Option<usize> {
    match index {
        Some(index) => index.get(key).copied(),
        None => entries.iter().position(|e| &*e.key == key),
    }
}

fn collection(start: Span, end: Span, value: Value) -> Node {
    Node {
        span: joined(start, end),
        value,
        plain: false,
    }
}

/// A collection's span from its start and end events.
fn joined(start: Span, end: Span) -> Span {
    Span {
        start: start.start,
        end: end.end.max(start.end),
    }
}

/// One document of a plain YAML text, straight as JSON: what [`Node::to_json`] makes of the
/// tree [`parse`] builds (its strings borrowed from the text where they can be), and the
/// root's span.
#[derive(Debug)]
pub struct JsonDocument<'t> {
    pub root: Borrowed<'t>,
    pub span: Span,
}

/// The documents of `text` as JSON without building their trees, for the common text that
/// [`parse`] reads without a single error: `None` as soon as the text has anything else
/// (a syntax error, a tag, an anchor or alias, a complex or repeated key, nesting at the
/// limit). The caller then reads it with [`parse`], which explains what it found; so a
/// text this reads gives the same JSON and spans as [`parse`] would, and any other text
/// goes the one way that reports problems.
pub fn parse_plain_json(text: &str, limits: Limits) -> Option<Vec<JsonDocument<'_>>> {
    match plain::read(text, limits) {
        Some(document) => Some(vec![document]),
        None => events_json(text, limits),
    }
}

/// [`parse_plain_json`] from saphyr's events, for plain YAML outside the subset that
/// [`plain::read`] knows (several documents, block scalars, flow mappings, escapes, …).
fn events_json(text: &str, limits: Limits) -> Option<Vec<JsonDocument<'static>>> {
    use serde_json::Value as J;
    enum Open {
        Seq(Span, Vec<J>),
        Map(Span, serde_json::Map<String, J>, Option<String>),
    }
    let mut stack: Vec<Open> = Vec::new();
    let mut documents = Vec::new();
    let mut parser = Parser::new_from_str(text);
    while let Some(event) = parser.next_event() {
        let (event, span) = event.ok()?;
        let span = Span::from_saphyr(span);
        let (value, span) = match event {
            Event::Nothing
            | Event::StreamStart
            | Event::StreamEnd
            | Event::DocumentStart(_)
            | Event::DocumentEnd => continue,
            Event::Alias(_) => return None,
            Event::Scalar(text, style, anchor, tag) => {
                if anchor != 0 || tag.is_some() {
                    return None;
                }
                let value = scalar_value(text, style, None)?;
                if let Some(Open::Map(_, _, key @ None)) = stack.last_mut() {
                    *key = Some(match value {
                        Value::Str(text) => text.into_string(),
                        other => scalar_text(&other)?,
                    });
                    continue;
                }
                // A scalar document other than an empty one is not a manifest: [`parse`]
                // explains that (and `.nan` would pass here for an empty one).
                if stack.is_empty() && value != Value::Null {
                    return None;
                }
                (scalar_json(value), span)
            }
            Event::SequenceStart(anchor, ref tag) | Event::MappingStart(anchor, ref tag) => {
                let key_expected = matches!(stack.last(), Some(Open::Map(_, _, None)));
                if anchor != 0 || tag.is_some() || stack.len() >= limits.max_depth || key_expected {
                    return None;
                }
                stack.push(match event {
                    Event::SequenceStart(..) => Open::Seq(span, Vec::new()),
                    _ => Open::Map(span, serde_json::Map::new(), None),
                });
                continue;
            }
            Event::SequenceEnd | Event::MappingEnd => match stack.pop()? {
                Open::Seq(start, items) => (J::Array(items), joined(start, span)),
                Open::Map(start, entries, None) => (J::Object(entries), joined(start, span)),
                Open::Map(_, _, Some(_)) => return None,
            },
        };
        match stack.last_mut() {
            None => documents.push(JsonDocument {
                root: Borrowed::from_json(value),
                span,
            }),
            Some(Open::Seq(_, items)) => items.push(value),
            Some(Open::Map(_, entries, key)) => {
                if entries.insert(key.take()?, value).is_some() {
                    return None;
                }
            }
        }
    }
    Some(documents)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(text: &str) -> Node {
        let parsed = parse(text, Limits::default());
        assert_eq!(parsed.errors, vec![], "{text}");
        parsed
            .documents
            .into_iter()
            .next()
            .expect("a document")
            .root
    }

    fn pos(line: u32, column: u32) -> Pos {
        Pos { line, column }
    }

    #[test]
    fn keys_and_values_carry_their_positions() {
        let root = one("kind: Team\nspec:\n  members:\n    - id: ann\n");
        let located = root.locate("/spec/members/0/id");
        assert!(located.exact);
        assert_eq!(located.node.span.start, pos(4, 11));
        assert_eq!(located.key_span.map(|s| s.start), Some(pos(4, 7)));
        assert_eq!(
            root.entry("kind").map(|e| e.key_span.start),
            Some(pos(1, 1))
        );
    }

    #[test]
    fn columns_count_characters_not_bytes() {
        let root = one("é: [x, 'ü', z]\n");
        let z = root.locate("/é/2").node;
        assert_eq!(z.span.start, pos(1, 13));
    }

    #[test]
    fn yaml_1_2_keeps_yes_no_on_as_strings() {
        let root = one("a: no\nb: on\nc: yes\nd: true\ne: 1.10\nf: '1.10'\ng: ~\n");
        let json = root.to_json();
        assert_eq!(json["a"], "no");
        assert_eq!(json["b"], "on");
        assert_eq!(json["c"], "yes");
        assert_eq!(json["d"], true);
        assert_eq!(json["e"], 1.1);
        assert_eq!(json["f"], "1.10");
        assert!(json["g"].is_null());
        assert!(root.get("e").is_some_and(|n| n.plain));
        assert!(root.get("f").is_some_and(|n| !n.plain));
    }

    #[test]
    fn several_documents_in_one_stream() {
        let parsed = parse("a: 1\n---\nb: 2\n---\n", Limits::default());
        assert_eq!(parsed.errors, vec![]);
        assert_eq!(parsed.documents.len(), 3);
        assert_eq!(parsed.documents[2].root.value, Value::Null);
    }

    #[test]
    fn duplicate_keys_name_both_places() {
        let parsed = parse("a: 1\nb: 2\na: 3\n", Limits::default());
        assert_eq!(parsed.errors.len(), 1);
        let error = &parsed.errors[0];
        assert_eq!(error.span.start, pos(3, 1));
        match &error.kind {
            ErrorKind::DuplicateKey { first } => assert_eq!(first.start, pos(1, 1)),
            other => panic!("unexpected {other:?}"),
        }
        assert_eq!(parsed.documents[0].root.to_json()["a"], 1);
    }

    #[test]
    fn duplicate_keys_found_in_large_mappings() {
        let mut text: String = (0..40).map(|i| format!("k{i}: {i}\n")).collect();
        text.push_str("k7: again\n");
        let parsed = parse(&text, Limits::default());
        assert_eq!(parsed.errors.len(), 1);
        assert_eq!(parsed.errors[0].span.start, pos(41, 1));
    }

    #[test]
    fn syntax_errors_stop_with_a_position() {
        let parsed = parse("a: [1, 2\nb: 3\n", Limits::default());
        assert_eq!(parsed.errors.len(), 1);
        assert_eq!(parsed.errors[0].kind, ErrorKind::Syntax);
        assert!(parsed.errors[0].span.start.line >= 1);
    }

    #[test]
    fn deep_nesting_is_refused_without_recursion() {
        let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
        let parsed = parse(&deep, Limits::default());
        assert_eq!(parsed.errors.len(), 1);
        let block: String = (0..10_000)
            .map(|i| format!("{}k:\n", " ".repeat(i)))
            .collect();
        let parsed = parse(&block, Limits::default());
        assert_eq!(parsed.errors.len(), 1);
        assert_eq!(parsed.errors[0].kind, ErrorKind::TooDeep);
    }

    #[test]
    fn alias_bombs_hit_the_budget() {
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..10 {
            let refs = vec![format!("*a{}", i - 1); 10].join(", ");
            text.push_str(&format!("a{i}: &a{i} [{refs}]\n"));
        }
        let parsed = parse(&text, Limits::default());
        assert_eq!(parsed.errors.len(), 1);
        assert_eq!(parsed.errors[0].kind, ErrorKind::AliasBudget);
    }

    #[test]
    fn small_aliases_are_expanded() {
        let root = one("base: &b {tier: test}\ncopy: *b\n");
        assert_eq!(root.to_json()["copy"]["tier"], "test");
    }

    #[test]
    fn complex_keys_and_foreign_tags_are_reported() {
        let parsed = parse("? [a, b]\n: 1\nc: !custom x\n", Limits::default());
        let kinds: Vec<_> = parsed.errors.iter().map(|e| e.kind.clone()).collect();
        assert_eq!(
            kinds,
            vec![ErrorKind::ComplexKey, ErrorKind::UnsupportedTag]
        );
        assert_eq!(parsed.documents[0].root.to_json()["c"], "x");
    }

    #[test]
    fn locate_stops_at_the_deepest_existing_node() {
        let root = one("spec:\n  tasks: []\n");
        let located = root.locate("/spec/tasks/3/id");
        assert!(!located.exact);
        assert_eq!(located.node.span.start, pos(2, 10));
    }
}
