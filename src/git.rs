//! Git at the edge: the facts that trust needs (who added each file, who changed it last)
//! and the files of a committed tree, for `--rev`. The repository may be a checkout whose
//! release repository is a sub-folder (`examples/acme` inside this one): paths are read
//! relative to that folder.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use git2::{Repository, Sort};

use crate::trust::facts::{Commit, Facts};

mod changes;
mod commit_read;
mod locks;
mod raw;
#[cfg(test)]
mod test_trees;
use crate::load::{self, CONFIG_FILE, Content, RawFile};
pub use commit_read::{Caches, CommitRead, FactsCache};

/// A long-running process (`watch`) starts a round: git trees read or written by the rounds
/// before the last are let go (see `raw::next_round`), so that its memory stays flat.
pub fn next_round() {
    raw::next_round();
}

/// Why git could not answer.
#[derive(Debug, thiserror::Error)]
pub enum GitError {
    #[error("{path} is not inside a git repository")]
    NotARepository { path: PathBuf },
    #[error("the repository has no commits yet")]
    NoCommits,
    #[error("`{rev}` names no commit: {message}")]
    BadRevision { rev: String, message: String },
    #[error("branch `{branch}` does not exist (railyard.yaml `spec.branch`)")]
    NoBranch { branch: String },
    #[error("remote `{remote}`: {message}")]
    Remote { remote: String, message: String },
    #[error("updating the working tree: {0}")]
    Worktree(String),
    #[error("git: {0}")]
    Git(#[from] git2::Error),
    #[error("signing key {path} (RAILYARD_SIGNING_KEY): {message}")]
    SigningKey { path: PathBuf, message: String },
}

/// A status commit that changes at most this many files writes loose objects; a larger one
/// writes one pack.
const LOOSE_OBJECTS: usize = 64;

/// libgit2's process-wide options, set once before the first repository is opened.
///
/// Reading an object does not hash it again to check its id, as the git CLI does not: a
/// reconcile reads every manifest and status blob of the tree, and the check was a twentieth
/// of its CPU time. Corruption is `git fsck`'s business.
fn tune_libgit2() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| git2::opts::strict_hash_verification(false));
}

/// A release repository inside a git repository.
pub struct GitRepo {
    repo: Repository,
    /// Paths railyard writes (status dir, summary), relative to the release repository: its
    /// own changes there do not make a working tree dirty.
    pub owned: Vec<String>,
    /// The release repository's folder relative to the git work tree (`""` at the top),
    /// with a trailing `/` when not empty.
    prefix: String,
    /// The key railyard's commits are signed with, when one is given.
    signer: Option<(PathBuf, Arc<ssh_key::PrivateKey>)>,
}

/// The environment variable that holds the path of the SSH private key railyard signs its
/// commits with (never the key itself, and never a file of the repository).
pub const SIGNING_KEY_VAR: &str = "RAILYARD_SIGNING_KEY";

/// railyard's own files of a tree (status files, the summary): bytes by path. Each file's
/// bytes are shared: a watcher's cache of parsed status files holds the same allocation, and
/// knows a file it parsed last round by its pointer, without comparing the bytes.
pub type OwnFiles = BTreeMap<String, Arc<Vec<u8>>>;

/// What a watcher keeps of the trees it read: the manifests parsed by blob, and what the
/// last round read, so that the next reads only the files that changed since.
#[derive(Default)]
pub struct TreeCache {
    pub parse: load::ParseCache,
    pub last: Option<TreeRead>,
}

/// What a watcher's round read of a committed tree, kept in its [`TreeCache`]: the
/// next round reads only the files that changed since, and updates these in place.
pub struct TreeRead {
    /// The release repository's folder in that commit.
    tree: git2::Oid,
    loaded: Arc<load::Loaded>,
    own: Arc<OwnFiles>,
}

/// What a file of the tree is to railyard.
enum Place {
    Config,
    Manifest,
    Own,
    Other,
}

/// Tells a tree's files apart by path, under the settings of its `railyard.yaml`.
struct Places {
    selection: load::Selection,
    status_prefix: String,
    pages: Vec<String>,
}

impl Places {
    fn new(settings: &load::Settings) -> Places {
        Places {
            selection: load::Selection::new(settings),
            status_prefix: format!("{}/", settings.status_dir.trim_end_matches('/')),
            pages: settings.pages().map(str::to_string).collect(),
        }
    }

    fn of(&self, path: &str) -> Place {
        let hidden = path.split('/').any(|part| part.starts_with('.'));
        if path == CONFIG_FILE {
            Place::Config
        } else if path.starts_with(&self.status_prefix) || self.pages.iter().any(|p| p == path) {
            Place::Own
        } else if !hidden && self.selection.is_manifest(path) {
            Place::Manifest
        } else {
            Place::Other
        }
    }
}

/// (path, blob id) of the cache's (path, content id) keys.
fn blob_ids(keys: &[(String, Vec<u8>)]) -> Vec<(String, git2::Oid)> {
    keys.iter()
        .filter_map(|(path, id)| Some((path.clone(), git2::Oid::from_bytes(id).ok()?)))
        .collect()
}

/// A blob's bytes, unless larger than `max` or unreadable.
/// A manifest's blob, read again by its id when a diagnostic asks for a position in a file
/// that let its text go (see [`crate::source::Reread`]); the repository is opened again, as
/// libgit2 handles are not shared between threads. A blob's id names its bytes: what is
/// read is what was parsed.
#[derive(Debug)]
struct Blob {
    git_dir: Arc<Path>,
    oid: git2::Oid,
    max: u64,
}

impl crate::source::Reread for Blob {
    fn read(&self, _path: &str) -> Option<Vec<u8>> {
        let repo = Repository::open(&*self.git_dir).ok()?;
        match read_blob(&repo, self.oid, self.max) {
            Content::Bytes(bytes) => Some(bytes),
            Content::TooLarge { .. } | Content::Unreadable(_) => None,
        }
    }
}

fn read_blob(repo: &Repository, oid: git2::Oid, max: u64) -> Content {
    match repo.find_blob(oid) {
        Ok(blob) if blob.size() as u64 > max => Content::TooLarge {
            size: blob.size() as u64,
        },
        Ok(blob) => Content::Bytes(blob.content().to_vec()),
        Err(e) => Content::Unreadable(e.message().to_string()),
    }
}

impl GitRepo {
    /// The git repository that holds `root`, if any.
    pub fn discover(root: &Path) -> Result<GitRepo, GitError> {
        let not_a_repo = || GitError::NotARepository {
            path: root.to_path_buf(),
        };
        tune_libgit2();
        let repo = Repository::discover(root).map_err(|_| not_a_repo())?;
        let prefix = match repo.workdir() {
            Some(workdir) => {
                let workdir = workdir.canonicalize().map_err(|_| not_a_repo())?;
                let root = root.canonicalize().map_err(|_| not_a_repo())?;
                let relative = root.strip_prefix(&workdir).map_err(|_| not_a_repo())?;
                let parts: Vec<String> = relative
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect();
                if parts.is_empty() {
                    String::new()
                } else {
                    format!("{}/", parts.join("/"))
                }
            }
            None => String::new(),
        };
        Ok(GitRepo {
            repo,
            prefix,
            owned: Vec::new(),
            signer: None,
        })
    }

    /// Signs every commit railyard makes from now on with the OpenSSH private key at
    /// `path` (SSHSIG in git's `git` namespace, as `git commit -S` with `gpg.format ssh`
    /// makes them). Refused, before anything is written, for a key that cannot be read or
    /// that a passphrase protects (railyard signs unattended).
    pub fn sign_with(&mut self, path: &Path) -> Result<(), GitError> {
        let refuse = |message: String| GitError::SigningKey {
            path: path.to_path_buf(),
            message,
        };
        let text = std::fs::read_to_string(path).map_err(|e| refuse(e.to_string()))?;
        let key = ssh_key::PrivateKey::from_openssh(text.trim()).map_err(|e| {
            refuse(format!(
                "not an OpenSSH private key ({e}); make one with `ssh-keygen -t ed25519 -N '' -f KEY`"
            ))
        })?;
        if key.is_encrypted() {
            return Err(refuse(
                "the key is protected by a passphrase; railyard signs unattended, so give it a key without one (kept in a CI secret)".into(),
            ));
        }
        self.signer = Some((path.to_path_buf(), Arc::new(key)));
        Ok(())
    }

    /// [`GitRepo::sign_with`] the key [`SIGNING_KEY_VAR`] names, when it names one.
    pub fn sign_from_env(&mut self) -> Result<(), GitError> {
        match std::env::var_os(SIGNING_KEY_VAR) {
            Some(path) if !path.is_empty() => self.sign_with(Path::new(&path)),
            _ => Ok(()),
        }
    }

    /// The release repository's folder in the git repository (`""` at the top, else with a
    /// trailing `/`).
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// The working tree's top folder (`None` for a bare repository).
    pub fn workdir(&self) -> Option<&Path> {
        self.repo.workdir()
    }

    /// The repository's git directory (`.git`, or the bare repository itself).
    pub fn git_dir(&self) -> &Path {
        self.repo.path()
    }

    /// The person running railyard, as git names the author of their next commit:
    /// `$GIT_AUTHOR_EMAIL`, else `author.email` or `user.email` from the repository's, the
    /// user's or the system's git config, else `$EMAIL`; `None` when none is set.
    pub fn user_email(&self) -> Result<Option<String>, GitError> {
        let config = self.repo.config()?;
        let setting = |key: &str| match config.get_string(key) {
            Ok(value) => Ok(Some(value)),
            Err(e) if e.code() == git2::ErrorCode::NotFound => Ok(None),
            Err(e) => Err(e),
        };
        let found = match std::env::var("GIT_AUTHOR_EMAIL").ok() {
            Some(email) => Some(email),
            None => match setting("author.email")? {
                Some(email) => Some(email),
                None => setting("user.email")?,
            },
        };
        Ok(found
            .or_else(|| std::env::var("EMAIL").ok())
            .map(|e| e.trim().to_string())
            .filter(|e| !e.is_empty()))
    }

    /// The commit `rev` names (HEAD when `None`).
    fn commit(&self, rev: Option<&str>) -> Result<git2::Commit<'_>, GitError> {
        match rev {
            None => {
                let head = self.repo.head().map_err(|e| match e.code() {
                    git2::ErrorCode::UnbornBranch | git2::ErrorCode::NotFound => {
                        GitError::NoCommits
                    }
                    _ => GitError::Git(e),
                })?;
                Ok(head.peel_to_commit()?)
            }
            Some(rev) => self
                .repo
                .revparse_single(rev)
                .and_then(|o| o.peel_to_commit())
                .map_err(|e| GitError::BadRevision {
                    rev: rev.to_string(),
                    message: e.message().to_string(),
                }),
        }
    }

    /// The release repository's folder of `commit` (its whole tree at the top); `None` when
    /// the commit has no such folder.
    fn release_tree<'r>(
        &'r self,
        commit: &git2::Commit<'r>,
    ) -> Result<Option<git2::Tree<'r>>, GitError> {
        let tree = commit.tree()?;
        if self.prefix.is_empty() {
            return Ok(Some(tree));
        }
        match tree.get_path(Path::new(self.prefix.trim_end_matches('/'))) {
            Ok(entry) if entry.kind() == Some(git2::ObjectType::Tree) => {
                Ok(Some(self.repo.find_tree(entry.id())?))
            }
            Ok(_) => Ok(None),
            Err(e) if e.code() == git2::ErrorCode::NotFound => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// The id of the commit `rev` names.
    pub fn revision(&self, rev: Option<&str>) -> Result<String, GitError> {
        Ok(self.commit(rev)?.id().to_string())
    }

    /// Who added each file and who changed it last, from the history of `rev` (HEAD by
    /// default): the first-parent line, where what a merge brings in is credited to the
    /// commits on the merged line that made it. A repository with no commits has verified,
    /// empty facts: nothing in it is committed.
    pub fn facts(&self, rev: Option<&str>) -> Result<Facts, GitError> {
        let mut facts = Facts {
            verified: true,
            ..Facts::default()
        };
        let tip = match self.commit(rev) {
            Ok(commit) => commit,
            Err(GitError::NoCommits) => return Ok(facts),
            Err(e) => return Err(e),
        };
        facts.own = self.own_paths(&tip)?;
        self.apply_history(&mut facts, tip.id(), None)?;
        Ok(facts)
    }

    /// railyard's own paths (the status dir and the pages) as the `railyard.yaml` of
    /// `commit` sets them. Read with the YAML parser and the typed model only (no schema:
    /// a history read must not pay for compiling one); a `Config` that does not read is the
    /// defaults, as it is for the settings.
    fn own_paths(&self, commit: &git2::Commit<'_>) -> Result<Vec<String>, GitError> {
        let spec = self
            .release_tree(commit)?
            .and_then(|tree| blob_at(&tree, CONFIG_FILE))
            .and_then(|blob| self.repo.find_blob(blob).ok())
            .and_then(|blob| {
                let text = std::str::from_utf8(blob.content()).ok()?.to_string();
                let parsed = crate::yaml::parse(&text, crate::yaml::Limits::default());
                parsed.documents.iter().find_map(|d| {
                    let value = d.root.to_json();
                    (value["kind"] == "Config")
                        .then(|| serde_json::from_value(value["spec"].clone()).ok())
                        .flatten()
                })
            })
            .unwrap_or_default();
        Ok(load::Settings::from_spec(&spec).owned_paths())
    }

    /// [`GitRepo::facts`] of `rev`, starting from those of an earlier tip in `cache` when
    /// that tip is on the first-parent line of `rev` (only the new commits are read), and
    /// leaving `rev`'s in the cache.
    pub fn facts_cached(
        &self,
        rev: &str,
        cache: &mut FactsCache,
    ) -> Result<std::sync::Arc<Facts>, GitError> {
        let tip = self.commit(Some(rev))?.id();
        let facts = match cache.take() {
            // Shared with the round before only while that round still holds it: updated in
            // place, not copied, once it let go.
            Some((old, mut facts))
                if self.first_parent_line(tip, &old)
                    && facts.own == self.own_paths(&self.repo.find_commit(tip)?)? =>
            {
                let old = git2::Oid::from_str(&old)?;
                self.apply_history(std::sync::Arc::make_mut(&mut facts), tip, Some(old))?;
                facts
            }
            _ => std::sync::Arc::new(self.facts(Some(rev))?),
        };
        *cache = Some((tip.to_string(), facts.clone()));
        Ok(facts)
    }

    /// Whether `old` is on the first-parent line of `tip` (at most a few thousand commits
    /// back; further is read in full).
    fn first_parent_line(&self, tip: git2::Oid, old: &str) -> bool {
        let Ok(old) = git2::Oid::from_str(old) else {
            return false;
        };
        let mut current = self.repo.find_commit(tip).ok();
        for _ in 0..5_000 {
            let Some(commit) = current else {
                return false;
            };
            if commit.id() == old {
                return true;
            }
            current = commit.parents().next();
        }
        false
    }

    /// Applies the file additions, changes and deletions of the first-parent commits up to
    /// `tip` (after `since`, when given), oldest first. What a merge brings in from its other
    /// parents is attributed to the commits on those lines that made it (the record's author,
    /// not the merger); only what the merge itself introduced (a conflict resolution) is the
    /// merge's.
    fn apply_history(
        &self,
        facts: &mut Facts,
        tip: git2::Oid,
        since: Option<git2::Oid>,
    ) -> Result<(), GitError> {
        let mut walk = self.repo.revwalk()?;
        walk.push(tip)?;
        if let Some(since) = since {
            walk.hide(since)?;
        }
        walk.simplify_first_parent()?;
        walk.set_sorting(Sort::TOPOLOGICAL | Sort::REVERSE)?;
        // Reading the whole history, every commit already accounted for (the first-parent
        // line so far and what earlier merges brought in) bounds a merge's side line, so the
        // read stays linear in commits. Reading on from `since`, the older commits are not at
        // hand: a merge's side line is found by a walk that hides its first parent.
        let mut seen: Option<std::collections::HashSet<git2::Oid>> =
            since.is_none().then(std::collections::HashSet::new);
        for oid in walk {
            let commit = self.repo.find_commit(oid?)?;
            if let Some(seen) = seen.as_mut() {
                seen.insert(commit.id());
            }
            let tree = self.release_tree(&commit)?;
            let parent = match commit.parents().next() {
                Some(parent) => self.release_tree(&parent)?,
                None => None,
            };
            let merged = if commit.parent_count() > 1 {
                self.merged_in(&commit, seen.as_mut(), &facts.own)?
            } else {
                Merged::default()
            };
            let changes = changes::between(&self.repo, parent.as_ref(), tree.as_ref())?;
            let fact = commit_fact(&self.repo, &commit, own_only(&changes, &facts.own));
            for change in changes {
                if change.new.is_some()
                    && merged.brought_in(&change.path, change.new)
                    && let Some(changed) = merged.changed.get(&change.path)
                {
                    if change.old.is_none() {
                        let added = merged.added.get(&change.path).unwrap_or(changed);
                        facts.added.insert(change.path.clone(), added.clone());
                    }
                    facts.changed.insert(change.path, changed.clone());
                    continue;
                }
                match (change.old, change.new) {
                    (None, _) => {
                        facts.added.insert(change.path.clone(), fact.clone());
                        facts.changed.insert(change.path, fact.clone());
                    }
                    (_, None) => {
                        facts.added.remove(&change.path);
                        facts.changed.remove(&change.path);
                    }
                    _ => {
                        facts.changed.insert(change.path, fact.clone());
                    }
                }
            }
        }
        Ok(())
    }

    /// Who made what a merge brings in from its other parents: the commits reachable from
    /// them and not from the first parent, oldest first, each credited with the files it
    /// changed itself (a merge among them only with what no parent of its own had).
    fn merged_in<'r>(
        &'r self,
        merge: &git2::Commit<'r>,
        seen: Option<&mut std::collections::HashSet<git2::Oid>>,
        own: &[String],
    ) -> Result<Merged<'r>, GitError> {
        let mut merged = Merged::default();
        for parent in merge.parents().skip(1) {
            merged.trees.extend(self.release_tree(&parent)?);
        }
        let line = match seen {
            Some(seen) => self.side_line(merge, seen)?,
            None => {
                let mut walk = self.repo.revwalk()?;
                for parent in merge.parent_ids().skip(1) {
                    walk.push(parent)?;
                }
                if let Some(first) = merge.parent_ids().next() {
                    walk.hide(first)?;
                }
                walk.set_sorting(Sort::TOPOLOGICAL | Sort::REVERSE)?;
                walk.collect::<Result<Vec<_>, _>>()?
            }
        };
        for oid in line {
            let side = self.repo.find_commit(oid)?;
            let tree = self.release_tree(&side)?;
            let parents: Vec<Option<git2::Tree<'_>>> = side
                .parents()
                .map(|p| self.release_tree(&p))
                .collect::<Result<_, _>>()?;
            let first = parents.first().and_then(Option::as_ref);
            let changes = changes::between(&self.repo, first, tree.as_ref())?;
            let fact = commit_fact(&self.repo, &side, own_only(&changes, own));
            for change in changes {
                // A merge on the side line is credited only with what none of its parents had.
                let inherited = parents
                    .iter()
                    .skip(1)
                    .flatten()
                    .any(|p| blob_at(p, &change.path) == change.new);
                if inherited {
                    continue;
                }
                match (change.old, change.new) {
                    (_, None) => {
                        merged.added.remove(&change.path);
                        merged.changed.remove(&change.path);
                    }
                    (None, Some(_)) => {
                        merged.added.insert(change.path.clone(), fact.clone());
                        merged.changed.insert(change.path, fact.clone());
                    }
                    (Some(_), Some(_)) => {
                        merged.changed.insert(change.path, fact.clone());
                    }
                }
            }
        }
        Ok(merged)
    }

    /// The commits a merge's other parents reach that are not in `seen`, parents before
    /// children, added to `seen`.
    fn side_line(
        &self,
        merge: &git2::Commit<'_>,
        seen: &mut std::collections::HashSet<git2::Oid>,
    ) -> Result<Vec<git2::Oid>, GitError> {
        let mut line = Vec::new();
        // Depth first, a commit written out once all its parents are.
        let mut stack: Vec<(git2::Oid, bool)> =
            merge.parent_ids().skip(1).map(|id| (id, false)).collect();
        while let Some((oid, parents_done)) = stack.pop() {
            if parents_done {
                line.push(oid);
                continue;
            }
            if !seen.insert(oid) {
                continue;
            }
            stack.push((oid, true));
            let commit = self.repo.find_commit(oid)?;
            stack.extend(
                commit
                    .parent_ids()
                    .filter(|p| !seen.contains(p))
                    .map(|p| (p, false)),
            );
        }
        Ok(line)
    }

    /// The commit where `rev`'s history left `base`'s (what a pull request of `rev` into
    /// `base` is compared against): the merge base of the two.
    pub fn merge_base(&self, base: &str, rev: &str) -> Result<String, GitError> {
        let (b, r) = (self.commit(Some(base))?.id(), self.commit(Some(rev))?.id());
        self.repo
            .merge_base(b, r)
            .map(|id| id.to_string())
            .map_err(|e| GitError::BadRevision {
                rev: format!("{base}...{rev}"),
                message: format!("no common history ({})", e.message()),
            })
    }

    /// The files of the release repository that differ between the commits `from` and
    /// `to`: (path, whether `from` has it, whether `to` has it).
    pub fn changed_paths(
        &self,
        from: &str,
        to: &str,
    ) -> Result<Vec<(String, bool, bool)>, GitError> {
        let old = self.release_tree(&self.commit(Some(from))?)?;
        let new = self.release_tree(&self.commit(Some(to))?)?;
        Ok(changes::between(&self.repo, old.as_ref(), new.as_ref())?
            .into_iter()
            .map(|c| (c.path, c.old.is_some(), c.new.is_some()))
            .collect())
    }

    /// The manifests (parsed) and railyard's own files (bytes by path) of the commit `rev`.
    pub fn read_tree(&self, rev: &str) -> Result<(load::Loaded, OwnFiles), GitError> {
        let (loaded, own) = self.read_tree_cached(rev, None)?;
        Ok((Arc::unwrap_or_clone(loaded), Arc::unwrap_or_clone(own)))
    }

    /// [`GitRepo::read_tree`] for a watcher: with `cache`, only the manifests whose blob it
    /// does not hold are parsed, and when it holds what the last round read of an earlier
    /// tree, only the files that changed since are read at all (the rest is shared with
    /// that round, not copied).
    pub fn read_tree_cached(
        &self,
        rev: &str,
        cache: Option<&mut TreeCache>,
    ) -> Result<(Arc<load::Loaded>, Arc<OwnFiles>), GitError> {
        let commit = self.commit(Some(rev))?;
        let tree = self.release_tree(&commit)?;
        let mut cache = cache;
        if let (Some(cache), Some(tree)) = (cache.as_deref_mut(), tree.as_ref())
            && let Some(last) = cache.last.take()
            && let Some(read) = self.read_changes(last, tree, &mut cache.parse)?
        {
            let found = (read.loaded.clone(), read.own.clone());
            cache.last = Some(read);
            return Ok(found);
        }
        let started = std::time::Instant::now();
        let lap = |what: &str| {
            tracing::debug!(elapsed_ms = started.elapsed().as_millis() as u64, "{what}");
        };
        let mut blobs: Vec<(String, git2::Oid)> =
            changes::between(&self.repo, None, tree.as_ref())?
                .into_iter()
                .filter_map(|change| Some((change.path, change.new?)))
                .collect();
        blobs.sort();
        lap("listed the tree");
        let config = blobs
            .iter()
            .find(|(p, _)| p == CONFIG_FILE)
            .map(|(p, oid)| RawFile {
                path: p.clone(),
                content: self.read_blob(*oid, load::Settings::default().max_file_bytes),
                again: None,
            });
        let (settings, config_result) = load::settings_from(config.as_ref());
        let places = Places::new(&settings);
        let (mut manifests, mut owned) = (Vec::new(), Vec::new());
        for (path, oid) in blobs {
            match places.of(&path) {
                Place::Manifest => manifests.push((path, oid)),
                Place::Own => owned.push((path, oid)),
                Place::Config | Place::Other => {}
            }
        }
        let max = settings.max_file_bytes;
        let own: OwnFiles = self
            .read_blobs(&owned, load::MAX_OWN_FILE_BYTES, false)
            .into_iter()
            .filter_map(|f| match f.content {
                Content::Bytes(bytes) => Some((f.path, Arc::new(bytes))),
                _ => None,
            })
            .collect();
        lap("read railyard's own files");
        let loaded = match cache.as_deref_mut() {
            Some(cache) => {
                let keys = manifests
                    .iter()
                    .map(|(p, oid)| (p.clone(), oid.as_bytes().to_vec()))
                    .collect();
                cache.parse.load(settings, config_result, keys, |missing| {
                    self.read_blobs(&blob_ids(missing), max, true)
                })
            }
            None => load::parse_as_read(settings, config_result, |parse| {
                self.read_blobs_into(&manifests, max, true, parse)
            }),
        };
        lap("parsed the manifests");
        let (loaded, own) = (Arc::new(loaded), Arc::new(own));
        if let (Some(cache), Some(tree)) = (cache, tree) {
            cache.last = Some(TreeRead {
                tree: tree.id(),
                loaded: loaded.clone(),
                own: own.clone(),
            });
        }
        Ok((loaded, own))
    }

    /// What `last` read, brought up to `tree` by reading only the files that differ between
    /// the two; `None` when the whole tree must be read again: `railyard.yaml` changed (it
    /// decides which files are manifests and how they parse), or the manifests changed in a
    /// way that reaches past the files themselves ([`load::ParseCache::update`]).
    fn read_changes(
        &self,
        last: TreeRead,
        tree: &git2::Tree<'_>,
        cache: &mut load::ParseCache,
    ) -> Result<Option<TreeRead>, GitError> {
        cache.parsed = 0;
        if last.tree == tree.id() {
            return Ok(Some(last));
        }
        let Ok(old) = self.repo.find_tree(last.tree) else {
            return Ok(None);
        };
        let changes = changes::between(&self.repo, Some(&old), Some(tree))?;
        let TreeRead {
            mut loaded,
            mut own,
            ..
        } = last;
        let places = Places::new(&loaded.settings);
        let (mut manifests, mut owned) = (Vec::new(), Vec::new());
        for change in changes {
            let id = |oid: Option<git2::Oid>| oid.map(|oid| oid.as_bytes().to_vec());
            match places.of(&change.path) {
                Place::Config => return Ok(None),
                Place::Manifest => manifests.push(load::ManifestChange {
                    path: change.path,
                    before: id(change.old),
                    after: id(change.new),
                }),
                Place::Own => owned.push((change.path, change.new)),
                Place::Other => {}
            }
        }
        let max = loaded.settings.max_file_bytes;
        if !manifests.is_empty() {
            // The last round let go of its share: this updates in place.
            let updated = cache.update(Arc::make_mut(&mut loaded), &manifests, |missing| {
                self.read_blobs(&blob_ids(missing), max, true)
            });
            if !updated {
                return Ok(None);
            }
        }
        if !owned.is_empty() {
            let files = Arc::make_mut(&mut own);
            let mut wanted = Vec::new();
            for (path, oid) in owned {
                files.remove(&path);
                wanted.extend(oid.map(|oid| (path, oid)));
            }
            for file in self.read_blobs(&wanted, load::MAX_OWN_FILE_BYTES, false) {
                if let Content::Bytes(bytes) = file.content {
                    files.insert(file.path, Arc::new(bytes));
                }
            }
        }
        Ok(Some(TreeRead {
            tree: tree.id(),
            loaded,
            own,
        }))
    }

    /// A blob's bytes, unless larger than `max` or unreadable.
    fn read_blob(&self, oid: git2::Oid, max: u64) -> Content {
        read_blob(&self.repo, oid, max)
    }

    /// Reads blobs: a few through this handle, many in parallel. libgit2 handles are not
    /// shared between threads, so each piece of parallel work opens the repository again
    /// (cheap next to inflating thousands of objects, not next to reading the one a commit
    /// changed).
    /// `manifests`: each file can be read again by its blob id ([`Blob`]), so that a file of
    /// valid manifests need not hold its text.
    fn read_blobs(&self, blobs: &[(String, git2::Oid)], max: u64, manifests: bool) -> Vec<RawFile> {
        self.read_blobs_into(blobs, max, manifests, &|file| file)
    }

    /// [`GitRepo::read_blobs`], each file handed to `each` as soon as it is read, on the
    /// thread that read it (the parse: a file's bytes are parsed while they are fresh, and
    /// the bytes of all the files are never held at once). In the order of `blobs`.
    fn read_blobs_into<T: Send>(
        &self,
        blobs: &[(String, git2::Oid)],
        max: u64,
        manifests: bool,
        each: &(dyn Fn(RawFile) -> T + Sync),
    ) -> Vec<T> {
        use rayon::prelude::*;
        let git_dir: Arc<Path> = self.repo.path().into();
        let read =
            |repo: Result<&Repository, &git2::Error>, (path, oid): &(String, git2::Oid)| RawFile {
                path: path.clone(),
                content: match repo {
                    Ok(repo) => read_blob(repo, *oid, max),
                    Err(e) => Content::Unreadable(e.message().to_string()),
                },
                again: manifests.then(|| {
                    Arc::new(Blob {
                        git_dir: git_dir.clone(),
                        oid: *oid,
                        max,
                    }) as Arc<dyn crate::source::Reread>
                }),
            };
        if blobs.len() <= 16 {
            return blobs
                .iter()
                .map(|blob| each(read(Ok(&self.repo), blob)))
                .collect();
        }
        // A handle for each piece of work rayon splits off (a few dozen), not for each few
        // hundred blobs: opening one reads the repository's config and refs again (625 opens
        // were 1.7 % of a no-change reconcile of 100,000 manifests; now about 85).
        let path = self.repo.path().to_path_buf();
        blobs
            .par_iter()
            .map_init(
                || Repository::open(&path),
                |repo, blob| each(read(repo.as_ref(), blob)),
            )
            .collect()
    }

    /// The branch the repository's `railyard.yaml` (as committed at HEAD) names.
    pub fn configured_branch(&self) -> Result<String, GitError> {
        Ok(self.configured_settings()?.branch)
    }

    /// The settings of the `Config` committed at HEAD (defaults without one).
    pub fn configured_settings(&self) -> Result<load::Settings, GitError> {
        let head = self.commit(None)?;
        let tree = head.tree()?;
        let path = format!("{}{CONFIG_FILE}", self.prefix);
        let config = match tree.get_path(Path::new(&path)) {
            Ok(entry) => match self.repo.find_blob(entry.id()) {
                Ok(blob) => Some(RawFile {
                    path: CONFIG_FILE.to_string(),
                    content: Content::Bytes(blob.content().to_vec()),
                    again: None,
                }),
                Err(_) => None,
            },
            Err(_) => None,
        };
        Ok(load::settings_from(config.as_ref()).0)
    }

    /// The branch checked out in the working tree: `None` for a detached HEAD; an error for
    /// a bare repository (no working tree).
    pub fn checked_out_branch(&self) -> Result<Option<String>, GitError> {
        if self.repo.is_bare() {
            return Err(GitError::Worktree(
                "the repository is bare: there is no working tree to run tasks in".into(),
            ));
        }
        let head = self.repo.find_reference("HEAD")?;
        Ok(head
            .symbolic_target()
            .and_then(|t| t.strip_prefix("refs/heads/"))
            .map(str::to_string))
    }

    /// Fetches `branch` from `remote` with the git CLI and returns the commit it points at.
    pub fn fetch(&self, remote: &str, branch: &str) -> Result<String, GitError> {
        let tracking = format!("refs/remotes/{remote}/{branch}");
        self.git_cli(&[
            "fetch",
            "--quiet",
            "--no-tags",
            remote,
            &format!("+refs/heads/{branch}:{tracking}"),
        ])
        .map_err(|message| GitError::Remote {
            remote: remote.to_string(),
            message,
        })?;
        let reference = self.repo.find_reference(&tracking)?;
        Ok(reference.peel_to_commit()?.id().to_string())
    }

    /// Pushes `commit` to `branch` on `remote`, only if the remote branch still points at
    /// `expected` (`--force-with-lease`, `--atomic`). False when the remote moved meanwhile.
    pub fn push(
        &self,
        remote: &str,
        branch: &str,
        expected: &str,
        commit: &str,
    ) -> Result<bool, GitError> {
        let lease = format!("--force-with-lease=refs/heads/{branch}:{expected}");
        let refspec = format!("{commit}:refs/heads/{branch}");
        match self.git_cli(&[
            "push",
            "--quiet",
            "--atomic",
            "--porcelain",
            &lease,
            remote,
            &refspec,
        ]) {
            Ok(_) => Ok(true),
            Err(message)
                if message.contains("stale info")
                    || message.contains("rejected")
                    || message.contains("non-fast-forward") =>
            {
                Ok(false)
            }
            Err(message) => Err(GitError::Remote {
                remote: remote.to_string(),
                message,
            }),
        }
    }

    /// Runs the git CLI on this repository; the error is what git printed.
    fn git_cli(&self, args: &[&str]) -> Result<String, String> {
        let output = std::process::Command::new("git")
            .arg("--git-dir")
            .arg(self.repo.path())
            .args(args)
            .output()
            .map_err(|e| format!("cannot run git: {e}"))?;
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        if output.status.success() {
            Ok(text)
        } else {
            Err(text.trim().to_string())
        }
    }

    /// The commit `refs/heads/<branch>` points at.
    pub fn branch_tip(&self, branch: &str) -> Result<String, GitError> {
        let reference = self
            .repo
            .find_reference(&format!("refs/heads/{branch}"))
            .map_err(|_| GitError::NoBranch {
                branch: branch.to_string(),
            })?;
        let commit = reference.peel_to_commit()?;
        Ok(commit.id().to_string())
    }

    /// A commit on top of `parent` whose tree is the parent's with `changes` applied (path
    /// relative to the release repository → new bytes, or `None` to remove), built in
    /// memory. Returns `None` when the tree would not change.
    pub fn commit_changes(
        &self,
        parent: &str,
        changes: &[(String, Option<Vec<u8>>)],
        author: (&str, &str),
        at: jiff::Timestamp,
        message: &str,
    ) -> Result<Option<String>, GitError> {
        // Thousands of new blobs land as one pack file (a loose object costs a file each);
        // a few are written loose. Trees and the commit are a handful: loose.
        let packed = changes.len() > LOOSE_OBJECTS;
        // A pack is written beside libgit2: a handle of its own, whose object database is
        // refreshed to see it. A few loose objects go through the open handle (opening the
        // repository again costs a watch round milliseconds).
        let own;
        let repo = if packed {
            own = Repository::open(self.repo.path())?;
            &own
        } else {
            &self.repo
        };
        let parent = repo.find_commit(git2::Oid::from_str(parent)?)?;
        let base = parent.tree()?;
        let objects = repo.commondir().join("objects");
        let ids: Vec<Option<git2::Oid>> = if packed {
            use rayon::prelude::*;
            let ids: Vec<Option<git2::Oid>> = changes
                .par_iter()
                .map(|(_, bytes)| {
                    bytes
                        .as_ref()
                        .map(|b| git2::Oid::hash_object(git2::ObjectType::Blob, b))
                        .transpose()
                })
                .collect::<Result<_, _>>()?;
            let mut seen = std::collections::HashSet::new();
            let new: Vec<(&[u8], git2::Oid)> = changes
                .iter()
                .zip(&ids)
                .filter_map(|((_, bytes), id)| Some((bytes.as_deref()?, (*id)?)))
                // Not asked whether each exists already (a file system lookup each): one
                // in a second pack does no harm.
                .filter(|(_, id)| seen.insert(*id))
                .collect();
            write_blob_pack(repo, &new)?;
            ids
        } else {
            changes
                .iter()
                .map(|(_, bytes)| {
                    bytes
                        .as_ref()
                        .map(|b| raw::write_loose(&objects, git2::ObjectType::Blob, b))
                        .transpose()
                })
                .collect::<Result<_, _>>()?
        };
        // Only the folders on the changed paths are read and written again.
        let paths: Vec<String> = changes
            .iter()
            .map(|(path, _)| format!("{}{path}", self.prefix))
            .collect();
        let updates: Vec<raw::Update<'_>> = paths
            .iter()
            .zip(ids)
            .map(|(path, id)| (path.as_str(), id.map(|id| (id, raw::FILE))))
            .collect();
        let tree_id = raw::update(&repo.odb()?, &objects, Some(base.id()), &updates)?;
        if tree_id == base.id() {
            return Ok(None);
        }
        let tree = repo.find_tree(tree_id)?;
        let signature =
            git2::Signature::new(author.0, author.1, &git2::Time::new(at.as_second(), 0))?;
        let id = match &self.signer {
            None => repo.commit(None, &signature, &signature, message, &tree, &[&parent])?,
            Some((path, key)) => {
                let buffer =
                    repo.commit_create_buffer(&signature, &signature, message, &tree, &[&parent])?;
                let armored = key
                    .sign("git", ssh_key::HashAlg::Sha512, &buffer)
                    .and_then(|s| s.to_pem(ssh_key::LineEnding::LF))
                    .map_err(|e| GitError::SigningKey {
                        path: path.clone(),
                        message: format!("signing failed: {e}"),
                    })?;
                let buffer = std::str::from_utf8(&buffer)
                    .map_err(|_| git2::Error::from_str("the commit is not UTF-8"))?;
                repo.commit_signed(buffer, &armored, None)?
            }
        };
        Ok(Some(id.to_string()))
    }

    /// Moves `refs/heads/<branch>` from `expected` to `new` only if it still points at
    /// `expected` (compare-and-swap). False when the branch moved meanwhile.
    pub fn move_branch(
        &self,
        branch: &str,
        expected: &str,
        new: &str,
        message: &str,
    ) -> Result<bool, GitError> {
        let name = format!("refs/heads/{branch}");
        let intent = locks::Intent::record(&self.repo, &format!("{name}.lock"), Some(new))?;
        match self.repo.reference_matching(
            &name,
            git2::Oid::from_str(new)?,
            true,
            git2::Oid::from_str(expected)?,
            message,
        ) {
            Ok(_) => {
                // Until the working tree is updated it is behind the branch: a railyard
                // killed before then leaves the intent for the next one to catch up.
                if self.repo.workdir().is_some() {
                    intent.keep();
                }
                Ok(true)
            }
            Err(e)
                if matches!(
                    e.code(),
                    git2::ErrorCode::Modified | git2::ErrorCode::Locked
                ) || e.class() == git2::ErrorClass::Reference =>
            {
                Ok(false)
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Whether a railyard was killed while it held one of git's locks, or left the working
    /// tree behind the branch (see [`locks::Intent`]).
    pub fn interrupted(&self) -> bool {
        locks::Intent::pending(&self.repo)
    }

    /// After the branch moved: a clean working tree that has the branch checked out is
    /// updated to it; a dirty one is left alone.
    pub fn update_worktree(
        &self,
        branch: &str,
        changes: &[(String, Option<Vec<u8>>)],
    ) -> Result<Worktree, GitError> {
        if self.repo.is_bare() || self.repo.workdir().is_none() {
            return Ok(Worktree::Bare);
        }
        // Whatever becomes of the working tree here, the next railyard has nothing to catch
        // up on, unless the index is locked.
        let intent = locks::Intent::record(&self.repo, "index.lock", None)?;
        let on_branch = self
            .repo
            .find_reference("HEAD")
            .ok()
            .and_then(|h| {
                h.symbolic_target()
                    .map(|t| t == format!("refs/heads/{branch}"))
            })
            .unwrap_or(false);
        if !on_branch {
            return Ok(Worktree::OtherBranch);
        }
        let head_tree = self.repo.head()?.peel_to_tree()?;
        let index = self.repo.index()?;
        let staged = self
            .repo
            .diff_tree_to_index(Some(&head_tree), Some(&index), None)?;
        let started = std::time::Instant::now();
        let unstaged = self.repo.diff_index_to_workdir(Some(&index), None)?;
        tracing::debug!(
            elapsed_ms = started.elapsed().as_millis() as u64,
            "compared the working tree"
        );
        // Right after the move, HEAD is the new commit: between it and the index the only
        // differences must be the files railyard just wrote; between the index and the
        // working tree there must be none. Anything else is a person's work.
        let own = |path: &str| {
            path.strip_prefix(&self.prefix).is_some_and(|p| {
                self.owned
                    .iter()
                    .any(|o| p == o || p.starts_with(&format!("{o}/")))
            })
        };
        let path_of = |d: &git2::DiffDelta<'_>| {
            d.new_file()
                .path()
                .or_else(|| d.old_file().path())
                .and_then(|p| p.to_str())
                .map(str::to_string)
        };
        let workdir = self
            .repo
            .workdir()
            .map(Path::to_path_buf)
            .unwrap_or_default();
        // railyard's own files may differ from the index where a railyard was killed while it
        // wrote them: each holds what the branch or its parent (the commit that railyard
        // wrote) has there, and is put right below. Any other difference is a person's work.
        let head = self.repo.head()?.peel_to_commit()?;
        let parent_tree = head.parent(0).ok().map(|p| p.tree()).transpose()?;
        let railyards = |path: &str| -> bool {
            let on_disk = std::fs::read(workdir.join(path))
                .ok()
                .map(|b| git2::Oid::hash_object(git2::ObjectType::Blob, &b))
                .transpose()
                .ok()
                .flatten();
            [Some(&head_tree), parent_tree.as_ref()]
                .into_iter()
                .flatten()
                .any(|tree| {
                    let committed = tree.get_path(Path::new(path)).ok().map(|e| e.id());
                    committed == on_disk
                })
        };
        let mut repair: Vec<String> = Vec::new();
        for delta in unstaged.deltas() {
            match path_of(&delta) {
                Some(path) if own(&path) && railyards(&path) => repair.push(path),
                _ => return Ok(Worktree::Dirty),
            }
        }
        // Staged: the index is behind the branch where the last railyard stopped before it
        // wrote the index; those files get the branch's version too.
        for delta in staged.deltas() {
            match path_of(&delta) {
                Some(path) if own(&path) => repair.push(path),
                _ => return Ok(Worktree::Dirty),
            }
        }
        if self.repo.path().join("index.lock").exists() {
            // Kept, so that the next reconcile, even with nothing to commit, catches up.
            intent.keep();
            return Ok(Worktree::Locked);
        }
        // The files a killed railyard left half-updated get the branch's version, once each:
        // a file can differ both in the index and in the working tree, and two writers of
        // one path would race for its temporary file.
        repair.sort_unstable();
        repair.dedup();
        let mut changes: Vec<(String, Option<Vec<u8>>)> = changes.to_vec();
        let changed: std::collections::HashSet<String> = changes
            .iter()
            .map(|(path, _)| format!("{}{path}", self.prefix))
            .collect();
        for path in repair {
            if changed.contains(&path) {
                continue;
            }
            let bytes = match head_tree.get_path(Path::new(&path)) {
                Ok(entry) => Some(self.repo.find_blob(entry.id())?.content().to_vec()),
                Err(_) => None,
            };
            let relative = path.strip_prefix(&self.prefix).unwrap_or(&path).to_string();
            changes.push((relative, bytes));
        }
        let changes = changes.as_slice();
        // Only railyard's own files changed, and the tree is clean: write exactly those files
        // and record them in the index (a full checkout would stat every file).
        let mut index = self.repo.index()?;
        // Write the files in parallel (new files directly, existing ones through a rename so
        // that a reader never sees half a file), then record each in the index with the blob
        // id it already has in the commit: nothing is hashed or stored twice.
        use rayon::prelude::*;
        let prefix = self.prefix.as_str();
        let written: Vec<Result<Option<git2::IndexEntry>, GitError>> = changes
            .par_iter()
            .map(|(path, bytes)| {
                let relative = format!("{prefix}{path}");
                let full = workdir.join(&relative);
                let fail =
                    |e: std::io::Error| GitError::Worktree(format!("{}: {e}", full.display()));
                let Some(bytes) = bytes else {
                    return match std::fs::remove_file(&full) {
                        Ok(()) => Ok(None),
                        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
                        Err(e) => Err(fail(e)),
                    };
                };
                if let Some(parent) = full.parent() {
                    std::fs::create_dir_all(parent).map_err(fail)?;
                }
                if full.exists() {
                    let temporary = full.with_extension("railyard-tmp");
                    std::fs::write(&temporary, bytes).map_err(fail)?;
                    std::fs::rename(&temporary, &full).map_err(fail)?;
                } else {
                    std::fs::write(&full, bytes).map_err(fail)?;
                }
                let meta = std::fs::metadata(&full).map_err(fail)?;
                Ok(Some(index_entry(&relative, bytes, &meta)?))
            })
            .collect();
        for (result, (path, _)) in written.into_iter().zip(changes) {
            match result? {
                Some(entry) => index.add(&entry)?,
                None => {
                    let relative = format!("{}{path}", self.prefix);
                    if index.get_path(Path::new(&relative), 0).is_some() {
                        index.remove_path(Path::new(&relative))?;
                    }
                }
            }
        }
        match index.write() {
            Ok(()) => {}
            // Another git took the index meanwhile (or one was killed holding it): the
            // branch is right, and the next reconcile puts the working tree right.
            Err(e) if e.code() == git2::ErrorCode::Locked => {
                intent.keep();
                return Ok(Worktree::Locked);
            }
            Err(e) => return Err(e.into()),
        }
        tracing::debug!(
            elapsed_ms = started.elapsed().as_millis() as u64,
            "wrote the files and the index"
        );
        Ok(Worktree::Updated)
    }
}

/// Writes `blobs` (their bytes and ids) into the repository as one pack file of whole
/// objects (no deltas) with its index (version 2), straight into the object directory, and
/// makes the object database see it.
///
/// libgit2's pack builder searches for deltas between thousands of similar status files,
/// which cost most of a large status commit; its indexer inflates and hashes every object
/// again, on one core. Here the ids are known (hashed in parallel), the objects are
/// compressed in parallel, and the index is written from what was just written. Whole
/// objects cost a little more disk until `git gc` repacks them. Both files are written under
/// temporary names and renamed into place, the pack first: a reader sees the pack whole or
/// not at all, and an interrupted write leaves no pack behind.
fn write_blob_pack(repo: &Repository, blobs: &[(&[u8], git2::Oid)]) -> Result<(), GitError> {
    use rayon::prelude::*;
    use std::io::Write as _;
    if blobs.is_empty() {
        return Ok(());
    }
    let fail = |e: std::io::Error| GitError::Worktree(format!("writing a pack: {e}"));
    // Each entry: the type (3, blob) and size in git's variable-length header, then the
    // zlib-compressed content; with the CRC-32 the index keeps of it.
    let entries: Vec<(Vec<u8>, u32)> = blobs
        .par_iter()
        .map(|(bytes, _)| {
            let mut size = bytes.len();
            let mut header = vec![(3 << 4) | (size & 0x0f) as u8];
            size >>= 4;
            while size > 0 {
                *header.last_mut().expect("a first byte") |= 0x80;
                header.push((size & 0x7f) as u8);
                size >>= 7;
            }
            let mut z = flate2::write::ZlibEncoder::new(header, flate2::Compression::fast());
            z.write_all(bytes)?;
            let entry = z.finish()?;
            let mut crc = flate2::Crc::new();
            crc.update(&entry);
            Ok((entry, crc.sum()))
        })
        .collect::<Result<_, std::io::Error>>()
        .map_err(fail)?;
    let count = u32::try_from(entries.len())
        .map_err(|_| GitError::Worktree("too many objects for one pack".into()))?;
    let mut pack = Vec::with_capacity(32 + entries.iter().map(|(e, _)| e.len()).sum::<usize>());
    pack.extend_from_slice(b"PACK");
    pack.extend_from_slice(&2u32.to_be_bytes());
    pack.extend_from_slice(&count.to_be_bytes());
    // (id, CRC-32, offset) of each object, for the index.
    let mut objects: Vec<(git2::Oid, u32, u64)> = Vec::with_capacity(entries.len());
    for ((entry, crc), (_, id)) in entries.iter().zip(blobs) {
        objects.push((*id, *crc, pack.len() as u64));
        pack.extend_from_slice(entry);
    }
    let checksum = sha1_smol::Sha1::from(&pack).digest().bytes();
    pack.extend_from_slice(&checksum);
    let index = pack_index(&mut objects, &checksum);
    let dir = repo.commondir().join("objects").join("pack");
    let name: String = checksum.iter().map(|b| format!("{b:02x}")).collect();
    let place = |bytes: &[u8], extension: &str| -> std::io::Result<()> {
        let target = dir.join(format!("pack-{name}.{extension}"));
        if target.exists() {
            // The same objects, written before: nothing to add.
            return Ok(());
        }
        let temporary = dir.join(format!(
            "tmp_railyard_{}_{name}.{extension}",
            std::process::id()
        ));
        let written = std::fs::write(&temporary, bytes)
            .and_then(|()| {
                use std::os::unix::fs::PermissionsExt;
                std::fs::set_permissions(&temporary, std::fs::Permissions::from_mode(0o444))
            })
            .and_then(|()| std::fs::rename(&temporary, &target));
        if written.is_err() {
            let _ = std::fs::remove_file(&temporary);
        }
        written
    };
    std::fs::create_dir_all(&dir)
        .and_then(|()| place(&pack, "pack"))
        .and_then(|()| place(&index, "idx"))
        .map_err(fail)?;
    repo.odb()?.refresh()?;
    Ok(())
}

/// A pack's index, version 2: the fan-out table, the ids in order, their CRC-32s and
/// offsets (offsets past 2 GiB in a table of their own), the pack's checksum and the
/// index's own. Sorts `objects` by id.
fn pack_index(objects: &mut [(git2::Oid, u32, u64)], pack_checksum: &[u8]) -> Vec<u8> {
    objects.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    let mut index = Vec::with_capacity(1100 + objects.len() * 28);
    index.extend_from_slice(b"\xfftOc");
    index.extend_from_slice(&2u32.to_be_bytes());
    let mut fanout = [0u32; 256];
    for (id, _, _) in objects.iter() {
        fanout[usize::from(id.as_bytes()[0])] += 1;
    }
    let mut running = 0u32;
    for slot in fanout {
        running += slot;
        index.extend_from_slice(&running.to_be_bytes());
    }
    for (id, _, _) in objects.iter() {
        index.extend_from_slice(id.as_bytes());
    }
    for (_, crc, _) in objects.iter() {
        index.extend_from_slice(&crc.to_be_bytes());
    }
    let mut large: Vec<u64> = Vec::new();
    for (_, _, offset) in objects.iter() {
        let small = match u32::try_from(*offset) {
            Ok(small) if small < 0x8000_0000 => small,
            _ => {
                large.push(*offset);
                0x8000_0000 | (large.len() as u32 - 1)
            }
        };
        index.extend_from_slice(&small.to_be_bytes());
    }
    for offset in large {
        index.extend_from_slice(&offset.to_be_bytes());
    }
    index.extend_from_slice(pack_checksum);
    let own = sha1_smol::Sha1::from(&index).digest().bytes();
    index.extend_from_slice(&own);
    index
}

/// The index entry of a file just written: its stat data, and the id of its blob.
fn index_entry(
    path: &str,
    bytes: &[u8],
    meta: &std::fs::Metadata,
) -> Result<git2::IndexEntry, GitError> {
    use std::os::unix::fs::MetadataExt;
    let time = |seconds: i64, nanos: i64| git2::IndexTime::new(seconds as i32, nanos as u32);
    Ok(git2::IndexEntry {
        ctime: time(meta.ctime(), meta.ctime_nsec()),
        mtime: time(meta.mtime(), meta.mtime_nsec()),
        dev: meta.dev() as u32,
        ino: meta.ino() as u32,
        mode: 0o100644,
        uid: meta.uid(),
        gid: meta.gid(),
        file_size: meta.len() as u32,
        id: git2::Oid::hash_object(git2::ObjectType::Blob, bytes)?,
        flags: path.len().min(0xfff) as u16,
        flags_extended: 0,
        path: path.as_bytes().to_vec(),
    })
}

/// What became of the working tree after a status commit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Worktree {
    /// Checked out at the new commit.
    Updated,
    /// It had local changes: left alone.
    Dirty,
    /// Another branch is checked out.
    OtherBranch,
    /// A bare repository: no working tree.
    Bare,
    /// `.git/index.lock` exists (another git is running, or one was killed while it held
    /// the index): left alone; the next reconcile brings it up to date.
    Locked,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_committed_valid_files_text_is_read_again_from_its_blob() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let repo = Repository::init(dir.path()).expect("a repository");
        let turnover = "apiVersion: railyard/v1\nkind: Turnover\nmetadata:\n  name: t1\nspec:\n  environment: nowhere\n  releases: [web]\n";
        let broken = "kind: [unclosed\n";
        let tree = test_trees::tree_of(
            &repo,
            [
                ("t1.yaml".to_string(), turnover.to_string()),
                ("broken.yaml".to_string(), broken.to_string()),
            ],
        );
        let tree = repo.find_tree(tree).expect("a tree");
        let who =
            git2::Signature::new("Ann", "ann@example.com", &git2::Time::new(1_700_000_000, 0))
                .expect("a signature");
        repo.commit(Some("HEAD"), &who, &who, "files", &tree, &[])
            .expect("a commit");
        let git = GitRepo::discover(dir.path()).expect("discovered");
        let (loaded, _) = git.read_tree("HEAD").expect("read");
        let source = |path: &str| {
            loaded
                .sources
                .iter()
                .find(|s| s.path == path)
                .expect("a source")
        };
        // Both texts are had: the broken file's held, the valid one's read again.
        assert!(!source("t1.yaml").is_held());
        assert!(source("broken.yaml").is_held());
        assert_eq!(source("t1.yaml").text().as_deref(), Some(turnover));
        assert_eq!(source("broken.yaml").text().as_deref(), Some(broken));
        let document = loaded
            .documents
            .iter()
            .find(|d| d.path == "t1.yaml")
            .expect("the turnover");
        let environment = document
            .root()
            .entry("spec")
            .and_then(|spec| spec.value.entry("environment"))
            .expect("its environment, read again");
        assert_eq!(
            (
                environment.value.span.start.line,
                environment.value.span.start.column
            ),
            (6, 16)
        );
    }

    #[test]
    fn a_pack_index_sorts_ids_fans_out_and_keeps_far_offsets_in_their_own_table() {
        let id = |first: u8| git2::Oid::from_bytes(&[first; 20]).expect("an id");
        let far = 5 * (1u64 << 30);
        let mut objects = vec![(id(0xb0), 2, far), (id(0x10), 1, 12), (id(0xb0 + 1), 3, 40)];
        let index = pack_index(&mut objects, &[7; 20]);
        let word = |at: usize| u32::from_be_bytes(index[at..at + 4].try_into().expect("4 bytes"));
        assert_eq!(&index[..8], b"\xfftOc\0\0\0\x02");
        let fanout = |byte: usize| word(8 + 4 * byte);
        assert_eq!(
            (fanout(0x0f), fanout(0x10), fanout(0xb0), fanout(0xff)),
            (0, 1, 2, 3)
        );
        let names = 8 + 256 * 4;
        assert_eq!(&index[names..names + 20], &[0x10; 20], "sorted by id");
        let crcs = names + 3 * 20;
        assert_eq!((word(crcs), word(crcs + 4), word(crcs + 8)), (1, 2, 3));
        let offsets = crcs + 3 * 4;
        assert_eq!(word(offsets), 12);
        assert_eq!(word(offsets + 4), 0x8000_0000, "the first far offset");
        assert_eq!(word(offsets + 8), 40);
        let large = offsets + 3 * 4;
        assert_eq!(
            u64::from_be_bytes(index[large..large + 8].try_into().expect("8 bytes")),
            far
        );
        assert_eq!(
            &index[large + 8..large + 28],
            &[7; 20],
            "the pack's checksum"
        );
        assert_eq!(index.len(), large + 8 + 40, "and the index's own");
    }
}

#[cfg(test)]
mod tree_read_tests {
    //! A watcher's tree read, which reads only what changed since the last round, must give
    //! what reading the whole tree gives.

    use super::*;
    use proptest::prelude::*;

    fn team(name: &str, description: &str) -> String {
        format!(
            "apiVersion: railyard/v1\nkind: Team\nmetadata:\n  name: {name}\nspec:\n  description: {description}\n  members:\n    - id: sol\n      name: Sol Reyes\n"
        )
    }

    /// What one path of the repository may hold: valid manifests, broken ones, documents
    /// judged across files (a `Config` outside `railyard.yaml`), railyard's own files and
    /// files it does not read.
    fn contents() -> Vec<(&'static str, String)> {
        vec![
            ("teams/a.yaml", team("a", "one")),
            ("teams/a.yaml", team("a", "two")),
            ("teams/b.yaml", team("b", "one")),
            ("teams/b.yaml", format!("{}---\n{}", team("b", "x"), team("c", "y"))),
            ("teams/c.yaml", "kind: [unclosed\n".to_string()),
            ("teams/c.yaml", "kind: Team\nmetadata: {}\n".to_string()),
            ("teams/d.yaml", "".to_string()),
            ("teams/d.yaml", team("a", "duplicate")),
            ("teams/e.yaml", "apiVersion: railyard/v1\nkind: Config\nmetadata:\n  name: x\nspec: {}\n".to_string()),
            ("teams/sub/f.yaml", team("f", "deep")),
            ("teams-g.yaml", team("g", "beside the folder")),
            ("status/Team/a.yaml", "phase: Active\n".to_string()),
            ("status/Team/b.yaml", "phase: Retired\n".to_string()),
            ("STATUS.md", "# Status\n".to_string()),
            (".github/x.yaml", team("h", "hidden")),
            ("notes.txt", "not a manifest".to_string()),
            ("railyard.yaml", "apiVersion: railyard/v1\nkind: Config\nmetadata:\n  name: acme\nspec:\n  statusDir: state\n".to_string()),
            ("railyard.yaml", "apiVersion: railyard/v1\nkind: Config\nmetadata:\n  name: acme\nspec: {}\n".to_string()),
            ("state/Team/a.yaml", "phase: Active\n".to_string()),
        ]
    }

    /// Commits `files` under `prefix` (plus a file outside it) on top of `parent`.
    fn commit(
        repo: &Repository,
        prefix: &str,
        files: &BTreeMap<&'static str, String>,
        parent: Option<git2::Oid>,
    ) -> git2::Oid {
        let outside = [("outside.yaml".to_string(), team("z", "outside"))];
        let inside = files
            .iter()
            .map(|(p, c)| (format!("{prefix}{p}"), c.clone()));
        let tree = super::test_trees::tree_of(repo, inside.chain(outside));
        super::test_trees::commit_tree(repo, None, tree, "Ann", parent)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]

        #[test]
        fn reading_what_changed_gives_what_reading_everything_gives(
            nested in any::<bool>(),
            steps in prop::collection::vec(
                prop::collection::vec((0..19usize, any::<bool>()), 1..4),
                1..8,
            ),
        ) {
            let dir = tempfile::tempdir().expect("a temporary directory");
            let repository = Repository::init(dir.path()).expect("a repository");
            let prefix = if nested { "acme/" } else { "" };
            std::fs::create_dir_all(dir.path().join("acme")).expect("a folder");
            let git = GitRepo::discover(&dir.path().join(prefix)).expect("discovered");
            prop_assert_eq!(git.prefix(), prefix);
            let palette = contents();
            let mut files: BTreeMap<&'static str, String> = BTreeMap::new();
            files.insert("teams/a.yaml", team("a", "one"));
            let mut tip = commit(&repository, prefix, &files, None);
            let mut cache = TreeCache::default();
            git.read_tree_cached(&tip.to_string(), Some(&mut cache)).expect("read");
            for step in steps {
                for (pick, remove) in step {
                    let (path, content) = &palette[pick];
                    if remove {
                        files.remove(path);
                    } else {
                        files.insert(path, content.clone());
                    }
                }
                tip = commit(&repository, prefix, &files, Some(tip));
                let (loaded, own) = git
                    .read_tree_cached(&tip.to_string(), Some(&mut cache))
                    .expect("read with the cache");
                let (whole, whole_own) = git.read_tree(&tip.to_string()).expect("read");
                // The same, but for the cell a cached document has for the view of its spec.
                let mut cached = (*loaded).clone();
                cached.documents.iter_mut().for_each(|d| d.view = None);
                prop_assert_eq!(format!("{cached:?}"), format!("{whole:?}"));
                prop_assert_eq!(&*own, &whole_own);
                // The same tree again reads nothing.
                git.read_tree_cached(&tip.to_string(), Some(&mut cache)).expect("read");
                prop_assert_eq!(cache.parse.parsed, 0);
            }
        }
    }
}

/// What a merge brings in from its other parents (see [`GitRepo::merged_in`]).
#[derive(Default)]
struct Merged<'r> {
    /// The other parents' release trees.
    trees: Vec<git2::Tree<'r>>,
    /// Path → the side commit that added the file, and the one that changed it last.
    added: std::collections::HashMap<String, Commit>,
    changed: std::collections::HashMap<String, Commit>,
}

impl Merged<'_> {
    /// True when the merge's `blob` at `path` is what one of its other parents has there.
    fn brought_in(&self, path: &str, blob: Option<git2::Oid>) -> bool {
        self.trees.iter().any(|tree| blob_at(tree, path) == blob)
    }
}

/// A commit as the facts name it.
/// Whether `changes` touch nothing but railyard's own paths (`own`: the status dir, then the
/// pages: the summary and the calendar), as railyard's own commits do.
fn own_only(changes: &[changes::Change], own: &[String]) -> bool {
    let Some((dir, pages)) = own.split_first() else {
        return false;
    };
    !changes.is_empty()
        && changes.iter().all(|change| {
            pages.contains(&change.path)
                || change
                    .path
                    .strip_prefix(dir.as_str())
                    .is_some_and(|rest| rest.starts_with('/'))
        })
}

fn commit_fact(repo: &git2::Repository, commit: &git2::Commit<'_>, own_only: bool) -> Commit {
    // Only a signed commit is read again, for the exact bytes its signature covers.
    let signature = commit
        .header_field_bytes("gpgsig")
        .ok()
        .and_then(|_| repo.extract_signature(&commit.id(), None).ok())
        .map(|(armored, payload)| {
            std::sync::Arc::new(crate::trust::Signature::new(
                armored.to_vec(),
                payload.to_vec(),
            ))
        });
    Commit::new(crate::trust::facts::CommitInfo {
        id: commit.id().to_string(),
        author_name: commit.author().name().unwrap_or_default().to_string(),
        author_email: commit.author().email().unwrap_or_default().to_string(),
        time: jiff::Timestamp::from_second(commit.time().seconds())
            .unwrap_or(jiff::Timestamp::UNIX_EPOCH),
        merge: commit.parent_count() > 1,
        own_only,
        signature,
    })
}

/// The blob at `path` in `tree`, if any.
fn blob_at(tree: &git2::Tree<'_>, path: &str) -> Option<git2::Oid> {
    tree.get_path(Path::new(path)).ok().map(|entry| entry.id())
}
