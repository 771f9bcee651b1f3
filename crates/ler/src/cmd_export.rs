//! `ler export`: a worker's credentials as an HR system reads them — HR Open LER-RS JSON,
//! JSON Resume, or CSV — written to standard output.

use std::path::PathBuf;

use anyhow::{Context, bail};
use ler_connect::export::{self, LerRsOptions, Person};
use serde_json::Value;

/// `ler export`.
#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    /// ler-rs, json-resume or csv.
    #[arg(long, default_value = "ler-rs")]
    format: String,
    /// The person's name.
    #[arg(long)]
    name: Option<String>,
    /// The person's email.
    #[arg(long)]
    email: Option<String>,
    /// LER-RS: put each credential in its attachment, not only its id.
    #[arg(long)]
    embed: bool,
    /// Credential files: JSON (one credential, or an array) or JSON Lines.
    #[arg(required = true)]
    files: Vec<PathBuf>,
}

fn read(path: &PathBuf, out: &mut Vec<Value>) -> anyhow::Result<()> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("could not read {}", path.display()))?;
    match serde_json::from_str::<Value>(&text) {
        Ok(Value::Array(items)) => out.extend(items),
        Ok(v) => out.push(v),
        Err(_) => {
            for (i, line) in text
                .lines()
                .enumerate()
                .filter(|(_, l)| !l.trim().is_empty())
            {
                out.push(
                    serde_json::from_str(line)
                        .with_context(|| format!("{} line {}", path.display(), i + 1))?,
                );
            }
        }
    }
    Ok(())
}

/// Runs `ler export`.
pub fn run(args: ExportArgs) -> anyhow::Result<()> {
    let mut credentials = Vec::new();
    for f in &args.files {
        read(f, &mut credentials)?;
    }
    let person = Person {
        name: args.name.clone(),
        email: args.email.clone(),
        ..Person::default()
    };
    match args.format.as_str() {
        "ler-rs" => {
            let options = LerRsOptions {
                document_id: crate::clock::urn_uuid()?,
                embed_credentials: args.embed,
            };
            let doc = export::ler_rs(&person, &credentials, &options);
            println!("{}", serde_json::to_string_pretty(&doc)?);
        }
        "json-resume" => {
            let doc = export::json_resume(&person, &credentials);
            println!("{}", serde_json::to_string_pretty(&doc)?);
        }
        "csv" => export::csv(&credentials, std::io::stdout().lock())?,
        other => bail!("unknown format {other:?}: use ler-rs, json-resume or csv"),
    }
    Ok(())
}
