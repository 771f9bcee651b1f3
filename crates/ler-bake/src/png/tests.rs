//! Unit tests of the PNG layer: the CRC table and the iTXt field parser.

use super::*;

#[test]
fn crc32_matches_the_check_values() {
    // The CRC-32 check value, and the CRC every PNG ends with (IEND, no data).
    assert_eq!(crc32(&[b"123456789"]), 0xcbf4_3926);
    assert_eq!(crc32(&[b"IEND"]), 0xae42_6082);
    assert_eq!(crc32(&[b"IE", b"ND"]), 0xae42_6082);
}

#[test]
fn itxt_fields_are_split_at_their_terminators() {
    let t = parse_itxt(b"openbadgecredential\0\0\0en\0Badge\0{\"a\":1}").expect("itxt");
    assert_eq!(t.keyword, b"openbadgecredential");
    assert!(!t.compressed);
    assert_eq!(t.text, b"{\"a\":1}");
    let t = parse_itxt(b"k\0\x01\0\0\0x").expect("itxt");
    assert!(t.compressed);
    for bad in [&b"no terminator"[..], b"k\0", b"k\0\0\0no-lang-end"] {
        assert!(parse_itxt(bad).is_none(), "{bad:?}");
    }
}
