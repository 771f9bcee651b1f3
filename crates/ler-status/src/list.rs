//! The status bitstring: get and set entries, encode and decode (multibase base64url of GZIP),
//! with bit 0 the leftmost (most significant) bit of the first byte.

use std::io::{Read, Write};

use base64::Engine;
use base64::engine::DecodePaddingMode;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, URL_SAFE_NO_PAD};
use flate2::Compression;
use flate2::read::GzDecoder;
use flate2::write::GzEncoder;

use crate::StatusError;

/// The fewest entries a list may have (16 KB of 1-bit entries): a smaller list tells a
/// watcher too much about which credential is being checked.
pub const MIN_ENTRIES: usize = 131_072;

/// The largest bitstring ler makes, and the default cap on what a verifier inflates: 16 MiB.
pub const MAX_LIST_BYTES: usize = 16 * 1024 * 1024;

/// Decodes base64url with or without padding (StatusList2021 lists in the wild have both).
const URL_SAFE_LENIENT: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::URL_SAFE,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// A `statusListIndex`: a base-10 integer, parsed once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct StatusIndex(usize);

impl StatusIndex {
    /// Parses a `statusListIndex` string: ASCII digits only (no sign, no spaces).
    pub fn parse(s: &str) -> Result<StatusIndex, StatusError> {
        if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(StatusError::BadIndex(s.into()));
        }
        s.parse::<usize>()
            .map(StatusIndex)
            .map_err(|_| StatusError::BadIndex(s.into()))
    }

    /// The index as a number.
    pub fn value(self) -> usize {
        self.0
    }
}

impl std::fmt::Display for StatusIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// A status list: `len()` entries of `status_size()` bits each, packed into a bitstring whose
/// bit 0 is the most significant bit of byte 0.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusList {
    bytes: Vec<u8>,
    status_size: u8,
}

impl StatusList {
    /// A list of `entries` 1-bit statuses, all zero (rounded up to whole bytes).
    pub fn new(entries: usize) -> Result<StatusList, StatusError> {
        StatusList::with_status_size(entries, 1)
    }

    /// A list of `entries` statuses of `status_size` bits (1 to 8), all zero.
    pub fn with_status_size(entries: usize, status_size: u8) -> Result<StatusList, StatusError> {
        check_status_size(u64::from(status_size))?;
        if entries < MIN_ENTRIES {
            return Err(StatusError::TooFewEntries(entries));
        }
        let max = MAX_LIST_BYTES * 8 / usize::from(status_size);
        if entries > max {
            return Err(StatusError::TooManyEntries { entries, max });
        }
        let bits = entries * usize::from(status_size);
        Ok(StatusList {
            bytes: vec![0; bits.div_ceil(8)],
            status_size,
        })
    }

    /// A list over an existing bitstring, read with `status_size`-bit entries; refuses lists
    /// with fewer than [`MIN_ENTRIES`] entries.
    pub fn from_bytes(bytes: Vec<u8>, status_size: u8) -> Result<StatusList, StatusError> {
        check_status_size(u64::from(status_size))?;
        let list = StatusList { bytes, status_size };
        if list.len() < MIN_ENTRIES {
            return Err(StatusError::TooFewEntries(list.len()));
        }
        Ok(list)
    }

    /// The number of entries.
    pub fn len(&self) -> usize {
        self.bytes.len() * 8 / usize::from(self.status_size)
    }

    /// Whether the list has no entries (never true for a list built here).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Bits per entry.
    pub fn status_size(&self) -> u8 {
        self.status_size
    }

    /// The bitstring.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The bitstring, taken out of the list.
    pub fn into_bytes(self) -> Vec<u8> {
        self.bytes
    }

    /// The status at `index` (its bits read leftmost first, as a number).
    pub fn get(&self, index: usize) -> Result<u8, StatusError> {
        let start = self.bit_of(index)?;
        let mut value = 0u8;
        for bit in start..start + usize::from(self.status_size) {
            value = (value << 1) | ((self.bytes[bit / 8] >> (7 - bit % 8)) & 1);
        }
        Ok(value)
    }

    /// Sets the status at `index`.
    pub fn set(&mut self, index: usize, value: u8) -> Result<(), StatusError> {
        let size = self.status_size;
        if size < 8 && value >> size != 0 {
            return Err(StatusError::ValueTooLarge {
                value,
                status_size: size,
            });
        }
        let start = self.bit_of(index)?;
        for (i, bit) in (start..start + usize::from(size)).enumerate() {
            let on = (value >> (usize::from(size) - 1 - i)) & 1 == 1;
            let mask = 0x80u8 >> (bit % 8);
            if on {
                self.bytes[bit / 8] |= mask;
            } else {
                self.bytes[bit / 8] &= !mask;
            }
        }
        Ok(())
    }

    /// How many entries have a non-zero status.
    pub fn count_set(&self) -> usize {
        if self.status_size == 1 {
            return self.bytes.iter().map(|b| b.count_ones() as usize).sum();
        }
        (0..self.len())
            .filter(|&i| self.get(i).is_ok_and(|v| v != 0))
            .count()
    }

    /// The `encodedList`: multibase `u` + base64url (no padding) of the GZIP-compressed
    /// bitstring.
    pub fn encode(&self) -> String {
        format!("u{}", URL_SAFE_NO_PAD.encode(gzip(&self.bytes)))
    }

    /// Decodes a Bitstring Status List `encodedList` of 1-bit entries, inflating at most
    /// `max_bytes` (a GZIP bomb fails as soon as it passes the cap).
    pub fn decode(encoded: &str, max_bytes: usize) -> Result<StatusList, StatusError> {
        StatusList::decode_sized(encoded, 1, max_bytes)
    }

    /// Decodes a Bitstring Status List `encodedList` of `status_size`-bit entries.
    pub fn decode_sized(
        encoded: &str,
        status_size: u8,
        max_bytes: usize,
    ) -> Result<StatusList, StatusError> {
        let bytes = expand(encoded, max_bytes)?;
        StatusList::from_bytes(bytes, status_size)
    }

    /// Decodes a StatusList2021 `encodedList`: base64url of GZIP, without the multibase
    /// prefix (a leading `u` is tolerated: GZIP's base64 always starts with `H4sI`).
    pub fn decode_statuslist2021(
        encoded: &str,
        max_bytes: usize,
    ) -> Result<StatusList, StatusError> {
        let text = encoded.strip_prefix('u').unwrap_or(encoded);
        let text: String = text
            .chars()
            .map(|c| match c {
                '+' => '-',
                '/' => '_',
                other => other,
            })
            .collect();
        let compressed = URL_SAFE_LENIENT
            .decode(text.as_bytes())
            .map_err(StatusError::Base64)?;
        StatusList::from_bytes(gunzip(&compressed, max_bytes)?, 1)
    }

    fn bit_of(&self, index: usize) -> Result<usize, StatusError> {
        if index >= self.len() {
            return Err(StatusError::IndexOutOfRange {
                index,
                len: self.len(),
            });
        }
        Ok(index * usize::from(self.status_size))
    }
}

pub(crate) fn check_status_size(size: u64) -> Result<u8, StatusError> {
    match u8::try_from(size) {
        Ok(s @ 1..=8) => Ok(s),
        _ => Err(StatusError::StatusSize(size)),
    }
}

/// Multibase-decodes and inflates, with no minimum length (the allocator's bitmap uses it too).
pub(crate) fn expand(encoded: &str, max_bytes: usize) -> Result<Vec<u8>, StatusError> {
    let text = encoded.strip_prefix('u').ok_or(StatusError::Multibase)?;
    let compressed = URL_SAFE_LENIENT
        .decode(text.as_bytes())
        .map_err(StatusError::Base64)?;
    gunzip(&compressed, max_bytes)
}

/// GZIP-compresses a bitstring.
pub(crate) fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = GzEncoder::new(
        Vec::with_capacity(bytes.len() / 64 + 32),
        Compression::default(),
    );
    // Writing into a Vec cannot fail, so neither can the encoder.
    let _ = enc.write_all(bytes);
    enc.finish().unwrap_or_default()
}

/// Inflates one GZIP member, reading at most `max_bytes + 1` bytes of output so a bomb stops
/// at the cap instead of filling memory.
fn gunzip(compressed: &[u8], max_bytes: usize) -> Result<Vec<u8>, StatusError> {
    let mut out = Vec::new();
    let cap = u64::try_from(max_bytes)
        .unwrap_or(u64::MAX)
        .saturating_add(1);
    GzDecoder::new(compressed)
        .take(cap)
        .read_to_end(&mut out)
        .map_err(StatusError::Gzip)?;
    if out.len() > max_bytes {
        return Err(StatusError::TooLarge { max: max_bytes });
    }
    Ok(out)
}

#[cfg(test)]
mod tests;
