//! Integration tests for ler-status: the laws of the bitstring and of allocation.

use std::collections::BTreeSet;

use ler_status::{
    Allocator, ListState, MAX_LIST_BYTES, MIN_ENTRIES, Purpose, StatusError, StatusList,
};
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    #[test]
    fn encode_then_decode_is_the_identity(
        status_size in 1u8..=8,
        extra in 0usize..64,
        sets in prop::collection::vec((any::<usize>(), any::<u8>()), 0..64),
    ) {
        let mut list = StatusList::with_status_size(MIN_ENTRIES + extra, status_size)
            .expect("list");
        let mask = if status_size == 8 { 0xff } else { (1u8 << status_size) - 1 };
        for (i, v) in &sets {
            list.set(i % list.len(), v & mask).expect("set");
        }
        let back = StatusList::decode_sized(&list.encode(), status_size, MAX_LIST_BYTES)
            .expect("decode");
        prop_assert_eq!(&back, &list);
        for (i, _) in &sets {
            let i = i % list.len();
            prop_assert_eq!(back.get(i).expect("get"), list.get(i).expect("get"));
        }
    }

    #[test]
    fn bit_index_counts_from_the_left(index in 0usize..MIN_ENTRIES) {
        let mut list = StatusList::new(MIN_ENTRIES).expect("list");
        list.set(index, 1).expect("set");
        let bytes = list.as_bytes();
        prop_assert_eq!(bytes[index / 8], 0x80u8 >> (index % 8));
        prop_assert_eq!(bytes.iter().map(|b| b.count_ones()).sum::<u32>(), 1);
    }

    #[test]
    fn an_index_is_never_handed_out_twice(len in 1usize..400) {
        let mut a = Allocator::new(len);
        let mut seen = BTreeSet::new();
        for _ in 0..len {
            let i = a.allocate().expect("allocate");
            prop_assert!(i < len);
            prop_assert!(seen.insert(i), "index {} handed out twice", i);
        }
        prop_assert!(matches!(a.allocate(), Err(StatusError::Full)));
        prop_assert_eq!(seen.len(), len);
    }

    #[test]
    fn stored_state_never_forgets_an_allocation(n in 1usize..40) {
        let mut s = ListState::new("https://example.edu/status/7", Purpose::Suspension, MIN_ENTRIES)
            .expect("state");
        let mut seen = BTreeSet::new();
        for _ in 0..n {
            // Store and reload between allocations, as the CLI does.
            s = ListState::from_json(&s.to_json()).expect("reload");
            let e = s.allocate().expect("allocate");
            let i: usize = e["statusListIndex"].as_str().and_then(|x| x.parse().ok()).expect("i");
            prop_assert!(seen.insert(i));
        }
        prop_assert_eq!(s.allocated(), n);
    }
}

#[test]
fn setting_index_zero_sets_the_first_byte_to_0x80() {
    let mut list = StatusList::new(MIN_ENTRIES).expect("list");
    list.set(0, 1).expect("set");
    assert_eq!(list.as_bytes()[0], 0x80);
    let back = StatusList::decode(&list.encode(), MAX_LIST_BYTES).expect("decode");
    assert_eq!(back.as_bytes()[0], 0x80);
    assert!(list.encode().starts_with("uH4sI"));
}
