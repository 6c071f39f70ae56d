//! Facts from git that the pure core needs to trust records: who added each file and when,
//! and who changed it last. The git module gathers them; without git (a plain folder) there
//! are none, and records count by their `by` field, unverified.

/// Facts by path: looked up, never walked in order.
pub type ByPath = foldhash::HashMap<String, Commit>;

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
    pub added: ByPath,
    /// Path → the last commit that changed the file.
    pub changed: ByPath,
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
    use super::same_email;

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
