//! Facts from git that the pure core needs to trust records: who added each file and when,
//! and who changed it last. The git module gathers them; without git (a plain folder) there
//! are none, and records count by their `by` field, unverified.

/// Facts by path: looked up, never walked in order.
pub type ByPath = foldhash::HashMap<String, Commit>;

/// A commit, as far as trust is concerned: one allocation shared by every path the commit
/// touched (all of them, for the commit that added a repository's files), so that the facts
/// of ten thousand files copy and compare as pointers (a watcher compares them every round).
#[derive(Clone, Debug, Eq)]
pub struct Commit(std::sync::Arc<CommitInfo>);

/// What [`Commit`] says of a commit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CommitInfo {
    /// The commit id, for messages.
    pub id: String,
    pub author_name: String,
    pub author_email: String,
    pub time: jiff::Timestamp,
    /// A merge commit. The facts credit what a merge brings in to the commits that made it,
    /// so a file credited to a merge is one the merge itself introduced (a conflict
    /// resolution): the plan says so.
    pub merge: bool,
    /// The commit changed nothing but railyard's own files (the status dir and the summary,
    /// [`Facts::own`]), as every commit railyard makes does.
    pub own_only: bool,
    /// The commit's signature, when it has one (checked only when `trust.signatures` asks).
    pub signature: Option<std::sync::Arc<crate::trust::signature::Signature>>,
}

impl Commit {
    pub fn new(info: CommitInfo) -> Commit {
        Commit(std::sync::Arc::new(info))
    }
}

impl std::ops::Deref for Commit {
    type Target = CommitInfo;

    fn deref(&self) -> &CommitInfo {
        &self.0
    }
}

impl PartialEq for Commit {
    /// The same allocation, or two that say the same.
    fn eq(&self, other: &Commit) -> bool {
        std::sync::Arc::ptr_eq(&self.0, &other.0) || self.0 == other.0
    }
}

/// What git says about the files of the repository.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Facts {
    /// True when authorship was read from git history.
    pub verified: bool,
    /// Path → the commit that added the file.
    pub added: ByPath,
    /// Path → the last commit that changed the file.
    pub changed: ByPath,
    /// railyard's own paths (the status dir, then the summary) that each commit's
    /// [`CommitInfo::own_only`] was judged by.
    pub own: Vec<String>,
}

impl Facts {
    /// No git: records count by their `by` field, and the plan says so.
    pub fn unverified() -> Facts {
        Facts::default()
    }
}

/// Whether two email addresses are the same address: compared without regard to case, as
/// a mail system compares them (and without allocating when both are ASCII, as nearly all
/// are: this runs for every status file of every reconcile).
pub fn same_email(a: &str, b: &str) -> bool {
    if a.is_ascii() && b.is_ascii() {
        a.eq_ignore_ascii_case(b)
    } else {
        a.to_lowercase() == b.to_lowercase()
    }
}

#[cfg(test)]
mod tests {
    use super::{Commit, CommitInfo, same_email};

    #[test]
    fn commits_are_equal_when_they_say_the_same_shared_or_not() {
        let info = |email: &str| CommitInfo {
            id: "1".repeat(40),
            author_name: "Rita".into(),
            author_email: email.into(),
            time: jiff::Timestamp::UNIX_EPOCH,
            merge: false,
            own_only: false,
            signature: None,
        };
        let shared = Commit::new(info("rita@example.com"));
        assert_eq!(shared, shared.clone());
        assert_eq!(shared, Commit::new(info("rita@example.com")));
        assert_ne!(shared, Commit::new(info("marco@example.com")));
    }

    #[test]
    fn emails_are_the_same_whatever_their_case() {
        assert!(same_email("Bot@Example.com", "bot@example.com"));
        assert!(!same_email("bot@example.com", "bot@example.org"));
        assert!(!same_email("bot@example.com", "bot@example.co"));
        // Beyond ASCII, as `to_lowercase` has it: the Kelvin sign is a capital k.
        assert!(same_email("\u{212A}ai@example.com", "kai@example.com"));
        assert!(same_email("ÉVE@example.com", "éve@example.com"));
    }
}
