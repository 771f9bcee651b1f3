//! Open Badges baking: a credential carried inside a PNG or SVG image (OB 3.0 §5.3).
//!
//! [`bake`] puts the credential text — the JSON of a credential with an embedded proof, or the
//! compact JWS of a VC-JWT — into an image, and [`unbake`] reads it back; [`BakeError`] says
//! why either could not. Both are pure functions over bytes.
//!
//! - **PNG**: an uncompressed `iTXt` chunk with the keyword `openbadgecredential`, placed right
//!   before `IEND`. Every chunk's length and CRC-32 is checked on the way; a compressed
//!   credential chunk is refused (OB 3.0: "Compression MUST NOT be used").
//! - **SVG**: `xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0"` on the root `<svg>` and an
//!   `<openbadges:credential>` element as its first child: a compact JWS goes in its `verify`
//!   attribute, JSON in a `<![CDATA[…]]>` body.
//!
//! Baking an image that already carries a credential replaces it; an image that carries two
//! (which OB 3.0 forbids) is refused when unbaking, so that two readers cannot see two different
//! credentials. Images are limited to [`MAX_IMAGE_BYTES`].

mod png;
mod svg;

/// The largest image ler bakes or unbakes, in bytes.
pub const MAX_IMAGE_BYTES: usize = 10 * 1024 * 1024;

/// The PNG `iTXt` keyword of an Open Badges 3.0 credential.
pub const PNG_KEYWORD: &str = "openbadgecredential";

/// The XML namespace of the `<openbadges:credential>` element.
pub const OB3_NAMESPACE: &str = "https://purl.imsglobal.org/ob/v3p0";

/// Why an image could not be baked or unbaked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BakeError {
    /// The image is larger than [`MAX_IMAGE_BYTES`].
    #[error("the image is {size} bytes; ler reads images of at most {max} bytes")]
    TooLarge {
        /// The image's size.
        size: usize,
        /// The limit.
        max: usize,
    },
    /// The bytes are neither a PNG nor an SVG image.
    #[error("the file is neither a PNG nor an SVG image")]
    UnknownFormat,
    /// The PNG datastream is damaged: truncated, a bad chunk length or CRC, no `IEND`.
    #[error("the PNG is damaged: {0}")]
    CorruptPng(String),
    /// The SVG could not be read as XML far enough to find or place the credential.
    #[error("the SVG cannot be read: {0}")]
    MalformedSvg(String),
    /// The image carries no credential.
    #[error("the image has no baked credential ({0})")]
    NoCredential(String),
    /// The image carries more than one credential, which OB 3.0 forbids.
    #[error("the image carries more than one baked credential, which Open Badges 3.0 forbids")]
    DuplicateCredential,
    /// The PNG credential chunk is compressed, which OB 3.0 forbids.
    #[error(
        "the openbadgecredential iTXt chunk is compressed, which Open Badges 3.0 forbids (compression MUST NOT be used)"
    )]
    CompressedCredential,
    /// The baked credential is not UTF-8 text.
    #[error("the baked credential is not UTF-8 text")]
    NotText,
    /// The credential text to bake is empty.
    #[error("there is no credential text to bake")]
    EmptyCredential,
}

/// The kinds of image a credential can be baked into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageKind {
    /// Portable Network Graphics.
    Png,
    /// Scalable Vector Graphics.
    Svg,
}

/// What kind of image the bytes are, if any (by their first bytes).
pub fn image_kind(bytes: &[u8]) -> Option<ImageKind> {
    if bytes.starts_with(&png::SIGNATURE) {
        return Some(ImageKind::Png);
    }
    let head = &bytes[..bytes.len().min(1024)];
    let text = String::from_utf8_lossy(head);
    let text = text.trim_start_matches('\u{feff}').trim_start();
    (text.starts_with('<') && text.contains("<svg")).then_some(ImageKind::Svg)
}

/// Whether the bytes look like a PNG or SVG image.
pub fn is_image(bytes: &[u8]) -> bool {
    image_kind(bytes).is_some()
}

/// Bakes credential text (JSON, or a compact JWS) into a PNG or SVG image, replacing any
/// credential it already carries, and returns the new image.
pub fn bake(image: &[u8], credential_text: &str) -> Result<Vec<u8>, BakeError> {
    check_size(image.len())?;
    let text = credential_text.trim();
    if text.is_empty() {
        return Err(BakeError::EmptyCredential);
    }
    let out = match image_kind(image) {
        Some(ImageKind::Png) => png::bake(image, text)?,
        Some(ImageKind::Svg) => svg::bake(image, text)?,
        None => return Err(BakeError::UnknownFormat),
    };
    check_size(out.len())?;
    Ok(out)
}

/// The credential text (JSON or a compact JWS) baked into a PNG or SVG image.
pub fn unbake(image: &[u8]) -> Result<String, BakeError> {
    check_size(image.len())?;
    match image_kind(image) {
        Some(ImageKind::Png) => png::unbake(image),
        Some(ImageKind::Svg) => svg::unbake(image),
        None => Err(BakeError::UnknownFormat),
    }
}

fn check_size(size: usize) -> Result<(), BakeError> {
    if size > MAX_IMAGE_BYTES {
        return Err(BakeError::TooLarge {
            size,
            max: MAX_IMAGE_BYTES,
        });
    }
    Ok(())
}

/// Whether a text has the shape of a compact JWS (three base64url parts).
fn is_compact_jws(text: &str) -> bool {
    let parts: Vec<&str> = text.split('.').collect();
    parts.len() == 3
        && parts[..2].iter().all(|p| !p.is_empty())
        && parts.iter().all(|p| {
            p.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
}
