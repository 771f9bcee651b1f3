//! Unit tests for the wallet module's pieces: the derived pseudonym secret, the one-word
//! status of a report, and the status cache's minute.

use serde_json::json;

use super::records::status_of;
use super::*;

#[test]
fn the_derived_pseudonym_secret_is_the_kek_s_and_only_its() {
    let kek = ler_crypto::Kek::generate();
    let same = ler_crypto::Kek::parse(&kek.to_base64()).expect("kek");
    assert_eq!(
        *derived_pseudonym_secret(&kek),
        *derived_pseudonym_secret(&same)
    );
    assert_ne!(
        *derived_pseudonym_secret(&kek),
        *derived_pseudonym_secret(&ler_crypto::Kek::generate())
    );
    assert_eq!(derived_pseudonym_secret(&kek).len(), 32);
}

#[test]
fn a_report_is_summed_up_in_one_word() {
    let failed = |check: &str, message: &str| {
        json!({"verified": false, "results": [
            {"check": "proof", "status": "passed", "message": "ok"},
            {"check": check, "status": "failed", "message": message},
        ]})
    };
    assert_eq!(status_of(&json!({"verified": true})), "verified");
    assert_eq!(
        status_of(&failed("status[0]", "revoked by the issuer")),
        "revoked"
    );
    assert_eq!(
        status_of(&failed("status", "suspended by the issuer")),
        "suspended"
    );
    assert_eq!(
        status_of(&failed("validity", "expired on 2020-01-01")),
        "expired"
    );
    assert_eq!(
        status_of(&failed("proof", "the signature does not match")),
        "unverified"
    );
    assert_eq!(status_of(&json!({})), "unverified");
}

#[test]
fn statuses_are_reused_for_a_minute_and_forgotten_on_request() {
    let cache = WalletCache::default();
    cache.put_status("h1", "r1", 1_000, json!({"verified": true}));
    cache.put_status("h1", "r2", 1_000, json!({"verified": true}));
    cache.put_status("h2", "r1", 1_000, json!({"verified": true}));
    assert!(cache.status("h1", "r1", 1_000 + STATUS_TTL - 1).is_some());
    assert!(cache.status("h1", "r1", 1_000 + STATUS_TTL).is_none());
    assert!(
        cache.status("h1", "r1", 999).is_none(),
        "a clock moved back"
    );
    cache.forget("h1", Some("r1"));
    assert!(cache.status("h1", "r1", 1_000).is_none());
    assert!(cache.status("h1", "r2", 1_000).is_some());
    cache.forget("h1", None);
    assert!(cache.status("h1", "r2", 1_000).is_none());
    assert!(cache.status("h2", "r1", 1_000).is_some());
}
