//! The JSON value stream: arrays, statement results, JSON Lines, broken input.

use super::*;

fn values(text: &str) -> Vec<Result<String, String>> {
    JsonValues::new(text.as_bytes())
        .map(|v| v.map(|b| String::from_utf8(b).unwrap()))
        .collect()
}

#[test]
fn streams_arrays_statement_results_and_lines() {
    let ok = |v: &[&str]| v.iter().map(|s| Ok(s.to_string())).collect::<Vec<_>>();
    assert_eq!(
        values("\u{feff} [ {\"a\":\"]}\\\"\"}, [1,2] ,3 ]"),
        ok(&["{\"a\":\"]}\\\"\"}", "[1,2]", "3"])
    );
    assert_eq!(
        values("{\"more\": \"/x\", \"statements\": [{\"id\":1},{\"id\":2}], \"z\": 1}"),
        ok(&["{\"id\":1}", "{\"id\":2}"])
    );
    assert_eq!(
        values("{\"id\": 1, \"v\": {\"x\": [1]}}\n{\"id\":2}\n"),
        ok(&["{\"id\":1,\"v\":{\"x\": [1]}}", "{\"id\":2}"])
    );
    assert_eq!(values("  "), ok(&[]));
}

#[test]
fn stops_at_broken_input() {
    let v = values("[{\"a\": 1}, {\"b\": ");
    assert_eq!(v.len(), 2);
    assert!(v[1].is_err());
    assert!(values("42").into_iter().all(|v| v.is_err()));
}
