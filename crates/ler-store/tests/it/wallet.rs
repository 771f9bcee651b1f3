//! The workers' wallets: holders, sealed records, claim tokens, grants, share links, the
//! access log, revocation under concurrent reads, and erasure.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use ler_store::{
    AccessDecision, AccessDenial, AccessKey, AccessRequest, AccessVia, ClaimToken, ClaimUse,
    CredentialRow, GrantRow, Holder, HolderSession, ShareLink, Store, StoreError, WalletRecord,
};
use serde_json::json;

use crate::harness::{TestDb, org};

conformance!(
    holders_and_sessions,
    records_are_unique_per_holder_by_fingerprint,
    claim_tokens_are_used_once,
    grants_authorize_and_log_every_read,
    share_links_open_their_grant_until_they_expire,
    one_time_grants_are_accepted_once,
    expiry_follows_the_injected_clock,
    revocation_stops_the_very_next_read,
    concurrent_reads_racing_a_revocation_are_served_only_before_it,
    erasure_leaves_no_personal_data_and_no_data_key,
);

const ORG: &str = "org|did:web:example.org:orgs:cbo";

fn holder(id: &str) -> Holder {
    Holder {
        id: id.to_owned(),
        email: format!("{id}@mail.example"),
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".to_owned(),
        did: format!("did:key:z6Mk{id}"),
        encrypted_key: format!("{{\"encryptedSecretKey\":\"secret-of-{id}\"}}"),
        wrapped_data_key: format!("WRAPPED-DATA-KEY-OF-{id}").into_bytes(),
        created_at: 10,
    }
}

fn record(holder_id: &str, id: &str, fingerprint: &str) -> WalletRecord {
    WalletRecord {
        id: id.to_owned(),
        holder_id: holder_id.to_owned(),
        fingerprint: fingerprint.to_owned(),
        kind: "education".to_owned(),
        sealed: format!("SEALED-RECORD-{id}").into_bytes(),
        received_at: 20,
    }
}

fn grant(holder_id: &str, id: &str, records: &[&str], expires_at: i64, one_time: bool) -> GrantRow {
    GrantRow {
        id: id.to_owned(),
        holder_id: holder_id.to_owned(),
        recipient: ORG.to_owned(),
        record_ids: records.iter().map(|r| (*r).to_owned()).collect(),
        sealed: format!("SEALED-GRANT-{id}").into_bytes(),
        created_at: 30,
        expires_at,
        one_time,
        used_count: 0,
        revoked_at: None,
    }
}

fn read(grant_id: &str, records: Option<&[&str]>, now: i64) -> AccessRequest {
    AccessRequest {
        key: AccessKey::Grant {
            grant_id: grant_id.to_owned(),
            recipient: ORG.to_owned(),
        },
        record_ids: records.map(|r| r.iter().map(|id| (*id).to_owned()).collect()),
        now,
    }
}

fn allowed(decision: &AccessDecision) -> bool {
    matches!(decision, AccessDecision::Allowed { .. })
}

/// Holder `id` with records `r1`, `r2` (and `r3` of another holder, when asked).
async fn setup(store: &Store, id: &str) {
    store.create_holder(&holder(id)).await.unwrap();
    for r in ["r1", "r2"] {
        store
            .insert_wallet_record(&record(id, &format!("{id}-{r}"), &format!("fp-{r}")))
            .await
            .unwrap();
    }
}

async fn holders_and_sessions(store: &Store) {
    let ana = holder("ana");
    store.create_holder(&ana).await.unwrap();
    assert_eq!(store.holder("ana").await.unwrap(), Some(ana.clone()));
    assert_eq!(
        store.holder_by_email("ana@mail.example").await.unwrap(),
        Some(ana.clone())
    );
    assert_eq!(
        store.holder_by_did(&ana.did).await.unwrap(),
        Some(ana.clone())
    );
    assert_eq!(
        store.holder_by_did("did:key:z6MkNobody").await.unwrap(),
        None
    );
    assert_eq!(store.holder("bob").await.unwrap(), None);
    let mut same_email = holder("bob");
    same_email.email = ana.email.clone();
    let dup = store.create_holder(&same_email).await;
    assert!(matches!(dup, Err(StoreError::Conflict(_))), "{dup:?}");

    let session = HolderSession {
        token_hash: "t1".into(),
        holder_id: "ana".into(),
        csrf: "c1".into(),
        expires_at: 1_000,
    };
    store.create_holder_session(&session).await.unwrap();
    assert_eq!(
        store.holder_session("t1", 999).await.unwrap(),
        Some((session.clone(), ana.clone()))
    );
    assert_eq!(store.holder_session("t1", 1_000).await.unwrap(), None);
    store.delete_holder_session("t1").await.unwrap();
    assert_eq!(store.holder_session("t1", 0).await.unwrap(), None);

    // An erased holder signs in no more, and frees the email.
    store.create_holder_session(&session).await.unwrap();
    store.erase_holder("ana", "p_ana", 50).await.unwrap();
    assert_eq!(store.holder("ana").await.unwrap(), None);
    assert_eq!(store.holder_session("t1", 0).await.unwrap(), None);
    store.create_holder(&same_email).await.unwrap();
    let again = store.erase_holder("ana", "p_ana", 60).await;
    assert!(matches!(again, Err(StoreError::NotFound(_))), "{again:?}");
}

async fn records_are_unique_per_holder_by_fingerprint(store: &Store) {
    store.create_holder(&holder("ana")).await.unwrap();
    store.create_holder(&holder("bob")).await.unwrap();
    let first = record("ana", "r1", "fp-1");
    store.insert_wallet_record(&first).await.unwrap();
    let dup = store
        .insert_wallet_record(&record("ana", "r2", "fp-1"))
        .await;
    assert!(matches!(dup, Err(StoreError::Conflict(_))), "{dup:?}");
    // Another holder may hold the same credential.
    store
        .insert_wallet_record(&record("bob", "r3", "fp-1"))
        .await
        .unwrap();
    let mut later = record("ana", "r4", "fp-4");
    later.received_at = 25;
    store.insert_wallet_record(&later).await.unwrap();
    assert_eq!(
        store.wallet_records("ana").await.unwrap(),
        [first.clone(), later.clone()]
    );
    assert_eq!(store.wallet_record("ana", "r1").await.unwrap(), Some(first));
    // Holder B cannot read holder A's record by id.
    assert_eq!(store.wallet_record("bob", "r1").await.unwrap(), None);
    assert!(!store.delete_wallet_record("bob", "r1").await.unwrap());
    assert!(store.delete_wallet_record("ana", "r1").await.unwrap());
    assert_eq!(store.wallet_records("ana").await.unwrap(), [later]);
    let orphan = store
        .insert_wallet_record(&record("nobody", "r5", "fp-5"))
        .await;
    assert!(matches!(orphan, Err(StoreError::NotFound(_))), "{orphan:?}");
    let mut bad_kind = record("ana", "r6", "fp-6");
    bad_kind.kind = "secret".into();
    assert!(store.insert_wallet_record(&bad_kind).await.is_err());
}

async fn claim_tokens_are_used_once(store: &Store) {
    let acme = org(store, "acme").await;
    store
        .insert_credential(&CredentialRow {
            id: "urn:uuid:c1".into(),
            org_id: acme.id,
            achievement_id: None,
            recipient: None,
            json: json!({"id": "urn:uuid:c1"}),
            revocation: None,
            suspension: None,
            revoked: false,
            suspended: false,
            issued_at: 1,
        })
        .await
        .unwrap();
    for (hash, expires_at) in [("k1", 100), ("k2", 100), ("shared", 100)] {
        store
            .create_claim_token(&ClaimToken {
                token_hash: hash.into(),
                org_id: acme.id,
                credential_id: "urn:uuid:c1".into(),
                expires_at,
            })
            .await
            .unwrap();
    }
    let accepted = ClaimUse::Accepted {
        org_id: acme.id,
        credential_id: "urn:uuid:c1".into(),
    };
    assert_eq!(store.use_claim_token("k1", 50).await.unwrap(), accepted);
    assert_eq!(
        store.use_claim_token("k1", 51).await.unwrap(),
        ClaimUse::AlreadyUsed
    );
    assert_eq!(
        store.use_claim_token("k2", 100).await.unwrap(),
        ClaimUse::Expired
    );
    assert_eq!(
        store.use_claim_token("nope", 0).await.unwrap(),
        ClaimUse::Unknown
    );
    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let store = store.clone();
            tokio::spawn(async move { store.use_claim_token("shared", 10).await.unwrap() })
        })
        .collect();
    let mut wins = 0;
    for task in tasks {
        match task.await.unwrap() {
            ClaimUse::Accepted { .. } => wins += 1,
            other => assert_eq!(other, ClaimUse::AlreadyUsed),
        }
    }
    assert_eq!(wins, 1);
    let orphan = store
        .create_claim_token(&ClaimToken {
            token_hash: "k3".into(),
            org_id: acme.id,
            credential_id: "urn:uuid:missing".into(),
            expires_at: 100,
        })
        .await;
    assert!(matches!(orphan, Err(StoreError::NotFound(_))), "{orphan:?}");
}

async fn grants_authorize_and_log_every_read(store: &Store) {
    setup(store, "ana").await;
    setup(store, "bob").await;
    let g = grant("ana", "g1", &["ana-r1", "ana-r2"], 1_000, false);
    store.insert_grant(&g).await.unwrap();
    assert_eq!(store.grant("g1").await.unwrap(), Some(g.clone()));
    assert_eq!(
        store.holder_grants("ana").await.unwrap(),
        std::slice::from_ref(&g)
    );
    assert_eq!(store.holder_grants("bob").await.unwrap(), []);
    assert_eq!(
        store.recipient_grants(ORG).await.unwrap(),
        std::slice::from_ref(&g)
    );

    // The recipient reads one record, then all.
    let one = store
        .authorize_access(&read("g1", Some(&["ana-r2"]), 100))
        .await
        .unwrap();
    let AccessDecision::Allowed {
        grant: after,
        entry,
    } = one
    else {
        panic!("{one:?}")
    };
    assert_eq!(after.used_count, 1);
    assert_eq!(
        (
            entry.holder_id.as_deref(),
            entry.grant_id.as_str(),
            entry.recipient.as_str(),
            entry.via,
            entry.at
        ),
        (Some("ana"), "g1", ORG, AccessVia::Grant, 100)
    );
    assert_eq!(entry.record_ids, ["ana-r2"]);
    let all = store
        .authorize_access(&read("g1", None, 101))
        .await
        .unwrap();
    assert!(allowed(&all), "{all:?}");

    // Not named by the grant, holder B's, another recipient's, an unknown grant: refused, and
    // nothing is logged.
    let refusals = [
        (read("g1", Some(&["bob-r1"]), 102), AccessDenial::NotGranted),
        (
            read("g1", Some(&["ana-r1", "bob-r1"]), 102),
            AccessDenial::NotGranted,
        ),
        (read("g1", Some(&[]), 102), AccessDenial::NotGranted),
        (read("g9", None, 102), AccessDenial::Unknown),
        (
            AccessRequest {
                key: AccessKey::Grant {
                    grant_id: "g1".into(),
                    recipient: "email|someone@else.example".into(),
                },
                record_ids: None,
                now: 102,
            },
            AccessDenial::NotGranted,
        ),
    ];
    for (request, denial) in refusals {
        assert_eq!(
            store.authorize_access(&request).await.unwrap(),
            AccessDecision::Denied(denial),
            "{request:?}"
        );
    }
    let log = store.access_log("ana").await.unwrap();
    assert_eq!(log.len(), 2);
    assert!(log[0].seq < log[1].seq);
    assert_eq!(log[1].record_ids, ["ana-r1", "ana-r2"]);
    assert_eq!(store.access_log("bob").await.unwrap(), []);
    assert_eq!(store.grant("g1").await.unwrap().unwrap().used_count, 2);

    // A record the holder deleted is no longer given.
    assert!(store.delete_wallet_record("ana", "ana-r1").await.unwrap());
    assert_eq!(
        store
            .authorize_access(&read("g1", Some(&["ana-r1"]), 103))
            .await
            .unwrap(),
        AccessDecision::Denied(AccessDenial::NotGranted)
    );
    let AccessDecision::Allowed { entry, .. } = store
        .authorize_access(&read("g1", None, 104))
        .await
        .unwrap()
    else {
        panic!("the remaining record is still granted")
    };
    assert_eq!(entry.record_ids, ["ana-r2"]);

    // Grants are checked when stored.
    let orphan = store
        .insert_grant(&grant("nobody", "g2", &["x"], 1_000, false))
        .await;
    assert!(matches!(orphan, Err(StoreError::NotFound(_))), "{orphan:?}");
    let spaced = store
        .insert_grant(&grant("ana", "g3", &["a b"], 1_000, false))
        .await;
    assert!(matches!(spaced, Err(StoreError::Invalid(_))), "{spaced:?}");
    let dup = store.insert_grant(&g).await;
    assert!(matches!(dup, Err(StoreError::Conflict(_))), "{dup:?}");
}

async fn share_links_open_their_grant_until_they_expire(store: &Store) {
    setup(store, "ana").await;
    store
        .insert_grant(&grant("ana", "g1", &["ana-r1"], 1_000, false))
        .await
        .unwrap();
    let link = ShareLink {
        token_hash: "h-link".into(),
        grant_id: "g1".into(),
        created_at: 40,
        expires_at: 500,
    };
    store.create_share_link(&link).await.unwrap();
    assert_eq!(store.share_links("g1").await.unwrap(), [link]);
    let by_link = |now| AccessRequest {
        key: AccessKey::ShareLink("h-link".into()),
        record_ids: None,
        now,
    };
    let AccessDecision::Allowed { entry, .. } =
        store.authorize_access(&by_link(100)).await.unwrap()
    else {
        panic!("a live link opens its grant")
    };
    assert_eq!(
        (entry.via, entry.recipient.as_str()),
        (AccessVia::Link, ORG)
    );
    assert_eq!(
        store.authorize_access(&by_link(500)).await.unwrap(),
        AccessDecision::Denied(AccessDenial::Expired)
    );
    assert_eq!(
        store
            .authorize_access(&AccessRequest {
                key: AccessKey::ShareLink("h-unknown".into()),
                record_ids: None,
                now: 100,
            })
            .await
            .unwrap(),
        AccessDecision::Denied(AccessDenial::Unknown)
    );
    let orphan = store
        .create_share_link(&ShareLink {
            token_hash: "h2".into(),
            grant_id: "g9".into(),
            created_at: 0,
            expires_at: 10,
        })
        .await;
    assert!(matches!(orphan, Err(StoreError::NotFound(_))), "{orphan:?}");
}

async fn one_time_grants_are_accepted_once(store: &Store) {
    setup(store, "ana").await;
    store
        .insert_grant(&grant("ana", "once", &["ana-r1"], 1_000, true))
        .await
        .unwrap();
    assert!(allowed(
        &store
            .authorize_access(&read("once", None, 100))
            .await
            .unwrap()
    ));
    assert_eq!(
        store
            .authorize_access(&read("once", None, 101))
            .await
            .unwrap(),
        AccessDecision::Denied(AccessDenial::UsedUp)
    );
    // Concurrently: exactly one of many is served.
    store
        .insert_grant(&grant("ana", "race", &["ana-r1"], 1_000, true))
        .await
        .unwrap();
    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let store = store.clone();
            tokio::spawn(async move {
                store
                    .authorize_access(&read("race", None, 100))
                    .await
                    .unwrap()
            })
        })
        .collect();
    let mut served = 0;
    for task in tasks {
        match task.await.unwrap() {
            AccessDecision::Allowed { .. } => served += 1,
            other => assert_eq!(other, AccessDecision::Denied(AccessDenial::UsedUp)),
        }
    }
    assert_eq!(served, 1);
    assert_eq!(store.grant_access_log("race").await.unwrap().len(), 1);
}

async fn expiry_follows_the_injected_clock(store: &Store) {
    setup(store, "ana").await;
    store
        .insert_grant(&grant("ana", "g1", &["ana-r1"], 1_000, false))
        .await
        .unwrap();
    assert!(allowed(
        &store
            .authorize_access(&read("g1", None, 999))
            .await
            .unwrap()
    ));
    for now in [1_000, 1_001, 1_000_000] {
        assert_eq!(
            store
                .authorize_access(&read("g1", None, now))
                .await
                .unwrap(),
            AccessDecision::Denied(AccessDenial::Expired)
        );
    }
    // The clock going back is the caller's business: the store decides on the `now` it is given.
    assert!(allowed(
        &store.authorize_access(&read("g1", None, 10)).await.unwrap()
    ));
}

async fn revocation_stops_the_very_next_read(store: &Store) {
    setup(store, "ana").await;
    setup(store, "bob").await;
    store
        .insert_grant(&grant("ana", "g1", &["ana-r1"], 1_000, false))
        .await
        .unwrap();
    assert!(allowed(
        &store
            .authorize_access(&read("g1", None, 100))
            .await
            .unwrap()
    ));
    // Holder B cannot revoke holder A's grant, nor can anyone revoke a grant that is not there.
    for (holder_id, grant_id) in [("bob", "g1"), ("ana", "g9")] {
        let err = store.revoke_grant(holder_id, grant_id, 150).await;
        assert!(matches!(err, Err(StoreError::NotFound(_))), "{err:?}");
    }
    let revocation = store.revoke_grant("ana", "g1", 200).await.unwrap();
    assert_eq!((revocation.revoked_at, revocation.used_count), (200, 1));
    assert_eq!(
        store
            .authorize_access(&read("g1", None, 201))
            .await
            .unwrap(),
        AccessDecision::Denied(AccessDenial::Revoked)
    );
    // Even with a clock that says it is earlier: revoked is revoked.
    assert_eq!(
        store
            .authorize_access(&read("g1", None, 100))
            .await
            .unwrap(),
        AccessDecision::Denied(AccessDenial::Revoked)
    );
    assert_eq!(
        store.revoke_grant("ana", "g1", 300).await.unwrap(),
        revocation
    );
    assert_eq!(
        store.grant("g1").await.unwrap().unwrap().revoked_at,
        Some(200)
    );
    assert_eq!(store.access_log("ana").await.unwrap().len(), 1);
}

async fn concurrent_reads_racing_a_revocation_are_served_only_before_it(store: &Store) {
    const READS: usize = 50;
    /// Reads served before the revocation starts, so it has something to race.
    const HEAD_START: usize = 5;
    setup(store, "ana").await;
    store
        .insert_grant(&grant("ana", "g1", &["ana-r1", "ana-r2"], 1_000_000, false))
        .await
        .unwrap();
    let start = Arc::new(tokio::sync::Barrier::new(READS + 1));
    let revoked = Arc::new(AtomicBool::new(false));
    let done = Arc::new(AtomicUsize::new(0));
    let reads: Vec<_> = (0..READS)
        .map(|i| {
            let (store, start, revoked, done) = (
                store.clone(),
                Arc::clone(&start),
                Arc::clone(&revoked),
                Arc::clone(&done),
            );
            tokio::spawn(async move {
                start.wait().await;
                if i % 10 == 9 {
                    // Every tenth read comes after the revocation has committed.
                    while !revoked.load(Ordering::SeqCst) {
                        tokio::time::sleep(Duration::from_millis(1)).await;
                    }
                } else {
                    // The others are staggered around it.
                    for _ in 0..(i % 7) {
                        tokio::task::yield_now().await;
                    }
                }
                let after_revocation = revoked.load(Ordering::SeqCst);
                let decision = store
                    .authorize_access(&read("g1", None, 100))
                    .await
                    .unwrap();
                done.fetch_add(1, Ordering::SeqCst);
                (after_revocation, decision)
            })
        })
        .collect();
    let revoker = {
        let (store, start, revoked, done) = (
            store.clone(),
            Arc::clone(&start),
            Arc::clone(&revoked),
            Arc::clone(&done),
        );
        tokio::spawn(async move {
            start.wait().await;
            while done.load(Ordering::SeqCst) < HEAD_START {
                tokio::task::yield_now().await;
            }
            let revocation = store.revoke_grant("ana", "g1", 100).await.unwrap();
            revoked.store(true, Ordering::SeqCst);
            revocation
        })
    };
    let mut served = Vec::new();
    let mut refused = 0;
    for read in reads {
        let (after_revocation, decision) = read.await.unwrap();
        match decision {
            AccessDecision::Allowed { grant, entry } => {
                assert!(
                    !after_revocation,
                    "a read that began after the revocation committed was served"
                );
                served.push((grant.used_count, entry.seq));
            }
            AccessDecision::Denied(denial) => {
                assert_eq!(denial, AccessDenial::Revoked);
                refused += 1;
            }
        }
    }
    let revocation = revoker.await.unwrap();
    assert_eq!(served.len() + refused, READS);
    assert!(
        served.len() >= HEAD_START && refused >= READS / 10,
        "{} served, {refused} refused",
        served.len()
    );
    // Exactly the reads the revocation counted were served, each counted once, in log order:
    // none was served after the revocation committed.
    assert_eq!(served.len() as i64, revocation.used_count);
    served.sort();
    let counts: Vec<i64> = served.iter().map(|s| s.0).collect();
    assert_eq!(counts, (1..=revocation.used_count).collect::<Vec<_>>());
    assert!(
        served.windows(2).all(|w| w[0].1 < w[1].1),
        "log order follows the serving order"
    );
    let log = store.grant_access_log("g1").await.unwrap();
    assert_eq!(log.len(), served.len());
    assert_eq!(
        log.iter().map(|e| e.seq).collect::<Vec<_>>(),
        served.iter().map(|s| s.1).collect::<Vec<_>>()
    );
    let grant = store.grant("g1").await.unwrap().unwrap();
    assert_eq!(grant.used_count, revocation.used_count);
    assert_eq!(
        store
            .authorize_access(&read("g1", None, 101))
            .await
            .unwrap(),
        AccessDecision::Denied(AccessDenial::Revoked)
    );
}

async fn erasure_leaves_no_personal_data_and_no_data_key(db: &TestDb) {
    let store: &Store = db;
    setup(store, "ana").await;
    setup(store, "bob").await;
    store
        .insert_grant(&grant("ana", "g-ana", &["ana-r1"], 1_000, false))
        .await
        .unwrap();
    store
        .insert_grant(&grant("bob", "g-bob", &["bob-r1"], 1_000, false))
        .await
        .unwrap();
    store
        .create_share_link(&ShareLink {
            token_hash: "h-ana".into(),
            grant_id: "g-ana".into(),
            created_at: 40,
            expires_at: 900,
        })
        .await
        .unwrap();
    store
        .create_holder_session(&HolderSession {
            token_hash: "s-ana".into(),
            holder_id: "ana".into(),
            csrf: "c".into(),
            expires_at: 1_000,
        })
        .await
        .unwrap();
    for g in ["g-ana", "g-bob"] {
        assert!(allowed(
            &store.authorize_access(&read(g, None, 100)).await.unwrap()
        ));
    }

    store.erase_holder("ana", "p_ana", 500).await.unwrap();

    assert_eq!(store.holder("ana").await.unwrap(), None);
    assert_eq!(
        store.holder_by_email("ana@mail.example").await.unwrap(),
        None
    );
    assert_eq!(store.wallet_records("ana").await.unwrap(), []);
    assert_eq!(store.holder_grants("ana").await.unwrap(), []);
    assert_eq!(store.grant("g-ana").await.unwrap(), None);
    assert_eq!(store.share_links("g-ana").await.unwrap(), []);
    assert_eq!(store.holder_session("s-ana", 0).await.unwrap(), None);
    assert_eq!(
        store
            .authorize_access(&AccessRequest {
                key: AccessKey::ShareLink("h-ana".into()),
                record_ids: None,
                now: 501,
            })
            .await
            .unwrap(),
        AccessDecision::Denied(AccessDenial::Unknown)
    );
    // The log is kept, pseudonymized.
    assert_eq!(store.access_log("ana").await.unwrap(), []);
    let kept = store.pseudonymous_access_log("p_ana").await.unwrap();
    assert_eq!(kept.len(), 1);
    assert_eq!(
        (kept[0].holder_id.as_deref(), kept[0].pseudonym.as_deref()),
        (None, Some("p_ana"))
    );
    assert_eq!(kept[0].grant_id, "g-ana");
    // Bob is untouched.
    assert!(store.holder("bob").await.unwrap().is_some());
    assert_eq!(store.wallet_records("bob").await.unwrap().len(), 2);
    assert_eq!(store.access_log("bob").await.unwrap().len(), 1);
    assert!(allowed(
        &store
            .authorize_access(&read("g-bob", None, 501))
            .await
            .unwrap()
    ));

    // Nothing of Ana's is left in the database: not her email, DID, encrypted key, wrapped data
    // key, sealed records or grants.
    let needles = [
        "ana@mail.example",
        "did:key:z6Mkana",
        "secret-of-ana",
        "WRAPPED-DATA-KEY-OF-ana",
        "SEALED-RECORD-ana",
        "SEALED-GRANT-g-ana",
    ];
    let dump = dump(db).await;
    for needle in needles {
        assert!(!dump.contains(needle), "{needle} survived the erasure");
    }
    assert!(
        dump.contains("WRAPPED-DATA-KEY-OF-bob"),
        "the dump sees live data"
    );
}

/// Everything the database holds, as text: the SQLite files byte for byte (so deleted pages
/// count too), or every PostgreSQL table of the store's schema.
async fn dump(db: &TestDb) -> String {
    match db.sqlite_file() {
        Some(file) => {
            let mut bytes = std::fs::read(&file).unwrap();
            let wal = file.with_extension("sqlite3-wal");
            bytes.extend(std::fs::read(wal).unwrap_or_default());
            String::from_utf8_lossy(&bytes).into_owned()
        }
        None => {
            let ler_store::Location::Postgres(url) = &db.location else {
                unreachable!("a store is SQLite or PostgreSQL")
            };
            let client = crate::harness::pg_client(url).await;
            let tables: Vec<String> = client
                .query(
                    "SELECT table_name::text FROM information_schema.tables WHERE table_schema = current_schema()",
                    &[],
                )
                .await
                .unwrap()
                .iter()
                .map(|r| r.get(0))
                .collect();
            let mut out = String::new();
            for table in tables {
                let rows = client
                    .query(&format!("SELECT t::text FROM {table} t"), &[])
                    .await
                    .unwrap();
                for row in rows {
                    out.push_str(&row.get::<_, String>(0));
                    out.push('\n');
                }
            }
            // bytea columns print as hex: look for the needles in both forms.
            let hex_decoded: String = out
                .split("\\x")
                .skip(1)
                .map(|chunk| {
                    let digits: String =
                        chunk.chars().take_while(char::is_ascii_hexdigit).collect();
                    let bytes: Vec<u8> = (0..digits.len() / 2)
                        .filter_map(|i| u8::from_str_radix(&digits[2 * i..2 * i + 2], 16).ok())
                        .collect();
                    String::from_utf8_lossy(&bytes).into_owned()
                })
                .collect::<Vec<_>>()
                .join("\n");
            out + &hex_decoded
        }
    }
}
