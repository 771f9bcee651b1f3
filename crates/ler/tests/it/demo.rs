//! `ler demo` and `ler demo pipeline` as a newcomer runs them: the tour, and the pilot end to
//! end with every hop passing and its files left behind.

use serde_json::Value;

use super::{Tmp, ler, run, stderr, stdout};

#[test]
fn the_tour_verifies_and_the_tampered_copy_fails() {
    let t = Tmp::new("demo-tour");
    let o = run(ler().args(["demo", "--dir"]).arg(t.path("tour")));
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    let verdicts: Vec<&str> = out
        .lines()
        .map(str::trim)
        .filter(|l| l.ends_with("VERIFIED"))
        .collect();
    assert_eq!(verdicts, ["VERIFIED", "NOT VERIFIED"], "{out}");
}

#[test]
fn the_pipeline_runs_green_from_the_lms_export_to_the_hris() {
    let t = Tmp::new("demo-pipeline");
    let dir = t.path("pilot");
    let o = run(ler().args(["demo", "pipeline", "--dir"]).arg(&dir));
    let out = stdout(&o);
    assert!(o.status.success(), "{out}\n{}", stderr(&o));
    let hops: Vec<&str> = out
        .lines()
        .filter(|l| l.starts_with(['✔', '✘', '–']))
        .collect();
    assert_eq!(hops.len(), 7, "{out}");
    assert!(hops.iter().all(|l| l.starts_with('✔')), "{out}");
    assert!(out.contains("Every hop passed."), "{out}");
    // Two of the gradebook's rows pass; the bad rows are reported, not issued.
    assert!(out.contains("2 to issue"), "{out}");
    assert!(out.contains("row 6, SIS Login ID"), "{out}");

    let links = std::fs::read_to_string(dir.join("claim-links.csv")).expect("claim links");
    assert_eq!(links.lines().count(), 3, "{links}");
    let event: Value = serde_json::from_str(
        &std::fs::read_to_string(dir.join("hris-webhook.json")).expect("webhook"),
    )
    .expect("JSON");
    assert_eq!(event["type"], "record.shared");
    assert_eq!(event["organization"]["slug"], "harbor");
    let export: Value = serde_json::from_str(
        &std::fs::read_to_string(dir.join("harbor-hris-ler-rs.json")).expect("export"),
    )
    .expect("JSON");
    let text = export.to_string();
    assert!(text.contains("Ana Rivera"), "{text}");
    assert!(
        text.contains("Certified Nursing Assistant Skills"),
        "{text}"
    );
    assert!(
        text.contains("urn:uuid:"),
        "the export references the credential: {text}"
    );
}
