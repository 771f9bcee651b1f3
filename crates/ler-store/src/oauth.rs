//! OAuth 2.0 for the 1EdTech Open Badges 3.0 and CLR 2.0 APIs: registered clients,
//! authorization codes, access and refresh tokens, and the holders' profiles those APIs read
//! and write.
//!
//! Secrets are stored as hashes only (client secrets, codes, tokens: SHA-256 of 32 random
//! bytes, computed by the caller), and a profile arrives sealed under the holder's data key.
//! The rules that must hold across concurrent requests live here: [`Store::use_oauth_code`]
//! marks a code used in the statement that reads it (a code is exchanged once, and a second
//! use revokes what the first one gave), and [`Store::rotate_refresh_token`] retires a refresh
//! token in the transaction that issues its successors (a retired one presented again revokes
//! the whole grant).

use serde_json::Value;

use crate::wallet::WalletRecord;
use crate::{Backend, Result, Store, StoreError};

/// A client registered through dynamic client registration (RFC 7591).
#[derive(Debug, Clone, PartialEq)]
pub struct OAuthClient {
    /// The `client_id`, random.
    pub client_id: String,
    /// SHA-256 of the `client_secret`, hex.
    pub secret_hash: String,
    /// The registered client metadata (`client_name`, `redirect_uris`, `scope`, …), as the
    /// registration response showed it (without the secret).
    pub metadata: Value,
    /// Seconds since the epoch.
    pub created_at: i64,
}

/// An authorization code (only its hash is stored), with what the holder consented to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OAuthCode {
    /// SHA-256 of the code, hex.
    pub code_hash: String,
    /// The client it was issued to.
    pub client_id: String,
    /// The holder who consented.
    pub holder_id: String,
    /// The redirect URI of the authorization request (the token request must repeat it).
    pub redirect_uri: String,
    /// The scopes granted, space-separated.
    pub scope: String,
    /// The PKCE `code_challenge` (S256).
    pub code_challenge: String,
    /// The grant this code starts: every token issued from it, and from their refreshes,
    /// carries this id, so revoking the grant revokes them all.
    pub grant_id: String,
    /// Seconds since the epoch.
    pub created_at: i64,
    /// Seconds since the epoch; refused from then on.
    pub expires_at: i64,
}

/// What happened to an authorization code when it was presented.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CodeUse {
    /// Known, unexpired, unused: now used.
    Accepted(OAuthCode),
    /// Never issued.
    Unknown,
    /// Past its expiry (now used, so it cannot be tried again).
    Expired,
    /// Used before: every token of its grant is now revoked (RFC 6749 §4.1.2).
    AlreadyUsed,
}

/// Access token or refresh token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    /// A bearer token for the resource endpoints.
    Access,
    /// A token for `grant_type=refresh_token`.
    Refresh,
}

impl TokenKind {
    /// The `kind` column's value.
    pub fn as_str(self) -> &'static str {
        match self {
            TokenKind::Access => "access",
            TokenKind::Refresh => "refresh",
        }
    }

    pub(crate) fn parse(s: &str) -> Result<TokenKind> {
        match s {
            "access" => Ok(TokenKind::Access),
            "refresh" => Ok(TokenKind::Refresh),
            other => Err(StoreError::Database(format!(
                "unknown token kind {other:?}"
            ))),
        }
    }
}

/// An access or refresh token (only its hash is stored).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OAuthToken {
    /// SHA-256 of the token, hex.
    pub token_hash: String,
    /// Access or refresh.
    pub kind: TokenKind,
    /// The client it was issued to.
    pub client_id: String,
    /// The holder whose data it opens.
    pub holder_id: String,
    /// The grant it belongs to (see [`OAuthCode::grant_id`]).
    pub grant_id: String,
    /// Its scopes, space-separated.
    pub scope: String,
    /// Seconds since the epoch.
    pub created_at: i64,
    /// Seconds since the epoch; refused from then on.
    pub expires_at: i64,
    /// When it was revoked (or, for a refresh token, used).
    pub revoked_at: Option<i64>,
}

/// What happened to a refresh token when it was presented.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefreshUse {
    /// Live: now retired, and its successors stored.
    Accepted,
    /// No live refresh token has this hash.
    Unknown,
    /// Past its expiry.
    Expired,
    /// Retired or revoked before: every token of its grant is now revoked.
    Reused,
}

impl Store {
    /// Stores a registered client; `Conflict` if its id is taken.
    pub async fn create_oauth_client(&self, client: &OAuthClient) -> Result<()> {
        dispatch!(self.create_oauth_client(client))
    }
    /// A registered client.
    pub async fn oauth_client(&self, client_id: &str) -> Result<Option<OAuthClient>> {
        dispatch!(self.oauth_client(client_id))
    }

    /// Stores an authorization code; `NotFound` if the client or a live holder is missing.
    pub async fn create_oauth_code(&self, code: &OAuthCode) -> Result<()> {
        dispatch!(self.create_oauth_code(code))
    }
    /// Uses an authorization code once (atomically: of concurrent uses, one is `Accepted`);
    /// a second use revokes the tokens issued from the first. A code of an erased holder is
    /// `Unknown`.
    pub async fn use_oauth_code(&self, code_hash: &str, now: i64) -> Result<CodeUse> {
        dispatch!(self.use_oauth_code(code_hash, now))
    }

    /// Stores issued tokens (an access token and its refresh token) in one transaction.
    pub async fn insert_oauth_tokens(&self, tokens: &[OAuthToken]) -> Result<()> {
        dispatch!(self.insert_oauth_tokens(tokens))
    }
    /// A token by hash, whatever its state (the caller checks kind, expiry and revocation).
    pub async fn oauth_token(&self, token_hash: &str) -> Result<Option<OAuthToken>> {
        dispatch!(self.oauth_token(token_hash))
    }
    /// Retires the refresh token `old_hash` and stores `successors`, in one transaction, if
    /// it is still live at `now`; a retired or revoked one revokes its whole grant instead.
    pub async fn rotate_refresh_token(
        &self,
        old_hash: &str,
        successors: &[OAuthToken],
        now: i64,
    ) -> Result<RefreshUse> {
        dispatch!(self.rotate_refresh_token(old_hash, successors, now))
    }
    /// Revokes a token of `client_id` (RFC 7009): an access token alone, a refresh token
    /// with every token of its grant. False when the client has no such token.
    pub async fn revoke_oauth_token(
        &self,
        token_hash: &str,
        client_id: &str,
        now: i64,
    ) -> Result<bool> {
        dispatch!(self.revoke_oauth_token(token_hash, client_id, now))
    }

    /// A holder's profile, sealed, and when it was last written.
    pub async fn holder_profile(&self, holder_id: &str) -> Result<Option<(Vec<u8>, i64)>> {
        dispatch!(self.holder_profile(holder_id))
    }
    /// Creates or replaces a holder's profile (sealed); `NotFound` for no live holder.
    pub async fn put_holder_profile(&self, holder_id: &str, sealed: &[u8], now: i64) -> Result<()> {
        dispatch!(self.put_holder_profile(holder_id, sealed, now))
    }

    /// Replaces a record of a holder's wallet in place, keeping its id (grants that name it
    /// give the new content): the upsert of the 1EdTech APIs. False when the holder has no
    /// record with that id; `Conflict` when another record has the new fingerprint.
    pub async fn replace_wallet_record(&self, record: &WalletRecord) -> Result<bool> {
        dispatch!(self.replace_wallet_record(record))
    }
}
