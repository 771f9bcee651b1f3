//! Bitstring Status List (W3C, v1.0): the [`StatusList`] bitstring with its encoding, random
//! index allocation that never hands out an index twice ([`Allocator`]), and an issuer's
//! [`ListState`] that makes `credentialStatus` entries and the unsigned
//! `BitstringStatusListCredential` to publish.
//!
//! The crate does no I/O: the caller stores a [`ListState`] as JSON, signs the list credential
//! and serves it. Verifiers use [`StatusList::decode`] (and [`StatusList::decode_statuslist2021`]
//! for the older CCG StatusList2021 lists), which caps the decompressed size and refuses lists
//! shorter than the [`MIN_ENTRIES`] that herd privacy needs.
//!
//! ```
//! use ler_status::{ListState, Purpose};
//!
//! let mut state = ListState::new("https://example.edu/status/1", Purpose::Revocation, 131_072)?;
//! let entry = state.allocate()?;
//! let index: usize = entry["statusListIndex"].as_str().unwrap_or("0").parse().unwrap_or(0);
//! state.revoke(index)?;
//! assert_eq!(state.status(index)?, 1);
//! let list = state.unsigned_list_credential("did:example:issuer", "2026-01-01T00:00:00Z");
//! assert_eq!(list["credentialSubject"]["statusPurpose"], "revocation");
//! # Ok::<(), ler_status::StatusError>(())
//! ```

mod allocator;
mod list;
mod state;

pub use allocator::Allocator;
pub use list::{MAX_LIST_BYTES, MIN_ENTRIES, StatusIndex, StatusList};
pub use state::{ListState, Purpose, StatusMessage};

/// Why a status list operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StatusError {
    /// The list is shorter than herd privacy needs.
    #[error(
        "a status list must have at least {MIN_ENTRIES} entries (16 KB) for herd privacy; this one has {0}"
    )]
    TooFewEntries(usize),
    /// The list is longer than ler makes or reads.
    #[error("a status list can have at most {max} entries of this size; {entries} were asked for")]
    TooManyEntries {
        /// Entries asked for.
        entries: usize,
        /// The most allowed.
        max: usize,
    },
    /// A status size outside 1 to 8 bits.
    #[error("a status size must be 1 to 8 bits, not {0}")]
    StatusSize(u64),
    /// An index past the end of the list.
    #[error("index {index} is out of range: the list has {len} entries")]
    IndexOutOfRange {
        /// The index.
        index: usize,
        /// The list's number of entries.
        len: usize,
    },
    /// A `statusListIndex` that is not a base-10 integer (or does not fit a machine word).
    #[error("status list index {0:?} is not a base-10 integer in range")]
    BadIndex(String),
    /// A status value wider than the list's status size.
    #[error("status value {value} does not fit in {status_size} bits")]
    ValueTooLarge {
        /// The value.
        value: u8,
        /// The list's status size.
        status_size: u8,
    },
    /// An `encodedList` without the multibase `u` prefix.
    #[error("an encodedList must start with the multibase prefix u (base64url without padding)")]
    Multibase,
    /// The encoded list is not base64url.
    #[error("the encoded list is not base64url: {0}")]
    Base64(base64::DecodeError),
    /// The decoded list is not GZIP.
    #[error("the encoded list is not GZIP data: {0}")]
    Gzip(std::io::Error),
    /// The list inflates past the cap (a compression bomb, or simply too large).
    #[error("the status list inflates to more than {max} bytes")]
    TooLarge {
        /// The cap, in bytes.
        max: usize,
    },
    /// Every index has been handed out.
    #[error("every index of the status list has been allocated: start a new list")]
    Full,
    /// The operating system's random source failed.
    #[error("no randomness available: {0}")]
    Randomness(String),
    /// A stored state that does not read back.
    #[error("the status list state is not valid: {0}")]
    State(String),
    /// An unknown `statusPurpose`.
    #[error("unknown status purpose {0:?} (ler makes revocation, suspension and message lists)")]
    Purpose(String),
    /// Status messages that do not match the status size.
    #[error("a list of {status_size}-bit statuses needs {needed} status messages, not {given}")]
    Messages {
        /// The status size.
        status_size: u8,
        /// 2^status_size.
        needed: usize,
        /// How many were given.
        given: usize,
    },
    /// An action this list's purpose does not allow.
    #[error("{action} needs a {needs} list, and this list's purpose is {purpose}")]
    WrongPurpose {
        /// What was asked (`revoke`, `suspend`, …).
        action: &'static str,
        /// The purpose the action needs.
        needs: &'static str,
        /// This list's purpose.
        purpose: String,
    },
    /// Clearing a revocation bit.
    #[error("index {0} is revoked, and revoking is final")]
    RevocationIsFinal(usize),
    /// A list URL that is not absolute, or has a fragment.
    #[error("the status list URL {0:?} must be an absolute URL without a fragment")]
    Url(String),
    /// Setting the status of an index that no credential was given.
    #[error("index {0} was never allocated to a credential")]
    NotAllocated(usize),
}
