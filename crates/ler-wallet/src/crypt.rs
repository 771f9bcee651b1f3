//! Holder keys, per-holder data keys and sealing: what keeps a database dump from revealing
//! anybody's records (DESIGN §4 rule 6).
//!
//! A holder has a did:key whose secret is kept as a key file encrypted under the KEK, and a
//! random 32-byte [`DataKey`] kept wrapped by the KEK with the holder's id as associated data.
//! Records and grants are sealed with the data key (XChaCha20-Poly1305, a random nonce, and
//! associated data naming the row), so a sealed blob opens only under its holder's key and only
//! as the row it was written for. Erasing the wrapped data key makes every sealed blob of that
//! holder unreadable for good.

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use ler_crypto::{EncryptedKey, Kek, KeyPair};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::{Result, WalletError};

#[cfg(test)]
mod tests;

/// First byte of every sealed blob and wrapped data key: the format, so it can change later.
const VERSION: u8 = 1;
const NONCE_LEN: usize = 24;

/// A holder's 32-byte data key. Wiped on drop; its `Debug` output hides the bytes.
pub struct DataKey(Zeroizing<[u8; 32]>);

impl DataKey {
    /// A new random key.
    pub fn generate() -> Result<DataKey> {
        let mut bytes = Zeroizing::new([0u8; 32]);
        getrandom::getrandom(&mut *bytes).map_err(|e| WalletError::Random(e.to_string()))?;
        Ok(DataKey(bytes))
    }

    /// The key with these bytes (tests, and keys moved between wallets).
    pub fn from_bytes(bytes: [u8; 32]) -> DataKey {
        DataKey(Zeroizing::new(bytes))
    }

    /// The key wrapped by the KEK for holder `holder_id`, as the store keeps it.
    pub fn wrap(&self, kek: &Kek, holder_id: &str) -> Vec<u8> {
        let wrapped = kek.wrap(&*self.0, &wrap_aad(holder_id));
        let mut out = Vec::with_capacity(1 + NONCE_LEN + wrapped.ciphertext.len());
        out.push(VERSION);
        out.extend_from_slice(&wrapped.nonce);
        out.extend_from_slice(&wrapped.ciphertext);
        out
    }

    /// Unwraps what [`DataKey::wrap`] made for the same holder.
    pub fn unwrap(kek: &Kek, holder_id: &str, wrapped: &[u8]) -> Result<DataKey> {
        let (nonce, ciphertext) =
            split(wrapped).ok_or(WalletError::Key(ler_crypto::KeyError::Decrypt))?;
        let plain = kek
            .unwrap(
                &EncryptedKey {
                    nonce,
                    ciphertext: ciphertext.to_vec(),
                },
                &wrap_aad(holder_id),
            )
            .map_err(WalletError::Key)?;
        let bytes: &[u8; 32] = plain
            .as_slice()
            .try_into()
            .map_err(|_| WalletError::Key(ler_crypto::KeyError::Decrypt))?;
        Ok(DataKey::from_bytes(*bytes))
    }

    /// A keyed digest of `text` (HMAC-SHA-256 under the data key, hex): lets the store find
    /// duplicates by fingerprint without learning the fingerprint.
    pub fn blind(&self, text: &str) -> String {
        hex(&hmac_sha256(&*self.0, text.as_bytes()))
    }

    fn cipher(&self) -> XChaCha20Poly1305 {
        XChaCha20Poly1305::new((&*self.0).into())
    }
}

impl fmt::Debug for DataKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DataKey(..)")
    }
}

fn wrap_aad(holder_id: &str) -> Vec<u8> {
    format!("ler-wallet data key|{holder_id}").into_bytes()
}

/// The nonce and ciphertext of a versioned blob.
fn split(blob: &[u8]) -> Option<([u8; NONCE_LEN], &[u8])> {
    let (&version, rest) = blob.split_first()?;
    if version != VERSION || rest.len() < NONCE_LEN {
        return None;
    }
    let (nonce, ciphertext) = rest.split_at(NONCE_LEN);
    Some((nonce.try_into().ok()?, ciphertext))
}

/// Encrypts `plaintext` under the data key, bound to `aad` (name the row it will be stored as,
/// so it cannot be moved to another): version byte, 24-byte nonce, ciphertext and tag.
pub fn seal(key: &DataKey, aad: &[u8], plaintext: &[u8]) -> Vec<u8> {
    let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
    let ciphertext = key
        .cipher()
        .encrypt(
            &nonce,
            Payload {
                msg: plaintext,
                aad,
            },
        )
        // Invariant: XChaCha20-Poly1305 fails only for messages over 256 GiB; records and
        // grants are capped far below that by the verifier's input limit.
        .expect("sealing a record cannot fail");
    let mut out = Vec::with_capacity(1 + NONCE_LEN + ciphertext.len());
    out.push(VERSION);
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&ciphertext);
    out
}

/// Decrypts what [`seal`] made with the same key and `aad`.
pub fn open(key: &DataKey, aad: &[u8], sealed: &[u8]) -> Result<Zeroizing<Vec<u8>>> {
    let (nonce, ciphertext) = split(sealed).ok_or(WalletError::Unseal)?;
    key.cipher()
        .decrypt(
            XNonce::from_slice(&nonce),
            Payload {
                msg: ciphertext,
                aad,
            },
        )
        .map(Zeroizing::new)
        .map_err(|_| WalletError::Unseal)
}

/// A new holder's keys, ready to store: the secret parts only in their KEK-encrypted forms,
/// the plain keys alongside for immediate use (both wiped on drop).
#[derive(Debug)]
pub struct NewHolder {
    /// The holder's id (`h_…`, random), which the wrapped data key is bound to.
    pub id: String,
    /// The holder's did:key.
    pub did: String,
    /// The signing key file, secret encrypted under the KEK (JSON text).
    pub encrypted_key: String,
    /// The data key wrapped by the KEK for this holder.
    pub wrapped_data_key: Vec<u8>,
    /// The signing key.
    pub key: KeyPair,
    /// The data key.
    pub data_key: DataKey,
}

/// Makes a holder: a random id, a did:key and a data key, the secrets encrypted under `kek`.
pub fn new_holder(kek: &Kek) -> Result<NewHolder> {
    let id = new_id("h")?;
    let key = KeyPair::generate();
    let did = ler_crypto::did_key(&key.public_key());
    let encrypted_key = ler_crypto::encode_key_file(&key, Some(kek)).to_string();
    let data_key = DataKey::generate()?;
    let wrapped_data_key = data_key.wrap(kek, &id);
    Ok(NewHolder {
        id,
        did,
        encrypted_key,
        wrapped_data_key,
        key,
        data_key,
    })
}

/// The holder's signing key from its KEK-encrypted key file.
pub fn holder_key(kek: &Kek, encrypted_key: &str) -> Result<KeyPair> {
    ler_crypto::parse_key(encrypted_key.as_bytes(), Some(kek)).map_err(WalletError::Key)
}

/// The holder's signing key as a plain key file (Multikey JSON with `secretKeyMultibase`), to
/// move to another wallet. The caller hands it to the holder and lets it drop (it is wiped).
pub fn export_holder_key(kek: &Kek, encrypted_key: &str) -> Result<Zeroizing<String>> {
    let key = holder_key(kek, encrypted_key)?;
    let mut file = ler_crypto::encode_key_file(&key, None);
    let text = Zeroizing::new(file.to_string());
    if let Some(serde_json::Value::String(secret)) = file.get_mut("secretKeyMultibase") {
        zeroize::Zeroize::zeroize(secret);
    }
    Ok(text)
}

/// A random id: `prefix`, `_`, then 16 random bytes in unpadded base64url (URL-safe, 22
/// characters).
pub fn new_id(prefix: &str) -> Result<String> {
    let mut bytes = [0u8; 16];
    getrandom::getrandom(&mut bytes).map_err(|e| WalletError::Random(e.to_string()))?;
    Ok(format!("{prefix}_{}", URL_SAFE_NO_PAD.encode(bytes)))
}

/// HMAC-SHA-256 (RFC 2104) of `msg` under `key`.
pub fn hmac_sha256(key: &[u8], msg: &[u8]) -> [u8; 32] {
    const BLOCK: usize = 64;
    let mut block = Zeroizing::new([0u8; BLOCK]);
    if key.len() > BLOCK {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let pad = |byte: u8| -> Zeroizing<[u8; BLOCK]> {
        let mut out = Zeroizing::new([0u8; BLOCK]);
        for (o, k) in out.iter_mut().zip(block.iter()) {
            *o = k ^ byte;
        }
        out
    };
    let inner = Sha256::new()
        .chain_update(*pad(0x36))
        .chain_update(msg)
        .finalize();
    Sha256::new()
        .chain_update(*pad(0x5c))
        .chain_update(inner)
        .finalize()
        .into()
}

/// Lower-case hex.
pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
