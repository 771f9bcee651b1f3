//! Hand-written templates: [`esc`], the one escaping helper every page uses for text and
//! attribute values, the page shell ([`page`]) and small pieces (fields, notices, icons).

use std::fmt::Write as _;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::i18n::{Lang, t};
use super::{Ctx, assets};

/// Escapes text for HTML element content and quoted attribute values.
pub fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The message `key`, escaped.
pub fn tx(lang: Lang, key: &str) -> String {
    esc(t(lang, key))
}

/// Percent-encodes a query parameter value.
pub fn url_param(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~' | b'/') {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// Whether a URL may be shown as a link or an image: http(s), or a `data:image/` URL for
/// images (never `javascript:` or other schemes).
pub fn safe_url(url: &str, image: bool) -> bool {
    let lower = url.trim().to_ascii_lowercase();
    lower.starts_with("https://")
        || lower.starts_with("http://")
        || (image && lower.starts_with("data:image/") && !lower.starts_with("data:image/svg"))
}

/// An inline icon (decorative: the text next to it says the same).
pub fn icon(name: &str) -> &'static str {
    match name {
        "ok" => {
            "<svg class=\"icon\" aria-hidden=\"true\" viewBox=\"0 0 24 24\"><path d=\"M9 16.2 4.8 12l-1.4 1.4L9 19 21 7l-1.4-1.4z\"/></svg>"
        }
        "bad" => {
            "<svg class=\"icon\" aria-hidden=\"true\" viewBox=\"0 0 24 24\"><path d=\"M19 6.4 17.6 5 12 10.6 6.4 5 5 6.4 10.6 12 5 17.6 6.4 19 12 13.4 17.6 19 19 17.6 13.4 12z\"/></svg>"
        }
        _ => {
            "<svg class=\"icon\" aria-hidden=\"true\" viewBox=\"0 0 24 24\"><path d=\"M11 7h2v2h-2zm0 4h2v6h-2zm1-9a10 10 0 1 0 0 20 10 10 0 0 0 0-20zm0 18a8 8 0 1 1 0-16 8 8 0 0 1 0 16z\"/></svg>"
        }
    }
}

/// A notice: `kind` is `ok`, `bad` or `info`; `text` is already HTML.
pub fn notice(kind: &str, text: &str) -> String {
    let role = if kind == "bad" { "alert" } else { "status" };
    format!(
        "<div class=\"notice {kind}\" role=\"{role}\">{}<span>{text}</span></div>",
        icon(kind)
    )
}

/// A labelled text input. `attrs` are extra attributes (already HTML).
pub fn input(id: &str, label: &str, value: &str, attrs: &str) -> String {
    format!(
        "<div class=\"field\"><label for=\"{id}\">{}</label><input id=\"{id}\" name=\"{id}\" value=\"{}\" {attrs}></div>",
        esc(label),
        esc(value)
    )
}

/// A labelled text input with a hint under the label.
pub fn input_hint(id: &str, label: &str, hint: &str, value: &str, attrs: &str) -> String {
    format!(
        "<div class=\"field\"><label for=\"{id}\">{}</label><p class=\"hint\" id=\"{id}-hint\">{}</p><input id=\"{id}\" name=\"{id}\" value=\"{}\" aria-describedby=\"{id}-hint\" {attrs}></div>",
        esc(label),
        esc(hint),
        esc(value)
    )
}

/// A labelled textarea.
pub fn textarea(id: &str, label: &str, value: &str, attrs: &str) -> String {
    format!(
        "<div class=\"field\"><label for=\"{id}\">{}</label><textarea id=\"{id}\" name=\"{id}\" {attrs}>{}</textarea></div>",
        esc(label),
        esc(value)
    )
}

/// The hidden CSRF field of a form.
pub fn csrf_field(csrf: &str) -> String {
    format!(
        "<input type=\"hidden\" name=\"csrf\" value=\"{}\">",
        esc(csrf)
    )
}

/// A whole page: the shell (header with navigation and the language switch, main, footer)
/// around `body`, which is already HTML.
pub fn page(ctx: &Ctx, title: &str, body: &str) -> String {
    let lang = ctx.lang;
    let mut nav = String::new();
    for (href, key, section) in [
        ("/verify", "nav.verify", "verify"),
        ("/me", "nav.wallet", "wallet"),
        ("/console", "nav.console", "console"),
    ] {
        let current = if ctx.section == section {
            " aria-current=\"page\""
        } else {
            ""
        };
        let _ = write!(nav, "<a href=\"{href}\"{current}>{}</a>", tx(lang, key));
    }
    let mut switch = String::new();
    for other in Lang::ALL.iter().filter(|l| **l != lang) {
        let _ = write!(
            switch,
            "<a class=\"lang\" href=\"/lang?to={code}&amp;next={next}\" hreflang=\"{code}\" lang=\"{code}\">{name}</a>",
            code = other.code(),
            next = esc(&url_param(&ctx.path)),
            name = other.own_name()
        );
    }
    format!(
        "<!doctype html>\n<html lang=\"{code}\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
<title>{title} · ler</title><link rel=\"icon\" href=\"data:,\">\
<link rel=\"stylesheet\" href=\"{css}\"><script src=\"{js}\" defer></script></head>\
<body><a class=\"skip\" href=\"#main\">{skip}</a>\
<header class=\"top\"><div class=\"wrap bar\"><a class=\"brand\" href=\"/\">ler</a>\
<nav aria-label=\"{navlabel}\">{nav}</nav>{switch}</div></header>\
<main id=\"main\" class=\"wrap\">{body}</main>\
<footer class=\"wrap\"><p>{footer}</p></footer></body></html>",
        code = lang.code(),
        title = esc(title),
        css = assets::CSS_URL.as_str(),
        js = assets::JS_URL.as_str(),
        skip = tx(lang, "common.skip"),
        navlabel = tx(lang, "nav.label"),
        footer = tx(lang, "common.footer"),
    )
}

/// An HTML response with the headers every page gets: no caching of personal pages, no
/// referrer (share links carry tokens), a strict content security policy.
pub fn respond(status: StatusCode, html: String) -> Response {
    let mut res = (status, html).into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; img-src 'self' data: https:; style-src 'self'; script-src 'self'; \
             connect-src 'self'; media-src 'self' blob:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    res
}

/// A 200 page.
pub fn ok(html: String) -> Response {
    respond(StatusCode::OK, html)
}

/// A 303 redirect to a path of this site.
pub fn redirect(to: &str) -> Response {
    let mut res = StatusCode::SEE_OTHER.into_response();
    if let Ok(v) = HeaderValue::from_str(to) {
        res.headers_mut().insert(header::LOCATION, v);
    }
    res
}

/// Whether `next` is a path on this site (so a redirect cannot leave it).
pub fn local_path(next: &str) -> bool {
    next.starts_with('/') && !next.starts_with("//") && !next.contains(['\\', '\r', '\n'])
}

/// Marks a table to stack into one card per row on narrow screens: each cell gets the label
/// of its column (`labels`, already HTML) to show above it.
pub fn stack(table: &str, labels: &[String]) -> String {
    let mut out = String::with_capacity(table.len() + labels.len() * 64);
    let mut column = 0;
    let mut rest = table;
    while let Some(at) = rest.find('<') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        if rest.starts_with("<tr") {
            column = 0;
        } else if rest.starts_with("<td") {
            let _ = write!(
                out,
                "<td data-label=\"{}\"",
                labels.get(column).map_or("", String::as_str)
            );
            rest = &rest[3..];
            column += 1;
            continue;
        } else if rest.starts_with("<table") {
            out.push_str("<table class=\"stack\"");
            rest = &rest[6..];
            continue;
        }
        out.push('<');
        rest = &rest[1..];
    }
    out.push_str(rest);
    out
}

/// A date-time as its date (`2026-05-01T…` → `2026-05-01`), for display.
pub fn date(text: &str) -> &str {
    text.get(..10)
        .filter(|d| d.as_bytes().get(4) == Some(&b'-'))
        .unwrap_or(text)
}
