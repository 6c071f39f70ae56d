//! A scalar's value under YAML 1.2's core schema, as saphyr resolves it, with the words a
//! manifest is mostly made of taken the short way; and what a scalar is as JSON and as text.

use std::borrow::Cow;

use saphyr::Scalar;
use saphyr_parser::{ScalarStyle, Tag};

use super::Value;

/// A scalar as JSON (a collection is `null`: [`super::Node::to_json`] builds those).
pub(super) fn scalar_json(value: Value) -> serde_json::Value {
    use serde_json::Value as J;
    match value {
        Value::Bool(b) => J::Bool(b),
        Value::Int(i) => J::from(i),
        Value::Float(f) => serde_json::Number::from_f64(f).map_or(J::Null, J::Number),
        Value::Str(s) => J::String(s.into_string()),
        Value::Null | Value::Seq(_) | Value::Map(_) => J::Null,
    }
}

/// A scalar's text the way a person wrote it (and the key it makes); `None` for a collection.
pub(super) fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::Null => Some("null".into()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Int(i) => Some(i.to_string()),
        Value::Float(f) => Some(f.to_string()),
        Value::Str(s) => Some(s.to_string()),
        Value::Seq(_) | Value::Map(_) => None,
    }
}

/// Whether a plain scalar is a string by how it starts: with a byte that none of the core
/// schema's null, bool, int and float forms start with (`~`, `n`, `t`, `f` in either case,
/// a digit, a sign or `.`; nor `i`, for Rust's `inf`), or with `-` or `.` and then a byte
/// that no number has there (`--step`, `./deploy.sh`).
pub(super) fn is_word(text: &str) -> bool {
    let bytes = text.as_bytes();
    match bytes.first() {
        None | Some(b'~' | b'+' | b'0'..=b'9' | b'n' | b'N' | b't' | b'T' | b'f' | b'F') => false,
        Some(b'i' | b'I') => false,
        Some(b'-' | b'.') => matches!(bytes.get(1), Some(b'-' | b'/' | b'_')),
        Some(_) => true,
    }
}

/// The value of a scalar event under the YAML 1.2 core schema; `None` when the text does
/// not fit its tag.
pub(super) fn scalar_value(
    text: Cow<'_, str>,
    style: ScalarStyle,
    tag: Option<&Cow<'_, Tag>>,
) -> Option<Value> {
    // Most plain scalars of a manifest are words (`automated`, `step-0`, `developers`,
    // `./deploy.sh`): one that starts as no core schema null, bool, int or float does is a
    // string, said without trying each form in turn.
    if style == ScalarStyle::Plain && tag.is_none() && is_word(&text) {
        return Some(Value::Str(text.into()));
    }
    let core_tag = tag.filter(|t| t.is_yaml_core_schema());
    Some(
        match Scalar::parse_from_cow_and_metadata(text, style, core_tag)? {
            Scalar::Null => Value::Null,
            Scalar::Boolean(b) => Value::Bool(b),
            Scalar::Integer(i) => Value::Int(i),
            Scalar::FloatingPoint(f) => Value::Float(f.into_inner()),
            Scalar::String(s) => Value::Str(s.into()),
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(4096))]

        /// A plain scalar's value is the YAML 1.2 core schema's, as saphyr resolves it, words
        /// taken the short way included.
        #[test]
        fn a_plain_scalar_is_what_the_core_schema_says(
            text in "[a-zA-Z0-9.~+_/$(é-][a-zA-Z0-9 ./+_-]{0,8}|(?i:null|true|false|inf|infinity|nan|\\.inf|\\.nan)|[+-]?[0-9]{1,4}([.][0-9]{0,3})?([eE][+-]?[0-9]{1,2})?"
        ) {
            let ours = scalar_value(Cow::Borrowed(text.as_str()), ScalarStyle::Plain, None);
            let theirs = Scalar::parse_from_cow_and_metadata(
                Cow::Borrowed(text.as_str()),
                ScalarStyle::Plain,
                None,
            )
            .map(|scalar| match scalar {
                Scalar::Null => Value::Null,
                Scalar::Boolean(b) => Value::Bool(b),
                Scalar::Integer(i) => Value::Int(i),
                Scalar::FloatingPoint(f) => Value::Float(f.into_inner()),
                Scalar::String(s) => Value::Str(s.into()),
            });
            // NaN is not equal to itself: compared by its text.
            proptest::prop_assert_eq!(format!("{ours:?}"), format!("{theirs:?}"));
        }
    }

    #[test]
    fn words_take_the_short_way_and_the_rest_do_not() {
        for (text, expected) in [
            ("automated", Value::Str("automated".into())),
            ("step-0", Value::Str("step-0".into())),
            ("Null", Value::Null),
            ("TRUE", Value::Bool(true)),
            ("false", Value::Bool(false)),
            ("inf", Value::Str("inf".into())),
            ("nan", Value::Str("nan".into())),
            ("0x1F", Value::Int(31)),
            ("1e3", Value::Float(1000.0)),
            ("./deploy.sh", Value::Str("./deploy.sh".into())),
            ("--step", Value::Str("--step".into())),
            ("/srv", Value::Str("/srv".into())),
            ("_x", Value::Str("_x".into())),
            ("été", Value::Str("été".into())),
            ("-1", Value::Int(-1)),
            ("+1", Value::Int(1)),
            (".5", Value::Float(0.5)),
            ("-.5", Value::Float(-0.5)),
            ("~", Value::Null),
        ] {
            let value = scalar_value(Cow::Borrowed(text), ScalarStyle::Plain, None);
            assert_eq!(
                format!("{value:?}"),
                format!("{:?}", Some(expected)),
                "{text}"
            );
        }
    }
}
