//! The `ler` command-line tool.
fn main() {}
