//! The holder's side: see what an SD-JWT holds, and present a chosen part of it with key binding.

use ler_crypto::KeyPair;
use ler_proof::JWS_ALG;
use serde_json::{Map, Value, json};

use crate::compact::{self, Compact};
use crate::process::{self, Disclosure, Processed};
use crate::{KB_TYP, SdJwtError, digest, path};

/// What an SD-JWT holds, as its holder sees it: every claim and the paths it may reveal.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Inspected {
    /// The issuer-signed JWT's header.
    pub header: Map<String, Value>,
    /// The claims with every disclosure in place (`_sd` and `_sd_alg` removed).
    pub claims: Value,
    /// The path of each disclosure, in the order of the SD-JWT: the claims the holder may
    /// reveal or keep back. Everything else is always visible.
    pub disclosable: Vec<String>,
}

/// An SD-JWT as issued, taken apart and processed with all its disclosures.
struct Opened<'a> {
    compact: Compact<'a>,
    header: Map<String, Value>,
    payload: Map<String, Value>,
    processed: Processed,
}

fn open(sd_jwt: &str) -> Result<Opened<'_>, SdJwtError> {
    let compact = Compact::split(sd_jwt)?;
    if compact.kb_jwt.is_some() {
        return Err(SdJwtError::UnexpectedKeyBinding);
    }
    let jwt = ler_proof::decode_jwt(compact.jwt).map_err(SdJwtError::IssuerJwt)?;
    process::check_sd_alg(&jwt.payload)?;
    let disclosures = compact
        .disclosures
        .iter()
        .map(|d| Disclosure::decode(d))
        .collect::<Result<Vec<_>, _>>()?;
    let processed = process::process(jwt.payload.clone(), &disclosures)?;
    Ok(Opened {
        compact,
        header: jwt.header,
        payload: jwt.payload,
        processed,
    })
}

/// What the SD-JWT `sd_jwt` (as issued, without a KB-JWT) holds: every claim, and the paths of
/// its disclosures.
///
/// This is the holder's view and checks the disclosures against the digests, but not the
/// issuer's signature: check an SD-JWT with [`verify`](crate::verify) when it arrives.
pub fn inspect(sd_jwt: &str) -> Result<Inspected, SdJwtError> {
    let opened = open(sd_jwt)?;
    Ok(Inspected {
        header: opened.header,
        disclosable: opened
            .processed
            .placed
            .iter()
            .map(|p| path::format(&p.path))
            .collect(),
        claims: Value::Object(opened.processed.claims),
    })
}

/// Presents the SD-JWT `sd_jwt` revealing only the claims at `disclose`, as an SD-JWT+KB:
/// `<issuer-signed JWT>~<disclosure>~…~<KB-JWT>`.
///
/// A path reveals its own disclosure and those of its parents (`/pay/amount` reveals `/pay`
/// too, when both are selectively disclosable), never its children: `/pay` alone shows the pay
/// object with `amount` still hidden. A path to an always-visible claim is accepted and adds
/// nothing; a path to no claim is an error. Paths are those of [`inspect`].
///
/// The KB-JWT (`typ: kb+jwt`, `alg: EdDSA`) carries `iat` = `now`, `aud`, `nonce` and
/// `sd_hash`, and is signed with `holder_key`, which must be the key in the credential's `cnf`.
pub fn present(
    sd_jwt: &str,
    disclose: &[&str],
    holder_key: &KeyPair,
    nonce: &str,
    aud: &str,
    now: i64,
) -> Result<String, SdJwtError> {
    let opened = open(sd_jwt)?;
    let bound = compact::holder_key(&opened.payload)?;
    if bound.as_bytes() != holder_key.public_key().as_bytes() {
        return Err(SdJwtError::WrongHolderKey);
    }
    let placed = &opened.processed.placed;
    let claims = Value::Object(opened.processed.claims);
    let mut selected = vec![false; placed.len()];
    for &p in disclose {
        let segments = path::parse(p)?;
        if path::lookup(&claims, &segments).is_none() {
            return Err(SdJwtError::UnknownPath(p.into()));
        }
        for (i, place) in placed.iter().enumerate() {
            if segments.starts_with(&place.path) {
                // Its parents are on the path too, so they are selected in this same loop;
                // following the chain as well keeps that true whatever the paths look like.
                let mut next = Some(i);
                while let Some(j) = next {
                    selected[j] = true;
                    next = placed[j].parent;
                }
            }
        }
    }

    let mut presented = format!("{}~", opened.compact.jwt);
    for (d, chosen) in opened.compact.disclosures.iter().zip(&selected) {
        if *chosen {
            presented.push_str(d);
            presented.push('~');
        }
    }
    let kb = compact::sign(
        &json!({"alg": JWS_ALG, "typ": KB_TYP}),
        &json!({"iat": now, "aud": aud, "nonce": nonce, "sd_hash": digest(&presented)}),
        holder_key,
    );
    presented.push_str(&kb);
    Ok(presented)
}
