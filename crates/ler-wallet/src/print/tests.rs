//! Unit tests for the PDF and HTML writers' escaping and layout helpers.

use super::*;

#[test]
fn pdf_strings_escape_delimiters_and_map_latin1() {
    assert_eq!(pdf_string("a(b)c\\d"), "a\\(b\\)c\\\\d");
    assert_eq!(pdf_string("café – 5€"), "caf\\351 \\226 5\\200");
    assert_eq!(pdf_string("日本"), "??");
}

#[test]
fn html_is_escaped() {
    assert_eq!(
        html_escape("<a href=\"x\">&'"),
        "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
    );
}

#[test]
fn wrapping_keeps_words_and_splits_long_ones() {
    assert_eq!(wrap("one two three", 10), ["one two", "three"]);
    assert_eq!(wrap("", 10), [""]);
    let long = "x".repeat(25);
    assert_eq!(
        wrap(&long, 10),
        ["x".repeat(10), "x".repeat(10), "x".repeat(5)]
    );
}

#[test]
fn qr_runs_cover_every_dark_module() {
    let m = Modules::of("https://ler.example/verify/r_1").unwrap();
    let dark = m.dark.iter().filter(|d| **d).count();
    assert_eq!(m.runs().iter().map(|r| r.2).sum::<usize>(), dark);
    assert_eq!(m.dark.len(), m.width * m.width);
}
