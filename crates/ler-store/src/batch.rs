//! Bulk issuance: status indexes allocated many at a time, and a batch of credentials stored
//! with their source keys (`batch_items`) and claim tokens in one transaction.
//!
//! A source row's key is unique per organization and names exactly one credential, so a batch
//! that is run again (after a crash, or by mistake) issues nothing twice: the engine asks
//! [`Store::batch_items`] which keys are done, and [`Store::insert_batch`] refuses, row by row
//! and inside its transaction, a key another run stored meanwhile.

use crate::wallet::ClaimToken;
use crate::{Backend, CredentialRow, Purpose, Result, Store, StoreError};

/// What reached the recipient of a batch item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BatchStatus {
    /// Stored; nothing handed out yet.
    Issued,
    /// A claim link was written out for it.
    Linked,
    /// Put in the recipient's wallet.
    Delivered,
}

impl BatchStatus {
    /// The `status` column's value.
    pub fn as_str(self) -> &'static str {
        match self {
            BatchStatus::Issued => "issued",
            BatchStatus::Linked => "linked",
            BatchStatus::Delivered => "delivered",
        }
    }

    pub(crate) fn parse(s: &str) -> Result<BatchStatus> {
        match s {
            "issued" => Ok(BatchStatus::Issued),
            "linked" => Ok(BatchStatus::Linked),
            "delivered" => Ok(BatchStatus::Delivered),
            other => Err(StoreError::Database(format!(
                "unknown batch item status {other:?}"
            ))),
        }
    }
}

/// A source row that was issued.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchItem {
    /// The issuing organization.
    pub org_id: i64,
    /// The row's unique key in its source (an LMS's enrolment id, a statement id, …).
    pub source_key: String,
    /// The credential issued for it.
    pub credential_id: String,
    /// What reached the recipient.
    pub status: BatchStatus,
    /// Seconds since the epoch.
    pub issued_at: i64,
}

/// One credential of a batch to store.
#[derive(Debug, Clone, PartialEq)]
pub struct BatchInsert {
    /// The source row's key.
    pub source_key: String,
    /// The signed credential (its `org_id` is the batch's organization).
    pub credential: CredentialRow,
    /// A claim token to store with it (its `credential_id` is the credential's).
    pub claim: Option<ClaimToken>,
    /// A webhook event to put in the outbox with it, for each of the organization's
    /// subscriptions that wants its type: in the same transaction, so an event goes out
    /// exactly when its credential is stored.
    pub event: Option<OutboxEvent>,
}

/// A webhook event, before it is fanned out to the subscriptions that want it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxEvent {
    /// `record.issued`, …
    pub event_type: String,
    /// The event's unique id (deliveries are keyed by it and the subscription).
    pub event_id: String,
    /// The JSON body every subscription receives.
    pub payload: String,
    /// Seconds since the epoch.
    pub created_at: i64,
}

/// An allocated status entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Allocation {
    /// The list's database id (for [`CredentialRow::revocation`] / `suspension`).
    pub list: i64,
    /// The list's short id, used in its URL.
    pub list_id: String,
    /// The index, never handed out before.
    pub index: u64,
}

impl Store {
    /// Allocates `count` random, never-used indexes for `purpose` in one transaction, filling
    /// the organization's lists with room first and creating lists of `new_list_size` entries
    /// as needed, named from `new_list_ids` in order. `Invalid` if `new_list_size` is 0 or
    /// `new_list_ids` runs out (pass `count.div_ceil(new_list_size) + 1` fresh ids).
    pub async fn allocate_status_indexes(
        &self,
        org_id: i64,
        purpose: Purpose,
        count: usize,
        new_list_size: u64,
        new_list_ids: &[String],
        now: i64,
    ) -> Result<Vec<Allocation>> {
        dispatch!(self.allocate_status_indexes(
            org_id,
            purpose,
            count,
            new_list_size,
            new_list_ids,
            now
        ))
    }

    /// The batch items of an organization among `source_keys` (in no particular order).
    pub async fn batch_items(&self, org_id: i64, source_keys: &[String]) -> Result<Vec<BatchItem>> {
        dispatch!(self.batch_items(org_id, source_keys))
    }

    /// Stores a batch in one durable transaction: each credential, its batch item (status
    /// `issued`) and its claim token. A row whose source key the organization already has is
    /// skipped (another run stored it first) and reported `false`; the others `true`.
    /// `Conflict` if a credential id or status entry is taken (then nothing is stored).
    pub async fn insert_batch(&self, org_id: i64, items: &[BatchInsert]) -> Result<Vec<bool>> {
        dispatch!(self.insert_batch(org_id, items))
    }

    /// Stores claim tokens in one transaction (new links for items a crashed run had stored
    /// before it wrote their links out).
    pub async fn create_claim_tokens(&self, tokens: &[ClaimToken]) -> Result<()> {
        dispatch!(self.create_claim_tokens(tokens))
    }

    /// Sets the status of an organization's batch items in one transaction (`linked` once
    /// their claim links are written out durably).
    pub async fn set_batch_status(
        &self,
        org_id: i64,
        source_keys: &[String],
        status: BatchStatus,
    ) -> Result<()> {
        dispatch!(self.set_batch_status(org_id, source_keys, status))
    }

    /// An organization's issued credentials for one recipient (exact match on the recipient
    /// the issuer gave: subject id or email), oldest first.
    pub async fn recipient_credentials(
        &self,
        org_id: i64,
        recipient: &str,
    ) -> Result<Vec<CredentialRow>> {
        dispatch!(self.recipient_credentials(org_id, recipient))
    }
}

/// Checks a batch before it reaches the database: the organization and the claim tokens must
/// match their credentials.
pub(crate) fn check_batch(org_id: i64, items: &[BatchInsert]) -> Result<()> {
    for item in items {
        if item.credential.org_id != org_id {
            return Err(StoreError::Invalid(format!(
                "credential {} belongs to another organization than its batch",
                item.credential.id
            )));
        }
        if let Some(claim) = &item.claim
            && (claim.credential_id != item.credential.id || claim.org_id != org_id)
        {
            return Err(StoreError::Invalid(format!(
                "the claim token of {} names another credential",
                item.source_key
            )));
        }
    }
    Ok(())
}
