//! Integration tests for ler-batch: the engine on a real SQLite store (what is issued, what a
//! rerun does, claim links), and the CLR transcript checked by ler-model and the official CLR
//! 2.0 JSON Schema.

use std::path::PathBuf;

use ler_batch::{BatchOptions, ClaimLink, ClrOptions, Event, Issuer, Sink, Summary};
use ler_connect::{Entry, Mapping, import};
use ler_crypto::{Kek, KeyPair, encode_key_file};
use ler_store::{Location, Store};
use serde_json::json;

const BASE: &str = "https://creds.example.org";
const NOW: i64 = 1_780_272_000;

struct Tmp(PathBuf);
impl Drop for Tmp {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A store with organization `acme` (a key under `kek`) and a catalog of three achievements:
/// a program and two of its courses.
async fn setup(name: &str, kek: &Kek) -> (Tmp, Store) {
    let dir = std::env::temp_dir().join(format!("ler-batch-it-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let store = Store::open(&Location::SqliteDir(dir.clone()))
        .await
        .unwrap();
    let org = store
        .create_org(
            "acme",
            "Acme College",
            "did:web:creds.example.org:orgs:acme",
            &json!({}),
            NOW,
        )
        .await
        .unwrap();
    let pair = KeyPair::generate();
    store
        .add_org_key(
            org.id,
            "key-1",
            &pair.public_key().to_multibase(),
            &encode_key_file(&pair, Some(kek)).to_string(),
            NOW,
        )
        .await
        .unwrap();
    for (id, name) in [
        ("warehouse", "Warehouse Operations Certificate"),
        ("warehouse/forklift", "Forklift Safety"),
        ("warehouse/pallet-jack", "Pallet Jack Operation"),
    ] {
        let achievement = json!({
            "id": format!("{BASE}/orgs/acme/achievements/{id}"),
            "type": ["Achievement"],
            "name": name,
            "description": format!("{name} at Acme College."),
            "criteria": {"narrative": "Completed the course and passed its assessment."},
            "achievementType": if id == "warehouse" { "Certificate" } else { "Course" },
            "otherIdentifier": [{"type": "IdentifierEntry", "identifier": format!("lms:{id}"), "identifierType": "identifier"}],
        });
        store
            .put_achievement(org.id, id, &achievement, NOW)
            .await
            .unwrap();
    }
    (Tmp(dir), store)
}

#[derive(Default)]
struct Recorder {
    lines: Vec<String>,
    links: Vec<ClaimLink>,
    flushes: usize,
}

impl Sink for Recorder {
    fn event(&mut self, event: &Event<'_>) {
        self.lines.push(match event {
            Event::Issued {
                row,
                claim,
                wallet,
                credential,
                credential_id,
            } => {
                assert_eq!(credential["id"], *credential_id);
                self.links.extend(claim.map(|c| (*c).clone()));
                match wallet {
                    Some(h) => format!("issued {} into {}", row.source_key, h.id),
                    None => format!("issued {}", row.source_key),
                }
            }
            Event::AlreadyIssued {
                row, claim, wallet, ..
            } => {
                self.links.extend(claim.map(|c| (*c).clone()));
                match wallet {
                    Some(h) => format!("already {} into {}", row.source_key, h.id),
                    None => format!("already {}", row.source_key),
                }
            }
            Event::Skipped(s) => format!("skipped {}", s.row),
            Event::Error(e) => format!("error {e}"),
        });
    }
    fn flush(&mut self) -> Result<(), String> {
        self.flushes += 1;
        Ok(())
    }
}

const CSV: &str = "Email,Course,Score,Key\n\
    ana@example.org,Forklift Safety,92,k1\n\
    ana@example.org,lms:warehouse/pallet-jack,88,k2\n\
    ben@example.org,Welding,90,k3\n\
    ben@example.org,Forklift Safety,75,k4\n\
    ana@example.org,Forklift Safety,99,k1\n";

fn rows() -> Vec<Entry> {
    let mapping = Mapping::from_toml(
        "source_key = \"{Key}\"\n[recipient]\nemail = \"{Email}\"\n[achievement]\nid = \"{Course}\"\nname = \"{Course}\"\n\
         [result]\nscore = \"{Score}\"\nmax_score = \"100\"\n",
    )
    .unwrap();
    import::csv(CSV.as_bytes(), &mapping).unwrap().collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issues_once_per_source_key_with_claim_links() {
    let kek = Kek::generate();
    let (_tmp, store) = setup("once", &kek).await;
    let issuer = Issuer::load(&store, &kek, "acme", BASE).await.unwrap();
    store
        .create_webhook(&ler_store::Webhook {
            id: "wh_1".into(),
            org_id: issuer.org.id,
            url: "https://hooks.example/in".into(),
            events: vec![ler_batch::RECORD_ISSUED.into()],
            secret: b"sealed".to_vec(),
            created_at: NOW,
        })
        .await
        .unwrap();
    let options = BatchOptions {
        batch_size: 2,
        threads: 2,
        claim_seconds: Some(86_400),
        suspendable: true,
        deliver: false,
    };
    let mut sink = Recorder::default();
    let summary = ler_batch::run(
        &store,
        &issuer,
        &mut rows().into_iter(),
        &options,
        NOW,
        &mut sink,
    )
    .await
    .unwrap();
    assert_eq!(
        summary,
        Summary {
            rows: 5,
            issued: 3,
            already_issued: 1,
            skipped: 0,
            errors: 1
        }
    );
    assert_eq!(
        sink.lines,
        [
            // Batch 2 is read (and its error reported) while batch 1 is being stored.
            "error row 4, achievement: \"Welding\" is not in the achievements catalog of acme (by id, otherIdentifier or name)",
            "issued k1",
            "issued k2",
            "already k1",
            "issued k4",
        ]
    );
    assert_eq!(sink.links.len(), 3);
    assert!(
        sink.links[0]
            .url
            .starts_with("https://creds.example.org/wallet/claim/")
    );
    assert_eq!(sink.links[0].expires_at, NOW + 86_400);
    assert!(sink.flushes >= 3);

    // A rerun issues nothing and owes no link.
    let mut again = Recorder::default();
    let summary = ler_batch::run(
        &store,
        &issuer,
        &mut rows().into_iter(),
        &options,
        NOW,
        &mut again,
    )
    .await
    .unwrap();
    assert_eq!((summary.issued, summary.already_issued), (0, 4));
    assert!(again.links.is_empty());
    // One record.issued event per credential, queued with it; the rerun queued none.
    let queued = store.webhook_deliveries("wh_1", 100).await.unwrap();
    assert_eq!(queued.len(), 3);
    let mut named: Vec<String> = queued
        .iter()
        .map(|(d, _)| {
            let p: serde_json::Value = serde_json::from_str(&d.payload).unwrap();
            assert_eq!(p["type"], "record.issued");
            assert_eq!(p["id"], d.event_id);
            assert_eq!(p["organization"]["slug"], "acme");
            p["data"]["credentialId"].as_str().unwrap().to_owned()
        })
        .collect();
    named.sort();
    named.dedup();
    assert_eq!(named.len(), 3);
    let issued = store
        .recipient_credentials(issuer.org.id, "ana@example.org")
        .await
        .unwrap();
    assert_eq!(issued.len(), 2);
    let vc = &issued
        .iter()
        .find(|c| c.json["name"] == "Forklift Safety")
        .unwrap()
        .json;
    assert!(ler_model::validate(vc).is_empty());
    assert_eq!(vc["credentialSubject"]["result"][0]["value"], "92/100");
    assert_eq!(vc["credentialStatus"][1]["statusPurpose"], "suspension");
    assert_eq!(
        vc["proof"]["verificationMethod"],
        "did:web:creds.example.org:orgs:acme#key-1"
    );
    // The email is never in the clear.
    assert!(!vc.to_string().contains("ana@example.org"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refuses_a_key_that_does_not_open() {
    let kek = Kek::generate();
    let (_tmp, store) = setup("kek", &kek).await;
    let err = Issuer::load(&store, &Kek::generate(), "acme", BASE)
        .await
        .err()
        .unwrap();
    assert!(matches!(err, ler_batch::BatchError::Key { .. }), "{err}");
    let err = Issuer::load(&store, &kek, "nobody", BASE)
        .await
        .err()
        .unwrap();
    assert!(matches!(err, ler_batch::BatchError::NotFound(_)), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transcript_is_a_valid_signed_clr_with_associations() {
    let kek = Kek::generate();
    let (_tmp, store) = setup("clr", &kek).await;
    let issuer = Issuer::load(&store, &kek, "acme", BASE).await.unwrap();
    ler_batch::run(
        &store,
        &issuer,
        &mut rows().into_iter(),
        &BatchOptions::default(),
        NOW,
        &mut Recorder::default(),
    )
    .await
    .unwrap();
    let options = ClrOptions {
        program: Some("warehouse".into()),
        name: None,
    };
    let clr = ler_batch::transcript(&store, &issuer, "ana@example.org", &options, NOW)
        .await
        .unwrap();
    assert!(
        ler_model::validate(&clr).is_empty(),
        "{:?}",
        ler_model::validate(&clr)
    );
    let errors =
        ler_testdata::schema_errors(&clr, "schemas/clr_v2p0/clr_v2p0_clrcredential_schema.json");
    assert!(errors.is_empty(), "{}\n{clr:#}", errors.join("\n"));
    assert_eq!(
        clr["type"],
        json!(["VerifiableCredential", "ClrCredential"])
    );
    assert_eq!(clr["name"], "Transcript from Acme College");
    let subject = &clr["credentialSubject"];
    assert_eq!(
        subject["verifiableCredential"].as_array().map(Vec::len),
        Some(2)
    );
    assert_eq!(subject["achievement"].as_array().map(Vec::len), Some(3));
    let program = format!("{BASE}/orgs/acme/achievements/warehouse");
    let mut associations: Vec<(String, String, String)> = subject["association"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["associationType"].as_str().unwrap().to_owned(),
                a["sourceId"].as_str().unwrap().to_owned(),
                a["targetId"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    associations.sort();
    associations.dedup();
    assert_eq!(
        associations,
        [
            (
                "isPartOf".into(),
                format!("{program}/forklift"),
                program.clone()
            ),
            (
                "isPartOf".into(),
                format!("{program}/pallet-jack"),
                program.clone()
            ),
        ]
    );
    assert_eq!(clr["proof"]["cryptosuite"], "eddsa-rdfc-2022");
    // Stored like any credential, so it can be revoked; not counted in the next transcript.
    let id = clr["id"].as_str().unwrap();
    assert!(store.credential(id).await.unwrap().is_some());
    let next = ler_batch::transcript(
        &store,
        &issuer,
        "ana@example.org",
        &ClrOptions::default(),
        NOW,
    )
    .await
    .unwrap();
    assert_eq!(
        next["credentialSubject"]["verifiableCredential"]
            .as_array()
            .map(Vec::len),
        Some(2)
    );

    let err = ler_batch::transcript(&store, &issuer, "nobody@example.org", &options, NOW)
        .await
        .err()
        .unwrap();
    assert!(matches!(err, ler_batch::BatchError::NotFound(_)), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn names_the_wallets_of_recipients_with_one_instead_of_a_claim_link() {
    let kek = Kek::generate();
    let (_tmp, store) = setup("wallets", &kek).await;
    let issuer = Issuer::load(&store, &kek, "acme", BASE).await.unwrap();
    let did = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK";
    store
        .create_holder(&ler_store::Holder {
            id: "h_ana".into(),
            email: "ana@example.org".into(),
            password_hash: "x".into(),
            did: did.into(),
            encrypted_key: "{}".into(),
            wrapped_data_key: vec![0; 8],
            created_at: NOW,
        })
        .await
        .unwrap();
    // Ana by DID has a wallet here; Ben's DID has none; Ana by email alone gets a link (the
    // wallet's email is not verified).
    let csv = format!(
        "Who,Course,Key\n{did},Forklift Safety,k1\ndid:key:z6MkNoWalletHere,Forklift Safety,k2\nana@example.org,Forklift Safety,k3\n"
    );
    let mapping = Mapping::from_toml(
        "source_key = \"{Key}\"\n[recipient]\nemail_or_did = \"{Who}\"\n[achievement]\nname = \"{Course}\"\n",
    )
    .unwrap();
    let options = BatchOptions {
        batch_size: 10,
        threads: 1,
        claim_seconds: Some(86_400),
        suspendable: false,
        deliver: true,
    };
    let entries = || -> Vec<Entry> { import::csv(csv.as_bytes(), &mapping).unwrap().collect() };
    let mut sink = Recorder::default();
    ler_batch::run(
        &store,
        &issuer,
        &mut entries().into_iter(),
        &options,
        NOW,
        &mut sink,
    )
    .await
    .unwrap();
    assert_eq!(
        sink.lines,
        ["issued k1 into h_ana", "issued k2", "issued k3"]
    );
    assert_eq!(sink.links.len(), 2);
    // A rerun names the wallet again (delivery is idempotent) and owes no link to anyone.
    let mut again = Recorder::default();
    ler_batch::run(
        &store,
        &issuer,
        &mut entries().into_iter(),
        &options,
        NOW,
        &mut again,
    )
    .await
    .unwrap();
    assert_eq!(
        again.lines,
        ["already k1 into h_ana", "already k2", "already k3"]
    );
    assert!(again.links.is_empty());
}
