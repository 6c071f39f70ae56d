//! JSON Schemas (draft 2020-12) generated from the manifest model, and validation of
//! documents against them with every error mapped back to the YAML node that caused it.

use std::collections::BTreeSet;
use std::sync::OnceLock;

use schemars::Schema;
use schemars::generate::SchemaSettings;
use schemars::transform::RecursiveTransform;
use serde_json::{Value, json};

use crate::diagnostics::{Code, Diagnostic};
use crate::manifest::Kind;
use crate::manifest::values::{
    DURATION_PATTERN, ID_PATTERN, NAME_PATTERN, Name, OBJECT_REF_PATTERN,
};
use crate::source::SourceFile;
use crate::suggest;
use crate::yaml::Node;

/// The `$id` of a kind's schema (a URN: stable, and never fetched by anything).
pub fn schema_id(file_stem: &str) -> String {
    format!("urn:railyard:schema:v1:{file_stem}")
}

/// The file name of a kind's schema in `schemas/`.
pub fn file_name(kind: Kind) -> String {
    format!("{}.json", kind.as_str())
}

/// The file name of the schema that accepts a document of any kind.
pub const ANY_MANIFEST_FILE: &str = "manifest.json";

/// Draft 2020-12; an optional field is absent or of its type, never `null`, so that errors
/// name the field's own type.
pub(crate) fn settings() -> SchemaSettings {
    SchemaSettings::draft2020_12()
        .with_transform(RecursiveTransform(strip_null as fn(&mut Schema)))
        .with_transform(RecursiveTransform(standard_formats_only as fn(&mut Schema)))
        .with_transform(RecursiveTransform(
            describe_single_property as fn(&mut Schema),
        ))
}

/// An object schema of one property without a description of its own (an enum variant such
/// as `{releasesIn: …}`) lends the property its own description, so that an editor shows it
/// on the property.
fn describe_single_property(schema: &mut Schema) {
    let Some(map) = schema.as_object_mut() else {
        return;
    };
    let Some(description) = map.get("description").cloned() else {
        return;
    };
    let Some(Value::Object(properties)) = map.get_mut("properties") else {
        return;
    };
    if properties.len() != 1 {
        return;
    }
    if let Some(Value::Object(only)) = properties.values_mut().next() {
        only.entry("description").or_insert(description);
    }
}

/// Removes the integer formats schemars writes (`uint32`, `int64`, `double`…): they are not
/// formats of JSON Schema, and validators in strict mode (Ajv, what SchemaStore runs) refuse
/// a schema with an unknown format. An unsigned integer keeps its `minimum: 0`.
fn standard_formats_only(schema: &mut Schema) {
    let Some(map) = schema.as_object_mut() else {
        return;
    };
    let Some(format) = map.get("format").and_then(Value::as_str) else {
        return;
    };
    let unsigned = format.starts_with("uint");
    let numeric = unsigned || format.starts_with("int") || matches!(format, "float" | "double");
    if !numeric {
        return;
    }
    map.remove("format");
    if unsigned {
        map.entry("minimum").or_insert(json!(0));
    }
}

/// Removes the `null` that schemars allows for `Option` fields: `type: [string, null]` becomes
/// `type: string`, and `anyOf: [X, {type: null}]` becomes X.
fn strip_null(schema: &mut Schema) {
    let Some(map) = schema.as_object_mut() else {
        return;
    };
    if let Some(Value::Array(types)) = map.get_mut("type") {
        types.retain(|t| t != "null");
        if types.len() == 1 {
            let only = types.remove(0);
            map.insert("type".into(), only);
        }
    }
    let single = match map.get_mut("anyOf") {
        Some(Value::Array(branches)) => {
            branches.retain(|b| b.get("type").and_then(Value::as_str) != Some("null"));
            (branches.len() == 1).then(|| branches.remove(0))
        }
        _ => None,
    };
    if let Some(Value::Object(branch)) = single {
        map.remove("anyOf");
        for (key, value) in branch {
            map.entry(key).or_insert(value);
        }
    }
}

/// The schema of a whole document of `kind`.
pub fn kind_schema(kind: Kind) -> Value {
    let mut generator = settings().into_generator();
    let mut schema = kind.root_schema(&mut generator).to_value();
    set_id(&mut schema, &schema_id(kind.as_str()));
    schema
}

/// The schema of "any manifest": picks the kind's schema by `kind`.
pub fn any_manifest_schema() -> Value {
    let mut generator = settings().into_generator();
    let branches: Vec<Value> = Kind::ALL
        .iter()
        .map(|kind| {
            json!({
                "if": {"properties": {"kind": {"const": kind.as_str()}}, "required": ["kind"]},
                "then": kind.subschema(&mut generator).to_value(),
            })
        })
        .collect();
    let kinds: Vec<&str> = Kind::ALL.iter().map(|k| k.as_str()).collect();
    let definitions: serde_json::Map<String, Value> = generator.take_definitions(true);
    let mut schema = json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "railyard manifest",
        "description": "A railyard document of any kind; `kind` picks the schema.",
        "type": "object",
        "required": ["apiVersion", "kind"],
        "properties": {
            "apiVersion": {
                "const": crate::manifest::API_VERSION,
                "description": "The version of railyard's manifest format.",
            },
            "kind": {"enum": kinds, "description": "The kind of the document: it picks the schema."},
        },
        "allOf": branches,
        "$defs": definitions,
    });
    set_id(&mut schema, &schema_id("manifest"));
    schema
}

/// Sets the `$id` of `schema`, right after its `$schema`.
pub(crate) fn set_id(schema: &mut Value, id: &str) {
    if let Value::Object(map) = schema {
        let mut ordered = serde_json::Map::new();
        if let Some(dialect) = map.remove("$schema") {
            ordered.insert("$schema".into(), dialect);
        }
        map.remove("$id");
        ordered.insert("$id".into(), Value::String(id.into()));
        ordered.append(map);
        *map = ordered;
    }
}

/// A compiled validator and the schema it came from, per kind.
struct Compiled {
    schema: Value,
    validator: jsonschema::Validator,
}

fn compiled(kind: Kind) -> Option<&'static Compiled> {
    static COMPILED: OnceLock<Vec<Option<Compiled>>> = OnceLock::new();
    let all = COMPILED.get_or_init(|| {
        Kind::ALL
            .iter()
            .map(|kind| {
                let schema = kind_schema(*kind);
                let validator = jsonschema::options()
                    .with_draft(jsonschema::Draft::Draft202012)
                    .should_validate_formats(true)
                    .build(&schema)
                    .ok()?;
                Some(Compiled { schema, validator })
            })
            .collect()
    });
    let index = Kind::ALL.iter().position(|k| *k == kind)?;
    all.get(index)?.as_ref()
}

/// Validates one document of `kind`; returns a diagnostic per problem, located at the
/// offending node (for unknown fields, at the key itself).
pub fn validate(kind: Kind, root: &Node, instance: &Value, source: &SourceFile) -> Vec<Diagnostic> {
    let Some(compiled) = compiled(kind) else {
        return vec![Diagnostic::error(
            Code::InvalidValue,
            &source.path,
            Some(root.span),
            format!("internal error: the schema of {kind} does not compile"),
        )];
    };
    let mut diagnostics = Vec::new();
    for error in compiled.validator.iter_errors(instance) {
        let pointer = error.instance_path().as_str().to_string();
        map_error(
            &compiled.schema,
            &pointer,
            error.kind(),
            &strip_instance(&error.to_string(), error.instance()),
            root,
            source,
            &mut diagnostics,
        );
    }
    diagnostics
}

/// A JSON pointer as the dotted path a person reads: `/spec/tasks/0/id` → `spec.tasks[0].id`.
pub fn dotted(pointer: &str) -> String {
    let mut out = String::new();
    for raw in pointer.split('/').skip(1) {
        let step = raw.replace("~1", "/").replace("~0", "~");
        if step.parse::<usize>().is_ok() {
            out.push_str(&format!("[{step}]"));
        } else {
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(&step);
        }
    }
    if out.is_empty() {
        "the document".into()
    } else {
        out
    }
}

fn map_error(
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
    let node = located.node;
    let file = source.path.as_str();
    let path = dotted(pointer);
    match kind {
        K::AdditionalProperties { unexpected } | K::UnevaluatedProperties { unexpected } => {
            let allowed = properties_at(schema, pointer);
            for key in unexpected {
                let entry = node.entry(key);
                let span = entry.map_or(node.span, |e| e.key_span);
                let owner = if pointer.is_empty() {
                    "a manifest".to_string()
                } else {
                    format!("`{path}`")
                };
                let hint = if key == "<<" {
                    Some("merge keys (`<<`) are YAML 1.1; railyard reads YAML 1.2: write the fields out, or use a TrainTemplate".to_string())
                } else {
                    suggest::did_you_mean(key, allowed.iter().map(String::as_str)).or_else(|| {
                        (!allowed.is_empty())
                            .then(|| format!("{owner} has: {}", quote_list(&allowed)))
                    })
                };
                out.push(
                    Diagnostic::error(
                        Code::UnknownField,
                        file,
                        Some(span),
                        format!("unknown field `{key}` in {owner}"),
                    )
                    .with_label("unknown field")
                    .with_hint_opt(hint),
                );
            }
        }
        K::Required { property } => {
            let property = property.as_str().unwrap_or_default();
            // Under the mapping's own key, or (a list item, the document) its first key: a
            // label under one line, not around the whole mapping.
            let first_key = match &node.value {
                crate::yaml::Value::Map(entries) => entries.first().map(|e| e.key_span),
                _ => None,
            };
            let span = located
                .key_span
                .or(first_key)
                .unwrap_or(crate::yaml::Span::at(node.span.start));
            let owner = if pointer.is_empty() {
                "the document".to_string()
            } else {
                format!("`{path}`")
            };
            out.push(
                Diagnostic::error(
                    Code::MissingField,
                    file,
                    Some(span),
                    format!("missing field `{property}` in {owner}"),
                )
                .with_label(format!("`{property}` is required here")),
            );
        }
        K::Type { kind } => {
            let expected = type_words(kind);
            let found = found_words(node);
            let mut diagnostic = Diagnostic::error(
                Code::WrongType,
                file,
                Some(node.span),
                format!("`{path}` must be {expected}, found {found}"),
            )
            .with_label(format!("expected {expected}"));
            if expected.contains("string")
                && node.plain
                && matches!(
                    node.value,
                    crate::yaml::Value::Int(_)
                        | crate::yaml::Value::Float(_)
                        | crate::yaml::Value::Bool(_)
                        | crate::yaml::Value::Null
                )
            {
                let text = &source.text[source.range(node.span)];
                diagnostic =
                    diagnostic.with_hint(format!("quote it to keep it as written: `\"{text}\"`"));
            }
            out.push(diagnostic);
        }
        K::Enum { options } => {
            let allowed: Vec<String> = options
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|v| v.as_str().map(String::from))
                        .collect()
                })
                .unwrap_or_default();
            let found = clipped(node.scalar_text().unwrap_or_else(|| found_words(node)));
            let hint = suggest::did_you_mean(&found, allowed.iter().map(String::as_str));
            out.push(
                Diagnostic::error(
                    Code::InvalidValue,
                    file,
                    Some(node.span),
                    format!(
                        "`{path}` must be one of {}, found `{found}`",
                        quote_list(&allowed)
                    ),
                )
                .with_label("not an allowed value")
                .with_hint_opt(hint),
            );
        }
        K::Constant { expected_value } => {
            out.push(
                Diagnostic::error(
                    Code::InvalidValue,
                    file,
                    Some(node.span),
                    format!(
                        "`{path}` must be `{}`",
                        expected_value
                            .as_str()
                            .map_or_else(|| expected_value.to_string(), String::from)
                    ),
                )
                .with_label("not the expected value"),
            );
        }
        K::Format { format } => {
            let found = clipped(node.scalar_text().unwrap_or_default());
            let (what, example) = match format.as_str() {
                "date" => ("an RFC 3339 date", "2026-12-31"),
                "date-time" => (
                    "an RFC 3339 date-time with an offset",
                    "2026-12-01T18:00:00Z",
                ),
                other => (other, ""),
            };
            let mut d = Diagnostic::error(
                Code::InvalidFormat,
                file,
                Some(node.span),
                format!("`{path}` must be {what}, found `{found}`"),
            )
            .with_label(format!("not {what}"));
            if !example.is_empty() {
                d = d.with_hint(format!("write it like `{example}`"));
            }
            out.push(d);
        }
        K::Pattern { pattern } => {
            let found = clipped(node.scalar_text().unwrap_or_default());
            let diagnostic = if pattern == NAME_PATTERN && pointer == "/metadata/name" {
                Diagnostic::error(Code::InvalidName, file, Some(node.span), format!("`{found}` is not a valid name"))
                    .with_label(Name::problem(&found).unwrap_or("not a valid name"))
                    .with_hint("a name is 1–63 characters of lowercase letters, digits, `-` and `.`, starting and ending with a letter or digit; it becomes a file name")
            } else if pattern == DURATION_PATTERN {
                Diagnostic::error(
                    Code::InvalidFormat,
                    file,
                    Some(node.span),
                    format!("`{path}` must be a duration, found `{found}`"),
                )
                .with_label("not a duration")
                .with_hint("write it like `90m`, `4h`, `1h30m` or `2d`")
            } else if pattern == NAME_PATTERN {
                Diagnostic::error(
                    Code::InvalidValue,
                    file,
                    Some(node.span),
                    format!("`{path}` must be an object name, found `{found}`"),
                )
                .with_label(Name::problem(&found).unwrap_or("not a valid name"))
            } else if pattern == ID_PATTERN {
                Diagnostic::error(
                    Code::InvalidValue,
                    file,
                    Some(node.span),
                    format!("`{path}` must be an id, found `{found}`"),
                )
                .with_label(
                    "letters, digits, `.`, `_` and `-`, starting and ending with a letter or digit",
                )
            } else if pattern == OBJECT_REF_PATTERN {
                Diagnostic::error(
                    Code::InvalidValue,
                    file,
                    Some(node.span),
                    format!("`{path}` must name an object as `<Kind>/<name>`, found `{found}`"),
                )
                .with_label("not a `<Kind>/<name>` reference")
                .with_hint("for example `ReleaseTrain/2026-q4`")
            } else {
                Diagnostic::error(
                    Code::InvalidValue,
                    file,
                    Some(node.span),
                    format!("`{path}` must match `{pattern}`, found `{found}`"),
                )
                .with_label("does not match")
            };
            out.push(diagnostic);
        }
        K::AnyOf { .. } | K::OneOfNotValid { .. } if is_moment(schema, pointer) => {
            let found = clipped(node.scalar_text().unwrap_or_else(|| found_words(node)));
            out.push(
                Diagnostic::error(
                    Code::InvalidFormat,
                    file,
                    Some(node.span),
                    format!("`{path}` must be a date or a date-time, found `{found}`"),
                )
                .with_label("not a date or date-time")
                .with_hint("write it like `2026-12-31` or `2026-12-01T18:00:00Z`"),
            );
        }
        _ => {
            out.push(
                Diagnostic::error(
                    Code::InvalidValue,
                    file,
                    Some(node.span),
                    format!("`{path}`: {fallback}"),
                )
                .with_label("invalid value"),
            );
        }
    }
}

/// jsonschema's messages quote the offending value whole; a long one is clipped (the
/// source excerpt shows it).
fn strip_instance(message: &str, instance: &Value) -> String {
    let shown = instance.to_string();
    if shown.chars().count() <= crate::diagnostics::MAX_QUOTED || !message.contains(&shown) {
        return message.to_string();
    }
    message.replacen(&shown, &crate::diagnostics::clip(&shown), 1)
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

/// Every spec field of `kind` as a dotted path (`schedule.start`, `retry.attempt`), for
/// checking workflow guards. A list is a field, and so is each field of its items
/// (`workItems.done`, meaning every item's).
pub fn spec_fields(kind: Kind) -> Vec<String> {
    let Some(compiled) = compiled(kind) else {
        return Vec::new();
    };
    let root = &compiled.schema;
    let mut out = BTreeSet::new();
    let mut stack: Vec<(String, String)> = properties_at(root, "/spec")
        .into_iter()
        .map(|p| (format!("/spec/{p}"), p))
        .collect();
    while let Some((pointer, dotted)) = stack.pop() {
        if dotted.matches('.').count() > 6 {
            continue;
        }
        for child in properties_at(root, &pointer) {
            stack.push((format!("{pointer}/{child}"), format!("{dotted}.{child}")));
        }
        // The fields of a list's items, read as "every item's field" (`workItems.done`).
        for child in properties_at(root, &format!("{pointer}/0")) {
            stack.push((format!("{pointer}/0/{child}"), format!("{dotted}.{child}")));
        }
        out.insert(dotted);
    }
    out.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_schema_compiles_and_has_a_stable_id() {
        for kind in Kind::ALL {
            assert!(compiled(*kind).is_some(), "{kind}");
            assert_eq!(kind_schema(*kind)["$id"], schema_id(kind.as_str()));
        }
        let any = any_manifest_schema();
        assert!(
            jsonschema::options()
                .with_draft(jsonschema::Draft::Draft202012)
                .build(&any)
                .is_ok()
        );
    }

    #[test]
    fn name_pattern_agrees_with_the_name_rule() {
        let validator = jsonschema::options()
            .build(&json!({"type": "string", "pattern": NAME_PATTERN, "maxLength": 63}))
            .expect("pattern compiles");
        for text in [
            "a", "2026-q4", "a..b", "a-.b", "a.-b", "-a", "ab-", "a.b", "a/b", "A", "x.y.z",
        ] {
            assert_eq!(
                validator.is_valid(&json!(text)),
                Name::problem(text).is_none(),
                "{text}"
            );
        }
    }

    #[test]
    fn duration_pattern_agrees_with_the_parser() {
        let validator = jsonschema::options()
            .build(&json!({"type": "string", "pattern": DURATION_PATTERN}))
            .expect("pattern compiles");
        for text in [
            "90m", "1h30m", "2d", "1d2h3m4s", "", "h", "1m2h", "30", "1h1h",
        ] {
            assert_eq!(
                validator.is_valid(&json!(text)),
                text.parse::<crate::manifest::Duration>().is_ok(),
                "{text}"
            );
        }
    }

    #[test]
    fn properties_follow_refs_and_lists() {
        let schema = kind_schema(Kind::Turnover);
        let task = properties_at(&schema, "/spec/tasks/0");
        assert!(task.contains(&"dependsOn".to_string()), "{task:?}");
        let top = properties_at(&schema, "");
        assert_eq!(top, vec!["apiVersion", "kind", "metadata", "spec"]);
    }

    #[test]
    fn spec_fields_are_dotted_paths() {
        let fields = spec_fields(Kind::ReleaseTrain);
        for f in [
            "manager",
            "schedule.start",
            "schedule.phases.scoping",
            "abandon.reason",
        ] {
            assert!(fields.contains(&f.to_string()), "{f} in {fields:?}");
        }
        assert!(spec_fields(Kind::Release).contains(&"reviewResults".to_string()));
        assert!(spec_fields(Kind::ApplicationRelease).contains(&"workItems.done".to_string()));
    }

    #[test]
    fn dotted_paths_read_like_yaml() {
        assert_eq!(dotted("/spec/tasks/0/id"), "spec.tasks[0].id");
        assert_eq!(dotted(""), "the document");
    }
}
