//! A service on fresh storage: a temporary SQLite directory, or a PostgreSQL schema of its own;
//! one organization (`acme`) with API keys of every scope; helpers to call the router.

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};
use std::sync::{Arc, Once};
use std::time::{SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{HeaderMap, Method, Request, StatusCode};
use ler_crypto::Kek;
use ler_server::{AppState, Limits, PublicUrl, admin};
use ler_store::{Location, Org, Scope, Store};
use ler_verify::{FetchError, Fetcher};
use serde_json::{Value, json};
use tower::ServiceExt;

const POSTGRES_VAR: &str = "LER_TEST_POSTGRES";
static NEXT: AtomicU32 = AtomicU32::new(0);
static SKIP_NOTICE: Once = Once::new();

/// A fetcher that refuses all network and counts how often it was asked.
#[derive(Default)]
pub struct Refusing {
    pub calls: AtomicUsize,
}

impl Fetcher for Refusing {
    fn fetch(&self, url: &str) -> Result<Vec<u8>, FetchError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        Err(FetchError::Offline(url.into()))
    }
}

/// Where a test's data lives, removed when dropped.
pub struct Storage {
    pub location: Location,
    cleanup: Option<(String, String)>,
}

fn unique(prefix: &str) -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    format!(
        "{prefix}_{}_{}_{nanos}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

fn postgres_url() -> Option<String> {
    match std::env::var(POSTGRES_VAR) {
        Ok(url) if !url.trim().is_empty() => Some(url),
        _ => {
            SKIP_NOTICE.call_once(|| {
                let _ = writeln!(
                    std::io::stderr(),
                    "PostgreSQL server tests skipped: set {POSTGRES_VAR}=postgres://postgres@127.0.0.1:5432/test"
                );
            });
            None
        }
    }
}

async fn pg_client(url: &str) -> tokio_postgres::Client {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .unwrap_or_else(|e| panic!("cannot connect to {url}: {e}"));
    tokio::spawn(async move {
        let _ = connection.await;
    });
    client
}

impl Storage {
    /// A new temporary SQLite directory.
    pub fn sqlite() -> Storage {
        let dir = std::env::temp_dir().join(unique("ler-server-it"));
        Storage {
            location: Location::SqliteDir(dir),
            cleanup: None,
        }
    }

    /// A new PostgreSQL schema, or `None` when `LER_TEST_POSTGRES` is not set.
    pub async fn postgres() -> Option<Storage> {
        let admin_url = postgres_url()?;
        let schema = unique("ler_server_it");
        pg_client(&admin_url)
            .await
            .batch_execute(&format!("CREATE SCHEMA {schema}"))
            .await
            .expect("create a test schema");
        let sep = if admin_url.contains('?') { '&' } else { '?' };
        let url = format!("{admin_url}{sep}options=-csearch_path%3D{schema}");
        Some(Storage {
            location: Location::Postgres(url),
            cleanup: Some((admin_url, schema)),
        })
    }

    /// Every backend the run covers: SQLite, and PostgreSQL when configured.
    pub async fn all() -> Vec<Storage> {
        let mut all = vec![Storage::sqlite()];
        all.extend(Storage::postgres().await);
        all
    }

    fn dir(&self) -> Option<&PathBuf> {
        match &self.location {
            Location::SqliteDir(d) => Some(d),
            Location::Postgres(_) => None,
        }
    }
}

impl Drop for Storage {
    fn drop(&mut self) {
        if let Some(dir) = self.dir() {
            let _ = std::fs::remove_dir_all(dir);
        }
        if let Some((admin_url, schema)) = self.cleanup.take() {
            let dropped = std::thread::spawn(move || {
                let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                else {
                    return;
                };
                rt.block_on(async {
                    let client = pg_client(&admin_url).await;
                    let _ = client
                        .batch_execute(&format!(
                            "SET lock_timeout = '5s'; DROP SCHEMA IF EXISTS {schema} CASCADE"
                        ))
                        .await;
                });
            });
            let _ = dropped.join();
        }
    }
}

/// API keys of the test organization.
pub struct Keys {
    pub issue: String,
    pub revoke: String,
    pub read: String,
    pub all: String,
}

/// A router over fresh storage with one organization.
pub struct Harness {
    pub state: AppState,
    pub router: Router,
    pub org: Org,
    pub keys: Keys,
    pub refusing: Arc<Refusing>,
}

/// A response: status, headers, body bytes.
pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub bytes: Vec<u8>,
}

impl Answer {
    /// The body as JSON (panics with the body when it is not).
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.bytes)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.bytes)))
    }

    /// A header as text.
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(String::from)
    }

    /// Asserts the status, showing the body when it differs.
    #[track_caller]
    pub fn expect(&self, status: u16) -> &Answer {
        assert_eq!(
            self.status.as_u16(),
            status,
            "body: {}",
            String::from_utf8_lossy(&self.bytes)
        );
        self
    }

    /// Asserts an `application/problem+json` answer with this status.
    #[track_caller]
    pub fn problem(&self, status: u16) -> Value {
        self.expect(status);
        assert_eq!(
            self.header("content-type").as_deref(),
            Some("application/problem+json"),
            "body: {}",
            String::from_utf8_lossy(&self.bytes)
        );
        let p = self.json();
        assert_eq!(p["status"], status);
        assert!(p["title"].is_string() && p["type"].is_string() && p["detail"].is_string());
        p
    }
}

pub const PUBLIC_URL: &str = "http://localhost:8080";

impl Harness {
    /// The service on `storage`, reached at `public_url`, with these limits.
    pub async fn open(storage: &Storage, public_url: &str, limits: Limits) -> Harness {
        Harness::open_with(storage, public_url, limits, Kek::generate(), true).await
    }

    /// The service on `storage` with a given KEK; `fresh` creates the organization (API keys
    /// are created either way).
    pub async fn open_with(
        storage: &Storage,
        public_url: &str,
        limits: Limits,
        kek: Kek,
        fresh: bool,
    ) -> Harness {
        let store = Store::open(&storage.location).await.expect("open store");
        let public_url = PublicUrl::parse(public_url).expect("public url");
        let refusing = Arc::new(Refusing::default());
        let state = AppState::new(
            store.clone(),
            Arc::new(kek),
            public_url.clone(),
            refusing.clone(),
            limits,
        );
        let now = state.now();
        let org = if fresh {
            admin::create_org(&store, &state.kek, &public_url, "acme", "Acme College", now)
                .await
                .expect("create org")
                .0
        } else {
            admin::org(&store, "acme").await.expect("org")
        };
        let key = |scopes: &'static [Scope]| {
            let store = store.clone();
            async move {
                admin::create_api_key(&store, "acme", scopes, now)
                    .await
                    .expect("api key")
                    .0
            }
        };
        let keys = Keys {
            issue: key(&[Scope::Issue]).await,
            revoke: key(&[Scope::Revoke]).await,
            read: key(&[Scope::Read]).await,
            all: key(&[Scope::Issue, Scope::Revoke, Scope::Read]).await,
        };
        let router = ler_server::router(state.clone());
        Harness {
            state,
            router,
            org,
            keys,
            refusing,
        }
    }

    /// The service on fresh SQLite and, when configured, PostgreSQL (storage kept alive
    /// alongside).
    pub async fn all() -> Vec<(Storage, Harness)> {
        let mut out = Vec::new();
        for storage in Storage::all().await {
            let h = Harness::open(&storage, PUBLIC_URL, Limits::default()).await;
            out.push((storage, h));
        }
        out
    }

    /// Sends a request to the router.
    pub async fn send(&self, req: Request<Body>) -> Answer {
        let res = self.router.clone().oneshot(req).await.expect("infallible");
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

    /// A request with an optional JSON body and headers.
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
        headers: &[(&str, &str)],
    ) -> Answer {
        let mut b = Request::builder().method(method).uri(path);
        for (k, v) in headers {
            b = b.header(*k, *v);
        }
        let body = match body {
            Some(v) => {
                b = b.header("content-type", "application/json");
                Body::from(v.to_string())
            }
            None => Body::empty(),
        };
        let mut req = b.body(body).expect("request");
        req.extensions_mut()
            .insert(ConnectInfo(SocketAddr::from(([127, 0, 0, 1], 40000))));
        self.send(req).await
    }

    /// GET without credentials.
    pub async fn get(&self, path: &str) -> Answer {
        self.call(Method::GET, path, None, &[]).await
    }

    /// POST JSON with an API key (or none when `key` is empty).
    pub async fn post(&self, path: &str, key: &str, body: &Value) -> Answer {
        let auth = format!("Bearer {key}");
        let headers: Vec<(&str, &str)> = if key.is_empty() {
            vec![]
        } else {
            vec![("authorization", auth.as_str())]
        };
        self.call(Method::POST, path, Some(body), &headers).await
    }

    /// A minimal VC 2.0 credential from this organization.
    pub fn credential(&self) -> Value {
        json!({
            "@context": ["https://www.w3.org/ns/credentials/v2"],
            "type": ["VerifiableCredential"],
            "issuer": self.org.did,
            "validFrom": "2026-01-01T00:00:00Z",
            "credentialSubject": {"id": "did:example:learner", "name": "Sam"}
        })
    }

    /// Issues [`Harness::credential`] and returns the signed credential.
    pub async fn issue(&self) -> Value {
        let a = self
            .post(
                "/credentials/issue",
                &self.keys.issue,
                &json!({"credential": self.credential()}),
            )
            .await;
        a.expect(201);
        a.json()["verifiableCredential"].clone()
    }

    /// Issues [`Harness::credential`] with a suspension entry besides the revocation entry.
    pub async fn issue_suspendable(&self) -> Value {
        let a = self
            .post(
                "/credentials/issue",
                &self.keys.issue,
                &json!({"credential": self.credential(), "options": {"suspendable": true}}),
            )
            .await;
        a.expect(201);
        a.json()["verifiableCredential"].clone()
    }

    /// Verifies a credential: (status, report).
    pub async fn verify(&self, vc: &Value) -> (u16, Value) {
        let a = self
            .post(
                "/credentials/verify",
                "",
                &json!({"verifiableCredential": vc}),
            )
            .await;
        (a.status.as_u16(), a.json())
    }

    /// Sets a credential's status through the vcalm endpoint.
    pub async fn set_status(&self, id: &str, purpose: &str, status: bool) -> Answer {
        self.post(
            "/credentials/status",
            &self.keys.revoke,
            &json!({
                "credentialId": id,
                "credentialStatus": {"type": "BitstringStatusListEntry", "statusPurpose": purpose},
                "status": status
            }),
        )
        .await
    }
}

/// The message of a report's check, by name.
pub fn check<'a>(report: &'a Value, name: &str) -> Option<(&'a str, &'a str)> {
    report["results"].as_array()?.iter().find_map(|c| {
        (c["check"] == name).then(|| {
            (
                c["status"].as_str().unwrap_or(""),
                c["message"].as_str().unwrap_or(""),
            )
        })
    })
}
