//! Integration tests for ler-connect: each import format on the project's fixtures, and the
//! exports validated against the official schemas.

mod exports;
mod imports;
