//! Integration tests for ler-verify.
