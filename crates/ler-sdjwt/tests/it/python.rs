//! Interop with the IETF reference implementation of SD-JWT (PyPI `sd-jwt` 0.10.4), signing
//! with Ed25519: `sd-jwt-python/generate.py` issued an employment record with the test keys and
//! presented part of it with a KB-JWT; ler verifies that presentation, and presents the
//! library's issuance itself.

use ler_proof::DidKeyResolver;
use ler_sdjwt::Expect;
use serde_json::{Value, json};

use crate::*;

fn read(name: &str) -> String {
    let p = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/it/sd-jwt-python/");
    let path = format!("{p}{name}");
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{path}: {e}"))
        .trim()
        .to_string()
}

fn kb() -> Value {
    serde_json::from_str(&read("kb.json")).expect("kb.json")
}

#[test]
fn verifies_the_reference_implementations_presentation() {
    let kb = kb();
    let expect = Expect {
        nonce: kb["nonce"].as_str(),
        aud: kb["aud"].as_str(),
        now: kb["iat"].as_i64().unwrap_or_default() + 60,
        require_key_binding: true,
    };
    let v =
        ler_sdjwt::verify(&read("presentation.txt"), &DidKeyResolver, &expect).expect("verifies");
    assert_eq!(v.issuer, did(&employer()));
    assert_eq!(v.verification_method, kid(&employer()));
    assert!(v.holder_bound);
    assert_eq!(
        v.disclosed,
        ["/pay", "/pay/amount", "/positionTitle", "/startDate"]
    );
    assert_eq!(v.claims["positionTitle"], "Sous Chef");
    assert_eq!(
        v.claims["pay"],
        json!({"type": "Pay", "amount": 23.75, "currency": "USD", "period": "Hour"})
    );
    assert_eq!(v.claims["skills"], json!(["knife work", "food safety"]));
    for hidden in ["employer", "endDate"] {
        assert!(v.claims.get(hidden).is_none(), "{hidden}");
    }
}

#[test]
fn presents_the_reference_implementations_issuance() {
    let issuance = read("issuance.txt");
    let seen = ler_sdjwt::inspect(&issuance).expect("inspects");
    let mut paths = seen.disclosable.clone();
    paths.sort();
    assert_eq!(
        paths,
        [
            "/employer",
            "/endDate",
            "/pay",
            "/pay/amount",
            "/positionTitle",
            "/skills/1",
            "/startDate"
        ]
    );
    let shown = present(&issuance, &["/endDate", "/skills/1"]);
    let v = verify(&shown).expect("verifies");
    assert_eq!(v.disclosed, ["/endDate", "/skills/1"]);
    assert_eq!(
        v.claims["skills"],
        json!(["knife work", "menu costing", "food safety"])
    );
    assert!(v.claims.get("pay").is_none());
}
