//! Status lists served on loopback: a credential is checked against its issuer's live list,
//! before and after revocation.

use ler_crypto::KeyPair;
use ler_fetch::{HttpFetcher, Policy};
use ler_jsonld::Documents;
use ler_proof::{Cryptosuite, Purpose, SignOptions};
use ler_status::{ListState, Purpose as StatusPurpose};
use ler_verify::{Options, Status, Verifier};
use serde_json::{Value, json};

use crate::server::{Route, Server};

const NOW: i64 = 1_780_272_000;

fn sign(doc: &Value, key: &KeyPair) -> Value {
    let opts = SignOptions {
        suite: Cryptosuite::EddsaRdfc2022,
        verification_method: ler_crypto::did_key_verification_method(&key.public_key()),
        created: Some("2026-01-02T00:00:00Z".into()),
        purpose: Purpose::Assertion,
        expires: None,
    };
    ler_proof::sign(doc, key, &opts, Documents::embedded()).expect("sign")
}

fn status_of(cred: &Value) -> ler_verify::Report {
    let fetcher = HttpFetcher::new(Policy {
        allow_private: true,
        danger_allow_http: true,
        ..Policy::default()
    });
    Verifier::new(Options {
        documents: Documents::embedded(),
        fetcher: &fetcher,
        trust: None,
        now: NOW,
        recipient: None,
        challenge: None,
        domain: None,
        status_cache: None,
    })
    .verify_value(cred)
}

#[test]
fn a_revoked_credential_fails_against_the_live_list() {
    let s = Server::start();
    let key = KeyPair::from_seed([9u8; 32]);
    let issuer = ler_crypto::did_key(&key.public_key());
    let url = s.url("/status/1");
    let mut state = ListState::new(&url, StatusPurpose::Revocation, 131_072).expect("list");
    let entry = state.allocate().expect("allocate");
    let index: usize = entry["statusListIndex"]
        .as_str()
        .expect("index")
        .parse()
        .expect("number");
    let publish = |state: &ListState| {
        let list = sign(
            &state.unsigned_list_credential(&issuer, "2026-01-01T00:00:00Z"),
            &key,
        );
        s.route(
            "/status/1",
            Route::ok(serde_json::to_vec(&list).expect("json")),
        );
    };
    publish(&state);
    let cred = sign(
        &json!({
            "@context": ["https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"],
            "id": "urn:uuid:7d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6",
            "type": ["VerifiableCredential", "OpenBadgeCredential"],
            "issuer": {"id": issuer, "type": ["Profile"], "name": "Acme Training"},
            "validFrom": "2026-01-01T00:00:00Z",
            "name": "Welding Basics",
            "credentialStatus": entry,
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
        }),
        &key,
    );
    let r = status_of(&cred);
    assert!(r.verified, "{:#?}", r.checks);
    let check = r
        .checks
        .iter()
        .find(|c| c.check == "status")
        .expect("status check");
    assert_eq!(check.status, Status::Passed);
    assert!(check.message.contains(&url), "{}", check.message);

    state.revoke(index).expect("revoke");
    publish(&state);
    let r = status_of(&cred);
    assert!(!r.verified);
    let check = r
        .checks
        .iter()
        .find(|c| c.check == "status")
        .expect("status check");
    assert_eq!(check.status, Status::Failed);
    assert!(check.message.contains("revoked"), "{}", check.message);
    assert_eq!(s.hits(), 2, "each verification fetched the list once");
}
