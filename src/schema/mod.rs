//! JSON Schemas (draft 2020-12) generated from the manifest model, and validation of
//! documents against them with every error mapped back to the YAML node that caused it
//! ([`errors`]).

mod borrowed;
mod errors;

use errors::map_error;
pub use errors::properties_at;

use std::collections::BTreeSet;
use std::sync::OnceLock;

use schemars::Schema;
use schemars::generate::SchemaSettings;
use schemars::transform::RecursiveTransform;
use serde_json::{Value, json};

use crate::diagnostics::{Code, Diagnostic};
use crate::manifest::Kind;
use crate::source::SourceFile;
use crate::yaml::{Borrowed, Node};

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

/// A kind's schema, compiled for documents read the quick way ([`accepts`]); and compiled
/// again, for a `serde_json::Value`, the first time a document of the kind needs its
/// problems explained ([`validate`]): a repository of valid manifests never does, and
/// compiling it costs milliseconds and megabytes.
struct Compiled {
    schema: Value,
    quick: jsonschema::Validator<borrowed::BorrowedJson>,
    explaining: OnceLock<Option<jsonschema::Validator>>,
}

impl Compiled {
    fn explaining(&self) -> Option<&jsonschema::Validator> {
        self.explaining
            .get_or_init(|| {
                jsonschema::options()
                    .with_draft(jsonschema::Draft::Draft202012)
                    .should_validate_formats(true)
                    .build(&self.schema)
                    .ok()
            })
            .as_ref()
    }
}

fn compiled(kind: Kind) -> Option<&'static Compiled> {
    static COMPILED: OnceLock<Vec<Option<Compiled>>> = OnceLock::new();
    let all = COMPILED.get_or_init(|| {
        Kind::ALL
            .iter()
            .map(|kind| {
                let schema = kind_schema(*kind);
                let quick = jsonschema::options_for::<borrowed::BorrowedJson>()
                    .with_draft(jsonschema::Draft::Draft202012)
                    .should_validate_formats(true)
                    .build(&schema)
                    .ok()?;
                Some(Compiled {
                    schema,
                    quick,
                    explaining: OnceLock::new(),
                })
            })
            .collect()
    });
    let index = Kind::ALL.iter().position(|k| *k == kind)?;
    all.get(index)?.as_ref()
}

/// Whether a document of `kind`, read the quick way, passes its schema: [`validate`] finds
/// nothing in it.
pub fn accepts(kind: Kind, instance: &Borrowed<'_>) -> bool {
    compiled(kind).is_some_and(|compiled| compiled.quick.is_valid(instance))
}

/// Validates one document of `kind`; returns a diagnostic per problem, located at the
/// offending node (for unknown fields, at the key itself).
pub fn validate(kind: Kind, root: &Node, instance: &Value, source: &SourceFile) -> Vec<Diagnostic> {
    let Some((compiled, validator)) = compiled(kind).and_then(|c| Some((c, c.explaining()?)))
    else {
        return vec![Diagnostic::error(
            Code::InvalidValue,
            &source.path,
            Some(root.span),
            format!("internal error: the schema of {kind} does not compile"),
        )];
    };
    let mut diagnostics = Vec::new();
    for error in validator.iter_errors(instance) {
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

/// jsonschema's messages quote the offending value whole; a long one is clipped (the
/// source excerpt shows it).
fn strip_instance(message: &str, instance: &Value) -> String {
    let shown = instance.to_string();
    if shown.chars().count() <= crate::diagnostics::MAX_QUOTED || !message.contains(&shown) {
        return message.to_string();
    }
    message.replacen(&shown, &crate::diagnostics::clip(&shown), 1)
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
    use crate::manifest::values::{DURATION_PATTERN, NAME_PATTERN, Name};

    #[test]
    fn every_schema_compiles_and_has_a_stable_id() {
        for kind in Kind::ALL {
            let compiled = compiled(*kind).expect("compiles for the quick reader");
            assert!(
                compiled.explaining().is_some(),
                "{kind} compiles for a Value"
            );
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
    fn time_of_day_schema_agrees_with_the_parser() {
        let schema = serde_json::to_value(schemars::schema_for!(crate::manifest::TimeOfDay))
            .expect("a schema");
        let validator = jsonschema::options().build(&schema).expect("compiles");
        for text in [
            "16:00", "00:00", "23:59", "24:00", "7:00", "07:60", "7:5", "16:00:00", "",
        ] {
            assert_eq!(
                validator.is_valid(&json!(text)),
                text.parse::<crate::manifest::TimeOfDay>().is_ok(),
                "{text}"
            );
        }
    }

    #[test]
    fn a_rule_split_by_a_comma_in_a_flow_mapping_says_to_quote_it() {
        let text = "apiVersion: railyard/v1\nkind: Environment\nmetadata: {name: production}\nspec:\n  tier: production\n  windows:\n    - {rrule: FREQ=WEEKLY;BYDAY=TU,WE, duration: 6h}\n";
        let files = vec![crate::load::RawFile {
            path: "env.yaml".into(),
            content: crate::load::Content::Bytes(text.as_bytes().to_vec()),
            again: None,
        }];
        let loaded = crate::load::parse_files(crate::load::Settings::default(), None, files);
        let hints: Vec<Option<&str>> = loaded
            .diagnostics
            .iter()
            .map(|d| d.hint.as_deref())
            .collect();
        assert_eq!(
            hints,
            [Some(
                "a comma inside `{…}` ends the value before it: quote the rule, e.g. `rrule: \"FREQ=WEEKLY;BYDAY=TU,WE,TH\"`"
            )]
        );
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
