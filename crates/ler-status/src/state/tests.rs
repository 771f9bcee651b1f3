//! Unit tests for an issuer's list state.

use super::*;
use crate::MIN_ENTRIES;

const URL: &str = "https://example.edu/status/1";

fn allocated_index(s: &mut ListState) -> usize {
    let e = s.allocate().expect("allocate");
    e["statusListIndex"]
        .as_str()
        .and_then(|i| i.parse().ok())
        .expect("index")
}

#[test]
fn allocate_makes_a_bitstring_status_list_entry() {
    let mut s = ListState::new(URL, Purpose::Revocation, MIN_ENTRIES).expect("state");
    let e = s.allocate().expect("allocate");
    let i = e["statusListIndex"].as_str().expect("string index");
    assert_eq!(e["id"], format!("{URL}#{i}"));
    assert_eq!(e["type"], "BitstringStatusListEntry");
    assert_eq!(e["statusPurpose"], "revocation");
    assert_eq!(e["statusListCredential"], URL);
    assert!(e.get("statusSize").is_none());
    assert_eq!(s.allocated(), 1);
}

#[test]
fn revoking_is_final() {
    let mut s = ListState::new(URL, Purpose::Revocation, MIN_ENTRIES).expect("state");
    let i = allocated_index(&mut s);
    s.revoke(i).expect("revoke");
    s.revoke(i).expect("revoking twice is harmless");
    assert_eq!(s.status(i).expect("status"), 1);
    assert!(matches!(s.set(i, 0), Err(StatusError::RevocationIsFinal(j)) if j == i));
    assert!(matches!(
        s.unsuspend(i),
        Err(StatusError::WrongPurpose {
            action: "unsuspend",
            ..
        })
    ));
    assert!(matches!(
        s.suspend(i),
        Err(StatusError::WrongPurpose {
            action: "suspend",
            ..
        })
    ));
    assert_eq!(s.count_set(), 1);
}

#[test]
fn suspension_is_reversible() {
    let mut s = ListState::new(URL, Purpose::Suspension, MIN_ENTRIES).expect("state");
    let i = allocated_index(&mut s);
    s.suspend(i).expect("suspend");
    assert_eq!(s.status(i).expect("status"), 1);
    s.unsuspend(i).expect("unsuspend");
    assert_eq!(s.status(i).expect("status"), 0);
    assert!(matches!(
        s.revoke(i),
        Err(StatusError::WrongPurpose {
            action: "revoke",
            needs: "revocation",
            ..
        })
    ));
}

#[test]
fn only_allocated_indexes_can_be_set() {
    let mut s = ListState::new(URL, Purpose::Revocation, MIN_ENTRIES).expect("state");
    let i = allocated_index(&mut s);
    let other = (i + 1) % MIN_ENTRIES;
    assert!(matches!(s.revoke(other), Err(StatusError::NotAllocated(j)) if j == other));
    assert!(matches!(
        s.revoke(MIN_ENTRIES),
        Err(StatusError::IndexOutOfRange { .. })
    ));
}

#[test]
fn unsigned_list_credential_has_the_spec_shape() {
    let mut s = ListState::new(URL, Purpose::Suspension, MIN_ENTRIES).expect("state");
    let i = allocated_index(&mut s);
    s.suspend(i).expect("suspend");
    let c = s.unsigned_list_credential("did:example:issuer", "2026-01-01T00:00:00Z");
    assert_eq!(
        c["@context"],
        json!(["https://www.w3.org/ns/credentials/v2"])
    );
    assert_eq!(c["id"], URL);
    assert_eq!(
        c["type"],
        json!(["VerifiableCredential", "BitstringStatusListCredential"])
    );
    assert_eq!(c["issuer"], "did:example:issuer");
    assert_eq!(c["validFrom"], "2026-01-01T00:00:00Z");
    let subject = &c["credentialSubject"];
    assert_eq!(subject["id"], format!("{URL}#list"));
    assert_eq!(subject["type"], "BitstringStatusList");
    assert_eq!(subject["statusPurpose"], "suspension");
    let list = StatusList::decode(
        subject["encodedList"].as_str().expect("encoded"),
        MAX_LIST_BYTES,
    )
    .expect("decode");
    assert_eq!(list.get(i).expect("get"), 1);
}

#[test]
fn state_round_trips_through_json() {
    let mut s = ListState::new(URL, Purpose::Revocation, MIN_ENTRIES).expect("state");
    let a = allocated_index(&mut s);
    let _ = allocated_index(&mut s);
    s.revoke(a).expect("revoke");
    let back = ListState::from_json(&s.to_json()).expect("read back");
    assert_eq!(back, s);
    assert_eq!(back.allocated(), 2);
    assert_eq!(back.count_set(), 1);
}

#[test]
fn message_lists_carry_their_messages() {
    let messages = vec![
        StatusMessage {
            status: 0,
            message: "pending_review".into(),
        },
        StatusMessage {
            status: 1,
            message: "accepted".into(),
        },
        StatusMessage {
            status: 2,
            message: "rejected".into(),
        },
        StatusMessage {
            status: 3,
            message: "withdrawn".into(),
        },
    ];
    let purpose = Purpose::message(2, messages.clone()).expect("purpose");
    let mut s = ListState::new(URL, purpose, MIN_ENTRIES).expect("state");
    let e = s.allocate().expect("allocate");
    assert_eq!(e["statusSize"], 2);
    assert_eq!(
        e["statusMessage"][2],
        json!({"status": "0x2", "message": "rejected"})
    );
    let i: usize = e["statusListIndex"]
        .as_str()
        .and_then(|x| x.parse().ok())
        .expect("i");
    s.set(i, 2).expect("set");
    s.set(i, 1).expect("message statuses can change");
    let back = ListState::from_json(&s.to_json()).expect("read back");
    assert_eq!(back, s);
    assert!(matches!(
        Purpose::message(2, messages[..3].to_vec()),
        Err(StatusError::Messages {
            needed: 4,
            given: 3,
            ..
        })
    ));
}

#[test]
fn refuses_bad_urls_and_unknown_state() {
    for bad in [
        "status/1",
        "https://example.edu/status#1",
        "https://example.edu/a b",
        "",
    ] {
        assert!(
            matches!(
                ListState::new(bad, Purpose::Revocation, MIN_ENTRIES),
                Err(StatusError::Url(_))
            ),
            "{bad}"
        );
    }
    assert!(matches!(
        ListState::from_json(&json!({"type": "Something"})),
        Err(StatusError::State(_))
    ));
    assert!(matches!(
        Purpose::parse("refresh"),
        Err(StatusError::Purpose(_))
    ));
}
