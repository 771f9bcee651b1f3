//! The one error type of the service: every failure becomes an `application/problem+json`
//! answer (RFC 9457); internal causes go to the log, never to the client.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// The media type of problem details.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// A request that could not be served, and why.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AppError {
    /// The request is malformed (not JSON, a required member missing).
    #[error("{0}")]
    BadRequest(String),
    /// No credentials, or credentials that authenticate nobody.
    #[error("{0}")]
    Unauthorized(String),
    /// Authenticated, but not allowed to do this.
    #[error("{0}")]
    Forbidden(String),
    /// The resource does not exist.
    #[error("{0}")]
    NotFound(String),
    /// The resource exists already, or its state forbids the change.
    #[error("{0}")]
    Conflict(String),
    /// The request is well-formed but its content is not acceptable.
    #[error("{detail}")]
    Unprocessable {
        /// Short title (`invalid credential`, …).
        title: String,
        /// What is wrong, in plain words.
        detail: String,
    },
    /// The resource existed but is no more (a used or expired claim link).
    #[error("{0}")]
    Gone(String),
    /// Too many requests from this client.
    #[error("too many requests; try again in a moment")]
    TooManyRequests,
    /// The store is not answering (`/readyz`).
    #[error("{0}")]
    Unavailable(String),
    /// Something failed inside the service; the cause is logged, not returned.
    #[error("internal error: {0}")]
    Internal(String),
}

impl AppError {
    /// An unprocessable-content error.
    pub fn invalid(title: &str, detail: impl Into<String>) -> AppError {
        AppError::Unprocessable {
            title: title.into(),
            detail: detail.into(),
        }
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        match self {
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            AppError::Forbidden(_) => StatusCode::FORBIDDEN,
            AppError::NotFound(_) => StatusCode::NOT_FOUND,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::Unprocessable { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Gone(_) => StatusCode::GONE,
            AppError::TooManyRequests => StatusCode::TOO_MANY_REQUESTS,
            AppError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl From<ler_store::StoreError> for AppError {
    fn from(e: ler_store::StoreError) -> AppError {
        match e {
            ler_store::StoreError::Conflict(what) => {
                AppError::Conflict(format!("{what} already exists"))
            }
            ler_store::StoreError::NotFound(what) => {
                AppError::NotFound(format!("{what} not found"))
            }
            other => AppError::Internal(other.to_string()),
        }
    }
}

/// A problem details response.
pub fn problem(status: StatusCode, title: &str, detail: &str) -> Response {
    let slug = title.to_ascii_lowercase().replace(' ', "-");
    let body = json!({
        "type": format!("https://ler.dev/problems/{slug}"),
        "title": title,
        "status": status.as_u16(),
        "detail": detail,
    });
    let mut res = (status, body.to_string()).into_response();
    res.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
    res
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let status = self.status();
        if let AppError::Internal(cause) = &self {
            tracing::error!(%cause, "internal error");
            return problem(
                status,
                "internal error",
                "the service could not complete the request",
            );
        }
        let title = match &self {
            AppError::Unprocessable { title, .. } => title.clone(),
            _ => status
                .canonical_reason()
                .unwrap_or("error")
                .to_ascii_lowercase(),
        };
        let mut res = problem(status, &title, &self.to_string());
        if status == StatusCode::UNAUTHORIZED {
            res.headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        if status == StatusCode::TOO_MANY_REQUESTS {
            res.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        }
        res
    }
}
