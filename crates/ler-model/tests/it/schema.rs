//! The fixtures, normalized and given a dummy proof, against the official 1EdTech JSON Schemas
//! (draft 2019-09), with `boon`. `schema_errors` is written to be copied: give it a document and
//! a schema file; schemas the file refers to by URL are loaded from the same folder.

use std::path::Path;

use serde_json::{Value, json};

use crate::support::{fixture, read_json, reference_dir, set};

/// Every error `boon` reports for `doc` against the schema in `schema_path`, one line per leaf
/// error (`instance location: what is wrong`); empty when the document conforms.
///
/// Every `*.json` in the schema's folder is added to the compiler under its `$id`, so references
/// by URL between the 1EdTech schemas resolve offline. Format assertions (`date-time`, `date`)
/// are on.
pub fn schema_errors(doc: &Value, schema_path: &Path) -> Vec<String> {
    let dir = schema_path
        .parent()
        .unwrap_or_else(|| panic!("{} has no folder", schema_path.display()));
    let mut compiler = boon::Compiler::new();
    compiler.enable_format_assertions();
    let mut target = None;
    let entries =
        std::fs::read_dir(dir).unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()));
    for entry in entries {
        let path = entry
            .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
            .path();
        if path.extension().is_none_or(|ext| ext != "json") {
            continue;
        }
        let schema = read_json(&path);
        let id = match schema.get("$id").and_then(Value::as_str) {
            Some(id) => id.to_string(),
            None => format!("file://{}", path.display()),
        };
        if path == schema_path {
            target = Some(id.clone());
        }
        compiler
            .add_resource(&id, schema)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    }
    let target = target.unwrap_or_else(|| panic!("{} not found", schema_path.display()));
    let mut schemas = boon::Schemas::new();
    let index = compiler
        .compile(&target, &mut schemas)
        .unwrap_or_else(|e| panic!("{target}: {e}"));
    let mut errors = Vec::new();
    if let Err(e) = schemas.validate(doc, index) {
        leaves(&e, &mut errors);
    }
    errors
}

fn leaves(e: &boon::ValidationError<'_, '_>, out: &mut Vec<String>) {
    if e.causes.is_empty() {
        out.push(format!("{}: {}", e.instance_location, e.kind));
    }
    for cause in &e.causes {
        leaves(cause, out);
    }
}

/// A proof of the right shape; its value is not a signature.
fn dummy_proof() -> Value {
    json!({
        "type": "DataIntegrityProof",
        "cryptosuite": "eddsa-rdfc-2022",
        "created": "2026-01-01T00:00:00Z",
        "verificationMethod": "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK#z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK",
        "proofPurpose": "assertionMethod",
        "proofValue": "z58DAdFfa9SkqZMVPxAQpic7ndSayn1PzZs6ZjWp1CktyGesjuTSwRdoWhAfGFCF5bppETSTojQCrfFPP2oumHKtz"
    })
}

fn schema(relative: &str) -> std::path::PathBuf {
    reference_dir().join("schemas").join(relative)
}

/// A fixture as `ler issue` would sign it: normalized, with a proof.
fn signed_shape(name: &str) -> Value {
    let mut doc = fixture(name);
    ler_model::normalize(&mut doc);
    set(doc, "/proof", dummy_proof())
}

#[test]
fn fixtures_conform_to_the_official_schemas() {
    for (name, schema_file) in [
        (
            "ob3-achievement.json",
            "ob_v3p0/ob_v3p0_achievementcredential_schema.json",
        ),
        (
            "endorsement.json",
            "ob_v3p0/ob_v3p0_endorsementcredential_schema.json",
        ),
        ("clr.json", "clr_v2p0/clr_v2p0_clrcredential_schema.json"),
    ] {
        let errors = schema_errors(&signed_shape(name), &schema(schema_file));
        assert!(
            errors.is_empty(),
            "{name} against {schema_file}:\n{}",
            errors.join("\n")
        );
    }
}

#[test]
fn reference_vectors_conform_to_the_official_schemas() {
    for (vector, schema_file) in [
        (
            "ob3-1edtech/signed.json",
            "ob_v3p0/ob_v3p0_achievementcredential_schema.json",
        ),
        (
            "clr2-1edtech/unsigned.json",
            "clr_v2p0/clr_v2p0_clrcredential_schema.json",
        ),
    ] {
        let doc = read_json(&reference_dir().join("vectors").join(vector));
        let errors = schema_errors(&doc, &schema(schema_file));
        assert!(errors.is_empty(), "{vector}:\n{}", errors.join("\n"));
    }
}

#[test]
fn schema_errors_points_at_the_problem() {
    let doc = set(
        signed_shape("ob3-achievement.json"),
        "/credentialSubject/achievement/image/type",
        json!(["Image"]),
    );
    let errors = schema_errors(
        &doc,
        &schema("ob_v3p0/ob_v3p0_achievementcredential_schema.json"),
    );
    assert!(
        errors
            .iter()
            .any(|e| e.contains("/credentialSubject/achievement/image/type")),
        "{errors:?}"
    );
    // ler's own validation says the same, which is why normalize leaves Image.type single.
    let violations = ler_model::validate(&doc);
    assert_eq!(violations.len(), 1, "{violations:?}");
    assert_eq!(violations[0].rule, "ob3.image.type");
}
