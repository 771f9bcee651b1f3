//! Integration tests for the ler CLI, run as a user runs it: the binary, files, exit codes.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use ler_testdata::reference_dir;
use serde_json::{Value, json};

mod batch;
mod demo;
mod jwt_bake;
mod sdjwt;
mod serve;
mod status;

fn ler() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_ler"));
    c.env_remove("LER_KEK");
    c
}

fn run(cmd: &mut Command) -> Output {
    cmd.output().expect("run ler")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn fixtures_dir() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures"))
}

struct Tmp(PathBuf);
impl Tmp {
    fn new(name: &str) -> Tmp {
        let p = std::env::temp_dir().join(format!("ler-cli-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).expect("tmp dir");
        Tmp(p)
    }
    fn path(&self, f: &str) -> PathBuf {
        self.0.join(f)
    }
}
impl Drop for Tmp {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn write_json(p: &Path, v: &Value) {
    std::fs::write(p, serde_json::to_vec_pretty(v).expect("json")).expect("write");
}

fn generate_key(t: &Tmp, name: &str) -> (PathBuf, String) {
    let key = t.path(name);
    let o = run(ler().args(["key", "generate", "--out"]).arg(&key));
    assert!(o.status.success(), "{}", stderr(&o));
    let did = stdout(&o).trim().to_string();
    assert!(did.starts_with("did:key:z6Mk"), "{did}");
    (key, did)
}

fn with_issuer(mut doc: Value, did: &str) -> Value {
    match &mut doc["issuer"] {
        Value::Object(o) => {
            o.insert("id".into(), did.into());
        }
        other => *other = did.into(),
    }
    doc
}

fn ob3_unsigned(did: &str) -> Value {
    let text = std::fs::read_to_string(reference_dir().join("vectors/ob3-1edtech/unsigned.json"))
        .expect("vector");
    with_issuer(serde_json::from_str(&text).expect("json"), did)
}

fn issue(key: &Path, unsigned: &Path, extra: &[&str]) -> Output {
    run(ler()
        .arg("issue")
        .arg("--key")
        .arg(key)
        .args(extra)
        .arg(unsigned))
}

#[test]
fn key_generate_writes_0600_and_show_prints_did_vm_and_multikey() {
    use std::os::unix::fs::PermissionsExt;
    let t = Tmp::new("keygen");
    let (key, did) = generate_key(&t, "k.json");
    let mode = std::fs::metadata(&key).expect("meta").permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let o = run(ler().args(["key", "show"]).arg(&key));
    let out = stdout(&o);
    assert!(out.contains(&format!("did: {did}")), "{out}");
    let mb = did.trim_start_matches("did:key:");
    assert!(
        out.contains(&format!("verification method: {did}#{mb}")),
        "{out}"
    );
    assert!(
        out.contains(&format!("public key (Multikey): {mb}")),
        "{out}"
    );
    // Refuses to overwrite.
    let o = run(ler().args(["key", "generate", "--out"]).arg(&key));
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn encrypted_key_needs_the_kek_to_sign() {
    let t = Tmp::new("kek");
    let kek = "q83vEjRWeJCrze8SNFZ4kKvN7xI0VniQq83vEjRWeJA=";
    let key = t.path("k.json");
    let o = run(ler()
        .env("LER_KEK", kek)
        .args(["key", "generate", "--out"])
        .arg(&key));
    assert!(o.status.success(), "{}", stderr(&o));
    let did = stdout(&o).trim().to_string();
    let file = std::fs::read_to_string(&key).expect("key file");
    assert!(
        file.contains("encryptedSecretKey") && !file.contains("secretKeyMultibase"),
        "{file}"
    );
    let unsigned = t.path("u.json");
    write_json(&unsigned, &ob3_unsigned(&did));
    let o = issue(&key, &unsigned, &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("LER_KEK"), "{}", stderr(&o));
    let o = run(ler()
        .env("LER_KEK", kek)
        .arg("issue")
        .arg("--key")
        .arg(&key)
        .arg(&unsigned));
    assert!(o.status.success(), "{}", stderr(&o));
    let wrong = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
    let o = run(ler()
        .env("LER_KEK", wrong)
        .arg("issue")
        .arg("--key")
        .arg(&key)
        .arg(&unsigned));
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn issue_with_foreign_key_forms_reproduces_the_1edtech_vector() {
    let t = Tmp::new("vector");
    let expected: Value = serde_json::from_str(
        &std::fs::read_to_string(reference_dir().join("vectors/ob3-1edtech/expected.json"))
            .expect("expected"),
    )
    .expect("json");
    let unsigned = reference_dir().join("vectors/ob3-1edtech/unsigned.json");
    let vm = expected["verificationMethod"].as_str().expect("vm");
    let forms = [
        (
            "legacy.json",
            json!({"secretKeyMultibase": expected["secretKeyMultibase"]}).to_string(),
        ),
        (
            "hex.txt",
            expected["privateKeyHex"].as_str().expect("hex").to_string(),
        ),
        (
            "seed.txt",
            expected["privateKeyHex"].as_str().expect("hex")[..64].to_string(),
        ),
    ];
    for (name, content) in forms {
        let key = t.path(name);
        std::fs::write(&key, content).expect("write");
        let o = issue(
            &key,
            &unsigned,
            &[
                "--verification-method",
                vm,
                "--created",
                "2010-01-01T19:23:24Z",
            ],
        );
        assert!(o.status.success(), "{name}: {}", stderr(&o));
        let signed: Value = serde_json::from_slice(&o.stdout).expect("signed json");
        assert_eq!(
            signed["proof"]["proofValue"], expected["proofValue"],
            "{name}"
        );
    }
}

#[test]
fn issue_then_verify_and_tampering_fails() {
    let t = Tmp::new("roundtrip");
    let (key, did) = generate_key(&t, "k.json");
    let unsigned = t.path("u.json");
    write_json(&unsigned, &ob3_unsigned(&did));
    for suite in ["eddsa-rdfc-2022", "eddsa-jcs-2022"] {
        let o = issue(&key, &unsigned, &["--suite", suite]);
        assert!(o.status.success(), "{}", stderr(&o));
        let signed_path = t.path(&format!("{suite}.json"));
        std::fs::write(&signed_path, &o.stdout).expect("write");
        let o = run(ler().arg("verify").arg(&signed_path));
        assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
        assert!(stdout(&o).starts_with("VERIFIED"), "{}", stdout(&o));
        assert!(
            stdout(&o).contains("achievement: Teamwork"),
            "{}",
            stdout(&o)
        );

        let mut tampered: Value =
            serde_json::from_slice(&std::fs::read(&signed_path).expect("read")).expect("json");
        tampered["credentialSubject"]["achievement"]["name"] = "Leadership".into();
        let tampered_path = t.path(&format!("{suite}-tampered.json"));
        write_json(&tampered_path, &tampered);
        let o = run(ler().args(["verify", "--json"]).arg(&tampered_path));
        assert_eq!(o.status.code(), Some(1));
        let report: Value = serde_json::from_slice(&o.stdout).expect("report json");
        assert_eq!(report["verified"], false);
        assert!(
            report["errors"][0]["detail"]
                .as_str()
                .expect("detail")
                .contains("signature does not verify")
        );

        // JSON Lines on stdin: one good, one tampered.
        let good = serde_json::to_string(
            &serde_json::from_slice::<Value>(&std::fs::read(&signed_path).expect("r")).expect("j"),
        )
        .expect("s");
        let input = format!("{good}\n{}\n", serde_json::to_string(&tampered).expect("s"));
        let mut child = ler()
            .args(["verify", "--json", "-"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("spawn");
        use std::io::Write;
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(input.as_bytes())
            .expect("write");
        let o = child.wait_with_output().expect("wait");
        assert_eq!(o.status.code(), Some(1));
        let lines: Vec<Value> = stdout(&o)
            .lines()
            .map(|l| serde_json::from_str(l).expect("line json"))
            .collect();
        assert_eq!(lines.len(), 2);
        assert_eq!(
            (lines[0]["verified"].clone(), lines[1]["verified"].clone()),
            (json!(true), json!(false))
        );
    }
}

#[test]
fn verify_reports_io_errors_with_exit_2_and_bad_json_with_exit_1() {
    let t = Tmp::new("io");
    let o = run(ler().arg("verify").arg(t.path("missing.json")));
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("missing.json"));
    std::fs::write(t.path("bad.json"), "{not json").expect("write");
    let o = run(ler().arg("verify").arg(t.path("bad.json")));
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).contains("not JSON"), "{}", stdout(&o));
    let o = run(ler().arg("verify"));
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn fill_only_when_asked() {
    let t = Tmp::new("fill");
    let (key, did) = generate_key(&t, "k.json");
    let mut doc = ob3_unsigned(&did);
    let obj = doc.as_object_mut().expect("object");
    obj.remove("id");
    obj.remove("validFrom");
    obj.remove("issuer");
    let unsigned = t.path("u.json");
    write_json(&unsigned, &doc);
    let o = issue(&key, &unsigned, &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("$.issuer"), "{}", stderr(&o));
    let o = issue(&key, &unsigned, &["--fill"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let signed: Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(signed["issuer"], json!(did));
    assert!(signed["id"].as_str().expect("id").starts_with("urn:uuid:"));
    assert!(signed["validFrom"].is_string());
}

#[test]
fn rejects_invalid_credentials_before_signing() {
    let t = Tmp::new("invalid");
    let (key, did) = generate_key(&t, "k.json");
    for bad_issuer in [json!(null), json!(true), json!(4), json!([])] {
        let mut doc = ob3_unsigned(&did);
        doc["issuer"] = bad_issuer.clone();
        let p = t.path("bad.json");
        write_json(&p, &doc);
        let o = issue(&key, &p, &[]);
        assert_eq!(o.status.code(), Some(2), "issuer {bad_issuer}");
        assert!(stderr(&o).contains("$.issuer"), "{}", stderr(&o));
    }
    let mut doc = ob3_unsigned(&did);
    doc["credentialSubject"]["favouriteColour"] = "blue".into();
    let p = t.path("undefined.json");
    write_json(&p, &doc);
    let o = issue(&key, &p, &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("favouriteColour"), "{}", stderr(&o));
}

#[test]
fn context_map_adds_operator_contexts_and_unknown_contexts_are_errors() {
    let t = Tmp::new("ctxmap");
    let (key, did) = generate_key(&t, "k.json");
    let url = "https://contexts.example.org/club/v1";
    let mut doc = ob3_unsigned(&did);
    doc["@context"]
        .as_array_mut()
        .expect("array")
        .push(url.into());
    doc["credentialSubject"]["clubRole"] = "captain".into();
    let unsigned = t.path("u.json");
    write_json(&unsigned, &doc);
    let o = issue(&key, &unsigned, &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains(&format!("unknown context {url}")),
        "{}",
        stderr(&o)
    );

    std::fs::create_dir_all(t.path("ctx")).expect("dir");
    write_json(
        &t.path("ctx/club.jsonld"),
        &json!({"@context": {"clubRole": "https://contexts.example.org/club#role"}}),
    );
    write_json(&t.path("map.json"), &json!({url: "ctx/club.jsonld"}));
    let map = t.path("map.json");
    let map = map.to_str().expect("utf8");
    let o = issue(&key, &unsigned, &["--context-map", map]);
    assert!(o.status.success(), "{}", stderr(&o));
    let signed = t.path("s.json");
    std::fs::write(&signed, &o.stdout).expect("write");
    let o = run(ler().args(["verify", "--context-map", map]).arg(&signed));
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    let o = run(ler().arg("verify").arg(&signed));
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    assert!(stdout(&o).contains("unknown context"), "{}", stdout(&o));
}

/// Everything ler issues validates against the official 1EdTech JSON Schemas.
#[test]
fn issued_credentials_validate_against_the_official_schemas() {
    let t = Tmp::new("schemas");
    let (key, did) = generate_key(&t, "k.json");
    let cases = [
        (
            "ob3-achievement.json",
            "schemas/ob_v3p0/ob_v3p0_achievementcredential_schema.json",
        ),
        (
            "endorsement.json",
            "schemas/ob_v3p0/ob_v3p0_endorsementcredential_schema.json",
        ),
        (
            "clr.json",
            "schemas/clr_v2p0/clr_v2p0_clrcredential_schema.json",
        ),
    ];
    let mut signed_ob3: Option<Value> = None;
    for (fixture, schema) in cases {
        let text = std::fs::read_to_string(fixtures_dir().join(fixture))
            .unwrap_or_else(|e| panic!("fixture {fixture}: {e}"));
        let mut doc: Value =
            serde_json::from_str(&text.replace("did:key:ISSUER", &did)).expect("fixture json");
        if let (Some(inner), Some(ob3)) = (
            doc["credentialSubject"]["verifiableCredential"].as_array_mut(),
            &signed_ob3,
        ) {
            // A CLR encloses signed credentials: put the one signed above in place of the first.
            inner[0] = ob3.clone();
        }
        let unsigned = t.path(fixture);
        write_json(&unsigned, &doc);
        let o = issue(&key, &unsigned, &[]);
        assert!(o.status.success(), "{fixture}: {}", stderr(&o));
        let signed: Value = serde_json::from_slice(&o.stdout).expect("json");
        if fixture == "ob3-achievement.json" {
            signed_ob3 = Some(signed.clone());
        }
        let errors = ler_testdata::schema_errors(&signed, schema);
        assert!(
            errors.is_empty(),
            "{fixture} against {schema}:\n{}",
            errors.join("\n")
        );
        let path = t.path(&format!("signed-{fixture}"));
        std::fs::write(&path, &o.stdout).expect("write");
        let o = run(ler().arg("verify").arg(&path));
        assert_eq!(o.status.code(), Some(0), "{fixture}: {}", stdout(&o));
    }
}
