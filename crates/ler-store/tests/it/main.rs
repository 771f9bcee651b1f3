//! Integration tests for ler-store: one conformance suite for both backends.
//!
//! Each case is written once, as `async fn case(store: &Store)` (or `db: &TestDb` when it
//! needs to reopen the store), and [`conformance!`] runs it against a fresh SQLite store in a
//! temporary directory and, when `LER_TEST_POSTGRES` is set, against PostgreSQL in a schema of
//! its own.

/// Declares, for each named case of the enclosing module, a `sqlite::<case>` test and a
/// `postgres::<case>` test (which passes with a notice when PostgreSQL is not configured).
macro_rules! conformance {
    ($($case:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    let db = crate::harness::TestDb::sqlite().await;
                    super::$case(&db).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    let Some(db) = crate::harness::TestDb::postgres().await else { return };
                    super::$case(&db).await;
                }
            )*
        }
    };
}

mod accounts;
mod achievements;
mod batch;
mod cbo;
mod challenges;
mod credentials;
mod harness;
mod oauth;
mod orgs;
mod persistence;
mod schema;
mod status;
mod wallet;
mod webhooks;
