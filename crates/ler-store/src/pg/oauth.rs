//! The OAuth and profile tables on PostgreSQL. A code is marked used by the `UPDATE` that
//! reads it, and a refresh token is rotated under its row lock (`FOR UPDATE`), so of two
//! concurrent uses exactly one wins and the other sees it used.

use tokio_postgres::{GenericClient, Row, Transaction};

use super::{Db, PgResult, get, pg};
use crate::oauth::{CodeUse, OAuthClient, OAuthCode, OAuthToken, RefreshUse, TokenKind};
use crate::rows;
use crate::wallet::WalletRecord;
use crate::{Result, StoreError};

const CODE: &str = "code_hash, client_id, holder_id, redirect_uri, scope, code_challenge, grant_id, created_at, expires_at";
const CODE_C: &str = "c.code_hash, c.client_id, c.holder_id, c.redirect_uri, c.scope, c.code_challenge, c.grant_id, c.created_at, c.expires_at";
const TOKEN: &str =
    "token_hash, kind, client_id, holder_id, grant_id, scope, created_at, expires_at, revoked_at";

impl Db {
    pub(crate) async fn create_oauth_client(&self, c: &OAuthClient) -> Result<()> {
        let metadata = rows::json_text(&c.metadata, "client metadata")?;
        self.conn()
            .await?
            .execute(
                "INSERT INTO oauth_clients (client_id, secret_hash, metadata, created_at) VALUES ($1, $2, $3, $4)",
                &[&c.client_id, &c.secret_hash, &metadata, &c.created_at],
            )
            .await
            .or_conflict(|| format!("client {}", c.client_id))
            .map(drop)
    }

    pub(crate) async fn oauth_client(&self, client_id: &str) -> Result<Option<OAuthClient>> {
        let row = self
            .conn()
            .await?
            .query_opt(
                "SELECT client_id, secret_hash, metadata, created_at FROM oauth_clients WHERE client_id = $1",
                &[&client_id],
            )
            .await
            .map_err(pg)?;
        row.map(|r| {
            Ok(OAuthClient {
                client_id: get(&r, 0)?,
                secret_hash: get(&r, 1)?,
                metadata: rows::parse_json(&get::<String>(&r, 2)?, "client metadata")?,
                created_at: get(&r, 3)?,
            })
        })
        .transpose()
    }

    pub(crate) async fn create_oauth_code(&self, c: &OAuthCode) -> Result<()> {
        let mut conn = self.conn().await?;
        let tx = conn.transaction().await.map_err(pg)?;
        live_holder(&tx, &c.holder_id).await?;
        tx.execute(
            &format!("INSERT INTO oauth_codes ({CODE}, used_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, NULL)"),
            &[&c.code_hash, &c.client_id, &c.holder_id, &c.redirect_uri, &c.scope, &c.code_challenge, &c.grant_id, &c.created_at, &c.expires_at],
        )
        .await
        .or_conflict(|| "authorization code".to_owned())?;
        tx.commit().await.map_err(pg)
    }

    pub(crate) async fn use_oauth_code(&self, code_hash: &str, now: i64) -> Result<CodeUse> {
        let mut conn = self.conn().await?;
        let tx = conn.transaction().await.map_err(pg)?;
        let taken = tx
            .query_opt(
                &format!(
                    "UPDATE oauth_codes c SET used_at = $2 FROM holders h \
                     WHERE c.code_hash = $1 AND c.used_at IS NULL AND h.id = c.holder_id AND h.deleted_at IS NULL \
                     RETURNING {CODE_C}"
                ),
                &[&code_hash, &now],
            )
            .await
            .map_err(pg)?;
        let outcome = match taken {
            Some(r) => {
                let code = code(&r)?;
                if now >= code.expires_at {
                    CodeUse::Expired
                } else {
                    CodeUse::Accepted(code)
                }
            }
            None => {
                let used = tx
                    .query_opt(
                        "SELECT c.grant_id FROM oauth_codes c JOIN holders h ON h.id = c.holder_id \
                         WHERE c.code_hash = $1 AND c.used_at IS NOT NULL AND h.deleted_at IS NULL",
                        &[&code_hash],
                    )
                    .await
                    .map_err(pg)?;
                match used {
                    Some(r) => {
                        revoke_grant(&tx, &get::<String>(&r, 0)?, now).await?;
                        CodeUse::AlreadyUsed
                    }
                    None => CodeUse::Unknown,
                }
            }
        };
        tx.commit().await.map_err(pg)?;
        Ok(outcome)
    }

    pub(crate) async fn insert_oauth_tokens(&self, tokens: &[OAuthToken]) -> Result<()> {
        let mut conn = self.conn().await?;
        let tx = conn.transaction().await.map_err(pg)?;
        for t in tokens {
            live_holder(&tx, &t.holder_id).await?;
            insert_token(&tx, t).await?;
        }
        tx.commit().await.map_err(pg)
    }

    pub(crate) async fn oauth_token(&self, token_hash: &str) -> Result<Option<OAuthToken>> {
        let conn = self.conn().await?;
        token_in(&*conn, token_hash, "").await
    }

    pub(crate) async fn rotate_refresh_token(
        &self,
        old_hash: &str,
        successors: &[OAuthToken],
        now: i64,
    ) -> Result<RefreshUse> {
        let mut conn = self.conn().await?;
        let tx = conn.transaction().await.map_err(pg)?;
        let Some(old) = token_in(&tx, old_hash, "FOR UPDATE").await? else {
            return Ok(RefreshUse::Unknown);
        };
        if old.kind != TokenKind::Refresh {
            return Ok(RefreshUse::Unknown);
        }
        let outcome = if old.revoked_at.is_some() {
            revoke_grant(&tx, &old.grant_id, now).await?;
            RefreshUse::Reused
        } else if now >= old.expires_at {
            RefreshUse::Expired
        } else if live_holder(&tx, &old.holder_id).await.is_err() {
            return Ok(RefreshUse::Unknown);
        } else {
            tx.execute(
                "UPDATE oauth_tokens SET revoked_at = $1 WHERE token_hash = $2",
                &[&now, &old_hash],
            )
            .await
            .map_err(pg)?;
            for t in successors {
                insert_token(&tx, t).await?;
            }
            RefreshUse::Accepted
        };
        tx.commit().await.map_err(pg)?;
        Ok(outcome)
    }

    pub(crate) async fn revoke_oauth_token(
        &self,
        token_hash: &str,
        client_id: &str,
        now: i64,
    ) -> Result<bool> {
        let mut conn = self.conn().await?;
        let tx = conn.transaction().await.map_err(pg)?;
        let Some(token) = token_in(&tx, token_hash, "FOR UPDATE")
            .await?
            .filter(|t| t.client_id == client_id)
        else {
            return Ok(false);
        };
        match token.kind {
            TokenKind::Refresh => revoke_grant(&tx, &token.grant_id, now).await?,
            TokenKind::Access => {
                tx.execute(
                    "UPDATE oauth_tokens SET revoked_at = $1 WHERE token_hash = $2 AND revoked_at IS NULL",
                    &[&now, &token_hash],
                )
                .await
                .map_err(pg)?;
            }
        }
        tx.commit().await.map_err(pg)?;
        Ok(true)
    }

    pub(crate) async fn holder_profile(&self, holder_id: &str) -> Result<Option<(Vec<u8>, i64)>> {
        let row = self
            .conn()
            .await?
            .query_opt(
                "SELECT p.sealed, p.updated_at FROM holder_profiles p JOIN holders h ON h.id = p.holder_id \
                 WHERE p.holder_id = $1 AND h.deleted_at IS NULL",
                &[&holder_id],
            )
            .await
            .map_err(pg)?;
        row.map(|r| Ok((get(&r, 0)?, get(&r, 1)?))).transpose()
    }

    pub(crate) async fn put_holder_profile(
        &self,
        holder_id: &str,
        sealed: &[u8],
        now: i64,
    ) -> Result<()> {
        let mut conn = self.conn().await?;
        let tx = conn.transaction().await.map_err(pg)?;
        live_holder(&tx, holder_id).await?;
        tx.execute(
            "INSERT INTO holder_profiles (holder_id, sealed, updated_at) VALUES ($1, $2, $3) \
             ON CONFLICT (holder_id) DO UPDATE SET sealed = excluded.sealed, updated_at = excluded.updated_at",
            &[&holder_id, &sealed, &now],
        )
        .await
        .map_err(pg)?;
        tx.commit().await.map_err(pg)
    }

    pub(crate) async fn replace_wallet_record(&self, r: &WalletRecord) -> Result<bool> {
        let mut conn = self.conn().await?;
        let tx = conn.transaction().await.map_err(pg)?;
        live_holder(&tx, &r.holder_id).await?;
        let changed = tx
            .execute(
                "UPDATE wallet_records SET fingerprint = $1, kind = $2, sealed = $3, received_at = $4 \
                 WHERE id = $5 AND holder_id = $6",
                &[&r.fingerprint, &r.kind, &r.sealed, &r.received_at, &r.id, &r.holder_id],
            )
            .await
            .or_conflict(|| "a record with the same fingerprint".to_owned())?;
        tx.commit().await.map_err(pg)?;
        Ok(changed == 1)
    }
}

/// A token by hash; `lock` is appended to the query (empty, or a row-locking clause).
async fn token_in<C: GenericClient>(
    client: &C,
    token_hash: &str,
    lock: &str,
) -> Result<Option<OAuthToken>> {
    let row = client
        .query_opt(
            &format!("SELECT {TOKEN} FROM oauth_tokens WHERE token_hash = $1 {lock}"),
            &[&token_hash],
        )
        .await
        .map_err(pg)?;
    row.map(|r| {
        Ok(OAuthToken {
            token_hash: get(&r, 0)?,
            kind: TokenKind::parse(&get::<String>(&r, 1)?)?,
            client_id: get(&r, 2)?,
            holder_id: get(&r, 3)?,
            grant_id: get(&r, 4)?,
            scope: get(&r, 5)?,
            created_at: get(&r, 6)?,
            expires_at: get(&r, 7)?,
            revoked_at: get(&r, 8)?,
        })
    })
    .transpose()
}

async fn insert_token(tx: &Transaction<'_>, t: &OAuthToken) -> Result<()> {
    tx.execute(
        &format!("INSERT INTO oauth_tokens ({TOKEN}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"),
        &[
            &t.token_hash,
            &t.kind.as_str(),
            &t.client_id,
            &t.holder_id,
            &t.grant_id,
            &t.scope,
            &t.created_at,
            &t.expires_at,
            &t.revoked_at,
        ],
    )
    .await
    .or_conflict(|| "token".to_owned())
    .map(drop)
}

/// Revokes every live token of a grant.
async fn revoke_grant(tx: &Transaction<'_>, grant_id: &str, now: i64) -> Result<()> {
    tx.execute(
        "UPDATE oauth_tokens SET revoked_at = $1 WHERE grant_id = $2 AND revoked_at IS NULL",
        &[&now, &grant_id],
    )
    .await
    .map_err(pg)
    .map(drop)
}

fn code(r: &Row) -> Result<OAuthCode> {
    Ok(OAuthCode {
        code_hash: get(r, 0)?,
        client_id: get(r, 1)?,
        holder_id: get(r, 2)?,
        redirect_uri: get(r, 3)?,
        scope: get(r, 4)?,
        code_challenge: get(r, 5)?,
        grant_id: get(r, 6)?,
        created_at: get(r, 7)?,
        expires_at: get(r, 8)?,
    })
}

/// `NotFound` unless a live holder has this id (its row locked against an erasure).
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
