//! `ler verify`: verify files, or JSON Lines from standard input, and report every check.

use std::io::{BufRead, BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;
use ler_verify::{Offline, Options, Report, Status, Verifier};

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
    let verifier = Verifier::new(Options {
        documents: &docs,
        fetcher: &Offline,
        trust: None,
        now,
        recipient: None,
        challenge: None,
        domain: None,
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
    writeln!(out, "{verdict}: {source} ({})", r.kind)?;
    let issuer = match (&r.issuer, &r.issuer_name) {
        (Some(id), Some(name)) => format!("{name} ({id})"),
        (Some(id), None) => id.clone(),
        (None, _) => "(none)".into(),
    };
    writeln!(out, "  issuer:      {issuer}")?;
    writeln!(
        out,
        "  subject:     {}",
        r.subject.as_deref().unwrap_or("(no id)")
    )?;
    if let Some(a) = &r.achievement {
        writeln!(out, "  achievement: {a}")?;
    }
    for c in &r.checks {
        let mark = match c.status {
            Status::Passed => "pass",
            Status::Failed => "FAIL",
            Status::Skipped => "skip",
        };
        writeln!(out, "  [{mark}] {}: {}", c.check, c.message)?;
    }
    Ok(())
}
