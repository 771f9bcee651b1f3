//! The access log: pseudonymized for erased accounts.

use ler_wallet::{AccessEntry, LogHolder, pseudonym, pseudonymize};

#[test]
fn pseudonyms_are_stable_keyed_and_unlinkable_without_the_secret() {
    let entry = AccessEntry {
        holder: LogHolder::Holder("h_ana".into()),
        recipient: "org|did:web:cbo".into(),
        grant_id: "g_1".into(),
        record_ids: vec!["r_1".into()],
        at: 100,
    };
    let p = pseudonymize(entry.clone(), b"operator secret");
    let LogHolder::Pseudonym(name) = &p.holder else {
        panic!("not pseudonymized: {p:?}")
    };
    assert!(name.starts_with("p_") && !name.contains("ana"));
    assert_eq!(name, &pseudonym(b"operator secret", "h_ana"));
    assert_ne!(name, &pseudonym(b"another secret", "h_ana"));
    assert_ne!(name, &pseudonym(b"operator secret", "h_bob"));
    assert_eq!(
        (&p.recipient, &p.grant_id, &p.record_ids, p.at),
        (
            &entry.recipient,
            &entry.grant_id,
            &entry.record_ids,
            entry.at
        )
    );
    // Already pseudonymous: unchanged.
    assert_eq!(pseudonymize(p.clone(), b"operator secret"), p);
}
