//! The text of a manifest file, kept for rendering diagnostics under its lines, or let go
//! and read again when a diagnostic asks for it.

use std::sync::{Arc, OnceLock};

use crate::yaml::{Pos, Span};

/// A file of the repository as it was read: its path relative to the repository root
/// (with `/` separators) and its text, held or to be read again.
#[derive(Clone, Debug)]
pub struct SourceFile {
    pub path: String,
    text: Text,
}

/// A file's text: held, or let go with a way to read it again.
#[derive(Clone, Debug)]
pub(crate) enum Text {
    Held(Arc<str>),
    Again(Arc<Again>),
}

/// Where the text of a file that was let go is read from again: the working tree it was
/// read from, or its git blob. A file whose every document is a valid manifest (the great
/// majority) needs its text only for a position that a cross-object diagnostic asks for,
/// so a repository of a hundred thousand manifests does not hold its eighty megabytes of
/// YAML.
pub trait Reread: Send + Sync + std::fmt::Debug {
    /// The bytes of the file at `path` (relative to the repository root) now, if readable.
    fn read(&self, path: &str) -> Option<Vec<u8>>;
}

/// A text let go: where to read it again, and the length and hash of the text that was
/// parsed, so that a file changed since is not taken for it (its positions would be wrong:
/// the document's tree is then not had, and its diagnostics point at the document as a
/// whole, with no source line shown).
#[derive(Debug)]
pub(crate) struct Again {
    from: Arc<dyn Reread>,
    len: usize,
    hash: u64,
    text: OnceLock<Option<Arc<str>>>,
}

/// The hash that tells a text read again from the one parsed.
fn hash(text: &[u8]) -> u64 {
    use std::hash::BuildHasher;
    foldhash::fast::FixedState::with_seed(0x7261_696c_7961_7264).hash_one(text)
}

impl Text {
    /// `text` let go, to be read again from `from` at `path`'s place.
    pub(crate) fn again(text: &str, from: Arc<dyn Reread>) -> Text {
        Text::Again(Arc::new(Again {
            from,
            len: text.len(),
            hash: hash(text.as_bytes()),
            text: OnceLock::new(),
        }))
    }

    /// The text: the one held, or the file read again (once) when it is still the text that
    /// was parsed; `None` when it is not (changed, gone, unreadable).
    pub(crate) fn get(&self, path: &str) -> Option<Arc<str>> {
        match self {
            Text::Held(text) => Some(text.clone()),
            Text::Again(again) => again
                .text
                .get_or_init(|| {
                    let bytes = again.from.read(path)?;
                    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
                    if bytes.len() != again.len || hash(bytes) != again.hash {
                        return None;
                    }
                    std::str::from_utf8(bytes).ok().map(Arc::from)
                })
                .clone(),
        }
    }
}

impl SourceFile {
    pub fn new(path: impl Into<String>, text: impl Into<Arc<str>>) -> SourceFile {
        SourceFile {
            path: path.into(),
            text: Text::Held(text.into()),
        }
    }

    /// A file whose text is let go (see [`Reread`]).
    pub(crate) fn with_text(path: impl Into<String>, text: Text) -> SourceFile {
        SourceFile {
            path: path.into(),
            text,
        }
    }

    /// The file's text: held, or read again when it is unchanged since it was parsed.
    pub fn text(&self) -> Option<Arc<str>> {
        self.text.get(&self.path)
    }

    /// Whether the text is held in memory (not let go to be read again).
    pub fn is_held(&self) -> bool {
        matches!(self.text, Text::Held(_))
    }

    /// The same file with its text held, when it can be had.
    pub fn held(&self) -> Option<SourceFile> {
        Some(SourceFile::new(self.path.clone(), self.text()?))
    }

    /// The byte offset of a line/column position (columns count characters), clamped to
    /// the text (0 for a text that cannot be had).
    pub fn offset(&self, pos: Pos) -> usize {
        let Some(text) = self.text() else { return 0 };
        let text = &*text;
        let mut line_start = 0;
        for _ in 1..pos.line.max(1) {
            match text[line_start..].find('\n') {
                Some(i) => line_start += i + 1,
                None => return text.len(),
            }
        }
        let line = &text[line_start..];
        let line_end = line.find('\n').unwrap_or(line.len());
        let column = pos.column.saturating_sub(1) as usize;
        let within = line[..line_end]
            .char_indices()
            .nth(column)
            .map_or(line_end, |(i, _)| i);
        line_start + within
    }

    /// The byte range of a span; an empty span widens to one character so that a label
    /// has something to stand under.
    pub fn range(&self, span: Span) -> std::ops::Range<usize> {
        let start = self.offset(span.start);
        let mut end = self.offset(span.end).max(start);
        if end == start {
            let Some(text) = self.text() else {
                return start..end;
            };
            end = text[start..]
                .chars()
                .next()
                .filter(|c| *c != '\n')
                .map_or(start, |c| start + c.len_utf8());
        }
        start..end
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_count_characters_within_a_line() {
        let file = SourceFile::new("a.yaml", "ab\néé: x\n");
        assert_eq!(file.offset(Pos { line: 1, column: 1 }), 0);
        assert_eq!(file.offset(Pos { line: 2, column: 1 }), 3);
        assert_eq!(file.offset(Pos { line: 2, column: 3 }), 7);
        assert_eq!(
            file.offset(Pos { line: 9, column: 1 }),
            file.text().map_or(0, |t| t.len())
        );
    }

    #[test]
    fn empty_spans_cover_one_character() {
        let file = SourceFile::new("a.yaml", "key: value\n");
        let at = Pos { line: 1, column: 6 };
        assert_eq!(file.range(Span::at(at)), 5..6);
    }
}
