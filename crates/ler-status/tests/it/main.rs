//! Integration tests for ler-status.
