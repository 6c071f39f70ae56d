//! Delivering notifications to sinks, at least once and never twice once recorded.
//!
//! A reconcile that commits puts each new message in the outbox of its object's status, for
//! every sink whose filter takes it ([`enqueue`], pure). Only after that status commit landed
//! does railyard POST the owed messages ([`deliver`]; the message id goes along as the
//! `Idempotency-Key` header; a few tries with backoff within the run), and a second commit
//! records the results ([`Delivered::apply`]): a sink that took the message leaves the
//! outbox, one that failed keeps it with the error and is tried again by the next reconcile,
//! up to [`MAX_ATTEMPTS`] runs. A dry-run only lists. Email sinks get the same messages as
//! plain-text mail to the recipients' first addresses, over SMTP.

use std::collections::BTreeMap;
use std::time::Duration;

use crate::catalog::Catalog;
use crate::engine::ObjectPlan;
use crate::manifest::{Kind, NotifySink};
use crate::notify::Message;
use crate::status::StatusMap;
use crate::status::{Outgoing, Pending};

/// Delivery runs after which a sink is no longer tried (the entry stays, as undelivered).
pub const MAX_ATTEMPTS: u32 = 10;
/// Tries within one run, and the pause before each retry.
const BACKOFF: [Duration; 2] = [Duration::from_millis(200), Duration::from_millis(800)];

/// True when one of `sinks` can receive something (a webhook or an email address).
pub fn delivers(sinks: &[NotifySink]) -> bool {
    sinks
        .iter()
        .any(|s| s.webhook.is_some() || s.email.is_some())
}

/// Puts each message into its object's outbox for the sinks that take it; a message already
/// there is not added again. Returns a warning per sink that can receive nothing.
pub fn enqueue(
    catalog: &Catalog<'_>,
    plans: &mut [std::sync::Arc<ObjectPlan>],
    messages: &[Message],
    sinks: &[NotifySink],
) -> Vec<String> {
    let mut warnings = Vec::new();
    for sink in sinks
        .iter()
        .filter(|s| s.webhook.is_none() && s.email.is_none())
    {
        warnings.push(format!(
            "notify sink `{}` has neither `webhook` nor `email`: it receives nothing",
            sink.name
        ));
    }
    let deliverable: Vec<&NotifySink> = sinks
        .iter()
        .filter(|s| s.webhook.is_some() || s.email.is_some())
        .collect();
    if deliverable.is_empty() || messages.is_empty() {
        return warnings;
    }
    // Thousands of plans and messages: each message finds its plan by (kind, name).
    let index: std::collections::HashMap<(String, String), usize> = plans
        .iter()
        .enumerate()
        .map(|(i, p)| ((p.kind.to_string(), p.name.clone()), i))
        .collect();
    for message in messages {
        let key = (message.subject.kind.clone(), message.subject.name.clone());
        let Some(plan) = index.get(&key).map(|&i| &mut plans[i]) else {
            continue;
        };
        let labels = catalog
            .document(plan.kind, &plan.name)
            .and_then(|d| d.object.as_ref())
            .map(|o| o.metadata().labels.clone())
            .unwrap_or_default();
        let wanted: BTreeMap<String, Pending> = deliverable
            .iter()
            .filter(|s| crate::notify::accepts(s.filter.as_ref(), message, &labels))
            .map(|s| (s.name.clone(), Pending::default()))
            .collect();
        if wanted.is_empty() || plan.status.outbox.iter().any(|o| o.id == message.id) {
            continue;
        }
        // A plan the engine's memo shares is copied before it changes.
        std::sync::Arc::make_mut(plan).status.outbox.push(Outgoing {
            id: message.id.clone(),
            sinks: wanted,
            message: serde_json::to_value(message).unwrap_or_default(),
        });
    }
    warnings
}

/// The owed deliveries of committed plans: (kind, name, entry).
pub fn owed(plans: &[std::sync::Arc<ObjectPlan>]) -> Vec<(Kind, String, Outgoing)> {
    plans
        .iter()
        .flat_map(|p| {
            p.status
                .outbox
                .iter()
                .filter(|o| o.sinks.values().any(|s| s.attempts < MAX_ATTEMPTS))
                .map(move |o| (p.kind, p.name.clone(), o.clone()))
        })
        .collect()
}

/// (message id, sink) → `None` when the sink took it, else the error.
type Results = BTreeMap<(String, String), Option<String>>;

/// The results of a delivery run, to lay over the previous status.
#[derive(Clone, Debug, Default)]
pub struct Delivered {
    /// By object: (kind, name).
    results: BTreeMap<(Kind, String), Results>,
    /// Sinks not tried because their configuration is incomplete here (a variable not set):
    /// not recorded, so that no commit is made for them and they go out once it is set.
    skipped: Vec<String>,
}

impl Delivered {
    pub fn sent(&self) -> usize {
        self.results
            .values()
            .flat_map(|r| r.values())
            .filter(|e| e.is_none())
            .count()
    }

    pub fn failed(&self) -> Vec<String> {
        self.results
            .values()
            .flat_map(|r| r.iter())
            .filter_map(|((id, sink), e)| e.as_ref().map(|e| format!("{id} to `{sink}`: {e}")))
            .chain(self.skipped.iter().cloned())
            .collect()
    }

    pub fn is_empty(&self) -> bool {
        self.results.is_empty()
    }

    /// The previous status with these results in its outboxes.
    pub fn apply(&self, previous: &mut StatusMap) {
        for (key, results) in &self.results {
            let Some(status) = previous.get_mut(key) else {
                continue;
            };
            let status = std::sync::Arc::make_mut(status);
            for entry in &mut status.outbox {
                for ((id, sink), error) in results {
                    if *id != entry.id {
                        continue;
                    }
                    match error {
                        None => {
                            entry.sinks.remove(sink);
                        }
                        Some(error) => {
                            if let Some(pending) = entry.sinks.get_mut(sink) {
                                pending.attempts += 1;
                                pending.error = Some(error.clone());
                            }
                        }
                    }
                }
            }
            status.outbox.retain(|o| !o.sinks.is_empty());
        }
    }
}

/// POSTs every owed message to its sinks. Never fails as a whole: each failure is a result
/// (the CLI prints each once; the log has it at debug). `root` is the repository's work
/// tree, which relative paths of the configuration (`caFile`) start from.
pub fn deliver(
    root: &std::path::Path,
    sinks: &[NotifySink],
    owed: &[(Kind, String, Outgoing)],
) -> Delivered {
    let mut delivered = Delivered::default();
    for (kind, name, entry) in owed {
        for (sink_name, pending) in &entry.sinks {
            if pending.attempts >= MAX_ATTEMPTS {
                continue;
            }
            let result = match sinks.iter().find(|s| &s.name == sink_name) {
                // A sink removed from the config owes nothing any more.
                None => None,
                Some(sink) => match send(root, sink, &entry.id, &entry.message) {
                    Ok(()) => None,
                    Err(Failure::Delivery(error)) => Some(error),
                    Err(Failure::Config(error)) => {
                        tracing::debug!(sink = %sink_name, id = %entry.id, "notification not sent: {error}");
                        delivered
                            .skipped
                            .push(format!("{} to `{sink_name}`: {error}", entry.id));
                        continue;
                    }
                },
            };
            if let Some(error) = &result {
                tracing::debug!(sink = %sink_name, id = %entry.id, "notification not delivered: {error}");
            }
            delivered
                .results
                .entry((*kind, name.clone()))
                .or_default()
                .insert((entry.id.clone(), sink_name.clone()), result);
        }
    }
    delivered
}

/// Why a delivery did not happen.
enum Failure {
    /// The sink cannot be tried here (a variable is not set): nothing is recorded.
    Config(String),
    /// The sink was tried and did not take the message: recorded, tried again later.
    Delivery(String),
}

/// A variable the sink's configuration names is not set here.
fn unset(var: &str, what: &str) -> Failure {
    Failure::Config(format!("environment variable `{var}` ({what}) is not set"))
}

/// One message to one sink.
fn send(
    root: &std::path::Path,
    sink: &NotifySink,
    id: &str,
    message: &serde_json::Value,
) -> Result<(), Failure> {
    match (&sink.webhook, &sink.email) {
        (Some(_), _) => post(sink, id, message),
        (None, Some(email)) => mail(root, email, id, message),
        (None, None) => Err(Failure::Config("neither `webhook` nor `email`".into())),
    }
}

/// One message as a plain-text mail to its recipients' first addresses, over SMTP.
fn mail(
    root: &std::path::Path,
    config: &crate::manifest::Email,
    id: &str,
    message: &serde_json::Value,
) -> Result<(), Failure> {
    use lettre::Transport;
    let to: Vec<String> = message["recipients"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| r["emails"].get(0)?.as_str().map(str::to_string))
        .collect();
    if to.is_empty() {
        // Nobody to write to: nothing owed.
        return Ok(());
    }
    let from: lettre::message::Mailbox = config
        .from
        .parse()
        .map_err(|e| Failure::Config(format!("`from` is not a mail address: {e}")))?;
    // The subject from the message's fields (its `text` is Slack markup).
    let field = |name: &str| message[name].as_str().unwrap_or_default();
    let subject_line = format!(
        "{}/{} {}",
        message["subject"]["kind"].as_str().unwrap_or_default(),
        message["subject"]["name"].as_str().unwrap_or_default(),
        crate::notify::describe(
            field("event"),
            field("phase"),
            message["task"].as_str().or(message["gate"].as_str())
        )
    );
    let mut body = format!("{subject_line}.\n");
    let next: Vec<&str> = message["next"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|n| n.as_str())
        .collect();
    if !next.is_empty() {
        body.push_str("\nWhat is needed next:\n");
        for n in next {
            body.push_str(&format!("- {n}\n"));
        }
    }
    if let Some(link) = message["link"].as_str() {
        body.push_str(&format!("\n{link}\n"));
    }
    body.push_str(&format!("\n-- \nrailyard notification {id}\n"));
    let mut builder = lettre::Message::builder()
        .from(from)
        .subject(format!("[railyard] {subject_line}"))
        .message_id(Some(message_id(id)));
    for address in &to {
        let mailbox = address
            .parse()
            .map_err(|e| Failure::Config(format!("recipient `{address}`: {e}")))?;
        builder = builder.to(mailbox);
    }
    // A single text/plain part: `MIME-Version`, `Content-Type: text/plain; charset=utf-8`
    // and the transfer encoding lettre picks for the body.
    let mail = builder
        .singlepart(lettre::message::SinglePart::plain(body))
        .map_err(|e| Failure::Config(format!("the mail cannot be built: {e}")))?;
    let transport = smtp_transport(root, config)?;
    let mut last = String::new();
    for pause in std::iter::once(None).chain(BACKOFF.iter().map(Some)) {
        if let Some(pause) = pause {
            std::thread::sleep(*pause);
        }
        match transport.send(&mail) {
            Ok(_) => return Ok(()),
            Err(e) => {
                last = format!("SMTP: {e}");
                if e.is_permanent() {
                    break;
                }
            }
        }
    }
    Err(Failure::Delivery(last))
}

/// The SMTP connection `config` asks for: its security, port, timeout, credentials from the
/// environment and any `caFile`.
fn smtp_transport(
    root: &std::path::Path,
    config: &crate::manifest::Email,
) -> Result<lettre::SmtpTransport, Failure> {
    use crate::manifest::SmtpSecurity;
    let security = config.security.unwrap_or(SmtpSecurity::Starttls);
    let relay = match security {
        SmtpSecurity::Starttls => lettre::SmtpTransport::starttls_relay(&config.host),
        SmtpSecurity::Tls => lettre::SmtpTransport::relay(&config.host),
        SmtpSecurity::None => Ok(lettre::SmtpTransport::builder_dangerous(&config.host)),
    }
    .map_err(|e| Failure::Config(format!("SMTP host `{}`: {e}", config.host)))?;
    let port = config.port.unwrap_or(match security {
        SmtpSecurity::Starttls => 587,
        SmtpSecurity::Tls => 465,
        SmtpSecurity::None => 25,
    });
    let mut relay = relay.port(port).timeout(Some(Duration::from_secs(10)));
    if let Some(tls) = tls_parameters(root, config, security)? {
        relay = relay.tls(tls);
    }
    if let (Some(user), Some(password)) = (&config.username_from, &config.password_from) {
        let user = std::env::var(user).map_err(|_| unset(user, "usernameFrom"))?;
        let password = std::env::var(password).map_err(|_| unset(password, "passwordFrom"))?;
        relay = relay.credentials(lettre::transport::smtp::authentication::Credentials::new(
            user, password,
        ));
    }
    Ok(relay.build())
}

/// The `Message-ID` of a notification: its id made a valid `dot-atom-text` (RFC 5322 §3.2.3:
/// letters, digits and `.`, never two dots together nor one at either end), with a hash of
/// the whole id so that two ids that read alike give two different Message-IDs.
fn message_id(id: &str) -> String {
    let mut local = String::with_capacity(id.len());
    for c in id.chars() {
        if c.is_ascii_alphanumeric() || c == '-' {
            local.push(c);
        } else if !local.is_empty() && !local.ends_with('.') {
            local.push('.');
        }
    }
    let local = local.trim_end_matches('.');
    let hash = id.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    if local.is_empty() {
        format!("<{hash:016x}@railyard>")
    } else {
        format!("<{local}.{hash:016x}@railyard>")
    }
}

/// TLS settings beyond the defaults (the Mozilla roots): `caFile`, a PEM bundle of the
/// certificate authorities to trust besides them (a company's private CA). None when the
/// defaults do.
fn tls_parameters(
    root: &std::path::Path,
    config: &crate::manifest::Email,
    security: crate::manifest::SmtpSecurity,
) -> Result<Option<lettre::transport::smtp::client::Tls>, Failure> {
    use crate::manifest::SmtpSecurity;
    use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
    let Some(path) = &config.ca_file else {
        return Ok(None);
    };
    if security == SmtpSecurity::None {
        return Err(Failure::Config(
            "`caFile` is set but `security` is `none`: nothing would use it".into(),
        ));
    }
    let pem = std::fs::read(root.join(path))
        .map_err(|e| Failure::Config(format!("`caFile` {path}: {e}")))?;
    if !pem.windows(27).any(|w| w == b"-----BEGIN CERTIFICATE-----") {
        return Err(Failure::Config(format!(
            "`caFile` {path}: no PEM certificate (-----BEGIN CERTIFICATE-----) in it"
        )));
    }
    let certificate = Certificate::from_pem(&pem)
        .map_err(|e| Failure::Config(format!("`caFile` {path}: {e}")))?;
    let parameters = TlsParameters::builder(config.host.clone())
        .add_root_certificate(certificate)
        .build()
        .map_err(|e| Failure::Config(format!("`caFile` {path}: {e}")))?;
    Ok(Some(match security {
        SmtpSecurity::Tls => Tls::Wrapper(parameters),
        _ => Tls::Required(parameters),
    }))
}

/// One message to one webhook sink, with retries on connection errors, timeouts, 429 and
/// 5xx. Errors name the sink's problem, never its URL or headers (they may hold secrets).
fn post(sink: &NotifySink, id: &str, message: &serde_json::Value) -> Result<(), Failure> {
    let Some(webhook) = &sink.webhook else {
        return Err(Failure::Config("not a webhook sink".into()));
    };
    let url = match (&webhook.url, &webhook.url_from) {
        (_, Some(var)) => std::env::var(var).map_err(|_| unset(var, "urlFrom"))?,
        (Some(url), None) => url.clone(),
        (None, None) => {
            return Err(Failure::Config(
                "the webhook has neither `url` nor `urlFrom`".into(),
            ));
        }
    };
    let mut headers = Vec::new();
    for (name, value) in &webhook.headers {
        let value = match value.strip_prefix("env:") {
            Some(var) => std::env::var(var).map_err(|_| unset(var, &format!("header `{name}`")))?,
            None => value.clone(),
        };
        headers.push((name.clone(), value));
    }
    let timeout = webhook.timeout.map_or(Duration::from_secs(10), |t| {
        Duration::from_secs(t.seconds.max(1))
    });
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(timeout))
        .http_status_as_error(false)
        .build()
        .into();
    let mut last = String::new();
    for pause in std::iter::once(None).chain(BACKOFF.iter().map(Some)) {
        if let Some(pause) = pause {
            std::thread::sleep(*pause);
        }
        let mut request = agent.post(&url).header("Idempotency-Key", id).header(
            "User-Agent",
            concat!("railyard/", env!("CARGO_PKG_VERSION")),
        );
        for (name, value) in &headers {
            request = request.header(name, value);
        }
        match request.send_json(message) {
            Ok(response) => {
                let status = response.status().as_u16();
                if (200..300).contains(&status) {
                    return Ok(());
                }
                last = format!("the server answered {status}");
                if status != 429 && status < 500 {
                    return Err(Failure::Delivery(last));
                }
            }
            Err(error) => {
                last = match error {
                    ureq::Error::Timeout(_) => format!("no answer within {}s", timeout.as_secs()),
                    ureq::Error::Io(e) => format!("connection failed: {}", e.kind()),
                    other => format!("request failed: {}", redact(&other.to_string(), &url)),
                };
            }
        }
    }
    Err(Failure::Delivery(last))
}

/// `text` without `secret` in it.
fn redact(text: &str, secret: &str) -> String {
    text.replace(secret, "<webhook url>")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_ids_are_dot_atoms_and_distinct() {
        let id = message_id("Turnover/a--b#phase-entered@deploying:2026-12-01T10:00:00Z");
        assert!(
            id.starts_with("<Turnover.a--b.phase-entered.deploying.2026-12-01T10.00.00Z."),
            "{id}"
        );
        let local = id
            .trim_start_matches('<')
            .split('@')
            .next()
            .unwrap_or_default();
        assert!(!local.contains(".."), "{id}");
        assert!(!local.starts_with('.') && !local.ends_with('.'), "{id}");
        assert_ne!(message_id("a/b#c"), message_id("a.b#c"));
        assert!(
            message_id("///").starts_with("<"),
            "no empty atom before the hash"
        );
        assert!(
            !message_id("///").starts_with("<."),
            "{}",
            message_id("///")
        );
    }
}
