//! Sharing: share-link tokens, and presentations of the granted credentials signed by the
//! holder for the recipient's challenge and domain.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ler_crypto::KeyPair;
use ler_jsonld::Documents;
use ler_model::datetime::format_datetime;
use ler_proof::{Cryptosuite, SignOptions};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::crypt::hex;
use crate::grant::{EmploymentField, Grant};
use crate::record::{Record, items};
use crate::{Result, WalletError};

/// A new share-link token (32 random bytes, unpadded base64url) and its hash, which is all the
/// store keeps. The token goes into the link and is shown to the holder once.
pub fn new_share_token() -> Result<(Zeroizing<String>, String)> {
    let mut bytes = Zeroizing::new([0u8; 32]);
    getrandom::getrandom(&mut *bytes).map_err(|e| WalletError::Random(e.to_string()))?;
    let token = Zeroizing::new(URL_SAFE_NO_PAD.encode(*bytes));
    let hash = hash_token(&token);
    Ok((token, hash))
}

/// The hash a token is stored and looked up by: SHA-256, hex.
pub fn hash_token(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

/// The credentials a grant discloses, in the grant's order: whole credentials, and for
/// employment records restricted to some fields, their selective-disclosure form.
pub fn shared_credentials(grant: &Grant, records: &[Record]) -> Result<Vec<Value>> {
    grant
        .records
        .iter()
        .map(|granted| {
            let record = records
                .iter()
                .find(|r| r.id == granted.record_id)
                .ok_or_else(|| {
                    WalletError::Grant(format!("there is no record {}", granted.record_id))
                })?;
            match &granted.fields {
                Some(fields) if withholds_something(record, fields)? => {
                    selective_disclosure(record, fields)
                }
                _ => Ok(record.credential.clone()),
            }
        })
        .collect()
}

/// Whether the credential has an employment field that `fields` does not disclose.
fn withholds_something(record: &Record, fields: &[EmploymentField]) -> Result<bool> {
    let json = record.credential_json()?;
    Ok(items(json.get("credentialSubject")).iter().any(|subject| {
        EmploymentField::ALL
            .iter()
            .any(|f| !fields.contains(f) && subject.get(f.as_str()).is_some())
    }))
}

/// The employment record disclosing only `fields`, as an SD-JWT VC presentation.
///
/// Needs the SD-JWT VC crate (`ler-sdjwt`), which is not in the workspace yet: until it is,
/// this fails with [`WalletError::SelectiveDisclosureUnavailable`] rather than disclosing more
/// than the holder chose.
pub fn selective_disclosure(record: &Record, fields: &[EmploymentField]) -> Result<Value> {
    let _ = (record, fields);
    Err(WalletError::SelectiveDisclosureUnavailable)
}

/// A verifiable presentation of `credentials` (JSON objects, or compact VC-JWTs, which are
/// enveloped) signed by the holder (eddsa-rdfc-2022, `authentication`) for the recipient's
/// `challenge` and `domain`.
pub fn present(
    key: &KeyPair,
    credentials: &[Value],
    challenge: Option<&str>,
    domain: Option<&str>,
    docs: &Documents,
    now: i64,
) -> Result<Value> {
    let holder = ler_crypto::did_key(&key.public_key());
    let enclosed: Vec<Value> = credentials
        .iter()
        .map(|c| match c {
            Value::String(jwt) => json!({
                "@context": "https://www.w3.org/ns/credentials/v2",
                "id": format!("data:application/vc+jwt,{jwt}"),
                "type": "EnvelopedVerifiableCredential",
            }),
            other => other.clone(),
        })
        .collect();
    let vp = json!({
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiablePresentation"],
        "holder": holder,
        "verifiableCredential": enclosed,
    });
    let opts = SignOptions {
        suite: Cryptosuite::EddsaRdfc2022,
        verification_method: ler_crypto::did_key_verification_method(&key.public_key()),
        created: Some(format_datetime(now)),
        purpose: ler_proof::Purpose::Authentication {
            challenge: challenge.map(str::to_owned),
            domain: domain.map(str::to_owned),
        },
        expires: None,
    };
    ler_proof::sign(&vp, key, &opts, docs).map_err(|source| WalletError::Sign {
        what: "presentation",
        source,
    })
}

/// The presentation a grant allows: [`shared_credentials`] in a [`present`]ation.
pub fn share_presentation(
    grant: &Grant,
    records: &[Record],
    key: &KeyPair,
    challenge: Option<&str>,
    domain: Option<&str>,
    docs: &Documents,
    now: i64,
) -> Result<Value> {
    let credentials = shared_credentials(grant, records)?;
    present(key, &credentials, challenge, domain, docs, now)
}
