//! The manifest model: the envelope every document shares and the spec of each kind
//! (SPEC §2). These serde types mirror the YAML; the JSON Schemas in `schemas/` are generated
//! from them, so a document that passes its schema always deserializes.

mod application;
mod approval;
mod config;
mod environment;
mod itil;
mod records;
mod team;
mod train;
mod turnover;
pub mod values;
mod workflow;

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

pub use application::*;
pub use approval::*;
pub use config::*;
pub use environment::*;
pub use itil::*;
pub use records::*;
pub use team::*;
pub use train::*;
pub use turnover::*;
pub use values::{Date, Duration, Id, Instant, Moment, Name, ObjectRef, TimeOfDay};
pub use workflow::*;

/// The only API version this railyard reads.
pub const API_VERSION: &str = "railyard/v1";

/// Name, labels and annotations of an object.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Metadata {
    /// The object's name, unique among objects of its kind.
    pub name: Name,
    /// Labels (key: value) that notification filters and tools select by.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    /// Free-form notes (key: value) railyard does not read.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
}

/// A document of one kind: `apiVersion`, `kind`, `metadata` and the kind's `spec`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Manifest<S> {
    // Short (`railyard/v1`, `ApplicationRelease`): kept inline, two allocations fewer a
    // manifest.
    pub api_version: compact_str::CompactString,
    pub kind: compact_str::CompactString,
    pub metadata: Metadata,
    pub spec: S,
}

impl<S> Manifest<S> {
    pub fn name(&self) -> &str {
        self.metadata.name.as_str()
    }
}

/// The spec type of a kind.
pub trait KindSpec: JsonSchema + DeserializeOwned + 'static {
    const KIND: Kind;
    /// The manifest inside `object`, when it is of this kind.
    fn cast(object: &Object) -> Option<&Manifest<Self>>;
}

impl<S: KindSpec> JsonSchema for Manifest<S> {
    fn schema_name() -> Cow<'static, str> {
        S::KIND.as_str().into()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let kind = S::KIND.as_str();
        json_schema!({
            "title": format!("railyard {kind}"),
            "description": S::KIND.description(),
            "type": "object",
            "required": ["apiVersion", "kind", "metadata", "spec"],
            "additionalProperties": false,
            "properties": {
                "apiVersion": {
                    "const": API_VERSION,
                    "description": "The version of railyard's manifest format.",
                },
                "kind": {"const": kind, "description": "The kind of the document."},
                "metadata": with_description(
                    generator.subschema_for::<Metadata>(),
                    "The object's name, labels and annotations.",
                ),
                "spec": with_description(
                    generator.subschema_for::<S>(),
                    "What the object is: the fields of its kind.",
                ),
            },
        })
    }
}

/// `schema` (a `$ref`) with a description beside it, as a property's schema.
fn with_description(mut schema: Schema, description: &str) -> Schema {
    schema.insert("description".into(), description.into());
    schema
}

macro_rules! kinds {
    ($($kind:ident($spec:ty): $description:literal,)*) => {
        /// Every kind of manifest.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Kind { $($kind,)* }

        impl Kind {
            pub const ALL: &'static [Kind] = &[$(Kind::$kind,)*];

            pub fn as_str(self) -> &'static str {
                match self { $(Kind::$kind => stringify!($kind),)* }
            }

            pub fn description(self) -> &'static str {
                match self { $(Kind::$kind => $description,)* }
            }

            /// The JSON Schema of a whole document of this kind, `$defs` included.
            pub fn root_schema(self, generator: &mut SchemaGenerator) -> Schema {
                match self { $(Kind::$kind => generator.root_schema_for::<Manifest<$spec>>(),)* }
            }

            /// A `$ref` to this kind's document schema, its definition added to `generator`.
            pub fn subschema(self, generator: &mut SchemaGenerator) -> Schema {
                match self { $(Kind::$kind => generator.subschema_for::<Manifest<$spec>>(),)* }
            }

            /// Deserializes a document that passed this kind's schema.
            pub fn object(self, value: serde_json::Value) -> Result<Object, serde_json::Error> {
                match self { $(Kind::$kind => serde_json::from_value(value).map(|m| Object::$kind(Box::new(m))),)* }
            }

            /// [`Kind::object`] of a document read the quick way, without its `Value`.
            pub fn object_from(self, value: &crate::yaml::Borrowed<'_>) -> Result<Object, serde_json::Error> {
                match self { $(Kind::$kind => <Manifest<$spec> as serde::Deserialize>::deserialize(value).map(|m| Object::$kind(Box::new(m))),)* }
            }
        }

        $(impl KindSpec for $spec {
            const KIND: Kind = Kind::$kind;
            fn cast(object: &Object) -> Option<&Manifest<Self>> {
                match object { Object::$kind(m) => Some(m), #[allow(unreachable_patterns)] _ => None }
            }
        })*

        /// A document of any kind, deserialized. Each variant is boxed: the kinds differ in
        /// size (an approval 272 bytes, an ITIL release 744), and a repository of 100,000
        /// manifests would otherwise spend the largest kind's size on every one.
        #[derive(Clone, Debug, PartialEq)]
        pub enum Object { $($kind(Box<Manifest<$spec>>),)* }

        impl Object {
            pub fn kind(&self) -> Kind {
                match self { $(Object::$kind(_) => Kind::$kind,)* }
            }

            pub fn metadata(&self) -> &Metadata {
                match self { $(Object::$kind(m) => &m.metadata,)* }
            }

            /// The spec as JSON, as the model reads it (empty optional fields left out).
            pub fn spec_json(&self) -> serde_json::Value {
                serde_json::to_value(self.spec()).unwrap_or_default()
            }

            /// The spec alone, for any serializer.
            pub fn spec(&self) -> Spec<'_> {
                Spec(self)
            }
        }

        /// An object's spec, serialized as its kind's spec type serializes.
        pub struct Spec<'a>(&'a Object);

        impl Serialize for Spec<'_> {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                match self.0 { $(Object::$kind(m) => m.spec.serialize(serializer),)* }
            }
        }
    };
}

kinds! {
    Config(ConfigSpec): "The repository's settings (railyard.yaml).",
    Team(TeamSpec): "A role and its members.",
    Environment(EnvironmentSpec): "An environment that turnovers deploy to.",
    TrainTemplate(TrainTemplateSpec): "A template that release trains start from.",
    ReleaseTrain(ReleaseTrainSpec): "A release train: application releases that ship together.",
    ApplicationRelease(ApplicationReleaseSpec): "A release of one application.",
    Turnover(TurnoverSpec): "A deployment of releases to one environment, with its tasks.",
    Release(ReleaseSpec): "An ITIL release record.",
    ReleaseModel(ReleaseModelSpec): "Predefined task plans for ITIL releases.",
    Workflow(WorkflowSpec): "A phase machine that replaces a kind's built-in workflow.",
    Approval(ApprovalSpec): "A person's decision on a gate or an exit criterion.",
    TaskReport(TaskReportSpec): "The outcome of a manual task, reported by its owner.",
    Halt(HaltSpec): "Stop the line: no deployment starts until it ends or is lifted.",
}

impl Object {
    pub fn name(&self) -> &str {
        self.metadata().name.as_str()
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Kind {
    type Err = ();
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Kind::ALL
            .iter()
            .copied()
            .find(|k| k.as_str() == text)
            .ok_or(())
    }
}
