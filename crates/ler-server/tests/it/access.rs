//! Access: API key scopes, staff sign-in with cookies and CSRF, rate limits, body limits.

use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Method, Request};
use ler_server::{Limits, TrustedProxies, admin};
use serde_json::json;

use crate::harness::{Harness, PUBLIC_URL, Storage};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_key_scopes_are_enforced() {
    for (_s, h) in Harness::all().await {
        let body = json!({"credential": h.credential()});
        h.post("/credentials/issue", "", &body).await.problem(401);
        let p = h
            .post("/credentials/issue", "ler_not-a-key", &body)
            .await
            .problem(401);
        assert!(
            p["detail"]
                .as_str()
                .is_some_and(|d| d.contains("not valid"))
        );
        h.post("/credentials/issue", &h.keys.revoke, &body)
            .await
            .problem(403);
        h.post("/credentials/issue", &h.keys.read, &body)
            .await
            .problem(403);
        let vc = h.issue().await;
        let id = vc["id"].as_str().expect("id");
        let status = json!({
            "credentialId": id,
            "credentialStatus": {"statusPurpose": "revocation"},
            "status": true
        });
        // An issue key cannot revoke; no key is 401.
        h.post("/credentials/status", &h.keys.issue, &status)
            .await
            .problem(403);
        h.post("/credentials/status", "", &status)
            .await
            .problem(401);
        h.post("/credentials/status", &h.keys.revoke, &status)
            .await
            .expect(200);
        // Listing needs read.
        let list = |key: String| {
            let auth = format!("Bearer {key}");
            let h = &h;
            async move {
                h.call(
                    Method::GET,
                    "/orgs/acme/credentials",
                    None,
                    &[("authorization", &auth)],
                )
                .await
            }
        };
        list(h.keys.issue.clone()).await.problem(403);
        let a = list(h.keys.read.clone()).await;
        a.expect(200);
        assert_eq!(a.json()["credentials"][0]["revoked"], true);
        h.get("/orgs/acme/credentials").await.problem(401);
        // A revoked key authenticates nothing.
        let (key, record) =
            admin::create_api_key(&h.state.store, "acme", &[ler_store::Scope::Issue], 1)
                .await
                .expect("key");
        h.post("/credentials/issue", &key, &body).await.expect(201);
        h.state
            .store
            .revoke_api_key(record.id)
            .await
            .expect("revoke key");
        h.post("/credentials/issue", &key, &body).await.problem(401);
        assert!(key.starts_with(admin::API_KEY_PREFIX));
        assert_eq!(record.prefix, key.chars().take(12).collect::<String>());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_of_one_organization_do_not_work_for_another() {
    for (_s, h) in Harness::all().await {
        let now = h.state.now();
        admin::create_org(
            &h.state.store,
            &h.state.kek,
            &h.state.public_url,
            "other",
            "Other",
            now,
        )
        .await
        .expect("org");
        let achievement = json!({"name": "A", "description": "B", "criteria": {"narrative": "C"}});
        h.post("/orgs/other/achievements", &h.keys.all, &achievement)
            .await
            .problem(403);
        let mut c = h.credential();
        c["issuer"] = json!(h.state.public_url.org_did("other"));
        h.post("/credentials/issue", &h.keys.all, &json!({"credential": c}))
            .await
            .problem(400);
    }
}

/// Signs in and returns (cookie pair, CSRF token, Set-Cookie header).
async fn sign_in(h: &Harness, email: &str, password: &str) -> (String, String, String) {
    let a = h
        .post("/login", "", &json!({"email": email, "password": password}))
        .await;
    a.expect(200);
    let set_cookie = a.header("set-cookie").expect("cookie");
    let pair = set_cookie.split(';').next().expect("pair").to_string();
    let csrf = a.json()["csrfToken"].as_str().expect("csrf").to_string();
    (pair, csrf, set_cookie)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cookie_sessions_need_the_csrf_token_to_change_anything() {
    for (_s, h) in Harness::all().await {
        admin::create_user(
            &h.state.store,
            "acme",
            "Staff@Acme.example",
            "correct horse battery",
            "staff",
            1,
        )
        .await
        .expect("user");
        h.post(
            "/login",
            "",
            &json!({"email": "staff@acme.example", "password": "wrong password!"}),
        )
        .await
        .problem(401);
        h.post(
            "/login",
            "",
            &json!({"email": "nobody@acme.example", "password": "wrong password!"}),
        )
        .await
        .problem(401);
        let (cookie, csrf, set_cookie) =
            sign_in(&h, "STAFF@acme.example", "correct horse battery").await;
        assert!(set_cookie.contains("HttpOnly"), "{set_cookie}");
        assert!(set_cookie.contains("SameSite=Lax"), "{set_cookie}");
        assert!(!set_cookie.contains("Secure"), "plain http: {set_cookie}");

        let achievement =
            json!({"name": "Welding I", "description": "MIG", "criteria": {"narrative": "Pass"}});
        let body = Some(&achievement);
        h.call(
            Method::POST,
            "/orgs/acme/achievements",
            body,
            &[("cookie", &cookie)],
        )
        .await
        .problem(403);
        h.call(
            Method::POST,
            "/orgs/acme/achievements",
            body,
            &[("cookie", &cookie), ("x-csrf-token", "wrong")],
        )
        .await
        .problem(403);
        h.call(
            Method::POST,
            "/orgs/acme/achievements",
            body,
            &[("cookie", &cookie), ("x-csrf-token", &csrf)],
        )
        .await
        .expect(201);
        // Reading needs no CSRF token.
        h.call(
            Method::GET,
            "/orgs/acme/credentials",
            None,
            &[("cookie", &cookie)],
        )
        .await
        .expect(200);
        // Sign out: a form post with the csrf field; the session then ends.
        let req = axum::http::Request::builder()
            .method("POST")
            .uri("/logout")
            .header("cookie", &cookie)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(axum::body::Body::from(format!("csrf={csrf}")))
            .expect("request");
        h.send(req).await.expect(200);
        h.call(
            Method::GET,
            "/orgs/acme/credentials",
            None,
            &[("cookie", &cookie)],
        )
        .await
        .problem(401);
        // A form sign-in works too.
        let req = axum::http::Request::builder()
            .method("POST")
            .uri("/login")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(axum::body::Body::from(
                "email=staff%40acme.example&password=correct+horse+battery",
            ))
            .expect("request");
        h.send(req).await.expect(200);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn session_cookies_are_secure_over_https() {
    let storage = Storage::sqlite();
    let h = Harness::open(&storage, "https://creds.example.org", Limits::default()).await;
    admin::create_user(
        &h.state.store,
        "acme",
        "staff@acme.example",
        "correct horse battery",
        "admin",
        1,
    )
    .await
    .expect("user");
    let (_, _, set_cookie) = sign_in(&h, "staff@acme.example", "correct horse battery").await;
    assert!(set_cookie.contains("; Secure"), "{set_cookie}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_and_verify_are_rate_limited() {
    let storage = Storage::sqlite();
    let limits = Limits {
        login_per_minute: 0.01,
        login_burst: 3.0,
        verify_per_second: 0.001,
        verify_burst: 2.0,
    };
    let h = Harness::open(&storage, PUBLIC_URL, limits).await;
    let login = json!({"email": "x@acme.example", "password": "nope nope nope"});
    for _ in 0..3 {
        h.post("/login", "", &login).await.problem(401);
    }
    let p = h.post("/login", "", &login).await.problem(429);
    assert!(p["detail"].as_str().is_some());
    let body = json!({"verifiableCredential": {}});
    for _ in 0..2 {
        h.post("/credentials/verify", "", &body).await.expect(422);
    }
    let a = h.post("/credentials/verify", "", &body).await;
    a.problem(429);
    assert!(a.header("retry-after").is_some());
    h.post("/presentations/verify", "", &body)
        .await
        .problem(429);
    // Other endpoints are not limited.
    h.get("/healthz").await.expect(200);
}

/// A `POST /login` with a wrong password from `peer`, with this `X-Forwarded-For` (if any).
async fn login_from(h: &Harness, peer: [u8; 4], forwarded_for: Option<&str>) -> u16 {
    let body = json!({"email": "x@acme.example", "password": "nope nope nope"});
    let mut b = Request::builder()
        .method(Method::POST)
        .uri("/login")
        .header("content-type", "application/json");
    if let Some(xff) = forwarded_for {
        b = b.header("x-forwarded-for", xff);
    }
    let mut req = b.body(Body::from(body.to_string())).expect("request");
    req.extensions_mut()
        .insert(ConnectInfo(SocketAddr::from((peer, 40000))));
    h.send(req).await.status.as_u16()
}

/// The harness with `proxies` trusted.
fn trusting(mut h: Harness, proxies: &[&str]) -> Harness {
    let proxies = TrustedProxies::parse(proxies.iter().copied(), "the test").expect("proxies");
    h.state = h.state.clone().with_trusted_proxies(proxies);
    h.router = ler_server::router(h.state.clone());
    h
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clients_behind_a_trusted_proxy_get_their_own_login_buckets() {
    let storage = Storage::sqlite();
    let limits = Limits {
        login_per_minute: 0.01,
        login_burst: 2.0,
        ..Limits::default()
    };
    let h = Harness::open(&storage, PUBLIC_URL, limits).await;
    let h = trusting(h, &["10.0.0.0/8"]);
    let proxy = [10, 0, 0, 2];
    for _ in 0..2 {
        assert_eq!(login_from(&h, proxy, Some("203.0.113.1")).await, 401);
    }
    assert_eq!(login_from(&h, proxy, Some("203.0.113.1")).await, 429);
    // Another client behind the same proxy has a bucket of its own.
    assert_eq!(login_from(&h, proxy, Some("203.0.113.2")).await, 401);
    // The first client cannot name the second to get in: the proxy appends its real address.
    assert_eq!(
        login_from(&h, proxy, Some("203.0.113.2, 203.0.113.1")).await,
        429
    );
    // Behind a second trusted proxy, the same client is the same bucket.
    assert_eq!(
        login_from(&h, proxy, Some("203.0.113.1, 10.9.9.9")).await,
        429
    );
    // The proxy's own bucket is untouched by its clients.
    assert_eq!(login_from(&h, proxy, None).await, 401);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_untrusted_peer_cannot_pick_its_bucket_with_forwarded_for() {
    let storage = Storage::sqlite();
    let limits = Limits {
        login_per_minute: 0.01,
        login_burst: 2.0,
        ..Limits::default()
    };
    let h = Harness::open(&storage, PUBLIC_URL, limits).await;
    let h = trusting(h, &["10.0.0.0/8"]);
    let peer = [192, 0, 2, 50];
    assert_eq!(login_from(&h, peer, Some("198.51.100.1")).await, 401);
    assert_eq!(login_from(&h, peer, Some("198.51.100.2")).await, 401);
    assert_eq!(
        login_from(&h, peer, Some("198.51.100.3")).await,
        429,
        "every claimed address shares the peer's bucket"
    );
    assert_eq!(login_from(&h, peer, None).await, 429);
    // The addresses it claimed were not charged: a client really there still has its bucket.
    assert_eq!(
        login_from(&h, [10, 0, 0, 2], Some("198.51.100.1")).await,
        401
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_console_sign_in_is_limited_per_client_behind_a_trusted_proxy() {
    let storage = Storage::sqlite();
    let limits = Limits {
        login_per_minute: 0.01,
        login_burst: 1.0,
        ..Limits::default()
    };
    let h = Harness::open(&storage, PUBLIC_URL, limits).await;
    let h = trusting(h, &["127.0.0.1"]);
    let form = "email=x%40acme.example&password=nope+nope+nope&next=%2Fconsole";
    let page = |xff: &str| {
        let mut req = Request::builder()
            .method(Method::POST)
            .uri("/console/login")
            .header("content-type", "application/x-www-form-urlencoded")
            .header("x-forwarded-for", xff)
            .body(Body::from(form))
            .expect("request");
        req.extensions_mut()
            .insert(ConnectInfo(SocketAddr::from(([127, 0, 0, 1], 40000))));
        h.send(req)
    };
    let text = |a: &crate::harness::Answer| String::from_utf8_lossy(&a.bytes).into_owned();
    let wrong = "Wrong email or password.";
    let too_many = "Too many attempts.";
    assert!(text(&page("203.0.113.1").await).contains(wrong));
    assert!(text(&page("203.0.113.1").await).contains(too_many));
    assert!(
        text(&page("203.0.113.2").await).contains(wrong),
        "a second client behind the proxy signs in on its own bucket"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bodies_over_the_limit_answer_413() {
    let storage = Storage::sqlite();
    let h = Harness::open(&storage, PUBLIC_URL, Limits::default()).await;
    let big = |n: usize| json!({"credential": {"padding": "x".repeat(n)}});
    let p = h
        .post("/credentials/issue", &h.keys.issue, &big(1024 * 1024 + 10))
        .await
        .problem(413);
    assert_eq!(p["title"], "payload too large");
    // Verify takes up to 2 MB …
    let mid = json!({"verifiableCredential": {"padding": "x".repeat(1536 * 1024)}});
    h.post("/credentials/verify", "", &mid).await.expect(422);
    // … and no more.
    let huge = json!({"verifiableCredential": {"padding": "x".repeat(2 * 1024 * 1024 + 10)}});
    h.post("/credentials/verify", "", &huge).await.problem(413);
}
