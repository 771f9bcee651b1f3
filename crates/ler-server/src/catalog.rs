//! The organization API beside vcalm: the achievements catalog (OB 3.0 Achievements with skill
//! alignments), issuing "achievement X to recipient Y", and listing issued credentials.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use ler_store::{CredentialQuery, Org, Scope};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use crate::auth::{authorize, authorized_org, org_of};
use crate::body::Body;
use crate::vcalm::{VC2_CONTEXT, issue_credential};
use crate::{AppError, AppState, ids};

/// The Open Badges 3.0 context the service issues with.
pub const OB3_CONTEXT: &str = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json";

fn achievement_url(state: &AppState, org: &Org, id: &str) -> String {
    format!(
        "{}/orgs/{}/achievements/{id}",
        state.public_url.base(),
        org.slug
    )
}

/// Checks an achievement id used in a URL path: 1 to 100 letters, digits, `-`, `_`, `.`.
fn check_local_id(id: &str) -> Result<(), AppError> {
    let ok = !id.is_empty()
        && id.len() <= 100
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        && id != "."
        && id != "..";
    if ok {
        Ok(())
    } else {
        Err(AppError::BadRequest(format!(
            "the achievement id {id:?} must be 1 to 100 letters, digits, '-', '_' or '.'"
        )))
    }
}

/// Validates an OB 3.0 Achievement by placing it in a minimal credential and keeping the
/// violations found under it (paths rewritten to start at the achievement).
fn validate_achievement(achievement: &Value) -> Result<(), AppError> {
    let probe = json!({
        "@context": [VC2_CONTEXT, OB3_CONTEXT],
        "id": "urn:uuid:00000000-0000-4000-8000-000000000000",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": "did:example:issuer", "type": ["Profile"], "name": "probe"},
        "validFrom": "2026-01-01T00:00:00Z",
        "name": "probe",
        "credentialSubject": {
            "id": "did:example:subject",
            "type": ["AchievementSubject"],
            "achievement": achievement,
        }
    });
    let prefix = "$.credentialSubject.achievement";
    let found: Vec<String> = ler_model::validate(&probe)
        .into_iter()
        .filter(|v| v.path.starts_with(prefix))
        .map(|v| format!("${}: {}", &v.path[prefix.len()..], v.message))
        .collect();
    if found.is_empty() {
        Ok(())
    } else {
        Err(AppError::invalid("invalid achievement", found.join("; ")))
    }
}

/// Reads an achievement from a request body and gives it its URL id.
fn achievement_from(body: &Body, url: &str) -> Result<Value, AppError> {
    let mut doc = match body.json()? {
        Value::Object(m) => m,
        _ => {
            return Err(AppError::BadRequest(
                "an achievement must be a JSON object".into(),
            ));
        }
    };
    if let Some(Value::String(given)) = doc.get("id")
        && given != url
    {
        return Err(AppError::invalid(
            "invalid achievement",
            format!("the achievement's id is assigned by the service ({url}); leave it out"),
        ));
    }
    doc.insert("id".into(), url.into());
    if !doc.contains_key("type") {
        doc.insert("type".into(), json!(["Achievement"]));
    }
    let doc = Value::Object(doc);
    validate_achievement(&doc)?;
    Ok(doc)
}

/// `GET /orgs/<slug>/achievements`: the public catalog.
pub async fn list_achievements(
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> Result<Response, AppError> {
    let org = org_of(&state, &slug).await?;
    let list = state.store.list_achievements(org.id).await?;
    Ok(Json(json!({"achievements": list})).into_response())
}

/// `POST /orgs/<slug>/achievements`: adds an achievement (its id is assigned) → 201.
pub async fn create_achievement(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, AppError> {
    let org = authorized_org(&state, &slug, &headers, &Method::POST, None, Scope::Issue).await?;
    let local = ids::uuid()?;
    let doc = achievement_from(&body, &achievement_url(&state, &org, &local))?;
    state
        .store
        .put_achievement(org.id, &local, &doc, state.now())
        .await?;
    Ok((StatusCode::CREATED, Json(doc)).into_response())
}

/// `GET /orgs/<slug>/achievements/<id>`: public, so an achievement's id dereferences.
pub async fn get_achievement(
    State(state): State<AppState>,
    Path((slug, id)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let org = org_of(&state, &slug).await?;
    let doc = state
        .store
        .achievement(org.id, &id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("achievement {id} not found")))?;
    Ok(Json(doc).into_response())
}

/// `PUT /orgs/<slug>/achievements/<id>`: creates (201) or replaces (200) an achievement.
pub async fn put_achievement(
    State(state): State<AppState>,
    Path((slug, id)): Path<(String, String)>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, AppError> {
    let org = authorized_org(&state, &slug, &headers, &Method::PUT, None, Scope::Issue).await?;
    check_local_id(&id)?;
    let doc = achievement_from(&body, &achievement_url(&state, &org, &id))?;
    let created = state
        .store
        .put_achievement(org.id, &id, &doc, state.now())
        .await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(doc)).into_response())
}

/// `DELETE /orgs/<slug>/achievements/<id>` → 204.
pub async fn delete_achievement(
    State(state): State<AppState>,
    Path((slug, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let org = authorized_org(&state, &slug, &headers, &Method::DELETE, None, Scope::Issue).await?;
    if state.store.delete_achievement(org.id, &id).await? {
        Ok(StatusCode::NO_CONTENT.into_response())
    } else {
        Err(AppError::NotFound(format!("achievement {id} not found")))
    }
}

/// `POST /orgs/<slug>/issue`: `{achievementId, recipient: {id?, email?, name?}, awardedDate?,
/// result?, validUntil?}` → 201 `{verifiableCredential}`, an OpenBadgeCredential; an email is
/// put in a salted SHA-256 IdentityObject, never in the clear.
pub async fn issue_achievement(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, AppError> {
    let org = org_of(&state, &slug).await?;
    let fields = body.fields()?;
    let form_csrf = fields.get("csrf").and_then(Value::as_str);
    authorize(
        &state,
        &headers,
        &Method::POST,
        form_csrf,
        Scope::Issue,
        Some(&org),
    )
    .await?;
    let achievement_id = fields
        .get("achievementId")
        .and_then(Value::as_str)
        .ok_or_else(|| AppError::BadRequest("achievementId is required".into()))?;
    let achievement = state
        .store
        .achievement(org.id, achievement_id)
        .await?
        .ok_or_else(|| {
            AppError::invalid(
                "unknown achievement",
                format!("achievement {achievement_id} is not in the catalog of {slug}"),
            )
        })?;
    let recipient = match fields.get("recipient") {
        Some(Value::Object(r)) => r.clone(),
        _ => {
            return Err(AppError::BadRequest(
                "recipient is required: {id?, email?, name?}".into(),
            ));
        }
    };
    let text = |k: &str| -> Result<Option<String>, AppError> {
        match recipient.get(k) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) if !s.trim().is_empty() => Ok(Some(s.trim().to_string())),
            Some(_) => Err(AppError::BadRequest(format!(
                "recipient.{k} must be a non-empty string"
            ))),
        }
    };
    let (id, email, name) = (text("id")?, text("email")?, text("name")?);
    if id.is_none() && email.is_none() {
        return Err(AppError::invalid(
            "invalid recipient",
            "a recipient needs an id (a URL such as a DID) or an email",
        ));
    }
    if let Some(id) = &id
        && !id.contains(':')
    {
        return Err(AppError::invalid(
            "invalid recipient",
            "recipient.id must be a URL",
        ));
    }
    let mut subject = Map::new();
    if let Some(id) = &id {
        subject.insert("id".into(), id.clone().into());
    }
    subject.insert("type".into(), json!(["AchievementSubject"]));
    let mut identifiers = Vec::new();
    if let Some(email) = &email {
        if !email.contains('@') {
            return Err(AppError::invalid(
                "invalid recipient",
                "recipient.email is not an email address",
            ));
        }
        let salt = ids::hex(&ids::random_bytes::<16>()?);
        let digest = Sha256::digest(format!("{}{salt}", email.to_lowercase()).as_bytes());
        identifiers.push(json!({
            "type": "IdentityObject",
            "identityHash": format!("sha256${}", ids::hex(&digest)),
            "identityType": "emailAddress",
            "hashed": true,
            "salt": salt,
        }));
    }
    if let Some(name) = &name {
        identifiers.push(json!({
            "type": "IdentityObject",
            "identityHash": name,
            "identityType": "name",
            "hashed": false,
        }));
    }
    if !identifiers.is_empty() {
        subject.insert("identifier".into(), Value::Array(identifiers));
    }
    subject.insert("achievement".into(), achievement.clone());
    // Optional extras: when it was awarded, a result (a grade, a score), an expiry.
    let extra = |k: &str| -> Result<Option<String>, AppError> {
        match fields.get(k) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.trim().to_string())),
            Some(_) => Err(AppError::BadRequest(format!("{k} must be a string"))),
        }
    };
    let (awarded, result, valid_until) = (
        extra("awardedDate")?,
        extra("result")?,
        extra("validUntil")?,
    );
    for (name, value) in [("awardedDate", &awarded), ("validUntil", &valid_until)] {
        if let Some(v) = value
            && ler_model::datetime::parse_datetime(v).is_err()
        {
            return Err(AppError::invalid(
                "invalid date",
                format!("{name} must be a date-time such as 2026-05-01T00:00:00Z, not {v:?}"),
            ));
        }
    }
    if let Some(a) = &awarded {
        subject.insert("awardedDate".into(), a.clone().into());
    }
    if let Some(r) = &result {
        subject.insert("result".into(), json!([{"type": ["Result"], "value": r}]));
    }
    let mut issuer = Map::new();
    issuer.insert("id".into(), org.did.clone().into());
    issuer.insert("type".into(), json!(["Profile"]));
    issuer.insert("name".into(), org.name.clone().into());
    if let Value::Object(profile) = &org.profile {
        for (k, v) in profile {
            if k != "id" && k != "type" {
                issuer.insert(k.clone(), v.clone());
            }
        }
    }
    let credential_name = achievement
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or("Achievement")
        .to_string();
    let mut credential = Map::new();
    credential.insert("@context".into(), json!([VC2_CONTEXT, OB3_CONTEXT]));
    credential.insert("id".into(), format!("urn:uuid:{}", ids::uuid()?).into());
    credential.insert(
        "type".into(),
        json!(["VerifiableCredential", "OpenBadgeCredential"]),
    );
    credential.insert("issuer".into(), Value::Object(issuer));
    credential.insert("validFrom".into(), ids::format_datetime(state.now()).into());
    credential.insert("name".into(), credential_name.into());
    credential.insert("credentialSubject".into(), Value::Object(subject));
    if let Some(u) = valid_until {
        credential.insert("validUntil".into(), u.into());
    }
    let recipient_text = [id, email, name]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    let vc = issue_credential(
        &state,
        &org,
        credential,
        None,
        Some(recipient_text),
        Some(achievement_id.to_string()),
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({"verifiableCredential": vc})),
    )
        .into_response())
}

/// Query of `GET /orgs/<slug>/credentials`.
#[derive(Debug, Deserialize)]
pub struct ListQuery {
    q: Option<String>,
    limit: Option<u32>,
    offset: Option<u32>,
}

/// `GET /orgs/<slug>/credentials?q=&limit=&offset=` (read scope): issued credentials, newest
/// first.
pub async fn list_credentials(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    Query(query): Query<ListQuery>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let org = authorized_org(&state, &slug, &headers, &Method::GET, None, Scope::Read).await?;
    let limit = query.limit.unwrap_or(50).clamp(1, 1000);
    let offset = query.offset.unwrap_or(0);
    let rows = state
        .store
        .list_credentials(
            org.id,
            &CredentialQuery {
                text: query.q.filter(|q| !q.trim().is_empty()),
                limit,
                offset,
            },
        )
        .await?;
    let items: Vec<Value> = rows
        .into_iter()
        .map(|r| {
            json!({
                "id": r.id,
                "achievementId": r.achievement_id,
                "recipient": r.recipient,
                "revoked": r.revoked,
                "suspended": r.suspended,
                "issued": ids::format_datetime(r.issued_at),
                "verifiableCredential": r.json,
            })
        })
        .collect();
    Ok(Json(json!({"credentials": items, "limit": limit, "offset": offset})).into_response())
}
