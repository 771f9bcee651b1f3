//! Unit tests for the key-encryption key: parsing, and sealing seeds to their public keys.

use super::*;

const BYTES: [u8; 32] = [
    0xfb, 0xff, 0xbf, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21,
    22, 23, 24, 25, 26, 27, 28,
];

#[test]
fn parses_every_base64_spelling() {
    let standard = base64::engine::general_purpose::STANDARD.encode(BYTES);
    assert!(standard.contains(['+', '/']) && standard.ends_with('='));
    let url_safe = base64::engine::general_purpose::URL_SAFE.encode(BYTES);
    for text in [
        standard.clone(),
        standard.trim_end_matches('=').to_owned(),
        url_safe.clone(),
        url_safe.trim_end_matches('=').to_owned(),
        format!("  {standard}\n"),
        format!("{url_safe}\r\n"),
    ] {
        let kek = Kek::parse(&text).unwrap_or_else(|e| panic!("{text:?}: {e}"));
        assert_eq!(*kek.0, BYTES, "{text:?}");
    }
    assert_eq!(Kek::from_bytes(BYTES).to_base64().as_str(), standard);
}

#[test]
fn parse_errors_are_clear() {
    let check = |text: &str, expect: KeyError| {
        assert_eq!(Kek::parse(text).map(|_| ()), Err(expect), "{text:?}");
    };
    check("", KeyError::KekLength(0));
    check("AAAA", KeyError::KekLength(3));
    let long = base64::engine::general_purpose::STANDARD.encode([0u8; 33]);
    check(&long, KeyError::KekLength(33));
    check("not base64!", KeyError::KekEncoding);
    // Mixed alphabets are neither.
    check("ab+_", KeyError::KekEncoding);
    assert_eq!(
        KeyError::KekLength(16).to_string(),
        "key-encryption key must be 32 bytes, got 16"
    );
}

#[test]
fn generated_keks_differ_and_round_trip() {
    let (a, b) = (Kek::generate(), Kek::generate());
    assert_ne!(*a.0, *b.0);
    let again = Kek::parse(&a.to_base64()).expect("own output parses");
    assert_eq!(*again.0, *a.0);
    assert_eq!(format!("{a:?}"), "Kek(..)");
}

#[test]
fn encrypt_then_decrypt() {
    let kek = Kek::generate();
    let key = KeyPair::from_seed([9; 32]);
    let sealed = kek.encrypt_key(&key);
    assert_eq!(sealed.ciphertext.len(), 32 + 16);
    let opened = kek.decrypt_key(&key.public_key(), &sealed).expect("opens");
    assert_eq!(opened.seed(), key.seed());
    // A fresh nonce each time.
    assert_ne!(kek.encrypt_key(&key).nonce, sealed.nonce);
}

#[test]
fn wrong_kek_fails() {
    let key = KeyPair::from_seed([9; 32]);
    let sealed = Kek::generate().encrypt_key(&key);
    assert_eq!(
        Kek::generate()
            .decrypt_key(&key.public_key(), &sealed)
            .map(|_| ()),
        Err(KeyError::Decrypt)
    );
}

#[test]
fn tampering_fails() {
    let kek = Kek::generate();
    let key = KeyPair::from_seed([9; 32]);
    let sealed = kek.encrypt_key(&key);
    for i in 0..sealed.ciphertext.len() {
        let mut bad = sealed.clone();
        bad.ciphertext[i] ^= 0x80;
        assert_eq!(
            kek.decrypt_key(&key.public_key(), &bad).map(|_| ()),
            Err(KeyError::Decrypt)
        );
    }
    let mut bad = sealed.clone();
    bad.nonce[0] ^= 1;
    assert_eq!(
        kek.decrypt_key(&key.public_key(), &bad).map(|_| ()),
        Err(KeyError::Decrypt)
    );
    let mut bad = sealed;
    bad.ciphertext.truncate(20);
    assert_eq!(
        kek.decrypt_key(&key.public_key(), &bad).map(|_| ()),
        Err(KeyError::Decrypt)
    );
}

#[test]
fn ciphertext_is_bound_to_its_public_key() {
    let kek = Kek::generate();
    let key = KeyPair::from_seed([9; 32]);
    let other = KeyPair::from_seed([10; 32]);
    let sealed = kek.encrypt_key(&key);
    assert_eq!(
        kek.decrypt_key(&other.public_key(), &sealed).map(|_| ()),
        Err(KeyError::Decrypt)
    );
}

#[test]
fn wrapped_secrets_open_only_with_their_kek_and_aad() {
    let kek = Kek::generate();
    let wrapped = kek.wrap(&[9; 32], b"holder-1");
    assert_eq!(
        kek.unwrap(&wrapped, b"holder-1").unwrap().as_slice(),
        &[9; 32]
    );
    assert_eq!(kek.unwrap(&wrapped, b"holder-2"), Err(KeyError::Decrypt));
    assert_eq!(
        Kek::generate().unwrap(&wrapped, b"holder-1"),
        Err(KeyError::Decrypt)
    );
    let mut tampered = wrapped.clone();
    tampered.ciphertext[0] ^= 1;
    assert_eq!(kek.unwrap(&tampered, b"holder-1"), Err(KeyError::Decrypt));
    // A fresh nonce every time.
    assert_ne!(kek.wrap(&[9; 32], b"holder-1"), wrapped);
}
