//! `ler verify`: verify files, or JSON Lines from standard input, and report every check.

use std::io::{BufRead, BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;
use ler_fetch::{HttpFetcher, Policy};
use ler_verify::{Fetcher, Offline, Options, Report, Status, TrustList, Verifier};

use crate::{clock, contexts};

#[derive(Args)]
pub struct VerifyArgs {
    /// Print the machine-readable report (one JSON object per credential, per line).
    #[arg(long)]
    json: bool,
    /// A JSON object mapping context URL to file (relative to the map), for contexts ler does
    /// not embed.
    #[arg(long)]
    context_map: Option<PathBuf>,
    /// Check validity against this instant (RFC 3339) instead of now.
    #[arg(long)]
    at: Option<String>,
    /// A trust registry (the DCC registry JSON, or an object mapping DID to name); repeatable.
    #[arg(long = "trust")]
    trust: Vec<PathBuf>,
    /// A known-DID-registries file (DCC format); its registries are fetched and trusted.
    #[arg(long)]
    known_registries: Option<PathBuf>,
    /// An email or other identifier to match against the credential's recipient.
    #[arg(long)]
    recipient: Option<String>,
    /// For presentations: the challenge that was sent to the holder.
    #[arg(long)]
    challenge: Option<String>,
    /// For presentations: the domain the holder must have named.
    #[arg(long)]
    domain: Option<String>,
    /// Never go to the network (did:web issuers and status lists then cannot be checked).
    #[arg(long)]
    offline: bool,
    /// Allow fetching from loopback and private addresses (a private deployment).
    #[arg(long)]
    allow_private: bool,
    /// Credential files; `-` reads JSON Lines (one credential per line) from standard input.
    #[arg(required = true)]
    files: Vec<PathBuf>,
}

pub fn run(args: VerifyArgs) -> anyhow::Result<ExitCode> {
    let docs = contexts::load(args.context_map.as_deref())?;
    let now = match &args.at {
        Some(t) => ler_model::datetime::parse_datetime(t)
            .with_context(|| format!("--at {t:?} is not an RFC 3339 date-time"))?,
        None => clock::now(),
    };
    let http = HttpFetcher::new(Policy {
        allow_private: args.allow_private,
        ..Policy::default()
    });
    let fetcher: &dyn Fetcher = if args.offline { &Offline } else { &http };
    let trust = load_trust(&args, fetcher)?;
    let verifier = Verifier::new(Options {
        documents: &docs,
        fetcher,
        trust: trust.as_ref(),
        now,
        recipient: args.recipient.clone(),
        challenge: args.challenge.clone(),
        domain: args.domain.clone(),
        status_cache: None,
    });
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let mut all_verified = true;
    for file in &args.files {
        if file.as_os_str() == "-" {
            let stdin = std::io::stdin();
            for (i, line) in stdin.lock().lines().enumerate() {
                let line = line.context("cannot read standard input")?;
                if line.trim().is_empty() {
                    continue;
                }
                let report = verifier.verify_bytes(line.as_bytes());
                all_verified &= report.verified;
                print_report(
                    &mut out,
                    &format!("stdin line {}", i + 1),
                    &report,
                    args.json,
                )?;
            }
        } else {
            let bytes =
                std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
            let report = verifier.verify_bytes(&bytes);
            all_verified &= report.verified;
            print_report(&mut out, &file.display().to_string(), &report, args.json)?;
        }
    }
    out.flush()?;
    Ok(if all_verified {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn print_report(out: &mut impl Write, source: &str, r: &Report, json: bool) -> anyhow::Result<()> {
    if json {
        let mut v = r.to_json();
        v["source"] = source.into();
        writeln!(out, "{v}")?;
        return Ok(());
    }
    let verdict = if r.verified {
        "VERIFIED"
    } else {
        "NOT VERIFIED"
    };
    writeln!(out, "{verdict}: {source} ({}, {})", r.kind, r.format)?;
    print_body(out, r, "  ")
}

fn print_body(out: &mut impl Write, r: &Report, indent: &str) -> anyhow::Result<()> {
    let issuer = match (&r.issuer, &r.issuer_name) {
        (Some(id), Some(name)) => format!("{name} ({id})"),
        (Some(id), None) => id.clone(),
        (None, _) => "(none)".into(),
    };
    let who = if r.kind == "VerifiablePresentation" {
        "holder:     "
    } else {
        "issuer:     "
    };
    writeln!(out, "{indent}{who} {issuer}")?;
    if r.kind != "VerifiablePresentation" {
        writeln!(
            out,
            "{indent}subject:     {}",
            r.subject.as_deref().unwrap_or("(no id)")
        )?;
    }
    if let Some(a) = &r.achievement {
        writeln!(out, "{indent}achievement: {a}")?;
    }
    for c in &r.checks {
        let mark = match c.status {
            Status::Passed => "pass",
            Status::Failed => "FAIL",
            Status::Skipped => "skip",
        };
        writeln!(out, "{indent}[{mark}] {}: {}", c.check, c.message)?;
    }
    for n in &r.nested {
        let verdict = if n.verified {
            "verified"
        } else {
            "NOT verified"
        };
        writeln!(out, "{indent}- inside: {} ({verdict})", n.kind)?;
        print_body(out, n, &format!("{indent}    "))?;
    }
    Ok(())
}

/// The trust registries named on the command line, if any.
fn load_trust(args: &VerifyArgs, fetcher: &dyn Fetcher) -> anyhow::Result<Option<TrustList>> {
    if args.trust.is_empty() && args.known_registries.is_none() {
        return Ok(None);
    }
    let mut list = TrustList::new();
    for path in &args.trust {
        let bytes = std::fs::read(path)
            .with_context(|| format!("cannot read trust registry {}", path.display()))?;
        let doc: serde_json::Value = serde_json::from_slice(&bytes)
            .with_context(|| format!("trust registry {} is not JSON", path.display()))?;
        list.add_registry(&path.display().to_string(), &doc)
            .map_err(anyhow::Error::msg)?;
    }
    if let Some(path) = &args.known_registries {
        let bytes =
            std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
        let doc: serde_json::Value = serde_json::from_slice(&bytes)
            .with_context(|| format!("{} is not JSON", path.display()))?;
        let known = TrustList::known_registries(&doc).map_err(anyhow::Error::msg)?;
        for name in known.unsupported {
            eprintln!(
                "note: registry \"{name}\" is an OpenID Federation registry, which ler does not query"
            );
        }
        for (name, url) in known.legacy {
            match fetcher.fetch(&url) {
                Ok(body) => match serde_json::from_slice::<serde_json::Value>(&body) {
                    Ok(doc) => {
                        list.add_registry(&name, &doc).map_err(anyhow::Error::msg)?;
                    }
                    Err(e) => eprintln!("warning: registry \"{name}\" ({url}) is not JSON: {e}"),
                },
                Err(e) => eprintln!("warning: registry \"{name}\" could not be loaded: {e}"),
            }
        }
    }
    Ok(Some(list))
}
