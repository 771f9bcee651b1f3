//! Both backends have the same tables and columns, with compatible types.

use std::collections::BTreeMap;

use crate::harness::{TestDb, pg_client, postgres_url};

/// Table name to its columns in order: (name, type class, nullable).
type Schema = BTreeMap<String, Vec<(String, &'static str, bool)>>;

const TABLES: [&str; 41] = [
    "access_log",
    "achievements",
    "api_keys",
    "batch_items",
    "cbo_cohorts",
    "cbo_corrections",
    "cbo_enrolments",
    "cbo_frameworks",
    "cbo_keys",
    "cbo_milestones",
    "cbo_occupations",
    "cbo_outcome_consents",
    "cbo_outcome_records",
    "cbo_participants",
    "cbo_profiles",
    "cbo_program_occupations",
    "cbo_programs",
    "cbo_progress",
    "cbo_releases",
    "cbo_skills",
    "challenges",
    "claim_tokens",
    "credentials",
    "grants",
    "holder_profiles",
    "holder_sessions",
    "holders",
    "oauth_clients",
    "oauth_codes",
    "oauth_tokens",
    "org_keys",
    "orgs",
    "schema_migrations",
    "sessions",
    "share_links",
    "status_lists",
    "users",
    "wallet_records",
    "webhook_attempts",
    "webhook_deliveries",
    "webhooks",
];

fn class(declared: &str) -> &'static str {
    match declared.to_ascii_lowercase().as_str() {
        "integer" | "bigint" => "integer",
        "text" => "text",
        "blob" | "bytea" => "bytes",
        "boolean" => "boolean",
        other => panic!("unexpected column type {other}"),
    }
}

fn sqlite_schema(db: &TestDb) -> Schema {
    let file = db.sqlite_file().expect("a SQLite store");
    let conn = rusqlite::Connection::open(file).unwrap();
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let mut schema = Schema::new();
    for table in tables {
        let mut stmt = conn
            .prepare("SELECT name, type, \"notnull\" FROM pragma_table_info(?1) ORDER BY cid")
            .unwrap();
        let columns = stmt
            .query_map([&table], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, bool>(2)?,
                ))
            })
            .unwrap()
            .map(|c| c.map(|(name, ty, not_null)| (name, class(&ty), !not_null)))
            .collect::<Result<_, _>>()
            .unwrap();
        schema.insert(table, columns);
    }
    schema
}

async fn postgres_schema(db: &TestDb) -> Schema {
    let ler_store::Location::Postgres(url) = &db.location else {
        panic!("a PostgreSQL store")
    };
    let client = pg_client(url).await;
    let rows = client
        .query(
            "SELECT table_name::text, column_name::text, data_type::text, is_nullable::text FROM information_schema.columns \
             WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position",
            &[],
        )
        .await
        .unwrap();
    let mut schema = Schema::new();
    for row in rows {
        let column = (
            row.get::<_, String>(1),
            class(&row.get::<_, String>(2)),
            row.get::<_, String>(3) == "YES",
        );
        schema.entry(row.get(0)).or_default().push(column);
    }
    schema
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_and_postgres_schemas_match() {
    if postgres_url().is_none() {
        return;
    }
    let sqlite = sqlite_schema(&TestDb::sqlite().await);
    let Some(pg) = TestDb::postgres().await else {
        return;
    };
    let postgres = postgres_schema(&pg).await;
    assert_eq!(
        sqlite.keys().map(String::as_str).collect::<Vec<_>>(),
        TABLES
    );
    for table in TABLES {
        assert_eq!(
            sqlite[table], postgres[table],
            "table {table}: SQLite (left) and PostgreSQL (right) differ"
        );
    }
    assert_eq!(sqlite, postgres);
}
