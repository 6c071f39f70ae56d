//! The status of an object (SPEC §6): what the engine computes and, from the write-back
//! issue on, what railyard commits under `status/<Kind>/<name>.yaml`.

pub mod recorded;
mod serialized;

use std::collections::BTreeMap;

use crate::manifest::Id;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Status of every object from the last reconcile, by (kind, name).
pub type StatusMap = BTreeMap<(crate::manifest::Kind, String), std::sync::Arc<ObjectStatus>>;

/// Everything railyard knows about one object after a reconcile.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct ObjectStatus {
    /// The phase the object is in.
    pub phase: String,
    /// When the object entered `phase`; unknown for a phase entered before railyard watched.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<crate::manifest::Instant>")]
    pub since: Option<jiff::Timestamp>,
    /// Conditions of the object (`Ready`, `Blocked`, `Returned`, `Overdue`, `Invalid`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conditions: Vec<Condition>,
    /// Each way out of the phase that does not hold, and why.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub next: Vec<NextStep>,
    /// Every transition taken, oldest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub history: Vec<HistoryEntry>,
    /// A hash of the spec this status reflects (not a commit id).
    pub spec_digest: String,
    /// Defaults the workflow recorded for spec fields a person left empty (seed 004's
    /// `urgency: slight-disruption`); the person's own value always wins.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub defaults: BTreeMap<String, serde_json::Value>,
    /// Values a transition recorded (`completionCode: abandoned`); these win over the spec.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub recorded: BTreeMap<String, serde_json::Value>,
    /// Task-plan attempts, by plan (a plan reset on re-entry starts a new attempt).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub attempts: BTreeMap<String, u32>,
    /// What `reconcile --execute` recorded of each automated task it ran, by task id (the
    /// latest run of each task). Carried forward only from railyard's own commits.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub runs: BTreeMap<String, crate::tasks::runs::TaskRun>,
    /// Notifications owed to sinks: written with the status commit that made them, delivered
    /// once it landed, and removed as each sink takes them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub outbox: Vec<Outgoing>,
    /// Manual tasks waiting for their owner at this reconcile (their owners were told once).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub waiting: Vec<String>,
    /// Approvals asked for during this visit to the phase because the one before them in a
    /// guard was given (`executive` once `qa` is): their teams were told once. Cleared when
    /// the object leaves the phase.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub asked: Vec<String>,
    /// A turnover retried with `rerun: failed`: what its earlier attempts left done, as it
    /// stood when the current attempt was asked for. A report committed later for an earlier
    /// attempt cannot change it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retried: Option<Retried>,
}

/// See [`ObjectStatus::retried`].
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct Retried {
    /// The attempt this record is for (`retry.attempt` when it was made).
    pub attempt: u32,
    /// When railyard first saw the attempt asked for: a report for it committed before then
    /// does not count. Unknown for a turnover railyard first saw already retried.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<crate::manifest::Instant>")]
    pub since: Option<jiff::Timestamp>,
    /// Task id → the attempt in which it succeeded (or was skipped by its owner): these are
    /// skipped in `attempt`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub succeeded: BTreeMap<String, u32>,
}

/// A notification not yet taken by every sink it is for.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct Outgoing {
    /// The notification's stable id (its `Idempotency-Key`).
    pub id: String,
    /// Sink name → how delivery went so far.
    pub sinks: BTreeMap<String, Pending>,
    /// The JSON body (`schemas/Notification.json`).
    pub message: serde_json::Value,
}

/// A sink that has not taken a notification yet.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct Pending {
    /// Delivery runs that failed (each with its own retries).
    pub attempts: u32,
    /// The last failure; the sink's URL and secrets are never written here.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// A condition in the manner of Kubernetes' `metav1.Condition`. railyard owns five types
/// ([`CONDITIONS`]); once one was set on an object it stays in the list: `True` while it
/// holds, `False` once it stops holding, `Unknown` while the manifest has errors (railyard
/// cannot tell), each with the `since` of its latest change of `status`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct Condition {
    // Type, status and reason are single words, held inline: every object has a few
    // conditions.
    /// The condition's type: `Ready`, `Blocked`, `Returned`, `Overdue` or `Invalid`.
    #[serde(rename = "type")]
    #[schemars(with = "String", extend("enum" = CONDITIONS))]
    pub kind: compact_str::CompactString,
    /// Whether the condition holds: `True`, `False`, or `Unknown`.
    #[schemars(with = "String", extend("enum" = ["True", "False", "Unknown"]))]
    pub status: compact_str::CompactString,
    /// Why, as one CamelCase word (`GuardsNotMet`, `DeadlineMissed`…).
    #[schemars(
        with = "String",
        regex(pattern = r"^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$")
    )]
    pub reason: compact_str::CompactString,
    /// Why, in a sentence for people.
    pub message: String,
    /// When `status` last changed; absent when railyard never saw it change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<crate::manifest::Instant>")]
    pub since: Option<jiff::Timestamp>,
}

/// The condition types railyard owns, in the order it writes them.
pub const CONDITIONS: [&str; 5] = ["Ready", "Blocked", "Returned", "Overdue", "Invalid"];

impl ObjectStatus {
    /// Whether a condition of type `kind` holds (`status: "True"`).
    pub fn holds(&self, kind: &str) -> bool {
        self.conditions
            .iter()
            .any(|c| c.kind == kind && c.status == "True")
    }
}

/// The conditions of an object: `holding` (each `True`, its `since` carried from `before`
/// when it already held), and every condition `before` had that no longer holds, kept as
/// `False` (or `Unknown` when `unknown`: the manifest has errors), in [`CONDITIONS`] order.
pub fn settle_conditions(
    before: Option<&ObjectStatus>,
    holding: Vec<Condition>,
    unknown: bool,
    now: jiff::Timestamp,
) -> Vec<Condition> {
    let earlier = |kind: &str| before.and_then(|b| b.conditions.iter().find(|c| c.kind == kind));
    let mut out = Vec::with_capacity(CONDITIONS.len());
    for kind in CONDITIONS {
        if let Some(mut condition) = holding.iter().find(|c| c.kind == kind).cloned() {
            condition.since = match earlier(kind) {
                Some(e) if e.status == "True" => e.since,
                _ => Some(now),
            };
            out.push(condition);
            continue;
        }
        let Some(was) = earlier(kind) else { continue };
        let (status, reason, message) = if unknown {
            (
                "Unknown",
                "ManifestErrors",
                "cannot tell: the manifest has errors".to_string(),
            )
        } else {
            let (reason, message) = match kind {
                "Ready" => ("NotDone", "not in a terminal phase"),
                "Blocked" => ("NotBlocked", "no way out is blocked"),
                "Returned" => ("NotRejected", "no approval rejects it"),
                "Overdue" => ("OnTime", "the phase is not past its due date"),
                _ => ("ManifestValid", "the manifest has no errors"),
            };
            ("False", reason, message.to_string())
        };
        out.push(Condition {
            kind: kind.into(),
            status: status.into(),
            reason: reason.into(),
            message,
            since: if was.status == status {
                was.since
            } else {
                Some(now)
            },
        });
    }
    // Room was made for every kind of condition; most objects hold one or two.
    out.shrink_to_fit();
    out
}

/// A way out of the current phase that does not hold yet.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct NextStep {
    /// The phase this way out leads to.
    pub phase: String,
    /// What does not hold yet, one sentence each.
    pub blocked_by: Vec<String>,
}

/// A transition that was taken.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct HistoryEntry {
    // Phase names are short: held inline, in every entry of every history.
    /// The phase left.
    #[schemars(with = "String")]
    pub from: compact_str::CompactString,
    /// The phase entered.
    #[schemars(with = "String")]
    pub to: compact_str::CompactString,
    /// When railyard took the transition.
    #[schemars(with = "crate::manifest::Instant")]
    pub at: jiff::Timestamp,
    /// What made the transition hold.
    pub reason: String,
    /// Digests of the fields the transition required, as they were (for re-evaluation).
    /// Kept while the transition stands: a re-evaluation that goes back past it leaves the
    /// entry in the history (the audit trail only grows) and empties its `fields`, since
    /// what it required no longer holds the object anywhere.
    #[serde(default, skip_serializing_if = "FieldDigests::is_empty")]
    #[schemars(with = "BTreeMap<String, String>")]
    pub fields: FieldDigests,
}

/// Digests of fields by field name, in name order: what a `BTreeMap` of them holds, in a
/// list of the exact length. An entry names a field or two, and a repository's histories
/// have tens of thousands of entries: a map's smallest node is some 550 bytes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FieldDigests(Vec<(String, String)>);

impl FieldDigests {
    /// (field, digest) in field order.
    pub fn iter(&self) -> impl Iterator<Item = (&String, &String)> {
        self.0.iter().map(|(field, digest)| (field, digest))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn clear(&mut self) {
        self.0 = Vec::new();
    }
}

/// As a map is built: in field order, a field given twice keeps its last digest.
impl FromIterator<(String, String)> for FieldDigests {
    fn from_iter<I: IntoIterator<Item = (String, String)>>(pairs: I) -> Self {
        let mut pairs: Vec<(String, String)> = pairs.into_iter().collect();
        // Latest first, so that the stable sort keeps each field's last digest first.
        pairs.reverse();
        pairs.sort_by(|a, b| a.0.cmp(&b.0));
        pairs.dedup_by(|later, kept| later.0 == kept.0);
        pairs.shrink_to_fit();
        FieldDigests(pairs)
    }
}

impl Serialize for FieldDigests {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.iter())
    }
}

impl<'de> Deserialize<'de> for FieldDigests {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Pairs;
        impl<'de> serde::de::Visitor<'de> for Pairs {
            type Value = FieldDigests;

            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a map of field names to digests")
            }

            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<FieldDigests, A::Error> {
                let mut pairs = Vec::with_capacity(map.size_hint().unwrap_or(0).min(64));
                while let Some(pair) = map.next_entry::<String, String>()? {
                    pairs.push(pair);
                }
                Ok(pairs.into_iter().collect())
            }
        }
        deserializer.deserialize_map(Pairs)
    }
}

/// A status file: the object's status and, for turnovers and releases with a task plan, its
/// tasks.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
#[schemars(
    title = "railyard status file",
    description = "status/<Kind>/<name>.yaml, written by railyard only"
)]
pub struct StatusFile {
    /// Shared with the engine's map of previous statuses (not copied for it).
    #[serde(flatten)]
    pub status: std::sync::Arc<ObjectStatus>,
    /// The task plan of a turnover or release: run order, waves and each task's state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tasks: Option<TasksStatus>,
}

/// The tasks of a status file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct TasksStatus {
    /// Task ids in run order.
    #[schemars(with = "Vec<String>")]
    pub order: Vec<Id>,
    /// Tasks that may run at the same time, wave by wave.
    #[schemars(with = "Vec<Vec<String>>")]
    pub waves: Vec<Vec<Id>>,
    /// Each task's state by id.
    #[schemars(with = "BTreeMap<String, crate::tasks::state::TaskState>")]
    pub states: BTreeMap<Id, crate::tasks::state::TaskState>,
}

impl TasksStatus {
    /// The tasks of a plan's view as a status file holds them: waves of ids, states by id.
    pub fn of(view: &crate::tasks::TasksView) -> TasksStatus {
        TasksStatus {
            order: view.order.clone(),
            waves: view
                .waves()
                .map(|w| view.ids(w).cloned().collect())
                .collect(),
            states: view.tasks().map(|(id, s)| (id.clone(), s)).collect(),
        }
    }

    /// Whether these are the tasks of `view` ([`TasksStatus::of`] would be equal), asked
    /// without making them.
    pub fn shows(&self, view: &crate::tasks::TasksView) -> bool {
        self.order == view.order
            && self.waves.len() == view.waves().len()
            && self
                .waves
                .iter()
                .zip(view.waves())
                .all(|(was, now)| was.len() == now.len() && view.ids(now).eq(was))
            // The ids are unique, so as many entries, each found equal, are the same map.
            && self.states.len() == view.order.len()
            && view.tasks().all(|(id, s)| self.states.get(id) == Some(&s))
    }
}

/// The first lines of every status file. A reconcile keeps a trusted status file whose
/// content is unchanged without rendering it again, as long as it starts with this header:
/// change the header whenever [`StatusFile::render`] writes other bytes for the same status,
/// so that files written by an older railyard are rewritten.
pub const HEADER: &str = "# Generated by railyard from the manifests of this repository. Do not edit:\n# railyard overwrites this file on every reconcile.\n";

impl StatusFile {
    /// The file's bytes: deterministic for the same status.
    pub fn render(&self) -> String {
        let value = serde_json::to_value(self).unwrap_or(serde_json::Value::Null);
        format!("{HEADER}{}", crate::yaml_out::to_yaml(&value))
    }

    /// Reads a status file back only when it is exactly what [`StatusFile::render`] writes
    /// for what it reads as (`render` gives back `bytes`): a file railyard wrote, not edited
    /// since nor written by a railyard that writes other bytes.
    pub fn read_back(bytes: &[u8]) -> Option<StatusFile> {
        let text = std::str::from_utf8(bytes).ok()?;
        if let Some(value) = text
            .strip_prefix(HEADER)
            .and_then(crate::yaml_out::from_yaml)
        {
            // This text is the YAML of `value` (`from_yaml` makes sure), so the file renders
            // as these bytes when it serializes to `value` again, keys in the same order:
            // cheaper to ask than writing the YAML again. Otherwise the bytes say.
            let file = StatusFile::from_json(&value)?;
            let same = serialized::serializes_as(&file, &value);
            return (same || file.render().as_bytes() == bytes).then_some(file);
        }
        Self::parse(bytes).filter(|file| file.render().as_bytes() == bytes)
    }

    /// A status file from its JSON, as `Deserialize` reads it, but without going through
    /// serde's buffering of a flattened struct's entries (a third of reading thousands of
    /// status files): the status is read from the whole map, which it reads all but
    /// `tasks` of.
    fn from_json(value: &crate::yaml::Borrowed<'_>) -> Option<StatusFile> {
        Some(StatusFile {
            status: std::sync::Arc::new(ObjectStatus::deserialize(value).ok()?),
            tasks: match value.get("tasks") {
                Some(tasks) => Option::<TasksStatus>::deserialize(tasks).ok()?,
                None => None,
            },
        })
    }

    /// Reads a status file back; `None` when it is not one.
    pub fn parse(bytes: &[u8]) -> Option<StatusFile> {
        let text = std::str::from_utf8(bytes).ok()?;
        // What this railyard wrote is read back without a YAML parser; anything else (an
        // older format, a hand edit) goes through the parser.
        if let Some(value) = text
            .strip_prefix(HEADER)
            .and_then(crate::yaml_out::from_yaml)
        {
            return StatusFile::from_json(&value);
        }
        let parsed = crate::yaml::parse(text, crate::yaml::Limits::default());
        if !parsed.errors.is_empty() {
            return None;
        }
        serde_json::from_value(parsed.documents.first()?.root.to_json()).ok()
    }
}

#[cfg(test)]
/// Equal values with their keys in the same order (`Value`'s own equality does not look at
/// the order, which YAML text does).
fn same_in_order(a: &serde_json::Value, b: &serde_json::Value) -> bool {
    use serde_json::Value;
    match (a, b) {
        (Value::Object(a), Value::Object(b)) => {
            a.len() == b.len()
                && a.iter()
                    .zip(b)
                    .all(|((ka, va), (kb, vb))| ka == kb && same_in_order(va, vb))
        }
        (Value::Array(a), Value::Array(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(a, b)| same_in_order(a, b))
        }
        (a, b) => a == b,
    }
}

/// A stable 64-bit FNV-1a hash, as 16 hex digits: the same input gives the same digest on
/// every machine and Rust version.
pub fn digest(bytes: &[u8]) -> String {
    let mut hash = Fnv::default();
    hash.add(bytes);
    hash.hex()
}

/// The digest of a JSON value (keys in document order, which `preserve_order` keeps): that
/// of its compact JSON text, hashed as it is written rather than kept.
pub fn digest_json(value: &serde_json::Value) -> String {
    let mut hash = Fnv::default();
    // Writing into the hash cannot fail, nor can a `Value` fail to serialize.
    let _ = serde_json::to_writer(&mut hash, value);
    hash.hex()
}

/// [`digest_json`] of `value`'s JSON without that JSON: hashed as serde_json writes it from
/// `value` itself, which is the same text (a `Value` writes its keys in the order `value`
/// gave them) unless `value` names a key twice in one map, which a `Value` keeps once. No
/// spec type does (plain structs, maps keyed by string, lists: no `flatten`); the engine's
/// `spec_shape` tests hold every sample spec's digest to its JSON's. `None` when it does
/// not serialize.
pub fn digest_serialized<T: serde::Serialize + ?Sized>(value: &T) -> Option<String> {
    let mut hash = Fnv::default();
    serde_json::to_writer(&mut hash, value).ok()?;
    Some(hash.hex())
}

/// FNV-1a over the bytes written so far.
struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl Fnv {
    fn add(&mut self, bytes: &[u8]) {
        for byte in bytes {
            self.0 ^= u64::from(*byte);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
    }

    fn hex(&self) -> String {
        format!("{:016x}", self.0)
    }
}

impl std::io::Write for Fnv {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.add(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_files_round_trip() {
        let file = StatusFile {
            status: std::sync::Arc::new(ObjectStatus {
                phase: "deploying".into(),
                since: "2026-11-25T12:00:00Z".parse().ok(),
                history: vec![HistoryEntry {
                    from: "ready".into(),
                    to: "deploying".into(),
                    at: "2026-11-25T12:00:00Z".parse().expect("time"),
                    reason: "`scheduledAt` reached".into(),
                    fields: FieldDigests::from_iter([(
                        "scheduledAt".to_string(),
                        "0123456789abcdef".to_string(),
                    )]),
                }],
                spec_digest: "0123456789abcdef".into(),
                ..ObjectStatus::default()
            }),
            tasks: Some(TasksStatus {
                order: vec!["a".into()],
                waves: vec![vec!["a".into()]],
                states: BTreeMap::from([("a".into(), crate::tasks::state::TaskState::Ready)]),
            }),
        };
        let text = file.render();
        assert!(text.starts_with(HEADER));
        assert_eq!(StatusFile::parse(text.as_bytes()), Some(file.clone()));
        assert_eq!(file.render(), text, "deterministic");
        assert_eq!(StatusFile::parse(b"phase: [broken"), None);
        // Written otherwise (by hand, by an older railyard): the YAML parser reads it.
        let by_hand = format!("{HEADER}phase: 'deploying'   # quoted\nspecDigest: abc\n");
        let read = StatusFile::parse(by_hand.as_bytes()).expect("a status file");
        assert_eq!(
            (read.status.phase.as_str(), read.status.spec_digest.as_str()),
            ("deploying", "abc")
        );
        assert_eq!(
            StatusFile::parse(format!("{HEADER}phase: [broken").as_bytes()),
            None
        );
    }

    proptest::proptest! {
        /// Field digests hold, write and read what a `BTreeMap` of them would.
        #[test]
        fn field_digests_are_a_map(
            pairs in proptest::collection::vec(("[a-c.]{0,3}", "[0-9a-f]{0,4}"), 0..12)
        ) {
            let map: BTreeMap<String, String> = pairs.iter().cloned().collect();
            let digests: FieldDigests = pairs.iter().cloned().collect();
            proptest::prop_assert!(map.iter().eq(digests.iter()));
            proptest::prop_assert_eq!(map.is_empty(), digests.is_empty());
            let written = serde_json::to_string(&map).expect("json");
            proptest::prop_assert_eq!(&serde_json::to_string(&digests).expect("json"), &written);
            // Read from a map in any order (the text's, reversed here).
            let mut reversed = serde_json::Map::new();
            for (field, digest) in map.iter().rev() {
                reversed.insert(field.clone(), serde_json::Value::from(digest.clone()));
            }
            let read: FieldDigests =
                serde_json::from_value(serde_json::Value::Object(reversed)).expect("a map");
            proptest::prop_assert_eq!(&read, &digests);
        }
    }

    #[test]
    fn a_status_shows_the_view_only_when_it_is_the_same() {
        use crate::tasks::TaskState::{Pending, Ready, Succeeded};
        // a; b and c after a.
        let view = crate::tasks::TasksView::listed(
            &[("a", Succeeded), ("b", Ready), ("c", Pending)],
            &[&[0], &[1, 2]],
            &[&[], &[0], &[0]],
            &[0, 1],
        );
        let status = TasksStatus::of(&view);
        assert_eq!(
            status.waves,
            [vec![Id::from("a")], vec![Id::from("b"), Id::from("c")]]
        );
        assert_eq!(status.states.get("c"), Some(&Pending));
        assert!(status.shows(&view));
        let mut other = status.clone();
        other.waves[1].pop();
        assert!(!other.shows(&view), "a task left out of a wave");
        let mut other = status.clone();
        other.waves[1].reverse();
        assert!(!other.shows(&view), "a wave in another order");
        let mut other = status.clone();
        other.waves.push(Vec::new());
        assert!(!other.shows(&view), "one more wave");
        let mut other = status.clone();
        other
            .states
            .insert(Id::from("a"), crate::tasks::TaskState::Failed);
        assert!(!other.shows(&view), "another state");
        let mut other = status.clone();
        other
            .states
            .insert(Id::from("z"), crate::tasks::TaskState::Failed);
        assert!(!other.shows(&view), "one more state");
        let mut other = status;
        other.order.swap(1, 2);
        assert!(!other.shows(&view), "another order");
    }

    /// [`StatusFile::from_json`] of the tree a `Value` stands for.
    fn from_json_value(value: &serde_json::Value) -> Option<StatusFile> {
        StatusFile::from_json(&crate::yaml::Borrowed::from_json(value.clone()))
    }

    #[test]
    fn a_status_file_is_read_back_only_as_railyard_writes_it() {
        let file = StatusFile {
            status: std::sync::Arc::new(ObjectStatus {
                phase: "deploying".into(),
                since: "2026-11-25T12:00:00Z".parse().ok(),
                spec_digest: "0123456789abcdef".into(),
                attempts: BTreeMap::from([("deploying".to_string(), 2)]),
                waiting: vec!["rita".into()],
                ..ObjectStatus::default()
            }),
            tasks: Some(TasksStatus {
                order: vec!["a".into(), "b".into()],
                waves: vec![vec!["a".into()], vec!["b".into()]],
                states: BTreeMap::from([
                    ("a".into(), crate::tasks::state::TaskState::Succeeded),
                    ("b".into(), crate::tasks::state::TaskState::Ready),
                ]),
            }),
        };
        let text = file.render();
        assert_eq!(StatusFile::read_back(text.as_bytes()), Some(file.clone()));
        // Read from its JSON without serde's flattening: the same file, with tasks or without.
        let json = serde_json::to_value(&file).expect("json");
        assert_eq!(from_json_value(&json).as_ref(), Some(&file));
        let bare = StatusFile {
            tasks: None,
            ..file.clone()
        };
        let json = serde_json::to_value(&bare).expect("json");
        assert_eq!(from_json_value(&json), Some(bare));
        let mut odd = json.clone();
        odd["tasks"] = serde_json::json!({"order": "a"});
        assert_eq!(from_json_value(&odd), None);
        assert_eq!(from_json_value(&serde_json::json!(["phase"])), None);
        // The same fields, one key moved: the YAML reads as the same status, but railyard
        // writes other bytes for it.
        let moved = text
            .replace("phase: deploying\n", "")
            .replace("waiting:\n", "phase: deploying\nwaiting:\n");
        assert_ne!(moved, text);
        assert_eq!(
            StatusFile::parse(moved.as_bytes()).map(|f| f.status.phase.clone()),
            Some("deploying".to_string())
        );
        assert_eq!(StatusFile::read_back(moved.as_bytes()), None);
        // Quoted where railyard writes a plain word, or without the header.
        let quoted = text.replace("phase: deploying", "phase: \"deploying\"");
        assert!(StatusFile::parse(quoted.as_bytes()).is_some());
        assert_eq!(StatusFile::read_back(quoted.as_bytes()), None);
        // A time written another way reads as the same instant, which railyard writes as
        // it always does.
        let offset = text.replace("2026-11-25T12:00:00Z", "2026-11-25T12:00:00+00:00");
        assert_eq!(
            StatusFile::parse(offset.as_bytes()).and_then(|f| f.status.since),
            file.status.since
        );
        assert_eq!(StatusFile::read_back(offset.as_bytes()), None);
        let bare = text.strip_prefix(HEADER).expect("header");
        assert_eq!(StatusFile::read_back(bare.as_bytes()), None);
        // Another phase, written as railyard writes it, is read back (who wrote it is the
        // history's question, not the format's).
        let edited = text.replace("phase: deploying", "phase: done");
        let read = StatusFile::read_back(edited.as_bytes()).expect("canonical");
        assert_eq!(
            (read.status.phase.as_str(), read.render()),
            ("done", edited)
        );
        assert_eq!(StatusFile::read_back(b"\xff"), None);
    }

    #[test]
    fn conditions_that_stop_holding_stay_false_or_unknown() {
        let at = |s: &str| s.parse::<jiff::Timestamp>().expect("a time");
        let condition = |kind: &str, status: &str, since: &str| Condition {
            kind: kind.into(),
            status: status.into(),
            reason: "R".into(),
            message: "m".into(),
            since: Some(at(since)),
        };
        let before = ObjectStatus {
            conditions: vec![
                condition("Blocked", "True", "2026-11-01T00:00:00Z"),
                condition("Overdue", "False", "2026-10-01T00:00:00Z"),
            ],
            ..ObjectStatus::default()
        };
        let now = at("2026-11-05T00:00:00Z");
        let fresh = |kind: &str| Condition {
            since: None,
            ..condition(kind, "True", "2026-11-05T00:00:00Z")
        };
        // Still blocked (its since stays), newly ready; overdue stays false, since before.
        let settled = settle_conditions(
            Some(&before),
            vec![fresh("Blocked"), fresh("Ready")],
            false,
            now,
        );
        let seen: Vec<(&str, &str, String)> = settled
            .iter()
            .map(|c| {
                (
                    c.kind.as_str(),
                    c.status.as_str(),
                    c.since.map(|s| s.to_string()).unwrap_or_default(),
                )
            })
            .collect();
        assert_eq!(
            seen,
            [
                ("Ready", "True", "2026-11-05T00:00:00Z".to_string()),
                ("Blocked", "True", "2026-11-01T00:00:00Z".to_string()),
                ("Overdue", "False", "2026-10-01T00:00:00Z".to_string()),
            ]
        );
        // No longer blocked: false from now. Invalid: what it cannot tell is unknown.
        let unblocked = settle_conditions(Some(&before), vec![], false, now);
        assert_eq!(
            (unblocked[0].status.as_str(), unblocked[0].reason.as_str()),
            ("False", "NotBlocked")
        );
        assert_eq!(unblocked[0].since, Some(now));
        let invalid = settle_conditions(Some(&before), vec![fresh("Invalid")], true, now);
        let statuses: Vec<&str> = invalid.iter().map(|c| c.status.as_str()).collect();
        assert_eq!(statuses, ["Unknown", "Unknown", "True"]);
        // Nothing before: only what holds.
        assert_eq!(settle_conditions(None, vec![], false, now), []);
    }

    #[test]
    fn digests_are_stable() {
        assert_eq!(digest(b""), "cbf29ce484222325");
        assert_eq!(digest(b"a"), "af63dc4c8601ec8c");
        assert_ne!(
            digest_json(&serde_json::json!({"a": 1})),
            digest_json(&serde_json::json!({"a": 2}))
        );
        // A spec's digest is that of its compact JSON text, whatever pieces it is written
        // in: status files committed by earlier versions keep their digests.
        let spec = serde_json::json!({
            "scheduledAt": "2026-11-25T12:00:00Z",
            "tasks": [{"id": "a", "run": ["./deploy.sh", "--step", "1"]}, {}],
            "notes": "quotes \" and \\ and \u{e9}t\u{e9} and \n",
            "count": 3, "ratio": 0.5, "none": null, "on": true,
        });
        let text = serde_json::to_string(&spec).expect("json");
        assert_eq!(digest_json(&spec), digest(text.as_bytes()));
        assert_eq!(
            digest_json(&serde_json::json!({"a": [1, "b"]})),
            digest(br#"{"a":[1,"b"]}"#)
        );
    }
}
