//! Shared helpers: fixed keys, credentials, signing, and a verifier with preloaded documents.

use ler_crypto::KeyPair;
use ler_jsonld::Documents;
use ler_proof::{Cryptosuite, Purpose, SignOptions};
use ler_verify::{Check, Offline, Options, Preloaded, Report, TrustList, Verifier};
use serde_json::{Value, json};

/// 2026-06-01T00:00:00Z.
pub const NOW: i64 = 1_780_272_000;

pub fn key(seed: u8) -> KeyPair {
    KeyPair::from_seed([seed; 32])
}

pub fn did(k: &KeyPair) -> String {
    ler_crypto::did_key(&k.public_key())
}

pub fn vm(k: &KeyPair) -> String {
    ler_crypto::did_key_verification_method(&k.public_key())
}

pub fn ob3(issuer: &str) -> Value {
    json!({
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
        ],
        "id": "urn:uuid:0b0c1d2e-3f40-4a5b-8c6d-7e8f9a0b1c2d",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": issuer, "type": ["Profile"], "name": "Riverside Community College"},
        "validFrom": "2026-01-01T00:00:00Z",
        "name": "Forklift Safety",
        "credentialSubject": {
            "id": "did:example:learner-1",
            "type": ["AchievementSubject"],
            "identifier": [{
                "type": "IdentityObject",
                "identityHash": "sha256$081e07ee2ae2d376eb9cd04d9c4ff9479fbb1e7642ece147afa335408920895c",
                "identityType": "emailAddress",
                "hashed": true,
                "salt": "s4lt"
            }],
            "achievement": {
                "id": "https://riverside.example/achievements/forklift",
                "type": ["Achievement"],
                "name": "Forklift Safety",
                "description": "Operates a forklift safely.",
                "criteria": {"narrative": "Passed the practical assessment."}
            }
        }
    })
}

pub fn sign_with(
    doc: &Value,
    k: &KeyPair,
    vm: &str,
    purpose: Purpose,
    expires: Option<&str>,
) -> Value {
    let opts = SignOptions {
        suite: Cryptosuite::EddsaRdfc2022,
        verification_method: vm.into(),
        created: Some("2026-01-02T00:00:00Z".into()),
        purpose,
        expires: expires.map(String::from),
    };
    ler_proof::sign(doc, k, &opts, Documents::embedded()).expect("sign")
}

pub fn sign(doc: &Value, k: &KeyPair) -> Value {
    sign_with(doc, k, &vm(k), Purpose::Assertion, None)
}

pub struct Setup {
    pub fetch: Vec<(String, Vec<u8>)>,
    pub trust: Option<TrustList>,
    pub recipient: Option<String>,
    pub challenge: Option<String>,
    pub domain: Option<String>,
    pub now: i64,
}

impl Default for Setup {
    fn default() -> Self {
        Setup {
            fetch: Vec::new(),
            trust: None,
            recipient: None,
            challenge: None,
            domain: None,
            now: NOW,
        }
    }
}

pub fn verify_with(input: &[u8], setup: &Setup) -> Report {
    let mut fetcher = Preloaded::new(&Offline);
    for (url, body) in &setup.fetch {
        fetcher.insert(url, body.clone());
    }
    Verifier::new(Options {
        documents: Documents::embedded(),
        fetcher: &fetcher,
        trust: setup.trust.as_ref(),
        now: setup.now,
        recipient: setup.recipient.clone(),
        challenge: setup.challenge.clone(),
        domain: setup.domain.clone(),
        status_cache: None,
    })
    .verify_bytes(input)
}

pub fn verify(doc: &Value) -> Report {
    verify_with(&serde_json::to_vec(doc).expect("json"), &Setup::default())
}

pub fn check<'r>(r: &'r Report, name: &str) -> &'r Check {
    r.checks
        .iter()
        .find(|c| c.check == name)
        .unwrap_or_else(|| panic!("no {name} check in {:#?}", r.checks))
}
