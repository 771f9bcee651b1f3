//! The wallet API: accounts, receiving (upload, paste, URL, claim link, delivery), the view
//! with re-checked status, consent and its authorization matrix, 50 reads racing a
//! revocation, presentations, export and import, the printable LER, and erasure — on SQLite
//! and, when configured, PostgreSQL.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Method, Request};
use ler_crypto::KeyPair;
use ler_fetch::{HttpFetcher, Policy};
use ler_jsonld::Documents;
use ler_proof::{Cryptosuite, Purpose, SignOptions, VcJwtForm};
use ler_server::{Clock, Limits};
use serde_json::{Value, json};
use tower::ServiceExt;

use crate::harness::{Answer, Harness, PUBLIC_URL, Storage};

const OB3: &str = include_str!("../../../../fixtures/ob3-achievement.json");
const EMPLOYMENT: &str = include_str!("../../../../fixtures/employment.json");
const CLR: &str = include_str!("../../../../fixtures/clr.json");
const ENDORSEMENT: &str = include_str!("../../../../fixtures/endorsement.json");

/// A service whose clock the test moves (`offset` seconds ahead of the real one), with no
/// limit on sign-ins (tests sign up many holders).
struct Service {
    h: Harness,
    offset: Arc<AtomicI64>,
}

impl Service {
    async fn open(storage: &Storage) -> Service {
        let limits = Limits {
            login_per_minute: 0.0,
            ..Limits::default()
        };
        let h = Harness::open(storage, PUBLIC_URL, limits).await;
        let offset = Arc::new(AtomicI64::new(0));
        let o = offset.clone();
        let real = Clock::system();
        let state = h.state.clone().with_clock(Clock::from_fn(move || {
            real.now() + o.load(Ordering::SeqCst)
        }));
        let h = Harness {
            router: ler_server::router(state.clone()),
            state,
            ..h
        };
        Service { h, offset }
    }

    /// One service per backend the run covers.
    async fn all() -> Vec<(Storage, Service)> {
        let mut out = Vec::new();
        for storage in Storage::all().await {
            let s = Service::open(&storage).await;
            out.push((storage, s));
        }
        out
    }

    /// Moves the clock `seconds` ahead.
    fn advance(&self, seconds: i64) {
        self.offset.fetch_add(seconds, Ordering::SeqCst);
    }

    /// Lets the service fetch from loopback over plain HTTP (the test's own server).
    fn allow_loopback_fetches(&mut self) {
        let mut state = self.h.state.clone();
        state.fetcher = Arc::new(HttpFetcher::new(Policy {
            allow_private: true,
            danger_allow_http: true,
            ..Policy::default()
        }));
        self.h.router = ler_server::router(state.clone());
        self.h.state = state;
    }

    /// Signs a holder up.
    async fn signup(&self, email: &str) -> Holder {
        let a = self
            .h
            .post(
                "/wallet/signup",
                "",
                &json!({"email": email, "password": "correct horse battery"}),
            )
            .await;
        a.expect(201);
        Holder::from_answer(&self.h.router, &a)
    }

    /// Signs a holder in.
    async fn login(&self, email: &str) -> Holder {
        let a = self
            .h
            .post(
                "/wallet/login",
                "",
                &json!({"email": email, "password": "correct horse battery"}),
            )
            .await;
        a.expect(200);
        Holder::from_answer(&self.h.router, &a)
    }

    /// A request with an API key of the organization (GET without a body).
    async fn org_get(&self, path: &str, key: &str) -> Answer {
        let auth = format!("Bearer {key}");
        self.h
            .call(Method::GET, path, None, &[("authorization", &auth)])
            .await
    }
}

/// Sends a request to a router, as from 127.0.0.1.
async fn send(router: &Router, mut req: Request<Body>) -> Answer {
    req.extensions_mut()
        .insert(ConnectInfo(std::net::SocketAddr::from((
            [127, 0, 0, 1],
            40000,
        ))));
    let res = router.clone().oneshot(req).await.expect("infallible");
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

/// A signed-in holder: its session cookie and CSRF token.
#[derive(Clone)]
struct Holder {
    router: Router,
    cookie: String,
    csrf: String,
    did: String,
    email: String,
}

impl Holder {
    fn from_answer(router: &Router, a: &Answer) -> Holder {
        let set_cookie = a.header("set-cookie").expect("a session cookie");
        let body = a.json();
        Holder {
            router: router.clone(),
            cookie: set_cookie.split(';').next().expect("pair").to_string(),
            csrf: body["csrfToken"].as_str().expect("csrf").to_string(),
            did: body["did"].as_str().expect("did").to_string(),
            email: body["email"].as_str().expect("email").to_string(),
        }
    }

    /// A request with the session cookie and CSRF token, and a JSON body when given.
    async fn call(&self, method: Method, path: &str, body: Option<&Value>) -> Answer {
        let mut b = Request::builder()
            .method(method)
            .uri(path)
            .header("cookie", &self.cookie)
            .header("x-csrf-token", &self.csrf);
        let body = match body {
            Some(v) => {
                b = b.header("content-type", "application/json");
                Body::from(v.to_string())
            }
            None => Body::empty(),
        };
        send(&self.router, b.body(body).expect("request")).await
    }

    async fn get(&self, path: &str) -> Answer {
        self.call(Method::GET, path, None).await
    }

    async fn post(&self, path: &str, body: &Value) -> Answer {
        self.call(Method::POST, path, Some(body)).await
    }

    /// Uploads a file as the raw body.
    async fn upload(&self, content_type: &str, bytes: Vec<u8>) -> Answer {
        let req = Request::builder()
            .method(Method::POST)
            .uri("/wallet/records")
            .header("cookie", &self.cookie)
            .header("x-csrf-token", &self.csrf)
            .header("content-type", content_type)
            .body(Body::from(bytes))
            .expect("request");
        send(&self.router, req).await
    }

    /// Adds a record from a JSON request; the record's id.
    async fn add(&self, body: &Value, expect: u16) -> String {
        let a = self.post("/wallet/records", body).await;
        a.expect(expect);
        a.json()["record"]["id"].as_str().expect("id").to_string()
    }

    /// Asks for a printout: a POST with the CSRF token in its header and no body.
    async fn print(&self, path: &str) -> Answer {
        self.call(Method::POST, path, None).await
    }

    /// How many grants the holder has (a printout gives one).
    async fn grant_count(&self) -> usize {
        let a = self.get("/wallet/grants").await;
        a.expect(200);
        a.json()["grants"].as_array().map_or(0, Vec::len)
    }

    /// Gives a grant; the answer's JSON.
    async fn grant(&self, body: Value) -> Value {
        let a = self.post("/wallet/grants", &body).await;
        a.expect(201);
        a.json()
    }
}

/// The issuer key of the fixtures.
fn issuer() -> KeyPair {
    KeyPair::from_seed([42; 32])
}

/// A fixture with the issuer's did:key filled in, signed with eddsa-rdfc-2022.
fn signed(fixture: &str) -> Value {
    let key = issuer();
    let did = ler_crypto::did_key(&key.public_key());
    let doc: Value =
        serde_json::from_str(&fixture.replace("did:key:ISSUER", &did)).expect("fixture");
    let opts = SignOptions {
        suite: Cryptosuite::EddsaRdfc2022,
        verification_method: ler_crypto::did_key_verification_method(&key.public_key()),
        created: Some("2026-01-01T00:00:00Z".into()),
        purpose: Purpose::Assertion,
        expires: None,
    };
    ler_proof::sign(&doc, &key, &opts, Documents::embedded()).expect("sign")
}

/// The employment fixture as a VC-JWT.
fn employment_jwt() -> String {
    let key = issuer();
    let did = ler_crypto::did_key(&key.public_key());
    let unsigned: Value =
        serde_json::from_str(&EMPLOYMENT.replace("did:key:ISSUER", &did)).expect("fixture");
    let kid = ler_crypto::did_key_verification_method(&key.public_key());
    ler_proof::sign_vc_jwt(&unsigned, &key, &kid, VcJwtForm::VcJoseCose).expect("jwt")
}

/// The employment fixture's subject as an SD-JWT VC issued to the holder with `did`, every
/// field selectively disclosable.
fn employment_sd_jwt(holder_did: &str, now: i64) -> String {
    let key = issuer();
    let kid = ler_crypto::did_key_verification_method(&key.public_key());
    let (holder_key, _) = ler_crypto::resolve_did_key(holder_did).expect("did:key");
    let fixture: Value = serde_json::from_str(EMPLOYMENT).expect("fixture");
    let claims = fixture["credentialSubject"].clone();
    let paths: Vec<String> = [
        "employer",
        "positionTitle",
        "startDate",
        "endDate",
        "hoursPerWeek",
        "employmentType",
        "location",
        "pay",
    ]
    .iter()
    .filter(|f| claims.get(**f).is_some())
    .map(|f| format!("/{f}"))
    .collect();
    let paths: Vec<&str> = paths.iter().map(String::as_str).collect();
    let opts = ler_sdjwt::IssueOptions {
        vct: ler_sdjwt::EMPLOYMENT_VCT,
        holder: &holder_key,
        now: now - 100,
        max_decoys: 2,
    };
    ler_sdjwt::issue(&claims, &paths, &key, &kid, &opts, &mut ler_sdjwt::os_salt).expect("sd-jwt")
}

/// CRC-32 for the test image's chunks.
fn crc(bytes: &[u8]) -> u32 {
    let mut c = 0xffff_ffffu32;
    for &b in bytes {
        c ^= u32::from(b);
        for _ in 0..8 {
            c = if c & 1 == 1 {
                (c >> 1) ^ 0xedb8_8320
            } else {
                c >> 1
            };
        }
    }
    !c
}

fn chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
    let len = u32::try_from(data.len()).expect("small chunk");
    let mut out = len.to_be_bytes().to_vec();
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let mut covered = kind.to_vec();
    covered.extend_from_slice(data);
    out.extend_from_slice(&crc(&covered).to_be_bytes());
    out
}

/// A 1x1 grayscale PNG with `credential` baked in.
fn baked_png(credential: &Value) -> Vec<u8> {
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    png.extend(chunk(b"IHDR", &[0, 0, 0, 1, 0, 0, 0, 1, 8, 0, 0, 0, 0]));
    png.extend(chunk(
        b"IDAT",
        &[
            0x78, 0x01, 0x01, 0x02, 0x00, 0xfd, 0xff, 0x00, 0x00, 0x00, 0x02, 0x00, 0x01,
        ],
    ));
    png.extend(chunk(b"IEND", &[]));
    ler_bake::bake(&png, &credential.to_string()).expect("bake")
}

/// Serves `body` once on a loopback port (a plain thread: the fetcher blocks): the URL to
/// fetch it from.
fn serve_once(body: String) -> String {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    std::thread::spawn(move || {
        let Ok((mut socket, _)) = listener.accept() else {
            return;
        };
        let mut seen = Vec::new();
        let mut buf = [0u8; 1024];
        while !seen.windows(4).any(|w| w == b"\r\n\r\n") {
            match socket.read(&mut buf) {
                Ok(0) | Err(_) => return,
                Ok(n) => seen.extend_from_slice(&buf[..n]),
            }
        }
        let head = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        );
        let _ = socket.write_all(head.as_bytes());
        let _ = socket.write_all(body.as_bytes());
    });
    format!("http://127.0.0.1:{port}/records/clr.json")
}

/// The path of one of this service's URLs.
fn path_of(url: &str) -> String {
    url.strip_prefix(PUBLIC_URL)
        .expect("a URL of the service")
        .to_string()
}

/// An expiry `seconds` from the service's now, as the API takes it.
fn expires_in(s: &Service, seconds: i64) -> String {
    format_datetime(s.h.state.now() + seconds)
}

fn format_datetime(secs: i64) -> String {
    ler_model::datetime::format_datetime(secs)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn holders_sign_up_in_and_out_and_take_their_key() {
    for (_st, s) in Service::all().await {
        let h = &s.h;
        let ana = s.signup("Ana@Mail.example").await;
        assert_eq!(ana.email, "ana@mail.example");
        assert!(ana.did.starts_with("did:key:z6Mk"), "{}", ana.did);
        let signup = h
            .post(
                "/wallet/signup",
                "",
                &json!({"email": "bo@mail.example", "password": "correct horse battery"}),
            )
            .await;
        let cookie = signup.header("set-cookie").expect("cookie");
        assert!(cookie.starts_with("ler_wallet="), "{cookie}");
        assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"));
        assert!(!cookie.contains("Secure"), "plain http: {cookie}");
        // The same email again, a short password, no email.
        h.post(
            "/wallet/signup",
            "",
            &json!({"email": "ana@mail.example", "password": "correct horse battery"}),
        )
        .await
        .problem(409);
        let p = h
            .post(
                "/wallet/signup",
                "",
                &json!({"email": "cy@mail.example", "password": "123456789"}),
            )
            .await
            .problem(422);
        assert!(p["detail"].as_str().is_some_and(|d| d.contains("10")));
        h.post(
            "/wallet/signup",
            "",
            &json!({"password": "correct horse battery"}),
        )
        .await
        .problem(400);

        // The holder's keys are stored under the KEK only.
        let stored = h
            .state
            .store
            .holder_by_email("ana@mail.example")
            .await
            .expect("store")
            .expect("holder");
        assert_eq!(stored.did, ana.did);
        assert!(stored.password_hash.starts_with("$argon2id$"));
        assert!(!stored.encrypted_key.contains("secretKeyMultibase"));

        let me = ana.get("/wallet/me").await;
        me.expect(200);
        assert_eq!(me.json()["did"], ana.did.as_str());
        assert_eq!(me.json()["records"], 0);
        h.get("/wallet/me").await.problem(401);

        // The key file: the password again, then the same DID's secret.
        ana.post(
            "/wallet/key/export",
            &json!({"password": "wrong password!!"}),
        )
        .await
        .problem(403);
        let key = ana
            .post(
                "/wallet/key/export",
                &json!({"password": "correct horse battery"}),
            )
            .await;
        key.expect(200);
        assert_eq!(key.header("cache-control").as_deref(), Some("no-store"));
        let pair = ler_crypto::parse_key(&key.bytes, None).expect("a plain key file");
        assert_eq!(ler_crypto::did_key(&pair.public_key()), ana.did);

        // Signing out needs the CSRF token, then ends the session.
        let no_csrf = Request::builder()
            .method(Method::POST)
            .uri("/wallet/logout")
            .header("cookie", &ana.cookie)
            .body(Body::empty())
            .expect("request");
        send(&h.router, no_csrf).await.problem(403);
        let out = ana.post("/wallet/logout", &json!({})).await;
        out.expect(200);
        assert!(
            out.header("set-cookie")
                .is_some_and(|c| c.contains("Max-Age=0"))
        );
        ana.get("/wallet/me").await.problem(401);

        h.post(
            "/wallet/login",
            "",
            &json!({"email": "ana@mail.example", "password": "wrong password!!"}),
        )
        .await
        .problem(401);
        h.post(
            "/wallet/login",
            "",
            &json!({"email": "nobody@mail.example", "password": "correct horse battery"}),
        )
        .await
        .problem(401);
        let again = s.login("ANA@mail.example").await;
        again.get("/wallet/me").await.expect(200);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wallet_sign_in_is_rate_limited() {
    let storage = Storage::sqlite();
    let limits = Limits {
        login_per_minute: 0.01,
        login_burst: 3.0,
        ..Limits::default()
    };
    let h = Harness::open(&storage, PUBLIC_URL, limits).await;
    let login = json!({"email": "x@mail.example", "password": "nope nope nope"});
    for _ in 0..3 {
        h.post("/wallet/login", "", &login).await.problem(401);
    }
    h.post("/wallet/login", "", &login).await.problem(429);
    h.post("/wallet/signup", "", &login).await.problem(429);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn records_arrive_by_upload_paste_and_url() {
    for (_st, mut s) in Service::all().await {
        let ana = s.signup("ana@mail.example").await;

        // A JSON file, then the same again: a duplicate answers 200 with the same record.
        let vc = s.h.issue().await;
        let a = ana
            .upload("application/json", vc.to_string().into_bytes())
            .await;
        a.expect(201);
        let first = a.json()["record"].clone();
        assert_eq!(first["kind"], "other");
        assert_eq!(first["status"], "verified", "{first}");
        assert_eq!(
            a.header("location"),
            Some(format!(
                "/wallet/records/{}",
                first["id"].as_str().expect("id")
            ))
        );
        let again = ana
            .upload("application/json", vc.to_string().into_bytes())
            .await;
        again.expect(200);
        assert_eq!(again.json()["record"]["id"], first["id"]);
        assert_eq!(again.json()["duplicate"], true);
        let pasted = ana.add(&json!({"credential": vc}), 200).await;
        assert_eq!(pasted, first["id"].as_str().expect("id"));

        // A VC-JWT file, then pasted (a duplicate).
        let jwt = employment_jwt();
        let a = ana
            .upload("application/jwt", jwt.clone().into_bytes())
            .await;
        a.expect(201);
        assert_eq!(a.json()["record"]["kind"], "employment");
        assert_eq!(a.json()["record"]["status"], "verified");
        assert_eq!(
            a.json()["record"]["employment"]["positionTitle"],
            "Warehouse Associate"
        );
        ana.add(&json!({"credential": jwt}), 200).await;

        // A baked PNG: the skills come from the alignments.
        let a = ana.upload("image/png", baked_png(&signed(OB3))).await;
        a.expect(201);
        let badge = a.json()["record"].clone();
        assert_eq!(badge["kind"], "education");
        assert_eq!(badge["status"], "verified", "{badge}");
        assert!(badge["skills"].as_array().is_some_and(|s| !s.is_empty()));

        // Pasted as text.
        ana.add(&json!({"credential": signed(ENDORSEMENT).to_string()}), 201)
            .await;

        // From a URL: the guarded fetcher refuses loopback …
        let url = serve_once(signed(CLR).to_string());
        let p = ana
            .post("/wallet/records", &json!({"url": url}))
            .await
            .problem(422);
        assert_eq!(p["title"], "record not fetched");
        // … unless allowed (as on a private network).
        s.allow_loopback_fetches();
        let ana = Holder {
            router: s.h.router.clone(),
            ..ana
        };
        let url = serve_once(signed(CLR).to_string());
        let a = ana.post("/wallet/records", &json!({"url": url})).await;
        a.expect(201);
        assert_eq!(a.json()["record"]["kind"], "education");

        // Not records.
        ana.post("/wallet/records", &json!({"name": "not a credential"}))
            .await
            .problem(422);
        ana.upload("text/plain", b"hello there".to_vec())
            .await
            .problem(422);
        ana.post("/wallet/records", &json!({"url": "ftp://example.org/x"}))
            .await
            .problem(422);
        // Signed in, with the CSRF token only.
        s.h.post("/wallet/records", "", &json!({"credential": vc}))
            .await
            .problem(401);
        let no_csrf = Request::builder()
            .method(Method::POST)
            .uri("/wallet/records")
            .header("cookie", &ana.cookie)
            .header("content-type", "application/json")
            .body(Body::from(vc.to_string()))
            .expect("request");
        send(&ana.router, no_csrf).await.problem(403);

        // The whole record, grouped.
        let list = ana.get("/wallet/records").await;
        list.expect(200);
        let list = list.json();
        assert_eq!(list["count"], 5);
        assert_eq!(list["education"].as_array().map(Vec::len), Some(3));
        assert_eq!(list["employment"].as_array().map(Vec::len), Some(1));
        assert_eq!(list["other"].as_array().map(Vec::len), Some(1));
        let id = first["id"].as_str().expect("id");
        let detail = ana.get(&format!("/wallet/records/{id}")).await;
        detail.expect(200);
        let detail = detail.json();
        assert_eq!(detail["credential"], vc);
        assert_eq!(detail["report"]["verified"], true);
        assert_eq!(detail["currentReport"]["verified"], true);
        ana.get("/wallet/records/r_nothing").await.problem(404);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_is_rechecked_on_view_and_reused_for_a_minute() {
    for (_st, s) in Service::all().await {
        let ana = s.signup("ana@mail.example").await;
        let vc = s.h.issue().await;
        let id = ana.add(&json!({"credential": vc}), 201).await;
        let status = |a: &Answer| a.json()["status"].as_str().unwrap_or("").to_string();
        let path = format!("/wallet/records/{id}");
        assert_eq!(status(&ana.get(&path).await), "verified");
        s.h.set_status(vc["id"].as_str().expect("id"), "revocation", true)
            .await
            .expect(200);
        // Checked less than a minute ago: the answer is reused.
        s.advance(30);
        assert_eq!(status(&ana.get(&path).await), "verified");
        s.advance(31);
        let detail = ana.get(&path).await;
        assert_eq!(status(&detail), "revoked", "{}", detail.json());
        assert_eq!(detail.json()["report"]["verified"], true, "at receipt");
        let list = ana.get("/wallet/records").await.json();
        assert_eq!(list["other"][0]["status"], "revoked");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn claim_links_work_once_and_expire() {
    for (_st, s) in Service::all().await {
        let h = &s.h;
        let ana = s.signup("ana@mail.example").await;
        let bo = s.signup("bo@mail.example").await;
        let vc = h.issue().await;
        let id = vc["id"].as_str().expect("id");
        let path = format!("/orgs/acme/credentials/{id}/claim-link");
        h.post(&path, &h.keys.read, &json!({})).await.problem(403);
        h.post(&path, "", &json!({})).await.problem(401);
        h.post(
            "/orgs/acme/credentials/urn:uuid:nothing/claim-link",
            &h.keys.issue,
            &json!({}),
        )
        .await
        .problem(404);
        let link = h.post(&path, &h.keys.issue, &json!({})).await;
        link.expect(201);
        let link = link.json();
        let url = link["url"].as_str().expect("url");
        assert!(
            url.starts_with(&format!("{PUBLIC_URL}/wallet/claim/")),
            "{url}"
        );
        assert!(
            link["qrSvg"]
                .as_str()
                .is_some_and(|q| q.starts_with("<svg"))
        );
        assert!(link["expires"].is_string());

        let claim = path_of(url);
        let a = ana.post(&claim, &json!({})).await;
        a.expect(201);
        assert_eq!(a.json()["record"]["credential"], vc);
        // One time only: used is 410, for the same holder and for another.
        let p = ana.post(&claim, &json!({})).await.problem(410);
        assert!(p["detail"].as_str().is_some_and(|d| d.contains("used")));
        bo.post(&claim, &json!({})).await.problem(410);
        bo.post("/wallet/claim/not-a-token", &json!({}))
            .await
            .problem(404);
        s.h.post(&claim, "", &json!({})).await.problem(401);

        // Expired: a two-minute link, three minutes later.
        let short = h
            .post(&path, &h.keys.issue, &json!({"expiresIn": 120}))
            .await
            .json();
        s.advance(180);
        let p = bo
            .post(&path_of(short["url"].as_str().expect("url")), &json!({}))
            .await
            .problem(410);
        assert!(p["detail"].as_str().is_some_and(|d| d.contains("expired")));
        h.post(&path, &h.keys.issue, &json!({"expiresIn": 5}))
            .await
            .problem(422);

        // The QR code as an image: a fresh link each time.
        let svg = s.org_get(&format!("{path}.svg"), &h.keys.issue).await;
        svg.expect(200);
        assert_eq!(svg.header("content-type").as_deref(), Some("image/svg+xml"));
        assert!(String::from_utf8_lossy(&svg.bytes).starts_with("<svg"));
        let link = svg.header("link").expect("link header");
        let fresh = link.trim_start_matches('<').split('>').next().expect("url");
        bo.post(&path_of(fresh), &json!({})).await.expect(201);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issuers_deliver_straight_to_a_wallet() {
    for (_st, s) in Service::all().await {
        let h = &s.h;
        let ana = s.signup("ana@mail.example").await;
        let vc = h.issue().await;
        let id = vc["id"].as_str().expect("id");
        let by_email = json!({"credentialId": id, "holderEmail": "ANA@mail.example"});
        h.post("/orgs/acme/deliver", &h.keys.read, &by_email)
            .await
            .problem(403);
        let a = h.post("/orgs/acme/deliver", &h.keys.issue, &by_email).await;
        a.expect(201);
        assert_eq!(a.json(), json!({"delivered": true, "duplicate": false}));
        let by_did = json!({"credentialId": id, "holderDid": ana.did});
        h.post("/orgs/acme/deliver", &h.keys.issue, &by_did)
            .await
            .expect(200);
        let p = h
            .post(
                "/orgs/acme/deliver",
                &h.keys.issue,
                &json!({"credentialId": id, "holderEmail": "nobody@mail.example"}),
            )
            .await
            .problem(404);
        assert_eq!(p["detail"], "no such wallet");
        h.post(
            "/orgs/acme/deliver",
            &h.keys.issue,
            &json!({"credentialId": "urn:uuid:nothing", "holderDid": ana.did}),
        )
        .await
        .problem(404);
        let list = ana.get("/wallet/records").await.json();
        assert_eq!(list["count"], 1);
        assert_eq!(list["other"][0]["status"], "verified");
    }
}

/// A second organization with a read key: a recipient without any grant.
async fn other_org(s: &Service) -> String {
    let now = s.h.state.now();
    ler_server::admin::create_org(
        &s.h.state.store,
        &s.h.state.kek,
        &s.h.state.public_url,
        "globex",
        "Globex",
        now,
    )
    .await
    .expect("org");
    ler_server::admin::create_api_key(&s.h.state.store, "globex", &[ler_store::Scope::Read], now)
        .await
        .expect("key")
        .0
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn authorization_matrix() {
    for (_st, s) in Service::all().await {
        let h = &s.h;
        let globex = other_org(&s).await;
        let ana = s.signup("ana@mail.example").await;
        let bo = s.signup("bo@mail.example").await;
        let r1 = ana.add(&json!({"credential": h.issue().await}), 201).await;
        let r2 = ana.add(&json!({"credential": h.issue().await}), 201).await;
        let bo_record = bo.add(&json!({"credential": h.issue().await}), 201).await;

        // Ana grants r1 to acme (an organization in ler), and r2 to an outside verifier.
        let to_acme = ana
            .grant(json!({
                "recipient": "acme",
                "purposes": ["employment"],
                "recordIds": [r1],
                "expires": expires_in(&s, 3_600),
                "access": "repeated",
            }))
            .await;
        let acme_grant = to_acme["grant"]["id"].as_str().expect("id").to_string();
        assert_eq!(to_acme["grant"]["recipient"]["type"], "organization");
        assert_eq!(to_acme["grant"]["recipient"]["name"], "Acme College");
        assert_eq!(to_acme["grant"]["state"], "active");
        let to_hr = ana
            .grant(json!({
                "recipient": "hr@globex.example",
                "purposes": ["employment", "other"],
                "purposeText": "Background check",
                "recordIds": [r2],
                "expires": expires_in(&s, 3_600),
                "access": "repeated",
            }))
            .await;
        let hr_link = path_of(to_hr["shareUrl"].as_str().expect("share url"));
        assert!(
            to_hr["qrSvg"]
                .as_str()
                .is_some_and(|q| q.starts_with("<svg"))
        );

        // The consent receipt verifies.
        for receipt in [&to_acme["receipt"], &to_hr["receipt"]] {
            let (status, report) = h.verify(receipt).await;
            assert_eq!(status, 200, "{report}");
            assert_eq!(receipt["issuer"], ana.did.as_str());
        }

        // Holder A sees her records and grants; holder B sees none of them.
        ana.get(&format!("/wallet/records/{r1}")).await.expect(200);
        bo.get(&format!("/wallet/records/{r1}")).await.problem(404);
        ana.get(&format!("/wallet/records/{bo_record}"))
            .await
            .problem(404);
        assert_eq!(bo.get("/wallet/grants").await.json()["grants"], json!([]));
        assert_eq!(
            ana.get("/wallet/grants").await.json()["grants"]
                .as_array()
                .map(Vec::len),
            Some(2)
        );
        bo.post(&format!("/wallet/grants/{acme_grant}/revoke"), &json!({}))
            .await
            .problem(404);
        bo.post(
            "/wallet/present",
            &json!({"grantId": acme_grant, "challenge": "c"}),
        )
        .await
        .problem(404);
        bo.call(Method::DELETE, &format!("/wallet/records/{r1}"), None)
            .await
            .problem(404);
        // Holder B cannot name A's records in a grant.
        bo.post(
            "/wallet/grants",
            &json!({
                "recipient": "acme", "purposes": ["employment"], "recordIds": [r1],
                "expires": expires_in(&s, 3_600), "access": "repeated",
            }),
        )
        .await
        .problem(422);

        // The recipient with a grant reads exactly what it gives …
        let list = s.org_get("/orgs/acme/grants", &h.keys.read).await;
        list.expect(200);
        let grants = list.json()["grants"].clone();
        assert_eq!(grants.as_array().map(Vec::len), Some(1));
        assert_eq!(grants[0]["id"], acme_grant.as_str());
        assert_eq!(grants[0]["holder"], ana.did.as_str());
        let records_path = format!("/orgs/acme/grants/{acme_grant}/records");
        let read = s.org_get(&records_path, &h.keys.read).await;
        read.expect(200);
        let read = read.json();
        assert_eq!(read["records"].as_array().map(Vec::len), Some(1));
        assert_eq!(read["records"][0]["recordId"], r1.as_str());
        assert_eq!(read["records"][0]["verification"]["verified"], true);
        assert_eq!(read["receipt"], to_acme["receipt"]);
        // … with its read key only.
        s.org_get(&records_path, &h.keys.issue).await.problem(403);
        h.get(&records_path).await.problem(401);
        // A grant to someone else, or none: 404 alike.
        let hr_grant = to_hr["grant"]["id"].as_str().expect("id");
        s.org_get(
            &format!("/orgs/acme/grants/{hr_grant}/records"),
            &h.keys.read,
        )
        .await
        .problem(404);
        s.org_get("/orgs/acme/grants/g_nothing/records", &h.keys.read)
            .await
            .problem(404);
        // The recipient without a grant sees nothing.
        assert_eq!(
            s.org_get("/orgs/globex/grants", &globex).await.json()["grants"],
            json!([])
        );
        s.org_get(
            &format!("/orgs/globex/grants/{acme_grant}/records"),
            &globex,
        )
        .await
        .problem(404);
        s.org_get(&records_path, &globex).await.problem(403);

        // The share link gives r2 to whoever holds it; a wrong token is 404.
        let shared = h.get(&hr_link).await;
        shared.expect(200);
        assert_eq!(shared.json()["records"][0]["recordId"], r2.as_str());
        assert_eq!(shared.json()["grant"]["purposeText"], "Background check");
        h.get(&format!("{hr_link}/{r2}")).await.expect(200);
        h.get(&format!("{hr_link}/{r1}")).await.problem(404);
        h.get("/share/not-a-token").await.problem(404);

        // After revocation: 404 at once, through the link and for the organization.
        let revoked = ana
            .post(&format!("/wallet/grants/{acme_grant}/revoke"), &json!({}))
            .await;
        revoked.expect(200);
        assert_eq!(revoked.json()["usedCount"], 1);
        s.org_get(&records_path, &h.keys.read).await.problem(404);
        assert_eq!(
            s.org_get("/orgs/acme/grants", &h.keys.read).await.json()["grants"],
            json!([])
        );
        ana.post(&format!("/wallet/grants/{hr_grant}/revoke"), &json!({}))
            .await
            .expect(200);
        h.get(&hr_link).await.problem(404);

        // After expiry (the clock moved): 404.
        let short = ana
            .grant(json!({
                "recipient": "acme", "purposes": ["program-intake"], "recordIds": [r1, r2],
                "expires": expires_in(&s, 600), "access": "repeated",
            }))
            .await;
        let short_link = path_of(short["shareUrl"].as_str().expect("url"));
        let short_records = format!(
            "/orgs/acme/grants/{}/records",
            short["grant"]["id"].as_str().expect("id")
        );
        h.get(&short_link).await.expect(200);
        s.org_get(&short_records, &h.keys.read).await.expect(200);
        s.advance(601);
        h.get(&short_link).await.problem(404);
        s.org_get(&short_records, &h.keys.read).await.problem(404);
        let ana = s.login("ana@mail.example").await;

        // A one-time grant serves one read.
        let once = ana
            .grant(json!({
                "recipient": "https://verify.example.org", "purposes": ["education-admission"],
                "recordIds": [r1], "expires": "2099-01-01", "access": "one-time",
            }))
            .await;
        assert_eq!(once["grant"]["expires"], "2099-01-02T00:00:00Z");
        let once_link = path_of(once["shareUrl"].as_str().expect("url"));
        h.get(&once_link).await.expect(200);
        h.get(&once_link).await.problem(404);

        // The holder's view of it all.
        let grants = ana.get("/wallet/grants").await.json()["grants"].clone();
        let mut states: Vec<&str> = grants
            .as_array()
            .expect("grants")
            .iter()
            .filter_map(|g| g["state"].as_str())
            .collect();
        states.sort_unstable();
        assert_eq!(states, ["expired", "revoked", "revoked", "used"]);
        let log = ana.get("/wallet/log").await.json()["entries"].clone();
        let log = log.as_array().expect("entries");
        // acme read r1; the link read r2 twice (whole, then the one record); the short grant
        // twice; the one-time link once.
        assert_eq!(log.len(), 6, "{log:?}");
        assert_eq!(log[0]["grantId"], acme_grant.as_str());
        assert_eq!(log[0]["recipient"]["name"], "Acme College");
        assert_eq!(log[0]["via"], "grant");
        assert_eq!(log[0]["records"][0]["id"], r1.as_str());
        assert_eq!(log[1]["recipient"]["type"], "email");
        assert_eq!(log[1]["via"], "link");
        assert!(log.iter().all(|e| e["at"].is_string()));
        assert_eq!(
            bo.get("/wallet/log").await.json()["entries"],
            json!([]),
            "B sees nothing of A's log"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn employment_fields_are_shared_selectively_or_not_at_all() {
    for (_st, s) in Service::all().await {
        let h = &s.h;
        let ana = s.signup("ana@mail.example").await;
        let sd_jwt = employment_sd_jwt(&ana.did, h.state.now());
        let a = ana
            .upload("application/dc+sd-jwt", sd_jwt.clone().into_bytes())
            .await;
        a.expect(201);
        let record = a.json()["record"].clone();
        assert_eq!(record["kind"], "employment");
        assert_eq!(record["status"], "verified", "{record}");
        let sd = record["id"].as_str().expect("id").to_string();
        let di = ana
            .add(&json!({"credential": signed(EMPLOYMENT)}), 201)
            .await;

        // A Data Integrity employment record cannot be shown in part: refused at consent.
        let p = ana
            .post(
                "/wallet/grants",
                &json!({
                    "recipient": "https://hr.example.org", "purposes": ["employment"],
                    "recordIds": [di], "fields": {di.clone(): ["positionTitle"]},
                    "expires": expires_in(&s, 3_600), "access": "repeated",
                }),
            )
            .await
            .problem(422);
        assert_eq!(p["title"], "not selectively disclosable");
        // Fields for a record the grant does not name, or that do not exist.
        ana.post(
            "/wallet/grants",
            &json!({
                "recipient": "https://hr.example.org", "purposes": ["employment"],
                "recordIds": [sd], "fields": {sd.clone(): ["salary"]},
                "expires": expires_in(&s, 3_600), "access": "repeated",
            }),
        )
        .await
        .problem(422);

        let given = ana
            .grant(json!({
                "recipient": "https://hr.example.org", "purposes": ["employment"],
                "recordIds": [sd], "fields": {sd.clone(): ["positionTitle", "startDate", "endDate"]},
                "expires": expires_in(&s, 3_600), "access": "repeated",
            }))
            .await;
        assert_eq!(
            given["grant"]["records"][0]["fields"],
            json!(["positionTitle", "startDate", "endDate"])
        );
        let read = h
            .get(&path_of(given["shareUrl"].as_str().expect("url")))
            .await;
        read.expect(200);
        let read = read.json();
        let shown = &read["records"][0];
        assert_eq!(shown["verification"]["verified"], true, "{shown}");
        assert!(
            shown.get("title").is_none(),
            "no summary beside a partial record"
        );
        // The signed consent receipt goes with it, naming the record by id and fields, not
        // by its title (a position may be what was withheld).
        let receipt = &read["receipt"];
        let (status, report) = h.verify(receipt).await;
        assert_eq!(
            (status, &report["verified"]),
            (200, &json!(true)),
            "{report}"
        );
        let named = &receipt["credentialSubject"]["record"][0];
        assert_eq!(
            named["fields"],
            json!(["positionTitle", "startDate", "endDate"])
        );
        assert!(named.get("name").is_none(), "{named}");
        assert!(!receipt.to_string().contains("Warehouse"), "{receipt}");
        let presented = shown["credential"]
            .as_str()
            .expect("an SD-JWT presentation");
        assert_ne!(presented, sd_jwt);
        let verified = ler_sdjwt::verify(
            presented,
            &ler_proof::DidKeyResolver,
            &ler_sdjwt::Expect {
                nonce: read["nonce"].as_str(),
                aud: read["audience"].as_str(),
                now: h.state.now(),
                require_key_binding: true,
            },
        )
        .expect("verifies");
        assert_eq!(verified.claims["positionTitle"], "Warehouse Associate");
        for withheld in ["pay", "hoursPerWeek", "location", "employer"] {
            assert!(verified.claims.get(withheld).is_none(), "{withheld} shown");
        }
    }
}

/// The names of the claims an SD-JWT (or a presentation of one) discloses.
fn disclosed_names(sd_jwt: &str) -> Vec<String> {
    use base64::Engine;
    sd_jwt
        .split('~')
        .skip(1)
        .filter(|d| !d.is_empty() && !d.contains('.'))
        .filter_map(|d| {
            let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(d)
                .expect("a disclosure");
            let disclosure: Value = serde_json::from_slice(&bytes).expect("JSON");
            disclosure[1].as_str().map(String::from)
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn employment_records_the_service_issues_as_sd_jwt_are_shared_without_pay() {
    for (_st, s) in Service::all().await {
        let h = &s.h;
        let ana = s.signup("ana@mail.example").await;
        let unsigned: Value =
            serde_json::from_str(&EMPLOYMENT.replace("did:key:ISSUER", &h.org.did))
                .expect("fixture");
        let a = h
            .post(
                "/credentials/issue",
                &h.keys.issue,
                &json!({"credential": unsigned, "options": {"format": "dc+sd-jwt", "holder": ana.did}}),
            )
            .await;
        a.expect(201);
        let token = a.json()["verifiableCredential"]
            .as_str()
            .expect("an SD-JWT")
            .to_string();
        assert!(disclosed_names(&token).contains(&"pay".to_string()));

        let a = ana
            .upload("application/dc+sd-jwt", token.clone().into_bytes())
            .await;
        a.expect(201);
        let record = a.json()["record"].clone();
        assert_eq!(record["kind"], "employment");
        assert_eq!(record["status"], "verified", "{record}");
        let sd = record["id"].as_str().expect("id").to_string();
        // Delivered by the issuer, the stored token is the same record.
        let delivered = h
            .post(
                "/orgs/acme/deliver",
                &h.keys.issue,
                &json!({"credentialId": "urn:uuid:122f6e21-9388-427b-897b-1015f1ef1aef", "holderDid": ana.did}),
            )
            .await;
        delivered.expect(200);
        assert_eq!(delivered.json()["duplicate"], true);

        let fields = [
            "employer",
            "positionTitle",
            "startDate",
            "endDate",
            "employmentType",
        ];
        let given = ana
            .grant(json!({
                "recipient": "https://hr.example.org", "purposes": ["employment"],
                "recordIds": [sd], "fields": {sd.clone(): fields},
                "expires": expires_in(&s, 3_600), "access": "repeated",
            }))
            .await;
        assert_eq!(given["grant"]["records"][0]["fields"], json!(fields));
        let read = h
            .get(&path_of(given["shareUrl"].as_str().expect("url")))
            .await;
        read.expect(200);
        let read = read.json();
        let shown = &read["records"][0];
        assert_eq!(shown["verification"]["verified"], true, "{shown}");
        let presented = shown["credential"]
            .as_str()
            .expect("an SD-JWT presentation");
        let names = disclosed_names(presented);
        assert!(names.contains(&"positionTitle".to_string()), "{names:?}");
        for withheld in ["pay", "hoursPerWeek", "location"] {
            assert!(!names.contains(&withheld.to_string()), "{withheld} shown");
        }
        assert!(
            !serde_json::to_string(shown).expect("JSON").contains("21.5"),
            "the recipient sees no pay: {shown}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn presentations_hold_exactly_the_granted_records() {
    for (_st, s) in Service::all().await {
        let h = &s.h;
        let ana = s.signup("ana@mail.example").await;
        let r1 = ana.add(&json!({"credential": h.issue().await}), 201).await;
        ana.add(&json!({"credential": h.issue().await}), 201).await;
        let given = ana
            .grant(json!({
                "recipient": "acme", "purposes": ["employment"], "recordIds": [r1],
                "expires": expires_in(&s, 3_600), "access": "repeated",
            }))
            .await;
        let grant_id = given["grant"]["id"].as_str().expect("id");
        let challenge = h.post("/challenges", "", &json!({})).await.json()["challenge"].clone();
        let a = ana
            .post(
                "/wallet/present",
                &json!({"grantId": grant_id, "challenge": challenge, "domain": "acme.example"}),
            )
            .await;
        a.expect(200);
        let vp = a.json()["verifiablePresentation"].clone();
        assert_eq!(vp["holder"], ana.did.as_str());
        assert_eq!(vp["verifiableCredential"].as_array().map(Vec::len), Some(1));
        let verified = h
            .post(
                "/presentations/verify",
                "",
                &json!({"verifiablePresentation": vp, "options": {"challenge": challenge, "domain": "acme.example"}}),
            )
            .await;
        assert_eq!(verified.status, 200, "{}", verified.json());
        // Logged like any disclosure; refused once revoked.
        let log = ana.get("/wallet/log").await.json()["entries"].clone();
        assert_eq!(log.as_array().map(Vec::len), Some(1));
        ana.post(&format!("/wallet/grants/{grant_id}/revoke"), &json!({}))
            .await
            .expect(200);
        ana.post(
            "/wallet/present",
            &json!({"grantId": grant_id, "challenge": "c-2"}),
        )
        .await
        .problem(409);
    }
}

/// One timed request: (started, finished, status).
async fn timed(router: Router, path: String) -> (Instant, Instant, u16) {
    let started = Instant::now();
    let req = Request::builder()
        .uri(&path)
        .body(Body::empty())
        .expect("request");
    let a = send(&router, req).await;
    (started, Instant::now(), a.status.as_u16())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_reads_racing_a_revocation_are_never_served_after_it_commits() {
    for (_st, s) in Service::all().await {
        let h = &s.h;
        let ana = s.signup("ana@mail.example").await;
        let r1 = ana.add(&json!({"credential": h.issue().await}), 201).await;
        let given = ana
            .grant(json!({
                "recipient": "hr@globex.example", "purposes": ["employment"], "recordIds": [r1],
                "expires": expires_in(&s, 3_600), "access": "repeated",
            }))
            .await;
        let grant_id = given["grant"]["id"].as_str().expect("id").to_string();
        let link = path_of(given["shareUrl"].as_str().expect("url"));
        // One read before anything, so the race starts with a served read.
        assert_eq!(timed(h.router.clone(), link.clone()).await.2, 200);

        // 25 reads spread over 50 ms; the revocation starts after 10 ms; then 25 more reads
        // all started after the revocation answered.
        let mut first = Vec::new();
        for i in 0..25u64 {
            let (router, link) = (h.router.clone(), link.clone());
            first.push(tokio::spawn(async move {
                tokio::time::sleep(Duration::from_millis(i * 2)).await;
                timed(router, link).await
            }));
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
        let revoke = ana
            .post(&format!("/wallet/grants/{grant_id}/revoke"), &json!({}))
            .await;
        let revoked_at = Instant::now();
        revoke.expect(200);
        let used_at_revocation = revoke.json()["usedCount"].as_u64().expect("count");
        let mut second = Vec::new();
        for _ in 0..25 {
            second.push(tokio::spawn(timed(h.router.clone(), link.clone())));
        }
        let mut results = Vec::new();
        for task in first.into_iter().chain(second) {
            results.push(task.await.expect("join"));
        }
        assert_eq!(results.len(), 50);
        assert!(
            results.iter().all(|(_, _, st)| *st == 200 || *st == 404),
            "{:?}",
            results.iter().map(|r| r.2).collect::<Vec<_>>()
        );
        let served = 1 + results.iter().filter(|(_, _, st)| *st == 200).count() as u64;
        // Every read served was counted before the revocation committed …
        assert_eq!(
            served, used_at_revocation,
            "served vs counted at revocation"
        );
        // … none that started after it answered was served …
        for (started, _, status) in &results {
            if *started > revoked_at {
                assert_eq!(*status, 404, "a read after the revocation was served");
            }
        }
        // … and the access log holds exactly the served reads.
        let log = ana.get("/wallet/log").await.json()["entries"].clone();
        let entries = log
            .as_array()
            .expect("entries")
            .iter()
            .filter(|e| e["grantId"] == grant_id.as_str())
            .count() as u64;
        assert_eq!(entries, served);
        let grants = ana.get("/wallet/grants").await.json()["grants"].clone();
        assert_eq!(grants[0]["usedCount"].as_u64(), Some(served));
        assert_eq!(timed(h.router.clone(), link).await.2, 404);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_then_import_gives_back_the_same_records() {
    for (_st, s) in Service::all().await {
        let h = &s.h;
        let ana = s.signup("ana@mail.example").await;
        ana.add(&json!({"credential": h.issue().await}), 201).await;
        ana.upload("application/jwt", employment_jwt().into_bytes())
            .await
            .expect(201);
        ana.upload("image/png", baked_png(&signed(OB3)))
            .await
            .expect(201);
        let r = ana.get("/wallet/records").await.json()["other"][0]["id"].clone();
        let given = ana
            .grant(json!({
                "recipient": "acme", "purposes": ["employment"], "recordIds": [r],
                "expires": expires_in(&s, 3_600), "access": "repeated",
            }))
            .await;
        h.get(&path_of(given["shareUrl"].as_str().expect("url")))
            .await
            .expect(200);

        let export = ana.get("/wallet/export").await;
        export.expect(200);
        assert!(
            export
                .header("content-disposition")
                .is_some_and(|d| d.starts_with("attachment"))
        );
        let bundle = export.json();
        assert_eq!(bundle["format"], "ler-wallet-export/v1");
        assert_eq!(bundle["holder"], ana.did.as_str());
        assert_eq!(bundle["records"].as_array().map(Vec::len), Some(3));
        assert_eq!(bundle["grants"].as_array().map(Vec::len), Some(1));
        assert_eq!(bundle["accessLog"].as_array().map(Vec::len), Some(1));

        // Into another wallet: the same records come back.
        let bo = s.signup("bo@mail.example").await;
        let a = bo.post("/wallet/import", &bundle).await;
        a.expect(200);
        assert_eq!(a.json()["imported"].as_array().map(Vec::len), Some(3));
        assert_eq!(a.json()["grants"], 1);
        let records_of = |bundle: &Value| {
            let mut out: Vec<(Value, Value, Value, Value)> = bundle["records"]
                .as_array()
                .expect("records")
                .iter()
                .map(|r| {
                    (
                        r["credential"].clone(),
                        r["fingerprint"].clone(),
                        r["summary"].clone(),
                        r["kind"].clone(),
                    )
                })
                .collect();
            out.sort_by_key(|r| r.1.to_string());
            out
        };
        let again = bo.get("/wallet/export").await.json();
        assert_eq!(records_of(&again), records_of(&bundle));
        for record in again["records"].as_array().expect("records") {
            assert_eq!(
                record["report"]["verified"], true,
                "verified again on import"
            );
        }
        // Importing twice skips every record as a duplicate.
        let a = bo.post("/wallet/import", &bundle).await;
        a.expect(200);
        assert_eq!(a.json()["imported"], json!([]));
        assert_eq!(a.json()["duplicates"].as_array().map(Vec::len), Some(3));
        bo.post("/wallet/import", &json!({"format": "something/v9"}))
            .await
            .problem(422);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn printouts_have_a_code_per_record_leading_to_it() {
    for (_st, s) in Service::all().await {
        let h = &s.h;
        let ana = s.signup("ana@mail.example").await;
        let empty = ana.print("/wallet/print").await;
        empty.expect(200);
        assert!(String::from_utf8_lossy(&empty.bytes).contains("No records."));
        let mut ids = Vec::new();
        ids.push(ana.add(&json!({"credential": h.issue().await}), 201).await);
        ids.push(ana.add(&json!({"credential": signed(OB3)}), 201).await);
        let page = ana.print("/wallet/print").await;
        page.expect(200);
        assert!(
            page.header("content-type")
                .is_some_and(|t| t.starts_with("text/html"))
        );
        let html = String::from_utf8_lossy(&page.bytes).to_string();
        assert_eq!(html.matches("<svg class=\"qr\"").count(), 2);
        for id in &ids {
            // Each code's link: the printout's share link, then the record.
            let needle = format!("/{id}\"");
            let at = html.find(&needle).expect("a link to the record");
            let start = html[..at].rfind("href=\"").expect("href") + "href=\"".len();
            let url = &html[start..at + needle.len() - 1];
            assert!(url.starts_with(&format!("{PUBLIC_URL}/share/")), "{url}");
            let read = h.get(&path_of(url)).await;
            read.expect(200);
            assert_eq!(read.json()["records"][0]["recordId"], id.as_str());
            assert_eq!(read.json()["records"][0]["verification"]["verified"], true);
        }
        s.advance(1);
        let pdf = ana.print("/wallet/print.pdf").await;
        pdf.expect(200);
        assert_eq!(
            pdf.header("content-type").as_deref(),
            Some("application/pdf")
        );
        assert!(pdf.bytes.starts_with(b"%PDF-"));
        // The printouts are grants the holder sees, and can revoke.
        let grants = ana.get("/wallet/grants").await.json()["grants"].clone();
        assert_eq!(grants.as_array().map(Vec::len), Some(2));
        assert_eq!(grants[0]["purposes"], json!(["other"]));
        let first = grants[1]["id"].as_str().expect("id");
        ana.post(&format!("/wallet/grants/{first}/revoke"), &json!({}))
            .await
            .expect(200);
        let start = html.find(&format!("{PUBLIC_URL}/share/")).expect("url");
        let end = start + html[start..].find('"').expect("end");
        h.get(&path_of(&html[start..end])).await.problem(404);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn printing_is_a_post_and_a_get_gives_no_grant() {
    for (_st, s) in Service::all().await {
        let h = &s.h;
        let ana = s.signup("ana@mail.example").await;
        ana.add(&json!({"credential": h.issue().await}), 201).await;
        assert_eq!(ana.grant_count().await, 0);
        // A GET (a prefetch, a crawler, a link) gives no grant: 405, as problem+json.
        for path in ["/wallet/print", "/wallet/print.pdf"] {
            let a = ana.get(path).await;
            a.problem(405);
            assert!(
                a.header("allow").is_some_and(|m| m.contains("POST")),
                "{path}: {:?}",
                a.header("allow")
            );
        }
        assert_eq!(ana.grant_count().await, 0, "a GET gave a grant");
        // A POST without the CSRF token is refused, and gives nothing either.
        let bare = Request::builder()
            .method(Method::POST)
            .uri("/wallet/print")
            .header("cookie", &ana.cookie)
            .body(Body::empty())
            .expect("request");
        send(&ana.router, bare).await.problem(403);
        assert_eq!(
            ana.grant_count().await,
            0,
            "a POST without CSRF gave a grant"
        );
        // The wallet page's form: the token as a `csrf` field.
        let form = Request::builder()
            .method(Method::POST)
            .uri("/wallet/print")
            .header("cookie", &ana.cookie)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(Body::from(format!("csrf={}", ana.csrf)))
            .expect("request");
        let page = send(&ana.router, form).await;
        page.expect(200);
        assert!(
            page.header("content-type")
                .is_some_and(|t| t.starts_with("text/html"))
        );
        assert_eq!(
            String::from_utf8_lossy(&page.bytes)
                .matches("<svg class=\"qr\"")
                .count(),
            1
        );
        assert_eq!(ana.grant_count().await, 1);
        // The header, no body: the PDF.
        let pdf = ana.print("/wallet/print.pdf").await;
        pdf.expect(200);
        assert!(pdf.bytes.starts_with(b"%PDF-"));
        assert_eq!(ana.grant_count().await, 2);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn erasure_removes_the_records_and_pseudonymizes_the_log() {
    for (_st, s) in Service::all().await {
        let h = &s.h;
        let ana = s.signup("ana@mail.example").await;
        let r1 = ana.add(&json!({"credential": h.issue().await}), 201).await;
        let given = ana
            .grant(json!({
                "recipient": "acme", "purposes": ["employment"], "recordIds": [r1],
                "expires": expires_in(&s, 3_600), "access": "repeated",
            }))
            .await;
        let link = path_of(given["shareUrl"].as_str().expect("url"));
        h.get(&link).await.expect(200);
        let holder_id = h
            .state
            .store
            .holder_by_email("ana@mail.example")
            .await
            .expect("store")
            .expect("holder")
            .id;
        assert_eq!(
            h.state
                .store
                .access_log(&holder_id)
                .await
                .expect("log")
                .len(),
            1
        );

        ana.call(
            Method::DELETE,
            "/wallet/me",
            Some(&json!({"password": "wrong password!!"})),
        )
        .await
        .problem(403);
        let a = ana
            .call(
                Method::DELETE,
                "/wallet/me",
                Some(&json!({"password": "correct horse battery"})),
            )
            .await;
        a.expect(200);
        assert!(
            a.header("set-cookie")
                .is_some_and(|c| c.contains("Max-Age=0"))
        );

        // Gone: the session, the account, the records, the grant and its link.
        ana.get("/wallet/records").await.problem(401);
        h.post(
            "/wallet/login",
            "",
            &json!({"email": "ana@mail.example", "password": "correct horse battery"}),
        )
        .await
        .problem(401);
        let store = &h.state.store;
        assert!(store.holder(&holder_id).await.expect("store").is_none());
        assert!(
            store
                .wallet_records(&holder_id)
                .await
                .expect("store")
                .is_empty()
        );
        h.get(&link).await.problem(404);
        // The log stays, under the pseudonym only.
        assert!(store.access_log(&holder_id).await.expect("log").is_empty());
        let pseudonym = ler_wallet::pseudonym(&h.state.pseudonym_secret, &holder_id);
        let kept = store
            .pseudonymous_access_log(&pseudonym)
            .await
            .expect("log");
        assert_eq!(kept.len(), 1);
        assert_eq!(kept[0].holder_id, None);
        assert_eq!(kept[0].record_ids, vec![r1.clone()]);
        // The email is free again.
        s.signup("ana@mail.example").await;
    }
}
