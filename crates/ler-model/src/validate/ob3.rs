//! The 1EdTech Open Badges 3.0 checks: AchievementCredential, EndorsementCredential and the
//! classes they hold (AchievementSubject, IdentityObject, Achievement, Alignment, Result,
//! ResultDescription, Profile, Image, Evidence), per the OB 3.0 data model and JSON Schemas.

use serde_json::Value;

use super::{Checker, MAX_EMBEDDED, Object, describe, get, is_text, is_url, vc};
use crate::kind::{first_context, type_names};
use crate::path::Path;
use crate::vocab::{
    ACHIEVEMENT_TYPES, ALIGNMENT_TARGET_TYPES, IDENTIFIER_TYPES, OB3_CONTEXT, RESULT_STATUSES,
    RESULT_TYPES, VC_V1_CONTEXT, is_ob3_context,
};

/// An `AchievementCredential` (or `OpenBadgeCredential`).
pub(super) fn achievement_credential(c: &mut Checker, obj: &Object, at: &Path, embedded: usize) {
    envelope(c, obj, at, embedded);
    let path = at.key("credentialSubject");
    match get(obj, "credentialSubject") {
        Some(Value::Object(subject)) => achievement_subject(c, subject, &path, embedded),
        Some(Value::Array(_)) => single_subject(c, &path, "an AchievementSubject"),
        _ => {} // reported by the vc rules
    }
}

/// An `EndorsementCredential`.
pub(super) fn endorsement_credential(c: &mut Checker, obj: &Object, at: &Path, embedded: usize) {
    envelope(c, obj, at, embedded);
    c.text(
        obj,
        at,
        "name",
        "ob3.name.required",
        "an endorsement credential",
    );
    let path = at.key("credentialSubject");
    match get(obj, "credentialSubject") {
        Some(Value::Object(subject)) => {
            c.type_includes(
                subject,
                &path,
                "EndorsementSubject",
                "ob3.endorsementSubject.type",
                "an endorsement subject",
            );
            if get(subject, "id").is_none() {
                c.push(
                    &path.key("id"),
                    "ob3.endorsementSubject.id",
                    "an endorsement subject requires id, the url of the endorsed entity",
                );
            }
        }
        Some(Value::Array(_)) => single_subject(c, &path, "an EndorsementSubject"),
        _ => {}
    }
}

fn single_subject(c: &mut Checker, at: &Path, what: &str) {
    c.push(
        at,
        "ob3.subject.single",
        format!("credentialSubject must be a single object ({what}), not an array"),
    );
}

/// What OB 3.0 adds to the VC envelope of its credentials: the OB context second, `id` and
/// `validFrom` required (a VC 1.1 credential, as OB 3.0 was first published, has `issuanceDate`
/// instead, which the vc rules require), and the shared parts.
fn envelope(c: &mut Checker, obj: &Object, at: &Path, embedded: usize) {
    context_item(
        c,
        obj,
        at,
        1,
        is_ob3_context,
        "ob3.context",
        "the open badges 3.0 context",
        OB3_CONTEXT,
    );
    if get(obj, "id").is_none() {
        c.push(
            &at.key("id"),
            "ob3.id.required",
            "an open badges credential requires id, a url",
        );
    }
    if get(obj, "validFrom").is_none() && !is_v1(obj) {
        c.push(
            &at.key("validFrom"),
            "ob3.validFrom.required",
            "an open badges credential requires validFrom, an xsd:dateTime",
        );
    }
    shared(c, obj, at, embedded);
}

/// Whether the first context is the VC 1.1 one.
pub(super) fn is_v1(obj: &Object) -> bool {
    first_context(obj) == Some(VC_V1_CONTEXT)
}

/// The parts OB 3.0 and CLR 2.0 credentials share: the issuer Profile, image, awardedDate,
/// endorsements and evidence.
pub(super) fn shared(c: &mut Checker, obj: &Object, at: &Path, embedded: usize) {
    if let Some(Value::Object(issuer)) = get(obj, "issuer") {
        // The issuer's id is checked by the vc rules.
        profile_fields(c, issuer, &at.key("issuer"), embedded, false);
    }
    if let Some(value) = get(obj, "image") {
        image(c, value, &at.key("image"));
    }
    vc::datetime(c, obj, at, "awardedDate", "ob3.awardedDate");
    endorsements(c, obj, at, embedded);
    if let Some(value) = get(obj, "evidence") {
        for (evidence, path) in quiet_objects(value, &at.key("evidence")) {
            if get(evidence, "type").is_some() {
                c.type_includes(
                    evidence,
                    &path,
                    "Evidence",
                    "ob3.evidence.type",
                    "an evidence object",
                );
            }
        }
    }
}

/// `@context[index]` must satisfy `is`.
#[allow(clippy::too_many_arguments)] // one call shape for the three context position rules
pub(super) fn context_item(
    c: &mut Checker,
    obj: &Object,
    at: &Path,
    index: usize,
    is: fn(&str) -> bool,
    rule: &'static str,
    what: &str,
    url: &str,
) {
    let ordinal = match index {
        1 => "second",
        2 => "third",
        _ => "next",
    };
    let path = at.key("@context");
    match get(obj, "@context") {
        Some(Value::Array(items)) => match items.get(index) {
            Some(Value::String(s)) if is(s) => {}
            Some(other) => c.push(
                &path.index(index),
                rule,
                format!(
                    "the {ordinal} @context item must be {what} (\"{url}\"), got {}",
                    describe(other)
                ),
            ),
            None => c.push(
                &path,
                rule,
                format!("@context must have {what} (\"{url}\") as its {ordinal} item"),
            ),
        },
        Some(Value::String(_)) => c.push(
            &path,
            rule,
            format!("@context must be an array with {what} (\"{url}\") as its {ordinal} item"),
        ),
        _ => {} // reported by the vc rules
    }
}

/// An AchievementSubject: its type, identity, achievement and results.
fn achievement_subject(c: &mut Checker, subject: &Object, at: &Path, embedded: usize) {
    c.type_includes(
        subject,
        at,
        "AchievementSubject",
        "ob3.subject.type",
        "an achievement subject",
    );
    if !has_identity(subject) {
        c.push(
            at,
            "ob3.subject.identity",
            "an achievement subject requires an id or at least one identifier (an IdentityObject)",
        );
    }
    identity_objects(c, subject, at);
    let mut descriptions = None;
    let path = at.key("achievement");
    match get(subject, "achievement") {
        None => c.push(
            &path,
            "ob3.achievement.required",
            "an achievement subject requires achievement, an Achievement object",
        ),
        Some(Value::Object(a)) => {
            achievement(c, a, &path, embedded);
            descriptions = Some(result_descriptions(a));
        }
        Some(other) => c.push(
            &path,
            "ob3.achievement.invalid",
            format!(
                "achievement must be an Achievement object, got {}",
                describe(other)
            ),
        ),
    }
    for (result, path) in c.member_objects(subject, at, "result", "ob3.result.invalid", "result") {
        self::result(c, result, &path, descriptions.as_deref());
    }
    if let Some(value) = get(subject, "image") {
        image(c, value, &at.key("image"));
    }
    if let Some(value) = get(subject, "source") {
        profile(c, value, &at.key("source"), embedded, "source");
    }
    number(c, subject, at, "creditsEarned", "ob3.subject.creditsEarned");
}

/// Whether a subject has an `id` or a non-empty `identifier`.
pub(super) fn has_identity(subject: &Object) -> bool {
    get(subject, "id").is_some()
        || match get(subject, "identifier") {
            Some(Value::Array(items)) => items.iter().any(|v| !v.is_null()),
            Some(_) => true,
            None => false,
        }
}

/// The `identifier` IdentityObjects of a subject.
pub(super) fn identity_objects(c: &mut Checker, subject: &Object, at: &Path) {
    for (identity, path) in c.member_objects(
        subject,
        at,
        "identifier",
        "ob3.identity.invalid",
        "identifier",
    ) {
        identity_object(c, identity, &path);
    }
}

/// An IdentityObject: type, hashed, identityHash (well-formed when hashed), identityType, salt.
fn identity_object(c: &mut Checker, identity: &Object, at: &Path) {
    let what = "an identity object";
    c.type_is(identity, at, "IdentityObject", "ob3.identity.type", what);
    let hashed = match get(identity, "hashed") {
        Some(Value::Bool(b)) => Some(*b),
        None => {
            c.push(
                &at.key("hashed"),
                "ob3.identity.hashed",
                "an identity object requires hashed, a boolean",
            );
            None
        }
        Some(other) => {
            c.push(
                &at.key("hashed"),
                "ob3.identity.hashed",
                format!("hashed must be a boolean, got {}", describe(other)),
            );
            None
        }
    };
    match get(identity, "identityHash") {
        Some(Value::String(hash)) => {
            if hashed == Some(true) && !is_identity_hash(hash) {
                c.push(
                    &at.key("identityHash"),
                    "ob3.identity.hash",
                    format!(
                        "a hashed identityHash must be \"sha256$\" and 64 hex digits or \"md5$\" and 32 hex digits, got {}",
                        describe(&Value::String(hash.clone()))
                    ),
                );
            }
        }
        None => c.push(
            &at.key("identityHash"),
            "ob3.identity.identityHash",
            "an identity object requires identityHash, a string",
        ),
        Some(other) => c.push(
            &at.key("identityHash"),
            "ob3.identity.identityHash",
            format!("identityHash must be a string, got {}", describe(other)),
        ),
    }
    c.term(
        identity,
        at,
        "identityType",
        IDENTIFIER_TYPES,
        true,
        true,
        "ob3.identity.identityType",
        what,
    );
    if let Some(salt) = get(identity, "salt")
        && !salt.is_string()
    {
        c.push(
            &at.key("salt"),
            "ob3.identity.salt",
            format!("salt must be a string, got {}", describe(salt)),
        );
    }
}

/// `sha256$` and 64 hex digits, or `md5$` and 32 (upper or lower case), per OB 3.0 IdentityHash.
fn is_identity_hash(hash: &str) -> bool {
    let hex = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_hexdigit());
    match hash.split_once('$') {
        Some(("sha256", digest)) => hex(digest, 64),
        Some(("md5", digest)) => hex(digest, 32),
        _ => false,
    }
}

/// An Achievement and everything it holds.
pub(super) fn achievement(c: &mut Checker, a: &Object, at: &Path, embedded: usize) {
    let what = "an achievement";
    c.url(a, at, "id", true, "ob3.achievement.id", what);
    c.type_includes(a, at, "Achievement", "ob3.achievement.type", what);
    let path = at.key("criteria");
    match get(a, "criteria") {
        None => c.push(
            &path,
            "ob3.achievement.criteria.required",
            "an achievement requires criteria, an object with an id (a url) or a narrative",
        ),
        Some(Value::Object(criteria)) => {
            if get(criteria, "id").is_none() && get(criteria, "narrative").is_none() {
                c.push(
                    &path,
                    "ob3.achievement.criteria",
                    "criteria requires an id (a url) or a narrative",
                );
            }
            c.url(
                criteria,
                &path,
                "id",
                false,
                "ob3.achievement.criteria",
                "criteria",
            );
            if let Some(narrative) = get(criteria, "narrative")
                && !is_text(narrative)
            {
                c.push(
                    &path.key("narrative"),
                    "ob3.achievement.criteria",
                    format!(
                        "criteria narrative must be a string, got {}",
                        describe(narrative)
                    ),
                );
            }
        }
        Some(other) => c.push(
            &path,
            "ob3.achievement.criteria",
            format!(
                "criteria must be an object with an id (a url) or a narrative, got {}",
                describe(other)
            ),
        ),
    }
    c.text(
        a,
        at,
        "description",
        "ob3.achievement.description.required",
        what,
    );
    c.text(a, at, "name", "ob3.achievement.name.required", what);
    c.term(
        a,
        at,
        "achievementType",
        ACHIEVEMENT_TYPES,
        true,
        false,
        "ob3.achievement.achievementType",
        what,
    );
    alignments(c, a, at);
    for (description, path) in c.member_objects(
        a,
        at,
        "resultDescription",
        "ob3.resultDescription.invalid",
        "resultDescription",
    ) {
        result_description(c, description, &path);
    }
    if let Some(value) = get(a, "creator") {
        profile(c, value, &at.key("creator"), embedded, "creator");
    }
    if let Some(value) = get(a, "image") {
        image(c, value, &at.key("image"));
    }
    match get(a, "tag") {
        None | Some(Value::String(_)) => {}
        Some(Value::Array(tags)) => {
            for (i, tag) in tags.iter().enumerate() {
                if !tag.is_string() && !tag.is_null() {
                    c.push(
                        &at.key("tag").index(i),
                        "ob3.achievement.tag",
                        format!("tags must be strings, got {}", describe(tag)),
                    );
                }
            }
        }
        Some(other) => c.push(
            &at.key("tag"),
            "ob3.achievement.tag",
            format!(
                "tag must be a string or an array of strings, got {}",
                describe(other)
            ),
        ),
    }
    number(
        c,
        a,
        at,
        "creditsAvailable",
        "ob3.achievement.creditsAvailable",
    );
    endorsements(c, a, at, embedded);
    identifier_entries(c, a, at);
    for (related, path) in c.member_objects(a, at, "related", "ob3.related.invalid", "related") {
        c.url(
            related,
            &path,
            "id",
            true,
            "ob3.related.id",
            "a related achievement",
        );
        c.type_includes(
            related,
            &path,
            "Related",
            "ob3.related.type",
            "a related achievement",
        );
    }
}

/// The `alignment` Alignments of an achievement, result, result description or rubric level.
fn alignments(c: &mut Checker, obj: &Object, at: &Path) {
    for (alignment, path) in
        c.member_objects(obj, at, "alignment", "ob3.alignment.invalid", "alignment")
    {
        let what = "an alignment";
        c.type_includes(alignment, &path, "Alignment", "ob3.alignment.type", what);
        c.text(
            alignment,
            &path,
            "targetName",
            "ob3.alignment.targetName",
            what,
        );
        c.url(
            alignment,
            &path,
            "targetUrl",
            true,
            "ob3.alignment.targetUrl",
            what,
        );
        c.term(
            alignment,
            &path,
            "targetType",
            ALIGNMENT_TARGET_TYPES,
            true,
            false,
            "ob3.alignment.targetType",
            what,
        );
    }
}

/// A ResultDescription and its rubric criterion levels.
fn result_description(c: &mut Checker, description: &Object, at: &Path) {
    let what = "a result description";
    c.url(
        description,
        at,
        "id",
        true,
        "ob3.resultDescription.id",
        what,
    );
    c.type_includes(
        description,
        at,
        "ResultDescription",
        "ob3.resultDescription.type",
        what,
    );
    c.text(description, at, "name", "ob3.resultDescription.name", what);
    c.term(
        description,
        at,
        "resultType",
        RESULT_TYPES,
        true,
        true,
        "ob3.resultDescription.resultType",
        what,
    );
    alignments(c, description, at);
    for (level, path) in c.member_objects(
        description,
        at,
        "rubricCriterionLevel",
        "ob3.rubricCriterionLevel.invalid",
        "rubricCriterionLevel",
    ) {
        let what = "a rubric criterion level";
        c.url(
            level,
            &path,
            "id",
            true,
            "ob3.rubricCriterionLevel.id",
            what,
        );
        c.type_includes(
            level,
            &path,
            "RubricCriterionLevel",
            "ob3.rubricCriterionLevel.type",
            what,
        );
        c.text(level, &path, "name", "ob3.rubricCriterionLevel.name", what);
        alignments(c, level, &path);
    }
}

/// The `(id, resultType)` of each result description of an achievement.
fn result_descriptions(a: &Object) -> Vec<(String, Option<String>)> {
    get(a, "resultDescription")
        .map(|value| {
            quiet_objects(value, &Path::root())
                .into_iter()
                .filter_map(|(d, _)| {
                    let id = get(d, "id")?.as_str()?.to_string();
                    Some((
                        id,
                        get(d, "resultType")
                            .and_then(Value::as_str)
                            .map(str::to_string),
                    ))
                })
                .collect()
        })
        .unwrap_or_default()
}

/// A Result; `descriptions` are the achievement's result descriptions when it has one.
fn result(
    c: &mut Checker,
    result: &Object,
    at: &Path,
    descriptions: Option<&[(String, Option<String>)]>,
) {
    let what = "a result";
    c.type_includes(result, at, "Result", "ob3.result.type", what);
    c.term(
        result,
        at,
        "status",
        RESULT_STATUSES,
        false,
        false,
        "ob3.result.status",
        what,
    );
    let path = at.key("resultDescription");
    match get(result, "resultDescription") {
        None => {}
        Some(Value::String(id)) if is_url(id) => {
            if let Some(descriptions) = descriptions {
                match descriptions.iter().find(|(d, _)| d == id) {
                    None => c.push(
                        &path,
                        "ob3.result.resultDescription",
                        format!("resultDescription must be the id of a result description of the achievement; \"{id}\" is not one"),
                    ),
                    Some((_, Some(kind))) if kind == "Status" && get(result, "status").is_none() => c.push(
                        &at.key("status"),
                        "ob3.result.status",
                        "status is required when the linked result description's resultType is Status",
                    ),
                    Some(_) => {}
                }
            }
        }
        Some(other) => c.push(
            &path,
            "ob3.result.resultDescription",
            format!(
                "resultDescription must be the id (a url) of a result description, got {}",
                describe(other)
            ),
        ),
    }
    alignments(c, result, at);
}

/// A Profile where only a Profile object is allowed (creator, source, parentOrg).
fn profile(c: &mut Checker, value: &Value, at: &Path, depth: usize, what: &str) {
    match value {
        Value::Object(p) => profile_fields(c, p, at, depth, true),
        other => c.push(
            at,
            "ob3.profile.invalid",
            format!(
                "{what} must be a Profile object with an id and type \"Profile\", got {}",
                describe(other)
            ),
        ),
    }
}

/// A Profile's own rules; `check_id` is false for an issuer, whose id the vc rules check.
fn profile_fields(c: &mut Checker, p: &Object, at: &Path, depth: usize, check_id: bool) {
    let what = "a profile";
    if check_id {
        c.url(p, at, "id", true, "ob3.profile.id", what);
    }
    c.type_includes(p, at, "Profile", "ob3.profile.type", what);
    if let Some(value) = get(p, "image") {
        image(c, value, &at.key("image"));
    }
    if let Some(Value::Object(address)) = get(p, "address") {
        c.type_includes(
            address,
            &at.key("address"),
            "Address",
            "ob3.address.type",
            "an address",
        );
    }
    identifier_entries(c, p, at);
    endorsements(c, p, at, depth);
    if let Some(value) = get(p, "parentOrg") {
        if depth >= MAX_EMBEDDED {
            c.push(
                &at.key("parentOrg"),
                "json.depth",
                format!("profiles nested more than {MAX_EMBEDDED} deep are not checked"),
            );
        } else {
            profile(c, value, &at.key("parentOrg"), depth + 1, "parentOrg");
        }
    }
}

/// The `otherIdentifier` IdentifierEntries of an achievement or profile.
fn identifier_entries(c: &mut Checker, obj: &Object, at: &Path) {
    for (entry, path) in c.member_objects(
        obj,
        at,
        "otherIdentifier",
        "ob3.identifierEntry.invalid",
        "otherIdentifier",
    ) {
        let what = "an identifier entry";
        c.type_is(
            entry,
            &path,
            "IdentifierEntry",
            "ob3.identifierEntry.type",
            what,
        );
        c.text(
            entry,
            &path,
            "identifier",
            "ob3.identifierEntry.identifier",
            what,
        );
        c.term(
            entry,
            &path,
            "identifierType",
            IDENTIFIER_TYPES,
            true,
            true,
            "ob3.identifierEntry.identifierType",
            what,
        );
    }
}

/// An Image: an object with an `id` URL (often a data URL) and type `"Image"`.
fn image(c: &mut Checker, value: &Value, at: &Path) {
    match value {
        Value::Object(img) => {
            c.url(img, at, "id", true, "ob3.image.id", "an image");
            c.type_is(img, at, "Image", "ob3.image.type", "an image");
        }
        other => c.push(
            at,
            "ob3.image.invalid",
            format!(
                "image must be an Image object with an id and type \"Image\", got {}",
                describe(other)
            ),
        ),
    }
}

/// The `endorsement` EndorsementCredentials of a credential, achievement or profile, each
/// validated as a document of its own.
fn endorsements(c: &mut Checker, obj: &Object, at: &Path, embedded: usize) {
    let Some(value) = get(obj, "endorsement") else {
        return;
    };
    let path = at.key("endorsement");
    let items: Vec<(&Value, Path)> = match value {
        Value::Array(items) => items
            .iter()
            .enumerate()
            .map(|(i, v)| (v, path.index(i)))
            .collect(),
        other => vec![(other, path)],
    };
    for (item, path) in items {
        match item {
            Value::Object(_) => {
                if !type_names(item.get("type")).contains(&"EndorsementCredential") {
                    c.push(
                        &path.key("type"),
                        "ob3.endorsement.type",
                        "an endorsement must be an EndorsementCredential",
                    );
                }
                c.document(item, &path, embedded + 1);
            }
            Value::Null => {}
            other => c.push(
                &path,
                "ob3.endorsement.invalid",
                format!(
                    "endorsement must be an EndorsementCredential object, got {}",
                    describe(other)
                ),
            ),
        }
    }
}

/// An optional number member.
fn number(c: &mut Checker, obj: &Object, at: &Path, key: &str, rule: &'static str) {
    if let Some(v) = get(obj, key)
        && !v.is_number()
    {
        c.push(
            &at.key(key),
            rule,
            format!("{key} must be a number, got {}", describe(v)),
        );
    }
}

/// The objects in a value that is one object or an array, skipping anything else (which another
/// rule has reported).
pub(super) fn quiet_objects<'a>(value: &'a Value, at: &Path) -> Vec<(&'a Object, Path)> {
    match value {
        Value::Object(obj) => vec![(obj, at.clone())],
        Value::Array(items) => items
            .iter()
            .enumerate()
            .filter_map(|(i, v)| v.as_object().map(|o| (o, at.index(i))))
            .collect(),
        _ => Vec::new(),
    }
}
