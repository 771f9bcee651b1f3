//! Unit tests of the JOSE layer: signing, decoding, and each refusal of `verify_jwt`.

use serde_json::json;

use super::*;
use crate::{DidKeyResolver, StaticResolver};

fn key(seed: u8) -> KeyPair {
    KeyPair::from_seed([seed; 32])
}

fn vm(k: &KeyPair) -> String {
    ler_crypto::did_key_verification_method(&k.public_key())
}

fn did(k: &KeyPair) -> String {
    ler_crypto::did_key(&k.public_key())
}

fn credential(issuer: &str) -> Value {
    json!({
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": "urn:uuid:00000000-0000-4000-8000-000000000001",
        "type": ["VerifiableCredential"],
        "issuer": {"id": issuer, "name": "Example College"},
        "validFrom": "2026-01-01T00:00:00Z",
        "validUntil": "2030-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:learner"}
    })
}

/// Builds a token from raw header and payload JSON and a signature part.
fn raw_token(header: &Value, payload: &Value, signature: &[u8]) -> String {
    format!(
        "{}.{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(payload.to_string()),
        URL_SAFE_NO_PAD.encode(signature)
    )
}

#[test]
fn vc_jose_cose_round_trip_has_the_credential_as_payload() {
    let k = key(1);
    let cred = credential(&did(&k));
    let token = sign_vc_jwt(&cred, &k, &vm(&k), VcJwtForm::VcJoseCose).expect("sign");
    let v = verify_jwt(&token, &["vc+jwt"], &DidKeyResolver).expect("verify");
    assert_eq!(Value::Object(v.payload), cred);
    assert_eq!(v.header.get("alg"), Some(&json!("EdDSA")));
    assert_eq!(v.header.get("typ"), Some(&json!("vc+jwt")));
    assert_eq!(v.verification_method.controller, did(&k));
}

#[test]
fn one_edtech_payload_mirrors_the_credential_in_claims() {
    let k = key(2);
    let cred = credential(&did(&k));
    let token = sign_vc_jwt(&cred, &k, &vm(&k), VcJwtForm::OneEdTech).expect("sign");
    let v = verify_jwt(&token, &["JWT"], &DidKeyResolver).expect("verify");
    assert_eq!(v.header.get("typ"), Some(&json!("JWT")));
    let p = &v.payload;
    assert_eq!(p["iss"], json!(did(&k)));
    assert_eq!(p["jti"], cred["id"]);
    assert_eq!(p["nbf"], json!(1_767_225_600));
    assert_eq!(p["exp"], json!(1_893_456_000));
    assert_eq!(p["sub"], json!("did:example:learner"));
    assert_eq!(p["credentialSubject"], cred["credentialSubject"]);
}

#[test]
fn one_edtech_refuses_credentials_without_the_mirrored_members() {
    let k = key(3);
    let mut cred = credential(&did(&k));
    cred.as_object_mut().expect("object").remove("id");
    let e = sign_vc_jwt(&cred, &k, &vm(&k), VcJwtForm::OneEdTech).expect_err("no id");
    assert!(e.to_string().contains("jti"), "{e}");
    let mut cred = credential(&did(&k));
    cred["iss"] = json!("x");
    let e = sign_vc_jwt(&cred, &k, &vm(&k), VcJwtForm::OneEdTech).expect_err("iss member");
    assert!(e.to_string().contains("\"iss\""), "{e}");
}

#[test]
fn refuses_every_alg_but_eddsa_before_touching_a_key() {
    let k = key(4);
    let payload = credential(&did(&k));
    for alg in ["none", "HS256", "RS256", "ES256", "eddsa", "Ed25519"] {
        let h = json!({"alg": alg, "typ": "vc+jwt", "kid": vm(&k)});
        let t = raw_token(&h, &payload, b"");
        let e = verify_jwt(&t, &["vc+jwt"], &DidKeyResolver).expect_err(alg);
        assert!(
            matches!(&e, JoseError::UnsupportedAlg(m) if m.contains(alg)),
            "{alg}: {e}"
        );
    }
    let t = raw_token(&json!({"typ": "JWT", "kid": vm(&k)}), &payload, b"");
    assert!(matches!(
        verify_jwt(&t, &["JWT"], &DidKeyResolver),
        Err(JoseError::UnsupportedAlg(m)) if m.contains("no alg")
    ));
}

#[test]
fn typ_is_checked_and_a_missing_typ_counts_as_jwt() {
    let k = key(5);
    let payload = credential(&did(&k));
    let mut h = Map::new();
    h.insert("typ".into(), "application/VC+JWT".into());
    let t = sign_jwt(&h, &payload, &k, &vm(&k));
    assert!(verify_jwt(&t, &["vc+jwt"], &DidKeyResolver).is_ok());
    let e = verify_jwt(&t, &["JWT"], &DidKeyResolver).expect_err("wrong typ");
    assert!(matches!(e, JoseError::WrongType { .. }), "{e}");

    let t = sign_jwt(&Map::new(), &payload, &k, &vm(&k));
    assert!(verify_jwt(&t, &["JWT"], &DidKeyResolver).is_ok());
    assert!(verify_jwt(&t, &["vc+jwt"], &DidKeyResolver).is_err());
}

#[test]
fn structure_is_strict() {
    let k = key(6);
    let good =
        sign_vc_jwt(&credential(&did(&k)), &k, &vm(&k), VcJwtForm::VcJoseCose).expect("sign");
    let cases = [
        format!("{good}.x"),
        good.rsplit_once('.')
            .map(|(a, _)| a.to_string())
            .expect("dot"),
        format!("{good}="),
        format!("e30.{}", good.split_once('.').map(|(_, b)| b).expect("dot")),
        good.replacen("ey", "e!", 1),
    ];
    for t in &cases {
        assert!(
            verify_jwt(t, &["vc+jwt"], &DidKeyResolver).is_err(),
            "accepted {t}"
        );
    }
    let arr = raw_token(&json!([1]), &json!({}), &[0; 64]);
    assert!(matches!(
        decode_jwt(&arr),
        Err(JoseError::Malformed(m)) if m.contains("header is not a JSON object")
    ));
    let crit = raw_token(
        &json!({"alg": "EdDSA", "kid": vm(&k), "crit": ["b64"], "b64": false}),
        &json!({}),
        &[0; 64],
    );
    assert!(matches!(
        verify_jwt(&crit, &["JWT"], &DidKeyResolver),
        Err(JoseError::Critical(_))
    ));
}

#[test]
fn kid_is_required_and_must_resolve() {
    let k = key(7);
    let payload = credential(&did(&k));
    let t = raw_token(&json!({"alg": "EdDSA", "typ": "JWT"}), &payload, &[0; 64]);
    assert_eq!(
        verify_jwt(&t, &["JWT"], &DidKeyResolver).expect_err("no kid"),
        JoseError::MissingKid
    );
    let mut h = Map::new();
    h.insert("typ".into(), "JWT".into());
    let t = sign_jwt(&h, &payload, &k, "did:web:example.edu#key-1");
    assert!(matches!(
        verify_jwt(&t, &["JWT"], &DidKeyResolver),
        Err(JoseError::Unresolved { kid, .. }) if kid == "did:web:example.edu#key-1"
    ));
}

#[test]
fn relative_kid_resolves_against_the_issuer() {
    let k = key(8);
    let issuer = "did:web:college.example";
    let mut resolver = StaticResolver::new();
    resolver.insert(&format!("{issuer}#key-1"), issuer, k.public_key());
    let mut h = Map::new();
    h.insert("typ".into(), "vc+jwt".into());
    let t = sign_jwt(&h, &credential(issuer), &k, "#key-1");
    let v = verify_jwt(&t, &["vc+jwt"], &resolver).expect("verify");
    assert_eq!(v.verification_method.id, format!("{issuer}#key-1"));

    let no_issuer = sign_jwt(&h, &json!({"name": "x"}), &k, "#key-1");
    assert!(matches!(
        verify_jwt(&no_issuer, &["vc+jwt"], &resolver),
        Err(JoseError::Unresolved { reason, .. }) if reason.contains("relative kid")
    ));
}

#[test]
fn a_jwk_beside_kid_must_be_the_same_public_key() {
    let k = key(9);
    let other = key(10);
    let payload = credential(&did(&k));
    let jwk = |pk: &KeyPair| json!({"kty": "OKP", "crv": "Ed25519", "x": URL_SAFE_NO_PAD.encode(pk.public_key().as_bytes())});
    let mut h = Map::new();
    h.insert("jwk".into(), jwk(&k));
    assert!(
        verify_jwt(
            &sign_jwt(&h, &payload, &k, &vm(&k)),
            &["JWT"],
            &DidKeyResolver
        )
        .is_ok()
    );
    h.insert("jwk".into(), jwk(&other));
    assert!(matches!(
        verify_jwt(
            &sign_jwt(&h, &payload, &k, &vm(&k)),
            &["JWT"],
            &DidKeyResolver
        ),
        Err(JoseError::JwkMismatch(_))
    ));
}

#[test]
fn tampering_and_foreign_keys_break_the_signature() {
    let k = key(11);
    let other = key(12);
    let token =
        sign_vc_jwt(&credential(&did(&k)), &k, &vm(&k), VcJwtForm::VcJoseCose).expect("sign");
    let (h, rest) = token.split_once('.').expect("dot");
    let (_, s) = rest.split_once('.').expect("dot");
    let mut changed = credential(&did(&k));
    changed["credentialSubject"]["id"] = json!("did:example:mallory");
    let tampered = format!("{h}.{}.{s}", URL_SAFE_NO_PAD.encode(changed.to_string()));
    assert_eq!(
        verify_jwt(&tampered, &["vc+jwt"], &DidKeyResolver).expect_err("tampered"),
        JoseError::BadSignature
    );
    // Signed by another key but naming this one.
    let mut hx = Map::new();
    hx.insert("typ".into(), "vc+jwt".into());
    let forged = sign_jwt(&hx, &credential(&did(&k)), &other, &vm(&k));
    assert_eq!(
        verify_jwt(&forged, &["vc+jwt"], &DidKeyResolver).expect_err("forged"),
        JoseError::BadSignature
    );
}
