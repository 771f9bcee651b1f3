//! The printable LER: a QR code per record in the HTML, and a PDF whose structure holds.

use ler_wallet::{WalletError, printable_html, printable_pdf, qr_svg, verify_url};

use crate::common::records;

const BASE: &str = "https://ler.example/s/token123/";

#[test]
fn html_has_a_qr_code_per_record() {
    let records = records();
    let html = printable_html(&records, BASE).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("@media print"));
    assert_eq!(html.matches("<svg class=\"qr\"").count(), records.len());
    for record in &records {
        let url = verify_url(BASE, record);
        assert_eq!(url, format!("https://ler.example/s/token123/{}", record.id));
        assert!(html.contains(&format!("href=\"{url}\"")), "{url}");
    }
    assert!(html.contains("Forklift Operator Safety"));
    assert!(html.contains("Operate powered industrial trucks safely (53-7051.00)"));
    // Self-contained: nothing loaded from elsewhere.
    assert!(!html.contains("<script") && !html.contains("<link") && !html.contains("src="));
    assert!(printable_html(&[], BASE).unwrap().contains("No records."));
}

#[test]
fn qr_svg_draws_a_labelled_code_and_refuses_text_too_long() {
    let svg = qr_svg("https://ler.example/share/abc", "QR code: <share>").unwrap();
    assert!(svg.starts_with("<svg class=\"qr\""));
    assert!(svg.contains("aria-label=\"QR code: &lt;share&gt;\""));
    assert!(svg.contains("<path d=\"M"));
    let err = qr_svg(&"x".repeat(5_000), "too long");
    assert!(matches!(err, Err(WalletError::Qr(5_000))), "{err:?}");
}

/// The objects of a PDF by its cross-reference table, checking every offset on the way.
fn check_structure(pdf: &[u8]) -> usize {
    // ASCII with one character per byte, so offsets in the text are offsets in the file.
    let text: String = pdf
        .iter()
        .map(|&b| if b.is_ascii() { char::from(b) } else { '?' })
        .collect();
    assert!(pdf.starts_with(b"%PDF-1.4\n"));
    assert!(text.trim_end().ends_with("%%EOF"));
    let start = text.rfind("startxref\n").expect("startxref");
    let xref_at: usize = text[start + 10..].lines().next().unwrap().parse().unwrap();
    assert!(
        pdf[xref_at..].starts_with(b"xref\n0 "),
        "xref offset is off"
    );
    let mut lines = text[xref_at..].lines().skip(1);
    let header: Vec<usize> = lines
        .next()
        .unwrap()
        .split(' ')
        .map(|n| n.parse().unwrap())
        .collect();
    let count = header[1];
    assert_eq!(lines.next().unwrap(), "0000000000 65535 f ");
    for n in 1..count {
        let entry = lines.next().unwrap();
        assert_eq!(entry.len(), 19, "{entry:?}"); // 20 bytes with the newline
        let offset: usize = entry[..10].parse().unwrap();
        assert!(entry.ends_with(" 00000 n "));
        let obj = format!("{n} 0 obj\n");
        assert!(
            pdf[offset..].starts_with(obj.as_bytes()),
            "object {n} is not at {offset}"
        );
    }
    assert!(lines.next().unwrap().starts_with("trailer"));
    assert!(text.contains(&format!("/Size {count} /Root 1 0 R")));
    // Every stream's /Length is its length.
    let mut at = 0;
    while let Some(found) = text[at..].find("<< /Length ") {
        let begin = at + found + "<< /Length ".len();
        let len: usize = text[begin..].split(' ').next().unwrap().parse().unwrap();
        let data = begin + text[begin..].find("stream\n").unwrap() + "stream\n".len();
        assert!(
            pdf[data + len..].starts_with(b"\nendstream"),
            "stream length is off"
        );
        at = data + len;
    }
    count - 1
}

#[test]
fn pdf_parses_structurally() {
    let records = records();
    let pdf = printable_pdf(&records, BASE).unwrap();
    let objects = check_structure(&pdf);
    let text = String::from_utf8_lossy(&pdf);
    let pages = text.matches("/Type /Page ").count();
    assert_eq!(objects, 4 + 2 * pages);
    assert!(text.contains(&format!("/Count {pages}")));
    assert!(text.contains("/BaseFont /Helvetica "));
    assert!(text.contains("(Forklift Operator Safety) Tj"));
    for record in &records {
        assert!(text.contains(&format!("/URI ({})", verify_url(BASE, record))));
    }
    assert!(text.matches(" re\n").count() > 100, "QR modules are drawn");

    // Many records run onto more pages, and the structure still holds.
    let many: Vec<_> = (0..12)
        .flat_map(|i| {
            records.iter().cloned().map(move |mut r| {
                r.id = format!("{}_{i}", r.id);
                r
            })
        })
        .collect();
    let pdf = printable_pdf(&many, BASE).unwrap();
    let objects = check_structure(&pdf);
    let text = String::from_utf8_lossy(&pdf);
    let pages = text.matches("/Type /Page ").count();
    assert!(pages > 1);
    assert_eq!(objects, 4 + 2 * pages);
    assert_eq!(text.matches("/Subtype /Link").count(), many.len());
    check_structure(&printable_pdf(&[], BASE).unwrap());
}
