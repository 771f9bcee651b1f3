//! Unit tests for the bitstring and its encoding.

use super::*;

/// The all-zero 16 KB list of the Bitstring Status List v1.0 examples.
const SPEC_EMPTY_LIST: &str =
    "uH4sIAAAAAAAAA-3BMQEAAADCoPVPbQwfoAAAAAAAAAAAAAAAAAAAAIC3AYbSVKsAQAAA";

#[test]
fn index_zero_is_the_leftmost_bit() {
    let mut l = StatusList::new(MIN_ENTRIES).expect("list");
    l.set(0, 1).expect("set");
    assert_eq!(l.as_bytes()[0], 0x80);
    l.set(9, 1).expect("set");
    assert_eq!(l.as_bytes()[1], 0x40);
    l.set(MIN_ENTRIES - 1, 1).expect("set");
    assert_eq!(l.as_bytes()[MIN_ENTRIES / 8 - 1], 0x01);
    assert_eq!(l.get(0).expect("get"), 1);
    assert_eq!(l.get(1).expect("get"), 0);
    assert_eq!(l.count_set(), 3);
}

#[test]
fn multi_bit_statuses_read_leftmost_bit_first() {
    let mut l = StatusList::with_status_size(MIN_ENTRIES, 2).expect("list");
    l.set(0, 2).expect("set");
    assert_eq!(l.as_bytes()[0], 0b1000_0000);
    l.set(1, 3).expect("set");
    assert_eq!(l.as_bytes()[0], 0b1011_0000);
    assert_eq!(l.get(1).expect("get"), 3);
    l.set(1, 1).expect("set");
    assert_eq!(l.as_bytes()[0], 0b1001_0000);
    assert!(matches!(
        l.set(2, 4),
        Err(StatusError::ValueTooLarge {
            value: 4,
            status_size: 2
        })
    ));
    assert_eq!(l.count_set(), 2);
}

#[test]
fn refuses_lists_too_small_for_herd_privacy() {
    let e = StatusList::new(MIN_ENTRIES - 8).expect_err("too small");
    assert!(
        e.to_string().starts_with(
            "a status list must have at least 131072 entries (16 KB) for herd privacy"
        ),
        "{e}"
    );
    let short = format!("u{}", URL_SAFE_NO_PAD.encode(gzip(&[0u8; 1024])));
    assert!(matches!(
        StatusList::decode(&short, MAX_LIST_BYTES),
        Err(StatusError::TooFewEntries(8192))
    ));
    // With 2-bit entries, 16 KB holds only 65536 entries.
    assert!(matches!(
        StatusList::decode_sized(SPEC_EMPTY_LIST, 2, MAX_LIST_BYTES),
        Err(StatusError::TooFewEntries(65_536))
    ));
}

#[test]
fn refuses_lists_too_large_and_bad_status_sizes() {
    assert!(matches!(
        StatusList::new(MAX_LIST_BYTES * 8 + 1),
        Err(StatusError::TooManyEntries { .. })
    ));
    assert!(matches!(
        StatusList::with_status_size(MIN_ENTRIES, 0),
        Err(StatusError::StatusSize(0))
    ));
    assert!(matches!(
        StatusList::with_status_size(MIN_ENTRIES, 9),
        Err(StatusError::StatusSize(9))
    ));
}

#[test]
fn decodes_the_spec_example() {
    let l = StatusList::decode(SPEC_EMPTY_LIST, MAX_LIST_BYTES).expect("decode");
    assert_eq!(l.len(), MIN_ENTRIES);
    assert_eq!(l.count_set(), 0);
    let l = StatusList::decode_statuslist2021(&SPEC_EMPTY_LIST[1..], MAX_LIST_BYTES)
        .expect("decode 2021");
    assert_eq!(l.len(), MIN_ENTRIES);
}

#[test]
fn statuslist2021_accepts_standard_alphabet_and_padding() {
    let mut l = StatusList::new(MIN_ENTRIES).expect("list");
    l.set(42, 1).expect("set");
    let std = base64::engine::general_purpose::STANDARD.encode(gzip(l.as_bytes()));
    let back = StatusList::decode_statuslist2021(&std, MAX_LIST_BYTES).expect("decode");
    assert_eq!(back, l);
}

#[test]
fn bitstring_lists_need_the_multibase_prefix() {
    assert!(matches!(
        StatusList::decode(&SPEC_EMPTY_LIST[1..], MAX_LIST_BYTES),
        Err(StatusError::Multibase)
    ));
    assert!(matches!(
        StatusList::decode("u!!!", MAX_LIST_BYTES),
        Err(StatusError::Base64(_))
    ));
    let not_gzip = format!("u{}", URL_SAFE_NO_PAD.encode(b"plain bytes, not gzip"));
    assert!(matches!(
        StatusList::decode(&not_gzip, MAX_LIST_BYTES),
        Err(StatusError::Gzip(_))
    ));
}

#[test]
fn rejects_gzip_bomb_at_the_cap() {
    // 4 MiB of zeros compresses to a few KB; with a 1 MiB cap it must stop at the cap.
    let bomb = format!("u{}", URL_SAFE_NO_PAD.encode(gzip(&vec![0u8; 4 << 20])));
    assert!(bomb.len() < 16 * 1024, "{}", bomb.len());
    assert!(matches!(
        StatusList::decode(&bomb, 1 << 20),
        Err(StatusError::TooLarge { max: 1_048_576 })
    ));
    // Exactly at the cap is fine.
    let exact = format!("u{}", URL_SAFE_NO_PAD.encode(gzip(&vec![0u8; 1 << 20])));
    assert_eq!(
        StatusList::decode(&exact, 1 << 20).expect("at cap").len(),
        8 << 20
    );
}

#[test]
fn index_parsing_is_strict() {
    assert_eq!(StatusIndex::parse("0").expect("0").value(), 0);
    assert_eq!(StatusIndex::parse("0094567").expect("lead").value(), 94_567);
    for bad in [
        "",
        "-1",
        "+1",
        " 1",
        "1.0",
        "0x10",
        "99999999999999999999999",
    ] {
        assert!(
            matches!(StatusIndex::parse(bad), Err(StatusError::BadIndex(_))),
            "{bad}"
        );
    }
}

#[test]
fn out_of_range_is_an_error() {
    let l = StatusList::new(MIN_ENTRIES).expect("list");
    assert!(matches!(
        l.get(MIN_ENTRIES),
        Err(StatusError::IndexOutOfRange {
            index: MIN_ENTRIES,
            len: MIN_ENTRIES
        })
    ));
}
