//! `ler bake` and `ler unbake`: a credential inside its PNG or SVG badge image, and back out.

use std::io::Read;
use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::Args;
use serde_json::Value;

#[derive(Args)]
pub struct BakeArgs {
    /// The signed credential: JSON with an embedded proof, or a compact VC-JWT; `-` for
    /// standard input.
    credential: PathBuf,
    /// The badge image, PNG or SVG.
    image: PathBuf,
    /// Where to write the baked image.
    #[arg(long)]
    out: PathBuf,
}

#[derive(Args)]
pub struct UnbakeArgs {
    /// A baked PNG or SVG image.
    image: PathBuf,
}

pub fn bake(args: BakeArgs) -> anyhow::Result<()> {
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
    let text = text.trim();
    // Bake only what a verifier can read back: a credential object or a compact JWS.
    let is_jwt = text.starts_with("ey") && text.split('.').count() == 3;
    if !is_jwt && !matches!(serde_json::from_str::<Value>(text), Ok(Value::Object(_))) {
        bail!(
            "{} holds neither a JSON credential nor a compact VC-JWT",
            args.credential.display()
        );
    }
    let image = std::fs::read(&args.image)
        .with_context(|| format!("cannot read {}", args.image.display()))?;
    let baked = ler_bake::bake(&image, text)
        .with_context(|| format!("cannot bake the credential into {}", args.image.display()))?;
    std::fs::write(&args.out, baked)
        .with_context(|| format!("cannot write {}", args.out.display()))?;
    Ok(())
}

pub fn unbake(args: UnbakeArgs) -> anyhow::Result<()> {
    let image = std::fs::read(&args.image)
        .with_context(|| format!("cannot read {}", args.image.display()))?;
    let text = ler_bake::unbake(&image)
        .with_context(|| format!("cannot read a credential from {}", args.image.display()))?;
    println!("{text}");
    Ok(())
}
