//! Community-based organizations' programs over HTTP (issue 7): a JSON API under
//! `/orgs/<slug>/cbo/…` for the organization's staff (or an API key with the `cbo` scope) and
//! its funders (the `funder` scope or role: aggregate reports only), and the participant's side
//! under `/wallet/programs`. The console and wallet pages are built on it.
//!
//! The rules are `ler-cbo`'s; this module is the glue between them, the store and HTTP:
//! - [`setup`]: skill frameworks (RSD, CASE, CSV) and occupations (O*NET, JSON, CSV) imported,
//!   programs with milestones, target occupations and cohorts, enrolment;
//! - [`people`]: participants, **intake** from a consent grant naming the organization (every
//!   record read through `Store::authorize_access` and verified now), the profile with each
//!   field's provenance and staff corrections beside it, and the skill-gap plan against a
//!   program or occupation;
//! - [`tracking`]: progress recorded when a milestone's achievement is issued to, or arrives
//!   in the wallet of, an enrolled participant ([`issued`], [`received`]), staff entries, and
//!   dashboards per program and cohort;
//! - [`outcomes`]: outcome records (an employer's record shared through a grant, or
//!   self-reported and unverified) and the WIOA reports, released against the release log;
//! - [`participant`]: what a participant sees and decides from their wallet (progress, outcome
//!   consent, self-reported outcomes).
//!
//! Whatever describes a person is sealed under the organization's CBO data key (made on first
//! use, kept wrapped by the KEK) before it reaches the store. Another organization's staff are
//! told 404, as if the organization did not exist.

mod glue;
mod outcomes;
mod participant;
mod people;
mod setup;
mod tracking;

pub(crate) use outcomes::Settings;
pub(crate) use tracking::{awarded, issued, received};

use axum::Router;
use axum::http::{HeaderMap, Method};
use axum::routing::{delete, get, post, put};
use ler_cbo::CboError;
use ler_store::{Org, Scope};
use ler_wallet::DataKey;
use serde_json::Value;
use tower_http::limit::RequestBodyLimitLayer;

use crate::auth::{Principal, authorize};
use crate::{AppError, AppState};

/// Largest framework or occupation file imported (O*NET's whole `Skills.txt` is ~5 MB).
pub const MAX_IMPORT_BODY: usize = 8 * 1024 * 1024;

/// The routes, with their limits; [`crate::router`] merges them.
pub(crate) fn routes() -> Router<AppState> {
    let imports = Router::new()
        .route(
            "/orgs/{slug}/cbo/frameworks",
            get(setup::frameworks).post(setup::import_framework),
        )
        .route(
            "/orgs/{slug}/cbo/occupations",
            get(setup::occupations).post(setup::import_occupations),
        )
        .layer(RequestBodyLimitLayer::new(MAX_IMPORT_BODY));
    let rest = Router::new()
        .route("/orgs/{slug}/cbo/skills", get(setup::skills))
        .route(
            "/orgs/{slug}/cbo/programs",
            get(setup::programs).post(setup::create_program),
        )
        .route(
            "/orgs/{slug}/cbo/programs/{id}",
            get(setup::program).put(setup::put_program),
        )
        .route(
            "/orgs/{slug}/cbo/programs/{id}/cohorts/{cohort}",
            put(setup::put_cohort),
        )
        .route(
            "/orgs/{slug}/cbo/programs/{id}/cohorts/{cohort}/participants",
            post(setup::enrol),
        )
        .route(
            "/orgs/{slug}/cbo/programs/{id}/participants/{participant}",
            delete(setup::unenrol),
        )
        .route(
            "/orgs/{slug}/cbo/programs/{id}/dashboard",
            get(tracking::dashboard),
        )
        .route(
            "/orgs/{slug}/cbo/participants",
            get(people::list).post(people::create),
        )
        .route("/orgs/{slug}/cbo/intake", post(people::intake))
        .route("/orgs/{slug}/cbo/participants/{id}", get(people::detail))
        .route(
            "/orgs/{slug}/cbo/participants/{id}/corrections",
            post(people::correct),
        )
        .route(
            "/orgs/{slug}/cbo/participants/{id}/plan",
            get(people::plan).post(people::apply_plan),
        )
        .route(
            "/orgs/{slug}/cbo/participants/{id}/progress",
            get(tracking::participant_progress).post(tracking::staff_entry),
        )
        .route(
            "/orgs/{slug}/cbo/participants/{id}/outcomes",
            get(outcomes::records).post(outcomes::add_record),
        )
        .route("/orgs/{slug}/cbo/reports", get(outcomes::reports))
        .route("/orgs/{slug}/cbo/reports/{program}", get(outcomes::report))
        .route("/wallet/programs", get(participant::programs))
        .route("/wallet/programs/consent", post(participant::consent))
        .route("/wallet/programs/outcomes", post(participant::self_report))
        .layer(RequestBodyLimitLayer::new(crate::routes::MAX_BODY));
    Router::new().merge(imports).merge(rest)
}

/// The organization a request acts on, and who acts.
pub(crate) struct Access {
    /// The organization.
    pub org: Org,
    /// Who: a staff member's email, or an API key's prefix.
    pub by: String,
}

/// The organization at `slug`, when the caller may use `scope` for it (the `cbo` scope reads
/// reports too). Credentials of another organization get the same 404 as an organization that
/// does not exist.
pub(crate) async fn access(
    state: &AppState,
    slug: &str,
    headers: &HeaderMap,
    method: &Method,
    scope: Scope,
) -> Result<Access, AppError> {
    let missing = || AppError::NotFound(format!("organization {slug} not found"));
    let org = state.store.org_by_slug(slug).await?.ok_or_else(missing)?;
    let principal = match authorize(state, headers, method, None, scope, None).await {
        // Whoever runs the programs reads their reports too.
        Err(AppError::Forbidden(why)) if scope == Scope::Funder => {
            authorize(state, headers, method, None, Scope::Cbo, None)
                .await
                .map_err(|_| AppError::Forbidden(why))?
        }
        other => other?,
    };
    if principal.org_id() != org.id {
        return Err(missing());
    }
    let by = match &principal {
        Principal::ApiKey(k) => format!("API key {}…", k.prefix),
        Principal::Staff(s) => s.1.email.clone(),
    };
    Ok(Access { org, by })
}

/// The organization's CBO data key: made on first use, stored wrapped by the KEK (of two
/// first uses at once, both get the one stored first), unwrapped for every sealed read and
/// write.
pub(crate) async fn data_key(state: &AppState, org_id: i64) -> Result<DataKey, AppError> {
    let wrapped = match state.store.cbo_data_key(org_id).await? {
        Some(w) => w,
        None => {
            let key = DataKey::generate()?;
            let wrapped = ler_cbo::wrap_org_key(&key, &state.kek, org_id);
            state
                .store
                .init_cbo_data_key(org_id, &wrapped, state.now())
                .await?
        }
    };
    ler_cbo::unwrap_org_key(&state.kek, org_id, &wrapped)
        .map_err(|e| AppError::Internal(format!("the CBO data key of organization {org_id}: {e}")))
}

impl From<CboError> for AppError {
    fn from(e: CboError) -> AppError {
        match e {
            CboError::Import { format, .. } => {
                AppError::invalid(&format!("invalid {format}"), e.to_string())
            }
            CboError::Invalid { what, .. } => {
                AppError::invalid(&format!("invalid {what}"), e.to_string())
            }
            other => AppError::Internal(format!("cbo: {other}")),
        }
    }
}

/// A string member of a request body, trimmed; `None` when absent, null or empty.
pub(crate) fn text(
    body: &serde_json::Map<String, Value>,
    name: &str,
) -> Result<Option<String>, AppError> {
    match body.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.trim().to_owned())),
        Some(_) => Err(AppError::BadRequest(format!("{name} must be a string"))),
    }
}

/// A required string member of a request body.
pub(crate) fn required(
    body: &serde_json::Map<String, Value>,
    name: &str,
) -> Result<String, AppError> {
    text(body, name)?.ok_or_else(|| AppError::BadRequest(format!("{name} is required")))
}
