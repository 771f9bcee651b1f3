//! `ler present`: wrap credentials in a verifiable presentation signed by the holder, with the
//! verifier's challenge and domain.

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;
use ler_proof::{Cryptosuite, Purpose, SignOptions};
use serde_json::{Value, json};

use crate::{clock, cmd_key, contexts};

#[derive(Args)]
pub struct PresentArgs {
    /// The holder's key (same forms as `ler issue --key`); the holder is its did:key.
    #[arg(long)]
    key: PathBuf,
    /// The challenge the verifier sent.
    #[arg(long)]
    challenge: Option<String>,
    /// The verifier's domain.
    #[arg(long)]
    domain: Option<String>,
    /// A JSON object mapping context URL to file, for contexts ler does not embed.
    #[arg(long)]
    context_map: Option<PathBuf>,
    #[command(flatten)]
    kek: cmd_key::KekArgs,
    /// Signed credentials (JSON files, or files holding a compact VC-JWT).
    #[arg(required = true)]
    credentials: Vec<PathBuf>,
}

pub fn run(args: PresentArgs) -> anyhow::Result<()> {
    let docs = contexts::load(args.context_map.as_deref())?;
    let kek = cmd_key::load_kek(&args.kek)?;
    let key = cmd_key::read_signing_key(&args.key, kek.as_ref())?;
    let holder = ler_crypto::did_key(&key.public_key());
    let mut credentials = Vec::new();
    for path in &args.credentials {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        let trimmed = text.trim();
        let value = match serde_json::from_str::<Value>(trimmed) {
            Ok(v @ Value::Object(_)) => v,
            _ if trimmed.starts_with("ey") => json!({
                "@context": "https://www.w3.org/ns/credentials/v2",
                "id": format!("data:application/vc+jwt,{trimmed}"),
                "type": "EnvelopedVerifiableCredential"
            }),
            _ => anyhow::bail!(
                "{} holds neither a JSON credential nor a VC-JWT",
                path.display()
            ),
        };
        credentials.push(value);
    }
    let vp = json!({
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiablePresentation"],
        "holder": holder,
        "verifiableCredential": credentials,
    });
    let opts = SignOptions {
        suite: Cryptosuite::EddsaRdfc2022,
        verification_method: ler_crypto::did_key_verification_method(&key.public_key()),
        created: Some(clock::format_datetime(clock::now())),
        purpose: Purpose::Authentication {
            challenge: args.challenge,
            domain: args.domain,
        },
        expires: None,
    };
    let signed =
        ler_proof::sign(&vp, &key, &opts, &docs).context("cannot sign the presentation")?;
    println!("{}", serde_json::to_string_pretty(&signed)?);
    Ok(())
}
