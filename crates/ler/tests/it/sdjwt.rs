//! `ler issue --format sd-jwt`: an employment record whose fields the worker shows or withholds.

use crate::{Tmp, fixtures_dir, generate_key, issue, ler, run, stderr, stdout};

#[test]
fn employment_record_as_sd_jwt_verifies_and_names_its_fields() {
    let t = Tmp::new("sdjwt");
    let (key, did) = generate_key(&t, "employer.json");
    let (_, holder) = generate_key(&t, "worker.json");
    let text = std::fs::read_to_string(fixtures_dir().join("employment.json")).expect("fixture");
    let unsigned = t.path("employment.json");
    std::fs::write(&unsigned, text.replace("did:key:ISSUER", &did)).expect("write");

    let o = issue(&key, &unsigned, &["--format", "sd-jwt"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--holder"), "{}", stderr(&o));

    let o = issue(
        &key,
        &unsigned,
        &["--format", "sd-jwt", "--holder", &holder],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let token = stdout(&o).trim().to_string();
    assert!(token.starts_with("ey") && token.contains('~'), "{token}");
    let file = t.path("record.sd-jwt");
    std::fs::write(&file, &token).expect("write");
    let o = run(ler().args(["verify", "--offline"]).arg(&file));
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    let out = stdout(&o);
    assert!(out.contains("sd-jwt-vc"), "{out}");
    for field in ["/positionTitle", "/startDate", "/pay"] {
        assert!(out.contains(field), "{field} missing from {out}");
    }
    // Someone else's record (a credential that is not an employment record) is refused.
    let o = run(ler()
        .args(["issue", "--format", "sd-jwt", "--holder"])
        .arg(&holder)
        .arg("--key")
        .arg(&key)
        .arg(t.path("missing.json")));
    assert_eq!(o.status.code(), Some(2));
}
