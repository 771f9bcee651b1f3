//! The hostile-input suite: one file per attack in `tests/hostile/`, each naming the check that
//! must fail and the reason it must give. The files are generated here from fixed keys (Ed25519
//! is deterministic); `LER_BLESS=1 cargo test -p ler-verify hostile` rewrites them.

use std::path::PathBuf;

use ler_proof::Purpose;
use serde_json::{Value, json};

use crate::common::{Setup, did, key, ob3, sign, sign_with, verify_with, vm};

fn dir() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/hostile"))
}

struct Case {
    name: &'static str,
    attack: &'static str,
    check: &'static str,
    reason: &'static str,
    setup: Value,
    input: Value,
}

fn case(
    name: &'static str,
    attack: &'static str,
    check: &'static str,
    reason: &'static str,
    input: Value,
) -> Case {
    Case {
        name,
        attack,
        check,
        reason,
        setup: json!({}),
        input,
    }
}

/// Every attack, built from fixed keys.
fn cases() -> Vec<Case> {
    let issuer = key(1);
    let other = key(2);
    let holder = key(3);
    let signed = sign(&ob3(&did(&issuer)), &issuer);
    let mut out = Vec::new();

    let mut d = signed.clone();
    d["credentialSubject"]["favouriteColour"] = "blue".into();
    out.push(case(
        "undefined-term",
        "a property no context defines, added after signing",
        "proof",
        "is not defined",
        d,
    ));

    let mut d = signed.clone();
    d["credentialSubject"]["id"] = "learner-1".into();
    out.push(case(
        "relative-iri",
        "a relative IRI as the subject's id",
        "proof",
        "relative IRI",
        d,
    ));

    let mut d = signed.clone();
    d["@context"]
        .as_array_mut()
        .expect("array")
        .push(json!({"@vocab": "https://evil.example/vocab#"}));
    d["evidenceNote"] = "trust me".into();
    out.push(case(
        "injected-vocab",
        "an inline @vocab that would give undefined terms a meaning",
        "contexts",
        "@vocab",
        d,
    ));

    let mut d = signed.clone();
    d["@context"][1] = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.jsonld".into();
    out.push(case(
        "context-substitution",
        "a look-alike context URL in place of the pinned OB 3.0 context",
        "proof",
        "unknown context",
        d,
    ));

    let forged = sign(&ob3(&did(&issuer)), &other);
    out.push(case(
        "issuer-not-key-controller",
        "signed with someone else's key while naming the issuer",
        "proof",
        "is controlled by",
        forged,
    ));

    let web = "did:web:issuer.example:orgs:acme";
    let mut doc =
        ler_crypto::did_web_document(web, &[("key-1", issuer.public_key())]).expect("did doc");
    doc["assertionMethod"] = json!([]);
    let mut c = case(
        "key-not-in-assertion-method",
        "a did:web key its controller lists only for authentication",
        "proof",
        "is not listed under assertionMethod",
        sign_with(
            &ob3(web),
            &issuer,
            &format!("{web}#key-1"),
            Purpose::Assertion,
            None,
        ),
    );
    c.setup = json!({"fetch": {"https://issuer.example/orgs/acme/did.json": doc}});
    out.push(c);

    let wrong_purpose = sign_with(
        &ob3(&did(&issuer)),
        &issuer,
        &vm(&issuer),
        Purpose::Authentication {
            challenge: None,
            domain: None,
        },
        None,
    );
    out.push(case(
        "wrong-proof-purpose",
        "a credential proof made for authentication",
        "proof",
        "proof purpose is authentication",
        wrong_purpose,
    ));

    let expired_proof = sign_with(
        &ob3(&did(&issuer)),
        &issuer,
        &vm(&issuer),
        Purpose::Assertion,
        Some("2026-01-03T00:00:00Z"),
    );
    out.push(case(
        "expired-proof",
        "a proof past its expires date",
        "proof",
        "proof expired",
        expired_proof,
    ));

    let mut d = ob3(&did(&issuer));
    d["validUntil"] = "2026-02-01T00:00:00Z".into();
    out.push(case(
        "expired-credential",
        "a credential past its validUntil",
        "validity",
        "expired on 2026-02-01",
        sign(&d, &issuer),
    ));

    let mut d = ob3(&did(&issuer));
    d["validFrom"] = "2027-01-01T00:00:00Z".into();
    out.push(case(
        "not-yet-valid",
        "a credential whose validFrom is in the future",
        "validity",
        "not valid yet",
        sign(&d, &issuer),
    ));

    // The identity point as a public key: small order, so any signature "verifies" on a lax check.
    let mut weak = vec![0xed, 0x01, 0x01];
    weak.extend([0u8; 31]);
    let weak_mb = format!("z{}", bs58::encode(&weak).into_string());
    let weak_did = format!("did:key:{weak_mb}");
    let mut d = ob3(&weak_did);
    d["proof"] = json!({
        "type": "DataIntegrityProof",
        "cryptosuite": "eddsa-rdfc-2022",
        "created": "2026-01-02T00:00:00Z",
        "verificationMethod": format!("{weak_did}#{weak_mb}"),
        "proofPurpose": "assertionMethod",
        "proofValue": format!("z{}", bs58::encode([1u8].iter().chain([0u8; 63].iter()).copied().collect::<Vec<u8>>()).into_string()),
    });
    out.push(case(
        "small-order-key",
        "an issuer key of small order (the identity point)",
        "proof",
        "could not be resolved",
        d,
    ));

    // S + L: the same signature in a non-canonical encoding, which strict verification refuses.
    let mut d = signed.clone();
    let pv = d["proof"]["proofValue"].as_str().expect("pv").to_string();
    let mut sig = bs58::decode(&pv[1..]).into_vec().expect("b58");
    const L: [u8; 32] = [
        0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde,
        0x14, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
    ];
    let mut carry = 0u16;
    for i in 0..32 {
        let s = u16::from(sig[32 + i]) + u16::from(L[i]) + carry;
        sig[32 + i] = s as u8;
        carry = s >> 8;
    }
    d["proof"]["proofValue"] = format!("z{}", bs58::encode(&sig).into_string()).into();
    out.push(case(
        "non-canonical-signature",
        "a signature whose S is not reduced (S + L)",
        "proof",
        "signature does not verify",
        d,
    ));

    let vp = |challenge: &str, domain: &str| {
        let p = json!({
            "@context": ["https://www.w3.org/ns/credentials/v2"],
            "type": ["VerifiablePresentation"],
            "holder": did(&holder),
            "verifiableCredential": [signed.clone()],
        });
        sign_with(
            &p,
            &holder,
            &vm(&holder),
            Purpose::Authentication {
                challenge: Some(challenge.into()),
                domain: Some(domain.into()),
            },
            None,
        )
    };
    let mut c = case(
        "reused-challenge",
        "a presentation replayed with an old challenge",
        "proof",
        "challenge is not the one sent",
        vp("c-old", "employer.example"),
    );
    c.setup = json!({"challenge": "c-new", "domain": "employer.example"});
    out.push(c);
    let mut c = case(
        "wrong-domain",
        "a presentation made for another verifier's domain",
        "proof",
        "domain is not employer.example",
        vp("c-1", "other.example"),
    );
    c.setup = json!({"challenge": "c-1", "domain": "employer.example"});
    out.push(c);

    // A clique of indistinguishable blank nodes: RDFC-1.0's worst case.
    let n = 12;
    let nodes: Vec<Value> = (0..n)
        .map(|i| {
            let links: Vec<Value> = (0..n)
                .filter(|j| *j != i)
                .map(|j| json!({"id": format!("_:n{j}")}))
                .collect();
            json!({"id": format!("_:n{i}"), "https://example.org/knows": links})
        })
        .collect();
    let mut d = signed.clone();
    d["credentialSubject"]["https://example.org/knows"] = json!(nodes);
    out.push(case(
        "poison-graph",
        "a graph of interlinked blank nodes that makes canonicalization explode",
        "proof",
        "work limit",
        d,
    ));

    out.push(case(
        "oversized-input",
        "a 3 MB record",
        "format",
        "at most",
        json!({"generate": "oversized", "bytes": 3_000_000}),
    ));
    out.extend(jwt_cases());
    out.extend(status_cases());
    out
}

fn b64(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// VC-JWTs with a forbidden algorithm or someone else's key.
fn jwt_cases() -> Vec<Case> {
    let issuer = key(1);
    let other = key(2);
    let cred = ob3(&did(&issuer));
    let header = |alg: &str| {
        b64(json!({"alg": alg, "typ": "vc+jwt", "kid": vm(&issuer)})
            .to_string()
            .as_bytes())
    };
    let payload = b64(cred.to_string().as_bytes());
    let mut out = Vec::new();
    let none = format!("{}.{payload}.", header("none"));
    out.push(case(
        "jwt-alg-none",
        "a JWT with alg none and no signature",
        "proof",
        "none",
        json!(none),
    ));
    // HS256 keyed with the issuer's public key: the classic algorithm-confusion forgery.
    let signing_input = format!("{}.{payload}", header("HS256"));
    let mac = hmac_sha256(issuer.public_key().as_bytes(), signing_input.as_bytes());
    out.push(case(
        "jwt-alg-hs256",
        "a JWT MACed with HS256 using the issuer's public key as the secret",
        "proof",
        "HS256",
        json!(format!("{signing_input}.{}", b64(&mac))),
    ));
    let typ = serde_json::Map::from_iter([("typ".to_string(), json!("vc+jwt"))]);
    let foreign = ler_proof::sign_jwt(&typ, &cred, &other, &vm(&other));
    out.push(case(
        "jwt-foreign-kid",
        "a JWT signed with a key that is not the issuer's",
        "proof",
        "not the issuer",
        json!(foreign),
    ));
    out
}

fn hmac_sha256(key: &[u8], msg: &[u8]) -> Vec<u8> {
    use sha2::{Digest, Sha256};
    let mut k = [0u8; 64];
    k[..key.len()].copy_from_slice(key);
    let inner: Vec<u8> = k
        .iter()
        .map(|b| b ^ 0x36)
        .chain(msg.iter().copied())
        .collect();
    let inner_hash = Sha256::digest(&inner);
    let outer: Vec<u8> = k
        .iter()
        .map(|b| b ^ 0x5c)
        .chain(inner_hash.iter().copied())
        .collect();
    Sha256::digest(&outer).to_vec()
}

const LIST_URL: &str = "https://riverside.example/status/3";

fn gzip_encoded(bytes: &[u8]) -> String {
    use std::io::Write;
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    enc.write_all(bytes).expect("gzip");
    format!("u{}", b64(&enc.finish().expect("gzip")))
}

/// Status list attacks: each credential points at a list served (preloaded) at LIST_URL.
fn status_cases() -> Vec<Case> {
    let issuer = key(1);
    let other = key(2);
    let entry = |index: u64, purpose: &str| {
        json!({
            "id": format!("{LIST_URL}#{index}"),
            "type": "BitstringStatusListEntry",
            "statusPurpose": purpose,
            "statusListIndex": index.to_string(),
            "statusListCredential": LIST_URL,
        })
    };
    let list = |signer: &ler_crypto::KeyPair, purpose: &str, encoded: String| {
        sign(
            &json!({
                "@context": ["https://www.w3.org/ns/credentials/v2"],
                "id": LIST_URL,
                "type": ["VerifiableCredential", "BitstringStatusListCredential"],
                "issuer": did(signer),
                "validFrom": "2026-01-01T00:00:00Z",
                "credentialSubject": {
                    "id": format!("{LIST_URL}#list"),
                    "type": "BitstringStatusList",
                    "statusPurpose": purpose,
                    "encodedList": encoded
                }
            }),
            signer,
        )
    };
    let full_list = gzip_encoded(&vec![0u8; 131_072 / 8]);
    let credential = |e: Value| {
        let mut d = ob3(&did(&issuer));
        d["credentialStatus"] = e;
        sign(&d, &issuer)
    };
    let served = |c: &mut Case, list: Value| c.setup = json!({"fetch": {LIST_URL: list}});
    let mut out = Vec::new();
    let mut c = case(
        "status-list-other-issuer",
        "a status list signed by another issuer",
        "status",
        "another issuer",
        credential(entry(7, "revocation")),
    );
    served(&mut c, list(&other, "revocation", full_list.clone()));
    out.push(c);
    let mut c = case(
        "status-purpose-mismatch",
        "a suspension list standing in for a revocation list",
        "status",
        "purpose",
        credential(entry(7, "revocation")),
    );
    served(&mut c, list(&issuer, "suspension", full_list.clone()));
    out.push(c);
    let mut c = case(
        "status-list-too-short",
        "a list of 1,024 entries, which would single out its holders",
        "status",
        "at least 131072 entries",
        credential(entry(7, "revocation")),
    );
    served(
        &mut c,
        list(&issuer, "revocation", gzip_encoded(&[0u8; 128])),
    );
    out.push(c);
    let mut c = case(
        "status-index-out-of-range",
        "an index past the end of the list",
        "status",
        "out of range",
        credential(entry(131_072, "revocation")),
    );
    served(&mut c, list(&issuer, "revocation", full_list));
    out.push(c);
    let mut c = case(
        "status-gzip-bomb",
        "a list that inflates to 64 MB",
        "status",
        "inflates to more than",
        credential(entry(7, "revocation")),
    );
    served(
        &mut c,
        list(&issuer, "revocation", gzip_encoded(&vec![0u8; 64 << 20])),
    );
    out.push(c);
    out
}

fn file_of(c: &Case) -> Value {
    json!({"attack": c.attack, "expect": {"check": c.check, "reason": c.reason}, "setup": c.setup, "input": c.input})
}

fn setup_of(v: &Value) -> Setup {
    let mut s = Setup::default();
    if let Some(map) = v.get("fetch").and_then(Value::as_object) {
        for (url, body) in map {
            s.fetch
                .push((url.clone(), serde_json::to_vec(body).expect("json")));
        }
    }
    s.challenge = v.get("challenge").and_then(Value::as_str).map(String::from);
    s.domain = v.get("domain").and_then(Value::as_str).map(String::from);
    s
}

fn input_bytes(v: &Value) -> Vec<u8> {
    if v.get("generate").and_then(Value::as_str) == Some("oversized") {
        let n = v["bytes"].as_u64().expect("bytes") as usize;
        let mut s = String::from("{\"name\": \"");
        s.push_str(&"x".repeat(n));
        s.push_str("\"}");
        return s.into_bytes();
    }
    match v {
        Value::String(s) => s.clone().into_bytes(),
        other => serde_json::to_vec(other).expect("json"),
    }
}

#[test]
fn hostile_files_match_their_generator() {
    let bless = std::env::var_os("LER_BLESS").is_some();
    for c in cases() {
        let path = dir().join(format!("{}.json", c.name));
        let want = serde_json::to_string_pretty(&file_of(&c)).expect("json") + "\n";
        if bless {
            std::fs::write(&path, &want).expect("write");
            continue;
        }
        let have = std::fs::read_to_string(&path).unwrap_or_else(|e| {
            panic!("{}: {e} (run with LER_BLESS=1 to write it)", path.display())
        });
        assert_eq!(
            have,
            want,
            "{} is stale: run LER_BLESS=1 cargo test -p ler-verify hostile",
            path.display()
        );
    }
}

#[test]
fn every_hostile_input_fails_for_its_reason() {
    let mut seen = 0;
    let mut entries: Vec<_> = std::fs::read_dir(dir())
        .expect("tests/hostile")
        .flatten()
        .collect();
    entries.sort_by_key(|e| e.path());
    for entry in entries {
        let path = entry.path();
        if path.extension().and_then(|e| e.to_str()) != Some("json") {
            continue;
        }
        seen += 1;
        let file: Value =
            serde_json::from_slice(&std::fs::read(&path).expect("read")).expect("json");
        let report = verify_with(&input_bytes(&file["input"]), &setup_of(&file["setup"]));
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("?");
        assert!(!report.verified, "{name}: the attack verified");
        let check = file["expect"]["check"].as_str().expect("check");
        let reason = file["expect"]["reason"].as_str().expect("reason");
        let found = report
            .checks
            .iter()
            .chain(report.nested.iter().flat_map(|n| n.checks.iter()))
            .find(|c| c.check == check && c.status == ler_verify::Status::Failed);
        let Some(found) = found else {
            panic!("{name}: no failed {check} check in {:#?}", report.checks);
        };
        assert!(
            found.message.contains(reason),
            "{name}: {check} failed with \"{}\", expected \"{reason}\"",
            found.message
        );
    }
    assert!(seen >= 24, "only {seen} hostile files");
}
