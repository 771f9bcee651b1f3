//! Webhooks: subscriptions, the outbox (one delivery per interested subscription), leases
//! that keep two workers apart and expire after a crash, attempts logged with their outcome,
//! and deletion.

use ler_store::{AttemptOutcome, DeliveryStatus, Store, StoreError, Webhook, WebhookAttempt};

use crate::harness::{TestDb, org};

conformance!(
    subscriptions_belong_to_their_organization,
    events_go_to_the_subscriptions_that_want_them,
    claims_lease_deliveries_until_the_lease_ends,
    attempts_are_logged_with_their_outcome,
    deleting_a_subscription_drops_its_deliveries,
);

fn hook(id: &str, org_id: i64, events: &[&str], created_at: i64) -> Webhook {
    Webhook {
        id: id.to_owned(),
        org_id,
        url: format!("https://hooks.example/{id}"),
        events: events.iter().map(|e| (*e).to_owned()).collect(),
        secret: format!("SEALED-SECRET-{id}").into_bytes(),
        created_at,
    }
}

fn attempt(delivery: &str, n: i64, at: i64, status: Option<i64>) -> WebhookAttempt {
    WebhookAttempt {
        delivery_id: delivery.to_owned(),
        attempt: n,
        attempted_at: at,
        status,
        error: status
            .filter(|s| !(200..300).contains(s))
            .map(|s| format!("the receiver answered {s}")),
        duration_ms: 5,
    }
}

async fn subscriptions_belong_to_their_organization(store: &Store) {
    let acme = org(store, "acme").await;
    let other = org(store, "other").await;
    let h = hook("wh_1", acme.id, &["credential.issued"], 10);
    store.create_webhook(&h).await.unwrap();
    store
        .create_webhook(&hook("wh_2", other.id, &["grant.created"], 11))
        .await
        .unwrap();
    assert_eq!(store.webhooks(acme.id).await.unwrap(), vec![h.clone()]);
    assert_eq!(
        store.webhook(acme.id, "wh_1").await.unwrap(),
        Some(h.clone())
    );
    assert_eq!(store.webhook(other.id, "wh_1").await.unwrap(), None);
    let dup = store.create_webhook(&h).await;
    assert!(matches!(dup, Err(StoreError::Conflict(_))), "{dup:?}");
}

async fn events_go_to_the_subscriptions_that_want_them(store: &Store) {
    let acme = org(store, "acme").await;
    let other = org(store, "other").await;
    for h in [
        hook(
            "wh_a",
            acme.id,
            &["credential.issued", "credential.revoked"],
            10,
        ),
        hook("wh_b", acme.id, &["credential.revoked"], 11),
        hook("wh_c", other.id, &["credential.issued"], 12),
    ] {
        store.create_webhook(&h).await.unwrap();
    }
    let n = store
        .enqueue_webhook_event(acme.id, "credential.issued", "ev_1", "{\"a\":1}", 100)
        .await
        .unwrap();
    assert_eq!(n, 1);
    let n = store
        .enqueue_webhook_event(acme.id, "credential.revoked", "ev_2", "{}", 101)
        .await
        .unwrap();
    assert_eq!(n, 2);
    let n = store
        .enqueue_webhook_event(acme.id, "grant.created", "ev_3", "{}", 102)
        .await
        .unwrap();
    assert_eq!(n, 0);
    let a = store.webhook_deliveries("wh_a", 10).await.unwrap();
    let ids: Vec<&str> = a.iter().map(|(d, _)| d.event_id.as_str()).collect();
    assert_eq!(ids, ["ev_2", "ev_1"], "newest first");
    let (first, attempts) = &a[1];
    assert_eq!(first.payload, "{\"a\":1}");
    assert_eq!(first.status, DeliveryStatus::Pending);
    assert_eq!((first.attempts, first.next_attempt_at), (0, 100));
    assert!(attempts.is_empty());
    assert!(
        store
            .webhook_deliveries("wh_c", 10)
            .await
            .unwrap()
            .is_empty()
    );
}

async fn claims_lease_deliveries_until_the_lease_ends(db: &TestDb) {
    let store: &Store = db;
    let acme = org(store, "acme").await;
    store
        .create_webhook(&hook("wh_a", acme.id, &["x"], 10))
        .await
        .unwrap();
    for (i, at) in [(1, 100), (2, 101), (3, 500)] {
        store
            .enqueue_webhook_event(acme.id, "x", &format!("ev_{i}"), "{}", at)
            .await
            .unwrap();
    }
    // Two workers (another instance on the same database) claim at once: no delivery twice.
    let other = db.reopen().await;
    let (a, b) = tokio::join!(
        store.claim_webhook_deliveries(200, 260, 10),
        other.claim_webhook_deliveries(200, 260, 10)
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    let mut taken: Vec<String> = a
        .iter()
        .chain(&b)
        .map(|(d, _)| d.event_id.clone())
        .collect();
    taken.sort();
    assert_eq!(taken, ["ev_1", "ev_2"], "ev_3 is not due yet");
    let (d, h) = a.first().or(b.first()).unwrap();
    assert_eq!(d.next_attempt_at, 260);
    assert_eq!(h.id, "wh_a");
    // Leased: not due again until the lease ends (a worker that died mid-attempt).
    assert!(
        store
            .claim_webhook_deliveries(259, 320, 10)
            .await
            .unwrap()
            .is_empty()
    );
    let again = store.claim_webhook_deliveries(260, 320, 1).await.unwrap();
    assert_eq!(again.len(), 1, "the limit applies");
}

async fn attempts_are_logged_with_their_outcome(store: &Store) {
    let acme = org(store, "acme").await;
    store
        .create_webhook(&hook("wh_a", acme.id, &["x"], 10))
        .await
        .unwrap();
    store
        .enqueue_webhook_event(acme.id, "x", "ev_1", "{}", 100)
        .await
        .unwrap();
    store
        .enqueue_webhook_event(acme.id, "x", "ev_2", "{}", 100)
        .await
        .unwrap();
    let claimed = store.claim_webhook_deliveries(100, 160, 10).await.unwrap();
    let id = |ev: &str| {
        claimed
            .iter()
            .find(|(d, _)| d.event_id == ev)
            .map(|(d, _)| d.id.clone())
            .unwrap()
    };
    let (one, two) = (id("ev_1"), id("ev_2"));
    assert!(
        store
            .finish_webhook_attempt(
                &attempt(&one, 1, 100, Some(500)),
                AttemptOutcome::RetryAt(110)
            )
            .await
            .unwrap()
    );
    assert!(
        store
            .claim_webhook_deliveries(109, 170, 10)
            .await
            .unwrap()
            .is_empty()
    );
    let retry = store.claim_webhook_deliveries(110, 170, 10).await.unwrap();
    assert_eq!(retry.len(), 1);
    assert_eq!(retry[0].0.attempts, 1);
    assert_eq!(retry[0].0.last_status, Some(500));
    assert!(
        store
            .finish_webhook_attempt(&attempt(&one, 2, 110, Some(204)), AttemptOutcome::Delivered)
            .await
            .unwrap()
    );
    let mut failure = attempt(&two, 1, 100, None);
    failure.error = Some("connection refused".into());
    assert!(
        store
            .finish_webhook_attempt(&failure, AttemptOutcome::GiveUp)
            .await
            .unwrap()
    );
    let log = store.webhook_deliveries("wh_a", 10).await.unwrap();
    let (d1, a1) = log.iter().find(|(d, _)| d.id == one).unwrap();
    assert_eq!(d1.status, DeliveryStatus::Delivered);
    assert_eq!(
        (d1.attempts, d1.finished_at, d1.last_error.as_deref()),
        (2, Some(110), None)
    );
    assert_eq!(
        a1.iter()
            .map(|a| (a.attempt, a.attempted_at, a.status))
            .collect::<Vec<_>>(),
        [(1, 100, Some(500)), (2, 110, Some(204))]
    );
    let (d2, a2) = log.iter().find(|(d, _)| d.id == two).unwrap();
    assert_eq!(d2.status, DeliveryStatus::Failed);
    assert_eq!(d2.last_error.as_deref(), Some("connection refused"));
    assert_eq!(a2.len(), 1);
    // Nothing is pending any more.
    assert!(
        store
            .claim_webhook_deliveries(10_000, 10_060, 10)
            .await
            .unwrap()
            .is_empty()
    );
}

async fn deleting_a_subscription_drops_its_deliveries(store: &Store) {
    let acme = org(store, "acme").await;
    let other = org(store, "other").await;
    store
        .create_webhook(&hook("wh_a", acme.id, &["x"], 10))
        .await
        .unwrap();
    store
        .enqueue_webhook_event(acme.id, "x", "ev_1", "{}", 100)
        .await
        .unwrap();
    let claimed = store.claim_webhook_deliveries(100, 160, 10).await.unwrap();
    let delivery = claimed[0].0.id.clone();
    store
        .finish_webhook_attempt(
            &attempt(&delivery, 1, 100, Some(500)),
            AttemptOutcome::RetryAt(110),
        )
        .await
        .unwrap();
    assert!(!store.delete_webhook(other.id, "wh_a").await.unwrap());
    assert!(store.delete_webhook(acme.id, "wh_a").await.unwrap());
    assert!(!store.delete_webhook(acme.id, "wh_a").await.unwrap());
    assert_eq!(store.webhooks(acme.id).await.unwrap(), []);
    assert!(
        store
            .claim_webhook_deliveries(1_000, 1_060, 10)
            .await
            .unwrap()
            .is_empty()
    );
    // A worker that was mid-attempt when it was deleted logs nothing.
    assert!(
        !store
            .finish_webhook_attempt(
                &attempt(&delivery, 2, 110, Some(200)),
                AttemptOutcome::Delivered
            )
            .await
            .unwrap()
    );
}
