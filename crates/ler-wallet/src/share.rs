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
use crate::record::{Record, is_sd_jwt, items};
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
/// employment records restricted to some fields, an SD-JWT VC presentation of those fields
/// ([`selective_disclosure`]) bound to `nonce` and `audience`.
pub fn shared_credentials(
    grant: &Grant,
    records: &[Record],
    key: &KeyPair,
    nonce: &str,
    audience: &str,
    now: i64,
) -> Result<Vec<Value>> {
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
                    selective_disclosure(record, fields, key, nonce, audience, now)
                        .map(Value::String)
                }
                _ => Ok(record.credential.clone()),
            }
        })
        .collect()
}

/// The employment fields a record's credential has (in its subject, or as an SD-JWT VC's
/// top-level claims).
fn fields_present(record: &Record) -> Result<Vec<EmploymentField>> {
    let json = record.credential_json()?;
    let subjects: Vec<&Value> = if json.get("vct").is_some() {
        vec![&json]
    } else {
        items(json.get("credentialSubject")).iter().collect()
    };
    Ok(EmploymentField::ALL
        .into_iter()
        .filter(|f| subjects.iter().any(|s| s.get(f.as_str()).is_some()))
        .collect())
}

/// Whether the credential has an employment field that `fields` does not disclose.
fn withholds_something(record: &Record, fields: &[EmploymentField]) -> Result<bool> {
    Ok(fields_present(record)?.iter().any(|f| !fields.contains(f)))
}

/// The employment record disclosing only `fields`: an SD-JWT VC presentation (the issuer's
/// JWT, the disclosures of those fields, and a key-binding JWT signed with the holder's key
/// over `nonce` and `audience`), through `ler_sdjwt::present`.
///
/// Only a record the issuer made as an SD-JWT VC (bound to this holder's key) can be shown in
/// part; any other fails with [`WalletError::NotSelectivelyDisclosable`] rather than
/// disclosing more than the holder chose.
pub fn selective_disclosure(
    record: &Record,
    fields: &[EmploymentField],
    key: &KeyPair,
    nonce: &str,
    audience: &str,
    now: i64,
) -> Result<String> {
    let Value::String(sd_jwt) = &record.credential else {
        return Err(WalletError::NotSelectivelyDisclosable(record.id.clone()));
    };
    if !is_sd_jwt(sd_jwt) {
        return Err(WalletError::NotSelectivelyDisclosable(record.id.clone()));
    }
    let present = fields_present(record)?;
    let paths: Vec<String> = fields
        .iter()
        .filter(|f| present.contains(f))
        .map(|f| format!("/{}", f.as_str()))
        .collect();
    let paths: Vec<&str> = paths.iter().map(String::as_str).collect();
    ler_sdjwt::present(sd_jwt, &paths, key, nonce, audience, now)
        .map_err(WalletError::SelectiveDisclosure)
}

/// A verifiable presentation of `credentials` (JSON objects; compact VC-JWTs and SD-JWT VCs
/// go in enveloped, as `data:application/vc+jwt,…` and `data:application/dc+sd-jwt,…`) signed
/// by the holder (eddsa-rdfc-2022, `authentication`) for the recipient's
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
            Value::String(sd_jwt) if is_sd_jwt(sd_jwt) => json!({
                "@context": "https://www.w3.org/ns/credentials/v2",
                "id": format!("data:application/dc+sd-jwt,{sd_jwt}"),
                "type": "EnvelopedVerifiableCredential",
            }),
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

/// The presentation a grant allows: [`shared_credentials`] in a [`present`]ation. The
/// selective-disclosure parts are bound to the same `challenge` (else the grant id) and
/// `domain` (else the recipient).
pub fn share_presentation(
    grant: &Grant,
    records: &[Record],
    key: &KeyPair,
    challenge: Option<&str>,
    domain: Option<&str>,
    docs: &Documents,
    now: i64,
) -> Result<Value> {
    let recipient = grant.recipient.iri();
    let credentials = shared_credentials(
        grant,
        records,
        key,
        challenge.unwrap_or(&grant.id),
        domain.unwrap_or(&recipient),
        now,
    )?;
    present(key, &credentials, challenge, domain, docs, now)
}
