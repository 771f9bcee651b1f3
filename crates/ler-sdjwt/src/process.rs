//! Disclosures and the processing of RFC 9901 §7.1: match every disclosure to exactly one digest
//! in the payload (or in another disclosure), put its claim in place, and refuse everything else.

#[cfg(test)]
mod tests;

use std::collections::{HashMap, HashSet};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Map, Value};

use crate::{MAX_DEPTH, NEVER_DISCLOSABLE, SD_ALG, SdJwtError, digest, path};

/// The key of an object's digest array.
pub(crate) const SD: &str = "_sd";
/// The key of an array element's digest placeholder.
pub(crate) const ELLIPSIS: &str = "...";
/// The top-level claim naming the digest algorithm.
pub(crate) const SD_ALG_CLAIM: &str = "_sd_alg";

/// A disclosure, decoded.
#[derive(Debug, Clone)]
pub(crate) struct Disclosure {
    /// Its base64url text as sent; what the digest is taken over.
    pub(crate) encoded: String,
    /// `digest(encoded)`.
    pub(crate) digest: String,
    /// The claim name, for an object property; `None` for an array element.
    pub(crate) name: Option<String>,
    /// The claim value.
    pub(crate) value: Value,
}

impl Disclosure {
    /// Decodes `[salt, name, value]` or `[salt, value]`.
    pub(crate) fn decode(encoded: &str) -> Result<Disclosure, SdJwtError> {
        let short = abbreviate(encoded);
        let bytes = URL_SAFE_NO_PAD.decode(encoded).map_err(|e| {
            SdJwtError::Malformed(format!("disclosure {short} is not base64url: {e}"))
        })?;
        let items = match serde_json::from_slice::<Value>(&bytes) {
            Ok(Value::Array(items)) => items,
            Ok(_) => {
                return Err(SdJwtError::Malformed(format!(
                    "disclosure {short} is not a JSON array"
                )));
            }
            Err(e) => {
                return Err(SdJwtError::Malformed(format!(
                    "disclosure {short} is not JSON: {e}"
                )));
            }
        };
        let shape = || {
            SdJwtError::Malformed(format!(
                "disclosure {short} is neither [salt, name, value] nor [salt, value] with string salt and name"
            ))
        };
        let mut items = items.into_iter();
        let (salt, name, value) = match (items.next(), items.next(), items.next(), items.next()) {
            (Some(salt), Some(Value::String(name)), Some(value), None) => (salt, Some(name), value),
            (Some(salt), Some(value), None, None) => (salt, None, value),
            _ => return Err(shape()),
        };
        if !salt.is_string() {
            return Err(shape());
        }
        Ok(Disclosure {
            encoded: encoded.to_string(),
            digest: digest(encoded),
            name,
            value,
        })
    }
}

/// The first characters of a disclosure, for error messages.
pub(crate) fn abbreviate(encoded: &str) -> String {
    match encoded.char_indices().nth(16) {
        Some((i, _)) => format!("{}…", &encoded[..i]),
        None => encoded.to_string(),
    }
}

/// Checks `_sd_alg` (absent means sha-256).
pub(crate) fn check_sd_alg(payload: &Map<String, Value>) -> Result<(), SdJwtError> {
    match payload.get(SD_ALG_CLAIM) {
        None => Ok(()),
        Some(Value::String(a)) if a == SD_ALG => Ok(()),
        Some(Value::String(a)) => Err(SdJwtError::UnsupportedHashAlg(a.clone())),
        Some(other) => Err(SdJwtError::UnsupportedHashAlg(other.to_string())),
    }
}

/// Where a disclosure landed.
#[derive(Debug, Clone)]
pub(crate) struct Placed {
    /// The path of its claim in the processed payload.
    pub(crate) path: Vec<String>,
    /// The disclosure whose value held its digest; `None` when the payload itself did.
    pub(crate) parent: Option<usize>,
}

/// The processed payload and where each disclosure went.
#[derive(Debug, Clone)]
pub(crate) struct Processed {
    /// The payload with every disclosed claim in place and `_sd`, `_sd_alg` and undisclosed
    /// array elements removed.
    pub(crate) claims: Map<String, Value>,
    /// One entry per disclosure, in the order given.
    pub(crate) placed: Vec<Placed>,
}

/// Processes `payload` with `disclosures` (RFC 9901 §7.1 step 3 to 5). The caller has checked
/// the signature and `_sd_alg`.
pub(crate) fn process(
    payload: Map<String, Value>,
    disclosures: &[Disclosure],
) -> Result<Processed, SdJwtError> {
    let mut by_digest = HashMap::with_capacity(disclosures.len());
    for (i, d) in disclosures.iter().enumerate() {
        if by_digest.insert(d.digest.as_str(), i).is_some() {
            return Err(SdJwtError::DuplicateDisclosure(abbreviate(&d.encoded)));
        }
    }
    let mut walker = Walker {
        disclosures,
        by_digest,
        seen: HashSet::new(),
        placed: vec![None; disclosures.len()],
        path: Vec::new(),
    };
    let mut claims = walker.object(payload, None, 0)?;
    claims.remove(SD_ALG_CLAIM);
    let placed = walker
        .placed
        .into_iter()
        .zip(disclosures)
        .map(|(p, d)| {
            p.ok_or_else(|| {
                SdJwtError::UnreferencedDisclosure(match &d.name {
                    Some(name) => format!("for {name:?}"),
                    None => format!("for an array element ({})", abbreviate(&d.encoded)),
                })
            })
        })
        .collect::<Result<_, _>>()?;
    Ok(Processed { claims, placed })
}

struct Walker<'d> {
    disclosures: &'d [Disclosure],
    by_digest: HashMap<&'d str, usize>,
    /// Every digest met so far, disclosed or not (decoys count too).
    seen: HashSet<String>,
    placed: Vec<Option<Placed>>,
    /// The path being walked, in the processed payload.
    path: Vec<String>,
}

impl Walker<'_> {
    fn see(&mut self, digest: &str) -> Result<Option<usize>, SdJwtError> {
        if !self.seen.insert(digest.to_string()) {
            return Err(SdJwtError::DuplicateDigest(digest.to_string()));
        }
        Ok(self.by_digest.get(digest).copied())
    }

    fn value(
        &mut self,
        value: Value,
        parent: Option<usize>,
        depth: usize,
    ) -> Result<Value, SdJwtError> {
        Ok(match value {
            Value::Object(map) => Value::Object(self.object(map, parent, depth)?),
            Value::Array(items) => Value::Array(self.array(items, parent, depth)?),
            other => other,
        })
    }

    fn object(
        &mut self,
        mut map: Map<String, Value>,
        parent: Option<usize>,
        depth: usize,
    ) -> Result<Map<String, Value>, SdJwtError> {
        if depth > MAX_DEPTH {
            return Err(SdJwtError::TooDeep(MAX_DEPTH));
        }
        let here = path::format(&self.path);
        if map.contains_key(ELLIPSIS) {
            return Err(SdJwtError::Malformed(format!(
                "the object at {here} has a \"...\" member outside an array element placeholder"
            )));
        }
        if depth > 0 && map.contains_key(SD_ALG_CLAIM) {
            return Err(SdJwtError::Malformed(format!(
                "_sd_alg may appear only at the top level, not at {here}"
            )));
        }
        let digests = match map.remove(SD) {
            None => Vec::new(),
            Some(Value::Array(items)) => items
                .into_iter()
                .map(|d| match d {
                    Value::String(s) => Ok(s),
                    _ => Err(SdJwtError::Malformed(format!(
                        "the _sd array at {here} holds a non-string"
                    ))),
                })
                .collect::<Result<_, _>>()?,
            Some(_) => {
                return Err(SdJwtError::Malformed(format!(
                    "_sd at {here} is not an array"
                )));
            }
        };

        let mut out = Map::with_capacity(map.len() + digests.len());
        for (name, value) in map {
            self.path.push(name.clone());
            let v = self.value(value, parent, depth + 1)?;
            self.path.pop();
            out.insert(name, v);
        }
        for d in digests {
            let Some(i) = self.see(&d)? else { continue };
            let disclosure = &self.disclosures[i];
            let Some(name) = &disclosure.name else {
                return Err(SdJwtError::Malformed(format!(
                    "an array element disclosure is referenced from the _sd array at {here}"
                )));
            };
            if [SD, ELLIPSIS, SD_ALG_CLAIM].contains(&name.as_str()) {
                return Err(SdJwtError::ReservedName(name.clone()));
            }
            self.path.push(name.clone());
            let at = path::format(&self.path);
            if depth == 0 && NEVER_DISCLOSABLE.contains(&name.as_str()) {
                return Err(SdJwtError::CriticalClaimDisclosed(at));
            }
            if out.contains_key(name) {
                return Err(SdJwtError::ClaimConflict(at));
            }
            self.placed[i] = Some(Placed {
                path: self.path.clone(),
                parent,
            });
            let v = self.value(disclosure.value.clone(), Some(i), depth + 1)?;
            self.path.pop();
            out.insert(name.clone(), v);
        }
        Ok(out)
    }

    fn array(
        &mut self,
        items: Vec<Value>,
        parent: Option<usize>,
        depth: usize,
    ) -> Result<Vec<Value>, SdJwtError> {
        if depth > MAX_DEPTH {
            return Err(SdJwtError::TooDeep(MAX_DEPTH));
        }
        let mut out = Vec::with_capacity(items.len());
        for item in items {
            self.path.push(out.len().to_string());
            match placeholder(&item) {
                Some(d) => {
                    if let Some(i) = self.see(d)? {
                        let disclosure = &self.disclosures[i];
                        if disclosure.name.is_some() {
                            return Err(SdJwtError::Malformed(format!(
                                "an object property disclosure is referenced from the array element {}",
                                path::format(&self.path)
                            )));
                        }
                        self.placed[i] = Some(Placed {
                            path: self.path.clone(),
                            parent,
                        });
                        out.push(self.value(disclosure.value.clone(), Some(i), depth + 1)?);
                    }
                    // An element whose disclosure was not sent (or a decoy) is dropped.
                }
                None => out.push(self.value(item, parent, depth + 1)?),
            }
            self.path.pop();
        }
        Ok(out)
    }
}

/// The digest of an array element placeholder `{"...": "<digest>"}`.
fn placeholder(item: &Value) -> Option<&str> {
    match item {
        Value::Object(map) if map.len() == 1 => map.get(ELLIPSIS)?.as_str(),
        _ => None,
    }
}
