//! VC-JWT: credentials secured as a compact JWS, in the W3C VC-JOSE-COSE form or the 1EdTech one.
//!
//! The form is read from the token:
//!
//! - `typ` `vc+jwt` → **VC-JOSE-COSE**: the payload is the credential. JWT claims are optional;
//!   `iss`, `jti` and `sub`, when present, must agree with `issuer`, `id` and
//!   `credentialSubject.id`, and a `vc` or `vp` claim is refused.
//! - a `vc` object in the payload → **1EdTech, VC 1.1 edition**: the credential is the `vc`
//!   claim.
//! - `iss`, `jti`, `nbf` or `sub` in the payload → **1EdTech** (Open Badges 3.0 §8.2): the
//!   payload is the credential with those claims added.
//! - otherwise (`typ` `JWT` or none, no claims) → a credential as the payload, checked as
//!   VC-JOSE-COSE.
//!
//! For the 1EdTech forms the claim mapping of OB 3.0 §8.2.6.1 is checked: `iss` = `issuer.id`,
//! `jti` = `id`, `nbf` = `validFrom`, `sub` = `credentialSubject.id` (when the subject has an
//! id), `exp` = `validUntil` (when both are present); each mismatch is a failed `claims` check
//! naming the claim. In every form the key's controller must be the credential's issuer and the
//! key must be listed under its `assertionMethod`; `exp` and `nbf` are held against the clock.

use ler_proof::{REGISTERED_CLAIMS, VerifiedJwt};
use serde_json::{Map, Value};

use crate::{Report, Status, Verifier, describe, first_subject};

/// The `typ` values a VC-JWT may carry (a missing `typ` counts as `JWT`).
const VC_JWT_TYPES: [&str; 2] = ["vc+jwt", "JWT"];
/// Clock skew tolerated for `nbf`, in seconds (as for a proof's `created`).
const SKEW_SECONDS: i64 = 300;

/// Whether a text has the shape of a compact JWS.
pub(crate) fn looks_like_jwt(s: &str) -> bool {
    s.starts_with("ey") && s.matches('.').count() == 2 && !s.contains(char::is_whitespace)
}

/// How the credential sits in the token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Form {
    /// W3C VC-JOSE-COSE: the payload is the credential.
    JoseCose,
    /// 1EdTech OB 3.0: the credential with `iss`, `jti`, `nbf`, `sub`, `exp` claims.
    OneEdTech,
    /// 1EdTech on VC 1.1: the credential in the `vc` claim.
    OneEdTechVc,
}

impl Form {
    fn name(self) -> &'static str {
        match self {
            Form::JoseCose => "VC-JOSE-COSE",
            Form::OneEdTech => "1EdTech VC-JWT",
            Form::OneEdTechVc => "1EdTech VC-JWT (VC 1.1, vc claim)",
        }
    }

    fn detect(header: &Map<String, Value>, payload: &Map<String, Value>) -> Form {
        let typ = header
            .get("typ")
            .and_then(Value::as_str)
            .unwrap_or("JWT")
            .to_ascii_lowercase();
        if typ.trim_start_matches("application/") == "vc+jwt" {
            Form::JoseCose
        } else if payload.get("vc").is_some_and(Value::is_object) {
            Form::OneEdTechVc
        } else if ["iss", "jti", "nbf", "sub"]
            .iter()
            .any(|c| payload.contains_key(*c))
        {
            Form::OneEdTech
        } else {
            Form::JoseCose
        }
    }

    /// The credential the token carries.
    fn credential(self, payload: &Map<String, Value>) -> Value {
        match self {
            Form::OneEdTechVc => payload.get("vc").cloned().unwrap_or(Value::Null),
            Form::JoseCose | Form::OneEdTech => {
                let mut c = payload.clone();
                for claim in REGISTERED_CLAIMS {
                    c.remove(claim);
                }
                Value::Object(c)
            }
        }
    }
}

/// Verifies a compact VC-JWT.
pub(crate) fn verify_jwt(v: &Verifier<'_>, token: &str, depth: usize) -> Report {
    let decoded = match ler_proof::decode_jwt(token) {
        Ok(d) => d,
        Err(e) => {
            let mut r = Report::new("VC-JWT");
            r.format = "vc-jwt".into();
            r.push("proof", Status::Failed, e.to_string());
            return r;
        }
    };
    let form = Form::detect(&decoded.header, &decoded.payload);
    let credential = form.credential(&decoded.payload);
    let mut r = Report::new(&format!("{:?}", ler_model::kind(&credential)));
    r.format = "vc-jwt".into();
    describe(&credential, &mut r);
    r.credential = Some(credential.clone());
    v.format_check(&credential, &mut r);
    v.contexts_check(&credential, &mut r);
    let proof_ok = match ler_proof::verify_jwt(token, &VC_JWT_TYPES, &v.resolver) {
        Err(e) => {
            r.push("proof", Status::Failed, format!("{}: {e}", form.name()));
            false
        }
        Ok(verified) => key_binding(&verified, form, &mut r),
    };
    claims(&decoded.payload, &credential, form, v.opts.now, &mut r);
    v.common_checks(&credential, depth, &mut r);
    r.verified = proof_ok && !r.any_failed();
    r
}

/// The signature verified; the key must belong to the issuer and be meant for assertions.
fn key_binding(verified: &VerifiedJwt, form: Form, r: &mut Report) -> bool {
    let vm = &verified.verification_method;
    let Some(issuer) = r.issuer.clone() else {
        r.push(
            "proof",
            Status::Failed,
            "the record names no issuer, so no key can be checked against it",
        );
        return false;
    };
    let did = vm.id.split('#').next().unwrap_or(&vm.id);
    if vm.controller != issuer || did != issuer {
        r.push(
            "proof",
            Status::Failed,
            format!(
                "{}: the token is signed with key {}, which {} controls, not the issuer {issuer}",
                form.name(),
                vm.id,
                vm.controller
            ),
        );
        return false;
    }
    if !vm.relationships.iter().any(|x| x == "assertionMethod") {
        r.push(
            "proof",
            Status::Failed,
            format!(
                "{}: key {} is not listed under assertionMethod by {issuer}",
                form.name(),
                vm.id
            ),
        );
        return false;
    }
    r.push(
        "proof",
        Status::Passed,
        format!(
            "{} EdDSA signature is valid, made with key {} which {issuer} controls",
            form.name(),
            vm.id
        ),
    );
    true
}

/// A JWT NumericDate: seconds since the epoch, possibly fractional.
fn numeric_date(v: &Value) -> Option<i64> {
    v.as_i64().or_else(|| {
        v.as_f64()
            .filter(|f| f.is_finite() && f.abs() < 1e15)
            .map(|f| f.floor() as i64)
    })
}

/// The claim mapping, and `exp` / `nbf` against the clock.
fn claims(payload: &Map<String, Value>, credential: &Value, form: Form, now: i64, r: &mut Report) {
    let required = form != Form::JoseCose;
    let vc11 = credential.get("issuanceDate").is_some() && credential.get("validFrom").is_none();
    let (from_key, until_key) = if vc11 {
        ("issuanceDate", "expirationDate")
    } else {
        ("validFrom", "validUntil")
    };
    let date_of = |k: &str| {
        credential
            .get(k)
            .and_then(Value::as_str)
            .and_then(|s| ler_model::datetime::parse_datetime(s).ok())
    };
    let mut compared = 0;
    let mut failures: Vec<String> = Vec::new();

    if form == Form::JoseCose {
        for claim in ["vc", "vp"] {
            if payload.contains_key(claim) {
                failures.push(format!(
                    "the payload has a {claim} claim, which VC-JOSE-COSE forbids"
                ));
            }
        }
    }

    let text_claims = [
        ("iss", "the issuer", r.issuer.clone()),
        (
            "jti",
            "the credential id",
            credential
                .get("id")
                .and_then(Value::as_str)
                .map(String::from),
        ),
        (
            "sub",
            "credentialSubject.id",
            first_subject(credential)
                .and_then(|s| s.get("id"))
                .and_then(Value::as_str)
                .map(String::from),
        ),
    ];
    for (claim, what, expected) in text_claims {
        match (payload.get(claim), expected) {
            (None, None) => {}
            (None, Some(e)) => {
                // `sub` is required only when the subject has an id, which is this case.
                if required {
                    failures.push(format!(
                        "the {claim} claim is missing; the 1EdTech VC-JWT form requires it to be {what} ({e})"
                    ));
                }
            }
            (Some(found), expected) => {
                compared += 1;
                match (found.as_str(), expected) {
                    (Some(f), Some(e)) if f == e => {}
                    (_, Some(e)) => failures.push(format!(
                        "the {claim} claim {found} does not match {what} \"{e}\""
                    )),
                    (_, None) if required => failures.push(format!(
                        "the {claim} claim {found} does not match {what}, which the credential does not give"
                    )),
                    (_, None) => {}
                }
            }
        }
    }

    let mut time_claim = |claim: &str, key: &str| -> Option<i64> {
        let found = payload.get(claim)?;
        compared += 1;
        let Some(t) = numeric_date(found) else {
            failures.push(format!(
                "the {claim} claim {found} is not a NumericDate (seconds since 1970)"
            ));
            return None;
        };
        if let Some(d) = date_of(key)
            && d != t
            && required
        {
            failures.push(format!(
                "the {claim} claim {t} ({}) does not match {key} {}",
                datetime(t),
                credential.get(key).unwrap_or(&Value::Null)
            ));
        }
        Some(t)
    };
    let nbf = time_claim("nbf", from_key);
    let exp = time_claim("exp", until_key);
    if required && nbf.is_none() && !payload.contains_key("nbf") {
        failures.push(format!(
            "the nbf claim is missing; the 1EdTech VC-JWT form requires it to be {from_key}"
        ));
    }

    if failures.is_empty() {
        if compared > 0 {
            r.push(
                "claims",
                Status::Passed,
                format!("the JWT claims agree with the credential ({})", form.name()),
            );
        }
    } else {
        for f in failures {
            r.push("claims", Status::Failed, f);
        }
    }

    // The credential's own dates are checked by `validity`; a claim that says something else
    // (or says it where the credential is silent) is held against the clock here.
    if let Some(t) = exp
        && t < now
        && date_of(until_key) != Some(t)
    {
        r.push(
            "validity",
            Status::Failed,
            format!("the token expired on {} (its exp claim)", datetime(t)),
        );
    }
    if let Some(t) = nbf
        && t > now + SKEW_SECONDS
        && date_of(from_key) != Some(t)
    {
        r.push(
            "validity",
            Status::Failed,
            format!(
                "the token is not valid before {} (its nbf claim)",
                datetime(t)
            ),
        );
    }
}

/// `YYYY-MM-DDThh:mm:ssZ` for a Unix time (proleptic Gregorian, H. Hinnant's civil_from_days).
fn datetime(secs: i64) -> String {
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}
