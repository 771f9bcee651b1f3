//! Unit tests of the web layer: the palette's contrast, the catalogs, escaping, languages.

use std::collections::BTreeSet;

use super::html::esc;
use super::i18n::{EN_JSON, ES_JSON, Lang, parse_catalog};

/// The text/background pairs the stylesheet uses, by variable name.
const PAIRS: &[(&str, &str)] = &[
    ("fg", "bg"),
    ("muted", "bg"),
    ("fg", "surface"),
    ("muted", "surface"),
    ("accent", "bg"),
    ("accent", "surface"),
    ("accent-fg", "accent"),
    ("ok-fg", "ok-bg"),
    ("bad-fg", "bad-bg"),
    ("info-fg", "info-bg"),
    ("on-strong", "ok-strong"),
    ("on-strong", "bad-strong"),
];

/// `--name: #rrggbb;` from the stylesheet.
fn color(css: &str, name: &str) -> [f64; 3] {
    let needle = format!("--{name}:");
    let at = css
        .find(&needle)
        .unwrap_or_else(|| panic!("--{name} is not in the stylesheet"));
    let hex = css[at + needle.len()..].trim_start();
    let hex = hex.strip_prefix('#').expect("a #rrggbb color");
    let channel = |i: usize| {
        let v = u8::from_str_radix(&hex[i..i + 2], 16).expect("hex") as f64 / 255.0;
        if v <= 0.04045 {
            v / 12.92
        } else {
            ((v + 0.055) / 1.055).powf(2.4)
        }
    };
    [channel(0), channel(2), channel(4)]
}

fn luminance(c: [f64; 3]) -> f64 {
    0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2]
}

/// The WCAG 2 contrast ratio of two colors.
fn contrast(a: [f64; 3], b: [f64; 3]) -> f64 {
    let (la, lb) = (luminance(a), luminance(b));
    (la.max(lb) + 0.05) / (la.min(lb) + 0.05)
}

#[test]
fn palette_meets_wcag_aa_contrast() {
    let css = super::assets::CSS;
    for (fg, bg) in PAIRS {
        let ratio = contrast(color(css, fg), color(css, bg));
        assert!(
            ratio >= 4.5,
            "--{fg} on --{bg} has contrast {ratio:.2}, below 4.5"
        );
    }
    // The focus ring and input borders are not text: WCAG asks 3:1 against the page.
    for ui in ["focus", "line"] {
        let ratio = contrast(color(css, ui), color(css, "bg"));
        assert!(
            ratio >= 3.0,
            "--{ui} on --bg has contrast {ratio:.2}, below 3"
        );
    }
}

#[test]
fn contrast_of_black_on_white_is_21() {
    let r = contrast([0.0; 3], [1.0; 3]);
    assert!((r - 21.0).abs() < 1e-9);
}

/// The string literals of Rust source (char literals skipped, escapes kept as written).
fn string_literals(src: &str) -> Vec<String> {
    let b = src.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\'' if b.get(i + 1) == Some(&b'\\') => {
                i += 3;
                while i < b.len() && b[i] != b'\'' {
                    i += 1;
                }
                i += 1;
            }
            b'\'' if b.get(i + 2) == Some(&b'\'') => i += 3,
            b'"' => {
                let start = i + 1;
                i += 1;
                while i < b.len() && b[i] != b'"' {
                    i += if b[i] == b'\\' { 2 } else { 1 };
                }
                out.push(src[start..i.min(src.len())].to_string());
                i += 1;
            }
            _ => i += 1,
        }
    }
    out
}

/// Every message key the web module's code names: each string literal shaped like a key
/// (`section.word`, lower-case words, no spaces or slashes).
fn keys_in_code() -> BTreeSet<String> {
    let sources = [
        include_str!("mod.rs"),
        include_str!("html.rs"),
        include_str!("verify.rs"),
        include_str!("console.rs"),
        include_str!("bulk.rs"),
        include_str!("cbo.rs"),
        include_str!("qr.rs"),
        include_str!("wallet.rs"),
    ];
    let mut keys = BTreeSet::new();
    for src in sources {
        for piece in string_literals(src) {
            let is_key = piece.contains('.')
                && piece.split('.').all(|w| {
                    !w.is_empty()
                        && w.bytes()
                            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
                })
                && ![".css", ".js", ".json", ".svg"]
                    .iter()
                    .any(|ext| piece.ends_with(ext));
            if is_key {
                keys.insert(piece);
            }
        }
    }
    keys
}

#[test]
fn catalogs_have_the_same_keys_and_no_empty_values() {
    let en = parse_catalog(EN_JSON);
    let es = parse_catalog(ES_JSON);
    assert!(!en.is_empty(), "en.json does not parse");
    let en_keys: BTreeSet<_> = en.keys().collect();
    let es_keys: BTreeSet<_> = es.keys().collect();
    let only_en: Vec<_> = en_keys.difference(&es_keys).collect();
    let only_es: Vec<_> = es_keys.difference(&en_keys).collect();
    assert!(only_en.is_empty(), "missing from es.json: {only_en:?}");
    assert!(only_es.is_empty(), "missing from en.json: {only_es:?}");
    for (lang, catalog) in [("en", &en), ("es", &es)] {
        for (k, v) in catalog.iter() {
            assert!(!v.trim().is_empty(), "{lang}.json: {k} is empty");
        }
    }
    // Placeholders agree.
    for (k, v) in &en {
        let names = |s: &str| -> BTreeSet<String> {
            s.split('{')
                .skip(1)
                .filter_map(|p| p.split_once('}'))
                .map(|(n, _)| n.to_string())
                .collect()
        };
        assert_eq!(names(v), names(&es[k]), "placeholders of {k} differ");
    }
}

#[test]
fn every_key_the_code_uses_is_in_the_catalogs() {
    let en = parse_catalog(EN_JSON);
    let mut used = keys_in_code();
    // Keys built at run time: explanations and names of checks.
    for name in super::verify::CHECKS.iter().chain(&["other"]) {
        used.insert(format!("checkname.{name}"));
    }
    for outcome in ["passed", "failed", "skipped"] {
        used.insert(format!("check.other.{outcome}"));
    }
    for key in [
        "check.status.revoked",
        "check.status.suspended",
        "check.validity.expired",
        "check.validity.not_yet",
    ] {
        used.insert(key.into());
    }
    let missing: Vec<_> = used.iter().filter(|k| !en.contains_key(*k)).collect();
    assert!(
        missing.is_empty(),
        "keys used in code but not in en.json: {missing:?}"
    );
    assert!(
        used.len() > 100,
        "the key scan found only {} keys",
        used.len()
    );
}

#[test]
fn every_row_error_code_has_a_message_naming_its_arguments() {
    let placeholders = |s: &str| -> BTreeSet<String> {
        s.split('{')
            .skip(1)
            .filter_map(|p| p.split_once('}'))
            .map(|(n, _)| n.to_string())
            .collect()
    };
    for (lang, catalog) in [
        ("en", parse_catalog(EN_JSON)),
        ("es", parse_catalog(ES_JSON)),
    ] {
        for (code, args) in ler_connect::ROW_ERROR_CODES
            .iter()
            .chain(ler_batch::ROW_ERROR_CODES)
        {
            let key = format!("rowerr.{code}");
            let message = catalog
                .get(&key)
                .unwrap_or_else(|| panic!("{lang}.json lacks {key}"));
            let want: BTreeSet<String> = args.iter().map(|a| a.to_string()).collect();
            assert_eq!(placeholders(message), want, "{lang}.json: {key}");
        }
    }
}

#[test]
fn every_check_has_an_explanation_for_each_outcome_it_can_have() {
    let en = parse_catalog(EN_JSON);
    for name in super::verify::CHECKS {
        let any = ["passed", "failed", "skipped"]
            .iter()
            .filter(|o| en.contains_key(&format!("check.{name}.{o}")))
            .count();
        assert!(any >= 1, "check {name} has no explanation");
    }
}

#[test]
fn escapes_markup_and_quotes() {
    assert_eq!(
        esc("<script>alert('x')</script> & \"q\""),
        "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;"
    );
}

#[test]
fn negotiates_the_language() {
    assert_eq!(Lang::negotiate("es-MX,es;q=0.9,en;q=0.8"), Lang::Es);
    assert_eq!(
        Lang::negotiate("fr-FR,fr;q=0.9,en;q=0.5,es;q=0.4"),
        Lang::En
    );
    assert_eq!(Lang::negotiate("de"), Lang::En);
    assert_eq!(Lang::negotiate("en;q=0.2, es;q=0.7"), Lang::Es);
    assert_eq!(Lang::negotiate(""), Lang::En);
}

#[test]
fn only_local_paths_are_followed() {
    use super::html::local_path;
    assert!(local_path("/console/records?q=a"));
    assert!(!local_path("//evil.example/x"));
    assert!(!local_path("https://evil.example/"));
    assert!(!local_path("/\\evil"));
}

#[test]
fn console_dates_become_date_times() {
    assert_eq!(
        super::console::datetime_of("2026-05-01").as_deref(),
        Some("2026-05-01T00:00:00Z")
    );
    assert_eq!(super::console::datetime_of("someday"), None);
}
