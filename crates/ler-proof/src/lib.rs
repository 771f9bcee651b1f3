//! ler-proof (placeholder while the workspace is set up).
