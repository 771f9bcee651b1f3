//! `ler issue --format vc-jwt…`, `ler bake`, `ler unbake`, and `ler verify` on tokens and baked
//! images, run as a user runs them.

use super::*;

/// CRC-32 for the test image's chunks.
fn crc(bytes: &[u8]) -> u32 {
    let mut c = 0xffff_ffffu32;
    for &b in bytes {
        c ^= u32::from(b);
        for _ in 0..8 {
            c = if c & 1 == 1 {
                (c >> 1) ^ 0xedb8_8320
            } else {
                c >> 1
            };
        }
    }
    !c
}

fn chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
    let mut out = (data.len() as u32).to_be_bytes().to_vec();
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let mut covered = kind.to_vec();
    covered.extend_from_slice(data);
    out.extend_from_slice(&crc(&covered).to_be_bytes());
    out
}

/// A 1x1 black grayscale PNG.
fn tiny_png() -> Vec<u8> {
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    out.extend(chunk(b"IHDR", &[0, 0, 0, 1, 0, 0, 0, 1, 8, 0, 0, 0, 0]));
    out.extend(chunk(
        b"IDAT",
        &[
            0x78, 0x01, 0x01, 0x02, 0x00, 0xfd, 0xff, 0x00, 0x00, 0x00, 0x02, 0x00, 0x01,
        ],
    ));
    out.extend(chunk(b"IEND", &[]));
    out
}

const TINY_SVG: &str =
    "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 1 1\"><circle r=\"1\"/></svg>\n";

/// Issues the OB 3.0 vector credential with a fresh key, in the given format.
fn issued(t: &Tmp, format: &str) -> String {
    let (key, did) = generate_key(t, &format!("{format}-key.json"));
    let unsigned = t.path(&format!("{format}-unsigned.json"));
    write_json(&unsigned, &ob3_unsigned(&did));
    let o = issue(&key, &unsigned, &["--format", format]);
    assert!(o.status.success(), "{}", stderr(&o));
    stdout(&o)
}

#[test]
fn issue_as_vc_jwt_then_verify_the_token() {
    let t = Tmp::new("vcjwt");
    for (format, form) in [
        ("vc-jwt", "VC-JOSE-COSE"),
        ("vc-jwt-1edtech", "1EdTech VC-JWT"),
    ] {
        let out = issued(&t, format);
        let token = out.trim();
        assert!(
            token.starts_with("ey") && token.matches('.').count() == 2 && out.lines().count() == 1,
            "{out}"
        );
        let path = t.path(&format!("{format}.jwt"));
        std::fs::write(&path, &out).expect("write");
        let o = run(ler().arg("verify").arg(&path));
        assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
        assert!(stdout(&o).starts_with("VERIFIED"), "{}", stdout(&o));
        assert!(stdout(&o).contains(form), "{}", stdout(&o));
        assert!(
            stdout(&o).contains("achievement: Teamwork"),
            "{}",
            stdout(&o)
        );

        let o = run(ler().args(["verify", "--json"]).arg(&path));
        let report: Value = serde_json::from_slice(&o.stdout).expect("report");
        assert_eq!(report["format"], "vc-jwt");

        // Flip one character of the payload: the signature no longer holds.
        let (head, rest) = token.split_once('.').expect("dot");
        let flipped = if rest.starts_with('e') { 'f' } else { 'e' };
        let tampered = format!("{head}.{flipped}{}", &rest[1..]);
        let bad = t.path(&format!("{format}-tampered.jwt"));
        std::fs::write(&bad, tampered).expect("write");
        let o = run(ler().arg("verify").arg(&bad));
        assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
        assert!(stdout(&o).starts_with("NOT VERIFIED"), "{}", stdout(&o));
    }
}

#[test]
fn issue_1edtech_vc_jwt_needs_an_id_and_valid_from() {
    let t = Tmp::new("vcjwt-noid");
    let (key, did) = generate_key(&t, "k.json");
    // A plain VC 2.0 credential, where id and validFrom are optional.
    let doc = json!({
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential"],
        "issuer": did,
        "credentialSubject": {"id": "did:example:learner"}
    });
    let unsigned = t.path("u.json");
    write_json(&unsigned, &doc);
    let o = issue(&key, &unsigned, &["--format", "vc-jwt-1edtech"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("jti"), "{}", stderr(&o));
    let o = issue(&key, &unsigned, &["--format", "vc-jwt-1edtech", "--fill"]);
    assert!(o.status.success(), "{}", stderr(&o));
}

#[test]
fn bake_a_data_integrity_credential_into_a_png_and_verify_the_image() {
    let t = Tmp::new("bake-png");
    let signed = issued(&t, "json");
    let cred = t.path("signed.json");
    std::fs::write(&cred, &signed).expect("write");
    let png = t.path("badge.png");
    std::fs::write(&png, tiny_png()).expect("write");
    let baked = t.path("baked.png");
    let o = run(ler()
        .arg("bake")
        .arg(&cred)
        .arg(&png)
        .arg("--out")
        .arg(&baked));
    assert!(o.status.success(), "{}", stderr(&o));

    let o = run(ler().arg("verify").arg(&baked));
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert!(stdout(&o).contains("[pass] baked:"), "{}", stdout(&o));
    assert!(stdout(&o).contains("eddsa-rdfc-2022"), "{}", stdout(&o));

    let o = run(ler().arg("unbake").arg(&baked));
    assert!(o.status.success(), "{}", stderr(&o));
    let back: Value = serde_json::from_slice(&o.stdout).expect("json");
    let original: Value = serde_json::from_str(&signed).expect("json");
    assert_eq!(back, original);
}

#[test]
fn bake_a_vc_jwt_into_an_svg_and_verify_the_image() {
    let t = Tmp::new("bake-svg");
    let token = issued(&t, "vc-jwt-1edtech");
    let cred = t.path("badge.jwt");
    std::fs::write(&cred, &token).expect("write");
    let svg = t.path("badge.svg");
    std::fs::write(&svg, TINY_SVG).expect("write");
    let baked = t.path("baked.svg");
    let o = run(ler()
        .arg("bake")
        .arg(&cred)
        .arg(&svg)
        .arg("--out")
        .arg(&baked));
    assert!(o.status.success(), "{}", stderr(&o));
    let text = std::fs::read_to_string(&baked).expect("read");
    assert!(
        text.contains(&format!(
            "<openbadges:credential verify=\"{}\">",
            token.trim()
        )),
        "{text}"
    );

    let o = run(ler().arg("verify").arg(&baked));
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert!(stdout(&o).contains("1EdTech VC-JWT"), "{}", stdout(&o));

    let o = run(ler().arg("unbake").arg(&baked));
    assert_eq!(stdout(&o).trim(), token.trim());
}

#[test]
fn bake_and_unbake_report_what_is_wrong() {
    let t = Tmp::new("bake-errors");
    let png = t.path("badge.png");
    std::fs::write(&png, tiny_png()).expect("write");
    let notes = t.path("notes.txt");
    std::fs::write(&notes, "just some notes").expect("write");
    let o = run(ler()
        .arg("bake")
        .arg(&notes)
        .arg(&png)
        .arg("--out")
        .arg(t.path("x.png")));
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("neither a JSON credential nor a compact VC-JWT"),
        "{}",
        stderr(&o)
    );

    let o = run(ler().arg("unbake").arg(&png));
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("no baked credential"), "{}", stderr(&o));

    let mut broken = tiny_png();
    broken.truncate(30);
    let broken_path = t.path("broken.png");
    std::fs::write(&broken_path, broken).expect("write");
    let o = run(ler().arg("unbake").arg(&broken_path));
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("damaged"), "{}", stderr(&o));
    let o = run(ler().arg("verify").arg(&broken_path));
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).contains("damaged"), "{}", stdout(&o));
}
