//! Integration tests for ler-cbo: imports (the project's samples and the shared reference
//! formats), intake and its provenance, the gap analysis against golden files, tracking,
//! outcome reports with their suppression laws and consent withdrawal, and sealing.

mod common;
mod gap;
mod imports;
mod intake;
mod outcomes;
mod sealing;
mod tracking;
