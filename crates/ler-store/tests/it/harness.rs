//! Fresh stores for the conformance cases: a temporary SQLite directory, or a PostgreSQL
//! schema of its own (so tests running in parallel never see each other's rows).

use std::io::Write;
use std::ops::Deref;
use std::path::PathBuf;
use std::sync::Once;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use ler_store::{Location, Org, Store};
use serde_json::json;

/// The variable naming the PostgreSQL database the suite may use.
const POSTGRES_VAR: &str = "LER_TEST_POSTGRES";

static NEXT: AtomicU32 = AtomicU32::new(0);
static SKIP_NOTICE: Once = Once::new();

/// A store opened on fresh, empty storage, removed again when dropped.
pub struct TestDb {
    pub store: Store,
    pub location: Location,
    cleanup: Cleanup,
}

enum Cleanup {
    Dir(PathBuf),
    Schema { admin_url: String, schema: String },
}

impl Deref for TestDb {
    type Target = Store;
    fn deref(&self) -> &Store {
        &self.store
    }
}

/// A name no other test of any concurrent run uses.
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

/// The PostgreSQL URL, or `None` (after saying so once) when the suite should skip it.
pub fn postgres_url() -> Option<String> {
    match std::env::var(POSTGRES_VAR) {
        Ok(url) if !url.trim().is_empty() => Some(url),
        _ => {
            SKIP_NOTICE.call_once(|| {
                // Straight to stderr: libtest captures `eprintln!` of passing tests.
                let _ = writeln!(std::io::stderr(), "PostgreSQL tests skipped: set {POSTGRES_VAR}=postgres://postgres@127.0.0.1:5432/test");
            });
            None
        }
    }
}

/// `url` with `search_path` set to `schema` for every connection made from it.
fn with_search_path(url: &str, schema: &str) -> String {
    let sep = if url.contains('?') { '&' } else { '?' };
    format!("{url}{sep}options=-csearch_path%3D{schema}")
}

/// A plain client on `url`, its connection driven by a spawned task.
pub async fn pg_client(url: &str) -> tokio_postgres::Client {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .unwrap_or_else(|e| panic!("cannot connect to {url}: {e}"));
    tokio::spawn(async move {
        let _ = connection.await;
    });
    client
}

impl TestDb {
    /// A store in a new temporary directory.
    pub async fn sqlite() -> TestDb {
        let dir = std::env::temp_dir().join(unique("ler-store-it"));
        let location = Location::SqliteDir(dir.clone());
        let store = Store::open(&location)
            .await
            .expect("open a fresh SQLite store");
        TestDb {
            store,
            location,
            cleanup: Cleanup::Dir(dir),
        }
    }

    /// A store in a new PostgreSQL schema, or `None` when `LER_TEST_POSTGRES` is not set.
    pub async fn postgres() -> Option<TestDb> {
        let admin_url = postgres_url()?;
        let schema = unique("ler_it");
        pg_client(&admin_url)
            .await
            .batch_execute(&format!("CREATE SCHEMA {schema}"))
            .await
            .expect("create a test schema");
        let location = Location::Postgres(with_search_path(&admin_url, &schema));
        let store = Store::open(&location)
            .await
            .expect("open a fresh PostgreSQL store");
        Some(TestDb {
            store,
            location,
            cleanup: Cleanup::Schema { admin_url, schema },
        })
    }

    /// Another store on the same storage: a restarted process, or a second instance.
    pub async fn reopen(&self) -> Store {
        Store::open(&self.location).await.expect("reopen the store")
    }

    /// The SQLite database file (SQLite stores only).
    pub fn sqlite_file(&self) -> Option<PathBuf> {
        match &self.location {
            Location::SqliteDir(dir) => Some(dir.join("ler.sqlite3")),
            Location::Postgres(_) => None,
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        match &self.cleanup {
            Cleanup::Dir(dir) => {
                let _ = std::fs::remove_dir_all(dir);
            }
            Cleanup::Schema { admin_url, schema } => {
                // Drop cannot await; a short-lived runtime on another thread does the work (also
                // while a failed test unwinds).
                let (admin_url, schema) = (admin_url.clone(), schema.clone());
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
}

/// Creates an organization named after `slug`.
pub async fn org(store: &Store, slug: &str) -> Org {
    store
        .create_org(
            slug,
            &format!("{slug} college"),
            &format!("did:web:example.org:orgs:{slug}"),
            &json!({"url": "https://example.org"}),
            1_000,
        )
        .await
        .expect("create org")
}
