//! Storage for `ler serve`: a narrow async API over SQLite (the embedded default) and
//! PostgreSQL (for scale; several stateless instances can share one database).
//!
//! It keeps the organizations' side (keys, accounts, issued credentials, status lists) and the
//! workers' wallets (holders, sealed records, grants, share links, the access log; see
//! [`Store::authorize_access`] and [`Store::erase_holder`]), OAuth 2.0 for the 1EdTech APIs
//! (clients, codes, tokens; see [`Store::use_oauth_code`]) and the organizations' webhooks
//! (subscriptions and the delivery outbox; see [`Store::claim_webhook_deliveries`]).
//!
//! The principal type is [`Store`], an enum over the two backends with one method per
//! operation the service needs; nothing outside this crate writes SQL. Writes that matter —
//! issuing (status index allocation), revoking, suspending — are single transactions, and on
//! SQLite they run with `synchronous=FULL`. Migrations are applied by [`Store::open`].
//!
//! Both backends keep the same tables and columns (`migrations/sqlite`, `migrations/postgres`)
//! and pass the same conformance suite (`tests/it`).
//!
//! Community-based organizations' programs have tables of their own: skill frameworks and
//! occupations, programs with cohorts and enrolments, sealed participant profiles and
//! corrections, progress, outcome consents and sealed outcome records, and the release log of
//! outcome reports (see [`Store::append_releases`]).

mod bits;
mod pg;
mod rows;
mod sqlite;

use std::path::PathBuf;

use serde_json::Value;

/// Where the data lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// A directory holding `ler.sqlite3` (created if missing).
    SqliteDir(PathBuf),
    /// A `postgres://` URL.
    Postgres(String),
}

/// Which backend a store runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BackendKind {
    /// SQLite, embedded.
    Sqlite,
    /// PostgreSQL.
    Postgres,
}

/// Why a storage operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// A unique constraint: the slug, id or email is taken.
    #[error("{0} already exists")]
    Conflict(String),
    /// The row the operation needs does not exist.
    #[error("{0} not found")]
    NotFound(String),
    /// A status list has no free index left (the caller should create another list).
    #[error("status list {0} is full")]
    ListFull(String),
    /// The database failed (connection, SQL, I/O); details for the log, not for clients.
    #[error("database error: {0}")]
    Database(String),
    /// The operation breaks a rule of the data (revocation is final, a size out of range).
    #[error("{0}")]
    Invalid(String),
    /// The operating system's random source failed.
    #[error("random source failed: {0}")]
    Random(String),
}

/// Result alias.
pub type Result<T> = std::result::Result<T, StoreError>;

/// An organization hosted by the service.
#[derive(Debug, Clone, PartialEq)]
pub struct Org {
    /// Database id.
    pub id: i64,
    /// URL-safe short name, unique: `/orgs/<slug>/…`.
    pub slug: String,
    /// Display name.
    pub name: String,
    /// Its did:web DID.
    pub did: String,
    /// Extra profile fields (url, email, image/logo, description) as an OB 3.0 Profile fragment.
    pub profile: Value,
    /// Seconds since the epoch.
    pub created_at: i64,
}

/// A signing key of an organization. Old keys stay listed so older credentials verify.
#[derive(Debug, Clone, PartialEq)]
pub struct OrgKey {
    /// Database id.
    pub id: i64,
    /// Owning organization.
    pub org_id: i64,
    /// Verification method fragment (`key-1`, `key-2`, …).
    pub fragment: String,
    /// Public key, Multikey (`z6Mk…`).
    pub public_multibase: String,
    /// The secret, encrypted under the KEK (a ler key file JSON with `encryptedSecretKey`).
    pub encrypted_secret: String,
    /// The key new credentials are signed with (exactly one per organization).
    pub active: bool,
    /// Seconds since the epoch.
    pub created_at: i64,
}

/// What an API key may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scope {
    /// Issue credentials, manage achievements.
    Issue,
    /// Revoke and suspend.
    Revoke,
    /// Read issued credentials and achievements.
    Read,
    /// Run community programs: skills, programs, participants (intake from grants, plans,
    /// progress), outcome data.
    Cbo,
    /// Read a community organization's aggregate outcome reports, and nothing else (funders,
    /// evaluators).
    Funder,
}

impl Scope {
    /// The scope's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Issue => "issue",
            Scope::Revoke => "revoke",
            Scope::Read => "read",
            Scope::Cbo => "cbo",
            Scope::Funder => "funder",
        }
    }
    /// Parses a scope name.
    pub fn parse(s: &str) -> Option<Scope> {
        match s {
            "issue" => Some(Scope::Issue),
            "revoke" => Some(Scope::Revoke),
            "read" => Some(Scope::Read),
            "cbo" => Some(Scope::Cbo),
            "funder" => Some(Scope::Funder),
            _ => None,
        }
    }
}

/// An organization API key (only its hash is stored).
#[derive(Debug, Clone, PartialEq)]
pub struct ApiKey {
    /// Database id.
    pub id: i64,
    /// Owning organization.
    pub org_id: i64,
    /// The first characters of the key, to tell keys apart in listings.
    pub prefix: String,
    /// Its scopes.
    pub scopes: Vec<Scope>,
    /// Seconds since the epoch.
    pub created_at: i64,
    /// Revoked keys authenticate nothing.
    pub revoked: bool,
}

/// A staff account.
#[derive(Debug, Clone, PartialEq)]
pub struct User {
    /// Database id.
    pub id: i64,
    /// The organization the user works for.
    pub org_id: i64,
    /// Login email, unique, lower case.
    pub email: String,
    /// argon2id PHC string.
    pub password_hash: String,
    /// `admin`, `staff`, or `funder` (aggregate outcome reports only).
    pub role: String,
    /// Seconds since the epoch.
    pub created_at: i64,
}

/// A signed-in session (the cookie holds the token; only its hash is stored).
#[derive(Debug, Clone, PartialEq)]
pub struct Session {
    /// SHA-256 of the cookie token, hex.
    pub token_hash: String,
    /// The user.
    pub user_id: i64,
    /// The CSRF token forms must echo.
    pub csrf: String,
    /// Seconds since the epoch.
    pub expires_at: i64,
}

/// Status purposes the service keeps lists for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// Revocation (final).
    Revocation,
    /// Suspension (reversible).
    Suspension,
}

impl Purpose {
    /// The `statusPurpose` value.
    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::Revocation => "revocation",
            Purpose::Suspension => "suspension",
        }
    }
}

/// A status list of an organization.
#[derive(Debug, Clone, PartialEq)]
pub struct StatusListRow {
    /// Database id.
    pub id: i64,
    /// Owning organization.
    pub org_id: i64,
    /// Short id used in the list's URL: `/orgs/<slug>/status/<list_id>`.
    pub list_id: String,
    /// What the list's bits mean.
    pub purpose: Purpose,
    /// Number of entries (≥ 131,072).
    pub size: u64,
    /// The status bits, bit 0 the most significant bit of byte 0.
    pub bits: Vec<u8>,
    /// Allocated indexes (same layout); an allocated index is never handed out again.
    pub used: Vec<u8>,
    /// Bumped on every change (for ETags and caching).
    pub version: i64,
    /// Seconds since the epoch of the last change.
    pub updated_at: i64,
}

/// An issued credential as the service keeps it.
#[derive(Debug, Clone, PartialEq)]
pub struct CredentialRow {
    /// The credential's `id` (a URL or urn:uuid), unique.
    pub id: String,
    /// Issuing organization.
    pub org_id: i64,
    /// The achievement it awards, if from the catalog.
    pub achievement_id: Option<String>,
    /// Who it was issued to (subject id, or the email the issuer gave), for search.
    pub recipient: Option<String>,
    /// The signed credential.
    pub json: Value,
    /// (list database id, index) of its revocation entry.
    pub revocation: Option<(i64, u64)>,
    /// (list database id, index) of its suspension entry.
    pub suspension: Option<(i64, u64)>,
    /// Revoked (final).
    pub revoked: bool,
    /// Suspended now.
    pub suspended: bool,
    /// Seconds since the epoch.
    pub issued_at: i64,
}

/// A search over issued credentials.
#[derive(Debug, Clone, Default)]
pub struct CredentialQuery {
    /// Matches id, recipient, achievement id or name (case-insensitive substring).
    pub text: Option<String>,
    /// Page size (the backend caps it at 1,000; 0 means 1,000).
    pub limit: u32,
    /// Rows skipped.
    pub offset: u32,
}

/// What happened to a challenge when it was presented.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChallengeUse {
    /// Known, unexpired, unused: now used.
    Accepted,
    /// Never handed out.
    Unknown,
    /// Past its expiry.
    Expired,
    /// Already used once.
    AlreadyUsed,
}

/// The storage handle, cheap to clone.
#[derive(Clone)]
pub struct Store {
    backend: Backend,
}

#[derive(Clone)]
enum Backend {
    Sqlite(sqlite::Db),
    Postgres(pg::Db),
}

/// Calls the same method on whichever backend the store runs on.
macro_rules! dispatch {
    ($self:ident . $method:ident ( $($arg:expr),* $(,)? )) => {
        match &$self.backend {
            Backend::Sqlite(db) => db.$method($($arg),*).await,
            Backend::Postgres(db) => db.$method($($arg),*).await,
        }
    };
}

mod batch;
mod cbo;
mod oauth;
mod wallet;
mod webhooks;

pub use batch::{Allocation, BatchInsert, BatchItem, BatchStatus, OutboxEvent};
pub use cbo::{
    CohortRow, ConsentRow, CorrectionRow, EnrolmentRow, FrameworkRow, OccupationRow, OutcomeRow,
    ParticipantRow, ProfileRow, ProgramRow, ProgressRow, ReleaseRow, SkillRow,
};
pub use oauth::{CodeUse, OAuthClient, OAuthCode, OAuthToken, RefreshUse, TokenKind};
pub use wallet::{
    AccessDecision, AccessDenial, AccessKey, AccessLogRow, AccessRequest, AccessVia, ClaimToken,
    ClaimUse, GrantRow, Holder, HolderSession, Revocation, ShareLink, WalletRecord,
};
pub use webhooks::{AttemptOutcome, DeliveryStatus, Webhook, WebhookAttempt, WebhookDelivery};

impl Store {
    /// Opens (creating if needed) and migrates the store.
    pub async fn open(location: &Location) -> Result<Store> {
        let backend = match location {
            Location::SqliteDir(dir) => Backend::Sqlite(sqlite::Db::open(dir).await?),
            Location::Postgres(url) => Backend::Postgres(pg::Db::open(url).await?),
        };
        Ok(Store { backend })
    }
    /// The backend in use.
    pub fn kind(&self) -> BackendKind {
        match self.backend {
            Backend::Sqlite(_) => BackendKind::Sqlite,
            Backend::Postgres(_) => BackendKind::Postgres,
        }
    }
    /// Whether the database answers (for `/readyz`).
    pub async fn ping(&self) -> Result<()> {
        dispatch!(self.ping())
    }

    /// Creates an organization; `Conflict` if the slug is taken.
    pub async fn create_org(
        &self,
        slug: &str,
        name: &str,
        did: &str,
        profile: &Value,
        now: i64,
    ) -> Result<Org> {
        dispatch!(self.create_org(slug, name, did, profile, now))
    }
    /// An organization by slug.
    pub async fn org_by_slug(&self, slug: &str) -> Result<Option<Org>> {
        dispatch!(self.org_by_slug(slug))
    }
    /// An organization by database id.
    pub async fn org(&self, id: i64) -> Result<Option<Org>> {
        dispatch!(self.org(id))
    }
    /// An organization by DID.
    pub async fn org_by_did(&self, did: &str) -> Result<Option<Org>> {
        dispatch!(self.org_by_did(did))
    }
    /// Every organization, by slug.
    pub async fn list_orgs(&self) -> Result<Vec<Org>> {
        dispatch!(self.list_orgs())
    }
    /// Updates name and profile.
    pub async fn update_org(&self, id: i64, name: &str, profile: &Value) -> Result<()> {
        dispatch!(self.update_org(id, name, profile))
    }

    /// Adds a key to an organization and makes it the active one (the previous stays listed).
    pub async fn add_org_key(
        &self,
        org_id: i64,
        fragment: &str,
        public_multibase: &str,
        encrypted_secret: &str,
        now: i64,
    ) -> Result<OrgKey> {
        dispatch!(self.add_org_key(org_id, fragment, public_multibase, encrypted_secret, now))
    }
    /// Every key of an organization, oldest first.
    pub async fn org_keys(&self, org_id: i64) -> Result<Vec<OrgKey>> {
        dispatch!(self.org_keys(org_id))
    }

    /// Stores an API key's hash and scopes.
    pub async fn create_api_key(
        &self,
        org_id: i64,
        key_hash: &str,
        prefix: &str,
        scopes: &[Scope],
        now: i64,
    ) -> Result<ApiKey> {
        dispatch!(self.create_api_key(org_id, key_hash, prefix, scopes, now))
    }
    /// The API key with this hash, if any (revoked ones included, flagged).
    pub async fn api_key_by_hash(&self, key_hash: &str) -> Result<Option<ApiKey>> {
        dispatch!(self.api_key_by_hash(key_hash))
    }
    /// Revokes an API key.
    pub async fn revoke_api_key(&self, id: i64) -> Result<()> {
        dispatch!(self.revoke_api_key(id))
    }

    /// Creates a staff account; `Conflict` if the email is taken.
    pub async fn create_user(
        &self,
        org_id: i64,
        email: &str,
        password_hash: &str,
        role: &str,
        now: i64,
    ) -> Result<User> {
        dispatch!(self.create_user(org_id, email, password_hash, role, now))
    }
    /// A staff account by email (lower-cased by the caller).
    pub async fn user_by_email(&self, email: &str) -> Result<Option<User>> {
        dispatch!(self.user_by_email(email))
    }
    /// Stores a session.
    pub async fn create_session(&self, session: &Session) -> Result<()> {
        dispatch!(self.create_session(session))
    }
    /// A live session and its user; expired sessions are not returned.
    pub async fn session(&self, token_hash: &str, now: i64) -> Result<Option<(Session, User)>> {
        dispatch!(self.session(token_hash, now))
    }
    /// Ends a session.
    pub async fn delete_session(&self, token_hash: &str) -> Result<()> {
        dispatch!(self.delete_session(token_hash))
    }

    /// Creates or replaces an achievement (an OB 3.0 Achievement JSON); true when created.
    pub async fn put_achievement(
        &self,
        org_id: i64,
        id: &str,
        json: &Value,
        now: i64,
    ) -> Result<bool> {
        dispatch!(self.put_achievement(org_id, id, json, now))
    }
    /// One achievement.
    pub async fn achievement(&self, org_id: i64, id: &str) -> Result<Option<Value>> {
        dispatch!(self.achievement(org_id, id))
    }
    /// An organization's achievements, by id.
    pub async fn list_achievements(&self, org_id: i64) -> Result<Vec<Value>> {
        dispatch!(self.list_achievements(org_id))
    }
    /// Deletes an achievement; true when it existed.
    pub async fn delete_achievement(&self, org_id: i64, id: &str) -> Result<bool> {
        dispatch!(self.delete_achievement(org_id, id))
    }

    /// Allocates a random, never-used index in one of the organization's lists for `purpose`,
    /// creating a new list of `new_list_size` entries (id from `new_list_id`) when none has
    /// room; one transaction. Returns the list and the index. `Invalid` if `new_list_size` is
    /// 0; `Conflict` if a list must be created and the organization already has `new_list_id`
    /// (pass a fresh id each call: it is only used when a list is created).
    pub async fn allocate_status_index(
        &self,
        org_id: i64,
        purpose: Purpose,
        new_list_size: u64,
        new_list_id: &str,
        now: i64,
    ) -> Result<(StatusListRow, u64)> {
        dispatch!(self.allocate_status_index(org_id, purpose, new_list_size, new_list_id, now))
    }
    /// A status list by organization and list id.
    pub async fn status_list(&self, org_id: i64, list_id: &str) -> Result<Option<StatusListRow>> {
        dispatch!(self.status_list(org_id, list_id))
    }
    /// A status list by database id.
    pub async fn status_list_by_id(&self, id: i64) -> Result<Option<StatusListRow>> {
        dispatch!(self.status_list_by_id(id))
    }

    /// Stores an issued credential; `Conflict` if its id exists.
    pub async fn insert_credential(&self, row: &CredentialRow) -> Result<()> {
        dispatch!(self.insert_credential(row))
    }
    /// An issued credential by id.
    pub async fn credential(&self, id: &str) -> Result<Option<CredentialRow>> {
        dispatch!(self.credential(id))
    }
    /// An organization's issued credentials, newest first, filtered.
    pub async fn list_credentials(
        &self,
        org_id: i64,
        query: &CredentialQuery,
    ) -> Result<Vec<CredentialRow>> {
        dispatch!(self.list_credentials(org_id, query))
    }
    /// Revokes (final), suspends or unsuspends a credential: sets the credential's flag and its
    /// bit in the list, bumping the list's version, in one durable transaction. Returns the
    /// updated row. `NotFound` if the credential has no entry for that purpose; `Invalid` when
    /// asked to un-revoke. Setting the status a credential already has changes nothing.
    pub async fn set_credential_status(
        &self,
        id: &str,
        purpose: Purpose,
        value: bool,
        now: i64,
    ) -> Result<CredentialRow> {
        dispatch!(self.set_credential_status(id, purpose, value, now))
    }

    /// Records a challenge handed out, valid until `expires_at`.
    pub async fn create_challenge(&self, challenge: &str, expires_at: i64) -> Result<()> {
        dispatch!(self.create_challenge(challenge, expires_at))
    }
    /// Uses a challenge once (atomically: of concurrent uses, one is `Accepted`). A challenge
    /// expires at `expires_at`; a used one stays `AlreadyUsed` after that.
    pub async fn use_challenge(&self, challenge: &str, now: i64) -> Result<ChallengeUse> {
        dispatch!(self.use_challenge(challenge, now))
    }
}
