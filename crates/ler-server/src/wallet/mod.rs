//! The workers' wallets over HTTP (`/wallet/…`, `/share/…`, and the organization side of
//! claim links, delivery and grants): a JSON API the wallet's web pages are built on.
//!
//! A holder signs up and in with a cookie session of its own ([`account`]); receives records
//! by upload, paste, URL, claim link or an issuer's direct delivery, each verified and stored
//! with its report ([`receive`]); sees them with their status re-checked ([`records`]); gives
//! and revokes consent, reads its access log and presents granted records ([`consent`]);
//! recipients read what a grant gives through a share link or, for organizations in ler, with
//! their API key or staff session ([`disclose`]); and everything comes out again as an export
//! bundle or a printable LER ([`takeout`]).
//!
//! The rules that matter live in the layers below: records and grants are sealed by
//! `ler-wallet` under the holder's data key before they reach the store, and every read
//! through a grant is decided, counted and logged by `Store::authorize_access` in one
//! transaction, so no read is served after a revocation commits. A recipient is told nothing
//! but 404 when a link or grant does not give it something.

mod account;
mod consent;
pub(crate) mod disclose;
mod issuer;
pub(crate) mod receive;
mod records;
mod takeout;

#[cfg(test)]
mod tests;

use std::collections::HashMap;
use std::sync::Mutex;

use axum::Router;
use axum::http::{HeaderMap, HeaderValue, Method, header};
use axum::middleware::from_fn_with_state;
use axum::routing::{get, post};
use ler_store::{Holder, HolderSession};
use ler_wallet::{DataKey, Record, WalletError};
use serde_json::Value;
use tower_http::limit::RequestBodyLimitLayer;

use crate::{AppError, AppState, ids, ops};

/// The holder's session cookie (apart from the staff's, so one browser can hold both).
pub const WALLET_COOKIE: &str = "ler_wallet";
/// How long a holder's session lasts, in seconds.
const SESSION_SECONDS: i64 = 12 * 3600;
/// How long a record's re-checked status is reused, in seconds.
pub const STATUS_TTL: i64 = 60;
/// Most re-checked statuses kept in memory.
const STATUS_CAPACITY: usize = 10_000;
/// Largest upload of a record: a baked image may be this large (`ler_bake::MAX_IMAGE_BYTES`,
/// which `ler_wallet::read_credential` and the verifier accept).
pub const MAX_RECORD_BODY: usize = 10 * 1024 * 1024;
/// Largest export bundle an import reads.
pub const MAX_IMPORT_BODY: usize = 16 * 1024 * 1024;

/// The routes of the wallet API, with their limits; [`crate::router`] merges them.
pub(crate) fn routes(state: &AppState) -> Router<AppState> {
    let limited = Router::new()
        .route("/wallet/signup", post(account::signup))
        .route("/wallet/login", post(account::login))
        .route("/wallet/key/export", post(account::export_key))
        .layer(from_fn_with_state(state.clone(), ops::limit_login))
        .layer(RequestBodyLimitLayer::new(crate::routes::MAX_BODY));
    let uploads = Router::new()
        .route(
            "/wallet/records",
            get(records::list).post(receive::add_record),
        )
        .layer(RequestBodyLimitLayer::new(MAX_RECORD_BODY));
    let import = Router::new()
        .route("/wallet/import", post(takeout::import))
        .layer(RequestBodyLimitLayer::new(MAX_IMPORT_BODY));
    let rest = Router::new()
        .route("/wallet/logout", post(account::logout))
        .route("/wallet/me", get(account::me).delete(account::erase))
        .route(
            "/wallet/records/{id}",
            get(records::detail).delete(records::remove),
        )
        .route("/wallet/claim/{token}", post(receive::claim))
        .route(
            "/wallet/grants",
            get(consent::list_grants).post(consent::create_grant),
        )
        .route("/wallet/grants/{id}/revoke", post(consent::revoke_grant))
        .route("/wallet/log", get(consent::access_log))
        .route("/wallet/present", post(consent::present))
        .route("/wallet/export", get(takeout::export))
        .route("/wallet/print", post(takeout::print_html))
        .route("/wallet/print.pdf", post(takeout::print_pdf))
        .route("/share/{token}", get(disclose::share))
        .route("/share/{token}/{record_id}", get(disclose::share_record))
        .route("/orgs/{slug}/grants", get(disclose::org_grants))
        .route(
            "/orgs/{slug}/grants/{id}/records",
            get(disclose::org_grant_records),
        )
        .route(
            "/orgs/{slug}/credentials/{id}/claim-link",
            post(issuer::claim_link),
        )
        .route(
            "/orgs/{slug}/credentials/{id}/claim-link.svg",
            get(issuer::claim_link_svg),
        )
        .route("/orgs/{slug}/deliver", post(issuer::deliver))
        .layer(RequestBodyLimitLayer::new(crate::routes::MAX_BODY));
    Router::new()
        .merge(limited)
        .merge(uploads)
        .merge(import)
        .merge(rest)
}

/// The pseudonym secret used when none is configured: HMAC-SHA-256 of a fixed label under the
/// KEK, so it is as secret as the KEK, the same on every instance sharing it, and never stored.
pub(crate) fn derived_pseudonym_secret(kek: &ler_crypto::Kek) -> ler_crypto::Zeroizing<Vec<u8>> {
    let kek_text = kek.to_base64();
    ler_crypto::Zeroizing::new(
        ler_wallet::hmac_sha256(kek_text.as_bytes(), b"ler-server pseudonym secret v1").to_vec(),
    )
}

/// What the wallets keep in memory: the re-checked status of records (report and when),
/// by holder and record.
#[derive(Default)]
pub(crate) struct WalletCache {
    status: Mutex<HashMap<(String, String), (i64, Value)>>,
}

impl WalletCache {
    /// A report checked less than [`STATUS_TTL`] seconds before `now`, and when.
    fn status(&self, holder_id: &str, record_id: &str, now: i64) -> Option<(i64, Value)> {
        let cache = self.status.lock().ok()?;
        cache
            .get(&(holder_id.to_owned(), record_id.to_owned()))
            .filter(|(at, _)| now - *at < STATUS_TTL && now >= *at)
            .cloned()
    }

    pub(crate) fn put_status(&self, holder_id: &str, record_id: &str, at: i64, report: Value) {
        if let Ok(mut cache) = self.status.lock() {
            if cache.len() >= STATUS_CAPACITY {
                cache.retain(|_, (checked, _)| at - *checked < STATUS_TTL);
                if cache.len() >= STATUS_CAPACITY {
                    cache.clear();
                }
            }
            cache.insert((holder_id.to_owned(), record_id.to_owned()), (at, report));
        }
    }

    /// Forgets a holder's statuses (erasure) or one record's (deletion).
    pub(crate) fn forget(&self, holder_id: &str, record_id: Option<&str>) {
        if let Ok(mut cache) = self.status.lock() {
            cache.retain(|(h, r), _| h != holder_id || record_id.is_some_and(|id| id != r));
        }
    }
}

impl From<WalletError> for AppError {
    fn from(e: WalletError) -> AppError {
        match e {
            WalletError::Invalid { what, reason } if !what.starts_with("stored") => {
                AppError::invalid(&format!("invalid {what}"), reason)
            }
            WalletError::Grant(reason) => AppError::invalid("invalid grant", reason),
            e @ WalletError::NotSelectivelyDisclosable(_) => {
                AppError::invalid("not selectively disclosable", e.to_string())
            }
            other => AppError::Internal(format!("wallet: {other}")),
        }
    }
}

/// A signed-in holder.
pub(crate) struct Signed {
    /// The holder.
    pub holder: Holder,
    /// The session (its CSRF token, its hash).
    pub session: HolderSession,
}

impl Signed {
    /// The holder's data key, unwrapped.
    pub fn data_key(&self, state: &AppState) -> Result<DataKey, AppError> {
        data_key(state, &self.holder)
    }
}

/// A holder's data key, unwrapped by the KEK.
pub(crate) fn data_key(state: &AppState, holder: &Holder) -> Result<DataKey, AppError> {
    DataKey::unwrap(&state.kek, &holder.id, &holder.wrapped_data_key)
        .map_err(|e| AppError::Internal(format!("holder {}'s data key: {e}", holder.id)))
}

/// The holder's session token from the cookie, if any.
fn session_token(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == WALLET_COOKIE)
        .map(|(_, value)| value.to_string())
}

/// The signed-in holder of a request. State-changing requests must echo the session's CSRF
/// token (header `X-CSRF-Token`, or `csrf` in a form or JSON body).
pub(crate) async fn signed_in(
    state: &AppState,
    headers: &HeaderMap,
    method: &Method,
    body_csrf: Option<&str>,
) -> Result<Signed, AppError> {
    let token = session_token(headers)
        .ok_or_else(|| AppError::Unauthorized("sign in to your wallet".into()))?;
    let (session, holder) = state
        .store
        .holder_session(&ids::sha256_hex(&token), state.now())
        .await?
        .ok_or_else(|| AppError::Unauthorized("the session has ended; sign in again".into()))?;
    let changes_state = !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS);
    if changes_state {
        let sent = headers
            .get(crate::auth::CSRF_HEADER)
            .and_then(|v| v.to_str().ok())
            .or(body_csrf);
        let ok = sent.is_some_and(|s| ids::constant_time_eq(s.as_bytes(), session.csrf.as_bytes()));
        if !ok {
            return Err(AppError::Forbidden(
                "the CSRF token is missing or wrong: send the token from sign-in in the X-CSRF-Token header".into(),
            ));
        }
    }
    Ok(Signed { holder, session })
}

/// The `Set-Cookie` value of a holder's session (`None`: clear it).
fn session_cookie(state: &AppState, token: Option<&str>) -> Result<HeaderValue, AppError> {
    let secure = if state.public_url.is_https() {
        "; Secure"
    } else {
        ""
    };
    let text = match token {
        Some(token) => format!(
            "{WALLET_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={SESSION_SECONDS}{secure}"
        ),
        None => format!("{WALLET_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{secure}"),
    };
    HeaderValue::from_str(&text).map_err(|e| AppError::Internal(format!("session cookie: {e}")))
}

/// Every record of a holder, opened, oldest first.
pub(crate) async fn holder_records(
    state: &AppState,
    holder: &Holder,
    key: &DataKey,
) -> Result<Vec<Record>, AppError> {
    let rows = state.store.wallet_records(&holder.id).await?;
    rows.iter()
        .map(|row| Record::open(key, &holder.id, &row.id, &row.sealed).map_err(AppError::from))
        .collect()
}

/// A string member of a request, trimmed; `None` when absent or null.
fn text_field(
    fields: &serde_json::Map<String, Value>,
    name: &str,
) -> Result<Option<String>, AppError> {
    match fields.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.trim().to_owned())),
        Some(_) => Err(AppError::BadRequest(format!("{name} must be a string"))),
    }
}

/// A required string member of a request.
fn required(fields: &serde_json::Map<String, Value>, name: &str) -> Result<String, AppError> {
    text_field(fields, name)?
        .filter(|s| !s.is_empty())
        .ok_or_else(|| AppError::BadRequest(format!("{name} is required")))
}

/// A response header that keeps what it is on out of caches.
const NO_STORE: (header::HeaderName, HeaderValue) =
    (header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
