//! A commit's signature, checked over the exact bytes git signed: OpenSSH signatures here,
//! OpenPGP ones against the keys the repository lists ([`super::openpgp`]). The history
//! ([`crate::trust::facts`]) carries one per signed commit; the keyring says whose key made it.

use std::sync::{Arc, Mutex, OnceLock};

use super::openpgp::PgpKey;

/// The namespace git signs commits in.
const NAMESPACE: &str = "git";

/// A commit's signature as git stores it (the `gpgsig` header), with the bytes it signs (the
/// commit without that header). Checked once, when first asked.
#[derive(Debug)]
pub struct Signature {
    armored: Vec<u8>,
    payload: Vec<u8>,
    checked: OnceLock<Signed>,
    /// An OpenPGP signature names its key but does not hold it: it is checked against the
    /// listed keys, and the answer kept for that list (fingerprints joined).
    pgp: Mutex<Option<(String, PgpSigner)>>,
}

/// Which listed OpenPGP key made a signature (its fingerprint), none, or why it fails.
type PgpSigner = Result<Option<String>, String>;

impl PartialEq for Signature {
    fn eq(&self, other: &Signature) -> bool {
        self.armored == other.armored && self.payload == other.payload
    }
}

impl Eq for Signature {}

/// What a signature proves, before anyone's keys are looked at.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Signed {
    /// A valid signature by the key with this fingerprint (`SHA256:…`).
    By(String),
    /// Not a valid signature of this commit, and why.
    Bad(String),
    /// An OpenPGP signature: which key made it is known once the listed keys are tried.
    OpenPgp,
    /// A signature in a format railyard does not check.
    Unsupported(&'static str),
}

impl Signature {
    pub fn new(armored: Vec<u8>, payload: Vec<u8>) -> Signature {
        Signature {
            armored,
            payload,
            checked: OnceLock::new(),
            pgp: Mutex::new(None),
        }
    }

    /// The fingerprint of the listed OpenPGP key (of `keys`) that made this signature, when
    /// one did; `Err` when one of them is named but the signature does not hold.
    pub(super) fn pgp_signer(
        &self,
        keys: &[(String, Arc<PgpKey>)],
        listed: &str,
    ) -> Result<Option<String>, String> {
        let mut kept = self.pgp.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((list, answer)) = kept.as_ref()
            && list == listed
        {
            return answer.clone();
        }
        let mut answer = Ok(None);
        for (_, key) in keys {
            match key.verifies(&self.armored, &self.payload) {
                Ok(true) => {
                    answer = Ok(Some(format!("OpenPGP:{}", key.fingerprint)));
                    break;
                }
                Ok(false) => {}
                Err(why) => {
                    answer = Err(why);
                    break;
                }
            }
        }
        *kept = Some((listed.to_string(), answer.clone()));
        answer
    }

    /// Checks the signature over the payload (once; the answer is kept).
    pub fn check(&self) -> &Signed {
        self.checked
            .get_or_init(|| verify(&self.armored, &self.payload))
    }
}

fn verify(armored: &[u8], payload: &[u8]) -> Signed {
    let text = String::from_utf8_lossy(armored);
    let text = text.trim_start();
    if text.starts_with("-----BEGIN PGP SIGNATURE-----") {
        return Signed::OpenPgp;
    }
    if !text.starts_with("-----BEGIN SSH SIGNATURE-----") {
        return Signed::Unsupported("X.509 or unknown");
    }
    let signature = match ssh_key::SshSig::from_pem(text.as_bytes()) {
        Ok(signature) => signature,
        Err(e) => return Signed::Bad(format!("the signature does not parse ({e})")),
    };
    if signature.namespace() != NAMESPACE {
        return Signed::Bad(format!(
            "signed in namespace `{}`, not `{NAMESPACE}`",
            signature.namespace()
        ));
    }
    let key = ssh_key::PublicKey::from(signature.public_key().clone());
    match key.verify(NAMESPACE, payload, &signature) {
        Ok(()) => Signed::By(fingerprint(&key)),
        Err(_) => Signed::Bad("the signature does not match the commit".into()),
    }
}

pub(super) fn fingerprint(key: &ssh_key::PublicKey) -> String {
    key.fingerprint(ssh_key::HashAlg::Sha256).to_string()
}
