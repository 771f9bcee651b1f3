//! The PostgreSQL backend: a small pool of `tokio-postgres` clients (no TLS) shared by all
//! requests; several stateless instances may share one database.
//!
//! Writes that read first lock the rows they change (`SELECT … FOR NO KEY UPDATE`, which
//! conflicts with every other updater but, unlike `FOR UPDATE`, not with the foreign-key
//! checks of concurrent credential inserts), so two instances never hand out the same status
//! index or lose each other's bit. Transactions run at READ COMMITTED: a row lock returns the
//! newest committed version of the row.

use std::ops::{Deref, DerefMut};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use serde_json::Value;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio_postgres::error::SqlState;
use tokio_postgres::{Client, Config, GenericClient, NoTls, Row, Transaction};

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

/// Connections a store holds at most.
const POOL_SIZE: usize = 8;
/// How long opening a connection may take, unless the URL says otherwise.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// The migrations, in order: (version, SQL).
const MIGRATIONS: &[(i64, &str)] = &[
    (1, include_str!("../migrations/postgres/0001_init.sql")),
    (2, include_str!("../migrations/postgres/0002_wallet.sql")),
    (3, include_str!("../migrations/postgres/0003_batch.sql")),
    (4, include_str!("../migrations/postgres/0004_cbo.sql")),
    (
        5,
        include_str!("../migrations/postgres/0005_ims_webhooks.sql"),
    ),
    (6, include_str!("../migrations/postgres/0006_cbo_keys.sql")),
    (
        7,
        include_str!("../migrations/postgres/0007_cbo_participants.sql"),
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

/// A handle on one PostgreSQL database, cheap to clone.
#[derive(Clone)]
pub(crate) struct Db {
    pool: Arc<Pool>,
}

struct Pool {
    config: Config,
    permits: Arc<Semaphore>,
    idle: Mutex<Vec<Client>>,
}

/// A client taken from the pool; it goes back when dropped, unless its connection closed.
struct Conn {
    client: Option<Client>,
    pool: Arc<Pool>,
    _permit: OwnedSemaphorePermit,
}

impl Deref for Conn {
    type Target = Client;
    fn deref(&self) -> &Client {
        // Invariant: `client` is `Some` from `Pool::get` until `drop`.
        self.client
            .as_ref()
            .expect("pooled client present until drop")
    }
}

impl DerefMut for Conn {
    fn deref_mut(&mut self) -> &mut Client {
        // Invariant: `client` is `Some` from `Pool::get` until `drop`.
        self.client
            .as_mut()
            .expect("pooled client present until drop")
    }
}

impl Drop for Conn {
    fn drop(&mut self) {
        if let Some(client) = self.client.take()
            && !client.is_closed()
        {
            self.pool
                .idle
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(client);
        }
    }
}

impl Pool {
    /// A client, reusing an idle one whose connection is still open, else connecting anew.
    async fn get(self: &Arc<Self>) -> Result<Conn> {
        let permit = Arc::clone(&self.permits)
            .acquire_owned()
            .await
            .map_err(|_| StoreError::Database("connection pool closed".to_owned()))?;
        let idle = loop {
            let next = self
                .idle
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .pop();
            match next {
                Some(client) if client.is_closed() => continue,
                other => break other,
            }
        };
        let client = match idle {
            Some(client) => client,
            None => {
                let (client, connection) = self.config.connect(NoTls).await.map_err(pg)?;
                // The connection task ends when the client is dropped or the server goes away;
                // the client then reports `is_closed` and is not pooled again.
                tokio::spawn(async move {
                    let _ = connection.await;
                });
                client
            }
        };
        Ok(Conn {
            client: Some(client),
            pool: Arc::clone(self),
            _permit: permit,
        })
    }
}

impl Db {
    pub(crate) async fn open(url: &str) -> Result<Db> {
        let mut config: Config = url
            .parse()
            .map_err(|e| StoreError::Database(format!("invalid PostgreSQL URL: {e}")))?;
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(CONNECT_TIMEOUT);
        }
        let pool = Arc::new(Pool {
            config,
            permits: Arc::new(Semaphore::new(POOL_SIZE)),
            idle: Mutex::new(Vec::new()),
        });
        let mut conn = pool.get().await?;
        migrate(&mut conn).await?;
        drop(conn);
        Ok(Db { pool })
    }

    async fn conn(&self) -> Result<Conn> {
        self.pool.get().await
    }

    pub(crate) async fn ping(&self) -> Result<()> {
        self.conn()
            .await?
            .simple_query("SELECT 1")
            .await
            .map_err(pg)
            .map(drop)
    }

    pub(crate) async fn create_org(
        &self,
        slug: &str,
        name: &str,
        did: &str,
        profile: &Value,
        now: i64,
    ) -> Result<Org> {
        let profile_text = rows::json_text(profile, "profile")?;
        let row = self
            .conn()
            .await?
            .query_one(
                "INSERT INTO orgs (slug, name, did, profile, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
                &[&slug, &name, &did, &profile_text, &now],
            )
            .await
            .or_conflict(|| format!("organization {slug}"))?;
        Ok(Org {
            id: get(&row, 0)?,
            slug: slug.to_owned(),
            name: name.to_owned(),
            did: did.to_owned(),
            profile: profile.clone(),
            created_at: now,
        })
    }

    pub(crate) async fn org_by_slug(&self, slug: &str) -> Result<Option<Org>> {
        let row = self
            .conn()
            .await?
            .query_opt(&format!("SELECT {ORG} FROM orgs WHERE slug = $1"), &[&slug])
            .await
            .map_err(pg)?;
        row.as_ref()
            .map(org_raw)
            .transpose()?
            .map(OrgRaw::into_org)
            .transpose()
    }

    pub(crate) async fn org(&self, id: i64) -> Result<Option<Org>> {
        let row = self
            .conn()
            .await?
            .query_opt(&format!("SELECT {ORG} FROM orgs WHERE id = $1"), &[&id])
            .await
            .map_err(pg)?;
        row.as_ref()
            .map(org_raw)
            .transpose()?
            .map(OrgRaw::into_org)
            .transpose()
    }

    pub(crate) async fn org_by_did(&self, did: &str) -> Result<Option<Org>> {
        let row = self
            .conn()
            .await?
            .query_opt(&format!("SELECT {ORG} FROM orgs WHERE did = $1"), &[&did])
            .await
            .map_err(pg)?;
        row.as_ref()
            .map(org_raw)
            .transpose()?
            .map(OrgRaw::into_org)
            .transpose()
    }

    pub(crate) async fn list_orgs(&self) -> Result<Vec<Org>> {
        let found = self
            .conn()
            .await?
            .query(&format!("SELECT {ORG} FROM orgs ORDER BY slug"), &[])
            .await
            .map_err(pg)?;
        found.iter().map(|r| org_raw(r)?.into_org()).collect()
    }

    pub(crate) async fn update_org(&self, id: i64, name: &str, profile: &Value) -> Result<()> {
        let profile = rows::json_text(profile, "profile")?;
        let changed = self
            .conn()
            .await?
            .execute(
                "UPDATE orgs SET name = $1, profile = $2 WHERE id = $3",
                &[&name, &profile, &id],
            )
            .await
            .map_err(pg)?;
        if changed == 0 {
            return Err(StoreError::NotFound(format!("organization {id}")));
        }
        Ok(())
    }

    pub(crate) async fn add_org_key(
        &self,
        org_id: i64,
        fragment: &str,
        public_multibase: &str,
        encrypted_secret: &str,
        now: i64,
    ) -> Result<OrgKey> {
        let mut conn = self.conn().await?;
        let tx = conn.transaction().await.map_err(pg)?;
        // Serializes key changes of one organization (the partial unique index would otherwise
        // fail the second of two concurrent rotations).
        let org = tx
            .query_opt(
                "SELECT id FROM orgs WHERE id = $1 FOR NO KEY UPDATE",
                &[&org_id],
            )
            .await
            .map_err(pg)?;
        if org.is_none() {
            return Err(StoreError::NotFound(format!("organization {org_id}")));
        }
        tx.execute(
            "UPDATE org_keys SET active = FALSE WHERE org_id = $1 AND active",
            &[&org_id],
        )
        .await
        .map_err(pg)?;
        let row = tx
            .query_one(
                "INSERT INTO org_keys (org_id, fragment, public_multibase, encrypted_secret, active, created_at) \
                 VALUES ($1, $2, $3, $4, TRUE, $5) RETURNING id",
                &[&org_id, &fragment, &public_multibase, &encrypted_secret, &now],
            )
            .await
            .or_conflict(|| format!("key {fragment} of organization {org_id}"))?;
        let id = get(&row, 0)?;
        tx.commit().await.map_err(pg)?;
        Ok(OrgKey {
            id,
            org_id,
            fragment: fragment.to_owned(),
            public_multibase: public_multibase.to_owned(),
            encrypted_secret: encrypted_secret.to_owned(),
            active: true,
            created_at: now,
        })
    }

    pub(crate) async fn org_keys(&self, org_id: i64) -> Result<Vec<OrgKey>> {
        let found = self
            .conn()
            .await?
            .query(
                &format!("SELECT {ORG_KEY} FROM org_keys WHERE org_id = $1 ORDER BY id"),
                &[&org_id],
            )
            .await
            .map_err(pg)?;
        found.iter().map(org_key).collect()
    }

    pub(crate) async fn create_api_key(
        &self,
        org_id: i64,
        key_hash: &str,
        prefix: &str,
        scopes: &[Scope],
        now: i64,
    ) -> Result<ApiKey> {
        let row = self
            .conn()
            .await?
            .query_one(
                "INSERT INTO api_keys (org_id, key_hash, prefix, scopes, created_at, revoked) VALUES ($1, $2, $3, $4, $5, FALSE) RETURNING id",
                &[&org_id, &key_hash, &prefix, &rows::scopes_text(scopes), &now],
            )
            .await
            .or_conflict(|| format!("api key {prefix}"))?;
        Ok(ApiKey {
            id: get(&row, 0)?,
            org_id,
            prefix: prefix.to_owned(),
            scopes: scopes.to_vec(),
            created_at: now,
            revoked: false,
        })
    }

    pub(crate) async fn api_key_by_hash(&self, key_hash: &str) -> Result<Option<ApiKey>> {
        let row = self
            .conn()
            .await?
            .query_opt(
                &format!("SELECT {API_KEY} FROM api_keys WHERE key_hash = $1"),
                &[&key_hash],
            )
            .await
            .map_err(pg)?;
        row.as_ref()
            .map(api_key_raw)
            .transpose()?
            .map(ApiKeyRaw::into_api_key)
            .transpose()
    }

    pub(crate) async fn revoke_api_key(&self, id: i64) -> Result<()> {
        if self
            .conn()
            .await?
            .execute("UPDATE api_keys SET revoked = TRUE WHERE id = $1", &[&id])
            .await
            .map_err(pg)?
            == 0
        {
            return Err(StoreError::NotFound(format!("api key {id}")));
        }
        Ok(())
    }

    pub(crate) async fn create_user(
        &self,
        org_id: i64,
        email: &str,
        password_hash: &str,
        role: &str,
        now: i64,
    ) -> Result<User> {
        let row = self
            .conn()
            .await?
            .query_one(
                "INSERT INTO users (org_id, email, password_hash, role, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
                &[&org_id, &email, &password_hash, &role, &now],
            )
            .await
            .or_conflict(|| format!("user {email}"))?;
        Ok(User {
            id: get(&row, 0)?,
            org_id,
            email: email.to_owned(),
            password_hash: password_hash.to_owned(),
            role: role.to_owned(),
            created_at: now,
        })
    }

    pub(crate) async fn user_by_email(&self, email: &str) -> Result<Option<User>> {
        let row = self
            .conn()
            .await?
            .query_opt(
                &format!("SELECT {USER} FROM users WHERE email = $1"),
                &[&email],
            )
            .await
            .map_err(pg)?;
        row.as_ref().map(|r| user(r, 0)).transpose()
    }

    pub(crate) async fn create_session(&self, session: &Session) -> Result<()> {
        self.conn()
            .await?
            .execute(
                "INSERT INTO sessions (token_hash, user_id, csrf, expires_at) VALUES ($1, $2, $3, $4)",
                &[&session.token_hash, &session.user_id, &session.csrf, &session.expires_at],
            )
            .await
            .or_conflict(|| "session".to_owned())
            .map(drop)
    }

    pub(crate) async fn session(
        &self,
        token_hash: &str,
        now: i64,
    ) -> Result<Option<(Session, User)>> {
        let row = self
            .conn()
            .await?
            .query_opt(
                "SELECT s.token_hash, s.user_id, s.csrf, s.expires_at, \
                        u.id, u.org_id, u.email, u.password_hash, u.role, u.created_at \
                 FROM sessions s JOIN users u ON u.id = s.user_id \
                 WHERE s.token_hash = $1 AND s.expires_at > $2",
                &[&token_hash, &now],
            )
            .await
            .map_err(pg)?;
        let Some(r) = row else { return Ok(None) };
        let session = Session {
            token_hash: get(&r, 0)?,
            user_id: get(&r, 1)?,
            csrf: get(&r, 2)?,
            expires_at: get(&r, 3)?,
        };
        Ok(Some((session, user(&r, 4)?)))
    }

    pub(crate) async fn delete_session(&self, token_hash: &str) -> Result<()> {
        self.conn()
            .await?
            .execute("DELETE FROM sessions WHERE token_hash = $1", &[&token_hash])
            .await
            .map_err(pg)
            .map(drop)
    }

    pub(crate) async fn put_achievement(
        &self,
        org_id: i64,
        id: &str,
        json: &Value,
        now: i64,
    ) -> Result<bool> {
        let json = rows::json_text(json, "achievement")?;
        // `xmax = 0` holds for a row this statement inserted and not for one it updated: the
        // usual way to tell the two outcomes of an upsert apart in one atomic statement.
        let row = self
            .conn()
            .await?
            .query_one(
                "INSERT INTO achievements (org_id, id, json, created_at, updated_at) VALUES ($1, $2, $3, $4, $4) \
                 ON CONFLICT (org_id, id) DO UPDATE SET json = EXCLUDED.json, updated_at = EXCLUDED.updated_at \
                 RETURNING (xmax = 0) AS created",
                &[&org_id, &id, &json, &now],
            )
            .await
            .or_conflict(|| format!("achievement {id}"))?;
        get(&row, 0)
    }

    pub(crate) async fn achievement(&self, org_id: i64, id: &str) -> Result<Option<Value>> {
        let row = self
            .conn()
            .await?
            .query_opt(
                "SELECT json FROM achievements WHERE org_id = $1 AND id = $2",
                &[&org_id, &id],
            )
            .await
            .map_err(pg)?;
        row.map(|r| rows::parse_json(&get::<String>(&r, 0)?, "achievement"))
            .transpose()
    }

    pub(crate) async fn list_achievements(&self, org_id: i64) -> Result<Vec<Value>> {
        let found = self
            .conn()
            .await?
            .query(
                "SELECT json FROM achievements WHERE org_id = $1 ORDER BY id",
                &[&org_id],
            )
            .await
            .map_err(pg)?;
        found
            .iter()
            .map(|r| rows::parse_json(&get::<String>(r, 0)?, "achievement"))
            .collect()
    }

    pub(crate) async fn delete_achievement(&self, org_id: i64, id: &str) -> Result<bool> {
        let deleted = self
            .conn()
            .await?
            .execute(
                "DELETE FROM achievements WHERE org_id = $1 AND id = $2",
                &[&org_id, &id],
            )
            .await
            .map_err(pg)?;
        Ok(deleted > 0)
    }

    pub(crate) async fn allocate_status_index(
        &self,
        org_id: i64,
        purpose: Purpose,
        new_list_size: u64,
        new_list_id: &str,
        now: i64,
    ) -> Result<(StatusListRow, u64)> {
        let mut fresh = Some(ListRaw::empty(
            org_id,
            new_list_id,
            purpose,
            new_list_size,
            now,
        )?);
        let mut conn = self.conn().await?;
        let tx = conn.transaction().await.map_err(pg)?;
        // Terminates: every pass either allocates or marks one more list full, and a list
        // created here has room.
        loop {
            // Every allocator of the organization queues on the same (first non-full) list row;
            // when the list fills up meanwhile, the re-checked condition skips it.
            let found = tx
                .query_opt(
                    &format!("SELECT {LIST} FROM status_lists WHERE org_id = $1 AND purpose = $2 AND allocated < size ORDER BY id LIMIT 1 FOR NO KEY UPDATE"),
                    &[&org_id, &purpose.as_str()],
                )
                .await
                .map_err(pg)?;
            let mut list = match (found, fresh.take()) {
                (Some(row), _) => list_raw(&row)?,
                (None, Some(new)) => insert_list(&tx, new).await?,
                (None, None) => {
                    return Err(StoreError::Database(
                        "a new status list has no free index".to_owned(),
                    ));
                }
            };
            let index = list.allocate(now)?;
            tx.execute(
                "UPDATE status_lists SET used = $1, allocated = $2, version = $3, updated_at = $4 WHERE id = $5",
                &[&list.used, &list.allocated, &list.version, &list.updated_at, &list.id],
            )
            .await
            .map_err(pg)?;
            if let Some(index) = index {
                tx.commit().await.map_err(pg)?;
                return Ok((list.into_row()?, index));
            }
        }
    }

    pub(crate) async fn status_list(
        &self,
        org_id: i64,
        list_id: &str,
    ) -> Result<Option<StatusListRow>> {
        let row = self
            .conn()
            .await?
            .query_opt(
                &format!("SELECT {LIST} FROM status_lists WHERE org_id = $1 AND list_id = $2"),
                &[&org_id, &list_id],
            )
            .await
            .map_err(pg)?;
        row.as_ref()
            .map(list_raw)
            .transpose()?
            .map(ListRaw::into_row)
            .transpose()
    }

    pub(crate) async fn status_list_by_id(&self, id: i64) -> Result<Option<StatusListRow>> {
        let row = self
            .conn()
            .await?
            .query_opt(
                &format!("SELECT {LIST} FROM status_lists WHERE id = $1"),
                &[&id],
            )
            .await
            .map_err(pg)?;
        row.as_ref()
            .map(list_raw)
            .transpose()?
            .map(ListRaw::into_row)
            .transpose()
    }

    pub(crate) async fn insert_credential(&self, row: &CredentialRow) -> Result<()> {
        let d = CredentialDerived::of(row)?;
        self.conn()
            .await?
            .execute(
                "INSERT INTO credentials (id, org_id, achievement_id, recipient, name, search, json, \
                     revocation_list, revocation_index, suspension_list, suspension_index, revoked, suspended, issued_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
                &[
                    &row.id,
                    &row.org_id,
                    &row.achievement_id,
                    &row.recipient,
                    &d.name,
                    &d.search,
                    &d.json,
                    &d.revocation_list,
                    &d.revocation_index,
                    &d.suspension_list,
                    &d.suspension_index,
                    &row.revoked,
                    &row.suspended,
                    &row.issued_at,
                ],
            )
            .await
            .or_conflict(|| format!("credential {} or its status entry", row.id))
            .map(drop)
    }

    pub(crate) async fn credential(&self, id: &str) -> Result<Option<CredentialRow>> {
        let conn = self.conn().await?;
        credential_in(&*conn, id, "")
            .await?
            .map(CredentialRaw::into_row)
            .transpose()
    }

    pub(crate) async fn list_credentials(
        &self,
        org_id: i64,
        query: &CredentialQuery,
    ) -> Result<Vec<CredentialRow>> {
        let pattern = rows::search_pattern(query);
        let (limit, offset) = (rows::page_limit(query), i64::from(query.offset));
        let found = self
            .conn()
            .await?
            .query(
                &format!(
                    "SELECT {CREDENTIAL} FROM credentials \
                     WHERE org_id = $1 AND ($2::text IS NULL OR search LIKE $2 ESCAPE '\\') \
                     ORDER BY issued_at DESC, id DESC LIMIT $3 OFFSET $4"
                ),
                &[&org_id, &pattern, &limit, &offset],
            )
            .await
            .map_err(pg)?;
        found
            .iter()
            .map(|r| credential_raw(r)?.into_row())
            .collect()
    }

    pub(crate) async fn set_credential_status(
        &self,
        id: &str,
        purpose: Purpose,
        value: bool,
        now: i64,
    ) -> Result<CredentialRow> {
        let mut conn = self.conn().await?;
        let tx = conn.transaction().await.map_err(pg)?;
        // Lock order: the credential, then its list (allocation locks lists only), so two
        // status changes never wait on each other in a cycle.
        let mut row = credential_in(&tx, id, "FOR NO KEY UPDATE")
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("credential {id}")))?
            .into_row()?;
        let Some((list_id, index)) = rows::status_change(&row, purpose, value)? else {
            return Ok(row);
        };
        let list = tx
            .query_opt(
                &format!("SELECT {LIST} FROM status_lists WHERE id = $1 FOR NO KEY UPDATE"),
                &[&list_id],
            )
            .await
            .map_err(pg)?;
        let mut list =
            list_raw(&list.ok_or_else(|| StoreError::NotFound(format!("status list {list_id}")))?)?;
        rows::set_status_bit(&mut list, index, value, now)?;
        tx.execute(
            "UPDATE status_lists SET bits = $1, version = $2, updated_at = $3 WHERE id = $4",
            &[&list.bits, &list.version, &list.updated_at, &list.id],
        )
        .await
        .map_err(pg)?;
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
            &format!("UPDATE credentials SET {column} = $1 WHERE id = $2"),
            &[&value, &id],
        )
        .await
        .map_err(pg)?;
        tx.commit().await.map_err(pg)?;
        Ok(row)
    }

    pub(crate) async fn create_challenge(&self, challenge: &str, expires_at: i64) -> Result<()> {
        self.conn()
            .await?
            .execute(
                "INSERT INTO challenges (challenge, expires_at, used) VALUES ($1, $2, FALSE)",
                &[&challenge, &expires_at],
            )
            .await
            .or_conflict(|| "challenge".to_owned())
            .map(drop)
    }

    pub(crate) async fn use_challenge(&self, challenge: &str, now: i64) -> Result<ChallengeUse> {
        let conn = self.conn().await?;
        let taken = conn
            .execute("UPDATE challenges SET used = TRUE WHERE challenge = $1 AND NOT used AND expires_at > $2", &[&challenge, &now])
            .await
            .map_err(pg)?;
        if taken == 1 {
            return Ok(ChallengeUse::Accepted);
        }
        let row = conn
            .query_opt(
                "SELECT used FROM challenges WHERE challenge = $1",
                &[&challenge],
            )
            .await
            .map_err(pg)?;
        Ok(match row.map(|r| get::<bool>(&r, 0)).transpose()? {
            None => ChallengeUse::Unknown,
            Some(true) => ChallengeUse::AlreadyUsed,
            Some(false) => ChallengeUse::Expired,
        })
    }
}

/// Applies the pending migrations in one transaction, holding an advisory lock so instances
/// starting together migrate one at a time (one lock per schema).
async fn migrate(client: &mut Client) -> Result<()> {
    let tx = client.transaction().await.map_err(pg)?;
    tx.execute(
        "SELECT pg_advisory_xact_lock(hashtext('ler-store:' || coalesce(current_schema(), '')))",
        &[],
    )
    .await
    .map_err(pg)?;
    tx.batch_execute("CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, applied_at BIGINT NOT NULL)").await.map_err(pg)?;
    let applied: Vec<i64> = tx
        .query("SELECT version FROM schema_migrations", &[])
        .await
        .map_err(pg)?
        .iter()
        .map(|r| get(r, 0))
        .collect::<Result<_>>()?;
    for &(version, sql) in MIGRATIONS {
        if applied.contains(&version) {
            continue;
        }
        tx.batch_execute(sql)
            .await
            .map_err(|e| StoreError::Database(format!("migration {version}: {}", describe(&e))))?;
        tx.execute("INSERT INTO schema_migrations (version, applied_at) VALUES ($1, extract(epoch FROM now())::bigint)", &[&version]).await.map_err(pg)?;
    }
    tx.commit().await.map_err(pg)
}

async fn insert_list(tx: &Transaction<'_>, new: ListRaw) -> Result<ListRaw> {
    let row = tx
        .query_one(
            "INSERT INTO status_lists (org_id, list_id, purpose, size, bits, used, allocated, version, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
            &[&new.org_id, &new.list_id, &new.purpose, &new.size, &new.bits, &new.used, &new.allocated, &new.version, &new.updated_at],
        )
        .await
        .or_conflict(|| format!("status list {}", new.list_id))?;
    Ok(ListRaw {
        id: get(&row, 0)?,
        ..new
    })
}

/// A credential by id; `lock` is appended to the query (empty, or a row-locking clause).
async fn credential_in<C: GenericClient>(
    client: &C,
    id: &str,
    lock: &str,
) -> Result<Option<CredentialRaw>> {
    let row = client
        .query_opt(
            &format!("SELECT {CREDENTIAL} FROM credentials WHERE id = $1 {lock}"),
            &[&id],
        )
        .await
        .map_err(pg)?;
    row.as_ref().map(credential_raw).transpose()
}

/// Column `idx` of `row`; a type mismatch is a database error, not a panic.
fn get<'a, T: tokio_postgres::types::FromSql<'a>>(row: &'a Row, idx: usize) -> Result<T> {
    row.try_get(idx).map_err(pg)
}

fn org_raw(r: &Row) -> Result<OrgRaw> {
    Ok(OrgRaw {
        id: get(r, 0)?,
        slug: get(r, 1)?,
        name: get(r, 2)?,
        did: get(r, 3)?,
        profile: get(r, 4)?,
        created_at: get(r, 5)?,
    })
}

fn org_key(r: &Row) -> Result<OrgKey> {
    Ok(OrgKey {
        id: get(r, 0)?,
        org_id: get(r, 1)?,
        fragment: get(r, 2)?,
        public_multibase: get(r, 3)?,
        encrypted_secret: get(r, 4)?,
        active: get(r, 5)?,
        created_at: get(r, 6)?,
    })
}

fn api_key_raw(r: &Row) -> Result<ApiKeyRaw> {
    Ok(ApiKeyRaw {
        id: get(r, 0)?,
        org_id: get(r, 1)?,
        prefix: get(r, 2)?,
        scopes: get(r, 3)?,
        created_at: get(r, 4)?,
        revoked: get(r, 5)?,
    })
}

/// A user from the columns starting at `at`.
fn user(r: &Row, at: usize) -> Result<User> {
    Ok(User {
        id: get(r, at)?,
        org_id: get(r, at + 1)?,
        email: get(r, at + 2)?,
        password_hash: get(r, at + 3)?,
        role: get(r, at + 4)?,
        created_at: get(r, at + 5)?,
    })
}

fn list_raw(r: &Row) -> Result<ListRaw> {
    Ok(ListRaw {
        id: get(r, 0)?,
        org_id: get(r, 1)?,
        list_id: get(r, 2)?,
        purpose: get(r, 3)?,
        size: get(r, 4)?,
        bits: get(r, 5)?,
        used: get(r, 6)?,
        allocated: get(r, 7)?,
        version: get(r, 8)?,
        updated_at: get(r, 9)?,
    })
}

fn credential_raw(r: &Row) -> Result<CredentialRaw> {
    Ok(CredentialRaw {
        id: get(r, 0)?,
        org_id: get(r, 1)?,
        achievement_id: get(r, 2)?,
        recipient: get(r, 3)?,
        json: get(r, 4)?,
        revocation_list: get(r, 5)?,
        revocation_index: get(r, 6)?,
        suspension_list: get(r, 7)?,
        suspension_index: get(r, 8)?,
        revoked: get(r, 9)?,
        suspended: get(r, 10)?,
        issued_at: get(r, 11)?,
    })
}

/// The error with the server's message or the underlying cause, for the log.
fn describe(e: &tokio_postgres::Error) -> String {
    match (e.as_db_error(), std::error::Error::source(e)) {
        (Some(db), _) => format!("{e}: {db}"),
        (None, Some(source)) => format!("{e}: {source}"),
        (None, None) => e.to_string(),
    }
}

fn pg(e: tokio_postgres::Error) -> StoreError {
    StoreError::Database(describe(&e))
}

/// Maps unique and foreign-key violations to [`StoreError`]s the caller can act on.
trait PgResult<T> {
    /// A unique constraint is a `Conflict` over `what`; a missing referenced row `NotFound`.
    fn or_conflict(self, what: impl FnOnce() -> String) -> Result<T>;
}

impl<T> PgResult<T> for std::result::Result<T, tokio_postgres::Error> {
    fn or_conflict(self, what: impl FnOnce() -> String) -> Result<T> {
        self.map_err(|e| match e.code() {
            Some(code) if *code == SqlState::UNIQUE_VIOLATION => StoreError::Conflict(what()),
            Some(code) if *code == SqlState::FOREIGN_KEY_VIOLATION => {
                StoreError::NotFound(format!("a row that {} refers to", what()))
            }
            _ => pg(e),
        })
    }
}
