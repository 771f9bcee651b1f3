//! Integration tests for ler-bake: real (tiny) PNG and SVG images built here, baked, unbaked,
//! re-baked, and damaged.

mod png;
mod properties;
mod svg;

/// A credential as JSON, with characters XML and CDATA treat specially.
pub const JSON: &str = r#"{"@context":["https://www.w3.org/ns/credentials/v2"],"type":["VerifiableCredential"],"name":"R&D <lab> ]]> badge"}"#;

/// A compact JWS (the shape is what matters here, not the signature).
pub const JWS: &str = "eyJhbGciOiJFZERTQSJ9.eyJpc3MiOiJkaWQ6ZXhhbXBsZTphIn0.c2lnbmF0dXJl";

#[test]
fn refuses_images_over_the_limit_and_unknown_formats() {
    let mut big = b"\x89PNG\r\n\x1a\n".to_vec();
    big.resize(ler_bake::MAX_IMAGE_BYTES + 1, 0);
    assert!(matches!(
        ler_bake::unbake(&big),
        Err(ler_bake::BakeError::TooLarge { .. })
    ));
    assert!(matches!(
        ler_bake::bake(&big, JSON),
        Err(ler_bake::BakeError::TooLarge { .. })
    ));
    assert_eq!(
        ler_bake::unbake(b"GIF89a"),
        Err(ler_bake::BakeError::UnknownFormat)
    );
    assert_eq!(
        ler_bake::bake(b"{\"not\":\"an image\"}", JSON),
        Err(ler_bake::BakeError::UnknownFormat)
    );
}
