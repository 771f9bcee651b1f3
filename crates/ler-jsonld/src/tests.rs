//! Unit tests for the embedded contexts and small helpers.

use super::*;

#[test]
fn every_embedded_context_parses_and_processes() {
    let docs = Documents::embedded();
    for url in docs.urls() {
        let doc = serde_json::json!({"@context": url, "@id": "urn:x", "@type": "urn:t"});
        to_rdf(&doc, docs).unwrap_or_else(|e| panic!("{url}: {e}"));
    }
}
