//! One or more failing cases for every rule in `ler_model::RULES`, each asserting the exact
//! `(path, rule)` pairs reported; and a few near misses that must pass.

use serde_json::{Value, json};

use crate::support::{check, fixture, remove, set};

const V2: &str = "https://www.w3.org/ns/credentials/v2";
const V1: &str = "https://www.w3.org/2018/credentials/v1";
const OB3: &str = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json";
const CLR: &str = "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json";
const EMP: &str = "https://w3id.org/ler/employment/v1";

/// A minimal VC 2.0 credential with no violations.
fn vc() -> Value {
    json!({
        "@context": [V2],
        "id": "urn:uuid:0b0e8f3a-1111-4c3b-9a6e-000000000001",
        "type": ["VerifiableCredential"],
        "issuer": "did:example:issuer",
        "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:alice"}
    })
}

/// A minimal VC 1.1 credential with no violations.
fn vc1() -> Value {
    json!({
        "@context": [V1],
        "type": ["VerifiableCredential"],
        "issuer": "did:example:issuer",
        "issuanceDate": "2020-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:alice"}
    })
}

/// A presentation holding `vc()`.
fn vp() -> Value {
    json!({
        "@context": [V2],
        "type": ["VerifiablePresentation"],
        "holder": "did:example:alice",
        "verifiableCredential": [vc()]
    })
}

fn ob3() -> Value {
    fixture("ob3-achievement.json")
}

fn endorsement() -> Value {
    fixture("endorsement.json")
}

fn clr() -> Value {
    fixture("clr.json")
}

fn employment() -> Value {
    fixture("employment.json")
}

const A: &str = "/credentialSubject/achievement";

type Case = (&'static str, Value, Vec<(&'static str, &'static str)>);

/// Nests `"x": {...}` `levels` times under the credential subject.
fn deep(levels: usize) -> Value {
    let mut inner = json!({});
    for _ in 0..levels {
        inner = json!({ "x": inner });
    }
    set(vc(), "/credentialSubject/x", inner)
}

/// Endorsements nested `levels` deep inside an OB3 credential.
fn nested_endorsements(levels: usize) -> Value {
    let mut inner = endorsement();
    for _ in 0..levels {
        inner = set(endorsement(), "/endorsement", json!([inner]));
    }
    set(ob3(), "/endorsement", json!([inner]))
}

fn json_cases() -> Vec<Case> {
    vec![
        (
            "null member",
            set(ob3(), "/description", Value::Null),
            vec![("$.description", "json.null")],
        ),
        (
            "null array item",
            set(ob3(), "/type/2", Value::Null),
            vec![("$.type[2]", "json.null")],
        ),
        (
            "null inside @context is fine",
            set(vc(), "/@context/1", json!({"x": null})),
            vec![],
        ),
        (
            "json deeper than 128 levels",
            deep(140),
            vec![("DEEP", "json.depth")],
        ),
        (
            "credentials embedded more than 16 deep",
            nested_endorsements(17),
            vec![("EMBEDDED", "json.depth")],
        ),
        ("not an object", json!(42), vec![("$", "vc.object")]),
        ("an array", json!([vc()]), vec![("$", "vc.object")]),
    ]
}

fn vc_cases() -> Vec<Case> {
    vec![
        ("plain credential passes", vc(), vec![]),
        (
            "@context missing",
            remove(vc(), "/@context"),
            vec![("$.@context", "vc.context.required")],
        ),
        (
            "@context a number",
            set(vc(), "/@context", json!(1)),
            vec![("$.@context", "vc.context.invalid")],
        ),
        (
            "@context empty",
            set(vc(), "/@context", json!([])),
            vec![("$.@context", "vc.context.invalid")],
        ),
        (
            "@context an object",
            set(vc(), "/@context", json!({})),
            vec![("$.@context", "vc.context.invalid")],
        ),
        (
            "@context the v2 string",
            set(vc(), "/@context", json!(V2)),
            vec![],
        ),
        (
            "@context another string",
            set(vc(), "/@context", json!(OB3)),
            vec![("$.@context", "vc.context.first")],
        ),
        (
            "@context wrong first",
            set(vc(), "/@context", json!([OB3, V2])),
            vec![("$.@context[0]", "vc.context.first")],
        ),
        (
            "@context first an object",
            set(vc(), "/@context", json!([{}])),
            vec![("$.@context[0]", "vc.context.first")],
        ),
        (
            "@context item a number",
            set(vc(), "/@context/1", json!(7)),
            vec![("$.@context[1]", "vc.context.item")],
        ),
        (
            "@context item not a url",
            set(vc(), "/@context/1", json!("ob3")),
            vec![("$.@context[1]", "vc.context.item")],
        ),
        (
            "type missing",
            remove(vc(), "/type"),
            vec![("$.type", "vc.type.required")],
        ),
        (
            "type a number",
            set(vc(), "/type", json!(3)),
            vec![("$.type", "vc.type.invalid")],
        ),
        (
            "type empty",
            set(vc(), "/type", json!([])),
            vec![("$.type", "vc.type.invalid")],
        ),
        (
            "type item a number",
            set(vc(), "/type/1", json!(3)),
            vec![("$.type[1]", "vc.type.item")],
        ),
        (
            "type lacks VerifiableCredential",
            set(vc(), "/type", json!(["Credential"])),
            vec![("$.type", "vc.type.includes")],
        ),
        (
            "type a wrong string",
            set(vc(), "/type", json!("Credential")),
            vec![("$.type", "vc.type.includes")],
        ),
        (
            "type the right string",
            set(vc(), "/type", json!("VerifiableCredential")),
            vec![],
        ),
        (
            "ob3 type without VerifiableCredential",
            set(ob3(), "/type", json!(["OpenBadgeCredential"])),
            vec![("$.type", "vc.type.includes")],
        ),
        (
            "id not a url",
            set(vc(), "/id", json!("3527")),
            vec![("$.id", "vc.id.url")],
        ),
        (
            "id a number",
            set(vc(), "/id", json!(3527)),
            vec![("$.id", "vc.id.url")],
        ),
        (
            "issuer missing",
            remove(vc(), "/issuer"),
            vec![("$.issuer", "vc.issuer.required")],
        ),
        (
            "issuer null",
            set(vc(), "/issuer", Value::Null),
            vec![
                ("$.issuer", "vc.issuer.required"),
                ("$.issuer", "json.null"),
            ],
        ),
        (
            "issuer true",
            set(vc(), "/issuer", json!(true)),
            vec![("$.issuer", "vc.issuer.invalid")],
        ),
        (
            "issuer a number",
            set(vc(), "/issuer", json!(5)),
            vec![("$.issuer", "vc.issuer.invalid")],
        ),
        (
            "issuer an array",
            set(vc(), "/issuer", json!(["did:example:a"])),
            vec![("$.issuer", "vc.issuer.invalid")],
        ),
        (
            "issuer empty",
            set(vc(), "/issuer", json!("")),
            vec![("$.issuer", "vc.issuer.url")],
        ),
        (
            "issuer not a url",
            set(vc(), "/issuer", json!("Example U")),
            vec![("$.issuer", "vc.issuer.url")],
        ),
        (
            "issuer object without id",
            set(vc(), "/issuer", json!({"name": "x"})),
            vec![("$.issuer.id", "vc.issuer.id")],
        ),
        (
            "issuer object id not a url",
            set(vc(), "/issuer", json!({"id": "x"})),
            vec![("$.issuer.id", "vc.issuer.id")],
        ),
        (
            "issuer object passes",
            set(vc(), "/issuer", json!({"id": "https://example.edu"})),
            vec![],
        ),
        (
            "subject missing",
            remove(vc(), "/credentialSubject"),
            vec![("$.credentialSubject", "vc.subject.required")],
        ),
        (
            "subject null",
            set(vc(), "/credentialSubject", Value::Null),
            vec![
                ("$.credentialSubject", "vc.subject.required"),
                ("$.credentialSubject", "json.null"),
            ],
        ),
        (
            "subject a number",
            set(vc(), "/credentialSubject", json!(1)),
            vec![("$.credentialSubject", "vc.subject.invalid")],
        ),
        (
            "subject a string",
            set(vc(), "/credentialSubject", json!("did:example:a")),
            vec![("$.credentialSubject", "vc.subject.invalid")],
        ),
        (
            "subject empty array",
            set(vc(), "/credentialSubject", json!([])),
            vec![("$.credentialSubject", "vc.subject.invalid")],
        ),
        (
            "subject array item a string",
            set(
                vc(),
                "/credentialSubject",
                json!([{"id": "did:example:a"}, "did:example:b"]),
            ),
            vec![("$.credentialSubject[1]", "vc.subject.item")],
        ),
        (
            "subject array of objects passes",
            set(
                vc(),
                "/credentialSubject",
                json!([{"id": "did:example:a"}, {"name": "b"}]),
            ),
            vec![],
        ),
        (
            "subject id not a url",
            set(vc(), "/credentialSubject/id", json!("alice")),
            vec![("$.credentialSubject.id", "vc.subject.id")],
        ),
        (
            "subject array item id not a url",
            set(
                vc(),
                "/credentialSubject",
                json!([{"id": "did:example:a"}, {"id": "b"}]),
            ),
            vec![("$.credentialSubject[1].id", "vc.subject.id")],
        ),
        (
            "validFrom a date",
            set(vc(), "/validFrom", json!("2026-01-01")),
            vec![("$.validFrom", "vc.validFrom.datetime")],
        ),
        (
            "validFrom without timezone",
            set(vc(), "/validFrom", json!("2026-01-01T00:00:00")),
            vec![("$.validFrom", "vc.validFrom.datetime")],
        ),
        (
            "validFrom a number",
            set(vc(), "/validFrom", json!(1_767_225_600)),
            vec![("$.validFrom", "vc.validFrom.datetime")],
        ),
        (
            "validUntil invalid",
            set(vc(), "/validUntil", json!("2026-02-30T00:00:00Z")),
            vec![("$.validUntil", "vc.validUntil.datetime")],
        ),
        (
            "validUntil before validFrom",
            set(vc(), "/validUntil", json!("2025-12-31T23:59:59Z")),
            vec![("$.validUntil", "vc.validity.order")],
        ),
        (
            "validUntil equal to validFrom passes",
            set(vc(), "/validUntil", json!("2026-01-01T01:00:00+01:00")),
            vec![],
        ),
        ("vc 1.1 passes", vc1(), vec![]),
        (
            "vc 1.1 without issuanceDate",
            remove(vc1(), "/issuanceDate"),
            vec![("$.issuanceDate", "vc1.issuanceDate.required")],
        ),
        (
            "vc 1.1 issuanceDate invalid",
            set(vc1(), "/issuanceDate", json!("yesterday")),
            vec![("$.issuanceDate", "vc1.issuanceDate.datetime")],
        ),
        (
            "vc 1.1 expirationDate invalid",
            set(vc1(), "/expirationDate", json!("2020-13-01T00:00:00Z")),
            vec![("$.expirationDate", "vc1.expirationDate.datetime")],
        ),
        (
            "vc 1.1 expirationDate before issuanceDate",
            set(vc1(), "/expirationDate", json!("2019-01-01T00:00:00Z")),
            vec![("$.expirationDate", "vc1.validity.order")],
        ),
        (
            "status a string",
            set(vc(), "/credentialStatus", json!("revoked")),
            vec![("$.credentialStatus", "vc.status.invalid")],
        ),
        (
            "status item a number",
            set(vc(), "/credentialStatus", json!([5])),
            vec![("$.credentialStatus[0]", "vc.status.invalid")],
        ),
        (
            "status without type",
            set(
                vc(),
                "/credentialStatus",
                json!({"id": "https://example.org/status/1#5"}),
            ),
            vec![("$.credentialStatus.type", "vc.status.type")],
        ),
        (
            "status id not a url",
            set(
                vc(),
                "/credentialStatus",
                json!({"id": "5", "type": "BitstringStatusListEntry"}),
            ),
            vec![("$.credentialStatus.id", "vc.status.id")],
        ),
        (
            "status without id passes in 2.0",
            set(
                vc(),
                "/credentialStatus",
                json!({"type": "BitstringStatusListEntry"}),
            ),
            vec![],
        ),
        (
            "status without id in 1.1",
            set(
                vc1(),
                "/credentialStatus",
                json!({"type": "StatusList2021Entry"}),
            ),
            vec![("$.credentialStatus.id", "vc.status.id")],
        ),
        (
            "schema a string",
            set(
                vc(),
                "/credentialSchema",
                json!("https://example.org/s.json"),
            ),
            vec![("$.credentialSchema", "vc.schema.invalid")],
        ),
        (
            "schema without id",
            set(vc(), "/credentialSchema", json!([{"type": "JsonSchema"}])),
            vec![("$.credentialSchema[0].id", "vc.schema.id")],
        ),
        (
            "schema without type",
            set(
                vc(),
                "/credentialSchema",
                json!({"id": "https://example.org/s.json"}),
            ),
            vec![("$.credentialSchema.type", "vc.schema.type")],
        ),
        (
            "proof a string",
            set(vc(), "/proof", json!("z3abc")),
            vec![("$.proof", "vc.proof.invalid")],
        ),
        (
            "proof without type",
            set(
                vc(),
                "/proof",
                json!([{"type": "DataIntegrityProof"}, {"cryptosuite": "eddsa-rdfc-2022"}]),
            ),
            vec![("$.proof[1].type", "vc.proof.type")],
        ),
        (
            "proof with empty type",
            set(vc(), "/proof", json!({"type": ""})),
            vec![("$.proof.type", "vc.proof.type")],
        ),
        (
            "evidence a string",
            set(vc(), "/evidence", json!("https://example.org/e")),
            vec![("$.evidence", "vc.evidence.invalid")],
        ),
        (
            "evidence without type",
            set(vc(), "/evidence", json!([{"id": "https://example.org/e"}])),
            vec![("$.evidence[0].type", "vc.evidence.type")],
        ),
        (
            "evidence id not a url",
            set(vc(), "/evidence", json!({"id": "e1", "type": "Evidence"})),
            vec![("$.evidence.id", "vc.evidence.id")],
        ),
        (
            "termsOfUse a number",
            set(vc(), "/termsOfUse", json!(1)),
            vec![("$.termsOfUse", "vc.termsOfUse.invalid")],
        ),
        (
            "termsOfUse without type",
            set(vc(), "/termsOfUse", json!({"id": "https://example.org/t"})),
            vec![("$.termsOfUse.type", "vc.termsOfUse.type")],
        ),
        (
            "refreshService a string",
            set(vc(), "/refreshService", json!("https://example.org/r")),
            vec![("$.refreshService", "vc.refreshService.invalid")],
        ),
        (
            "refreshService without type",
            set(
                vc(),
                "/refreshService",
                json!({"id": "https://example.org/r"}),
            ),
            vec![("$.refreshService.type", "vc.refreshService.type")],
        ),
        ("presentation passes", vp(), vec![]),
        (
            "presentation with a single credential passes",
            set(vp(), "/verifiableCredential", vc()),
            vec![],
        ),
        (
            "presentation holder not a url",
            set(vp(), "/holder", json!("alice")),
            vec![("$.holder", "vp.holder")],
        ),
        (
            "presentation holder object without id",
            set(vp(), "/holder", json!({"name": "Alice"})),
            vec![("$.holder.id", "vp.holder")],
        ),
        (
            "presentation holder a number",
            set(vp(), "/holder", json!(1)),
            vec![("$.holder", "vp.holder")],
        ),
        (
            "presentation credential a string",
            set(
                vp(),
                "/verifiableCredential",
                json!(["eyJhbGciOiJFZERTQSJ9.e30.sig"]),
            ),
            vec![("$.verifiableCredential[0]", "vp.verifiableCredential.item")],
        ),
        (
            "presentation with an enveloped credential passes",
            set(
                vp(),
                "/verifiableCredential/0",
                json!({"@context": [V2], "id": "data:application/vc+jwt,eyJhbGciOiJFUzI1NiJ9.e30.c2ln", "type": "EnvelopedVerifiableCredential"}),
            ),
            vec![],
        ),
        (
            "presentation with an enveloped credential without id",
            set(
                vp(),
                "/verifiableCredential/0",
                json!({"@context": [V2], "type": ["EnvelopedVerifiableCredential"]}),
            ),
            vec![(
                "$.verifiableCredential[0].id",
                "vp.verifiableCredential.item",
            )],
        ),
        (
            "vc 1.1 presentation may hold a jwt",
            json!({"@context": [V1], "type": "VerifiablePresentation", "verifiableCredential": ["eyJ.e30.sig"]}),
            vec![],
        ),
        (
            "presentation credential broken",
            set(vp(), "/verifiableCredential/0/issuer", json!("")),
            vec![("$.verifiableCredential[0].issuer", "vc.issuer.url")],
        ),
        (
            "presentation context missing",
            remove(vp(), "/@context"),
            vec![("$.@context", "vc.context.required")],
        ),
        (
            "presentation proof without type",
            set(vp(), "/proof", json!({})),
            vec![("$.proof.type", "vc.proof.type")],
        ),
    ]
}

fn ob3_cases() -> Vec<Case> {
    vec![
        ("ob3 fixture passes", ob3(), vec![]),
        (
            "ob3 second context missing",
            set(ob3(), "/@context", json!([V2])),
            vec![("$.@context", "ob3.context")],
        ),
        (
            "ob3 second context wrong",
            set(ob3(), "/@context", json!([V2, CLR, OB3])),
            vec![("$.@context[1]", "ob3.context")],
        ),
        (
            "ob3 context a string",
            set(ob3(), "/@context", json!(V2)),
            vec![("$.@context", "ob3.context")],
        ),
        (
            "ob3 earlier context version passes",
            set(
                ob3(),
                "/@context/1",
                json!("https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.2.json"),
            ),
            vec![],
        ),
        (
            "ob3 on vc 1.1 needs issuanceDate, not validFrom",
            remove(set(ob3(), "/@context/0", json!(V1)), "/validFrom"),
            vec![("$.issuanceDate", "vc1.issuanceDate.required")],
        ),
        (
            "clr on vc 1.1 needs issuanceDate, not validFrom",
            remove(set(clr(), "/@context/0", json!(V1)), "/validFrom"),
            vec![("$.issuanceDate", "vc1.issuanceDate.required")],
        ),
        (
            "ob3 id missing",
            remove(ob3(), "/id"),
            vec![("$.id", "ob3.id.required")],
        ),
        (
            "ob3 validFrom missing",
            remove(ob3(), "/validFrom"),
            vec![("$.validFrom", "ob3.validFrom.required")],
        ),
        ("ob3 name is optional", remove(ob3(), "/name"), vec![]),
        (
            "ob3 awardedDate not a datetime",
            set(ob3(), "/awardedDate", json!("2026-01-01")),
            vec![("$.awardedDate", "ob3.awardedDate")],
        ),
        (
            "ob3 subject an array",
            set(
                ob3(),
                "/credentialSubject",
                json!([ob3()["credentialSubject"].clone()]),
            ),
            vec![("$.credentialSubject", "ob3.subject.single")],
        ),
        (
            "ob3 subject type",
            set(ob3(), "/credentialSubject/type", json!(["Subject"])),
            vec![("$.credentialSubject.type", "ob3.subject.type")],
        ),
        (
            "ob3 subject without type",
            remove(ob3(), "/credentialSubject/type"),
            vec![("$.credentialSubject.type", "ob3.subject.type")],
        ),
        (
            "ob3 subject with neither id nor identifier",
            remove(ob3(), "/credentialSubject/identifier"),
            vec![("$.credentialSubject", "ob3.subject.identity")],
        ),
        (
            "ob3 subject with an empty identifier",
            set(ob3(), "/credentialSubject/identifier", json!([])),
            vec![("$.credentialSubject", "ob3.subject.identity")],
        ),
        (
            "ob3 subject with an id only passes",
            set(
                remove(ob3(), "/credentialSubject/identifier"),
                "/credentialSubject/id",
                json!("did:example:learner"),
            ),
            vec![],
        ),
        (
            "ob3 creditsEarned a string",
            set(ob3(), "/credentialSubject/creditsEarned", json!("3")),
            vec![(
                "$.credentialSubject.creditsEarned",
                "ob3.subject.creditsEarned",
            )],
        ),
        (
            "ob3 achievement missing",
            remove(ob3(), A),
            vec![(
                "$.credentialSubject.achievement",
                "ob3.achievement.required",
            )],
        ),
        (
            "ob3 achievement a url",
            set(ob3(), A, json!("https://example.org/a")),
            vec![("$.credentialSubject.achievement", "ob3.achievement.invalid")],
        ),
        (
            "ob3 achievement id missing",
            remove(ob3(), "/credentialSubject/achievement/id"),
            vec![("$.credentialSubject.achievement.id", "ob3.achievement.id")],
        ),
        (
            "ob3 achievement type",
            set(ob3(), "/credentialSubject/achievement/type", json!("Badge")),
            vec![(
                "$.credentialSubject.achievement.type",
                "ob3.achievement.type",
            )],
        ),
        (
            "ob3 achievement name missing",
            remove(ob3(), "/credentialSubject/achievement/name"),
            vec![(
                "$.credentialSubject.achievement.name",
                "ob3.achievement.name.required",
            )],
        ),
        (
            "ob3 achievement name a number",
            set(ob3(), "/credentialSubject/achievement/name", json!(1)),
            vec![(
                "$.credentialSubject.achievement.name",
                "ob3.achievement.name.required",
            )],
        ),
        (
            "ob3 achievement name a language map passes",
            set(
                ob3(),
                "/credentialSubject/achievement/name",
                json!({"en": "Forklift", "es": "Montacargas"}),
            ),
            vec![],
        ),
        (
            "ob3 achievement description missing",
            remove(ob3(), "/credentialSubject/achievement/description"),
            vec![(
                "$.credentialSubject.achievement.description",
                "ob3.achievement.description.required",
            )],
        ),
        (
            "ob3 achievement criteria missing",
            remove(ob3(), "/credentialSubject/achievement/criteria"),
            vec![(
                "$.credentialSubject.achievement.criteria",
                "ob3.achievement.criteria.required",
            )],
        ),
        (
            "ob3 criteria empty",
            set(ob3(), "/credentialSubject/achievement/criteria", json!({})),
            vec![(
                "$.credentialSubject.achievement.criteria",
                "ob3.achievement.criteria",
            )],
        ),
        (
            "ob3 criteria a url",
            set(
                ob3(),
                "/credentialSubject/achievement/criteria",
                json!("https://example.org/c"),
            ),
            vec![(
                "$.credentialSubject.achievement.criteria",
                "ob3.achievement.criteria",
            )],
        ),
        (
            "ob3 criteria id not a url",
            set(
                ob3(),
                "/credentialSubject/achievement/criteria/id",
                json!("criteria"),
            ),
            vec![(
                "$.credentialSubject.achievement.criteria.id",
                "ob3.achievement.criteria",
            )],
        ),
        (
            "ob3 criteria narrative a number",
            set(
                ob3(),
                "/credentialSubject/achievement/criteria/narrative",
                json!(1),
            ),
            vec![(
                "$.credentialSubject.achievement.criteria.narrative",
                "ob3.achievement.criteria",
            )],
        ),
        (
            "ob3 achievementType unknown",
            set(
                ob3(),
                "/credentialSubject/achievement/achievementType",
                json!("Trophy"),
            ),
            vec![(
                "$.credentialSubject.achievement.achievementType",
                "ob3.achievement.achievementType",
            )],
        ),
        (
            "ob3 achievementType an array",
            set(
                ob3(),
                "/credentialSubject/achievement/achievementType",
                json!(["Badge"]),
            ),
            vec![(
                "$.credentialSubject.achievement.achievementType",
                "ob3.achievement.achievementType",
            )],
        ),
        (
            "ob3 achievementType extension passes",
            set(
                ob3(),
                "/credentialSubject/achievement/achievementType",
                json!("ext:Trophy"),
            ),
            vec![],
        ),
        (
            "ob3 achievementType bare ext:",
            set(
                ob3(),
                "/credentialSubject/achievement/achievementType",
                json!("ext:"),
            ),
            vec![(
                "$.credentialSubject.achievement.achievementType",
                "ob3.achievement.achievementType",
            )],
        ),
        (
            "ob3 tag item a number",
            set(ob3(), "/credentialSubject/achievement/tag/1", json!(7)),
            vec![(
                "$.credentialSubject.achievement.tag[1]",
                "ob3.achievement.tag",
            )],
        ),
        (
            "ob3 tag an object",
            set(
                ob3(),
                "/credentialSubject/achievement/tag",
                json!({"a": "b"}),
            ),
            vec![("$.credentialSubject.achievement.tag", "ob3.achievement.tag")],
        ),
        (
            "ob3 tag a string passes",
            set(ob3(), "/credentialSubject/achievement/tag", json!("safety")),
            vec![],
        ),
        (
            "ob3 creditsAvailable a string",
            set(
                ob3(),
                "/credentialSubject/achievement/creditsAvailable",
                json!("3.0"),
            ),
            vec![(
                "$.credentialSubject.achievement.creditsAvailable",
                "ob3.achievement.creditsAvailable",
            )],
        ),
        (
            "ob3 identifier a string",
            set(
                ob3(),
                "/credentialSubject/identifier",
                json!("jordan@example.com"),
            ),
            vec![("$.credentialSubject.identifier", "ob3.identity.invalid")],
        ),
        (
            "ob3 identifier item a string",
            set(
                ob3(),
                "/credentialSubject/identifier/1",
                json!("jordan@example.com"),
            ),
            vec![("$.credentialSubject.identifier[1]", "ob3.identity.invalid")],
        ),
        (
            "ob3 identity type an array",
            set(
                ob3(),
                "/credentialSubject/identifier/0/type",
                json!(["IdentityObject"]),
            ),
            vec![(
                "$.credentialSubject.identifier[0].type",
                "ob3.identity.type",
            )],
        ),
        (
            "ob3 identity hashed missing",
            remove(ob3(), "/credentialSubject/identifier/0/hashed"),
            vec![(
                "$.credentialSubject.identifier[0].hashed",
                "ob3.identity.hashed",
            )],
        ),
        (
            "ob3 identity hashed a string",
            set(
                ob3(),
                "/credentialSubject/identifier/0/hashed",
                json!("true"),
            ),
            vec![(
                "$.credentialSubject.identifier[0].hashed",
                "ob3.identity.hashed",
            )],
        ),
        (
            "ob3 identityHash missing",
            remove(ob3(), "/credentialSubject/identifier/0/identityHash"),
            vec![(
                "$.credentialSubject.identifier[0].identityHash",
                "ob3.identity.identityHash",
            )],
        ),
        (
            "ob3 identityHash a number",
            set(
                ob3(),
                "/credentialSubject/identifier/0/identityHash",
                json!(5),
            ),
            vec![(
                "$.credentialSubject.identifier[0].identityHash",
                "ob3.identity.identityHash",
            )],
        ),
        (
            "ob3 hashed identityHash plain text",
            set(
                ob3(),
                "/credentialSubject/identifier/0/identityHash",
                json!("jordan.rivera@example.com"),
            ),
            vec![(
                "$.credentialSubject.identifier[0].identityHash",
                "ob3.identity.hash",
            )],
        ),
        (
            "ob3 hashed identityHash short",
            set(
                ob3(),
                "/credentialSubject/identifier/0/identityHash",
                json!("sha256$e4bce354"),
            ),
            vec![(
                "$.credentialSubject.identifier[0].identityHash",
                "ob3.identity.hash",
            )],
        ),
        (
            "ob3 hashed identityHash unknown algorithm",
            set(
                ob3(),
                "/credentialSubject/identifier/0/identityHash",
                json!("sha1$e4bce35458e805d64a8244f3eaa33d12de5af3ca"),
            ),
            vec![(
                "$.credentialSubject.identifier[0].identityHash",
                "ob3.identity.hash",
            )],
        ),
        (
            "ob3 md5 identityHash passes",
            set(
                ob3(),
                "/credentialSubject/identifier/0/identityHash",
                json!("md5$C4CA4238A0B923820DCC509A6F75849B"),
            ),
            vec![],
        ),
        (
            "ob3 plain identity passes",
            set(
                ob3(),
                "/credentialSubject/identifier/0",
                json!({"type": "IdentityObject", "hashed": false, "identityHash": "Jordan Rivera", "identityType": "name"}),
            ),
            vec![],
        ),
        (
            "ob3 identityType unknown",
            set(
                ob3(),
                "/credentialSubject/identifier/0/identityType",
                json!("email"),
            ),
            vec![(
                "$.credentialSubject.identifier[0].identityType",
                "ob3.identity.identityType",
            )],
        ),
        (
            "ob3 identityType missing",
            remove(ob3(), "/credentialSubject/identifier/0/identityType"),
            vec![(
                "$.credentialSubject.identifier[0].identityType",
                "ob3.identity.identityType",
            )],
        ),
        (
            "ob3 salt a number",
            set(ob3(), "/credentialSubject/identifier/0/salt", json!(42)),
            vec![(
                "$.credentialSubject.identifier[0].salt",
                "ob3.identity.salt",
            )],
        ),
        (
            "ob3 otherIdentifier a string",
            set(
                ob3(),
                "/credentialSubject/achievement/otherIdentifier",
                json!("ABC-1"),
            ),
            vec![(
                "$.credentialSubject.achievement.otherIdentifier",
                "ob3.identifierEntry.invalid",
            )],
        ),
        (
            "ob3 otherIdentifier passes",
            set(
                ob3(),
                "/credentialSubject/achievement/otherIdentifier",
                json!([{"type": "IdentifierEntry", "identifier": "FLS-101", "identifierType": "sourcedId"}]),
            ),
            vec![],
        ),
        (
            "ob3 otherIdentifier broken",
            set(
                ob3(),
                "/credentialSubject/achievement/otherIdentifier",
                json!([{"type": "Identifier", "identifier": 101, "identifierType": "code"}]),
            ),
            vec![
                (
                    "$.credentialSubject.achievement.otherIdentifier[0].type",
                    "ob3.identifierEntry.type",
                ),
                (
                    "$.credentialSubject.achievement.otherIdentifier[0].identifier",
                    "ob3.identifierEntry.identifier",
                ),
                (
                    "$.credentialSubject.achievement.otherIdentifier[0].identifierType",
                    "ob3.identifierEntry.identifierType",
                ),
            ],
        ),
        (
            "ob3 alignment a string",
            set(
                ob3(),
                "/credentialSubject/achievement/alignment",
                json!("https://example.org/skill"),
            ),
            vec![(
                "$.credentialSubject.achievement.alignment",
                "ob3.alignment.invalid",
            )],
        ),
        (
            "ob3 alignment broken",
            set(
                ob3(),
                "/credentialSubject/achievement/alignment/0",
                json!({"type": ["Skill"], "targetType": "Skill", "targetUrl": "skill-1"}),
            ),
            vec![
                (
                    "$.credentialSubject.achievement.alignment[0].type",
                    "ob3.alignment.type",
                ),
                (
                    "$.credentialSubject.achievement.alignment[0].targetName",
                    "ob3.alignment.targetName",
                ),
                (
                    "$.credentialSubject.achievement.alignment[0].targetUrl",
                    "ob3.alignment.targetUrl",
                ),
                (
                    "$.credentialSubject.achievement.alignment[0].targetType",
                    "ob3.alignment.targetType",
                ),
            ],
        ),
        (
            "ob3 alignment without targetUrl",
            remove(
                ob3(),
                "/credentialSubject/achievement/alignment/0/targetUrl",
            ),
            vec![(
                "$.credentialSubject.achievement.alignment[0].targetUrl",
                "ob3.alignment.targetUrl",
            )],
        ),
        (
            "ob3 resultDescription a string",
            set(
                ob3(),
                "/credentialSubject/achievement/resultDescription",
                json!("score"),
            ),
            vec![
                (
                    "$.credentialSubject.achievement.resultDescription",
                    "ob3.resultDescription.invalid",
                ),
                (
                    "$.credentialSubject.result[0].resultDescription",
                    "ob3.result.resultDescription",
                ),
            ],
        ),
        (
            "ob3 resultDescription broken",
            set(
                ob3(),
                "/credentialSubject/achievement/resultDescription/1",
                json!({"type": "Result", "resultType": "Score"}),
            ),
            vec![
                (
                    "$.credentialSubject.achievement.resultDescription[1].id",
                    "ob3.resultDescription.id",
                ),
                (
                    "$.credentialSubject.achievement.resultDescription[1].type",
                    "ob3.resultDescription.type",
                ),
                (
                    "$.credentialSubject.achievement.resultDescription[1].name",
                    "ob3.resultDescription.name",
                ),
                (
                    "$.credentialSubject.achievement.resultDescription[1].resultType",
                    "ob3.resultDescription.resultType",
                ),
            ],
        ),
        (
            "ob3 resultType missing",
            remove(
                ob3(),
                "/credentialSubject/achievement/resultDescription/0/resultType",
            ),
            vec![(
                "$.credentialSubject.achievement.resultDescription[0].resultType",
                "ob3.resultDescription.resultType",
            )],
        ),
        (
            "ob3 rubricCriterionLevel a string",
            set(
                ob3(),
                "/credentialSubject/achievement/resultDescription/0/rubricCriterionLevel",
                json!("Mastered"),
            ),
            vec![(
                "$.credentialSubject.achievement.resultDescription[0].rubricCriterionLevel",
                "ob3.rubricCriterionLevel.invalid",
            )],
        ),
        (
            "ob3 rubricCriterionLevel broken",
            set(
                ob3(),
                "/credentialSubject/achievement/resultDescription/0/rubricCriterionLevel",
                json!([{"type": ["Level"]}]),
            ),
            vec![
                (
                    "$.credentialSubject.achievement.resultDescription[0].rubricCriterionLevel[0].id",
                    "ob3.rubricCriterionLevel.id",
                ),
                (
                    "$.credentialSubject.achievement.resultDescription[0].rubricCriterionLevel[0].type",
                    "ob3.rubricCriterionLevel.type",
                ),
                (
                    "$.credentialSubject.achievement.resultDescription[0].rubricCriterionLevel[0].name",
                    "ob3.rubricCriterionLevel.name",
                ),
            ],
        ),
        (
            "ob3 result a number",
            set(ob3(), "/credentialSubject/result", json!(92)),
            vec![("$.credentialSubject.result", "ob3.result.invalid")],
        ),
        (
            "ob3 result type",
            set(ob3(), "/credentialSubject/result/0/type", json!(["Score"])),
            vec![("$.credentialSubject.result[0].type", "ob3.result.type")],
        ),
        (
            "ob3 result status unknown",
            set(ob3(), "/credentialSubject/result/0/status", json!("Done")),
            vec![("$.credentialSubject.result[0].status", "ob3.result.status")],
        ),
        (
            "ob3 result status required by a Status result description",
            set(
                ob3(),
                "/credentialSubject/achievement/resultDescription/0/resultType",
                json!("Status"),
            ),
            vec![("$.credentialSubject.result[0].status", "ob3.result.status")],
        ),
        (
            "ob3 result links an unknown result description",
            set(
                ob3(),
                "/credentialSubject/result/0/resultDescription",
                json!("urn:uuid:00000000-0000-4000-8000-000000000000"),
            ),
            vec![(
                "$.credentialSubject.result[0].resultDescription",
                "ob3.result.resultDescription",
            )],
        ),
        (
            "ob3 result resultDescription not a url",
            set(
                ob3(),
                "/credentialSubject/result/0/resultDescription",
                json!(3),
            ),
            vec![(
                "$.credentialSubject.result[0].resultDescription",
                "ob3.result.resultDescription",
            )],
        ),
        (
            "ob3 related a string",
            set(
                ob3(),
                "/credentialSubject/achievement/related",
                json!("https://example.org/a2"),
            ),
            vec![(
                "$.credentialSubject.achievement.related",
                "ob3.related.invalid",
            )],
        ),
        (
            "ob3 related broken",
            set(
                ob3(),
                "/credentialSubject/achievement/related",
                json!([{"type": "Achievement"}]),
            ),
            vec![
                (
                    "$.credentialSubject.achievement.related[0].id",
                    "ob3.related.id",
                ),
                (
                    "$.credentialSubject.achievement.related[0].type",
                    "ob3.related.type",
                ),
            ],
        ),
        (
            "ob3 evidence type",
            set(ob3(), "/evidence/0/type", json!(["Document"])),
            vec![("$.evidence[0].type", "ob3.evidence.type")],
        ),
        (
            "ob3 evidence without type",
            remove(ob3(), "/evidence/0/type"),
            vec![("$.evidence[0].type", "vc.evidence.type")],
        ),
        (
            "ob3 image a url",
            set(
                ob3(),
                "/credentialSubject/achievement/image",
                json!("https://example.org/i.png"),
            ),
            vec![("$.credentialSubject.achievement.image", "ob3.image.invalid")],
        ),
        (
            "ob3 image id missing",
            remove(ob3(), "/credentialSubject/achievement/image/id"),
            vec![("$.credentialSubject.achievement.image.id", "ob3.image.id")],
        ),
        (
            "ob3 image type an array",
            set(
                ob3(),
                "/credentialSubject/achievement/image/type",
                json!(["Image"]),
            ),
            vec![(
                "$.credentialSubject.achievement.image.type",
                "ob3.image.type",
            )],
        ),
        (
            "ob3 credential image",
            set(
                ob3(),
                "/image",
                json!({"id": "data:image/png;base64,iVBORw0KGgo=", "type": "Picture"}),
            ),
            vec![("$.image.type", "ob3.image.type")],
        ),
        (
            "ob3 creator a string",
            set(
                ob3(),
                "/credentialSubject/achievement/creator",
                json!("did:example:creator"),
            ),
            vec![(
                "$.credentialSubject.achievement.creator",
                "ob3.profile.invalid",
            )],
        ),
        (
            "ob3 creator without id",
            set(
                ob3(),
                "/credentialSubject/achievement/creator",
                json!({"type": ["Profile"], "name": "x"}),
            ),
            vec![(
                "$.credentialSubject.achievement.creator.id",
                "ob3.profile.id",
            )],
        ),
        (
            "ob3 issuer type",
            set(ob3(), "/issuer/type", json!(["Organization"])),
            vec![("$.issuer.type", "ob3.profile.type")],
        ),
        (
            "ob3 issuer a url passes",
            set(ob3(), "/issuer", json!("did:key:ISSUER")),
            vec![],
        ),
        (
            "ob3 issuer address without type",
            set(
                ob3(),
                "/issuer/address",
                json!({"addressLocality": "Riverside"}),
            ),
            vec![("$.issuer.address.type", "ob3.address.type")],
        ),
        (
            "ob3 issuer parentOrg broken",
            set(
                ob3(),
                "/issuer/parentOrg",
                json!({"id": "https://example.org", "type": "Organization"}),
            ),
            vec![("$.issuer.parentOrg.type", "ob3.profile.type")],
        ),
        (
            "ob3 source broken",
            set(
                ob3(),
                "/credentialSubject/source",
                json!({"id": "https://example.org"}),
            ),
            vec![("$.credentialSubject.source.type", "ob3.profile.type")],
        ),
        (
            "ob3 endorsement a string",
            set(ob3(), "/endorsement", json!("eyJ.e30.sig")),
            vec![("$.endorsement", "ob3.endorsement.invalid")],
        ),
        (
            "ob3 endorsement passes",
            set(ob3(), "/endorsement", json!([endorsement()])),
            vec![],
        ),
        (
            "ob3 endorsement of the wrong type",
            set(
                ob3(),
                "/credentialSubject/achievement/endorsement",
                json!([ob3()]),
            ),
            vec![(
                "$.credentialSubject.achievement.endorsement[0].type",
                "ob3.endorsement.type",
            )],
        ),
        (
            "ob3 embedded endorsement broken",
            set(ob3(), "/issuer/endorsement", remove(endorsement(), "/name")),
            vec![("$.issuer.endorsement.name", "ob3.name.required")],
        ),
        ("endorsement fixture passes", endorsement(), vec![]),
        (
            "endorsement name missing",
            remove(endorsement(), "/name"),
            vec![("$.name", "ob3.name.required")],
        ),
        (
            "endorsement id missing",
            remove(endorsement(), "/id"),
            vec![("$.id", "ob3.id.required")],
        ),
        (
            "endorsement context",
            set(endorsement(), "/@context/1", json!(EMP)),
            vec![("$.@context[1]", "ob3.context")],
        ),
        (
            "endorsement subject an array",
            set(
                endorsement(),
                "/credentialSubject",
                json!([endorsement()["credentialSubject"].clone()]),
            ),
            vec![("$.credentialSubject", "ob3.subject.single")],
        ),
        (
            "endorsement subject type",
            set(
                endorsement(),
                "/credentialSubject/type",
                json!(["AchievementSubject"]),
            ),
            vec![("$.credentialSubject.type", "ob3.endorsementSubject.type")],
        ),
        (
            "endorsement subject id missing",
            remove(endorsement(), "/credentialSubject/id"),
            vec![("$.credentialSubject.id", "ob3.endorsementSubject.id")],
        ),
        (
            "endorsement subject id not a url",
            set(endorsement(), "/credentialSubject/id", json!("forklift")),
            vec![("$.credentialSubject.id", "vc.subject.id")],
        ),
    ]
}

const VC0: &str = "/credentialSubject/verifiableCredential/0";

fn clr_cases() -> Vec<Case> {
    vec![
        ("clr fixture passes", clr(), vec![]),
        (
            "clr contexts swapped",
            set(clr(), "/@context", json!([V2, OB3, CLR])),
            vec![
                ("$.@context[1]", "clr.context"),
                ("$.@context[2]", "clr.context.ob3"),
            ],
        ),
        (
            "clr without the ob3 context",
            set(clr(), "/@context", json!([V2, CLR])),
            vec![("$.@context", "clr.context.ob3")],
        ),
        (
            "clr unversioned contexts pass",
            set(
                clr(),
                "/@context",
                json!([
                    V2,
                    "https://purl.imsglobal.org/spec/clr/v2p0/context.json",
                    "https://purl.imsglobal.org/spec/ob/v3p0/context.json"
                ]),
            ),
            vec![],
        ),
        (
            "clr id missing",
            remove(clr(), "/id"),
            vec![("$.id", "clr.id.required")],
        ),
        (
            "clr name missing",
            remove(clr(), "/name"),
            vec![("$.name", "clr.name.required")],
        ),
        (
            "clr validFrom missing",
            remove(clr(), "/validFrom"),
            vec![("$.validFrom", "clr.validFrom.required")],
        ),
        (
            "clr partial a string",
            set(clr(), "/partial", json!("yes")),
            vec![("$.partial", "clr.partial")],
        ),
        (
            "clr issuer type",
            set(clr(), "/issuer/type", json!("Issuer")),
            vec![("$.issuer.type", "ob3.profile.type")],
        ),
        (
            "clr subject an array",
            set(
                clr(),
                "/credentialSubject",
                json!([clr()["credentialSubject"].clone()]),
            ),
            vec![("$.credentialSubject", "clr.subject.single")],
        ),
        (
            "clr subject type",
            set(
                clr(),
                "/credentialSubject/type",
                json!("AchievementSubject"),
            ),
            vec![("$.credentialSubject.type", "clr.subject.type")],
        ),
        (
            "clr subject identity",
            remove(clr(), "/credentialSubject/identifier"),
            vec![("$.credentialSubject", "clr.subject.identity")],
        ),
        (
            "clr subject identifier broken",
            set(
                clr(),
                "/credentialSubject/identifier/0/identityType",
                json!("mail"),
            ),
            vec![(
                "$.credentialSubject.identifier[0].identityType",
                "ob3.identity.identityType",
            )],
        ),
        (
            "clr credentials missing",
            remove(clr(), "/credentialSubject/verifiableCredential"),
            vec![(
                "$.credentialSubject.verifiableCredential",
                "clr.subject.verifiableCredential.required",
            )],
        ),
        (
            "clr credentials empty",
            set(clr(), "/credentialSubject/verifiableCredential", json!([])),
            vec![(
                "$.credentialSubject.verifiableCredential",
                "clr.subject.verifiableCredential.required",
            )],
        ),
        (
            "clr credential a jwt string",
            set(clr(), VC0, json!("eyJhbGciOiJFZERTQSJ9.e30.sig")),
            vec![(
                "$.credentialSubject.verifiableCredential[0]",
                "clr.subject.verifiableCredential.item",
            )],
        ),
        (
            "clr enclosed credential validated",
            set(clr(), &format!("{VC0}/issuer/id"), json!("")),
            vec![(
                "$.credentialSubject.verifiableCredential[0].issuer.id",
                "vc.issuer.id",
            )],
        ),
        (
            "clr enclosed credential validated as ob3",
            remove(
                clr(),
                &format!("{VC0}/credentialSubject/achievement/criteria"),
            ),
            vec![(
                "$.credentialSubject.verifiableCredential[0].credentialSubject.achievement.criteria",
                "ob3.achievement.criteria.required",
            )],
        ),
        (
            "clr enclosed credential at index 2",
            {
                let inner = clr()["credentialSubject"]["verifiableCredential"][0].clone();
                let doc = set(clr(), "/credentialSubject/verifiableCredential/1", inner);
                set(
                    doc,
                    "/credentialSubject/verifiableCredential/2",
                    remove(vc(), "/issuer"),
                )
            },
            vec![(
                "$.credentialSubject.verifiableCredential[2].issuer",
                "vc.issuer.required",
            )],
        ),
        (
            "clr achievement a string",
            set(
                clr(),
                "/credentialSubject/achievement",
                json!("https://example.org/a"),
            ),
            vec![(
                "$.credentialSubject.achievement",
                "clr.subject.achievement.invalid",
            )],
        ),
        (
            "clr achievement validated",
            remove(clr(), "/credentialSubject/achievement/0/description"),
            vec![(
                "$.credentialSubject.achievement[0].description",
                "ob3.achievement.description.required",
            )],
        ),
        (
            "clr association a string",
            set(clr(), "/credentialSubject/association", json!("isPartOf")),
            vec![("$.credentialSubject.association", "clr.association.invalid")],
        ),
        (
            "clr association broken",
            set(
                clr(),
                "/credentialSubject/association/0",
                json!({"type": ["Association"], "associationType": "partOf", "sourceId": "a"}),
            ),
            vec![
                (
                    "$.credentialSubject.association[0].type",
                    "clr.association.type",
                ),
                (
                    "$.credentialSubject.association[0].associationType",
                    "clr.association.associationType",
                ),
                (
                    "$.credentialSubject.association[0].sourceId",
                    "clr.association.sourceId",
                ),
                (
                    "$.credentialSubject.association[0].targetId",
                    "clr.association.targetId",
                ),
            ],
        ),
    ]
}

const ES: &str = "/credentialSubject";

fn employment_cases() -> Vec<Case> {
    vec![
        ("employment fixture passes", employment(), vec![]),
        (
            "employment context missing",
            set(employment(), "/@context", json!([V2])),
            vec![("$.@context", "employment.context")],
        ),
        (
            "employment subject an array",
            set(
                employment(),
                ES,
                json!([employment()["credentialSubject"].clone()]),
            ),
            vec![("$.credentialSubject", "employment.subject.single")],
        ),
        (
            "employment subject type",
            remove(employment(), "/credentialSubject/type"),
            vec![("$.credentialSubject.type", "employment.subject.type")],
        ),
        (
            "employer missing",
            remove(employment(), "/credentialSubject/employer"),
            vec![(
                "$.credentialSubject.employer",
                "employment.employer.required",
            )],
        ),
        (
            "employer a string",
            set(
                employment(),
                "/credentialSubject/employer",
                json!("Harbor Distribution"),
            ),
            vec![(
                "$.credentialSubject.employer",
                "employment.employer.invalid",
            )],
        ),
        (
            "employer without type",
            remove(employment(), "/credentialSubject/employer/type"),
            vec![(
                "$.credentialSubject.employer.type",
                "employment.employer.type",
            )],
        ),
        (
            "employer without name",
            remove(employment(), "/credentialSubject/employer/name"),
            vec![(
                "$.credentialSubject.employer.name",
                "employment.employer.name",
            )],
        ),
        (
            "employer id not a url",
            set(
                employment(),
                "/credentialSubject/employer/id",
                json!("harbor"),
            ),
            vec![("$.credentialSubject.employer.id", "employment.employer.id")],
        ),
        (
            "employer without id passes",
            remove(employment(), "/credentialSubject/employer/id"),
            vec![],
        ),
        (
            "positionTitle missing",
            remove(employment(), "/credentialSubject/positionTitle"),
            vec![(
                "$.credentialSubject.positionTitle",
                "employment.positionTitle",
            )],
        ),
        (
            "positionTitle blank",
            set(
                employment(),
                "/credentialSubject/positionTitle",
                json!("  "),
            ),
            vec![(
                "$.credentialSubject.positionTitle",
                "employment.positionTitle",
            )],
        ),
        (
            "startDate missing",
            remove(employment(), "/credentialSubject/startDate"),
            vec![(
                "$.credentialSubject.startDate",
                "employment.startDate.required",
            )],
        ),
        (
            "startDate not a date",
            set(
                employment(),
                "/credentialSubject/startDate",
                json!("March 2024"),
            ),
            vec![("$.credentialSubject.startDate", "employment.startDate.date")],
        ),
        (
            "startDate a datetime passes",
            set(
                employment(),
                "/credentialSubject/startDate",
                json!("2024-03-04T08:00:00-08:00"),
            ),
            vec![],
        ),
        (
            "endDate not a date",
            set(
                employment(),
                "/credentialSubject/endDate",
                json!("2025-13-01"),
            ),
            vec![("$.credentialSubject.endDate", "employment.endDate.date")],
        ),
        (
            "endDate a number",
            set(employment(), "/credentialSubject/endDate", json!(2025)),
            vec![("$.credentialSubject.endDate", "employment.endDate.date")],
        ),
        (
            "endDate before startDate",
            set(
                employment(),
                "/credentialSubject/endDate",
                json!("2024-03-03"),
            ),
            vec![("$.credentialSubject.endDate", "employment.endDate.order")],
        ),
        (
            "current job without endDate passes",
            remove(employment(), "/credentialSubject/endDate"),
            vec![],
        ),
        (
            "hoursPerWeek negative",
            set(employment(), "/credentialSubject/hoursPerWeek", json!(-1)),
            vec![(
                "$.credentialSubject.hoursPerWeek",
                "employment.hoursPerWeek",
            )],
        ),
        (
            "hoursPerWeek above a week",
            set(employment(), "/credentialSubject/hoursPerWeek", json!(169)),
            vec![(
                "$.credentialSubject.hoursPerWeek",
                "employment.hoursPerWeek",
            )],
        ),
        (
            "hoursPerWeek a string",
            set(employment(), "/credentialSubject/hoursPerWeek", json!("32")),
            vec![(
                "$.credentialSubject.hoursPerWeek",
                "employment.hoursPerWeek",
            )],
        ),
        (
            "hoursPerWeek fractional passes",
            set(employment(), "/credentialSubject/hoursPerWeek", json!(37.5)),
            vec![],
        ),
        (
            "employmentType unknown",
            set(
                employment(),
                "/credentialSubject/employmentType",
                json!("FullTime"),
            ),
            vec![(
                "$.credentialSubject.employmentType",
                "employment.employmentType",
            )],
        ),
        (
            "employmentType older code passes",
            set(
                employment(),
                "/credentialSubject/employmentType",
                json!("Apprenticeship"),
            ),
            vec![],
        ),
        (
            "location a string",
            set(
                employment(),
                "/credentialSubject/location",
                json!("Portland, OR"),
            ),
            vec![(
                "$.credentialSubject.location",
                "employment.location.invalid",
            )],
        ),
        (
            "location without type",
            remove(employment(), "/credentialSubject/location/type"),
            vec![(
                "$.credentialSubject.location.type",
                "employment.location.type",
            )],
        ),
        (
            "location postalCode a number",
            set(
                employment(),
                "/credentialSubject/location/postalCode",
                json!(97217),
            ),
            vec![(
                "$.credentialSubject.location.postalCode",
                "employment.location.field",
            )],
        ),
        (
            "location addressCountry not alpha-2",
            set(
                employment(),
                "/credentialSubject/location/addressCountry",
                json!("USA"),
            ),
            vec![(
                "$.credentialSubject.location.addressCountry",
                "employment.location.addressCountry",
            )],
        ),
        (
            "pay a number",
            set(employment(), "/credentialSubject/pay", json!(21.5)),
            vec![("$.credentialSubject.pay", "employment.pay.invalid")],
        ),
        (
            "pay without type",
            remove(employment(), "/credentialSubject/pay/type"),
            vec![("$.credentialSubject.pay.type", "employment.pay.type")],
        ),
        (
            "pay amount missing",
            remove(employment(), "/credentialSubject/pay/amount"),
            vec![("$.credentialSubject.pay.amount", "employment.pay.amount")],
        ),
        (
            "pay amount negative",
            set(employment(), "/credentialSubject/pay/amount", json!(-5)),
            vec![("$.credentialSubject.pay.amount", "employment.pay.amount")],
        ),
        (
            "pay amount a string",
            set(
                employment(),
                "/credentialSubject/pay/amount",
                json!("21.50"),
            ),
            vec![("$.credentialSubject.pay.amount", "employment.pay.amount")],
        ),
        (
            "pay currency lowercase",
            set(
                employment(),
                "/credentialSubject/pay/currency",
                json!("usd"),
            ),
            vec![(
                "$.credentialSubject.pay.currency",
                "employment.pay.currency",
            )],
        ),
        (
            "pay currency missing",
            remove(employment(), "/credentialSubject/pay/currency"),
            vec![(
                "$.credentialSubject.pay.currency",
                "employment.pay.currency",
            )],
        ),
        (
            "pay period unknown",
            set(
                employment(),
                "/credentialSubject/pay/period",
                json!("Hourly"),
            ),
            vec![("$.credentialSubject.pay.period", "employment.pay.period")],
        ),
        (
            "pay period missing",
            remove(employment(), "/credentialSubject/pay/period"),
            vec![("$.credentialSubject.pay.period", "employment.pay.period")],
        ),
        (
            "no pay passes",
            remove(employment(), "/credentialSubject/pay"),
            vec![],
        ),
        (
            "employment also gets the vc rules",
            set(employment(), "/validUntil", json!("2025-01-01T00:00:00Z")),
            vec![("$.validUntil", "vc.validity.order")],
        ),
    ]
}

fn all_cases() -> Vec<Case> {
    let mut cases = json_cases();
    cases.extend(vc_cases());
    cases.extend(ob3_cases());
    cases.extend(clr_cases());
    cases.extend(employment_cases());
    cases
}

/// Fills in the placeholder paths of the depth cases, which are too long to write out.
fn resolve(path: &'static str) -> String {
    match path {
        // Depth is counted from the document (0); `credentialSubject` is 1 and each `x` one more.
        "DEEP" => format!("$.credentialSubject{}", ".x".repeat(128)),
        // The credential embedded 17 deep is reported and not checked further.
        "EMBEDDED" => format!("${}", ".endorsement[0]".repeat(17)),
        other => other.to_string(),
    }
}

#[test]
fn every_rule_fails_where_expected() {
    let cases = all_cases();
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|(name, doc, expected)| {
            let expected: Vec<(String, &str)> =
                expected.iter().map(|(p, r)| (resolve(p), *r)).collect();
            let expected: Vec<(&str, &str)> =
                expected.iter().map(|(p, r)| (p.as_str(), *r)).collect();
            check(doc, &expected).map(|problem| format!("{name}:\n  {problem}"))
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

#[test]
fn every_rule_has_a_failing_case() {
    let cases = all_cases();
    let covered: Vec<&str> = cases
        .iter()
        .flat_map(|(_, _, expected)| expected.iter().map(|(_, r)| *r))
        .collect();
    let missing: Vec<&str> = ler_model::RULES
        .iter()
        .map(|(id, _)| *id)
        .filter(|id| !covered.contains(id))
        .collect();
    assert!(
        missing.is_empty(),
        "rules without a failing case: {missing:?}"
    );
}
