//! Integration tests for ler-verify: the hostile-input suite (one file per attack), and the
//! checks of the pipeline.

mod common;
mod hostile;
mod jwt;
mod pipeline;
mod status;
