//! Git trees as the bytes they are: read, compared and updated in place.
//!
//! libgit2 hands a tree out entry by entry (a call, a name checked and an id copied for
//! each), and to change one entry it loads the whole folder into a tree builder (a hash map
//! and a sorted vector) and writes it back, hashing it twice. A `watch` round reads and
//! writes folders of thousands of status files to change a few of them; here a folder is
//! its raw object, its entries are found where they lie, and a changed folder is written as
//! one loose object, hashed once.

use std::cmp::Ordering;
use std::io::Write as _;
use std::path::Path;

use git2::{ObjectType, Odb, Oid};

/// The mode of a folder entry.
pub const FOLDER: u32 = 0o40000;
/// The mode of a regular file entry.
pub const FILE: u32 = 0o100644;

/// One entry of a tree, borrowed from the tree's bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Entry<'t> {
    /// The mode as stored (libgit2 normalizes it when asked: see [`Entry::side`]).
    pub mode: u32,
    pub name: &'t [u8],
    pub id: Oid,
}

/// What an entry is, for comparing two trees.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    /// A file (or a symbolic link): its id and its mode, normalized as libgit2 does.
    File(Oid, u32),
    Folder(Oid),
    /// A submodule: not a file railyard reads.
    Other,
}

impl Entry<'_> {
    pub fn is_folder(&self) -> bool {
        self.mode & 0o170000 == FOLDER
    }

    /// What the entry is, as libgit2's `git_tree_entry_type` and `git_tree_entry_filemode`
    /// say.
    pub fn side(&self) -> Side {
        match self.mode & 0o170000 {
            0o160000 => Side::Other,
            FOLDER => Side::Folder(self.id),
            _ if self.mode & 0o100 != 0 => Side::File(self.id, 0o100755),
            0o120000 => Side::File(self.id, 0o120000),
            _ => Side::File(self.id, FILE),
        }
    }
}

/// A tree's bytes are not a tree.
fn corrupt(id: Oid, what: &str) -> git2::Error {
    git2::Error::from_str(&format!("tree {id} is corrupt: {what}"))
}

/// The entries of a tree's bytes, in their order (git's: see [`order`]).
pub fn entries(id: Oid, mut data: &[u8]) -> Result<Vec<Entry<'_>>, git2::Error> {
    let mut out = Vec::new();
    while !data.is_empty() {
        let space = data
            .iter()
            .position(|&b| b == b' ')
            .ok_or_else(|| corrupt(id, "a mode without a name"))?;
        let (mode, rest) = data.split_at(space);
        if mode.is_empty() || mode.len() > 7 || !mode.iter().all(|b| (b'0'..=b'7').contains(b)) {
            return Err(corrupt(id, "a mode that is not octal"));
        }
        let mode = mode.iter().fold(0u32, |m, b| m * 8 + u32::from(b - b'0'));
        let rest = &rest[1..];
        let nul = rest
            .iter()
            .position(|&b| b == 0)
            .ok_or_else(|| corrupt(id, "a name without its end"))?;
        let (name, rest) = rest.split_at(nul);
        let rest = &rest[1..];
        if name.is_empty() || rest.len() < 20 {
            return Err(corrupt(id, "an empty name or a short id"));
        }
        let (raw, rest) = rest.split_at(20);
        out.push(Entry {
            mode,
            name,
            id: Oid::from_bytes(raw)?,
        });
        data = rest;
    }
    Ok(out)
}

/// Git's order of tree entries: by name, a folder's name read with a `/` after it.
pub fn order(a: &Entry<'_>, b: &Entry<'_>) -> Ordering {
    name_order(a.name, a.is_folder(), b.name, b.is_folder())
}

pub fn name_order(a: &[u8], a_folder: bool, b: &[u8], b_folder: bool) -> Ordering {
    let common = a.len().min(b.len());
    a[..common].cmp(&b[..common]).then_with(|| {
        let end = |folder: bool| if folder { b'/' } else { 0 };
        let next_a = a.get(common).copied().unwrap_or_else(|| end(a_folder));
        let next_b = b.get(common).copied().unwrap_or_else(|| end(b_folder));
        next_a.cmp(&next_b)
    })
}

/// Trees read or written lately, by id. Objects never change under their id, so whatever
/// is found here is right for any repository; a watch round reads the same large folders
/// (thousands of status files) several times, and each read inflated them again.
///
/// Two generations: the trees used since [`next_round`] and those of the round before. A
/// tree used again moves to the current generation; [`next_round`] lets go of what the
/// last two rounds did not use, so a watcher holds the trees of its recent commits and no
/// more however many rounds it runs (it kept every status folder it wrote until 64 MiB:
/// 15 MiB more every hundred rounds on 10,000 manifests). Bounded as well: a generation
/// over [`CACHED_BYTES`] is let go.
static TREES: std::sync::Mutex<Option<Trees>> = std::sync::Mutex::new(None);

/// How many bytes of trees one generation of [`TREES`] holds at most.
const CACHED_BYTES: usize = 64 << 20;

#[derive(Default)]
struct Trees {
    current: Generation,
    previous: Generation,
}

#[derive(Default)]
struct Generation {
    by_id: foldhash::HashMap<Oid, std::sync::Arc<[u8]>>,
    bytes: usize,
}

impl Generation {
    fn insert(&mut self, id: Oid, data: std::sync::Arc<[u8]>) {
        if self.bytes + data.len() > CACHED_BYTES {
            *self = Generation::default();
        }
        self.bytes += data.len();
        if let Some(old) = self.by_id.insert(id, data) {
            self.bytes -= old.len();
        }
    }
}

impl Trees {
    /// A tree, moved to the current generation when it was in the previous one.
    fn recall(&mut self, id: Oid) -> Option<std::sync::Arc<[u8]>> {
        if let Some(data) = self.current.by_id.get(&id) {
            return Some(data.clone());
        }
        let data = self.previous.by_id.remove(&id)?;
        self.previous.bytes -= data.len();
        self.current.insert(id, data.clone());
        Some(data)
    }

    fn next_round(&mut self) {
        self.previous = std::mem::take(&mut self.current);
    }
}

fn remember(id: Oid, data: std::sync::Arc<[u8]>) {
    let Ok(mut trees) = TREES.lock() else { return };
    trees
        .get_or_insert_with(Trees::default)
        .current
        .insert(id, data);
}

/// Starts a new generation of the tree cache (a `watch` round): the trees the round before
/// last used and the last one did not are let go.
pub fn next_round() {
    let Ok(mut trees) = TREES.lock() else { return };
    if let Some(trees) = trees.as_mut() {
        trees.next_round();
    }
}

/// The bytes of tree `id`: from the cache of recent trees, or read (and kept there).
pub fn read(odb: &Odb<'_>, id: Oid) -> Result<std::sync::Arc<[u8]>, git2::Error> {
    let known = TREES
        .lock()
        .ok()
        .and_then(|mut trees| trees.as_mut()?.recall(id));
    if let Some(data) = known {
        return Ok(data);
    }
    let object = odb.read(id)?;
    if object.kind() != ObjectType::Tree {
        return Err(corrupt(id, "not a tree object"));
    }
    let data: std::sync::Arc<[u8]> = object.data().into();
    remember(id, data.clone());
    Ok(data)
}

/// Changes made to a tree: a path (folders separated by `/`) and what it holds now (`None`:
/// removed).
pub type Update<'p> = (&'p str, Option<(Oid, u32)>);

/// The tree `base` (`None`: the empty tree) with `updates` made, written to `objects` (the
/// repository's object folder) as loose objects: only the folders on the updated paths are
/// read and written; a folder left empty is removed from its parent, as git stores no empty
/// folder. Returns the new tree's id (`base` itself when nothing changed).
pub fn update(
    odb: &Odb<'_>,
    objects: &Path,
    base: Option<Oid>,
    updates: &[Update<'_>],
) -> Result<Oid, git2::Error> {
    let root = folder(odb, objects, base, updates)?;
    match root {
        Some(id) => Ok(id),
        None => write_loose(objects, ObjectType::Tree, &[]),
    }
}

/// One folder of [`update`]: `None` when it is left empty.
fn folder(
    odb: &Odb<'_>,
    objects: &Path,
    base: Option<Oid>,
    updates: &[Update<'_>],
) -> Result<Option<Oid>, git2::Error> {
    let object = base.map(|id| read(odb, id)).transpose()?;
    let data = object.as_deref().unwrap_or_default();
    let old = entries(base.unwrap_or_else(Oid::zero), data)?;
    let (files, below) = split_updates(updates)?;
    let mut new: Vec<(Vec<u8>, u32, Oid)> = Vec::with_capacity(old.len() + files.len());
    let mut changed = false;
    let mut done: Vec<bool> = vec![false; files.len() + below.len()];
    for entry in &old {
        let name = entry.name;
        if let Some(i) = files.iter().rposition(|(n, _)| n.as_bytes() == name) {
            done[i] = true;
            changed = true;
            if let Some((id, mode)) = files[i].1 {
                new.push((name.to_vec(), mode, id));
            }
        } else if let Some(i) = below.iter().position(|(n, _)| n.as_bytes() == name) {
            done[files.len() + i] = true;
            let inner = if entry.is_folder() {
                Some(entry.id)
            } else {
                return Err(git2::Error::from_str(&format!(
                    "`{}` is a file, not a folder",
                    String::from_utf8_lossy(name)
                )));
            };
            match folder(odb, objects, inner, &below[i].1)? {
                Some(id) if id == entry.id => new.push((name.to_vec(), entry.mode, entry.id)),
                Some(id) => {
                    changed = true;
                    new.push((name.to_vec(), FOLDER, id));
                }
                None => changed = true,
            }
        } else {
            new.push((name.to_vec(), entry.mode, entry.id));
        }
    }
    // Names that are new here.
    let mut added = false;
    for (i, (name, target)) in files.iter().enumerate() {
        // The last update of a name is the one that stands.
        let last = files.iter().rposition(|(n, _)| n == name) == Some(i);
        if !done[i] && last {
            done[i] = true;
            if let Some((id, mode)) = target {
                new.push((name.as_bytes().to_vec(), *mode, *id));
                added = true;
            }
        }
    }
    for (i, (name, list)) in below.iter().enumerate() {
        if !done[files.len() + i]
            && let Some(id) = folder(odb, objects, None, list)?
        {
            new.push((name.as_bytes().to_vec(), FOLDER, id));
            added = true;
        }
    }
    if added {
        new.sort_by(|a, b| name_order(&a.0, a.1 == FOLDER, &b.0, b.1 == FOLDER));
        new.dedup_by(|a, b| a.0 == b.0);
    }
    if !changed && !added {
        return Ok(base);
    }
    if new.is_empty() {
        return Ok(None);
    }
    let bytes = tree_bytes(&new, data.len() + 64 * files.len())?;
    if bytes == data {
        return Ok(base);
    }
    let id = write_loose(objects, ObjectType::Tree, &bytes)?;
    remember(id, bytes.into());
    Ok(Some(id))
}

/// A folder's updates: its own names, each with what becomes of it (a file set, or
/// removed), and the folders below it with the updates inside each; a name git cannot hold
/// is an error.
type Split<'u> = (
    Vec<(&'u str, Option<(Oid, u32)>)>,
    Vec<(&'u str, Vec<Update<'u>>)>,
);

fn split_updates<'u>(updates: &[Update<'u>]) -> Result<Split<'u>, git2::Error> {
    let mut files: Vec<(&str, Option<(Oid, u32)>)> = Vec::new();
    let mut below: Vec<(&str, Vec<Update<'_>>)> = Vec::new();
    for &(path, target) in updates {
        match path.split_once('/') {
            None => files.push((path, target)),
            Some((name, rest)) => match below.iter_mut().find(|(n, _)| *n == name) {
                Some((_, list)) => list.push((rest, target)),
                None => below.push((name, vec![(rest, target)])),
            },
        }
    }
    let names = files.iter().map(|(n, _)| *n);
    if let Some(name) = names
        .chain(below.iter().map(|(n, _)| *n))
        .find(|n| !valid_name(n))
    {
        return Err(git2::Error::from_str(&format!(
            "`{name}` cannot be a name in a git tree"
        )));
    }
    Ok((files, below))
}

/// A tree object's bytes: each entry's mode in octal, its name and its id.
fn tree_bytes(entries: &[(Vec<u8>, u32, Oid)], capacity: usize) -> Result<Vec<u8>, git2::Error> {
    let mut bytes = Vec::with_capacity(capacity);
    for (name, mode, id) in entries {
        write!(bytes, "{mode:o} ").map_err(|e| git2::Error::from_str(&e.to_string()))?;
        bytes.extend_from_slice(name);
        bytes.push(0);
        bytes.extend_from_slice(id.as_bytes());
    }
    Ok(bytes)
}

/// A name libgit2 accepts in a tree.
fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name != "."
        && name != ".."
        && !name.eq_ignore_ascii_case(".git")
        && !name.contains(['/', '\0'])
}

/// The id git gives an object of `kind` with `data`.
pub fn object_id(kind: ObjectType, data: &[u8]) -> Oid {
    let mut hasher = sha1_smol::Sha1::new();
    hasher.update(format!("{} {}\0", kind.str(), data.len()).as_bytes());
    hasher.update(data);
    let digest = hasher.digest().bytes();
    Oid::from_bytes(&digest).unwrap_or_else(|_| Oid::zero())
}

/// Writes an object of `kind` into `objects` (a repository's object folder) as a loose
/// object: compressed as git compresses loose objects (zlib at its fastest level), written
/// to a temporary file and renamed into place, so that no reader sees half an object. An
/// object that is there already is left as it is.
pub fn write_loose(objects: &Path, kind: ObjectType, data: &[u8]) -> Result<Oid, git2::Error> {
    let id = object_id(kind, data);
    let hex = id.to_string();
    let folder = objects.join(&hex[..2]);
    let path = folder.join(&hex[2..]);
    if path.exists() {
        return Ok(id);
    }
    let fail = |what: &str, e: std::io::Error| {
        git2::Error::from_str(&format!("{what} {}: {e}", path.display()))
    };
    match std::fs::create_dir(&folder) {
        Err(e) if e.kind() != std::io::ErrorKind::AlreadyExists => {
            return Err(fail("cannot create the folder of", e));
        }
        _ => {}
    }
    let temporary = folder.join(format!(
        "tmp_railyard_{}_{}",
        std::process::id(),
        TEMPORARY.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    ));
    let written = (|| {
        let file = std::fs::File::create(&temporary)?;
        let mut z = flate2::write::ZlibEncoder::new(file, flate2::Compression::fast());
        write!(z, "{} {}\0", kind.str(), data.len())?;
        z.write_all(data)?;
        let file = z.finish()?;
        let mut permissions = file.metadata()?.permissions();
        permissions.set_readonly(true);
        file.set_permissions(permissions)?;
        drop(file);
        std::fs::rename(&temporary, &path)
    })();
    if let Err(e) = written {
        let _ = std::fs::remove_file(&temporary);
        // Another writer may have put the same object there meanwhile.
        if !path.exists() {
            return Err(fail("cannot write", e));
        }
    }
    Ok(id)
}

static TEMPORARY: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

#[cfg(test)]
mod tests {
    use super::super::test_trees::tree_of;
    use super::*;
    use git2::Repository;
    use proptest::prelude::*;

    fn file_set() -> impl Strategy<Value = std::collections::BTreeMap<String, String>> {
        super::super::test_trees::file_set(
            vec!["a", "a-b", "a.c", "b", "ab", "z"],
            vec!["one", "two", "three"],
            14,
        )
    }

    #[test]
    fn the_tree_cache_keeps_what_the_last_two_rounds_used() {
        let id = |n: u8| Oid::from_bytes(&[n; 20]).expect("an id");
        let data = |n: usize| -> std::sync::Arc<[u8]> { vec![0u8; n].into() };
        let mut trees = Trees::default();
        let held = |trees: &Trees| {
            let mut ids: Vec<u8> = trees
                .current
                .by_id
                .keys()
                .chain(trees.previous.by_id.keys())
                .map(|id| id.as_bytes()[0])
                .collect();
            ids.sort();
            (ids, trees.current.bytes + trees.previous.bytes)
        };
        trees.current.insert(id(1), data(10));
        trees.current.insert(id(2), data(20));
        trees.next_round();
        // Round two uses tree 1 again and writes tree 3.
        assert!(trees.recall(id(1)).is_some());
        trees.current.insert(id(3), data(30));
        assert_eq!(held(&trees), (vec![1, 2, 3], 60));
        trees.next_round();
        // Tree 2 was not used in round two: gone after round three starts.
        assert_eq!(held(&trees), (vec![1, 3], 40));
        trees.next_round();
        assert_eq!(held(&trees), (vec![], 0));
        assert!(trees.recall(id(1)).is_none());
        // A generation over the bound starts again rather than grow.
        trees.current.insert(id(4), data(CACHED_BYTES));
        trees.current.insert(id(5), data(1));
        assert_eq!(held(&trees), (vec![5], 1));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(128))]

        /// Updating a tree in place gives the tree libgit2 writes for the files that result
        /// (the same id: the same bytes), for new files in new folders, replaced and removed
        /// files, and folders left empty.
        #[test]
        fn an_updated_tree_is_the_tree_of_the_files_it_then_holds(
            base in file_set(),
            upserts in prop::collection::vec((0..40usize, prop::sample::select(vec!["one", "four"])), 0..6),
            removals in prop::collection::vec(0..20usize, 0..6),
        ) {
            let dir = tempfile::tempdir().expect("a temporary directory");
            let repo = Repository::init_bare(dir.path()).expect("a repository");
            let odb = repo.odb().expect("the object database");
            let objects = repo.commondir().join("objects");
            let base_id = tree_of(&repo, &base);
            // Upserts name existing files or new paths that do not cross an existing file.
            let candidates: Vec<String> = base
                .keys()
                .cloned()
                .chain(["n", "a/n", "q/r/s", "status/x/y.yaml"].map(String::from))
                .collect();
            let mut after = base.clone();
            let mut updates: Vec<(String, Option<(Oid, u32)>)> = Vec::new();
            for index in removals {
                if let Some(path) = base.keys().nth(index) {
                    after.remove(path);
                    updates.push((path.clone(), None));
                }
            }
            for (index, content) in upserts {
                let path = &candidates[index % candidates.len()];
                let crosses = after.keys().any(|p| {
                    path.starts_with(&format!("{p}/")) || p.starts_with(&format!("{path}/"))
                });
                if crosses {
                    continue;
                }
                let id = write_loose(&objects, ObjectType::Blob, content.as_bytes()).expect("a blob");
                prop_assert_eq!(id, repo.blob(content.as_bytes()).expect("a blob"));
                after.insert(path.clone(), content.to_string());
                updates.push((path.clone(), Some((id, FILE))));
            }
            let list: Vec<Update<'_>> = updates.iter().map(|(p, t)| (p.as_str(), *t)).collect();
            let updated = update(&odb, &objects, Some(base_id), &list).expect("updated");
            prop_assert_eq!(updated, tree_of(&repo, &after));
            // What was written reads back through libgit2, as the tree it says it is.
            let tree = repo.find_tree(updated).expect("a tree libgit2 reads");
            prop_assert_eq!(tree.id(), updated);
            if updates.is_empty() {
                prop_assert_eq!(updated, base_id, "nothing to change: the same tree");
            }
        }
    }

    #[test]
    fn entries_of_a_corrupt_tree_are_an_error_not_a_panic() {
        let id = Oid::zero();
        for data in [
            &b"100644"[..],
            b"100644 name",
            b"100644 name\0short",
            b"10x644 name\0aaaaaaaaaaaaaaaaaaaa",
            b" name\0aaaaaaaaaaaaaaaaaaaa",
            b"100644 \0aaaaaaaaaaaaaaaaaaaa",
        ] {
            assert!(
                entries(id, data).is_err(),
                "{:?}",
                String::from_utf8_lossy(data)
            );
        }
        let good = entries(
            id,
            b"100644 a\0aaaaaaaaaaaaaaaaaaaa40000 b\0bbbbbbbbbbbbbbbbbbbb",
        )
        .expect("two entries");
        assert_eq!(good.len(), 2);
        assert!(good[1].is_folder() && !good[0].is_folder());
        assert_eq!(good[0].side(), Side::File(good[0].id, FILE));
    }

    #[test]
    fn names_git_refuses_are_refused() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let repo = Repository::init_bare(dir.path()).expect("a repository");
        let odb = repo.odb().expect("the object database");
        let objects = repo.commondir().join("objects");
        let id = write_loose(&objects, ObjectType::Blob, b"x").expect("a blob");
        for path in ["a/../b", ".git/x", "a//b", "."] {
            assert!(
                update(&odb, &objects, None, &[(path, Some((id, FILE)))]).is_err(),
                "{path}"
            );
        }
        // Removing what is not there changes nothing.
        let empty = update(&odb, &objects, None, &[("a/b", None)]).expect("the empty tree");
        assert_eq!(
            empty,
            Oid::from_str("4b825dc642cb6eb9a060e54bf8d69288fbee4904").expect("an id")
        );
    }
}
