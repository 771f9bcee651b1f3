//! Verifiable presentations: the holder's proof (authentication, challenge, domain) and every
//! credential inside.

use ler_proof::Purpose;
use serde_json::Value;

use crate::{Report, Status, Verifier, as_slice};

pub(crate) fn verify(v: &Verifier<'_>, doc: &Value, depth: usize) -> Report {
    let mut r = Report::new("VerifiablePresentation");
    r.format = "data-integrity".into();
    r.credential = Some(doc.clone());
    let holder = match doc.get("holder") {
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Object(o)) => o.get("id").and_then(Value::as_str).map(String::from),
        _ => None,
    };
    r.issuer = holder.clone();
    v.format_check(doc, &mut r);
    let proof_ok = match &holder {
        None => {
            r.push(
                "proof",
                Status::Failed,
                "the presentation names no holder, so its proof cannot be bound to anyone",
            );
            false
        }
        Some(h) => {
            if v.opts.challenge.is_none() {
                r.push(
                    "challenge",
                    Status::Skipped,
                    "no challenge was given, so this presentation could be a replay of an earlier one",
                );
            }
            let purpose = Purpose::Authentication {
                challenge: v.opts.challenge.clone(),
                domain: v.opts.domain.clone(),
            };
            v.proof_checks(doc, h, purpose, &mut r)
        }
    };
    let credentials = doc.get("verifiableCredential").map(as_slice).unwrap_or(&[]);
    if credentials.is_empty() {
        r.push(
            "credentials",
            Status::Skipped,
            "the presentation carries no credentials",
        );
    }
    let mut failed = 0;
    for c in credentials {
        // A credential may be embedded JSON, or an enveloped / compact JWT.
        let nested = match c {
            Value::String(s) => v.bytes_at(s.as_bytes(), depth + 1),
            Value::Object(o)
                if o.get("type")
                    .is_some_and(|t| t == "EnvelopedVerifiableCredential") =>
            {
                let id = o.get("id").and_then(Value::as_str).unwrap_or("");
                let token = id.split_once(',').map_or("", |(_, t)| t);
                v.bytes_at(token.as_bytes(), depth + 1)
            }
            other => v.credential_at(other, depth + 1),
        };
        if !nested.verified {
            failed += 1;
        }
        r.nested.push(nested);
    }
    if !credentials.is_empty() {
        if failed == 0 {
            r.push(
                "credentials",
                Status::Passed,
                format!(
                    "all {} credentials in the presentation verified",
                    credentials.len()
                ),
            );
        } else {
            r.push(
                "credentials",
                Status::Failed,
                format!(
                    "{failed} of {} credentials in the presentation did not verify",
                    credentials.len()
                ),
            );
        }
    }
    r.verified = proof_ok && !r.any_failed();
    r
}
