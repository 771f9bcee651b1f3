//! The SQLite backend: one file `<dir>/ler.sqlite3` in WAL mode, one writer connection behind a
//! mutex and a few reader connections, every blocking call on tokio's blocking pool.
//!
//! Every connection runs with `synchronous=FULL`, so a committed write is on disk before it is
//! acknowledged; writes that read first (`allocate_status_index`, `set_credential_status`,
//! `put_achievement`, `add_org_key`) take the write lock up front with `BEGIN IMMEDIATE`, which
//! also serializes them against other processes sharing the file.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use rusqlite::{Connection, OptionalExtension, Row, Transaction, TransactionBehavior, ffi, params};
use serde_json::Value;

mod batch;
mod cbo;
mod oauth;
mod wallet;
mod webhooks;

use crate::rows::{self, ApiKeyRaw, CredentialDerived, CredentialRaw, ListRaw, OrgRaw};
use crate::{
    ApiKey, ChallengeUse, CredentialQuery, CredentialRow, Org, OrgKey, Purpose, Result, Scope,
    Session, StatusListRow, StoreError, User,
};

/// The database file inside the store's directory.
const FILE_NAME: &str = "ler.sqlite3";
/// How long a connection waits for another process's write lock.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);
/// Idle reader connections kept open.
const IDLE_READERS: usize = 4;
/// The writer's page cache, in KiB (a negative `cache_size` is KiB): 32 MiB.
const WRITER_CACHE_KIB: i64 = -32 * 1024;

/// The migrations, in order: (version, SQL).
const MIGRATIONS: &[(i64, &str)] = &[
    (1, include_str!("../migrations/sqlite/0001_init.sql")),
    (2, include_str!("../migrations/sqlite/0002_wallet.sql")),
    (3, include_str!("../migrations/sqlite/0003_batch.sql")),
    (4, include_str!("../migrations/sqlite/0004_cbo.sql")),
    (
        5,
        include_str!("../migrations/sqlite/0005_ims_webhooks.sql"),
    ),
    (6, include_str!("../migrations/sqlite/0006_cbo_keys.sql")),
    (
        7,
        include_str!("../migrations/sqlite/0007_cbo_participants.sql"),
    ),
];

const ORG: &str = "id, slug, name, did, profile, created_at";
const ORG_KEY: &str =
    "id, org_id, fragment, public_multibase, encrypted_secret, active, created_at";
const API_KEY: &str = "id, org_id, prefix, scopes, created_at, revoked";
const USER: &str = "id, org_id, email, password_hash, role, created_at";
const LIST: &str = "id, org_id, list_id, purpose, size, bits, used, allocated, version, updated_at";
const CREDENTIAL: &str = "id, org_id, achievement_id, recipient, json, revocation_list, revocation_index, \
     suspension_list, suspension_index, revoked, suspended, issued_at";

/// A handle on one SQLite database, cheap to clone.
#[derive(Clone)]
pub(crate) struct Db {
    inner: Arc<Inner>,
}

struct Inner {
    path: PathBuf,
    writer: Mutex<Connection>,
    readers: Mutex<Vec<Connection>>,
}

impl Db {
    pub(crate) async fn open(dir: &Path) -> Result<Db> {
        let dir = dir.to_owned();
        blocking(move || {
            std::fs::create_dir_all(&dir).map_err(|e| {
                StoreError::Database(format!("cannot create {}: {e}", dir.display()))
            })?;
            let path = dir.join(FILE_NAME);
            let mut writer = connect(&path)?;
            // Bulk issuance inserts into indexes keyed by random ids: with SQLite's default
            // 2 MB page cache the writer rereads pages from disk as the table grows.
            writer
                .pragma_update(None, "cache_size", WRITER_CACHE_KIB)
                .db()?;
            migrate(&mut writer)?;
            Ok(Db {
                inner: Arc::new(Inner {
                    path,
                    writer: Mutex::new(writer),
                    readers: Mutex::new(Vec::new()),
                }),
            })
        })
        .await
    }

    /// Runs `f` on the writer connection.
    async fn write<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T> + Send + 'static,
    {
        let inner = Arc::clone(&self.inner);
        blocking(move || {
            // A panic while the lock was held leaves no open transaction behind: rusqlite rolls
            // back a `Transaction` when it is dropped during unwinding.
            let mut conn = inner.writer.lock().unwrap_or_else(PoisonError::into_inner);
            f(&mut conn)
        })
        .await
    }

    /// Runs `f` in an immediate (write-locked) transaction on the writer connection.
    async fn write_tx<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&Transaction<'_>) -> Result<T> + Send + 'static,
    {
        self.write(move |conn| {
            let tx = conn
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .db()?;
            let value = f(&tx)?;
            tx.commit().db()?;
            Ok(value)
        })
        .await
    }

    /// Runs `f` on a reader connection (WAL lets it read while the writer writes).
    async fn read<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T> + Send + 'static,
    {
        let inner = Arc::clone(&self.inner);
        blocking(move || {
            let idle = inner
                .readers
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .pop();
            let conn = match idle {
                Some(conn) => conn,
                None => {
                    let conn = connect(&inner.path)?;
                    conn.pragma_update(None, "query_only", "ON").db()?;
                    conn
                }
            };
            let value = f(&conn);
            let mut readers = inner.readers.lock().unwrap_or_else(PoisonError::into_inner);
            if readers.len() < IDLE_READERS {
                readers.push(conn);
            }
            value
        })
        .await
    }

    pub(crate) async fn ping(&self) -> Result<()> {
        self.read(|conn| conn.query_row("SELECT 1", [], |_| Ok(())).db())
            .await
    }

    pub(crate) async fn create_org(
        &self,
        slug: &str,
        name: &str,
        did: &str,
        profile: &Value,
        now: i64,
    ) -> Result<Org> {
        let (slug, name, did) = (slug.to_owned(), name.to_owned(), did.to_owned());
        let profile_text = rows::json_text(profile, "profile")?;
        let profile = profile.clone();
        self.write(move |conn| {
            conn.execute(
                "INSERT INTO orgs (slug, name, did, profile, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![slug, name, did, profile_text, now],
            )
            .or_conflict(|| format!("organization {slug}"))?;
            Ok(Org { id: conn.last_insert_rowid(), slug, name, did, profile, created_at: now })
        })
        .await
    }

    pub(crate) async fn org_by_slug(&self, slug: &str) -> Result<Option<Org>> {
        self.org_where("slug = ?1", slug.to_owned()).await
    }

    pub(crate) async fn org(&self, id: i64) -> Result<Option<Org>> {
        self.org_where("id = ?1", id).await
    }

    pub(crate) async fn org_by_did(&self, did: &str) -> Result<Option<Org>> {
        self.org_where("did = ?1", did.to_owned()).await
    }

    async fn org_where<P: rusqlite::ToSql + Send + 'static>(
        &self,
        condition: &'static str,
        param: P,
    ) -> Result<Option<Org>> {
        self.read(move |conn| {
            conn.query_row(
                &format!("SELECT {ORG} FROM orgs WHERE {condition}"),
                [param],
                org_raw,
            )
            .optional()
            .db()?
            .map(OrgRaw::into_org)
            .transpose()
        })
        .await
    }

    pub(crate) async fn list_orgs(&self) -> Result<Vec<Org>> {
        self.read(|conn| {
            let mut stmt = conn
                .prepare(&format!("SELECT {ORG} FROM orgs ORDER BY slug"))
                .db()?;
            let raws = stmt
                .query_map([], org_raw)
                .db()?
                .collect::<rusqlite::Result<Vec<_>>>()
                .db()?;
            raws.into_iter().map(OrgRaw::into_org).collect()
        })
        .await
    }

    pub(crate) async fn update_org(&self, id: i64, name: &str, profile: &Value) -> Result<()> {
        let name = name.to_owned();
        let profile = rows::json_text(profile, "profile")?;
        self.write(move |conn| {
            let changed = conn
                .execute(
                    "UPDATE orgs SET name = ?1, profile = ?2 WHERE id = ?3",
                    params![name, profile, id],
                )
                .db()?;
            if changed == 0 {
                return Err(StoreError::NotFound(format!("organization {id}")));
            }
            Ok(())
        })
        .await
    }

    pub(crate) async fn add_org_key(
        &self,
        org_id: i64,
        fragment: &str,
        public_multibase: &str,
        encrypted_secret: &str,
        now: i64,
    ) -> Result<OrgKey> {
        let key = OrgKey {
            id: 0,
            org_id,
            fragment: fragment.to_owned(),
            public_multibase: public_multibase.to_owned(),
            encrypted_secret: encrypted_secret.to_owned(),
            active: true,
            created_at: now,
        };
        self.write_tx(move |tx| {
            tx.execute("UPDATE org_keys SET active = FALSE WHERE org_id = ?1 AND active", [org_id]).db()?;
            tx.execute(
                "INSERT INTO org_keys (org_id, fragment, public_multibase, encrypted_secret, active, created_at) \
                 VALUES (?1, ?2, ?3, ?4, TRUE, ?5)",
                params![org_id, key.fragment, key.public_multibase, key.encrypted_secret, now],
            )
            .or_conflict(|| format!("key {} of organization {org_id}", key.fragment))?;
            Ok(OrgKey { id: tx.last_insert_rowid(), ..key })
        })
        .await
    }

    pub(crate) async fn org_keys(&self, org_id: i64) -> Result<Vec<OrgKey>> {
        self.read(move |conn| {
            let mut stmt = conn
                .prepare(&format!(
                    "SELECT {ORG_KEY} FROM org_keys WHERE org_id = ?1 ORDER BY id"
                ))
                .db()?;
            let keys = stmt
                .query_map([org_id], org_key)
                .db()?
                .collect::<rusqlite::Result<Vec<_>>>()
                .db()?;
            Ok(keys)
        })
        .await
    }

    pub(crate) async fn create_api_key(
        &self,
        org_id: i64,
        key_hash: &str,
        prefix: &str,
        scopes: &[Scope],
        now: i64,
    ) -> Result<ApiKey> {
        let (key_hash, prefix, scopes) = (key_hash.to_owned(), prefix.to_owned(), scopes.to_vec());
        self.write(move |conn| {
            conn.execute(
                "INSERT INTO api_keys (org_id, key_hash, prefix, scopes, created_at, revoked) VALUES (?1, ?2, ?3, ?4, ?5, FALSE)",
                params![org_id, key_hash, prefix, rows::scopes_text(&scopes), now],
            )
            .or_conflict(|| format!("api key {prefix}"))?;
            Ok(ApiKey { id: conn.last_insert_rowid(), org_id, prefix, scopes, created_at: now, revoked: false })
        })
        .await
    }

    pub(crate) async fn api_key_by_hash(&self, key_hash: &str) -> Result<Option<ApiKey>> {
        let key_hash = key_hash.to_owned();
        self.read(move |conn| {
            conn.query_row(
                &format!("SELECT {API_KEY} FROM api_keys WHERE key_hash = ?1"),
                [key_hash],
                api_key_raw,
            )
            .optional()
            .db()?
            .map(ApiKeyRaw::into_api_key)
            .transpose()
        })
        .await
    }

    pub(crate) async fn revoke_api_key(&self, id: i64) -> Result<()> {
        self.write(move |conn| {
            if conn
                .execute("UPDATE api_keys SET revoked = TRUE WHERE id = ?1", [id])
                .db()?
                == 0
            {
                return Err(StoreError::NotFound(format!("api key {id}")));
            }
            Ok(())
        })
        .await
    }

    pub(crate) async fn create_user(
        &self,
        org_id: i64,
        email: &str,
        password_hash: &str,
        role: &str,
        now: i64,
    ) -> Result<User> {
        let (email, password_hash, role) =
            (email.to_owned(), password_hash.to_owned(), role.to_owned());
        self.write(move |conn| {
            conn.execute(
                "INSERT INTO users (org_id, email, password_hash, role, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![org_id, email, password_hash, role, now],
            )
            .or_conflict(|| format!("user {email}"))?;
            Ok(User { id: conn.last_insert_rowid(), org_id, email, password_hash, role, created_at: now })
        })
        .await
    }

    pub(crate) async fn user_by_email(&self, email: &str) -> Result<Option<User>> {
        let email = email.to_owned();
        self.read(move |conn| {
            conn.query_row(
                &format!("SELECT {USER} FROM users WHERE email = ?1"),
                [email],
                |r| user(r, 0),
            )
            .optional()
            .db()
        })
        .await
    }

    pub(crate) async fn create_session(&self, session: &Session) -> Result<()> {
        let s = session.clone();
        self.write(move |conn| {
            conn.execute(
                "INSERT INTO sessions (token_hash, user_id, csrf, expires_at) VALUES (?1, ?2, ?3, ?4)",
                params![s.token_hash, s.user_id, s.csrf, s.expires_at],
            )
            .or_conflict(|| "session".to_owned())?;
            Ok(())
        })
        .await
    }

    pub(crate) async fn session(
        &self,
        token_hash: &str,
        now: i64,
    ) -> Result<Option<(Session, User)>> {
        let token_hash = token_hash.to_owned();
        self.read(move |conn| {
            conn.query_row(
                "SELECT s.token_hash, s.user_id, s.csrf, s.expires_at, \
                        u.id, u.org_id, u.email, u.password_hash, u.role, u.created_at \
                 FROM sessions s JOIN users u ON u.id = s.user_id \
                 WHERE s.token_hash = ?1 AND s.expires_at > ?2",
                params![token_hash, now],
                |r| {
                    let session = Session {
                        token_hash: r.get(0)?,
                        user_id: r.get(1)?,
                        csrf: r.get(2)?,
                        expires_at: r.get(3)?,
                    };
                    Ok((session, user(r, 4)?))
                },
            )
            .optional()
            .db()
        })
        .await
    }

    pub(crate) async fn delete_session(&self, token_hash: &str) -> Result<()> {
        let token_hash = token_hash.to_owned();
        self.write(move |conn| {
            conn.execute("DELETE FROM sessions WHERE token_hash = ?1", [token_hash])
                .db()
                .map(drop)
        })
        .await
    }

    pub(crate) async fn put_achievement(
        &self,
        org_id: i64,
        id: &str,
        json: &Value,
        now: i64,
    ) -> Result<bool> {
        let id = id.to_owned();
        let json = rows::json_text(json, "achievement")?;
        self.write_tx(move |tx| {
            let replaced =
                tx.execute("UPDATE achievements SET json = ?1, updated_at = ?2 WHERE org_id = ?3 AND id = ?4", params![json, now, org_id, id]).db()?;
            if replaced > 0 {
                return Ok(false);
            }
            tx.execute("INSERT INTO achievements (org_id, id, json, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?4)", params![org_id, id, json, now])
                .or_conflict(|| format!("achievement {id}"))?;
            Ok(true)
        })
        .await
    }

    pub(crate) async fn achievement(&self, org_id: i64, id: &str) -> Result<Option<Value>> {
        let id = id.to_owned();
        self.read(move |conn| {
            let text: Option<String> = conn
                .query_row(
                    "SELECT json FROM achievements WHERE org_id = ?1 AND id = ?2",
                    params![org_id, id],
                    |r| r.get(0),
                )
                .optional()
                .db()?;
            text.map(|t| rows::parse_json(&t, "achievement"))
                .transpose()
        })
        .await
    }

    pub(crate) async fn list_achievements(&self, org_id: i64) -> Result<Vec<Value>> {
        self.read(move |conn| {
            let mut stmt = conn
                .prepare("SELECT json FROM achievements WHERE org_id = ?1 ORDER BY id")
                .db()?;
            let texts = stmt
                .query_map([org_id], |r| r.get::<_, String>(0))
                .db()?
                .collect::<rusqlite::Result<Vec<_>>>()
                .db()?;
            texts
                .iter()
                .map(|t| rows::parse_json(t, "achievement"))
                .collect()
        })
        .await
    }

    pub(crate) async fn delete_achievement(&self, org_id: i64, id: &str) -> Result<bool> {
        let id = id.to_owned();
        self.write(move |conn| {
            Ok(conn
                .execute(
                    "DELETE FROM achievements WHERE org_id = ?1 AND id = ?2",
                    params![org_id, id],
                )
                .db()?
                > 0)
        })
        .await
    }

    pub(crate) async fn allocate_status_index(
        &self,
        org_id: i64,
        purpose: Purpose,
        new_list_size: u64,
        new_list_id: &str,
        now: i64,
    ) -> Result<(StatusListRow, u64)> {
        // Checked before the transaction so a bad size fails without touching the database.
        let fresh = ListRaw::empty(org_id, new_list_id, purpose, new_list_size, now)?;
        self.write_tx(move |tx| {
            let mut fresh = Some(fresh);
            // Terminates: every pass either allocates or marks one more list full, and a list
            // created here has room.
            loop {
                let found = tx
                    .query_row(
                        &format!("SELECT {LIST} FROM status_lists WHERE org_id = ?1 AND purpose = ?2 AND allocated < size ORDER BY id LIMIT 1"),
                        params![org_id, purpose.as_str()],
                        list_raw,
                    )
                    .optional()
                    .db()?;
                let mut list = match (found, fresh.take()) {
                    (Some(list), _) => list,
                    (None, Some(new)) => insert_list(tx, new)?,
                    (None, None) => return Err(StoreError::Database("a new status list has no free index".to_owned())),
                };
                let index = list.allocate(now)?;
                update_list(tx, &list, true)?;
                if let Some(index) = index {
                    return Ok((list.into_row()?, index));
                }
            }
        })
        .await
    }

    pub(crate) async fn status_list(
        &self,
        org_id: i64,
        list_id: &str,
    ) -> Result<Option<StatusListRow>> {
        let list_id = list_id.to_owned();
        self.read(move |conn| {
            conn.query_row(
                &format!("SELECT {LIST} FROM status_lists WHERE org_id = ?1 AND list_id = ?2"),
                params![org_id, list_id],
                list_raw,
            )
            .optional()
            .db()?
            .map(ListRaw::into_row)
            .transpose()
        })
        .await
    }

    pub(crate) async fn status_list_by_id(&self, id: i64) -> Result<Option<StatusListRow>> {
        self.read(move |conn| {
            conn.query_row(
                &format!("SELECT {LIST} FROM status_lists WHERE id = ?1"),
                [id],
                list_raw,
            )
            .optional()
            .db()?
            .map(ListRaw::into_row)
            .transpose()
        })
        .await
    }

    pub(crate) async fn insert_credential(&self, row: &CredentialRow) -> Result<()> {
        let d = CredentialDerived::of(row)?;
        let row = row.clone();
        self.write(move |conn| {
            conn.execute(
                "INSERT INTO credentials (id, org_id, achievement_id, recipient, name, search, json, \
                     revocation_list, revocation_index, suspension_list, suspension_index, revoked, suspended, issued_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
                params![
                    row.id,
                    row.org_id,
                    row.achievement_id,
                    row.recipient,
                    d.name,
                    d.search,
                    d.json,
                    d.revocation_list,
                    d.revocation_index,
                    d.suspension_list,
                    d.suspension_index,
                    row.revoked,
                    row.suspended,
                    row.issued_at
                ],
            )
            .or_conflict(|| format!("credential {} or its status entry", row.id))?;
            Ok(())
        })
        .await
    }

    pub(crate) async fn credential(&self, id: &str) -> Result<Option<CredentialRow>> {
        let id = id.to_owned();
        self.read(move |conn| {
            credential_in(conn, &id)?
                .map(CredentialRaw::into_row)
                .transpose()
        })
        .await
    }

    pub(crate) async fn list_credentials(
        &self,
        org_id: i64,
        query: &CredentialQuery,
    ) -> Result<Vec<CredentialRow>> {
        let pattern = rows::search_pattern(query);
        let (limit, offset) = (rows::page_limit(query), i64::from(query.offset));
        self.read(move |conn| {
            let mut stmt = conn
                .prepare(&format!(
                    "SELECT {CREDENTIAL} FROM credentials \
                     WHERE org_id = ?1 AND (?2 IS NULL OR search LIKE ?2 ESCAPE '\\') \
                     ORDER BY issued_at DESC, id DESC LIMIT ?3 OFFSET ?4"
                ))
                .db()?;
            let raws = stmt
                .query_map(params![org_id, pattern, limit, offset], credential_raw)
                .db()?
                .collect::<rusqlite::Result<Vec<_>>>()
                .db()?;
            raws.into_iter().map(CredentialRaw::into_row).collect()
        })
        .await
    }

    pub(crate) async fn set_credential_status(
        &self,
        id: &str,
        purpose: Purpose,
        value: bool,
        now: i64,
    ) -> Result<CredentialRow> {
        let id = id.to_owned();
        self.write_tx(move |tx| {
            let mut row = credential_in(tx, &id)?
                .ok_or_else(|| StoreError::NotFound(format!("credential {id}")))?
                .into_row()?;
            let Some((list_id, index)) = rows::status_change(&row, purpose, value)? else {
                return Ok(row);
            };
            let mut list = tx
                .query_row(
                    &format!("SELECT {LIST} FROM status_lists WHERE id = ?1"),
                    [list_id],
                    list_raw,
                )
                .optional()
                .db()?
                .ok_or_else(|| StoreError::NotFound(format!("status list {list_id}")))?;
            rows::set_status_bit(&mut list, index, value, now)?;
            update_list(tx, &list, false)?;
            let column = match purpose {
                Purpose::Revocation => {
                    row.revoked = value;
                    "revoked"
                }
                Purpose::Suspension => {
                    row.suspended = value;
                    "suspended"
                }
            };
            tx.execute(
                &format!("UPDATE credentials SET {column} = ?1 WHERE id = ?2"),
                params![value, id],
            )
            .db()?;
            Ok(row)
        })
        .await
    }

    pub(crate) async fn create_challenge(&self, challenge: &str, expires_at: i64) -> Result<()> {
        let challenge = challenge.to_owned();
        self.write(move |conn| {
            conn.execute(
                "INSERT INTO challenges (challenge, expires_at, used) VALUES (?1, ?2, FALSE)",
                params![challenge, expires_at],
            )
            .or_conflict(|| "challenge".to_owned())?;
            Ok(())
        })
        .await
    }

    pub(crate) async fn use_challenge(&self, challenge: &str, now: i64) -> Result<ChallengeUse> {
        let challenge = challenge.to_owned();
        self.write(move |conn| {
            let taken = conn
                .execute("UPDATE challenges SET used = TRUE WHERE challenge = ?1 AND NOT used AND expires_at > ?2", params![challenge, now])
                .db()?;
            if taken == 1 {
                return Ok(ChallengeUse::Accepted);
            }
            let state: Option<bool> = conn.query_row("SELECT used FROM challenges WHERE challenge = ?1", [challenge], |r| r.get(0)).optional().db()?;
            Ok(match state {
                None => ChallengeUse::Unknown,
                Some(true) => ChallengeUse::AlreadyUsed,
                Some(false) => ChallengeUse::Expired,
            })
        })
        .await
    }
}

/// Opens a connection with the store's settings.
fn connect(path: &Path) -> Result<Connection> {
    let conn = Connection::open(path)
        .map_err(|e| StoreError::Database(format!("cannot open {}: {e}", path.display())))?;
    conn.busy_timeout(BUSY_TIMEOUT).db()?;
    let mode: String = conn
        .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
        .db()?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(StoreError::Database(format!(
            "{} cannot use WAL (journal mode {mode})",
            path.display()
        )));
    }
    // Acknowledged means durable: every commit is synced, not just checkpoints.
    conn.pragma_update(None, "synchronous", "FULL").db()?;
    conn.pragma_update(None, "foreign_keys", "ON").db()?;
    // Deleted content is overwritten, not left in free pages: erasing a holder erases.
    conn.pragma_update(None, "secure_delete", "ON").db()?;
    Ok(conn)
}

/// Applies the pending migrations in one transaction.
fn migrate(conn: &mut Connection) -> Result<()> {
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .db()?;
    tx.execute_batch("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY NOT NULL, applied_at INTEGER NOT NULL)").db()?;
    let applied = {
        let mut stmt = tx.prepare("SELECT version FROM schema_migrations").db()?;
        stmt.query_map([], |r| r.get::<_, i64>(0))
            .db()?
            .collect::<rusqlite::Result<Vec<_>>>()
            .db()?
    };
    for &(version, sql) in MIGRATIONS {
        if applied.contains(&version) {
            continue;
        }
        tx.execute_batch(sql)
            .map_err(|e| StoreError::Database(format!("migration {version}: {e}")))?;
        tx.execute(
            "INSERT INTO schema_migrations (version, applied_at) VALUES (?1, unixepoch())",
            [version],
        )
        .db()?;
    }
    tx.commit().db()
}

fn insert_list(tx: &Transaction<'_>, new: ListRaw) -> Result<ListRaw> {
    tx.execute(
        "INSERT INTO status_lists (org_id, list_id, purpose, size, bits, used, allocated, version, updated_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![new.org_id, new.list_id, new.purpose, new.size, new.bits, new.used, new.allocated, new.version, new.updated_at],
    )
    .or_conflict(|| format!("status list {}", new.list_id))?;
    Ok(ListRaw {
        id: tx.last_insert_rowid(),
        ..new
    })
}

/// Writes back a list's mutable columns: `used` and `allocated` after an allocation, `bits`
/// after a status change.
fn update_list(tx: &Transaction<'_>, list: &ListRaw, allocation: bool) -> Result<()> {
    if allocation {
        tx.execute(
            "UPDATE status_lists SET used = ?1, allocated = ?2, version = ?3, updated_at = ?4 WHERE id = ?5",
            params![list.used, list.allocated, list.version, list.updated_at, list.id],
        )
    } else {
        tx.execute("UPDATE status_lists SET bits = ?1, version = ?2, updated_at = ?3 WHERE id = ?4", params![list.bits, list.version, list.updated_at, list.id])
    }
    .db()
    .map(drop)
}

fn credential_in(conn: &Connection, id: &str) -> Result<Option<CredentialRaw>> {
    conn.query_row(
        &format!("SELECT {CREDENTIAL} FROM credentials WHERE id = ?1"),
        [id],
        credential_raw,
    )
    .optional()
    .db()
}

fn org_raw(r: &Row<'_>) -> rusqlite::Result<OrgRaw> {
    Ok(OrgRaw {
        id: r.get(0)?,
        slug: r.get(1)?,
        name: r.get(2)?,
        did: r.get(3)?,
        profile: r.get(4)?,
        created_at: r.get(5)?,
    })
}

fn org_key(r: &Row<'_>) -> rusqlite::Result<OrgKey> {
    Ok(OrgKey {
        id: r.get(0)?,
        org_id: r.get(1)?,
        fragment: r.get(2)?,
        public_multibase: r.get(3)?,
        encrypted_secret: r.get(4)?,
        active: r.get(5)?,
        created_at: r.get(6)?,
    })
}

fn api_key_raw(r: &Row<'_>) -> rusqlite::Result<ApiKeyRaw> {
    Ok(ApiKeyRaw {
        id: r.get(0)?,
        org_id: r.get(1)?,
        prefix: r.get(2)?,
        scopes: r.get(3)?,
        created_at: r.get(4)?,
        revoked: r.get(5)?,
    })
}

/// A user from the columns starting at `at`.
fn user(r: &Row<'_>, at: usize) -> rusqlite::Result<User> {
    Ok(User {
        id: r.get(at)?,
        org_id: r.get(at + 1)?,
        email: r.get(at + 2)?,
        password_hash: r.get(at + 3)?,
        role: r.get(at + 4)?,
        created_at: r.get(at + 5)?,
    })
}

fn list_raw(r: &Row<'_>) -> rusqlite::Result<ListRaw> {
    Ok(ListRaw {
        id: r.get(0)?,
        org_id: r.get(1)?,
        list_id: r.get(2)?,
        purpose: r.get(3)?,
        size: r.get(4)?,
        bits: r.get(5)?,
        used: r.get(6)?,
        allocated: r.get(7)?,
        version: r.get(8)?,
        updated_at: r.get(9)?,
    })
}

fn credential_raw(r: &Row<'_>) -> rusqlite::Result<CredentialRaw> {
    Ok(CredentialRaw {
        id: r.get(0)?,
        org_id: r.get(1)?,
        achievement_id: r.get(2)?,
        recipient: r.get(3)?,
        json: r.get(4)?,
        revocation_list: r.get(5)?,
        revocation_index: r.get(6)?,
        suspension_list: r.get(7)?,
        suspension_index: r.get(8)?,
        revoked: r.get(9)?,
        suspended: r.get(10)?,
        issued_at: r.get(11)?,
    })
}

/// Runs blocking database work on tokio's blocking pool.
async fn blocking<T, F>(f: F) -> Result<T>
where
    T: Send + 'static,
    F: FnOnce() -> Result<T> + Send + 'static,
{
    match tokio::task::spawn_blocking(f).await {
        Ok(result) => result,
        // A panic is a bug in this crate: let it surface where it can be seen.
        Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
        Err(e) => Err(StoreError::Database(format!("database task failed: {e}"))),
    }
}

/// Maps rusqlite errors to [`StoreError`].
trait SqlResult<T> {
    /// Any failure is a database error.
    fn db(self) -> Result<T>;
    /// A unique constraint is a `Conflict` over `what`; a missing referenced row `NotFound`.
    fn or_conflict(self, what: impl FnOnce() -> String) -> Result<T>;
}

impl<T> SqlResult<T> for rusqlite::Result<T> {
    fn db(self) -> Result<T> {
        self.map_err(|e| StoreError::Database(e.to_string()))
    }

    fn or_conflict(self, what: impl FnOnce() -> String) -> Result<T> {
        self.map_err(|e| match &e {
            rusqlite::Error::SqliteFailure(f, _)
                if matches!(
                    f.extended_code,
                    ffi::SQLITE_CONSTRAINT_UNIQUE | ffi::SQLITE_CONSTRAINT_PRIMARYKEY
                ) =>
            {
                StoreError::Conflict(what())
            }
            rusqlite::Error::SqliteFailure(f, _)
                if f.extended_code == ffi::SQLITE_CONSTRAINT_FOREIGNKEY =>
            {
                StoreError::NotFound(format!("a row that {} refers to", what()))
            }
            _ => StoreError::Database(e.to_string()),
        })
    }
}
