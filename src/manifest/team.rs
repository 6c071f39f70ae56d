//! `Team`: a role and the people who hold it.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::values::Id;

/// A team: the people who may act in one role (approve a gate, own a task).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct TeamSpec {
    /// What the team does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The team's members.
    pub members: Vec<Member>,
}

/// A person. Commits whose author email is one of `emails` are this member's.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Member {
    /// The member id that approvals, reports and owners name.
    pub id: Id,
    /// The member's name, for people.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The member's email addresses: commits by any of them are the member's.
    #[schemars(length(min = 1))]
    pub emails: Vec<String>,
    /// GitHub handle, for @-mentions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub github: Option<String>,
    /// The public keys this member signs commits with: OpenSSH public keys as
    /// `ssh-keygen -y` prints them (`ssh-ed25519 AAAA… comment`), optionally preceded by
    /// git's allowed-signers options `valid-after="YYYYMMDD[HHMM[SS]]"` and
    /// `valid-before="…"` (UTC), which bound the commit times the key proves; or OpenPGP
    /// public key blocks as `gpg --armor --export KEYID` prints them (their own expiry and
    /// revocation apply).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub signing_keys: Vec<String>,
}
