//! The organization API: achievements CRUD with skill alignments, "achievement X to recipient
//! Y", and listing and searching issued credentials.

use axum::http::Method;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::harness::{Harness, check};

fn welding() -> Value {
    json!({
        "type": ["Achievement"],
        "name": "Welding I",
        "description": "Basic MIG welding on mild steel.",
        "criteria": {"narrative": "Pass the practical test."},
        "achievementType": "Certificate",
        "alignment": [{
            "type": ["Alignment"],
            "targetName": "Gas metal arc welding",
            "targetUrl": "https://example.org/skills/gmaw",
            "targetType": "ceasn:Competency",
            "targetCode": "51-4121.00",
            "targetFramework": "O*NET-SOC"
        }]
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn achievements_crud_with_alignments() {
    for (_s, h) in Harness::all().await {
        let key = format!("Bearer {}", h.keys.issue);
        let auth = [("authorization", key.as_str())];
        let a = h
            .post("/orgs/acme/achievements", &h.keys.issue, &welding())
            .await;
        a.expect(201);
        let created = a.json();
        let url = created["id"].as_str().expect("id").to_string();
        assert!(
            url.starts_with("http://localhost:8080/orgs/acme/achievements/"),
            "{url}"
        );
        assert_eq!(created["alignment"][0]["targetCode"], "51-4121.00");
        let local = url.rsplit('/').next().expect("local id").to_string();
        let path = format!("/orgs/acme/achievements/{local}");
        // Public read, list.
        assert_eq!(h.get(&path).await.json(), created);
        let list = h.get("/orgs/acme/achievements").await;
        list.expect(200);
        assert_eq!(
            list.json()["achievements"].as_array().map(Vec::len),
            Some(1)
        );
        // Replace.
        let mut changed = welding();
        changed["name"] = json!("Welding I (2026)");
        let a = h.call(Method::PUT, &path, Some(&changed), &auth).await;
        a.expect(200);
        assert_eq!(h.get(&path).await.json()["name"], "Welding I (2026)");
        // Create with a chosen id.
        let a = h
            .call(
                Method::PUT,
                "/orgs/acme/achievements/forklift-1",
                Some(&welding()),
                &auth,
            )
            .await;
        a.expect(201);
        h.call(
            Method::PUT,
            "/orgs/acme/achievements/bad%20id",
            Some(&welding()),
            &auth,
        )
        .await
        .problem(400);
        // Invalid achievements: no criteria, a bad alignment.
        let mut bad = welding();
        bad.as_object_mut().expect("object").remove("criteria");
        let p = h
            .post("/orgs/acme/achievements", &h.keys.issue, &bad)
            .await
            .problem(422);
        assert!(
            p["detail"]
                .as_str()
                .is_some_and(|d| d.contains("$.criteria") || d.contains("criteria")),
            "{p}"
        );
        let mut bad = welding();
        bad["alignment"] = json!([{"targetName": "x"}]);
        h.post("/orgs/acme/achievements", &h.keys.issue, &bad)
            .await
            .problem(422);
        let mut bad = welding();
        bad["id"] = json!("https://elsewhere.example/a");
        h.post("/orgs/acme/achievements", &h.keys.issue, &bad)
            .await
            .problem(422);
        // Scopes: reading keys cannot write.
        h.post("/orgs/acme/achievements", &h.keys.read, &welding())
            .await
            .problem(403);
        h.post("/orgs/acme/achievements", "", &welding())
            .await
            .problem(401);
        // Delete.
        h.call(Method::DELETE, &path, None, &auth).await.expect(204);
        h.call(Method::DELETE, &path, None, &auth)
            .await
            .problem(404);
        h.get(&path).await.problem(404);
        h.get("/orgs/nobody/achievements").await.problem(404);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue_achievement_to_an_email_recipient_and_search() {
    for (_s, h) in Harness::all().await {
        let created = h
            .post("/orgs/acme/achievements", &h.keys.issue, &welding())
            .await
            .json();
        let local = created["id"]
            .as_str()
            .and_then(|u| u.rsplit('/').next())
            .expect("id")
            .to_string();
        let a = h
            .post(
                "/orgs/acme/issue",
                &h.keys.issue,
                &json!({"achievementId": local, "recipient": {"email": "Sam@Example.org", "name": "Sam Learner"}}),
            )
            .await;
        a.expect(201);
        let vc = a.json()["verifiableCredential"].clone();
        assert_eq!(vc["type"][1], "OpenBadgeCredential");
        assert_eq!(vc["issuer"]["id"], h.org.did);
        assert_eq!(vc["issuer"]["name"], "Acme College");
        assert_eq!(vc["credentialSubject"]["achievement"]["id"], created["id"]);
        let idobj = &vc["credentialSubject"]["identifier"][0];
        assert_eq!(idobj["hashed"], true);
        assert_eq!(idobj["identityType"], "emailAddress");
        let salt = idobj["salt"].as_str().expect("salt");
        let digest: String = Sha256::digest(format!("sam@example.org{salt}").as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(idobj["identityHash"], format!("sha256${digest}"));
        assert!(
            !vc.to_string().contains("Sam@Example.org"),
            "the email is never in the clear"
        );
        let (status, report) = h.verify(&vc).await;
        assert_eq!(status, 200, "{report}");
        assert_eq!(
            check(&report, "format").map(|c| c.0),
            Some("passed"),
            "{report}"
        );

        // A DID recipient.
        h.post(
            "/orgs/acme/issue",
            &h.keys.issue,
            &json!({"achievementId": local, "recipient": {"id": "did:example:alex"}}),
        )
        .await
        .expect(201);
        // Refusals.
        h.post(
            "/orgs/acme/issue",
            &h.keys.issue,
            &json!({"achievementId": "nope", "recipient": {"id": "did:example:a"}}),
        )
        .await
        .problem(422);
        h.post(
            "/orgs/acme/issue",
            &h.keys.issue,
            &json!({"achievementId": local, "recipient": {"name": "No Id"}}),
        )
        .await
        .problem(422);
        h.post(
            "/orgs/acme/issue",
            &h.keys.issue,
            &json!({"achievementId": local}),
        )
        .await
        .problem(400);
        h.post(
            "/orgs/acme/issue",
            &h.keys.read,
            &json!({"achievementId": local, "recipient": {"id": "did:example:a"}}),
        )
        .await
        .problem(403);

        // List and search.
        let key = format!("Bearer {}", h.keys.read);
        let auth = [("authorization", key.as_str())];
        let all = h
            .call(Method::GET, "/orgs/acme/credentials", None, &auth)
            .await;
        all.expect(200);
        assert_eq!(all.json()["credentials"].as_array().map(Vec::len), Some(2));
        let found = h
            .call(Method::GET, "/orgs/acme/credentials?q=alex", None, &auth)
            .await
            .json();
        let items = found["credentials"].as_array().expect("items");
        assert_eq!(items.len(), 1, "{found}");
        assert_eq!(items[0]["achievementId"], local);
        let page = h
            .call(
                Method::GET,
                "/orgs/acme/credentials?limit=1&offset=1",
                None,
                &auth,
            )
            .await
            .json();
        assert_eq!(page["credentials"].as_array().map(Vec::len), Some(1));
        assert_eq!(page["limit"], 1);
    }
}
