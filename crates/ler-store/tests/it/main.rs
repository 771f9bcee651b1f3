//! Integration tests for ler-store: one conformance suite for both backends.
