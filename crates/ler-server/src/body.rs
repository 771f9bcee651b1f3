//! Request bodies: JSON or an HTML form, read within the router's size limit.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::header;
use serde_json::{Map, Value};

use crate::AppError;

/// A request body and whether it is a form.
pub struct Body {
    bytes: Bytes,
    form: bool,
}

impl<S: Send + Sync> FromRequest<S> for Body {
    type Rejection = axum::response::Response;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let form = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|t| t.starts_with("application/x-www-form-urlencoded"));
        // Over the size limit this is axum's 413, turned into problem+json by the router.
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(axum::response::IntoResponse::into_response)?;
        Ok(Body { bytes, form })
    }
}

impl Body {
    /// Whether the body is empty (or only whitespace).
    pub fn is_empty(&self) -> bool {
        self.bytes.iter().all(u8::is_ascii_whitespace)
    }

    /// The body as a JSON value (a form becomes an object of strings).
    pub fn json(&self) -> Result<Value, AppError> {
        if self.form {
            return self.fields().map(Value::Object);
        }
        if self.is_empty() {
            return Err(AppError::BadRequest(
                "the request body is empty; send JSON".into(),
            ));
        }
        serde_json::from_slice(&self.bytes)
            .map_err(|e| AppError::BadRequest(format!("the request body is not JSON: {e}")))
    }

    /// The body as an object: a JSON object, or a form's fields.
    pub fn fields(&self) -> Result<Map<String, Value>, AppError> {
        if self.form {
            let pairs: Vec<(String, String)> = serde_urlencoded_pairs(&self.bytes);
            return Ok(pairs
                .into_iter()
                .map(|(k, v)| (k, Value::String(v)))
                .collect());
        }
        match self.json()? {
            Value::Object(m) => Ok(m),
            _ => Err(AppError::BadRequest(
                "the request body must be a JSON object".into(),
            )),
        }
    }
}

/// Decodes `application/x-www-form-urlencoded` pairs.
pub(crate) fn serde_urlencoded_pairs(bytes: &[u8]) -> Vec<(String, String)> {
    let decode = |s: &str| -> String {
        let s = s.replace('+', " ");
        let b = s.as_bytes();
        let mut out = Vec::with_capacity(b.len());
        let mut i = 0;
        while i < b.len() {
            if b[i] == b'%'
                && i + 2 < b.len()
                && let Some(v) = std::str::from_utf8(&b[i + 1..i + 3])
                    .ok()
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
            {
                out.push(v);
                i += 3;
            } else {
                out.push(b[i]);
                i += 1;
            }
        }
        String::from_utf8_lossy(&out).into_owned()
    };
    String::from_utf8_lossy(bytes)
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| match p.split_once('=') {
            Some((k, v)) => (decode(k), decode(v)),
            None => (decode(p), String::new()),
        })
        .collect()
}
