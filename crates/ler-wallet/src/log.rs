//! The access log: every disclosure, where the holder can see it; kept pseudonymized once the
//! holder's account is erased.

use serde::{Deserialize, Serialize};

use crate::crypt::{hex, hmac_sha256};

/// Whose records an entry is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", content = "id", rename_all = "lowercase")]
pub enum LogHolder {
    /// A holder with an account.
    Holder(String),
    /// An erased holder, by [`pseudonym`].
    Pseudonym(String),
}

/// One disclosure: who, when, what, through which grant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AccessEntry {
    /// Whose records.
    pub holder: LogHolder,
    /// The recipient's key ([`Recipient::key`](crate::Recipient::key)).
    pub recipient: String,
    /// The grant the access went through.
    pub grant_id: String,
    /// The records disclosed.
    pub record_ids: Vec<String>,
    /// When, seconds since the epoch.
    pub at: i64,
}

/// The pseudonym of holder `holder_id` under the operator's `secret`: `p_` and the hex of
/// HMAC-SHA-256. The same holder always gets the same pseudonym (so an erased holder's entries
/// stay countable together), and without the secret it cannot be linked back to the id.
pub fn pseudonym(secret: &[u8], holder_id: &str) -> String {
    format!("p_{}", hex(&hmac_sha256(secret, holder_id.as_bytes())))
}

/// The entry with the holder's id replaced by its [`pseudonym`].
pub fn pseudonymize(entry: AccessEntry, secret: &[u8]) -> AccessEntry {
    let holder = match entry.holder {
        LogHolder::Holder(id) => LogHolder::Pseudonym(pseudonym(secret, &id)),
        already @ LogHolder::Pseudonym(_) => already,
    };
    AccessEntry { holder, ..entry }
}
