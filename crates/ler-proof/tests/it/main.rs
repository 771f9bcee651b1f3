//! Integration tests for ler-proof: the W3C and 1EdTech vectors byte for byte, proof sets and
//! chains, and the sign-then-verify / mutation laws as property tests.

mod properties;
mod vectors;

use ler_crypto::{KeyPair, PublicKey};
use ler_jsonld::Documents;
use ler_proof::{Expectations, Purpose, StaticResolver};

pub use ler_testdata::{read, read_json};

/// The embedded contexts plus the W3C examples context the vc-di-eddsa vectors use.
pub fn docs_with_examples() -> Documents {
    let mut docs = Documents::new_embedded();
    for (url, text) in ler_testdata::example_contexts() {
        docs.add(&url, &text).expect("add test context");
    }
    docs
}

pub fn key_from_multibase(secret: &str) -> KeyPair {
    KeyPair::from_secret_multibase(secret).expect("vector key")
}

/// A resolver binding each of `keys` (did:key VMs) to `controller`.
pub fn resolver_for(controller: &str, keys: &[PublicKey]) -> StaticResolver {
    let mut r = StaticResolver::new();
    for k in keys {
        let vm = ler_crypto::did_key_verification_method(k);
        r.insert(&vm, controller, *k);
    }
    r
}

/// 2026-06-01T00:00:00Z.
pub const NOW: i64 = 1_780_272_000;

pub fn assertion(controller: &str) -> Expectations<'_> {
    Expectations {
        controller,
        purpose: Purpose::Assertion,
        now: NOW,
    }
}
