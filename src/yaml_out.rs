//! Writing YAML: deterministic text for files railyard generates (status files, promoted
//! turnovers). Keys keep the order of the value; every string reads back as written.

use serde_json::Value;

/// A YAML scalar that reads back as the same string: plain when that is safe, else a
/// double-quoted (JSON-escaped) string.
pub fn scalar(text: &str) -> String {
    /// Plain words that YAML 1.2's core schema reads as something other than a string.
    const SPECIAL: [&str; 9] = [
        "null", "Null", "NULL", "true", "True", "TRUE", "false", "False", "FALSE",
    ];
    let plain_safe = (text.starts_with(|c: char| c.is_ascii_alphabetic() || c == '/')
        || text.starts_with("./")
        || text.starts_with("../"))
        && !text.ends_with(' ')
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || " ._/-".contains(c))
        && !SPECIAL.contains(&text);
    if plain_safe {
        text.to_string()
    } else {
        serde_json::to_string(text).unwrap_or_default()
    }
}

/// A value as a block-style YAML document (no leading `---`), ending in a newline.
pub fn to_yaml(value: &Value) -> String {
    let mut out = String::new();
    match value {
        Value::Object(map) if !map.is_empty() => mapping(&mut out, map, 0),
        other => {
            out.push_str(&inline(other));
            out.push('\n');
        }
    }
    out
}

/// A scalar or an empty collection, on one line.
fn inline(value: &Value) -> String {
    match value {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => scalar(s),
        Value::Array(a) if a.is_empty() => "[]".into(),
        Value::Object(o) if o.is_empty() => "{}".into(),
        // Only called for scalars and empty collections.
        other => serde_json::to_string(other).unwrap_or_default(),
    }
}

fn mapping(out: &mut String, map: &serde_json::Map<String, Value>, indent: usize) {
    for (key, value) in map {
        out.push_str(&" ".repeat(indent));
        out.push_str(&scalar(key));
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
            out.push_str(&inline(other));
            out.push('\n');
        }
    }
}

fn sequence(out: &mut String, items: &[Value], indent: usize) {
    for item in items {
        out.push_str(&" ".repeat(indent));
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
                        out.push_str(&" ".repeat(indent + 2));
                    }
                    out.push_str(&scalar(key));
                    out.push(':');
                    block_value(out, value, indent + 2);
                }
            }
            Value::Array(inner) if inner.iter().all(|v| !v.is_array() && !v.is_object()) => {
                // A list of scalars inside a list reads best on one line: `- [a, b]`.
                let items: Vec<String> = inner.iter().map(inline).collect();
                out.push_str(&format!(" [{}]\n", items.join(", ")));
            }
            Value::Array(inner) => {
                out.push('\n');
                sequence(out, inner, indent + 2);
            }
            other => {
                out.push(' ');
                out.push_str(&inline(other));
                out.push('\n');
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

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
}
