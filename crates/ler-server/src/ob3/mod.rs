//! The 1EdTech Open Badges 3.0 and CLR 2.0 REST APIs (`/ims/ob/v3p0/…`, `/ims/clr/v2p0/…`)
//! and the OAuth 2.0 authorization server they require (`/oauth/…`).
//!
//! The two APIs model a holder's credential store, so here they are a door into the workers'
//! wallets: a client registers itself (RFC 7591, [`oauth::register`]), a signed-in wallet
//! holder consents on a page of this service (authorization code with PKCE, S256 only,
//! [`oauth::authorize`]), and the access token then reads and writes that holder's wallet
//! ([`api`]) through the functions the wallet API uses — an upserted credential is verified
//! and stored sealed like an upload, and shows in `/wallet/records`. [`Api`] says which of the
//! two specifications a route follows: the same handlers serve both, with their own scopes,
//! credential type and response member names.
//!
//! Resource errors are the specifications' `Imsx_StatusInfo` JSON ([`Imsx`]); the OAuth
//! endpoints answer RFC 6749 error objects, and the authorization page answers in HTML.

mod api;
mod oauth;
mod page;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::from_fn_with_state;
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};
use ler_store::{Holder, OAuthToken, TokenKind};
use serde_json::json;
use tower_http::limit::RequestBodyLimitLayer;

use crate::{AppError, AppState, ids, ops};

/// The routes of both APIs and of the authorization server; [`crate::router`] merges them.
pub(crate) fn routes(state: &AppState) -> Router<AppState> {
    let register = Router::new()
        .route("/oauth/register", post(oauth::register))
        .layer(from_fn_with_state(state.clone(), ops::limit_login));
    let mut router = Router::new()
        .merge(register)
        .route(
            "/oauth/authorize",
            get(oauth::authorize).post(oauth::decide),
        )
        .route("/oauth/token", post(oauth::token))
        .route("/oauth/revoke", post(oauth::revoke))
        .route(
            "/.well-known/oauth-authorization-server",
            get(oauth::metadata),
        );
    for api in [Api::Ob, Api::Clr] {
        router = router
            .route(
                &format!("{}/discovery", api.base()),
                get(move |s: State<AppState>| api::discovery(s, api))
                    .fallback(api::method_not_allowed),
            )
            .route(
                &format!("{}/credentials", api.base()),
                get(move |s: State<AppState>, h: HeaderMap, q: RawQuery| {
                    api::credentials(s, h, q, api)
                })
                .post(move |s: State<AppState>, h: HeaderMap, b: Bytes| api::upsert(s, h, b, api))
                .fallback(api::method_not_allowed),
            )
            .route(
                &format!("{}/profile", api.base()),
                get(move |s: State<AppState>, h: HeaderMap| api::profile(s, h, api))
                    .put(move |s: State<AppState>, h: HeaderMap, b: Bytes| {
                        api::put_profile(s, h, b, api)
                    })
                    .fallback(api::method_not_allowed),
            )
            .route(&format!("{}/{{*rest}}", api.base()), any(api::not_found));
    }
    router.layer(RequestBodyLimitLayer::new(crate::routes::MAX_BODY))
}

/// Which 1EdTech API a route follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Api {
    /// Open Badges 3.0: `AchievementCredential`s.
    Ob,
    /// CLR 2.0: `ClrCredential`s.
    Clr,
}

/// What an endpoint needs a token to allow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Need {
    /// `getCredentials`.
    CredentialRead,
    /// `upsertCredential`.
    CredentialUpsert,
    /// `getProfile`.
    ProfileRead,
    /// `putProfile`.
    ProfileUpdate,
}

/// The scope that lets a client keep its access while the holder is away: refresh tokens.
pub(crate) const OFFLINE_ACCESS: &str = "offline_access";

impl Api {
    /// The path every route of the API starts with.
    pub fn base(self) -> &'static str {
        match self {
            Api::Ob => "/ims/ob/v3p0",
            Api::Clr => "/ims/clr/v2p0",
        }
    }

    /// The specification's name, for people.
    pub fn title(self) -> &'static str {
        match self {
            Api::Ob => "Open Badges 3.0",
            Api::Clr => "Comprehensive Learner Record 2.0",
        }
    }

    /// The scope an endpoint requires.
    pub fn scope(self, need: Need) -> &'static str {
        match (self, need) {
            (Api::Ob, Need::CredentialRead) => {
                "https://purl.imsglobal.org/spec/ob/v3p0/scope/credential.readonly"
            }
            (Api::Ob, Need::CredentialUpsert) => {
                "https://purl.imsglobal.org/spec/ob/v3p0/scope/credential.upsert"
            }
            (Api::Ob, Need::ProfileRead) => {
                "https://purl.imsglobal.org/spec/ob/v3p0/scope/profile.readonly"
            }
            (Api::Ob, Need::ProfileUpdate) => {
                "https://purl.imsglobal.org/spec/ob/v3p0/scope/profile.update"
            }
            (Api::Clr, Need::CredentialRead) => {
                "https://purl.imsglobal.org/spec/clr/v2p0/scope/credential.readonly"
            }
            (Api::Clr, Need::CredentialUpsert) => {
                "https://purl.imsglobal.org/spec/clr/v2p0/scope/credential.upsert"
            }
            (Api::Clr, Need::ProfileRead) => {
                "https://purl.imsglobal.org/spec/clr/v2p0/scope/profile.readonly"
            }
            (Api::Clr, Need::ProfileUpdate) => {
                "https://purl.imsglobal.org/spec/clr/v2p0/scope/profile.update"
            }
        }
    }

    /// The API's scopes with what each allows, in the words of the consent page.
    pub fn scopes(self) -> [(&'static str, &'static str); 4] {
        match self {
            Api::Ob => [
                (
                    self.scope(Need::CredentialRead),
                    "Read the Open Badges in your wallet",
                ),
                (
                    self.scope(Need::CredentialUpsert),
                    "Add Open Badges to your wallet, or replace them",
                ),
                (
                    self.scope(Need::ProfileRead),
                    "Read your profile (your DID, email address and the details you gave)",
                ),
                (self.scope(Need::ProfileUpdate), "Change your profile"),
            ],
            Api::Clr => [
                (
                    self.scope(Need::CredentialRead),
                    "Read the learner records (CLRs) in your wallet",
                ),
                (
                    self.scope(Need::CredentialUpsert),
                    "Add learner records (CLRs) to your wallet, or replace them",
                ),
                (
                    self.scope(Need::ProfileRead),
                    "Read your profile (your DID, email address and the details you gave)",
                ),
                (self.scope(Need::ProfileUpdate), "Change your profile"),
            ],
        }
    }
}

/// Every scope a client may ask for, with what it allows.
pub(crate) fn known_scopes() -> impl Iterator<Item = (&'static str, &'static str)> {
    Api::Ob
        .scopes()
        .into_iter()
        .chain(Api::Clr.scopes())
        .chain([(
            OFFLINE_ACCESS,
            "Keep this access while you are away (until you revoke it)",
        )])
}

/// An error of the resource endpoints, answered as an `Imsx_StatusInfo` (the specifications'
/// error body), with `WWW-Authenticate` on 401 and 403 (RFC 6750).
#[derive(Debug)]
pub(crate) struct Imsx {
    status: StatusCode,
    minor: &'static str,
    description: String,
    /// The scope a 403 is missing.
    scope: Option<&'static str>,
}

impl Imsx {
    /// An error with a status, a code minor value and a description.
    pub fn new(status: StatusCode, minor: &'static str, description: impl Into<String>) -> Imsx {
        Imsx {
            status,
            minor,
            description: description.into(),
            scope: None,
        }
    }

    /// 400 for a malformed or unacceptable body.
    pub fn invalid(description: impl Into<String>) -> Imsx {
        Imsx::new(StatusCode::BAD_REQUEST, "invalid_data", description)
    }

    /// 400 for a query parameter that cannot be used.
    pub fn bad_parameter(description: impl Into<String>) -> Imsx {
        Imsx::new(
            StatusCode::BAD_REQUEST,
            "invalid_query_parameter",
            description,
        )
    }

    fn unauthorized(description: &str) -> Imsx {
        Imsx::new(StatusCode::UNAUTHORIZED, "unauthorizedrequest", description)
    }
}

impl From<AppError> for Imsx {
    fn from(e: AppError) -> Imsx {
        let status = e.status();
        let minor = match status {
            StatusCode::UNAUTHORIZED => "unauthorizedrequest",
            StatusCode::FORBIDDEN => "forbidden",
            StatusCode::NOT_FOUND | StatusCode::GONE => "not_found",
            StatusCode::TOO_MANY_REQUESTS | StatusCode::SERVICE_UNAVAILABLE => "server_busy",
            s if s.is_server_error() => "internal_server_error",
            _ => "invalid_data",
        };
        match e {
            AppError::Internal(cause) => {
                tracing::error!(%cause, "internal error");
                Imsx::new(status, minor, "the service could not complete the request")
            }
            // The specifications answer a bad body with 400.
            AppError::Unprocessable { title, detail } => {
                Imsx::invalid(format!("{title}: {detail}"))
            }
            other => Imsx::new(status, minor, other.to_string()),
        }
    }
}

impl From<ler_store::StoreError> for Imsx {
    fn from(e: ler_store::StoreError) -> Imsx {
        Imsx::from(AppError::from(e))
    }
}

impl From<ler_wallet::WalletError> for Imsx {
    fn from(e: ler_wallet::WalletError) -> Imsx {
        Imsx::from(AppError::from(e))
    }
}

impl IntoResponse for Imsx {
    fn into_response(self) -> Response {
        let body = json!({
            "imsx_codeMajor": "failure",
            "imsx_severity": "error",
            "imsx_description": self.description,
            "imsx_codeMinor": {"imsx_codeMinorField": [{
                "imsx_codeMinorFieldName": "TargetEndSystem",
                "imsx_codeMinorFieldValue": self.minor,
            }]},
        });
        let mut res = (self.status, axum::Json(body)).into_response();
        let challenge = match (self.status, self.scope) {
            (StatusCode::UNAUTHORIZED, _) => {
                Some("Bearer realm=\"ler\", error=\"invalid_token\"".to_owned())
            }
            (StatusCode::FORBIDDEN, Some(scope)) => Some(format!(
                "Bearer realm=\"ler\", error=\"insufficient_scope\", scope=\"{scope}\""
            )),
            _ => None,
        };
        if let Some(v) = challenge.and_then(|c| HeaderValue::from_str(&c).ok()) {
            res.headers_mut().insert(header::WWW_AUTHENTICATE, v);
        }
        if self.status == StatusCode::TOO_MANY_REQUESTS {
            res.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        }
        res
    }
}

/// The holder an access token speaks for, if the token is live and carries the scope `api`
/// requires for `need`: 401 without a live token, 403 without the scope.
pub(crate) async fn token_holder(
    state: &AppState,
    headers: &HeaderMap,
    api: Api,
    need: Need,
) -> Result<(Holder, OAuthToken), Imsx> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Err(Imsx::unauthorized(
            "send an access token: Authorization: Bearer <token>",
        ));
    };
    let token = value
        .to_str()
        .ok()
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, t)| scheme.eq_ignore_ascii_case("bearer") && !t.trim().is_empty())
        .map(|(_, t)| t.trim())
        .ok_or_else(|| Imsx::unauthorized("use Authorization: Bearer <access token>"))?;
    let now = state.now();
    let record = state
        .store
        .oauth_token(&ids::sha256_hex(token))
        .await?
        .filter(|t| t.kind == TokenKind::Access && t.revoked_at.is_none() && now < t.expires_at)
        .ok_or_else(|| {
            Imsx::unauthorized("the access token is not valid (unknown, expired or revoked)")
        })?;
    let holder = state
        .store
        .holder(&record.holder_id)
        .await?
        .ok_or_else(|| Imsx::unauthorized("the access token is not valid"))?;
    let scope = api.scope(need);
    if !record.scope.split(' ').any(|s| s == scope) {
        return Err(Imsx {
            scope: Some(scope),
            ..Imsx::new(
                StatusCode::FORBIDDEN,
                "forbidden",
                format!("this access token does not carry the scope {scope}"),
            )
        });
    }
    Ok((holder, record))
}

/// Percent-encodes a query component (everything but the unreserved characters).
pub(crate) fn pct(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The pairs of a query string, decoded.
pub(crate) fn query_pairs(query: Option<&str>) -> Vec<(String, String)> {
    query.map_or_else(Vec::new, |q| {
        crate::body::serde_urlencoded_pairs(q.as_bytes())
    })
}
