//! Bulk issuance on SQLite: each operation is one immediate transaction on the writer, with
//! cached statements, so a batch of hundreds of credentials costs one fsync.

use rusqlite::{OptionalExtension, Transaction, params, params_from_iter};

use super::{CREDENTIAL, Db, LIST, SqlResult, credential_raw, insert_list, list_raw, update_list};
use crate::batch::{Allocation, BatchInsert, BatchItem, BatchStatus, check_batch};
use crate::rows::{CredentialDerived, CredentialRaw, ListRaw};
use crate::wallet::ClaimToken;
use crate::{CredentialRow, Purpose, Result, StoreError};

/// Source keys looked up per statement (well under SQLite's limit of bound parameters).
const KEYS_PER_QUERY: usize = 500;

impl Db {
    pub(crate) async fn allocate_status_indexes(
        &self,
        org_id: i64,
        purpose: Purpose,
        count: usize,
        new_list_size: u64,
        new_list_ids: &[String],
        now: i64,
    ) -> Result<Vec<Allocation>> {
        // Checked before the transaction so a bad size fails without touching the database.
        ListRaw::empty(org_id, "", purpose, new_list_size, now)?;
        let new_list_ids = new_list_ids.to_vec();
        self.write_tx(move |tx| {
            let mut fresh = new_list_ids.into_iter();
            let mut out = Vec::with_capacity(count);
            // Terminates: every pass allocates until done or marks one more list full, and the
            // lists created here have room.
            while out.len() < count {
                let found = tx
                    .query_row(
                        &format!("SELECT {LIST} FROM status_lists WHERE org_id = ?1 AND purpose = ?2 AND allocated < size ORDER BY id LIMIT 1"),
                        params![org_id, purpose.as_str()],
                        list_raw,
                    )
                    .optional()
                    .db()?;
                let mut list = match found {
                    Some(list) => list,
                    None => {
                        let id = fresh.next().ok_or_else(|| {
                            StoreError::Invalid("too few new status list ids for the allocation".to_owned())
                        })?;
                        insert_list(tx, ListRaw::empty(org_id, &id, purpose, new_list_size, now)?)?
                    }
                };
                while out.len() < count {
                    match list.allocate(now)? {
                        Some(index) => out.push(Allocation { list: list.id, list_id: list.list_id.clone(), index }),
                        None => break,
                    }
                }
                update_list(tx, &list, true)?;
            }
            Ok(out)
        })
        .await
    }

    pub(crate) async fn batch_items(
        &self,
        org_id: i64,
        source_keys: &[String],
    ) -> Result<Vec<BatchItem>> {
        let keys = source_keys.to_vec();
        self.read(move |conn| {
            let mut out = Vec::new();
            for chunk in keys.chunks(KEYS_PER_QUERY) {
                let marks = vec!["?"; chunk.len()].join(", ");
                let mut stmt = conn
                    .prepare(&format!(
                        "SELECT org_id, source_key, credential_id, status, issued_at FROM batch_items \
                         WHERE org_id = ? AND source_key IN ({marks})"
                    ))
                    .db()?;
                let params = std::iter::once(&org_id as &dyn rusqlite::ToSql)
                    .chain(chunk.iter().map(|k| k as &dyn rusqlite::ToSql));
                let rows = stmt
                    .query_map(params_from_iter(params), |r| {
                        Ok((
                            r.get::<_, i64>(0)?,
                            r.get::<_, String>(1)?,
                            r.get::<_, String>(2)?,
                            r.get::<_, String>(3)?,
                            r.get::<_, i64>(4)?,
                        ))
                    })
                    .db()?
                    .collect::<rusqlite::Result<Vec<_>>>()
                    .db()?;
                for (org_id, source_key, credential_id, status, issued_at) in rows {
                    out.push(BatchItem {
                        org_id,
                        source_key,
                        credential_id,
                        status: BatchStatus::parse(&status)?,
                        issued_at,
                    });
                }
            }
            Ok(out)
        })
        .await
    }

    pub(crate) async fn insert_batch(
        &self,
        org_id: i64,
        items: &[BatchInsert],
    ) -> Result<Vec<bool>> {
        check_batch(org_id, items)?;
        let derived = items
            .iter()
            .map(|i| CredentialDerived::of(&i.credential))
            .collect::<Result<Vec<_>>>()?;
        let items = items.to_vec();
        self.write_tx(move |tx| {
            let hooks = if items.iter().any(|i| i.event.is_some()) {
                super::webhooks::hooks_of(tx, org_id)?
            } else {
                Vec::new()
            };
            let mut out = Vec::with_capacity(items.len());
            for (item, d) in items.iter().zip(&derived) {
                let stored = insert_item(tx, org_id, item, d)?;
                if stored && let Some(e) = &item.event {
                    super::webhooks::fan_out(
                        tx,
                        &hooks,
                        &e.event_type,
                        &e.event_id,
                        &e.payload,
                        e.created_at,
                    )?;
                }
                out.push(stored);
            }
            Ok(out)
        })
        .await
    }

    pub(crate) async fn create_claim_tokens(&self, tokens: &[ClaimToken]) -> Result<()> {
        let tokens = tokens.to_vec();
        self.write_tx(move |tx| tokens.iter().try_for_each(|t| insert_claim(tx, t)))
            .await
    }

    pub(crate) async fn set_batch_status(
        &self,
        org_id: i64,
        source_keys: &[String],
        status: BatchStatus,
    ) -> Result<()> {
        let keys = source_keys.to_vec();
        self.write_tx(move |tx| {
            let mut stmt = tx
                .prepare_cached(
                    "UPDATE batch_items SET status = ?1 WHERE org_id = ?2 AND source_key = ?3",
                )
                .db()?;
            for key in &keys {
                stmt.execute(params![status.as_str(), org_id, key]).db()?;
            }
            Ok(())
        })
        .await
    }

    pub(crate) async fn recipient_credentials(
        &self,
        org_id: i64,
        recipient: &str,
    ) -> Result<Vec<CredentialRow>> {
        let recipient = recipient.to_owned();
        self.read(move |conn| {
            let mut stmt = conn
                .prepare(&format!(
                    "SELECT {CREDENTIAL} FROM credentials WHERE org_id = ?1 AND recipient = ?2 ORDER BY issued_at, id"
                ))
                .db()?;
            let raws = stmt
                .query_map(params![org_id, recipient], credential_raw)
                .db()?
                .collect::<rusqlite::Result<Vec<_>>>()
                .db()?;
            raws.into_iter().map(CredentialRaw::into_row).collect()
        })
        .await
    }
}

/// Stores one item unless its source key is taken; true when stored.
fn insert_item(
    tx: &Transaction<'_>,
    org_id: i64,
    item: &BatchInsert,
    d: &CredentialDerived,
) -> Result<bool> {
    let row = &item.credential;
    let status = BatchStatus::Issued;
    // The writer holds the database lock for the whole transaction, so nothing can take the
    // key between this check and the inserts.
    let taken = tx
        .prepare_cached("SELECT 1 FROM batch_items WHERE org_id = ?1 AND source_key = ?2")
        .db()?
        .query_row(params![org_id, item.source_key], |_| Ok(()))
        .optional()
        .db()?
        .is_some();
    if taken {
        return Ok(false);
    }
    tx.prepare_cached(
        "INSERT INTO credentials (id, org_id, achievement_id, recipient, name, search, json, \
             revocation_list, revocation_index, suspension_list, suspension_index, revoked, suspended, issued_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
    )
    .db()?
    .execute(params![
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
    ])
    .or_conflict(|| format!("credential {} or its status entry", row.id))?;
    tx.prepare_cached(
        "INSERT INTO batch_items (org_id, source_key, credential_id, status, issued_at) VALUES (?1, ?2, ?3, ?4, ?5)",
    )
    .db()?
    .execute(params![org_id, item.source_key, row.id, status.as_str(), row.issued_at])
    .or_conflict(|| format!("batch item {}", item.source_key))?;
    if let Some(claim) = &item.claim {
        insert_claim(tx, claim)?;
    }
    Ok(true)
}

fn insert_claim(tx: &Transaction<'_>, t: &ClaimToken) -> Result<()> {
    tx.prepare_cached(
        "INSERT INTO claim_tokens (token_hash, org_id, credential_id, expires_at, used) VALUES (?1, ?2, ?3, ?4, FALSE)",
    )
    .db()?
    .execute(params![t.token_hash, t.org_id, t.credential_id, t.expires_at])
    .or_conflict(|| "claim token".to_owned())
    .map(drop)
}
