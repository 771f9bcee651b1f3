//! Issuing an SD-JWT VC: hide the chosen claims behind salted digests and sign.

use std::collections::HashSet;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ler_crypto::{KeyPair, PublicKey};
use serde_json::{Map, Value, json};

use crate::process::{ELLIPSIS, SD, SD_ALG_CLAIM};
use crate::{NEVER_DISCLOSABLE, SD_ALG, SdJwtError, TYP, compact, digest, path};

/// What [`issue`] puts around the claims.
#[derive(Debug, Clone, Copy)]
pub struct IssueOptions<'a> {
    /// The credential type, `vct`: [`EMPLOYMENT_VCT`](crate::EMPLOYMENT_VCT) for an employment
    /// record.
    pub vct: &'a str,
    /// The holder's public key, written to `cnf.jwk`; presentations must be signed with it.
    pub holder: &'a PublicKey,
    /// The issuer's clock, seconds since the epoch, written to `iat`.
    pub now: i64,
    /// Up to this many decoy digests go into each `_sd` array, the number drawn from the salt
    /// source, so a verifier cannot count the claims it was not shown (RFC 9901 §4.2.5). 0 for
    /// none.
    pub max_decoys: usize,
}

/// 128 bits from the operating system's generator: the salt source for [`issue`] outside tests.
///
/// # Panics
///
/// When the operating system has no randomness to give, as `KeyPair::generate` does: no
/// credential can be made safely then, and the failure has nothing to do with the input.
pub fn os_salt() -> [u8; 16] {
    let mut salt = [0u8; 16];
    // Not input-derived: the platform's generator is an invariant every key and salt rests on.
    getrandom::getrandom(&mut salt).expect("the operating system's random generator failed");
    salt
}

/// Issues `claims` as an SD-JWT VC, `<issuer-signed JWT>~<disclosure>~…~`, making the claims at
/// `sd_paths` selectively disclosable.
///
/// `claims` is a JSON object: the record's fields plus, optionally, `iss` (taken from `kid`'s
/// DID when absent), `sub`, `nbf`, `exp`, `status`. [`issue`] writes `iat`, `vct`, `cnf`,
/// `_sd_alg` itself, so `claims` must not carry them, nor any member named `_sd` or `...`.
///
/// Each path is a JSON Pointer to an object member (`/pay`, `/pay/amount`) or an array element
/// (`/skills/0`). Nested paths make recursive disclosures. The claims of
/// [`NEVER_DISCLOSABLE`](crate::NEVER_DISCLOSABLE) stay visible. `kid` is the verification
/// method of the issuer's key (for did:key, `did:key:z…#z…`); salts (and decoys) come from `salt`.
pub fn issue(
    claims: &Value,
    sd_paths: &[&str],
    issuer_key: &KeyPair,
    kid: &str,
    opts: &IssueOptions<'_>,
    salt: &mut dyn FnMut() -> [u8; 16],
) -> Result<String, SdJwtError> {
    let Value::Object(input) = claims else {
        return Err(SdJwtError::InvalidClaims(
            "the claims must be a JSON object".into(),
        ));
    };
    refuse_reserved(claims, &mut Vec::new())?;
    for set_here in ["iat", "vct", "cnf"] {
        if input.contains_key(set_here) {
            return Err(SdJwtError::InvalidClaims(format!(
                "the claims must not carry {set_here}: issue writes it"
            )));
        }
    }
    if opts.vct.is_empty() {
        return Err(SdJwtError::InvalidClaims("vct is empty".into()));
    }
    // A DID URL kid names its controller; any other kid is bound to `iss` by the resolver.
    let kid_did = kid
        .starts_with("did:")
        .then(|| kid.split('#').next())
        .flatten();
    let iss = match (input.get("iss"), kid_did) {
        (Some(Value::String(iss)), _) => iss.as_str(),
        (Some(_), _) => return Err(SdJwtError::InvalidClaims("iss is not a string".into())),
        (None, Some(did)) => did,
        (None, None) => {
            return Err(SdJwtError::InvalidClaims(format!(
                "no iss claim, and kid {kid:?} is not a DID URL to take it from"
            )));
        }
    };
    if let Some(did) = kid_did
        && did != iss
    {
        return Err(SdJwtError::InvalidClaims(format!(
            "kid {kid} is not a key of the issuer {iss}"
        )));
    }

    let mut payload = Map::new();
    payload.insert("iss".into(), iss.into());
    payload.insert("iat".into(), opts.now.into());
    payload.insert("vct".into(), opts.vct.into());
    for (k, v) in input {
        if k != "iss" {
            payload.insert(k.clone(), v.clone());
        }
    }
    payload.insert("cnf".into(), compact::cnf(opts.holder));
    let mut root = Value::Object(payload);

    let mut paths = Vec::with_capacity(sd_paths.len());
    let mut listed = HashSet::new();
    for &p in sd_paths {
        let segments = path::parse(p)?;
        if !listed.insert(path::format(&segments)) {
            return Err(SdJwtError::InvalidPath {
                path: p.into(),
                reason: "it is listed twice".into(),
            });
        }
        if segments
            .first()
            .is_some_and(|s| NEVER_DISCLOSABLE.contains(&s.as_str()))
        {
            return Err(SdJwtError::NotDisclosable(p.into()));
        }
        // The input has no reserved names (checked above), so such a path could only reach
        // the digests this function adds.
        if segments
            .iter()
            .any(|s| [SD, ELLIPSIS, SD_ALG_CLAIM].contains(&s.as_str()))
        {
            return Err(SdJwtError::UnknownPath(p.into()));
        }
        paths.push((p, segments));
    }
    // Deepest first: a nested claim is hidden inside its parent before the parent is hidden.
    paths.sort_by_key(|(_, s)| std::cmp::Reverse(s.len()));

    let mut maker = Maker {
        salt,
        max_decoys: opts.max_decoys,
        salts: HashSet::new(),
        digests: HashSet::new(),
    };
    let mut disclosures = Vec::with_capacity(paths.len());
    for (p, segments) in &paths {
        let unknown = || SdJwtError::UnknownPath((*p).into());
        let Some((last, parent)) = segments.split_last() else {
            return Err(unknown());
        };
        match path::lookup_mut(&mut root, parent) {
            Some(Value::Object(map)) => {
                let mut value = map.remove(last).ok_or_else(unknown)?;
                maker.finish(&mut value)?;
                let (disclosure, d) = maker.disclose(Some(last), value)?;
                disclosures.push(disclosure);
                if let Value::Array(sd) = map.entry(SD).or_insert_with(|| json!([])) {
                    sd.push(d.into());
                }
            }
            Some(Value::Array(items)) => {
                let item = path::index(last)
                    .and_then(|i| items.get_mut(i))
                    .ok_or_else(unknown)?;
                let mut value = item.take();
                maker.finish(&mut value)?;
                let (disclosure, d) = maker.disclose(None, value)?;
                disclosures.push(disclosure);
                *item = json!({ ELLIPSIS: d });
            }
            _ => return Err(unknown()),
        }
    }
    maker.finish(&mut root)?;
    if let Value::Object(payload) = &mut root {
        payload.insert(SD_ALG_CLAIM.into(), SD_ALG.into());
    }

    let mut header = Map::new();
    header.insert("typ".into(), TYP.into());
    let jwt = ler_proof::sign_jwt(&header, &root, issuer_key, kid);
    let mut out = jwt;
    out.push('~');
    for d in disclosures {
        out.push_str(&d);
        out.push('~');
    }
    Ok(out)
}

/// Refuses `_sd`, `...` and `_sd_alg` as member names anywhere in the input: they would be
/// read as digests.
fn refuse_reserved(value: &Value, at: &mut Vec<String>) -> Result<(), SdJwtError> {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                at.push(k.clone());
                if [SD, ELLIPSIS, SD_ALG_CLAIM].contains(&k.as_str()) {
                    return Err(SdJwtError::InvalidClaims(format!(
                        "{} uses a name SD-JWT reserves",
                        path::format(at)
                    )));
                }
                refuse_reserved(v, at)?;
                at.pop();
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                at.push(i.to_string());
                refuse_reserved(v, at)?;
                at.pop();
            }
        }
        _ => {}
    }
    Ok(())
}

/// Makes disclosures and decoys, and remembers every digest so none repeats.
struct Maker<'s> {
    salt: &'s mut dyn FnMut() -> [u8; 16],
    max_decoys: usize,
    /// Every salt and digest made so far: a repeated salt would let a verifier who sees one
    /// disclosure guess the claims behind the others.
    salts: HashSet<[u8; 16]>,
    digests: HashSet<String>,
}

impl Maker<'_> {
    fn new_salt(&mut self) -> Result<String, SdJwtError> {
        let salt = (self.salt)();
        if !self.salts.insert(salt) {
            return Err(SdJwtError::WeakSalt);
        }
        Ok(URL_SAFE_NO_PAD.encode(salt))
    }

    fn remember(&mut self, d: String) -> Result<String, SdJwtError> {
        if self.digests.insert(d.clone()) {
            Ok(d)
        } else {
            Err(SdJwtError::WeakSalt)
        }
    }

    /// The disclosure `[salt, name, value]` (or `[salt, value]`) and its digest.
    fn disclose(
        &mut self,
        name: Option<&str>,
        value: Value,
    ) -> Result<(String, String), SdJwtError> {
        let salt = self.new_salt()?;
        let array = match name {
            Some(name) => json!([salt, name, value]),
            None => json!([salt, value]),
        };
        let disclosure = URL_SAFE_NO_PAD.encode(array.to_string());
        let d = self.remember(digest(&disclosure))?;
        Ok((disclosure, d))
    }

    /// Adds decoys to, and sorts, every `_sd` array in `value`. Each array is finished once:
    /// paths are hidden deepest first, so a value is finished just before it is hidden (or
    /// signed, for the payload) and nothing is added to it afterwards.
    fn finish(&mut self, value: &mut Value) -> Result<(), SdJwtError> {
        match value {
            Value::Object(map) => {
                for (k, v) in map.iter_mut() {
                    if k != SD {
                        self.finish(v)?;
                    }
                }
                if let Some(Value::Array(sd)) = map.get_mut(SD) {
                    let decoys = match self.max_decoys {
                        0 => 0,
                        max => usize::from((self.salt)()[0]) % (max + 1),
                    };
                    for _ in 0..decoys {
                        let decoy = digest(&self.new_salt()?);
                        sd.push(self.remember(decoy)?.into());
                    }
                    // Sorted, so the order says nothing about the claims' original order.
                    sd.sort_by(|a, b| a.as_str().cmp(&b.as_str()));
                }
            }
            Value::Array(items) => {
                for v in items {
                    self.finish(v)?;
                }
            }
            _ => {}
        }
        Ok(())
    }
}
