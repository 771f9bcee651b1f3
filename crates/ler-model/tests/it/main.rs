//! Integration tests for ler-model: every rule's failing case, the fixtures and the 1EdTech
//! vectors, normalization, filling, and the official JSON Schemas.

mod documents;
mod fill;
mod normalize;
mod rules;
mod schema;
mod support;
