//! The files that differ between two trees, read entry by entry.
//!
//! Git keeps a tree's entries sorted, and a subtree with the same id holds the same files:
//! walking two trees side by side and going down only into subtrees whose ids differ lists
//! what a commit changed in the time it takes to read the folders on its path. libgit2's
//! tree diff does the same work through a general iterator that sorts and builds every path
//! of both folders again; a `watch` round reads two commits this way and the tree itself,
//! and that iterator was most of the history's cost.

use std::cmp::Ordering;

use git2::{Odb, Oid, Repository, Tree};

use super::raw::{self, Side};

/// A file that is not the same in both trees: its path relative to the trees compared, and
/// its blob id (with its mode, so a change of mode alone counts) on each side.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    pub path: String,
    pub old: Option<Oid>,
    pub new: Option<Oid>,
}

/// Every file (blob or symlink, not a submodule) whose id or mode differs between `old` and
/// `new`, in git's order (a folder sorts as its name and `/`). `None` is the empty tree:
/// against it, every file of the other side is added or deleted. Paths that are not UTF-8
/// are left out, as railyard names no such file.
pub fn between(
    repo: &Repository,
    old: Option<&Tree<'_>>,
    new: Option<&Tree<'_>>,
) -> Result<Vec<Change>, git2::Error> {
    let odb = repo.odb()?;
    let mut out = Vec::new();
    let mut dir = String::new();
    folder(
        &odb,
        old.map(Tree::id),
        new.map(Tree::id),
        &mut dir,
        &mut out,
    )?;
    Ok(out)
}

/// The changes below the folders `old` and `new` (`dir`, empty or ending in `/`).
fn folder(
    odb: &Odb<'_>,
    old: Option<Oid>,
    new: Option<Oid>,
    dir: &mut String,
    out: &mut Vec<Change>,
) -> Result<(), git2::Error> {
    let read = |id: Option<Oid>| id.map(|id| raw::read(odb, id)).transpose();
    let (old_data, new_data) = (read(old)?, read(new)?);
    let olds = raw::entries(
        old.unwrap_or_else(Oid::zero),
        old_data.as_deref().unwrap_or_default(),
    )?;
    let news = raw::entries(
        new.unwrap_or_else(Oid::zero),
        new_data.as_deref().unwrap_or_default(),
    )?;
    let (mut olds, mut news) = (olds.iter().peekable(), news.iter().peekable());
    loop {
        let order = match (olds.peek(), news.peek()) {
            (None, None) => return Ok(()),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (Some(a), Some(b)) => raw::order(a, b),
        };
        let (a, b) = match order {
            Ordering::Less => (olds.next(), None),
            Ordering::Greater => (None, news.next()),
            Ordering::Equal => (olds.next(), news.next()),
        };
        // The same entry on both sides: nothing below it differs.
        if a.is_some() && a == b {
            continue;
        }
        let name = a.or(b).and_then(|e| std::str::from_utf8(e.name).ok());
        let Some(name) = name else { continue };
        let len = dir.len();
        dir.push_str(name);
        let result = pair(
            odb,
            a.map(raw::Entry::side),
            b.map(raw::Entry::side),
            dir,
            out,
        );
        dir.truncate(len);
        result?;
    }
}

/// One name on either side or both.
fn pair(
    odb: &Odb<'_>,
    old: Option<Side>,
    new: Option<Side>,
    path: &mut String,
    out: &mut Vec<Change>,
) -> Result<(), git2::Error> {
    match (old, new) {
        (Some(Side::File(a, mode_a)), Some(Side::File(b, mode_b))) => {
            if a != b || mode_a != mode_b {
                out.push(Change {
                    path: path.clone(),
                    old: Some(a),
                    new: Some(b),
                });
            }
        }
        (Some(Side::Folder(a)), Some(Side::Folder(b))) => {
            if a != b {
                sub(odb, Some(a), Some(b), path, out)?;
            }
        }
        // A name only on one side, or a file on one side and not on the other: what was
        // there is gone and what is there is new.
        (old, new) => {
            match old {
                Some(Side::File(id, _)) => out.push(Change {
                    path: path.clone(),
                    old: Some(id),
                    new: None,
                }),
                Some(Side::Folder(id)) => sub(odb, Some(id), None, path, out)?,
                Some(Side::Other) | None => {}
            }
            match new {
                Some(Side::File(id, _)) => out.push(Change {
                    path: path.clone(),
                    old: None,
                    new: Some(id),
                }),
                Some(Side::Folder(id)) => sub(odb, None, Some(id), path, out)?,
                Some(Side::Other) | None => {}
            }
        }
    }
    Ok(())
}

/// The folder at `path`.
fn sub(
    odb: &Odb<'_>,
    old: Option<Oid>,
    new: Option<Oid>,
    path: &mut String,
    out: &mut Vec<Change>,
) -> Result<(), git2::Error> {
    path.push('/');
    folder(odb, old, new, path, out)
}

#[cfg(test)]
mod tests {
    use super::super::test_trees::tree_of;
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_folder_sorts_as_its_name_and_a_slash() {
        use raw::name_order;
        assert_eq!(name_order(b"a", false, b"a-b", false), Ordering::Less);
        assert_eq!(name_order(b"a", true, b"a-b", false), Ordering::Greater);
        assert_eq!(name_order(b"a", true, b"a0", false), Ordering::Less);
        assert_eq!(name_order(b"a", true, b"a", false), Ordering::Greater);
        assert_eq!(name_order(b"ab", false, b"ab", false), Ordering::Equal);
    }

    /// What libgit2's own tree diff says changed, for comparison.
    fn libgit2_changes(repo: &Repository, old: &Tree<'_>, new: &Tree<'_>) -> Vec<Change> {
        let diff = repo
            .diff_tree_to_tree(Some(old), Some(new), None)
            .expect("a diff");
        let mut changes: Vec<Change> = diff
            .deltas()
            .map(|d| {
                let id = |f: git2::DiffFile<'_>| Some(f.id()).filter(|id| !id.is_zero());
                Change {
                    path: d
                        .new_file()
                        .path()
                        .or(d.old_file().path())
                        .and_then(|p| p.to_str())
                        .unwrap_or_default()
                        .to_string(),
                    old: id(d.old_file()),
                    new: id(d.new_file()),
                }
            })
            .collect();
        changes.sort_by(|a, b| a.path.cmp(&b.path));
        changes
    }

    fn file_set() -> impl Strategy<Value = std::collections::BTreeMap<String, String>> {
        super::super::test_trees::file_set(
            vec!["a", "a-b", "a.c", "b", "ab"],
            vec!["one", "two", "xexec"],
            12,
        )
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(128))]

        #[test]
        fn lists_what_libgit2s_tree_diff_lists(old in file_set(), new in file_set()) {
            let dir = tempfile::tempdir().expect("a temporary directory");
            let repo = Repository::init_bare(dir.path()).expect("a repository");
            let old = repo.find_tree(tree_of(&repo, &old)).expect("the old tree");
            let new = repo.find_tree(tree_of(&repo, &new)).expect("the new tree");
            let mut ours = between(&repo, Some(&old), Some(&new)).expect("changes");
            ours.sort_by(|a, b| a.path.cmp(&b.path));
            prop_assert_eq!(ours, libgit2_changes(&repo, &old, &new));
            let everything = between(&repo, None, Some(&new)).expect("changes");
            let mut files = 0;
            new.walk(git2::TreeWalkMode::PreOrder, |_, e| {
                files += usize::from(e.kind() == Some(git2::ObjectType::Blob));
                git2::TreeWalkResult::Ok
            })
            .expect("a walk");
            prop_assert_eq!(everything.len(), files);
            prop_assert!(everything.iter().all(|c| c.old.is_none() && c.new.is_some()));
        }
    }
}
