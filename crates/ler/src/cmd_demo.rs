//! `ler demo`: a guided tour of the main job — make a key, issue an Open Badge, verify it, and
//! watch a tampered copy fail — in a fresh folder, printing the commands to do it by hand; and
//! `ler demo pipeline` ([`pipeline`]), the pilot end to end from an LMS export to an HRIS.

mod pipeline;

use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, Subcommand};
use ler_proof::{Cryptosuite, Purpose, SignOptions};
use serde_json::Value;

use crate::clock;

const OB3_FIXTURE: &str = include_str!("../../../fixtures/ob3-achievement.json");

#[derive(Args)]
pub struct DemoArgs {
    #[command(subcommand)]
    cmd: Option<DemoCommand>,
    /// Where to write the demo's files (a new temporary folder when not given).
    #[arg(long)]
    dir: Option<PathBuf>,
}

/// The demos besides the tour.
#[derive(Subcommand)]
enum DemoCommand {
    /// The pilot end to end, every hop checked: an LMS export, bulk issuance, claims into
    /// wallets, a share with an employer (webhook, grant, verification) and the employer's
    /// export to HR Open LER-RS. Exits 1 when a hop fails.
    Pipeline(pipeline::PipelineArgs),
}

/// Runs `ler demo` (the tour) or `ler demo pipeline`.
pub fn run(args: DemoArgs) -> anyhow::Result<std::process::ExitCode> {
    match args.cmd {
        Some(DemoCommand::Pipeline(p)) => pipeline::run(p),
        None => tour(args.dir).map(|()| std::process::ExitCode::SUCCESS),
    }
}

fn tour(dir: Option<PathBuf>) -> anyhow::Result<()> {
    let dir = match dir {
        Some(d) => d,
        None => std::env::temp_dir().join(format!("ler-demo-{}", std::process::id())),
    };
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let key = ler_crypto::KeyPair::generate();
    let did = ler_crypto::did_key(&key.public_key());
    let key_path = dir.join("issuer-key.json");
    write_private(
        &key_path,
        &serde_json::to_vec_pretty(&ler_crypto::encode_key_file(&key, None))?,
    )?;
    println!(
        "1. An issuer key (ler key generate --out {}):\n   {did}\n",
        key_path.display()
    );

    let unsigned: Value = serde_json::from_str(&OB3_FIXTURE.replace("did:key:ISSUER", &did))?;
    let unsigned_path = dir.join("badge-unsigned.json");
    std::fs::write(&unsigned_path, serde_json::to_vec_pretty(&unsigned)?)?;
    let docs = ler_jsonld::Documents::embedded();
    let opts = SignOptions {
        suite: Cryptosuite::EddsaRdfc2022,
        verification_method: ler_crypto::did_key_verification_method(&key.public_key()),
        created: Some(clock::format_datetime(clock::now())),
        purpose: Purpose::Assertion,
        expires: None,
    };
    let signed = ler_proof::sign(&unsigned, &key, &opts, docs)?;
    let signed_path = dir.join("badge.json");
    std::fs::write(&signed_path, serde_json::to_vec_pretty(&signed)?)?;
    println!(
        "2. An Open Badges 3.0 credential, signed with eddsa-rdfc-2022\n   (ler issue --key {} {} > {}):\n   {}\n",
        key_path.display(),
        unsigned_path.display(),
        signed_path.display(),
        signed["name"].as_str().unwrap_or("")
    );

    let verifier = ler_verify::Verifier::new(ler_verify::Options {
        documents: docs,
        fetcher: &ler_verify::Offline,
        trust: None,
        now: clock::now(),
        recipient: None,
        challenge: None,
        domain: None,
        status_cache: None,
    });
    let verify = |doc: &Value| verifier.verify_value(doc);
    let report = verify(&signed);
    println!(
        "3. Verified by anyone (ler verify {}):",
        signed_path.display()
    );
    print_checks(&report);

    let mut tampered = signed.clone();
    tampered["credentialSubject"]["achievement"]["name"] = "Master Welder".into();
    let tampered_path = dir.join("badge-tampered.json");
    std::fs::write(&tampered_path, serde_json::to_vec_pretty(&tampered)?)?;
    let report = verify(&tampered);
    println!(
        "\n4. The same credential with the achievement renamed (ler verify {}):",
        tampered_path.display()
    );
    print_checks(&report);
    println!("\nThe files are in {}.", dir.display());
    Ok(())
}

fn print_checks(r: &ler_verify::Report) {
    println!(
        "   {}",
        if r.verified {
            "VERIFIED"
        } else {
            "NOT VERIFIED"
        }
    );
    for c in &r.checks {
        println!("   [{:?}] {}: {}", c.status, c.check, c.message);
    }
}

fn write_private(path: &std::path::Path, bytes: &[u8]) -> anyhow::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    f.write_all(bytes)?;
    Ok(())
}
