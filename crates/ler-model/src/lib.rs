//! ler-model (placeholder while the workspace is set up).
