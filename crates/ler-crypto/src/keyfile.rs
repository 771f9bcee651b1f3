//! Key files: the Multikey JSON that the CLI writes (encrypted or not), and a reader for every
//! secret key form other tools hand out.

use base64::Engine;
use serde_json::{Map, Value, json};
use zeroize::{Zeroize, Zeroizing};

use crate::did::{did_key, did_key_verification_method};
use crate::kek::{ALG, EncryptedKey, Kek, URL_SAFE};
use crate::keys::{CryptoError, KeyPair, PublicKey};

#[cfg(test)]
mod tests;

/// The Multikey context, `https://w3id.org/security/multikey/v1`.
pub const MULTIKEY_CONTEXT: &str = "https://w3id.org/security/multikey/v1";

/// Errors from reading key files and key-encryption keys.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// The key-encryption key is not base64.
    #[error("key-encryption key is not valid base64 (standard or URL-safe alphabet)")]
    KekEncoding,
    /// The key-encryption key decodes to the wrong number of bytes.
    #[error("key-encryption key must be 32 bytes, got {0}")]
    KekLength(usize),
    /// The key is not UTF-8 text.
    #[error("key is not UTF-8 text")]
    NotUtf8,
    /// The key looks like JSON but does not parse.
    #[error("key file is not valid JSON: {0}")]
    Json(String),
    /// The key is JSON but not an object.
    #[error("key file must be a JSON object")]
    NotObject,
    /// A field holds a value of the wrong kind or shape.
    #[error("invalid {field}: {reason}")]
    Field {
        /// The field, e.g. `encryptedSecretKey.nonce`.
        field: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// A field holds a key that does not decode.
    #[error("invalid {field}: {error}")]
    Key {
        /// The field, e.g. `secretKeyMultibase`.
        field: &'static str,
        /// Why it does not decode.
        error: CryptoError,
    },
    /// A public key given alongside the secret is not the secret's.
    #[error("{field} does not match the secret key")]
    PublicKeyMismatch {
        /// The field holding the public key.
        field: &'static str,
    },
    /// Two different secret keys in one file.
    #[error("key file holds more than one secret key ({0} and {1}); keep one")]
    AmbiguousSecret(&'static str, &'static str),
    /// The file is encrypted and no key-encryption key was given.
    #[error("key file is encrypted: set LER_KEK or pass --kek-file")]
    KekRequired,
    /// Decryption failed: wrong key-encryption key, or the file was changed.
    #[error(
        "cannot decrypt the secret key: wrong key-encryption key, or the key file was tampered with"
    )]
    Decrypt,
    /// The encrypted key uses an algorithm this version does not know.
    #[error("unsupported encryptedSecretKey.alg {0:?} (expected \"XChaCha20-Poly1305\")")]
    UnsupportedAlg(String),
    /// A JWK that is not an Ed25519 key.
    #[error("unsupported JWK: {0}")]
    Jwk(String),
    /// A JSON object with no secret key in it.
    #[error(
        "no secret key found: expected secretKeyMultibase, privateKeyMultibase, \
         encryptedSecretKey, privateKeyBase58, privateKeyJwk, or a JWK with \"d\""
    )]
    NoSecret,
    /// Hex of the wrong length.
    #[error("hex key must be 64 hex digits (seed) or 128 (seed then public key), got {0} digits")]
    HexLength(usize),
    /// Nothing recognisable.
    #[error(
        "unrecognised key format: expected a JSON key file, a JWK, a secret Multikey (z3u2…) \
         or hex"
    )]
    Unrecognized,
}

/// What a key file tells without its secret: the public key and whether it is encrypted.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct KeyFileInfo {
    /// The public key stated in the file (`publicKeyMultibase`, or a JWK's `x`), if any. It is
    /// not checked against the secret: use [`parse_key`] for that.
    pub public: Option<PublicKey>,
    /// Whether the secret is encrypted under a key-encryption key.
    pub encrypted: bool,
}

/// The key file for `key`, as @digitalbazaar/ed25519-multikey exports it (a did:key Multikey
/// with `secretKeyMultibase`), or with `encryptedSecretKey` in its place when a KEK is given.
///
/// Without a KEK the returned value holds the secret in plain text: write it out, then wipe
/// that string (`file["secretKeyMultibase"]`, with [`Zeroize`](crate::Zeroize)).
pub fn encode_key_file(key: &KeyPair, kek: Option<&Kek>) -> Value {
    let public = key.public_key();
    let mut file = json!({
        "@context": MULTIKEY_CONTEXT,
        "id": did_key_verification_method(&public),
        "type": "Multikey",
        "controller": did_key(&public),
        "publicKeyMultibase": public.to_multibase(),
    });
    if let Some(map) = file.as_object_mut() {
        match kek {
            Some(kek) => {
                let encrypted = kek.encrypt_key(key);
                map.insert(
                    "encryptedSecretKey".to_owned(),
                    json!({
                        "alg": ALG,
                        "nonce": URL_SAFE.encode(encrypted.nonce),
                        "ciphertext": URL_SAFE.encode(&encrypted.ciphertext),
                    }),
                );
            }
            None => {
                let secret = key.secret_multibase();
                map.insert(
                    "secretKeyMultibase".to_owned(),
                    Value::String(secret.to_string()),
                );
            }
        }
    }
    file
}

/// Reads a signing key in any of the forms other tools use, surrounding whitespace ignored:
///
/// - a ler key file, encrypted (`encryptedSecretKey`, needs `kek`) or not;
/// - any JSON object with `secretKeyMultibase` or `privateKeyMultibase` (32-byte seed, or the
///   legacy 64-byte seed ‖ public key), or `privateKeyBase58` (Ed25519VerificationKey2018);
/// - a JWK `{"kty":"OKP","crv":"Ed25519","d":…}`, bare or as `privateKeyJwk`;
/// - a bare secret Multikey `z3u2…`;
/// - hex: 64 digits (seed) or 128 (seed ‖ public key).
///
/// Any public key given alongside (`publicKeyMultibase`, JWK `x`, the public half of a 64-byte
/// secret) must match the secret.
pub fn parse_key(bytes: &[u8], kek: Option<&Kek>) -> Result<KeyPair, KeyError> {
    let text = std::str::from_utf8(bytes)
        .map_err(|_| KeyError::NotUtf8)?
        .trim();
    if text.starts_with('{') {
        let value = Zeroizing::new(JsonGuard(
            serde_json::from_str::<Value>(text).map_err(|e| KeyError::Json(e.to_string()))?,
        ));
        let map = value.0.as_object().ok_or(KeyError::NotObject)?;
        return parse_object(map, kek);
    }
    if text.starts_with('z') {
        return KeyPair::from_secret_multibase(text).map_err(|error| KeyError::Key {
            field: "secret Multikey",
            error,
        });
    }
    if !text.is_empty() && text.bytes().all(|b| b.is_ascii_hexdigit()) {
        return parse_hex(text);
    }
    Err(KeyError::Unrecognized)
}

/// Reads what a key file says without its secret (nothing is decrypted). Bare secrets (hex,
/// Multikey) state no public key.
pub fn inspect_key_file(bytes: &[u8]) -> Result<KeyFileInfo, KeyError> {
    let text = std::str::from_utf8(bytes)
        .map_err(|_| KeyError::NotUtf8)?
        .trim();
    if !text.starts_with('{') {
        return Ok(KeyFileInfo {
            public: None,
            encrypted: false,
        });
    }
    let value = Zeroizing::new(JsonGuard(
        serde_json::from_str::<Value>(text).map_err(|e| KeyError::Json(e.to_string()))?,
    ));
    let map = value.0.as_object().ok_or(KeyError::NotObject)?;
    let mut public = stated_public(map)?;
    if public.is_none() {
        let jwk = match map.get("privateKeyJwk") {
            Some(jwk) => Some(jwk),
            None if map.contains_key("kty") => Some(&value.0),
            None => None,
        };
        if let Some(x) = jwk.and_then(|jwk| jwk.get("x")) {
            public = Some(jwk_public(x)?);
        }
    }
    Ok(KeyFileInfo {
        public,
        encrypted: map.contains_key("encryptedSecretKey"),
    })
}

fn parse_object(map: &Map<String, Value>, kek: Option<&Kek>) -> Result<KeyPair, KeyError> {
    const SECRET_FIELDS: [&str; 6] = [
        "encryptedSecretKey",
        "secretKeyMultibase",
        "privateKeyMultibase",
        "privateKeyBase58",
        "privateKeyJwk",
        "d",
    ];
    let present: Vec<(&'static str, &Value)> = SECRET_FIELDS
        .into_iter()
        .filter_map(|f| map.get(f).map(|v| (f, v)))
        .collect();
    let (field, value) = match present.as_slice() {
        // A JWK without "d" still gets a JWK error (wrong kty, missing d).
        [] if map.contains_key("kty") => return parse_jwk_object(map),
        [] => return Err(KeyError::NoSecret),
        [one] => *one,
        // The same Multikey secret under both names is a harmless duplicate.
        [("secretKeyMultibase", a), ("privateKeyMultibase", b)] if a == b => {
            ("secretKeyMultibase", *a)
        }
        [(a, _), (b, _), ..] => return Err(KeyError::AmbiguousSecret(a, b)),
    };
    let public = stated_public(map)?;
    let key = match field {
        "encryptedSecretKey" => {
            let kek = kek.ok_or(KeyError::KekRequired)?;
            let public = public.ok_or_else(|| KeyError::Field {
                field: "publicKeyMultibase",
                reason: "an encrypted key file must state its public key".to_owned(),
            })?;
            return kek.decrypt_key(&public, &encrypted_key(value)?);
        }
        "secretKeyMultibase" | "privateKeyMultibase" => {
            KeyPair::from_secret_multibase(string_value(value, field)?)
                .map_err(|error| KeyError::Key { field, error })?
        }
        "privateKeyBase58" => {
            let bytes = Zeroizing::new(
                bs58::decode(string_value(value, field)?)
                    .into_vec()
                    .map_err(|e| KeyError::Field {
                        field,
                        reason: format!("invalid base58btc: {e}"),
                    })?,
            );
            KeyPair::from_secret_slice(&bytes).map_err(|error| KeyError::Key { field, error })?
        }
        "privateKeyJwk" => parse_jwk(value)?,
        _ => parse_jwk_object(map)?,
    };
    if let Some(public) = public
        && public != key.public_key()
    {
        return Err(KeyError::PublicKeyMismatch {
            field: "publicKeyMultibase",
        });
    }
    Ok(key)
}

/// The `publicKeyMultibase` of a key file, if present.
fn stated_public(map: &Map<String, Value>) -> Result<Option<PublicKey>, KeyError> {
    if !map.contains_key("publicKeyMultibase") {
        return Ok(None);
    }
    let value = string_field(map, "publicKeyMultibase")?;
    PublicKey::from_multibase(value)
        .map(Some)
        .map_err(|error| KeyError::Key {
            field: "publicKeyMultibase",
            error,
        })
}

fn string_field<'a>(map: &'a Map<String, Value>, field: &'static str) -> Result<&'a str, KeyError> {
    match map.get(field) {
        Some(value) => string_value(value, field),
        None => Err(KeyError::Field {
            field,
            reason: "is missing".to_owned(),
        }),
    }
}

fn string_value<'a>(value: &'a Value, field: &'static str) -> Result<&'a str, KeyError> {
    value.as_str().ok_or_else(|| KeyError::Field {
        field,
        reason: "must be a string".to_owned(),
    })
}

fn encrypted_key(value: &Value) -> Result<EncryptedKey, KeyError> {
    const FIELD: &str = "encryptedSecretKey";
    let map = value.as_object().ok_or_else(|| KeyError::Field {
        field: FIELD,
        reason: "must be an object with alg, nonce and ciphertext".to_owned(),
    })?;
    let alg = string_field(map, "alg")?;
    if alg != ALG {
        return Err(KeyError::UnsupportedAlg(alg.to_owned()));
    }
    let b64 = |field: &'static str| {
        URL_SAFE
            .decode(string_field(map, field)?)
            .map_err(|e| KeyError::Field {
                field,
                reason: format!("not base64url: {e}"),
            })
    };
    let nonce = b64("nonce")?;
    let nonce: [u8; 24] = nonce.as_slice().try_into().map_err(|_| KeyError::Field {
        field: "nonce",
        reason: format!("must be 24 bytes, got {}", nonce.len()),
    })?;
    Ok(EncryptedKey {
        nonce,
        ciphertext: b64("ciphertext")?,
    })
}

fn parse_jwk(value: &Value) -> Result<KeyPair, KeyError> {
    let map = value.as_object().ok_or_else(|| KeyError::Field {
        field: "privateKeyJwk",
        reason: "must be a JSON object".to_owned(),
    })?;
    parse_jwk_object(map)
}

fn parse_jwk_object(map: &Map<String, Value>) -> Result<KeyPair, KeyError> {
    match map.get("kty").and_then(Value::as_str) {
        Some("OKP") => {}
        Some(other) => {
            return Err(KeyError::Jwk(format!(
                "kty must be \"OKP\" (Ed25519), got {other:?}"
            )));
        }
        None => return Err(KeyError::Jwk("kty is missing or not a string".to_owned())),
    }
    match map.get("crv").and_then(Value::as_str) {
        Some("Ed25519") => {}
        Some(other) => {
            return Err(KeyError::Jwk(format!(
                "crv must be \"Ed25519\", got {other:?}"
            )));
        }
        None => return Err(KeyError::Jwk("crv is missing or not a string".to_owned())),
    }
    let d = map
        .get("d")
        .and_then(Value::as_str)
        .ok_or_else(|| KeyError::Jwk("d (the secret key) is missing".to_owned()))?;
    let d = Zeroizing::new(
        URL_SAFE
            .decode(d)
            .map_err(|e| KeyError::Jwk(format!("d is not base64url: {e}")))?,
    );
    let seed: &[u8; 32] = d
        .as_slice()
        .try_into()
        .map_err(|_| KeyError::Jwk(format!("d must be a 32-byte seed, got {} bytes", d.len())))?;
    let key = KeyPair::from_seed(*seed);
    if let Some(x) = map.get("x")
        && jwk_public(x)? != key.public_key()
    {
        return Err(KeyError::PublicKeyMismatch { field: "JWK x" });
    }
    Ok(key)
}

fn jwk_public(x: &Value) -> Result<PublicKey, KeyError> {
    let x = x
        .as_str()
        .ok_or_else(|| KeyError::Jwk("x must be a string".to_owned()))?;
    let bytes = URL_SAFE
        .decode(x)
        .map_err(|e| KeyError::Jwk(format!("x is not base64url: {e}")))?;
    PublicKey::from_slice(&bytes).map_err(|error| KeyError::Key {
        field: "JWK x",
        error,
    })
}

fn parse_hex(text: &str) -> Result<KeyPair, KeyError> {
    if text.len() != 64 && text.len() != 128 {
        return Err(KeyError::HexLength(text.len()));
    }
    let mut bytes = Zeroizing::new(vec![0u8; text.len() / 2]);
    for (out, pair) in bytes.iter_mut().zip(text.as_bytes().chunks_exact(2)) {
        // Both are ASCII hex digits: checked by the caller.
        *out = (hex_value(pair[0]) << 4) | hex_value(pair[1]);
    }
    KeyPair::from_secret_slice(&bytes).map_err(|error| KeyError::Key {
        field: "hex key",
        error,
    })
}

fn hex_value(digit: u8) -> u8 {
    match digit {
        b'0'..=b'9' => digit - b'0',
        b'a'..=b'f' => digit - b'a' + 10,
        b'A'..=b'F' => digit - b'A' + 10,
        _ => 0,
    }
}

/// Wipes the strings of a parsed JSON key file when dropped (they may hold secrets).
struct JsonGuard(Value);

impl Zeroize for JsonGuard {
    fn zeroize(&mut self) {
        wipe(&mut self.0);
    }
}

fn wipe(value: &mut Value) {
    match value {
        Value::String(s) => s.zeroize(),
        Value::Array(items) => items.iter_mut().for_each(wipe),
        Value::Object(map) => map.values_mut().for_each(wipe),
        _ => {}
    }
}
