//! Status bitmap helpers: bit 0 is the most significant bit of byte 0 (the Bitstring Status
//! List order), and free indexes are picked at random so an index says nothing about when or
//! in which order a credential was issued.

use crate::{Result, StoreError};

/// Random draws tried before falling back to a scan: at a fill ratio `f` the chance that all
/// of them hit allocated indexes is about `f^64`, so the scan runs only on nearly full lists.
const RANDOM_TRIES: usize = 64;

/// Bytes needed for `size` bits, or `None` when that does not fit in memory.
pub(crate) fn byte_len(size: u64) -> Option<usize> {
    usize::try_from(size.div_ceil(8)).ok()
}

/// The bit at `index`; `None` when the index lies outside `bits`.
pub(crate) fn get(bits: &[u8], index: u64) -> Option<bool> {
    let byte = bits.get(usize::try_from(index / 8).ok()?)?;
    Some(byte & (0x80 >> (index % 8)) != 0)
}

/// Sets the bit at `index` to `value`; false (and nothing changed) when the index lies
/// outside `bits`.
pub(crate) fn set(bits: &mut [u8], index: u64, value: bool) -> bool {
    let Some(byte) = usize::try_from(index / 8)
        .ok()
        .and_then(|i| bits.get_mut(i))
    else {
        return false;
    };
    let mask = 0x80 >> (index % 8);
    if value {
        *byte |= mask;
    } else {
        *byte &= !mask;
    }
    true
}

/// A uniformly random index below `size` whose bit in `used` is clear, or `None` when every
/// index is taken. Indexes beyond the end of `used` count as taken.
///
/// Draws by rejection sampling (a masked random number, redrawn when out of range or used),
/// then, on a nearly full list, scans from a random start for the next free bit.
pub(crate) fn pick_free(used: &[u8], size: u64) -> Result<Option<u64>> {
    if size == 0 {
        return Ok(None);
    }
    let mask = size.checked_next_power_of_two().map_or(u64::MAX, |p| p - 1);
    let mut draws = [0u8; 8 * RANDOM_TRIES];
    random(&mut draws)?;
    for chunk in draws.chunks_exact(8) {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let candidate = u64::from_le_bytes(word) & mask;
        if candidate < size && get(used, candidate) == Some(false) {
            return Ok(Some(candidate));
        }
    }
    let mut word = [0u8; 8];
    random(&mut word)?;
    let start = u64::from_le_bytes(word) % size;
    Ok((0..size)
        .map(|offset| (start + offset) % size)
        .find(|&i| get(used, i) == Some(false)))
}

fn random(buf: &mut [u8]) -> Result<()> {
    getrandom::getrandom(buf).map_err(|e| StoreError::Random(e.to_string()))
}

#[cfg(test)]
mod tests;
