//! The authorization server's own pages: plain, small, labelled HTML (no script, no styles
//! beyond the browser's) — the consent form, the sign-in prompt and the error page. They
//! cannot be framed (clickjacking) or cached.

use std::fmt::Write as _;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// A page with this status, title and body (already HTML).
fn page(status: StatusCode, title: &str, body: &str) -> Response {
    let html = format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
<title>{} · ler</title></head><body><main>{body}</main></body></html>\n",
        esc(title)
    );
    let mut res = (status, html).into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; frame-ancestors 'none'; base-uri 'none'"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    res
}

/// Escapes text for HTML content and attribute values.
pub(crate) fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
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

/// An authorization request that cannot be sent back to the client (unknown client, or a
/// redirect URI it did not register): said to the person, never redirected.
pub(crate) fn error(status: StatusCode, message: &str) -> Response {
    page(
        status,
        "Authorization failed",
        &format!(
            "<h1>This authorization request cannot be completed</h1><p role=\"alert\">{}</p>\
<p>Go back to the application you came from and try again, or tell its makers.</p>",
            esc(message)
        ),
    )
}

/// The holder is not signed in to a wallet here: a link to sign in that comes back to `here`
/// (the wallet's sign-in takes it as `next`), and a link to come back by hand.
pub(crate) fn sign_in(client_name: &str, here: &str) -> Response {
    page(
        StatusCode::OK,
        "Sign in to continue",
        &format!(
            "<h1>Sign in to your wallet</h1>\
<p><strong>{}</strong> asks for access to your wallet. Sign in first; you will come back to this page.</p>\
<p><a href=\"/me?next={}\">Sign in to your wallet</a></p>\
<p><a href=\"{}\">I have signed in: continue</a></p>",
            esc(client_name),
            esc(&crate::web::html::url_param(here)),
            esc(here)
        ),
    )
}

/// What the consent form shows and sends back.
pub(crate) struct Consent<'a> {
    /// The client's registered name.
    pub client_name: &'a str,
    /// Its home page.
    pub client_uri: Option<&'a str>,
    /// The signed-in holder's email, so they know which wallet.
    pub holder_email: &'a str,
    /// The scopes asked for, with what each allows.
    pub scopes: Vec<(&'a str, &'a str)>,
    /// Where the answer goes.
    pub redirect_uri: &'a str,
    /// The request's parameters, sent back as hidden fields.
    pub fields: Vec<(&'a str, &'a str)>,
    /// The wallet session's CSRF token.
    pub csrf: &'a str,
}

/// The consent form: who asks, for what, with Allow and Deny.
pub(crate) fn consent(c: &Consent<'_>) -> Response {
    let mut body = format!(
        "<h1>Allow {} to use your wallet?</h1><p>You are signed in as <strong>{}</strong>.</p>",
        esc(c.client_name),
        esc(c.holder_email)
    );
    if let Some(uri) = c.client_uri {
        let _ = write!(
            body,
            "<p>The application says it is at <a href=\"{0}\" rel=\"noreferrer\">{0}</a>.</p>",
            esc(uri)
        );
    }
    body.push_str("<h2 id=\"asks\">It asks to</h2><ul aria-labelledby=\"asks\">");
    for (scope, what) in &c.scopes {
        let _ = write!(
            body,
            "<li>{} <small>({})</small></li>",
            esc(what),
            esc(scope)
        );
    }
    let _ = write!(
        body,
        "</ul><p>If you allow it, you are sent back to <strong>{}</strong>. \
You can take the access back at any time.</p>\
<form method=\"post\" action=\"/oauth/authorize\" aria-label=\"Your answer\">",
        esc(c.redirect_uri)
    );
    for (name, value) in &c.fields {
        let _ = write!(
            body,
            "<input type=\"hidden\" name=\"{}\" value=\"{}\">",
            esc(name),
            esc(value)
        );
    }
    let _ = write!(
        body,
        "<input type=\"hidden\" name=\"csrf\" value=\"{}\">\
<button type=\"submit\" name=\"decision\" value=\"allow\">Allow</button> \
<button type=\"submit\" name=\"decision\" value=\"deny\">Deny</button></form>",
        esc(c.csrf)
    );
    page(StatusCode::OK, "Allow access?", &body)
}
