//! The authorization matrix: holder A, holder B, a recipient with a grant and one without,
//! after revocation and after expiry (the clock is a parameter).

use ler_wallet::{
    Access, Decision, Denial, EmploymentField, Grant, GrantSpec, GrantState, GrantedRecord,
    Purpose, Recipient, WalletError,
};

use crate::common::{NOW, records};

const DAY: i64 = 86_400;

fn spec(recipient: Recipient, access: Access) -> GrantSpec {
    GrantSpec {
        recipient,
        purposes: vec![Purpose::ProgramIntake],
        purpose_text: None,
        records: vec![
            GrantedRecord {
                record_id: "r_badge".into(),
                fields: None,
            },
            GrantedRecord {
                record_id: "r_job".into(),
                fields: Some(vec![
                    EmploymentField::PositionTitle,
                    EmploymentField::StartDate,
                ]),
            },
        ],
        expires_at: NOW + 7 * DAY,
        access,
    }
}

fn cbo() -> Recipient {
    Recipient::Organization("did:web:ler.example:orgs:cbo".into())
}

#[test]
fn authorization_matrix() {
    let holder_a = records();
    // Holder B has records of their own, with ids of their own.
    let holder_b: Vec<_> = records()
        .into_iter()
        .map(|mut r| {
            r.id = format!("{}_b", r.id);
            r
        })
        .collect();
    let grant_a = Grant::new(
        "g_a".into(),
        "did:key:zA",
        spec(cbo(), Access::Repeated),
        &holder_a,
        NOW,
    )
    .unwrap();
    let stranger = Recipient::verifier("someone@else.example").unwrap();
    let live = GrantState::default();
    let revoked = GrantState {
        revoked_at: Some(NOW + DAY),
        used_count: 3,
    };
    let allowed_whole = Decision::Allowed { fields: None };
    let allowed_fields = Decision::Allowed {
        fields: Some(vec![
            EmploymentField::PositionTitle,
            EmploymentField::StartDate,
        ]),
    };
    let denied = |d| Decision::Denied(d);
    // (who, record, state, now, expected)
    let cases = [
        // The recipient with the grant: the granted records, employment restricted to fields.
        (cbo(), "r_badge", live, NOW, allowed_whole.clone()),
        (cbo(), "r_job", live, NOW + 6 * DAY, allowed_fields),
        // …but not a record the grant does not name, nor holder B's records.
        (cbo(), "r_clr", live, NOW, denied(Denial::NotGranted)),
        (cbo(), "r_badge_b", live, NOW, denied(Denial::NotGranted)),
        // A recipient without a grant: nothing.
        (
            stranger.clone(),
            "r_badge",
            live,
            NOW,
            denied(Denial::NotGranted),
        ),
        (stranger, "r_clr", live, NOW, denied(Denial::NotGranted)),
        // After revocation: nothing, whenever.
        (
            cbo(),
            "r_badge",
            revoked,
            NOW + DAY,
            denied(Denial::Revoked),
        ),
        (
            cbo(),
            "r_job",
            revoked,
            NOW + 8 * DAY,
            denied(Denial::Revoked),
        ),
        // At and after the expiry: nothing.
        (
            cbo(),
            "r_badge",
            live,
            NOW + 7 * DAY,
            denied(Denial::Expired),
        ),
        (
            cbo(),
            "r_badge",
            live,
            NOW + 70 * DAY,
            denied(Denial::Expired),
        ),
    ];
    for (who, record, state, now, expected) in cases {
        assert_eq!(
            grant_a.allows(&who, record, &state, now),
            expected,
            "{who:?} reading {record} at {now} with {state:?}"
        );
    }
    // Holder B cannot grant holder A's records: the grant is checked against B's own records.
    let stolen = Grant::new(
        "g_b".into(),
        "did:key:zB",
        spec(cbo(), Access::Repeated),
        &holder_b,
        NOW,
    );
    assert!(matches!(stolen, Err(WalletError::Grant(_))), "{stolen:?}");
}

#[test]
fn one_time_grants_serve_one_access() {
    let grant = Grant::new(
        "g_once".into(),
        "did:key:zA",
        spec(cbo(), Access::OneTime),
        &records(),
        NOW,
    )
    .unwrap();
    let fresh = GrantState::default();
    let used = GrantState {
        revoked_at: None,
        used_count: 1,
    };
    assert_eq!(
        grant.allows(&cbo(), "r_badge", &fresh, NOW),
        Decision::Allowed { fields: None }
    );
    assert_eq!(
        grant.allows(&cbo(), "r_badge", &used, NOW),
        Decision::Denied(Denial::UsedUp)
    );
}

#[test]
fn grants_are_checked_when_given() {
    let records = records();
    let mut bad = Vec::new();
    let mut s = spec(cbo(), Access::Repeated);
    s.expires_at = NOW;
    bad.push(s);
    let mut s = spec(cbo(), Access::Repeated);
    s.purposes.clear();
    bad.push(s);
    let mut s = spec(cbo(), Access::Repeated);
    s.purposes = vec![Purpose::Other];
    bad.push(s);
    let mut s = spec(cbo(), Access::Repeated);
    s.records.clear();
    bad.push(s);
    let mut s = spec(cbo(), Access::Repeated);
    s.records[0].fields = Some(vec![EmploymentField::Pay]);
    bad.push(s);
    let mut s = spec(cbo(), Access::Repeated);
    s.records[1].fields = Some(vec![]);
    bad.push(s);
    let mut s = spec(cbo(), Access::Repeated);
    s.records.push(s.records[0].clone());
    bad.push(s);
    for s in bad {
        let result = Grant::new("g".into(), "did:key:zA", s.clone(), &records, NOW);
        assert!(
            matches!(result, Err(WalletError::Grant(_))),
            "{s:?} gave {result:?}"
        );
    }
    let mut s = spec(cbo(), Access::Repeated);
    s.purposes = vec![Purpose::Other, Purpose::Other];
    s.purpose_text = Some("  a funder's audit  ".into());
    s.records[1].fields = Some(vec![
        EmploymentField::StartDate,
        EmploymentField::PositionTitle,
        EmploymentField::StartDate,
    ]);
    let grant = Grant::new("g".into(), "did:key:zA", s, &records, NOW).unwrap();
    assert_eq!(grant.purposes, [Purpose::Other]);
    assert_eq!(grant.purpose_text.as_deref(), Some("a funder's audit"));
    assert_eq!(
        grant.records[1].fields,
        Some(vec![
            EmploymentField::PositionTitle,
            EmploymentField::StartDate
        ])
    );
}
