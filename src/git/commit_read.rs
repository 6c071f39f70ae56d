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
