//! Integration tests for the ler CLI.
