//! Shared test data: an issuer, signed credentials from ler's fixtures, and records of them.

use ler_crypto::KeyPair;
use ler_jsonld::Documents;
use ler_proof::{Cryptosuite, Purpose, SignOptions};
use ler_verify::{Offline, Options, Report, Verifier};
use ler_wallet::{Record, read_credential};
use serde_json::Value;

/// 2026-06-01T00:00:00Z.
pub const NOW: i64 = 1_780_272_000;

pub const OB3: &str = include_str!("../../../../fixtures/ob3-achievement.json");
pub const EMPLOYMENT: &str = include_str!("../../../../fixtures/employment.json");
pub const CLR: &str = include_str!("../../../../fixtures/clr.json");

pub fn issuer() -> KeyPair {
    KeyPair::from_seed([42; 32])
}

/// A fixture with the issuer's did:key filled in, signed with eddsa-rdfc-2022.
pub fn signed(fixture: &str) -> Value {
    let key = issuer();
    let did = ler_crypto::did_key(&key.public_key());
    let doc: Value = serde_json::from_str(&fixture.replace("did:key:ISSUER", &did)).unwrap();
    let opts = SignOptions {
        suite: Cryptosuite::EddsaRdfc2022,
        verification_method: ler_crypto::did_key_verification_method(&key.public_key()),
        created: Some("2026-01-01T00:00:00Z".into()),
        purpose: Purpose::Assertion,
        expires: None,
    };
    ler_proof::sign(&doc, &key, &opts, Documents::embedded()).unwrap()
}

/// Verifies offline, as the wallet does on receipt (and a recipient does on sight).
pub fn verify(doc: &Value, challenge: Option<&str>, domain: Option<&str>) -> Report {
    let verifier = Verifier::new(Options {
        documents: Documents::embedded(),
        fetcher: &Offline,
        trust: None,
        now: NOW,
        recipient: None,
        challenge: challenge.map(str::to_owned),
        domain: domain.map(str::to_owned),
        status_cache: None,
    });
    verifier.verify_value(doc)
}

/// A record received from `bytes`, verified as the wallet does it.
pub fn receive(id: &str, bytes: &[u8]) -> Record {
    let credential = read_credential(bytes).unwrap();
    let verifier = Verifier::new(Options {
        documents: Documents::embedded(),
        fetcher: &Offline,
        trust: None,
        now: NOW,
        recipient: None,
        challenge: None,
        domain: None,
        status_cache: None,
    });
    let report = verifier.verify_bytes(bytes);
    Record::new(id.to_owned(), credential, &report, NOW).unwrap()
}

/// An Open Badge, an employment record and a CLR, received.
pub fn records() -> Vec<Record> {
    vec![
        receive("r_badge", signed(OB3).to_string().as_bytes()),
        receive("r_job", signed(EMPLOYMENT).to_string().as_bytes()),
        receive("r_clr", signed(CLR).to_string().as_bytes()),
    ]
}
