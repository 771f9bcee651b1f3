//! Bulk issuance over HTTP (`/orgs/<slug>/batch`): preview, start, per-row results with claim
//! links, reruns that issue nothing twice, delivery straight into a wallet here (by DID), a
//! `record.issued` webhook event per credential, xAPI and OneRoster uploads, and the errors
//! an integrator can make; on SQLite and, when configured, PostgreSQL.

use std::time::Duration;

use axum::body::Body;
use axum::http::{Method, Request};
use serde_json::{Value, json};

use crate::harness::{Answer, Harness};

/// Adds achievement `id` to acme's catalog, known to learning systems as `other`.
async fn achievement(h: &Harness, id: &str, name: &str, other: &str) {
    let auth = format!("Bearer {}", h.keys.all);
    let a = h
        .call(
            Method::PUT,
            &format!("/orgs/acme/achievements/{id}"),
            Some(&json!({
                "type": ["Achievement"],
                "name": name,
                "description": format!("{name}."),
                "criteria": {"narrative": "Completed the course."},
                "otherIdentifier": [{"type": "IdentifierEntry", "identifier": other, "identifierType": "identifier"}],
            })),
            &[("authorization", &auth)],
        )
        .await;
    a.expect(201);
}

/// POSTs `body` to `path` with `content_type` and the issue key.
async fn upload(h: &Harness, path: &str, content_type: &str, body: impl Into<Body>) -> Answer {
    let req = Request::builder()
        .method(Method::POST)
        .uri(path)
        .header("authorization", format!("Bearer {}", h.keys.issue))
        .header("content-type", content_type)
        .body(body.into())
        .expect("request");
    h.send(with_peer(req)).await
}

fn with_peer(mut req: Request<Body>) -> Request<Body> {
    req.extensions_mut()
        .insert(axum::extract::ConnectInfo(std::net::SocketAddr::from((
            [127, 0, 0, 1],
            40000,
        ))));
    req
}

async fn get(h: &Harness, path: &str) -> Answer {
    let auth = format!("Bearer {}", h.keys.issue);
    h.call(Method::GET, path, None, &[("authorization", &auth)])
        .await
}

/// Follows a job until it has finished; its JSON.
async fn finished(h: &Harness, location: &str) -> Value {
    for _ in 0..200 {
        let j = get(h, location).await;
        j.expect(200);
        let j = j.json();
        match j["state"].as_str() {
            Some("finished") => return j,
            Some("failed") => panic!("the job failed: {j}"),
            _ => tokio::time::sleep(Duration::from_millis(25)).await,
        }
    }
    panic!("the job did not finish")
}

const CSV: &str = "recipient,name,achievement,result,awarded\n\
ana@example.org,Ana Ruiz,forklift,Pass,2026-05-01\n\
not-an-email,Bo,forklift,,\n\
ben@example.org,Ben Ode,welding,,2026-05-02\n\
cy@example.org,Cy Lam,forklift,,2026-05-03\n";

#[tokio::test]
async fn a_csv_is_previewed_issued_once_and_reported_row_by_row() {
    for (_storage, h) in Harness::all().await {
        achievement(&h, "forklift", "Forklift Safety", "lms:forklift").await;
        let webhook = h
            .state
            .store
            .create_webhook(&ler_store::Webhook {
                id: "wh_batch".into(),
                org_id: h.org.id,
                url: "https://hooks.example/batch".into(),
                events: vec!["record.issued".into()],
                secret: b"sealed".to_vec(),
                created_at: 1,
            })
            .await;
        webhook.expect("webhook");
        h.state
            .store
            .create_webhook(&ler_store::Webhook {
                id: "wh_done".into(),
                org_id: h.org.id,
                url: "https://hooks.example/done".into(),
                events: vec!["batch.finished".into()],
                secret: b"sealed".to_vec(),
                created_at: 1,
            })
            .await
            .expect("webhook");

        // Preview: nothing issued; the unknown achievement and the bad email are errors.
        let a = upload(&h, "/orgs/acme/batch?preview=true", "text/csv", CSV).await;
        a.expect(200);
        assert_eq!(a.header("cache-control").as_deref(), Some("no-store"));
        let job = a.json();
        assert_eq!(job["state"], "ready");
        assert_eq!(job["preview"]["toIssue"], 2);
        assert_eq!(job["preview"]["errors"], 2);
        let errors = job["preview"]["firstErrors"].to_string();
        assert!(errors.contains("is not an email address"), "{errors}");
        assert!(
            errors.contains("\\\"welding\\\" is not in the achievements catalog"),
            "{errors}"
        );
        let codes: Vec<&str> = job["preview"]["firstErrors"]
            .as_array()
            .expect("firstErrors")
            .iter()
            .map(|e| e["code"].as_str().unwrap_or(""))
            .collect();
        assert_eq!(codes, ["not_email", "unknown_achievement"], "{errors}");
        let location = a.header("location").expect("location");
        assert!(location.starts_with("/orgs/acme/batch/b_"), "{location}");
        assert_eq!(
            h.state
                .store
                .list_credentials(
                    h.org.id,
                    &ler_store::CredentialQuery {
                        text: None,
                        limit: 10,
                        offset: 0
                    }
                )
                .await
                .expect("list")
                .len(),
            0
        );

        // Start it; a second start is a conflict.
        let started = upload(&h, &format!("{location}/start"), "text/plain", "").await;
        started.expect(202);
        let again = upload(&h, &format!("{location}/start"), "text/plain", "").await;
        again.problem(409);
        let done = finished(&h, &location).await;
        assert_eq!(done["summary"]["issued"], 2);
        assert_eq!(done["summary"]["errors"], 2);
        assert_eq!(done["progress"]["done"], 4, "{done}");
        assert_eq!(done["progress"]["total"], 4, "{done}");
        let results = done["results"].as_array().expect("results");
        assert_eq!(results.len(), 4);
        let rows: Vec<u64> = results.iter().filter_map(|r| r["row"].as_u64()).collect();
        assert_eq!(rows, [2, 3, 4, 5], "in file order");
        let ana = results
            .iter()
            .find(|r| r["recipient"] == "ana@example.org")
            .expect("ana");
        assert_eq!(ana["outcome"], "issued");
        assert!(
            ana["claimUrl"]
                .as_str()
                .expect("link")
                .starts_with("http://localhost:8080/wallet/claim/")
        );
        let bad = results.iter().find(|r| r["row"] == 3).expect("row 3");
        assert_eq!(bad["outcome"], "error");
        assert_eq!(bad["code"], "not_email", "{bad}");
        assert!(
            bad["message"]
                .as_str()
                .expect("message")
                .contains("recipient")
        );
        // The issued credential verifies.
        let id = ana["credentialId"].as_str().expect("id");
        let row = h
            .state
            .store
            .credential(id)
            .await
            .expect("read")
            .expect("stored");
        let (status, report) = h.verify(&row.json).await;
        assert_eq!(status, 200, "{report}");
        assert_eq!(report["verified"], true, "{report}");
        // One record.issued event per credential, queued with it.
        let queued = h
            .state
            .store
            .webhook_deliveries("wh_batch", 10)
            .await
            .expect("outbox");
        assert_eq!(queued.len(), 2);
        // And one batch.finished event, with the counts and where the results are.
        let done_events = h
            .state
            .store
            .webhook_deliveries("wh_done", 10)
            .await
            .expect("outbox");
        assert_eq!(done_events.len(), 1);
        let event: Value = serde_json::from_str(&done_events[0].0.payload).expect("json");
        assert_eq!(event["type"], "batch.finished");
        assert_eq!(event["data"]["state"], "finished");
        assert_eq!(event["data"]["summary"]["issued"], 2);
        assert_eq!(
            event["data"]["results"],
            format!("http://localhost:8080{location}")
        );
        assert!(!event.to_string().contains("/wallet/claim/"), "{event}");

        // The results as CSV, for a spreadsheet.
        let csv = get(&h, &format!("{location}?format=csv")).await;
        csv.expect(200);
        assert!(
            csv.header("content-type")
                .expect("type")
                .starts_with("text/csv")
        );
        let text = String::from_utf8(csv.bytes.clone()).expect("utf-8");
        assert_eq!(text.lines().count(), 5, "{text}");
        assert!(text.contains("/wallet/claim/"));

        // The same file again: nothing issued twice, no new event.
        let a = upload(&h, "/orgs/acme/batch", "text/csv", CSV).await;
        a.expect(202);
        let rerun = finished(&h, &a.header("location").expect("location")).await;
        assert_eq!(rerun["summary"]["issued"], 0);
        assert_eq!(rerun["summary"]["alreadyIssued"], 2);
        let queued = h
            .state
            .store
            .webhook_deliveries("wh_batch", 10)
            .await
            .expect("outbox");
        assert_eq!(queued.len(), 2);
        let listed = get(&h, "/orgs/acme/batch").await;
        listed.expect(200);
        assert_eq!(listed.json()["jobs"].as_array().expect("jobs").len(), 2);
    }
}

#[tokio::test]
async fn recipients_with_a_wallet_here_get_the_record_in_it() {
    for (_storage, h) in Harness::all().await {
        achievement(&h, "forklift", "Forklift Safety", "lms:forklift").await;
        h.post(
            "/wallet/signup",
            "",
            &json!({"email": "dee@example.org", "password": "correct horse battery"}),
        )
        .await
        .expect(201);
        let dee = h
            .state
            .store
            .holder_by_email("dee@example.org")
            .await
            .expect("read")
            .expect("holder");
        let csv = format!(
            "recipient,achievement\n{},forklift\neve@example.org,forklift\n",
            dee.did
        );
        let a = upload(&h, "/orgs/acme/batch", "text/csv", csv.clone()).await;
        a.expect(202);
        let location = a.header("location").expect("location");
        let done = finished(&h, &location).await;
        assert_eq!(done["summary"]["delivered"], 1, "{done}");
        let results = done["results"].as_array().expect("results");
        let to_dee = &results[0];
        assert_eq!(to_dee["wallet"], dee.did.as_str());
        assert_eq!(to_dee["delivered"], true);
        assert!(to_dee.get("claimUrl").is_none(), "{to_dee}");
        assert!(results[1]["claimUrl"].is_string());
        let records = h
            .state
            .store
            .wallet_records(&dee.id)
            .await
            .expect("records");
        assert_eq!(records.len(), 1);
        // A rerun delivers again, which the wallet recognizes: still one record.
        let a = upload(&h, "/orgs/acme/batch", "text/csv", csv).await;
        finished(&h, &a.header("location").expect("location")).await;
        assert_eq!(
            h.state
                .store
                .wallet_records(&dee.id)
                .await
                .expect("records")
                .len(),
            1
        );
    }
}

#[tokio::test]
async fn xapi_and_oneroster_uploads_issue_what_was_completed() {
    for (_storage, h) in Harness::all().await {
        achievement(
            &h,
            "forklift",
            "Forklift Safety",
            "https://lms.example.org/courses/forklift",
        )
        .await;
        let statements = json!([
            {
                "id": "6690e6c9-3ef0-4ed3-8b37-7f3964730bee",
                "actor": {"mbox": "mailto:ana@example.org", "name": "Ana Ruiz"},
                "verb": {"id": "http://adlnet.gov/expapi/verbs/completed"},
                "object": {"id": "https://lms.example.org/courses/forklift", "definition": {"name": {"en-US": "Forklift Safety"}}},
                "result": {"completion": true, "success": true, "score": {"scaled": 0.92}},
                "timestamp": "2026-05-01T10:00:00Z"
            },
            {
                "id": "7790e6c9-3ef0-4ed3-8b37-7f3964730bee",
                "actor": {"mbox": "mailto:ben@example.org"},
                "verb": {"id": "http://adlnet.gov/expapi/verbs/attempted"},
                "object": {"id": "https://lms.example.org/courses/forklift"},
                "timestamp": "2026-05-01T10:00:00Z"
            }
        ]);
        let a = upload(
            &h,
            "/orgs/acme/batch",
            "application/json",
            statements.to_string(),
        )
        .await;
        a.expect(202);
        let done = finished(&h, &a.header("location").expect("location")).await;
        assert_eq!(done["summary"]["issued"], 1, "{done}");
        assert_eq!(done["summary"]["skipped"], 1, "{done}");
        assert_eq!(
            done["source"].as_str().map(|s| s.starts_with("xAPI")),
            Some(true)
        );

        // OneRoster: three files in one multipart body.
        let boundary = "XyZbatch";
        let part = |name: &str, text: &str| {
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{name}.csv\"\r\nContent-Type: text/csv\r\n\r\n{text}\r\n"
            )
        };
        let body = [
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"format\"\r\n\r\noneroster\r\n"
            ),
            part(
                "results",
                "sourcedId,status,dateLastModified,lineItemSourcedId,studentSourcedId,scoreStatus,score,scoreDate,comment,textScore,classSourcedId\nr1,active,2026-05-01T00:00:00Z,li1,u1,fully graded,95,2026-05-01,,,c1\n",
            ),
            part(
                "lineItems",
                "sourcedId,status,dateLastModified,title,description,assignDate,dueDate,classSourcedId,categorySourcedId,gradingPeriodSourcedId,resultValueMin,resultValueMax\nli1,active,2026-05-01T00:00:00Z,Forklift Safety,,2026-04-01,2026-05-01,c1,cat1,gp1,0,100\n",
            ),
            part(
                "users",
                "sourcedId,status,dateLastModified,enabledUser,username,userIds,givenName,familyName,middleName,identifier,email,sms,phone,agentSourcedIds,grades,password,userMasterIdentifier,resourceSourcedIds,preferredGivenName,preferredMiddleName,preferredFamilyName,primaryOrg,pronouns,userProfiles\nu1,active,2026-05-01T00:00:00Z,true,cy,,Cy,Lam,,S-1,cy@example.org,,,,,,,,,,,,,\n",
            ),
            format!("--{boundary}--\r\n"),
        ]
        .concat();
        let a = upload(
            &h,
            "/orgs/acme/batch",
            &format!("multipart/form-data; boundary={boundary}"),
            body,
        )
        .await;
        a.expect(202);
        let done = finished(&h, &a.header("location").expect("location")).await;
        assert_eq!(done["summary"]["issued"], 1, "{done}");
        assert_eq!(done["results"][0]["recipient"], "cy@example.org", "{done}");
    }
}

#[tokio::test]
async fn bad_uploads_are_refused_with_what_is_wrong() {
    let h = Harness::open(
        &crate::harness::Storage::sqlite(),
        crate::harness::PUBLIC_URL,
        Default::default(),
    )
    .await;
    // No key, a key without the issue scope.
    let req = Request::builder()
        .method(Method::POST)
        .uri("/orgs/acme/batch")
        .header("content-type", "text/csv")
        .body(Body::from(CSV))
        .expect("request");
    h.send(with_peer(req)).await.problem(401);
    let req = Request::builder()
        .method(Method::POST)
        .uri("/orgs/acme/batch")
        .header("authorization", format!("Bearer {}", h.keys.read))
        .header("content-type", "text/csv")
        .body(Body::from(CSV))
        .expect("request");
    h.send(with_peer(req)).await.problem(403);
    for (path, body, says) in [
        ("/orgs/acme/batch", "", "the file is empty"),
        (
            "/orgs/acme/batch",
            "name,email\nAna,ana@example.org\n",
            "column",
        ),
        (
            "/orgs/acme/batch?format=pdf",
            CSV,
            "format \"pdf\" is not known",
        ),
        ("/orgs/acme/batch?claimDays=400", CSV, "claimDays"),
        (
            "/orgs/acme/batch?preset=canvas-gradebook",
            CSV,
            "needs achievement",
        ),
        (
            "/orgs/acme/batch?preset=blackboard&achievement=x",
            CSV,
            "preset \"blackboard\" is not known",
        ),
        (
            "/orgs/acme/batch?deliver=maybe",
            CSV,
            "deliver is true or false",
        ),
        ("/orgs/acme/batch?format=oneroster", CSV, "three files"),
    ] {
        let p = upload(&h, path, "text/csv", body).await.problem(422);
        assert!(
            p["detail"].as_str().is_some_and(|d| d.contains(says)),
            "{path}: {p}"
        );
    }
    upload(&h, "/orgs/nobody/batch", "text/csv", CSV)
        .await
        .problem(404);
    get(&h, "/orgs/acme/batch/b_nothing").await.problem(404);
}
