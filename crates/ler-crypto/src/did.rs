//! DIDs: syntax, did:key resolution, and did:web documents and URLs.

use std::fmt;
use std::str::FromStr;

use serde_json::{Value, json};

use crate::keys::{CryptoError, PublicKey};

#[cfg(test)]
mod tests;

/// The DID Core v1 context.
const DID_CONTEXT: &str = "https://www.w3.org/ns/did/v1";

/// Errors from parsing DIDs, resolving did:key and mapping did:web.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DidError {
    /// The string is not a DID (or DID URL) by the DID Core syntax.
    #[error("invalid DID {did:?}: {reason}")]
    Syntax {
        /// The input.
        did: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The DID uses another method than the one the operation handles.
    #[error("expected a did:{expected} DID, got {did:?}")]
    Method {
        /// The method expected, e.g. "key".
        expected: &'static str,
        /// The DID given.
        did: String,
    },
    /// A did:key whose method-specific id is not an Ed25519 Multikey.
    #[error("invalid did:key {did:?}: {error}")]
    Key {
        /// The DID given.
        did: String,
        /// Why its key does not decode.
        error: CryptoError,
    },
    /// A did:key URL whose fragment is not the key's own multibase.
    #[error("fragment #{fragment} does not match the did:key key {expected}")]
    FragmentMismatch {
        /// The fragment given.
        fragment: String,
        /// The fragment a did:key verification method has.
        expected: String,
    },
    /// A did:web that does not map to a safe HTTPS URL.
    #[error("invalid did:web {did:?}: {reason}")]
    Web {
        /// The DID given.
        did: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A verification method fragment for a DID document that is empty, malformed or repeated.
    #[error("invalid verification method fragment {fragment:?}: {reason}")]
    Fragment {
        /// The fragment given.
        fragment: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A DID document was requested with no keys in it.
    #[error("a DID document needs at least one key")]
    NoKeys,
}

/// A DID, `did:<method>:<method-specific-id>`, checked against the DID Core syntax.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Did(String);

impl Did {
    /// Parses a DID (no path, query or fragment: see [`DidUrl`] for those).
    pub fn parse(s: &str) -> Result<Did, DidError> {
        let err = |reason| DidError::Syntax {
            did: s.to_owned(),
            reason,
        };
        let rest = s
            .strip_prefix("did:")
            .ok_or_else(|| err("must start with \"did:\""))?;
        let (method, id) = rest
            .split_once(':')
            .ok_or_else(|| err("must be did:<method>:<method-specific-id>"))?;
        if method.is_empty()
            || !method
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        {
            return Err(err("the method name must be lowercase letters and digits"));
        }
        if id.is_empty() || id.ends_with(':') {
            return Err(err(
                "the method-specific id must not be empty or end with ':'",
            ));
        }
        let bytes = id.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'%' => {
                    let hex = bytes.get(i + 1..i + 3).unwrap_or_default();
                    if hex.len() != 2 || !hex.iter().all(u8::is_ascii_hexdigit) {
                        return Err(err("'%' must be followed by two hex digits"));
                    }
                    i += 3;
                }
                b if b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b':') => {
                    i += 1;
                }
                _ => {
                    return Err(err(
                        "the method-specific id may hold only letters, digits, '.', '-', '_', ':' \
                         and %-escapes",
                    ));
                }
            }
        }
        Ok(Did(s.to_owned()))
    }

    /// The whole DID.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The method name, e.g. `key` or `web`.
    pub fn method(&self) -> &str {
        self.parts().0
    }

    /// Everything after `did:<method>:`.
    pub fn method_specific_id(&self) -> &str {
        self.parts().1
    }

    fn parts(&self) -> (&str, &str) {
        // Invariant: `parse` checked the "did:<method>:<id>" shape.
        let rest = &self.0[4..];
        rest.split_once(':').unwrap_or((rest, ""))
    }
}

impl fmt::Display for Did {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for Did {
    type Err = DidError;

    fn from_str(s: &str) -> Result<Did, DidError> {
        Did::parse(s)
    }
}

impl AsRef<str> for Did {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// A DID with an optional fragment, such as a verification method id `did:key:z6Mk…#z6Mk…`.
/// Paths and queries are not supported (no verification method here uses them).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DidUrl {
    did: Did,
    fragment: Option<String>,
}

impl DidUrl {
    /// Parses `did:…` or `did:…#fragment`.
    pub fn parse(s: &str) -> Result<DidUrl, DidError> {
        let (did, fragment) = match s.split_once('#') {
            Some((did, fragment)) => (did, Some(fragment)),
            None => (s, None),
        };
        if did.contains(['/', '?']) {
            return Err(DidError::Syntax {
                did: s.to_owned(),
                reason: "DID URL paths and queries are not supported",
            });
        }
        let did = Did::parse(did)?;
        if let Some(fragment) = fragment {
            check_fragment(fragment).map_err(|reason| DidError::Syntax {
                did: s.to_owned(),
                reason,
            })?;
        }
        Ok(DidUrl {
            did,
            fragment: fragment.map(str::to_owned),
        })
    }

    /// The DID part.
    pub fn did(&self) -> &Did {
        &self.did
    }

    /// The fragment, without `#`.
    pub fn fragment(&self) -> Option<&str> {
        self.fragment.as_deref()
    }
}

impl fmt::Display for DidUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.fragment {
            Some(fragment) => write!(f, "{}#{fragment}", self.did),
            None => write!(f, "{}", self.did),
        }
    }
}

/// Checks an RFC 3986 fragment: non-empty, pchar / "/" / "?" only.
fn check_fragment(fragment: &str) -> Result<(), &'static str> {
    if fragment.is_empty() {
        return Err("the fragment after '#' must not be empty");
    }
    let bytes = fragment.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = bytes.get(i + 1..i + 3).unwrap_or_default();
                if hex.len() != 2 || !hex.iter().all(u8::is_ascii_hexdigit) {
                    return Err("'%' in the fragment must be followed by two hex digits");
                }
                i += 3;
            }
            b if b.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:@/?".contains(&b) => i += 1,
            _ => return Err("the fragment holds a character that must be %-escaped"),
        }
    }
    Ok(())
}

/// The did:key DID of a public key, `did:key:z6Mk…`.
pub fn did_key(key: &PublicKey) -> String {
    format!("did:key:{}", key.to_multibase())
}

/// The did:key verification method id of a public key, `did:key:z6Mk…#z6Mk…`.
pub fn did_key_verification_method(key: &PublicKey) -> String {
    let multibase = key.to_multibase();
    format!("did:key:{multibase}#{multibase}")
}

/// The DID document of a did:key: one Multikey verification method, listed in every
/// verification relationship.
pub fn did_key_document(key: &PublicKey) -> Value {
    let did = did_key(key);
    let vm = did_key_verification_method(key);
    json!({
        "@context": [DID_CONTEXT, crate::MULTIKEY_CONTEXT],
        "id": did,
        "verificationMethod": [multikey_vm(&vm, &did, key)],
        "assertionMethod": [vm],
        "authentication": [vm],
        "capabilityInvocation": [vm],
        "capabilityDelegation": [vm],
    })
}

/// Resolves a did:key DID or verification method URL to its Ed25519 key and DID document.
/// A fragment, when present, must be the key's own multibase (as in the document).
pub fn resolve_did_key(did_or_vm_url: &str) -> Result<(PublicKey, Value), DidError> {
    let url = DidUrl::parse(did_or_vm_url)?;
    let did = url.did();
    if did.method() != "key" {
        return Err(DidError::Method {
            expected: "key",
            did: did.to_string(),
        });
    }
    let multibase = did.method_specific_id();
    let key = PublicKey::from_multibase(multibase).map_err(|error| DidError::Key {
        did: did.to_string(),
        error,
    })?;
    if let Some(fragment) = url.fragment()
        && fragment != multibase
    {
        return Err(DidError::FragmentMismatch {
            fragment: fragment.to_owned(),
            expected: multibase.to_owned(),
        });
    }
    Ok((key, did_key_document(&key)))
}

/// The DID document for a did:web, with one Multikey verification method per `(fragment, key)`
/// (`did:web:example.com:orgs:acme#key-1`). Every key is listed in assertionMethod and
/// authentication, so after a rotation the old keys still verify what they signed.
pub fn did_web_document(did: &str, keys: &[(&str, PublicKey)]) -> Result<Value, DidError> {
    did_web_url(did)?;
    if keys.is_empty() {
        return Err(DidError::NoKeys);
    }
    let mut vms = Vec::with_capacity(keys.len());
    let mut ids = Vec::with_capacity(keys.len());
    for (fragment, key) in keys {
        let fragment_err = |reason| DidError::Fragment {
            fragment: (*fragment).to_owned(),
            reason,
        };
        check_fragment(fragment).map_err(fragment_err)?;
        let id = format!("{did}#{fragment}");
        if ids.contains(&id) {
            return Err(fragment_err("used for more than one key"));
        }
        vms.push(multikey_vm(&id, did, key));
        ids.push(id);
    }
    Ok(json!({
        "@context": [DID_CONTEXT, crate::MULTIKEY_CONTEXT],
        "id": did,
        "verificationMethod": vms,
        "assertionMethod": ids,
        "authentication": ids,
    }))
}

fn multikey_vm(id: &str, controller: &str, key: &PublicKey) -> Value {
    json!({
        "id": id,
        "type": "Multikey",
        "controller": controller,
        "publicKeyMultibase": key.to_multibase(),
    })
}

/// The HTTPS URL of a did:web's DID document, per the did:web method specification:
/// `did:web:example.com` → `https://example.com/.well-known/did.json`,
/// `did:web:example.com%3A8443:orgs:acme` → `https://example.com:8443/orgs/acme/did.json`.
///
/// Rejects empty segments, `.`/`..` segments (also %-escaped), escaped slashes, IP addresses
/// and anything that is not a DNS host name.
pub fn did_web_url(did: &str) -> Result<String, DidError> {
    let parsed = Did::parse(did)?;
    if parsed.method() != "web" {
        return Err(DidError::Method {
            expected: "web",
            did: did.to_owned(),
        });
    }
    let err = |reason: String| DidError::Web {
        did: did.to_owned(),
        reason,
    };
    let mut segments = parsed.method_specific_id().split(':');
    let authority = segments.next().unwrap_or_default();
    let (host, port) = match authority
        .split_once("%3A")
        .or_else(|| authority.split_once("%3a"))
    {
        Some((host, port)) => (host, Some(port)),
        None => (authority, None),
    };
    check_host(host).map_err(err)?;
    let mut url = format!("https://{}", host.to_ascii_lowercase());
    if let Some(port) = port {
        let valid = !port.is_empty()
            && port.len() <= 5
            && port.bytes().all(|b| b.is_ascii_digit())
            && port.parse::<u16>().is_ok_and(|p| p != 0);
        if !valid {
            return Err(err(format!("{port:?} is not a port number")));
        }
        url.push(':');
        url.push_str(port);
    }
    let path: Vec<&str> = segments.collect();
    if path.is_empty() {
        url.push_str("/.well-known/did.json");
        return Ok(url);
    }
    for segment in path {
        check_path_segment(segment).map_err(err)?;
        url.push('/');
        url.push_str(segment);
    }
    url.push_str("/did.json");
    Ok(url)
}

/// A DNS host name: dot-separated labels of letters, digits and inner hyphens, not an IP address.
fn check_host(host: &str) -> Result<(), String> {
    if host.is_empty() {
        return Err("the host is empty".to_owned());
    }
    if host.len() > 253 {
        return Err("the host is longer than 253 characters".to_owned());
    }
    if host.contains('%') {
        return Err("the host may not hold %-escapes other than %3A before a port".to_owned());
    }
    let labels: Vec<&str> = host.split('.').collect();
    for label in &labels {
        let valid = !label.is_empty()
            && label.len() <= 63
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-');
        if !valid {
            return Err(format!("{host:?} is not a valid host name"));
        }
    }
    // The top-level label of a DNS name is never all digits; this also rules out IPv4 addresses.
    if labels
        .last()
        .is_some_and(|l| l.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(format!(
            "{host:?} is an IP address or not a valid host name"
        ));
    }
    Ok(())
}

/// A path segment: non-empty, not `.`/`..`, and no escape that decodes to a separator or dot
/// segment.
fn check_path_segment(segment: &str) -> Result<(), String> {
    if segment.is_empty() {
        return Err("empty path segment".to_owned());
    }
    let mut decoded = Vec::with_capacity(segment.len());
    let bytes = segment.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            // Did::parse checked that two hex digits follow.
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3).unwrap_or_default())
                .ok()
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or_else(|| format!("bad %-escape in path segment {segment:?}"))?;
            decoded.push(hex);
            i += 3;
        } else {
            decoded.push(bytes[i]);
            i += 1;
        }
    }
    if decoded == b"." || decoded == b".." {
        return Err(format!("path segment {segment:?} is a dot segment"));
    }
    if decoded
        .iter()
        .any(|&b| b == b'/' || b == b'\\' || b == b'?' || b == b'#' || b.is_ascii_control())
    {
        return Err(format!(
            "path segment {segment:?} escapes a separator or control character"
        ));
    }
    Ok(())
}
