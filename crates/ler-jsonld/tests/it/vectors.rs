//! The W3C vc-di-eddsa and 1EdTech OB 3.0 / CLR 2.0 vectors: canonical forms byte for byte.

use ler_jsonld::{Documents, canonicalize, jcs};
use serde_json::Value;

use crate::{docs_with_examples, read, read_json};

fn proof_config(doc: &Value, expected: &Value) -> Value {
    let mut config = expected["proofConfig"].clone();
    config["@context"] = doc["@context"].clone();
    config
}

fn check(doc: &Value, docs: &Documents, expected_canon: &str) {
    let got = canonicalize(doc, docs).unwrap_or_else(|e| panic!("canonicalize: {e}"));
    if got != expected_canon {
        panic!("canonical form differs\n--- expected\n{expected_canon}\n--- got\n{got}");
    }
}

#[test]
fn w3c_eddsa_rdfc_2022_document_and_proof_canonical_forms() {
    let docs = docs_with_examples();
    let doc = read_json("vectors/vc-di-eddsa/unsigned.json");
    check(
        &doc,
        &docs,
        &read("vectors/vc-di-eddsa/eddsa-rdfc-2022/canonDocDataInt.txt"),
    );
    let config = read_json("vectors/vc-di-eddsa/eddsa-rdfc-2022/proofConfigDataInt.json");
    check(
        &config,
        &docs,
        &read("vectors/vc-di-eddsa/eddsa-rdfc-2022/proofCanonDataInt.txt"),
    );
}

#[test]
fn w3c_ed25519_signature_2020_canonical_forms() {
    let docs = docs_with_examples();
    let signed = read_json("vectors/vc-di-eddsa/Ed25519Signature2020/signedEdSig.json");
    let mut doc = signed.clone();
    doc.as_object_mut().expect("object").remove("proof");
    check(
        &doc,
        &docs,
        &read("vectors/vc-di-eddsa/Ed25519Signature2020/canonDocEdSig.txt"),
    );
    let config = read_json("vectors/vc-di-eddsa/Ed25519Signature2020/proofConfigEdSig.json");
    check(
        &config,
        &docs,
        &read("vectors/vc-di-eddsa/Ed25519Signature2020/proofCanonEdSig.txt"),
    );
}

#[test]
fn w3c_eddsa_jcs_2022_canonical_forms() {
    let doc = read_json("vectors/vc-di-eddsa/unsigned.json");
    assert_eq!(
        jcs(&doc).expect("jcs"),
        read("vectors/vc-di-eddsa/eddsa-jcs-2022/canonDocJCS.txt")
    );
    let config = read_json("vectors/vc-di-eddsa/eddsa-jcs-2022/proofConfigJCS.json");
    assert_eq!(
        jcs(&config).expect("jcs"),
        read("vectors/vc-di-eddsa/eddsa-jcs-2022/proofCanonJCS.txt")
    );
}

#[test]
fn onedtech_ob3_canonical_forms() {
    let docs = Documents::embedded();
    let doc = read_json("vectors/ob3-1edtech/unsigned.json");
    check(&doc, docs, &read("vectors/ob3-1edtech/document-canon.txt"));
    let expected = read_json("vectors/ob3-1edtech/expected.json");
    check(
        &proof_config(&doc, &expected),
        docs,
        &read("vectors/ob3-1edtech/proof-canon.txt"),
    );
}

#[test]
fn onedtech_clr2_canonical_forms_check_the_clr_context() {
    let docs = Documents::embedded();
    let doc = read_json("vectors/clr2-1edtech/unsigned.json");
    check(&doc, docs, &read("vectors/clr2-1edtech/document-canon.txt"));
    let expected = read_json("vectors/clr2-1edtech/expected.json");
    check(
        &proof_config(&doc, &expected),
        docs,
        &read("vectors/clr2-1edtech/proof-canon.txt"),
    );
}

#[test]
fn canonical_form_is_independent_of_key_order_and_repeatable() {
    let docs = Documents::embedded();
    let doc = read_json("vectors/clr2-1edtech/unsigned.json");
    let text = serde_json::to_string(&doc).expect("json");
    // Reverse the key order of every object: same RDF, same canonical form.
    fn reverse(v: &Value) -> Value {
        match v {
            Value::Object(m) => Value::Object(
                m.iter()
                    .rev()
                    .map(|(k, v)| (k.clone(), reverse(v)))
                    .collect(),
            ),
            Value::Array(a) => Value::Array(a.iter().map(reverse).collect()),
            other => other.clone(),
        }
    }
    let a = canonicalize(&doc, docs).expect("canon");
    let b = canonicalize(&reverse(&doc), docs).expect("canon");
    let c = canonicalize(&serde_json::from_str(&text).expect("json"), docs).expect("canon");
    assert_eq!(a, b);
    assert_eq!(a, c);
}
