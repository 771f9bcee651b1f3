//! Ed25519 keys for signing credentials: [`KeyPair`] and [`PublicKey`], their Multikey
//! encodings, did:key and did:web documents, and key files encrypted under a [`Kek`].
//!
//! Everything here is a pure function of its inputs (plus the OS random generator for new keys
//! and nonces): no file or network I/O. The CLI and the server read and write the bytes.
//!
//! ```
//! use ler_crypto::{KeyPair, Kek, did_key, encode_key_file, parse_key};
//!
//! let key = KeyPair::from_seed([7; 32]);
//! let signature = key.sign(b"hello");
//! key.public_key().verify(b"hello", &signature)?;
//! assert!(did_key(&key.public_key()).starts_with("did:key:z6Mk"));
//!
//! // A key file encrypted under a key-encryption key, and read back.
//! let kek = Kek::generate();
//! let file = encode_key_file(&key, Some(&kek));
//! let bytes = serde_json::to_vec(&file)?;
//! let again = parse_key(&bytes, Some(&kek))?;
//! assert_eq!(again.public_key(), key.public_key());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod did;
mod kek;
mod keyfile;
mod keys;
mod multikey;

pub use did::{
    Did, DidError, DidUrl, did_key, did_key_document, did_key_verification_method,
    did_web_document, did_web_url, resolve_did_key,
};
pub use kek::{EncryptedKey, Kek};
pub use keyfile::{
    KeyError, KeyFileInfo, MULTIKEY_CONTEXT, encode_key_file, inspect_key_file, parse_key,
};
pub use keys::{CryptoError, KeyPair, PublicKey};
/// Re-exported so callers can wipe secrets (file contents, exported keys) without naming the
/// `zeroize` crate.
pub use zeroize::{Zeroize, Zeroizing};
