//! The key-encryption key: XChaCha20-Poly1305 over a signing key's seed, bound to its public key.

use std::fmt;

use base64::Engine;
use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand_core::RngCore;
use zeroize::Zeroizing;

use crate::keyfile::KeyError;
use crate::keys::{KeyPair, PublicKey};

#[cfg(test)]
mod tests;

/// Padding optional on input; output without padding.
const LENIENT: GeneralPurposeConfig = GeneralPurposeConfig::new()
    .with_encode_padding(false)
    .with_decode_padding_mode(DecodePaddingMode::Indifferent);
/// Standard alphabet, padding optional.
const STANDARD: GeneralPurpose = GeneralPurpose::new(&alphabet::STANDARD, LENIENT);
/// URL-safe alphabet, padding optional on input, none on output.
pub(crate) const URL_SAFE: GeneralPurpose = GeneralPurpose::new(&alphabet::URL_SAFE, LENIENT);

/// The AEAD algorithm name recorded in encrypted key files.
pub(crate) const ALG: &str = "XChaCha20-Poly1305";

/// A 256-bit key-encryption key (KEK), held outside the database and key files. Wiped on drop;
/// its `Debug` output hides the bytes.
pub struct Kek(Zeroizing<[u8; 32]>);

/// A signing key's seed encrypted under a [`Kek`]: XChaCha20-Poly1305 with a random nonce and
/// the public key's multibase as associated data, so the ciphertext only opens for that key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncryptedKey {
    /// The 24-byte random nonce.
    pub nonce: [u8; 24],
    /// The encrypted 32-byte seed followed by the 16-byte tag.
    pub ciphertext: Vec<u8>,
}

impl Kek {
    /// A new random key from the operating system's generator.
    pub fn generate() -> Kek {
        let mut bytes = Zeroizing::new([0u8; 32]);
        OsRng.fill_bytes(&mut *bytes);
        Kek(bytes)
    }

    /// The key with these bytes.
    pub fn from_bytes(bytes: [u8; 32]) -> Kek {
        Kek(Zeroizing::new(bytes))
    }

    /// Parses base64 of exactly 32 bytes: standard or URL-safe alphabet, padded or not,
    /// surrounding whitespace ignored.
    pub fn parse(text: &str) -> Result<Kek, KeyError> {
        let text = text.trim();
        let url_safe = text.contains(['-', '_']);
        if url_safe && text.contains(['+', '/']) {
            return Err(KeyError::KekEncoding);
        }
        let engine = if url_safe { &URL_SAFE } else { &STANDARD };
        let decoded = Zeroizing::new(engine.decode(text).map_err(|_| KeyError::KekEncoding)?);
        let bytes: &[u8; 32] = decoded
            .as_slice()
            .try_into()
            .map_err(|_| KeyError::KekLength(decoded.len()))?;
        Ok(Kek::from_bytes(*bytes))
    }

    /// The key as padded standard base64, in a wiping buffer.
    pub fn to_base64(&self) -> Zeroizing<String> {
        Zeroizing::new(base64::engine::general_purpose::STANDARD.encode(*self.0))
    }

    /// Encrypts the key's seed, with its public key multibase as associated data.
    pub fn encrypt_key(&self, key: &KeyPair) -> EncryptedKey {
        let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
        let aad = key.public_key().to_multibase();
        let ciphertext = self
            .cipher()
            .encrypt(
                &nonce,
                Payload {
                    msg: key.seed(),
                    aad: aad.as_bytes(),
                },
            )
            // Invariant: XChaCha20-Poly1305 fails only for messages over 256 GiB; this is 32 bytes.
            .expect("encrypting a 32-byte seed cannot fail");
        EncryptedKey {
            nonce: nonce.into(),
            ciphertext,
        }
    }

    /// Decrypts a seed encrypted for `public`, and checks that it is that key's seed. Fails
    /// alike for a wrong KEK, a tampered ciphertext and a ciphertext made for another key.
    pub fn decrypt_key(
        &self,
        public: &PublicKey,
        encrypted: &EncryptedKey,
    ) -> Result<KeyPair, KeyError> {
        let aad = public.to_multibase();
        let plain = Zeroizing::new(
            self.cipher()
                .decrypt(
                    XNonce::from_slice(&encrypted.nonce),
                    Payload {
                        msg: &encrypted.ciphertext,
                        aad: aad.as_bytes(),
                    },
                )
                .map_err(|_| KeyError::Decrypt)?,
        );
        let seed: &[u8; 32] = plain.as_slice().try_into().map_err(|_| KeyError::Decrypt)?;
        let key = KeyPair::from_seed(*seed);
        if key.public_key() != *public {
            return Err(KeyError::PublicKeyMismatch {
                field: "publicKeyMultibase",
            });
        }
        Ok(key)
    }

    /// Encrypts a short secret (a data key) under the KEK, bound to `aad` (for example the id
    /// of the account the secret belongs to): the ciphertext opens only with the same `aad`.
    pub fn wrap(&self, secret: &[u8], aad: &[u8]) -> EncryptedKey {
        let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
        let ciphertext = self
            .cipher()
            .encrypt(&nonce, Payload { msg: secret, aad })
            // Invariant: XChaCha20-Poly1305 fails only for messages over 256 GiB; callers wrap
            // keys of a few dozen bytes.
            .expect("wrapping a short secret cannot fail");
        EncryptedKey {
            nonce: nonce.into(),
            ciphertext,
        }
    }

    /// Decrypts what [`Kek::wrap`] made for the same `aad`. Fails alike for a wrong KEK, a
    /// tampered ciphertext and another `aad`.
    pub fn unwrap(
        &self,
        wrapped: &EncryptedKey,
        aad: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, KeyError> {
        self.cipher()
            .decrypt(
                XNonce::from_slice(&wrapped.nonce),
                Payload {
                    msg: &wrapped.ciphertext,
                    aad,
                },
            )
            .map(Zeroizing::new)
            .map_err(|_| KeyError::Decrypt)
    }

    fn cipher(&self) -> XChaCha20Poly1305 {
        XChaCha20Poly1305::new((&*self.0).into())
    }
}

impl fmt::Debug for Kek {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Kek(..)")
    }
}
