//! Operations: health, readiness, metrics, the OpenAPI document and docs page, DID documents,
//! key rotation, problem details for unknown routes.

use axum::http::Method;
use ler_server::admin;
use serde_json::{Value, json};

use crate::harness::Harness;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_readiness_and_metrics() {
    for (_s, h) in Harness::all().await {
        h.get("/healthz").await.expect(200);
        h.get("/readyz").await.expect(200);
        let vc = h.issue().await;
        h.verify(&vc).await;
        h.set_status(vc["id"].as_str().expect("id"), "revocation", true)
            .await
            .expect(200);
        h.verify(&vc).await;
        let a = h.get("/metrics").await;
        a.expect(200);
        assert!(
            a.header("content-type")
                .is_some_and(|t| t.starts_with("text/plain"))
        );
        let text = String::from_utf8_lossy(&a.bytes).to_string();
        for needle in [
            "ler_http_requests_total{route=\"/credentials/issue\",method=\"POST\",status=\"201\"} 1",
            "ler_http_requests_total{route=\"/credentials/verify\",method=\"POST\",status=\"422\"} 1",
            "ler_http_request_duration_seconds_bucket{route=\"/credentials/verify\",le=\"+Inf\"} 2",
            "ler_credentials_issued_total 1",
            "ler_credentials_verified_total{verified=\"true\"} 1",
            "ler_credentials_verified_total{verified=\"false\"} 1",
            "ler_credentials_revoked_total 1",
        ] {
            assert!(text.contains(needle), "missing {needle} in\n{text}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openapi_documents_every_route_and_docs_render_it() {
    let (_s, h) = Harness::all().await.into_iter().next().expect("sqlite");
    let a = h.get("/openapi.json").await;
    a.expect(200);
    let doc = a.json();
    assert_eq!(doc["openapi"], "3.0.3");
    assert_eq!(doc["servers"][0]["url"], "http://localhost:8080");
    let routes: &[(&str, &[&str])] = &[
        ("/credentials/issue", &["post"]),
        ("/credentials/status", &["post"]),
        ("/credentials/verify", &["post"]),
        ("/presentations/verify", &["post"]),
        ("/challenges", &["post"]),
        ("/orgs/{slug}/did.json", &["get"]),
        ("/orgs/{slug}/status/{listId}", &["get"]),
        ("/orgs/{slug}/achievements", &["get", "post"]),
        ("/orgs/{slug}/achievements/{id}", &["get", "put", "delete"]),
        ("/orgs/{slug}/issue", &["post"]),
        ("/orgs/{slug}/credentials", &["get"]),
        ("/orgs/{slug}/batch", &["get", "post"]),
        ("/orgs/{slug}/batch/{id}", &["get"]),
        ("/orgs/{slug}/batch/{id}/start", &["post"]),
        ("/login", &["post"]),
        ("/logout", &["post"]),
        ("/healthz", &["get"]),
        ("/readyz", &["get"]),
        ("/metrics", &["get"]),
        ("/openapi.json", &["get"]),
        ("/docs", &["get"]),
        ("/wallet/signup", &["post"]),
        ("/wallet/login", &["post"]),
        ("/wallet/logout", &["post"]),
        ("/wallet/me", &["get", "delete"]),
        ("/wallet/key/export", &["post"]),
        ("/wallet/records", &["get", "post"]),
        ("/wallet/records/{id}", &["get", "delete"]),
        ("/wallet/claim/{token}", &["post"]),
        ("/wallet/grants", &["get", "post"]),
        ("/wallet/grants/{id}/revoke", &["post"]),
        ("/wallet/log", &["get"]),
        ("/wallet/present", &["post"]),
        ("/wallet/export", &["get"]),
        ("/wallet/import", &["post"]),
        ("/wallet/print", &["post"]),
        ("/wallet/print.pdf", &["post"]),
        ("/share/{token}", &["get"]),
        ("/share/{token}/{recordId}", &["get"]),
        ("/orgs/{slug}/grants", &["get"]),
        ("/orgs/{slug}/grants/{id}/records", &["get"]),
        ("/orgs/{slug}/credentials/{id}/claim-link", &["post"]),
        ("/orgs/{slug}/credentials/{id}/claim-link.svg", &["get"]),
        ("/orgs/{slug}/deliver", &["post"]),
        ("/ims/ob/v3p0/discovery", &["get"]),
        ("/ims/ob/v3p0/credentials", &["get", "post"]),
        ("/ims/ob/v3p0/profile", &["get", "put"]),
        ("/ims/clr/v2p0/discovery", &["get"]),
        ("/ims/clr/v2p0/credentials", &["get", "post"]),
        ("/ims/clr/v2p0/profile", &["get", "put"]),
        ("/oauth/register", &["post"]),
        ("/oauth/authorize", &["get", "post"]),
        ("/oauth/token", &["post"]),
        ("/oauth/revoke", &["post"]),
        ("/.well-known/oauth-authorization-server", &["get"]),
        ("/orgs/{slug}/webhooks", &["get", "post"]),
        ("/orgs/{slug}/webhooks/{id}", &["delete"]),
        ("/orgs/{slug}/webhooks/{id}/deliveries", &["get"]),
        ("/orgs/{slug}/cbo/frameworks", &["get", "post"]),
        ("/orgs/{slug}/cbo/skills", &["get"]),
        ("/orgs/{slug}/cbo/occupations", &["get", "post"]),
        ("/orgs/{slug}/cbo/programs", &["get", "post"]),
        ("/orgs/{slug}/cbo/programs/{id}", &["get", "put"]),
        ("/orgs/{slug}/cbo/programs/{id}/cohorts/{cohort}", &["put"]),
        (
            "/orgs/{slug}/cbo/programs/{id}/cohorts/{cohort}/participants",
            &["post"],
        ),
        (
            "/orgs/{slug}/cbo/programs/{id}/participants/{participant}",
            &["delete"],
        ),
        ("/orgs/{slug}/cbo/programs/{id}/dashboard", &["get"]),
        ("/orgs/{slug}/cbo/participants", &["get", "post"]),
        ("/orgs/{slug}/cbo/intake", &["post"]),
        ("/orgs/{slug}/cbo/participants/{id}", &["get"]),
        ("/orgs/{slug}/cbo/participants/{id}/corrections", &["post"]),
        ("/orgs/{slug}/cbo/participants/{id}/plan", &["get", "post"]),
        (
            "/orgs/{slug}/cbo/participants/{id}/progress",
            &["get", "post"],
        ),
        (
            "/orgs/{slug}/cbo/participants/{id}/outcomes",
            &["get", "post"],
        ),
        ("/orgs/{slug}/cbo/reports", &["get"]),
        ("/orgs/{slug}/cbo/reports/{program}", &["get"]),
        ("/wallet/programs", &["get"]),
        ("/wallet/programs/consent", &["post"]),
        ("/wallet/programs/outcomes", &["post"]),
    ];
    let paths = doc["paths"].as_object().expect("paths");
    assert_eq!(
        paths.len(),
        routes.len(),
        "every documented path is a route"
    );
    for (path, methods) in routes {
        for m in *methods {
            let op = &doc["paths"][path][m];
            assert!(
                op["operationId"].is_string(),
                "{m} {path} is not documented"
            );
            assert!(op["responses"].is_object(), "{m} {path} has no responses");
        }
    }
    let docs = h.get("/docs").await;
    docs.expect(200);
    let html = String::from_utf8_lossy(&docs.bytes).to_string();
    assert!(html.contains("fetch(\"/openapi.json\")"));
    assert!(
        !html.contains("http://") && !html.contains("https://"),
        "no CDN or external script"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_routes_and_methods_answer_problem_details() {
    let (_s, h) = Harness::all().await.into_iter().next().expect("sqlite");
    h.get("/nothing/here").await.problem(404);
    h.call(Method::GET, "/credentials/issue", None, &[])
        .await
        .problem(405);
    h.get("/orgs/nobody/did.json").await.problem(404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rotation_keeps_old_keys_in_the_did_document() {
    for (_s, h) in Harness::all().await {
        let before = h.issue().await;
        let doc = h.get("/orgs/acme/did.json").await.json();
        assert_eq!(doc["id"], h.org.did);
        assert_eq!(
            doc["assertionMethod"],
            json!([format!("{}#key-1", h.org.did)])
        );
        let rotated = admin::rotate_key(&h.state.store, &h.state.kek, "acme", h.state.now())
            .await
            .expect("rotate");
        assert_eq!(rotated.fragment, "key-2");
        let doc = h.get("/orgs/acme/did.json").await.json();
        let methods: Vec<&str> = doc["verificationMethod"]
            .as_array()
            .expect("methods")
            .iter()
            .filter_map(|m| m["id"].as_str())
            .collect();
        assert_eq!(
            methods,
            vec![
                format!("{}#key-1", h.org.did),
                format!("{}#key-2", h.org.did)
            ]
        );
        let after = h.issue().await;
        assert_eq!(
            after["proof"]["verificationMethod"],
            format!("{}#key-2", h.org.did)
        );
        for vc in [&before, &after] {
            let (status, report) = h.verify(vc).await;
            assert_eq!(status, 200, "{report}");
        }
        // Status lists are re-signed with the new key.
        let url = before["credentialStatus"]["statusListCredential"]
            .as_str()
            .expect("url");
        let list: Value = h
            .get(url.strip_prefix("http://localhost:8080").expect("local"))
            .await
            .json();
        assert_eq!(
            list["proof"]["verificationMethod"],
            format!("{}#key-2", h.org.did)
        );
    }
}
