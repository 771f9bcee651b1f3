//! Integration tests for ler-proof: the W3C and 1EdTech vectors byte for byte, proof sets and
//! chains, and the sign-then-verify / mutation laws as property tests.

mod properties;
mod vectors;

use std::path::PathBuf;

use ler_crypto::{KeyPair, PublicKey};
use ler_jsonld::Documents;
use ler_proof::{Expectations, Purpose, StaticResolver};
use serde_json::Value;

pub fn reference_dir() -> PathBuf {
    let dir = std::env::var_os("LER_REFERENCE_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../../../shared/reference"
            ))
        });
    assert!(
        dir.join("vectors").is_dir(),
        "reference data not found at {}: set LER_REFERENCE_DIR to the shared/reference folder",
        dir.display()
    );
    dir
}

pub fn read(rel: &str) -> String {
    let p = reference_dir().join(rel);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

pub fn read_json(rel: &str) -> Value {
    serde_json::from_str(&read(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// The embedded contexts plus the W3C examples context the vc-di-eddsa vectors use.
pub fn docs_with_examples() -> Documents {
    let mut docs = Documents::new_embedded();
    let index = read_json("contexts/index.json");
    for (url, file) in index.as_object().expect("index.json is an object") {
        let text = read(&format!("contexts/{}", file.as_str().expect("file name")));
        docs.add(url, &text).expect("add test context");
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
