//! SD-JWT VCs (selectively disclosed records, such as employment records shared with some
//! fields hidden): the issuer's signature, every disclosure, and the holder's key binding.

use ler_sdjwt::Expect;
use serde_json::Value;

use crate::{Report, Status, Verifier};

/// Whether a text has the shape of an SD-JWT: a compact JWS followed by `~`-separated parts.
pub(crate) fn looks_like_sd_jwt(s: &str) -> bool {
    s.starts_with("ey") && s.contains('~') && !s.contains(char::is_whitespace)
}

pub(crate) fn verify(v: &Verifier<'_>, text: &str) -> Report {
    let mut r = Report::new("SD-JWT VC");
    r.format = "sd-jwt-vc".into();
    let expect = Expect {
        nonce: v.opts.challenge.as_deref(),
        aud: v.opts.domain.as_deref(),
        now: v.opts.now,
        require_key_binding: false,
    };
    match ler_sdjwt::verify(text, &v.resolver, &expect) {
        Err(e) => {
            if let Ok(seen) = ler_sdjwt::inspect(text) {
                r.issuer = seen
                    .claims
                    .get("iss")
                    .and_then(Value::as_str)
                    .map(String::from);
            }
            r.push("proof", Status::Failed, e.to_string());
        }
        Ok(ok) => {
            r.issuer = Some(ok.issuer.clone());
            r.kind = ok.vct.rsplit('#').next().unwrap_or(&ok.vct).to_string();
            r.subject = ok
                .claims
                .get("sub")
                .and_then(Value::as_str)
                .map(String::from);
            r.achievement = ok
                .claims
                .get("positionTitle")
                .or_else(|| ok.claims.get("name"))
                .and_then(Value::as_str)
                .map(String::from);
            r.push(
                "proof",
                Status::Passed,
                format!(
                    "the issuer's signature is valid, made with key {} which {} controls",
                    ok.verification_method, ok.issuer
                ),
            );
            let shown = if ok.disclosed.is_empty() {
                "none".to_string()
            } else {
                ok.disclosed.join(", ")
            };
            r.push(
                "disclosures",
                Status::Passed,
                format!("the holder chose to show: {shown}; the rest stays hidden"),
            );
            if ok.holder_bound {
                r.push(
                    "holder",
                    Status::Passed,
                    "the holder the issuer bound this record to presented it",
                );
            } else {
                r.push(
                    "holder",
                    Status::Skipped,
                    "no key binding: anyone holding this text could have presented it",
                );
            }
            r.credential = Some(ok.claims.clone());
            crate::trust::check(v.opts.trust, &mut r);
        }
    }
    r.verified = !r.any_failed()
        && r.checks
            .iter()
            .any(|c| c.check == "proof" && c.status == Status::Passed);
    r
}
