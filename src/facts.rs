//! Facts from git that the pure core needs to trust records: who added each file and when,
//! and who changed it last. The git module gathers them; without git (a plain folder) there
//! are none, and records count by their `by` field, unverified.

use std::collections::BTreeMap;

/// A commit, as far as trust is concerned.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Commit {
    /// The commit id, for messages.
    pub id: String,
    pub author_name: String,
    pub author_email: String,
    pub time: jiff::Timestamp,
}

/// What git says about the files of the repository.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Facts {
    /// True when authorship was read from git history.
    pub verified: bool,
    /// Path → the commit that added the file.
    pub added: BTreeMap<String, Commit>,
    /// Path → the last commit that changed the file.
    pub changed: BTreeMap<String, Commit>,
}

impl Facts {
    /// No git: records count by their `by` field, and the plan says so.
    pub fn unverified() -> Facts {
        Facts::default()
    }
}
