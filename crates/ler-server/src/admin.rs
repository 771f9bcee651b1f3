//! Operator actions shared by `ler admin` and the service: organizations and their did:web
//! keys (encrypted under the KEK, rotated without dropping old verification methods), API
//! keys (only their hash stored), and staff accounts (argon2id).

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use ler_crypto::{Kek, KeyPair, PublicKey, encode_key_file};
use ler_store::{ApiKey, Org, OrgKey, Scope, Store, StoreError, User};
use serde_json::{Value, json};

use crate::{AppError, PublicUrl, ids};

/// Prefix of every API key ler makes (so leaked keys are easy to spot).
pub const API_KEY_PREFIX: &str = "ler_";

/// Why an operator action failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AdminError {
    /// An argument is not acceptable.
    #[error("{0}")]
    Invalid(String),
    /// The organization (or user) does not exist.
    #[error("{0} not found")]
    NotFound(String),
    /// A stored key does not open with this KEK, or is damaged.
    #[error("the signing key {fragment} cannot be used: {reason}")]
    Key {
        /// The key's fragment.
        fragment: String,
        /// Why.
        reason: String,
    },
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// No randomness, or another internal failure.
    #[error("{0}")]
    Internal(String),
}

impl From<AdminError> for AppError {
    fn from(e: AdminError) -> AppError {
        match e {
            AdminError::Invalid(m) => AppError::BadRequest(m),
            AdminError::NotFound(what) => AppError::NotFound(format!("{what} not found")),
            AdminError::Store(s) => s.into(),
            other => AppError::Internal(other.to_string()),
        }
    }
}

impl From<ler_batch::BatchError> for AdminError {
    fn from(e: ler_batch::BatchError) -> AdminError {
        match e {
            ler_batch::BatchError::NotFound(what) => AdminError::NotFound(what),
            ler_batch::BatchError::Key { fragment, reason } => AdminError::Key { fragment, reason },
            ler_batch::BatchError::Store(s) => AdminError::Store(s),
            other => AdminError::Internal(other.to_string()),
        }
    }
}

impl From<AppError> for AdminError {
    fn from(e: AppError) -> AdminError {
        AdminError::Internal(e.to_string())
    }
}

/// Checks an organization slug: 1 to 63 lower-case letters, digits and inner hyphens.
pub fn check_slug(slug: &str) -> Result<(), AdminError> {
    let ok = !slug.is_empty()
        && slug.len() <= 63
        && slug
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !slug.starts_with('-')
        && !slug.ends_with('-');
    if ok {
        Ok(())
    } else {
        Err(AdminError::Invalid(format!(
            "the slug {slug:?} must be 1 to 63 lower-case letters, digits and inner hyphens"
        )))
    }
}

/// Creates an organization with did:web `did:web:<host>[%3A<port>]:orgs:<slug>` and its first
/// signing key, `key-1`, encrypted under the KEK.
pub async fn create_org(
    store: &Store,
    kek: &Kek,
    public_url: &PublicUrl,
    slug: &str,
    name: &str,
    now: i64,
) -> Result<(Org, OrgKey), AdminError> {
    check_slug(slug)?;
    if name.trim().is_empty() {
        return Err(AdminError::Invalid("the organization needs a name".into()));
    }
    let did = public_url.org_did(slug);
    ler_crypto::did_web_url(&did).map_err(|e| AdminError::Invalid(e.to_string()))?;
    let org = store.create_org(slug, name, &did, &json!({}), now).await?;
    let key = add_key(store, kek, &org, "key-1", now).await?;
    Ok((org, key))
}

async fn add_key(
    store: &Store,
    kek: &Kek,
    org: &Org,
    fragment: &str,
    now: i64,
) -> Result<OrgKey, AdminError> {
    let pair = KeyPair::generate();
    let file = encode_key_file(&pair, Some(kek));
    let key = store
        .add_org_key(
            org.id,
            fragment,
            &pair.public_key().to_multibase(),
            &file.to_string(),
            now,
        )
        .await?;
    Ok(key)
}

/// An organization by slug, or `NotFound`.
pub async fn org(store: &Store, slug: &str) -> Result<Org, AdminError> {
    store
        .org_by_slug(slug)
        .await?
        .ok_or_else(|| AdminError::NotFound(format!("organization {slug}")))
}

/// Adds `key-N+1` to an organization and makes it the active key; the old keys stay in its DID
/// document so what they signed still verifies.
pub async fn rotate_key(
    store: &Store,
    kek: &Kek,
    slug: &str,
    now: i64,
) -> Result<OrgKey, AdminError> {
    let org = org(store, slug).await?;
    let keys = store.org_keys(org.id).await?;
    let next = keys
        .iter()
        .filter_map(|k| k.fragment.strip_prefix("key-")?.parse::<u64>().ok())
        .max()
        .unwrap_or(0)
        + 1;
    add_key(store, kek, &org, &format!("key-{next}"), now).await
}

/// The DID document of an organization hosted here: every key it ever had, so rotation keeps
/// the old verification methods.
pub async fn did_document(store: &Store, org: &Org) -> Result<Value, AppError> {
    let keys = store.org_keys(org.id).await?;
    let mut listed = Vec::with_capacity(keys.len());
    for k in &keys {
        let public = PublicKey::from_multibase(&k.public_multibase).map_err(|e| {
            AppError::Internal(format!(
                "stored key {} of {} is damaged: {e}",
                k.fragment, org.slug
            ))
        })?;
        listed.push((k.fragment.as_str(), public));
    }
    ler_crypto::did_web_document(&org.did, &listed).map_err(|e| {
        AppError::Internal(format!(
            "the DID document of {} cannot be made: {e}",
            org.slug
        ))
    })
}

/// The DID document of the organization `slug`.
pub async fn did_document_of(store: &Store, slug: &str) -> Result<Value, AppError> {
    let org = store
        .org_by_slug(slug)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("organization {slug} not found")))?;
    did_document(store, &org).await
}

/// The active signing key of an organization (still encrypted): [`ler_batch::active_key_record`].
pub async fn active_key_record(store: &Store, org: &Org) -> Result<OrgKey, AdminError> {
    Ok(ler_batch::active_key_record(store, org).await?)
}

/// Decrypts a stored key under the KEK and returns it with its verification method URL:
/// [`ler_batch::open_org_key`], which `ler batch` signs with too.
pub fn open_key(kek: &Kek, org: &Org, key: &OrgKey) -> Result<(KeyPair, String), AdminError> {
    Ok(ler_batch::open_org_key(kek, org, key)?)
}

/// The active signing key of an organization, decrypted, with its verification method URL:
/// [`ler_batch::active_org_key`].
pub async fn active_key(
    store: &Store,
    kek: &Kek,
    org: &Org,
) -> Result<(KeyPair, String), AdminError> {
    Ok(ler_batch::active_org_key(store, kek, org).await?)
}

/// Parses `issue,revoke,read` (and `cbo`, `funder`).
pub fn parse_scopes(text: &str) -> Result<Vec<Scope>, AdminError> {
    let mut scopes = Vec::new();
    for part in text.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let scope = Scope::parse(part).ok_or_else(|| {
            AdminError::Invalid(format!(
                "unknown scope {part:?}: use issue, revoke, read, cbo and funder"
            ))
        })?;
        if !scopes.contains(&scope) {
            scopes.push(scope);
        }
    }
    if scopes.is_empty() {
        return Err(AdminError::Invalid(
            "give at least one scope: issue, revoke, read, cbo, funder".into(),
        ));
    }
    Ok(scopes)
}

/// Creates an API key for an organization and returns it with its record. The key is shown
/// once: only its SHA-256 is stored.
pub async fn create_api_key(
    store: &Store,
    slug: &str,
    scopes: &[Scope],
    now: i64,
) -> Result<(String, ApiKey), AdminError> {
    let org = org(store, slug).await?;
    let key = format!("{API_KEY_PREFIX}{}", ids::token()?);
    let prefix: String = key.chars().take(12).collect();
    let record = store
        .create_api_key(org.id, &ids::sha256_hex(&key), &prefix, scopes, now)
        .await?;
    Ok((key, record))
}

/// An argon2id PHC string for a password.
pub fn hash_password(password: &str) -> Result<String, AdminError> {
    let salt_bytes = ids::random_bytes::<16>()?;
    let salt =
        SaltString::encode_b64(&salt_bytes).map_err(|e| AdminError::Internal(e.to_string()))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AdminError::Internal(format!("the password could not be hashed: {e}")))
}

/// Whether `password` matches an argon2id PHC string.
pub fn verify_password(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc).is_ok_and(|hash| {
        Argon2::default()
            .verify_password(password.as_bytes(), &hash)
            .is_ok()
    })
}

/// The role of a funder's or evaluator's account: it reads aggregate outcome reports and
/// nothing else.
pub const FUNDER_ROLE: &str = "funder";

/// Creates a staff account of an organization (`admin`, `staff`, or [`FUNDER_ROLE`]).
pub async fn create_user(
    store: &Store,
    slug: &str,
    email: &str,
    password: &str,
    role: &str,
    now: i64,
) -> Result<User, AdminError> {
    let org = org(store, slug).await?;
    let email = email.trim().to_lowercase();
    if !email.contains('@') || email.len() > 254 {
        return Err(AdminError::Invalid(format!(
            "{email:?} is not an email address"
        )));
    }
    if password.chars().count() < 12 {
        return Err(AdminError::Invalid(
            "a password needs at least 12 characters".into(),
        ));
    }
    if !["admin", "staff", FUNDER_ROLE].contains(&role) {
        return Err(AdminError::Invalid(format!(
            "the role must be admin, staff or {FUNDER_ROLE}, not {role:?}"
        )));
    }
    let hash = hash_password(password)?;
    Ok(store.create_user(org.id, &email, &hash, role, now).await?)
}
