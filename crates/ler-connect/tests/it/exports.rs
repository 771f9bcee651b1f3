//! Exports: LER-RS and JSON Resume validated against their official schemas (read from the
//! shared reference folder, every `$ref` loaded from beside the schema), and CSV.

use std::path::Path;

use ler_connect::export::{self, LER_RS_TYPE, LerRsOptions, Person};
use ler_testdata::reference_dir;
use serde_json::{Value, json};

/// The errors of `doc` under the schema at `path` (draft-04 or draft-07). Every schema file in
/// the schema's folder tree is loaded first, so relative `$ref`s resolve to the reference files.
///
/// boon's regular expressions have no look-around and no back-references, and two LER-RS
/// patterns (`DateType`, `TimeType`: ISO 8601) use them; they are checked here without the
/// look-ahead and with `[-:]?` for each back-reference to a separator (slightly looser).
fn schema_errors(root: &Path, path: &Path, doc: &Value) -> Vec<String> {
    let mut schemas = boon::Schemas::new();
    let mut compiler = boon::Compiler::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let p = entry.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|e| e == "json") {
                let mut v: Value = serde_json::from_str(&std::fs::read_to_string(&p).unwrap())
                    .unwrap_or_else(|e| panic!("{}: {e}", p.display()));
                strip_lookaround(&mut v);
                compiler
                    .add_resource(&format!("file://{}", p.display()), v)
                    .unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            }
        }
    }
    let url = format!("file://{}", path.display());
    let idx = compiler
        .compile(&url, &mut schemas)
        .unwrap_or_else(|e| panic!("compile {url}: {e:#}"));
    match schemas.validate(doc, idx) {
        Ok(()) => Vec::new(),
        Err(e) => vec![format!("{e:#}")],
    }
}

/// Drops empty `required` arrays, removes `(?!…)` and `(?=…)` groups from every `pattern`, and writes each back-reference
/// (`\\3`: a separator again) as `[-:]?`.
fn strip_lookaround(v: &mut Value) {
    match v {
        Value::Object(m) => {
            // Draft-04's metaschema wants `required` non-empty; the 1EdTech draft-04 schemas
            // write `[]`, which means the same as leaving it out.
            m.retain(|k, x| !(k == "required" && x.as_array().is_some_and(Vec::is_empty)));
            for (k, x) in m.iter_mut() {
                if k == "pattern"
                    && let Value::String(p) = x
                {
                    while let Some(start) = p.find("(?!").or_else(|| p.find("(?=")) {
                        let mut depth = 0;
                        let mut end = start;
                        for (i, c) in p[start..].char_indices() {
                            match c {
                                '(' => depth += 1,
                                ')' => {
                                    depth -= 1;
                                    if depth == 0 {
                                        end = start + i + 1;
                                        break;
                                    }
                                }
                                _ => {}
                            }
                        }
                        p.replace_range(start..end, "");
                    }
                    let mut out = String::with_capacity(p.len());
                    let mut chars = p.chars();
                    while let Some(c) = chars.next() {
                        match (c, c == '\\') {
                            (_, true) => match chars.next() {
                                Some(d @ '1'..='9') => {
                                    let _ = d;
                                    out.push_str("[-:]?");
                                }
                                Some(e) => {
                                    out.push('\\');
                                    out.push(e);
                                }
                                None => out.push('\\'),
                            },
                            (c, false) => out.push(c),
                        }
                    }
                    *p = out;
                } else {
                    strip_lookaround(x);
                }
            }
        }
        Value::Array(a) => a.iter_mut().for_each(strip_lookaround),
        _ => {}
    }
}

fn ler_rs_errors(doc: &Value) -> Vec<String> {
    let root = reference_dir().join("formats/01-ler-rs/schema");
    schema_errors(&root, &root.join("recruiting/json/LER-RSType.json"), doc)
}

fn issuer() -> Value {
    json!({"id": "did:web:creds.example.org:orgs:acme", "type": ["Profile"], "name": "Acme College"})
}

fn badge(id: &str, name: &str, achievement_type: &str, skill: Option<&str>) -> Value {
    let mut achievement = json!({
        "id": format!("https://creds.example.org/orgs/acme/achievements/{}", name.to_lowercase().replace(' ', "-")),
        "type": ["Achievement"],
        "name": name,
        "description": format!("{name}, as Acme College teaches it."),
        "criteria": {"narrative": "Completed the course."},
        "achievementType": achievement_type,
    });
    if let Some(s) = skill {
        achievement["alignment"] = json!([{"type": ["Alignment"], "targetName": s, "targetUrl": "https://example.org/skills/1", "targetType": "ceasn:Competency"}]);
    }
    json!({
        "@context": ["https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"],
        "id": id,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": issuer(),
        "validFrom": "2024-05-24T11:00:00Z",
        "name": name,
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "achievement": achievement,
            "awardedDate": "2024-05-24T11:00:00Z",
            "result": [{"type": ["Result"], "value": "88/100"}],
        },
    })
}

fn employment() -> Value {
    json!({
        "@context": ["https://www.w3.org/ns/credentials/v2", "https://w3id.org/ler/employment/v1"],
        "id": "https://creds.example.org/credentials/job-1",
        "type": ["VerifiableCredential", "EmploymentCredential"],
        "issuer": {"id": "did:web:hr.example.com", "type": ["Profile"], "name": "Example Logistics"},
        "validFrom": "2025-01-10T00:00:00Z",
        "credentialSubject": {
            "id": "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK",
            "type": ["EmploymentSubject"],
            "employer": {"type": ["Employer"], "name": "Example Logistics"},
            "positionTitle": "Forklift Operator",
            "startDate": "2024-06-01",
        },
    })
}

fn clr(parts: &[Value]) -> Value {
    json!({
        "@context": ["https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"],
        "id": "urn:uuid:3c0e2f9a-8d1b-4e5f-9a7c-000000000010",
        "type": ["VerifiableCredential", "ClrCredential"],
        "issuer": issuer(),
        "validFrom": "2024-06-01T00:00:00Z",
        "name": "Transcript from Acme College",
        "credentialSubject": {"type": ["ClrSubject"], "verifiableCredential": parts},
    })
}

fn credentials() -> Vec<Value> {
    let cert = badge(
        "urn:uuid:3c0e2f9a-8d1b-4e5f-9a7c-000000000001",
        "Forklift Safety",
        "Certificate",
        Some("Operate forklifts"),
    );
    let course = badge(
        "https://creds.example.org/credentials/course-1",
        "Warehouse Logistics",
        "Course",
        Some("Inventory control"),
    );
    let license = badge(
        "urn:uuid:3c0e2f9a-8d1b-4e5f-9a7c-000000000003",
        "Commercial Driver License",
        "License",
        None,
    );
    let competency = badge(
        "urn:uuid:3c0e2f9a-8d1b-4e5f-9a7c-000000000004",
        "Load Securing",
        "Competency",
        Some("Operate forklifts"),
    );
    vec![
        cert.clone(),
        course,
        license,
        competency,
        employment(),
        clr(&[cert]),
        json!({"type": ["VerifiablePresentation"]}),
    ]
}

fn person() -> Person {
    Person {
        name: Some("Ana Rivera".into()),
        given: Some("Ana".into()),
        family: Some("Rivera".into()),
        email: Some("ana.rivera@students.example.edu".into()),
    }
}

#[test]
fn ler_rs_validates_against_the_4_4_schemas_and_references_every_credential() {
    let options = LerRsOptions {
        document_id: "doc-1".into(),
        embed_credentials: false,
    };
    let doc = export::ler_rs(&person(), &credentials(), &options);
    let errors = ler_rs_errors(&doc);
    assert!(errors.is_empty(), "{}\n{doc:#}", errors.join("\n"));
    assert_eq!(doc["type"], LER_RS_TYPE);
    assert_eq!(doc["person"]["name"]["formattedName"], "Ana Rivera");
    assert_eq!(
        doc["employmentHistories"][0]["positionHistories"][0]["title"],
        "Forklift Operator"
    );
    assert_eq!(doc["employmentHistories"][0]["current"], true);
    assert_eq!(doc["certifications"][0]["name"], "Forklift Safety");
    assert_eq!(doc["licenses"][0]["name"], "Commercial Driver License");
    let education = doc["educationAndLearnings"].as_array().unwrap();
    assert_eq!(education.len(), 2, "the course and the transcript");
    assert_eq!(education[1]["programs"], json!(["Forklift Safety"]));
    // Each item points at an attachment naming its credential.
    let attachments = doc["attachments"].as_array().unwrap();
    assert_eq!(
        attachments.len(),
        6,
        "one per credential, the presentation left out"
    );
    for item in [
        &doc["certifications"][0],
        &doc["licenses"][0],
        &doc["employmentHistories"][0],
        &education[0],
        &education[1],
    ] {
        let r = &item["attachmentReferences"][0];
        let at: usize = r["uri"].as_str().unwrap()["#/attachments/".len()..]
            .parse()
            .unwrap();
        assert_eq!(attachments[at]["id"]["value"], r["reference"]["value"]);
        assert_eq!(attachments[at]["url"], r["reference"]["value"]);
    }
    // Skills merge their credentials: the certificate, the competency and the transcript.
    let skills = doc["skills"].as_array().unwrap();
    let forklift = skills
        .iter()
        .find(|s| s["name"] == "Operate forklifts")
        .unwrap();
    assert_eq!(forklift["verifications"].as_array().unwrap().len(), 3);
    assert!(skills.iter().any(|s| s["name"] == "Load Securing"));

    // Embedded, each attachment holds its credential.
    let embedded = export::ler_rs(
        &person(),
        &credentials(),
        &LerRsOptions {
            document_id: "doc-2".into(),
            embed_credentials: true,
        },
    );
    let errors = ler_rs_errors(&embedded);
    assert!(errors.is_empty(), "{}", errors.join("\n"));
    assert_eq!(embedded["attachments"][0]["content"]["encoding"], "base64");
}

#[test]
fn ler_rs_schema_check_catches_a_broken_document() {
    let mut doc = export::ler_rs(&person(), &credentials(), &LerRsOptions::default());
    doc["type"] = "http://schema.hropenstandards.org/4.5/recruiting/json/LER-RSType.json".into();
    doc["certifications"] = json!([]);
    assert!(!ler_rs_errors(&doc).is_empty());
}

#[test]
fn json_resume_validates_against_its_schema() {
    let doc = export::json_resume(&person(), &credentials());
    let root = reference_dir().join("formats/07-json-resume");
    let errors = schema_errors(&root, &root.join("schema.json"), &doc);
    assert!(errors.is_empty(), "{}\n{doc:#}", errors.join("\n"));
    assert_eq!(doc["basics"]["email"], "ana.rivera@students.example.edu");
    assert_eq!(doc["work"][0]["name"], "Example Logistics");
    assert_eq!(doc["work"][0]["startDate"], "2024-06-01");
    assert_eq!(
        doc["education"][0]["url"],
        "https://creds.example.org/credentials/course-1"
    );
    assert_eq!(doc["certificates"].as_array().unwrap().len(), 3);
    assert_eq!(doc["meta"]["credentials"].as_array().unwrap().len(), 6);
}

#[test]
fn csv_lists_one_line_per_credential() {
    let mut out = Vec::new();
    export::csv(&credentials(), &mut out).unwrap();
    let text = String::from_utf8(out).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], export::CSV_COLUMNS.join(","));
    assert_eq!(lines.len(), 7);
    assert_eq!(
        lines[1],
        "urn:uuid:3c0e2f9a-8d1b-4e5f-9a7c-000000000001,certification,Forklift Safety,Certificate,Acme College,did:web:creds.example.org:orgs:acme,2024-05-24T11:00:00Z,,88/100,Operate forklifts"
    );
    assert!(lines[5].contains(",employment,Forklift Operator,,Example Logistics,"));
}
