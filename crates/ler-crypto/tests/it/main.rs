//! Integration tests for ler-crypto.
