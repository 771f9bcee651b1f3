//! Ed25519 key pairs and public keys, with strict verification and Multikey encodings.

use std::fmt;
use std::str::FromStr;

use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use rand_core::OsRng;
use zeroize::{Zeroize, Zeroizing};

use crate::multikey::{self, ED25519_PRIV_HEADER, ED25519_PUB_HEADER};

#[cfg(test)]
mod tests;

/// Errors from decoding keys and verifying signatures.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CryptoError {
    /// A multibase value did not start with `z` (base58btc), the only base Multikey uses.
    #[error("multibase value must start with 'z' (base58btc)")]
    MultibasePrefix,
    /// The characters after `z` are not base58btc.
    #[error("invalid base58btc: {0}")]
    Base58(String),
    /// The multicodec header names another kind of key.
    #[error("expected an Ed25519 {what} key (multicodec header {expected}), found header {found}")]
    MulticodecHeader {
        /// "public" or "secret".
        what: &'static str,
        /// The header expected, in hex.
        expected: String,
        /// The header found, in hex, or "none".
        found: String,
    },
    /// A key or signature has the wrong number of bytes.
    #[error("{what} must be {expected} bytes, got {actual}")]
    Length {
        /// What was being decoded.
        what: &'static str,
        /// The accepted length(s).
        expected: &'static str,
        /// The length found.
        actual: usize,
    },
    /// The public key bytes do not encode a point on the curve.
    #[error("public key is not a valid Ed25519 point")]
    InvalidPublicKey,
    /// The public key is a small-order point, for which signatures prove nothing.
    #[error("public key is weak (a small-order point)")]
    WeakPublicKey,
    /// A 64-byte secret key (seed ‖ public key) whose public half is not the seed's.
    #[error("the public half of the 64-byte secret key does not match its seed")]
    SecretPublicMismatch,
    /// The signature does not verify under strict rules.
    #[error("signature verification failed")]
    BadSignature,
}

/// An Ed25519 public key, known not to be a small-order point.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct PublicKey(VerifyingKey);

impl PublicKey {
    /// Parses the 32-byte compressed point, rejecting invalid and weak (small-order) keys.
    pub fn from_bytes(bytes: &[u8; 32]) -> Result<PublicKey, CryptoError> {
        let key = VerifyingKey::from_bytes(bytes).map_err(|_| CryptoError::InvalidPublicKey)?;
        if key.is_weak() {
            return Err(CryptoError::WeakPublicKey);
        }
        Ok(PublicKey(key))
    }

    /// Parses a key from a byte slice that must be exactly 32 bytes long.
    pub fn from_slice(bytes: &[u8]) -> Result<PublicKey, CryptoError> {
        let bytes: &[u8; 32] = bytes.try_into().map_err(|_| CryptoError::Length {
            what: "an Ed25519 public key",
            expected: "32",
            actual: bytes.len(),
        })?;
        PublicKey::from_bytes(bytes)
    }

    /// Parses a Multikey `publicKeyMultibase` value: `z` + base58btc(0xed01 ‖ key).
    pub fn from_multibase(value: &str) -> Result<PublicKey, CryptoError> {
        let body = multikey::decode(value, ED25519_PUB_HEADER, "public")?;
        PublicKey::from_slice(&body)
    }

    /// The Multikey `publicKeyMultibase` value, `z6Mk…`.
    pub fn to_multibase(&self) -> String {
        multikey::encode(ED25519_PUB_HEADER, self.0.as_bytes()).to_string()
    }

    /// The 32-byte compressed point.
    pub fn as_bytes(&self) -> &[u8; 32] {
        self.0.as_bytes()
    }

    /// Verifies a 64-byte signature strictly: non-canonical signatures and small-order `R`
    /// are rejected (`verify_strict`).
    pub fn verify(&self, msg: &[u8], sig: &[u8]) -> Result<(), CryptoError> {
        let sig = Signature::from_slice(sig).map_err(|_| CryptoError::Length {
            what: "an Ed25519 signature",
            expected: "64",
            actual: sig.len(),
        })?;
        self.0
            .verify_strict(msg, &sig)
            .map_err(|_| CryptoError::BadSignature)
    }
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PublicKey({})", self.to_multibase())
    }
}

/// Shows the Multikey form, `z6Mk…`.
impl fmt::Display for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_multibase())
    }
}

/// Parses the Multikey form, `z6Mk…`.
impl FromStr for PublicKey {
    type Err = CryptoError;

    fn from_str(s: &str) -> Result<PublicKey, CryptoError> {
        PublicKey::from_multibase(s)
    }
}

/// An Ed25519 signing key. Its secret is wiped from memory when it is dropped, and its `Debug`
/// output shows only the public key.
pub struct KeyPair(SigningKey);

impl KeyPair {
    /// A new key from the operating system's random generator.
    pub fn generate() -> KeyPair {
        KeyPair(SigningKey::generate(&mut OsRng))
    }

    /// The key for a 32-byte seed (the RFC 8032 secret key). The moved-in copy is wiped.
    pub fn from_seed(mut seed: [u8; 32]) -> KeyPair {
        let key = KeyPair(SigningKey::from_bytes(&seed));
        seed.zeroize();
        key
    }

    /// The key for the 64-byte NaCl form, seed ‖ public key; the public half must match.
    pub fn from_keypair_bytes(bytes: &[u8; 64]) -> Result<KeyPair, CryptoError> {
        let mut seed = Zeroizing::new([0u8; 32]);
        seed.copy_from_slice(&bytes[..32]);
        let key = KeyPair::from_seed(*seed);
        if key.0.verifying_key().as_bytes()[..] != bytes[32..] {
            return Err(CryptoError::SecretPublicMismatch);
        }
        Ok(key)
    }

    /// The key for a secret byte string: a 32-byte seed or the 64-byte seed ‖ public key.
    pub fn from_secret_slice(bytes: &[u8]) -> Result<KeyPair, CryptoError> {
        if let Ok(seed) = <&[u8; 32]>::try_from(bytes) {
            return Ok(KeyPair::from_seed(*seed));
        }
        if let Ok(pair) = <&[u8; 64]>::try_from(bytes) {
            return KeyPair::from_keypair_bytes(pair);
        }
        Err(CryptoError::Length {
            what: "an Ed25519 secret key",
            expected: "32 (seed) or 64 (seed and public key)",
            actual: bytes.len(),
        })
    }

    /// Parses a Multikey `secretKeyMultibase`: `z` + base58btc(0x8026 ‖ seed), or the legacy
    /// 0x8026 ‖ seed ‖ public key, whose public half must match the seed.
    pub fn from_secret_multibase(value: &str) -> Result<KeyPair, CryptoError> {
        let body = multikey::decode(value, ED25519_PRIV_HEADER, "secret")?;
        KeyPair::from_secret_slice(&body)
    }

    /// The Multikey `secretKeyMultibase` of the 32-byte seed, `z3u2…`, in a wiping buffer.
    pub fn secret_multibase(&self) -> Zeroizing<String> {
        multikey::encode(ED25519_PRIV_HEADER, self.0.as_bytes())
    }

    /// The public key.
    pub fn public_key(&self) -> PublicKey {
        PublicKey(self.0.verifying_key())
    }

    /// Signs `msg` (pure Ed25519, RFC 8032).
    pub fn sign(&self, msg: &[u8]) -> [u8; 64] {
        self.0.sign(msg).to_bytes()
    }

    /// The 32-byte seed, for encryption under a key-encryption key.
    pub(crate) fn seed(&self) -> &[u8; 32] {
        self.0.as_bytes()
    }
}

impl fmt::Debug for KeyPair {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KeyPair({})", self.public_key().to_multibase())
    }
}
