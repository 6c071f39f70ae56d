//! The files that differ between two trees, read entry by entry.
//!
//! Git keeps a tree's entries sorted, and a subtree with the same id holds the same files:
//! walking two trees side by side and going down only into subtrees whose ids differ lists
//! what a commit changed in the time it takes to read the folders on its path. libgit2's
//! tree diff does the same work through a general iterator that sorts and builds every path
//! of both folders again; a `watch` round reads two commits this way and the tree itself,
//! and that iterator was most of the history's cost.

use std::cmp::Ordering;

use git2::{ObjectType, Oid, Repository, Tree, TreeEntry};

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
    let mut out = Vec::new();
    let mut dir = String::new();
    walk(repo, old, new, &mut dir, &mut out)?;
    Ok(out)
}

/// What one side of a tree entry is, for comparing.
enum Side {
    /// A file: id and mode.
    File(Oid, i32),
    Folder(Oid),
    /// A submodule (or anything else): not a file railyard reads.
    Other,
}

fn side(entry: &TreeEntry<'_>) -> Side {
    match entry.kind() {
        Some(ObjectType::Blob) => Side::File(entry.id(), entry.filemode()),
        Some(ObjectType::Tree) => Side::Folder(entry.id()),
        _ => Side::Other,
    }
}

fn walk(
    repo: &Repository,
    old: Option<&Tree<'_>>,
    new: Option<&Tree<'_>>,
    dir: &mut String,
    out: &mut Vec<Change>,
) -> Result<(), git2::Error> {
    let mut olds = old.into_iter().flat_map(|t| t.iter()).peekable();
    let mut news = new.into_iter().flat_map(|t| t.iter()).peekable();
    loop {
        let order = match (olds.peek(), news.peek()) {
            (None, None) => return Ok(()),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (Some(a), Some(b)) => git_order(a, b),
        };
        let (a, b) = match order {
            Ordering::Less => (olds.next(), None),
            Ordering::Greater => (None, news.next()),
            Ordering::Equal => (olds.next(), news.next()),
        };
        let name = a.as_ref().or(b.as_ref()).and_then(|e| e.name());
        let Some(name) = name else { continue };
        let len = dir.len();
        dir.push_str(name);
        let result = pair(repo, a.as_ref().map(side), b.as_ref().map(side), dir, out);
        dir.truncate(len);
        result?;
    }
}

/// One name on either side or both.
fn pair(
    repo: &Repository,
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
                folder(repo, Some(a), Some(b), path, out)?;
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
                Some(Side::Folder(id)) => folder(repo, Some(id), None, path, out)?,
                Some(Side::Other) | None => {}
            }
            match new {
                Some(Side::File(id, _)) => out.push(Change {
                    path: path.clone(),
                    old: None,
                    new: Some(id),
                }),
                Some(Side::Folder(id)) => folder(repo, None, Some(id), path, out)?,
                Some(Side::Other) | None => {}
            }
        }
    }
    Ok(())
}

fn folder(
    repo: &Repository,
    old: Option<Oid>,
    new: Option<Oid>,
    path: &mut String,
    out: &mut Vec<Change>,
) -> Result<(), git2::Error> {
    let old = old.map(|id| repo.find_tree(id)).transpose()?;
    let new = new.map(|id| repo.find_tree(id)).transpose()?;
    path.push('/');
    walk(repo, old.as_ref(), new.as_ref(), path, out)
}

/// Git's order of tree entries: by name, a folder's name read with a `/` after it.
fn git_order(a: &TreeEntry<'_>, b: &TreeEntry<'_>) -> Ordering {
    let folder = |e: &TreeEntry<'_>| e.kind() == Some(ObjectType::Tree);
    name_order(a.name_bytes(), folder(a), b.name_bytes(), folder(b))
}

fn name_order(a: &[u8], a_folder: bool, b: &[u8], b_folder: bool) -> Ordering {
    let common = a.len().min(b.len());
    a[..common].cmp(&b[..common]).then_with(|| {
        let end = |folder: bool| if folder { b'/' } else { 0 };
        let next_a = a.get(common).copied().unwrap_or_else(|| end(a_folder));
        let next_b = b.get(common).copied().unwrap_or_else(|| end(b_folder));
        next_a.cmp(&next_b)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_folder_sorts_as_its_name_and_a_slash() {
        assert_eq!(name_order(b"a", false, b"a-b", false), Ordering::Less);
        assert_eq!(name_order(b"a", true, b"a-b", false), Ordering::Greater);
        assert_eq!(name_order(b"a", true, b"a0", false), Ordering::Less);
        assert_eq!(name_order(b"a", true, b"a", false), Ordering::Greater);
        assert_eq!(name_order(b"ab", false, b"ab", false), Ordering::Equal);
    }

    /// Writes a tree of `files` (path → content) and returns its id.
    fn write_tree(repo: &Repository, files: &[(String, String)]) -> Oid {
        let mut index = git2::Index::new().expect("an index");
        for (path, content) in files {
            let id = repo.blob(content.as_bytes()).expect("a blob");
            let entry = git2::IndexEntry {
                ctime: git2::IndexTime::new(0, 0),
                mtime: git2::IndexTime::new(0, 0),
                dev: 0,
                ino: 0,
                mode: if content.starts_with('x') {
                    0o100755
                } else {
                    0o100644
                },
                uid: 0,
                gid: 0,
                file_size: 0,
                id,
                flags: 0,
                flags_extended: 0,
                path: path.as_bytes().to_vec(),
            };
            index.add(&entry).expect("added");
        }
        index.write_tree_to(repo).expect("a tree")
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

    fn file_set() -> impl Strategy<Value = Vec<(String, String)>> {
        // Few names, so that folders and files of the same name, shared prefixes (`a`,
        // `a-b`, `a/…`) and unchanged subtrees all turn up.
        let name = prop::sample::select(vec!["a", "a-b", "a.c", "b", "ab"]);
        let path = prop::collection::vec(name, 1..4).prop_map(|parts| parts.join("/"));
        let content = prop::sample::select(vec!["one", "two", "xexec"]);
        prop::collection::btree_map(path, content, 0..12).prop_map(|files| {
            // A path cannot be a file and a folder at once.
            let paths: Vec<String> = files.keys().cloned().collect();
            files
                .into_iter()
                .filter(|(p, _)| !paths.iter().any(|q| q.starts_with(&format!("{p}/"))))
                .map(|(p, c)| (p, c.to_string()))
                .collect()
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(128))]

        #[test]
        fn lists_what_libgit2s_tree_diff_lists(old in file_set(), new in file_set()) {
            let dir = tempfile::tempdir().expect("a temporary directory");
            let repo = Repository::init_bare(dir.path()).expect("a repository");
            let old = repo.find_tree(write_tree(&repo, &old)).expect("the old tree");
            let new = repo.find_tree(write_tree(&repo, &new)).expect("the new tree");
            let mut ours = between(&repo, Some(&old), Some(&new)).expect("changes");
            ours.sort_by(|a, b| a.path.cmp(&b.path));
            prop_assert_eq!(ours, libgit2_changes(&repo, &old, &new));
            let everything = between(&repo, None, Some(&new)).expect("changes");
            let mut files = 0;
            new.walk(git2::TreeWalkMode::PreOrder, |_, e| {
                files += usize::from(e.kind() == Some(ObjectType::Blob));
                git2::TreeWalkResult::Ok
            })
            .expect("a walk");
            prop_assert_eq!(everything.len(), files);
            prop_assert!(everything.iter().all(|c| c.old.is_none() && c.new.is_some()));
        }
    }
}
