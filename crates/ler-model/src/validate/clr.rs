//! The 1EdTech CLR 2.0 checks: ClrCredential, ClrSubject and Association; the enclosed
//! credentials are validated as documents of their own.

use serde_json::Value;

use super::{Checker, Object, describe, get, ob3};
use crate::path::Path;
use crate::vocab::{ASSOCIATION_TYPES, CLR_CONTEXT, OB3_CONTEXT, is_clr_context, is_ob3_context};

/// A `ClrCredential`.
pub(super) fn credential(c: &mut Checker, obj: &Object, at: &Path, embedded: usize) {
    ob3::context_item(
        c,
        obj,
        at,
        1,
        is_clr_context,
        "clr.context",
        "the clr 2.0 context",
        CLR_CONTEXT,
    );
    ob3::context_item(
        c,
        obj,
        at,
        2,
        is_ob3_context,
        "clr.context.ob3",
        "the open badges 3.0 context",
        OB3_CONTEXT,
    );
    let what = "a clr credential";
    if get(obj, "id").is_none() {
        c.push(
            &at.key("id"),
            "clr.id.required",
            format!("{what} requires id, a url"),
        );
    }
    c.text(obj, at, "name", "clr.name.required", what);
    if get(obj, "validFrom").is_none() && !ob3::is_v1(obj) {
        c.push(
            &at.key("validFrom"),
            "clr.validFrom.required",
            format!("{what} requires validFrom, an xsd:dateTime"),
        );
    }
    if let Some(partial) = get(obj, "partial")
        && !partial.is_boolean()
    {
        c.push(
            &at.key("partial"),
            "clr.partial",
            format!("partial must be a boolean, got {}", describe(partial)),
        );
    }
    ob3::shared(c, obj, at, embedded);
    let path = at.key("credentialSubject");
    match get(obj, "credentialSubject") {
        Some(Value::Object(subject)) => clr_subject(c, subject, &path, embedded),
        Some(Value::Array(_)) => c.push(
            &path,
            "clr.subject.single",
            "credentialSubject must be a single ClrSubject object, not an array",
        ),
        _ => {} // reported by the vc rules
    }
}

/// A ClrSubject: its type, identity, achievements, credentials and associations.
fn clr_subject(c: &mut Checker, subject: &Object, at: &Path, embedded: usize) {
    c.type_includes(
        subject,
        at,
        "ClrSubject",
        "clr.subject.type",
        "a clr subject",
    );
    if !ob3::has_identity(subject) {
        c.push(
            at,
            "clr.subject.identity",
            "a clr subject requires an id or at least one identifier (an IdentityObject)",
        );
    }
    ob3::identity_objects(c, subject, at);
    for (achievement, path) in c.member_objects(
        subject,
        at,
        "achievement",
        "clr.subject.achievement.invalid",
        "achievement",
    ) {
        ob3::achievement(c, achievement, &path, embedded);
    }
    let path = at.key("verifiableCredential");
    let credentials: Vec<(&Value, Path)> = match get(subject, "verifiableCredential") {
        Some(Value::Array(items)) => items
            .iter()
            .enumerate()
            .map(|(i, v)| (v, path.index(i)))
            .collect(),
        Some(item) => vec![(item, path.clone())],
        None => Vec::new(),
    };
    if credentials.iter().all(|(v, _)| v.is_null()) {
        c.push(
            &path,
            "clr.subject.verifiableCredential.required",
            "a clr subject requires verifiableCredential, one or more credentials",
        );
    }
    for (credential, path) in credentials {
        match credential {
            Value::Object(_) => c.document(credential, &path, embedded + 1),
            Value::Null => {}
            other => c.push(
                &path,
                "clr.subject.verifiableCredential.item",
                format!(
                    "verifiableCredential items must be credential objects, got {}",
                    describe(other)
                ),
            ),
        }
    }
    for (association, path) in c.member_objects(
        subject,
        at,
        "association",
        "clr.association.invalid",
        "association",
    ) {
        let what = "an association";
        c.type_is(
            association,
            &path,
            "Association",
            "clr.association.type",
            what,
        );
        c.term(
            association,
            &path,
            "associationType",
            ASSOCIATION_TYPES,
            false,
            true,
            "clr.association.associationType",
            what,
        );
        c.url(
            association,
            &path,
            "sourceId",
            true,
            "clr.association.sourceId",
            what,
        );
        c.url(
            association,
            &path,
            "targetId",
            true,
            "clr.association.targetId",
            what,
        );
    }
}
