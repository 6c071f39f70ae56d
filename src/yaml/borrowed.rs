//! A plain document's JSON with its strings and keys borrowed from the text: what the quick
//! reader ([`super::plain`]) builds, read by the schema check (through jsonschema's own
//! representation trait, [`crate::schema::accepts`]) and by serde (this module's
//! `Deserializer`) without a `serde_json::Value` in between.
//!
//! A `serde_json::Value` of a manifest costs an allocation for every key and every string
//! and a hashed index for every mapping (serde_json keeps keys in order); a valid manifest
//! needs none of that, only to be checked and typed. So a text the quick reader knows is
//! kept as this tree, whose words point into the text, and whose mappings are lists.
//!
//! It means the same as the `Value` would: [`Borrowed::to_json`] is that `Value`, the
//! deserializer answers as serde_json's does for a `&Value` wherever it answers at all, and
//! where it does not it fails, so that the caller takes the long way. Tests hold both.

use std::borrow::Cow;

use serde::de::{self, DeserializeSeed, EnumAccess, MapAccess, SeqAccess, VariantAccess, Visitor};
use serde_json::{Error, Number, Value as J};

/// One node of a document's JSON.
#[derive(Clone, Debug, PartialEq)]
pub enum Borrowed<'t> {
    Null,
    Bool(bool),
    Number(Number),
    Str(Cow<'t, str>),
    Array(Vec<Borrowed<'t>>),
    /// Keys in the order written; never two the same (the readers give up on a repeated key).
    Object(Vec<(Cow<'t, str>, Borrowed<'t>)>),
}

impl<'t> Borrowed<'t> {
    /// The `serde_json::Value` this node stands for.
    pub fn to_json(&self) -> J {
        match self {
            Borrowed::Null => J::Null,
            Borrowed::Bool(b) => J::Bool(*b),
            Borrowed::Number(n) => J::Number(n.clone()),
            Borrowed::Str(s) => J::String(s.to_string()),
            Borrowed::Array(items) => J::Array(items.iter().map(Borrowed::to_json).collect()),
            Borrowed::Object(entries) => J::Object(
                entries
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_json()))
                    .collect(),
            ),
        }
    }

    /// A `Value` as this tree, owning its strings.
    pub fn from_json(value: J) -> Borrowed<'static> {
        match value {
            J::Null => Borrowed::Null,
            J::Bool(b) => Borrowed::Bool(b),
            J::Number(n) => Borrowed::Number(n),
            J::String(s) => Borrowed::Str(Cow::Owned(s)),
            J::Array(items) => {
                Borrowed::Array(items.into_iter().map(Borrowed::from_json).collect())
            }
            J::Object(entries) => Borrowed::Object(
                entries
                    .into_iter()
                    .map(|(k, v)| (Cow::Owned(k), Borrowed::from_json(v)))
                    .collect(),
            ),
        }
    }

    /// The value of `key`, when this is a mapping that has it.
    pub fn get(&self, key: &str) -> Option<&Borrowed<'t>> {
        match self {
            Borrowed::Object(entries) => entries.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Borrowed::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self, Borrowed::Null)
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Borrowed::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// The number, when it is one that fits an `i64` (as `serde_json::Value::as_i64`).
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Borrowed::Number(n) => n.as_i64(),
            _ => None,
        }
    }

    /// The number, when it is one that fits a `u64` (as `serde_json::Value::as_u64`).
    pub fn as_u64(&self) -> Option<u64> {
        match self {
            Borrowed::Number(n) => n.as_u64(),
            _ => None,
        }
    }

    /// What serde reports as the type it found, as serde_json reports it for a `Value`.
    fn unexpected(&self) -> de::Unexpected<'_> {
        match self {
            Borrowed::Null => de::Unexpected::Unit,
            Borrowed::Bool(b) => de::Unexpected::Bool(*b),
            Borrowed::Number(_) => de::Unexpected::Other("number"),
            Borrowed::Str(s) => de::Unexpected::Str(s),
            Borrowed::Array(_) => de::Unexpected::Seq,
            Borrowed::Object(_) => de::Unexpected::Map,
        }
    }

    fn invalid_type(&self, expected: &dyn de::Expected) -> Error {
        de::Error::invalid_type(self.unexpected(), expected)
    }
}

/// Whether `entries` repeats a key: a linear look for the few keys a manifest's mappings
/// have, sorted for a long one (a list of a thousand keys is not compared pair by pair).
pub(crate) fn repeats_a_key(entries: &[(Cow<'_, str>, Borrowed<'_>)]) -> bool {
    if entries.len() <= 16 {
        return entries
            .iter()
            .enumerate()
            .any(|(i, (key, _))| entries[..i].iter().any(|(other, _)| other == key));
    }
    let mut keys: Vec<&str> = entries.iter().map(|(k, _)| k.as_ref()).collect();
    keys.sort_unstable();
    keys.windows(2).any(|pair| pair[0] == pair[1])
}

/// Deserializer methods for numbers: the number's own, anything else refused.
macro_rules! numbers {
    ($($method:ident)*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
            match self {
                Borrowed::Number(n) => n.$method(visitor),
                _ => Err(self.invalid_type(&visitor)),
            }
        }
    )*};
}

// The deserializer of a `&Borrowed`: serde_json's for a `&Value`, method by method (its
// `value/de.rs`), so that a type reads the same from either. Strings are handed over
// borrowed for as long as the tree lives.
impl<'de> de::Deserializer<'de> for &'de Borrowed<'de> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self {
            Borrowed::Null => visitor.visit_unit(),
            Borrowed::Bool(b) => visitor.visit_bool(*b),
            Borrowed::Number(n) => n.deserialize_any(visitor),
            Borrowed::Str(s) => visit_str(s, visitor),
            Borrowed::Array(items) => visit_array(items, visitor),
            Borrowed::Object(entries) => visit_object(entries, visitor),
        }
    }

    // A number only from a number: a type that would also read one from a string must
    // not, here, when serde_json's would not.
    numbers! {
        deserialize_i8 deserialize_i16 deserialize_i32 deserialize_i64 deserialize_i128
        deserialize_u8 deserialize_u16 deserialize_u32 deserialize_u64 deserialize_u128
        deserialize_f32 deserialize_f64
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self {
            Borrowed::Null => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        match self {
            Borrowed::Object(entries) => match entries.as_slice() {
                [(variant, value)] => visitor.visit_enum(Variant {
                    name: variant,
                    value: Some(value),
                }),
                _ => Err(de::Error::invalid_value(
                    de::Unexpected::Map,
                    &"map with a single key",
                )),
            },
            Borrowed::Str(variant) => visitor.visit_enum(Variant {
                name: variant,
                value: None,
            }),
            other => Err(de::Error::invalid_type(
                other.unexpected(),
                &"string or map",
            )),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self {
            Borrowed::Bool(b) => visitor.visit_bool(*b),
            _ => Err(self.invalid_type(&visitor)),
        }
    }

    fn deserialize_char<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_str(visitor)
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self {
            Borrowed::Str(s) => visit_str(s, visitor),
            _ => Err(self.invalid_type(&visitor)),
        }
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_str(visitor)
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self {
            Borrowed::Str(s) => visit_str(s, visitor),
            Borrowed::Array(items) => visit_array(items, visitor),
            _ => Err(self.invalid_type(&visitor)),
        }
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_bytes(visitor)
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self {
            Borrowed::Null => visitor.visit_unit(),
            _ => Err(self.invalid_type(&visitor)),
        }
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_unit(visitor)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self {
            Borrowed::Array(items) => visit_array(items, visitor),
            _ => Err(self.invalid_type(&visitor)),
        }
    }

    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self {
            Borrowed::Object(entries) => visit_object(entries, visitor),
            _ => Err(self.invalid_type(&visitor)),
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        match self {
            Borrowed::Array(items) => visit_array(items, visitor),
            Borrowed::Object(entries) => visit_object(entries, visitor),
            _ => Err(self.invalid_type(&visitor)),
        }
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_str(visitor)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_unit()
    }
}

/// A string handed over borrowed from the tree (as `&Value`'s deserializer does).
fn visit_str<'de, V: Visitor<'de>>(s: &'de Cow<'de, str>, visitor: V) -> Result<V::Value, Error> {
    visitor.visit_borrowed_str(s.as_ref())
}

fn visit_array<'de, V: Visitor<'de>>(
    items: &'de [Borrowed<'de>],
    visitor: V,
) -> Result<V::Value, Error> {
    let mut access = Items(items.iter());
    let value = visitor.visit_seq(&mut access)?;
    match access.0.len() {
        0 => Ok(value),
        _ => Err(de::Error::invalid_length(
            items.len(),
            &"fewer elements in array",
        )),
    }
}

fn visit_object<'de, V: Visitor<'de>>(
    entries: &'de [(Cow<'de, str>, Borrowed<'de>)],
    visitor: V,
) -> Result<V::Value, Error> {
    let mut access = Entries {
        entries: entries.iter(),
        value: None,
    };
    let value = visitor.visit_map(&mut access)?;
    match access.entries.len() {
        0 => Ok(value),
        _ => Err(de::Error::invalid_length(
            entries.len(),
            &"fewer elements in map",
        )),
    }
}

struct Items<'de>(std::slice::Iter<'de, Borrowed<'de>>);

impl<'de> SeqAccess<'de> for Items<'de> {
    type Error = Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Error> {
        self.0.next().map(|item| seed.deserialize(item)).transpose()
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.0.len())
    }
}

struct Entries<'de> {
    entries: std::slice::Iter<'de, (Cow<'de, str>, Borrowed<'de>)>,
    value: Option<&'de Borrowed<'de>>,
}

impl<'de> MapAccess<'de> for Entries<'de> {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Error> {
        let Some((key, value)) = self.entries.next() else {
            return Ok(None);
        };
        self.value = Some(value);
        // A key is handed over as a borrowed string whatever type reads it. serde_json's
        // key deserializer also reads numbers and booleans out of keys: a type with such
        // keys fails here, and takes the long way.
        let key: de::value::BorrowedStrDeserializer<'de, Error> =
            de::value::BorrowedStrDeserializer::new(key.as_ref());
        seed.deserialize(key).map(Some)
    }

    fn next_value_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<T::Value, Error> {
        match self.value.take() {
            Some(value) => seed.deserialize(value),
            None => Err(de::Error::custom("value is missing")),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.entries.len())
    }
}

/// An enum's variant: its name, and its content when it was written as a one-key mapping.
struct Variant<'de> {
    name: &'de str,
    value: Option<&'de Borrowed<'de>>,
}

impl<'de> EnumAccess<'de> for Variant<'de> {
    type Error = Error;
    type Variant = Self;

    fn variant_seed<V: DeserializeSeed<'de>>(self, seed: V) -> Result<(V::Value, Self), Error> {
        let name = de::value::BorrowedStrDeserializer::<Error>::new(self.name);
        seed.deserialize(name).map(|v| (v, self))
    }
}

impl<'de> VariantAccess<'de> for Variant<'de> {
    type Error = Error;

    fn unit_variant(self) -> Result<(), Error> {
        match self.value {
            Some(value) => de::Deserialize::deserialize(value),
            None => Ok(()),
        }
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, Error> {
        match self.value {
            Some(value) => seed.deserialize(value),
            None => Err(de::Error::invalid_type(
                de::Unexpected::UnitVariant,
                &"newtype variant",
            )),
        }
    }

    fn tuple_variant<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value, Error> {
        match self.value {
            Some(Borrowed::Array(items)) => visit_array(items, visitor),
            Some(other) => Err(other.invalid_type(&"tuple variant")),
            None => Err(de::Error::invalid_type(
                de::Unexpected::UnitVariant,
                &"tuple variant",
            )),
        }
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        match self.value {
            Some(Borrowed::Object(entries)) => visit_object(entries, visitor),
            Some(other) => Err(other.invalid_type(&"struct variant")),
            None => Err(de::Error::invalid_type(
                de::Unexpected::UnitVariant,
                &"struct variant",
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    fn word(s: &str) -> Borrowed<'_> {
        Borrowed::Str(Cow::Borrowed(s))
    }

    fn mapping<'t>(keys: &[&'t str]) -> Vec<(Cow<'t, str>, Borrowed<'t>)> {
        keys.iter()
            .map(|k| (Cow::Borrowed(*k), Borrowed::Null))
            .collect()
    }

    #[test]
    fn a_repeated_key_is_found_in_a_short_mapping_and_a_long_one() {
        assert!(!repeats_a_key(&mapping(&["a", "b", "c"])));
        assert!(repeats_a_key(&mapping(&["a", "b", "a"])));
        let many: Vec<String> = (0..40).map(|i| format!("k{i}")).collect();
        let mut keys: Vec<&str> = many.iter().map(String::as_str).collect();
        assert!(!repeats_a_key(&mapping(&keys)));
        keys.push("k7");
        assert!(repeats_a_key(&mapping(&keys)));
    }

    #[test]
    fn it_reads_what_a_value_reads_and_refuses_what_a_value_refuses() {
        let tree = Borrowed::Object(vec![
            (Cow::Borrowed("n"), Borrowed::Number(3.into())),
            (Cow::Borrowed("s"), word("3")),
            (
                Cow::Borrowed("list"),
                Borrowed::Array(vec![word("a"), word("b")]),
            ),
            (Cow::Borrowed("none"), Borrowed::Null),
        ]);
        let value = tree.to_json();
        #[derive(Debug, PartialEq, Deserialize)]
        struct Shape {
            n: u32,
            s: String,
            list: Vec<String>,
            none: Option<String>,
        }
        let quick = Shape::deserialize(&tree).expect("reads");
        assert_eq!(Some(quick), serde_json::from_value::<Shape>(value).ok());
        // A number is never read from a string, nor a string from a number.
        assert!(u32::deserialize(&word("3")).is_err());
        assert!(String::deserialize(&Borrowed::Number(3.into())).is_err());
        // A unit variant is a string; a variant with content a mapping of one key.
        #[derive(Debug, PartialEq, Deserialize)]
        enum Either {
            Plain,
            With(u32),
        }
        assert_eq!(
            Either::deserialize(&word("Plain")).ok(),
            Some(Either::Plain)
        );
        let with = Borrowed::Object(vec![(Cow::Borrowed("With"), Borrowed::Number(2.into()))]);
        assert_eq!(Either::deserialize(&with).ok(), Some(Either::With(2)));
        // A key is only ever a string here: a map keyed by numbers takes the long way.
        let numbered = Borrowed::Object(vec![(Cow::Borrowed("1"), word("one"))]);
        assert!(std::collections::BTreeMap::<u32, String>::deserialize(&numbered).is_err());
        // Left-over items are refused as serde_json refuses them.
        assert!(<(String,)>::deserialize(&Borrowed::Array(vec![word("a"), word("b")])).is_err());
    }
}
