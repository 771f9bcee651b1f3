//! Unit tests of the XML scanner and the text helpers.

use super::*;

#[test]
fn scanner_respects_quotes_comments_cdata_and_doctype() {
    let doc = r#"<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY x "y>">]><svg a='1>2' b="c"><!-- <x> --><![CDATA[<y>]]>t</svg>"#;
    let items = scan(doc).expect("scan");
    let tokens: Vec<&Token<'_>> = items.iter().map(|i| &i.token).collect();
    assert_eq!(
        tokens,
        [
            &Token::Other,
            &Token::Other,
            &Token::Start {
                name: "svg",
                attrs: vec![("a", "1>2"), ("b", "c")],
                self_closing: false
            },
            &Token::Other,
            &Token::CData("<y>"),
            &Token::Text("t"),
            &Token::End { name: "svg" },
        ]
    );
    for bad in [
        "<svg",
        "<svg a=b>",
        "<svg a=\"b>",
        "<!-- open",
        "<svg><![CDATA[x",
        "</>",
        "<svg\"a\"=\"b\">",
    ] {
        assert!(scan(bad).is_err(), "{bad}");
    }
}

#[test]
fn unescape_expands_predefined_entities_and_character_references() {
    assert_eq!(
        unescape("&lt;&gt;&amp;&quot;&apos;&#65;&#x42;").expect("ok"),
        "<>&\"'AB"
    );
    for bad in ["&nbsp;", "& x", "&#xD800;", "&#99999999;"] {
        assert!(unescape(bad).is_err(), "{bad}");
    }
}

#[test]
fn cdata_splits_its_terminator() {
    let wrapped = cdata("a]]>b");
    let items = scan(&wrapped).expect("scan");
    let joined: String = items
        .iter()
        .map(|i| match i.token {
            Token::CData(c) => c,
            _ => panic!("not CDATA: {:?}", i.token),
        })
        .collect();
    assert_eq!(joined, "a]]>b");
}
