//! `ler key`: generate and inspect Ed25519 signing key files, encrypted under a KEK when one is
//! given.

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use ler_crypto::{
    Kek, KeyPair, PublicKey, Zeroize, Zeroizing, did_key, did_key_verification_method,
    encode_key_file, inspect_key_file, parse_key,
};

/// Environment variable holding the key-encryption key (base64 of 32 bytes).
const KEK_ENV: &str = "LER_KEK";

/// Manage signing keys.
#[derive(Debug, clap::Subcommand)]
pub enum KeyCommand {
    /// Generate a new Ed25519 signing key and print its did:key.
    Generate {
        /// Where to write the key file (created with mode 0600).
        #[arg(long)]
        out: PathBuf,
        /// Overwrite the file if it exists.
        #[arg(long)]
        force: bool,
        #[command(flatten)]
        kek: KekArgs,
    },
    /// Show a key file's DID and public key (without decrypting it).
    Show {
        /// The key file.
        file: PathBuf,
        #[command(flatten)]
        kek: KekArgs,
    },
}

/// Where the key-encryption key comes from.
#[derive(Debug, clap::Args)]
pub struct KekArgs {
    /// File holding the key-encryption key (base64 of 32 bytes); defaults to $LER_KEK.
    #[arg(long)]
    pub kek_file: Option<PathBuf>,
}

/// Runs a `ler key` subcommand.
pub fn run(cmd: KeyCommand) -> anyhow::Result<()> {
    match cmd {
        KeyCommand::Generate { out, force, kek } => generate(&out, force, &kek),
        KeyCommand::Show { file, kek } => show(&file, &kek),
    }
}

/// The key-encryption key from `--kek-file`, else from `$LER_KEK`, else none.
pub fn load_kek(args: &KekArgs) -> anyhow::Result<Option<Kek>> {
    if let Some(path) = &args.kek_file {
        let text = Zeroizing::new(
            fs::read_to_string(path)
                .with_context(|| format!("reading key-encryption key file {}", path.display()))?,
        );
        let kek = Kek::parse(&text)
            .with_context(|| format!("key-encryption key file {}", path.display()))?;
        return Ok(Some(kek));
    }
    match std::env::var(KEK_ENV) {
        Ok(text) => {
            let text = Zeroizing::new(text);
            if text.trim().is_empty() {
                bail!("{KEK_ENV} is set but empty: unset it or give a key-encryption key");
            }
            let kek = Kek::parse(&text).with_context(|| format!("${KEK_ENV}"))?;
            Ok(Some(kek))
        }
        Err(std::env::VarError::NotPresent) => Ok(None),
        Err(std::env::VarError::NotUnicode(_)) => bail!("{KEK_ENV} is not valid UTF-8"),
    }
}

/// Reads a signing key from a file in any form `ler_crypto::parse_key` accepts.
pub fn read_signing_key(path: &Path, kek: Option<&Kek>) -> anyhow::Result<KeyPair> {
    let bytes = Zeroizing::new(
        fs::read(path).with_context(|| format!("reading key file {}", path.display()))?,
    );
    parse_key(&bytes, kek).with_context(|| format!("key file {}", path.display()))
}

fn generate(out: &Path, force: bool, kek_args: &KekArgs) -> anyhow::Result<()> {
    let kek = load_kek(kek_args)?;
    let key = KeyPair::generate();
    let mut file_json = encode_key_file(&key, kek.as_ref());
    let text = serde_json::to_string_pretty(&file_json).map(|s| Zeroizing::new(s + "\n"));
    // The JSON value holds the plaintext secret when there is no KEK: wipe it now.
    if let Some(serde_json::Value::String(secret)) = file_json.get_mut("secretKeyMultibase") {
        secret.zeroize();
    }
    let text = text.context("serializing the key file")?;

    let mut options = OpenOptions::new();
    options.write(true).mode(0o600);
    if force {
        options.create(true).truncate(true);
    } else {
        options.create_new(true);
    }
    let mut file = options.open(out).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            anyhow::anyhow!(
                "{} already exists; pass --force to overwrite it",
                out.display()
            )
        } else {
            anyhow::Error::new(e).context(format!("creating key file {}", out.display()))
        }
    })?;
    // `mode` applies only to new files; an overwritten one keeps its old mode unless reset.
    file.set_permissions(fs::Permissions::from_mode(0o600))
        .with_context(|| format!("setting mode 0600 on {}", out.display()))?;
    file.write_all(text.as_bytes())
        .and_then(|()| file.sync_all())
        .with_context(|| format!("writing key file {}", out.display()))?;

    if kek.is_none() {
        eprintln!(
            "warning: {} holds the secret key unencrypted; set {KEK_ENV} or pass --kek-file to \
             encrypt it",
            out.display()
        );
    }
    println!("{}", did_key(&key.public_key()));
    Ok(())
}

fn show(path: &Path, kek_args: &KekArgs) -> anyhow::Result<()> {
    let bytes = Zeroizing::new(
        fs::read(path).with_context(|| format!("reading key file {}", path.display()))?,
    );
    let info = inspect_key_file(&bytes).with_context(|| format!("key file {}", path.display()))?;
    let kek = load_kek(kek_args)?;
    let public: PublicKey = match (info.encrypted, info.public, &kek) {
        // Encrypted and no KEK: the stated public key is all there is to show.
        (true, Some(public), None) => public,
        // Otherwise read the secret too, which checks the stated public key against it.
        _ => parse_key(&bytes, kek.as_ref())
            .with_context(|| format!("key file {}", path.display()))?
            .public_key(),
    };
    println!("did: {}", did_key(&public));
    println!(
        "verification method: {}",
        did_key_verification_method(&public)
    );
    println!("public key (Multikey): {public}");
    println!("encrypted: {}", if info.encrypted { "yes" } else { "no" });
    Ok(())
}
