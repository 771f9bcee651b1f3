//! Integration tests for ler-proof.
