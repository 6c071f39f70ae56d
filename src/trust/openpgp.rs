//! OpenPGP keys and signatures (`gpg.format openpgp`, git's default): a key is listed as its
//! ASCII-armored public key block (`gpg --armor --export KEYID`), never fetched from a key
//! server. Checked in-process with the `pgp` crate: the key's self-signatures, its expiry
//! and revocation, and a commit's detached signature over the exact bytes git signed.

use pgp::composed::{Deserializable, DetachedSignature, SignedPublicKey};
use pgp::packet::{Signature, SignatureType};
use pgp::types::KeyDetails;

/// A listed OpenPGP key: the primary key's fingerprint (upper-case hex) and what bounds it.
#[derive(Debug)]
pub struct PgpKey {
    pub fingerprint: String,
    key: SignedPublicKey,
    /// The primary key was revoked by its owner (a revocation certificate is part of it).
    pub revoked: bool,
    pub created: jiff::Timestamp,
    pub expires: Option<jiff::Timestamp>,
}

fn instant(t: pgp::types::Timestamp) -> jiff::Timestamp {
    jiff::Timestamp::from_second(i64::from(t.as_secs())).unwrap_or(jiff::Timestamp::UNIX_EPOCH)
}

impl PgpKey {
    /// Parses an armored public key block; the error says what is wrong.
    pub fn parse(text: &str) -> Result<PgpKey, String> {
        let (key, _) = SignedPublicKey::from_armor_single(text.as_bytes())
            .map_err(|e| format!("not an OpenPGP public key block ({e})"))?;
        key.verify_bindings()
            .map_err(|e| format!("the key's own signatures do not verify ({e})"))?;
        let created = instant(key.primary_key.created_at());
        // The newest self-signature says when the key expires.
        let newest = key
            .details
            .users
            .iter()
            .flat_map(|u| &u.signatures)
            .chain(&key.details.direct_signatures)
            .max_by_key(|s| s.created().map(|t| t.as_secs()));
        let expires = newest
            .and_then(Signature::key_expiration_time)
            .filter(|d| d.as_secs() > 0)
            .map(|d| {
                created
                    .checked_add(jiff::SignedDuration::from_secs(i64::from(d.as_secs())))
                    .unwrap_or(jiff::Timestamp::MAX)
            });
        Ok(PgpKey {
            fingerprint: format!("{:X}", key.fingerprint()),
            revoked: !key.details.revocation_signatures.is_empty(),
            key,
            created,
            expires,
        })
    }

    /// Whether `armored` is a valid signature of `payload` by this key (its primary key or
    /// a subkey that its owner has not revoked), made while the key was valid: `Ok(true)`;
    /// `Ok(false)` when it is not this key's signature at all; otherwise why it fails.
    pub fn verifies(&self, armored: &[u8], payload: &[u8]) -> Result<bool, String> {
        let (signature, _) = DetachedSignature::from_armor_single(armored)
            .map_err(|e| format!("the signature does not parse ({e})"))?;
        let signature = &signature.signature;
        let made = signature.created().map(instant);
        let primary = std::iter::once((&self.key.primary_key as &dyn Verifier, false));
        let subkeys = self.key.public_subkeys.iter().map(|sub| {
            let revoked = sub
                .signatures
                .iter()
                .any(|s| s.typ() == Some(SignatureType::SubkeyRevocation));
            (&sub.key as &dyn Verifier, revoked)
        });
        for (key, revoked) in primary.chain(subkeys) {
            if !key.issued(signature) {
                continue;
            }
            if revoked {
                return Err("it is signed with a revoked subkey".into());
            }
            key.check(signature, payload)
                .map_err(|e| format!("its signature is bad ({e})"))?;
            return match made {
                Some(at) if self.expires.is_some_and(|end| at >= end) => Err(format!(
                    "it is signed with the OpenPGP key {} after it expired",
                    self.fingerprint
                )),
                Some(at) if at < self.created => {
                    Err("its signature is older than the key that made it".into())
                }
                _ => Ok(true),
            };
        }
        Ok(false)
    }
}

/// A primary key or a subkey, as far as checking a signature goes.
trait Verifier {
    fn issued(&self, signature: &Signature) -> bool;
    fn check(&self, signature: &Signature, payload: &[u8]) -> pgp::errors::Result<()>;
}

impl<K: pgp::types::VerifyingKey> Verifier for K {
    fn issued(&self, signature: &Signature) -> bool {
        // By bytes: a fingerprint read from a signature's subpacket may carry no key version.
        let fingerprint = self.fingerprint();
        let id = self.legacy_key_id();
        signature
            .issuer_fingerprint()
            .iter()
            .any(|f| f.as_bytes() == fingerprint.as_bytes())
            || signature
                .issuer_key_id()
                .iter()
                .any(|k| k.as_ref() == id.as_ref())
    }

    fn check(&self, signature: &Signature, payload: &[u8]) -> pgp::errors::Result<()> {
        signature.verify(self, payload)
    }
}
