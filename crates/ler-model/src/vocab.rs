//! Context URLs, type names and the closed vocabularies the specifications enumerate.

/// The W3C Verifiable Credentials 2.0 base context; the first `@context` item of a 2.0 credential.
pub const VC_V2_CONTEXT: &str = "https://www.w3.org/ns/credentials/v2";
/// The W3C Verifiable Credentials 1.1 base context; the first `@context` item of a 1.1 credential.
pub const VC_V1_CONTEXT: &str = "https://www.w3.org/2018/credentials/v1";
/// The Open Badges 3.0 context ler writes (any `context-3.0.x.json` is accepted when reading).
pub const OB3_CONTEXT: &str = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json";
/// The CLR 2.0 context ler writes (any `context-2.0.x.json` is accepted when reading).
pub const CLR_CONTEXT: &str = "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json";
/// ler's employment record context (`crates/ler-jsonld/contexts/ler-employment-v1.jsonld`).
///
/// # Employment records
///
/// The record is a VC 2.0 credential with the context `https://w3id.org/ler/employment/v1`
/// (`crates/ler-jsonld/contexts/ler-employment-v1.jsonld`, terms in
/// `https://w3id.org/ler/employment/vocab#`). Its subject flattens one LER-RS
/// `EmployerHistoryType` with one `PositionHistoryType` (HR Open 4.x,
/// `common/json/profile/EmployerHistoryType.json`, `BaseHistoryType.json`):
///
/// | ler `EmploymentSubject`        | HR Open LER-RS                                                        |
/// |--------------------------------|-----------------------------------------------------------------------|
/// | `employer` (`Employer`)        | `EmployerHistoryType.organization` (`OrganizationType`)               |
/// | `employer.name`                | `organization.tradeName` (or `name`)                                  |
/// | `employer.id` (optional URL)   | `organization.domainName` / `legalIds` / `taxIds`, written as a URL   |
/// | `positionTitle`                | `positionHistories[].title`                                           |
/// | `startDate`                    | `positionHistories[].start` (`FormattedDateTimeType`)                 |
/// | `endDate` (optional)           | `positionHistories[].end`; absent when `current` is true              |
/// | `employmentType` (optional)    | `workRelationshipTypeCode` (`Employment`, `Contract`, `Volunteering`), or the older `resourceRelationshipCode` (`Employee`, `Internship`, `Apprenticeship`...) |
/// | `hoursPerWeek` (optional)      | `ScheduleType.hours` over a week (`PositionProfileType.shiftSchedules`) |
/// | `location` (`Location`, opt.)  | `positionHistories[].location` (`LocationType`/`AddressType`)         |
/// | `location.addressLocality`     | `city`                                                                |
/// | `location.addressRegion`       | `countrySubDivisions[].value`                                         |
/// | `location.addressCountry`      | `countryCode` (ISO 3166-1 alpha-2)                                    |
/// | `location.postalCode`          | `postalCode`                                                          |
/// | `pay` (`Pay`, optional)        | `RemunerationPackageType.ranges[]` (`RemunerationRangeType`)          |
/// | `pay.amount`                   | `referenceAmount.value` (`AmountType`)                                |
/// | `pay.currency`                 | `referenceAmount.currency` (ISO 4217)                                 |
/// | `pay.period`                   | `intervalCode` (`PayRateIntervalCodeList`: `Hour`, `Week`, `Year`...) |
///
/// Dates are `xsd:date` or `xsd:dateTime`; LER-RS also allows a bare year or year-month, which an
/// importer widens to the first day. The subject's `id` is the worker (holder), as in any VC.
/// `Employer`, `Location` and `Pay` objects carry their `type` because their terms are defined in
/// type-scoped contexts: without it, signing in JSON-LD safe mode fails on undefined terms.
///
/// In the context, `hoursPerWeek` and `pay.amount` are typed `xsd:double`: JSON numbers are
/// doubles, and JSON-LD writes a fractional number in double form (`2.15E1`), which would be an
/// ill-formed `xsd:decimal`. `startDate` and `endDate` carry no datatype because either a date or
/// a date-time may appear. `employer.name` is the VC 2.0 context's `name`; the address fields map
/// to schema.org, as OB 3.0's `Address` does.
pub const EMPLOYMENT_CONTEXT: &str = "https://w3id.org/ler/employment/v1";
/// The vocabulary the employment context maps its terms into.
pub const EMPLOYMENT_VOCAB: &str = "https://w3id.org/ler/employment/vocab#";

/// Whether `url` is an Open Badges 3.0 context, as the 1EdTech JSON Schema matches it:
/// `https://purl.imsglobal.org/spec/ob/v3p0/context.json` or `.../context-3.d.d.json`.
pub fn is_ob3_context(url: &str) -> bool {
    versioned_context(url, "https://purl.imsglobal.org/spec/ob/v3p0/context", b'3')
}

/// Whether `url` is a CLR 2.0 context: `https://purl.imsglobal.org/spec/clr/v2p0/context.json`
/// or `.../context-2.d.d.json`.
pub fn is_clr_context(url: &str) -> bool {
    versioned_context(
        url,
        "https://purl.imsglobal.org/spec/clr/v2p0/context",
        b'2',
    )
}

fn versioned_context(url: &str, prefix: &str, major: u8) -> bool {
    let Some(middle) = url
        .strip_prefix(prefix)
        .and_then(|rest| rest.strip_suffix(".json"))
    else {
        return false;
    };
    match middle.as_bytes() {
        [] => true,
        [b'-', m, b'.', minor, b'.', patch] => {
            *m == major && minor.is_ascii_digit() && patch.is_ascii_digit()
        }
        _ => false,
    }
}

/// OB 3.0 `AchievementType` (extensible: a term starting with `ext:` is also allowed).
pub const ACHIEVEMENT_TYPES: &[&str] = &[
    "Achievement",
    "ApprenticeshipCertificate",
    "Assessment",
    "Assignment",
    "AssociateDegree",
    "Award",
    "Badge",
    "BachelorDegree",
    "Certificate",
    "CertificateOfCompletion",
    "Certification",
    "CommunityService",
    "Competency",
    "Course",
    "CoCurricular",
    "Degree",
    "Diploma",
    "DoctoralDegree",
    "Fieldwork",
    "GeneralEducationDevelopment",
    "JourneymanCertificate",
    "LearningProgram",
    "License",
    "Membership",
    "ProfessionalDoctorate",
    "QualityAssuranceCredential",
    "MasterCertificate",
    "MasterDegree",
    "MicroCredential",
    "ResearchDoctorate",
    "SecondarySchoolDiploma",
];

/// OB 3.0 `AlignmentTargetType` (extensible with `ext:`).
pub const ALIGNMENT_TARGET_TYPES: &[&str] = &[
    "ceasn:Competency",
    "ceterms:Credential",
    "CFItem",
    "CFRubric",
    "CFRubricCriterion",
    "CFRubricCriterionLevel",
    "CTDL",
];

/// OB 3.0 `IdentifierTypeEnum`, used by `IdentityObject.identityType` and
/// `IdentifierEntry.identifierType` (extensible with `ext:`).
pub const IDENTIFIER_TYPES: &[&str] = &[
    "name",
    "sourcedId",
    "systemId",
    "productId",
    "userName",
    "accountId",
    "emailAddress",
    "nationalIdentityNumber",
    "isbn",
    "issn",
    "lisSourcedId",
    "oneRosterSourcedId",
    "sisSourcedId",
    "ltiContextId",
    "ltiDeploymentId",
    "ltiToolId",
    "ltiPlatformId",
    "ltiUserId",
    "identifier",
];

/// OB 3.0 `ResultType` (extensible with `ext:`).
pub const RESULT_TYPES: &[&str] = &[
    "GradePointAverage",
    "LetterGrade",
    "Percent",
    "PerformanceLevel",
    "PredictedScore",
    "RawScore",
    "Result",
    "RubricCriterion",
    "RubricCriterionLevel",
    "RubricScore",
    "ScaledScore",
    "Status",
];

/// OB 3.0 `ResultStatusType` (closed).
pub const RESULT_STATUSES: &[&str] = &[
    "Completed",
    "Enrolled",
    "Failed",
    "InProgress",
    "OnHold",
    "Provisional",
    "Withdrew",
];

/// CLR 2.0 `AssociationType` (closed).
pub const ASSOCIATION_TYPES: &[&str] = &[
    "exactMatchOf",
    "isChildOf",
    "isParentOf",
    "isPartOf",
    "isPeerOf",
    "isRelatedTo",
    "precedes",
    "replacedBy",
];

/// Employment `employmentType`: HR Open LER-RS `WorkRelationshipTypeCodeList` followed by the
/// older `ResourceRelationshipCodeList` LER-RS still carries (extensible with `ext:`).
pub const EMPLOYMENT_TYPES: &[&str] = &[
    "Employment",
    "Contract",
    "Volunteering",
    "Employee",
    "VendorEmployee",
    "IndependentContractor",
    "Volunteer",
    "Internship",
    "Externship",
    "Apprenticeship",
];

/// Employment `pay.period`: HR Open `PayRateIntervalCodeList` (closed).
pub const PAY_PERIODS: &[&str] = &[
    "Hour",
    "Day",
    "Week",
    "TwoWeek24",
    "TwoWeek26",
    "TwoWeeks",
    "FourWeeks",
    "HalfMonth",
    "Month",
    "TwoMonths",
    "Quarter",
    "SeasonalTerm",
    "HalfYear",
    "Year",
    "QuarterToDate",
    "YearToDate",
    "Once",
];

/// Whether `term` is in `values` or is an extension term (`ext:` followed by at least one
/// character and no whitespace), as the OB 3.0 extensible enumerations allow.
pub(crate) fn in_extensible(values: &[&str], term: &str) -> bool {
    values.contains(&term)
        || term
            .strip_prefix("ext:")
            .is_some_and(|rest| !rest.is_empty() && !rest.chars().any(char::is_whitespace))
}
