//! did:web end to end: an issuer's DID document served on loopback, a credential signed with
//! its key, verified through the HTTP fetcher.

use ler_crypto::KeyPair;
use ler_fetch::{HttpFetcher, Policy};
use ler_jsonld::Documents;
use ler_proof::{Cryptosuite, Purpose, SignOptions};
use ler_verify::{Options, Status, Verifier};
use serde_json::{Value, json};

use crate::server::{Route, Server};

const NOW: i64 = 1_780_272_000;

fn credential(issuer: &str) -> Value {
    json!({
        "@context": ["https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"],
        "id": "urn:uuid:6a1f0c3e-2b7d-4e5a-9c8b-1d2e3f4a5b6c",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": issuer, "type": ["Profile"], "name": "Acme Training"},
        "validFrom": "2026-01-01T00:00:00Z",
        "name": "Welding Basics",
        "credentialSubject": {
            "id": "did:example:learner",
            "type": ["AchievementSubject"],
            "achievement": {
                "id": "https://acme.example/achievements/welding",
                "type": ["Achievement"],
                "name": "Welding Basics",
                "description": "Safe MIG welding.",
                "criteria": {"narrative": "Passed the practical."}
            }
        }
    })
}

fn verify(doc: &Value, fetcher: &HttpFetcher) -> ler_verify::Report {
    Verifier::new(Options {
        documents: Documents::embedded(),
        fetcher,
        trust: None,
        now: NOW,
        recipient: None,
        challenge: None,
        domain: None,
        status_cache: None,
    })
    .verify_value(doc)
}

fn check<'r>(r: &'r ler_verify::Report, name: &str) -> &'r ler_verify::Check {
    r.checks
        .iter()
        .find(|c| c.check == name)
        .unwrap_or_else(|| panic!("no {name} check in {:?}", r.checks))
}

#[test]
fn did_web_issuer_verifies_through_its_served_document() {
    let s = Server::start();
    let did = format!("did:web:localhost%3A{}:orgs:acme", s.port);
    let key = KeyPair::from_seed([3u8; 32]);
    let old = KeyPair::from_seed([4u8; 32]);
    let doc = ler_crypto::did_web_document(
        &did,
        &[("key-2", key.public_key()), ("key-1", old.public_key())],
    )
    .expect("did doc");
    s.route(
        "/orgs/acme/did.json",
        Route::ok(serde_json::to_vec(&doc).expect("json")),
    );
    let policy = Policy {
        allow_private: true,
        danger_allow_http: true,
        ..Policy::default()
    };
    let fetcher = HttpFetcher::new(policy);

    let opts = |vm: &str| SignOptions {
        suite: Cryptosuite::EddsaRdfc2022,
        verification_method: vm.into(),
        created: Some("2026-01-02T00:00:00Z".into()),
        purpose: Purpose::Assertion,
        expires: None,
    };
    let signed = ler_proof::sign(
        &credential(&did),
        &key,
        &opts(&format!("{did}#key-2")),
        Documents::embedded(),
    )
    .expect("sign");
    let r = verify(&signed, &fetcher);
    assert!(r.verified, "{:#?}", r.checks);
    // A credential signed with the older, rotated key still verifies: the document keeps it.
    let signed_old = ler_proof::sign(
        &credential(&did),
        &old,
        &opts(&format!("{did}#key-1")),
        Documents::embedded(),
    )
    .expect("sign");
    assert!(verify(&signed_old, &fetcher).verified);

    let mut tampered = signed.clone();
    tampered["name"] = "Welding Mastery".into();
    let r = verify(&tampered, &fetcher);
    assert!(!r.verified);
    assert!(
        check(&r, "proof")
            .message
            .contains("signature does not verify")
    );

    // A key the document does not list.
    let stranger = KeyPair::from_seed([5u8; 32]);
    let forged = ler_proof::sign(
        &credential(&did),
        &stranger,
        &opts(&format!("{did}#key-9")),
        Documents::embedded(),
    )
    .expect("sign");
    let r = verify(&forged, &fetcher);
    assert!(!r.verified);
    assert!(
        check(&r, "proof").message.contains("key-9"),
        "{}",
        check(&r, "proof").message
    );
}

#[test]
fn did_web_key_outside_assertion_method_is_refused() {
    let s = Server::start();
    let did = format!("did:web:localhost%3A{}:orgs:beta", s.port);
    let key = KeyPair::from_seed([6u8; 32]);
    let mut doc =
        ler_crypto::did_web_document(&did, &[("key-1", key.public_key())]).expect("did doc");
    doc["assertionMethod"] = json!([]);
    s.route(
        "/orgs/beta/did.json",
        Route::ok(serde_json::to_vec(&doc).expect("json")),
    );
    let fetcher = HttpFetcher::new(Policy {
        allow_private: true,
        danger_allow_http: true,
        ..Policy::default()
    });
    let signed = ler_proof::sign(
        &credential(&did),
        &key,
        &SignOptions {
            suite: Cryptosuite::EddsaRdfc2022,
            verification_method: format!("{did}#key-1"),
            created: None,
            purpose: Purpose::Assertion,
            expires: None,
        },
        Documents::embedded(),
    )
    .expect("sign");
    let r = verify(&signed, &fetcher);
    assert!(!r.verified);
    let c = check(&r, "proof");
    assert_eq!(c.status, Status::Failed);
    assert!(c.message.contains("assertionMethod"), "{}", c.message);
}

#[test]
fn did_web_on_loopback_is_refused_by_the_default_policy() {
    let s = Server::start();
    let did = format!("did:web:localhost%3A{}:orgs:acme", s.port);
    let key = KeyPair::from_seed([7u8; 32]);
    let doc = ler_crypto::did_web_document(&did, &[("key-1", key.public_key())]).expect("did doc");
    s.route(
        "/orgs/acme/did.json",
        Route::ok(serde_json::to_vec(&doc).expect("json")),
    );
    let signed = ler_proof::sign(
        &credential(&did),
        &key,
        &SignOptions {
            suite: Cryptosuite::EddsaRdfc2022,
            verification_method: format!("{did}#key-1"),
            created: None,
            purpose: Purpose::Assertion,
            expires: None,
        },
        Documents::embedded(),
    )
    .expect("sign");
    let r = verify(&signed, &HttpFetcher::new(Policy::default()));
    assert!(!r.verified);
    assert!(
        check(&r, "proof").message.contains("refused"),
        "{}",
        check(&r, "proof").message
    );
    assert_eq!(s.hits(), 0);
}
