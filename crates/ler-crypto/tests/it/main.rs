//! Integration tests for ler-crypto: published key and signature vectors, and the public API end
//! to end.

use ler_crypto::{
    CryptoError, Kek, KeyError, KeyPair, PublicKey, did_key, encode_key_file, parse_key,
    resolve_did_key,
};
use serde_json::Value;

fn read(relative: &str) -> Vec<u8> {
    ler_testdata::read_bytes(relative)
}

fn read_json(relative: &str) -> Value {
    ler_testdata::read_json(relative)
}

fn read_hex(relative: &str) -> Vec<u8> {
    let text = String::from_utf8(read(relative)).expect("hex files are ASCII");
    unhex(text.trim())
}

fn unhex(text: &str) -> Vec<u8> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).expect("valid hex in a vector"))
        .collect()
}

fn str_field<'a>(value: &'a Value, field: &str) -> &'a str {
    value[field]
        .as_str()
        .unwrap_or_else(|| panic!("vector has no string {field}"))
}

/// Signing the combined hash with the vector's key reproduces its signature (Ed25519 is
/// deterministic), and the signature verifies.
fn check_signature(key: &KeyPair, message: &[u8], signature: &[u8]) {
    assert_eq!(key.sign(message).as_slice(), signature);
    assert_eq!(key.public_key().verify(message, signature), Ok(()));
}

#[test]
fn vc_di_eddsa_key_pair() {
    let bytes = read("vectors/vc-di-eddsa/keyPair.json");
    let key = parse_key(&bytes, None).expect("the vector's key file parses");
    let public = key.public_key();
    assert_eq!(
        public.to_multibase(),
        "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"
    );
    let pair = read_json("vectors/vc-di-eddsa/keyPair.json");
    assert_eq!(
        key.secret_multibase().as_str(),
        str_field(&pair, "privateKeyMultibase")
    );
    // The Ed25519Signature2020 proof's verification method resolves to the same key.
    let config = read_json("vectors/vc-di-eddsa/Ed25519Signature2020/proofConfigEdSig.json");
    let (resolved, _) =
        resolve_did_key(str_field(&config, "verificationMethod")).expect("resolves");
    assert_eq!(resolved, public);

    for (hash, sig) in [
        (
            "eddsa-rdfc-2022/combinedHashDataInt.txt",
            "eddsa-rdfc-2022/sigHexDataInt.txt",
        ),
        (
            "eddsa-jcs-2022/combinedHashJCS.txt",
            "eddsa-jcs-2022/sigHexJCS.txt",
        ),
        (
            "Ed25519Signature2020/combinedHashEdSig.txt",
            "Ed25519Signature2020/sigHexEdSig.txt",
        ),
    ] {
        let message = read_hex(&format!("vectors/vc-di-eddsa/{hash}"));
        let signature = read_hex(&format!("vectors/vc-di-eddsa/{sig}"));
        check_signature(&key, &message, &signature);
    }
}

#[test]
fn vc_di_eddsa_proof_set_key_pairs() {
    let pairs = read_json("vectors/vc-di-eddsa/proof-set-chain/multiKeyPairs.json");
    let pairs = pairs.as_object().expect("an object of key pairs");
    assert!(!pairs.is_empty());
    for (name, pair) in pairs {
        let bytes = serde_json::to_vec(pair).expect("serializes");
        let key = parse_key(&bytes, None).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(
            key.public_key().to_multibase(),
            str_field(pair, "publicKeyMultibase"),
            "{name}"
        );
    }
}

#[test]
fn ob3_1edtech_legacy_keys() {
    let expected = read_json("vectors/ob3-1edtech/expected.json");
    let public = PublicKey::from_multibase(str_field(&expected, "publicKeyMultibase"))
        .expect("the vector's public key parses");
    assert_eq!(
        public.as_bytes().as_slice(),
        unhex(str_field(&expected, "publicKeyHex"))
    );

    // The whole file: legacy 64-byte secretKeyMultibase, checked against publicKeyMultibase.
    let whole = read("vectors/ob3-1edtech/expected.json");
    let from_file = parse_key(&whole, None).expect("expected.json parses as a key");
    assert_eq!(from_file.public_key(), public);

    // The 128-hex-digit NaCl secret.
    let from_hex = parse_key(str_field(&expected, "privateKeyHex").as_bytes(), None)
        .expect("privateKeyHex parses");
    assert_eq!(from_hex.public_key(), public);
    // And the bare legacy Multikey.
    let from_multibase = parse_key(str_field(&expected, "secretKeyMultibase").as_bytes(), None)
        .expect("secretKeyMultibase parses");
    assert_eq!(from_multibase.public_key(), public);

    // eddsa-rdfc-2022 signs proofHash ‖ docHash.
    let mut message = unhex(str_field(&expected, "proofHashHex"));
    message.extend(unhex(str_field(&expected, "docHashHex")));
    check_signature(
        &from_file,
        &message,
        &unhex(str_field(&expected, "signatureHex")),
    );
}

#[test]
fn generated_keys_round_trip_through_key_files() {
    let key = KeyPair::generate();
    let kek = Kek::parse(&Kek::generate().to_base64()).expect("a KEK's own base64 parses");
    for kek in [None, Some(&kek)] {
        let file = serde_json::to_vec(&encode_key_file(&key, kek)).expect("serializes");
        let again = parse_key(&file, kek).expect("own key file parses");
        assert_eq!(again.public_key(), key.public_key());
        let sig = again.sign(b"round trip");
        assert_eq!(key.public_key().verify(b"round trip", &sig), Ok(()));
    }
    let encrypted = serde_json::to_vec(&encode_key_file(&key, Some(&kek))).expect("serializes");
    assert_eq!(
        parse_key(&encrypted, Some(&Kek::generate())).map(|k| k.public_key()),
        Err(KeyError::Decrypt)
    );
    let (resolved, doc) = resolve_did_key(&did_key(&key.public_key())).expect("resolves");
    assert_eq!(resolved, key.public_key());
    assert_eq!(doc["verificationMethod"][0]["type"], "Multikey");
}

#[test]
fn rejects_identity_point_public_key() {
    let mut identity = [0u8; 32];
    identity[0] = 1;
    assert_eq!(
        PublicKey::from_bytes(&identity),
        Err(CryptoError::WeakPublicKey)
    );
}
