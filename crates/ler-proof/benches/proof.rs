//! Sign and verify throughput for an Open Badges 3.0 credential, one core:
//! `cargo bench -p ler-proof --bench proof`.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use ler_crypto::KeyPair;
use ler_jsonld::Documents;
use ler_proof::{
    Cryptosuite, Expectations, Purpose, SignOptions, StaticResolver, sign, verify_proofs,
};
use serde_json::{Value, json};

fn credential(issuer: &str) -> Value {
    json!({
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
        ],
        "id": "http://example.com/credentials/3527",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": issuer, "type": ["Profile"], "url": "https://www.imsglobal.org", "name": "Example Corp"},
        "validFrom": "2010-01-01T00:00:00Z",
        "name": "Teamwork Badge",
        "credentialSubject": {
            "id": "did:example:ebfeb1f712ebc6f1c276e12ec21",
            "type": ["AchievementSubject"],
            "achievement": {
                "id": "https://example.com/achievements/21st-century-skills/teamwork",
                "type": ["Achievement"],
                "criteria": {"narrative": "Team members are nominated for this badge by their peers and recognized upon review by Example Corp management."},
                "description": "This badge recognizes the development of the capacity to collaborate within a group environment.",
                "name": "Teamwork"
            }
        }
    })
}

fn bench(c: &mut Criterion) {
    let key = KeyPair::from_seed([42u8; 32]);
    let did = ler_crypto::did_key(&key.public_key());
    let doc = credential(&did);
    let docs = Documents::embedded();
    let resolver = StaticResolver::new();
    let expect = Expectations {
        controller: &did,
        purpose: Purpose::Assertion,
        now: 1_780_272_000,
    };
    let mut group = c.benchmark_group("ob3");
    group.throughput(Throughput::Elements(1));
    for suite in [Cryptosuite::EddsaRdfc2022, Cryptosuite::EddsaJcs2022] {
        let opts = SignOptions {
            suite,
            verification_method: ler_crypto::did_key_verification_method(&key.public_key()),
            created: Some("2026-01-01T00:00:00Z".into()),
            purpose: Purpose::Assertion,
            expires: None,
        };
        let signed = sign(&doc, &key, &opts, docs).expect("sign");
        let text = serde_json::to_string(&signed).expect("json");
        group.bench_function(format!("{}/sign", suite.name()), |b| {
            b.iter(|| sign(&doc, &key, &opts, docs).expect("sign"))
        });
        group.bench_function(format!("{}/verify", suite.name()), |b| {
            b.iter(|| {
                let v: Value = serde_json::from_str(&text).expect("json");
                let out = verify_proofs(&v, &expect, &resolver, docs).expect("proofs");
                assert!(out[0].result.is_ok());
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
