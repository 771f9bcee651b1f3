//! Open Badges baking: a credential carried inside a PNG or SVG image.

/// Why an image could not be baked or unbaked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BakeError {
    /// Not yet implemented.
    #[error("baking is not implemented yet")]
    NotImplemented,
}

/// The credential text (JSON or a compact JWT) baked into a PNG or SVG image.
pub fn unbake(_image: &[u8]) -> Result<String, BakeError> {
    Err(BakeError::NotImplemented)
}

/// Whether the bytes look like a PNG or SVG image.
pub fn is_image(bytes: &[u8]) -> bool {
    bytes.starts_with(b"\x89PNG\r\n\x1a\n") || {
        let head = &bytes[..bytes.len().min(512)];
        let text = String::from_utf8_lossy(head);
        text.trim_start().starts_with('<') && text.contains("<svg")
    }
}
