//! Fuzz target: DID, DID URL and did:web URL parsing, and did:key resolution.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    let _ = ler_crypto::Did::parse(s);
    let _ = ler_crypto::DidUrl::parse(s);
    if let Ok(url) = ler_crypto::did_web_url(s) {
        assert!(url.starts_with("https://"));
        assert!(!url.contains("/../"));
    }
    let _ = ler_crypto::resolve_did_key(s);
});
