//! Reading a working tree: the manifest files (and railyard's own) within limits, each
//! parsed again only when its size, time or inode changed.
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use super::parse::{FileResult, ParseCache, parse_file, settings_from};
use super::settings::{Selection, Settings};
use super::{CONFIG_FILE, Content, LoadError, Loaded, RawFile};
use crate::diagnostics::{self, Code, Diagnostic};

/// Reads the working tree at `root`: `railyard.yaml` first (it says which files are
/// manifests), then every manifest file, in parallel. With `cache` (`watch --dry-run`), only
/// the files whose path, size and modification time it does not know are parsed; a file
/// changed in the last two seconds is always read again: a second edit within the file
/// system's timestamp granularity could keep both the same.
pub fn read_worktree(root: &Path, cache: Option<&mut ParseCache>) -> Result<Loaded, LoadError> {
    let meta = std::fs::metadata(root).map_err(|source| match source.kind() {
        std::io::ErrorKind::NotFound => LoadError::NotFound {
            path: root.to_path_buf(),
        },
        _ => LoadError::Io {
            path: root.to_path_buf(),
            source,
        },
    })?;
    if !meta.is_dir() {
        return Err(LoadError::NotADirectory {
            path: root.to_path_buf(),
        });
    }
    let config_path = root.join(CONFIG_FILE);
    // A regular file only, as every manifest: a symlink could point outside the repository.
    let config_file = std::fs::symlink_metadata(&config_path)
        .is_ok_and(|m| m.is_file())
        .then(|| RawFile {
            path: CONFIG_FILE.to_string(),
            content: read_limited(&config_path, Settings::default().max_file_bytes),
            again: None,
        });
    let (settings, config_result) = settings_from(config_file.as_ref());
    let started = std::time::Instant::now();
    let (paths, walk_errors) = manifest_paths(root, &Selection::new(&settings), cache.is_some());
    tracing::debug!(
        elapsed_ms = started.elapsed().as_millis() as u64,
        files = paths.len(),
        "listed the manifest files"
    );
    let max = settings.max_file_bytes;
    let read = |wanted: &[(String, PathBuf)]| -> Vec<RawFile> {
        wanted
            .par_iter()
            .map(|(relative, full)| RawFile {
                path: relative.clone(),
                content: read_limited(full, max),
                again: None,
            })
            .collect()
    };
    let mut loaded = match cache {
        None => {
            // Each file read and parsed in one step: the bytes of all of them are never held
            // at once (a hundred thousand manifests are a hundred megabytes), and a file of
            // valid manifests lets its text go, to be read again from here if a diagnostic
            // asks for a position in it.
            let again: std::sync::Arc<dyn crate::source::Reread> =
                std::sync::Arc::new(WorkingTree {
                    root: root.to_path_buf(),
                    max,
                });
            let results: Vec<FileResult> = paths
                .into_par_iter()
                .map(|(relative, full, _)| {
                    let raw = RawFile {
                        path: relative,
                        content: read_limited(&full, max),
                        again: Some(again.clone()),
                    };
                    parse_file(&raw, &settings)
                })
                .collect();
            super::assemble(settings, config_result, results)
        }
        Some(cache) => {
            let fulls: std::collections::HashMap<String, PathBuf> = paths
                .iter()
                .map(|(r, f, _)| (r.clone(), f.clone()))
                .collect();
            let keys = cache_keys(paths, cache);
            cache.load(settings, config_result, keys, |missing| {
                let wanted: Vec<(String, PathBuf)> = missing
                    .iter()
                    .filter_map(|(p, _)| Some((p.clone(), fulls.get(p)?.clone())))
                    .collect();
                read(&wanted)
            })
        }
    };
    loaded.diagnostics.extend(walk_errors);
    diagnostics::sort(&mut loaded.diagnostics);
    Ok(loaded)
}

/// The working tree a file's text is read again from (see [`crate::source::Reread`]), within
/// the same size limit; the path is checked against the repository's root as when listed.
#[derive(Debug)]
struct WorkingTree {
    root: PathBuf,
    max: u64,
}

impl crate::source::Reread for WorkingTree {
    fn read(&self, path: &str) -> Option<Vec<u8>> {
        let relative = Path::new(path);
        if relative.is_absolute()
            || relative
                .components()
                .any(|c| !matches!(c, std::path::Component::Normal(_)))
        {
            return None;
        }
        let full = self.root.join(relative);
        // A regular file only, as when it was listed: never a link.
        if !std::fs::symlink_metadata(&full).is_ok_and(|m| m.is_file()) {
            return None;
        }
        match read_limited(&full, self.max) {
            Content::Bytes(bytes) => Some(bytes),
            Content::TooLarge { .. } | Content::Unreadable(_) => None,
        }
    }
}

/// A manifest file found: its path in the repository, on disk, and its stamp.
type Found = (String, PathBuf, Option<Vec<u8>>);

/// The manifest files under `root` in name order (regular files only: no symlink is
/// followed), with their stamps when `stamps` (a parse cache's keys), and the errors met
/// listing them.
///
/// The order is that of a walk that takes each folder's entries by name: the paths sorted
/// folder name by folder name ([`path_order`]). They are sorted once listed: a walker that
/// sorts each folder compares its entries' names through `Path::file_name`, which parses
/// the whole path again, and a folder of 40,000 status files made that a tenth of a second.
fn manifest_paths(
    root: &Path,
    selection: &Selection,
    stamps: bool,
) -> (Vec<Found>, Vec<Diagnostic>) {
    let mut paths = Vec::new();
    let walker = ignore::WalkBuilder::new(root)
        .hidden(true)
        .parents(false)
        .follow_links(false)
        .build();
    let mut walk_errors = Vec::new();
    for entry in walker {
        let entry = match entry {
            Ok(entry) => entry,
            Err(error) => {
                walk_errors.push(Diagnostic::error(
                    Code::Io,
                    "",
                    None,
                    format!("cannot list the repository: {error}"),
                ));
                continue;
            }
        };
        if !entry.file_type().is_some_and(|t| t.is_file()) {
            continue;
        }
        let Ok(relative) = entry.path().strip_prefix(root) else {
            continue;
        };
        let Some(relative) = relative_slash_path(relative) else {
            continue;
        };
        if relative != CONFIG_FILE && selection.is_manifest(&relative) {
            let stamp = stamps
                .then(|| entry.metadata().ok().and_then(|m| stamp(&m)))
                .flatten();
            paths.push((relative, entry.into_path(), stamp));
        }
    }
    paths.sort_unstable_by(|a, b| path_order(&a.0, &b.0));
    // Listed in the order the file system gives: sorted, so that they read the same on
    // every checkout.
    walk_errors.sort_by(|a, b| a.message.cmp(&b.message));
    (paths, walk_errors)
}

/// Two `/`-separated paths in the order of a walk that takes each folder's entries by
/// name: folder name by folder name, a name before any longer one it starts (`a/x` before
/// `a-b`, as the folder `a` sorts before `a-b`). That is the bytes' order with `/` below
/// every other byte, decided at the first byte where they differ.
fn path_order(a: &str, b: &str) -> std::cmp::Ordering {
    let same = a.bytes().zip(b.bytes()).take_while(|(x, y)| x == y).count();
    let at = |path: &str| {
        let byte = path.as_bytes().get(same).copied();
        byte.map(|b| if b == b'/' { 0 } else { b })
    };
    at(a).cmp(&at(b))
}

/// Each file's key in the parse cache: its stamp, or (no stamp, or a fresh one) a key no
/// earlier round can have. Starts the cache's next round.
fn cache_keys(paths: Vec<Found>, cache: &mut ParseCache) -> Vec<(String, Vec<u8>)> {
    let keys = paths
        .into_iter()
        .enumerate()
        .map(|(i, (relative, _, stamp))| {
            let id = stamp.unwrap_or_else(|| {
                let mut unique = b"unstamped".to_vec();
                unique.extend_from_slice(&(i as u64).to_le_bytes());
                unique.extend_from_slice(&cache.round.to_le_bytes());
                unique
            });
            (relative, id)
        })
        .collect();
    cache.round += 1;
    keys
}

/// A file's size and modification time as a cache key; `None` when the time is unknown or
/// within the last two seconds.
pub(super) fn stamp(meta: &std::fs::Metadata) -> Option<Vec<u8>> {
    let modified = meta.modified().ok()?;
    let age = std::time::SystemTime::now().duration_since(modified).ok()?;
    if age < std::time::Duration::from_secs(2) {
        return None;
    }
    let since = modified.duration_since(std::time::UNIX_EPOCH).ok()?;
    let mut key = meta.len().to_le_bytes().to_vec();
    key.extend_from_slice(&since.as_nanos().to_le_bytes());
    Some(key)
}

pub(super) fn relative_slash_path(path: &Path) -> Option<String> {
    let parts: Option<Vec<&str>> = path.components().map(|c| c.as_os_str().to_str()).collect();
    parts.map(|p| p.join("/"))
}

/// Reads a file unless it is larger than `max` bytes.
///
/// A repository is mostly small files, and on a virtual machine each system call costs
/// microseconds: a file is opened, read once into this thread's buffer and closed, without
/// asking its size first or reading again to find its end (5 calls become 3; at 100,000
/// files that is a tenth of a second on two cores). A read of a regular file that returns
/// less than it asked for has reached the end. Only a file that fills the buffer is read on
/// (within the limit), and only one past the limit has its size asked, for the message.
pub fn read_limited(path: &Path, max: u64) -> Content {
    use std::io::Read;
    /// The first read's size: most manifests fit.
    const FIRST: usize = 64 * 1024;
    thread_local! {
        static BUFFER: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
    }
    let mut file = match std::fs::File::open(path) {
        Ok(file) => file,
        Err(error) => return Content::Unreadable(error.to_string()),
    };
    let first = usize::try_from(max.saturating_add(1)).map_or(FIRST, |limit| limit.min(FIRST));
    let start = BUFFER.with_borrow_mut(|buffer| {
        buffer.resize(first, 0);
        loop {
            match file.read(&mut buffer[..first]) {
                Ok(n) if n < first => return Ok(Content::Bytes(buffer[..n].to_vec())),
                Ok(n) => return Err(buffer[..n].to_vec()),
                Err(error) if error.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(error) => return Ok(Content::Unreadable(error.to_string())),
            }
        }
    });
    let mut bytes = match start {
        Ok(content) => return content,
        Err(bytes) => bytes,
    };
    let rest = max.saturating_add(1).saturating_sub(bytes.len() as u64);
    match (&mut file).take(rest).read_to_end(&mut bytes) {
        Ok(_) if bytes.len() as u64 > max => Content::TooLarge {
            size: file.metadata().map_or(bytes.len() as u64, |meta| {
                meta.len().max(bytes.len() as u64)
            }),
        },
        Ok(_) => Content::Bytes(bytes),
        Err(error) => Content::Unreadable(error.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The paths, sorted once listed, come in the order of a walk that sorts each folder by
    /// name, whatever the names.
    #[test]
    fn files_come_in_the_order_of_a_walk_sorted_by_name() {
        let dir = tempfile::tempdir().expect("a folder");
        let names = [
            "a.yaml",
            "a/x.yaml",
            "a-b.yaml",
            "a-b/c.yaml",
            "a0/z.yaml",
            "B.yaml",
            "b/c/d.yaml",
            "b/c.yaml",
            "b/c-d/e.yaml",
            "é/f.yaml",
            "z.yaml",
        ];
        for name in names {
            let path = dir.path().join(name);
            std::fs::create_dir_all(path.parent().expect("a parent")).expect("folders");
            std::fs::write(&path, "kind: Team\n").expect("a file");
        }
        let walked: Vec<String> = ignore::WalkBuilder::new(dir.path())
            .sort_by_file_name(|a, b| a.cmp(b))
            .build()
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_some_and(|t| t.is_file()))
            .filter_map(|e| relative_slash_path(e.path().strip_prefix(dir.path()).ok()?))
            .collect();
        let selection = Selection::new(&Settings::default());
        let (listed, errors) = manifest_paths(dir.path(), &selection, false);
        assert!(errors.is_empty(), "{errors:?}");
        let listed: Vec<String> = listed.into_iter().map(|(p, _, _)| p).collect();
        assert_eq!(listed.len(), names.len(), "{listed:?}");
        assert_eq!(listed, walked);
    }
}
