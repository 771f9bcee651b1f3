//! RFC 9901's own example (§5, "Example SD-JWT"), in `rfc9901/`: its digests, its disclosures
//! and the processed payload of its presentation, byte for byte.
//!
//! The RFC signs every example with ES256 (P-256); it has no Ed25519 example. ler verifies only
//! EdDSA, so these tests check everything but the signatures: disclosure decoding and digests,
//! the placement of object properties and array elements, and `sd_hash`. The refusal of the
//! ES256 signature is checked last.

use ler_proof::JoseError;
use ler_sdjwt::{SdJwtError, digest};
use serde_json::{Value, json};

use crate::*;

fn read(name: &str) -> String {
    let p = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/it/rfc9901/");
    let path = format!("{p}{name}");
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{path}: {e}"))
        .trim()
        .to_string()
}

fn read_json(name: &str) -> Value {
    serde_json::from_str(&read(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

#[test]
fn digests_match_section_4() {
    // §4.2.3: the digest of the family_name disclosure of §4.2.1.
    assert_eq!(
        digest("WyJfMjZiYzRMVC1hYzZxMktJNmNCVzVlcyIsICJmYW1pbHlfbmFtZSIsICJNw7ZiaXVzIl0"),
        "X9yH0Ajrdm1Oij4tWso9UzzKJvPoDxwmuEcO3XAdRC0"
    );
}

#[test]
fn reads_the_issued_example() {
    let sd_jwt = read("sd-jwt.txt");
    let seen = ler_sdjwt::inspect(&sd_jwt).expect("inspects");
    assert_eq!(
        seen.disclosable,
        [
            "/given_name",
            "/family_name",
            "/email",
            "/phone_number",
            "/phone_number_verified",
            "/address",
            "/birthdate",
            "/updated_at",
            "/nationalities/0",
            "/nationalities/1",
        ]
    );
    // With every disclosure, the claims are the user's claims of §5.1 plus the visible ones.
    let mut want = read_json("user-claims.json");
    want["iss"] = json!("https://issuer.example.com");
    want["iat"] = json!(1683000000);
    want["exp"] = json!(1883000000);
    want["cnf"] = json!({"jwk": {
        "kty": "EC",
        "crv": "P-256",
        "x": "TCAER19Zvu3OHF4j4W4vfSVoHIP1ILilDls7vCeGemc",
        "y": "ZxjiWWbZMQGHVWKVQ4hbSIirsVfuecCE6t4jT9F2HZQ"
    }});
    assert_eq!(seen.claims, want);
    // The digests §5.1 lists for the disclosures, in order.
    let digests: Vec<String> = sd_jwt
        .split('~')
        .skip(1)
        .filter(|d| !d.is_empty())
        .map(digest)
        .collect();
    assert_eq!(
        digests,
        [
            "jsu9yVulwQQlhFlM_3JlzMaSFzglhQG0DpfayQwLUK4",
            "TGf4oLbgwd5JQaHyKVQZU9UdGE0w5rtDsrZzfUaomLo",
            "JzYjH4svliH0R3PyEMfeZu6Jt69u5qehZo7F7EPYlSE",
            "PorFbpKuVu6xymJagvkFsFXAbRoc2JGlAUA2BA4o7cI",
            "XQ_3kPKt1XyX7KANkqVR6yZ2Va5NrPIvPYbyMvRKBMM",
            "XzFrzwscM6Gn6CJDc6vVK8BkMnfG8vOSKfpPIZdAfdE",
            "gbOsI4Edq2x2Kw-w5wPEzakob9hV1cRD0ATN3oQL9JM",
            "CrQe7S5kqBAHt-nMYXgc6bdt2SH5aTY1sU_M-PgkjPI",
            "pFndjkZ_VCzmyTa6UjlZo3dh-ko8aIKQc9DlGzhaVYo",
            "7Cf6JkPudry3lcbwHgeZ8khAv1U1OSlerP0VkBJrWZ0",
        ]
    );
}

#[test]
fn processes_the_presentation_example_to_the_published_payload() {
    let presentation = read("presentation.txt");
    let cut = presentation.rfind('~').map(|i| i + 1).unwrap_or_default();
    let (sd_jwt, kb) = presentation.split_at(cut);
    // §5.2: given_name, family_name, address and one nationality; "US" stays in the array.
    let seen = ler_sdjwt::inspect(sd_jwt).expect("inspects");
    assert_eq!(seen.claims, read_json("processed.json"));
    assert_eq!(
        seen.disclosable,
        [
            "/family_name",
            "/address",
            "/given_name",
            "/nationalities/0"
        ]
    );
    // The KB-JWT's sd_hash is the digest of everything before it.
    let kb = ler_proof::decode_jwt(kb).expect("a JWS");
    assert_eq!(kb.header["typ"], "kb+jwt");
    assert_eq!(kb.payload["sd_hash"], digest(sd_jwt));
    assert_eq!(
        kb.payload["sd_hash"],
        "fMV05vuMARs3uG0Dg0BYd_7mQR9EGBkRof0cTZyuqXE"
    );
}

#[test]
fn refuses_the_examples_es256_signature() {
    let presentation = read("presentation.txt");
    let got = ler_sdjwt::verify(&presentation, &ler_proof::DidKeyResolver, &expect());
    assert!(
        matches!(got, Err(SdJwtError::IssuerJwt(JoseError::UnsupportedAlg(ref m))) if m.contains("ES256")),
        "{got:?}"
    );
}
