//! The export bundle: everything a holder has in one JSON document (format
//! `ler-wallet-export/v1`), and the import that reads it back.

use ler_model::datetime::format_datetime;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::grant::Grant;
use crate::log::AccessEntry;
use crate::record::Record;
use crate::{Result, WalletError};

/// The bundle's `format`.
pub const EXPORT_FORMAT: &str = "ler-wallet-export/v1";

/// A grant as exported: the grant, its receipt and what became of it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExportedGrant {
    /// The grant.
    pub grant: Grant,
    /// Its consent receipt.
    pub receipt: Value,
    /// When it was revoked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revoked_at: Option<i64>,
    /// How many accesses it served.
    pub used_count: u64,
}

/// The export bundle.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Bundle {
    /// [`EXPORT_FORMAT`].
    pub format: String,
    /// The holder's DID.
    pub holder: String,
    /// When it was made (`YYYY-MM-DDThh:mm:ssZ`).
    pub exported: String,
    /// Every record: credential, verification report, summary.
    pub records: Vec<Record>,
    /// Every grant, with its receipt.
    pub grants: Vec<ExportedGrant>,
    /// Every access to the holder's records.
    pub access_log: Vec<AccessEntry>,
}

/// What an import brings in.
#[derive(Debug, Clone, PartialEq)]
pub struct Imported {
    /// The DID the bundle was exported by.
    pub holder: String,
    /// The records the wallet does not have yet (by fingerprint), in the bundle's order.
    pub records: Vec<Record>,
    /// Ids (in the bundle) of the records skipped as duplicates.
    pub duplicates: Vec<String>,
    /// The bundle's grants, for the holder's reference (a grant is not given again by an import).
    pub grants: Vec<ExportedGrant>,
}

/// Everything the holder has, as one JSON document.
pub fn export(
    holder_did: &str,
    records: &[Record],
    grants: &[ExportedGrant],
    access_log: &[AccessEntry],
    now: i64,
) -> Result<Value> {
    let bundle = Bundle {
        format: EXPORT_FORMAT.to_owned(),
        holder: holder_did.to_owned(),
        exported: format_datetime(now),
        records: records.to_vec(),
        grants: grants.to_vec(),
        access_log: access_log.to_vec(),
    };
    serde_json::to_value(bundle).map_err(|e| WalletError::Invalid {
        what: "export bundle",
        reason: e.to_string(),
    })
}

/// Reads a bundle (as [`export`] wrote it) against the records the wallet already has: every
/// record is rebuilt from its credential (kind, fingerprint and summary computed again), and
/// one whose fingerprint the wallet (or an earlier record of the bundle) has is skipped.
pub fn import(bundle: &Value, existing: &[Record]) -> Result<Imported> {
    let invalid = |reason: String| WalletError::Invalid {
        what: "export bundle",
        reason,
    };
    match bundle.get("format").and_then(Value::as_str) {
        Some(EXPORT_FORMAT) => {}
        Some(other) => return Err(invalid(format!("format {other:?} is not {EXPORT_FORMAT}"))),
        None => return Err(invalid("it has no format".into())),
    }
    let bundle: Bundle =
        serde_json::from_value(bundle.clone()).map_err(|e| invalid(e.to_string()))?;
    let mut seen: Vec<String> = existing.iter().map(|r| r.fingerprint.clone()).collect();
    let mut records = Vec::new();
    let mut duplicates = Vec::new();
    for record in bundle.records {
        let rebuilt = Record::from_parts(
            record.id,
            record.credential,
            record.report,
            record.received_at,
        )?;
        if seen.contains(&rebuilt.fingerprint) {
            duplicates.push(rebuilt.id);
        } else {
            seen.push(rebuilt.fingerprint.clone());
            records.push(rebuilt);
        }
    }
    Ok(Imported {
        holder: bundle.holder,
        records,
        duplicates,
        grants: bundle.grants,
    })
}
