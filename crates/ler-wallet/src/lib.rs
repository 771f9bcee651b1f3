//! The worker's wallet: what a holder owns, whom they let see it, and the trail it leaves.
//!
//! The principal types are [`Record`] (a received credential with its verification report and
//! a [`Summary`] for display), [`Grant`] (consent to show chosen records — for employment
//! records, chosen fields — to one recipient for stated purposes until a date, once or
//! repeatedly) and [`DataKey`], the per-holder key every record and grant is sealed with before
//! it reaches the database. Around them: holder keys ([`new_holder`]), consent receipts signed
//! by the holder ([`consent_receipt`]), sharing (share-link tokens and presentations,
//! [`share_presentation`]), the access log ([`AccessEntry`], [`pseudonymize`]), the export
//! bundle ([`export`], [`import`]) and the printable LER ([`printable_html`],
//! [`printable_pdf`]).
//!
//! **Architecture invariant:** this crate does no I/O and reads no clock: it takes values, keys
//! and `now` (seconds since the epoch) and returns values. Its only outside input is the
//! operating system's random generator, for new keys, nonces, ids and tokens. Storage is
//! `ler-store`'s job, HTTP `ler-server`'s.
//!
//! ```
//! use ler_crypto::Kek;
//! use ler_wallet::{DataKey, new_holder, open, seal};
//!
//! let kek = Kek::generate();
//! let holder = new_holder(&kek)?;
//! let sealed = seal(&holder.data_key, b"record 1", b"a private record");
//! assert!(!sealed.windows(7).any(|w| w == b"private"));
//! // Later: the data key comes back from its KEK-wrapped form.
//! let key = DataKey::unwrap(&kek, &holder.id, &holder.wrapped_data_key)?;
//! assert_eq!(open(&key, b"record 1", &sealed)?.as_slice(), b"a private record");
//! # Ok::<(), ler_wallet::WalletError>(())
//! ```

mod crypt;
mod export;
mod grant;
mod log;
mod print;
mod receipt;
mod record;
mod share;

pub use crypt::{
    DataKey, NewHolder, export_holder_key, hmac_sha256, holder_key, new_holder, new_id, open, seal,
};
pub use export::{Bundle, EXPORT_FORMAT, ExportedGrant, Imported, export, import};
pub use grant::{
    Access, Consent, Decision, Denial, EmploymentField, Grant, GrantSpec, GrantState,
    GrantedRecord, Purpose, Recipient,
};
pub use log::{AccessEntry, LogHolder, pseudonym, pseudonymize};
pub use print::{printable_html, printable_pdf, qr_svg, verify_url};
pub use receipt::{CONSENT_CONTEXT, consent_receipt};
pub use record::{Employment, Record, RecordKind, Skill, Summary, fingerprint, read_credential};
pub use share::{
    hash_token, new_share_token, present, selective_disclosure, share_presentation,
    shared_credentials,
};

/// Why a wallet operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WalletError {
    /// A holder key or data key could not be read or decrypted (wrong KEK, tampered).
    #[error("cannot read the holder's key")]
    Key(#[source] ler_crypto::KeyError),
    /// Sealed data did not open: another data key, another record's data, or changed bytes.
    #[error("sealed data does not open: wrong data key, or it was changed")]
    Unseal,
    /// Input that is not what it should be (a credential, a bundle, a stored document).
    #[error("invalid {what}: {reason}")]
    Invalid {
        /// What was being read.
        what: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// A grant that cannot be given as asked (no records, expiry in the past, fields of a
    /// record that is not an employment record, …).
    #[error("invalid grant: {0}")]
    Grant(String),
    /// A receipt or presentation could not be signed.
    #[error("cannot sign the {what}")]
    Sign {
        /// `consent receipt` or `presentation`.
        what: &'static str,
        /// Why.
        #[source]
        source: ler_proof::ProofError,
    },
    /// Some fields of an employment record are to be disclosed and others withheld, but the
    /// record was not issued as an SD-JWT VC, so nothing can be withheld from it.
    #[error("record {0} was not issued for selective disclosure (as an SD-JWT VC)")]
    NotSelectivelyDisclosable(String),
    /// The SD-JWT VC presentation of the chosen fields could not be made.
    #[error("cannot present the chosen fields")]
    SelectiveDisclosure(#[source] ler_sdjwt::SdJwtError),
    /// A text too long for a QR code.
    #[error("cannot encode a {0}-byte link as a QR code")]
    Qr(usize),
    /// The operating system's random source failed.
    #[error("random source failed: {0}")]
    Random(String),
}

/// Result alias.
pub type Result<T> = std::result::Result<T, WalletError>;
