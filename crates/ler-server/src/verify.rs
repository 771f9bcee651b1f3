//! The vcalm verifier endpoints: `POST /credentials/verify`, `POST /presentations/verify`
//! (200 when verified, 422 when not, the report in the body) and `POST /challenges`.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use ler_store::ChallengeUse;
use ler_verify::{Options, Report, Status, Verifier};
use serde_json::{Value, json};

use crate::body::Body;
use crate::{AppError, AppState, ids};

/// How long a challenge stays valid, in seconds.
pub const CHALLENGE_SECONDS: i64 = 300;

/// `POST /challenges` → `{challenge}`, single use, valid for five minutes.
pub async fn challenge(State(state): State<AppState>) -> Result<Response, AppError> {
    let challenge = ids::token()?;
    state
        .store
        .create_challenge(&challenge, state.now() + CHALLENGE_SECONDS)
        .await?;
    Ok(Json(json!({"challenge": challenge})).into_response())
}

/// What to verify: a JSON record, or bytes (a JWT).
enum Input {
    Json(Value),
    Bytes(Vec<u8>),
}

/// `POST /credentials/verify`: `{verifiableCredential, options?}`.
pub async fn verify_credential(
    State(state): State<AppState>,
    body: Body,
) -> Result<Response, AppError> {
    let request = body.fields()?;
    let input = match request.get("verifiableCredential") {
        None => {
            return Err(AppError::BadRequest(
                "the request has no verifiableCredential".into(),
            ));
        }
        Some(v) => input_of(v, "EnvelopedVerifiableCredential")?,
    };
    let options = request.get("options");
    let domain = option_str(options, "domain")?;
    let challenge = option_str(options, "challenge")?;
    let report = run(&state, input, challenge, domain).await?;
    Ok(answer(&state, &report))
}

/// `POST /presentations/verify`: `{verifiablePresentation, options?: {challenge, domain}}`.
/// A presentation's challenge must be one this service handed out and not used before.
pub async fn verify_presentation(
    State(state): State<AppState>,
    body: Body,
) -> Result<Response, AppError> {
    let request = body.fields()?;
    let vp = request
        .get("verifiablePresentation")
        .or_else(|| request.get("presentation"))
        .ok_or_else(|| AppError::BadRequest("the request has no verifiablePresentation".into()))?;
    let input = input_of(vp, "EnvelopedVerifiablePresentation")?;
    let options = request.get("options");
    let domain = option_str(options, "domain")?;
    let challenge = option_str(options, "challenge")?.or_else(|| match &input {
        Input::Json(doc) => proof_challenge(doc),
        Input::Bytes(_) => None,
    });
    let challenge_problem = match &challenge {
        None => None,
        Some(c) => match state.store.use_challenge(c, state.now()).await? {
            ChallengeUse::Accepted => None,
            ChallengeUse::Unknown => Some("the challenge was not handed out by this verifier"),
            ChallengeUse::Expired => Some("the challenge has expired; ask for a new one"),
            ChallengeUse::AlreadyUsed => {
                Some("the challenge was used before: a presentation may be replayed only once")
            }
        },
    };
    let mut report = run(&state, input, challenge, domain).await?;
    if let Some(problem) = challenge_problem {
        report.push("challenge", Status::Failed, problem);
        report.verified = false;
    }
    Ok(answer(&state, &report))
}

/// The first `challenge` of a presentation's proofs.
fn proof_challenge(doc: &Value) -> Option<String> {
    let proofs = match doc.get("proof")? {
        Value::Array(a) => a.iter().collect::<Vec<_>>(),
        one => vec![one],
    };
    proofs
        .into_iter()
        .find_map(|p| p.get("challenge").and_then(Value::as_str).map(String::from))
}

fn option_str(options: Option<&Value>, name: &str) -> Result<Option<String>, AppError> {
    match options {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(o)) => match o.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(AppError::BadRequest(format!(
                "options.{name} must be a string"
            ))),
        },
        Some(_) => Err(AppError::BadRequest("options must be a JSON object".into())),
    }
}

/// A record as sent: an object (enveloped records unwrapped to their JWT), or a compact JWT.
fn input_of(v: &Value, enveloped: &str) -> Result<Input, AppError> {
    match v {
        Value::Object(o) if o.get("type").and_then(Value::as_str) == Some(enveloped) => {
            let id = o.get("id").and_then(Value::as_str).unwrap_or("");
            let token = id
                .strip_prefix("data:")
                .and_then(|rest| rest.split_once(','))
                .map(|(_, t)| t)
                .ok_or_else(|| {
                    AppError::BadRequest(format!(
                        "an {enveloped} carries its JWT in a data: URL id"
                    ))
                })?;
            Ok(Input::Bytes(token.as_bytes().to_vec()))
        }
        Value::Object(_) => Ok(Input::Json(v.clone())),
        Value::String(s) => Ok(Input::Bytes(s.as_bytes().to_vec())),
        _ => Err(AppError::BadRequest(
            "the record must be a JSON object or a compact JWT string".into(),
        )),
    }
}

async fn run(
    state: &AppState,
    input: Input,
    challenge: Option<String>,
    domain: Option<String>,
) -> Result<Report, AppError> {
    let now = state.now();
    let documents = state.documents;
    let status_cache = state.status_cache.clone();
    state
        .blocking(move |fetcher| {
            let verifier = Verifier::new(Options {
                documents,
                fetcher,
                trust: None,
                now,
                recipient: None,
                challenge,
                domain,
                status_cache: Some(&status_cache),
            });
            match &input {
                Input::Json(doc) => verifier.verify_value(doc),
                Input::Bytes(bytes) => verifier.verify_bytes(bytes),
            }
        })
        .await
}

fn answer(state: &AppState, report: &Report) -> Response {
    state.metrics.count_verification(report.verified);
    let status = if report.verified {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    (status, Json(report.to_json())).into_response()
}
