//! Every way a presentation can be forged or altered, and the error each one gets.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ler_crypto::KeyPair;
use ler_proof::JoseError;
use ler_sdjwt::{Expect, SdJwtError, digest};
use serde_json::{Map, Value, json};

use crate::*;

/// The presentation without its KB-JWT: `<JWT>~<disclosure>~…~`.
fn sd_part(presentation: &str) -> &str {
    match presentation.rfind('~') {
        Some(i) => &presentation[..=i],
        None => presentation,
    }
}

/// A KB-JWT over `sd_jwt` signed with `key`, with the given header and claims added.
fn kb_jwt(sd_jwt: &str, key: &KeyPair, header: Value, claims: Value) -> String {
    let mut h = json!({"alg": "EdDSA", "typ": "kb+jwt"});
    let mut p = json!({"iat": PRESENTED, "aud": AUD, "nonce": NONCE, "sd_hash": digest(sd_jwt)});
    merge(&mut h, header);
    merge(&mut p, claims);
    raw_jwt(&h, &p, Some(key))
}

fn merge(into: &mut Value, from: Value) {
    if let (Value::Object(into), Value::Object(from)) = (into, from) {
        for (k, v) in from {
            if v.is_null() {
                into.remove(&k);
            } else {
                into.insert(k, v);
            }
        }
    }
}

/// A compact JWS with exactly this header, signed with `key` (or with an empty signature).
fn raw_jwt(header: &Value, payload: &Value, key: Option<&KeyPair>) -> String {
    let input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(payload.to_string())
    );
    let sig = key
        .map(|k| k.sign(input.as_bytes()).to_vec())
        .unwrap_or_default();
    format!("{input}.{}", URL_SAFE_NO_PAD.encode(sig))
}

/// The issued SD-JWT's issuer-signed payload.
fn issued_payload(sd_jwt: &str) -> Map<String, Value> {
    let jwt = sd_jwt.split('~').next().unwrap_or_default();
    ler_proof::decode_jwt(jwt).expect("a JWS").payload
}

/// An SD-JWT VC signed by the employer with a hand-made payload and disclosures.
fn hand_made(payload: &Value, disclosures: &[String]) -> String {
    let mut header = Map::new();
    header.insert("typ".into(), "dc+sd-jwt".into());
    let jwt = ler_proof::sign_jwt(&header, payload, &employer(), &kid(&employer()));
    let mut out = format!("{jwt}~");
    for d in disclosures {
        out.push_str(d);
        out.push('~');
    }
    out
}

fn disclosure(array: Value) -> String {
    URL_SAFE_NO_PAD.encode(array.to_string())
}

/// The hand-made SD-JWT presented by the worker with every disclosure.
fn hand_made_presented(payload: &Value, disclosures: &[String]) -> String {
    let sd_jwt = hand_made(payload, disclosures);
    let kb = kb_jwt(&sd_jwt, &worker(), json!({}), json!({}));
    format!("{sd_jwt}{kb}")
}

fn base_payload() -> Value {
    json!({
        "iss": did(&employer()),
        "iat": ISSUED,
        "vct": ler_sdjwt::EMPLOYMENT_VCT,
        "cnf": {"jwk": {
            "kty": "OKP",
            "crv": "Ed25519",
            "x": URL_SAFE_NO_PAD.encode(worker().public_key().as_bytes())
        }},
        "_sd_alg": "sha-256"
    })
}

fn shown() -> String {
    present(&issued(), &["/positionTitle", "/startDate", "/endDate"])
}

#[test]
fn the_hand_made_baseline_verifies() {
    let d = disclosure(json!(["salt-1", "positionTitle", "Sous Chef"]));
    let mut p = base_payload();
    p["_sd"] = json!([digest(&d)]);
    let v = verify(&hand_made_presented(&p, &[d])).expect("verifies");
    assert_eq!(v.claims["positionTitle"], "Sous Chef");
}

#[test]
fn rejects_a_tampered_disclosure() {
    let shown = shown();
    let parts: Vec<&str> = shown.split('~').collect();
    // Replace the title's disclosure by one with the same salt and a better title.
    let mut forged = Vec::new();
    for part in &parts {
        let decoded = URL_SAFE_NO_PAD
            .decode(part)
            .ok()
            .and_then(|b| serde_json::from_slice::<Value>(&b).ok());
        match decoded {
            Some(Value::Array(a)) if a.get(1) == Some(&json!("positionTitle")) => {
                forged.push(disclosure(json!([a[0], "positionTitle", "Executive Chef"])));
            }
            _ => forged.push(part.to_string()),
        }
    }
    let forged = forged.join("~");
    assert_ne!(forged, shown);
    assert_eq!(
        verify(&forged).map(|_| ()),
        Err(SdJwtError::UnreferencedDisclosure(
            "for \"positionTitle\"".into()
        ))
    );
    // Even with a fresh KB-JWT over the forgery, the digest does not match.
    let sd = sd_part(&forged);
    let rebound = format!("{sd}{}", kb_jwt(sd, &worker(), json!({}), json!({})));
    assert!(matches!(
        verify(&rebound),
        Err(SdJwtError::UnreferencedDisclosure(_))
    ));
}

#[test]
fn rejects_a_disclosure_from_another_sd_jwt() {
    // The same worker's other record, with a pay the worker would rather show.
    let mut better = record();
    better["pay"]["amount"] = json!(95.0);
    let other = issued_with(&better, &SD_PATHS, 42);
    let other_pay = other
        .split('~')
        .skip(1)
        .find(|d| {
            URL_SAFE_NO_PAD
                .decode(d)
                .is_ok_and(|b| String::from_utf8_lossy(&b).contains("\"pay\""))
        })
        .expect("the other record's pay disclosure")
        .to_string();
    // The holder adds it and signs a fresh KB-JWT over the result.
    let sd = format!("{}{other_pay}~", sd_part(&shown()));
    let presented = format!("{sd}{}", kb_jwt(&sd, &worker(), json!({}), json!({})));
    assert_eq!(
        verify(&presented).map(|_| ()),
        Err(SdJwtError::UnreferencedDisclosure("for \"pay\"".into()))
    );
}

#[test]
fn rejects_a_presentation_without_key_binding_when_required() {
    let shown = shown();
    assert_eq!(
        verify(sd_part(&shown)).map(|_| ()),
        Err(SdJwtError::MissingKeyBinding)
    );
    // Asking for a nonce requires key binding too.
    let nonce_only = Expect {
        require_key_binding: false,
        aud: None,
        ..expect()
    };
    assert_eq!(
        ler_sdjwt::verify(sd_part(&shown), &ler_proof::DidKeyResolver, &nonce_only).map(|_| ()),
        Err(SdJwtError::MissingKeyBinding)
    );
}

#[test]
fn rejects_the_wrong_nonce_or_audience() {
    let sd_jwt = issued();
    let replayed = ler_sdjwt::present(
        &sd_jwt,
        &["/positionTitle"],
        &worker(),
        "old-nonce",
        AUD,
        PRESENTED,
    )
    .expect("present");
    assert_eq!(
        verify(&replayed).map(|_| ()),
        Err(SdJwtError::NonceMismatch)
    );
    let elsewhere = ler_sdjwt::present(
        &sd_jwt,
        &["/positionTitle"],
        &worker(),
        NONCE,
        "https://other.example",
        PRESENTED,
    )
    .expect("present");
    assert_eq!(
        verify(&elsewhere).map(|_| ()),
        Err(SdJwtError::AudienceMismatch(AUD.into()))
    );
}

#[test]
fn rejects_a_key_binding_jwt_missing_a_claim() {
    let sd = sd_part(&shown()).to_string();
    for claim in ["nonce", "aud", "iat", "sd_hash"] {
        let kb = kb_jwt(&sd, &worker(), json!({}), json!({ claim: null }));
        assert!(
            matches!(verify(&format!("{sd}{kb}")), Err(SdJwtError::KeyBinding(_))),
            "{claim}"
        );
    }
    let kb = kb_jwt(&sd, &worker(), json!({}), json!({"aud": [AUD]}));
    assert!(matches!(
        verify(&format!("{sd}{kb}")),
        Err(SdJwtError::KeyBinding(_))
    ));
}

#[test]
fn rejects_a_key_binding_jwt_signed_by_another_key() {
    let sd = sd_part(&shown()).to_string();
    let kb = kb_jwt(&sd, &stranger(), json!({}), json!({}));
    assert_eq!(
        verify(&format!("{sd}{kb}")).map(|_| ()),
        Err(SdJwtError::KeyBindingSignature)
    );
}

#[test]
fn rejects_a_disclosure_removed_after_key_binding() {
    let shown = shown();
    let parts: Vec<&str> = shown.split('~').collect();
    // <jwt>, three disclosures, <kb>: drop the second disclosure.
    assert_eq!(parts.len(), 5);
    let cut = [parts[0], parts[1], parts[3], parts[4]].join("~");
    assert_eq!(verify(&cut).map(|_| ()), Err(SdJwtError::SdHashMismatch));
    // Reordering the disclosures breaks the hash too.
    let swapped = [parts[0], parts[2], parts[1], parts[3], parts[4]].join("~");
    assert_eq!(
        verify(&swapped).map(|_| ()),
        Err(SdJwtError::SdHashMismatch)
    );
}

#[test]
fn rejects_an_issuer_key_that_is_not_the_issuers() {
    let sd_jwt = issued();
    let (_, rest) = sd_jwt.split_once('~').unwrap_or_default();
    let payload = Value::Object(issued_payload(&sd_jwt));
    let mut header = Map::new();
    header.insert("typ".into(), "dc+sd-jwt".into());

    // Signed by a stranger naming its own key: a valid signature, by the wrong party.
    let jwt = ler_proof::sign_jwt(&header, &payload, &stranger(), &kid(&stranger()));
    let sd = format!("{jwt}~{rest}");
    let presented =
        ler_sdjwt::present(&sd, &[], &worker(), NONCE, AUD, PRESENTED).expect("present");
    assert_eq!(
        verify(&presented).map(|_| ()),
        Err(SdJwtError::WrongIssuer {
            kid: kid(&stranger()),
            controller: did(&stranger()),
            issuer: did(&employer()),
        })
    );

    // Signed by a stranger naming the employer's key: the signature does not verify.
    let jwt = ler_proof::sign_jwt(&header, &payload, &stranger(), &kid(&employer()));
    let sd = format!("{jwt}~{rest}");
    let presented =
        ler_sdjwt::present(&sd, &[], &worker(), NONCE, AUD, PRESENTED).expect("present");
    assert_eq!(
        verify(&presented).map(|_| ()),
        Err(SdJwtError::IssuerJwt(JoseError::BadSignature))
    );
}

#[test]
fn rejects_alg_none() {
    let sd_jwt = issued();
    let (_, rest) = sd_jwt.split_once('~').unwrap_or_default();
    let header = json!({"alg": "none", "typ": "dc+sd-jwt", "kid": kid(&employer())});
    let unsigned = raw_jwt(&header, &Value::Object(issued_payload(&sd_jwt)), None);
    let sd = format!("{unsigned}~{rest}");
    let presented = format!("{sd}{}", kb_jwt(&sd, &worker(), json!({}), json!({})));
    assert!(matches!(
        verify(&presented),
        Err(SdJwtError::IssuerJwt(JoseError::UnsupportedAlg(_)))
    ));

    // An unsigned KB-JWT.
    let sd = sd_part(&shown()).to_string();
    let h = json!({"alg": "none", "typ": "kb+jwt"});
    let p = json!({"iat": PRESENTED, "aud": AUD, "nonce": NONCE, "sd_hash": digest(&sd)});
    let kb = raw_jwt(&h, &p, None);
    assert!(matches!(
        verify(&format!("{sd}{kb}")),
        Err(SdJwtError::KeyBinding(m)) if m.contains("none")
    ));
}

#[test]
fn rejects_the_wrong_typ() {
    let sd_jwt = issued();
    let (_, rest) = sd_jwt.split_once('~').unwrap_or_default();
    let payload = Value::Object(issued_payload(&sd_jwt));
    for typ in ["JWT", "vc+jwt", "kb+jwt"] {
        let mut header = Map::new();
        header.insert("typ".into(), typ.into());
        let jwt = ler_proof::sign_jwt(&header, &payload, &employer(), &kid(&employer()));
        let sd = format!("{jwt}~{rest}");
        let presented = format!("{sd}{}", kb_jwt(&sd, &worker(), json!({}), json!({})));
        assert!(
            matches!(
                verify(&presented),
                Err(SdJwtError::IssuerJwt(JoseError::WrongType { .. }))
            ),
            "{typ}"
        );
    }
    let sd = sd_part(&shown()).to_string();
    for typ in [json!("JWT"), json!(null), json!("dc+sd-jwt")] {
        let kb = kb_jwt(&sd, &worker(), json!({ "typ": typ }), json!({}));
        assert!(
            matches!(verify(&format!("{sd}{kb}")), Err(SdJwtError::KeyBinding(_))),
            "{typ}"
        );
    }
}

#[test]
fn rejects_a_disclosure_that_overwrites_a_visible_claim() {
    let d = disclosure(json!(["salt-1", "sub", "did:example:someone-else"]));
    let mut p = base_payload();
    p["sub"] = did(&worker()).into();
    p["_sd"] = json!([digest(&d)]);
    assert_eq!(
        verify(&hand_made_presented(&p, &[d])).map(|_| ()),
        Err(SdJwtError::ClaimConflict("/sub".into()))
    );
}

#[test]
fn rejects_reserved_names_and_validity_claims_in_disclosures() {
    for (name, want) in [
        ("_sd", SdJwtError::ReservedName("_sd".into())),
        ("...", SdJwtError::ReservedName("...".into())),
        ("exp", SdJwtError::CriticalClaimDisclosed("/exp".into())),
        ("cnf", SdJwtError::CriticalClaimDisclosed("/cnf".into())),
    ] {
        let d = disclosure(json!(["salt-1", name, 1]));
        let mut p = base_payload();
        p["_sd"] = json!([digest(&d)]);
        let got = verify(&hand_made_presented(&p, &[d])).map(|_| ());
        assert_eq!(got, Err(want), "{name}");
    }
}

#[test]
fn rejects_a_digest_listed_twice() {
    let d = disclosure(json!(["salt-1", "positionTitle", "Sous Chef"]));
    let mut p = base_payload();
    p["_sd"] = json!([digest(&d), digest(&d)]);
    assert_eq!(
        verify(&hand_made_presented(&p, std::slice::from_ref(&d))).map(|_| ()),
        Err(SdJwtError::DuplicateDigest(digest(&d)))
    );
    // And the same disclosure sent twice.
    let mut p = base_payload();
    p["_sd"] = json!([digest(&d)]);
    assert!(matches!(
        verify(&hand_made_presented(&p, &[d.clone(), d])),
        Err(SdJwtError::DuplicateDisclosure(_))
    ));
}

#[test]
fn rejects_another_digest_algorithm_and_a_missing_vct() {
    let mut p = base_payload();
    p["_sd_alg"] = "sha-512".into();
    assert_eq!(
        verify(&hand_made_presented(&p, &[])).map(|_| ()),
        Err(SdJwtError::UnsupportedHashAlg("sha-512".into()))
    );
    let mut p = base_payload();
    if let Value::Object(m) = &mut p {
        m.remove("vct");
    }
    assert_eq!(
        verify(&hand_made_presented(&p, &[])).map(|_| ()),
        Err(SdJwtError::MissingClaim("vct"))
    );
}

#[test]
fn rejects_a_holder_key_that_is_not_ed25519() {
    let mut p = base_payload();
    p["cnf"] = json!({"jwk": {"kty": "EC", "crv": "P-256", "x": "AA", "y": "AA"}});
    assert!(matches!(
        verify(&hand_made_presented(&p, &[])),
        Err(SdJwtError::NoHolderKey(_))
    ));
}

#[test]
fn rejects_malformed_presentations() {
    let shown = shown();
    for bad in [
        String::new(),
        "not an sd-jwt".to_string(),
        shown.replacen('~', "~~", 1),
        format!("~{shown}"),
        shown.replace('~', "~!!~"),
    ] {
        assert!(verify(&bad).is_err(), "{bad:?}");
    }
}
