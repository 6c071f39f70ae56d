//! Schema errors as diagnostics: each at the YAML node it points at, in words a person
//! reads (the allowed fields and values, a did-you-mean, how to write a date or a name).

use std::collections::BTreeSet;

use serde_json::Value;

use super::dotted;
use crate::diagnostics::{Code, Diagnostic};
use crate::manifest::values::{
    DURATION_PATTERN, ID_PATTERN, NAME_PATTERN, Name, OBJECT_REF_PATTERN,
};
use crate::source::SourceFile;
use crate::suggest;
use crate::yaml::Node;

/// Where a schema error points: the schema, the pointer and its dotted path, the YAML node
/// found there (and the key it stands under), and the file.
struct At<'a> {
    schema: &'a Value,
    pointer: &'a str,
    path: String,
    located: crate::yaml::Located<'a>,
    node: &'a Node,
    source: &'a SourceFile,
}

impl At<'_> {
    fn error(&self, code: Code, span: crate::yaml::Span, message: String) -> Diagnostic {
        Diagnostic::error(code, self.source.path.as_str(), Some(span), message)
    }

    /// An error around the node.
    fn at_node(&self, code: Code, message: String) -> Diagnostic {
        self.error(code, self.node.span, message)
    }

    /// `a manifest` / `the document` at the root, otherwise the dotted path.
    fn owner(&self, root: &str) -> String {
        if self.pointer.is_empty() {
            root.to_string()
        } else {
            format!("`{}`", self.path)
        }
    }
}

/// Turns one schema error into diagnostics at the YAML node it points at: one per unknown
/// field, one otherwise.
pub(super) fn map_error(
    schema: &Value,
    pointer: &str,
    kind: &jsonschema::error::ValidationErrorKind,
    fallback: &str,
    root: &Node,
    source: &SourceFile,
    out: &mut Vec<Diagnostic>,
) {
    use jsonschema::error::ValidationErrorKind as K;
    let located = root.locate(pointer);
    let at = At {
        schema,
        pointer,
        path: dotted(pointer),
        node: located.node,
        located,
        source,
    };
    let diagnostic = match kind {
        K::AdditionalProperties { unexpected } | K::UnevaluatedProperties { unexpected } => {
            out.extend(unexpected.iter().map(|key| unknown_field(&at, key)));
            return;
        }
        K::Required { property } => missing(&at, property.as_str().unwrap_or_default()),
        K::Type { kind } => wrong_type(&at, kind),
        K::Enum { options } => not_allowed(&at, options),
        K::Constant { expected_value } => at
            .at_node(
                Code::InvalidValue,
                format!(
                    "`{}` must be `{}`",
                    at.path,
                    expected_value
                        .as_str()
                        .map_or_else(|| expected_value.to_string(), String::from)
                ),
            )
            .with_label("not the expected value"),
        K::Format { format } => bad_format(&at, format),
        K::Pattern { pattern } => no_match(&at, pattern),
        K::AnyOf { .. } | K::OneOfNotValid { .. } if is_moment(schema, pointer) => {
            let found = clipped(
                at.node
                    .scalar_text()
                    .unwrap_or_else(|| found_words(at.node)),
            );
            at.at_node(
                Code::InvalidFormat,
                format!(
                    "`{}` must be a date or a date-time, found `{found}`",
                    at.path
                ),
            )
            .with_label("not a date or date-time")
            .with_hint("write it like `2026-12-31` or `2026-12-01T18:00:00Z`")
        }
        _ => at
            .at_node(Code::InvalidValue, format!("`{}`: {fallback}", at.path))
            .with_label("invalid value"),
    };
    out.push(diagnostic);
}

fn unknown_field(at: &At<'_>, key: &str) -> Diagnostic {
    let allowed = properties_at(at.schema, at.pointer);
    let span = at.node.entry(key).map_or(at.node.span, |e| e.key_span);
    let owner = at.owner("a manifest");
    // `{rrule: FREQ=WEEKLY;BYDAY=TU,WE}`: the comma ended the rule, and `WE` became a key.
    let rule_part = allowed.iter().any(|a| a == "rrule")
        && key
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || "=;,+-".contains(c));
    let hint = if key == "<<" {
        Some("merge keys (`<<`) are YAML 1.1; railyard reads YAML 1.2: write the fields out, or use a TrainTemplate".to_string())
    } else if rule_part {
        Some("a comma inside `{…}` ends the value before it: quote the rule, e.g. `rrule: \"FREQ=WEEKLY;BYDAY=TU,WE,TH\"`".to_string())
    } else {
        suggest::did_you_mean(key, allowed.iter().map(String::as_str)).or_else(|| {
            (!allowed.is_empty()).then(|| format!("{owner} has: {}", quote_list(&allowed)))
        })
    };
    at.error(
        Code::UnknownField,
        span,
        format!("unknown field `{key}` in {owner}"),
    )
    .with_label("unknown field")
    .with_hint_opt(hint)
}

fn missing(at: &At<'_>, property: &str) -> Diagnostic {
    // Under the mapping's own key, or (a list item, the document) its first key: a label
    // under one line, not around the whole mapping.
    let first_key = match &at.node.value {
        crate::yaml::Value::Map(entries) => entries.first().map(|e| e.key_span),
        _ => None,
    };
    let span = at
        .located
        .key_span
        .or(first_key)
        .unwrap_or(crate::yaml::Span::at(at.node.span.start));
    at.error(
        Code::MissingField,
        span,
        format!("missing field `{property}` in {}", at.owner("the document")),
    )
    .with_label(format!("`{property}` is required here"))
}

fn wrong_type(at: &At<'_>, kind: &jsonschema::error::TypeKind) -> Diagnostic {
    let node = at.node;
    let expected = type_words(kind);
    let found = found_words(node);
    let diagnostic = at
        .at_node(
            Code::WrongType,
            format!("`{}` must be {expected}, found {found}", at.path),
        )
        .with_label(format!("expected {expected}"));
    let looks_like_a_string = node.plain
        && matches!(
            node.value,
            crate::yaml::Value::Int(_)
                | crate::yaml::Value::Float(_)
                | crate::yaml::Value::Bool(_)
                | crate::yaml::Value::Null
        );
    let written = at
        .source
        .text()
        .filter(|_| expected.contains("string") && looks_like_a_string)
        .and_then(|text| text.get(at.source.range(node.span)).map(str::to_string));
    match written {
        Some(text) => diagnostic.with_hint(format!("quote it to keep it as written: `\"{text}\"`")),
        None => diagnostic,
    }
}

fn not_allowed(at: &At<'_>, options: &Value) -> Diagnostic {
    let allowed: Vec<String> = options
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default();
    let found = clipped(
        at.node
            .scalar_text()
            .unwrap_or_else(|| found_words(at.node)),
    );
    let hint = suggest::did_you_mean(&found, allowed.iter().map(String::as_str));
    at.at_node(
        Code::InvalidValue,
        format!(
            "`{}` must be one of {}, found `{found}`",
            at.path,
            quote_list(&allowed)
        ),
    )
    .with_label("not an allowed value")
    .with_hint_opt(hint)
}

fn bad_format(at: &At<'_>, format: &str) -> Diagnostic {
    let found = clipped(at.node.scalar_text().unwrap_or_default());
    let (what, example) = match format {
        "date" => ("an RFC 3339 date", "2026-12-31"),
        "date-time" => (
            "an RFC 3339 date-time with an offset",
            "2026-12-01T18:00:00Z",
        ),
        other => (other, ""),
    };
    let d = at
        .at_node(
            Code::InvalidFormat,
            format!("`{}` must be {what}, found `{found}`", at.path),
        )
        .with_label(format!("not {what}"));
    if example.is_empty() {
        d
    } else {
        d.with_hint(format!("write it like `{example}`"))
    }
}

fn no_match(at: &At<'_>, pattern: &str) -> Diagnostic {
    let found = clipped(at.node.scalar_text().unwrap_or_default());
    let path = &at.path;
    if pattern == NAME_PATTERN && at.pointer == "/metadata/name" {
        at.at_node(Code::InvalidName, format!("`{found}` is not a valid name"))
            .with_label(Name::problem(&found).unwrap_or("not a valid name"))
            .with_hint("a name is 1–63 characters of lowercase letters, digits, `-` and `.`, starting and ending with a letter or digit; it becomes a file name")
    } else if pattern == DURATION_PATTERN {
        at.at_node(
            Code::InvalidFormat,
            format!("`{path}` must be a duration, found `{found}`"),
        )
        .with_label("not a duration")
        .with_hint("write it like `90m`, `4h`, `1h30m` or `2d`")
    } else if pattern == NAME_PATTERN {
        at.at_node(
            Code::InvalidValue,
            format!("`{path}` must be an object name, found `{found}`"),
        )
        .with_label(Name::problem(&found).unwrap_or("not a valid name"))
    } else if pattern == ID_PATTERN {
        at.at_node(
            Code::InvalidValue,
            format!("`{path}` must be an id, found `{found}`"),
        )
        .with_label("letters, digits, `.`, `_` and `-`, starting and ending with a letter or digit")
    } else if pattern == OBJECT_REF_PATTERN {
        at.at_node(
            Code::InvalidValue,
            format!("`{path}` must name an object as `<Kind>/<name>`, found `{found}`"),
        )
        .with_label("not a `<Kind>/<name>` reference")
        .with_hint("for example `ReleaseTrain/2026-q4`")
    } else {
        at.at_node(
            Code::InvalidValue,
            format!("`{path}` must match `{pattern}`, found `{found}`"),
        )
        .with_label("does not match")
    }
}

fn quote_list(items: &[String]) -> String {
    items
        .iter()
        .map(|s| format!("`{s}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn type_words(kind: &jsonschema::error::TypeKind) -> String {
    use jsonschema::error::TypeKind;
    let word = |t: &jsonschema::JsonType| match t.to_string().as_str() {
        "object" => "a mapping".to_string(),
        "array" => "a list".to_string(),
        "integer" => "a whole number".to_string(),
        "null" => "empty".to_string(),
        other => format!("a {other}"),
    };
    match kind {
        TypeKind::Single(t) => word(t),
        TypeKind::Multiple(set) => set
            .iter()
            .map(|t| word(&t))
            .collect::<Vec<_>>()
            .join(" or "),
    }
}

fn clipped(text: String) -> String {
    crate::diagnostics::clip(&text).into_owned()
}

fn found_words(node: &Node) -> String {
    use crate::yaml::Value as V;
    match &node.value {
        V::Null => "nothing".into(),
        V::Bool(b) => format!("the boolean `{b}`"),
        V::Int(i) => format!("the number `{i}`"),
        V::Float(f) => format!("the number `{f}`"),
        V::Str(s) => format!("the string `{}`", crate::diagnostics::clip(s)),
        V::Seq(_) => "a list".into(),
        V::Map(_) => "a mapping".into(),
    }
}

/// Resolves a local `$ref` (`#/$defs/X`).
fn resolve<'a>(root: &'a Value, mut schema: &'a Value) -> &'a Value {
    for _ in 0..16 {
        match schema.get("$ref").and_then(Value::as_str) {
            Some(reference) => match reference.strip_prefix('#') {
                Some(pointer) => match root.pointer(pointer) {
                    Some(target) => schema = target,
                    None => return schema,
                },
                None => return schema,
            },
            None => return schema,
        }
    }
    schema
}

/// The subschemas that describe the instance at `pointer` (several where `anyOf`/`oneOf`
/// branch).
fn schemas_at<'a>(root: &'a Value, pointer: &str) -> Vec<&'a Value> {
    let mut current = vec![resolve(root, root)];
    for raw in pointer.split('/').skip(1) {
        let step = raw.replace("~1", "/").replace("~0", "~");
        let mut next = Vec::new();
        for schema in expand(root, current) {
            if let Some(child) = schema.get("properties").and_then(|p| p.get(&step)) {
                next.push(resolve(root, child));
            } else if step.parse::<usize>().is_ok() && schema.get("items").is_some() {
                next.push(resolve(root, &schema["items"]));
            } else if let Some(extra) = schema.get("additionalProperties").filter(|v| v.is_object())
            {
                next.push(resolve(root, extra));
            }
        }
        current = next;
    }
    expand(root, current)
}

/// A schema with its `anyOf`/`oneOf`/`allOf` branches spread out.
fn expand<'a>(root: &'a Value, schemas: Vec<&'a Value>) -> Vec<&'a Value> {
    let mut out = Vec::new();
    let mut stack = schemas;
    while let Some(schema) = stack.pop() {
        let schema = resolve(root, schema);
        out.push(schema);
        for key in ["anyOf", "oneOf", "allOf"] {
            if let Some(branches) = schema.get(key).and_then(Value::as_array) {
                stack.extend(branches.iter());
            }
        }
        if out.len() > 64 {
            break;
        }
    }
    out
}

/// The property names the schema allows at `pointer`, sorted.
pub fn properties_at(root: &Value, pointer: &str) -> Vec<String> {
    let names: BTreeSet<String> = schemas_at(root, pointer)
        .into_iter()
        .filter_map(|s| s.get("properties").and_then(Value::as_object))
        .flat_map(|p| p.keys().cloned())
        .collect();
    names.into_iter().collect()
}

fn is_moment(root: &Value, pointer: &str) -> bool {
    schemas_at(root, pointer).iter().any(|s| {
        s.get("description")
            .and_then(Value::as_str)
            .is_some_and(|d| d.contains("date (the whole day"))
    })
}
