//! Integration tests for ler-jsonld: the published canonicalization vectors, byte for byte, and
//! the safe-mode rejections.

mod safe_mode;
mod vectors;

use ler_jsonld::Documents;
pub use ler_testdata::{read, read_json};

/// The embedded contexts plus the test-only contexts of `reference/contexts/index.json`.
pub fn docs_with_examples() -> Documents {
    let mut docs = Documents::new_embedded();
    for (url, text) in ler_testdata::example_contexts() {
        docs.add(&url, &text).expect("add test context");
    }
    docs
}
