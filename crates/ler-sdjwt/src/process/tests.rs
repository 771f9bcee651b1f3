//! Unit tests of disclosure decoding and RFC 9901 §7.1 processing, on hand-made payloads.

use serde_json::json;

use super::*;

/// A disclosure for `array` (`[salt, name, value]` or `[salt, value]`), with its digest.
fn disclosure(array: Value) -> Disclosure {
    Disclosure::decode(&URL_SAFE_NO_PAD.encode(array.to_string())).expect("well-formed")
}

fn payload(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => panic!("test payloads are objects"),
    }
}

fn check(p: Value, ds: &[Disclosure], expect: Result<Value, SdJwtError>) {
    let got = process(payload(p), ds).map(|r| Value::Object(r.claims));
    assert_eq!(got, expect);
}

#[test]
fn decodes_the_rfc_9901_disclosure_and_its_digest() {
    // RFC 9901 §4.2.1 and §4.2.3.
    let d = Disclosure::decode(
        "WyJfMjZiYzRMVC1hYzZxMktJNmNCVzVlcyIsICJmYW1pbHlfbmFtZSIsICJNw7ZiaXVzIl0",
    )
    .expect("decodes");
    assert_eq!(d.name.as_deref(), Some("family_name"));
    assert_eq!(d.value, json!("Möbius"));
    assert_eq!(d.digest, "X9yH0Ajrdm1Oij4tWso9UzzKJvPoDxwmuEcO3XAdRC0");
    // §4.2.2: an array element.
    let e = Disclosure::decode("WyJsa2x4RjVqTVlsR1RQVW92TU5JdkNBIiwgIkZSIl0").expect("decodes");
    assert_eq!((e.name, e.value), (None, json!("FR")));
}

#[test]
fn refuses_malformed_disclosures() {
    let enc = |v: Value| URL_SAFE_NO_PAD.encode(v.to_string());
    for bad in [
        "not base64!".to_string(),
        URL_SAFE_NO_PAD.encode("not json"),
        enc(json!({"a": 1})),
        enc(json!(["salt"])),
        enc(json!(["salt", 1, 2])),
        enc(json!([1, "name", 2])),
        enc(json!(["salt", "name", 2, 3])),
    ] {
        assert!(
            matches!(Disclosure::decode(&bad), Err(SdJwtError::Malformed(_))),
            "{bad} should be refused"
        );
    }
}

#[test]
fn puts_properties_and_elements_in_place_and_drops_undisclosed_elements() {
    let a = disclosure(json!(["s1", "title", "Cook"]));
    let b = disclosure(json!(["s2", "DE"]));
    let p = json!({
        "_sd": [a.digest, "decoy-digest"],
        "list": [{"...": b.digest}, "US", {"...": "hidden"}],
        "_sd_alg": "sha-256"
    });
    check(
        p,
        &[a, b],
        Ok(json!({"list": ["DE", "US"], "title": "Cook"})),
    );
}

#[test]
fn records_paths_and_parents_of_recursive_disclosures() {
    let amount = disclosure(json!(["s1", "amount", 18.5]));
    let pay = disclosure(json!(["s2", "pay", {"currency": "USD", "_sd": [amount.digest]}]));
    let p = json!({"_sd": [pay.digest]});
    let r = process(payload(p), &[amount, pay]).expect("processes");
    assert_eq!(
        Value::Object(r.claims),
        json!({"pay": {"currency": "USD", "amount": 18.5}})
    );
    assert_eq!(r.placed[0].path, ["pay", "amount"]);
    assert_eq!(r.placed[0].parent, Some(1));
    assert_eq!(r.placed[1].path, ["pay"]);
    assert_eq!(r.placed[1].parent, None);
}

#[test]
fn rejects_a_disclosure_nobody_references() {
    let a = disclosure(json!(["s1", "title", "Cook"]));
    let stray = disclosure(json!(["s2", "pay", 100]));
    let p = json!({"_sd": [a.digest]});
    check(
        p,
        &[a, stray],
        Err(SdJwtError::UnreferencedDisclosure("for \"pay\"".into())),
    );
}

#[test]
fn rejects_a_child_disclosure_without_its_parent() {
    let amount = disclosure(json!(["s1", "amount", 18.5]));
    let pay = disclosure(json!(["s2", "pay", {"_sd": [amount.digest]}]));
    let p = json!({"_sd": [pay.digest]});
    assert!(matches!(
        process(payload(p), &[amount]),
        Err(SdJwtError::UnreferencedDisclosure(_))
    ));
}

#[test]
fn rejects_the_same_disclosure_twice() {
    let a = disclosure(json!(["s1", "title", "Cook"]));
    let p = json!({"_sd": [a.digest]});
    assert!(matches!(
        process(payload(p), &[a.clone(), a]),
        Err(SdJwtError::DuplicateDisclosure(_))
    ));
}

#[test]
fn rejects_a_digest_that_appears_twice() {
    let a = disclosure(json!(["s1", "title", "Cook"]));
    let twice_here = json!({"_sd": [a.digest, a.digest]});
    check(
        twice_here,
        std::slice::from_ref(&a),
        Err(SdJwtError::DuplicateDigest(a.digest.clone())),
    );
    // Undisclosed (decoy) digests count too, across objects.
    let across = json!({"_sd": ["x"], "o": {"_sd": ["x"]}});
    check(across, &[], Err(SdJwtError::DuplicateDigest("x".into())));
    // And a digest inside a disclosure that is also in the payload.
    let inner = disclosure(json!(["s3", "o", {"_sd": [a.digest]}]));
    let via = json!({"_sd": [inner.digest, a.digest]});
    assert!(matches!(
        process(payload(via), &[inner, a]),
        Err(SdJwtError::DuplicateDigest(_))
    ));
}

#[test]
fn rejects_a_disclosure_that_overwrites_a_claim() {
    let a = disclosure(json!(["s1", "title", "Manager"]));
    let p = json!({"title": "Cook", "_sd": [a.digest]});
    check(p, &[a], Err(SdJwtError::ClaimConflict("/title".into())));
    // Two disclosures reusing one name in one object.
    let b = disclosure(json!(["s2", "title", "Cook"]));
    let c = disclosure(json!(["s3", "title", "Manager"]));
    let p = json!({"_sd": [b.digest, c.digest]});
    check(p, &[b, c], Err(SdJwtError::ClaimConflict("/title".into())));
}

#[test]
fn rejects_reserved_claim_names() {
    for name in ["_sd", "...", "_sd_alg"] {
        let a = disclosure(json!(["s1", name, "x"]));
        let p = json!({"_sd": [a.digest]});
        check(p, &[a], Err(SdJwtError::ReservedName(name.into())));
    }
}

#[test]
fn rejects_validity_claims_in_disclosures_at_the_top_level_only() {
    let exp = disclosure(json!(["s1", "exp", 1]));
    let p = json!({"_sd": [exp.digest]});
    check(
        p,
        &[exp],
        Err(SdJwtError::CriticalClaimDisclosed("/exp".into())),
    );
    let nested = disclosure(json!(["s2", "status", "active"]));
    let p = json!({"job": {"_sd": [nested.digest]}});
    check(p, &[nested], Ok(json!({"job": {"status": "active"}})));
}

#[test]
fn rejects_disclosures_of_the_wrong_shape_for_their_place() {
    let element = disclosure(json!(["s1", "x"]));
    let p = json!({"_sd": [element.digest]});
    assert!(matches!(
        process(payload(p), &[element]),
        Err(SdJwtError::Malformed(_))
    ));
    let property = disclosure(json!(["s2", "name", "x"]));
    let p = json!({"list": [{"...": property.digest}]});
    assert!(matches!(
        process(payload(p), &[property]),
        Err(SdJwtError::Malformed(_))
    ));
}

#[test]
fn rejects_malformed_digest_containers() {
    for p in [
        json!({"_sd": "x"}),
        json!({"_sd": [1]}),
        json!({"o": {"...": "x"}}),
        json!({"list": [{"...": "x", "y": 1}]}),
        json!({"list": [{"...": 5}]}),
        json!({"o": {"_sd_alg": "sha-256"}}),
    ] {
        assert!(
            matches!(
                process(payload(p.clone()), &[]),
                Err(SdJwtError::Malformed(_))
            ),
            "{p} should be refused"
        );
    }
}

#[test]
fn caps_the_depth_of_disclosures_inside_disclosures() {
    // Each disclosure hides the next one level down: 70 of them nest past MAX_DEPTH.
    let mut ds = Vec::new();
    let mut inner = json!("bottom");
    for i in 0..70 {
        let d = disclosure(json!([format!("s{i}"), "n", inner]));
        inner = json!({"_sd": [d.digest]});
        ds.push(d);
    }
    let Value::Object(p) = inner else {
        unreachable!()
    };
    assert_eq!(
        process(p, &ds).map(|_| ()),
        Err(SdJwtError::TooDeep(MAX_DEPTH))
    );
}

#[test]
fn sd_alg_must_be_sha_256_when_present() {
    assert_eq!(check_sd_alg(&payload(json!({}))), Ok(()));
    assert_eq!(
        check_sd_alg(&payload(json!({"_sd_alg": "sha-256"}))),
        Ok(())
    );
    assert_eq!(
        check_sd_alg(&payload(json!({"_sd_alg": "sha-512"}))),
        Err(SdJwtError::UnsupportedHashAlg("sha-512".into()))
    );
}
