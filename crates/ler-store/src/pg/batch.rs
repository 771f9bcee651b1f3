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
        let out = insert_items(&tx, org_id, items).await?;
        for (item, stored) in items.iter().zip(&out) {
            if *stored && let Some(e) = &item.event {
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

/// Stores a batch's items in a few statements (one per table, each over arrays), each unless
/// its source key is taken; for each item, true when stored. The credentials go in first; the
/// source keys then go in with `ON CONFLICT DO NOTHING`, which waits for a concurrent
/// transaction holding the same key and skips it if that one committed; the credentials whose
/// key was taken are taken back out.
async fn insert_items(
    tx: &Transaction<'_>,
    org_id: i64,
    items: &[BatchInsert],
) -> Result<Vec<bool>> {
    if items.is_empty() {
        return Ok(Vec::new());
    }
    let derived = items
        .iter()
        .map(|i| CredentialDerived::of(&i.credential))
        .collect::<Result<Vec<_>>>()?;
    let rows: Vec<&crate::CredentialRow> = items.iter().map(|i| &i.credential).collect();
    let ids: Vec<&str> = rows.iter().map(|r| r.id.as_str()).collect();
    let org_ids: Vec<i64> = rows.iter().map(|r| r.org_id).collect();
    let achievements: Vec<Option<&str>> =
        rows.iter().map(|r| r.achievement_id.as_deref()).collect();
    let recipients: Vec<Option<&str>> = rows.iter().map(|r| r.recipient.as_deref()).collect();
    let names: Vec<Option<&str>> = derived.iter().map(|d| d.name.as_deref()).collect();
    let searches: Vec<&str> = derived.iter().map(|d| d.search.as_str()).collect();
    let jsons: Vec<&str> = derived.iter().map(|d| d.json.as_str()).collect();
    let rev_lists: Vec<Option<i64>> = derived.iter().map(|d| d.revocation_list).collect();
    let rev_indexes: Vec<Option<i64>> = derived.iter().map(|d| d.revocation_index).collect();
    let sus_lists: Vec<Option<i64>> = derived.iter().map(|d| d.suspension_list).collect();
    let sus_indexes: Vec<Option<i64>> = derived.iter().map(|d| d.suspension_index).collect();
    let revoked: Vec<bool> = rows.iter().map(|r| r.revoked).collect();
    let suspended: Vec<bool> = rows.iter().map(|r| r.suspended).collect();
    let issued_at: Vec<i64> = rows.iter().map(|r| r.issued_at).collect();
    tx.execute(
        "INSERT INTO credentials (id, org_id, achievement_id, recipient, name, search, json, \
             revocation_list, revocation_index, suspension_list, suspension_index, revoked, suspended, issued_at) \
         SELECT * FROM UNNEST($1::text[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[], \
             $7::text[], $8::bigint[], $9::bigint[], $10::bigint[], $11::bigint[], $12::bool[], $13::bool[], $14::bigint[])",
        &[
            &ids,
            &org_ids,
            &achievements,
            &recipients,
            &names,
            &searches,
            &jsons,
            &rev_lists,
            &rev_indexes,
            &sus_lists,
            &sus_indexes,
            &revoked,
            &suspended,
            &issued_at,
        ],
    )
    .await
    .or_conflict(|| "a credential of the batch or its status entry".to_owned())?;
    let keys: Vec<&str> = items.iter().map(|i| i.source_key.as_str()).collect();
    let status = vec![BatchStatus::Issued.as_str(); items.len()];
    let org = vec![org_id; items.len()];
    let won: std::collections::HashSet<String> = tx
        .query(
            "INSERT INTO batch_items (org_id, source_key, credential_id, status, issued_at) \
             SELECT * FROM UNNEST($1::bigint[], $2::text[], $3::text[], $4::text[], $5::bigint[]) \
             ON CONFLICT (org_id, source_key) DO NOTHING RETURNING credential_id",
            &[&org, &keys, &ids, &status, &issued_at],
        )
        .await
        .map_err(pg)?
        .iter()
        .map(|r| r.get::<_, String>(0))
        .collect();
    let stored: Vec<bool> = ids.iter().map(|id| won.contains(*id)).collect();
    let lost: Vec<&str> = ids
        .iter()
        .zip(&stored)
        .filter(|(_, s)| !**s)
        .map(|(id, _)| *id)
        .collect();
    if !lost.is_empty() {
        tx.execute("DELETE FROM credentials WHERE id = ANY($1)", &[&lost])
            .await
            .map_err(pg)?;
    }
    let claims: Vec<&ClaimToken> = items
        .iter()
        .zip(&stored)
        .filter(|(_, s)| **s)
        .filter_map(|(i, _)| i.claim.as_ref())
        .collect();
    if !claims.is_empty() {
        let hashes: Vec<&str> = claims.iter().map(|c| c.token_hash.as_str()).collect();
        let orgs: Vec<i64> = claims.iter().map(|c| c.org_id).collect();
        let creds: Vec<&str> = claims.iter().map(|c| c.credential_id.as_str()).collect();
        let expires: Vec<i64> = claims.iter().map(|c| c.expires_at).collect();
        tx.execute(
            "INSERT INTO claim_tokens (token_hash, org_id, credential_id, expires_at, used) \
             SELECT h, o, c, e, FALSE FROM UNNEST($1::text[], $2::bigint[], $3::text[], $4::bigint[]) AS t(h, o, c, e)",
            &[&hashes, &orgs, &creds, &expires],
        )
        .await
        .or_conflict(|| "claim token".to_owned())?;
    }
    Ok(stored)
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
