//! ler-verify (placeholder while the workspace is set up).
