//! Unit tests for the status bitmap helpers.

use super::*;

/// How many of the first `size` bits are set.
fn count(bits: &[u8], size: u64) -> u64 {
    (0..size).filter(|&i| get(bits, i) == Some(true)).count() as u64
}

#[test]
fn bit_zero_is_the_most_significant_bit_of_byte_zero() {
    let mut bits = vec![0u8; 2];
    assert!(set(&mut bits, 0, true));
    assert_eq!(bits, [0x80, 0]);
    assert!(set(&mut bits, 9, true));
    assert_eq!(bits, [0x80, 0x40]);
    assert_eq!(get(&bits, 0), Some(true));
    assert_eq!(get(&bits, 1), Some(false));
    assert_eq!(get(&bits, 9), Some(true));
    assert!(set(&mut bits, 0, false));
    assert_eq!(bits, [0, 0x40]);
}

#[test]
fn out_of_range_indexes_change_nothing() {
    let mut bits = vec![0u8; 1];
    assert!(!set(&mut bits, 8, true));
    assert_eq!(bits, [0]);
    assert_eq!(get(&bits, 8), None);
}

#[test]
fn byte_len_rounds_up() {
    assert_eq!(byte_len(0), Some(0));
    assert_eq!(byte_len(1), Some(1));
    assert_eq!(byte_len(8), Some(1));
    assert_eq!(byte_len(9), Some(2));
    assert_eq!(byte_len(131_072), Some(16_384));
}

#[test]
fn pick_free_fills_a_list_without_repeats_then_reports_full() {
    // 13 bits: not a power of two and not a whole number of bytes.
    let size = 13;
    let mut used = vec![0u8; 2];
    let mut seen = Vec::new();
    for _ in 0..size {
        let index = pick_free(&used, size).unwrap().unwrap();
        assert!(index < size);
        assert!(!seen.contains(&index));
        seen.push(index);
        set(&mut used, index, true);
    }
    assert_eq!(count(&used, size), size);
    assert_eq!(pick_free(&used, size).unwrap(), None);
}

#[test]
fn pick_free_finds_the_last_free_index_of_a_large_list() {
    let size = 131_072;
    let mut used = vec![0xFF; 16_384];
    set(&mut used, 77_777, false);
    assert_eq!(pick_free(&used, size).unwrap(), Some(77_777));
}

#[test]
fn pick_free_treats_missing_bytes_as_taken() {
    assert_eq!(pick_free(&[0xFF], 16).unwrap(), None);
    assert_eq!(pick_free(&[], 4).unwrap(), None);
    assert_eq!(pick_free(&[], 0).unwrap(), None);
}

#[test]
fn pick_free_spreads_over_the_list() {
    let used = vec![0u8; 16_384];
    let picks: Vec<u64> = (0..32)
        .map(|_| pick_free(&used, 131_072).unwrap().unwrap())
        .collect();
    // 32 uniform draws from 131,072 all landing in the first 1,024 has probability 2^-224.
    assert!(picks.iter().any(|&i| i >= 1024));
}
