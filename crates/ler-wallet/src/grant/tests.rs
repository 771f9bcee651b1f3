//! Unit tests for recipients, purposes and grant checks.

use super::*;

#[test]
fn verifiers_are_recognized_by_their_form() {
    assert_eq!(
        Recipient::verifier(" Hiring@Acme.example ").unwrap(),
        Recipient::Email("hiring@acme.example".into())
    );
    assert_eq!(
        Recipient::verifier("https://acme.example/verify").unwrap(),
        Recipient::Url("https://acme.example/verify".into())
    );
    assert_eq!(
        Recipient::verifier("did:web:acme.example").unwrap(),
        Recipient::Did("did:web:acme.example".into())
    );
    for bad in [
        "http://acme.example",
        "acme",
        "@acme.example",
        "a@b",
        "did:",
        "https://",
        "a b@c.d",
    ] {
        assert!(Recipient::verifier(bad).is_err(), "{bad}");
    }
    assert_eq!(Recipient::Email("a@b.c".into()).iri(), "mailto:a@b.c");
    assert_eq!(
        Recipient::Organization("did:web:x".into()).key(),
        "org|did:web:x"
    );
}

#[test]
fn names_round_trip() {
    for p in Purpose::ALL {
        assert_eq!(Purpose::parse(p.as_str()), Some(p));
        assert_eq!(serde_json::to_value(p).unwrap(), p.as_str());
    }
    for f in EmploymentField::ALL {
        assert_eq!(EmploymentField::parse(f.as_str()), Some(f));
        assert_eq!(serde_json::to_value(f).unwrap(), f.as_str());
    }
    assert_eq!(serde_json::to_value(Access::OneTime).unwrap(), "one-time");
}

#[test]
fn liveness_checks_revocation_then_expiry_then_use() {
    let grant = Grant {
        id: "g_1".into(),
        holder: "did:key:z".into(),
        recipient: Recipient::Url("https://v.example".into()),
        purposes: vec![Purpose::Employment],
        purpose_text: None,
        records: vec![],
        expires_at: 100,
        access: Access::OneTime,
        created_at: 0,
    };
    let fresh = GrantState::default();
    assert_eq!(grant.live(&fresh, 99), Ok(()));
    assert_eq!(grant.live(&fresh, 100), Err(Denial::Expired));
    let used = GrantState {
        revoked_at: None,
        used_count: 1,
    };
    assert_eq!(grant.live(&used, 50), Err(Denial::UsedUp));
    let revoked = GrantState {
        revoked_at: Some(10),
        used_count: 0,
    };
    assert_eq!(grant.live(&revoked, 200), Err(Denial::Revoked));
    let repeated = Grant {
        access: Access::Repeated,
        ..grant
    };
    assert_eq!(
        repeated.live(
            &GrantState {
                revoked_at: None,
                used_count: 9
            },
            50
        ),
        Ok(())
    );
}
