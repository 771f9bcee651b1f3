//! Consent receipts: a grant as a verifiable credential, issued and signed by the holder, so
//! the recipient (and anyone the holder shows it to) can check what was consented to.

use ler_crypto::KeyPair;
use ler_jsonld::Documents;
use ler_model::datetime::format_datetime;
use ler_proof::{Cryptosuite, SignOptions};
use serde_json::{Map, Value, json};

use crate::grant::Grant;
use crate::record::Record;
use crate::{Result, WalletError};

/// The consent context (embedded in `ler-jsonld`, vocabulary
/// `https://w3id.org/ler/consent/vocab#`).
pub const CONSENT_CONTEXT: &str = "https://w3id.org/ler/consent/v1";

/// The grant as a `ConsentReceipt` credential signed by the holder (eddsa-rdfc-2022, issuer
/// the holder's did:key), valid from `now` until the grant expires. `records` are the holder's
/// records (each granted one is named by its credential id and fingerprint, and by its title
/// unless it is shared in part).
pub fn consent_receipt(
    grant: &Grant,
    records: &[Record],
    key: &KeyPair,
    docs: &Documents,
    now: i64,
) -> Result<Value> {
    let holder = ler_crypto::did_key(&key.public_key());
    if holder != grant.holder {
        return Err(WalletError::Grant(format!(
            "the grant is {}'s, not {holder}'s",
            grant.holder
        )));
    }
    let mut named = Vec::with_capacity(grant.records.len());
    for granted in &grant.records {
        let record = records
            .iter()
            .find(|r| r.id == granted.record_id)
            .ok_or_else(|| {
                WalletError::Grant(format!("there is no record {}", granted.record_id))
            })?;
        let mut entry = Map::new();
        entry.insert("type".into(), "ConsentRecord".into());
        entry.insert("recordId".into(), record.id.clone().into());
        if let Some(id) = record
            .summary
            .credential_id
            .as_ref()
            .filter(|id| is_absolute_iri(id))
        {
            entry.insert("credential".into(), id.clone().into());
        }
        entry.insert("fingerprint".into(), record.fingerprint.clone().into());
        // A record shared in part is not named: its title may be a withheld field (an
        // employment record's position), and the receipt goes to the recipient with it.
        if let Some(name) = record
            .summary
            .name
            .as_ref()
            .filter(|_| granted.fields.is_none())
        {
            entry.insert("name".into(), name.clone().into());
        }
        if let Some(fields) = &granted.fields {
            entry.insert(
                "fields".into(),
                fields.iter().map(|f| f.as_str()).collect::<Vec<_>>().into(),
            );
        }
        named.push(Value::Object(entry));
    }
    let mut subject = Map::new();
    subject.insert("id".into(), holder.clone().into());
    subject.insert("type".into(), "ConsentGrant".into());
    subject.insert("grantId".into(), grant.id.clone().into());
    subject.insert("recipient".into(), grant.recipient.iri().into());
    subject.insert("recipientType".into(), grant.recipient.kind().into());
    subject.insert(
        "purpose".into(),
        grant
            .purposes
            .iter()
            .map(|p| p.as_str())
            .collect::<Vec<_>>()
            .into(),
    );
    if let Some(text) = &grant.purpose_text {
        subject.insert("purposeDescription".into(), text.clone().into());
    }
    subject.insert("access".into(), grant.access.as_str().into());
    subject.insert("expires".into(), format_datetime(grant.expires_at).into());
    subject.insert("record".into(), named.into());
    let credential = json!({
        "@context": ["https://www.w3.org/ns/credentials/v2", CONSENT_CONTEXT],
        "id": format!("urn:ler:consent:{}", grant.id),
        "type": ["VerifiableCredential", "ConsentReceipt"],
        "name": "Consent to share records",
        "issuer": holder,
        "validFrom": format_datetime(now),
        "validUntil": format_datetime(grant.expires_at),
        "credentialSubject": subject,
    });
    let opts = SignOptions {
        suite: Cryptosuite::EddsaRdfc2022,
        verification_method: ler_crypto::did_key_verification_method(&key.public_key()),
        created: Some(format_datetime(now)),
        purpose: ler_proof::Purpose::Assertion,
        expires: None,
    };
    ler_proof::sign(&credential, key, &opts, docs).map_err(|source| WalletError::Sign {
        what: "consent receipt",
        source,
    })
}

/// Whether `s` has a scheme (`urn:…`, `https:…`, `did:…`), as an `@id` value must in safe mode.
pub(crate) fn is_absolute_iri(s: &str) -> bool {
    let Some((scheme, _)) = s.split_once(':') else {
        return false;
    };
    let mut chars = scheme.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        && !s.contains(char::is_whitespace)
}
