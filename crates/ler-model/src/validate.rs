//! Validation: every violated MUST of VC 2.0 (and 1.1), OB 3.0, CLR 2.0 and ler's employment
//! record, each reported with the JSON path where it happens and a stable rule id.
//!
//! [`validate`] never stops at the first problem and never fails: a document that is not even an
//! object yields one violation. Embedded credentials (`endorsement`, a CLR's
//! `verifiableCredential`, a presentation's `verifiableCredential`) are validated as documents in
//! their own right, with their paths prefixed (`$.credentialSubject.verifiableCredential[2].issuer`).
//! [`RULES`] lists every rule id with a one-line summary.

mod clr;
mod employment;
mod ob3;
mod vc;

#[cfg(test)]
mod tests;

use std::fmt;

use serde_json::{Map, Value};

use crate::kind::{CredentialKind, kind, type_names};
use crate::path::Path;

/// One broken rule: where, what is wrong and what is required, and which rule.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct Violation {
    /// Where, as a JSON path: `$.credentialSubject.achievement.criteria`, `$.type[1]`.
    pub path: String,
    /// Lower-case sentence saying what is wrong and what the rule requires.
    pub message: String,
    /// Stable short id of the rule, such as `vc.context.first` (see [`RULES`]).
    pub rule: &'static str,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {} [{}]", self.path, self.message, self.rule)
    }
}

/// Checks a credential or presentation against the MUSTs of the specifications its type names.
///
/// Every document gets the W3C VC checks (2.0, or 1.1 when its first context is the 1.1
/// context); `AchievementCredential`/`OpenBadgeCredential` and `EndorsementCredential` add the
/// Open Badges 3.0 ones, `ClrCredential` the CLR 2.0 ones, `EmploymentCredential` ler's
/// employment record ones. Required fields follow the 1EdTech JSON Schemas and the data model
/// tables of the specifications. An empty result means no rule ler knows is broken; it says
/// nothing about proofs, which `ler-proof` checks.
///
/// ```
/// let doc = serde_json::json!({
///     "@context": ["https://www.w3.org/ns/credentials/v2"],
///     "type": ["VerifiableCredential"],
///     "issuer": "",
///     "credentialSubject": {"id": "did:example:alice"}
/// });
/// let violations = ler_model::validate(&doc);
/// assert_eq!(violations.len(), 1);
/// assert_eq!(violations[0].path, "$.issuer");
/// assert_eq!(violations[0].rule, "vc.issuer.url");
/// ```
pub fn validate(doc: &Value) -> Vec<Violation> {
    let mut checker = Checker::default();
    let root = Path::root();
    checker.document(doc, &root, 0);
    checker.nulls(doc, &root, 0);
    checker.out
}

/// Every rule [`validate`] reports, with a one-line summary.
#[rustfmt::skip] // a table: one rule per line reads better than rustfmt's three
pub const RULES: &[(&str, &str)] = &[
    ("json.null",                                 "no member or array item is null (omit it instead)"),
    ("json.depth",                                "documents nest at most 128 levels and embed credentials at most 16 deep"),
    ("vc.object",                                 "a credential or presentation is a json object"),
    ("vc.context.required",                       "@context is present"),
    ("vc.context.invalid",                        "@context is a string or a non-empty array"),
    ("vc.context.first",                          "the first @context item is the vc 2.0 (or 1.1) base context"),
    ("vc.context.item",                           "each @context item is a url or a context object"),
    ("vc.type.required",                          "type is present"),
    ("vc.type.invalid",                           "type is a string or a non-empty array of strings"),
    ("vc.type.item",                              "each type item is a string"),
    ("vc.type.includes",                          "a credential's type includes VerifiableCredential"),
    ("vc.id.url",                                 "id, when present, is a url"),
    ("vc.issuer.required",                        "issuer is present"),
    ("vc.issuer.invalid",                         "issuer is a url or an object"),
    ("vc.issuer.url",                             "an issuer given as a string is a url"),
    ("vc.issuer.id",                              "an issuer object has an id that is a url"),
    ("vc.subject.required",                       "credentialSubject is present"),
    ("vc.subject.invalid",                        "credentialSubject is an object or a non-empty array of objects"),
    ("vc.subject.item",                           "each credentialSubject item is an object"),
    ("vc.subject.id",                             "a credentialSubject id, when present, is a url"),
    ("vc.validFrom.datetime",                     "validFrom is an xsd:dateTime with a timezone"),
    ("vc.validUntil.datetime",                    "validUntil is an xsd:dateTime with a timezone"),
    ("vc.validity.order",                         "validUntil is not before validFrom"),
    ("vc1.issuanceDate.required",                 "a vc 1.1 credential has issuanceDate"),
    ("vc1.issuanceDate.datetime",                 "issuanceDate is an xsd:dateTime with a timezone"),
    ("vc1.expirationDate.datetime",               "expirationDate is an xsd:dateTime with a timezone"),
    ("vc1.validity.order",                        "expirationDate is not before issuanceDate"),
    ("vc.status.invalid",                         "credentialStatus is an object or an array of objects"),
    ("vc.status.type",                            "each credentialStatus has a type"),
    ("vc.status.id",                              "a credentialStatus id is a url (required in vc 1.1)"),
    ("vc.schema.invalid",                         "credentialSchema is an object or an array of objects"),
    ("vc.schema.id",                              "each credentialSchema has an id that is a url"),
    ("vc.schema.type",                            "each credentialSchema has a type"),
    ("vc.proof.invalid",                          "proof is an object or an array of objects"),
    ("vc.proof.type",                             "each proof has a type"),
    ("vc.evidence.invalid",                       "evidence is an object or an array of objects"),
    ("vc.evidence.type",                          "each evidence object has a type"),
    ("vc.evidence.id",                            "an evidence id, when present, is a url"),
    ("vc.termsOfUse.invalid",                     "termsOfUse is an object or an array of objects"),
    ("vc.termsOfUse.type",                        "each termsOfUse object has a type"),
    ("vc.refreshService.invalid",                 "refreshService is an object or an array of objects"),
    ("vc.refreshService.type",                    "each refreshService object has a type"),
    ("vp.holder",                                 "holder, when present, is a url or an object with an id url"),
    ("vp.verifiableCredential.item",              "each verifiableCredential of a vc 2.0 presentation is an object"),
    ("ob3.context",                               "the second @context item is the open badges 3.0 context"),
    ("ob3.id.required",                           "an open badges credential has an id"),
    ("ob3.name.required",                         "an endorsement credential has a name"),
    ("ob3.validFrom.required",                    "an open badges credential has validFrom"),
    ("ob3.awardedDate",                           "awardedDate is an xsd:dateTime with a timezone"),
    ("ob3.subject.single",                        "credentialSubject is a single object"),
    ("ob3.subject.type",                          "an AchievementSubject's type includes AchievementSubject"),
    ("ob3.subject.identity",                      "an AchievementSubject has an id or at least one identifier"),
    ("ob3.subject.creditsEarned",                 "creditsEarned is a number"),
    ("ob3.achievement.required",                  "an AchievementSubject has an achievement"),
    ("ob3.achievement.invalid",                   "an achievement is an object"),
    ("ob3.achievement.id",                        "an achievement has an id that is a url"),
    ("ob3.achievement.type",                      "an achievement's type includes Achievement"),
    ("ob3.achievement.name.required",             "an achievement has a name"),
    ("ob3.achievement.description.required",      "an achievement has a description"),
    ("ob3.achievement.criteria.required",         "an achievement has criteria"),
    ("ob3.achievement.criteria",                  "criteria is an object with an id url or a narrative"),
    ("ob3.achievement.achievementType",           "achievementType is from the enumeration or starts with ext:"),
    ("ob3.achievement.tag",                       "tag is a string or an array of strings"),
    ("ob3.achievement.creditsAvailable",          "creditsAvailable is a number"),
    ("ob3.identity.invalid",                      "identifier is an IdentityObject or an array of them"),
    ("ob3.identity.type",                         "an IdentityObject's type is the string IdentityObject"),
    ("ob3.identity.hashed",                       "an IdentityObject has hashed, a boolean"),
    ("ob3.identity.identityHash",                 "an IdentityObject has identityHash, a string"),
    ("ob3.identity.hash",                         "a hashed identityHash is sha256$ and 64 hex digits or md5$ and 32"),
    ("ob3.identity.identityType",                 "identityType is from the enumeration or starts with ext:"),
    ("ob3.identity.salt",                         "salt, when present, is a string"),
    ("ob3.identifierEntry.invalid",               "otherIdentifier is an IdentifierEntry or an array of them"),
    ("ob3.identifierEntry.type",                  "an IdentifierEntry's type is the string IdentifierEntry"),
    ("ob3.identifierEntry.identifier",            "an IdentifierEntry has identifier, a string"),
    ("ob3.identifierEntry.identifierType",        "identifierType is from the enumeration or starts with ext:"),
    ("ob3.alignment.invalid",                     "alignment is an object or an array of objects"),
    ("ob3.alignment.type",                        "an Alignment's type includes Alignment"),
    ("ob3.alignment.targetName",                  "an Alignment has targetName"),
    ("ob3.alignment.targetUrl",                   "an Alignment has targetUrl, a url"),
    ("ob3.alignment.targetType",                  "targetType is from the enumeration or starts with ext:"),
    ("ob3.resultDescription.invalid",             "resultDescription is an object or an array of objects"),
    ("ob3.resultDescription.id",                  "a ResultDescription has an id that is a url"),
    ("ob3.resultDescription.type",                "a ResultDescription's type includes ResultDescription"),
    ("ob3.resultDescription.name",                "a ResultDescription has a name"),
    ("ob3.resultDescription.resultType",          "resultType is present, from the enumeration or ext:"),
    ("ob3.rubricCriterionLevel.invalid",          "rubricCriterionLevel is an object or an array of objects"),
    ("ob3.rubricCriterionLevel.id",               "a RubricCriterionLevel has an id that is a url"),
    ("ob3.rubricCriterionLevel.type",             "a RubricCriterionLevel's type includes RubricCriterionLevel"),
    ("ob3.rubricCriterionLevel.name",             "a RubricCriterionLevel has a name"),
    ("ob3.result.invalid",                        "result is an object or an array of objects"),
    ("ob3.result.type",                           "a Result's type includes Result"),
    ("ob3.result.status",                         "status is from ResultStatusType, and present when the linked resultType is Status"),
    ("ob3.result.resultDescription",              "a result's resultDescription is the id of one in the achievement"),
    ("ob3.related.invalid",                       "related is an object or an array of objects"),
    ("ob3.related.id",                            "a Related has an id that is a url"),
    ("ob3.related.type",                          "a Related's type includes Related"),
    ("ob3.evidence.type",                         "an evidence object's type includes Evidence"),
    ("ob3.image.invalid",                         "an image is an Image object"),
    ("ob3.image.id",                              "an Image has an id that is a url (or data url)"),
    ("ob3.image.type",                            "an Image's type is the string Image"),
    ("ob3.profile.invalid",                       "a profile is a Profile object"),
    ("ob3.profile.id",                            "a Profile has an id that is a url"),
    ("ob3.profile.type",                          "a Profile's type includes Profile"),
    ("ob3.address.type",                          "an Address's type includes Address"),
    ("ob3.endorsement.invalid",                   "endorsement is an EndorsementCredential or an array of them"),
    ("ob3.endorsement.type",                      "an embedded endorsement is an EndorsementCredential"),
    ("ob3.endorsementSubject.type",               "an EndorsementSubject's type includes EndorsementSubject"),
    ("ob3.endorsementSubject.id",                 "an EndorsementSubject has an id"),
    ("clr.context",                               "the second @context item is the clr 2.0 context"),
    ("clr.context.ob3",                           "the third @context item is the open badges 3.0 context"),
    ("clr.id.required",                           "a clr credential has an id"),
    ("clr.name.required",                         "a clr credential has a name"),
    ("clr.validFrom.required",                    "a clr credential has validFrom"),
    ("clr.partial",                               "partial, when present, is a boolean"),
    ("clr.subject.single",                        "a clr credentialSubject is a single ClrSubject object"),
    ("clr.subject.type",                          "a ClrSubject's type includes ClrSubject"),
    ("clr.subject.identity",                      "a ClrSubject has an id or at least one identifier"),
    ("clr.subject.verifiableCredential.required", "a ClrSubject has at least one verifiableCredential"),
    ("clr.subject.verifiableCredential.item",     "each verifiableCredential is a credential object"),
    ("clr.subject.achievement.invalid",           "achievement is an object or an array of objects"),
    ("clr.association.invalid",                   "association is an object or an array of objects"),
    ("clr.association.type",                      "an Association's type is the string Association"),
    ("clr.association.associationType",           "associationType is from the AssociationType enumeration"),
    ("clr.association.sourceId",                  "an Association has sourceId, a url"),
    ("clr.association.targetId",                  "an Association has targetId, a url"),
    ("employment.context",                        "@context includes https://w3id.org/ler/employment/v1"),
    ("employment.subject.single",                 "an employment credentialSubject is a single object"),
    ("employment.subject.type",                   "an employment subject's type includes EmploymentSubject"),
    ("employment.employer.required",              "an employment subject has an employer"),
    ("employment.employer.invalid",               "employer is an object"),
    ("employment.employer.type",                  "an employer's type includes Employer"),
    ("employment.employer.name",                  "an employer has a name"),
    ("employment.employer.id",                    "an employer id, when present, is a url"),
    ("employment.positionTitle",                  "an employment subject has positionTitle, a string"),
    ("employment.startDate.required",             "an employment subject has startDate"),
    ("employment.startDate.date",                 "startDate is an xsd:date or xsd:dateTime"),
    ("employment.endDate.date",                   "endDate is an xsd:date or xsd:dateTime"),
    ("employment.endDate.order",                  "endDate is not before startDate"),
    ("employment.hoursPerWeek",                   "hoursPerWeek is a number from 0 to 168"),
    ("employment.employmentType",                 "employmentType is from the LER-RS code lists or starts with ext:"),
    ("employment.location.invalid",               "location is an object"),
    ("employment.location.type",                  "a location's type includes Location"),
    ("employment.location.field",                 "location fields are strings"),
    ("employment.location.addressCountry",        "addressCountry is an ISO 3166-1 alpha-2 code"),
    ("employment.pay.invalid",                    "pay is an object"),
    ("employment.pay.type",                       "pay's type includes Pay"),
    ("employment.pay.amount",                     "pay has amount, a number not below 0"),
    ("employment.pay.currency",                   "pay has currency, an ISO 4217 code"),
    ("employment.pay.period",                     "pay has period, from the LER-RS PayRateIntervalCodeList"),
];

/// A JSON object.
pub(crate) type Object = Map<String, Value>;

/// Deepest JSON nesting [`validate`] walks.
const MAX_DEPTH: usize = 128;
/// Deepest nesting of embedded credentials (a CLR in a presentation holding endorsements...).
const MAX_EMBEDDED: usize = 16;

/// Collects violations while walking a document.
#[derive(Debug, Default)]
pub(crate) struct Checker {
    out: Vec<Violation>,
}

impl Checker {
    pub(crate) fn push(&mut self, at: &Path, rule: &'static str, message: impl Into<String>) {
        self.out.push(Violation {
            path: at.as_str().to_string(),
            message: message.into(),
            rule,
        });
    }

    /// Validates the credential or presentation `doc` found at `at`; `embedded` counts how deep
    /// it sits inside other credentials.
    pub(crate) fn document(&mut self, doc: &Value, at: &Path, embedded: usize) {
        let Some(obj) = doc.as_object() else {
            self.push(
                at,
                "vc.object",
                format!("a credential must be a json object, got {}", describe(doc)),
            );
            return;
        };
        if embedded > MAX_EMBEDDED {
            self.push(
                at,
                "json.depth",
                format!("credentials embedded more than {MAX_EMBEDDED} deep are not checked"),
            );
            return;
        }
        match kind(doc) {
            CredentialKind::VerifiablePresentation => vc::presentation(self, obj, at, embedded),
            other => {
                vc::credential(self, obj, at);
                match other {
                    CredentialKind::AchievementCredential => {
                        ob3::achievement_credential(self, obj, at, embedded)
                    }
                    CredentialKind::EndorsementCredential => {
                        ob3::endorsement_credential(self, obj, at, embedded)
                    }
                    CredentialKind::ClrCredential => clr::credential(self, obj, at, embedded),
                    CredentialKind::EmploymentCredential => employment::credential(self, obj, at),
                    _ => {}
                }
            }
        }
    }

    /// Reports every `null` (outside `@context`, where JSON-LD gives null a meaning).
    fn nulls(&mut self, value: &Value, at: &Path, depth: usize) {
        if depth > MAX_DEPTH {
            self.push(
                at,
                "json.depth",
                format!("json nested deeper than {MAX_DEPTH} levels is not checked"),
            );
            return;
        }
        match value {
            Value::Null => self.push(
                at,
                "json.null",
                "null is not allowed; omit the member instead",
            ),
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    self.nulls(item, &at.index(i), depth + 1);
                }
            }
            Value::Object(members) => {
                for (key, member) in members {
                    if key != "@context" {
                        self.nulls(member, &at.key(key), depth + 1);
                    }
                }
            }
            _ => {}
        }
    }

    /// `obj.type` (a string or an array) must include `name`.
    pub(crate) fn type_includes(
        &mut self,
        obj: &Object,
        at: &Path,
        name: &str,
        rule: &'static str,
        what: &str,
    ) {
        match get(obj, "type") {
            None => self.push(
                &at.key("type"),
                rule,
                format!("{what} has no type; its type must include \"{name}\""),
            ),
            Some(v) if type_names(Some(v)).contains(&name) => {}
            Some(v) => self.push(
                &at.key("type"),
                rule,
                format!("{what} type must include \"{name}\", got {}", describe(v)),
            ),
        }
    }

    /// `obj.type` must be exactly the string `name` (a property of multiplicity one).
    pub(crate) fn type_is(
        &mut self,
        obj: &Object,
        at: &Path,
        name: &str,
        rule: &'static str,
        what: &str,
    ) {
        match get(obj, "type") {
            Some(Value::String(s)) if s == name => {}
            None => self.push(
                &at.key("type"),
                rule,
                format!("{what} has no type; it must be the string \"{name}\""),
            ),
            Some(v) => self.push(
                &at.key("type"),
                rule,
                format!(
                    "{what} type must be the string \"{name}\", got {}",
                    describe(v)
                ),
            ),
        }
    }

    /// A required text property: a string, or a language map of strings.
    pub(crate) fn text(
        &mut self,
        obj: &Object,
        at: &Path,
        key: &str,
        rule: &'static str,
        what: &str,
    ) {
        match get(obj, key) {
            Some(v) if is_text(v) => {}
            None => self.push(
                &at.key(key),
                rule,
                format!("{what} requires {key}, a string"),
            ),
            Some(v) => self.push(
                &at.key(key),
                rule,
                format!("{what} {key} must be a string, got {}", describe(v)),
            ),
        }
    }

    /// A URL property; `required` says whether absence is a violation too.
    pub(crate) fn url(
        &mut self,
        obj: &Object,
        at: &Path,
        key: &str,
        required: bool,
        rule: &'static str,
        what: &str,
    ) {
        match get(obj, key) {
            None if required => {
                self.push(&at.key(key), rule, format!("{what} requires {key}, a url"))
            }
            None => {}
            Some(Value::String(s)) if is_url(s) => {}
            Some(v) => self.push(
                &at.key(key),
                rule,
                format!("{what} {key} must be a url, got {}", describe(v)),
            ),
        }
    }

    /// A property whose value is a term from `values`, or also an `ext:` term when `extensible`.
    #[allow(clippy::too_many_arguments)] // one call shape for every enumeration keeps callers flat
    pub(crate) fn term(
        &mut self,
        obj: &Object,
        at: &Path,
        key: &str,
        values: &[&str],
        extensible: bool,
        required: bool,
        rule: &'static str,
        what: &str,
    ) {
        let ok = |s: &str| {
            if extensible {
                crate::vocab::in_extensible(values, s)
            } else {
                values.contains(&s)
            }
        };
        let allowed = if extensible {
            "one of the enumeration or a term starting with ext:"
        } else {
            "one of the enumeration"
        };
        match get(obj, key) {
            None if required => self.push(
                &at.key(key),
                rule,
                format!("{what} requires {key}, {allowed}"),
            ),
            None => {}
            Some(Value::String(s)) if ok(s) => {}
            Some(v) => self.push(
                &at.key(key),
                rule,
                format!(
                    "{what} {key} must be {allowed} ({}), got {}",
                    values.join(", "),
                    describe(v)
                ),
            ),
        }
    }

    /// A value that is one object or an array of objects, as `(object, path)` pairs; anything
    /// else is reported under `rule`.
    pub(crate) fn objects<'a>(
        &mut self,
        value: &'a Value,
        at: &Path,
        rule: &'static str,
        what: &str,
    ) -> Vec<(&'a Object, Path)> {
        match value {
            Value::Object(obj) => vec![(obj, at.clone())],
            Value::Array(items) => {
                let mut found = Vec::with_capacity(items.len());
                for (i, item) in items.iter().enumerate() {
                    match item {
                        Value::Object(obj) => found.push((obj, at.index(i))),
                        Value::Null => {} // reported once, as json.null
                        other => self.push(
                            &at.index(i),
                            rule,
                            format!("{what} items must be objects, got {}", describe(other)),
                        ),
                    }
                }
                found
            }
            other => {
                self.push(
                    at,
                    rule,
                    format!(
                        "{what} must be an object or an array of objects, got {}",
                        describe(other)
                    ),
                );
                Vec::new()
            }
        }
    }

    /// Like [`Checker::objects`] for an optional member `key` of `obj`.
    pub(crate) fn member_objects<'a>(
        &mut self,
        obj: &'a Object,
        at: &Path,
        key: &str,
        rule: &'static str,
        what: &str,
    ) -> Vec<(&'a Object, Path)> {
        match get(obj, key) {
            Some(value) => self.objects(value, &at.key(key), rule, what),
            None => Vec::new(),
        }
    }
}

/// `obj[key]`, with `null` read as absent: a null is reported once, as `json.null`, and every
/// other rule treats it as a missing member.
pub(crate) fn get<'a>(obj: &'a Object, key: &str) -> Option<&'a Value> {
    obj.get(key).filter(|v| !v.is_null())
}

/// A string, or a JSON-LD language map (`{"en": "...", "de": "..."}`) of strings.
pub(crate) fn is_text(value: &Value) -> bool {
    match value {
        Value::String(_) => true,
        Value::Object(map) => !map.is_empty() && map.values().all(Value::is_string),
        _ => false,
    }
}

/// An absolute URL (RFC 3986 URI): a scheme, `:`, and a non-empty rest without spaces, controls
/// or the characters URIs exclude. DIDs, `urn:uuid:` and `data:` URLs qualify.
pub(crate) fn is_url(s: &str) -> bool {
    let Some((scheme, rest)) = s.split_once(':') else {
        return false;
    };
    let mut chars = scheme.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        && !rest.is_empty()
        && !rest
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || "<>\"{}|\\^`".contains(c))
}

/// A short description of a JSON value for messages: `null`, `a number`, `"text"`.
pub(crate) fn describe(value: &Value) -> String {
    match value {
        Value::Null => "null".to_string(),
        Value::Bool(b) => format!("the boolean {b}"),
        Value::Number(_) => "a number".to_string(),
        Value::String(s) if s.is_empty() => "an empty string".to_string(),
        Value::String(s) => match s.char_indices().nth(60) {
            Some((end, _)) => format!("\"{}…\"", &s[..end]),
            None => format!("\"{s}\""),
        },
        Value::Array(a) if a.is_empty() => "an empty array".to_string(),
        Value::Array(_) => "an array".to_string(),
        Value::Object(_) => "an object".to_string(),
    }
}
