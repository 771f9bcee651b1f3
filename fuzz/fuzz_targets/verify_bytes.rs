//! Fuzz target: the whole verifier on arbitrary bytes (JSON, JWT, PNG, SVG sniffing included).
#![no_main]

use ler_verify::{Offline, Options, Verifier};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let verifier = Verifier::new(Options {
        documents: ler_jsonld::Documents::embedded(),
        fetcher: &Offline,
        trust: None,
        now: 1_780_272_000,
        recipient: Some("alice@example.org".into()),
        challenge: None,
        domain: None,
        status_cache: None,
    });
    let report = verifier.verify_bytes(data);
    // Random bytes never verify.
    assert!(!report.verified || data.len() > 100);
});
