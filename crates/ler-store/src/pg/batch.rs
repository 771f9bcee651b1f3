//! Bulk issuance on PostgreSQL. Allocation locks each list row it fills (`FOR NO KEY UPDATE`,
//! as the single allocation does); a batch insert adds each credential and then its source key
//! with `ON CONFLICT DO NOTHING`, taking the credential back out when a concurrent run holds
//! the key, so two runs of one batch never issue a row twice.

use tokio_postgres::Transaction;

use super::{CREDENTIAL, Db, LIST, PgResult, credential_raw, get, insert_list, list_raw, pg};
use crate::batch::{Allocation, BatchInsert, BatchItem, BatchStatus, check_batch};
use crate::rows::{CredentialDerived, CredentialRaw, ListRaw};
use crate::wallet::ClaimToken;
use crate::{CredentialRow, Purpose, Result, StoreError};

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
        ListRaw::empty(org_id, "", purpose, new_list_size, now)?;
        let mut fresh = new_list_ids.iter();
        let mut conn = self.conn().await?;
        let tx = conn.transaction().await.map_err(pg)?;
        let mut out = Vec::with_capacity(count);
        // Terminates: every pass allocates until done or marks one more list full, and the
        // lists created here have room.
        while out.len() < count {
            let found = tx
                .query_opt(
                    &format!("SELECT {LIST} FROM status_lists WHERE org_id = $1 AND purpose = $2 AND allocated < size ORDER BY id LIMIT 1 FOR NO KEY UPDATE"),
                    &[&org_id, &purpose.as_str()],
                )
                .await
                .map_err(pg)?;
            let mut list = match found {
                Some(row) => list_raw(&row)?,
                None => {
                    let id = fresh.next().ok_or_else(|| {
                        StoreError::Invalid(
                            "too few new status list ids for the allocation".to_owned(),
                        )
                    })?;
                    insert_list(
                        &tx,
                        ListRaw::empty(org_id, id, purpose, new_list_size, now)?,
                    )
                    .await?
                }
            };
            while out.len() < count {
                match list.allocate(now)? {
                    Some(index) => out.push(Allocation {
                        list: list.id,
                        list_id: list.list_id.clone(),
                        index,
                    }),
                    None => break,
                }
            }
            tx.execute(
                "UPDATE status_lists SET used = $1, allocated = $2, version = $3, updated_at = $4 WHERE id = $5",
                &[&list.used, &list.allocated, &list.version, &list.updated_at, &list.id],
            )
            .await
            .map_err(pg)?;
        }
        tx.commit().await.map_err(pg)?;
        Ok(out)
    }

    pub(crate) async fn batch_items(
        &self,
        org_id: i64,
        source_keys: &[String],
    ) -> Result<Vec<BatchItem>> {
        let rows = self
            .conn()
            .await?
            .query(
                "SELECT org_id, source_key, credential_id, status, issued_at FROM batch_items \
                 WHERE org_id = $1 AND source_key = ANY($2)",
                &[&org_id, &source_keys],
            )
            .await
            .map_err(pg)?;
        rows.iter()
            .map(|r| {
                Ok(BatchItem {
                    org_id: get(r, 0)?,
                    source_key: get(r, 1)?,
                    credential_id: get(r, 2)?,
                    status: BatchStatus::parse(&get::<String>(r, 3)?)?,
                    issued_at: get(r, 4)?,
                })
            })
            .collect()
    }

    pub(crate) async fn insert_batch(
        &self,
        org_id: i64,
        items: &[BatchInsert],
    ) -> Result<Vec<bool>> {
        check_batch(org_id, items)?;
        let mut conn = self.conn().await?;
        let tx = conn.transaction().await.map_err(pg)?;
        let hooks = if items.iter().any(|i| i.event.is_some()) {
            super::webhooks::hooks_of(&tx, org_id).await?
        } else {
            Vec::new()
        };
        let mut out = Vec::with_capacity(items.len());
        for item in items {
            let d = CredentialDerived::of(&item.credential)?;
            let stored = insert_item(&tx, org_id, item, &d).await?;
            if stored && let Some(e) = &item.event {
                super::webhooks::fan_out(
                    &tx,
                    &hooks,
                    &e.event_type,
                    &e.event_id,
                    &e.payload,
                    e.created_at,
                )
                .await?;
            }
            out.push(stored);
        }
        tx.commit().await.map_err(pg)?;
        Ok(out)
    }

    pub(crate) async fn create_claim_tokens(&self, tokens: &[ClaimToken]) -> Result<()> {
        let mut conn = self.conn().await?;
        let tx = conn.transaction().await.map_err(pg)?;
        for t in tokens {
            insert_claim(&tx, t).await?;
        }
        tx.commit().await.map_err(pg)
    }

    pub(crate) async fn set_batch_status(
        &self,
        org_id: i64,
        source_keys: &[String],
        status: BatchStatus,
    ) -> Result<()> {
        self.conn()
            .await?
            .execute(
                "UPDATE batch_items SET status = $1 WHERE org_id = $2 AND source_key = ANY($3)",
                &[&status.as_str(), &org_id, &source_keys],
            )
            .await
            .map_err(pg)
            .map(drop)
    }

    pub(crate) async fn recipient_credentials(
        &self,
        org_id: i64,
        recipient: &str,
    ) -> Result<Vec<CredentialRow>> {
        let rows = self
            .conn()
            .await?
            .query(
                &format!(
                    "SELECT {CREDENTIAL} FROM credentials WHERE org_id = $1 AND recipient = $2 ORDER BY issued_at, id"
                ),
                &[&org_id, &recipient],
            )
            .await
            .map_err(pg)?;
        rows.iter()
            .map(|r| credential_raw(r).and_then(CredentialRaw::into_row))
            .collect()
    }
}

/// Stores one item unless its source key is taken; true when stored.
async fn insert_item(
    tx: &Transaction<'_>,
    org_id: i64,
    item: &BatchInsert,
    d: &CredentialDerived,
) -> Result<bool> {
    let row = &item.credential;
    let status = BatchStatus::Issued;
    tx.execute(
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
    .or_conflict(|| format!("credential {} or its status entry", row.id))?;
    // Waits for a concurrent transaction holding the same key, then skips if it committed.
    let stored = tx
        .execute(
            "INSERT INTO batch_items (org_id, source_key, credential_id, status, issued_at) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (org_id, source_key) DO NOTHING",
            &[&org_id, &item.source_key, &row.id, &status.as_str(), &row.issued_at],
        )
        .await
        .map_err(pg)?;
    if stored == 0 {
        tx.execute("DELETE FROM credentials WHERE id = $1", &[&row.id])
            .await
            .map_err(pg)?;
        return Ok(false);
    }
    if let Some(claim) = &item.claim {
        insert_claim(tx, claim).await?;
    }
    Ok(true)
}

async fn insert_claim(tx: &Transaction<'_>, t: &ClaimToken) -> Result<()> {
    tx.execute(
        "INSERT INTO claim_tokens (token_hash, org_id, credential_id, expires_at, used) VALUES ($1, $2, $3, $4, FALSE)",
        &[&t.token_hash, &t.org_id, &t.credential_id, &t.expires_at],
    )
    .await
    .or_conflict(|| "claim token".to_owned())
    .map(drop)
}
