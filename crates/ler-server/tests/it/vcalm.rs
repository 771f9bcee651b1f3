//! The vcalm endpoints: issue (every status code, every bad issuer and subject), verify,
//! revoke, suspend, status lists, challenges.

use ler_crypto::{KeyPair, did_key, did_key_verification_method};
use ler_proof::{Cryptosuite, Purpose, SignOptions};
use ler_status::StatusList;
use serde_json::{Value, json};

use crate::harness::{Harness, check};

const EMPLOYMENT: &str = include_str!("../../../../fixtures/employment.json");

/// The employment fixture issued by the test organization, without an id (the service
/// assigns one).
fn employment(h: &Harness) -> Value {
    let mut vc: Value =
        serde_json::from_str(&EMPLOYMENT.replace("did:key:ISSUER", &h.org.did)).expect("fixture");
    vc.as_object_mut().expect("object").remove("id");
    vc
}

/// A worker's did:key.
fn worker_did() -> String {
    did_key(&KeyPair::from_seed([7; 32]).public_key())
}

/// The status checks of a report: (status, message) of `status[0]`, `status[1]`, ….
fn status_checks(report: &Value) -> Vec<(String, String)> {
    report["results"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter(|c| c["check"].as_str().is_some_and(|n| n.starts_with("status")))
                .map(|c| {
                    (
                        c["status"].as_str().unwrap_or("").to_string(),
                        c["message"].as_str().unwrap_or("").to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue_answers_201_with_status_entries_and_a_proof() {
    for (_s, h) in Harness::all().await {
        let vc = h.issue().await;
        assert_eq!(vc["issuer"], h.org.did);
        // One revocation entry, as an object, unless a suspension entry is asked for.
        assert_eq!(vc["credentialStatus"]["statusPurpose"], "revocation");
        let suspendable = h.issue_suspendable().await;
        let entries = suspendable["credentialStatus"]
            .as_array()
            .expect("status entries");
        assert_eq!(entries.len(), 2);
        assert_eq!(entries[0]["statusPurpose"], "revocation");
        assert_eq!(entries[1]["statusPurpose"], "suspension");
        for e in entries.iter().chain([&vc["credentialStatus"]]) {
            assert_eq!(e["type"], "BitstringStatusListEntry");
            let url = e["statusListCredential"].as_str().expect("list url");
            assert!(
                url.starts_with("http://localhost:8080/orgs/acme/status/"),
                "{url}"
            );
        }
        assert_eq!(vc["proof"]["cryptosuite"], "eddsa-rdfc-2022");
        assert_eq!(
            vc["proof"]["verificationMethod"],
            format!("{}#key-1", h.org.did)
        );
        assert!(
            vc["id"]
                .as_str()
                .is_some_and(|id| id.starts_with("urn:uuid:"))
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue_refuses_bad_context_type_issuer_and_subject() {
    for (_s, h) in Harness::all().await {
        let cases: Vec<(&str, Option<Value>)> = vec![
            ("@context", None),
            ("@context", Some(json!(null))),
            ("@context", Some(json!(4))),
            ("@context", Some(json!([]))),
            (
                "@context",
                Some(json!(["https://example.org/unknown-context"])),
            ),
            ("type", None),
            ("type", Some(json!(null))),
            ("type", Some(json!([]))),
            ("type", Some(json!([4]))),
            ("type", Some(json!(["Other"]))),
            ("issuer", None),
            ("issuer", Some(json!(null))),
            ("issuer", Some(json!(true))),
            ("issuer", Some(json!(4))),
            ("issuer", Some(json!([]))),
            ("issuer", Some(json!(""))),
            ("issuer", Some(json!({}))),
            ("issuer", Some(json!({"id": 4}))),
            ("credentialSubject", None),
            ("credentialSubject", Some(json!(null))),
            ("credentialSubject", Some(json!(4))),
            ("credentialSubject", Some(json!("did:example:learner"))),
            (
                "credentialSubject",
                Some(json!([{"id": "did:example:learner"}])),
            ),
            ("credentialSubject", Some(json!(true))),
        ];
        for (field, value) in cases {
            let mut c = h.credential();
            match &value {
                None => {
                    c.as_object_mut().expect("object").remove(field);
                }
                Some(v) => c[field] = v.clone(),
            }
            let a = h
                .post(
                    "/credentials/issue",
                    &h.keys.issue,
                    &json!({"credential": c}),
                )
                .await;
            assert!(
                a.status == 400 || a.status == 422,
                "{field} = {value:?} answered {}: {}",
                a.status,
                String::from_utf8_lossy(&a.bytes)
            );
            a.problem(a.status.as_u16());
        }
        // Nothing was stored for the refused requests.
        let a = h
            .call(
                axum::http::Method::GET,
                "/orgs/acme/credentials",
                None,
                &[("authorization", &format!("Bearer {}", h.keys.read))],
            )
            .await;
        a.expect(200);
        assert_eq!(a.json()["credentials"].as_array().map(Vec::len), Some(0));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue_never_fills_in_an_issuer_and_refuses_another_organizations() {
    for (_s, h) in Harness::all().await {
        let mut c = h.credential();
        c.as_object_mut().expect("object").remove("issuer");
        let p = h
            .post(
                "/credentials/issue",
                &h.keys.issue,
                &json!({"credential": c}),
            )
            .await
            .problem(422);
        assert!(
            p["detail"].as_str().is_some_and(|d| d.contains("issuer")),
            "{p}"
        );
        let mut c = h.credential();
        c["issuer"] = json!("did:web:example.org:orgs:other");
        h.post(
            "/credentials/issue",
            &h.keys.issue,
            &json!({"credential": c}),
        )
        .await
        .problem(400);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue_answers_400_for_malformed_requests_and_409_for_a_reused_id() {
    for (_s, h) in Harness::all().await {
        let key = format!("Bearer {}", h.keys.issue);
        let req = axum::http::Request::builder()
            .method("POST")
            .uri("/credentials/issue")
            .header("authorization", &key)
            .header("content-type", "application/json")
            .body(axum::body::Body::from("{not json"))
            .expect("request");
        h.send(req).await.problem(400);
        h.post("/credentials/issue", &h.keys.issue, &json!({"nothing": 1}))
            .await
            .problem(400);
        h.post(
            "/credentials/issue",
            &h.keys.issue,
            &json!({"credential": 4}),
        )
        .await
        .problem(400);
        let mut c = h.credential();
        c["id"] = json!("urn:uuid:11111111-2222-4333-8444-555555555555");
        h.post(
            "/credentials/issue",
            &h.keys.issue,
            &json!({"credential": c}),
        )
        .await
        .expect(201);
        h.post(
            "/credentials/issue",
            &h.keys.issue,
            &json!({"credential": c}),
        )
        .await
        .problem(409);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue_verify_revoke_verify_and_the_list_bit_is_set() {
    for (_s, h) in Harness::all().await {
        let vc = h.issue().await;
        let (status, report) = h.verify(&vc).await;
        assert_eq!(status, 200, "{report}");
        assert_eq!(report["verified"], true);
        let statuses = status_checks(&report);
        assert_eq!(statuses.len(), 1, "one revocation entry: {report}");
        assert!(statuses.iter().all(|(s, _)| s == "passed"), "{statuses:?}");
        // The organization's did:web and lists resolved from the store: no network at all.
        assert_eq!(
            h.refusing.calls.load(std::sync::atomic::Ordering::SeqCst),
            0
        );

        let id = vc["id"].as_str().expect("id");
        let a = h.set_status(id, "revocation", true).await;
        a.expect(200);
        assert_eq!(a.json()["revoked"], true);
        let (status, report) = h.verify(&vc).await;
        assert_eq!(status, 422, "{report}");
        assert_eq!(report["verified"], false);
        assert!(
            status_checks(&report)
                .iter()
                .any(|(s, m)| s == "failed" && m.contains("revoked")),
            "{report}"
        );

        let entry = &vc["credentialStatus"];
        let url = entry["statusListCredential"].as_str().expect("url");
        let index: usize = entry["statusListIndex"]
            .as_str()
            .and_then(|s| s.parse().ok())
            .expect("index");
        let path = url
            .strip_prefix("http://localhost:8080")
            .expect("local url");
        let a = h.get(path).await;
        a.expect(200);
        assert_eq!(
            a.header("cache-control").as_deref(),
            Some("public, max-age=60")
        );
        let list = a.json();
        assert_eq!(list["type"][1], "BitstringStatusListCredential");
        assert_eq!(list["issuer"], h.org.did);
        let encoded = list["credentialSubject"]["encodedList"]
            .as_str()
            .expect("encoded list");
        let bits = StatusList::decode(encoded, 1 << 20).expect("decode");
        assert_eq!(bits.get(index).expect("bit"), 1);
        assert_eq!(bits.count_set(), 1);
        // The list credential itself verifies (signed by the organization).
        let (status, report) = h.verify(&list).await;
        assert_eq!(status, 200, "{report}");

        // Revocation is final.
        h.set_status(id, "revocation", false).await.problem(409);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn suspend_then_unsuspend() {
    for (_s, h) in Harness::all().await {
        // A credential without a suspension entry cannot be suspended.
        let plain = h.issue().await;
        let a = h
            .set_status(plain["id"].as_str().expect("id"), "suspension", true)
            .await;
        let p = a.problem(409);
        assert!(
            p["detail"]
                .as_str()
                .is_some_and(|d| d.contains("no suspension entry")),
            "{p}"
        );

        let vc = h.issue_suspendable().await;
        let id = vc["id"].as_str().expect("id");
        let a = h.set_status(id, "suspension", true).await;
        a.expect(200);
        assert_eq!(a.json()["suspended"], true);
        let (status, report) = h.verify(&vc).await;
        assert_eq!(status, 422, "{report}");
        assert!(
            status_checks(&report)
                .iter()
                .any(|(s, m)| s == "failed" && m.contains("suspended")),
            "{report}"
        );
        h.set_status(id, "suspension", false).await.expect(200);
        let (status, report) = h.verify(&vc).await;
        assert_eq!(status, 200, "{report}");
        // Unknown credentials, bad purposes, malformed bodies.
        h.set_status("urn:uuid:nope", "revocation", true)
            .await
            .problem(404);
        h.set_status(id, "refresh", true).await.problem(400);
        h.post(
            "/credentials/status",
            &h.keys.revoke,
            &json!({"credentialId": id}),
        )
        .await
        .problem(400);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_lists_answer_304_to_a_matching_etag_and_404_when_unknown() {
    for (_s, h) in Harness::all().await {
        let vc = h.issue().await;
        let url = vc["credentialStatus"]["statusListCredential"]
            .as_str()
            .expect("url");
        let path = url.strip_prefix("http://localhost:8080").expect("local");
        let first = h.get(path).await;
        first.expect(200);
        let etag = first.header("etag").expect("etag");
        let again = h
            .call(
                axum::http::Method::GET,
                path,
                None,
                &[("if-none-match", &etag)],
            )
            .await;
        again.expect(304);
        // A change makes a new version with a new tag.
        h.set_status(vc["id"].as_str().expect("id"), "revocation", true)
            .await
            .expect(200);
        let changed = h.get(path).await;
        changed.expect(200);
        assert_ne!(changed.header("etag"), Some(etag));
        h.get("/orgs/acme/status/nope").await.problem(404);
        h.get("/orgs/nobody/status/nope").await.problem(404);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_answers_422_for_a_tampered_credential_and_400_for_no_credential() {
    for (_s, h) in Harness::all().await {
        let mut vc = h.issue().await;
        vc["credentialSubject"]["name"] = json!("Mallory");
        let (status, report) = h.verify(&vc).await;
        assert_eq!(status, 422);
        assert_eq!(
            check(&report, "proof").map(|c| c.0),
            Some("failed"),
            "{report}"
        );
        h.post("/credentials/verify", "", &json!({}))
            .await
            .problem(400);
        h.post("/presentations/verify", "", &json!({}))
            .await
            .problem(400);
    }
}

/// A presentation of `vc` by a did:key holder, with this challenge.
fn present(vc: &Value, challenge: &str) -> Value {
    let holder = KeyPair::from_seed([9; 32]);
    let public = holder.public_key();
    let vp = json!({
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiablePresentation"],
        "holder": did_key(&public),
        "verifiableCredential": [vc],
    });
    ler_proof::sign(
        &vp,
        &holder,
        &SignOptions {
            suite: Cryptosuite::EddsaRdfc2022,
            verification_method: did_key_verification_method(&public),
            created: Some("2026-01-01T00:00:00Z".into()),
            purpose: Purpose::Authentication {
                challenge: Some(challenge.into()),
                domain: None,
            },
            expires: None,
        },
        ler_jsonld::Documents::embedded(),
    )
    .expect("sign presentation")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn challenges_are_single_use() {
    for (_s, h) in Harness::all().await {
        let vc = h.issue().await;
        let a = h.post("/challenges", "", &json!({})).await;
        a.expect(200);
        let challenge = a.json()["challenge"]
            .as_str()
            .expect("challenge")
            .to_string();
        let vp = present(&vc, &challenge);
        let body = json!({"verifiablePresentation": vp, "options": {"challenge": challenge}});
        let first = h.post("/presentations/verify", "", &body).await;
        first.expect(200);
        assert_eq!(first.json()["verified"], true);
        let again = h.post("/presentations/verify", "", &body).await;
        again.expect(422);
        let report = again.json();
        assert!(
            check(&report, "challenge").is_some_and(|(s, m)| s == "failed" && m.contains("used")),
            "{report}"
        );
        // A challenge never handed out fails, even when the proof carries it.
        let forged = present(&vc, "made-up-challenge");
        let a = h
            .post(
                "/presentations/verify",
                "",
                &json!({"verifiablePresentation": forged}),
            )
            .await;
        a.expect(422);
        assert!(
            check(&a.json(), "challenge").is_some_and(|(s, _)| s == "failed"),
            "{}",
            a.json()
        );
        // A presentation whose proof has another challenge than the one handed in fails.
        let c2 = h.post("/challenges", "", &json!({})).await.json()["challenge"]
            .as_str()
            .expect("challenge")
            .to_string();
        let a = h
            .post(
                "/presentations/verify",
                "",
                &json!({"verifiablePresentation": present(&vc, "other"), "options": {"challenge": c2}}),
            )
            .await;
        a.expect(422);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expired_challenges_fail() {
    let storage = crate::harness::Storage::sqlite();
    let h = Harness::open(
        &storage,
        crate::harness::PUBLIC_URL,
        ler_server::Limits::default(),
    )
    .await;
    let offset = std::sync::Arc::new(std::sync::atomic::AtomicI64::new(0));
    let o = offset.clone();
    let base = h.state.now();
    let state = h
        .state
        .clone()
        .with_clock(ler_server::Clock::from_fn(move || {
            base + o.load(std::sync::atomic::Ordering::SeqCst)
        }));
    let router = ler_server::router(state);
    let h = Harness { router, ..h };
    let vc = h.issue().await;
    let challenge = h.post("/challenges", "", &json!({})).await.json()["challenge"]
        .as_str()
        .expect("challenge")
        .to_string();
    offset.store(301, std::sync::atomic::Ordering::SeqCst);
    let a = h
        .post(
            "/presentations/verify",
            "",
            &json!({"verifiablePresentation": present(&vc, &challenge), "options": {"challenge": challenge}}),
        )
        .await;
    a.expect(422);
    assert!(
        check(&a.json(), "challenge").is_some_and(|(s, m)| s == "failed" && m.contains("expired")),
        "{}",
        a.json()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_on_one_store_see_each_others_revocations() {
    for storage in crate::harness::Storage::all().await {
        let a = Harness::open(
            &storage,
            crate::harness::PUBLIC_URL,
            ler_server::Limits::default(),
        )
        .await;
        let b_state = ler_server::AppState::new(
            ler_store::Store::open(&storage.location)
                .await
                .expect("second instance"),
            a.state.kek.clone(),
            a.state.public_url.clone(),
            a.refusing.clone(),
            ler_server::Limits::default(),
        );
        let b = Harness {
            router: ler_server::router(b_state.clone()),
            state: b_state,
            org: a.org.clone(),
            keys: crate::harness::Keys {
                issue: a.keys.issue.clone(),
                revoke: a.keys.revoke.clone(),
                read: a.keys.read.clone(),
                all: a.keys.all.clone(),
            },
            refusing: a.refusing.clone(),
        };
        let vc = a.issue().await;
        assert_eq!(b.verify(&vc).await.0, 200, "B verifies what A issued");
        b.set_status(vc["id"].as_str().expect("id"), "revocation", true)
            .await
            .expect(200);
        assert_eq!(
            b.verify(&vc).await.0,
            422,
            "B sees its own revocation at once"
        );
        tokio::time::sleep(ler_server::LOCAL_CACHE_TTL + std::time::Duration::from_millis(100))
            .await;
        let (status, report) = a.verify(&vc).await;
        assert_eq!(
            status, 422,
            "A sees B's revocation within the cache time: {report}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issued_open_badge_validates_against_the_official_schema() {
    const SCHEMA: &str = "schemas/ob_v3p0/ob_v3p0_achievementcredential_schema.json";
    for (_s, h) in Harness::all().await {
        let mut badge: Value =
            serde_json::from_str(&ler_testdata::read("vectors/ob3-1edtech/unsigned.json"))
                .expect("badge");
        badge["issuer"]["id"] = h.org.did.clone().into();
        if let Some(o) = badge.as_object_mut() {
            o.remove("id");
        }
        let issue = |options: Value| {
            let body = json!({"credential": badge.clone(), "options": options});
            let h = &h;
            async move {
                let a = h.post("/credentials/issue", &h.keys.issue, &body).await;
                a.expect(201);
                a.json()["verifiableCredential"].clone()
            }
        };
        // By default: one revocation entry, as an object; the schema accepts it.
        let vc = issue(json!({})).await;
        assert_eq!(vc["credentialStatus"]["statusPurpose"], "revocation");
        let errors = ler_testdata::schema_errors(&vc, SCHEMA);
        assert!(errors.is_empty(), "{}", errors.join("\n"));
        let (status, report) = h.verify(&vc).await;
        assert_eq!(status, 200, "{report}");
        // Asked for suspension (the vcalm way), it carries both entries.
        let vc = issue(json!({"credentialStatus": {
            "type": "BitstringStatusListEntry",
            "statusPurpose": ["revocation", "suspension"]
        }}))
        .await;
        assert_eq!(vc["credentialStatus"][1]["statusPurpose"], "suspension");
        h.set_status(vc["id"].as_str().expect("id"), "suspension", true)
            .await
            .expect(200);
        // Unknown purposes are refused.
        h.post(
            "/credentials/issue",
            &h.keys.issue,
            &json!({"credential": badge, "options": {"credentialStatus": {"statusPurpose": "refresh"}}}),
        )
        .await
        .problem(400);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue_makes_an_employment_record_an_sd_jwt_vc_bound_to_the_holder() {
    for (_s, h) in Harness::all().await {
        for format in ["dc+sd-jwt", "vc+sd-jwt"] {
            let a = h
                .post(
                    "/credentials/issue",
                    &h.keys.issue,
                    &json!({"credential": employment(&h), "options": {"format": format, "holder": worker_did()}}),
                )
                .await;
            a.expect(201);
            let token = a.json()["verifiableCredential"]
                .as_str()
                .expect("the SD-JWT as a string")
                .to_string();
            let seen = ler_sdjwt::inspect(&token).expect("an SD-JWT as issued");
            assert_eq!(seen.header["typ"], "dc+sd-jwt");
            assert_eq!(seen.header["kid"], format!("{}#key-1", h.org.did));
            assert_eq!(seen.claims["iss"], h.org.did);
            assert_eq!(seen.claims["vct"], ler_sdjwt::EMPLOYMENT_VCT);
            assert_eq!(seen.claims["sub"], "did:example:worker-7d41");
            assert_eq!(seen.claims["pay"]["amount"], 21.5);
            assert!(
                seen.claims.get("credentialStatus").is_none()
                    && seen.claims.get("status").is_none(),
                "no status entry"
            );
            for field in ["/pay", "/positionTitle", "/employer", "/location"] {
                assert!(
                    seen.disclosable.iter().any(|d| d == field),
                    "{field} is not disclosable: {:?}",
                    seen.disclosable
                );
            }
            // The service's verifier accepts it, the org's did:web key bound to `iss`.
            let (code, report) = h.verify(&json!(token)).await;
            assert_eq!(code, 200, "{report}");
            assert_eq!(report["verified"], true, "{report}");
            assert_eq!(check(&report, "proof").map(|c| c.0), Some("passed"));
        }
        // Stored like any issued record, as the token; it has no status entry to change.
        let a = h
            .call(
                axum::http::Method::GET,
                "/orgs/acme/credentials",
                None,
                &[("authorization", &format!("Bearer {}", h.keys.read))],
            )
            .await;
        a.expect(200);
        let listed = a.json()["credentials"].clone();
        assert_eq!(listed.as_array().map(Vec::len), Some(2));
        assert!(listed[0]["verifiableCredential"].is_string());
        assert_eq!(listed[0]["recipient"], "did:example:worker-7d41");
        let id = listed[0]["id"].as_str().expect("id");
        assert!(id.starts_with("urn:uuid:"), "{id}");
        let p = h.set_status(id, "revocation", true).await.problem(409);
        assert!(
            p["detail"].as_str().is_some_and(|d| d.contains("SD-JWT")),
            "{p}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue_as_sd_jwt_refuses_a_missing_holder_other_records_and_unknown_formats() {
    for (_s, h) in Harness::all().await {
        let cases = [
            (
                employment(&h),
                json!({"format": "dc+sd-jwt"}),
                "options.holder is required",
            ),
            (
                employment(&h),
                json!({"format": "dc+sd-jwt", "holder": "did:web:example.org"}),
                "is not a did:key",
            ),
            (
                employment(&h),
                json!({"format": "dc+sd-jwt", "holder": 7}),
                "options.holder must be a string",
            ),
            (
                employment(&h),
                json!({"format": "dc+sd-jwt", "holder": worker_did(), "suspendable": true}),
                "no status entries",
            ),
            (
                h.credential(),
                json!({"format": "dc+sd-jwt", "holder": worker_did()}),
                "only ler's employment records",
            ),
            (
                employment(&h),
                json!({"format": "jwt_vc_json"}),
                "is not one ler issues",
            ),
            (employment(&h), json!({"format": 1}), "must be a string"),
        ];
        for (credential, options, says) in cases {
            let p = h
                .post(
                    "/credentials/issue",
                    &h.keys.issue,
                    &json!({"credential": credential, "options": options}),
                )
                .await
                .problem(422);
            assert!(
                p["detail"].as_str().is_some_and(|d| d.contains(says)),
                "{options}: {p}"
            );
        }
        // The default and its explicit name still issue Data Integrity.
        let a = h
            .post(
                "/credentials/issue",
                &h.keys.issue,
                &json!({"credential": employment(&h), "options": {"format": "ldp_vc"}}),
            )
            .await;
        a.expect(201);
        assert_eq!(
            a.json()["verifiableCredential"]["proof"]["cryptosuite"],
            "eddsa-rdfc-2022"
        );
    }
}
