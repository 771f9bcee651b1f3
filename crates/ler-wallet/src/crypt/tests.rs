//! Unit tests for sealing, key wrapping and HMAC.

use super::*;

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

#[test]
fn hmac_matches_rfc_4231() {
    // Test cases 1, 2 and 6 (a key longer than the block).
    assert_eq!(
        hex(&hmac_sha256(&[0x0b; 20], b"Hi There")),
        "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"
    );
    assert_eq!(
        hex(&hmac_sha256(b"Jefe", b"what do ya want for nothing?")),
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
    );
    assert_eq!(
        hex(&hmac_sha256(
            &[0xaa; 131],
            b"Test Using Larger Than Block-Size Key - Hash Key First"
        )),
        "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
    );
    assert_eq!(unhex("0b0c"), [0x0b, 0x0c]);
}

#[test]
fn sealed_data_opens_only_with_its_key_and_aad() {
    let key = DataKey::from_bytes([1; 32]);
    let sealed = seal(&key, b"row 1", b"secret");
    assert_eq!(sealed[0], VERSION);
    assert_eq!(open(&key, b"row 1", &sealed).unwrap().as_slice(), b"secret");
    assert!(matches!(
        open(&key, b"row 2", &sealed),
        Err(WalletError::Unseal)
    ));
    let other = DataKey::from_bytes([2; 32]);
    assert!(matches!(
        open(&other, b"row 1", &sealed),
        Err(WalletError::Unseal)
    ));
    let mut tampered = sealed.clone();
    let last = tampered.len() - 1;
    tampered[last] ^= 1;
    assert!(matches!(
        open(&key, b"row 1", &tampered),
        Err(WalletError::Unseal)
    ));
    assert!(matches!(
        open(&key, b"row 1", &[]),
        Err(WalletError::Unseal)
    ));
    assert!(matches!(
        open(&key, b"row 1", &[2; 40]),
        Err(WalletError::Unseal)
    ));
}

#[test]
fn data_keys_unwrap_only_for_their_holder() {
    let kek = Kek::generate();
    let key = DataKey::from_bytes([3; 32]);
    let wrapped = key.wrap(&kek, "h_1");
    let back = DataKey::unwrap(&kek, "h_1", &wrapped).unwrap();
    assert_eq!(*back.0, [3; 32]);
    assert!(DataKey::unwrap(&kek, "h_2", &wrapped).is_err());
    assert!(DataKey::unwrap(&Kek::generate(), "h_1", &wrapped).is_err());
    assert!(DataKey::unwrap(&kek, "h_1", &wrapped[..10]).is_err());
    assert_eq!(format!("{back:?}"), "DataKey(..)");
}

#[test]
fn ids_are_random_and_url_safe() {
    let a = new_id("r").unwrap();
    let b = new_id("r").unwrap();
    assert_ne!(a, b);
    assert_eq!(a.len(), 2 + 22);
    assert!(
        a[2..]
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_')
    );
}
