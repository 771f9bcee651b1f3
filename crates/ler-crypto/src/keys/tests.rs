//! Unit tests for Ed25519 keys: strict verification, weak keys, Multikey encodings.

use proptest::prelude::*;

use super::*;

/// The group order L, little-endian.
const L: [u8; 32] = [
    0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
];

fn identity_point() -> [u8; 32] {
    let mut bytes = [0u8; 32];
    bytes[0] = 1;
    bytes
}

#[test]
fn sign_then_verify() {
    let key = KeyPair::from_seed([1; 32]);
    let sig = key.sign(b"message");
    assert_eq!(key.public_key().verify(b"message", &sig), Ok(()));
    assert_eq!(
        key.public_key().verify(b"other message", &sig),
        Err(CryptoError::BadSignature)
    );
}

#[test]
fn rejects_signature_of_wrong_length() {
    let key = KeyPair::from_seed([1; 32]);
    let sig = key.sign(b"m");
    assert_eq!(
        key.public_key().verify(b"m", &sig[..63]),
        Err(CryptoError::Length {
            what: "an Ed25519 signature",
            expected: "64",
            actual: 63
        })
    );
}

#[test]
fn rejects_non_canonical_signature_scalar() {
    // S + L satisfies the verification equation (it is S mod L) but is not the canonical
    // encoding; accepting it would make signatures malleable.
    let key = KeyPair::from_seed([2; 32]);
    let mut sig = key.sign(b"m");
    let mut carry = 0u16;
    for (s, l) in sig[32..].iter_mut().zip(L) {
        let sum = u16::from(*s) + u16::from(l) + carry;
        *s = sum as u8;
        carry = sum >> 8;
    }
    assert_eq!(carry, 0);
    assert_eq!(
        key.public_key().verify(b"m", &sig),
        Err(CryptoError::BadSignature)
    );
}

#[test]
fn rejects_identity_r() {
    // R = identity, S = 0 is the classic forgery against small-order keys (which
    // `PublicKey` already refuses); verify_strict also refuses small-order R itself.
    let key = KeyPair::from_seed([3; 32]);
    let mut sig = [0u8; 64];
    sig[..32].copy_from_slice(&identity_point());
    assert_eq!(
        key.public_key().verify(b"m", &sig),
        Err(CryptoError::BadSignature)
    );
}

#[test]
fn rejects_weak_public_keys() {
    // The identity point, and the point of order 4 (y = 0).
    for bytes in [identity_point(), [0u8; 32]] {
        assert_eq!(
            PublicKey::from_bytes(&bytes),
            Err(CryptoError::WeakPublicKey)
        );
        let multibase = multikey::encode(ED25519_PUB_HEADER, &bytes);
        assert_eq!(
            PublicKey::from_multibase(&multibase),
            Err(CryptoError::WeakPublicKey)
        );
    }
}

#[test]
fn rejects_bytes_off_the_curve() {
    // Some small y has no x on the curve; find one rather than hard-code it.
    let off_curve = (2u8..=255)
        .map(|y| {
            let mut bytes = [0u8; 32];
            bytes[0] = y;
            bytes
        })
        .find(|bytes| VerifyingKey::from_bytes(bytes).is_err())
        .expect("some small y is off the curve");
    assert_eq!(
        PublicKey::from_bytes(&off_curve),
        Err(CryptoError::InvalidPublicKey)
    );
}

#[test]
fn multikey_prefixes() {
    let key = KeyPair::from_seed([4; 32]);
    assert!(key.public_key().to_multibase().starts_with("z6Mk"));
    assert!(key.secret_multibase().starts_with("z3u2"));
}

#[test]
fn legacy_64_byte_secret_is_checked() {
    let key = KeyPair::from_seed([5; 32]);
    let mut legacy = [0u8; 64];
    legacy[..32].copy_from_slice(&[5; 32]);
    legacy[32..].copy_from_slice(key.public_key().as_bytes());
    let encoded = multikey::encode(ED25519_PRIV_HEADER, &legacy);
    let parsed = KeyPair::from_secret_multibase(&encoded).expect("legacy form parses");
    assert_eq!(parsed.public_key(), key.public_key());

    legacy[63] ^= 1;
    let encoded = multikey::encode(ED25519_PRIV_HEADER, &legacy);
    assert_eq!(
        KeyPair::from_secret_multibase(&encoded).map(|k| k.public_key()),
        Err(CryptoError::SecretPublicMismatch)
    );
}

#[test]
fn multibase_errors() {
    let key = KeyPair::from_seed([6; 32]);
    let public = key.public_key().to_multibase();
    let secret = key.secret_multibase();
    let check = |result: Result<PublicKey, CryptoError>, expect: &str| {
        assert_eq!(result.map_err(|e| e.to_string()), Err(expect.to_owned()));
    };
    check(
        PublicKey::from_multibase(&public[1..]),
        "multibase value must start with 'z' (base58btc)",
    );
    check(
        PublicKey::from_multibase("z0OIl"),
        "invalid base58btc: provided string contained invalid character '0' at byte 0",
    );
    check(
        PublicKey::from_multibase(&secret),
        "expected an Ed25519 public key (multicodec header 0xed01), found header 0x8026",
    );
    check(
        KeyPair::from_secret_multibase(&public).map(|k| k.public_key()),
        "expected an Ed25519 secret key (multicodec header 0x8026), found header 0xed01",
    );
    check(
        PublicKey::from_multibase(&multikey::encode(ED25519_PUB_HEADER, &[1; 31])),
        "an Ed25519 public key must be 32 bytes, got 31",
    );
    check(
        KeyPair::from_secret_multibase(&multikey::encode(ED25519_PRIV_HEADER, &[1; 33]))
            .map(|k| k.public_key()),
        "an Ed25519 secret key must be 32 (seed) or 64 (seed and public key) bytes, got 33",
    );
    check(
        PublicKey::from_multibase("z"),
        "expected an Ed25519 public key (multicodec header 0xed01), found header none",
    );
}

#[test]
fn debug_hides_the_secret() {
    let key = KeyPair::from_seed([7; 32]);
    let debug = format!("{key:?}");
    assert_eq!(debug, format!("KeyPair({})", key.public_key()));
    assert!(!debug.contains(key.secret_multibase().as_str()));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn sign_then_verify_holds(seed: [u8; 32], msg: Vec<u8>) {
        let key = KeyPair::from_seed(seed);
        let sig = key.sign(&msg);
        prop_assert_eq!(key.public_key().verify(&msg, &sig), Ok(()));
    }

    #[test]
    fn flipped_bit_fails(seed: [u8; 32], msg: Vec<u8>, bit in 0usize..512) {
        let key = KeyPair::from_seed(seed);
        let mut sig = key.sign(&msg);
        sig[bit / 8] ^= 1 << (bit % 8);
        prop_assert!(key.public_key().verify(&msg, &sig).is_err());
    }

    #[test]
    fn multibase_round_trips(seed: [u8; 32]) {
        let key = KeyPair::from_seed(seed);
        let public = key.public_key();
        prop_assert_eq!(PublicKey::from_multibase(&public.to_multibase()), Ok(public));
        let again = KeyPair::from_secret_multibase(&key.secret_multibase());
        prop_assert_eq!(again.map(|k| k.public_key()), Ok(public));
    }
}
