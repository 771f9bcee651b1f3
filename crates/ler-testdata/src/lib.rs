//! Test support: where the shared reference data lives (spec vectors, official JSON Schemas,
//! context documents), and readers that fail with a message saying what is missing.
//!
//! The data is `../shared/reference` beside the project, or `LER_REFERENCE_DIR`; `.ci/run`
//! sets the variable. Only tests depend on this crate.

use std::path::PathBuf;

use serde_json::Value;

/// The reference data folder; panics with instructions when it is missing.
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

/// A reference file's bytes, by path relative to the reference folder.
pub fn read_bytes(rel: &str) -> Vec<u8> {
    let p = reference_dir().join(rel);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// A reference file's text.
pub fn read(rel: &str) -> String {
    String::from_utf8(read_bytes(rel)).unwrap_or_else(|e| panic!("{rel} is not UTF-8: {e}"))
}

/// A reference JSON file.
pub fn read_json(rel: &str) -> Value {
    serde_json::from_str(&read(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// The test-only contexts of `contexts/index.json` (the W3C examples context the vc-di-eddsa
/// vectors use), as (URL, document text).
pub fn example_contexts() -> Vec<(String, String)> {
    let index = read_json("contexts/index.json");
    let map = index.as_object().expect("contexts/index.json is an object");
    map.iter()
        .map(|(url, file)| {
            let file = file.as_str().expect("a file name");
            (url.clone(), read(&format!("contexts/{file}")))
        })
        .collect()
}

/// The errors of validating `doc` against the official JSON Schema at `schema` (a path in the
/// reference folder, `schemas/ob_v3p0/ob_v3p0_achievementcredential_schema.json` say); empty
/// when it validates.
pub fn schema_errors(doc: &Value, schema: &str) -> Vec<String> {
    let path = reference_dir().join(schema);
    let text = read(schema);
    let schema: Value = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()));
    let mut schemas = boon::Schemas::new();
    let mut compiler = boon::Compiler::new();
    let url = format!("file://{}", path.display());
    compiler
        .add_resource(&url, schema)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let idx = compiler
        .compile(&url, &mut schemas)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    match schemas.validate(doc, idx) {
        Ok(()) => Vec::new(),
        Err(e) => vec![format!("{e:#}")],
    }
}
