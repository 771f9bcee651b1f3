//! Unit tests for index allocation.

use super::*;

fn counter(mut n: u64) -> impl FnMut() -> Result<u64, StatusError> {
    move || {
        n = n
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        Ok(n)
    }
}

#[test]
fn hands_out_every_index_once_then_is_full() {
    let mut a = Allocator::new(21);
    let mut rng = counter(7);
    let mut seen = std::collections::BTreeSet::new();
    for _ in 0..21 {
        let i = a.allocate_with(&mut rng).expect("allocate");
        assert!(i < 21);
        assert!(seen.insert(i), "index {i} handed out twice");
    }
    assert_eq!(a.allocated(), 21);
    assert!(matches!(a.allocate_with(&mut rng), Err(StatusError::Full)));
}

#[test]
fn falls_back_to_the_nth_free_index_when_draws_keep_hitting_used_ones() {
    let mut a = Allocator::new(16);
    for i in 0..15 {
        assert!(a.mark_used(i).expect("mark"));
    }
    // A source that always says 0 lands on index 0 (used) every time, then picks the 0th free.
    let mut zero = || Ok(0u64);
    assert_eq!(a.allocate_with(&mut zero).expect("allocate"), 15);
    assert!(matches!(a.allocate_with(&mut zero), Err(StatusError::Full)));
}

#[test]
fn mark_used_reports_reuse_and_range() {
    let mut a = Allocator::new(10);
    assert!(a.mark_used(3).expect("mark"));
    assert!(!a.mark_used(3).expect("mark again"));
    assert!(a.is_used(3));
    assert!(!a.is_used(10));
    assert!(matches!(
        a.mark_used(10),
        Err(StatusError::IndexOutOfRange { index: 10, len: 10 })
    ));
}

#[test]
fn state_round_trips_and_rejects_inconsistent_bitmaps() {
    let mut a = Allocator::new(13);
    a.mark_used(0).expect("mark");
    a.mark_used(12).expect("mark");
    let back = Allocator::from_json(&a.to_json()).expect("read back");
    assert_eq!(back, a);
    assert_eq!(back.allocated(), 2);

    let wrong_len = json!({"entries": 100, "used": a.encoded_used()});
    assert!(matches!(
        Allocator::from_json(&wrong_len),
        Err(StatusError::State(_))
    ));
    // 13 entries in 2 bytes: the last 3 bits must stay clear.
    let mut past_end = Allocator::new(16);
    past_end.mark_used(15).expect("mark");
    let v = json!({"entries": 13, "used": past_end.encoded_used()});
    assert!(matches!(
        Allocator::from_json(&v),
        Err(StatusError::State(_))
    ));
}

#[test]
fn os_randomness_allocates() {
    let mut a = Allocator::new(1000);
    let i = a.allocate().expect("allocate");
    assert!(a.is_used(i));
}
