//! The achievement catalog.

use ler_store::Store;
use serde_json::json;

use crate::harness::org;

conformance!(achievements_put_get_list_delete);

async fn achievements_put_get_list_delete(store: &Store) {
    let acme = org(store, "acme").await;
    let other = org(store, "other").await;
    let weld = json!({"id": "urn:uuid:b", "type": ["Achievement"], "name": "Welding I", "criteria": {"narrative": "Weld."}});
    let cnc = json!({"id": "urn:uuid:a", "type": ["Achievement"], "name": "CNC"});

    assert!(
        store
            .put_achievement(acme.id, "weld", &weld, 1)
            .await
            .unwrap(),
        "first put creates"
    );
    assert!(
        store
            .put_achievement(acme.id, "cnc", &cnc, 2)
            .await
            .unwrap()
    );
    assert_eq!(
        store.achievement(acme.id, "weld").await.unwrap(),
        Some(weld.clone())
    );

    let weld2 = json!({"id": "urn:uuid:b", "type": ["Achievement"], "name": "Welding I (2025)"});
    assert!(
        !store
            .put_achievement(acme.id, "weld", &weld2, 3)
            .await
            .unwrap(),
        "second put replaces"
    );
    assert_eq!(
        store.achievement(acme.id, "weld").await.unwrap(),
        Some(weld2.clone())
    );

    // Ids are per organization.
    assert!(
        store
            .put_achievement(other.id, "weld", &weld, 4)
            .await
            .unwrap()
    );
    assert_eq!(
        store.achievement(other.id, "weld").await.unwrap(),
        Some(weld.clone())
    );

    assert_eq!(
        store.list_achievements(acme.id).await.unwrap(),
        [cnc.clone(), weld2]
    );
    assert_eq!(store.list_achievements(other.id).await.unwrap(), [weld]);
    assert_eq!(store.achievement(acme.id, "nope").await.unwrap(), None);

    assert!(store.delete_achievement(acme.id, "weld").await.unwrap());
    assert!(!store.delete_achievement(acme.id, "weld").await.unwrap());
    assert_eq!(store.achievement(acme.id, "weld").await.unwrap(), None);
    assert_eq!(store.list_achievements(acme.id).await.unwrap(), [cnc]);
    assert_eq!(store.list_achievements(other.id).await.unwrap().len(), 1);
}
