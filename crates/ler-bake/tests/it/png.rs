//! PNG baking on a 1x1 grayscale image built byte by byte.

use ler_bake::{BakeError, bake, unbake};

use crate::{JSON, JWS};

/// CRC-32, bit by bit (independent of the crate's table).
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

fn ihdr() -> Vec<u8> {
    // 1x1, bit depth 8, grayscale, deflate, adaptive filtering, no interlace.
    chunk(b"IHDR", &[0, 0, 0, 1, 0, 0, 0, 1, 8, 0, 0, 0, 0])
}

fn idat() -> Vec<u8> {
    // zlib: header 78 01, one final stored block of 2 bytes (filter 0, black pixel), Adler-32.
    chunk(
        b"IDAT",
        &[
            0x78, 0x01, 0x01, 0x02, 0x00, 0xfd, 0xff, 0x00, 0x00, 0x00, 0x02, 0x00, 0x01,
        ],
    )
}

fn png_with(extra: &[Vec<u8>]) -> Vec<u8> {
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    out.extend(ihdr());
    out.extend(idat());
    for c in extra {
        out.extend_from_slice(c);
    }
    out.extend(chunk(b"IEND", &[]));
    out
}

pub fn tiny_png() -> Vec<u8> {
    png_with(&[])
}

fn itxt(keyword: &str, compressed: bool, text: &str) -> Vec<u8> {
    let mut data = keyword.as_bytes().to_vec();
    data.extend_from_slice(&[0, u8::from(compressed), 0, 0, 0]);
    data.extend_from_slice(text.as_bytes());
    chunk(b"iTXt", &data)
}

/// The chunk types in order, walking by length.
fn kinds(png: &[u8]) -> Vec<String> {
    let mut at = 8;
    let mut out = Vec::new();
    while at + 8 <= png.len() {
        let len = u32::from_be_bytes([png[at], png[at + 1], png[at + 2], png[at + 3]]) as usize;
        out.push(String::from_utf8_lossy(&png[at + 4..at + 8]).into_owned());
        at += 12 + len;
    }
    out
}

#[test]
fn the_test_image_is_a_valid_png() {
    // The IEND CRC every PNG ends with confirms the hand-rolled CRC.
    assert!(tiny_png().ends_with(&[0xae, 0x42, 0x60, 0x82]));
    assert_eq!(kinds(&tiny_png()), ["IHDR", "IDAT", "IEND"]);
}

#[test]
fn bake_then_unbake_round_trips_json_and_jws() {
    for text in [JSON, JWS] {
        let baked = bake(&tiny_png(), text).expect("bake");
        assert_eq!(kinds(&baked), ["IHDR", "IDAT", "iTXt", "IEND"]);
        assert_eq!(unbake(&baked).expect("unbake"), text);
        assert!(ler_bake::is_image(&baked));
    }
}

#[test]
fn rebaking_replaces_the_credential() {
    let once = bake(&tiny_png(), JSON).expect("bake");
    let twice = bake(&once, JWS).expect("rebake");
    assert_eq!(unbake(&twice).expect("unbake"), JWS);
    assert_eq!(kinds(&twice), ["IHDR", "IDAT", "iTXt", "IEND"]);
    let other_text = png_with(&[itxt("Comment", false, "hello")]);
    let baked = bake(&other_text, JSON).expect("bake");
    assert_eq!(kinds(&baked), ["IHDR", "IDAT", "iTXt", "iTXt", "IEND"]);
    assert_eq!(unbake(&baked).expect("unbake"), JSON);
}

#[test]
fn every_truncation_is_an_error_not_a_panic() {
    let baked = bake(&tiny_png(), JSON).expect("bake");
    for n in 0..baked.len() {
        let e = unbake(&baked[..n]).expect_err("truncated");
        if n >= 8 {
            assert!(matches!(e, BakeError::CorruptPng(_)), "{n}: {e}");
        }
        assert!(bake(&baked[..n], JSON).is_err(), "{n}");
    }
}

#[test]
fn a_damaged_chunk_fails_its_crc() {
    let mut baked = bake(&tiny_png(), JSON).expect("bake");
    let at = baked
        .windows(4)
        .position(|w| w == b"R&D ")
        .expect("credential text");
    baked[at] = b'X';
    let e = unbake(&baked).expect_err("crc");
    assert!(
        matches!(&e, BakeError::CorruptPng(m) if m.contains("iTXt") && m.contains("CRC")),
        "{e}"
    );
}

#[test]
fn impossible_chunk_lengths_are_refused() {
    for len in [0xffff_fff0u32, 0x7fff_ffff, 1000] {
        let mut png = tiny_png();
        png[8..12].copy_from_slice(&len.to_be_bytes());
        let e = unbake(&png).expect_err("length");
        assert!(
            matches!(&e, BakeError::CorruptPng(m) if m.contains("IHDR") && m.contains("claims")),
            "{e}"
        );
    }
    let mut not_ihdr = b"\x89PNG\r\n\x1a\n".to_vec();
    not_ihdr.extend(idat());
    not_ihdr.extend(chunk(b"IEND", &[]));
    assert!(matches!(unbake(&not_ihdr), Err(BakeError::CorruptPng(m)) if m.contains("IHDR")));
}

#[test]
fn an_image_without_a_credential_says_so() {
    assert!(matches!(
        unbake(&tiny_png()),
        Err(BakeError::NoCredential(m)) if m.contains("openbadgecredential")
    ));
    let ob2 = png_with(&[itxt("openbadges", false, "{}")]);
    assert!(matches!(
        unbake(&ob2),
        Err(BakeError::NoCredential(m)) if m.contains("2.0")
    ));
}

#[test]
fn compressed_and_duplicate_credentials_are_refused() {
    let compressed = png_with(&[itxt("openbadgecredential", true, "x\u{1}")]);
    assert_eq!(unbake(&compressed), Err(BakeError::CompressedCredential));
    let two = png_with(&[
        itxt("openbadgecredential", false, JSON),
        itxt("openbadgecredential", false, JWS),
    ]);
    assert_eq!(unbake(&two), Err(BakeError::DuplicateCredential));
    // Baking over both leaves one.
    assert_eq!(unbake(&bake(&two, JWS).expect("bake")).expect("one"), JWS);
}

#[test]
fn empty_credential_text_is_refused() {
    assert_eq!(bake(&tiny_png(), "  \n"), Err(BakeError::EmptyCredential));
}
