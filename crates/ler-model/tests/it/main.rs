//! Integration tests for ler-model.
