//! The 1EdTech Open Badges 3.0 and CLR 2.0 APIs and their OAuth 2.0 server: discovery,
//! dynamic registration, authorization code with PKCE through the holder's consent, tokens,
//! refresh (rotation, replay), revocation, the status codes as `Imsx_StatusInfo`, upsert
//! (201, then 200), pagination with `limit`, `offset`, `since` and its headers, profiles —
//! on SQLite and, when configured, PostgreSQL.

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Method, Request};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use ler_crypto::KeyPair;
use ler_jsonld::Documents;
use ler_proof::{Cryptosuite, Purpose, SignOptions};
use ler_server::Limits;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use tower::ServiceExt;

use crate::harness::{Answer, Harness, PUBLIC_URL, Storage};

const OB3: &str = include_str!("../../../../fixtures/ob3-achievement.json");
const CLR: &str = include_str!("../../../../fixtures/clr.json");
const REDIRECT: &str = "https://client.example/cb";
const OB: &str = "https://purl.imsglobal.org/spec/ob/v3p0/scope/";
const CLR_SCOPE: &str = "https://purl.imsglobal.org/spec/clr/v2p0/scope/";
const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk-long-enough";

fn ob(scope: &str) -> String {
    format!("{OB}{scope}")
}

fn all_scopes() -> String {
    let mut s: Vec<String> = [
        "credential.readonly",
        "credential.upsert",
        "profile.readonly",
        "profile.update",
    ]
    .iter()
    .flat_map(|n| [format!("{OB}{n}"), format!("{CLR_SCOPE}{n}")])
    .collect();
    s.push("offline_access".into());
    s.join(" ")
}

fn challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// A service with no limit on sign-ins and registrations (tests make many).
async fn service(storage: &Storage) -> Harness {
    let limits = Limits {
        login_per_minute: 0.0,
        ..Limits::default()
    };
    Harness::open(storage, PUBLIC_URL, limits).await
}

async fn all() -> Vec<(Storage, Harness)> {
    let mut out = Vec::new();
    for storage in Storage::all().await {
        let h = service(&storage).await;
        out.push((storage, h));
    }
    out
}

/// Sends a request with these headers and an optional raw body.
async fn send(
    h: &Harness,
    method: Method,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<(&str, Vec<u8>)>,
) -> Answer {
    let mut b = Request::builder().method(method).uri(path);
    for (k, v) in headers {
        b = b.header(*k, *v);
    }
    let body = match body {
        Some((content_type, bytes)) => {
            b = b.header("content-type", content_type);
            Body::from(bytes)
        }
        None => Body::empty(),
    };
    let mut req = b.body(body).expect("request");
    req.extensions_mut()
        .insert(ConnectInfo(std::net::SocketAddr::from((
            [127, 0, 0, 1],
            40000,
        ))));
    let res = h.router.clone().oneshot(req).await.expect("infallible");
    let status = res.status();
    let headers = res.headers().clone();
    let bytes = axum::body::to_bytes(res.into_body(), usize::MAX)
        .await
        .expect("body")
        .to_vec();
    Answer {
        status,
        headers,
        bytes,
    }
}

fn form(pairs: &[(&str, &str)]) -> Vec<u8> {
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
        .collect::<Vec<_>>()
        .join("&")
        .into_bytes()
}

fn enc(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// The value of a query parameter in a URL.
fn param(url: &str, name: &str) -> Option<String> {
    let query = url.split_once('?')?.1;
    query.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=')?;
        (k == name).then(|| {
            let mut out = Vec::new();
            let b = v.as_bytes();
            let mut i = 0;
            while i < b.len() {
                if b[i] == b'%' && i + 2 < b.len() + 1 {
                    out.push(u8::from_str_radix(&v[i + 1..i + 3], 16).expect("hex"));
                    i += 3;
                } else {
                    out.push(b[i]);
                    i += 1;
                }
            }
            String::from_utf8(out).expect("utf-8")
        })
    })
}

/// A registered client.
struct Client {
    id: String,
    secret: String,
}

impl Client {
    fn basic(&self) -> String {
        format!(
            "Basic {}",
            STANDARD.encode(format!("{}:{}", self.id, self.secret))
        )
    }
}

fn registration() -> Value {
    json!({
        "client_name": "Example HR System",
        "client_uri": "https://client.example/",
        "logo_uri": "https://client.example/logo.png",
        "tos_uri": "https://client.example/terms",
        "policy_uri": "https://client.example/privacy",
        "software_id": "c88b6ed8-269e-448e-99be-7e2ff47167d1",
        "software_version": "1.0.0",
        "redirect_uris": [REDIRECT],
        "token_endpoint_auth_method": "client_secret_basic",
        "grant_types": ["authorization_code", "refresh_token"],
        "response_types": ["code"],
        "scope": all_scopes(),
    })
}

async fn register(h: &Harness) -> Client {
    let a = h.post("/oauth/register", "", &registration()).await;
    a.expect(201);
    let body = a.json();
    Client {
        id: body["client_id"].as_str().expect("client_id").to_owned(),
        secret: body["client_secret"]
            .as_str()
            .expect("client_secret")
            .to_owned(),
    }
}

/// A signed-in wallet holder.
struct Holder {
    cookie: String,
    csrf: String,
    did: String,
}

async fn signup(h: &Harness, email: &str) -> Holder {
    let a = h
        .post(
            "/wallet/signup",
            "",
            &json!({"email": email, "password": "correct horse battery"}),
        )
        .await;
    a.expect(201);
    let body = a.json();
    Holder {
        cookie: a
            .header("set-cookie")
            .expect("cookie")
            .split(';')
            .next()
            .expect("pair")
            .to_owned(),
        csrf: body["csrfToken"].as_str().expect("csrf").to_owned(),
        did: body["did"].as_str().expect("did").to_owned(),
    }
}

fn authorize_url(client: &Client, scope: &str, verifier: &str) -> String {
    format!(
        "/oauth/authorize?response_type=code&client_id={}&redirect_uri={}&scope={}&state=xyz&code_challenge={}&code_challenge_method=S256",
        enc(&client.id),
        enc(REDIRECT),
        enc(scope),
        challenge(verifier)
    )
}

/// The holder consents on the page; the code the client gets back.
async fn consent(
    h: &Harness,
    holder: &Holder,
    client: &Client,
    scope: &str,
    verifier: &str,
) -> String {
    let page = send(
        h,
        Method::GET,
        &authorize_url(client, scope, verifier),
        &[("cookie", &holder.cookie)],
        None,
    )
    .await;
    page.expect(200);
    let html = String::from_utf8_lossy(&page.bytes).to_string();
    assert!(
        html.contains("Allow Example HR System to use your wallet?"),
        "{html}"
    );
    let decided = send(
        h,
        Method::POST,
        "/oauth/authorize",
        &[("cookie", &holder.cookie)],
        Some((
            "application/x-www-form-urlencoded",
            form(&[
                ("client_id", &client.id),
                ("redirect_uri", REDIRECT),
                ("response_type", "code"),
                ("scope", scope),
                ("state", "xyz"),
                ("code_challenge", &challenge(verifier)),
                ("code_challenge_method", "S256"),
                ("csrf", &holder.csrf),
                ("decision", "allow"),
            ]),
        )),
    )
    .await;
    decided.expect(303);
    let location = decided.header("location").expect("location");
    assert!(location.starts_with(REDIRECT), "{location}");
    assert_eq!(param(&location, "state").as_deref(), Some("xyz"));
    param(&location, "code").expect("a code")
}

async fn token_request(h: &Harness, client: &Client, pairs: &[(&str, &str)]) -> Answer {
    let basic = client.basic();
    send(
        h,
        Method::POST,
        "/oauth/token",
        &[("authorization", &basic)],
        Some(("application/x-www-form-urlencoded", form(pairs))),
    )
    .await
}

async fn exchange(h: &Harness, client: &Client, code: &str, verifier: &str) -> Answer {
    token_request(
        h,
        client,
        &[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", REDIRECT),
            ("code_verifier", verifier),
        ],
    )
    .await
}

/// Tokens for `scope`: (access, refresh).
async fn tokens(h: &Harness, holder: &Holder, client: &Client, scope: &str) -> (String, String) {
    let code = consent(h, holder, client, scope, VERIFIER).await;
    let a = exchange(h, client, &code, VERIFIER).await;
    a.expect(200);
    let body = a.json();
    (
        body["access_token"].as_str().expect("access").to_owned(),
        body["refresh_token"].as_str().expect("refresh").to_owned(),
    )
}

async fn api(
    h: &Harness,
    method: Method,
    path: &str,
    token: &str,
    body: Option<(&str, Vec<u8>)>,
) -> Answer {
    let auth = format!("Bearer {token}");
    let headers: Vec<(&str, &str)> = if token.is_empty() {
        vec![]
    } else {
        vec![("authorization", auth.as_str())]
    };
    send(h, method, path, &headers, body).await
}

/// Asserts an `Imsx_StatusInfo` answer with this status and code minor value.
#[track_caller]
fn imsx(a: &Answer, status: u16, minor: &str) {
    a.expect(status);
    assert!(
        a.header("content-type")
            .is_some_and(|t| t.starts_with("application/json")),
        "{:?}",
        a.header("content-type")
    );
    let body = a.json();
    assert_eq!(body["imsx_codeMajor"], "failure", "{body}");
    assert_eq!(body["imsx_severity"], "error");
    assert!(body["imsx_description"].is_string());
    assert_eq!(
        body["imsx_codeMinor"]["imsx_codeMinorField"][0]["imsx_codeMinorFieldValue"], minor,
        "{body}"
    );
}

fn issuer() -> KeyPair {
    KeyPair::from_seed([42; 32])
}

/// A fixture signed by the test issuer's did:key, with `edit` applied first.
fn signed(fixture: &str, edit: impl FnOnce(&mut Value)) -> Value {
    let key = issuer();
    let did = ler_crypto::did_key(&key.public_key());
    let mut doc: Value =
        serde_json::from_str(&fixture.replace("did:key:ISSUER", &did)).expect("fixture");
    edit(&mut doc);
    let opts = SignOptions {
        suite: Cryptosuite::EddsaRdfc2022,
        verification_method: ler_crypto::did_key_verification_method(&key.public_key()),
        created: Some("2026-01-01T00:00:00Z".into()),
        purpose: Purpose::Assertion,
        expires: None,
    };
    ler_proof::sign(&doc, &key, &opts, Documents::embedded()).expect("sign")
}

fn badge(n: u32, valid_from: &str) -> Value {
    signed(OB3, |d| {
        d["id"] = format!("urn:uuid:00000000-0000-4000-8000-{n:012}").into();
        d["validFrom"] = valid_from.into();
    })
}

fn json_body(v: &Value) -> Option<(&'static str, Vec<u8>)> {
    Some(("application/json", v.to_string().into_bytes()))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn discovery_documents_the_oauth_endpoints_and_scopes() {
    let (_s, h) = all().await.into_iter().next().expect("sqlite");
    for (base, prefix) in [("/ims/ob/v3p0", OB), ("/ims/clr/v2p0", CLR_SCOPE)] {
        let a = h.get(&format!("{base}/discovery")).await;
        a.expect(200);
        let doc = a.json();
        assert_eq!(doc["openapi"], "3.0.1");
        for field in [
            "title",
            "version",
            "termsOfService",
            "x-imssf-privacyPolicyUrl",
        ] {
            assert!(doc["info"][field].is_string(), "info.{field}: {doc}");
        }
        assert_eq!(doc["servers"][0]["url"], format!("{PUBLIC_URL}{base}"));
        for path in ["/credentials", "/profile", "/discovery"] {
            assert!(doc["paths"][path].is_object(), "{path}");
        }
        let scheme = &doc["components"]["securitySchemes"]["OAuth2ACG"];
        assert_eq!(scheme["type"], "oauth2");
        assert_eq!(
            scheme["x-imssf-registrationUrl"],
            format!("{PUBLIC_URL}/oauth/register")
        );
        let flow = &scheme["flows"]["authorizationCode"];
        assert_eq!(
            flow["authorizationUrl"],
            format!("{PUBLIC_URL}/oauth/authorize")
        );
        assert_eq!(flow["tokenUrl"], format!("{PUBLIC_URL}/oauth/token"));
        assert_eq!(flow["refreshUrl"], format!("{PUBLIC_URL}/oauth/token"));
        for name in [
            "credential.readonly",
            "credential.upsert",
            "profile.readonly",
            "profile.update",
        ] {
            assert!(
                flow["scopes"][format!("{prefix}{name}")].is_string(),
                "{name} in {base}"
            );
        }
        assert_eq!(
            doc["paths"]["/credentials"]["get"]["security"][0]["OAuth2ACG"][0],
            format!("{prefix}credential.readonly")
        );
    }
    let meta = h.get("/.well-known/oauth-authorization-server").await;
    meta.expect(200);
    assert_eq!(
        meta.json()["code_challenge_methods_supported"],
        json!(["S256"])
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn registration_requires_the_metadata_the_spec_requires() {
    let (_s, h) = all().await.into_iter().next().expect("sqlite");
    let a = h.post("/oauth/register", "", &registration()).await;
    a.expect(201);
    assert_eq!(a.header("cache-control").as_deref(), Some("no-store"));
    let body = a.json();
    for field in ["client_id", "client_secret"] {
        assert!(
            body[field].as_str().is_some_and(|s| s.len() >= 40),
            "{field}"
        );
    }
    assert!(body["client_id_issued_at"].is_i64());
    assert_eq!(body["client_secret_expires_at"], 0);
    assert_eq!(body["redirect_uris"], json!([REDIRECT]));
    assert_eq!(body["scope"], all_scopes());
    assert_eq!(body["client_name"], "Example HR System");
    let refused = |edit: &dyn Fn(&mut Value), error: &str| {
        let mut r = registration();
        edit(&mut r);
        (r, error.to_owned())
    };
    for (request, error) in [
        refused(
            &|r| {
                r.as_object_mut()
                    .map(|o| o.remove("logo_uri"))
                    .map_or((), drop)
            },
            "invalid_client_metadata",
        ),
        refused(
            &|r| {
                r.as_object_mut()
                    .map(|o| o.remove("software_id"))
                    .map_or((), drop)
            },
            "invalid_client_metadata",
        ),
        refused(
            &|r| r["redirect_uris"] = json!(["http://client.example/cb"]),
            "invalid_redirect_uri",
        ),
        refused(
            &|r| r["redirect_uris"] = json!(["https://client.example/cb#frag"]),
            "invalid_redirect_uri",
        ),
        refused(&|r| r["redirect_uris"] = json!([]), "invalid_redirect_uri"),
        refused(
            &|r| r["scope"] = json!("https://example.org/scope/everything"),
            "invalid_client_metadata",
        ),
        refused(
            &|r| r["grant_types"] = json!(["client_credentials"]),
            "invalid_client_metadata",
        ),
        refused(
            &|r| r["token_endpoint_auth_method"] = json!("none"),
            "invalid_client_metadata",
        ),
    ] {
        let a = h.post("/oauth/register", "", &request).await;
        a.expect(400);
        assert_eq!(a.json()["error"], error, "{request}");
    }
    // A native application's loopback redirect is accepted.
    let mut native = registration();
    native["redirect_uris"] = json!(["http://127.0.0.1:7777/callback"]);
    h.post("/oauth/register", "", &native).await.expect(201);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn registration_authorization_token_api_refresh_and_revocation() {
    for (_s, h) in all().await {
        let client = register(&h).await;
        let holder = signup(&h, "ana@mail.example").await;
        let scope = all_scopes();

        // Not signed in: a page that leads to the wallet's sign-in, and back here.
        let page = send(
            &h,
            Method::GET,
            &authorize_url(&client, &scope, VERIFIER),
            &[],
            None,
        )
        .await;
        page.expect(200);
        let html = String::from_utf8_lossy(&page.bytes).to_string();
        assert!(
            html.contains("href=\"/me?next=/oauth/authorize%3F"),
            "{html}"
        );
        // Signed in: the consent page, which cannot be framed.
        let page = send(
            &h,
            Method::GET,
            &authorize_url(&client, &scope, VERIFIER),
            &[("cookie", &holder.cookie)],
            None,
        )
        .await;
        page.expect(200);
        assert_eq!(page.header("x-frame-options").as_deref(), Some("DENY"));
        let html = String::from_utf8_lossy(&page.bytes).to_string();
        assert!(
            html.contains("Read the Open Badges in your wallet"),
            "{html}"
        );
        assert!(html.contains("<html lang=\"en\">") && html.contains("<h1>"));

        // PKCE mismatch: refused, and the code is spent.
        let code = consent(&h, &holder, &client, &scope, VERIFIER).await;
        let wrong = exchange(&h, &client, &code, "x".repeat(43).as_str()).await;
        wrong.expect(400);
        assert_eq!(wrong.json()["error"], "invalid_grant");
        exchange(&h, &client, &code, VERIFIER).await.expect(400);

        // A good exchange, then the same code again: refused, and its tokens revoked.
        let code = consent(&h, &holder, &client, &scope, VERIFIER).await;
        let good = exchange(&h, &client, &code, VERIFIER).await;
        good.expect(200);
        assert_eq!(good.header("cache-control").as_deref(), Some("no-store"));
        let t = good.json();
        assert_eq!(t["token_type"], "Bearer");
        assert_eq!(t["expires_in"], 3600);
        assert_eq!(t["scope"], scope);
        let first = t["access_token"].as_str().expect("access").to_owned();
        api(&h, Method::GET, "/ims/ob/v3p0/credentials", &first, None)
            .await
            .expect(200);
        let reused = exchange(&h, &client, &code, VERIFIER).await;
        reused.expect(400);
        assert_eq!(reused.json()["error"], "invalid_grant");
        imsx(
            &api(&h, Method::GET, "/ims/ob/v3p0/credentials", &first, None).await,
            401,
            "unauthorizedrequest",
        );

        // Other refusals at the token endpoint.
        let code = consent(&h, &holder, &client, &scope, VERIFIER).await;
        let bad_client = Client {
            id: client.id.clone(),
            secret: "wrong".into(),
        };
        let a = exchange(&h, &bad_client, &code, VERIFIER).await;
        a.expect(401);
        assert_eq!(a.json()["error"], "invalid_client");
        assert!(a.header("www-authenticate").is_some());
        let a = token_request(&h, &client, &[("grant_type", "password")]).await;
        a.expect(400);
        assert_eq!(a.json()["error"], "unsupported_grant_type");

        // The API with a fresh grant: upsert (201, then 200), read, profile.
        let (access, refresh) = tokens(&h, &holder, &client, &scope).await;
        let vc = badge(1, "2026-01-01T00:00:00Z");
        let a = api(
            &h,
            Method::POST,
            "/ims/ob/v3p0/credentials",
            &access,
            json_body(&vc),
        )
        .await;
        a.expect(201);
        assert_eq!(a.json(), vc, "the body is the credential sent");
        api(
            &h,
            Method::POST,
            "/ims/ob/v3p0/credentials",
            &access,
            json_body(&vc),
        )
        .await
        .expect(200);
        let list = api(&h, Method::GET, "/ims/ob/v3p0/credentials", &access, None).await;
        list.expect(200);
        assert_eq!(list.header("x-total-count").as_deref(), Some("1"));
        assert_eq!(list.json()["credential"][0]["id"], vc["id"]);
        // It is in the holder's wallet, like an upload.
        let records = send(
            &h,
            Method::GET,
            "/wallet/records",
            &[("cookie", &holder.cookie)],
            None,
        )
        .await;
        records.expect(200);
        assert_eq!(records.json()["count"], 1);
        let profile = api(&h, Method::GET, "/ims/ob/v3p0/profile", &access, None).await;
        profile.expect(200);
        let p = profile.json();
        assert_eq!(p["id"], holder.did);
        assert_eq!(p["type"], json!(["Profile"]));
        assert_eq!(p["email"], "ana@mail.example");
        let put = api(
            &h,
            Method::PUT,
            "/ims/ob/v3p0/profile",
            &access,
            json_body(&json!({"type": "Profile", "id": holder.did, "name": "Ana Díaz", "phone": "111-222-3333"})),
        )
        .await;
        put.expect(200);
        assert_eq!(put.json()["name"], "Ana Díaz");
        let again = api(&h, Method::GET, "/ims/clr/v2p0/profile", &access, None).await;
        again.expect(200);
        assert_eq!(again.json()["phone"], "111-222-3333");
        assert_eq!(
            again.json()["@context"],
            json!(["https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json"])
        );

        // Refresh: new tokens; the replaced refresh token replayed revokes the grant.
        let a = token_request(
            &h,
            &client,
            &[("grant_type", "refresh_token"), ("refresh_token", &refresh)],
        )
        .await;
        a.expect(200);
        let renewed = a.json();
        let access2 = renewed["access_token"].as_str().expect("access").to_owned();
        let refresh2 = renewed["refresh_token"]
            .as_str()
            .expect("refresh")
            .to_owned();
        assert_ne!(refresh2, refresh);
        api(&h, Method::GET, "/ims/ob/v3p0/credentials", &access2, None)
            .await
            .expect(200);
        let replay = token_request(
            &h,
            &client,
            &[("grant_type", "refresh_token"), ("refresh_token", &refresh)],
        )
        .await;
        replay.expect(400);
        assert_eq!(replay.json()["error"], "invalid_grant");
        imsx(
            &api(&h, Method::GET, "/ims/ob/v3p0/credentials", &access2, None).await,
            401,
            "unauthorizedrequest",
        );
        token_request(
            &h,
            &client,
            &[
                ("grant_type", "refresh_token"),
                ("refresh_token", &refresh2),
            ],
        )
        .await
        .expect(400);

        // Revocation (RFC 7009): the access token alone, then the refresh token with its grant.
        let (access, refresh) = tokens(&h, &holder, &client, &scope).await;
        let basic = client.basic();
        let revoke = |token: String| {
            let basic = basic.clone();
            let h = &h;
            async move {
                send(
                    h,
                    Method::POST,
                    "/oauth/revoke",
                    &[("authorization", &basic)],
                    Some((
                        "application/x-www-form-urlencoded",
                        form(&[("token", &token)]),
                    )),
                )
                .await
            }
        };
        revoke(access.clone()).await.expect(200);
        imsx(
            &api(&h, Method::GET, "/ims/ob/v3p0/credentials", &access, None).await,
            401,
            "unauthorizedrequest",
        );
        revoke("never-issued".into()).await.expect(200);
        revoke(refresh.clone()).await.expect(200);
        token_request(
            &h,
            &client,
            &[("grant_type", "refresh_token"), ("refresh_token", &refresh)],
        )
        .await
        .expect(400);
        let unauthenticated = send(
            &h,
            Method::POST,
            "/oauth/revoke",
            &[],
            Some((
                "application/x-www-form-urlencoded",
                form(&[("token", &refresh)]),
            )),
        )
        .await;
        unauthenticated.expect(401);

        // Denying: the client hears access_denied.
        let denied = send(
            &h,
            Method::POST,
            "/oauth/authorize",
            &[("cookie", &holder.cookie)],
            Some((
                "application/x-www-form-urlencoded",
                form(&[
                    ("client_id", &client.id),
                    ("redirect_uri", REDIRECT),
                    ("response_type", "code"),
                    ("scope", &scope),
                    ("state", "s1"),
                    ("code_challenge", &challenge(VERIFIER)),
                    ("code_challenge_method", "S256"),
                    ("csrf", &holder.csrf),
                    ("decision", "deny"),
                ]),
            )),
        )
        .await;
        denied.expect(303);
        let location = denied.header("location").expect("location");
        assert_eq!(param(&location, "error").as_deref(), Some("access_denied"));
        assert_eq!(param(&location, "state").as_deref(), Some("s1"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn authorization_requests_are_checked_before_anything_is_shown() {
    let (_s, h) = all().await.into_iter().next().expect("sqlite");
    let client = register(&h).await;
    let holder = signup(&h, "ben@mail.example").await;
    let cookie = [("cookie", holder.cookie.as_str())];
    // An unknown client or an unregistered redirect URI: told on a page, never redirected.
    let unknown = authorize_url(
        &Client {
            id: "nobody".into(),
            secret: String::new(),
        },
        &ob("credential.readonly"),
        VERIFIER,
    );
    let a = send(&h, Method::GET, &unknown, &cookie, None).await;
    a.expect(400);
    assert!(a.header("location").is_none());
    let elsewhere = authorize_url(&client, &ob("credential.readonly"), VERIFIER)
        .replace(&enc(REDIRECT), &enc("https://attacker.example/cb"));
    let a = send(&h, Method::GET, &elsewhere, &cookie, None).await;
    a.expect(400);
    assert!(a.header("location").is_none());
    // Without PKCE, with plain PKCE, or with an unregistered scope: back to the client.
    let base = authorize_url(&client, &ob("credential.readonly"), VERIFIER);
    for (url, error) in [
        (
            base.replace(
                "&code_challenge_method=S256",
                "&code_challenge_method=plain",
            ),
            "invalid_request",
        ),
        (
            base.split("&code_challenge=")
                .next()
                .expect("url")
                .to_owned(),
            "invalid_request",
        ),
        (
            base.replace(
                &enc(&ob("credential.readonly")),
                &enc("https://example.org/other"),
            ),
            "invalid_scope",
        ),
        (
            base.replace("response_type=code", "response_type=token"),
            "unsupported_response_type",
        ),
    ] {
        let a = send(&h, Method::GET, &url, &cookie, None).await;
        a.expect(303);
        let location = a.header("location").expect("location");
        assert!(location.starts_with(REDIRECT), "{location}");
        assert_eq!(param(&location, "error").as_deref(), Some(error), "{url}");
        assert_eq!(param(&location, "state").as_deref(), Some("xyz"));
    }
    // A consent without the session's CSRF token is refused.
    let a = send(
        &h,
        Method::POST,
        "/oauth/authorize",
        &cookie,
        Some((
            "application/x-www-form-urlencoded",
            form(&[
                ("client_id", &client.id),
                ("redirect_uri", REDIRECT),
                ("response_type", "code"),
                ("scope", &ob("credential.readonly")),
                ("code_challenge", &challenge(VERIFIER)),
                ("code_challenge_method", "S256"),
                ("decision", "allow"),
            ]),
        )),
    )
    .await;
    a.expect(403);
    assert!(a.header("location").is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_status_codes_are_imsx_status_info() {
    for (_s, h) in all().await {
        let client = register(&h).await;
        let holder = signup(&h, "cy@mail.example").await;
        let vc = badge(1, "2026-01-01T00:00:00Z");
        // 401: no token, a token that was never issued.
        for token in ["", "not-a-token"] {
            let a = api(&h, Method::GET, "/ims/ob/v3p0/credentials", token, None).await;
            imsx(&a, 401, "unauthorizedrequest");
            assert!(
                a.header("www-authenticate")
                    .is_some_and(|v| v.starts_with("Bearer"))
            );
        }
        imsx(
            &api(
                &h,
                Method::POST,
                "/ims/ob/v3p0/credentials",
                "",
                json_body(&vc),
            )
            .await,
            401,
            "unauthorizedrequest",
        );
        // 403: a token without the scope, or for the other API.
        let (read_only, _) = tokens(&h, &holder, &client, &ob("credential.readonly")).await;
        let a = api(
            &h,
            Method::POST,
            "/ims/ob/v3p0/credentials",
            &read_only,
            json_body(&vc),
        )
        .await;
        imsx(&a, 403, "forbidden");
        assert!(
            a.header("www-authenticate").is_some_and(
                |v| v.contains("insufficient_scope") && v.contains("credential.upsert")
            )
        );
        imsx(
            &api(
                &h,
                Method::GET,
                "/ims/clr/v2p0/credentials",
                &read_only,
                None,
            )
            .await,
            403,
            "forbidden",
        );
        imsx(
            &api(&h, Method::GET, "/ims/ob/v3p0/profile", &read_only, None).await,
            403,
            "forbidden",
        );
        // 201 then 200; 400 for the wrong type or a body that is no credential.
        let (full, _) = tokens(&h, &holder, &client, &all_scopes()).await;
        api(
            &h,
            Method::POST,
            "/ims/ob/v3p0/credentials",
            &full,
            json_body(&vc),
        )
        .await
        .expect(201);
        api(
            &h,
            Method::POST,
            "/ims/ob/v3p0/credentials",
            &full,
            json_body(&vc),
        )
        .await
        .expect(200);
        // The same credential (same id) re-signed replaces the record in place.
        let resigned = signed(OB3, |d| {
            d["id"] = vc["id"].clone();
            d["name"] = "Forklift Operator Safety (renewed)".into();
        });
        api(
            &h,
            Method::POST,
            "/ims/ob/v3p0/credentials",
            &full,
            json_body(&resigned),
        )
        .await
        .expect(200);
        let list = api(&h, Method::GET, "/ims/ob/v3p0/credentials", &full, None)
            .await
            .json();
        assert_eq!(list["credential"].as_array().map(Vec::len), Some(1));
        assert_eq!(
            list["credential"][0]["name"],
            "Forklift Operator Safety (renewed)"
        );
        let clr = signed(CLR, |_| {});
        imsx(
            &api(
                &h,
                Method::POST,
                "/ims/ob/v3p0/credentials",
                &full,
                json_body(&clr),
            )
            .await,
            400,
            "invalid_data",
        );
        api(
            &h,
            Method::POST,
            "/ims/clr/v2p0/credentials",
            &full,
            json_body(&clr),
        )
        .await
        .expect(201);
        let clrs = api(&h, Method::GET, "/ims/clr/v2p0/credentials", &full, None).await;
        clrs.expect(200);
        assert_eq!(clrs.header("x-total-count").as_deref(), Some("1"));
        assert_eq!(
            api(&h, Method::GET, "/ims/ob/v3p0/credentials", &full, None)
                .await
                .header("x-total-count")
                .as_deref(),
            Some("1"),
            "the CLR is not an Open Badge"
        );
        imsx(
            &api(
                &h,
                Method::POST,
                "/ims/ob/v3p0/credentials",
                &full,
                Some(("application/json", b"[1]".to_vec())),
            )
            .await,
            400,
            "invalid_data",
        );
        imsx(
            &api(
                &h,
                Method::POST,
                "/ims/ob/v3p0/credentials",
                &full,
                Some(("text/plain", b"not a jws".to_vec())),
            )
            .await,
            400,
            "invalid_data",
        );
        imsx(
            &api(
                &h,
                Method::PUT,
                "/ims/ob/v3p0/profile",
                &full,
                json_body(&json!({"type": "Profile", "id": "did:example:someone-else"})),
            )
            .await,
            400,
            "invalid_data",
        );
        // Bad paging parameters.
        for query in [
            "limit=0",
            "limit=x",
            "offset=-1",
            "since=yesterday",
            "limit=1&limit=2",
        ] {
            imsx(
                &api(
                    &h,
                    Method::GET,
                    &format!("/ims/ob/v3p0/credentials?{query}"),
                    &full,
                    None,
                )
                .await,
                400,
                "invalid_query_parameter",
            );
        }
        // 404 under the API, 405 for another method.
        imsx(
            &api(&h, Method::GET, "/ims/ob/v3p0/credentials/123", &full, None).await,
            404,
            "not_found",
        );
        imsx(
            &api(&h, Method::GET, "/ims/clr/v2p0/nothing", &full, None).await,
            404,
            "not_found",
        );
        imsx(
            &api(&h, Method::DELETE, "/ims/ob/v3p0/credentials", &full, None).await,
            405,
            "not_allowed",
        );
        // An erased holder's tokens open nothing.
        let erased = send(
            &h,
            Method::DELETE,
            "/wallet/me",
            &[("cookie", &holder.cookie), ("x-csrf-token", &holder.csrf)],
            json_body(&json!({"password": "correct horse battery"})),
        )
        .await;
        erased.expect(200);
        imsx(
            &api(&h, Method::GET, "/ims/ob/v3p0/credentials", &full, None).await,
            401,
            "unauthorizedrequest",
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn credentials_page_with_limit_offset_since_and_link_headers() {
    for (_s, h) in all().await {
        let client = register(&h).await;
        let holder = signup(&h, "dee@mail.example").await;
        let (token, _) = tokens(&h, &holder, &client, &all_scopes()).await;
        let dates = [
            "2025-01-01T00:00:00Z",
            "2025-02-01T00:00:00Z",
            "2025-03-01T00:00:00Z",
            "2025-04-01T00:00:00Z",
            "2025-05-01T00:00:00Z",
        ];
        for (i, date) in dates.iter().enumerate() {
            let n = u32::try_from(i).expect("small") + 1;
            api(
                &h,
                Method::POST,
                "/ims/ob/v3p0/credentials",
                &token,
                json_body(&badge(n, date)),
            )
            .await
            .expect(201);
        }
        let page = |query: &'static str| {
            let h = &h;
            let token = token.clone();
            async move {
                let a = api(
                    h,
                    Method::GET,
                    &format!("/ims/ob/v3p0/credentials?{query}"),
                    &token,
                    None,
                )
                .await;
                a.expect(200);
                a
            }
        };
        let url = |offset: u32, extra: &str| {
            format!("{PUBLIC_URL}/ims/ob/v3p0/credentials?limit=2&offset={offset}{extra}")
        };
        let ids = |a: &Answer| -> Vec<String> {
            a.json()["credential"]
                .as_array()
                .expect("credential")
                .iter()
                .map(|c| c["validFrom"].as_str().expect("validFrom").to_owned())
                .collect()
        };

        let first = page("limit=2").await;
        assert_eq!(first.header("x-total-count").as_deref(), Some("5"));
        assert_eq!(ids(&first), dates[..2]);
        assert_eq!(
            first.header("link").expect("link"),
            format!(
                "<{}>; rel=\"next\", <{}>; rel=\"last\", <{}>; rel=\"first\"",
                url(2, ""),
                url(4, ""),
                url(0, "")
            )
        );
        let middle = page("limit=2&offset=2").await;
        assert_eq!(ids(&middle), dates[2..4]);
        assert_eq!(
            middle.header("link").expect("link"),
            format!(
                "<{}>; rel=\"next\", <{}>; rel=\"last\", <{}>; rel=\"first\", <{}>; rel=\"prev\"",
                url(4, ""),
                url(4, ""),
                url(0, ""),
                url(0, "")
            )
        );
        let last = page("limit=2&offset=4").await;
        assert_eq!(ids(&last), dates[4..]);
        assert!(!last.header("link").expect("link").contains("rel=\"next\""));
        let beyond = page("limit=2&offset=10").await;
        assert!(ids(&beyond).is_empty());
        assert_eq!(beyond.header("x-total-count").as_deref(), Some("5"));

        // `since` keeps those issued after it, and the links keep it.
        let since = page("limit=2&since=2025-02-15T00:00:00Z").await;
        assert_eq!(since.header("x-total-count").as_deref(), Some("3"));
        assert_eq!(ids(&since), dates[2..4]);
        assert!(
            since
                .header("link")
                .expect("link")
                .contains(&url(2, "&since=2025-02-15T00%3A00%3A00Z")),
            "{:?}",
            since.header("link")
        );
        // Without a zone the time is UTC; the default page holds everything.
        let zoneless = page("since=2025-04-01T00:00:00").await;
        assert_eq!(zoneless.header("x-total-count").as_deref(), Some("1"));
        let everything = page("").await;
        assert_eq!(ids(&everything), dates);
        assert_eq!(everything.json()["compactJwsString"], json!([]));
    }
}

/// The value of the first `attr="…"` after `marker` on a page, its HTML entities undone.
fn attr_after(page: &str, marker: &str) -> String {
    let at = page
        .find(marker)
        .unwrap_or_else(|| panic!("{marker} not on the page: {page}"))
        + marker.len();
    page[at..]
        .split('"')
        .next()
        .unwrap_or("")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// Signs in on the wallet's sign-in form with this `next`: the answer, and the session
/// cookie it set (if any).
async fn sign_in_on_the_page(h: &Harness, email: &str, next: &str) -> (Answer, Option<String>) {
    let a = send(
        h,
        Method::POST,
        "/me/login",
        &[("accept", "text/html")],
        Some((
            "application/x-www-form-urlencoded",
            form(&[
                ("email", email),
                ("password", "correct horse battery"),
                ("next", next),
            ]),
        )),
    )
    .await;
    let cookie = a
        .headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| v.split(';').next())
        .find(|pair| pair.starts_with("ler_wallet=") && !pair.ends_with('='))
        .map(String::from);
    (a, cookie)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_holder_signed_out_signs_in_and_comes_back_to_the_consent_page() {
    for (_st, h) in all().await {
        let client = register(&h).await;
        signup(&h, "ana@mail.example").await;
        let scope = ob("credential.readonly");
        let authorize = authorize_url(&client, &scope, VERIFIER);
        // Signed out: the prompt's sign-in link carries the request back as `next`.
        let prompt = send(&h, Method::GET, &authorize, &[], None).await;
        prompt.expect(200);
        let prompt = String::from_utf8_lossy(&prompt.bytes).to_string();
        let link = attr_after(&prompt, "<a href=\"");
        assert!(link.starts_with("/me?next="), "{link}");
        assert_eq!(param(&link, "next").as_deref(), Some(authorize.as_str()));
        // The wallet's sign-in page keeps it in its forms.
        let page = send(&h, Method::GET, &link, &[("accept", "text/html")], None).await;
        page.expect(200);
        let page = String::from_utf8_lossy(&page.bytes).to_string();
        assert_eq!(attr_after(&page, "name=\"next\" value=\""), authorize);
        // Signing in leads back to the same request, now the consent page.
        let (signed, cookie) = sign_in_on_the_page(&h, "ana@mail.example", &authorize).await;
        signed.expect(303);
        assert_eq!(
            signed.header("location").as_deref(),
            Some(authorize.as_str())
        );
        let cookie = cookie.expect("a session cookie");
        let consent = send(&h, Method::GET, &authorize, &[("cookie", &cookie)], None).await;
        consent.expect(200);
        let html = String::from_utf8_lossy(&consent.bytes).to_string();
        assert!(
            html.contains("Allow Example HR System to use your wallet?"),
            "{html}"
        );
        assert_eq!(attr_after(&html, "name=\"client_id\" value=\""), client.id);
        assert_eq!(attr_after(&html, "name=\"scope\" value=\""), scope);
        assert_eq!(attr_after(&html, "name=\"state\" value=\""), "xyz");
        assert_eq!(
            attr_after(&html, "name=\"redirect_uri\" value=\""),
            REDIRECT
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signing_in_never_leads_off_the_site() {
    let storage = Storage::sqlite();
    let h = service(&storage).await;
    signup(&h, "ana@mail.example").await;
    for next in [
        "//evil.example",
        "//evil.example/oauth/authorize?x=1",
        "/\\evil.example",
        "https://evil.example/oauth/authorize?x=1",
        "/oauth/authorize?x=1\r\nSet-Cookie: a=b",
        "/oauth/authorizer",
        "",
    ] {
        let (a, _) = sign_in_on_the_page(&h, "ana@mail.example", next).await;
        a.expect(303);
        assert_eq!(a.header("location").as_deref(), Some("/me"), "{next:?}");
        // Nor does a sign-in page reached with it as `next` keep it.
        let page = send(
            &h,
            Method::GET,
            &format!("/me?next={}", enc(next)),
            &[("accept", "text/html")],
            None,
        )
        .await;
        page.expect(200);
        let page = String::from_utf8_lossy(&page.bytes).to_string();
        let kept = attr_after(&page, "name=\"next\" value=\"");
        assert!(kept.starts_with("/me?next="), "{next:?}: {kept}");
    }
}
