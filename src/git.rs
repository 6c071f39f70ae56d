//! Git at the edge: the facts that trust needs (who added each file, who changed it last)
//! and the files of a committed tree, for `--rev`. The repository may be a checkout whose
//! release repository is a sub-folder (`examples/acme` inside this one): paths are read
//! relative to that folder.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use git2::{Delta, DiffOptions, Repository, Sort, TreeWalkMode, TreeWalkResult};

use crate::facts::{Commit, Facts};
use crate::load::{self, CONFIG_FILE, Content, RawFile};

/// Why git could not answer.
#[derive(Debug, thiserror::Error)]
pub enum GitError {
    #[error("{path} is not inside a git repository")]
    NotARepository { path: PathBuf },
    #[error("the repository has no commits yet")]
    NoCommits,
    #[error("`{rev}` names no commit: {message}")]
    BadRevision { rev: String, message: String },
    #[error("git: {0}")]
    Git(#[from] git2::Error),
}

/// A release repository inside a git repository.
pub struct GitRepo {
    repo: Repository,
    /// The release repository's folder relative to the git work tree (`""` at the top),
    /// with a trailing `/` when not empty.
    prefix: String,
}

impl GitRepo {
    /// The git repository that holds `root`, if any.
    pub fn discover(root: &Path) -> Result<GitRepo, GitError> {
        let not_a_repo = || GitError::NotARepository {
            path: root.to_path_buf(),
        };
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
        Ok(GitRepo { repo, prefix })
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

    /// The id of the commit `rev` names.
    pub fn revision(&self, rev: Option<&str>) -> Result<String, GitError> {
        Ok(self.commit(rev)?.id().to_string())
    }

    /// Who added each file and who changed it last, from the history of `rev` (HEAD by
    /// default). Merges are read against their first parent. A repository with no commits
    /// has verified, empty facts: nothing in it is committed.
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
        let mut walk = self.repo.revwalk()?;
        walk.push(tip.id())?;
        walk.simplify_first_parent()?;
        walk.set_sorting(Sort::TOPOLOGICAL | Sort::REVERSE)?;
        for oid in walk {
            let commit = self.repo.find_commit(oid?)?;
            let tree = commit.tree()?;
            let parent = commit.parents().next().map(|p| p.tree()).transpose()?;
            let mut options = DiffOptions::new();
            if !self.prefix.is_empty() {
                options.pathspec(&self.prefix);
            }
            let diff =
                self.repo
                    .diff_tree_to_tree(parent.as_ref(), Some(&tree), Some(&mut options))?;
            let fact = Commit {
                author_email: commit.author().email().unwrap_or_default().to_string(),
                time: jiff::Timestamp::from_second(commit.time().seconds())
                    .unwrap_or(jiff::Timestamp::UNIX_EPOCH),
            };
            for delta in diff.deltas() {
                let Some(path) = delta.new_file().path().and_then(|p| p.to_str()) else {
                    continue;
                };
                let Some(relative) = path.strip_prefix(&self.prefix) else {
                    continue;
                };
                match delta.status() {
                    Delta::Added => {
                        facts.added.insert(relative.to_string(), fact.clone());
                        facts.changed.insert(relative.to_string(), fact.clone());
                    }
                    Delta::Deleted => {
                        facts.added.remove(relative);
                        facts.changed.remove(relative);
                    }
                    _ => {
                        facts.changed.insert(relative.to_string(), fact.clone());
                    }
                }
            }
        }
        Ok(facts)
    }

    /// The files of the release repository as committed at `rev`, read from the tree (no
    /// checkout; bare repositories work): the config first, then the manifests, then the
    /// status files (by path, as they are).
    pub fn read_tree(
        &self,
        rev: &str,
    ) -> Result<(load::Loaded, BTreeMap<String, Vec<u8>>), GitError> {
        let commit = self.commit(Some(rev))?;
        let tree = commit.tree()?;
        let mut blobs: Vec<(String, git2::Oid)> = Vec::new();
        tree.walk(TreeWalkMode::PreOrder, |dir, entry| {
            if entry.kind() == Some(git2::ObjectType::Blob) {
                let path = format!("{dir}{}", entry.name().unwrap_or_default());
                if let Some(relative) = path.strip_prefix(&self.prefix) {
                    blobs.push((relative.to_string(), entry.id()));
                }
            }
            TreeWalkResult::Ok
        })?;
        blobs.sort();
        let read = |oid: git2::Oid, max: u64| -> Content {
            match self.repo.find_blob(oid) {
                Ok(blob) if blob.size() as u64 > max => Content::TooLarge {
                    size: blob.size() as u64,
                },
                Ok(blob) => Content::Bytes(blob.content().to_vec()),
                Err(e) => Content::Unreadable(e.message().to_string()),
            }
        };
        let default_max = load::Settings::default().max_file_bytes;
        let config = blobs
            .iter()
            .find(|(p, _)| p == CONFIG_FILE)
            .map(|(p, oid)| RawFile {
                path: p.clone(),
                content: read(*oid, default_max),
            });
        let (settings, config_result) = load::settings_from(config.as_ref());
        let selection = load::Selection::new(&settings);
        let hidden = |p: &str| p.split('/').any(|part| part.starts_with('.'));
        let files: Vec<RawFile> = blobs
            .iter()
            .filter(|(p, _)| p != CONFIG_FILE && !hidden(p) && selection.is_manifest(p))
            .map(|(p, oid)| RawFile {
                path: p.clone(),
                content: read(*oid, settings.max_file_bytes),
            })
            .collect();
        let status_prefix = format!("{}/", settings.status_dir.trim_end_matches('/'));
        let status: BTreeMap<String, Vec<u8>> = blobs
            .iter()
            .filter(|(p, _)| p.starts_with(&status_prefix))
            .filter_map(|(p, oid)| match read(*oid, settings.max_file_bytes) {
                Content::Bytes(bytes) => Some((p.clone(), bytes)),
                _ => None,
            })
            .collect();
        Ok((load::parse_files(settings, config_result, files), status))
    }
}
