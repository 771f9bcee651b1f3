//! Integration tests for ler-bake.
