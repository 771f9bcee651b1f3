//! The W3C Verifiable Credentials Data Model checks (2.0, and 1.1 when the first context says so).

use serde_json::Value;

use super::{Checker, Object, describe, get, is_url};
use crate::datetime::parse_datetime;
use crate::kind::type_names;
use crate::path::Path;
use crate::vocab::{VC_V1_CONTEXT, VC_V2_CONTEXT};

/// Which data model version a document follows, from its first `@context` item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Version {
    V1,
    V2,
}

/// The checks every credential gets: `@context`, `type`, `id`, `issuer`, `credentialSubject`,
/// the validity period and the shape of status, schema, proof, evidence, terms and refresh.
pub(super) fn credential(c: &mut Checker, obj: &Object, at: &Path) {
    let version = context(c, obj, at);
    types(
        c,
        obj,
        at,
        "VerifiableCredential",
        "vc.type.includes",
        "a credential",
    );
    c.url(obj, at, "id", false, "vc.id.url", "the credential");
    issuer(c, obj, at);
    subject(c, obj, at);
    match version {
        Version::V2 => validity(
            c,
            obj,
            at,
            ("validFrom", "vc.validFrom.datetime"),
            ("validUntil", "vc.validUntil.datetime"),
            "vc.validity.order",
        ),
        Version::V1 => {
            if get(obj, "issuanceDate").is_none() {
                c.push(
                    &at.key("issuanceDate"),
                    "vc1.issuanceDate.required",
                    "a vc 1.1 credential requires issuanceDate, an xsd:dateTime",
                );
            }
            validity(
                c,
                obj,
                at,
                ("issuanceDate", "vc1.issuanceDate.datetime"),
                ("expirationDate", "vc1.expirationDate.datetime"),
                "vc1.validity.order",
            );
        }
    }
    status(c, obj, at, version);
    for (schema, path) in c.member_objects(
        obj,
        at,
        "credentialSchema",
        "vc.schema.invalid",
        "credentialSchema",
    ) {
        c.url(
            schema,
            &path,
            "id",
            true,
            "vc.schema.id",
            "a credentialSchema",
        );
        has_type(c, schema, &path, "vc.schema.type", "a credentialSchema");
    }
    proofs(c, obj, at);
    for (evidence, path) in c.member_objects(obj, at, "evidence", "vc.evidence.invalid", "evidence")
    {
        c.url(
            evidence,
            &path,
            "id",
            false,
            "vc.evidence.id",
            "an evidence object",
        );
        has_type(c, evidence, &path, "vc.evidence.type", "an evidence object");
    }
    for (terms, path) in
        c.member_objects(obj, at, "termsOfUse", "vc.termsOfUse.invalid", "termsOfUse")
    {
        has_type(c, terms, &path, "vc.termsOfUse.type", "a termsOfUse object");
    }
    for (refresh, path) in c.member_objects(
        obj,
        at,
        "refreshService",
        "vc.refreshService.invalid",
        "refreshService",
    ) {
        has_type(
            c,
            refresh,
            &path,
            "vc.refreshService.type",
            "a refreshService object",
        );
    }
}

/// The checks a presentation gets, and each embedded credential validated in full.
pub(super) fn presentation(c: &mut Checker, obj: &Object, at: &Path, embedded: usize) {
    let version = context(c, obj, at);
    // The kind was read from this very type, so it includes VerifiablePresentation; the call
    // still checks its items.
    types(
        c,
        obj,
        at,
        "VerifiablePresentation",
        "vc.type.includes",
        "a presentation",
    );
    c.url(obj, at, "id", false, "vc.id.url", "the presentation");
    match get(obj, "holder") {
        None => {}
        Some(Value::String(s)) if is_url(s) => {}
        Some(Value::Object(holder)) => c.url(
            holder,
            &at.key("holder"),
            "id",
            true,
            "vp.holder",
            "the holder",
        ),
        Some(v) => c.push(
            &at.key("holder"),
            "vp.holder",
            format!(
                "holder must be a url or an object with an id url, got {}",
                describe(v)
            ),
        ),
    }
    proofs(c, obj, at);
    let items: Vec<(&Value, Path)> = match get(obj, "verifiableCredential") {
        Some(Value::Array(items)) => items
            .iter()
            .enumerate()
            .map(|(i, v)| (v, at.key("verifiableCredential").index(i)))
            .collect(),
        Some(item) => vec![(item, at.key("verifiableCredential"))],
        None => Vec::new(),
    };
    for (item, path) in items {
        match item {
            // A VC 2.0 enveloped credential (a JWT or COSE credential in a data: URL) is
            // opaque here; the securing mechanism's code looks inside.
            Value::Object(enveloped)
                if type_names(enveloped.get("type")).contains(&"EnvelopedVerifiableCredential") =>
            {
                c.url(
                    enveloped,
                    &path,
                    "id",
                    true,
                    "vp.verifiableCredential.item",
                    "an enveloped credential",
                );
            }
            Value::Object(_) => c.document(item, &path, embedded + 1),
            Value::Null => {}
            // A VC 1.1 presentation may carry a credential as a compact JWT string.
            Value::String(_) if version == Version::V1 => {}
            other => c.push(
                &path,
                "vp.verifiableCredential.item",
                format!(
                    "verifiableCredential items must be credential objects, got {}",
                    describe(other)
                ),
            ),
        }
    }
}

/// `@context`: present, a string or non-empty array, first item the base context, items URLs or
/// objects. Returns the version the first item names (2.0 when it names neither).
fn context(c: &mut Checker, obj: &Object, at: &Path) -> Version {
    let path = at.key("@context");
    let first_rule = "vc.context.first";
    let wrong_first = |got: &Value| {
        format!(
            "the first @context item must be \"{VC_V2_CONTEXT}\" (or \"{VC_V1_CONTEXT}\" for vc 1.1), got {}",
            describe(got)
        )
    };
    let version_of = |s: &str| match s {
        VC_V2_CONTEXT => Some(Version::V2),
        VC_V1_CONTEXT => Some(Version::V1),
        _ => None,
    };
    match get(obj, "@context") {
        None => {
            c.push(
                &path,
                "vc.context.required",
                format!("@context is required; its first item must be \"{VC_V2_CONTEXT}\""),
            );
            Version::V2
        }
        Some(Value::String(s)) => match version_of(s) {
            Some(version) => version,
            None => {
                c.push(&path, first_rule, wrong_first(&Value::String(s.clone())));
                Version::V2
            }
        },
        Some(Value::Array(items)) if !items.is_empty() => {
            for (i, item) in items.iter().enumerate().skip(1) {
                match item {
                    Value::String(s) if is_url(s) => {}
                    Value::Object(_) => {}
                    other => c.push(
                        &path.index(i),
                        "vc.context.item",
                        format!(
                            "@context items must be urls or context objects, got {}",
                            describe(other)
                        ),
                    ),
                }
            }
            match items[0].as_str().and_then(version_of) {
                Some(version) => version,
                None => {
                    c.push(&path.index(0), first_rule, wrong_first(&items[0]));
                    Version::V2
                }
            }
        }
        Some(other) => {
            c.push(
                &path,
                "vc.context.invalid",
                format!("@context must be a string or a non-empty array starting with \"{VC_V2_CONTEXT}\", got {}", describe(other)),
            );
            Version::V2
        }
    }
}

/// `type`: present, a string or a non-empty array of strings, including `required`.
fn types(c: &mut Checker, obj: &Object, at: &Path, required: &str, rule: &'static str, what: &str) {
    let path = at.key("type");
    match get(obj, "type") {
        None => c.push(&path, "vc.type.required", format!("{what} requires type, which must include \"{required}\"")),
        Some(Value::String(s)) if s == required => {}
        Some(Value::String(s)) => c.push(&path, rule, format!("{what} type must include \"{required}\", got \"{s}\"")),
        Some(Value::Array(items)) if !items.is_empty() => {
            for (i, item) in items.iter().enumerate() {
                if !item.is_string() && !item.is_null() {
                    c.push(&path.index(i), "vc.type.item", format!("type items must be strings, got {}", describe(item)));
                }
            }
            if !items.iter().any(|t| t.as_str() == Some(required)) {
                c.push(&path, rule, format!("{what} type must include \"{required}\""));
            }
        }
        Some(other) => c.push(
            &path,
            "vc.type.invalid",
            format!("type must be a string or a non-empty array of strings including \"{required}\", got {}", describe(other)),
        ),
    }
}

/// `issuer`: a URL, or an object whose `id` is a URL.
fn issuer(c: &mut Checker, obj: &Object, at: &Path) {
    let path = at.key("issuer");
    match get(obj, "issuer") {
        None => c.push(
            &path,
            "vc.issuer.required",
            "issuer is required: a url or an object with an id url",
        ),
        Some(Value::String(s)) if is_url(s) => {}
        Some(v @ Value::String(_)) => c.push(
            &path,
            "vc.issuer.url",
            format!("issuer must be a url, got {}", describe(v)),
        ),
        Some(Value::Object(issuer)) => {
            c.url(issuer, &path, "id", true, "vc.issuer.id", "the issuer")
        }
        Some(other) => c.push(
            &path,
            "vc.issuer.invalid",
            format!(
                "issuer must be a url or an object with an id url, got {}",
                describe(other)
            ),
        ),
    }
}

/// `credentialSubject`: an object or a non-empty array of objects; ids are URLs.
fn subject(c: &mut Checker, obj: &Object, at: &Path) {
    let path = at.key("credentialSubject");
    let subjects: Vec<(&Object, Path)> = match get(obj, "credentialSubject") {
        None => {
            c.push(
                &path,
                "vc.subject.required",
                "credentialSubject is required: an object or a non-empty array of objects",
            );
            Vec::new()
        }
        Some(Value::Object(subject)) => vec![(subject, path.clone())],
        Some(Value::Array(items)) if !items.is_empty() => items
            .iter()
            .enumerate()
            .filter_map(|(i, item)| match item {
                Value::Object(subject) => Some((subject, path.index(i))),
                Value::Null => None,
                other => {
                    c.push(
                        &path.index(i),
                        "vc.subject.item",
                        format!(
                            "credentialSubject items must be objects, got {}",
                            describe(other)
                        ),
                    );
                    None
                }
            })
            .collect(),
        Some(other) => {
            c.push(
                &path,
                "vc.subject.invalid",
                format!(
                    "credentialSubject must be an object or a non-empty array of objects, got {}",
                    describe(other)
                ),
            );
            Vec::new()
        }
    };
    for (subject, path) in subjects {
        c.url(
            subject,
            &path,
            "id",
            false,
            "vc.subject.id",
            "the credential subject",
        );
    }
}

/// A start and an end date-time, each optional, the end not before the start.
fn validity(
    c: &mut Checker,
    obj: &Object,
    at: &Path,
    start: (&str, &'static str),
    end: (&str, &'static str),
    order: &'static str,
) {
    let from = datetime(c, obj, at, start.0, start.1);
    let until = datetime(c, obj, at, end.0, end.1);
    if let (Some(from), Some(until)) = (from, until)
        && until < from
    {
        c.push(
            &at.key(end.0),
            order,
            format!("{} must not be before {}", end.0, start.0),
        );
    }
}

/// An optional date-time member, parsed.
pub(super) fn datetime(
    c: &mut Checker,
    obj: &Object,
    at: &Path,
    key: &str,
    rule: &'static str,
) -> Option<i64> {
    match get(obj, key)? {
        Value::String(s) => match parse_datetime(s) {
            Ok(secs) => Some(secs),
            Err(e) => {
                c.push(
                    &at.key(key),
                    rule,
                    format!("{key} must be an xsd:dateTime with a timezone: {e}"),
                );
                None
            }
        },
        other => {
            c.push(
                &at.key(key),
                rule,
                format!(
                    "{key} must be an xsd:dateTime string with a timezone, got {}",
                    describe(other)
                ),
            );
            None
        }
    }
}

/// `credentialStatus`: objects with a type; the id a URL (required in 1.1, optional in 2.0).
fn status(c: &mut Checker, obj: &Object, at: &Path, version: Version) {
    for (status, path) in c.member_objects(
        obj,
        at,
        "credentialStatus",
        "vc.status.invalid",
        "credentialStatus",
    ) {
        c.url(
            status,
            &path,
            "id",
            version == Version::V1,
            "vc.status.id",
            "a credentialStatus",
        );
        has_type(c, status, &path, "vc.status.type", "a credentialStatus");
    }
}

/// `proof`: objects with a type. The proof's own rules are `ler-proof`'s business.
fn proofs(c: &mut Checker, obj: &Object, at: &Path) {
    for (proof, path) in c.member_objects(obj, at, "proof", "vc.proof.invalid", "proof") {
        has_type(c, proof, &path, "vc.proof.type", "a proof");
    }
}

/// `type` present: a non-empty string or a non-empty array of strings.
pub(super) fn has_type(c: &mut Checker, obj: &Object, at: &Path, rule: &'static str, what: &str) {
    let ok = match get(obj, "type") {
        Some(Value::String(s)) => !s.is_empty(),
        Some(Value::Array(items)) => {
            let mut names = items.iter().filter(|t| !t.is_null()).peekable();
            names.peek().is_some() && names.all(|t| t.as_str().is_some_and(|s| !s.is_empty()))
        }
        _ => false,
    };
    if !ok {
        let got = get(obj, "type").map_or_else(|| "none".to_string(), describe);
        c.push(
            &at.key("type"),
            rule,
            format!("{what} requires a type (a string or an array of strings), got {got}"),
        );
    }
}
