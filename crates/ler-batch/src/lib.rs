//! Bulk issuance: the rows an import reads ([`ler_connect::IssueRow`]) become Open Badges 3.0
//! credentials, signed with the organization's key and stored with their status entries —
//! idempotently (a source row's key names exactly one credential, so a rerun issues nothing
//! twice) and resumably (each batch of rows is allocated, signed and stored in its own
//! transactions, so a crash loses at most the batch in flight and a rerun fills the gap).
//! Also the CLR 2.0 transcript of a learner ([`transcript`]).
//!
//! The principal types are [`Issuer`] (an organization ready to sign: its decrypted key, its
//! catalog, its status list URLs) and [`run`], the engine, which reports what happens to each
//! row through a [`Sink`]. Signing runs on `threads` OS threads; memory stays bounded by the
//! batch size, whatever the input's length. Each stored credential's `record.issued` webhook
//! event ([`webhook_event`]) goes into the outbox in the same transaction; recipients whose
//! wallet is on this service can be named for delivery ([`BatchOptions::deliver`]).
//!
//! **Architecture invariant:** the same issuing rules as the service: eddsa-rdfc-2022 with the
//! organization's active key (decrypted under the KEK, checked against its public key), a
//! revocation and a suspension entry from the organization's status lists, and every
//! credential checked by `ler-model` before it is signed. Time comes from the caller;
//! randomness (credential ids, claim tokens, email salts) from the operating system.

mod clr;
mod credential;
mod engine;
mod events;
mod org;

pub use clr::{ClrOptions, transcript};
pub use engine::{BatchOptions, ClaimLink, Event, Sink, Summary, run};
pub use events::{RECORD_ISSUED, RECORD_REVOKED, RECORD_SHARED, issued_data, webhook_event};
pub use org::{
    Issuer, LIST_SIZE, active_key_record, active_org_key, claim_url, open_org_key, status_entry,
    status_list_url,
};

/// The codes of the row errors the batch gives beyond [`ler_connect::ROW_ERROR_CODES`] (see
/// [`ler_connect::RowError::code`]), each with the names of its arguments.
pub const ROW_ERROR_CODES: &[(&str, &[&str])] = &[
    ("unknown_achievement", &["achievement", "org"]),
    ("invalid_credential", &["detail"]),
    ("unsignable_credential", &["detail"]),
];

/// Why a batch (or a transcript) cannot go on. Row problems are not errors: they are reported
/// through the [`Sink`] and the batch continues.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BatchError {
    /// The organization, its key, or the recipient's credentials are not there.
    #[error("{0} not found")]
    NotFound(String),
    /// The organization's key does not open with this KEK, or does not match its public key.
    #[error("the signing key {fragment} cannot be used: {reason}")]
    Key {
        /// The key's fragment.
        fragment: String,
        /// Why.
        reason: String,
    },
    /// The store failed.
    #[error(transparent)]
    Store(#[from] ler_store::StoreError),
    /// A credential that should be valid is not, or could not be signed.
    #[error("{0}")]
    Credential(String),
    /// The sink could not record what was issued (the claim-link file, say).
    #[error("cannot record the results: {0}")]
    Sink(String),
    /// The operating system's random source failed.
    #[error("no randomness available: {0}")]
    Random(String),
}

/// Result alias.
pub type Result<T> = std::result::Result<T, BatchError>;

/// `n` random bytes.
pub(crate) fn random<const N: usize>() -> Result<[u8; N]> {
    let mut b = [0u8; N];
    getrandom::getrandom(&mut b).map_err(|e| BatchError::Random(e.to_string()))?;
    Ok(b)
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A random `urn:uuid:` (version 4).
pub(crate) fn urn_uuid() -> Result<String> {
    let mut b = random::<16>()?;
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h = hex(&b);
    Ok(format!(
        "urn:uuid:{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..]
    ))
}
