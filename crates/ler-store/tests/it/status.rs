//! Status index allocation: random, unique, never reused, across lists and instances.

use std::collections::{BTreeMap, BTreeSet};

use ler_store::{Purpose, StatusListRow, Store, StoreError};

use crate::harness::{TestDb, org};

conformance!(
    allocations_are_unique_and_marked_used,
    a_full_list_makes_room_in_a_new_list,
    lists_are_per_organization_and_purpose,
    list_size_must_be_positive,
    concurrent_allocations_never_collide,
);

fn bit(bits: &[u8], index: u64) -> bool {
    bits[(index / 8) as usize] & (0x80 >> (index % 8)) != 0
}

fn ones(bits: &[u8]) -> u32 {
    bits.iter().map(|b| b.count_ones()).sum()
}

async fn allocations_are_unique_and_marked_used(store: &Store) {
    let acme = org(store, "acme").await;
    // 2,000 of 2,048: the last allocations run on a nearly full list.
    let mut seen = BTreeSet::new();
    let mut list_ids = BTreeSet::new();
    for n in 0..2_000 {
        let (list, index) = store
            .allocate_status_index(
                acme.id,
                Purpose::Revocation,
                2_048,
                &format!("r{n}"),
                100 + n,
            )
            .await
            .unwrap();
        assert!(index < 2_048);
        assert!(seen.insert(index), "index {index} handed out twice");
        assert!(
            bit(&list.used, index),
            "index {index} not marked used in the returned list"
        );
        list_ids.insert(list.id);
    }
    assert_eq!(list_ids.len(), 1, "one list has room for all");

    let list = store
        .status_list(acme.id, "r0")
        .await
        .unwrap()
        .expect("the list created first");
    assert_eq!(
        (list.size, list.purpose, list.org_id),
        (2_048, Purpose::Revocation, acme.id)
    );
    assert_eq!(list.used.len(), 256);
    assert_eq!(list.bits, vec![0; 256], "allocation sets no status bit");
    assert_eq!(ones(&list.used), 2_000);
    assert!(seen.iter().all(|&i| bit(&list.used, i)));
    assert_eq!(list.version, 2_000);
    assert_eq!(list.updated_at, 100 + 1_999);
    assert_eq!(
        store.status_list_by_id(list.id).await.unwrap(),
        Some(list.clone())
    );
    assert_eq!(store.status_list(acme.id, "r1").await.unwrap(), None);
    // Random, not sequential: 2,000 sequential picks would fill exactly bytes 0..250.
    assert_ne!(&list.used[..250], &[0xFF; 250][..]);
}

async fn a_full_list_makes_room_in_a_new_list(store: &Store) {
    let acme = org(store, "acme").await;
    let mut first: Option<StatusListRow> = None;
    let mut indexes = BTreeSet::new();
    for n in 0..16 {
        let (list, index) = store
            .allocate_status_index(acme.id, Purpose::Suspension, 16, &format!("s{n}"), 1)
            .await
            .unwrap();
        assert_eq!(list.list_id, "s0");
        assert!(indexes.insert(index));
        first = Some(list);
    }
    assert_eq!(indexes, (0..16).collect());
    assert_eq!(first.unwrap().used, [0xFF, 0xFF]);

    let (second, index) = store
        .allocate_status_index(acme.id, Purpose::Suspension, 16, "s16", 2)
        .await
        .unwrap();
    assert_eq!(second.list_id, "s16");
    assert!(index < 16);
    assert_eq!(ones(&second.used), 1);
    let (again, _) = store
        .allocate_status_index(acme.id, Purpose::Suspension, 16, "s17", 3)
        .await
        .unwrap();
    assert_eq!(again.id, second.id, "the new list is used until it is full");

    // A list id that is taken is a conflict, not a reuse.
    for n in 0..14 {
        store
            .allocate_status_index(acme.id, Purpose::Suspension, 16, &format!("t{n}"), 4)
            .await
            .unwrap();
    }
    let taken = store
        .allocate_status_index(acme.id, Purpose::Suspension, 16, "s0", 5)
        .await;
    assert!(matches!(taken, Err(StoreError::Conflict(_))), "{taken:?}");
    let first = store.status_list(acme.id, "s0").await.unwrap().unwrap();
    assert_eq!(first.used, [0xFF, 0xFF]);
}

async fn lists_are_per_organization_and_purpose(store: &Store) {
    let acme = org(store, "acme").await;
    let other = org(store, "other").await;
    let (rev, _) = store
        .allocate_status_index(acme.id, Purpose::Revocation, 64, "rev", 1)
        .await
        .unwrap();
    let (sus, _) = store
        .allocate_status_index(acme.id, Purpose::Suspension, 64, "sus", 1)
        .await
        .unwrap();
    let (oth, _) = store
        .allocate_status_index(other.id, Purpose::Revocation, 64, "rev", 1)
        .await
        .unwrap();
    assert_eq!(
        (rev.purpose, sus.purpose),
        (Purpose::Revocation, Purpose::Suspension)
    );
    assert_ne!(rev.id, sus.id);
    assert_ne!(rev.id, oth.id);
    assert_eq!(oth.org_id, other.id);
    assert_eq!(
        store
            .status_list(other.id, "rev")
            .await
            .unwrap()
            .unwrap()
            .id,
        oth.id
    );
    assert_eq!(store.status_list(other.id, "sus").await.unwrap(), None);
}

async fn list_size_must_be_positive(store: &Store) {
    let acme = org(store, "acme").await;
    let zero = store
        .allocate_status_index(acme.id, Purpose::Revocation, 0, "z", 1)
        .await;
    assert!(matches!(zero, Err(StoreError::Invalid(_))), "{zero:?}");
    let huge = store
        .allocate_status_index(acme.id, Purpose::Revocation, u64::MAX, "h", 1)
        .await;
    assert!(matches!(huge, Err(StoreError::Invalid(_))), "{huge:?}");
}

/// 50 tasks, half through a second store on the same database (a second instance), on
/// lists of 16 entries so that several lists fill up and get created concurrently.
async fn concurrent_allocations_never_collide(db: &TestDb) {
    let acme = org(db, "acme").await;
    let second = db.reopen().await;
    let tasks: Vec<_> = (0..50)
        .map(|n| {
            let store = if n % 2 == 0 {
                db.store.clone()
            } else {
                second.clone()
            };
            tokio::spawn(async move {
                store
                    .allocate_status_index(acme.id, Purpose::Revocation, 16, &format!("c{n}"), n)
                    .await
                    .unwrap()
            })
        })
        .collect();
    let mut per_list: BTreeMap<i64, BTreeSet<u64>> = BTreeMap::new();
    for task in tasks {
        let (list, index) = task.await.unwrap();
        assert!(
            per_list.entry(list.id).or_default().insert(index),
            "index {index} of list {} handed out twice",
            list.id
        );
    }
    assert_eq!(per_list.values().map(BTreeSet::len).sum::<usize>(), 50);
    assert!(
        per_list.len() >= 4,
        "50 entries need at least 4 lists of 16"
    );
    for (id, indexes) in &per_list {
        let list = db.status_list_by_id(*id).await.unwrap().unwrap();
        assert_eq!(
            ones(&list.used) as usize,
            indexes.len(),
            "list {id}: used bits match allocations"
        );
        assert!(indexes.iter().all(|&i| bit(&list.used, i)));
    }
}
