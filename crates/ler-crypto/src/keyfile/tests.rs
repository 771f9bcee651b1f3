//! Unit tests for key files: the Multikey export, encrypted files, and the accepted key forms.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use proptest::prelude::*;

use super::*;

fn key() -> KeyPair {
    KeyPair::from_seed([42; 32])
}

fn to_bytes(value: &Value) -> Vec<u8> {
    serde_json::to_vec_pretty(value).expect("a Value serializes")
}

fn public_of(result: Result<KeyPair, KeyError>) -> Result<PublicKey, KeyError> {
    result.map(|k| k.public_key())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn unencrypted_file_is_the_multikey_export() {
    let key = key();
    let public = key.public_key().to_multibase();
    let file = encode_key_file(&key, None);
    let text = serde_json::to_string(&file).expect("serializes");
    let expected = format!(
        r#"{{"@context":"https://w3id.org/security/multikey/v1","id":"did:key:{public}#{public}","type":"Multikey","controller":"did:key:{public}","publicKeyMultibase":"{public}","secretKeyMultibase":"{}"}}"#,
        key.secret_multibase().as_str()
    );
    assert_eq!(text, expected);
    assert_eq!(
        public_of(parse_key(text.as_bytes(), None)),
        Ok(key.public_key())
    );
}

#[test]
fn encrypted_file_round_trips() {
    let key = key();
    let kek = Kek::generate();
    let file = encode_key_file(&key, Some(&kek));
    let map = file.as_object().expect("an object");
    let fields: Vec<&str> = map.keys().map(String::as_str).collect();
    assert_eq!(
        fields,
        [
            "@context",
            "id",
            "type",
            "controller",
            "publicKeyMultibase",
            "encryptedSecretKey"
        ]
    );
    let sealed = &file["encryptedSecretKey"];
    assert_eq!(sealed["alg"], "XChaCha20-Poly1305");
    let nonce = sealed["nonce"].as_str().expect("a string");
    assert_eq!(URL_SAFE_NO_PAD.decode(nonce).map(|n| n.len()), Ok(24));
    assert!(
        !serde_json::to_string(&file)
            .expect("serializes")
            .contains('=')
    );

    let bytes = to_bytes(&file);
    assert_eq!(
        public_of(parse_key(&bytes, Some(&kek))),
        Ok(key.public_key())
    );
    assert_eq!(
        inspect_key_file(&bytes),
        Ok(KeyFileInfo {
            public: Some(key.public_key()),
            encrypted: true,
        })
    );
}

#[test]
fn encrypted_file_needs_the_right_kek() {
    let file = to_bytes(&encode_key_file(&key(), Some(&Kek::generate())));
    assert_eq!(
        public_of(parse_key(&file, None)),
        Err(KeyError::KekRequired)
    );
    assert_eq!(
        KeyError::KekRequired.to_string(),
        "key file is encrypted: set LER_KEK or pass --kek-file"
    );
    assert_eq!(
        public_of(parse_key(&file, Some(&Kek::generate()))),
        Err(KeyError::Decrypt)
    );
}

#[test]
fn tampered_ciphertext_fails() {
    let kek = Kek::generate();
    let mut file = encode_key_file(&key(), Some(&kek));
    let ciphertext = file["encryptedSecretKey"]["ciphertext"]
        .as_str()
        .expect("a string");
    let mut raw = URL_SAFE_NO_PAD.decode(ciphertext).expect("base64url");
    raw[0] ^= 1;
    file["encryptedSecretKey"]["ciphertext"] = Value::String(URL_SAFE_NO_PAD.encode(raw));
    assert_eq!(
        public_of(parse_key(&to_bytes(&file), Some(&kek))),
        Err(KeyError::Decrypt)
    );
}

#[test]
fn swapping_the_public_key_fails() {
    // The ciphertext's associated data is the public key multibase: a file whose stated public
    // key is swapped for another no longer opens, so it cannot claim someone else's identity.
    let kek = Kek::generate();
    let mut file = encode_key_file(&key(), Some(&kek));
    let other = KeyPair::from_seed([43; 32]).public_key();
    file["publicKeyMultibase"] = Value::String(other.to_multibase());
    assert_eq!(
        public_of(parse_key(&to_bytes(&file), Some(&kek))),
        Err(KeyError::Decrypt)
    );
}

#[test]
fn encrypted_file_errors() {
    let kek = Kek::generate();
    let base = encode_key_file(&key(), Some(&kek));
    let check = |edit: &dyn Fn(&mut Value), expect: &str| {
        let mut file = base.clone();
        edit(&mut file);
        let got = public_of(parse_key(&to_bytes(&file), Some(&kek))).map_err(|e| e.to_string());
        assert_eq!(got, Err(expect.to_owned()));
    };
    check(
        &|f| f["encryptedSecretKey"]["alg"] = json!("AES-GCM"),
        "unsupported encryptedSecretKey.alg \"AES-GCM\" (expected \"XChaCha20-Poly1305\")",
    );
    check(
        &|f| f["encryptedSecretKey"]["nonce"] = json!("AAAA"),
        "invalid nonce: must be 24 bytes, got 3",
    );
    check(
        &|f| f["encryptedSecretKey"]["ciphertext"] = json!("***"),
        "invalid ciphertext: not base64url: Invalid symbol 42, offset 0.",
    );
    check(
        &|f| f["encryptedSecretKey"] = json!("opaque"),
        "invalid encryptedSecretKey: must be an object with alg, nonce and ciphertext",
    );
    check(
        &|f| {
            f.as_object_mut().map(|m| m.remove("publicKeyMultibase"));
        },
        "invalid publicKeyMultibase: an encrypted key file must state its public key",
    );
    check(
        &|f| f["secretKeyMultibase"] = json!(key().secret_multibase().as_str()),
        "key file holds more than one secret key (encryptedSecretKey and secretKeyMultibase); \
         keep one",
    );
}

#[test]
fn multibase_secret_forms() {
    let key = key();
    let public = key.public_key();
    let secret = key.secret_multibase();
    let check = |value: Value, expect: Result<PublicKey, KeyError>| {
        assert_eq!(
            public_of(parse_key(&to_bytes(&value), None)),
            expect,
            "{value}"
        );
    };
    check(json!({ "secretKeyMultibase": secret.as_str() }), Ok(public));
    check(
        json!({ "privateKeyMultibase": secret.as_str() }),
        Ok(public),
    );
    check(
        json!({ "privateKeyMultibase": secret.as_str(), "secretKeyMultibase": secret.as_str() }),
        Ok(public),
    );
    check(
        json!({ "privateKeyMultibase": secret.as_str(), "publicKeyMultibase": public.to_multibase() }),
        Ok(public),
    );
    let other = KeyPair::from_seed([1; 32]);
    check(
        json!({ "secretKeyMultibase": secret.as_str(), "publicKeyMultibase": other.public_key().to_multibase() }),
        Err(KeyError::PublicKeyMismatch {
            field: "publicKeyMultibase",
        }),
    );
    check(
        json!({ "privateKeyMultibase": secret.as_str(), "secretKeyMultibase": other.secret_multibase().as_str() }),
        Err(KeyError::AmbiguousSecret(
            "secretKeyMultibase",
            "privateKeyMultibase",
        )),
    );
    check(
        json!({ "secretKeyMultibase": 7 }),
        Err(KeyError::Field {
            field: "secretKeyMultibase",
            reason: "must be a string".to_owned(),
        }),
    );
    check(
        json!({ "secretKeyMultibase": public.to_multibase() }),
        Err(KeyError::Key {
            field: "secretKeyMultibase",
            error: CryptoError::MulticodecHeader {
                what: "secret",
                expected: "0x8026".to_owned(),
                found: "0xed01".to_owned(),
            },
        }),
    );
    check(
        json!({ "publicKeyMultibase": public.to_multibase() }),
        Err(KeyError::NoSecret),
    );
    // Ed25519VerificationKey2018's privateKeyBase58 (64-byte NaCl secret).
    let mut nacl = [42u8; 64];
    nacl[32..].copy_from_slice(public.as_bytes());
    check(
        json!({ "privateKeyBase58": bs58::encode(nacl).into_string() }),
        Ok(public),
    );
}

#[test]
fn jwk_forms() {
    let key = key();
    let public = key.public_key();
    let d = URL_SAFE_NO_PAD.encode([42u8; 32]);
    let x = URL_SAFE_NO_PAD.encode(public.as_bytes());
    let check = |value: Value, expect: Result<PublicKey, &str>| {
        let got = public_of(parse_key(&to_bytes(&value), None)).map_err(|e| e.to_string());
        assert_eq!(got, expect.map_err(str::to_owned), "{value}");
    };
    check(json!({"kty": "OKP", "crv": "Ed25519", "d": d}), Ok(public));
    check(
        json!({"kty": "OKP", "crv": "Ed25519", "d": d, "x": x}),
        Ok(public),
    );
    check(
        json!({"id": "k", "privateKeyJwk": {"kty": "OKP", "crv": "Ed25519", "d": d, "x": x}}),
        Ok(public),
    );
    let other_x = URL_SAFE_NO_PAD.encode(KeyPair::from_seed([1; 32]).public_key().as_bytes());
    check(
        json!({"kty": "OKP", "crv": "Ed25519", "d": d, "x": other_x}),
        Err("JWK x does not match the secret key"),
    );
    check(
        json!({"kty": "EC", "crv": "P-256", "d": d}),
        Err("unsupported JWK: kty must be \"OKP\" (Ed25519), got \"EC\""),
    );
    check(
        json!({"kty": "OKP", "crv": "X25519", "d": d}),
        Err("unsupported JWK: crv must be \"Ed25519\", got \"X25519\""),
    );
    check(
        json!({"kty": "OKP", "crv": "Ed25519", "x": x}),
        Err("unsupported JWK: d (the secret key) is missing"),
    );
    check(
        json!({"kty": "OKP", "crv": "Ed25519", "d": "AAAA"}),
        Err("unsupported JWK: d must be a 32-byte seed, got 3 bytes"),
    );
    check(
        json!({"kty": "OKP", "crv": "Ed25519", "d": "!!"}),
        Err("unsupported JWK: d is not base64url: Invalid symbol 33, offset 0."),
    );
    assert_eq!(
        inspect_key_file(&to_bytes(
            &json!({"kty": "OKP", "crv": "Ed25519", "d": d, "x": x})
        )),
        Ok(KeyFileInfo {
            public: Some(public),
            encrypted: false,
        })
    );
}

#[test]
fn hex_forms() {
    let key = key();
    let public = key.public_key();
    let seed_hex = hex(&[42; 32]);
    let full_hex = format!("{seed_hex}{}", hex(public.as_bytes()));
    let check = |text: &str, expect: Result<PublicKey, &str>| {
        let got = public_of(parse_key(text.as_bytes(), None)).map_err(|e| e.to_string());
        assert_eq!(got, expect.map_err(str::to_owned), "{text}");
    };
    check(&seed_hex, Ok(public));
    check(&format!("  {}\n", seed_hex.to_uppercase()), Ok(public));
    check(&full_hex, Ok(public));
    let mut wrong = full_hex.clone();
    wrong.replace_range(127.., "0");
    if wrong == full_hex {
        wrong.replace_range(127.., "1");
    }
    check(
        &wrong,
        Err("invalid hex key: the public half of the 64-byte secret key does not match its seed"),
    );
    check(
        &seed_hex[..62],
        Err("hex key must be 64 hex digits (seed) or 128 (seed then public key), got 62 digits"),
    );
}

#[test]
fn other_inputs() {
    let key = key();
    let check = |bytes: &[u8], expect: Result<PublicKey, &str>| {
        let got = public_of(parse_key(bytes, None)).map_err(|e| e.to_string());
        assert_eq!(got, expect.map_err(str::to_owned));
    };
    check(key.secret_multibase().as_bytes(), Ok(key.public_key()));
    check(b"\xff\xfe", Err("key is not UTF-8 text"));
    check(
        b"",
        Err(
            "unrecognised key format: expected a JSON key file, a JWK, a secret Multikey (z3u2\u{2026}) or hex",
        ),
    );
    check(
        b"-----BEGIN PRIVATE KEY-----",
        Err(
            "unrecognised key format: expected a JSON key file, a JWK, a secret Multikey (z3u2\u{2026}) or hex",
        ),
    );
    check(
        b"{not json",
        Err("key file is not valid JSON: key must be a string at line 1 column 2"),
    );
    check(
        b"[1]",
        Err(
            "unrecognised key format: expected a JSON key file, a JWK, a secret Multikey (z3u2\u{2026}) or hex",
        ),
    );
    check(
        b"{}",
        Err(
            "no secret key found: expected secretKeyMultibase, privateKeyMultibase, encryptedSecretKey, privateKeyBase58, privateKeyJwk, or a JWK with \"d\"",
        ),
    );
    check(
        br#"{"secretKeyMultibase": "z3u2", "publicKeyMultibase": 1}"#,
        Err("invalid publicKeyMultibase: must be a string"),
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    #[test]
    fn key_files_round_trip(seed: [u8; 32], encrypt: bool) {
        let key = KeyPair::from_seed(seed);
        let kek = Kek::generate();
        let kek = encrypt.then_some(&kek);
        let bytes = to_bytes(&encode_key_file(&key, kek));
        prop_assert_eq!(public_of(parse_key(&bytes, kek)), Ok(key.public_key()));
        prop_assert_eq!(public_of(parse_key(hex(&seed).as_bytes(), None)), Ok(key.public_key()));
    }
}
