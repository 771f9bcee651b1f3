//! Signing the vectors' inputs with their keys reproduces the published proofValue; the
//! published signed documents verify.

use ler_crypto::KeyPair;
use ler_jsonld::Documents;
use ler_proof::{Cryptosuite, ProofError, Purpose, SignOptions, sign, verify_proofs};
use serde_json::Value;

use crate::{assertion, docs_with_examples, key_from_multibase, read, read_json, resolver_for};

fn sign_like(
    doc: &Value,
    key: &KeyPair,
    config: &Value,
    suite: Cryptosuite,
    docs: &Documents,
) -> Value {
    let opts = SignOptions {
        suite,
        verification_method: config["verificationMethod"].as_str().expect("vm").into(),
        created: config["created"].as_str().map(String::from),
        purpose: Purpose::Assertion,
        expires: None,
    };
    sign(doc, key, &opts, docs).expect("sign")
}

fn verify_all(
    doc: &Value,
    controller: &str,
    resolver: &dyn ler_proof::Resolver,
    docs: &Documents,
) -> Vec<Result<(), ProofError>> {
    verify_proofs(doc, &assertion(controller), resolver, docs)
        .expect("has proofs")
        .into_iter()
        .map(|o| o.result)
        .collect()
}

#[test]
fn w3c_eddsa_rdfc_2022_reproduces_proof_value_and_verifies() {
    let docs = docs_with_examples();
    let keys = read_json("vectors/vc-di-eddsa/keyPair.json");
    let key = key_from_multibase(keys["privateKeyMultibase"].as_str().expect("key"));
    let doc = read_json("vectors/vc-di-eddsa/unsigned.json");
    let config = read_json("vectors/vc-di-eddsa/eddsa-rdfc-2022/proofConfigDataInt.json");
    let signed = sign_like(&doc, &key, &config, Cryptosuite::EddsaRdfc2022, &docs);
    assert_eq!(
        signed["proof"]["proofValue"],
        read("vectors/vc-di-eddsa/eddsa-rdfc-2022/sigBTC58DataInt.txt").trim()
    );
    assert_eq!(
        signed,
        read_json("vectors/vc-di-eddsa/eddsa-rdfc-2022/signedDataInt.json")
    );
    let r = resolver_for("https://vc.example/issuers/5678", &[key.public_key()]);
    assert_eq!(
        verify_all(&signed, "https://vc.example/issuers/5678", &r, &docs),
        vec![Ok(())]
    );
}

#[test]
fn w3c_eddsa_jcs_2022_reproduces_proof_value_and_verifies() {
    let docs = docs_with_examples();
    let keys = read_json("vectors/vc-di-eddsa/keyPair.json");
    let key = key_from_multibase(keys["privateKeyMultibase"].as_str().expect("key"));
    let doc = read_json("vectors/vc-di-eddsa/unsigned.json");
    let config = read_json("vectors/vc-di-eddsa/eddsa-jcs-2022/proofConfigJCS.json");
    let signed = sign_like(&doc, &key, &config, Cryptosuite::EddsaJcs2022, &docs);
    assert_eq!(
        signed["proof"]["proofValue"],
        read("vectors/vc-di-eddsa/eddsa-jcs-2022/sigBTC58JCS.txt").trim()
    );
    let published = read_json("vectors/vc-di-eddsa/eddsa-jcs-2022/signedJCS.json");
    let r = resolver_for("https://vc.example/issuers/5678", &[key.public_key()]);
    assert_eq!(
        verify_all(&published, "https://vc.example/issuers/5678", &r, &docs),
        vec![Ok(())]
    );
    assert_eq!(
        verify_all(&signed, "https://vc.example/issuers/5678", &r, &docs),
        vec![Ok(())]
    );
}

#[test]
fn w3c_ed25519_signature_2020_verifies() {
    let docs = docs_with_examples();
    let keys = read_json("vectors/vc-di-eddsa/keyPair.json");
    let key = key_from_multibase(keys["privateKeyMultibase"].as_str().expect("key"));
    let signed = read_json("vectors/vc-di-eddsa/Ed25519Signature2020/signedEdSig.json");
    let r = resolver_for("https://vc.example/issuers/5678", &[key.public_key()]);
    assert_eq!(
        verify_all(&signed, "https://vc.example/issuers/5678", &r, &docs),
        vec![Ok(())]
    );
    let mut tampered = signed.clone();
    tampered["credentialSubject"]["alumniOf"] = "Another School".into();
    assert_eq!(
        verify_all(&tampered, "https://vc.example/issuers/5678", &r, &docs),
        vec![Err(ProofError::BadSignature)]
    );
}

#[test]
fn w3c_proof_set_and_chain_verify_each_proof() {
    let docs = docs_with_examples();
    let pairs = read_json("vectors/vc-di-eddsa/proof-set-chain/multiKeyPairs.json");
    let keys: Vec<_> = pairs
        .as_object()
        .expect("object")
        .values()
        .map(|p| key_from_multibase(p["privateKeyMultibase"].as_str().expect("key")).public_key())
        .collect();
    let r = resolver_for("https://vc.example/issuers/5678", &keys);
    for file in [
        "signedProofSet1.json",
        "signedProofSet2.json",
        "signedProofChain1.json",
        "signedProofChain2.json",
    ] {
        let doc = read_json(&format!("vectors/vc-di-eddsa/proof-set-chain/{file}"));
        let results = verify_all(&doc, "https://vc.example/issuers/5678", &r, &docs);
        assert!(
            !results.is_empty() && results.iter().all(Result::is_ok),
            "{file}: {results:?}"
        );
    }
    // One bad proof in a set fails the set.
    let mut doc = read_json("vectors/vc-di-eddsa/proof-set-chain/signedProofSet2.json");
    doc["proof"][1]["proofValue"] = doc["proof"][0]["proofValue"].clone();
    let results = verify_all(&doc, "https://vc.example/issuers/5678", &r, &docs);
    assert_eq!(results[0], Ok(()));
    assert_eq!(results[1], Err(ProofError::BadSignature));
}

fn onedtech(dir: &str) {
    let docs = Documents::embedded();
    let expected = read_json(&format!("vectors/{dir}/expected.json"));
    let key = KeyPair::from_secret_multibase(expected["secretKeyMultibase"].as_str().expect("key"))
        .expect("legacy key");
    assert_eq!(
        key.public_key().to_multibase(),
        expected["publicKeyMultibase"].as_str().expect("pk")
    );
    let doc = read_json(&format!("vectors/{dir}/unsigned.json"));
    let signed = sign_like(
        &doc,
        &key,
        &expected["proofConfig"],
        Cryptosuite::EddsaRdfc2022,
        docs,
    );
    assert_eq!(signed["proof"]["proofValue"], expected["proofValue"]);
    let published = read_json(&format!("vectors/{dir}/signed.json"));
    let published_proof = match &published["proof"] {
        Value::Array(a) => a[0].clone(),
        one => one.clone(),
    };
    assert_eq!(signed["proof"]["proofValue"], published_proof["proofValue"]);
    let vm = expected["verificationMethod"].as_str().expect("vm");
    let issuer = vm.split('#').next().expect("issuer");
    let mut r = ler_proof::StaticResolver::new();
    r.insert(vm, issuer, key.public_key());
    assert_eq!(verify_all(&published, issuer, &r, docs), vec![Ok(())]);
}

#[test]
fn onedtech_ob3_vector_reproduces_proof_value_and_verifies() {
    onedtech("ob3-1edtech");
}

#[test]
fn onedtech_clr2_vector_reproduces_proof_value_and_verifies() {
    onedtech("clr2-1edtech");
}
