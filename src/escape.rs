//! Text written by people (titles, comments, reasons, file paths) made safe for each client
//! that reads railyard's output, so that the text shown is the text written:
//!
//! - [`markdown`] and [`code`]: GitHub-flavoured Markdown (STATUS.md, the plan's job summary
//!   and pull-request comment, validate's step summary), including table cells;
//! - [`mermaid`]: labels and task names of Mermaid flowcharts and gantt charts;
//! - [`slack`] and [`url_path`]: the `text` and `link` of webhook messages.

/// Line breaks of every kind (a lone `\r` ends a Markdown line too) become one space.
fn one_line(text: &str) -> impl Iterator<Item = char> + '_ {
    let mut previous = '\0';
    text.chars().filter_map(move |c| {
        let out = match c {
            '\n' if previous == '\r' => None,
            '\r' | '\n' | '\u{2028}' | '\u{2029}' => Some(' '),
            c => Some(c),
        };
        previous = c;
        out
    })
}

/// Text for one Markdown line or table cell. railyard's own sentences quote names in code
/// spans (`` `gate` ``): those stay code spans, with only `|` escaped in them (GitHub splits
/// a table row at a `|` even inside code). Outside them, HTML (which GitHub's sanitizer
/// partly renders), entities, emphasis, links and headings are escaped, and every line break
/// becomes a space, so one row stays one row.
pub fn markdown(text: &str) -> String {
    // Most text is one line already: it is read in place.
    let line: std::borrow::Cow<'_, str> = match one_line_already(text) {
        true => text.into(),
        false => one_line(text).collect::<String>().into(),
    };
    let bytes = line.as_bytes();
    let mut out = String::with_capacity(line.len() + line.len() / 8);
    // `line[copied..at]` is text as it is, written out in one piece when something that is
    // not comes (or the line ends).
    let mut copied = 0;
    let mut at = 0;
    let mut at_start = true;
    while at < bytes.len() {
        let byte = bytes[at];
        let escaped: &str = match byte {
            // A code span: a run of backticks closed by a run of the same length.
            b'`' => {
                out.push_str(&line[copied..at]);
                let ticks = bytes[at..].iter().take_while(|&&b| b == b'`').count();
                let fence = &line[at..at + ticks];
                match closing_fence(&line[at + ticks..], ticks) {
                    Some(end) => {
                        let body = &line[at + ticks..at + ticks + end];
                        out.push_str(fence);
                        out.push_str(&body.replace('|', "\\|"));
                        out.push_str(fence);
                        at += ticks + end + ticks;
                    }
                    // No closing run: the backticks are text.
                    None => {
                        for _ in 0..ticks {
                            out.push_str("\\`");
                        }
                        at += ticks;
                    }
                }
                copied = at;
                at_start = false;
                continue;
            }
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'\\' => "\\\\",
            b'*' => "\\*",
            b'_' => "\\_",
            b'[' => "\\[",
            b']' => "\\]",
            b'~' => "\\~",
            b'|' => "\\|",
            // A heading or a list marker only where a line (or cell) starts.
            b'#' if at_start => "\\#",
            b'-' if at_start => "\\-",
            b'+' if at_start => "\\+",
            // Control characters: C0, DEL and C1 (U+0080 to U+009F, two bytes each).
            0..0x20 | 0x7f => " ",
            0xc2 if bytes.get(at + 1).is_some_and(|b| (0x80..0xa0).contains(b)) => " ",
            _ => {
                at_start = at_start && byte == b' ';
                at += 1;
                continue;
            }
        };
        out.push_str(&line[copied..at]);
        out.push_str(escaped);
        at += if byte == 0xc2 { 2 } else { 1 };
        copied = at;
        at_start = false;
    }
    out.push_str(&line[copied..]);
    out
}

/// Whether `text` has no line break for [`one_line`] to replace.
fn one_line_already(text: &str) -> bool {
    // A scan of the bytes answers for most text at once (U+2028 and U+2029 are E2 80 A8 and
    // E2 80 A9); text with one of those bytes is searched for the characters themselves.
    !text.bytes().any(|b| b == b'\n' || b == b'\r' || b == 0xe2)
        || !text.contains(['\n', '\r', '\u{2028}', '\u{2029}'])
}

/// Where the run of exactly `ticks` backticks that closes a code span starts in `text`.
fn closing_fence(text: &str, ticks: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'`' {
            let run = bytes[i..].iter().take_while(|&&b| b == b'`').count();
            if run == ticks {
                return Some(i);
            }
            i += run;
        } else {
            i += 1;
        }
    }
    None
}

/// `text` as one Markdown code span, whatever backticks it holds. In a table cell (`cell`),
/// `|` is escaped: GitHub splits a row at it even inside code and shows `\|` as `|` there.
pub fn code(text: &str, cell: bool) -> String {
    let line: String = one_line(text).collect();
    let longest = line.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    let body = if cell { line.replace('|', "\\|") } else { line };
    // A span that starts or ends with a backtick needs a space inside its fence.
    let pad = if body.starts_with('`') || body.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{body}{pad}{fence}")
}

/// A label or gantt task name for Mermaid: every ASCII character that means something to
/// one of Mermaid's grammars (`#` starts an entity, `:` `;` `#` end a gantt task name, `"`
/// ends a label, `%%` starts a comment, `<` starts HTML) becomes Mermaid's entity code
/// `#<decimal>;`, which it shows as the character. Line breaks become spaces.
pub fn mermaid(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in one_line(text) {
        match c {
            c if c.is_ascii_alphanumeric() => out.push(c),
            ' ' | '-' | '_' | '.' | ',' | '/' | '(' | ')' => out.push(c),
            c if c.is_ascii() => {
                if c.is_control() {
                    out.push(' ');
                } else {
                    out.push_str(&format!("#{};", c as u32));
                }
            }
            c => out.push(c),
        }
    }
    out
}

/// Text for a Slack (or Teams) `text` field: `&`, `<` and `>` are its control characters.
pub fn slack(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// A repository path for a URL: every byte but the unreserved characters of RFC 3986 and
/// `/` percent-encoded, so that a path with spaces, `<`, `|` or `&` stays one link.
pub fn url_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for byte in path.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                out.push(byte as char);
            }
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {

    /// The escaping as first written, character by character: [`markdown`] must agree.
    fn markdown_by_characters(text: &str) -> String {
        let line: String = one_line(text).collect();
        let mut out = String::with_capacity(line.len() + line.len() / 8);
        let mut rest = line.as_str();
        let mut at_start = true;
        while !rest.is_empty() {
            // A code span: a run of backticks closed by a run of the same length.
            if rest.starts_with('`') {
                let ticks = rest.len() - rest.trim_start_matches('`').len();
                let fence = &rest[..ticks];
                if let Some(end) = closing_fence(&rest[ticks..], ticks) {
                    let body = &rest[ticks..ticks + end];
                    out.push_str(fence);
                    out.push_str(&body.replace('|', "\\|"));
                    out.push_str(fence);
                    rest = &rest[ticks + end + ticks..];
                    at_start = false;
                    continue;
                }
                // No closing run: the backticks are text.
                for _ in 0..ticks {
                    out.push_str("\\`");
                }
                rest = &rest[ticks..];
                at_start = false;
                continue;
            }
            let c = rest.chars().next().expect("rest is not empty");
            match c {
                '&' => out.push_str("&amp;"),
                '<' => out.push_str("&lt;"),
                '>' => out.push_str("&gt;"),
                '\\' | '*' | '_' | '[' | ']' | '~' | '|' => {
                    out.push('\\');
                    out.push(c);
                }
                // A heading or a list marker only where a line (or cell) starts.
                '#' | '-' | '+' if at_start => {
                    out.push('\\');
                    out.push(c);
                }
                c if c.is_control() => out.push(' '),
                c => out.push(c),
            }
            at_start = at_start && c == ' ';
            rest = &rest[c.len_utf8()..];
        }
        out
    }

    use proptest::prelude::*;

    proptest! {
        /// Escaping in runs of bytes gives what escaping character by character gave.
        #[test]
        fn markdown_agrees_with_the_escaping_by_characters(
            text in "[a-z `&<>\\\\*_\\[\\]~|#+\\-\\r\\n\\t\\x00\\x7f\\u{80}\\u{9f}\\u{a0}\\u{2028}\\u{2029}é]{0,24}|\\PC{0,12}",
        ) {
            prop_assert_eq!(markdown(&text), markdown_by_characters(&text));
        }
    }

    use super::*;

    const HOSTILE: &str =
        "(z) #42; 100% a:b | <details><summary>x</summary> & y\r\nz\rw — migración";

    #[test]
    fn markdown_keeps_one_line_and_shows_html_as_text() {
        assert_eq!(
            markdown(HOSTILE),
            "(z) #42; 100% a:b \\| &lt;details&gt;&lt;summary&gt;x&lt;/summary&gt; &amp; y z w — migración"
        );
        assert_eq!(
            markdown("*bold* _it_ [l](u) ~s~ \\"),
            "\\*bold\\* \\_it\\_ \\[l\\](u) \\~s\\~ \\\\"
        );
        assert_eq!(markdown("- item"), "\\- item");
        assert_eq!(markdown("a - b"), "a - b");
        assert_eq!(markdown("# h"), "\\# h");
    }

    #[test]
    fn markdown_keeps_code_spans_and_escapes_pipes_in_them() {
        assert_eq!(
            markdown("gate `a|b` needs <team>"),
            "gate `a\\|b` needs &lt;team&gt;"
        );
        assert_eq!(markdown("``x ` y`` and `"), "``x ` y`` and \\`");
    }

    #[test]
    fn code_spans_hold_any_backticks() {
        assert_eq!(code("a|b", true), "`a\\|b`");
        assert_eq!(code("a|b", false), "`a|b`");
        assert_eq!(code("x`y", false), "``x`y``");
        assert_eq!(code("`x", false), "`` `x ``");
        assert_eq!(code("a\r\nb", false), "`a b`");
    }

    #[test]
    fn mermaid_writes_entity_codes() {
        assert_eq!(
            mermaid("(z) #42; 100% a:b \"q\" <i>"),
            "(z) #35;42#59; 100#37; a#58;b #34;q#34; #60;i#62;"
        );
        assert_eq!(mermaid("línea\nnueva"), "línea nueva");
    }

    #[test]
    fn slack_and_urls() {
        assert_eq!(slack("a & <b> c"), "a &amp; &lt;b&gt; c");
        assert_eq!(
            url_path("releases/a b<c>|d&é.yaml"),
            "releases/a%20b%3Cc%3E%7Cd%26%C3%A9.yaml"
        );
    }
}
