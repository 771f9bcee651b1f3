//! VC-JWT: both forms verify, and every hostile token fails the check that guards against it,
//! with the reason in words.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ler_crypto::KeyPair;
use ler_proof::{VcJwtForm, sign_jwt, sign_vc_jwt};
use ler_verify::{Report, Status};
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use crate::common::{Setup, check, did, key, ob3, verify_with, vm};

fn verify_token(token: &str) -> Report {
    verify_with(token.as_bytes(), &Setup::default())
}

/// Asserts that some `name` check failed with a message containing every needle.
fn assert_failed(r: &Report, name: &str, needles: &[&str]) {
    assert!(!r.verified, "verified: {:#?}", r.checks);
    let hit = r.checks.iter().any(|c| {
        c.check == name
            && c.status == Status::Failed
            && needles.iter().all(|n| c.message.contains(n))
    });
    assert!(
        hit,
        "no failed {name} check with {needles:?} in {:#?}",
        r.checks
    );
}

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// A token from raw header and payload JSON and a raw signature.
fn raw(header: &Value, payload: &Value, signature: &[u8]) -> String {
    format!(
        "{}.{}.{}",
        b64(header.to_string().as_bytes()),
        b64(payload.to_string().as_bytes()),
        b64(signature)
    )
}

/// The 1EdTech payload of `ob3(issuer)`: the credential and its mirrored claims.
fn one_edtech_payload(issuer: &str) -> Map<String, Value> {
    let mut p = ob3(issuer).as_object().cloned().expect("object");
    p.insert("iss".into(), issuer.into());
    p.insert("jti".into(), p["id"].clone());
    p.insert("nbf".into(), 1_767_225_600.into()); // 2026-01-01T00:00:00Z
    p.insert("sub".into(), "did:example:learner-1".into());
    p
}

fn header(typ: &str) -> Map<String, Value> {
    let mut h = Map::new();
    h.insert("typ".into(), typ.into());
    h
}

fn sign_payload(p: Map<String, Value>, k: &KeyPair, typ: &str) -> String {
    sign_jwt(&header(typ), &Value::Object(p), k, &vm(k))
}

/// HMAC-SHA256 (RFC 2104), by hand.
fn hmac_sha256(secret: &[u8], msg: &[u8]) -> [u8; 32] {
    let mut k = [0u8; 64];
    if secret.len() > 64 {
        k[..32].copy_from_slice(&Sha256::digest(secret));
    } else {
        k[..secret.len()].copy_from_slice(secret);
    }
    let inner: Vec<u8> = k
        .iter()
        .map(|b| b ^ 0x36)
        .chain(msg.iter().copied())
        .collect();
    let inner_hash = Sha256::digest(&inner);
    let outer: Vec<u8> = k
        .iter()
        .map(|b| b ^ 0x5c)
        .chain(inner_hash.iter().copied())
        .collect();
    Sha256::digest(&outer).into()
}

#[test]
fn hmac_helper_matches_rfc_4231_case_2() {
    let mac = hmac_sha256(b"Jefe", b"what do ya want for nothing?");
    let hex: String = mac.iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(
        hex,
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
    );
}

#[test]
fn vc_jose_cose_token_verifies() {
    let k = key(1);
    let token = sign_vc_jwt(&ob3(&did(&k)), &k, &vm(&k), VcJwtForm::VcJoseCose).expect("sign");
    let r = verify_token(&token);
    assert!(r.verified, "{:#?}", r.checks);
    assert_eq!(r.format, "vc-jwt");
    assert_eq!(r.issuer.as_deref(), Some(did(&k).as_str()));
    assert_eq!(r.achievement.as_deref(), Some("Forklift Safety"));
    assert!(check(&r, "proof").message.contains("VC-JOSE-COSE"));
    assert_eq!(r.credential, Some(ob3(&did(&k))));
}

#[test]
fn one_edtech_token_verifies_and_its_claims_agree() {
    let k = key(2);
    let token = sign_vc_jwt(&ob3(&did(&k)), &k, &vm(&k), VcJwtForm::OneEdTech).expect("sign");
    let r = verify_token(&token);
    assert!(r.verified, "{:#?}", r.checks);
    assert!(check(&r, "proof").message.contains("1EdTech VC-JWT"));
    assert_eq!(check(&r, "claims").status, Status::Passed);
    // The JWT claims are not credential properties.
    assert_eq!(r.credential, Some(ob3(&did(&k))));
    // A JSON string holding the token is read too (as a file or an API body may give it).
    let quoted = serde_json::to_vec(&Value::String(token)).expect("json");
    assert!(verify_with(&quoted, &Setup::default()).verified);
}

#[test]
fn vc_1_1_edition_with_a_vc_claim_verifies() {
    let k = key(3);
    let mut p = Map::new();
    p.insert("iss".into(), did(&k).into());
    p.insert("jti".into(), ob3(&did(&k))["id"].clone());
    p.insert("nbf".into(), 1_767_225_600.into());
    p.insert("sub".into(), "did:example:learner-1".into());
    p.insert("vc".into(), ob3(&did(&k)));
    let r = verify_token(&sign_payload(p, &k, "JWT"));
    assert!(r.verified, "{:#?}", r.checks);
    assert!(check(&r, "proof").message.contains("vc claim"));
}

#[test]
fn rejects_alg_none() {
    let k = key(4);
    let token = raw(
        &json!({"alg": "none", "typ": "JWT"}),
        &Value::Object(one_edtech_payload(&did(&k))),
        b"",
    );
    let r = verify_token(&token);
    assert_failed(&r, "proof", &["\"none\"", "unsigned"]);
}

#[test]
fn rejects_hs256_made_with_the_public_key_as_hmac_secret() {
    let k = key(5);
    let h = json!({"alg": "HS256", "typ": "JWT", "kid": vm(&k)});
    let p = Value::Object(one_edtech_payload(&did(&k)));
    let input = format!(
        "{}.{}",
        b64(h.to_string().as_bytes()),
        b64(p.to_string().as_bytes())
    );
    for secret in [
        k.public_key().as_bytes().to_vec(),
        k.public_key().to_multibase().into_bytes(),
    ] {
        let token = format!("{input}.{}", b64(&hmac_sha256(&secret, input.as_bytes())));
        let r = verify_token(&token);
        assert_failed(&r, "proof", &["\"HS256\"", "HMAC secret"]);
    }
}

#[test]
fn rejects_a_foreign_kid() {
    let issuer = key(6);
    let mallory = key(7);
    // Mallory signs the issuer's credential with her own did:key and names her own key.
    let p = one_edtech_payload(&did(&issuer));
    let r = verify_token(&sign_payload(p.clone(), &mallory, "JWT"));
    assert_failed(
        &r,
        "proof",
        &[&vm(&mallory), "not the issuer", &did(&issuer)],
    );
    // Mallory names the issuer's key but cannot make its signature.
    let forged = sign_jwt(&header("JWT"), &Value::Object(p), &mallory, &vm(&issuer));
    assert_failed(
        &verify_token(&forged),
        "proof",
        &["signature does not verify"],
    );
}

#[test]
fn rejects_a_wrong_typ() {
    let k = key(8);
    for typ in ["vp+jwt", "at+jwt", "JOSE"] {
        let r = verify_token(&sign_payload(one_edtech_payload(&did(&k)), &k, typ));
        assert_failed(&r, "proof", &["typ", typ]);
    }
}

#[test]
fn rejects_a_tampered_payload_and_still_shows_what_it_says() {
    let k = key(9);
    let token = sign_vc_jwt(&ob3(&did(&k)), &k, &vm(&k), VcJwtForm::OneEdTech).expect("sign");
    let mut parts = token.split('.');
    let (h, _, s) = (
        parts.next().expect("h"),
        parts.next().expect("p"),
        parts.next().expect("s"),
    );
    let mut p = one_edtech_payload(&did(&k));
    p["credentialSubject"]["achievement"]["name"] = "Crane Operation".into();
    let tampered = format!("{h}.{}.{s}", b64(Value::Object(p).to_string().as_bytes()));
    let r = verify_token(&tampered);
    assert_failed(&r, "proof", &["signature does not verify"]);
    assert_eq!(r.achievement.as_deref(), Some("Crane Operation"));
}

#[test]
fn rejects_1edtech_claims_that_disagree_with_the_credential() {
    let k = key(10);
    let cases: [(&str, Value, &[&str]); 5] = [
        (
            "iss",
            json!("did:example:someone-else"),
            &["iss claim", "the issuer"],
        ),
        (
            "jti",
            json!("urn:uuid:another"),
            &["jti claim", "credential id"],
        ),
        (
            "sub",
            json!("did:example:learner-2"),
            &["sub claim", "credentialSubject.id"],
        ),
        ("nbf", json!(1_700_000_000), &["nbf claim", "validFrom"]),
        ("exp", json!(1_900_000_000), &["exp claim", "validUntil"]),
    ];
    for (claim, value, needles) in cases {
        let mut p = one_edtech_payload(&did(&k));
        if claim == "exp" {
            p.insert("validUntil".into(), "2030-01-01T00:00:00Z".into());
        }
        p.insert(claim.into(), value);
        let r = verify_token(&sign_payload(p, &k, "JWT"));
        assert_failed(&r, "claims", needles);
        // The signature itself is fine: only the mapping fails.
        assert_eq!(check(&r, "proof").status, Status::Passed, "{claim}");
    }
    for claim in ["iss", "jti", "nbf", "sub"] {
        let mut p = one_edtech_payload(&did(&k));
        p.remove(claim);
        let r = verify_token(&sign_payload(p, &k, "JWT"));
        assert_failed(&r, "claims", &[claim, "missing"]);
    }
}

#[test]
fn vc_jose_cose_refuses_a_conflicting_iss_and_a_vc_claim() {
    let k = key(11);
    let mut p = ob3(&did(&k)).as_object().cloned().expect("object");
    p.insert("iss".into(), "did:example:someone-else".into());
    let r = verify_token(&sign_payload(p, &k, "vc+jwt"));
    assert_failed(&r, "claims", &["iss claim"]);
    let mut p = ob3(&did(&k)).as_object().cloned().expect("object");
    p.insert("vc".into(), json!({}));
    let r = verify_token(&sign_payload(p, &k, "vc+jwt"));
    assert_failed(&r, "claims", &["vc claim", "VC-JOSE-COSE forbids"]);
}

#[test]
fn rejects_expired_tokens_and_credentials() {
    let k = key(12);
    // validUntil in the past, mirrored in exp (1EdTech).
    let mut cred = ob3(&did(&k));
    cred["validUntil"] = "2026-03-01T00:00:00Z".into();
    let token = sign_vc_jwt(&cred, &k, &vm(&k), VcJwtForm::OneEdTech).expect("sign");
    let r = verify_token(&token);
    assert_failed(&r, "validity", &["expired", "2026-03-01T00:00:00Z"]);
    assert_eq!(check(&r, "proof").status, Status::Passed);
    // An exp claim in the past on a credential with no end date (VC-JOSE-COSE).
    let mut p = ob3(&did(&k)).as_object().cloned().expect("object");
    p.insert("exp".into(), 1_772_323_200.into()); // 2026-03-01T00:00:00Z
    let r = verify_token(&sign_payload(p, &k, "vc+jwt"));
    assert_failed(&r, "validity", &["exp claim", "2026-03-01T00:00:00Z"]);
    // A token not valid yet.
    let mut p = ob3(&did(&k)).as_object().cloned().expect("object");
    p.insert("nbf".into(), 1_900_000_000.into());
    let r = verify_token(&sign_payload(p, &k, "vc+jwt"));
    assert_failed(&r, "validity", &["nbf claim"]);
}

#[test]
fn malformed_tokens_fail_the_proof_check_with_the_reason() {
    let cases: [(&str, &str); 3] = [
        ("eyJhbGciOiJFZERTQSJ9.e30.A", "signature is not base64url"),
        ("eyJhbGciOiJFZERTQSJ9.bm90IGpzb24.AA", "payload is not JSON"),
        (
            "eyJhbGciOiJFZERTQSJ9.WzFd.AA",
            "payload is not a JSON object",
        ),
    ];
    for (token, reason) in cases {
        let r = verify_with(token.as_bytes(), &Setup::default());
        assert_eq!(r.format, "vc-jwt", "{token}");
        assert_failed(&r, "proof", &[reason]);
    }
}

#[test]
fn a_baked_jwt_verifies_from_the_image() {
    let k = key(13);
    let token = sign_vc_jwt(&ob3(&did(&k)), &k, &vm(&k), VcJwtForm::OneEdTech).expect("sign");
    let svg = b"<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 1 1\"><rect/></svg>";
    let baked = ler_bake::bake(svg, &token).expect("bake");
    let r = verify_with(&baked, &Setup::default());
    assert!(r.verified, "{:#?}", r.checks);
    assert_eq!(check(&r, "baked").status, Status::Passed);
}
