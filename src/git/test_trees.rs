//! Trees for the git module's tests: written by libgit2 from files (path → content), and
//! proptest's sets of such files.

use std::collections::BTreeMap;

use git2::{Oid, Repository};
use proptest::prelude::*;

/// The tree libgit2 writes (through an index) for `files`. A content starting with `x` is
/// an executable file; every other is a regular one.
pub fn tree_of<P: AsRef<str>, C: AsRef<str>>(
    repo: &Repository,
    files: impl IntoIterator<Item = (P, C)>,
) -> Oid {
    let mut index = git2::Index::new().expect("an index");
    for (path, content) in files {
        let content = content.as_ref();
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
            id: repo.blob(content.as_bytes()).expect("a blob"),
            flags: 0,
            flags_extended: 0,
            path: path.as_ref().as_bytes().to_vec(),
        };
        index.add(&entry).expect("added");
    }
    index.write_tree_to(repo).expect("a tree")
}

/// Commits `tree` on top of `parent` by `who` (`who@example.com` in lower case, at a fixed
/// time), moving `reference` to it when one is named.
pub fn commit_tree(
    repo: &Repository,
    reference: Option<&str>,
    tree: Oid,
    who: &str,
    parent: Option<Oid>,
) -> Oid {
    let tree = repo.find_tree(tree).expect("a tree");
    let email = format!("{}@example.com", who.to_lowercase());
    let signature =
        git2::Signature::new(who, &email, &git2::Time::new(1_700_000_000, 0)).expect("a signature");
    let parents: Vec<git2::Commit<'_>> = parent
        .map(|p| repo.find_commit(p).expect("the parent"))
        .into_iter()
        .collect();
    let parents: Vec<&git2::Commit<'_>> = parents.iter().collect();
    repo.commit(reference, &signature, &signature, "files", &tree, &parents)
        .expect("a commit")
}

/// Up to `most` files with paths of one to three of `names` and one of `contents`. Few
/// names, so that folders and files of the same name, shared prefixes (`a`, `a-b`, `a/…`)
/// and unchanged subtrees all turn up; a path that is a folder of another is dropped (a
/// path cannot be a file and a folder at once).
pub fn file_set(
    names: Vec<&'static str>,
    contents: Vec<&'static str>,
    most: usize,
) -> impl Strategy<Value = BTreeMap<String, String>> {
    let path =
        prop::collection::vec(prop::sample::select(names), 1..4).prop_map(|parts| parts.join("/"));
    prop::collection::btree_map(path, prop::sample::select(contents), 0..most).prop_map(|files| {
        let paths: Vec<String> = files.keys().cloned().collect();
        files
            .into_iter()
            .filter(|(p, _)| !paths.iter().any(|q| q.starts_with(&format!("{p}/"))))
            .map(|(p, c)| (p, c.to_string()))
            .collect()
    })
}
