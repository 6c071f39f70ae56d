//! The status of an object (SPEC §6): what the engine computes and, from the write-back
//! issue on, what railyard commits under `status/<Kind>/<name>.yaml`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Everything railyard knows about one object after a reconcile.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ObjectStatus {
    pub phase: String,
    /// When the object entered `phase`; unknown for a phase entered before railyard watched.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub since: Option<jiff::Timestamp>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conditions: Vec<Condition>,
    /// Each way out of the phase that does not hold, and why.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub next: Vec<NextStep>,
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
}

/// A Kubernetes-style condition: `Ready`, `Blocked`, `Overdue`, `Returned`, `Invalid`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Condition {
    #[serde(rename = "type")]
    pub kind: String,
    /// `True` or `False`.
    pub status: String,
    pub reason: String,
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub since: Option<jiff::Timestamp>,
}

/// A way out of the current phase that does not hold yet.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NextStep {
    pub phase: String,
    pub blocked_by: Vec<String>,
}

/// A transition that was taken.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HistoryEntry {
    pub from: String,
    pub to: String,
    pub at: jiff::Timestamp,
    pub reason: String,
    /// Digests of the fields the transition required, as they were (for re-evaluation).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub fields: BTreeMap<String, String>,
}

/// A stable 64-bit FNV-1a hash, as 16 hex digits: the same input gives the same digest on
/// every machine and Rust version.
pub fn digest(bytes: &[u8]) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in bytes {
        hash ^= u64::from(*byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{hash:016x}")
}

/// The digest of a JSON value (keys in document order, which `preserve_order` keeps).
pub fn digest_json(value: &serde_json::Value) -> String {
    digest(serde_json::to_string(value).unwrap_or_default().as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digests_are_stable() {
        assert_eq!(digest(b""), "cbf29ce484222325");
        assert_eq!(digest(b"a"), "af63dc4c8601ec8c");
        assert_ne!(
            digest_json(&serde_json::json!({"a": 1})),
            digest_json(&serde_json::json!({"a": 2}))
        );
    }
}
