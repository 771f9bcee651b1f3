//! Fuzz target: compact JWTs through the verifier's JWT path.
#![no_main]

use ler_verify::{Offline, Options, Verifier};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // Shape the input like a JWS so it takes the JWT path: header.payload.signature.
    let token = format!("ey{}", text.replace(char::is_whitespace, ""));
    let verifier = Verifier::new(Options {
        documents: ler_jsonld::Documents::embedded(),
        fetcher: &Offline,
        trust: None,
        now: 1_780_272_000,
        recipient: None,
        challenge: None,
        domain: None,
        status_cache: None,
    });
    let _ = verifier.verify_bytes(token.as_bytes());
});
