//! Issue, present and verify an employment record, and the errors of issue and present.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ler_proof::StaticResolver;
use ler_sdjwt::{EMPLOYMENT_VCT, Expect, IssueOptions, Part, SdJwtError, TYP};
use serde_json::{Value, json};

use crate::*;

/// Every part of a presentation decoded: JWT headers and payloads, and each disclosure's JSON.
pub fn decoded_text(presentation: &str) -> String {
    let mut out = String::new();
    for part in presentation.split('~') {
        for piece in part.split('.') {
            if let Ok(bytes) = URL_SAFE_NO_PAD.decode(piece) {
                out.push_str(&String::from_utf8_lossy(&bytes));
                out.push('\n');
            }
        }
    }
    out
}

#[test]
fn shares_title_and_dates_but_not_pay() {
    let shown = present(&issued(), &["/positionTitle", "/startDate", "/endDate"]);
    let v = verify(&shown).expect("verifies");
    assert_eq!(v.claims["positionTitle"], "Sous Chef");
    assert_eq!(v.claims["startDate"], "2021-03-01");
    assert_eq!(v.claims["endDate"], "2024-08-31");
    for hidden in [
        "pay",
        "employer",
        "hoursPerWeek",
        "location",
        "employmentType",
    ] {
        assert!(v.claims.get(hidden).is_none(), "{hidden} was revealed");
    }
    assert_eq!(v.disclosed, ["/endDate", "/positionTitle", "/startDate"]);
    assert!(v.holder_bound);
    assert_eq!(v.issuer, did(&employer()));
    assert_eq!(v.vct, EMPLOYMENT_VCT);
    assert_eq!(v.verification_method, kid(&employer()));
    assert_eq!(v.claims["sub"], did(&worker()));
    assert!(v.claims.get("_sd").is_none() && v.claims.get("_sd_alg").is_none());

    // The pay is nowhere in what the verifier received, encoded or decoded.
    assert!(!shown.contains(PAY_AMOUNT));
    let text = decoded_text(&shown);
    assert!(text.contains("Sous Chef"), "decoding works: {text}");
    assert!(!text.contains(PAY_AMOUNT), "pay leaked: {text}");
    assert!(!text.contains("Pay"), "pay leaked: {text}");
}

#[test]
fn reveals_everything_when_asked() {
    let shown = present(&issued(), &SD_PATHS);
    let v = verify(&shown).expect("verifies");
    let Value::Object(record) = record() else {
        unreachable!()
    };
    for (k, want) in &record {
        assert_eq!(v.claims.get(k), Some(want), "{k}");
    }
    let mut all: Vec<String> = SD_PATHS.iter().map(|p| p.to_string()).collect();
    all.sort();
    assert_eq!(v.disclosed, all);
    assert!(decoded_text(&shown).contains(PAY_AMOUNT));
}

#[test]
fn reveals_pay_without_its_amount() {
    let v = verify(&present(&issued(), &["/pay"])).expect("verifies");
    assert_eq!(
        v.claims["pay"],
        json!({"type": "Pay", "currency": "USD", "period": "Hour"})
    );
    assert_eq!(v.disclosed, ["/pay"]);
}

#[test]
fn revealing_a_nested_claim_reveals_its_parent() {
    let v = verify(&present(&issued(), &["/pay/amount"])).expect("verifies");
    assert_eq!(v.claims["pay"]["amount"], 23.75);
    assert_eq!(v.disclosed, ["/pay", "/pay/amount"]);
}

#[test]
fn reveals_nothing_selectively_disclosable_when_nothing_is_asked() {
    let v = verify(&present(&issued(), &[])).expect("verifies");
    assert!(v.disclosed.is_empty());
    let mut keys: Vec<&str> = v
        .claims
        .as_object()
        .map(|m| m.keys().map(String::as_str).collect())
        .unwrap_or_default();
    keys.sort();
    assert_eq!(keys, ["cnf", "iat", "iss", "sub", "vct"]);
}

#[test]
fn a_path_to_an_always_visible_claim_adds_nothing() {
    let v = verify(&present(&issued(), &["/sub", "/startDate"])).expect("verifies");
    assert_eq!(v.disclosed, ["/startDate"]);
}

#[test]
fn the_issuer_signed_jwt_is_an_sd_jwt_vc() {
    let sd_jwt = issued();
    let jwt = sd_jwt.split('~').next().unwrap_or_default();
    let d = ler_proof::decode_jwt(jwt).expect("a JWS");
    assert_eq!(d.header["typ"], TYP);
    assert_eq!(d.header["alg"], "EdDSA");
    assert_eq!(d.header["kid"], kid(&employer()));
    let p = &d.payload;
    assert_eq!(p["iss"], did(&employer()));
    assert_eq!(p["iat"], ISSUED);
    assert_eq!(p["vct"], EMPLOYMENT_VCT);
    assert_eq!(p["_sd_alg"], "sha-256");
    assert_eq!(
        p["cnf"],
        json!({"jwk": {
            "kty": "OKP",
            "crv": "Ed25519",
            "x": URL_SAFE_NO_PAD.encode(worker().public_key().as_bytes())
        }})
    );
    for hidden in ["positionTitle", "pay", "employer", "startDate"] {
        assert!(!p.contains_key(hidden), "{hidden} is in plain view");
    }
    let sd: Vec<&str> = p["_sd"]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let mut sorted = sd.clone();
    sorted.sort();
    assert_eq!(sd, sorted, "the _sd array is sorted");
    // Eight top-level disclosable claims, plus up to three decoys.
    assert!((8..=11).contains(&sd.len()), "{} digests", sd.len());
    // Salts are 128 bits, base64url: 22 characters.
    let first = sd_jwt.split('~').nth(1).unwrap_or_default();
    let array: Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(first).expect("base64url")).expect("JSON");
    assert_eq!(array[0].as_str().map(str::len), Some(22));
}

#[test]
fn decoys_are_added_when_asked() {
    // Over several issuances at least one `_sd` array gets decoys; with none asked, never.
    let holder = worker().public_key();
    let count = |max_decoys: usize, seed: u8| {
        let opts = IssueOptions {
            max_decoys,
            ..options(&holder)
        };
        let sd_jwt = ler_sdjwt::issue(
            &record(),
            &SD_PATHS,
            &employer(),
            &kid(&employer()),
            &opts,
            &mut test_salts(seed),
        )
        .expect("issue");
        let jwt = sd_jwt.split('~').next().unwrap_or_default();
        let p = ler_proof::decode_jwt(jwt).expect("a JWS").payload;
        p["_sd"].as_array().map(Vec::len).unwrap_or_default()
    };
    assert!((0..8).all(|seed| count(0, seed) == 8));
    assert!((0..8).any(|seed| count(3, seed) > 8));
}

#[test]
fn inspect_shows_the_holder_every_claim_and_path() {
    let seen = ler_sdjwt::inspect(&issued()).expect("inspects");
    let mut paths = seen.disclosable.clone();
    paths.sort();
    let mut want: Vec<String> = SD_PATHS.iter().map(|p| p.to_string()).collect();
    want.sort();
    assert_eq!(paths, want);
    assert_eq!(seen.claims["pay"]["amount"], 23.75);
    assert_eq!(seen.header["typ"], TYP);
}

#[test]
fn verifies_an_sd_jwt_without_key_binding_when_none_is_required() {
    let relaxed = Expect {
        nonce: None,
        aud: None,
        now: VERIFIED,
        require_key_binding: false,
    };
    let v = ler_sdjwt::verify(&issued(), &ler_proof::DidKeyResolver, &relaxed).expect("verifies");
    assert!(!v.holder_bound);
    assert_eq!(v.disclosed.len(), SD_PATHS.len());
}

#[test]
fn accepts_the_older_vc_sd_jwt_typ() {
    let sd_jwt = issued();
    let (jwt, rest) = sd_jwt.split_once('~').unwrap_or_default();
    let payload = ler_proof::decode_jwt(jwt).expect("a JWS").payload;
    let mut header = serde_json::Map::new();
    header.insert("typ".into(), "vc+sd-jwt".into());
    let old = ler_proof::sign_jwt(
        &header,
        &Value::Object(payload),
        &employer(),
        &kid(&employer()),
    );
    let shown = present(&format!("{old}~{rest}"), &["/positionTitle"]);
    assert_eq!(
        verify(&shown).expect("verifies").disclosed,
        ["/positionTitle"]
    );
}

#[test]
fn hides_and_reveals_array_elements() {
    let mut claims = record();
    claims["skills"] = json!(["knife work", "menu costing", "food safety"]);
    let sd_jwt = issued_with(&claims, &["/skills/1", "/pay"], 9);
    let none = verify(&present(&sd_jwt, &[])).expect("verifies");
    assert_eq!(none.claims["skills"], json!(["knife work", "food safety"]));
    let one = verify(&present(&sd_jwt, &["/skills/1"])).expect("verifies");
    assert_eq!(
        one.claims["skills"],
        json!(["knife work", "menu costing", "food safety"])
    );
    assert_eq!(one.disclosed, ["/skills/1"]);
}

#[test]
fn verifies_a_did_web_issuer_through_the_callers_resolver() {
    let issuer = "did:web:harbor-kitchens.example";
    let vm = format!("{issuer}#key-1");
    let mut claims = record();
    claims["iss"] = issuer.into();
    let holder = worker().public_key();
    let sd_jwt = ler_sdjwt::issue(
        &claims,
        &SD_PATHS,
        &employer(),
        &vm,
        &options(&holder),
        &mut test_salts(1),
    )
    .expect("issue");
    let shown = present(&sd_jwt, &["/positionTitle"]);
    let mut resolver = StaticResolver::new();
    resolver.insert(&vm, issuer, employer().public_key());
    let v = ler_sdjwt::verify(&shown, &resolver, &expect()).expect("verifies");
    assert_eq!(v.issuer, issuer);
    // Without the caller's resolver the did:web key cannot be found.
    assert!(matches!(verify(&shown), Err(SdJwtError::IssuerJwt(_))));
}

#[test]
fn honours_the_credentials_validity_period() {
    let mut claims = record();
    claims["exp"] = (ISSUED + 100).into();
    let expired = present(&issued_with(&claims, &SD_PATHS, 2), &["/positionTitle"]);
    assert_eq!(
        verify(&expired).map(|_| ()),
        Err(SdJwtError::Expired(Part::Issuer, ISSUED + 100))
    );

    let mut claims = record();
    claims["nbf"] = (VERIFIED + 86_400).into();
    let early = present(&issued_with(&claims, &SD_PATHS, 3), &["/positionTitle"]);
    assert_eq!(
        verify(&early).map(|_| ()),
        Err(SdJwtError::NotYetValid(Part::Issuer, VERIFIED + 86_400))
    );

    let shown = present(&issued(), &["/positionTitle"]);
    let back_then = Expect {
        now: ISSUED - 3_600,
        ..expect()
    };
    assert_eq!(
        ler_sdjwt::verify(&shown, &ler_proof::DidKeyResolver, &back_then).map(|_| ()),
        Err(SdJwtError::IssuedInFuture(Part::Issuer, ISSUED))
    );
    // Within the five minutes of skew, it is accepted.
    let skewed = Expect {
        now: PRESENTED - 200,
        ..expect()
    };
    assert!(ler_sdjwt::verify(&shown, &ler_proof::DidKeyResolver, &skewed).is_ok());
}

#[test]
fn refuses_a_key_binding_jwt_from_the_future() {
    let later = ler_sdjwt::present(
        &issued(),
        &["/positionTitle"],
        &worker(),
        NONCE,
        AUD,
        VERIFIED + 3_600,
    )
    .expect("present");
    assert_eq!(
        verify(&later).map(|_| ()),
        Err(SdJwtError::IssuedInFuture(
            Part::KeyBinding,
            VERIFIED + 3_600
        ))
    );
}

fn issue_err(claims: &Value, paths: &[&str]) -> SdJwtError {
    let holder = worker().public_key();
    ler_sdjwt::issue(
        claims,
        paths,
        &employer(),
        &kid(&employer()),
        &options(&holder),
        &mut test_salts(0),
    )
    .expect_err("issue should refuse")
}

#[test]
fn issue_keeps_validity_claims_visible() {
    for p in [
        "/iss", "/vct", "/cnf", "/cnf/jwk", "/exp", "/nbf", "/status",
    ] {
        let mut claims = record();
        claims["exp"] = (ISSUED + 1_000_000).into();
        claims["nbf"] = ISSUED.into();
        claims["status"] = json!({"status_list": {"idx": 1, "uri": "https://example.org/s"}});
        assert_eq!(
            issue_err(&claims, &[p]),
            SdJwtError::NotDisclosable(p.into()),
            "{p}"
        );
    }
}

#[test]
fn issue_refuses_what_it_cannot_make() {
    assert_eq!(
        issue_err(&record(), &["/salary"]),
        SdJwtError::UnknownPath("/salary".into())
    );
    assert_eq!(
        issue_err(&record(), &["/pay/amount/x"]),
        SdJwtError::UnknownPath("/pay/amount/x".into())
    );
    assert_eq!(
        issue_err(&record(), &["/pay/amount", "/pay/_sd"]),
        SdJwtError::UnknownPath("/pay/_sd".into())
    );
    assert!(matches!(
        issue_err(&record(), &["/pay", "/pay"]),
        SdJwtError::InvalidPath { .. }
    ));
    assert!(matches!(
        issue_err(&record(), &["pay"]),
        SdJwtError::InvalidPath { .. }
    ));
    assert!(matches!(
        issue_err(&json!(["not", "an", "object"]), &[]),
        SdJwtError::InvalidClaims(_)
    ));
    let mut reserved = record();
    reserved["pay"]["_sd"] = json!(["x"]);
    assert!(matches!(
        issue_err(&reserved, &[]),
        SdJwtError::InvalidClaims(_)
    ));
    let mut set_by_issue = record();
    set_by_issue["vct"] = "https://example.org/other".into();
    assert!(matches!(
        issue_err(&set_by_issue, &[]),
        SdJwtError::InvalidClaims(_)
    ));
    let mut other_issuer = record();
    other_issuer["iss"] = did(&stranger()).into();
    assert!(matches!(
        issue_err(&other_issuer, &[]),
        SdJwtError::InvalidClaims(_)
    ));
}

#[test]
fn issue_refuses_a_salt_source_that_repeats() {
    let holder = worker().public_key();
    let got = ler_sdjwt::issue(
        &record(),
        &SD_PATHS,
        &employer(),
        &kid(&employer()),
        &IssueOptions {
            max_decoys: 0,
            ..options(&holder)
        },
        &mut || [7; 16],
    );
    assert_eq!(got, Err(SdJwtError::WeakSalt));
}

#[test]
fn issues_with_os_salts() {
    let holder = worker().public_key();
    let sd_jwt = ler_sdjwt::issue(
        &record(),
        &SD_PATHS,
        &employer(),
        &kid(&employer()),
        &options(&holder),
        &mut ler_sdjwt::os_salt,
    )
    .expect("issue");
    assert!(verify(&present(&sd_jwt, &["/pay/amount"])).is_ok());
}

#[test]
fn present_refuses_what_it_cannot_do() {
    let sd_jwt = issued();
    assert_eq!(
        ler_sdjwt::present(
            &sd_jwt,
            &["/positionTitle"],
            &stranger(),
            NONCE,
            AUD,
            PRESENTED
        ),
        Err(SdJwtError::WrongHolderKey)
    );
    assert_eq!(
        ler_sdjwt::present(&sd_jwt, &["/salary"], &worker(), NONCE, AUD, PRESENTED),
        Err(SdJwtError::UnknownPath("/salary".into()))
    );
    let shown = present(&sd_jwt, &["/positionTitle"]);
    assert_eq!(
        ler_sdjwt::present(
            &shown,
            &["/positionTitle"],
            &worker(),
            NONCE,
            AUD,
            PRESENTED
        ),
        Err(SdJwtError::UnexpectedKeyBinding)
    );
}
