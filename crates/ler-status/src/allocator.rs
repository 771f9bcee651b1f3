//! Random index allocation: each index is drawn uniformly from those not yet handed out, and a
//! "used" bitmap makes sure no index is ever handed out twice.

use serde_json::{Value, json};

use crate::StatusError;
use crate::list::{MAX_LIST_BYTES, expand, gzip};

/// Random draws that may land on a used index before falling back to picking the n-th free
/// index directly.
const DRAWS: usize = 32;

/// Hands out the indexes of a list of `len()` entries in random order, each at most once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Allocator {
    used: Vec<u8>,
    len: usize,
    allocated: usize,
}

impl Allocator {
    /// An allocator over `len` indexes, none used.
    pub fn new(len: usize) -> Allocator {
        Allocator {
            used: vec![0; len.div_ceil(8)],
            len,
            allocated: 0,
        }
    }

    /// The number of indexes.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether there are no indexes at all.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// How many indexes have been handed out.
    pub fn allocated(&self) -> usize {
        self.allocated
    }

    /// Whether `index` has been handed out (false past the end).
    pub fn is_used(&self, index: usize) -> bool {
        index < self.len && self.used[index / 8] & (0x80 >> (index % 8)) != 0
    }

    /// A fresh random index, never handed out before; [`StatusError::Full`] when none is left.
    pub fn allocate(&mut self) -> Result<usize, StatusError> {
        self.allocate_with(&mut os_random)
    }

    /// [`Allocator::allocate`] with a given source of random `u64`s.
    pub(crate) fn allocate_with(
        &mut self,
        random: &mut dyn FnMut() -> Result<u64, StatusError>,
    ) -> Result<usize, StatusError> {
        let free = self.len - self.allocated;
        if free == 0 {
            return Err(StatusError::Full);
        }
        // While the list is mostly free a uniform draw usually lands on a free index; each hit
        // is uniform over the free ones.
        for _ in 0..DRAWS {
            let i = uniform(random, self.len)?;
            if !self.is_used(i) {
                self.mark(i);
                return Ok(i);
            }
        }
        // Mostly full: pick the n-th free index, n uniform over the free count.
        let n = uniform(random, free)?;
        let i = self.nth_free(n).ok_or(StatusError::Full)?;
        self.mark(i);
        Ok(i)
    }

    /// Marks `index` as handed out; false when it already was.
    pub fn mark_used(&mut self, index: usize) -> Result<bool, StatusError> {
        if index >= self.len {
            return Err(StatusError::IndexOutOfRange {
                index,
                len: self.len,
            });
        }
        if self.is_used(index) {
            return Ok(false);
        }
        self.mark(index);
        Ok(true)
    }

    /// The state to store: `{"entries": n, "used": "<multibase base64url of GZIP bitmap>"}`.
    pub fn to_json(&self) -> Value {
        json!({
            "entries": self.len,
            "used": self.encoded_used(),
        })
    }

    /// Reads back [`Allocator::to_json`].
    pub fn from_json(v: &Value) -> Result<Allocator, StatusError> {
        let len = v
            .get("entries")
            .and_then(Value::as_u64)
            .and_then(|n| usize::try_from(n).ok())
            .ok_or_else(|| StatusError::State("entries must be a count".into()))?;
        let used = v
            .get("used")
            .and_then(Value::as_str)
            .ok_or_else(|| StatusError::State("used must be an encoded bitmap".into()))?;
        Allocator::from_parts(len, used)
    }

    pub(crate) fn from_parts(len: usize, used: &str) -> Result<Allocator, StatusError> {
        let used = expand(used, MAX_LIST_BYTES)?;
        if used.len() != len.div_ceil(8) {
            return Err(StatusError::State(format!(
                "the used bitmap has {} bytes, and {len} entries need {}",
                used.len(),
                len.div_ceil(8)
            )));
        }
        if !len.is_multiple_of(8) && used.last().is_some_and(|b| b & (0xff >> (len % 8)) != 0) {
            return Err(StatusError::State(
                "the used bitmap marks indexes past the end".into(),
            ));
        }
        let allocated = used.iter().map(|b| b.count_ones() as usize).sum();
        Ok(Allocator {
            used,
            len,
            allocated,
        })
    }

    pub(crate) fn encoded_used(&self) -> String {
        format!(
            "u{}",
            base64::Engine::encode(
                &base64::engine::general_purpose::URL_SAFE_NO_PAD,
                gzip(&self.used)
            )
        )
    }

    fn mark(&mut self, index: usize) {
        self.used[index / 8] |= 0x80 >> (index % 8);
        self.allocated += 1;
    }

    /// The `n`-th (from 0) index not yet used.
    fn nth_free(&self, mut n: usize) -> Option<usize> {
        for (byte_index, &byte) in self.used.iter().enumerate() {
            let base = byte_index * 8;
            let bits = (self.len - base).min(8);
            let free = (0..bits).filter(|b| byte & (0x80 >> b) == 0).count();
            if n >= free {
                n -= free;
                continue;
            }
            for b in 0..bits {
                if byte & (0x80 >> b) == 0 {
                    if n == 0 {
                        return Some(base + b);
                    }
                    n -= 1;
                }
            }
        }
        None
    }
}

/// A uniform draw from `0..n` (n > 0), rejecting the biased top of the `u64` range.
fn uniform(
    random: &mut dyn FnMut() -> Result<u64, StatusError>,
    n: usize,
) -> Result<usize, StatusError> {
    let n64 = n as u64;
    let limit = u64::MAX - u64::MAX % n64;
    for _ in 0..64 {
        let r = random()?;
        if r < limit {
            // r % n < n, which fits in usize.
            return Ok((r % n64) as usize);
        }
    }
    Err(StatusError::Randomness(
        "the random source keeps returning out-of-range values".into(),
    ))
}

fn os_random() -> Result<u64, StatusError> {
    let mut b = [0u8; 8];
    getrandom::getrandom(&mut b).map_err(|e| StatusError::Randomness(e.to_string()))?;
    Ok(u64::from_le_bytes(b))
}

#[cfg(test)]
mod tests;
