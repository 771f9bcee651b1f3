//! Laws: sign-then-verify holds for generated credentials, and every semantic mutation of a
//! signed credential fails verification.

use std::sync::OnceLock;

use ler_crypto::KeyPair;
use ler_jsonld::Documents;
use ler_proof::{Cryptosuite, Purpose, SignOptions, StaticResolver, sign, verify_proofs};
use proptest::prelude::*;
use serde_json::{Value, json};

use crate::assertion;

fn key() -> &'static KeyPair {
    static KEY: OnceLock<KeyPair> = OnceLock::new();
    KEY.get_or_init(|| KeyPair::from_seed([7u8; 32]))
}

fn issuer() -> String {
    ler_crypto::did_key(&key().public_key())
}

fn credential(name: &str, description: &str, tags: &[String], narrative: &str) -> Value {
    json!({
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
        ],
        "id": "urn:uuid:3e1ab1d2-51e0-4c4d-8bd0-0ea3e3b0e1a7",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": issuer(), "type": ["Profile"], "name": "Riverside Community College"},
        "validFrom": "2026-01-01T00:00:00Z",
        "name": name,
        "credentialSubject": {
            "id": "did:example:learner",
            "type": ["AchievementSubject"],
            "achievement": {
                "id": "https://example.edu/achievements/1",
                "type": ["Achievement"],
                "name": name,
                "description": description,
                "criteria": {"narrative": narrative},
                "tag": tags
            }
        }
    })
}

fn signed(doc: &Value, suite: Cryptosuite) -> Value {
    let opts = SignOptions {
        suite,
        verification_method: ler_crypto::did_key_verification_method(&key().public_key()),
        created: Some("2026-01-02T03:04:05Z".into()),
        purpose: Purpose::Assertion,
        expires: None,
    };
    sign(doc, key(), &opts, Documents::embedded()).expect("sign")
}

fn verifies(doc: &Value) -> bool {
    let issuer = issuer();
    match verify_proofs(
        doc,
        &assertion(&issuer),
        &StaticResolver::new(),
        Documents::embedded(),
    ) {
        Ok(outcomes) => outcomes.iter().all(|o| o.result.is_ok()),
        Err(_) => false,
    }
}

/// Mutations that change what the credential says, each of which must break the proof.
fn mutations(doc: &Value) -> Vec<(&'static str, Value)> {
    let mut out = Vec::new();
    let mut m = doc.clone();
    m["credentialSubject"]["achievement"]["name"] =
        json!(format!("{}!", doc["name"].as_str().unwrap_or("")));
    out.push(("changed value", m));
    let mut m = doc.clone();
    m["credentialSubject"]["achievement"]["image"] =
        json!({"id": "https://example.edu/x.png", "type": "Image"});
    out.push(("added property", m));
    let mut m = doc.clone();
    if let Some(o) = m["credentialSubject"]["achievement"].as_object_mut() {
        o.remove("criteria");
    }
    out.push(("removed property", m));
    let mut m = doc.clone();
    m["@context"][1] = json!("https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.2.json");
    out.push(("edited context", m));
    let mut m = doc.clone();
    m["proof"]["created"] = json!("2026-01-02T03:04:06Z");
    out.push(("changed proof created", m));
    let mut m = doc.clone();
    m["proof"]["proofPurpose"] = json!("authentication");
    out.push(("changed proof purpose", m));
    let mut m = doc.clone();
    m["issuer"]["id"] = json!("did:example:someone-else");
    out.push(("changed issuer", m));
    let pv = doc["proof"]["proofValue"]
        .as_str()
        .unwrap_or("")
        .to_string();
    for i in [1, pv.len() / 2, pv.len() - 1] {
        let mut chars: Vec<char> = pv.chars().collect();
        chars[i] = if chars[i] == '2' { '3' } else { '2' };
        let mut m = doc.clone();
        m["proof"]["proofValue"] = json!(chars.into_iter().collect::<String>());
        out.push(("changed signature character", m));
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn sign_then_verify_holds_and_mutations_fail(
        name in "\\PC{1,40}",
        description in "[ -~\\n\\t\"\\\\é中🎓]{0,80}",
        tags in proptest::collection::vec("[a-z ]{1,12}", 0..4),
        narrative in "\\PC{1,60}",
    ) {
        let doc = credential(&name, &description, &tags, &narrative);
        for suite in [Cryptosuite::EddsaRdfc2022, Cryptosuite::EddsaJcs2022] {
            let s = signed(&doc, suite);
            prop_assert!(verifies(&s), "{suite:?} did not verify");
            for (what, m) in mutations(&s) {
                prop_assert!(!verifies(&m), "{suite:?}: {what} still verified");
            }
        }
    }
}
