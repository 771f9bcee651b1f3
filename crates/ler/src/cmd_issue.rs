//! `ler issue`: validate, optionally fill, and sign a credential.

use std::io::Read;
use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::Args;
use ler_proof::{Cryptosuite, Purpose, SignOptions, VcJwtForm};
use serde_json::Value;

use crate::{clock, cmd_key, contexts};

#[derive(Args)]
pub struct IssueArgs {
    /// The signing key: a ler key file, a JSON with privateKeyMultibase/secretKeyMultibase, a
    /// JWK (OKP/Ed25519) or hex.
    #[arg(long)]
    key: PathBuf,
    /// The cryptosuite.
    #[arg(long, default_value = "eddsa-rdfc-2022", value_parser = ["eddsa-rdfc-2022", "eddsa-jcs-2022"])]
    suite: String,
    /// The proof's `created` (RFC 3339); now when not given.
    #[arg(long)]
    created: Option<String>,
    /// The verification method to name in the proof (for a did:web key); the key's did:key
    /// method when not given.
    #[arg(long)]
    verification_method: Option<String>,
    /// A JSON object mapping context URL to file (relative to the map), for contexts ler does
    /// not embed.
    #[arg(long)]
    context_map: Option<PathBuf>,
    /// Fill in `id` (a new urn:uuid), `validFrom` (now) and `issuer` (the key's DID) where
    /// they are missing. Without it nothing is ever filled in.
    #[arg(long)]
    fill: bool,
    /// Give the credential a status entry on this status list (a state file from `ler status
    /// create`): a fresh random index, saved before signing.
    #[arg(long)]
    status_list: Option<PathBuf>,
    /// The output: `json` (the credential with a Data Integrity proof), `vc-jwt` (a W3C
    /// VC-JOSE-COSE token, typ vc+jwt), `vc-jwt-1edtech` (the Open Badges 3.0 VC-JWT, typ JWT,
    /// with iss, jti, nbf, sub and exp claims), or `sd-jwt` (an employment record as an SD-JWT
    /// VC whose every employment field the holder can show or withhold; needs `--holder`).
    /// A JWT is printed as one compact token.
    #[arg(long, default_value = "json", value_parser = ["json", "vc-jwt", "vc-jwt-1edtech", "sd-jwt"])]
    format: String,
    /// For `--format sd-jwt`: the holder's did:key, whose key must sign every presentation.
    #[arg(long)]
    holder: Option<String>,
    #[command(flatten)]
    kek: cmd_key::KekArgs,
    /// The unsigned credential (JSON), or `-` for standard input.
    credential: PathBuf,
}

pub fn run(args: IssueArgs) -> anyhow::Result<()> {
    let docs = contexts::load(args.context_map.as_deref())?;
    let kek = cmd_key::load_kek(&args.kek)?;
    let key = cmd_key::read_signing_key(&args.key, kek.as_ref())?;
    let text = if args.credential.as_os_str() == "-" {
        let mut s = String::new();
        std::io::stdin()
            .read_to_string(&mut s)
            .context("cannot read standard input")?;
        s
    } else {
        std::fs::read_to_string(&args.credential)
            .with_context(|| format!("cannot read {}", args.credential.display()))?
    };
    let mut doc: Value = serde_json::from_str(&text)
        .with_context(|| format!("{} is not JSON", args.credential.display()))?;
    if !doc.is_object() {
        bail!(
            "{} must hold a JSON object (a credential)",
            args.credential.display()
        );
    }
    let did = ler_crypto::did_key(&key.public_key());
    let now = clock::now();
    if args.fill {
        let fill = ler_model::Fill {
            id: Some(clock::urn_uuid()?),
            valid_from: Some(clock::format_datetime(now)),
            issuer: Some(did.clone()),
        };
        ler_model::fill(&mut doc, &fill);
    }
    if let Some(state) = &args.status_list {
        crate::cmd_status::attach_entry(state, &mut doc)?;
    }
    ler_model::normalize(&mut doc);
    let violations = ler_model::validate(&doc);
    if !violations.is_empty() {
        let list: Vec<String> = violations
            .iter()
            .map(|v| format!("  {}: {} [{}]", v.path, v.message, v.rule))
            .collect();
        bail!(
            "{} does not meet the specifications, so it was not signed:\n{}",
            args.credential.display(),
            list.join("\n")
        );
    }
    let issuer = match doc.get("issuer") {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Object(o)) => o
            .get("id")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string(),
        _ => String::new(),
    };
    let verification_method = match args.verification_method {
        Some(vm) => {
            if !vm.starts_with(&format!("{issuer}#")) {
                bail!("the verification method {vm} does not belong to the issuer {issuer}");
            }
            vm
        }
        None => {
            if issuer != did {
                bail!(
                    "the credential's issuer is {issuer:?} but the key's DID is {did}: set the issuer to the key's DID, \
                     use --fill when the issuer is missing, or pass --verification-method for the issuer's own key"
                );
            }
            ler_crypto::did_key_verification_method(&key.public_key())
        }
    };
    let created = match args.created {
        Some(c) => {
            ler_model::datetime::parse_datetime(&c)
                .with_context(|| format!("--created {c:?} is not an RFC 3339 date-time"))?;
            c
        }
        None => clock::format_datetime(now),
    };
    let suite = Cryptosuite::parse(&args.suite).context("unknown suite")?;
    let opts = SignOptions {
        suite,
        verification_method,
        created: Some(created),
        purpose: Purpose::Assertion,
        expires: None,
    };
    if args.format == "sd-jwt" {
        let holder = args
            .holder
            .as_deref()
            .context("--format sd-jwt needs --holder DID (the worker's did:key)")?;
        let (holder_key, _) = ler_crypto::resolve_did_key(holder)
            .with_context(|| format!("--holder {holder:?} is not a did:key"))?;
        let (claims, paths) = ler_sdjwt::employment_claims(&doc)
            .context("cannot make an SD-JWT employment record")?;
        let paths: Vec<&str> = paths.iter().map(String::as_str).collect();
        let issue_opts = ler_sdjwt::IssueOptions {
            vct: ler_sdjwt::EMPLOYMENT_VCT,
            holder: &holder_key,
            now,
            max_decoys: 3,
        };
        let token = ler_sdjwt::issue(
            &claims,
            &paths,
            &key,
            &opts.verification_method,
            &issue_opts,
            &mut ler_sdjwt::os_salt,
        )
        .context("cannot issue the SD-JWT")?;
        println!("{token}");
        return Ok(());
    }
    let jwt_form = match args.format.as_str() {
        "vc-jwt" => Some(VcJwtForm::VcJoseCose),
        "vc-jwt-1edtech" => Some(VcJwtForm::OneEdTech),
        _ => None,
    };
    if let Some(form) = jwt_form {
        // The JWS is the proof: the token wraps the credential as validated above, unproofed.
        let token = ler_proof::sign_vc_jwt(&doc, &key, &opts.verification_method, form)
            .context("cannot sign the credential as a VC-JWT")?;
        println!("{token}");
        return Ok(());
    }
    let signed = ler_proof::sign(&doc, &key, &opts, &docs).context("cannot sign the credential")?;
    println!("{}", serde_json::to_string_pretty(&signed)?);
    Ok(())
}
