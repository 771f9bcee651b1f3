//! The OAuth and profile tables on SQLite. Using a code and rotating a refresh token run in
//! immediate transactions on the one writer, so of two concurrent uses one sees the other's.

use rusqlite::{Connection, OptionalExtension, Row, Transaction, params};

use super::{Db, SqlResult};
use crate::oauth::{CodeUse, OAuthClient, OAuthCode, OAuthToken, RefreshUse, TokenKind};
use crate::rows;
use crate::wallet::WalletRecord;
use crate::{Result, StoreError};

const CODE: &str = "code_hash, client_id, holder_id, redirect_uri, scope, code_challenge, grant_id, created_at, expires_at";
/// [`CODE`] qualified for a join with `holders`.
const CODE_C: &str = "c.code_hash, c.client_id, c.holder_id, c.redirect_uri, c.scope, c.code_challenge, c.grant_id, c.created_at, c.expires_at";
const TOKEN: &str =
    "token_hash, kind, client_id, holder_id, grant_id, scope, created_at, expires_at, revoked_at";

impl Db {
    pub(crate) async fn create_oauth_client(&self, client: &OAuthClient) -> Result<()> {
        let c = client.clone();
        let metadata = rows::json_text(&c.metadata, "client metadata")?;
        self.write(move |conn| {
            conn.execute(
                "INSERT INTO oauth_clients (client_id, secret_hash, metadata, created_at) VALUES (?1, ?2, ?3, ?4)",
                params![c.client_id, c.secret_hash, metadata, c.created_at],
            )
            .or_conflict(|| format!("client {}", c.client_id))
            .map(drop)
        })
        .await
    }

    pub(crate) async fn oauth_client(&self, client_id: &str) -> Result<Option<OAuthClient>> {
        let client_id = client_id.to_owned();
        let raw = self
            .read(move |conn| {
                conn.query_row(
                    "SELECT client_id, secret_hash, metadata, created_at FROM oauth_clients WHERE client_id = ?1",
                    [client_id],
                    |r| {
                        Ok((
                            r.get::<_, String>(0)?,
                            r.get::<_, String>(1)?,
                            r.get::<_, String>(2)?,
                            r.get::<_, i64>(3)?,
                        ))
                    },
                )
                .optional()
                .db()
            })
            .await?;
        raw.map(|(client_id, secret_hash, metadata, created_at)| {
            Ok(OAuthClient {
                client_id,
                secret_hash,
                metadata: rows::parse_json(&metadata, "client metadata")?,
                created_at,
            })
        })
        .transpose()
    }

    pub(crate) async fn create_oauth_code(&self, code: &OAuthCode) -> Result<()> {
        let c = code.clone();
        self.write_tx(move |tx| {
            live_holder(tx, &c.holder_id)?;
            tx.execute(
                &format!("INSERT INTO oauth_codes ({CODE}, used_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, NULL)"),
                params![c.code_hash, c.client_id, c.holder_id, c.redirect_uri, c.scope, c.code_challenge, c.grant_id, c.created_at, c.expires_at],
            )
            .or_conflict(|| "authorization code".to_owned())
            .map(drop)
        })
        .await
    }

    pub(crate) async fn use_oauth_code(&self, code_hash: &str, now: i64) -> Result<CodeUse> {
        let code_hash = code_hash.to_owned();
        self.write_tx(move |tx| {
            let found = tx
                .query_row(
                    &format!(
                        "SELECT {CODE_C}, c.used_at FROM oauth_codes c JOIN holders h ON h.id = c.holder_id \
                         WHERE c.code_hash = ?1 AND h.deleted_at IS NULL"
                    ),
                    [&code_hash],
                    |r| Ok((code(r)?, r.get::<_, Option<i64>>(9)?)),
                )
                .optional()
                .db()?;
            let Some((code, used_at)) = found else {
                return Ok(CodeUse::Unknown);
            };
            if used_at.is_some() {
                revoke_grant(tx, &code.grant_id, now)?;
                return Ok(CodeUse::AlreadyUsed);
            }
            tx.execute(
                "UPDATE oauth_codes SET used_at = ?1 WHERE code_hash = ?2",
                params![now, code_hash],
            )
            .db()?;
            Ok(if now >= code.expires_at {
                CodeUse::Expired
            } else {
                CodeUse::Accepted(code)
            })
        })
        .await
    }

    pub(crate) async fn insert_oauth_tokens(&self, tokens: &[OAuthToken]) -> Result<()> {
        let tokens = tokens.to_vec();
        self.write_tx(move |tx| {
            for t in &tokens {
                live_holder(tx, &t.holder_id)?;
                insert_token(tx, t)?;
            }
            Ok(())
        })
        .await
    }

    pub(crate) async fn oauth_token(&self, token_hash: &str) -> Result<Option<OAuthToken>> {
        let token_hash = token_hash.to_owned();
        let raw = self
            .read(move |conn| token_where(conn, &token_hash))
            .await?;
        raw.map(TokenRaw::parse).transpose()
    }

    pub(crate) async fn rotate_refresh_token(
        &self,
        old_hash: &str,
        successors: &[OAuthToken],
        now: i64,
    ) -> Result<RefreshUse> {
        let (old_hash, successors) = (old_hash.to_owned(), successors.to_vec());
        self.write_tx(move |tx| {
            let Some(old) = token_where(tx, &old_hash)?
                .map(TokenRaw::parse)
                .transpose()?
            else {
                return Ok(RefreshUse::Unknown);
            };
            if old.kind != TokenKind::Refresh {
                return Ok(RefreshUse::Unknown);
            }
            if old.revoked_at.is_some() {
                revoke_grant(tx, &old.grant_id, now)?;
                return Ok(RefreshUse::Reused);
            }
            if now >= old.expires_at {
                return Ok(RefreshUse::Expired);
            }
            if live_holder(tx, &old.holder_id).is_err() {
                return Ok(RefreshUse::Unknown);
            }
            tx.execute(
                "UPDATE oauth_tokens SET revoked_at = ?1 WHERE token_hash = ?2",
                params![now, old_hash],
            )
            .db()?;
            for t in &successors {
                insert_token(tx, t)?;
            }
            Ok(RefreshUse::Accepted)
        })
        .await
    }

    pub(crate) async fn revoke_oauth_token(
        &self,
        token_hash: &str,
        client_id: &str,
        now: i64,
    ) -> Result<bool> {
        let (token_hash, client_id) = (token_hash.to_owned(), client_id.to_owned());
        self.write_tx(move |tx| {
            let Some(token) = token_where(tx, &token_hash)?
                .map(TokenRaw::parse)
                .transpose()?
                .filter(|t| t.client_id == client_id)
            else {
                return Ok(false);
            };
            match token.kind {
                TokenKind::Refresh => revoke_grant(tx, &token.grant_id, now)?,
                TokenKind::Access => {
                    tx.execute(
                        "UPDATE oauth_tokens SET revoked_at = ?1 WHERE token_hash = ?2 AND revoked_at IS NULL",
                        params![now, token_hash],
                    )
                    .db()?;
                }
            }
            Ok(true)
        })
        .await
    }

    pub(crate) async fn holder_profile(&self, holder_id: &str) -> Result<Option<(Vec<u8>, i64)>> {
        let holder_id = holder_id.to_owned();
        self.read(move |conn| {
            conn.query_row(
                "SELECT p.sealed, p.updated_at FROM holder_profiles p JOIN holders h ON h.id = p.holder_id \
                 WHERE p.holder_id = ?1 AND h.deleted_at IS NULL",
                [holder_id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .db()
        })
        .await
    }

    pub(crate) async fn put_holder_profile(
        &self,
        holder_id: &str,
        sealed: &[u8],
        now: i64,
    ) -> Result<()> {
        let (holder_id, sealed) = (holder_id.to_owned(), sealed.to_vec());
        self.write_tx(move |tx| {
            live_holder(tx, &holder_id)?;
            tx.execute(
                "INSERT INTO holder_profiles (holder_id, sealed, updated_at) VALUES (?1, ?2, ?3) \
                 ON CONFLICT (holder_id) DO UPDATE SET sealed = excluded.sealed, updated_at = excluded.updated_at",
                params![holder_id, sealed, now],
            )
            .db()
            .map(drop)
        })
        .await
    }

    pub(crate) async fn replace_wallet_record(&self, record: &WalletRecord) -> Result<bool> {
        let r = record.clone();
        self.write_tx(move |tx| {
            live_holder(tx, &r.holder_id)?;
            let changed = tx
                .execute(
                    "UPDATE wallet_records SET fingerprint = ?1, kind = ?2, sealed = ?3, received_at = ?4 \
                     WHERE id = ?5 AND holder_id = ?6",
                    params![r.fingerprint, r.kind, r.sealed, r.received_at, r.id, r.holder_id],
                )
                .or_conflict(|| "a record with the same fingerprint".to_owned())?;
            Ok(changed == 1)
        })
        .await
    }
}

/// A token row as read, before its kind is parsed.
struct TokenRaw {
    token: OAuthToken,
    kind: String,
}

impl TokenRaw {
    fn parse(self) -> Result<OAuthToken> {
        Ok(OAuthToken {
            kind: TokenKind::parse(&self.kind)?,
            ..self.token
        })
    }
}

fn token_where(conn: &Connection, token_hash: &str) -> Result<Option<TokenRaw>> {
    conn.query_row(
        &format!("SELECT {TOKEN} FROM oauth_tokens WHERE token_hash = ?1"),
        [token_hash],
        |r| {
            Ok(TokenRaw {
                kind: r.get(1)?,
                token: OAuthToken {
                    token_hash: r.get(0)?,
                    kind: TokenKind::Access,
                    client_id: r.get(2)?,
                    holder_id: r.get(3)?,
                    grant_id: r.get(4)?,
                    scope: r.get(5)?,
                    created_at: r.get(6)?,
                    expires_at: r.get(7)?,
                    revoked_at: r.get(8)?,
                },
            })
        },
    )
    .optional()
    .db()
}

fn insert_token(tx: &Transaction<'_>, t: &OAuthToken) -> Result<()> {
    tx.execute(
        &format!("INSERT INTO oauth_tokens ({TOKEN}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"),
        params![
            t.token_hash,
            t.kind.as_str(),
            t.client_id,
            t.holder_id,
            t.grant_id,
            t.scope,
            t.created_at,
            t.expires_at,
            t.revoked_at
        ],
    )
    .or_conflict(|| "token".to_owned())
    .map(drop)
}

/// Revokes every live token of a grant.
fn revoke_grant(tx: &Transaction<'_>, grant_id: &str, now: i64) -> Result<()> {
    tx.execute(
        "UPDATE oauth_tokens SET revoked_at = ?1 WHERE grant_id = ?2 AND revoked_at IS NULL",
        params![now, grant_id],
    )
    .db()
    .map(drop)
}

fn code(r: &Row<'_>) -> rusqlite::Result<OAuthCode> {
    Ok(OAuthCode {
        code_hash: r.get(0)?,
        client_id: r.get(1)?,
        holder_id: r.get(2)?,
        redirect_uri: r.get(3)?,
        scope: r.get(4)?,
        code_challenge: r.get(5)?,
        grant_id: r.get(6)?,
        created_at: r.get(7)?,
        expires_at: r.get(8)?,
    })
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
