//! `Config` (railyard.yaml): where manifests are, where status goes, the branch and the bot.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::values::{Duration, Name};

/// The repository's settings. Lives in `railyard.yaml` at the root; every field has a default.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ConfigSpec {
    /// Globs (relative to the root) of the files that hold manifests. Default: every
    /// `*.yaml`/`*.yml` outside the status dir and `.github/`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manifests: Option<Vec<String>>,
    /// Where railyard writes `status/<Kind>/<name>.yaml`. Default `status`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_dir: Option<String>,
    /// The dashboard file railyard writes. Default `STATUS.md`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// The branch whose commits railyard reconciles. Default `main`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub branch: Option<String>,
    /// The identity of railyard's own commits. Default `railyard[bot]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bot: Option<Bot>,
    /// Maps the built-in workflows' role names (`release-managers`, `release-engineers`,
    /// `executives`, `release-approvers`) to this repository's team names.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub roles: BTreeMap<String, Name>,
    /// Bounds on what railyard reads.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limits: Option<Limits>,
    /// How `reconcile --execute` runs automated tasks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub execute: Option<Execute>,
    /// Where notifications go.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notify: Vec<NotifySink>,
    /// The repository's web address, for links in notifications.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repository_url: Option<String>,
    /// What proves who made a commit: author emails alone, or signatures too.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trust: Option<Trust>,
    /// The IANA time zone (e.g. `Europe/Berlin`) of every environment that names none:
    /// the dates and times of day of their freezes and deployment windows are local to it.
    /// Default `UTC`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timezone: Option<String>,
    /// The release calendar railyard writes and commits beside the summary, as iCalendar
    /// (e.g. `calendar.ics`), for calendar apps to subscribe to at its raw URL. Only
    /// railyard writes it, like the status. Default: none is written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub calendar: Option<String>,
}

/// How far railyard trusts a commit's author (README, "Trust").
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Trust {
    /// `off` (default): a record is its commit author's, by email. `verify`: the same, and
    /// the plan says whether each counted record was signed by that member. `require`: a
    /// record counts only when the commit that introduced it is signed by a key of the
    /// member it names (or by a forge key on that member's behalf), and a status file is
    /// trusted only when signed by the bot.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signatures: Option<SignatureMode>,
    /// Public keys of a forge that signs commits on its users' behalf (GitHub signs web
    /// merges and squashes with its own key): a commit signed by one of them is its
    /// author's. OpenSSH public keys or OpenPGP key blocks (GitHub's is OpenPGP), committed
    /// here, never fetched.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub forge_keys: Vec<String>,
    /// Public keys that never prove anything again, whoever lists them (a lost laptop), as
    /// git's `gpg.ssh.revocationFile` has them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub revoked_keys: Vec<String>,
}

/// `trust.signatures`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum SignatureMode {
    #[default]
    Off,
    Verify,
    Require,
}

/// A git identity.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Bot {
    /// The author name of railyard's commits.
    pub name: String,
    /// The author email of railyard's commits (how railyard knows its own commits).
    pub email: String,
    /// The public keys railyard's commits are signed with (`RAILYARD_SIGNING_KEY` holds the
    /// private one). With `trust.signatures` on, a status file is trusted only when the
    /// commit that last changed it is signed by one of them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub signing_keys: Vec<String>,
}

/// Bounds on input, so that a hostile repository cannot exhaust memory or time.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Limits {
    /// Largest manifest file read, in bytes. Default 1 MiB, at most 16 MiB.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1, max = 16777216))]
    pub max_file_bytes: Option<u64>,
    /// Deepest nesting of mappings and sequences. Default 64, at most 255.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 4, max = 255))]
    pub max_depth: Option<u32>,
    /// Most nodes that YAML aliases may copy in one file. Default 10000, at most 100000;
    /// never more than the file has bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(max = 100000))]
    pub max_alias_nodes: Option<u32>,
}

/// Settings of `reconcile --execute`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Execute {
    /// How many automated tasks may run at once (`--jobs` overrides). Default 4.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1, max = 256))]
    pub jobs: Option<u32>,
    /// The timeout of a task that sets none. Default 30m.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<Duration>,
}

/// One destination of notifications.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct NotifySink {
    /// The sink's name, unique in the config (outbox entries name it).
    pub name: String,
    /// Which notifications this sink receives; all when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filter: Option<NotifyFilter>,
    /// POST each notification as JSON to a URL (Slack, Teams or any receiver).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub webhook: Option<Webhook>,
    /// Mail each notification over SMTP.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<Email>,
}

/// Narrows the notifications a sink receives; every list given must match.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct NotifyFilter {
    /// Only these events (`phase-entered`, `deadline-missed`, `approval-needed`, `task-waiting`, `status-tampered`); all when empty.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub events: Vec<String>,
    /// Only objects of these kinds; all when empty.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub kinds: Vec<String>,
    /// Only objects with every one of these labels.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
}

/// An HTTP POST of the notification as JSON.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Webhook {
    /// The URL; prefer `urlFrom` for URLs that carry a secret.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// The environment variable that holds the URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url_from: Option<String>,
    /// Extra headers; a value `env:NAME` is read from the environment.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, String>,
    /// How long one request may take. Default 10s.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<Duration>,
}

/// Mail through an SMTP server.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Email {
    /// The SMTP server's host name (also the name its certificate must carry).
    pub host: String,
    /// The SMTP port; by default 587 for `starttls`, 465 for `tls`, 25 for `none`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<u16>,
    /// `starttls` (default, port 587), `tls` (port 465) or `none` (port 25; a local relay).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub security: Option<SmtpSecurity>,
    /// The sender, as a mailbox (`railyard <railyard@example.com>`).
    pub from: String,
    /// Environment variables holding the SMTP user name and password.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username_from: Option<String>,
    /// The environment variable holding the SMTP password.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password_from: Option<String>,
    /// A PEM file of certificate authorities to trust for `starttls` and `tls`, besides the
    /// Mozilla roots built into railyard (a company's private CA). Relative to the
    /// repository's root, or absolute; read when a mail is sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca_file: Option<String>,
}

/// How the SMTP connection is secured.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum SmtpSecurity {
    Starttls,
    Tls,
    /// No encryption: only for a relay on the same host or network (port 25 by default).
    None,
}
