//! The wallet tables on SQLite. Every write that reads first runs in an immediate transaction
//! on the one writer connection, so `authorize_access`, `revoke_grant` and `erase_holder` are
//! serialized against each other (and against other processes sharing the file).

use rusqlite::{Connection, OptionalExtension, Row, params};

use super::{Db, SqlResult};
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
    pub(crate) async fn create_holder(&self, holder: &Holder) -> Result<()> {
        let h = holder.clone();
        self.write(move |conn| {
            conn.execute(
                "INSERT INTO holders (id, email, password_hash, did, encrypted_key, wrapped_data_key, created_at, deleted_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, NULL)",
                params![h.id, h.email, h.password_hash, h.did, h.encrypted_key, h.wrapped_data_key, h.created_at],
            )
            .or_conflict(|| format!("holder {} or its email or DID", h.id))
            .map(drop)
        })
        .await
    }

    pub(crate) async fn holder(&self, id: &str) -> Result<Option<Holder>> {
        let id = id.to_owned();
        self.read(move |conn| holder_where(conn, "id", &id)).await
    }

    pub(crate) async fn holder_by_email(&self, email: &str) -> Result<Option<Holder>> {
        let email = email.to_owned();
        self.read(move |conn| holder_where(conn, "email", &email))
            .await
    }

    pub(crate) async fn holder_by_did(&self, did: &str) -> Result<Option<Holder>> {
        let did = did.to_owned();
        self.read(move |conn| holder_where(conn, "did", &did)).await
    }

    pub(crate) async fn create_holder_session(&self, session: &HolderSession) -> Result<()> {
        let s = session.clone();
        self.write(move |conn| {
            conn.execute(
                "INSERT INTO holder_sessions (token_hash, holder_id, csrf, expires_at) VALUES (?1, ?2, ?3, ?4)",
                params![s.token_hash, s.holder_id, s.csrf, s.expires_at],
            )
            .or_conflict(|| "holder session".to_owned())
            .map(drop)
        })
        .await
    }

    pub(crate) async fn holder_session(
        &self,
        token_hash: &str,
        now: i64,
    ) -> Result<Option<(HolderSession, Holder)>> {
        let token_hash = token_hash.to_owned();
        self.read(move |conn| {
            conn.query_row(
                "SELECT s.token_hash, s.holder_id, s.csrf, s.expires_at, \
                        h.id, h.email, h.password_hash, h.did, h.encrypted_key, h.wrapped_data_key, h.created_at \
                 FROM holder_sessions s JOIN holders h ON h.id = s.holder_id \
                 WHERE s.token_hash = ?1 AND s.expires_at > ?2 AND h.deleted_at IS NULL",
                params![token_hash, now],
                |r| {
                    let session = HolderSession {
                        token_hash: r.get(0)?,
                        holder_id: r.get(1)?,
                        csrf: r.get(2)?,
                        expires_at: r.get(3)?,
                    };
                    Ok((session, holder(r, 4)?))
                },
            )
            .optional()
            .db()
        })
        .await
    }

    pub(crate) async fn delete_holder_session(&self, token_hash: &str) -> Result<()> {
        let token_hash = token_hash.to_owned();
        self.write(move |conn| {
            conn.execute(
                "DELETE FROM holder_sessions WHERE token_hash = ?1",
                [token_hash],
            )
            .db()
            .map(drop)
        })
        .await
    }

    pub(crate) async fn insert_wallet_record(&self, record: &WalletRecord) -> Result<()> {
        let r = record.clone();
        self.write_tx(move |tx| {
            live_holder(tx, &r.holder_id)?;
            tx.execute(
                "INSERT INTO wallet_records (id, holder_id, fingerprint, kind, sealed, received_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![r.id, r.holder_id, r.fingerprint, r.kind, r.sealed, r.received_at],
            )
            .or_conflict(|| format!("record {} or one with the same fingerprint", r.id))
            .map(drop)
        })
        .await
    }

    pub(crate) async fn wallet_record(
        &self,
        holder_id: &str,
        id: &str,
    ) -> Result<Option<WalletRecord>> {
        let (holder_id, id) = (holder_id.to_owned(), id.to_owned());
        self.read(move |conn| {
            conn.query_row(
                &format!("SELECT {RECORD} FROM wallet_records WHERE holder_id = ?1 AND id = ?2"),
                params![holder_id, id],
                record,
            )
            .optional()
            .db()
        })
        .await
    }

    pub(crate) async fn wallet_records(&self, holder_id: &str) -> Result<Vec<WalletRecord>> {
        let holder_id = holder_id.to_owned();
        self.read(move |conn| {
            let mut stmt = conn
                .prepare(&format!(
                    "SELECT {RECORD} FROM wallet_records WHERE holder_id = ?1 ORDER BY received_at, id"
                ))
                .db()?;
            let rows = stmt
                .query_map([holder_id], record)
                .db()?
                .collect::<rusqlite::Result<Vec<_>>>()
                .db()?;
            Ok(rows)
        })
        .await
    }

    pub(crate) async fn delete_wallet_record(&self, holder_id: &str, id: &str) -> Result<bool> {
        let (holder_id, id) = (holder_id.to_owned(), id.to_owned());
        self.write(move |conn| {
            Ok(conn
                .execute(
                    "DELETE FROM wallet_records WHERE holder_id = ?1 AND id = ?2",
                    params![holder_id, id],
                )
                .db()?
                > 0)
        })
        .await
    }

    pub(crate) async fn create_claim_token(&self, token: &ClaimToken) -> Result<()> {
        let t = token.clone();
        self.write(move |conn| {
            conn.execute(
                "INSERT INTO claim_tokens (token_hash, org_id, credential_id, expires_at, used) VALUES (?1, ?2, ?3, ?4, FALSE)",
                params![t.token_hash, t.org_id, t.credential_id, t.expires_at],
            )
            .or_conflict(|| "claim token".to_owned())
            .map(drop)
        })
        .await
    }

    pub(crate) async fn use_claim_token(&self, token_hash: &str, now: i64) -> Result<ClaimUse> {
        let token_hash = token_hash.to_owned();
        self.write(move |conn| {
            let taken = conn
                .query_row(
                    "UPDATE claim_tokens SET used = TRUE WHERE token_hash = ?1 AND NOT used AND expires_at > ?2 \
                     RETURNING org_id, credential_id",
                    params![token_hash, now],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()
                .db()?;
            if let Some((org_id, credential_id)) = taken {
                return Ok(ClaimUse::Accepted { org_id, credential_id });
            }
            let state: Option<bool> = conn
                .query_row("SELECT used FROM claim_tokens WHERE token_hash = ?1", [token_hash], |r| r.get(0))
                .optional()
                .db()?;
            Ok(match state {
                None => ClaimUse::Unknown,
                Some(true) => ClaimUse::AlreadyUsed,
                Some(false) => ClaimUse::Expired,
            })
        })
        .await
    }

    pub(crate) async fn insert_grant(&self, grant: &GrantRow) -> Result<()> {
        let g = grant.clone();
        let ids = ids_text(&g.record_ids)?;
        self.write_tx(move |tx| {
            live_holder(tx, &g.holder_id)?;
            tx.execute(
                &format!(
                    "INSERT INTO grants ({GRANT}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"
                ),
                params![
                    g.id,
                    g.holder_id,
                    g.recipient,
                    ids,
                    g.sealed,
                    g.created_at,
                    g.expires_at,
                    g.one_time,
                    g.used_count,
                    g.revoked_at
                ],
            )
            .or_conflict(|| format!("grant {}", g.id))
            .map(drop)
        })
        .await
    }

    pub(crate) async fn grant(&self, id: &str) -> Result<Option<GrantRow>> {
        let id = id.to_owned();
        self.read(move |conn| grant_in(conn, &id)).await
    }

    pub(crate) async fn holder_grants(&self, holder_id: &str) -> Result<Vec<GrantRow>> {
        self.grants_where("holder_id", holder_id).await
    }

    pub(crate) async fn recipient_grants(&self, recipient: &str) -> Result<Vec<GrantRow>> {
        self.grants_where("recipient", recipient).await
    }

    async fn grants_where(&self, column: &'static str, value: &str) -> Result<Vec<GrantRow>> {
        let value = value.to_owned();
        self.read(move |conn| {
            let mut stmt = conn
                .prepare(&format!(
                    "SELECT {GRANT} FROM grants WHERE {column} = ?1 ORDER BY created_at DESC, id DESC"
                ))
                .db()?;
            let rows = stmt
                .query_map([value], grant)
                .db()?
                .collect::<rusqlite::Result<Vec<_>>>()
                .db()?;
            Ok(rows)
        })
        .await
    }

    pub(crate) async fn revoke_grant(
        &self,
        holder_id: &str,
        grant_id: &str,
        now: i64,
    ) -> Result<Revocation> {
        let (holder_id, grant_id) = (holder_id.to_owned(), grant_id.to_owned());
        self.write_tx(move |tx| {
            let row = tx
                .query_row(
                    "SELECT revoked_at, used_count FROM grants WHERE id = ?1 AND holder_id = ?2",
                    params![grant_id, holder_id],
                    |r| Ok((r.get::<_, Option<i64>>(0)?, r.get::<_, i64>(1)?)),
                )
                .optional()
                .db()?
                .ok_or_else(|| StoreError::NotFound(format!("grant {grant_id}")))?;
            match row {
                (Some(revoked_at), used_count) => Ok(Revocation {
                    revoked_at,
                    used_count,
                }),
                (None, used_count) => {
                    tx.execute(
                        "UPDATE grants SET revoked_at = ?1 WHERE id = ?2",
                        params![now, grant_id],
                    )
                    .db()?;
                    Ok(Revocation {
                        revoked_at: now,
                        used_count,
                    })
                }
            }
        })
        .await
    }

    pub(crate) async fn create_share_link(&self, link: &ShareLink) -> Result<()> {
        let l = link.clone();
        self.write(move |conn| {
            conn.execute(
                "INSERT INTO share_links (token_hash, grant_id, created_at, expires_at) VALUES (?1, ?2, ?3, ?4)",
                params![l.token_hash, l.grant_id, l.created_at, l.expires_at],
            )
            .or_conflict(|| format!("share link of grant {}", l.grant_id))
            .map(drop)
        })
        .await
    }

    pub(crate) async fn share_links(&self, grant_id: &str) -> Result<Vec<ShareLink>> {
        let grant_id = grant_id.to_owned();
        self.read(move |conn| {
            let mut stmt = conn
                .prepare("SELECT token_hash, grant_id, created_at, expires_at FROM share_links WHERE grant_id = ?1 ORDER BY created_at, token_hash")
                .db()?;
            let rows = stmt
                .query_map([grant_id], |r| {
                    Ok(ShareLink {
                        token_hash: r.get(0)?,
                        grant_id: r.get(1)?,
                        created_at: r.get(2)?,
                        expires_at: r.get(3)?,
                    })
                })
                .db()?
                .collect::<rusqlite::Result<Vec<_>>>()
                .db()?;
            Ok(rows)
        })
        .await
    }

    pub(crate) async fn authorize_access(&self, request: &AccessRequest) -> Result<AccessDecision> {
        let request = request.clone();
        self.write_tx(move |tx| {
            let denied = |d| Ok(AccessDecision::Denied(d));
            let (grant_id, via) = match &request.key {
                AccessKey::ShareLink(hash) => {
                    let link: Option<(String, i64)> = tx
                        .query_row(
                            "SELECT grant_id, expires_at FROM share_links WHERE token_hash = ?1",
                            [hash],
                            |r| Ok((r.get(0)?, r.get(1)?)),
                        )
                        .optional()
                        .db()?;
                    match link {
                        None => return denied(AccessDenial::Unknown),
                        Some((_, expires_at)) if request.now >= expires_at => {
                            return denied(AccessDenial::Expired);
                        }
                        Some((grant_id, _)) => (grant_id, AccessVia::Link),
                    }
                }
                AccessKey::Grant { grant_id, .. } => (grant_id.clone(), AccessVia::Grant),
            };
            let Some(mut grant) = grant_in(tx, &grant_id)? else {
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
            let mut present = Vec::with_capacity(wanted.len());
            for id in wanted {
                let exists = tx
                    .query_row(
                        "SELECT 1 FROM wallet_records WHERE holder_id = ?1 AND id = ?2",
                        params![grant.holder_id, id],
                        |_| Ok(()),
                    )
                    .optional()
                    .db()?
                    .is_some();
                if exists {
                    present.push(id);
                } else if request.record_ids.is_some() {
                    return denied(AccessDenial::NotGranted);
                }
            }
            if present.is_empty() {
                return denied(AccessDenial::NotGranted);
            }
            tx.execute("UPDATE grants SET used_count = used_count + 1 WHERE id = ?1", [&grant.id])
                .db()?;
            grant.used_count += 1;
            let ids = ids_text(&present)?;
            let seq = tx
                .query_row(
                    "INSERT INTO access_log (holder_id, pseudonym, grant_id, recipient, record_ids, via, at) \
                     VALUES (?1, NULL, ?2, ?3, ?4, ?5, ?6) RETURNING seq",
                    params![grant.holder_id, grant.id, grant.recipient, ids, via.as_str(), request.now],
                    |r| r.get(0),
                )
                .db()?;
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
        })
        .await
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
        let value = value.to_owned();
        self.read(move |conn| {
            let mut stmt = conn
                .prepare(&format!(
                    "SELECT {LOG} FROM access_log WHERE {column} = ?1 ORDER BY seq"
                ))
                .db()?;
            let raws = stmt
                .query_map([value], |r| {
                    Ok((
                        r.get::<_, i64>(0)?,
                        r.get::<_, Option<String>>(1)?,
                        r.get::<_, Option<String>>(2)?,
                        r.get::<_, String>(3)?,
                        r.get::<_, String>(4)?,
                        r.get::<_, String>(5)?,
                        r.get::<_, String>(6)?,
                        r.get::<_, i64>(7)?,
                    ))
                })
                .db()?
                .collect::<rusqlite::Result<Vec<_>>>()
                .db()?;
            raws.into_iter()
                .map(
                    |(seq, holder_id, pseudonym, grant_id, recipient, ids, via, at)| {
                        Ok(AccessLogRow {
                            seq,
                            holder_id,
                            pseudonym,
                            grant_id,
                            recipient,
                            record_ids: ids_of(&ids),
                            via: AccessVia::parse(&via)?,
                            at,
                        })
                    },
                )
                .collect()
        })
        .await
    }

    pub(crate) async fn erase_holder(
        &self,
        holder_id: &str,
        pseudonym: &str,
        now: i64,
    ) -> Result<()> {
        let (holder_id, pseudonym) = (holder_id.to_owned(), pseudonym.to_owned());
        self.write_tx(move |tx| {
            live_holder(tx, &holder_id)?;
            tx.execute(
                "DELETE FROM share_links WHERE grant_id IN (SELECT id FROM grants WHERE holder_id = ?1)",
                [&holder_id],
            )
            .db()?;
            for table in [
                "grants",
                "wallet_records",
                "holder_sessions",
                "holder_profiles",
                "oauth_codes",
                "oauth_tokens",
            ] {
                tx.execute(&format!("DELETE FROM {table} WHERE holder_id = ?1"), [&holder_id])
                    .db()?;
            }
            tx.execute(
                "UPDATE access_log SET holder_id = NULL, pseudonym = ?1 WHERE holder_id = ?2",
                params![pseudonym, holder_id],
            )
            .db()?;
            tx.execute(
                "UPDATE holders SET email = NULL, password_hash = NULL, did = NULL, encrypted_key = NULL, \
                 wrapped_data_key = NULL, deleted_at = ?1 WHERE id = ?2",
                params![now, holder_id],
            )
            .db()?;
            Ok(())
        })
        .await?;
        // The write-ahead log still holds the pages as they were before the erasure: copy the
        // erased pages into the database and empty the log. Best effort — a reader holding an
        // old snapshot keeps the log until it finishes, and the next checkpoint overwrites it.
        // The erasure has committed either way, so a failed checkpoint is not an error.
        self.write(|conn| {
            let _ = conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()));
            Ok(())
        })
        .await
    }
}

/// `NotFound` unless a live holder has this id.
fn live_holder(conn: &Connection, id: &str) -> Result<()> {
    conn.query_row(
        "SELECT 1 FROM holders WHERE id = ?1 AND deleted_at IS NULL",
        [id],
        |_| Ok(()),
    )
    .optional()
    .db()?
    .ok_or_else(|| StoreError::NotFound(format!("holder {id}")))
}

fn holder_where(conn: &Connection, column: &str, value: &str) -> Result<Option<Holder>> {
    conn.query_row(
        &format!("SELECT {HOLDER} FROM holders WHERE {column} = ?1 AND deleted_at IS NULL"),
        [value],
        |r| holder(r, 0),
    )
    .optional()
    .db()
}

fn grant_in(conn: &Connection, id: &str) -> Result<Option<GrantRow>> {
    conn.query_row(
        &format!("SELECT {GRANT} FROM grants WHERE id = ?1"),
        [id],
        grant,
    )
    .optional()
    .db()
}

/// A live holder from the columns starting at `at`.
fn holder(r: &Row<'_>, at: usize) -> rusqlite::Result<Holder> {
    Ok(Holder {
        id: r.get(at)?,
        email: r.get(at + 1)?,
        password_hash: r.get(at + 2)?,
        did: r.get(at + 3)?,
        encrypted_key: r.get(at + 4)?,
        wrapped_data_key: r.get(at + 5)?,
        created_at: r.get(at + 6)?,
    })
}

fn record(r: &Row<'_>) -> rusqlite::Result<WalletRecord> {
    Ok(WalletRecord {
        id: r.get(0)?,
        holder_id: r.get(1)?,
        fingerprint: r.get(2)?,
        kind: r.get(3)?,
        sealed: r.get(4)?,
        received_at: r.get(5)?,
    })
}

fn grant(r: &Row<'_>) -> rusqlite::Result<GrantRow> {
    Ok(GrantRow {
        id: r.get(0)?,
        holder_id: r.get(1)?,
        recipient: r.get(2)?,
        record_ids: ids_of(&r.get::<_, String>(3)?),
        sealed: r.get(4)?,
        created_at: r.get(5)?,
        expires_at: r.get(6)?,
        one_time: r.get(7)?,
        used_count: r.get(8)?,
        revoked_at: r.get(9)?,
    })
}
