//! A typed spec serialized straight to what [`super::spec_fields::prune`] makes of its JSON
//! (its digest is hashed as its JSON is written, [`crate::status::digest_serialized`]): no
//! JSON tree of the whole spec is built. Only the fields on the paths are serialized, and a
//! field read whole (a turnover's task list) is taken in as its shape (how many items,
//! which of them are objects), never as JSON.
//!
//! Serializing to a `serde_json::Value` and pruning it was a sixth of a dry-run's work on a
//! repository of turnovers. Whatever shape this module does not model (a map whose keys are
//! not strings, an enum variant with fields) makes it give up with `None`, and the caller
//! takes the long way: the answer is the same either way (`tests` holds them equal).

use serde::ser::{self, Serialize};
use serde_json::{Map, Value};

/// [`super::spec_fields::prune_steps`] of `spec`'s JSON, made without that JSON; `None`
/// where a shape is not modelled here.
pub(super) fn pruned<T: Serialize + ?Sized>(spec: &T, paths: &[&[&str]]) -> Option<Value> {
    shaped(spec, Shape::Pruned(paths)).ok()
}

/// A field's shape (`shallow`) and its pruned fields laid together: lists item by item,
/// maps key by key (the pruned fields last), anything else the pruned value.
pub(super) fn merge(base: Value, more: Value) -> Value {
    match (base, more) {
        (Value::Array(a), Value::Array(b)) => {
            Value::Array(a.into_iter().zip(b).map(|(x, y)| merge(x, y)).collect())
        }
        (Value::Object(mut a), Value::Object(b)) => {
            a.extend(b);
            Value::Object(a)
        }
        (_, more) => more,
    }
}

/// What a value is serialized into, after what its JSON would be:
#[derive(Clone, Copy)]
enum Shape<'a> {
    /// `prune_steps(json, paths)`: only the fields on the paths, lists item by item.
    Pruned(&'a [&'a [&'a str]]),
    /// `shallow(json)`: a field read whole. A list keeps its items, each object among them
    /// an empty one; a non-empty object is `{"set": true}`.
    Whole,
    /// An item of a list read whole: an object is an empty one, anything else its JSON.
    Item,
    /// The JSON itself.
    Json,
}

fn shaped<T: Serialize + ?Sized>(value: &T, shape: Shape<'_>) -> Result<Value, Unmodelled> {
    match shape {
        Shape::Json => serde_json::to_value(value).map_err(|e| Unmodelled(e.to_string())),
        shape => value.serialize(Shaper(shape)),
    }
}

/// A shape this module leaves to the long way.
#[derive(Debug)]
struct Unmodelled(String);

impl std::fmt::Display for Unmodelled {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Unmodelled {}

impl ser::Error for Unmodelled {
    fn custom<T: std::fmt::Display>(message: T) -> Self {
        Unmodelled(message.to_string())
    }
}

fn unmodelled(what: &str) -> Unmodelled {
    Unmodelled(format!("{what} is left to the JSON"))
}

/// Serializer methods for scalars, each the JSON serde_json makes of it.
macro_rules! scalars {
    ($($method:ident: $ty:ty),*) => {$(
        fn $method(self, v: $ty) -> Result<Value, Unmodelled> {
            serde_json::value::Serializer
                .$method(v)
                .map_err(|e| Unmodelled(e.to_string()))
        }
    )*};
}

struct Shaper<'a>(Shape<'a>);

/// An object's fields as the shape wants them.
struct Fields<'a> {
    shape: Shape<'a>,
    /// The fields kept (`Shape::Pruned`).
    kept: Vec<(String, Value)>,
    /// Whether any field was serialized (`Shape::Whole`: empty or not).
    any: bool,
    /// A map's key, serialized before its value.
    key: Option<String>,
}

impl<'a> Fields<'a> {
    fn new(shape: Shape<'a>) -> Fields<'a> {
        Fields {
            shape,
            kept: Vec::new(),
            any: false,
            key: None,
        }
    }

    fn field<T: Serialize + ?Sized>(&mut self, key: &str, value: &T) -> Result<(), Unmodelled> {
        self.any = true;
        let Shape::Pruned(paths) = self.shape else {
            return Ok(());
        };
        let rest: Vec<&[&str]> = paths
            .iter()
            .filter(|p| p.first() == Some(&key))
            .map(|p| &p[1..])
            .collect();
        if rest.is_empty() {
            return Ok(());
        }
        let whole = rest.iter().any(|r| r.is_empty());
        let deeper: Vec<&[&str]> = rest.into_iter().filter(|r| !r.is_empty()).collect();
        let pruned = if deeper.is_empty() {
            shaped(value, Shape::Whole)?
        } else if whole {
            merge(
                shaped(value, Shape::Whole)?,
                shaped(value, Shape::Pruned(&deeper))?,
            )
        } else {
            shaped(value, Shape::Pruned(&deeper))?
        };
        // A key given twice keeps its first place and its last value, as a JSON map does.
        match self.kept.iter_mut().find(|(k, _)| k == key) {
            Some((_, kept)) => *kept = pruned,
            None => self.kept.push((key.to_string(), pruned)),
        }
        Ok(())
    }

    fn end(self) -> Value {
        match self.shape {
            Shape::Pruned(_) => Value::Object(self.kept.into_iter().collect()),
            Shape::Whole if self.any => {
                let mut one = Map::new();
                one.insert("set".into(), Value::Bool(true));
                Value::Object(one)
            }
            _ => Value::Object(Map::new()),
        }
    }
}

/// A list's items as the shape wants them.
struct Items<'a> {
    /// The shape of each item.
    each: Shape<'a>,
    items: Vec<Value>,
}

impl<'a> Items<'a> {
    fn new(shape: Shape<'a>, len: Option<usize>) -> Items<'a> {
        let each = match shape {
            Shape::Pruned(paths) => Shape::Pruned(paths),
            Shape::Whole => Shape::Item,
            // A list is no object: an item of a list read whole keeps its JSON.
            Shape::Item | Shape::Json => Shape::Json,
        };
        Items {
            each,
            items: Vec::with_capacity(len.unwrap_or(0)),
        }
    }

    fn item<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Unmodelled> {
        self.items.push(shaped(value, self.each)?);
        Ok(())
    }
}

impl<'a> ser::Serializer for Shaper<'a> {
    type Ok = Value;
    type Error = Unmodelled;
    type SerializeSeq = Items<'a>;
    type SerializeTuple = Items<'a>;
    type SerializeTupleStruct = Items<'a>;
    type SerializeTupleVariant = ser::Impossible<Value, Unmodelled>;
    type SerializeMap = Fields<'a>;
    type SerializeStruct = Fields<'a>;
    type SerializeStructVariant = ser::Impossible<Value, Unmodelled>;

    // A scalar is its JSON in every shape: serde_json makes it.
    scalars!(
        serialize_bool: bool,
        serialize_i8: i8,
        serialize_i16: i16,
        serialize_i32: i32,
        serialize_i64: i64,
        serialize_i128: i128,
        serialize_u8: u8,
        serialize_u16: u16,
        serialize_u32: u32,
        serialize_u64: u64,
        serialize_u128: u128,
        serialize_f32: f32,
        serialize_f64: f64,
        serialize_char: char,
        serialize_str: &str,
        serialize_bytes: &[u8]
    );
    fn serialize_none(self) -> Result<Value, Unmodelled> {
        Ok(Value::Null)
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<Value, Unmodelled> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<Value, Unmodelled> {
        Ok(Value::Null)
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result<Value, Unmodelled> {
        Ok(Value::Null)
    }
    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<Value, Unmodelled> {
        Ok(Value::String(variant.to_string()))
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<Value, Unmodelled> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<Value, Unmodelled> {
        // `{variant: value}`, as serde_json writes it.
        let mut fields = Fields::new(self.0);
        fields.field(variant, value)?;
        Ok(fields.end())
    }
    fn serialize_seq(self, len: Option<usize>) -> Result<Items<'a>, Unmodelled> {
        Ok(Items::new(self.0, len))
    }
    fn serialize_tuple(self, len: usize) -> Result<Items<'a>, Unmodelled> {
        Ok(Items::new(self.0, Some(len)))
    }
    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        len: usize,
    ) -> Result<Items<'a>, Unmodelled> {
        Ok(Items::new(self.0, Some(len)))
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleVariant, Unmodelled> {
        Err(unmodelled("a tuple variant"))
    }
    fn serialize_map(self, _len: Option<usize>) -> Result<Fields<'a>, Unmodelled> {
        Ok(Fields::new(self.0))
    }
    fn serialize_struct(self, _name: &'static str, _len: usize) -> Result<Fields<'a>, Unmodelled> {
        Ok(Fields::new(self.0))
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStructVariant, Unmodelled> {
        Err(unmodelled("a struct variant"))
    }
}

/// A list's items, whichever of serde's list shapes gives them.
macro_rules! items {
    ($($shape:ident :: $method:ident),*) => {$(
        impl ser::$shape for Items<'_> {
            type Ok = Value;
            type Error = Unmodelled;
            fn $method<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Unmodelled> {
                self.item(value)
            }
            fn end(self) -> Result<Value, Unmodelled> {
                Ok(Value::Array(self.items))
            }
        }
    )*};
}

items!(
    SerializeSeq::serialize_element,
    SerializeTuple::serialize_element,
    SerializeTupleStruct::serialize_field
);

impl ser::SerializeStruct for Fields<'_> {
    type Ok = Value;
    type Error = Unmodelled;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), Unmodelled> {
        self.field(key, value)
    }
    fn end(self) -> Result<Value, Unmodelled> {
        Ok(Fields::end(self))
    }
}

impl ser::SerializeMap for Fields<'_> {
    type Ok = Value;
    type Error = Unmodelled;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Unmodelled> {
        // A string key is the JSON's key; any other is left to the JSON's own rules.
        match key.serialize(Shaper(Shape::Item))? {
            Value::String(key) => self.key = Some(key),
            _ => return Err(unmodelled("a key that is not a string")),
        }
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Unmodelled> {
        let key = self
            .key
            .take()
            .ok_or_else(|| unmodelled("a value without a key"))?;
        self.field(&key, value)
    }
    fn end(self) -> Result<Value, Unmodelled> {
        Ok(Fields::end(self))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::spec_fields::{needed_fields, prune};
    use proptest::prelude::*;

    /// The long way: the spec's JSON, pruned.
    fn by_json<T: Serialize>(spec: &T, fields: &[String]) -> (String, Value) {
        let json = serde_json::to_value(spec).expect("serializes");
        (crate::status::digest_json(&json), prune(&json, fields))
    }

    fn by_shape<T: Serialize>(spec: &T, fields: &[String]) -> (String, Value) {
        let split: Vec<Vec<&str>> = fields.iter().map(|f| f.split('.').collect()).collect();
        let paths: Vec<&[&str]> = split.iter().map(Vec::as_slice).collect();
        (
            crate::status::digest_serialized(spec).expect("digests"),
            pruned(spec, &paths).expect("a modelled shape"),
        )
    }

    /// Every dotted path of a JSON value (lists looked into), each a field a workflow could
    /// read.
    fn paths_of(value: &Value, prefix: &str, out: &mut Vec<String>) {
        match value {
            Value::Object(map) => {
                for (key, child) in map {
                    let path = match prefix {
                        "" => key.clone(),
                        _ => format!("{prefix}.{key}"),
                    };
                    out.push(path.clone());
                    paths_of(child, &path, out);
                }
            }
            Value::Array(items) => items.iter().for_each(|i| paths_of(i, prefix, out)),
            _ => {}
        }
    }

    /// The specs of the sample repository, which has every kind.
    fn objects() -> Vec<crate::manifest::Object> {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/acme");
        let loaded = crate::load::read_worktree(&root, None).expect("acme loads");
        let objects: Vec<_> = loaded
            .documents
            .iter()
            .filter_map(|d| d.object.as_deref().cloned())
            .collect();
        let kinds: std::collections::BTreeSet<_> = objects.iter().map(|o| o.kind()).collect();
        assert_eq!(
            kinds.len(),
            crate::manifest::Kind::ALL.len(),
            "every kind: {kinds:?}"
        );
        objects
    }

    #[test]
    fn every_sample_spec_prunes_and_digests_as_its_json_does() {
        let workflows = crate::workflow::builtin_documents()
            .documents
            .iter()
            .filter_map(|document| match document.object.as_deref() {
                Some(crate::manifest::Object::Workflow(w)) => Some(needed_fields(&w.spec)),
                _ => None,
            })
            .collect::<Vec<_>>();
        assert_eq!(workflows.len(), 4);
        for object in objects() {
            let spec = object.spec();
            let json = object.spec_json();
            let mut all = Vec::new();
            paths_of(&json, "", &mut all);
            let mut field_lists = workflows.clone();
            field_lists.push(all.clone());
            field_lists.push(Vec::new());
            // Each path alone, and with one that goes deeper or nowhere.
            for path in &all {
                field_lists.push(vec![path.clone()]);
                field_lists.push(vec![path.clone(), format!("{path}.id")]);
                field_lists.push(vec![format!("{path}.nothing")]);
            }
            for fields in field_lists {
                assert_eq!(
                    by_shape(&spec, &fields),
                    by_json(&spec, &fields),
                    "{} {} with {fields:?}",
                    object.kind(),
                    object.name()
                );
            }
        }
    }

    /// A spec-like JSON value: objects of lists of objects and scalars.
    fn json() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            (-1.0e6f64..1.0e6).prop_map(Value::from),
            "[a-c]{0,3}".prop_map(Value::String),
        ];
        leaf.prop_recursive(4, 48, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                prop::collection::vec(("[a-c]{1,2}", inner), 0..4)
                    .prop_map(|entries| Value::Object(entries.into_iter().collect())),
            ]
        })
    }

    fn field_list() -> impl Strategy<Value = Vec<String>> {
        prop::collection::vec(
            prop::collection::vec("[a-c]{1,2}", 1..4).prop_map(|steps| steps.join(".")),
            0..5,
        )
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2048))]

        /// Any value (a `Value` serializes itself through the same serializer calls as a
        /// typed spec: maps, lists, scalars), any paths.
        #[test]
        fn any_value_prunes_and_digests_as_its_json_does(value in json(), fields in field_list()) {
            prop_assert_eq!(by_shape(&value, &fields), by_json(&value, &fields));
        }
    }

    /// A map that names a key twice (as a flattened struct can): the first place, the last
    /// value, as in the JSON.
    #[test]
    fn a_key_given_twice_keeps_its_first_place_and_last_value() {
        struct Twice;
        impl Serialize for Twice {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                use serde::ser::SerializeMap;
                let mut map = s.serialize_map(None)?;
                map.serialize_entry("a", &[1])?;
                map.serialize_entry("b", &2)?;
                map.serialize_entry("a", &[3, 4])?;
                map.end()
            }
        }
        let json = serde_json::to_value(Twice).expect("serializes");
        for fields in [vec!["a".to_string(), "b".into()], vec!["a".into()]] {
            let split: Vec<Vec<&str>> = fields.iter().map(|f| f.split('.').collect()).collect();
            let paths: Vec<&[&str]> = split.iter().map(Vec::as_slice).collect();
            assert_eq!(pruned(&Twice, &paths), Some(prune(&json, &fields)));
        }
        // The digest is another matter: the JSON's writer writes both (see
        // `digest_serialized`), which no spec type does.
        assert_ne!(
            crate::status::digest_serialized(&Twice),
            Some(crate::status::digest_json(&json))
        );
        let split = [&["a"][..], &["b"][..]];
        assert_eq!(
            pruned(&Twice, &split),
            Some(serde_json::json!({"a": [3, 4], "b": 2}))
        );
    }

    #[test]
    fn shapes_left_to_the_json_give_up() {
        #[derive(serde::Serialize)]
        enum Variant {
            Pair(u8, u8),
            Named { a: u8 },
        }
        let both = vec![Variant::Pair(1, 2), Variant::Named { a: 1 }];
        for one in both {
            assert!(pruned(&one, &[&["Pair"][..]]).is_none());
        }
        let keyed: std::collections::BTreeMap<u8, u8> = [(1, 2)].into();
        assert!(pruned(&keyed, &[&["1"][..]]).is_none());
        // Digests need no model: the JSON's own writer makes them.
        assert_eq!(
            crate::status::digest_serialized(&keyed),
            Some(crate::status::digest_json(
                &serde_json::to_value(&keyed).unwrap()
            ))
        );
    }
}
