//! Sealing what a CBO keeps about people — who they are, the records they shared, profiles,
//! corrections, outcome records — before it reaches the store, under a data key the caller holds (the store sees
//! opaque bytes).
//!
//! Each value is JSON sealed with XChaCha20-Poly1305 (`ler_wallet::seal`), its associated data
//! naming the organization, the kind of value and its row, so a sealed value copied to another
//! row, participant or organization does not open.
//!
//! The key is the organization's CBO data key: 32 random bytes (`DataKey::generate`, done by
//! the caller) wrapped by the KEK for that organization ([`wrap_org_key`]) and stored wrapped
//! (`Store::init_cbo_data_key`).

use ler_crypto::Kek;
use ler_wallet::DataKey;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::CboError;
use crate::intake::{Correction, Profile};
use crate::outcomes::OutcomeRecord;
use crate::program::Participant;
use crate::record::SharedRecord;

fn aad(kind: &str, org_id: i64, row: &str) -> Vec<u8> {
    format!("ler-cbo {kind}|{org_id}|{row}").into_bytes()
}

fn seal<T: Serialize>(key: &DataKey, kind: &str, org_id: i64, row: &str, value: &T) -> Vec<u8> {
    // Serializing these plain structs cannot fail; an empty plaintext would not open as T.
    let bytes = zeroize::Zeroizing::new(serde_json::to_vec(value).unwrap_or_default());
    ler_wallet::seal(key, &aad(kind, org_id, row), &bytes)
}

fn open<T: DeserializeOwned>(
    key: &DataKey,
    kind: &'static str,
    org_id: i64,
    row: &str,
    sealed: &[u8],
) -> Result<T, CboError> {
    let bytes = ler_wallet::open(key, &aad(kind, org_id, row), sealed)
        .map_err(|_| CboError::Unseal(kind))?;
    serde_json::from_slice(&bytes).map_err(|e| CboError::invalid(kind, e.to_string()))
}

/// Seals who a participant is (bound to their id).
pub fn seal_participant(key: &DataKey, org_id: i64, participant: &Participant) -> Vec<u8> {
    seal(key, "participant", org_id, &participant.id, participant)
}

/// Opens what [`seal_participant`] sealed for this id.
pub fn open_participant(
    key: &DataKey,
    org_id: i64,
    id: &str,
    sealed: &[u8],
) -> Result<Participant, CboError> {
    open(key, "participant", org_id, id, sealed)
}

/// Seals the records a participant shared at intake (the evidence of their plan).
pub fn seal_records(
    key: &DataKey,
    org_id: i64,
    participant: &str,
    records: &[SharedRecord],
) -> Vec<u8> {
    seal(key, "records", org_id, participant, &records)
}

/// Opens what [`seal_records`] sealed for this participant.
pub fn open_records(
    key: &DataKey,
    org_id: i64,
    participant: &str,
    sealed: &[u8],
) -> Result<Vec<SharedRecord>, CboError> {
    open(key, "records", org_id, participant, sealed)
}

/// Seals a participant's profile (without its corrections, which are sealed one by one).
pub fn seal_profile(key: &DataKey, org_id: i64, profile: &Profile) -> Vec<u8> {
    let mut bare = profile.clone();
    bare.corrections.clear();
    seal(key, "profile", org_id, &profile.participant, &bare)
}

/// Opens a profile sealed by [`seal_profile`] for this participant.
pub fn open_profile(
    key: &DataKey,
    org_id: i64,
    participant: &str,
    sealed: &[u8],
) -> Result<Profile, CboError> {
    open(key, "profile", org_id, participant, sealed)
}

/// Seals a correction of a participant's profile.
pub fn seal_correction(
    key: &DataKey,
    org_id: i64,
    participant: &str,
    correction: &Correction,
) -> Vec<u8> {
    seal(key, "correction", org_id, participant, correction)
}

/// Opens a correction sealed by [`seal_correction`].
pub fn open_correction(
    key: &DataKey,
    org_id: i64,
    participant: &str,
    sealed: &[u8],
) -> Result<Correction, CboError> {
    open(key, "correction", org_id, participant, sealed)
}

/// Seals an outcome record (bound to its id).
pub fn seal_outcome(key: &DataKey, org_id: i64, record: &OutcomeRecord) -> Vec<u8> {
    seal(key, "outcome", org_id, &record.id, record)
}

/// Opens an outcome record sealed by [`seal_outcome`] under this id.
pub fn open_outcome(
    key: &DataKey,
    org_id: i64,
    id: &str,
    sealed: &[u8],
) -> Result<OutcomeRecord, CboError> {
    open(key, "outcome", org_id, id, sealed)
}

/// What an organization's CBO data key is wrapped for: the KEK's associated data names it, so
/// one organization's wrapped key does not unwrap as another's (or as a holder's).
fn org_binding(org_id: i64) -> String {
    format!("ler-cbo org {org_id}")
}

/// An organization's CBO data key wrapped by the KEK, as the store keeps it.
pub fn wrap_org_key(key: &DataKey, kek: &Kek, org_id: i64) -> Vec<u8> {
    key.wrap(kek, &org_binding(org_id))
}

/// Unwraps what [`wrap_org_key`] made for the same organization.
pub fn unwrap_org_key(kek: &Kek, org_id: i64, wrapped: &[u8]) -> Result<DataKey, CboError> {
    DataKey::unwrap(kek, &org_binding(org_id), wrapped).map_err(|_| CboError::Unseal("data key"))
}
