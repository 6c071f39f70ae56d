//! The text of a manifest file, kept for rendering diagnostics under its lines.

use std::sync::Arc;

use crate::yaml::{Pos, Span};

/// A file of the repository as it was read: its path relative to the repository root
/// (with `/` separators) and its text.
#[derive(Clone, Debug)]
pub struct SourceFile {
    pub path: String,
    pub text: Arc<str>,
}

impl SourceFile {
    pub fn new(path: impl Into<String>, text: impl Into<Arc<str>>) -> SourceFile {
        SourceFile {
            path: path.into(),
            text: text.into(),
        }
    }

    /// The byte offset of a line/column position (columns count characters), clamped to
    /// the text.
    pub fn offset(&self, pos: Pos) -> usize {
        let text = &*self.text;
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
            end = self.text[start..]
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
        assert_eq!(file.offset(Pos { line: 9, column: 1 }), file.text.len());
    }

    #[test]
    fn empty_spans_cover_one_character() {
        let file = SourceFile::new("a.yaml", "key: value\n");
        let at = Pos { line: 1, column: 6 };
        assert_eq!(file.range(Span::at(at)), 5..6);
    }
}
