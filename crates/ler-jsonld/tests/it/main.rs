//! Integration tests for ler-jsonld: the published canonicalization vectors, byte for byte, and
//! the safe-mode rejections.

mod safe_mode;
mod vectors;

use std::path::PathBuf;

use ler_jsonld::Documents;

/// The shared reference data (`../shared/reference` from the project root, or
/// `LER_REFERENCE_DIR`).
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

pub fn read_json(rel: &str) -> serde_json::Value {
    serde_json::from_str(&read(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// The embedded contexts plus the test-only contexts of `reference/contexts/index.json`.
pub fn docs_with_examples() -> Documents {
    let mut docs = Documents::new_embedded();
    let index = read_json("contexts/index.json");
    for (url, file) in index.as_object().expect("index.json is an object") {
        let text = read(&format!("contexts/{}", file.as_str().expect("file name")));
        docs.add(url, &text).expect("add test context");
    }
    docs
}
