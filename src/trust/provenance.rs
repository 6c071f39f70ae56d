//! Who a record is really from: the member whose commit added it, and whether that commit is
//! signed by them. Approvals and task reports count only when their provenance holds.

use super::facts::Facts;
use crate::catalog::Catalog;
use crate::manifest::SignatureMode;

use super::{Keyring, Proof};

/// What a record's provenance is judged by: the members, the history and the keys.
#[derive(Clone, Copy)]
pub struct Provenance<'a> {
    pub catalog: &'a Catalog<'a>,
    pub facts: &'a Facts,
    pub keys: &'a Keyring,
}

impl<'a> Provenance<'a> {
    /// The member who committed the file at `path`, when git says so.
    pub fn author(&self, path: &str) -> Option<&'a str> {
        self.facts
            .added
            .get(path)
            .and_then(|c| self.catalog.member_by_email(&c.author_email))
    }

    /// Whether the commit that added `path` is signed by `member` (or by a forge on the
    /// member's behalf): `None` when it is, or when signatures are off; otherwise why not.
    pub fn unsigned(&self, path: &str, member: &str) -> Option<String> {
        if self.keys.mode == SignatureMode::Off || !self.facts.verified {
            return None;
        }
        let commit = self.facts.added.get(path)?;
        let short = commit.id.get(..12).unwrap_or(&commit.id);
        match self.keys.proof(commit, member) {
            Proof::Signed => None,
            Proof::Unsigned => Some(format!("its commit {short} is not signed")),
            Proof::NotProven(why) => Some(format!("its commit {short}: {why}")),
        }
    }

    /// Whether an unsigned record is refused (`trust.signatures: require`) rather than
    /// counted with a warning.
    pub fn signatures_required(&self) -> bool {
        self.keys.mode == SignatureMode::Require
    }
}
