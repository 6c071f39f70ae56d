//! jsonschema's view of a [`Borrowed`] tree: the same schemas, compiled once more for this
//! representation, check a document the quick reader read without a `serde_json::Value`.
//!
//! Each answer is the one serde_json's representation gives for the `Value` the tree stands
//! for (jsonschema-value's `serde_json` module): strings are counted in characters, numbers
//! are serde_json's own, and a cold path (an error, `const`, `enum`, `uniqueItems`) reads the
//! `Value` itself. The tests hold the verdicts equal.

use std::borrow::Cow;

use jsonschema::JsonType;
use jsonschema::json::{Array, Json, Node, NodeIdentity, Object};
use serde_json::Value;

use crate::yaml::Borrowed;

/// The representation: nodes are `&Borrowed`.
pub(super) struct BorrowedJson;

impl Json for BorrowedJson {
    type Node<'a> = &'a Borrowed<'a>;
    type PreparedKey = String;
    type StringBuffer = ();

    // As serde_json's ordered map: a few keys read in a pass beat as many lookups.
    const KEYS_PER_LOOKUP: usize = 2;
    const ACYCLIC: bool = true;

    fn prepare_key(key: &str) -> String {
        key.to_owned()
    }

    fn with_string_node<T>((): &mut (), string: &str, f: impl FnOnce(Self::Node<'_>) -> T) -> T {
        f(&Borrowed::Str(Cow::Borrowed(string)))
    }
}

impl<'a> Node<'a, BorrowedJson> for &'a Borrowed<'a> {
    type Object = &'a [(Cow<'a, str>, Borrowed<'a>)];
    type Array = &'a [Borrowed<'a>];
    type Number = &'a serde_json::Number;

    fn as_object(&self) -> Option<Self::Object> {
        match self {
            Borrowed::Object(entries) => Some(entries),
            _ => None,
        }
    }

    fn as_array(&self) -> Option<Self::Array> {
        match self {
            Borrowed::Array(items) => Some(items),
            _ => None,
        }
    }

    fn as_string(&self) -> Option<Cow<'a, str>> {
        match self {
            Borrowed::Str(s) => Some(Cow::Borrowed(s.as_ref())),
            _ => None,
        }
    }

    fn as_number(&self) -> Option<Self::Number> {
        match self {
            Borrowed::Number(n) => Some(n),
            _ => None,
        }
    }

    fn as_boolean(&self) -> Option<bool> {
        match self {
            Borrowed::Bool(b) => Some(*b),
            _ => None,
        }
    }

    fn is_null(&self) -> bool {
        matches!(self, Borrowed::Null)
    }

    fn json_type(&self) -> JsonType {
        match self {
            Borrowed::Null => JsonType::Null,
            Borrowed::Bool(_) => JsonType::Boolean,
            Borrowed::Number(_) => JsonType::Number,
            Borrowed::Str(_) => JsonType::String,
            Borrowed::Array(_) => JsonType::Array,
            Borrowed::Object(_) => JsonType::Object,
        }
    }

    fn to_value(&self) -> Cow<'a, Value> {
        Cow::Owned(self.to_json())
    }

    fn identity(&self) -> Option<NodeIdentity> {
        Some(NodeIdentity::new(
            std::ptr::from_ref::<Borrowed<'a>>(*self) as usize
        ))
    }
}

/// A mapping's members, keys as `&str`.
pub(super) struct Members<'a>(std::slice::Iter<'a, (Cow<'a, str>, Borrowed<'a>)>);

impl<'a> Iterator for Members<'a> {
    type Item = (&'a str, &'a Borrowed<'a>);

    fn next(&mut self) -> Option<Self::Item> {
        self.0.next().map(|(key, value)| (key.as_ref(), value))
    }
}

impl<'a> Object<'a, BorrowedJson> for &'a [(Cow<'a, str>, Borrowed<'a>)] {
    type Node = &'a Borrowed<'a>;
    type MemberName = &'a str;
    type MembersIter = Members<'a>;

    fn len(&self) -> usize {
        <[_]>::len(self)
    }

    fn get(&self, key: &String) -> Option<&'a Borrowed<'a>> {
        self.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    fn members(&self) -> Members<'a> {
        Members(self.iter())
    }
}

impl<'a> Array<'a, BorrowedJson> for &'a [Borrowed<'a>] {
    type Node = &'a Borrowed<'a>;
    type ElementsIter = std::slice::Iter<'a, Borrowed<'a>>;

    fn len(&self) -> usize {
        <[_]>::len(self)
    }

    fn elements(&self) -> Self::ElementsIter {
        self.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::{Kind, Object};
    use proptest::prelude::*;
    use serde_json::Number;

    /// Every document of the sample repository as the quick reader reads it, with its kind.
    fn samples() -> Vec<(Kind, Borrowed<'static>)> {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/acme");
        let mut out = Vec::new();
        let mut dirs = vec![root];
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(&dir).expect("examples").flatten() {
                let path = entry.path();
                if path.is_dir() {
                    dirs.push(path);
                    continue;
                }
                if path.extension().is_none_or(|e| e != "yaml") {
                    continue;
                }
                let text = std::fs::read_to_string(&path).expect("a sample");
                let documents = crate::yaml::parse_plain_json(&text, Default::default())
                    .expect("a plain sample");
                for document in documents {
                    let root = Borrowed::from_json(document.root.to_json());
                    let kind = root.get("kind").and_then(Borrowed::as_str);
                    if let Some(kind) = kind.and_then(|k| k.parse::<Kind>().ok()) {
                        out.push((kind, root));
                    }
                }
            }
        }
        out.sort_by_key(|(_, root)| format!("{root:?}"));
        out
    }

    /// What a document comes to read the quick way and from its `Value`: whether it passes
    /// its schema, and its typed object.
    type Verdict = (bool, Option<Object>);

    fn both_ways(kind: Kind, quick: &Borrowed<'_>) -> (Verdict, Verdict) {
        let compiled = super::super::compiled(kind).expect("the schema compiles");
        let value = quick.to_json();
        let explaining = compiled
            .explaining()
            .expect("the schema compiles for a Value");
        let from_value = (explaining.is_valid(&value), kind.object(value).ok());
        let read_quick = (compiled.quick.is_valid(quick), kind.object_from(quick).ok());
        (read_quick, from_value)
    }

    #[test]
    fn every_sample_passes_and_reads_the_same_both_ways() {
        let samples = samples();
        assert!(samples.len() > 20, "{} documents", samples.len());
        for (kind, root) in &samples {
            let (quick, long) = both_ways(*kind, root);
            assert_eq!(quick, long, "{kind}: {root:?}");
            assert!(quick.0 && quick.1.is_some(), "{kind} passes: {root:?}");
        }
    }

    /// Values that sit at the edges of what the schemas and the types accept: the wrong
    /// type, an empty one, a near miss of a format or a pattern.
    fn awkward() -> Vec<Borrowed<'static>> {
        let text = |s: &'static str| Borrowed::Str(Cow::Borrowed(s));
        let mut out = vec![
            Borrowed::Null,
            Borrowed::Bool(true),
            Borrowed::Number(Number::from(0)),
            Borrowed::Number(Number::from(-1)),
            Borrowed::Number(Number::from(3)),
            Borrowed::Number(Number::from_f64(1.5).expect("finite")),
            Borrowed::Array(Vec::new()),
            Borrowed::Array(vec![text("a")]),
            Borrowed::Object(Vec::new()),
            Borrowed::Object(vec![(Cow::Borrowed("a"), text("b"))]),
        ];
        out.extend(
            [
                "",
                "x",
                "Has Spaces",
                "-leading",
                "a-very-long-name-that-goes-on-and-on-past-any-sensible-limit-for-an-id-x",
                "30m",
                "1h30m",
                "0m",
                "2026-01-01T10:00:00Z",
                "2026-01-01 10:00:00Z",
                "2026-01-01t10:00:00z",
                "2026-01-01T10Z",
                "+01:00",
                "10:00",
                "+1:00",
                "Europe/Paris",
                "FREQ=WEEKLY",
                "eve@example.com",
                "team:developers",
                "automated",
                "manual",
                "true",
                "1",
            ]
            .into_iter()
            .map(text),
        );
        out
    }

    /// Every node of a tree, as the list of steps (entry or item index) that reaches it.
    fn paths(node: &Borrowed<'_>, at: &mut Vec<usize>, out: &mut Vec<Vec<usize>>) {
        out.push(at.clone());
        let children: Vec<&Borrowed<'_>> = match node {
            Borrowed::Array(items) => items.iter().collect(),
            Borrowed::Object(entries) => entries.iter().map(|(_, v)| v).collect(),
            _ => Vec::new(),
        };
        for (i, child) in children.into_iter().enumerate() {
            at.push(i);
            paths(child, at, out);
            at.pop();
        }
    }

    fn at<'n, 't>(node: &'n mut Borrowed<'t>, path: &[usize]) -> &'n mut Borrowed<'t> {
        match path.split_first() {
            None => node,
            Some((&i, rest)) => match node {
                Borrowed::Array(items) => at(&mut items[i], rest),
                Borrowed::Object(entries) => at(&mut entries[i].1, rest),
                _ => unreachable!("a path leads through containers"),
            },
        }
    }

    /// What an edit does to the node it is given.
    #[derive(Clone, Debug)]
    enum Edit {
        Replace(usize),
        /// Put it in a list of one.
        Wrap,
        /// Take its last entry or item away.
        DropLast,
    }

    fn edited(root: &Borrowed<'static>, path: &[usize], edit: &Edit) -> Borrowed<'static> {
        let mut copy = root.clone();
        let node = at(&mut copy, path);
        match edit {
            Edit::Replace(i) => {
                let values = awkward();
                *node = values[i % values.len()].clone();
            }
            Edit::Wrap => *node = Borrowed::Array(vec![node.clone()]),
            Edit::DropLast => match node {
                Borrowed::Array(items) => drop(items.pop()),
                Borrowed::Object(entries) => drop(entries.pop()),
                other => *other = Borrowed::Null,
            },
        }
        copy
    }

    fn edit() -> impl Strategy<Value = Edit> {
        prop_oneof![
            8 => any::<usize>().prop_map(Edit::Replace),
            1 => Just(Edit::Wrap),
            1 => Just(Edit::DropLast),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1024))]

        /// Whatever is done to a sample's node, the document passes its schema, and is
        /// typed, alike read the quick way and from its `Value`.
        #[test]
        fn an_edited_sample_reads_the_same_both_ways(
            sample in any::<prop::sample::Index>(),
            node in any::<prop::sample::Index>(),
            edits in prop::collection::vec(edit(), 1..3),
        ) {
            let samples = samples();
            let (kind, root) = &samples[sample.index(samples.len())];
            let mut all = Vec::new();
            paths(root, &mut Vec::new(), &mut all);
            let path = &all[node.index(all.len())];
            let mut document = root.clone();
            for edit in &edits {
                document = edited(&document, path, edit);
            }
            let (quick, long) = both_ways(*kind, &document);
            prop_assert_eq!(quick, long, "{:?}", document);
        }
    }

    /// The edits reach both verdicts: documents the schema refuses and documents it still
    /// accepts, so that the comparison above is not only of refusals.
    #[test]
    fn the_edits_reach_both_verdicts() {
        let samples = samples();
        let (mut passed, mut refused) = (0, 0);
        for (kind, root) in &samples {
            let mut all = Vec::new();
            paths(root, &mut Vec::new(), &mut all);
            for (n, path) in all.iter().enumerate() {
                let document = edited(root, path, &Edit::Replace(n));
                let (quick, long) = both_ways(*kind, &document);
                assert_eq!(quick, long, "{document:?}");
                if quick.0 && quick.1.is_some() {
                    passed += 1;
                } else {
                    refused += 1;
                }
            }
        }
        assert!(
            passed > 50 && refused > 50,
            "{passed} passed, {refused} refused"
        );
    }
}
