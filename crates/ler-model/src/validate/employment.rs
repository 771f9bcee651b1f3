//! ler's employment record: an `EmploymentCredential` whose subject follows the HR Open LER-RS
//! employment history fields.
//!
//! The field mapping to LER-RS is documented on [`crate::vocab::EMPLOYMENT_CONTEXT`].

use serde_json::Value;

use super::{Checker, Object, describe, get};
use crate::datetime::parse_date_or_datetime;
use crate::path::Path;
use crate::vocab::{EMPLOYMENT_CONTEXT, EMPLOYMENT_TYPES, PAY_PERIODS};

/// An `EmploymentCredential`.
pub(super) fn credential(c: &mut Checker, obj: &Object, at: &Path) {
    let has_context = match get(obj, "@context") {
        Some(Value::Array(items)) => items.iter().any(|v| v.as_str() == Some(EMPLOYMENT_CONTEXT)),
        _ => false,
    };
    if !has_context {
        c.push(
            &at.key("@context"),
            "employment.context",
            format!("an employment credential's @context must include \"{EMPLOYMENT_CONTEXT}\""),
        );
    }
    let path = at.key("credentialSubject");
    match get(obj, "credentialSubject") {
        Some(Value::Object(subject)) => employment_subject(c, subject, &path),
        Some(Value::Array(_)) => c.push(
            &path,
            "employment.subject.single",
            "an employment credential's credentialSubject must be a single EmploymentSubject object, not an array",
        ),
        _ => {} // reported by the vc rules
    }
}

fn employment_subject(c: &mut Checker, s: &Object, at: &Path) {
    c.type_includes(
        s,
        at,
        "EmploymentSubject",
        "employment.subject.type",
        "an employment subject",
    );
    let path = at.key("employer");
    match get(s, "employer") {
        None => c.push(
            &path,
            "employment.employer.required",
            "an employment subject requires employer, an Employer object",
        ),
        Some(Value::Object(employer)) => {
            let what = "an employer";
            c.type_includes(
                employer,
                &path,
                "Employer",
                "employment.employer.type",
                what,
            );
            c.text(employer, &path, "name", "employment.employer.name", what);
            c.url(employer, &path, "id", false, "employment.employer.id", what);
        }
        Some(other) => c.push(
            &path,
            "employment.employer.invalid",
            format!(
                "employer must be an Employer object with a name, got {}",
                describe(other)
            ),
        ),
    }
    match get(s, "positionTitle") {
        Some(Value::String(title)) if !title.trim().is_empty() => {}
        None => c.push(
            &at.key("positionTitle"),
            "employment.positionTitle",
            "an employment subject requires positionTitle, a string",
        ),
        Some(other) => c.push(
            &at.key("positionTitle"),
            "employment.positionTitle",
            format!(
                "positionTitle must be a non-blank string, got {}",
                describe(other)
            ),
        ),
    }
    if get(s, "startDate").is_none() {
        c.push(
            &at.key("startDate"),
            "employment.startDate.required",
            "an employment subject requires startDate, an xsd:date",
        );
    }
    let start = date(c, s, at, "startDate", "employment.startDate.date");
    let end = date(c, s, at, "endDate", "employment.endDate.date");
    if let (Some(start), Some(end)) = (start, end)
        && end < start
    {
        c.push(
            &at.key("endDate"),
            "employment.endDate.order",
            "endDate must not be before startDate",
        );
    }
    if let Some(hours) = get(s, "hoursPerWeek")
        && !hours.as_f64().is_some_and(|h| (0.0..=168.0).contains(&h))
    {
        c.push(
            &at.key("hoursPerWeek"),
            "employment.hoursPerWeek",
            format!(
                "hoursPerWeek must be a number from 0 to 168, got {}",
                number_or_describe(hours)
            ),
        );
    }
    c.term(
        s,
        at,
        "employmentType",
        EMPLOYMENT_TYPES,
        true,
        false,
        "employment.employmentType",
        "an employment subject",
    );
    location(c, s, at);
    pay(c, s, at);
}

fn location(c: &mut Checker, s: &Object, at: &Path) {
    let path = at.key("location");
    let location = match get(s, "location") {
        None => return,
        Some(Value::Object(location)) => location,
        Some(other) => {
            c.push(
                &path,
                "employment.location.invalid",
                format!(
                    "location must be a Location object, got {}",
                    describe(other)
                ),
            );
            return;
        }
    };
    c.type_includes(
        location,
        &path,
        "Location",
        "employment.location.type",
        "a location",
    );
    for key in [
        "addressLocality",
        "addressRegion",
        "addressCountry",
        "postalCode",
    ] {
        match get(location, key) {
            None | Some(Value::String(_)) => {}
            Some(other) => c.push(
                &path.key(key),
                "employment.location.field",
                format!("location {key} must be a string, got {}", describe(other)),
            ),
        }
    }
    if let Some(Value::String(country)) = get(location, "addressCountry")
        && !(country.len() == 2 && country.bytes().all(|b| b.is_ascii_uppercase()))
    {
        c.push(
            &path.key("addressCountry"),
            "employment.location.addressCountry",
            format!("addressCountry must be an iso 3166-1 alpha-2 code such as \"US\", got \"{country}\""),
        );
    }
}

fn pay(c: &mut Checker, s: &Object, at: &Path) {
    let path = at.key("pay");
    let pay = match get(s, "pay") {
        None => return,
        Some(Value::Object(pay)) => pay,
        Some(other) => {
            c.push(
                &path,
                "employment.pay.invalid",
                format!("pay must be a Pay object, got {}", describe(other)),
            );
            return;
        }
    };
    c.type_includes(pay, &path, "Pay", "employment.pay.type", "pay");
    match get(pay, "amount") {
        Some(amount) if amount.as_f64().is_some_and(|a| a >= 0.0) => {}
        None => c.push(
            &path.key("amount"),
            "employment.pay.amount",
            "pay requires amount, a number not below 0",
        ),
        Some(other) => c.push(
            &path.key("amount"),
            "employment.pay.amount",
            format!(
                "pay amount must be a number not below 0, got {}",
                number_or_describe(other)
            ),
        ),
    }
    match get(pay, "currency") {
        Some(Value::String(code))
            if code.len() == 3 && code.bytes().all(|b| b.is_ascii_uppercase()) => {}
        None => c.push(
            &path.key("currency"),
            "employment.pay.currency",
            "pay requires currency, an iso 4217 code such as \"USD\"",
        ),
        Some(other) => c.push(
            &path.key("currency"),
            "employment.pay.currency",
            format!(
                "pay currency must be an iso 4217 code such as \"USD\", got {}",
                describe(other)
            ),
        ),
    }
    c.term(
        pay,
        &path,
        "period",
        PAY_PERIODS,
        false,
        true,
        "employment.pay.period",
        "pay",
    );
}

/// An optional `xsd:date` or `xsd:dateTime` member, parsed.
fn date(c: &mut Checker, obj: &Object, at: &Path, key: &str, rule: &'static str) -> Option<i64> {
    match get(obj, key)? {
        Value::String(s) => match parse_date_or_datetime(s) {
            Ok(secs) => Some(secs),
            Err(e) => {
                c.push(
                    &at.key(key),
                    rule,
                    format!("{key} must be an xsd:date or xsd:dateTime: {e}"),
                );
                None
            }
        },
        other => {
            c.push(
                &at.key(key),
                rule,
                format!(
                    "{key} must be an xsd:date string such as \"2024-03-04\", got {}",
                    describe(other)
                ),
            );
            None
        }
    }
}

/// A number's value for messages, else the usual description.
fn number_or_describe(value: &Value) -> String {
    match value {
        Value::Number(n) => n.to_string(),
        other => describe(other),
    }
}
