//! Status lists end to end: signed Bitstring Status List credentials served by a preloaded
//! fetcher, and every way a list can fail to vouch for a record.

use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ler_crypto::KeyPair;
use ler_jsonld::Documents;
use ler_status::{ListState, MIN_ENTRIES, Purpose, StatusMessage};
use ler_verify::{
    Check, FetchError, Fetcher, Offline, Options, Preloaded, Report, Status, Verifier,
};
use serde_json::{Value, json};

use crate::common::{NOW, Setup, did, key, ob3, sign, verify_with};

const LIST_URL: &str = "https://riverside.example/status/1";

fn state(purpose: Purpose) -> ListState {
    ListState::new(LIST_URL, purpose, MIN_ENTRIES).expect("state")
}

fn index_of(entry: &Value) -> usize {
    entry["statusListIndex"]
        .as_str()
        .and_then(|i| i.parse().ok())
        .expect("index")
}

/// The list credential, signed by `k`, as served.
fn published(s: &ListState, k: &KeyPair) -> Vec<u8> {
    signed_list(
        &s.unsigned_list_credential(&did(k), "2026-01-01T00:00:00Z"),
        k,
    )
}

fn signed_list(unsigned: &Value, k: &KeyPair) -> Vec<u8> {
    serde_json::to_vec(&sign(unsigned, k)).expect("json")
}

/// A credential of `k`'s carrying `status`, signed.
fn credential(k: &KeyPair, status: Value) -> Vec<u8> {
    let mut doc = ob3(&did(k));
    doc["credentialStatus"] = status;
    serde_json::to_vec(&sign(&doc, k)).expect("json")
}

fn verify_served(cred: &[u8], served: &[(&str, Vec<u8>)]) -> Report {
    let setup = Setup {
        fetch: served
            .iter()
            .map(|(u, b)| (u.to_string(), b.clone()))
            .collect(),
        ..Setup::default()
    };
    verify_with(cred, &setup)
}

fn status_check(r: &Report) -> &Check {
    crate::common::check(r, "status")
}

/// The status check failed and says `why`; the record does not verify.
fn assert_fails(r: &Report, why: &str) {
    let c = status_check(r);
    assert_eq!(c.status, Status::Failed, "{c:?}");
    assert!(
        c.message.contains(why),
        "{:?} does not say {why:?}",
        c.message
    );
    assert!(!r.verified);
}

fn gzip_b64(bytes: &[u8]) -> String {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(bytes).expect("gzip");
    format!("u{}", URL_SAFE_NO_PAD.encode(enc.finish().expect("gzip")))
}

#[test]
fn not_revoked_passes() {
    let k = key(1);
    let mut s = state(Purpose::Revocation);
    let entry = s.allocate().expect("allocate");
    let r = verify_served(&credential(&k, entry), &[(LIST_URL, published(&s, &k))]);
    let c = status_check(&r);
    assert_eq!(c.status, Status::Passed, "{:#?}", r.checks);
    assert_eq!(c.message, format!("not revoked (checked {LIST_URL})"));
    assert!(r.verified, "{:#?}", r.checks);
}

#[test]
fn revoked_fails() {
    let k = key(1);
    let mut s = state(Purpose::Revocation);
    let entry = s.allocate().expect("allocate");
    let other = s.allocate().expect("allocate");
    s.revoke(index_of(&entry)).expect("revoke");
    let list = published(&s, &k);
    let r = verify_served(&credential(&k, entry), &[(LIST_URL, list.clone())]);
    assert_fails(&r, "revoked by the issuer");
    // The neighbour on the same list is untouched.
    let r = verify_served(&credential(&k, other), &[(LIST_URL, list)]);
    assert_eq!(status_check(&r).status, Status::Passed);
}

#[test]
fn suspended_fails_then_unsuspended_passes() {
    let k = key(1);
    let mut s = state(Purpose::Suspension);
    let entry = s.allocate().expect("allocate");
    let cred = credential(&k, entry.clone());
    s.suspend(index_of(&entry)).expect("suspend");
    let r = verify_served(&cred, &[(LIST_URL, published(&s, &k))]);
    assert_fails(&r, "suspended");
    s.unsuspend(index_of(&entry)).expect("unsuspend");
    let r = verify_served(&cred, &[(LIST_URL, published(&s, &k))]);
    assert_eq!(status_check(&r).status, Status::Passed, "{:#?}", r.checks);
    assert_eq!(
        status_check(&r).message,
        format!("not suspended (checked {LIST_URL})")
    );
    assert!(r.verified);
}

#[test]
fn list_signed_by_another_issuer_fails() {
    let (issuer, stranger) = (key(1), key(2));
    let mut s = state(Purpose::Revocation);
    let entry = s.allocate().expect("allocate");
    let r = verify_served(
        &credential(&issuer, entry),
        &[(LIST_URL, published(&s, &stranger))],
    );
    assert_fails(&r, "status list signed by another issuer");
}

#[test]
fn list_claiming_the_issuer_but_signed_by_a_stranger_fails() {
    let (issuer, stranger) = (key(1), key(2));
    let mut s = state(Purpose::Revocation);
    let entry = s.allocate().expect("allocate");
    let unsigned = s.unsigned_list_credential(&did(&issuer), "2026-01-01T00:00:00Z");
    let r = verify_served(
        &credential(&issuer, entry),
        &[(LIST_URL, signed_list(&unsigned, &stranger))],
    );
    assert_fails(&r, "status could not be checked");
    assert_fails(&r, "did not verify");
}

#[test]
fn tampered_list_fails() {
    let k = key(1);
    let mut s = state(Purpose::Revocation);
    let entry = s.allocate().expect("allocate");
    let clean = s.clone();
    s.revoke(index_of(&entry)).expect("revoke");
    // The issuer revoked; someone swaps in the clean bitstring under the old signature.
    let mut list: Value = serde_json::from_slice(&published(&s, &k)).expect("json");
    list["credentialSubject"]["encodedList"] = json!(clean.list().encode());
    let r = verify_served(
        &credential(&k, entry),
        &[(LIST_URL, serde_json::to_vec(&list).expect("json"))],
    );
    assert_fails(&r, "did not verify");
}

#[test]
fn purpose_mismatch_fails() {
    let k = key(1);
    let mut revocation = state(Purpose::Revocation);
    let entry = revocation.allocate().expect("allocate");
    let suspension = state(Purpose::Suspension);
    let r = verify_served(
        &credential(&k, entry),
        &[(LIST_URL, published(&suspension, &k))],
    );
    assert_fails(&r, "status purpose mismatch");
}

#[test]
fn list_too_short_fails() {
    let k = key(1);
    let mut s = state(Purpose::Revocation);
    let entry = s.allocate().expect("allocate");
    let mut unsigned = s.unsigned_list_credential(&did(&k), "2026-01-01T00:00:00Z");
    // 8,192 entries: small enough to tell a watcher which credential is being checked.
    unsigned["credentialSubject"]["encodedList"] = json!(gzip_b64(&[0u8; 1024]));
    let mut entry = entry;
    entry["statusListIndex"] = json!("5");
    let r = verify_served(
        &credential(&k, entry),
        &[(LIST_URL, signed_list(&unsigned, &k))],
    );
    assert_fails(&r, "at least 131072 entries");
}

#[test]
fn index_out_of_range_fails() {
    let k = key(1);
    let s = state(Purpose::Revocation);
    let mut entry = s.entry(0);
    entry["statusListIndex"] = json!(MIN_ENTRIES.to_string());
    entry["id"] = json!(format!("{LIST_URL}#{MIN_ENTRIES}"));
    let r = verify_served(&credential(&k, entry), &[(LIST_URL, published(&s, &k))]);
    assert_fails(&r, "out of range");
    let mut entry = s.entry(0);
    entry["statusListIndex"] = json!("-1");
    let r = verify_served(&credential(&k, entry), &[(LIST_URL, published(&s, &k))]);
    assert_fails(&r, "not a base-10 integer");
}

#[test]
fn gzip_bomb_fails_fast() {
    let k = key(1);
    let mut s = state(Purpose::Revocation);
    let entry = s.allocate().expect("allocate");
    let mut unsigned = s.unsigned_list_credential(&did(&k), "2026-01-01T00:00:00Z");
    // 64 MiB of zeros in about 64 KB: four times the 16 MiB cap.
    let bomb = gzip_b64(&vec![0u8; 64 << 20]);
    assert!(bomb.len() < 200_000, "{}", bomb.len());
    unsigned["credentialSubject"]["encodedList"] = json!(bomb);
    let list = signed_list(&unsigned, &k);
    let started = std::time::Instant::now();
    let r = verify_served(&credential(&k, entry), &[(LIST_URL, list)]);
    assert_fails(&r, "inflates to more than 16777216 bytes");
    assert!(
        started.elapsed() < std::time::Duration::from_secs(30),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn fetch_failure_fails() {
    let k = key(1);
    let mut s = state(Purpose::Revocation);
    let entry = s.allocate().expect("allocate");
    let r = verify_served(&credential(&k, entry), &[]);
    assert_fails(&r, "status could not be checked");
    assert_fails(&r, "network access is off");
}

#[test]
fn expired_list_fails() {
    let k = key(1);
    let mut s = state(Purpose::Revocation);
    let entry = s.allocate().expect("allocate");
    let mut unsigned = s.unsigned_list_credential(&did(&k), "2026-01-01T00:00:00Z");
    unsigned["validUntil"] = json!("2026-02-01T00:00:00Z");
    let r = verify_served(
        &credential(&k, entry),
        &[(LIST_URL, signed_list(&unsigned, &k))],
    );
    assert_fails(&r, "expired on 2026-02-01T00:00:00Z");
}

#[test]
fn list_served_under_another_url_fails() {
    let k = key(1);
    let mut s = state(Purpose::Revocation);
    let entry = s.allocate().expect("allocate");
    let mut entry = entry;
    let elsewhere = "https://riverside.example/status/2";
    entry["statusListCredential"] = json!(elsewhere);
    let r = verify_served(&credential(&k, entry), &[(elsewhere, published(&s, &k))]);
    assert_fails(&r, "names itself");
}

#[test]
fn not_a_status_list_fails() {
    let k = key(1);
    let mut s = state(Purpose::Revocation);
    let entry = s.allocate().expect("allocate");
    let r = verify_served(
        &credential(&k, entry.clone()),
        &[(LIST_URL, b"<html>not found</html>".to_vec())],
    );
    assert_fails(&r, "is not JSON");
    let badge = serde_json::to_vec(&sign(&ob3(&did(&k)), &k)).expect("json");
    let r = verify_served(&credential(&k, entry), &[(LIST_URL, badge)]);
    assert_fails(&r, "is not a BitstringStatusListCredential");
}

#[test]
fn message_lists_report_the_message() {
    let k = key(1);
    let messages = ["pending_review", "accepted", "rejected", "withdrawn"]
        .iter()
        .enumerate()
        .map(|(i, m)| StatusMessage {
            status: i as u8,
            message: (*m).into(),
        })
        .collect();
    let mut s = state(Purpose::message(2, messages).expect("purpose"));
    let entry = s.allocate().expect("allocate");
    let cred = credential(&k, entry.clone());
    let r = verify_served(&cred, &[(LIST_URL, published(&s, &k))]);
    assert_eq!(status_check(&r).status, Status::Passed, "{:#?}", r.checks);
    assert!(
        status_check(&r)
            .message
            .starts_with("status 0x0: pending_review")
    );
    s.set(index_of(&entry), 2).expect("set");
    let r = verify_served(&cred, &[(LIST_URL, published(&s, &k))]);
    assert_fails(&r, "status 0x2: rejected");
}

#[test]
fn every_entry_is_checked_and_each_list_fetched_once() {
    struct Counting<'a>(Preloaded<'a>, AtomicUsize);
    impl Fetcher for Counting<'_> {
        fn fetch(&self, url: &str) -> Result<Vec<u8>, FetchError> {
            self.1.fetch_add(1, Ordering::SeqCst);
            self.0.fetch(url)
        }
    }
    let k = key(1);
    let mut s = state(Purpose::Revocation);
    let (a, b) = (s.allocate().expect("a"), s.allocate().expect("b"));
    s.revoke(index_of(&b)).expect("revoke");
    let mut pre = Preloaded::new(&Offline);
    pre.insert(LIST_URL, published(&s, &k));
    let fetcher = Counting(pre, AtomicUsize::new(0));
    let r = Verifier::new(Options {
        documents: Documents::embedded(),
        fetcher: &fetcher,
        trust: None,
        now: NOW,
        recipient: None,
        challenge: None,
        domain: None,
        status_cache: None,
    })
    .verify_bytes(&credential(&k, json!([a, b])));
    let c0 = crate::common::check(&r, "status[0]");
    let c1 = crate::common::check(&r, "status[1]");
    assert_eq!(c0.status, Status::Passed, "{c0:?}");
    assert_eq!(c1.status, Status::Failed, "{c1:?}");
    assert!(!r.verified);
    assert_eq!(fetcher.1.load(Ordering::SeqCst), 1);
}

/// The CCG StatusList2021 context, as an operator would add it with `--context-map` (ler does
/// not pin it).
const STATUS_LIST_2021_URL: &str = "https://w3id.org/vc/status-list/2021/v1";

#[test]
fn statuslist2021_lists_are_read_with_the_pinned_context() {
    let docs = Documents::embedded();
    let k = key(1);
    let sign2021 = |doc: &Value| {
        let opts = ler_proof::SignOptions {
            suite: ler_proof::Cryptosuite::EddsaRdfc2022,
            verification_method: crate::common::vm(&k),
            created: Some("2026-01-02T00:00:00Z".into()),
            purpose: ler_proof::Purpose::Assertion,
            expires: None,
        };
        serde_json::to_vec(&ler_proof::sign(doc, &k, &opts, docs).expect("sign")).expect("json")
    };
    let mut s = state(Purpose::Revocation);
    let (kept, revoked) = (s.allocate().expect("a"), s.allocate().expect("b"));
    s.revoke(index_of(&revoked)).expect("revoke");
    // StatusList2021 encodes without the multibase prefix.
    let encoded = s.list().encode()[1..].to_string();
    let list = sign2021(&json!({
        "@context": [
            "https://www.w3.org/2018/credentials/v1",
            STATUS_LIST_2021_URL,
            "https://w3id.org/security/data-integrity/v2"
        ],
        "id": LIST_URL,
        "type": ["VerifiableCredential", "StatusList2021Credential"],
        "issuer": did(&k),
        "issuanceDate": "2026-01-01T00:00:00Z",
        "credentialSubject": {
            "id": format!("{LIST_URL}#list"),
            "type": "StatusList2021",
            "statusPurpose": "revocation",
            "encodedList": encoded,
        }
    }));
    let credential2021 = |entry: &Value| {
        let i = index_of(entry);
        sign2021(&json!({
            "@context": [
            "https://www.w3.org/2018/credentials/v1",
            STATUS_LIST_2021_URL,
            "https://w3id.org/security/data-integrity/v2"
        ],
            "id": "urn:uuid:5e2c1d2e-3f40-4a5b-8c6d-7e8f9a0b1c2d",
            "type": ["VerifiableCredential"],
            "issuer": did(&k),
            "issuanceDate": "2026-01-01T00:00:00Z",
            "credentialSubject": {"id": "did:example:learner-1"},
            "credentialStatus": {
                "id": format!("{LIST_URL}#{i}"),
                "type": "StatusList2021Entry",
                "statusPurpose": "revocation",
                "statusListIndex": i.to_string(),
                "statusListCredential": LIST_URL,
            }
        }))
    };
    let mut pre = Preloaded::new(&Offline);
    pre.insert(LIST_URL, list);
    let verify = |docs: &Documents, cred: &[u8]| {
        Verifier::new(Options {
            documents: docs,
            fetcher: &pre,
            trust: None,
            now: NOW,
            recipient: None,
            challenge: None,
            domain: None,
            status_cache: None,
        })
        .verify_bytes(cred)
    };
    let r = verify(docs, &credential2021(&kept));
    assert_eq!(status_check(&r).status, Status::Passed, "{:#?}", r.checks);
    assert!(r.verified, "{:#?}", r.checks);
    let r = verify(docs, &credential2021(&revoked));
    assert_fails(&r, "revoked by the issuer");
}

#[test]
fn edtech_revocation_list_names_revoked_credentials() {
    let k = key(1);
    let url = "https://riverside.example/revocations";
    let mut doc = ob3(&did(&k));
    let id = doc["id"].as_str().expect("id").to_string();
    // 1EdTechRevocationList is defined in the OB 3.0 extensions context.
    doc["@context"]
        .as_array_mut()
        .expect("contexts")
        .push(json!(
            "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json"
        ));
    doc["credentialStatus"] = json!({"id": url, "type": "1EdTechRevocationList"});
    let cred = serde_json::to_vec(&sign(&doc, &k)).expect("json");
    let list = |revoked: Value, issuer: &str| {
        serde_json::to_vec(&json!({
            "id": url,
            "issuer": issuer,
            "revokedCredentials": revoked,
        }))
        .expect("json")
    };
    let r = verify_served(
        &cred,
        &[(
            url,
            list(json!([{"id": "urn:uuid:someone-else"}]), &did(&k)),
        )],
    );
    assert_eq!(status_check(&r).status, Status::Passed, "{:#?}", r.checks);
    assert_eq!(
        status_check(&r).message,
        format!("not revoked (checked {url})")
    );
    let r = verify_served(
        &cred,
        &[(
            url,
            list(
                json!([{"id": id, "revocationReason": "issued in error"}]),
                &did(&k),
            ),
        )],
    );
    assert_fails(&r, "revoked by the issuer: issued in error");
    let r = verify_served(&cred, &[(url, list(json!([]), &did(&key(2))))]);
    assert_fails(&r, "revocation list of another issuer");
    let r = verify_served(&cred, &[(url, br#"{"issuer": "x"}"#.to_vec())]);
    assert_fails(&r, "has no revokedCredentials array");
}

#[test]
fn unknown_status_types_are_skipped_not_passed() {
    // No pinned context defines this type, so the credential cannot even be signed; the
    // status check still says what it could not do.
    let mut doc = ob3(&did(&key(1)));
    doc["credentialStatus"] =
        json!({"id": "https://riverside.example/s/1", "type": "CredentialStatusList2017"});
    let r = verify_served(&serde_json::to_vec(&doc).expect("json"), &[]);
    let c = status_check(&r);
    assert_eq!(c.status, Status::Skipped, "{c:?}");
    assert!(c.message.contains("CredentialStatusList2017"));
}

fn verify_cached(
    cred: &[u8],
    list: &[u8],
    now: i64,
    cache: &ler_verify::StatusListCache,
) -> Report {
    let mut fetcher = Preloaded::new(&Offline);
    fetcher.insert(LIST_URL, list.to_vec());
    Verifier::new(Options {
        documents: Documents::embedded(),
        fetcher: &fetcher,
        trust: None,
        now,
        recipient: None,
        challenge: None,
        domain: None,
        status_cache: Some(cache),
    })
    .verify_bytes(cred)
}

#[test]
fn shared_status_cache_sees_a_changed_list_at_once() {
    let k = key(1);
    let cache = ler_verify::StatusListCache::new();
    let mut s = state(Purpose::Revocation);
    let entry = s.allocate().expect("allocate");
    let cred = credential(&k, entry.clone());
    let before = published(&s, &k);
    assert!(verify_cached(&cred, &before, NOW, &cache).verified);
    assert!(verify_cached(&cred, &before, NOW + 1, &cache).verified);
    s.revoke(index_of(&entry)).expect("revoke");
    let after = published(&s, &k);
    assert_fails(&verify_cached(&cred, &after, NOW + 2, &cache), "revoked");
}

#[test]
fn shared_status_cache_never_outlives_the_list() {
    let k = key(1);
    let cache = ler_verify::StatusListCache::new();
    let mut s = state(Purpose::Revocation);
    let entry = s.allocate().expect("allocate");
    let cred = credential(&k, entry);
    let mut unsigned = s.unsigned_list_credential(&did(&k), "2026-01-01T00:00:00Z");
    unsigned["validUntil"] = "2026-06-01T00:00:10Z".into();
    let list = signed_list(&unsigned, &k);
    assert!(verify_cached(&cred, &list, NOW, &cache).verified);
    // Same bytes, 20 seconds later: the list has expired, whatever was cached.
    assert_fails(
        &verify_cached(&cred, &list, NOW + 20, &cache),
        "could not be checked",
    );
}
