//! Writing YAML: deterministic text for files railyard generates (status files, promoted
//! turnovers). Keys keep the order of the value; every string reads back as written.
//!
//! [`from_yaml`] reads that text back without a YAML parser: a reconcile reads thousands of
//! status files railyard wrote itself, and the general parser was a fifth of its time. What
//! it reads is a [`Borrowed`] tree, its strings pointing into the text.

use std::borrow::Cow;

use serde_json::Value;

use crate::yaml::Borrowed;

/// Plain words that YAML 1.2's core schema reads as something other than a string.
const SPECIAL: [&str; 9] = [
    "null", "Null", "NULL", "true", "True", "TRUE", "false", "False", "FALSE",
];

/// Whether `text` is written as it is (a plain scalar), not double-quoted.
fn plain_safe(text: &str) -> bool {
    (text.starts_with(|c: char| c.is_ascii_alphabetic() || c == '/')
        || text.starts_with("./")
        || text.starts_with("../"))
        && !text.ends_with(' ')
        && text
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || b" ._/-".contains(&c))
        && !SPECIAL.contains(&text)
}

/// A YAML scalar that reads back as the same string: plain when that is safe, else a
/// double-quoted (JSON-escaped) string.
pub fn scalar(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    write_scalar(&mut out, text);
    out
}

/// [`scalar`], written at the end of `out`.
fn write_scalar(out: &mut String, text: &str) {
    if plain_safe(text) {
        out.push_str(text);
    } else {
        write_quoted(out, text);
    }
}

/// `text` as a JSON string, escaped exactly as `serde_json` escapes it: `"` and `\`, the
/// five short escapes, `\u00xx` (lower-case hex) for the other control characters, and
/// everything else as it is.
fn write_quoted(out: &mut String, text: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push('"');
    let mut start = 0;
    for (at, byte) in text.bytes().enumerate() {
        let escape = match byte {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\t' => "\\t",
            b'\r' => "\\r",
            0x08 => "\\b",
            0x0c => "\\f",
            0..0x20 => "",
            _ => continue,
        };
        out.push_str(&text[start..at]);
        if escape.is_empty() {
            out.push_str("\\u00");
            out.push(HEX[usize::from(byte >> 4)] as char);
            out.push(HEX[usize::from(byte & 0xf)] as char);
        } else {
            out.push_str(escape);
        }
        start = at + 1;
    }
    out.push_str(&text[start..]);
    out.push('"');
}

/// A value as a block-style YAML document (no leading `---`), ending in a newline.
pub fn to_yaml(value: &Value) -> String {
    let mut out = String::new();
    match value {
        Value::Object(map) if !map.is_empty() => mapping(&mut out, map, 0),
        other => {
            inline(&mut out, other);
            out.push('\n');
        }
    }
    out
}

/// `count` spaces at the end of `out`.
fn indent_by(out: &mut String, count: usize) {
    out.extend(std::iter::repeat_n(' ', count));
}

/// A scalar or an empty collection, on one line.
fn inline(out: &mut String, value: &Value) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(true) => out.push_str("true"),
        Value::Bool(false) => out.push_str("false"),
        Value::Number(n) => out.push_str(&n.to_string()),
        Value::String(s) => write_scalar(out, s),
        Value::Array(a) if a.is_empty() => out.push_str("[]"),
        Value::Object(o) if o.is_empty() => out.push_str("{}"),
        // Only called for scalars and empty collections.
        other => out.push_str(&serde_json::to_string(other).unwrap_or_default()),
    }
}

fn mapping(out: &mut String, map: &serde_json::Map<String, Value>, indent: usize) {
    for (key, value) in map {
        indent_by(out, indent);
        write_scalar(out, key);
        out.push(':');
        block_value(out, value, indent);
    }
}

/// Writes what follows `key:` (or `-`): inline, or on the next lines.
fn block_value(out: &mut String, value: &Value, indent: usize) {
    match value {
        Value::Object(map) if !map.is_empty() => {
            out.push('\n');
            mapping(out, map, indent + 2);
        }
        Value::Array(items) if !items.is_empty() => {
            out.push('\n');
            sequence(out, items, indent + 2);
        }
        other => {
            out.push(' ');
            inline(out, other);
            out.push('\n');
        }
    }
}

/// Whether a list inside a list is written on one line, `- [a, b]`: it holds scalars only.
fn flow(items: &[Value]) -> bool {
    items.iter().all(|v| !v.is_array() && !v.is_object())
}

/// [`flow`] of the items [`from_yaml`] read.
fn flow_items(items: &[Borrowed<'_>]) -> bool {
    items
        .iter()
        .all(|v| !matches!(v, Borrowed::Array(_) | Borrowed::Object(_)))
}

fn sequence(out: &mut String, items: &[Value], indent: usize) {
    for item in items {
        indent_by(out, indent);
        out.push('-');
        match item {
            Value::Object(map) if !map.is_empty() => {
                // The first key on the dash's line, the rest aligned under it.
                let mut first = true;
                for (key, value) in map {
                    if first {
                        out.push(' ');
                        first = false;
                    } else {
                        indent_by(out, indent + 2);
                    }
                    write_scalar(out, key);
                    out.push(':');
                    block_value(out, value, indent + 2);
                }
            }
            Value::Array(inner) if flow(inner) => {
                // A list of scalars inside a list reads best on one line: `- [a, b]`.
                out.push_str(" [");
                for (at, item) in inner.iter().enumerate() {
                    if at > 0 {
                        out.push_str(", ");
                    }
                    inline(out, item);
                }
                out.push_str("]\n");
            }
            Value::Array(inner) => {
                out.push('\n');
                sequence(out, inner, indent + 2);
            }
            other => {
                out.push(' ');
                inline(out, other);
                out.push('\n');
            }
        }
    }
}

/// Reads back a document [`to_yaml`] wrote, without a YAML parser; `None` for any other
/// text (then a YAML parser has to read it).
///
/// The reader is strict: it takes only text that `to_yaml` writes for the value it reads
/// (every scalar written as [`scalar`] writes it, a list of scalars inside a list on one
/// line and nowhere else, no key twice, nothing after the last line), so a `Some` is text
/// that writes again as the same bytes. Since everything `to_yaml` writes reads back as its
/// value with a YAML parser, a `Some` is always what the parser would have read.
pub fn from_yaml(text: &str) -> Option<Borrowed<'_>> {
    // The lines between newlines (the empty one after the last included, as `split` gives),
    // found with SIMD and kept in a list sized once.
    let mut lines = Vec::with_capacity(text.len() / 16 + 1);
    let mut start = 0;
    for end in memchr::memchr_iter(b'\n', text.as_bytes()) {
        lines.push(&text[start..end]);
        start = end + 1;
    }
    lines.push(&text[start..]);
    let mut reader = Reader {
        lines,
        at: 0,
        items: Vec::new(),
        entries: Vec::new(),
    };
    let value = Borrowed::Object(reader.mapping(0, None, 0)?);
    // Only the empty string after the last newline may be left.
    let whole = reader.at + 1 == reader.lines.len() && reader.lines[reader.at].is_empty();
    debug_assert!(!whole || to_yaml(&value.to_json()) == text, "{text:?}");
    whole.then_some(value)
}

/// Deepest nesting [`from_yaml`] follows (the YAML parser's own limit).
const MAX_DEPTH: usize = 64;

/// A cursor over the lines of a document [`to_yaml`] wrote.
struct Reader<'t> {
    lines: Vec<&'t str>,
    at: usize,
    /// The items and entries of the collections being read, innermost last, each moved out
    /// into a list of its own size when it ends.
    items: Vec<Borrowed<'t>>,
    entries: Entries<'t>,
}

impl<'t> Reader<'t> {
    /// The content of the next line when it starts at column `indent` exactly.
    fn line_at(&self, indent: usize) -> Option<&'t str> {
        let line = self.lines.get(self.at)?;
        let content = line.get(indent..)?;
        (line.as_bytes()[..indent].iter().all(|b| *b == b' ') && !content.starts_with(' '))
            .then_some(content)
    }

    /// Entries at column `indent`; the first one may be `first`, what follows a sequence's
    /// `- ` (its line not taken yet).
    fn mapping(
        &mut self,
        indent: usize,
        mut first: Option<&'t str>,
        depth: usize,
    ) -> Option<Entries<'t>> {
        if depth > MAX_DEPTH {
            return None;
        }
        let from = self.entries.len();
        loop {
            let content = match first.take() {
                Some(content) => content,
                None => match self.line_at(indent) {
                    Some(content) if !content.starts_with('-') && !content.is_empty() => content,
                    _ => break,
                },
            };
            self.at += 1;
            let (key, rest) = split_key(content)?;
            let value = match rest {
                "" => self.block(indent + 2, depth + 1)?,
                // A list that holds anything is written on the lines under its key.
                _ => match inline_value(rest.strip_prefix(' ')?)? {
                    Borrowed::Array(items) if !items.is_empty() => return None,
                    value => value,
                },
            };
            self.entries.push((key, value));
        }
        let map = &self.entries[from..];
        (!map.is_empty() && !crate::yaml::repeats_a_key(map))
            .then(|| self.entries.drain(from..).collect())
    }

    /// The mapping or sequence that starts on the next line, at column `indent`.
    fn block(&mut self, indent: usize, depth: usize) -> Option<Borrowed<'t>> {
        if self.line_at(indent)?.starts_with('-') {
            self.sequence(indent, depth)
        } else {
            Some(Borrowed::Object(self.mapping(indent, None, depth)?))
        }
    }

    /// Items at column `indent`.
    fn sequence(&mut self, indent: usize, depth: usize) -> Option<Borrowed<'t>> {
        if depth > MAX_DEPTH {
            return None;
        }
        let from = self.items.len();
        while let Some(rest) = self.line_at(indent).and_then(|c| c.strip_prefix('-')) {
            let item = if rest.is_empty() {
                // A `-` alone holds a list with a list or a map in it (a map in a list
                // starts on the dash's line, and scalars alone are written `- [a, b]`).
                self.at += 1;
                match self.sequence(indent + 2, depth + 1)? {
                    Borrowed::Array(inner) if flow_items(&inner) => return None,
                    inner => inner,
                }
            } else {
                let rest = rest.strip_prefix(' ')?;
                match split_key(rest) {
                    // A flow list's quoted items may hold `: ` too.
                    Some((_, after))
                        if !rest.starts_with('[')
                            && (after.is_empty() || after.starts_with(' ')) =>
                    {
                        Borrowed::Object(self.mapping(indent + 2, Some(rest), depth + 1)?)
                    }
                    _ => {
                        self.at += 1;
                        inline_value(rest)?
                    }
                }
            };
            self.items.push(item);
        }
        (self.items.len() > from).then(|| Borrowed::Array(self.items.drain(from..).collect()))
    }
}

/// A mapping's entries as [`from_yaml`] reads them.
type Entries<'t> = Vec<(Cow<'t, str>, Borrowed<'t>)>;

/// `key:` and what follows the colon, the key written as [`scalar`] writes it.
fn split_key(content: &str) -> Option<(Cow<'_, str>, &str)> {
    if content.starts_with('"') {
        let end = quoted_end(content)?;
        let key = quoted(&content[..end])?;
        Some((key, content[end..].strip_prefix(':')?))
    } else {
        // A key is a few bytes: a plain loop finds its colon sooner than a searcher is set up.
        let colon = content.bytes().position(|b| b == b':')?;
        let (key, rest) = (&content[..colon], &content[colon + 1..]);
        plain_safe(key).then_some((Cow::Borrowed(key), rest))
    }
}

/// The length of the double-quoted string that `text` starts with, quotes included.
fn quoted_end(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut i = 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'"' => return Some(i + 1),
            _ => i += 1,
        }
    }
    None
}

/// The string in `text`, a double-quoted scalar, when [`scalar`] writes that string so:
/// one that is not written plain, escaped exactly as [`write_quoted`] escapes.
fn quoted(text: &str) -> Option<Cow<'_, str>> {
    let inner = text.strip_prefix('"')?.strip_suffix('"')?;
    let string = if inner.contains('\\') {
        let string: String = serde_json::from_str(text).ok()?;
        let mut again = String::with_capacity(text.len());
        write_quoted(&mut again, &string);
        Cow::Owned((again == text).then_some(string)?)
    } else {
        // Nothing escaped: so nothing that needs it may be there.
        Cow::Borrowed((!inner.bytes().any(|b| b < 0x20 || b == b'"')).then_some(inner)?)
    };
    (!plain_safe(&string)).then_some(string)
}

/// A scalar, an empty collection or a flow list of scalars: the rest of a line.
fn inline_value(text: &str) -> Option<Borrowed<'_>> {
    match text {
        "{}" => Some(Borrowed::Object(Vec::new())),
        _ if text.starts_with('[') => {
            // Scalars only (`to_yaml` writes nothing else there): no nesting to follow.
            let mut inner = text.strip_prefix('[')?.strip_suffix(']')?;
            let mut items = Vec::new();
            while !inner.is_empty() {
                let end = if inner.starts_with('"') {
                    quoted_end(inner)?
                } else {
                    inner.find(',').unwrap_or(inner.len())
                };
                items.push(scalar_value(&inner[..end])?);
                inner = &inner[end..];
                if !inner.is_empty() {
                    inner = inner.strip_prefix(", ").filter(|next| !next.is_empty())?;
                }
            }
            Some(Borrowed::Array(items))
        }
        _ => scalar_value(text),
    }
}

/// A scalar as `to_yaml` writes it.
fn scalar_value(text: &str) -> Option<Borrowed<'_>> {
    Some(match text {
        "null" => Borrowed::Null,
        "true" => Borrowed::Bool(true),
        "false" => Borrowed::Bool(false),
        _ if text.starts_with('"') => Borrowed::Str(quoted(text)?),
        // Integers only, as Rust writes them (no `+`, no leading zero, no `-0`): the parser
        // reads them exactly; other numbers take the long way.
        _ if text.starts_with(|c: char| c.is_ascii_digit() || c == '-') => {
            let digits = text.strip_prefix('-').unwrap_or(text);
            let written = digits.bytes().all(|b| b.is_ascii_digit())
                && (!digits.starts_with('0') || text == "0");
            if !written {
                return None;
            }
            Borrowed::Number(text.parse::<i64>().ok()?.into())
        }
        _ => plain_safe(text).then_some(Borrowed::Str(Cow::Borrowed(text)))?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// [`super::from_yaml`] as the `Value` its tree stands for.
    fn from_yaml(text: &str) -> Option<Value> {
        super::from_yaml(text).map(|read| read.to_json())
    }

    #[test]
    fn scalars_read_back_as_written() {
        for text in [
            "deploy",
            "Back up the database",
            "3.1.0",
            "58",
            "true",
            "no",
            "a: b",
            "-x",
            "",
            "it's \"quoted\"",
            "#tag",
            "./deploy.sh",
            "null",
            "2026-12-01T18:00:00Z",
        ] {
            let yaml = format!("k: {}", scalar(text));
            let parsed = crate::yaml::parse(&yaml, crate::yaml::Limits::default());
            let value = parsed.documents[0]
                .root
                .get("k")
                .and_then(|n| n.as_str())
                .map(String::from);
            assert_eq!(value.as_deref(), Some(text), "{yaml}");
        }
        assert_eq!(scalar("deploy-web"), "deploy-web");
        assert_eq!(scalar("58"), "\"58\"");
    }

    #[test]
    fn documents_round_trip_through_the_reader() {
        let value = json!({
            "phase": "deploying",
            "since": "2026-11-25T12:00:00Z",
            "conditions": [{"type": "Blocked", "status": "True", "message": "tasks not done: `a` (ready)"}],
            "next": [{"phase": "deployed", "blockedBy": ["x: y", "z"]}],
            "empty": [],
            "nested": {"waves": [["a", "b"], ["c"]], "n": 3, "ok": true, "none": null, "map": {}},
        });
        let text = to_yaml(&value);
        let parsed = crate::yaml::parse(&text, crate::yaml::Limits::default());
        assert_eq!(parsed.errors, vec![], "{text}");
        assert_eq!(parsed.documents[0].root.to_json(), value, "{text}");
        assert!(text.starts_with("phase: deploying\nsince: \"2026-11-25T12:00:00Z\"\nconditions:\n  - type: Blocked\n    status: \"True\"\n"), "{text}");
    }

    /// What the YAML parser reads from `text`, as JSON (`None` when it does not parse).
    fn parsed(text: &str) -> Option<Value> {
        let parsed = crate::yaml::parse(text, crate::yaml::Limits::default());
        if !parsed.errors.is_empty() {
            return None;
        }
        Some(parsed.documents.first()?.root.to_json())
    }

    #[test]
    fn the_reader_takes_back_what_the_writer_wrote_and_nothing_else() {
        let value = json!({
            "phase": "deploying",
            "conditions": [{"type": "Blocked", "status": "True", "message": "x: `y`, \"z\"\n"}],
            "tasks": {"waves": [["a", "b, c"], ["7"], [": "]], "states": {"a": "ready"}},
            "nested": [[{"k": [1, -2]}], [], {}],
            "": null,
            "odd key: yes": false,
        });
        let text = to_yaml(&value);
        assert_eq!(from_yaml(&text), Some(value.clone()), "{text}");
        assert_eq!(parsed(&text), Some(value), "{text}");
        // YAML that a parser reads, but not as `to_yaml` writes it: left to the parser.
        for other in [
            "phase:  deploying\n",
            "phase: 'deploying'\n",
            "phase: \"deploying\"\n",
            "phase: deploying # comment\n",
            "phase: deploying",
            "phase: deploying\n\n",
            "a:\n- x\n",
            "a:\n    - x\n",
            "a: [x,y]\n",
            "a: &x b\nc: *x\n",
            "a: 1.5\n",
            "a: 0x1F\n",
            "a: 01\n",
            "a: 99999999999999999999\n",
            "a:\n  b: 1\n  b: 2\n",
            "? a\n: b\n",
            "a: b\n---\nc: d\n",
            // Read by the parser as `to_yaml` would read them, but not written so.
            "a: b\na: c\n",
            "a: [x, y]\n",
            "a:\n  -\n    b: 1\n",
            "a:\n  -\n    - x\n",
            "a: 007\n",
            "a: -0\n",
            "a: Null\n",
            "a: \"\\u0041\"\n",
            "a: \"\\/\"\n",
            "a: \"x\"y\"\n",
            "\"b\": c\n",
            "a: b\n c",
            "a:\n  - [x, ]\n",
        ] {
            assert_eq!(from_yaml(other), None, "{other:?}");
        }
        // Flow lists hold scalars only: nothing nested to follow, however deep.
        let brackets = format!("a: {}x{}\n", "[".repeat(100_000), "]".repeat(100_000));
        assert_eq!(from_yaml(&brackets), None);
        // Nesting deeper than the parser's limit is the parser's to refuse.
        let mut deep = json!("x");
        for _ in 0..MAX_DEPTH + 2 {
            deep = json!({ "k": deep });
        }
        assert_eq!(from_yaml(&to_yaml(&deep)), None);
    }

    use proptest::prelude::*;

    fn scalar_value() -> impl Strategy<Value = Value> {
        prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
            "[a-z0-9 :#'\"\\\\\n\t,\\[\\]{}&*!|>%@`?./-]{0,12}".prop_map(Value::from),
            "\\PC{0,8}".prop_map(Value::from),
        ]
    }

    fn value() -> impl Strategy<Value = Value> {
        scalar_value().prop_recursive(4, 40, 5, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
                document_of(inner),
            ]
        })
    }

    fn document_of(inner: impl Strategy<Value = Value>) -> impl Strategy<Value = Value> {
        prop::collection::vec(("[a-zA-Z0-9 :\"#-]{0,6}", inner), 1..5)
            .prop_map(|entries| Value::Object(entries.into_iter().collect()))
    }

    proptest! {
        /// Strings are quoted as `serde_json` writes them, and read back only so.
        #[test]
        fn strings_are_quoted_as_json_writes_them(text in "\\PC{0,12}|[\\x00-\\x7f]{0,12}") {
            let json = serde_json::to_string(&text).unwrap();
            let mut written = String::new();
            write_quoted(&mut written, &text);
            prop_assert_eq!(&written, &json);
            prop_assert_eq!(quoted(&json).map(Cow::into_owned), (!plain_safe(&text)).then(|| text.clone()));
            prop_assert_eq!(scalar(&text), if plain_safe(&text) { text.clone() } else { json });
        }

        /// The ground `from_yaml` stands on: the parser reads what `to_yaml` writes as the
        /// value written. The reader gives the same.
        #[test]
        fn what_is_written_reads_back_the_same_both_ways(doc in document_of(value())) {
            let text = to_yaml(&doc);
            prop_assert_eq!(parsed(&text), Some(doc.clone()), "{}", text);
            prop_assert_eq!(from_yaml(&text), Some(doc), "{}", text);
        }

        /// Whatever text it is given, the reader either declines or agrees with the parser.
        #[test]
        fn the_reader_never_disagrees_with_the_parser(
            doc in document_of(value()),
            at in any::<prop::sample::Index>(),
            insert in prop::option::of(prop::sample::select(
                &[" ", "  ", "-", "- ", ":", ": ", "\"", "\n", "[", "]", ", ", "#", "&a ", "x", "1", "0", "{}", "\\", "\t", "null"][..],
            )),
        ) {
            let mut text = to_yaml(&doc);
            let mut cut = at.index(text.len() + 1);
            while !text.is_char_boundary(cut) {
                cut -= 1;
            }
            match insert {
                Some(piece) => text.insert_str(cut, piece),
                None if cut < text.len() => {
                    text.remove(cut);
                }
                None => {}
            }
            if let Some(read) = from_yaml(&text) {
                prop_assert_eq!(to_yaml(&read), text.clone(), "not written so");
                prop_assert_eq!(Some(read), parsed(&text), "{:?}", text);
            }
        }
    }
}
