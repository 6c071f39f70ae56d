//! The repository's settings (`railyard.yaml`'s `Config`, with defaults and ceilings) and
//! which files are manifests.

use globset::{Glob, GlobSet, GlobSetBuilder};

use super::Document;
use crate::diagnostics::{Code, Diagnostic};
use crate::manifest::{Bot, ConfigSpec};
use crate::yaml::{self};

/// The effective settings of a repository: its `Config` with every default filled in.
#[derive(Clone, Debug, PartialEq)]
pub struct Settings {
    pub manifests: Vec<String>,
    pub status_dir: String,
    pub summary: String,
    pub branch: String,
    pub bot: Bot,
    /// Role name → team name, from `Config.spec.roles`.
    pub roles: std::collections::BTreeMap<String, String>,
    pub max_file_bytes: u64,
    pub yaml: yaml::Limits,
    /// `reconcile --execute`: tasks at once (`--jobs` overrides).
    pub jobs: usize,
    /// `reconcile --execute`: the timeout of a task that sets none.
    pub task_timeout: std::time::Duration,
    /// Where the repository is browsed (`Config.repositoryUrl`), for links in notifications.
    pub repository_url: Option<String>,
    /// Where notifications go (`Config.notify`).
    pub notify: Vec<crate::manifest::NotifySink>,
    /// `Config.trust`: what proves a commit's author.
    pub trust: crate::manifest::Trust,
    /// `Config.spec.timezone`, as written (checked by the checks, resolved by [`crate::time`]).
    pub timezone: Option<String>,
    /// `Config.spec.calendar`: the iCalendar file railyard writes beside the summary.
    pub calendar: Option<String>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings::from_spec(&ConfigSpec::default())
    }
}

impl Settings {
    /// The team that holds `role`: the mapping in `Config.spec.roles`, or the team of that
    /// name.
    pub fn team_for_role<'a>(&'a self, role: &'a str) -> &'a str {
        self.roles.get(role).map_or(role, String::as_str)
    }

    /// Fills the defaults of SPEC §2 into a `Config` spec, each limit held to [`CEILING`].
    pub fn from_spec(spec: &ConfigSpec) -> Settings {
        let limits = spec.limits.clone().unwrap_or_default();
        let defaults = yaml::Limits::default();
        let execute = spec.execute.clone().unwrap_or_default();
        Settings {
            manifests: spec
                .manifests
                .clone()
                .unwrap_or_else(|| vec!["**/*.yaml".into(), "**/*.yml".into()]),
            status_dir: spec.status_dir.clone().unwrap_or_else(|| "status".into()),
            summary: spec.summary.clone().unwrap_or_else(|| "STATUS.md".into()),
            branch: spec.branch.clone().unwrap_or_else(|| "main".into()),
            bot: spec.bot.clone().unwrap_or_else(|| Bot {
                name: "railyard[bot]".into(),
                email: "railyard[bot]@users.noreply.github.com".into(),
                signing_keys: Vec::new(),
            }),
            roles: spec
                .roles
                .iter()
                .map(|(role, team)| (role.clone(), team.to_string()))
                .collect(),
            // The schema refuses a limit past its ceiling; clamped here too, so that no way
            // of reading a Config raises one.
            max_file_bytes: limits
                .max_file_bytes
                .unwrap_or(1024 * 1024)
                .min(CEILING.max_file_bytes),
            yaml: yaml::Limits {
                max_depth: limits
                    .max_depth
                    .map_or(defaults.max_depth, |d| d as usize)
                    .min(CEILING.yaml.max_depth),
                max_alias_nodes: limits
                    .max_alias_nodes
                    .map_or(defaults.max_alias_nodes, |n| n as usize)
                    .min(CEILING.yaml.max_alias_nodes),
            },
            jobs: execute.jobs.map_or(4, |j| j.max(1) as usize),
            task_timeout: std::time::Duration::from_secs(
                execute.timeout.map_or(30 * 60, |t| t.seconds.max(1)),
            ),
            repository_url: spec.repository_url.clone(),
            notify: spec.notify.clone(),
            trust: spec.trust.clone().unwrap_or_default(),
            timezone: spec.timezone.clone(),
            calendar: spec.calendar.clone(),
        }
    }

    /// railyard's own files outside the status dir: the summary, and the calendar when one
    /// is asked for.
    pub fn pages(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.summary.as_str()).chain(self.calendar.as_deref())
    }

    /// True when `path` is one of [`Settings::pages`].
    pub fn is_page(&self, path: &str) -> bool {
        self.pages().any(|page| page == path)
    }

    /// Every own path, the status dir (without its `/`) first, then the pages.
    pub fn owned_paths(&self) -> Vec<String> {
        std::iter::once(self.status_dir.trim_end_matches('/'))
            .chain(self.pages())
            .map(str::to_string)
            .collect()
    }
}

/// The most that `limits` in railyard.yaml may raise each bound to (README "Limits"):
/// together they keep a reconcile's memory a small multiple of the repository's size.
pub struct Ceiling {
    pub max_file_bytes: u64,
    pub yaml: yaml::Limits,
}

pub const CEILING: Ceiling = Ceiling {
    max_file_bytes: 16 * 1024 * 1024,
    yaml: yaml::Limits {
        max_depth: 255,
        max_alias_nodes: 100_000,
    },
};

/// Which paths hold manifests: the `manifests` globs, minus railyard's own output and
/// `.github/`.
pub struct Selection {
    pub(super) globs: GlobSet,
    pub(super) status_prefix: String,
    pub(super) pages: Vec<String>,
}

impl Selection {
    pub fn new(settings: &Settings) -> Selection {
        let mut builder = GlobSetBuilder::new();
        for pattern in &settings.manifests {
            if let Ok(glob) = globset::GlobBuilder::new(pattern)
                .literal_separator(true)
                .build()
            {
                builder.add(glob);
            }
        }
        Selection {
            globs: builder.build().unwrap_or_else(|_| GlobSet::empty()),
            status_prefix: format!("{}/", settings.status_dir.trim_end_matches('/')),
            pages: settings.pages().map(str::to_string).collect(),
        }
    }

    /// True for railyard's own files and folders (the status folder and the summary).
    pub fn is_owned(&self, path: &str) -> bool {
        self.pages.iter().any(|page| page == path)
            || path.starts_with(&self.status_prefix)
            || format!("{path}/") == self.status_prefix
    }

    /// True when the file at `path` (relative, `/`-separated) is a manifest file, or an
    /// iCalendar file (`.ics`) that freezes may name.
    pub fn is_manifest(&self, path: &str) -> bool {
        !path.starts_with(&self.status_prefix)
            && !self.pages.iter().any(|page| page == path)
            && !path.starts_with(".github/")
            && (self.globs.is_match(path) || super::calendars::is_calendar(path))
    }
}

/// `statusDir` and `summary` must stay inside the repository; globs must parse.
pub(super) fn check_settings(settings: &Settings, document: &Document, out: &mut Vec<Diagnostic>) {
    let calendar = settings.calendar.iter().map(|c| ("calendar", c));
    for (field, value) in [
        ("statusDir", &settings.status_dir),
        ("summary", &settings.summary),
    ]
    .into_iter()
    .chain(calendar)
    {
        let escapes = value.is_empty()
            || value.starts_with('/')
            || value.contains('\\')
            || value
                .split('/')
                .any(|part| part == ".." || part == "." || part.is_empty())
            || value.starts_with(".git/")
            || value == ".git";
        if escapes {
            let span = document.root().locate(&format!("/spec/{field}")).node.span;
            out.push(
                Diagnostic::error(
                    Code::InvalidPath,
                    &document.path,
                    Some(span),
                    format!("`spec.{field}` must be a relative path inside the repository, found `{value}`"),
                )
                .with_label("leaves the repository or is not a plain relative path")
                .with_hint("use a path such as `status` or `STATUS.md`, without `..`, `.` or a leading `/`"),
            );
        }
    }
    for (index, pattern) in settings.manifests.iter().enumerate() {
        let problem = match Glob::new(pattern) {
            Err(error) => Some(error.kind().to_string()),
            Ok(_) if pattern.starts_with('/') || pattern.split('/').any(|p| p == "..") => {
                Some("a glob is relative to the repository root".to_string())
            }
            Ok(_) => None,
        };
        if let Some(problem) = problem {
            let span = document
                .root()
                .locate(&format!("/spec/manifests/{index}"))
                .node
                .span;
            out.push(
                Diagnostic::error(
                    Code::InvalidPath,
                    &document.path,
                    Some(span),
                    format!("bad glob `{pattern}`: {problem}"),
                )
                .with_label("not a usable glob"),
            );
        }
    }
}
