//! An organization ready to issue: its active key decrypted under the KEK (and checked against
//! the public key its DID document lists), its achievements catalog, and the URLs of its
//! status lists and claim links — the same as `ler serve` uses for the organization.

use std::collections::HashMap;
use std::sync::Arc;

use ler_connect::{Entry, RowError};
use ler_crypto::{Kek, KeyPair, parse_key};
use ler_store::{Org, OrgKey, Store};
use serde_json::Value;

use crate::{BatchError, Result};

/// Entries per status list (the minimum the Bitstring Status List spec allows, 16 KB), as the
/// service allocates them.
pub const LIST_SIZE: u64 = ler_status::MIN_ENTRIES as u64;

/// Decrypts an organization's stored key under the KEK and returns it with its verification
/// method URL; refuses a key whose secret does not match the public key listed for it.
pub fn open_org_key(kek: &Kek, org: &Org, key: &OrgKey) -> Result<(KeyPair, String)> {
    let pair =
        parse_key(key.encrypted_secret.as_bytes(), Some(kek)).map_err(|e| BatchError::Key {
            fragment: key.fragment.clone(),
            reason: e.to_string(),
        })?;
    if pair.public_key().to_multibase() != key.public_multibase {
        return Err(BatchError::Key {
            fragment: key.fragment.clone(),
            reason: "the secret does not match the public key listed for it".into(),
        });
    }
    Ok((pair, format!("{}#{}", org.did, key.fragment)))
}

/// The newest active signing key record of an organization.
pub async fn active_key_record(store: &Store, org: &Org) -> Result<OrgKey> {
    store
        .org_keys(org.id)
        .await?
        .into_iter()
        .rev()
        .find(|k| k.active)
        .ok_or_else(|| BatchError::NotFound(format!("an active signing key of {}", org.slug)))
}

/// The active signing key of an organization, decrypted under the KEK, with its verification
/// method URL: what both `ler serve` and `ler batch` sign with.
pub async fn active_org_key(store: &Store, kek: &Kek, org: &Org) -> Result<(KeyPair, String)> {
    let key = active_key_record(store, org).await?;
    open_org_key(kek, org, &key)
}

/// The URL of status list `list_id` of organization `slug` on the service at `public_base`
/// (where `ler serve` answers it).
pub fn status_list_url(public_base: &str, slug: &str, list_id: &str) -> String {
    format!(
        "{}/orgs/{slug}/status/{list_id}",
        public_base.trim_end_matches('/')
    )
}

/// The `BitstringStatusListEntry` for bit `index` of the list at `list_url`.
pub fn status_entry(list_url: &str, purpose: &str, index: u64) -> Value {
    serde_json::json!({
        "id": format!("{list_url}#{index}"),
        "type": "BitstringStatusListEntry",
        "statusPurpose": purpose,
        "statusListIndex": index.to_string(),
        "statusListCredential": list_url,
    })
}

/// The URL a worker opens to claim a credential with a claim token (the wallet's route).
pub fn claim_url(public_base: &str, token: &str) -> String {
    format!("{}/wallet/claim/{token}", public_base.trim_end_matches('/'))
}

/// An organization ready to sign.
pub struct Issuer {
    /// The organization.
    pub org: Org,
    pub(crate) key: Arc<KeyPair>,
    pub(crate) verification_method: String,
    /// `http(s)://host[:port]` of the service hosting the organization.
    pub(crate) public_base: String,
    /// Catalog achievements by JSON id, local id and `otherIdentifier`, and by lower-cased
    /// name.
    by_id: HashMap<String, Arc<Value>>,
    by_name: HashMap<String, Arc<Value>>,
}

impl Issuer {
    /// Loads organization `slug` from the store: its active key (decrypted under `kek`) and its
    /// achievements catalog. `public_base` is the URL the service is reached at (status lists
    /// and claim links are made from it, as the service makes them).
    pub async fn load(store: &Store, kek: &Kek, slug: &str, public_base: &str) -> Result<Issuer> {
        let org = store
            .org_by_slug(slug)
            .await?
            .ok_or_else(|| BatchError::NotFound(format!("organization {slug}")))?;
        let (key, verification_method) = active_org_key(store, kek, &org).await?;
        let mut by_id = HashMap::new();
        let mut by_name = HashMap::new();
        let local_prefix = format!(
            "{}/orgs/{}/achievements/",
            public_base.trim_end_matches('/'),
            org.slug
        );
        for a in store.list_achievements(org.id).await? {
            let a = Arc::new(a);
            if let Some(id) = a.get("id").and_then(Value::as_str) {
                if let Some(local) = id.strip_prefix(&local_prefix) {
                    by_id.insert(local.to_owned(), Arc::clone(&a));
                }
                by_id.insert(id.to_owned(), Arc::clone(&a));
            }
            // An LMS's own ids for the achievement (a course id, an xAPI activity IRI, a
            // OneRoster line item) are listed as OB 3.0 `otherIdentifier`s.
            for other in a
                .get("otherIdentifier")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                if let Some(id) = other.get("identifier").and_then(Value::as_str) {
                    by_id.insert(id.to_owned(), Arc::clone(&a));
                }
            }
            if let Some(name) = a.get("name").and_then(Value::as_str) {
                by_name.insert(name.trim().to_lowercase(), Arc::clone(&a));
            }
        }
        Ok(Issuer {
            org,
            key: Arc::new(key),
            verification_method,
            public_base: public_base.trim_end_matches('/').to_owned(),
            by_id,
            by_name,
        })
    }

    /// The catalog achievement a row names: by id (its URL, its local id or one of its
    /// `otherIdentifier`s), else by name (case-insensitive).
    pub fn achievement(&self, r: &ler_connect::AchievementRef) -> Option<Arc<Value>> {
        r.id.as_ref()
            .and_then(|id| self.by_id.get(id))
            .or_else(|| {
                r.name
                    .as_ref()
                    .and_then(|n| self.by_name.get(&n.trim().to_lowercase()))
            })
            .cloned()
    }

    /// The catalog achievement `row` awards, or the row's error when the catalog has none.
    pub fn find(&self, row: &ler_connect::IssueRow) -> std::result::Result<Arc<Value>, RowError> {
        self.achievement(&row.achievement_ref).ok_or_else(|| {
            let r = &row.achievement_ref;
            let what = match (&r.id, &r.name) {
                (Some(id), Some(name)) if id != name => format!("{id:?} ({name:?})"),
                (Some(one), _) => format!("{one:?}"),
                (None, Some(one)) => format!("{one:?}"),
                (None, None) => "the achievement".to_owned(),
            };
            let message = format!(
                "{what} is not in the achievements catalog of {} (by id, otherIdentifier or name)",
                self.org.slug
            );
            RowError::new(row.row, Some("achievement"), "unknown_achievement", message)
                .arg("achievement", what)
                .arg("org", self.org.slug.as_str())
        })
    }

    /// An import's entries with every row whose achievement the catalog lacks turned into an
    /// error, as the engine will report it: what a preview shows.
    pub fn check(&self, entry: Entry) -> Entry {
        match entry {
            Entry::Issue(row) => match self.find(&row) {
                Ok(_) => Entry::Issue(row),
                Err(e) => Entry::Error(e),
            },
            other => other,
        }
    }

    /// The URL of one of the organization's status lists.
    pub fn list_url(&self, list_id: &str) -> String {
        status_list_url(&self.public_base, &self.org.slug, list_id)
    }

    /// The verification method new credentials are signed with.
    pub fn verification_method(&self) -> &str {
        &self.verification_method
    }

    /// The service's base URL.
    pub fn public_base(&self) -> &str {
        &self.public_base
    }
}
