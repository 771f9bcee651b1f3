//! The route table, with its limits: 1 MB bodies (2 MB for verify), a 10-second timeout, rate
//! limits on login and verify, metrics on everything, problem details for every error.

use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::middleware::{from_fn, from_fn_with_state};
use axum::routing::{get, post};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;

use crate::{AppState, auth, catalog, ops, status, vcalm, verify};

/// Largest request body, in bytes.
pub const MAX_BODY: usize = 1024 * 1024;
/// Largest body of a verify request, in bytes.
pub const MAX_VERIFY_BODY: usize = 2 * 1024 * 1024;
/// Time allowed to answer a request.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// The service's routes over `state`.
pub fn router(state: AppState) -> Router {
    let verify = Router::new()
        .route("/credentials/verify", post(verify::verify_credential))
        .route("/presentations/verify", post(verify::verify_presentation))
        .layer(from_fn_with_state(state.clone(), ops::limit_verify))
        .layer(RequestBodyLimitLayer::new(MAX_VERIFY_BODY));
    let login = Router::new()
        .route("/login", post(auth::login))
        .layer(from_fn_with_state(state.clone(), ops::limit_login));
    let rest = Router::new()
        .route("/healthz", get(ops::healthz))
        .route("/readyz", get(ops::readyz))
        .route("/metrics", get(ops::metrics))
        .route("/openapi.json", get(ops::openapi))
        .route("/docs", get(ops::docs))
        .route("/credentials/issue", post(vcalm::issue))
        .route("/credentials/status", post(vcalm::update_status))
        .route("/challenges", post(verify::challenge))
        .route("/logout", post(auth::logout))
        .route("/orgs/{slug}/did.json", get(ops::did_json))
        .route("/orgs/{slug}/status/{list_id}", get(status::get_list))
        .route(
            "/orgs/{slug}/achievements",
            get(catalog::list_achievements).post(catalog::create_achievement),
        )
        .route(
            "/orgs/{slug}/achievements/{id}",
            get(catalog::get_achievement)
                .put(catalog::put_achievement)
                .delete(catalog::delete_achievement),
        )
        .route("/orgs/{slug}/issue", post(catalog::issue_achievement))
        .route("/orgs/{slug}/credentials", get(catalog::list_credentials))
        .merge(login)
        .layer(RequestBodyLimitLayer::new(MAX_BODY));
    Router::new()
        .merge(rest)
        .merge(verify)
        .merge(crate::web::routes(&state))
        .merge(crate::wallet::routes(&state))
        .merge(crate::ob3::routes(&state))
        .merge(crate::webhooks::routes())
        .merge(crate::batch::routes())
        .merge(crate::cbo::routes())
        .layer(from_fn_with_state(state.clone(), crate::web::share_pages))
        .layer(DefaultBodyLimit::disable())
        .layer(from_fn_with_state(state.clone(), ops::track))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            REQUEST_TIMEOUT,
        ))
        .layer(from_fn(ops::problem_json))
        .with_state(state)
}
