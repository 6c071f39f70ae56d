//! Signatures as proof of who made a commit (README, "Trust"): the signature a commit carries
//! checked over the exact bytes git signed, and the keys the repository says belong to whom.
//! Pure: the git module hands over each commit's signature and signed payload; nothing here
//! reads a file or asks a forge.
//!
//! OpenSSH signatures (`gpg.format ssh`, git's SSHSIG in the `git` namespace) and OpenPGP
//! signatures (git's default, [`openpgp`]) are checked. A commit signed any other way
//! (X.509) is "signed in a format railyard does not check", which under `require` does not
//! count.

pub mod facts;
mod openpgp;
pub mod provenance;
pub mod signature;

pub use provenance::Provenance;

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use openpgp::PgpKey;
use signature::fingerprint;
pub use signature::{Signature, Signed};

use crate::catalog::Catalog;
use crate::diagnostics::{Code, Diagnostic};
use crate::manifest::{Kind, SignatureMode, TeamSpec};
use facts::{CommitInfo, Facts};

/// A public key as the repository lists it: an OpenSSH public key line, optionally preceded
/// by git's allowed-signers options `valid-after="…"` and `valid-before="…"`.
#[derive(Clone, Debug)]
pub struct Key {
    /// `SHA256:…` for an OpenSSH key, `OpenPGP:<primary fingerprint>` for an OpenPGP one.
    pub fingerprint: String,
    pub valid_after: Option<jiff::Timestamp>,
    pub valid_before: Option<jiff::Timestamp>,
    /// The OpenPGP key itself (its signatures are checked against it).
    pgp: Option<Arc<PgpKey>>,
}

impl PartialEq for Key {
    fn eq(&self, other: &Key) -> bool {
        (&self.fingerprint, self.valid_after, self.valid_before)
            == (&other.fingerprint, other.valid_after, other.valid_before)
    }
}

impl Key {
    /// Parses `line`; the error says what is wrong, for a diagnostic.
    pub fn parse(line: &str) -> Result<Key, String> {
        let mut rest = line.trim();
        let mut valid_after = None;
        let mut valid_before = None;
        // Options come first, comma- or space-separated, until the key type.
        loop {
            let (option, after) = match rest.find([' ', ',']) {
                Some(end) if rest[..end].contains('=') => (&rest[..end], rest[end + 1..].trim()),
                _ => break,
            };
            let (name, value) = option.split_once('=').unwrap_or((option, ""));
            let slot = match name {
                "valid-after" => &mut valid_after,
                "valid-before" => &mut valid_before,
                _ => {
                    return Err(format!(
                        "unknown option `{name}` (railyard reads `valid-after` and `valid-before`)"
                    ));
                }
            };
            let value = value.trim_matches('"');
            *slot = Some(parse_time(value).ok_or_else(|| {
                format!("`{name}` takes a UTC time as YYYYMMDD[HHMM[SS]], not `{value}`")
            })?);
            rest = after;
        }
        if rest.starts_with("-----BEGIN PGP PUBLIC KEY BLOCK-----") {
            let key = PgpKey::parse(rest)?;
            return Ok(Key {
                fingerprint: format!("OpenPGP:{}", key.fingerprint),
                valid_after: valid_after.or(Some(key.created)),
                valid_before: match (valid_before, key.expires) {
                    (Some(a), Some(b)) => Some(a.min(b)),
                    (a, b) => a.or(b),
                },
                pgp: Some(Arc::new(key)),
            });
        }
        let key = ssh_key::PublicKey::from_openssh(rest).map_err(|e| {
            format!("not an OpenSSH public key ({e}); write it as `ssh-keygen -y -f KEY` prints it")
        })?;
        Ok(Key {
            fingerprint: fingerprint(&key),
            valid_after,
            valid_before,
            pgp: None,
        })
    }

    /// Whether the key proves a commit made at `time`.
    fn valid_at(&self, time: jiff::Timestamp) -> bool {
        self.valid_after.is_none_or(|after| time >= after)
            && self.valid_before.is_none_or(|before| time < before)
    }
}

/// `YYYYMMDD`, `YYYYMMDDHHMM` or `YYYYMMDDHHMMSS`, with an optional `Z`: UTC.
fn parse_time(value: &str) -> Option<jiff::Timestamp> {
    let digits = value.strip_suffix(['Z', 'z']).unwrap_or(value);
    if !digits.bytes().all(|b| b.is_ascii_digit()) || ![8, 12, 14].contains(&digits.len()) {
        return None;
    }
    let field = |range: std::ops::Range<usize>| -> Option<i16> {
        match digits.get(range) {
            Some(d) if !d.is_empty() => d.parse().ok(),
            _ => Some(0),
        }
    };
    let small = |range| field(range).and_then(|v| i8::try_from(v).ok());
    let day = jiff::civil::Date::new(field(0..4)?, small(4..6)?, small(6..8)?).ok()?;
    let time = jiff::civil::Time::new(small(8..10)?, small(10..12)?, small(12..14)?, 0).ok()?;
    day.to_datetime(time)
        .to_zoned(jiff::tz::TimeZone::UTC)
        .ok()
        .map(|z| z.timestamp())
}

/// What a commit proves about the member a record names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Proof {
    /// Signed by a key of that member, or by a forge key on behalf of its author.
    Signed,
    /// Not signed.
    Unsigned,
    /// Signed, but it does not prove that member: the sentence says why.
    NotProven(String),
}

/// The keys of a repository: whose each is, the forge's, the bot's, and the revoked ones.
#[derive(Debug, Default)]
pub struct Keyring {
    pub mode: SignatureMode,
    /// fingerprint → (member, the key as listed).
    members: HashMap<String, Vec<(String, Key)>>,
    forge: HashSet<String>,
    bot: HashSet<String>,
    revoked: HashSet<String>,
    /// Every listed OpenPGP key (its fingerprint, the key), and their fingerprints joined.
    pgp: Vec<(String, Arc<PgpKey>)>,
    pgp_listed: String,
}

impl Keyring {
    /// The keys the catalog's teams and settings list (a key that does not parse is left out:
    /// [`check_keys`] reports it).
    pub fn build(catalog: &Catalog<'_>) -> Keyring {
        let trust = &catalog.settings.trust;
        let mode = trust.signatures.unwrap_or_default();
        if mode == SignatureMode::Off {
            return Keyring::default();
        }
        let mut pgp: Vec<(String, Arc<PgpKey>)> = Vec::new();
        let mut revoked: HashSet<String> = HashSet::new();
        let mut keep = |key: &Key| {
            if let Some(p) = &key.pgp {
                if p.revoked {
                    revoked.insert(key.fingerprint.clone());
                }
                if !pgp.iter().any(|(f, _)| *f == key.fingerprint) {
                    pgp.push((key.fingerprint.clone(), p.clone()));
                }
            }
        };
        let mut fingerprints = |keys: &[String]| -> HashSet<String> {
            keys.iter()
                .filter_map(|k| Key::parse(k).ok())
                .map(|k| {
                    keep(&k);
                    k.fingerprint
                })
                .collect()
        };
        let forge = fingerprints(&trust.forge_keys);
        let bot = fingerprints(&catalog.settings.bot.signing_keys);
        let listed_revoked = fingerprints(&trust.revoked_keys);
        let mut members: HashMap<String, Vec<(String, Key)>> = HashMap::new();
        for team in catalog.all::<TeamSpec>() {
            for member in &team.manifest.spec.members {
                for key in member
                    .signing_keys
                    .iter()
                    .filter_map(|k| Key::parse(k).ok())
                {
                    keep(&key);
                    let listed = members.entry(key.fingerprint.clone()).or_default();
                    if !listed
                        .iter()
                        .any(|(m, k)| m == member.id.as_str() && *k == key)
                    {
                        listed.push((member.id.to_string(), key));
                    }
                }
            }
        }
        revoked.extend(listed_revoked);
        let pgp_listed = pgp
            .iter()
            .map(|(f, _)| f.as_str())
            .collect::<Vec<_>>()
            .join(",");
        Keyring {
            mode,
            members,
            forge,
            bot,
            revoked,
            pgp,
            pgp_listed,
        }
    }

    /// The fingerprint of the key that validly made `signature`, or why there is none.
    fn signer(&self, signature: &Signature) -> Result<String, String> {
        match signature.check() {
            Signed::By(key) => Ok(key.clone()),
            Signed::Bad(why) => Err(format!("its signature is bad: {why}")),
            Signed::Unsupported(format) => Err(format!(
                "it is signed with {format}, which railyard does not check"
            )),
            Signed::OpenPgp => match signature.pgp_signer(&self.pgp, &self.pgp_listed) {
                Ok(Some(key)) => Ok(key),
                Ok(None) => Err("it is signed with an OpenPGP key nobody lists".into()),
                Err(why) => Err(why),
            },
        }
    }

    /// What `commit` proves about `member` having made it.
    pub fn proof(&self, commit: &CommitInfo, member: &str) -> Proof {
        let Some(signature) = &commit.signature else {
            return Proof::Unsigned;
        };
        let key = match self.signer(signature) {
            Ok(key) => key,
            Err(why) => return Proof::NotProven(why),
        };
        let key = &key;
        if self.revoked.contains(key) {
            return Proof::NotProven(format!("it is signed with the revoked key {key}"));
        }
        if self.forge.contains(key) {
            return Proof::Signed;
        }
        let listed = self.members.get(key).map(Vec::as_slice).unwrap_or_default();
        match listed.iter().find(|(m, _)| m == member) {
            Some((_, k)) if k.valid_at(commit.time) => Proof::Signed,
            Some(_) => Proof::NotProven(format!(
                "it is signed with a key of `{member}` that was not valid at {}",
                commit.time
            )),
            None => match listed.first() {
                Some((other, _)) => Proof::NotProven(format!(
                    "it is signed with a key of `{other}`, not of `{member}`"
                )),
                None => Proof::NotProven(format!("it is signed with {key}, a key nobody lists")),
            },
        }
    }

    /// Whether `commit` is signed, validly, by one of the bot's keys.
    pub fn signed_by_bot(&self, commit: &CommitInfo) -> bool {
        commit.signature.as_ref().is_some_and(|s| {
            self.signer(s)
                .is_ok_and(|key| self.bot.contains(&key) && !self.revoked.contains(&key))
        })
    }
}

/// Whether the record at `path` was changed after the commit that added it (records are
/// append-only), and by which commit. A file is one record by the path convention; a file
/// that holds several is changed by any document added to it later.
pub fn rewritten<'f>(facts: &'f Facts, path: &str) -> Option<&'f facts::Commit> {
    let added = facts.added.get(path)?;
    facts
        .changed
        .get(path)
        .filter(|changed| changed.id != added.id)
}

/// A `record-changed` error at every Approval and TaskReport changed after it was added:
/// the record does not count (README, "Trust").
pub fn changed_records(documents: &[crate::load::Document], facts: &Facts) -> Vec<Diagnostic> {
    if !facts.verified {
        return Vec::new();
    }
    let mut out = Vec::new();
    for document in documents {
        let (Some(kind @ (Kind::Approval | Kind::TaskReport | Kind::Halt)), Some(name)) =
            (document.kind, document.name.as_deref())
        else {
            continue;
        };
        let (Some(added), Some(changed)) = (
            facts.added.get(&document.path),
            rewritten(facts, &document.path),
        ) else {
            continue;
        };
        let short = |id: &str| id.get(..12).unwrap_or(id).to_string();
        out.push(
            Diagnostic::error(
                Code::RecordChanged,
                &document.path,
                Some(document.root().locate("/metadata/name").node.span),
                format!(
                    "{kind} `{name}` was changed after it was added: added in {} by {} <{}>, changed in {} by {} <{}>; it does not count",
                    short(&added.id),
                    added.author_name,
                    added.author_email,
                    short(&changed.id),
                    changed.author_name,
                    changed.author_email
                ),
            )
            .with_label("records are append-only")
            .with_hint(
                "a decision is changed by a new record from the person who decides (a later approval or reject), never by editing one; delete this file and commit a new record",
            ),
        );
    }
    out
}

/// Every signing key the repository lists that does not parse: an `invalid-format` error at
/// the key.
pub fn check_keys(catalog: &Catalog<'_>, out: &mut Vec<Diagnostic>) {
    for team in catalog.all::<TeamSpec>() {
        for (m, member) in team.manifest.spec.members.iter().enumerate() {
            for (k, key) in member.signing_keys.iter().enumerate() {
                if let Err(why) = Key::parse(key) {
                    out.push(
                        team.error(
                            Code::InvalidFormat,
                            &format!("/spec/members/{m}/signingKeys/{k}"),
                            format!("signing key of `{}`: {why}", member.id),
                        )
                        .with_label("not a key railyard can check"),
                    );
                }
            }
        }
    }
    let Some(config) = catalog
        .documents()
        .iter()
        .find(|d| d.kind == Some(crate::manifest::Kind::Config))
    else {
        return;
    };
    let settings = catalog.settings;
    let mode = settings.trust.signatures.unwrap_or_default();
    if mode != SignatureMode::Off && settings.bot.signing_keys.is_empty() {
        out.push(
            Diagnostic::error(
                Code::InvalidValue,
                &config.path,
                Some(config.root().locate("/spec/trust/signatures").node.span),
                format!(
                    "`trust.signatures: {}` trusts a status file only when a key in `bot.signingKeys` signed it, and none is listed",
                    if mode == SignatureMode::Verify { "verify" } else { "require" }
                ),
            )
            .with_label("no bot key to check status commits against")
            .with_hint("list the public half of the key in RAILYARD_SIGNING_KEY under `spec.bot.signingKeys`"),
        );
    }
    let lists: [(&str, &[String]); 3] = [
        ("/spec/trust/forgeKeys", &settings.trust.forge_keys),
        ("/spec/trust/revokedKeys", &settings.trust.revoked_keys),
        ("/spec/bot/signingKeys", &settings.bot.signing_keys),
    ];
    for (pointer, keys) in lists {
        for (k, key) in keys.iter().enumerate() {
            if let Err(why) = Key::parse(key) {
                out.push(
                    Diagnostic::error(
                        Code::InvalidFormat,
                        &config.path,
                        Some(config.root().locate(&format!("{pointer}/{k}")).node.span),
                        why,
                    )
                    .with_label("not a key railyard can check"),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Key, parse_time};

    const KEY: &str = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOYYXIbPCoP6niJtKLsyAkca8YSXDV3g3OMZ28wjO456 eve@laptop";

    #[test]
    fn keys_parse_with_and_without_allowed_signers_options() {
        let plain = Key::parse(KEY).unwrap();
        assert!(plain.fingerprint.starts_with("SHA256:"));
        assert_eq!((plain.valid_after, plain.valid_before), (None, None));
        let bounded = Key::parse(&format!(
            "valid-after=\"20260101\",valid-before=\"20270101120000Z\" {KEY}"
        ))
        .unwrap();
        assert_eq!(bounded.fingerprint, plain.fingerprint);
        assert_eq!(
            bounded.valid_after.unwrap().to_string(),
            "2026-01-01T00:00:00Z"
        );
        assert_eq!(
            bounded.valid_before.unwrap().to_string(),
            "2027-01-01T12:00:00Z"
        );
        let spaced = Key::parse(&format!("valid-before=\"202701011200\" {KEY}")).unwrap();
        assert_eq!(
            spaced.valid_before.unwrap().to_string(),
            "2027-01-01T12:00:00Z"
        );
    }

    #[test]
    fn a_bad_key_says_what_is_wrong() {
        let err = |line: &str| Key::parse(line).unwrap_err();
        assert!(err("ssh-ed25519 AAAA-not-base64").contains("not an OpenSSH public key"));
        assert!(err(&format!("valid-before=\"tomorrow\" {KEY}")).contains("YYYYMMDD"));
        assert!(err(&format!("cert-authority=\"x\" {KEY}")).contains("unknown option"));
        assert!(err("-----BEGIN PGP PUBLIC KEY BLOCK-----").contains("not an OpenPGP public key"));
        assert!(err("").contains("not an OpenSSH public key"));
    }

    #[test]
    fn times_are_utc_and_only_real_dates() {
        assert!(parse_time("20260230").is_none());
        assert!(parse_time("2026010").is_none());
        assert!(parse_time("202601012460").is_none());
        assert_eq!(
            parse_time("20261202").unwrap().to_string(),
            "2026-12-02T00:00:00Z"
        );
    }
}
