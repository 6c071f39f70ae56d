//! What railyard hands GitHub Actions beyond annotations: step outputs and the body of the
//! pull-request comment that the action keeps up to date.

/// The hidden marker by which the action finds its own comment on a pull request.
pub const COMMENT_MARKER: &str = "<!-- railyard-plan -->";

/// GitHub refuses comments over 65,536 characters; the body stays well below.
pub const COMMENT_LIMIT: usize = 60_000;

/// Lines for `$GITHUB_OUTPUT`: `name=value`, one per output. Values are single-line (newlines
/// become spaces), so no delimiter syntax is needed.
pub fn outputs(pairs: &[(&str, String)]) -> String {
    pairs
        .iter()
        .map(|(name, value)| format!("{name}={}\n", value.replace(['\r', '\n'], " ")))
        .collect()
}

/// The pull-request comment: the marker, the plan as Markdown, cut at a line boundary with a
/// note when it would exceed `limit` characters.
pub fn comment_body(markdown: &str, limit: usize) -> String {
    let head = format!("{COMMENT_MARKER}\n");
    let total = markdown.lines().count();
    if head.chars().count() + markdown.chars().count() <= limit {
        return format!("{head}{markdown}");
    }
    // Room for the note, whatever the number of lines left out.
    let room = limit.saturating_sub(head.chars().count() + 200);
    let mut body = head;
    let mut used = 0;
    let mut kept = 0;
    for line in markdown.lines() {
        let length = line.chars().count() + 1;
        if used + length > room {
            break;
        }
        body.push_str(line);
        body.push('\n');
        used += length;
        kept += 1;
    }
    body.push_str(&format!(
        "\n> The plan is too long for a comment: {} more lines are in the job summary of this run.\n",
        total - kept
    ));
    body
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outputs_are_one_line_each() {
        assert_eq!(
            outputs(&[("errors", "0".into()), ("note", "a\nb".into())]),
            "errors=0\nnote=a b\n"
        );
    }

    #[test]
    fn a_short_plan_is_the_whole_comment() {
        assert_eq!(
            comment_body("## plan\n| a |\n", 1000),
            format!("{COMMENT_MARKER}\n## plan\n| a |\n")
        );
    }

    #[test]
    fn a_long_plan_is_cut_at_a_line_with_a_note_below_the_limit() {
        let markdown: String = (0..10_000).map(|i| format!("| row {i} | é |\n")).collect();
        let body = comment_body(&markdown, COMMENT_LIMIT);
        assert!(body.chars().count() <= COMMENT_LIMIT);
        assert!(body.starts_with(COMMENT_MARKER));
        let note = body.lines().last().expect("a note");
        assert!(
            note.starts_with("> The plan is too long for a comment: "),
            "{note}"
        );
        let kept = body.lines().filter(|l| l.starts_with("| row")).count();
        assert!(
            note.contains(&format!(": {} more lines", 10_000 - kept)),
            "{note}"
        );
        assert!(
            body.lines()
                .filter(|l| l.starts_with("| row"))
                .all(|l| l.ends_with("| é |"))
        );
    }
}
