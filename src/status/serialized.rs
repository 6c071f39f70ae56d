//! Whether a value serializes as a given JSON value (a [`Borrowed`] tree, as a status file
//! reads back), keys in the same order, asked without building that JSON: reading a
//! committed status file back serialized the typed file to a `serde_json::Value` only to
//! compare it with the value read, a fifth of that reading.
//!
//! The answer is sound, not complete: `true` only when `serde_json::to_value` gives
//! `expected` with its keys in the same order. A shape this module does not follow (floats,
//! bytes, 128-bit integers, map keys that are not strings) answers `false`, and the caller
//! takes the long way.

use std::borrow::Cow;

use serde::ser::{self, Serialize};

use crate::yaml::Borrowed;

/// Whether `value` serializes as `expected`, keys in order (see the module doc).
pub(crate) fn serializes_as<T: Serialize + ?Sized>(value: &T, expected: &Borrowed<'_>) -> bool {
    value.serialize(Expect::Value(expected)).is_ok()
}

/// The first difference found, or a shape not followed.
#[derive(Debug)]
struct Differs;

impl std::fmt::Display for Differs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("serializes otherwise")
    }
}

impl std::error::Error for Differs {}

impl ser::Error for Differs {
    fn custom<T: std::fmt::Display>(_: T) -> Self {
        Differs
    }
}

fn same(equal: bool) -> Result<(), Differs> {
    if equal { Ok(()) } else { Err(Differs) }
}

/// The one entry of a map that `serde_json` makes of an enum variant with content.
fn variant<'v>(expected: &'v Borrowed<'v>, name: &str) -> Result<&'v Borrowed<'v>, Differs> {
    let Borrowed::Object(map) = expected else {
        return Err(Differs);
    };
    let (key, inner) = map.first().ok_or(Differs)?;
    same(map.len() == 1 && key == name)?;
    Ok(inner)
}

/// A serializer that compares what it is given with what is expected there: a JSON value,
/// or a map's key. `serde_json` also turns numbers and booleans into keys; only strings
/// (and chars, unit variants and newtypes of them) are followed as keys here.
#[derive(Clone, Copy)]
enum Expect<'v> {
    Value(&'v Borrowed<'v>),
    Key(&'v str),
}

impl<'v> Expect<'v> {
    /// The value expected: a key is none.
    fn value(self) -> Result<&'v Borrowed<'v>, Differs> {
        match self {
            Expect::Value(value) => Ok(value),
            Expect::Key(_) => Err(Differs),
        }
    }

    fn items(self) -> Result<Items<'v>, Differs> {
        match self.value()? {
            Borrowed::Array(items) => Ok(Items(items.iter())),
            _ => Err(Differs),
        }
    }

    fn entries(self) -> Result<Entries<'v>, Differs> {
        match self.value()? {
            Borrowed::Object(map) => Ok(Entries {
                entries: map.iter(),
                value: None,
            }),
            _ => Err(Differs),
        }
    }
}

/// Scalars, compared as `serde_json` compares a `Value` with them (no `Value` is made): a
/// boolean with a boolean, a number by its value as the widest type of its sign.
macro_rules! scalars {
    ($($method:ident($type:ty) as $wide:ident;)*) => {
        $(fn $method(self, v: $type) -> Result<(), Differs> {
            same(self.value()?.$wide() == Some(v.into()))
        })*
    };
}

/// Shapes this module does not follow: the caller takes the long way.
macro_rules! not_followed {
    ($($method:ident($($type:ty),*);)*) => {
        $(fn $method(self, $(_: $type),*) -> Result<(), Differs> {
            Err(Differs)
        })*
    };
}

impl<'v> ser::Serializer for Expect<'v> {
    type Ok = ();
    type Error = Differs;
    type SerializeSeq = Items<'v>;
    type SerializeTuple = Items<'v>;
    type SerializeTupleStruct = Items<'v>;
    type SerializeTupleVariant = Items<'v>;
    type SerializeMap = Entries<'v>;
    type SerializeStruct = Entries<'v>;
    type SerializeStructVariant = Entries<'v>;

    scalars! {
        serialize_bool(bool) as as_bool;
        serialize_i8(i8) as as_i64;
        serialize_i16(i16) as as_i64;
        serialize_i32(i32) as as_i64;
        serialize_i64(i64) as as_i64;
        serialize_u8(u8) as as_u64;
        serialize_u16(u16) as as_u64;
        serialize_u32(u32) as as_u64;
        serialize_u64(u64) as as_u64;
    }

    not_followed! {
        serialize_f32(f32);
        serialize_f64(f64);
        serialize_i128(i128);
        serialize_u128(u128);
        serialize_bytes(&[u8]);
    }

    fn serialize_char(self, v: char) -> Result<(), Differs> {
        self.serialize_str(v.encode_utf8(&mut [0; 4]))
    }

    fn serialize_str(self, v: &str) -> Result<(), Differs> {
        same(match self {
            Expect::Value(value) => value.as_str() == Some(v),
            Expect::Key(key) => key == v,
        })
    }

    fn serialize_none(self) -> Result<(), Differs> {
        same(self.value()?.is_null())
    }

    fn serialize_some<T: Serialize + ?Sized>(self, v: &T) -> Result<(), Differs> {
        v.serialize(Expect::Value(self.value()?))
    }

    fn serialize_unit(self) -> Result<(), Differs> {
        same(self.value()?.is_null())
    }

    fn serialize_unit_struct(self, _: &'static str) -> Result<(), Differs> {
        same(self.value()?.is_null())
    }

    fn serialize_unit_variant(self, _: &'static str, _: u32, name: &str) -> Result<(), Differs> {
        self.serialize_str(name)
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        v: &T,
    ) -> Result<(), Differs> {
        v.serialize(self)
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        name: &'static str,
        v: &T,
    ) -> Result<(), Differs> {
        v.serialize(Expect::Value(variant(self.value()?, name)?))
    }

    fn serialize_seq(self, _: Option<usize>) -> Result<Items<'v>, Differs> {
        self.items()
    }

    fn serialize_tuple(self, _: usize) -> Result<Items<'v>, Differs> {
        self.items()
    }

    fn serialize_tuple_struct(self, _: &'static str, _: usize) -> Result<Items<'v>, Differs> {
        self.items()
    }

    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        name: &'static str,
        _: usize,
    ) -> Result<Items<'v>, Differs> {
        Expect::Value(variant(self.value()?, name)?).items()
    }

    fn serialize_map(self, _: Option<usize>) -> Result<Entries<'v>, Differs> {
        self.entries()
    }

    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Entries<'v>, Differs> {
        self.entries()
    }

    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        name: &'static str,
        _: usize,
    ) -> Result<Entries<'v>, Differs> {
        Expect::Value(variant(self.value()?, name)?).entries()
    }
}

/// The items of a list, compared one by one; none may be left at the end.
struct Items<'v>(std::slice::Iter<'v, Borrowed<'v>>);

impl Items<'_> {
    fn item<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), Differs> {
        v.serialize(Expect::Value(self.0.next().ok_or(Differs)?))
    }

    fn done(mut self) -> Result<(), Differs> {
        same(self.0.next().is_none())
    }
}

macro_rules! items {
    ($($trait:ident::$method:ident;)*) => {
        $(impl ser::$trait for Items<'_> {
            type Ok = ();
            type Error = Differs;

            fn $method<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), Differs> {
                self.item(v)
            }

            fn end(self) -> Result<(), Differs> {
                self.done()
            }
        })*
    };
}

items! {
    SerializeSeq::serialize_element;
    SerializeTuple::serialize_element;
    SerializeTupleStruct::serialize_field;
    SerializeTupleVariant::serialize_field;
}

/// The entries of a map, compared in order (key, then value); none may be left at the end.
struct Entries<'v> {
    entries: std::slice::Iter<'v, (Cow<'v, str>, Borrowed<'v>)>,
    /// The value whose key was compared last.
    value: Option<&'v Borrowed<'v>>,
}

impl Entries<'_> {
    fn field<T: Serialize + ?Sized>(&mut self, key: &str, v: &T) -> Result<(), Differs> {
        let (expected, value) = self.entries.next().ok_or(Differs)?;
        same(expected == key)?;
        v.serialize(Expect::Value(value))
    }

    fn done(mut self) -> Result<(), Differs> {
        same(self.value.is_none() && self.entries.next().is_none())
    }
}

impl ser::SerializeMap for Entries<'_> {
    type Ok = ();
    type Error = Differs;

    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Differs> {
        let (expected, value) = self.entries.next().ok_or(Differs)?;
        key.serialize(Expect::Key(expected))?;
        self.value = Some(value);
        Ok(())
    }

    fn serialize_value<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), Differs> {
        v.serialize(Expect::Value(self.value.take().ok_or(Differs)?))
    }

    fn end(self) -> Result<(), Differs> {
        self.done()
    }
}

macro_rules! fields {
    ($($trait:ident;)*) => {
        $(impl ser::$trait for Entries<'_> {
            type Ok = ();
            type Error = Differs;

            fn serialize_field<T: Serialize + ?Sized>(
                &mut self,
                key: &'static str,
                v: &T,
            ) -> Result<(), Differs> {
                self.field(key, v)
            }

            fn end(self) -> Result<(), Differs> {
                self.done()
            }
        })*
    };
}

fields! {
    SerializeStruct;
    SerializeStructVariant;
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::Value;

    /// [`super::serializes_as`] of the tree a `Value` stands for.
    fn serializes_as<T: Serialize + ?Sized>(value: &T, expected: &Value) -> bool {
        super::serializes_as(value, &crate::yaml::Borrowed::from_json(expected.clone()))
    }

    /// The comparison it stands for: `to_value`, then equal with keys in the same order.
    fn to_value_in_order<T: Serialize>(value: &T, expected: &Value) -> bool {
        serde_json::to_value(value).is_ok_and(|made| super::super::same_in_order(&made, expected))
    }

    fn json() -> impl Strategy<Value = Value> {
        let scalar = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
            any::<u64>().prop_map(Value::from),
            (-4.0f64..4.0).prop_map(Value::from),
            "[a-c]{0,2}".prop_map(Value::from),
        ];
        scalar.prop_recursive(4, 32, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                prop::collection::vec(("[a-c]{0,2}", inner), 0..4)
                    .prop_map(|entries| Value::Object(entries.into_iter().collect())),
            ]
        })
    }

    /// `value` with one of its parts changed: a scalar replaced, an item or entry dropped,
    /// two entries swapped.
    fn has_float(value: &Value) -> bool {
        match value {
            Value::Number(n) => n.is_f64(),
            Value::Array(items) => items.iter().any(has_float),
            Value::Object(map) => map.values().any(has_float),
            _ => false,
        }
    }

    fn changed(value: &Value, seed: u64) -> Value {
        let mut value = value.clone();
        change(&mut value, seed);
        value
    }

    fn change(value: &mut Value, seed: u64) {
        let seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let pick = (seed >> 33) as usize;
        match value {
            Value::Array(items) if !items.is_empty() => {
                if !pick.is_multiple_of(3) {
                    let i = pick % items.len();
                    change(&mut items[i], seed);
                } else {
                    items.pop();
                }
            }
            Value::Object(map) if !map.is_empty() => {
                if map.len() >= 2 && pick.is_multiple_of(4) {
                    let first = map.keys().next().cloned().unwrap_or_default();
                    let moved = map.shift_remove(&first).unwrap_or_default();
                    map.insert(first, moved);
                } else if !pick.is_multiple_of(3) {
                    let i = pick % map.len();
                    if let Some(inner) = map.values_mut().nth(i) {
                        change(inner, seed);
                    }
                } else {
                    let last = map.keys().next_back().cloned().unwrap_or_default();
                    map.shift_remove(&last);
                }
            }
            other => {
                *other = match other {
                    Value::Null => Value::from(0),
                    Value::String(s) if s.is_empty() => Value::Null,
                    _ => Value::from(""),
                };
            }
        }
    }

    proptest! {
        /// Never `true` where `to_value` and the ordered comparison say otherwise, and
        /// `true` for every value without floats compared with its own JSON.
        #[test]
        fn it_answers_as_to_value_would(a in json(), b in json(), seed in any::<u64>()) {
            let floats = has_float(&a);
            prop_assert_eq!(serializes_as(&a, &a), !floats);
            for expected in [b, changed(&a, seed)] {
                if serializes_as(&a, &expected) {
                    prop_assert!(to_value_in_order(&a, &expected), "{} vs {}", a, expected);
                }
            }
        }
    }

    #[test]
    fn typed_shapes_are_compared_field_by_field() {
        #[derive(serde::Serialize, PartialEq, Eq, PartialOrd, Ord)]
        #[serde(rename_all = "camelCase")]
        enum Shape {
            Unit,
            Newtype(u32),
            Tuple(u8, String),
            Struct { inner: Option<bool> },
        }
        #[derive(serde::Serialize)]
        struct Outer {
            shapes: Vec<Shape>,
            keyed: std::collections::BTreeMap<String, Shape>,
            letter: char,
            #[serde(flatten)]
            rest: std::collections::BTreeMap<String, i32>,
        }
        let outer = Outer {
            shapes: vec![
                Shape::Unit,
                Shape::Newtype(7),
                Shape::Tuple(1, "x".into()),
                Shape::Struct { inner: None },
            ],
            keyed: [("k".to_string(), Shape::Struct { inner: Some(true) })].into(),
            letter: 'é',
            rest: [("z".to_string(), -3)].into(),
        };
        let json = serde_json::to_value(&outer).expect("json");
        assert!(serializes_as(&outer, &json));
        for other in [
            serde_json::json!({"shapes": json["shapes"], "keyed": json["keyed"], "letter": "é"}),
            serde_json::json!({"keyed": json["keyed"], "shapes": json["shapes"], "letter": "é", "z": -3}),
            serde_json::json!({"shapes": json["shapes"], "keyed": {"k": {"struct": {"inner": false}}}, "letter": "é", "z": -3}),
            serde_json::json!({"shapes": ["unit", {"newtype": 7}, {"tuple": [1, "x"]}, {"struct": {}}], "keyed": json["keyed"], "letter": "é", "z": -3}),
        ] {
            assert!(!serializes_as(&outer, &other), "{other}");
            assert!(!to_value_in_order(&outer, &other), "{other}");
        }
        // Keys: strings and unit variants are followed; what serde_json would refuse as a
        // key (an option) or turn into a string (a number) answers "differs".
        let keyed = std::collections::BTreeMap::from([(Shape::Unit, 1)]);
        assert!(serializes_as(&keyed, &serde_json::json!({"unit": 1})));
        assert!(!serializes_as(&keyed, &serde_json::json!({"newtype": 1})));
        let optional = std::collections::BTreeMap::from([(Some("k"), 1)]);
        assert!(serde_json::to_value(&optional).is_err());
        assert!(!serializes_as(&optional, &serde_json::json!({"k": 1})));
        let numbered = std::collections::BTreeMap::from([(7u8, 1)]);
        assert!(!serializes_as(&numbered, &serde_json::json!({"7": 1})));
        // A struct's fields by name and in order.
        #[derive(serde::Serialize)]
        struct Pair {
            a: u8,
            b: u8,
        }
        let pair = Pair { a: 1, b: 2 };
        assert!(serializes_as(&pair, &serde_json::json!({"a": 1, "b": 2})));
        for other in [
            serde_json::json!({"b": 2, "a": 1}),
            serde_json::json!({"a": 1, "c": 2}),
            serde_json::json!({"a": 1}),
            serde_json::json!({"a": 1, "b": 2, "c": 3}),
            serde_json::json!([1, 2]),
        ] {
            assert!(!serializes_as(&pair, &other), "{other}");
        }
    }
}
