//! Unit tests of ler-proof internals.

use super::*;

#[test]
fn signature_decoding_rejects_wrong_base_and_length() {
    assert!(matches!(
        decode_signature("uAAAA"),
        Err(ProofError::Malformed(_))
    ));
    assert!(matches!(decode_signature("z2"), Err(ProofError::Malformed(m)) if m.contains("bytes")));
}
