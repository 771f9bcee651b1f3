//! Rows as both backends read and write them, their conversion to and from the public types,
//! and the rules both backends apply the same way (status changes, search, paging).

use serde_json::Value;

use crate::{
    ApiKey, CredentialQuery, CredentialRow, Org, Purpose, Result, Scope, StatusListRow, StoreError,
};

/// Rows a credential search returns at most.
pub(crate) const MAX_PAGE: u32 = 1000;

/// Separates the fields of a credential's `search` column, so a needle without it cannot
/// match across two fields.
const SEARCH_SEPARATOR: char = '\u{1f}';

/// An `orgs` row with its profile still as text.
pub(crate) struct OrgRaw {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub did: String,
    pub profile: String,
    pub created_at: i64,
}

impl OrgRaw {
    pub(crate) fn into_org(self) -> Result<Org> {
        Ok(Org {
            profile: parse_json(&self.profile, "organization profile")?,
            id: self.id,
            slug: self.slug,
            name: self.name,
            did: self.did,
            created_at: self.created_at,
        })
    }
}

/// An `api_keys` row with its scopes still as text.
pub(crate) struct ApiKeyRaw {
    pub id: i64,
    pub org_id: i64,
    pub prefix: String,
    pub scopes: String,
    pub created_at: i64,
    pub revoked: bool,
}

impl ApiKeyRaw {
    pub(crate) fn into_api_key(self) -> Result<ApiKey> {
        let scopes = self
            .scopes
            .split_whitespace()
            .map(|s| {
                Scope::parse(s).ok_or_else(|| {
                    StoreError::Database(format!("unknown scope `{s}` in api key {}", self.id))
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(ApiKey {
            id: self.id,
            org_id: self.org_id,
            prefix: self.prefix,
            scopes,
            created_at: self.created_at,
            revoked: self.revoked,
        })
    }
}

/// Scopes as the `scopes` column holds them: names separated by spaces.
pub(crate) fn scopes_text(scopes: &[Scope]) -> String {
    scopes
        .iter()
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

/// A `status_lists` row, with the count of allocated indexes the public row leaves out.
pub(crate) struct ListRaw {
    pub id: i64,
    pub org_id: i64,
    pub list_id: String,
    pub purpose: String,
    pub size: i64,
    pub bits: Vec<u8>,
    pub used: Vec<u8>,
    pub allocated: i64,
    pub version: i64,
    pub updated_at: i64,
}

impl ListRaw {
    /// A new, empty list.
    pub(crate) fn empty(
        org_id: i64,
        list_id: &str,
        purpose: Purpose,
        size: u64,
        now: i64,
    ) -> Result<ListRaw> {
        let invalid = || StoreError::Invalid(format!("status list size {size} is out of range"));
        if size == 0 {
            return Err(invalid());
        }
        let bytes = crate::bits::byte_len(size).ok_or_else(invalid)?;
        Ok(ListRaw {
            id: 0,
            org_id,
            list_id: list_id.to_owned(),
            purpose: purpose.as_str().to_owned(),
            size: i64::try_from(size).map_err(|_| invalid())?,
            bits: vec![0; bytes],
            used: vec![0; bytes],
            allocated: 0,
            version: 0,
            updated_at: now,
        })
    }

    /// The list's size as an index bound.
    pub(crate) fn size(&self) -> Result<u64> {
        u64::try_from(self.size).map_err(|_| corrupt("status list", self.id))
    }

    /// Picks a free index and marks it used, bumping the version; `None` when the list is
    /// full (then `allocated` is set to the size, so the list is not offered again).
    pub(crate) fn allocate(&mut self, now: i64) -> Result<Option<u64>> {
        let size = self.size()?;
        let Some(index) = crate::bits::pick_free(&self.used, size)? else {
            self.allocated = self.size;
            return Ok(None);
        };
        if !crate::bits::set(&mut self.used, index, true) {
            return Err(corrupt("status list", self.id));
        }
        self.allocated += 1;
        self.version += 1;
        self.updated_at = now;
        Ok(Some(index))
    }

    pub(crate) fn into_row(self) -> Result<StatusListRow> {
        let purpose = match self.purpose.as_str() {
            "revocation" => Purpose::Revocation,
            "suspension" => Purpose::Suspension,
            _ => return Err(corrupt("status list", self.id)),
        };
        Ok(StatusListRow {
            size: self.size()?,
            id: self.id,
            org_id: self.org_id,
            list_id: self.list_id,
            purpose,
            bits: self.bits,
            used: self.used,
            version: self.version,
            updated_at: self.updated_at,
        })
    }
}

/// A `credentials` row as stored: JSON as text, status entries as nullable integers.
pub(crate) struct CredentialRaw {
    pub id: String,
    pub org_id: i64,
    pub achievement_id: Option<String>,
    pub recipient: Option<String>,
    pub json: String,
    pub revocation_list: Option<i64>,
    pub revocation_index: Option<i64>,
    pub suspension_list: Option<i64>,
    pub suspension_index: Option<i64>,
    pub revoked: bool,
    pub suspended: bool,
    pub issued_at: i64,
}

impl CredentialRaw {
    pub(crate) fn into_row(self) -> Result<CredentialRow> {
        let entry = |list: Option<i64>, index: Option<i64>| -> Result<Option<(i64, u64)>> {
            match (list, index) {
                (Some(list), Some(index)) => {
                    let index = u64::try_from(index).map_err(|_| {
                        StoreError::Database(format!(
                            "credential {} has a negative status index",
                            self.id
                        ))
                    })?;
                    Ok(Some((list, index)))
                }
                _ => Ok(None),
            }
        };
        Ok(CredentialRow {
            revocation: entry(self.revocation_list, self.revocation_index)?,
            suspension: entry(self.suspension_list, self.suspension_index)?,
            json: parse_json(&self.json, "credential")?,
            id: self.id,
            org_id: self.org_id,
            achievement_id: self.achievement_id,
            recipient: self.recipient,
            revoked: self.revoked,
            suspended: self.suspended,
            issued_at: self.issued_at,
        })
    }
}

/// The columns `insert_credential` writes that are derived from the row.
pub(crate) struct CredentialDerived {
    /// The credential's name, for listings and search.
    pub name: Option<String>,
    /// Lower-cased id, recipient, achievement id and name, for case-insensitive search.
    pub search: String,
    /// The JSON as text.
    pub json: String,
    pub revocation_list: Option<i64>,
    pub revocation_index: Option<i64>,
    pub suspension_list: Option<i64>,
    pub suspension_index: Option<i64>,
}

impl CredentialDerived {
    pub(crate) fn of(row: &CredentialRow) -> Result<CredentialDerived> {
        let name = credential_name(&row.json);
        let search = [
            Some(row.id.as_str()),
            row.recipient.as_deref(),
            row.achievement_id.as_deref(),
            name.as_deref(),
        ]
        .iter()
        .map(|field| field.unwrap_or_default().to_lowercase())
        .collect::<Vec<_>>()
        .join(&SEARCH_SEPARATOR.to_string());
        let json = serde_json::to_string(&row.json).map_err(|e| {
            StoreError::Invalid(format!("credential {} is not serializable: {e}", row.id))
        })?;
        let split = |entry: Option<(i64, u64)>| -> Result<(Option<i64>, Option<i64>)> {
            match entry {
                None => Ok((None, None)),
                Some((list, index)) => {
                    let index = i64::try_from(index).map_err(|_| {
                        StoreError::Invalid(format!("status index {index} is out of range"))
                    })?;
                    Ok((Some(list), Some(index)))
                }
            }
        };
        let (revocation_list, revocation_index) = split(row.revocation)?;
        let (suspension_list, suspension_index) = split(row.suspension)?;
        Ok(CredentialDerived {
            name,
            search,
            json,
            revocation_list,
            revocation_index,
            suspension_list,
            suspension_index,
        })
    }
}

/// The credential's `name`, or else the name of the achievement it awards.
fn credential_name(json: &Value) -> Option<String> {
    json.get("name")
        .and_then(Value::as_str)
        .or_else(|| {
            json.pointer("/credentialSubject/achievement/name")
                .and_then(Value::as_str)
        })
        .map(str::to_owned)
}

/// The `LIKE` pattern (escape character `\`) matching `text` anywhere in the `search` column.
pub(crate) fn search_pattern(query: &CredentialQuery) -> Option<String> {
    let text = query.text.as_deref()?.to_lowercase();
    let mut pattern = String::with_capacity(text.len() + 2);
    pattern.push('%');
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    Some(pattern)
}

/// The page size to use: the query's, capped at [`MAX_PAGE`]; 0 means the cap.
pub(crate) fn page_limit(query: &CredentialQuery) -> i64 {
    i64::from(if query.limit == 0 {
        MAX_PAGE
    } else {
        query.limit.min(MAX_PAGE)
    })
}

/// What `set_credential_status` has to change: the list entry and the new value, or `None`
/// when the credential already has that status.
pub(crate) fn status_change(
    row: &CredentialRow,
    purpose: Purpose,
    value: bool,
) -> Result<Option<(i64, u64)>> {
    let (entry, current) = match purpose {
        Purpose::Revocation => (row.revocation, row.revoked),
        Purpose::Suspension => (row.suspension, row.suspended),
    };
    let entry = entry.ok_or_else(|| {
        StoreError::NotFound(format!(
            "{} entry of credential {}",
            purpose.as_str(),
            row.id
        ))
    })?;
    if purpose == Purpose::Revocation && current && !value {
        return Err(StoreError::Invalid("revocation is final".to_owned()));
    }
    Ok((current != value).then_some(entry))
}

/// Applies a status change to the list's bits, bumping its version.
pub(crate) fn set_status_bit(list: &mut ListRaw, index: u64, value: bool, now: i64) -> Result<()> {
    if index >= list.size()? || !crate::bits::set(&mut list.bits, index, value) {
        return Err(StoreError::Database(format!(
            "status index {index} lies outside list {}",
            list.id
        )));
    }
    list.version += 1;
    list.updated_at = now;
    Ok(())
}

/// A stored JSON text, parsed.
pub(crate) fn parse_json(text: &str, what: &str) -> Result<Value> {
    serde_json::from_str(text)
        .map_err(|e| StoreError::Database(format!("stored {what} is not JSON: {e}")))
}

/// A JSON value as stored text.
pub(crate) fn json_text(value: &Value, what: &str) -> Result<String> {
    serde_json::to_string(value)
        .map_err(|e| StoreError::Invalid(format!("{what} is not serializable: {e}")))
}

fn corrupt(table: &str, id: i64) -> StoreError {
    StoreError::Database(format!("{table} {id} holds inconsistent data"))
}
