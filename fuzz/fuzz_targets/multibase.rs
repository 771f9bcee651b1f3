//! Fuzz target: multibase / Multikey and key-file parsing.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = ler_crypto::parse_key(data, None);
    let _ = ler_crypto::inspect_key_file(data);
    if let Ok(s) = std::str::from_utf8(data) {
        let _ = ler_crypto::PublicKey::from_multibase(s);
        let _ = ler_crypto::KeyPair::from_secret_multibase(s);
    }
});
