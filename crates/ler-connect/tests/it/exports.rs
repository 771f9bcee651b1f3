//! Exports: LER-RS and JSON Resume validated against their official schemas, and CSV.
