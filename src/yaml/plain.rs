//! A reader for the block YAML that people write in manifests, straight into JSON, an
//! order of magnitude faster than the event parser: one document of block mappings and
//! sequences, plain or one-line quoted scalars without escapes, one-line flow sequences of
//! scalars, and comments.
//!
//! It answers only when it is sure: anything outside that subset, and anything that could
//! mean something else (a continued plain scalar, a tab, a quoted key, an indicator it does
//! not know), makes it give up with `None`, and the caller reads the text with saphyr. So
//! what it returns is what [`super::parse`] and [`super::Node::to_json`] make of the same
//! text (a property test holds that), and it never explains a problem: that is always
//! saphyr's work.

use std::borrow::Cow;

use saphyr_parser::ScalarStyle;

use super::borrowed::{Borrowed as J, repeats_a_key};
use super::{
    JsonDocument, Limits, Pos, Span, Value, is_word, scalar_json, scalar_text, scalar_value,
};

/// Deeper nesting than this goes to the event parser (which has no recursion).
const MAX_DEPTH: usize = 64;

/// The one document of `text`, when the text is in the subset.
pub(super) fn read(text: &str, limits: Limits) -> Option<JsonDocument<'_>> {
    // Spans end on the line after the last newline; a text without one, or with a
    // character whose meaning depends on more than this reader looks at, goes the long way.
    // Bytes, not characters (all three are ASCII), searched with SIMD (`memchr`): a
    // manifest's lines are short, and character searchers set up for each one were a tenth
    // of a validate's instructions.
    let bytes = text.as_bytes();
    if bytes.last() != Some(&b'\n') || memchr::memchr2(b'\t', b'\r', bytes).is_some() {
        return None;
    }
    // Room for every line at once: a manifest's lines are some twenty bytes each, and a
    // list pushed to line by line is copied each time it doubles.
    let mut lines = Vec::with_capacity(bytes.len() / 16 + 1);
    // The lines between newlines, the empty one after the last included (as `split` gives).
    let mut start = 0;
    let mut newlines = 0u32;
    let ends = memchr::memchr_iter(b'\n', bytes).chain(std::iter::once(bytes.len()));
    for (index, end) in ends.enumerate() {
        let line = &text[start..end];
        if line.starts_with("---") || line.starts_with("...") || line.starts_with('%') {
            return None;
        }
        let indented = skip_spaces(line);
        let content = indented.trim_end_matches(' ');
        if !content.is_empty() && !content.starts_with('#') {
            lines.push(Line {
                number: u32::try_from(index + 1).ok()?,
                indent: line.len() - indented.len(),
                content,
            });
        }
        newlines = u32::try_from(index).ok()?;
        start = end + 1;
    }
    let first = lines.first()?;
    if first.indent != 0 {
        return None;
    }
    let start = Pos {
        line: first.number,
        column: 1,
    };
    let mut reader = Reader {
        lines,
        at: 0,
        max_depth: limits.max_depth.min(MAX_DEPTH),
        items: Vec::new(),
        entries: Vec::new(),
    };
    let root = if is_item(reader.lines[0].content) {
        reader.sequence(0, 0)?
    } else {
        reader.mapping(0, 0, None)?
    };
    if reader.at != reader.lines.len() {
        return None;
    }
    let end = Pos {
        line: newlines + 1,
        column: 1,
    };
    Some(JsonDocument {
        root,
        span: Span { start, end },
    })
}

/// A line with content: its 1-based number, its indentation in spaces, and the text after
/// the indentation (trailing spaces dropped).
struct Line<'a> {
    number: u32,
    indent: usize,
    content: &'a str,
}

struct Reader<'a> {
    lines: Vec<Line<'a>>,
    at: usize,
    max_depth: usize,
    /// The items and the entries of the collections being read, innermost last: each is
    /// moved out into a list of its own size when it ends (one allocation per collection,
    /// not one per doubling).
    items: Vec<J<'a>>,
    entries: Vec<(Cow<'a, str>, J<'a>)>,
}

/// `text` after its leading spaces (a byte loop: a `char` pattern decodes every character).
fn skip_spaces(text: &str) -> &str {
    &text[text.bytes().take_while(|&b| b == b' ').count()..]
}

/// A sequence item: `-` alone or followed by a space.
fn is_item(content: &str) -> bool {
    content == "-" || content.starts_with("- ")
}

impl<'a> Reader<'a> {
    fn peek(&self) -> Option<&Line<'a>> {
        self.lines.get(self.at)
    }

    /// The block sequence whose `-` stand at `indent`; the current line is its first item.
    fn sequence(&mut self, indent: usize, depth: usize) -> Option<J<'a>> {
        if depth >= self.max_depth {
            return None;
        }
        let from = self.items.len();
        while let Some(line) = self.peek() {
            if line.indent < indent || (line.indent == indent && !is_item(line.content)) {
                break;
            }
            if line.indent > indent {
                return None;
            }
            let content = line.content;
            let rest = skip_spaces(&content[1..]);
            let column = indent + (content.len() - rest.len());
            let item = if rest.is_empty() {
                self.at += 1;
                self.block_value(indent, depth + 1, false)?
            } else if rest.starts_with('-') && is_item(rest) {
                return None;
            } else if let Some((key, value)) = entry(rest) {
                // A mapping that starts on the item's line, its keys in the column of this one.
                self.mapping(column, depth + 1, Some((key, value)))?
            } else {
                self.at += 1;
                // A more indented line after it would continue a plain scalar (or be an
                // error): the loop gives up on it.
                inline(rest, depth + 1, self.max_depth)?
            };
            self.items.push(item);
        }
        Some(J::Array(self.items.drain(from..).collect()))
    }

    /// The block mapping whose keys stand at `indent`; its first entry is `first` (already
    /// split, on the current line) or the current line.
    fn mapping(
        &mut self,
        indent: usize,
        depth: usize,
        mut first: Option<(&'a str, &'a str)>,
    ) -> Option<J<'a>> {
        if depth >= self.max_depth {
            return None;
        }
        let from = self.entries.len();
        loop {
            let (key, value) = match first.take() {
                Some(split) => split,
                None => {
                    let Some(line) = self.peek() else { break };
                    if line.indent < indent {
                        break;
                    }
                    if line.indent > indent {
                        return None;
                    }
                    entry(line.content)?
                }
            };
            self.at += 1;
            let key = key_text(key)?;
            let value = if value.is_empty() {
                self.block_value(indent, depth + 1, true)?
            } else {
                // A more indented line below would continue it: the loop gives up on that.
                inline(value, depth + 1, self.max_depth)?
            };
            self.entries.push((key, value));
        }
        if repeats_a_key(&self.entries[from..]) {
            return None;
        }
        Some(J::Object(self.entries.drain(from..).collect()))
    }

    /// The value of a key or an item written on the lines below it (more indented than
    /// `indent`; for a key, `compact`, also a sequence in the key's own column); `null`
    /// when nothing is.
    fn block_value(&mut self, indent: usize, depth: usize, compact: bool) -> Option<J<'a>> {
        match self.peek() {
            Some(line) if line.indent > indent => {
                let child = line.indent;
                if is_item(line.content) {
                    self.sequence(child, depth)
                } else {
                    let split = entry(line.content)?;
                    self.mapping(child, depth, Some(split))
                }
            }
            Some(line) if compact && line.indent == indent && is_item(line.content) => {
                self.sequence(indent, depth)
            }
            _ => Some(J::Null),
        }
    }
}

/// `key: value` or `key:` split into the key and the value text (comment dropped, empty
/// when the value is on the lines below).
fn entry(content: &str) -> Option<(&str, &str)> {
    // A key is a few bytes: a plain loop finds its colon sooner than a searcher is set up.
    let colon = content.bytes().position(|b| b == b':')?;
    let (key, after) = (&content[..colon], &content[colon + 1..]);
    if !after.is_empty() && !after.starts_with(' ') {
        return None;
    }
    let plain_key = !key.is_empty()
        && !matches!(key.as_bytes()[0], b'-' | b'.')
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b'/'));
    if !plain_key {
        return None;
    }
    let value = skip_spaces(after);
    if value.starts_with('#') {
        return Some((key, ""));
    }
    Some((key, value))
}

/// A mapping key as the tree keeps it: its scalar's text under the core schema (`1.10`
/// is the float `1.1`, so the key `1.1`), borrowed when that is the text as written.
fn key_text(key: &str) -> Option<Cow<'_, str>> {
    if is_word(key) {
        return Some(Cow::Borrowed(key));
    }
    match scalar_value(Cow::Borrowed(key), ScalarStyle::Plain, None)? {
        Value::Str(text) if *text == *key => Some(Cow::Borrowed(key)),
        Value::Str(text) => Some(Cow::Owned(text.into_string())),
        other => scalar_text(&other).map(Cow::Owned),
    }
}

/// A value written on one line after `key: ` or `- `: a scalar, `[...]` of scalars or `{}`.
fn inline(text: &str, depth: usize, max_depth: usize) -> Option<J<'_>> {
    if let Some(inner) = text.strip_prefix('[') {
        if depth >= max_depth {
            return None;
        }
        let close = inner.bytes().position(|b| b == b']')?;
        let (inner, rest) = (&inner[..close], &inner[close + 1..]);
        ends_the_line(rest)?;
        return flow_items(inner).map(J::Array);
    }
    if let Some(rest) = text.strip_prefix("{}") {
        if depth >= max_depth {
            return None;
        }
        ends_the_line(rest)?;
        return Some(J::Object(Vec::new()));
    }
    let (value, rest) = scalar(text, false)?;
    ends_the_line(rest)?;
    Some(value)
}

/// What follows a value on its line is nothing or a comment (after a space).
fn ends_the_line(rest: &str) -> Option<()> {
    let after = skip_spaces(rest);
    let comment = rest.starts_with(' ') && after.starts_with('#');
    (after.is_empty() || comment).then_some(())
}

/// The items of a one-line flow sequence, between its brackets.
fn flow_items(inner: &str) -> Option<Vec<J<'_>>> {
    let mut items = Vec::new();
    if inner.trim_matches(' ').is_empty() {
        return Some(items);
    }
    let mut rest = inner;
    loop {
        let (value, after) = scalar(skip_spaces(rest), true)?;
        items.push(value);
        let after = skip_spaces(after);
        if after.is_empty() {
            return Some(items);
        }
        rest = after.strip_prefix(',')?;
        if rest.trim_matches(' ').is_empty() {
            return None;
        }
    }
}

/// One scalar at the start of `text`, and what follows it. In a flow sequence a plain
/// scalar ends at `,`; outside one it runs to the end of the line or a comment.
fn scalar(text: &str, flow: bool) -> Option<(J<'_>, &str)> {
    let first = text.chars().next()?;
    if first == '\'' {
        let mut value = String::new();
        let mut rest = &text[1..];
        loop {
            let quote = rest.find('\'')?;
            value.push_str(&rest[..quote]);
            rest = &rest[quote + 1..];
            match rest.strip_prefix('\'') {
                Some(after) => {
                    value.push('\'');
                    rest = after;
                }
                None => break,
            }
        }
        let value = scalar_value(Cow::Owned(value), ScalarStyle::SingleQuoted, None)?;
        return Some((owned(value), rest));
    }
    if first == '"' {
        let close = text[1..].find(['"', '\\'])? + 1;
        if text.as_bytes()[close] != b'"' {
            return None;
        }
        // Without escapes (given up on above), a double-quoted scalar is its text.
        return Some((J::Str(Cow::Borrowed(&text[1..close])), &text[close + 1..]));
    }
    // Indicators that start something else (`-` only when a space or nothing follows).
    if first.is_ascii() && INDICATORS.contains(&(first as u8))
        || text == "-"
        || text.starts_with("- ")
    {
        return None;
    }
    // The searches below are for ASCII bytes in short texts: plain loops over the bytes
    // (a string searcher's setup costs more than the search).
    let bytes = text.as_bytes();
    let (plain, rest) = if flow {
        let end = bytes
            .iter()
            .position(|&b| b == b',' || b == b']')
            .unwrap_or(text.len());
        let plain = &text[..end];
        if plain
            .bytes()
            .any(|b| matches!(b, b':' | b'#' | b'[' | b'{' | b'}'))
        {
            return None;
        }
        (plain.trim_end_matches(' '), &text[end..])
    } else {
        let end = pair_at(bytes, b" #").unwrap_or(text.len());
        let plain = text[..end].trim_end_matches(' ');
        if pair_at(plain.as_bytes(), b": ").is_some() || plain.ends_with(':') {
            return None;
        }
        (plain, &text[end..])
    };
    if is_word(plain) {
        return Some((J::Str(Cow::Borrowed(plain)), rest));
    }
    let value = scalar_value(Cow::Borrowed(plain), ScalarStyle::Plain, None)?;
    Some((owned(value), rest))
}

/// A scalar whose string (if it is one) is not the text as written.
fn owned(value: Value) -> J<'static> {
    match value {
        Value::Str(s) => J::Str(Cow::Owned(s.into_string())),
        other => match scalar_json(other) {
            serde_json::Value::Bool(b) => J::Bool(b),
            serde_json::Value::Number(n) => J::Number(n),
            _ => J::Null,
        },
    }
}

/// The characters that start something other than a plain scalar.
const INDICATORS: &[u8] = b"[]{},#&*!|>'\"%@`?:";

/// Where the two bytes `pair` first stand together in `bytes`.
fn pair_at(bytes: &[u8], pair: &[u8; 2]) -> Option<usize> {
    bytes.windows(2).position(|two| two == pair)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// What saphyr makes of `text`, when it reads one document without a problem.
    fn saphyr(text: &str) -> Option<(serde_json::Value, Span)> {
        let parsed = super::super::parse(text, Limits::default());
        if !parsed.errors.is_empty() || parsed.documents.len() != 1 {
            return None;
        }
        let root = &parsed.documents[0].root;
        Some((root.to_json(), root.span))
    }

    fn agrees(text: &str) -> Result<bool, TestCaseError> {
        let Some(quick) = read(text, Limits::default()) else {
            return Ok(false);
        };
        let slow = saphyr(text);
        prop_assert_eq!(Some((quick.root.to_json(), quick.span)), slow, "{}", text);
        Ok(true)
    }

    #[test]
    fn manifests_as_people_write_them() {
        let text = "# a comment\napiVersion: railyard/v1\nkind: Turnover\nmetadata:\n  name: \
                    2026-12-test   # trailing\nspec:\n  order: [backup-db, 'deploy api', \
                    \"web\"]\n  empty: []\n  none:\n  map: {}\n  tasks:\n    - id: a\n      \
                    run: [./x.sh, --env, test]\n      timeout: 45m\n    -   id: b\n        \
                    dependsOn:\n        - a\n  at: 2026-12-15T22:00:00Z\n  1.10: it''s\n  \
                    quoted: 'it''s'\n  url: http://x/y#z\n  n: -1\n\n";
        assert!(agrees(text).expect("the same"), "read the quick way");
    }

    #[test]
    fn what_it_does_not_know_goes_to_saphyr() {
        for text in [
            "a: 1",
            "a:\n\t- 1\n",
            "a: 1\r\n",
            "---\na: 1\n",
            "a: 1\n---\nb: 2\n",
            "a: &x 1\nb: *x\n",
            "a: !!str 1\n",
            "a: |\n  text\n",
            "a: plain\n  continued\n",
            "a: 1\na: 2\n",
            "'a': 1\n",
            "a: \"esc\\n\"\n",
            "a: {b: 1}\n",
            "a: [b, [c]]\n",
            "a: [b,\n  c]\n",
            "  a: 1\n",
            "scalar\n",
            "a: b: c\n",
            "? a\n: b\n",
        ] {
            assert!(read(text, Limits::default()).is_none(), "{text:?}");
        }
    }

    const KEYS: &[&str] = &[
        "a", "b", "id", "1", "1.10", "true", "null", "on", "x-y", "a.b", "a b", "-k", "k:", "é",
    ];
    const SCALARS: &[&str] = &[
        "x",
        "1",
        "1.10",
        "-1",
        "0x1F",
        "0o7",
        ".nan",
        ".inf",
        "~",
        "null",
        "true",
        "yes",
        "a b",
        "http://x",
        "a#b",
        "a #b",
        "a: b",
        "-",
        "- x",
        "'s'",
        "'it''s'",
        "'a",
        "\"d\"",
        "\"e\\n\"",
        "",
        "[a, b]",
        "[]",
        "[ ]",
        "[a,]",
        "[,a]",
        "[a, [b]]",
        "{}",
        "{ }",
        "{a: 1}",
        "&x a",
        "*x",
        "!t a",
        "|",
        ">",
        "2026-12-15T22:00:00Z",
        "é",
        "a,b",
        "%x",
        "@x",
        "`x",
        "?x",
        ":x",
        "x:",
        "'a'#c",
        "'a' #c",
        "[--env, 2x]",
        "['q', \"r\"]",
        "[a b, c]",
        "[a]#c",
        "[a] #c",
        "-x",
        "--",
        "# c",
        "a'b",
        "a\"b",
        "[a:b]",
        "[http://x]",
        "[a #b]",
        "[a]]",
    ];

    fn line() -> impl Strategy<Value = String> {
        let indent = prop::sample::select(vec![0usize, 0, 0, 1, 2, 2, 3, 4, 4, 6]);
        let key = prop::sample::select(KEYS);
        let scalar = prop::sample::select(SCALARS);
        (indent, 0..9u8, key, scalar).prop_map(|(indent, shape, key, scalar)| {
            let pad = " ".repeat(indent);
            match shape {
                0 | 1 => format!("{pad}{key}: {scalar}"),
                2 => format!("{pad}{key}:"),
                3 => format!("{pad}- {scalar}"),
                4 => format!("{pad}- {key}: {scalar}"),
                5 => format!("{pad}- {key}:"),
                6 => format!("{pad}-"),
                7 => format!("{pad}# {scalar}"),
                _ => format!("{pad}{scalar}"),
            }
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2048))]

        /// Whatever the lines, a text the quick reader reads is what saphyr reads, JSON and
        /// span alike.
        #[test]
        fn the_quick_reader_reads_what_saphyr_reads(
            lines in prop::collection::vec(line(), 1..12),
            trailing in prop::sample::select(vec!["\n", "\n\n", "\n  \n", "\n# end\n"]),
        ) {
            let text = lines.join("\n") + trailing;
            agrees(&text)?;
        }
    }

    /// The generator reaches texts the quick reader accepts, not only ones it refuses.
    #[test]
    fn the_generator_reaches_accepted_texts() {
        use proptest::strategy::ValueTree;
        let mut runner = proptest::test_runner::TestRunner::deterministic();
        let strategy = prop::collection::vec(line(), 1..6);
        let accepted = (0..2000)
            .filter(|_| {
                let lines = strategy.new_tree(&mut runner).expect("a case").current();
                agrees(&(lines.join("\n") + "\n")).expect("the same")
            })
            .count();
        assert!(accepted > 100, "{accepted} of 2000 accepted");
    }
}
