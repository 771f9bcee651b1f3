//! Multibase (base58btc, `z` prefix) with multicodec headers: the Multikey byte layout.

use zeroize::Zeroizing;

use crate::keys::CryptoError;

/// Multicodec `ed25519-pub` (0xed) as an unsigned varint.
pub(crate) const ED25519_PUB_HEADER: [u8; 2] = [0xed, 0x01];
/// Multicodec `ed25519-priv` (0x1300) as an unsigned varint.
pub(crate) const ED25519_PRIV_HEADER: [u8; 2] = [0x80, 0x26];

/// `z` + base58btc(header ‖ body). The intermediate buffer is wiped.
pub(crate) fn encode(header: [u8; 2], body: &[u8]) -> Zeroizing<String> {
    let mut bytes = Zeroizing::new(Vec::with_capacity(header.len() + body.len()));
    bytes.extend_from_slice(&header);
    bytes.extend_from_slice(body);
    // Room for the prefix and bs58's worst case (1.5 bytes out per byte in), so the buffer never
    // reallocates and leaves an unwiped copy behind.
    let mut out = Zeroizing::new(String::with_capacity(1 + 2 * bytes.len()));
    out.push('z');
    bs58::encode(bytes.as_slice())
        .onto(&mut *out)
        // Invariant: encoding onto a growable String cannot run out of room.
        .expect("base58 encoding onto a String cannot fail");
    out
}

/// Decodes a `z…` multibase value and strips the expected multicodec header, returning the body
/// (in a wiping buffer, since secret keys pass through here). `what` names the key kind for
/// error messages ("public", "secret").
pub(crate) fn decode(
    value: &str,
    header: [u8; 2],
    what: &'static str,
) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
    let Some(rest) = value.strip_prefix('z') else {
        return Err(CryptoError::MultibasePrefix);
    };
    let bytes = Zeroizing::new(
        bs58::decode(rest)
            .into_vec()
            .map_err(|e| CryptoError::Base58(e.to_string()))?,
    );
    match bytes.get(..2) {
        Some(found) if found == header => Ok(Zeroizing::new(bytes[2..].to_vec())),
        found => Err(CryptoError::MulticodecHeader {
            what,
            expected: hex(&header),
            found: found.map_or_else(|| "none".to_owned(), hex),
        }),
    }
}

fn hex(bytes: &[u8]) -> String {
    let mut s = String::from("0x");
    for b in bytes {
        s.push_str(&format!("{b:02x}"));
    }
    s
}
