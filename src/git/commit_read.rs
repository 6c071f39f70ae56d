//! A commit as a reconcile reads it: its tree and the facts of its history, side by side.
//!
//! Neither needs the other: the tree (its listing, railyard's own files, the manifests
//! parsed on every core) and the history (who added and changed each file: a walk of the
//! first-parent line, on one core). Read one after the other, the history was a tenth of a
//! second on one core between the parse and the checks of 100,000 manifests; read beside the
//! tree, on a second handle (a libgit2 handle is not shared between threads), it takes the
//! core the tree's listing and reads leave idle.

use std::sync::Arc;

use git2::Repository;

use super::{GitError, GitRepo, OwnFiles, TreeCache};
use crate::load::Loaded;
use crate::trust::facts::Facts;

/// What a watcher keeps of the last facts read: the tip they were read at, and the facts.
pub type FactsCache = Option<(String, Arc<Facts>)>;

/// The caches [`GitRepo::read_commit`] starts from (a watcher's), each left holding this
/// commit's read.
pub struct Caches<'c> {
    pub tree: &'c mut TreeCache,
    pub facts: &'c mut FactsCache,
}

/// A commit as a reconcile reads it.
pub struct CommitRead {
    /// The commit's id: the tree and the facts were both read at it.
    pub id: String,
    pub loaded: Arc<Loaded>,
    pub own: Arc<OwnFiles>,
    pub facts: Arc<Facts>,
}

impl GitRepo {
    /// The tree of the commit `rev` names ([`GitRepo::read_tree_cached`]) and the facts of
    /// its history ([`GitRepo::facts`], or [`GitRepo::facts_cached`] with `caches`), both at
    /// the one commit `rev` names now (a branch that moves meanwhile does not split them).
    /// The history is read on a second handle beside the tree, or after it when no second
    /// handle opens.
    pub fn read_commit(
        &self,
        rev: &str,
        caches: Option<Caches<'_>>,
    ) -> Result<CommitRead, GitError> {
        let id = self.revision(Some(rev))?;
        let (tree_cache, facts_cache) = match caches {
            Some(Caches { tree, facts }) => (Some(tree), Some(facts)),
            None => (None, None),
        };
        let history = |repo: &GitRepo| match facts_cache {
            Some(cache) => repo.facts_cached(&id, cache),
            None => repo.facts(Some(&id)).map(Arc::new),
        };
        let (tree, facts) = match self.another_handle() {
            Some(other) => crate::beside::side_by_side(
                || self.read_tree_cached(&id, tree_cache),
                move || history(&other),
            ),
            None => (self.read_tree_cached(&id, tree_cache), history(self)),
        };
        let (loaded, own) = tree?;
        Ok(CommitRead {
            id,
            loaded,
            own,
            facts: facts?,
        })
    }

    /// A second handle on this repository, for another thread; `None` when it does not open.
    fn another_handle(&self) -> Option<GitRepo> {
        Some(GitRepo {
            repo: Repository::open(self.repo.path()).ok()?,
            owned: self.owned.clone(),
            prefix: self.prefix.clone(),
            signer: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEAM: &str = "apiVersion: railyard/v1\nkind: Team\nmetadata:\n  name: a\nspec:\n  description: DESCRIPTION\n  members:\n    - id: sol\n      name: Sol Reyes\n      emails: [sol@example.com]\n";

    /// Commits `teams/a.yaml` with `description`, by `who`, on top of `parent`, to `main`.
    fn commit(
        repo: &Repository,
        description: &str,
        who: &str,
        parent: Option<git2::Oid>,
    ) -> git2::Oid {
        let text = TEAM.replace("DESCRIPTION", description);
        let tree = super::super::test_trees::tree_of(repo, [("teams/a.yaml", text)]);
        super::super::test_trees::commit_tree(repo, Some("refs/heads/main"), tree, who, parent)
    }

    fn description(read: &CommitRead) -> String {
        let document = read.loaded.documents.first().expect("the team");
        let json = document
            .object
            .as_deref()
            .expect("a valid team")
            .spec_json();
        json["description"]
            .as_str()
            .expect("a description")
            .to_string()
    }

    #[test]
    fn the_tree_and_the_history_are_both_of_the_commit_named() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let repository = Repository::init(dir.path()).expect("a repository");
        let first = commit(&repository, "one", "Ann", None);
        let second = commit(&repository, "two", "Bob", Some(first));
        let git = GitRepo::discover(dir.path()).expect("the repository");
        let path = "teams/a.yaml";

        // An earlier commit than the branch's tip: its own tree and its own history.
        let read = git
            .read_commit(&first.to_string(), None)
            .expect("the first commit");
        assert_eq!(read.id, first.to_string());
        assert_eq!(description(&read), "one");
        assert_eq!(read.facts.changed[path].author_name, "Ann");
        assert_eq!(*read.facts, git.facts(Some(&read.id)).expect("its facts"));

        // A branch: the commit it names now; a watcher's caches give what no cache gives,
        // on the first round and on the next.
        let uncached = git.read_commit("main", None).expect("the tip");
        assert_eq!(uncached.id, second.to_string());
        assert_eq!(description(&uncached), "two");
        assert_eq!(uncached.facts.changed[path].author_name, "Bob");
        assert_eq!(uncached.facts.added[path].author_name, "Ann");
        let (mut tree, mut facts) = (TreeCache::default(), FactsCache::default());
        for round in 0..2 {
            let caches = Caches {
                tree: &mut tree,
                facts: &mut facts,
            };
            let cached = git.read_commit("main", Some(caches)).expect("the tip");
            assert_eq!(cached.facts, uncached.facts, "round {round}");
            assert_eq!(description(&cached), "two", "round {round}");
        }
        assert_eq!(
            facts.as_ref().map(|(tip, _)| tip.as_str()),
            Some(uncached.id.as_str())
        );

        // What names no commit is refused, as before.
        let refused = git
            .read_commit("no-such-branch", None)
            .err()
            .expect("refused");
        assert!(
            matches!(refused, GitError::BadRevision { .. }),
            "{refused:?}"
        );
    }
}
