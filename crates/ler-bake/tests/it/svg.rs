//! SVG baking: the OB 3.0 element as the root's first child, JWS in `verify`, JSON in CDATA.

use ler_bake::{BakeError, bake, unbake};

use crate::{JSON, JWS};

pub const SVG: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1 1"><rect width="1" height="1"/></svg>
"#;

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).expect("utf-8")
}

#[test]
fn json_goes_in_cdata_as_the_first_child() {
    let baked = text(&bake(SVG.as_bytes(), JSON).expect("bake"));
    assert!(
        baked.contains(
            "viewBox=\"0 0 1 1\" xmlns:openbadges=\"https://purl.imsglobal.org/ob/v3p0\"><openbadges:credential><![CDATA["
        ),
        "{baked}"
    );
    assert!(
        baked.ends_with("<rect width=\"1\" height=\"1\"/></svg>\n"),
        "{baked}"
    );
    assert_eq!(unbake(baked.as_bytes()).expect("unbake"), JSON);
}

#[test]
fn a_jws_goes_in_the_verify_attribute() {
    let baked = text(&bake(SVG.as_bytes(), JWS).expect("bake"));
    assert!(
        baked.contains(&format!(
            "<openbadges:credential verify=\"{JWS}\"></openbadges:credential><rect"
        )),
        "{baked}"
    );
    assert_eq!(unbake(baked.as_bytes()).expect("unbake"), JWS);
}

#[test]
fn rebaking_replaces_the_element_and_keeps_one_declaration() {
    let once = bake(SVG.as_bytes(), JSON).expect("bake");
    let twice = text(&bake(&once, JWS).expect("rebake"));
    assert_eq!(
        twice.matches("<openbadges:credential").count(),
        1,
        "{twice}"
    );
    assert_eq!(twice.matches("xmlns:openbadges=").count(), 1, "{twice}");
    assert_eq!(unbake(twice.as_bytes()).expect("unbake"), JWS);
    let thrice = bake(twice.as_bytes(), JSON).expect("rebake");
    assert_eq!(unbake(&thrice).expect("unbake"), JSON);
}

#[test]
fn reads_the_spec_examples() {
    let jws = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0" viewBox="0 0 512 512">
  <openbadges:credential verify="{JWS}"></openbadges:credential>
  <!-- rest-of-image -->
</svg>"#
    );
    assert_eq!(unbake(jws.as_bytes()).expect("jws"), JWS);
    let json = r#"<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0" viewBox="0 0 512 512">
  <openbadges:credential>
    <![CDATA[
      {"id": "http://example.edu/credentials/3732"}
    ]]>
  </openbadges:credential>
</svg>"#;
    assert_eq!(
        unbake(json.as_bytes()).expect("json"),
        r#"{"id": "http://example.edu/credentials/3732"}"#
    );
}

#[test]
fn reads_escaped_text_and_other_prefixes() {
    let escaped = r#"<svg xmlns:ob="https://purl.imsglobal.org/ob/v3p0"><ob:credential>{&quot;a&quot;:&#34;&lt;&amp;&gt;&#x22;}</ob:credential></svg>"#;
    assert_eq!(
        unbake(escaped.as_bytes()).expect("unbake"),
        r#"{"a":"<&>"}"#
    );
    // Baking over it uses the openbadges prefix and drops the old element.
    let baked = text(&bake(escaped.as_bytes(), JWS).expect("bake"));
    assert!(!baked.contains("ob:credential"), "{baked}");
    assert_eq!(unbake(baked.as_bytes()).expect("unbake"), JWS);
}

#[test]
fn a_self_closing_root_is_opened() {
    let baked = text(&bake(b"<svg xmlns=\"http://www.w3.org/2000/svg\" />", JSON).expect("bake"));
    assert!(
        baked.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\" xmlns:openbadges="),
        "{baked}"
    );
    assert!(baked.ends_with("</openbadges:credential></svg>"), "{baked}");
    assert_eq!(unbake(baked.as_bytes()).expect("unbake"), JSON);
}

#[test]
fn comments_and_cdata_elsewhere_do_not_fool_the_reader() {
    let decoy = r#"<svg xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0"><!-- <openbadges:credential>fake</openbadges:credential> --><style><![CDATA[ <openbadges:credential>fake</openbadges:credential> ]]></style></svg>"#;
    assert!(matches!(
        unbake(decoy.as_bytes()),
        Err(BakeError::NoCredential(_))
    ));
    let baked = bake(decoy.as_bytes(), JSON).expect("bake");
    assert_eq!(unbake(&baked).expect("unbake"), JSON);
}

#[test]
fn refuses_two_credentials_and_empty_or_missing_ones() {
    let two = r#"<svg xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0"><openbadges:credential verify="a.b.c"/><g><openbadges:credential>{}</openbadges:credential></g></svg>"#;
    assert_eq!(unbake(two.as_bytes()), Err(BakeError::DuplicateCredential));
    let empty = r#"<svg xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0"><openbadges:credential verify=""> </openbadges:credential></svg>"#;
    assert!(
        matches!(unbake(empty.as_bytes()), Err(BakeError::NoCredential(m)) if m.contains("empty"))
    );
    assert!(matches!(
        unbake(SVG.as_bytes()),
        Err(BakeError::NoCredential(_))
    ));
}

#[test]
fn malformed_svgs_are_errors() {
    let cases: [&[u8]; 5] = [
        b"<svg><openbadges:credential>{}</svg>",
        b"<svg xmlns:openbadges=\"https://purl.imsglobal.org/ob/v3p0\"><openbadges:credential>{}",
        b"<svg a=\"1>",
        b"<svg><openbadges:credential><b/>{}</openbadges:credential></svg>",
        b"<svg>\xff</svg>",
    ];
    for c in cases {
        assert!(
            matches!(unbake(c), Err(BakeError::MalformedSvg(_))),
            "{:?}: {:?}",
            String::from_utf8_lossy(c),
            unbake(c)
        );
    }
    let html = b"<html><svg></svg></html>";
    assert!(matches!(bake(html, JSON), Err(BakeError::MalformedSvg(m)) if m.contains("<html>")));
    let rebound = br#"<svg xmlns:openbadges="http://openbadges.org"></svg>"#;
    assert!(
        matches!(bake(rebound, JSON), Err(BakeError::MalformedSvg(m)) if m.contains("openbadges.org"))
    );
}
