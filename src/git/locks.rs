//! Recovery from a railyard killed while it held one of git's lock files.

use std::path::Path;

use git2::Repository;

use super::GitError;

/// The intent file, in the git dir.
const FILE: &str = "railyard-intent";

/// The git lock railyard is about to hold (a branch's `<ref>.lock`, or `index.lock`), kept
/// in `.git/railyard-intent` under an exclusive `flock` for as long as git's lock exists. A
/// railyard killed inside that window (SIGKILL cannot be caught) leaves git's lock behind,
/// and every git then refuses the branch or the index. The next railyard, holding the flock
/// (so no other railyard is inside its window), finds the intent and removes the lock it
/// names, but only when no process has that file open (git and libgit2 keep a lock open
/// until they rename it) and, for a branch, when it holds exactly the commit the intent
/// names. Anything else is another git's lock, and is left alone.
pub(super) struct Intent {
    file: std::fs::File,
    /// Left in place on drop: the next railyard must catch up.
    kept: bool,
}

impl Intent {
    /// Records that `lock` (relative to the git dir) is about to be taken, holding `content`
    /// when railyard knows what it will write there.
    pub(super) fn record(
        repo: &Repository,
        lock: &str,
        content: Option<&str>,
    ) -> Result<Intent, GitError> {
        use std::io::{Read, Seek, Write};
        let dir = repo.commondir();
        let path = dir.join(FILE);
        let io = |e: std::io::Error| GitError::Worktree(format!("{}: {e}", path.display()));
        let mut file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(io)?;
        rustix::fs::flock(&file, rustix::fs::FlockOperation::LockExclusive)
            .map_err(|e| io(e.into()))?;
        let mut earlier = String::new();
        file.read_to_string(&mut earlier).map_err(io)?;
        // The first line: a railyard killed while it rewrote the file leaves its new line
        // over the start of the old one (see below).
        let earlier = earlier.lines().next().unwrap_or_default();
        if let Some((left, expected)) = earlier.trim().split_once(' ') {
            let stale = dir.join(left);
            // Empty: killed before git wrote the commit into it. Read as bytes: an index
            // lock holds the binary index, and a kill after git wrote it must not leave it.
            let holds = |held: &[u8]| {
                expected == "-"
                    || held.trim_ascii() == expected.as_bytes()
                    || held.trim_ascii().is_empty()
            };
            if std::fs::read(&stale).is_ok_and(|held| holds(&held)) && !open_anywhere(&stale) {
                tracing::warn!(lock = %stale.display(), "removed the lock a killed railyard left");
                std::fs::remove_file(&stale).map_err(io)?;
            }
        }
        // Overwritten, then cut to length: the file is never empty in between, so a railyard
        // killed here (just after it moved the branch, say) still leaves an intent. Emptied
        // first, as before, a kill inside that window left the working tree behind the branch
        // with nothing telling the next railyard to catch it up.
        let line = format!("{lock} {}\n", content.unwrap_or("-"));
        file.rewind().map_err(io)?;
        file.write_all(line.as_bytes()).map_err(io)?;
        file.set_len(line.len() as u64).map_err(io)?;
        Ok(Intent { file, kept: false })
    }
}

impl Intent {
    /// Whether an intent is recorded that no railyard is acting on: one was killed, or
    /// left the working tree behind the branch on purpose ([`Intent::keep`]).
    pub(super) fn pending(repo: &Repository) -> bool {
        std::fs::metadata(repo.commondir().join(FILE)).is_ok_and(|m| m.len() > 0)
    }

    /// Leaves the intent for the next railyard (the index was locked: the working tree is
    /// behind the branch until one catches up).
    pub(super) fn keep(mut self) {
        self.kept = true;
    }
}

impl Drop for Intent {
    /// Git's lock is renamed or refused: nothing to recover. The flock goes with the file.
    fn drop(&mut self) {
        if !self.kept {
            let _ = self.file.set_len(0);
        }
    }
}

/// Whether any process has `path` open, as Linux's `/proc/<pid>/fd` shows. When that cannot
/// be known (no `/proc`, a process whose descriptors may not be read), the answer is yes.
fn open_anywhere(path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    let Ok(target) = std::fs::metadata(path) else {
        return false;
    };
    let Ok(processes) = std::fs::read_dir("/proc") else {
        return true;
    };
    for process in processes.flatten() {
        if !process
            .file_name()
            .to_string_lossy()
            .bytes()
            .all(|b| b.is_ascii_digit())
        {
            continue;
        }
        let fds = match std::fs::read_dir(process.path().join("fd")) {
            Ok(fds) => fds,
            // The process ended meanwhile.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(_) => return true,
        };
        for fd in fds.flatten() {
            if std::fs::metadata(fd.path())
                .is_ok_and(|m| m.dev() == target.dev() && m.ino() == target.ino())
            {
                return true;
            }
        }
    }
    false
}
