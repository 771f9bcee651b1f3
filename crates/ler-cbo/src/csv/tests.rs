//! The CSV reader and writer.

use proptest::prelude::*;

use super::{Table, cell, write};

#[test]
fn reads_quoted_fields_and_crlf() {
    let t = Table::parse(
        "\u{feff}id, Name ,note\r\n1,\"Forklift, counterbalance\",\"say \"\"hi\"\"\"\r\n2,Pallet jack\r\n\r\n",
        "test",
    )
    .unwrap();
    assert_eq!(t.column(&["name"]), Some(1));
    let rows: Vec<_> = t.rows().collect();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0].1[1], "Forklift, counterbalance");
    assert_eq!(rows[0].1[2], "say \"hi\"");
    assert_eq!(cell(rows[1].1, Some(2)), None);
    assert_eq!(rows[1].0, 3);
}

#[test]
fn refuses_unclosed_quotes_and_long_rows() {
    let err = Table::parse("a,b\n\"x,y\n", "test").unwrap_err();
    assert!(err.to_string().contains("not closed"), "{err}");
    let err = Table::parse("a,b\n1,2,3\n", "test").unwrap_err();
    assert!(err.to_string().contains("row 2"), "{err}");
    assert!(Table::parse("", "test").is_err());
}

#[test]
fn writes_defused_cells() {
    let text = write(&[vec!["=HYPERLINK(1)".into(), "-3.5".into(), "a,b".into()]]);
    assert_eq!(text, "'=HYPERLINK(1),-3.5,\"a,b\"\r\n");
}

proptest! {
    #[test]
    fn write_then_read_round_trips(rows in prop::collection::vec(
        prop::collection::vec("[a-z ,\"\n]{1,8}", 3), 1..6)
    ) {
        let mut all = vec![vec!["x".to_string(), "y".into(), "z".into()]];
        all.extend(rows.iter().cloned());
        let t = Table::parse(&write(&all), "test").unwrap();
        let back: Vec<Vec<String>> = t.rows().map(|(_, r)| r.to_vec()).collect();
        let expected: Vec<Vec<String>> = rows
            .into_iter()
            .filter(|r| !r.iter().all(|c| c.trim().is_empty()))
            .collect();
        prop_assert_eq!(back, expected);
    }
}
