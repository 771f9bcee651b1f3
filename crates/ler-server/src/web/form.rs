//! HTML form bodies: `application/x-www-form-urlencoded`, and `multipart/form-data` for file
//! uploads (a small parser: parts, their names, file names and bytes), read within the route's
//! size limit.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::header;
use axum::response::{IntoResponse, Response};

/// An uploaded file.
#[derive(Debug, Clone, Default)]
pub struct Upload {
    /// Its bytes.
    pub bytes: Vec<u8>,
}

/// A submitted form: text fields (the last value of a name wins; [`Form::all`] keeps every
/// value) and uploaded files (empty file inputs are left out).
#[derive(Debug, Default)]
pub struct Form {
    fields: Vec<(String, String)>,
    files: HashMap<String, Upload>,
}

impl Form {
    /// A field's value, trimmed; `""` when absent.
    pub fn get(&self, name: &str) -> &str {
        self.fields
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map_or("", |(_, v)| v.trim())
    }

    /// Every value of a field, in order (repeated inputs, such as alignment rows).
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.fields
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// An uploaded file, if one was chosen.
    pub fn file(&self, name: &str) -> Option<&Upload> {
        self.files.get(name)
    }

    /// A form from urlencoded bytes.
    pub fn urlencoded(bytes: &[u8]) -> Form {
        Form {
            fields: crate::body::serde_urlencoded_pairs(bytes),
            files: HashMap::new(),
        }
    }

    /// A form from a multipart body with this boundary.
    pub fn multipart(body: &[u8], boundary: &str) -> Result<Form, &'static str> {
        let mut form = Form::default();
        for part in parts(body, boundary)? {
            let (name, filename) = disposition(&part.headers).ok_or("a part has no name")?;
            match filename {
                Some(filename) => {
                    if !part.body.is_empty() || !filename.is_empty() {
                        if part.body.is_empty() {
                            continue;
                        }
                        form.files.insert(
                            name,
                            Upload {
                                bytes: part.body.to_vec(),
                            },
                        );
                    }
                }
                None => form
                    .fields
                    .push((name, String::from_utf8_lossy(part.body).into_owned())),
            }
        }
        Ok(form)
    }
}

/// One part of a multipart body.
struct Part<'a> {
    headers: String,
    body: &'a [u8],
}

fn find(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    if needle.is_empty() || from > haystack.len() {
        return None;
    }
    haystack[from..]
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|i| i + from)
}

/// Splits a multipart body (RFC 7578) into its parts.
fn parts<'a>(body: &'a [u8], boundary: &str) -> Result<Vec<Part<'a>>, &'static str> {
    let bad = "the form data is not readable";
    let delimiter = format!("--{boundary}");
    let next_delimiter = format!("\r\n--{boundary}");
    let mut at = find(body, delimiter.as_bytes(), 0).ok_or(bad)? + delimiter.len();
    let mut out = Vec::new();
    loop {
        if body[at..].starts_with(b"--") {
            return Ok(out);
        }
        if !body[at..].starts_with(b"\r\n") {
            return Err(bad);
        }
        at += 2;
        let head_end = find(body, b"\r\n\r\n", at).ok_or(bad)?;
        let headers = String::from_utf8_lossy(&body[at..head_end]).into_owned();
        let content = head_end + 4;
        let end = find(body, next_delimiter.as_bytes(), content).ok_or(bad)?;
        out.push(Part {
            headers,
            body: &body[content..end],
        });
        at = end + next_delimiter.len();
        if out.len() > 100 {
            return Err("the form has too many parts");
        }
    }
}

/// The `name` and `filename` of a part's `Content-Disposition`.
fn disposition(headers: &str) -> Option<(String, Option<String>)> {
    let line = headers.lines().find(|l| {
        l.split(':')
            .next()
            .is_some_and(|n| n.trim().eq_ignore_ascii_case("content-disposition"))
    })?;
    let params = line.split_once(':')?.1;
    let param = |key: &str| -> Option<String> {
        params.split(';').find_map(|p| {
            let (k, v) = p.trim().split_once('=')?;
            (k.trim().eq_ignore_ascii_case(key))
                .then(|| v.trim().trim_matches('"').replace("\\\"", "\""))
        })
    };
    Some((param("name")?, param("filename")))
}

/// The boundary of a `multipart/form-data` content type.
pub(crate) fn boundary(content_type: &str) -> Option<String> {
    let (kind, params) = content_type.split_once(';')?;
    if !kind.trim().eq_ignore_ascii_case("multipart/form-data") {
        return None;
    }
    params.split(';').find_map(|p| {
        let (k, v) = p.trim().split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case("boundary")
            .then(|| v.trim().trim_matches('"').to_string())
            .filter(|b| !b.is_empty() && b.len() <= 200)
    })
}

impl<S: Send + Sync> FromRequest<S> for Form {
    type Rejection = Response;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let content_type = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        // Over the route's size limit this is a 413, which the router answers as a problem.
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(IntoResponse::into_response)?;
        if let Some(b) = boundary(&content_type) {
            return Form::multipart(&bytes, &b)
                .map_err(|m| crate::AppError::BadRequest(m.to_string()).into_response());
        }
        Ok(Form::urlencoded(&bytes))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_multipart_fields_and_files() {
        let body = b"--XyZ\r\nContent-Disposition: form-data; name=\"text\"\r\n\r\nhello\r\n--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.json\"\r\nContent-Type: application/json\r\n\r\n{\"a\":1}\r\n--XyZ\r\nContent-Disposition: form-data; name=\"empty\"; filename=\"\"\r\n\r\n\r\n--XyZ--\r\n";
        let form = Form::multipart(body, "XyZ").expect("parses");
        assert_eq!(form.get("text"), "hello");
        let file = form.file("file").expect("file");
        assert_eq!(file.bytes, b"{\"a\":1}");
        assert!(form.file("empty").is_none());
        assert_eq!(
            boundary("multipart/form-data; boundary=\"XyZ\"").as_deref(),
            Some("XyZ")
        );
    }

    #[test]
    fn refuses_truncated_multipart() {
        let body = b"--XyZ\r\nContent-Disposition: form-data; name=\"text\"\r\n\r\nhello";
        assert!(Form::multipart(body, "XyZ").is_err());
    }

    #[test]
    fn reads_urlencoded_repeated_fields() {
        let form = Form::urlencoded(b"a=1&b=x+y&a=2");
        assert_eq!(form.get("b"), "x y");
        assert_eq!(form.all("a"), vec!["1", "2"]);
        assert_eq!(form.get("a"), "2");
    }
}
