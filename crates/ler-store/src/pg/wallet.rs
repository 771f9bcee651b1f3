//! The wallet tables on PostgreSQL. A read through a grant locks the grant's row
//! (`FOR NO KEY UPDATE`) for the whole decide-count-log transaction, and a revocation updates
//! that row, so the two are serialized: a read either commits (and is logged) before the
//! revocation, or waits for it and sees the grant revoked. Writes that must not race an erasure
//! lock the holder's row `FOR KEY SHARE`, which the erasure's `FOR UPDATE` excludes.

use tokio_postgres::{GenericClient, Row};

use super::{Db, PgResult, get, pg};
use crate::wallet::{
    AccessDecision, AccessDenial, AccessKey, AccessLogRow, AccessRequest, AccessVia, ClaimToken,
    ClaimUse, GrantRow, Holder, HolderSession, Revocation, ShareLink, WalletRecord, grant_denial,
    ids_of, ids_text, requested,
};
use crate::{Result, StoreError};

const HOLDER: &str = "id, email, password_hash, did, encrypted_key, wrapped_data_key, created_at";
const RECORD: &str = "id, holder_id, fingerprint, kind, sealed, received_at";
const GRANT: &str = "id, holder_id, recipient, record_ids, sealed, created_at, expires_at, one_time, used_count, revoked_at";
const LOG: &str = "seq, holder_id, pseudonym, grant_id, recipient, record_ids, via, at";

impl Db {
    pub(crate) async fn create_holder(&self, h: &Holder) -> Result<()> {
        self.conn()
            .await?
            .execute(
                "INSERT INTO holders (id, email, password_hash, did, encrypted_key, wrapped_data_key, created_at, deleted_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, NULL)",
                &[&h.id, &h.email, &h.password_hash, &h.did, &h.encrypted_key, &h.wrapped_data_key, &h.created_at],
            )
            .await
            .or_conflict(|| format!("holder {} or its email or DID", h.id))
            .map(drop)
    }

    pub(crate) async fn holder(&self, id: &str) -> Result<Option<Holder>> {
        self.holder_where("id", id).await
    }

    pub(crate) async fn holder_by_email(&self, email: &str) -> Result<Option<Holder>> {
        self.holder_where("email", email).await
    }

    pub(crate) async fn holder_by_did(&self, did: &str) -> Result<Option<Holder>> {
        self.holder_where("did", did).await
    }

    async fn holder_where(&self, column: &'static str, value: &str) -> Result<Option<Holder>> {
        let row = self
            .conn()
            .await?
            .query_opt(
                &format!("SELECT {HOLDER} FROM holders WHERE {column} = $1 AND deleted_at IS NULL"),
                &[&value],
            )
            .await
            .map_err(pg)?;
        row.as_ref().map(|r| holder(r, 0)).transpose()
    }

    pub(crate) async fn create_holder_session(&self, s: &HolderSession) -> Result<()> {
        self.conn()
            .await?
            .execute(
                "INSERT INTO holder_sessions (token_hash, holder_id, csrf, expires_at) VALUES ($1, $2, $3, $4)",
                &[&s.token_hash, &s.holder_id, &s.csrf, &s.expires_at],
            )
            .await
            .or_conflict(|| "holder session".to_owned())
            .map(drop)
    }

    pub(crate) async fn holder_session(
        &self,
        token_hash: &str,
        now: i64,
    ) -> Result<Option<(HolderSession, Holder)>> {
        let row = self
            .conn()
            .await?
            .query_opt(
                "SELECT s.token_hash, s.holder_id, s.csrf, s.expires_at, \
                        h.id, h.email, h.password_hash, h.did, h.encrypted_key, h.wrapped_data_key, h.created_at \
                 FROM holder_sessions s JOIN holders h ON h.id = s.holder_id \
                 WHERE s.token_hash = $1 AND s.expires_at > $2 AND h.deleted_at IS NULL",
                &[&token_hash, &now],
            )
            .await
            .map_err(pg)?;
        let Some(r) = row else { return Ok(None) };
        let session = HolderSession {
            token_hash: get(&r, 0)?,
            holder_id: get(&r, 1)?,
            csrf: get(&r, 2)?,
            expires_at: get(&r, 3)?,
        };
        Ok(Some((session, holder(&r, 4)?)))
    }

    pub(crate) async fn delete_holder_session(&self, token_hash: &str) -> Result<()> {
        self.conn()
            .await?
            .execute(
                "DELETE FROM holder_sessions WHERE token_hash = $1",
                &[&token_hash],
            )
            .await
            .map_err(pg)
            .map(drop)
    }

    pub(crate) async fn insert_wallet_record(&self, r: &WalletRecord) -> Result<()> {
        let mut conn = self.conn().await?;
        let tx = conn.transaction().await.map_err(pg)?;
        live_holder(&tx, &r.holder_id).await?;
        tx.execute(
            "INSERT INTO wallet_records (id, holder_id, fingerprint, kind, sealed, received_at) VALUES ($1, $2, $3, $4, $5, $6)",
            &[&r.id, &r.holder_id, &r.fingerprint, &r.kind, &r.sealed, &r.received_at],
        )
        .await
        .or_conflict(|| format!("record {} or one with the same fingerprint", r.id))?;
        tx.commit().await.map_err(pg)
    }

    pub(crate) async fn wallet_record(
        &self,
        holder_id: &str,
        id: &str,
    ) -> Result<Option<WalletRecord>> {
        let row = self
            .conn()
            .await?
            .query_opt(
                &format!("SELECT {RECORD} FROM wallet_records WHERE holder_id = $1 AND id = $2"),
                &[&holder_id, &id],
            )
            .await
            .map_err(pg)?;
        row.as_ref().map(record).transpose()
    }

    pub(crate) async fn wallet_records(&self, holder_id: &str) -> Result<Vec<WalletRecord>> {
        let rows = self
            .conn()
            .await?
            .query(
                &format!(
                    "SELECT {RECORD} FROM wallet_records WHERE holder_id = $1 ORDER BY received_at, id"
                ),
                &[&holder_id],
            )
            .await
            .map_err(pg)?;
        rows.iter().map(record).collect()
    }

    pub(crate) async fn delete_wallet_record(&self, holder_id: &str, id: &str) -> Result<bool> {
        let deleted = self
            .conn()
            .await?
            .execute(
                "DELETE FROM wallet_records WHERE holder_id = $1 AND id = $2",
                &[&holder_id, &id],
            )
            .await
            .map_err(pg)?;
        Ok(deleted > 0)
    }

    pub(crate) async fn create_claim_token(&self, t: &ClaimToken) -> Result<()> {
        self.conn()
            .await?
            .execute(
                "INSERT INTO claim_tokens (token_hash, org_id, credential_id, expires_at, used) VALUES ($1, $2, $3, $4, FALSE)",
                &[&t.token_hash, &t.org_id, &t.credential_id, &t.expires_at],
            )
            .await
            .or_conflict(|| "claim token".to_owned())
            .map(drop)
    }

    pub(crate) async fn use_claim_token(&self, token_hash: &str, now: i64) -> Result<ClaimUse> {
        let conn = self.conn().await?;
        let taken = conn
            .query_opt(
                "UPDATE claim_tokens SET used = TRUE WHERE token_hash = $1 AND NOT used AND expires_at > $2 \
                 RETURNING org_id, credential_id",
                &[&token_hash, &now],
            )
            .await
            .map_err(pg)?;
        if let Some(r) = taken {
            return Ok(ClaimUse::Accepted {
                org_id: get(&r, 0)?,
                credential_id: get(&r, 1)?,
            });
        }
        let row = conn
            .query_opt(
                "SELECT used FROM claim_tokens WHERE token_hash = $1",
                &[&token_hash],
            )
            .await
            .map_err(pg)?;
        Ok(match row.map(|r| get::<bool>(&r, 0)).transpose()? {
            None => ClaimUse::Unknown,
            Some(true) => ClaimUse::AlreadyUsed,
            Some(false) => ClaimUse::Expired,
        })
    }

    pub(crate) async fn insert_grant(&self, g: &GrantRow) -> Result<()> {
        let ids = ids_text(&g.record_ids)?;
        let mut conn = self.conn().await?;
        let tx = conn.transaction().await.map_err(pg)?;
        live_holder(&tx, &g.holder_id).await?;
        tx.execute(
            &format!(
                "INSERT INTO grants ({GRANT}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
            ),
            &[
                &g.id,
                &g.holder_id,
                &g.recipient,
                &ids,
                &g.sealed,
                &g.created_at,
                &g.expires_at,
                &g.one_time,
                &g.used_count,
                &g.revoked_at,
            ],
        )
        .await
        .or_conflict(|| format!("grant {}", g.id))?;
        tx.commit().await.map_err(pg)
    }

    pub(crate) async fn grant(&self, id: &str) -> Result<Option<GrantRow>> {
        let conn = self.conn().await?;
        grant_in(&*conn, id, "").await
    }

    pub(crate) async fn holder_grants(&self, holder_id: &str) -> Result<Vec<GrantRow>> {
        self.grants_where("holder_id", holder_id).await
    }

    pub(crate) async fn recipient_grants(&self, recipient: &str) -> Result<Vec<GrantRow>> {
        self.grants_where("recipient", recipient).await
    }

    async fn grants_where(&self, column: &'static str, value: &str) -> Result<Vec<GrantRow>> {
        let rows = self
            .conn()
            .await?
            .query(
                &format!(
                    "SELECT {GRANT} FROM grants WHERE {column} = $1 ORDER BY created_at DESC, id DESC"
                ),
                &[&value],
            )
            .await
            .map_err(pg)?;
        rows.iter().map(grant).collect()
    }

    pub(crate) async fn revoke_grant(
        &self,
        holder_id: &str,
        grant_id: &str,
        now: i64,
    ) -> Result<Revocation> {
        let mut conn = self.conn().await?;
        let tx = conn.transaction().await.map_err(pg)?;
        // Waits for every read holding the row; the reads queued behind this lock see it
        // revoked.
        let row = tx
            .query_opt(
                "SELECT revoked_at, used_count FROM grants WHERE id = $1 AND holder_id = $2 FOR NO KEY UPDATE",
                &[&grant_id, &holder_id],
            )
            .await
            .map_err(pg)?
            .ok_or_else(|| StoreError::NotFound(format!("grant {grant_id}")))?;
        let used_count: i64 = get(&row, 1)?;
        if let Some(revoked_at) = get::<Option<i64>>(&row, 0)? {
            return Ok(Revocation {
                revoked_at,
                used_count,
            });
        }
        tx.execute(
            "UPDATE grants SET revoked_at = $1 WHERE id = $2",
            &[&now, &grant_id],
        )
        .await
        .map_err(pg)?;
        tx.commit().await.map_err(pg)?;
        Ok(Revocation {
            revoked_at: now,
            used_count,
        })
    }

    pub(crate) async fn create_share_link(&self, l: &ShareLink) -> Result<()> {
        self.conn()
            .await?
            .execute(
                "INSERT INTO share_links (token_hash, grant_id, created_at, expires_at) VALUES ($1, $2, $3, $4)",
                &[&l.token_hash, &l.grant_id, &l.created_at, &l.expires_at],
            )
            .await
            .or_conflict(|| format!("share link of grant {}", l.grant_id))
            .map(drop)
    }

    pub(crate) async fn share_links(&self, grant_id: &str) -> Result<Vec<ShareLink>> {
        let rows = self
            .conn()
            .await?
            .query(
                "SELECT token_hash, grant_id, created_at, expires_at FROM share_links WHERE grant_id = $1 ORDER BY created_at, token_hash",
                &[&grant_id],
            )
            .await
            .map_err(pg)?;
        rows.iter()
            .map(|r| {
                Ok(ShareLink {
                    token_hash: get(r, 0)?,
                    grant_id: get(r, 1)?,
                    created_at: get(r, 2)?,
                    expires_at: get(r, 3)?,
                })
            })
            .collect()
    }

    pub(crate) async fn authorize_access(&self, request: &AccessRequest) -> Result<AccessDecision> {
        let mut conn = self.conn().await?;
        let tx = conn.transaction().await.map_err(pg)?;
        let denied = |d| Ok(AccessDecision::Denied(d));
        let (grant_id, via) = match &request.key {
            AccessKey::ShareLink(hash) => {
                let link = tx
                    .query_opt(
                        "SELECT grant_id, expires_at FROM share_links WHERE token_hash = $1",
                        &[hash],
                    )
                    .await
                    .map_err(pg)?;
                let Some(link) = link else {
                    return denied(AccessDenial::Unknown);
                };
                if request.now >= get::<i64>(&link, 1)? {
                    return denied(AccessDenial::Expired);
                }
                (get::<String>(&link, 0)?, AccessVia::Link)
            }
            AccessKey::Grant { grant_id, .. } => (grant_id.clone(), AccessVia::Grant),
        };
        let Some(mut grant) = grant_in(&tx, &grant_id, "FOR NO KEY UPDATE").await? else {
            return denied(AccessDenial::Unknown);
        };
        if let AccessKey::Grant { recipient, .. } = &request.key
            && *recipient != grant.recipient
        {
            return denied(AccessDenial::NotGranted);
        }
        if let Some(denial) = grant_denial(&grant, request.now) {
            return denied(denial);
        }
        let Some(wanted) = requested(&grant.record_ids, request.record_ids.as_deref()) else {
            return denied(AccessDenial::NotGranted);
        };
        let existing: Vec<String> = tx
            .query(
                "SELECT id FROM wallet_records WHERE holder_id = $1 AND id = ANY($2)",
                &[&grant.holder_id, &wanted],
            )
            .await
            .map_err(pg)?
            .iter()
            .map(|r| get(r, 0))
            .collect::<Result<_>>()?;
        if request.record_ids.is_some() && existing.len() != wanted.len() {
            return denied(AccessDenial::NotGranted);
        }
        let present: Vec<String> = wanted
            .into_iter()
            .filter(|id| existing.contains(id))
            .collect();
        if present.is_empty() {
            return denied(AccessDenial::NotGranted);
        }
        tx.execute(
            "UPDATE grants SET used_count = used_count + 1 WHERE id = $1",
            &[&grant.id],
        )
        .await
        .map_err(pg)?;
        grant.used_count += 1;
        let ids = ids_text(&present)?;
        let row = tx
            .query_one(
                "INSERT INTO access_log (holder_id, pseudonym, grant_id, recipient, record_ids, via, at) \
                 VALUES ($1, NULL, $2, $3, $4, $5, $6) RETURNING seq",
                &[&grant.holder_id, &grant.id, &grant.recipient, &ids, &via.as_str(), &request.now],
            )
            .await
            .map_err(pg)?;
        let seq = get(&row, 0)?;
        tx.commit().await.map_err(pg)?;
        let entry = AccessLogRow {
            seq,
            holder_id: Some(grant.holder_id.clone()),
            pseudonym: None,
            grant_id: grant.id.clone(),
            recipient: grant.recipient.clone(),
            record_ids: present,
            via,
            at: request.now,
        };
        Ok(AccessDecision::Allowed {
            grant: Box::new(grant),
            entry,
        })
    }

    pub(crate) async fn access_log(&self, holder_id: &str) -> Result<Vec<AccessLogRow>> {
        self.log_where("holder_id", holder_id).await
    }

    pub(crate) async fn pseudonymous_access_log(
        &self,
        pseudonym: &str,
    ) -> Result<Vec<AccessLogRow>> {
        self.log_where("pseudonym", pseudonym).await
    }

    pub(crate) async fn grant_access_log(&self, grant_id: &str) -> Result<Vec<AccessLogRow>> {
        self.log_where("grant_id", grant_id).await
    }

    async fn log_where(&self, column: &'static str, value: &str) -> Result<Vec<AccessLogRow>> {
        let rows = self
            .conn()
            .await?
            .query(
                &format!("SELECT {LOG} FROM access_log WHERE {column} = $1 ORDER BY seq"),
                &[&value],
            )
            .await
            .map_err(pg)?;
        rows.iter()
            .map(|r| {
                Ok(AccessLogRow {
                    seq: get(r, 0)?,
                    holder_id: get(r, 1)?,
                    pseudonym: get(r, 2)?,
                    grant_id: get(r, 3)?,
                    recipient: get(r, 4)?,
                    record_ids: ids_of(&get::<String>(r, 5)?),
                    via: AccessVia::parse(&get::<String>(r, 6)?)?,
                    at: get(r, 7)?,
                })
            })
            .collect()
    }

    pub(crate) async fn erase_holder(
        &self,
        holder_id: &str,
        pseudonym: &str,
        now: i64,
    ) -> Result<()> {
        let mut conn = self.conn().await?;
        let tx = conn.transaction().await.map_err(pg)?;
        // Excludes concurrent inserts of records, grants and sessions for this holder.
        let live = tx
            .query_opt(
                "SELECT id FROM holders WHERE id = $1 AND deleted_at IS NULL FOR UPDATE",
                &[&holder_id],
            )
            .await
            .map_err(pg)?;
        if live.is_none() {
            return Err(StoreError::NotFound(format!("holder {holder_id}")));
        }
        tx.execute(
            "DELETE FROM share_links WHERE grant_id IN (SELECT id FROM grants WHERE holder_id = $1)",
            &[&holder_id],
        )
        .await
        .map_err(pg)?;
        // Deleting the grants waits for reads holding them; their log rows are then committed
        // and pseudonymized below with the rest.
        for table in [
            "grants",
            "wallet_records",
            "holder_sessions",
            "holder_profiles",
            "oauth_codes",
            "oauth_tokens",
        ] {
            tx.execute(
                &format!("DELETE FROM {table} WHERE holder_id = $1"),
                &[&holder_id],
            )
            .await
            .map_err(pg)?;
        }
        tx.execute(
            "UPDATE access_log SET holder_id = NULL, pseudonym = $1 WHERE holder_id = $2",
            &[&pseudonym, &holder_id],
        )
        .await
        .map_err(pg)?;
        tx.execute(
            "UPDATE holders SET email = NULL, password_hash = NULL, did = NULL, encrypted_key = NULL, \
             wrapped_data_key = NULL, deleted_at = $1 WHERE id = $2",
            &[&now, &holder_id],
        )
        .await
        .map_err(pg)?;
        tx.commit().await.map_err(pg)
    }
}

/// `NotFound` unless a live holder has this id; holds the row against a concurrent erasure.
async fn live_holder<C: GenericClient>(client: &C, id: &str) -> Result<()> {
    client
        .query_opt(
            "SELECT 1 FROM holders WHERE id = $1 AND deleted_at IS NULL FOR KEY SHARE",
            &[&id],
        )
        .await
        .map_err(pg)?
        .map(drop)
        .ok_or_else(|| StoreError::NotFound(format!("holder {id}")))
}

/// A grant by id; `lock` is appended to the query (empty, or a row-locking clause).
async fn grant_in<C: GenericClient>(client: &C, id: &str, lock: &str) -> Result<Option<GrantRow>> {
    let row = client
        .query_opt(
            &format!("SELECT {GRANT} FROM grants WHERE id = $1 {lock}"),
            &[&id],
        )
        .await
        .map_err(pg)?;
    row.as_ref().map(grant).transpose()
}

/// A live holder from the columns starting at `at`.
fn holder(r: &Row, at: usize) -> Result<Holder> {
    Ok(Holder {
        id: get(r, at)?,
        email: get(r, at + 1)?,
        password_hash: get(r, at + 2)?,
        did: get(r, at + 3)?,
        encrypted_key: get(r, at + 4)?,
        wrapped_data_key: get(r, at + 5)?,
        created_at: get(r, at + 6)?,
    })
}

fn record(r: &Row) -> Result<WalletRecord> {
    Ok(WalletRecord {
        id: get(r, 0)?,
        holder_id: get(r, 1)?,
        fingerprint: get(r, 2)?,
        kind: get(r, 3)?,
        sealed: get(r, 4)?,
        received_at: get(r, 5)?,
    })
}

fn grant(r: &Row) -> Result<GrantRow> {
    Ok(GrantRow {
        id: get(r, 0)?,
        holder_id: get(r, 1)?,
        recipient: get(r, 2)?,
        record_ids: ids_of(&get::<String>(r, 3)?),
        sealed: get(r, 4)?,
        created_at: get(r, 5)?,
        expires_at: get(r, 6)?,
        one_time: get(r, 7)?,
        used_count: get(r, 8)?,
        revoked_at: get(r, 9)?,
    })
}
