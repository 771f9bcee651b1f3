//! The workers' wallets: holders and their sessions, sealed records, claim tokens, consent
//! grants, share links and the access log.
//!
//! Everything personal arrives sealed by `ler-wallet` (records, grants) or hashed (tokens);
//! this module stores it and enforces the rules that must hold across concurrent requests:
//! [`Store::authorize_access`] checks a grant and appends the access-log row in one
//! transaction, so no read is served after a revocation commits (DESIGN §4 rule 7), and
//! [`Store::erase_holder`] erases a holder in one transaction.

use crate::{Backend, Result, Store, StoreError};

/// A holder (a worker with a wallet). Erased holders are not returned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holder {
    /// Random id (`h_…`), which the wrapped data key is bound to.
    pub id: String,
    /// Login email, unique, lower case.
    pub email: String,
    /// argon2id PHC string.
    pub password_hash: String,
    /// The holder's did:key.
    pub did: String,
    /// The signing key file, its secret encrypted under the KEK (JSON text).
    pub encrypted_key: String,
    /// The data key, wrapped by the KEK.
    pub wrapped_data_key: Vec<u8>,
    /// Seconds since the epoch.
    pub created_at: i64,
}

/// A holder's signed-in session (the cookie holds the token; only its hash is stored).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HolderSession {
    /// SHA-256 of the cookie token, hex.
    pub token_hash: String,
    /// The holder.
    pub holder_id: String,
    /// The CSRF token forms must echo.
    pub csrf: String,
    /// Seconds since the epoch.
    pub expires_at: i64,
}

/// A record in a holder's wallet, sealed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WalletRecord {
    /// Random id (`r_…`).
    pub id: String,
    /// Whose it is.
    pub holder_id: String,
    /// The fingerprint duplicates are recognized by (keyed by the holder's data key), unique
    /// per holder.
    pub fingerprint: String,
    /// `education`, `employment` or `other`.
    pub kind: String,
    /// The record sealed under the holder's data key.
    pub sealed: Vec<u8>,
    /// Seconds since the epoch.
    pub received_at: i64,
}

/// A one-time claim link an issuer hands a worker (only its hash is stored).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimToken {
    /// SHA-256 of the token, hex.
    pub token_hash: String,
    /// The issuing organization.
    pub org_id: i64,
    /// The issued credential the link delivers.
    pub credential_id: String,
    /// Seconds since the epoch; the token is refused from then on.
    pub expires_at: i64,
}

/// What happened to a claim token when it was presented.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClaimUse {
    /// Known, unexpired, unused: now used; deliver this credential.
    Accepted {
        /// The issuing organization.
        org_id: i64,
        /// The credential.
        credential_id: String,
    },
    /// Never handed out.
    Unknown,
    /// Past its expiry.
    Expired,
    /// Already used once.
    AlreadyUsed,
}

/// A consent grant as stored: sealed, with what the store needs to decide on access.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrantRow {
    /// Random id (`g_…`).
    pub id: String,
    /// The holder who gave it.
    pub holder_id: String,
    /// The recipient's key (`org|did:web:…`, `email|…`), for a recipient's lookups.
    pub recipient: String,
    /// The records it names (ids without whitespace).
    pub record_ids: Vec<String>,
    /// The grant and its receipt, sealed under the holder's data key.
    pub sealed: Vec<u8>,
    /// Seconds since the epoch.
    pub created_at: i64,
    /// Seconds since the epoch; refused from then on.
    pub expires_at: i64,
    /// Serves one access only.
    pub one_time: bool,
    /// Accesses served.
    pub used_count: i64,
    /// When the holder revoked it.
    pub revoked_at: Option<i64>,
}

/// A share link to a grant (only the token's hash is stored).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShareLink {
    /// SHA-256 of the token, hex.
    pub token_hash: String,
    /// The grant it opens.
    pub grant_id: String,
    /// Seconds since the epoch.
    pub created_at: i64,
    /// Seconds since the epoch; refused from then on (the grant's expiry applies too).
    pub expires_at: i64,
}

/// How a recipient reaches a grant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AccessKey {
    /// Through a share link, by the hash of its token.
    ShareLink(String),
    /// Directly, as the recipient named in the grant (an organization signed in to ler).
    Grant {
        /// The grant.
        grant_id: String,
        /// The recipient's key; must be the grant's.
        recipient: String,
    },
}

/// One read of a holder's records through a grant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessRequest {
    /// The link or grant.
    pub key: AccessKey,
    /// The records to read; `None` reads every record the grant names (that still exists).
    pub record_ids: Option<Vec<String>>,
    /// The clock.
    pub now: i64,
}

/// Why a read is refused. A server answers all alike (404).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccessDenial {
    /// No such link or grant.
    Unknown,
    /// The grant is for another recipient, or does not name (or the holder no longer has) a
    /// record asked for.
    NotGranted,
    /// The grant was revoked.
    Revoked,
    /// The grant or the link has expired.
    Expired,
    /// A one-time grant that has served its access.
    UsedUp,
}

/// How an access reached its grant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccessVia {
    /// A share link.
    Link,
    /// The grant, by its recipient.
    Grant,
}

impl AccessVia {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            AccessVia::Link => "link",
            AccessVia::Grant => "grant",
        }
    }

    pub(crate) fn parse(s: &str) -> Result<AccessVia> {
        match s {
            "link" => Ok(AccessVia::Link),
            "grant" => Ok(AccessVia::Grant),
            other => Err(StoreError::Database(format!(
                "unknown access channel {other:?}"
            ))),
        }
    }
}

/// One row of the access log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessLogRow {
    /// Position in the log; increases with every access.
    pub seq: i64,
    /// The holder, while the account exists.
    pub holder_id: Option<String>,
    /// The holder's pseudonym, once the account is erased.
    pub pseudonym: Option<String>,
    /// The grant the access went through.
    pub grant_id: String,
    /// Who read (the grant's recipient key).
    pub recipient: String,
    /// What was read.
    pub record_ids: Vec<String>,
    /// How.
    pub via: AccessVia,
    /// When, seconds since the epoch.
    pub at: i64,
}

/// The outcome of [`Store::authorize_access`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AccessDecision {
    /// Allowed, and logged.
    Allowed {
        /// The grant, with `used_count` counting this access.
        grant: Box<GrantRow>,
        /// The log row written for this access.
        entry: AccessLogRow,
    },
    /// Refused; nothing was logged or counted.
    Denied(AccessDenial),
}

/// What a revocation did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Revocation {
    /// When the grant was revoked (the first revocation's time, if revoked twice).
    pub revoked_at: i64,
    /// The accesses the grant had served when the revocation committed; it serves no more.
    pub used_count: i64,
}

/// Record ids as the `record_ids` columns hold them: separated by single spaces.
pub(crate) fn ids_text(ids: &[String]) -> Result<String> {
    if let Some(bad) = ids
        .iter()
        .find(|id| id.is_empty() || id.contains(char::is_whitespace))
    {
        return Err(StoreError::Invalid(format!(
            "record id {bad:?} is empty or holds whitespace"
        )));
    }
    Ok(ids.join(" "))
}

/// The ids of a `record_ids` column.
pub(crate) fn ids_of(text: &str) -> Vec<String> {
    text.split_whitespace().map(str::to_owned).collect()
}

/// The records an access reads: those asked for, all named by the grant, or `None` when one
/// asked for is not named. Existence is checked by the caller.
pub(crate) fn requested(grant_ids: &[String], asked: Option<&[String]>) -> Option<Vec<String>> {
    match asked {
        None => Some(grant_ids.to_vec()),
        Some([]) => None,
        Some(asked) => {
            let mut out: Vec<String> = Vec::with_capacity(asked.len());
            for id in asked {
                if !grant_ids.contains(id) {
                    return None;
                }
                if !out.contains(id) {
                    out.push(id.clone());
                }
            }
            Some(out)
        }
    }
}

/// The grant rules both backends apply to the locked row: revoked, expired, used up.
pub(crate) fn grant_denial(grant: &GrantRow, now: i64) -> Option<AccessDenial> {
    if grant.revoked_at.is_some() {
        Some(AccessDenial::Revoked)
    } else if now >= grant.expires_at {
        Some(AccessDenial::Expired)
    } else if grant.one_time && grant.used_count >= 1 {
        Some(AccessDenial::UsedUp)
    } else {
        None
    }
}

impl Store {
    /// Creates a holder; `Conflict` if the id, email or DID is taken (erased holders free
    /// their email).
    pub async fn create_holder(&self, holder: &Holder) -> Result<()> {
        dispatch!(self.create_holder(holder))
    }
    /// A live holder by id.
    pub async fn holder(&self, id: &str) -> Result<Option<Holder>> {
        dispatch!(self.holder(id))
    }
    /// A live holder by email (lower-cased by the caller).
    pub async fn holder_by_email(&self, email: &str) -> Result<Option<Holder>> {
        dispatch!(self.holder_by_email(email))
    }
    /// A live holder by DID (an issuer delivering to a holder it knows by DID).
    pub async fn holder_by_did(&self, did: &str) -> Result<Option<Holder>> {
        dispatch!(self.holder_by_did(did))
    }
    /// Stores a holder's session.
    pub async fn create_holder_session(&self, session: &HolderSession) -> Result<()> {
        dispatch!(self.create_holder_session(session))
    }
    /// A live session and its (live) holder; expired sessions are not returned.
    pub async fn holder_session(
        &self,
        token_hash: &str,
        now: i64,
    ) -> Result<Option<(HolderSession, Holder)>> {
        dispatch!(self.holder_session(token_hash, now))
    }
    /// Ends a holder's session.
    pub async fn delete_holder_session(&self, token_hash: &str) -> Result<()> {
        dispatch!(self.delete_holder_session(token_hash))
    }

    /// Stores a record; `Conflict` if the holder has one with the same fingerprint (a
    /// duplicate) or the id is taken, `NotFound` if the holder does not exist.
    pub async fn insert_wallet_record(&self, record: &WalletRecord) -> Result<()> {
        dispatch!(self.insert_wallet_record(record))
    }
    /// A holder's record.
    pub async fn wallet_record(&self, holder_id: &str, id: &str) -> Result<Option<WalletRecord>> {
        dispatch!(self.wallet_record(holder_id, id))
    }
    /// A holder's records, oldest first.
    pub async fn wallet_records(&self, holder_id: &str) -> Result<Vec<WalletRecord>> {
        dispatch!(self.wallet_records(holder_id))
    }
    /// Deletes a holder's record; true when it existed. Grants naming it stop giving it.
    pub async fn delete_wallet_record(&self, holder_id: &str, id: &str) -> Result<bool> {
        dispatch!(self.delete_wallet_record(holder_id, id))
    }

    /// Stores a claim token (unused).
    pub async fn create_claim_token(&self, token: &ClaimToken) -> Result<()> {
        dispatch!(self.create_claim_token(token))
    }
    /// Uses a claim token once (atomically: of concurrent uses, one is `Accepted`).
    pub async fn use_claim_token(&self, token_hash: &str, now: i64) -> Result<ClaimUse> {
        dispatch!(self.use_claim_token(token_hash, now))
    }

    /// Stores a grant; `Conflict` if the id is taken, `NotFound` if the holder does not exist,
    /// `Invalid` if a record id is empty or holds whitespace.
    pub async fn insert_grant(&self, grant: &GrantRow) -> Result<()> {
        dispatch!(self.insert_grant(grant))
    }
    /// A grant by id.
    pub async fn grant(&self, id: &str) -> Result<Option<GrantRow>> {
        dispatch!(self.grant(id))
    }
    /// A holder's grants, newest first.
    pub async fn holder_grants(&self, holder_id: &str) -> Result<Vec<GrantRow>> {
        dispatch!(self.holder_grants(holder_id))
    }
    /// The grants made to a recipient (by key), newest first, revoked and expired included.
    pub async fn recipient_grants(&self, recipient: &str) -> Result<Vec<GrantRow>> {
        dispatch!(self.recipient_grants(recipient))
    }
    /// Revokes a holder's grant in one durable transaction: from its commit on, every
    /// [`Store::authorize_access`] through it is refused. Revoking again changes nothing and
    /// reports the first revocation. `NotFound` if the holder has no such grant.
    pub async fn revoke_grant(
        &self,
        holder_id: &str,
        grant_id: &str,
        now: i64,
    ) -> Result<Revocation> {
        dispatch!(self.revoke_grant(holder_id, grant_id, now))
    }

    /// Stores a share link; `NotFound` if the grant does not exist.
    pub async fn create_share_link(&self, link: &ShareLink) -> Result<()> {
        dispatch!(self.create_share_link(link))
    }
    /// A grant's share links, oldest first.
    pub async fn share_links(&self, grant_id: &str) -> Result<Vec<ShareLink>> {
        dispatch!(self.share_links(grant_id))
    }

    /// Decides a read through a grant and, when it is allowed, counts it and appends its
    /// access-log row — all in one transaction holding the grant's row, so the decision and
    /// the log cannot drift apart and no read is allowed after a revocation (or, for a
    /// one-time grant, after its one access) commits. Refusals change nothing.
    pub async fn authorize_access(&self, request: &AccessRequest) -> Result<AccessDecision> {
        dispatch!(self.authorize_access(request))
    }
    /// The access log of a holder, in order.
    pub async fn access_log(&self, holder_id: &str) -> Result<Vec<AccessLogRow>> {
        dispatch!(self.access_log(holder_id))
    }
    /// The access log of an erased holder, by pseudonym, in order.
    pub async fn pseudonymous_access_log(&self, pseudonym: &str) -> Result<Vec<AccessLogRow>> {
        dispatch!(self.pseudonymous_access_log(pseudonym))
    }
    /// The access log of a grant, in order (both while and after its holder exists).
    pub async fn grant_access_log(&self, grant_id: &str) -> Result<Vec<AccessLogRow>> {
        dispatch!(self.grant_access_log(grant_id))
    }

    /// Erases a holder in one transaction: deletes its records, grants, share links and
    /// sessions, clears its email, password hash, DID, encrypted key and wrapped data key (the
    /// row stays as a tombstone with `deleted_at`), and replaces its id in the access log by
    /// `pseudonym` (from `ler_wallet::pseudonym`). `NotFound` if no live holder has this id.
    pub async fn erase_holder(&self, holder_id: &str, pseudonym: &str, now: i64) -> Result<()> {
        dispatch!(self.erase_holder(holder_id, pseudonym, now))
    }
}
