//! Webhooks: subscribing (https only, through the SSRF guard), events written by the requests
//! that cause them (issue, revoke, a grant naming the organization), deliveries to a receiver
//! the test starts on loopback — signed, retried with growing delays on a clock the test
//! moves, every attempt logged — and what survives a restart; on SQLite and, when
//! configured, PostgreSQL.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::http::Method;
use ler_fetch::Policy;
use ler_server::{Clock, Limits, WebhookSettings};
use serde_json::{Value, json};

use crate::harness::{Answer, Harness, PUBLIC_URL, Storage};

/// One request the receiver got: its headers (lower-case names) and body.
#[derive(Clone, Debug)]
struct Received {
    headers: Vec<(String, String)>,
    body: String,
}

impl Received {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// A webhook receiver on loopback answering the statuses it is given in turn (then 200).
struct Receiver {
    port: u16,
    got: Arc<Mutex<Vec<Received>>>,
}

impl Receiver {
    fn start(statuses: Vec<u16>) -> Receiver {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let port = listener.local_addr().expect("addr").port();
        let got: Arc<Mutex<Vec<Received>>> = Arc::default();
        let statuses = Arc::new(Mutex::new(statuses.into_iter()));
        let seen = got.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let mut reader = BufReader::new(stream.try_clone().expect("clone"));
                let mut line = String::new();
                if reader.read_line(&mut line).is_err() {
                    continue;
                }
                let mut headers = Vec::new();
                loop {
                    let mut h = String::new();
                    if reader.read_line(&mut h).is_err() || h.trim().is_empty() {
                        break;
                    }
                    if let Some((k, v)) = h.split_once(':') {
                        headers.push((k.trim().to_ascii_lowercase(), v.trim().to_owned()));
                    }
                }
                let len = headers
                    .iter()
                    .find(|(k, _)| k == "content-length")
                    .and_then(|(_, v)| v.parse::<usize>().ok())
                    .unwrap_or(0);
                let mut body = vec![0; len];
                if reader.read_exact(&mut body).is_err() {
                    continue;
                }
                seen.lock().expect("log").push(Received {
                    headers,
                    body: String::from_utf8_lossy(&body).into_owned(),
                });
                let status = statuses.lock().expect("statuses").next().unwrap_or(200);
                let _ = write!(
                    stream,
                    "HTTP/1.1 {status} X\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok"
                );
            }
        });
        Receiver { port, got }
    }

    /// The URL to subscribe: https, delivered over plain HTTP by the test policy.
    fn url(&self) -> String {
        format!("https://127.0.0.1:{}/hook", self.port)
    }

    fn got(&self) -> Vec<Received> {
        self.got.lock().expect("log").clone()
    }
}

/// A service whose clock the test sets, delivering webhooks to loopback with a 10-second
/// backoff base, its worker running.
struct Service {
    h: Harness,
    now: Arc<AtomicI64>,
    worker: tokio::task::JoinHandle<()>,
}

impl Drop for Service {
    fn drop(&mut self) {
        self.worker.abort();
    }
}

const T0: i64 = 1_800_000_000;

fn settings() -> WebhookSettings {
    WebhookSettings {
        policy: Policy {
            allow_private: true,
            danger_allow_http: true,
            ..Policy::default()
        },
        backoff_base: 10,
        max_backoff: 3600,
        max_attempts: 5,
        poll: Duration::from_millis(20),
        lease: 120,
    }
}

impl Service {
    async fn open(storage: &Storage, fresh: bool, kek: ler_crypto::Kek) -> Service {
        let limits = Limits {
            login_per_minute: 0.0,
            ..Limits::default()
        };
        let h = Harness::open_with(storage, PUBLIC_URL, limits, kek, fresh).await;
        let now = Arc::new(AtomicI64::new(T0));
        let clock = now.clone();
        let state = h
            .state
            .clone()
            .with_clock(Clock::from_fn(move || clock.load(Ordering::SeqCst)))
            .with_webhooks(settings());
        let worker = ler_server::spawn_webhook_worker(state.clone());
        let h = Harness {
            router: ler_server::router(state.clone()),
            state,
            ..h
        };
        Service { h, now, worker }
    }

    fn advance(&self, seconds: i64) {
        self.now.fetch_add(seconds, Ordering::SeqCst);
    }

    async fn org_get(&self, path: &str) -> Answer {
        let auth = format!("Bearer {}", self.h.keys.read);
        self.h
            .call(Method::GET, path, None, &[("authorization", &auth)])
            .await
    }

    /// The deliveries of a subscription.
    async fn deliveries(&self, id: &str) -> Vec<Value> {
        let a = self
            .org_get(&format!("/orgs/acme/webhooks/{id}/deliveries"))
            .await;
        a.expect(200);
        a.json()["deliveries"]
            .as_array()
            .expect("deliveries")
            .clone()
    }

    /// Waits until `check` holds of the deliveries (the worker runs on its own).
    async fn until(&self, id: &str, what: &str, check: impl Fn(&[Value]) -> bool) -> Vec<Value> {
        let start = Instant::now();
        loop {
            let d = self.deliveries(id).await;
            if check(&d) {
                return d;
            }
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "timed out waiting for {what}: {d:#?}"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

/// Subscribes the receiver; (id, secret).
async fn subscribe(s: &Service, url: &str, events: Option<Value>) -> (String, String) {
    let mut body = json!({"url": url});
    if let Some(e) = events {
        body["events"] = e;
    }
    let a = s.h.post("/orgs/acme/webhooks", &s.h.keys.read, &body).await;
    a.expect(201);
    let b = a.json();
    (
        b["id"].as_str().expect("id").to_owned(),
        b["secret"].as_str().expect("secret").to_owned(),
    )
}

/// Checks a delivery's `Ler-Signature` the way a receiver would: its timestamp when the
/// signature verifies.
fn signed_at(secret: &str, r: &Received) -> Option<i64> {
    let header = r.header("ler-signature")?;
    let (t, v1) = header.split_once(',')?;
    let (t, v1) = (t.strip_prefix("t=")?, v1.strip_prefix("v1=")?);
    let mac = ler_wallet::hmac_sha256(secret.as_bytes(), format!("{t}.{}", r.body).as_bytes());
    let hex: String = mac.iter().map(|b| format!("{b:02x}")).collect();
    (v1 == hex).then(|| t.parse().ok()).flatten()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn subscriptions_are_https_guarded_and_scoped_to_their_organization() {
    let storage = Storage::sqlite();
    let s = Service::open(&storage, true, ler_crypto::Kek::generate()).await;
    let r = Receiver::start(vec![]);
    for (url, status) in [
        (format!("http://127.0.0.1:{}/hook", r.port), 422),
        ("ftp://example.org/hook".to_owned(), 422),
        ("https://user:pw@example.org/hook".to_owned(), 422),
    ] {
        s.h.post("/orgs/acme/webhooks", &s.h.keys.read, &json!({"url": url}))
            .await
            .problem(status);
    }
    s.h.post(
        "/orgs/acme/webhooks",
        &s.h.keys.read,
        &json!({"url": r.url(), "events": ["record.exploded"]}),
    )
    .await
    .problem(422);
    s.h.post("/orgs/acme/webhooks", "", &json!({"url": r.url()}))
        .await
        .problem(401);
    let (id, secret) = subscribe(&s, &r.url(), None).await;
    assert!(secret.starts_with("whsec_"));
    let list = s.org_get("/orgs/acme/webhooks").await;
    list.expect(200);
    let hooks = list.json()["webhooks"].clone();
    assert_eq!(hooks[0]["id"], id);
    assert_eq!(
        hooks[0]["events"],
        json!([
            "record.issued",
            "record.shared",
            "record.revoked",
            "batch.finished"
        ])
    );
    assert!(hooks[0].get("secret").is_none(), "the secret is shown once");
    // Another organization's key sees nothing of it.
    let other = ler_server::admin::create_org(
        &s.h.state.store,
        &s.h.state.kek,
        &s.h.state.public_url,
        "other",
        "Other",
        T0,
    )
    .await
    .expect("org");
    let (other_key, _) = ler_server::admin::create_api_key(
        &s.h.state.store,
        &other.0.slug,
        &[ler_store::Scope::Read],
        T0,
    )
    .await
    .expect("key");
    let auth = format!("Bearer {other_key}");
    s.h.call(
        Method::GET,
        &format!("/orgs/acme/webhooks/{id}/deliveries"),
        None,
        &[("authorization", &auth)],
    )
    .await
    .problem(403);
    let del =
        s.h.call(
            Method::DELETE,
            &format!("/orgs/acme/webhooks/{id}"),
            None,
            &[("authorization", &format!("Bearer {}", s.h.keys.read))],
        )
        .await;
    del.expect(204);
    s.org_get(&format!("/orgs/acme/webhooks/{id}/deliveries"))
        .await
        .problem(404);

    // The service's default policy refuses loopback: the SSRF guard applies.
    let strict = Harness::open(&Storage::sqlite(), PUBLIC_URL, Limits::default()).await;
    let a = strict
        .post(
            "/orgs/acme/webhooks",
            &strict.keys.read,
            &json!({"url": r.url()}),
        )
        .await;
    let p = a.problem(422);
    assert!(
        p["detail"]
            .as_str()
            .is_some_and(|d| d.contains("non-public")),
        "{p}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deliveries_are_signed_retried_with_growing_delays_and_logged() {
    for storage in Storage::all().await {
        let s = Service::open(&storage, true, ler_crypto::Kek::generate()).await;
        // 500 twice, then 200.
        let r = Receiver::start(vec![500, 500, 200]);
        let (id, secret) = subscribe(&s, &r.url(), Some(json!(["record.issued"]))).await;
        let vc = s.h.issue().await;

        // Attempt 1 at T0 fails; the next is due at T0 + 10.
        let d = s
            .until(&id, "the first attempt", |d| {
                d.first().is_some_and(|x| x["attempts"] == 1)
            })
            .await;
        assert_eq!(d.len(), 1);
        assert_eq!(d[0]["status"], "pending");
        assert_eq!(d[0]["lastStatus"], 500);
        s.advance(9);
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert_eq!(
            s.deliveries(&id).await[0]["attempts"],
            1,
            "not due before T0 + 10"
        );
        s.advance(1);
        s.until(&id, "the second attempt", |d| d[0]["attempts"] == 2)
            .await;
        // Attempt 2 at T0 + 10 fails; the next waits twice as long: T0 + 30.
        s.advance(19);
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert_eq!(
            s.deliveries(&id).await[0]["attempts"],
            2,
            "not due before T0 + 30"
        );
        s.advance(1);
        let d = s
            .until(&id, "delivery", |d| d[0]["status"] == "delivered")
            .await;
        let log: Vec<(i64, Value)> = d[0]["attemptLog"]
            .as_array()
            .expect("log")
            .iter()
            .map(|a| {
                let at = ler_model::datetime::parse_datetime(a["at"].as_str().expect("at"))
                    .expect("a date-time");
                (at - T0, a["status"].clone())
            })
            .collect();
        assert_eq!(
            log,
            [(0, json!(500)), (10, json!(500)), (30, json!(200))],
            "three attempts, the delays growing (10 s, then 20 s)"
        );
        assert_eq!(d[0]["attempts"], 3);
        assert!(d[0]["finished"].is_string());

        // What the receiver got: three identical bodies, each signed with its own timestamp.
        let got = r.got();
        assert_eq!(got.len(), 3);
        for (n, req) in got.iter().enumerate() {
            let t = signed_at(&secret, req).expect("the signature verifies");
            assert_eq!(t - T0, [0, 10, 30][n]);
            assert_eq!(req.header("ler-event-type"), Some("record.issued"));
            assert_eq!(req.header("ler-webhook-id"), Some(id.as_str()));
            assert_eq!(
                req.header("ler-delivery-attempt"),
                Some((n + 1).to_string().as_str())
            );
            assert_eq!(req.body, got[0].body);
        }
        let event: Value = serde_json::from_str(&got[0].body).expect("JSON");
        assert_eq!(event["type"], "record.issued");
        assert_eq!(event["organization"]["slug"], "acme");
        assert_eq!(event["data"]["credentialId"], vc["id"]);
        // A tampered body does not verify.
        let mut forged = got[0].clone();
        forged.body = forged.body.replace("acme", "evil");
        assert_eq!(signed_at(&secret, &forged), None, "a changed body fails");
        assert_eq!(
            signed_at("whsec_other", &got[0]),
            None,
            "another secret fails"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue_revoke_and_share_each_emit_their_event() {
    for storage in Storage::all().await {
        let s = Service::open(&storage, true, ler_crypto::Kek::generate()).await;
        let r = Receiver::start(vec![]);
        let (id, secret) = subscribe(&s, &r.url(), None).await;
        let (revoked_only, _) = subscribe(&s, &r.url(), Some(json!(["record.revoked"]))).await;

        let vc = s.h.issue().await;
        let cid = vc["id"].as_str().expect("id");
        s.h.set_status(cid, "revocation", true).await.expect(200);
        // Suspension is not revocation: no event.
        let other = s.h.issue_suspendable().await;
        s.h.set_status(other["id"].as_str().expect("id"), "suspension", true)
            .await
            .expect(200);
        // An employment record issued as an SD-JWT VC is announced like any other.
        let employment: Value = serde_json::from_str(
            &include_str!("../../../../fixtures/employment.json")
                .replace("did:key:ISSUER", &s.h.org.did),
        )
        .expect("fixture");
        let worker = ler_crypto::did_key(&ler_crypto::KeyPair::from_seed([7; 32]).public_key());
        s.h.post(
            "/credentials/issue",
            &s.h.keys.issue,
            &json!({"credential": employment, "options": {"format": "dc+sd-jwt", "holder": worker}}),
        )
        .await
        .expect(201);

        // A holder shares a record with the organization.
        let signup =
            s.h.post(
                "/wallet/signup",
                "",
                &json!({"email": "eve@mail.example", "password": "correct horse battery"}),
            )
            .await;
        signup.expect(201);
        let cookie = signup
            .header("set-cookie")
            .expect("cookie")
            .split(';')
            .next()
            .expect("pair")
            .to_owned();
        let csrf = signup.json()["csrfToken"]
            .as_str()
            .expect("csrf")
            .to_owned();
        let holder_did = signup.json()["did"].as_str().expect("did").to_owned();
        let wallet = |path: &'static str, body: Value| {
            let (cookie, csrf, h) = (cookie.clone(), csrf.clone(), &s.h);
            async move {
                h.call(
                    Method::POST,
                    path,
                    Some(&body),
                    &[("cookie", &cookie), ("x-csrf-token", &csrf)],
                )
                .await
            }
        };
        let added = wallet("/wallet/records", json!({"credential": other})).await;
        added.expect(201);
        let record = added.json()["record"]["id"]
            .as_str()
            .expect("id")
            .to_owned();
        let grant = wallet(
            "/wallet/grants",
            json!({
                "recipient": "acme",
                "purposes": ["employment"],
                "recordIds": [record],
                "expires": "2099-01-01",
                "access": "repeated",
            }),
        )
        .await;
        grant.expect(201);
        let grant_id = grant.json()["grant"]["id"].as_str().expect("id").to_owned();

        let d = s
            .until(&id, "five deliveries", |d| {
                d.len() == 5 && d.iter().all(|x| x["status"] == "delivered")
            })
            .await;
        let mut types: Vec<&str> = d.iter().filter_map(|x| x["type"].as_str()).collect();
        types.sort_unstable();
        assert_eq!(
            types,
            [
                "record.issued",
                "record.issued",
                "record.issued",
                "record.revoked",
                "record.shared"
            ]
        );
        let sd_jwt = d
            .iter()
            .find(|x| x["payload"]["data"]["credentialId"] == employment["id"])
            .expect("the SD-JWT VC's event");
        assert_eq!(sd_jwt["type"], "record.issued");
        assert_eq!(
            sd_jwt["payload"]["data"]["recipient"],
            employment["credentialSubject"]["id"]
        );
        let shared = d
            .iter()
            .find(|x| x["type"] == "record.shared")
            .expect("shared");
        assert_eq!(shared["payload"]["data"]["grantId"], grant_id);
        assert_eq!(shared["payload"]["data"]["holder"], holder_did);
        assert_eq!(shared["payload"]["data"]["records"], 1);
        assert_eq!(
            shared["payload"]["data"]["recordsUrl"],
            format!("{PUBLIC_URL}/orgs/acme/grants/{grant_id}/records")
        );
        let revoked = d
            .iter()
            .find(|x| x["type"] == "record.revoked")
            .expect("revoked");
        assert_eq!(revoked["payload"]["data"]["credentialId"], cid);
        let only = s
            .until(&revoked_only, "the revocation", |d| {
                d.len() == 1 && d[0]["status"] == "delivered"
            })
            .await;
        assert_eq!(only[0]["type"], "record.revoked");
        assert_eq!(
            only[0]["eventId"], revoked["eventId"],
            "one event, two subscriptions"
        );
        for req in r
            .got()
            .iter()
            .filter(|g| g.header("ler-webhook-id") == Some(id.as_str()))
        {
            assert!(signed_at(&secret, req).is_some());
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pending_deliveries_survive_a_restart_and_failures_are_given_up() {
    for storage in Storage::all().await {
        let kek = ler_crypto::Kek::generate();
        let kek_text = kek.to_base64();
        let first = Service::open(&storage, true, kek).await;
        // The receiver is down: every attempt fails to connect.
        let closed = TcpListener::bind("127.0.0.1:0").expect("bind");
        let dead = format!(
            "https://127.0.0.1:{}/hook",
            closed.local_addr().expect("addr").port()
        );
        drop(closed);
        let (id, _) = subscribe(&first, &dead, Some(json!(["record.issued"]))).await;
        first.h.issue().await;
        let d = first
            .until(&id, "a failed attempt", |d| {
                d.first().is_some_and(|x| x["attempts"] == 1)
            })
            .await;
        assert!(d[0]["lastStatus"].is_null());
        assert!(d[0]["lastError"].is_string());
        drop(first);

        // A new process on the same storage and KEK takes it up where it was.
        let second = Service::open(
            &storage,
            false,
            ler_crypto::Kek::parse(&kek_text).expect("kek"),
        )
        .await;
        for (n, wait) in [(2, 10), (3, 20), (4, 40), (5, 80)] {
            second.advance(wait);
            second
                .until(&id, "the next attempt", |d| d[0]["attempts"] == n)
                .await;
        }
        let d = second.deliveries(&id).await;
        assert_eq!(d[0]["status"], "failed", "given up after max_attempts");
        assert_eq!(d[0]["attemptLog"].as_array().map(Vec::len), Some(5));
        second.advance(10_000);
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert_eq!(second.deliveries(&id).await[0]["attempts"], 5);
    }
}
