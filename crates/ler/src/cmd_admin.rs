//! `ler admin`: operator commands for `ler serve` — a key-encryption key, organizations, their
//! signing keys, API keys and staff accounts, written straight to the store.

use std::io::BufRead;
use std::path::PathBuf;

use anyhow::{Context, bail};
use ler_server::{Config, Flags, admin};
use ler_store::{Location, Store};

/// Where the store is (and the configuration file, for defaults).
#[derive(Debug, clap::Args)]
pub struct StoreArgs {
    /// Directory of the embedded SQLite database (default ./ler-data; env LER_DATA).
    #[arg(long, value_name = "DIR", conflicts_with = "database")]
    pub data: Option<PathBuf>,
    /// A postgres:// URL instead of SQLite (env LER_DATABASE_URL).
    #[arg(long, value_name = "URL")]
    pub database: Option<String>,
    /// The TOML configuration file `ler serve` uses.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

/// Where the key-encryption key is.
#[derive(Debug, clap::Args)]
pub struct KekArgs {
    /// File holding the key-encryption key (else env LER_KEK, then LER_KEK_FILE).
    #[arg(long, value_name = "FILE")]
    pub kek_file: Option<PathBuf>,
}

/// Operator commands.
#[derive(Debug, clap::Subcommand)]
pub enum AdminCommand {
    /// Print a new key-encryption key (base64 of 32 random bytes) for LER_KEK or --kek-file.
    GenKek,
    /// Create an organization with a did:web and its first signing key.
    CreateOrg {
        #[command(flatten)]
        store: StoreArgs,
        #[command(flatten)]
        kek: KekArgs,
        /// Short URL-safe name: /orgs/<slug>/…
        #[arg(long)]
        slug: String,
        /// Display name.
        #[arg(long)]
        name: String,
        /// The URL `ler serve` is reached at; the DID is made from it (env LER_PUBLIC_URL).
        #[arg(long, value_name = "URL")]
        public_url: Option<String>,
    },
    /// Create an API key for an organization; the key is printed once, on the last line.
    CreateApiKey {
        #[command(flatten)]
        store: StoreArgs,
        /// The organization's slug.
        #[arg(long)]
        org: String,
        /// Comma-separated scopes: issue, revoke, read, cbo (community programs), funder (aggregate
        /// outcome reports only).
        #[arg(long)]
        scopes: String,
    },
    /// Add a new signing key to an organization and make it active (old keys stay listed).
    RotateKey {
        #[command(flatten)]
        store: StoreArgs,
        #[command(flatten)]
        kek: KekArgs,
        /// The organization's slug.
        #[arg(long)]
        org: String,
    },
    /// Create a staff account (the password is read from --password-file, else stdin).
    CreateUser {
        #[command(flatten)]
        store: StoreArgs,
        /// The organization's slug.
        #[arg(long)]
        org: String,
        /// Sign-in email.
        #[arg(long)]
        email: String,
        /// File whose first line is the password (at least 12 characters).
        #[arg(long, value_name = "FILE")]
        password_file: Option<PathBuf>,
        /// admin, staff, or funder (reads aggregate outcome reports only).
        #[arg(long, default_value = "staff")]
        role: String,
    },
}

fn env(k: &str) -> Option<String> {
    std::env::var(k).ok()
}

fn flags(store: &StoreArgs, kek: Option<&KekArgs>, public_url: Option<&String>) -> Flags {
    Flags {
        data: store.data.clone(),
        database: store.database.clone(),
        config: store.config.clone(),
        kek_file: kek.and_then(|k| k.kek_file.clone()),
        public_url: public_url.cloned(),
        ..Flags::default()
    }
}

async fn open(flags: &Flags) -> anyhow::Result<Store> {
    let location = Config::location(flags, &env)?;
    let shown = match &location {
        Location::SqliteDir(d) => d.display().to_string(),
        Location::Postgres(_) => "the PostgreSQL database".to_string(),
    };
    Store::open(&location)
        .await
        .with_context(|| format!("could not open the store in {shown}"))
}

fn now() -> i64 {
    crate::clock::now()
}

/// Runs a `ler admin` subcommand.
pub fn run(cmd: AdminCommand) -> anyhow::Result<()> {
    if let AdminCommand::GenKek = cmd {
        println!("{}", ler_crypto::Kek::generate().to_base64().as_str());
        return Ok(());
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("could not start the async runtime")?;
    runtime.block_on(run_async(cmd))
}

async fn run_async(cmd: AdminCommand) -> anyhow::Result<()> {
    match cmd {
        AdminCommand::GenKek => Ok(()),
        AdminCommand::CreateOrg {
            store,
            kek,
            slug,
            name,
            public_url,
        } => {
            let flags = flags(&store, Some(&kek), public_url.as_ref());
            let kek = Config::kek(&flags, &env)?;
            let public_url = Config::public_url(&flags, &env)?;
            let store = open(&flags).await?;
            let (org, key) =
                admin::create_org(&store, &kek, &public_url, &slug, &name, now()).await?;
            println!("organization: {} ({})", org.slug, org.name);
            println!("did: {}", org.did);
            println!(
                "DID document: {}/orgs/{}/did.json",
                public_url.base(),
                org.slug
            );
            println!("signing key: {}#{}", org.did, key.fragment);
            Ok(())
        }
        AdminCommand::CreateApiKey { store, org, scopes } => {
            let scopes = admin::parse_scopes(&scopes)?;
            let store = open(&flags(&store, None, None)).await?;
            let (key, record) = admin::create_api_key(&store, &org, &scopes, now()).await?;
            let names: Vec<&str> = record.scopes.iter().map(|s| s.as_str()).collect();
            println!(
                "API key {}… for {org} with scopes {}; it is shown once, store it now:",
                record.prefix,
                names.join(",")
            );
            println!("{key}");
            Ok(())
        }
        AdminCommand::RotateKey { store, kek, org } => {
            let flags = flags(&store, Some(&kek), None);
            let kek = Config::kek(&flags, &env)?;
            let store = open(&flags).await?;
            let key = admin::rotate_key(&store, &kek, &org, now()).await?;
            println!(
                "{org} now signs with {}; older keys stay in its DID document",
                key.fragment
            );
            Ok(())
        }
        AdminCommand::CreateUser {
            store,
            org,
            email,
            password_file,
            role,
        } => {
            let password = match password_file {
                Some(path) => {
                    let text = ler_crypto::Zeroizing::new(
                        std::fs::read_to_string(&path)
                            .with_context(|| format!("could not read {}", path.display()))?,
                    );
                    ler_crypto::Zeroizing::new(text.lines().next().unwrap_or("").to_string())
                }
                None => {
                    let mut line = ler_crypto::Zeroizing::new(String::new());
                    std::io::stdin()
                        .lock()
                        .read_line(&mut line)
                        .context("could not read the password from stdin")?;
                    ler_crypto::Zeroizing::new(line.trim_end_matches(['\r', '\n']).to_string())
                }
            };
            if password.is_empty() {
                bail!("no password: give --password-file or a line on stdin");
            }
            let store = open(&flags(&store, None, None)).await?;
            let user = admin::create_user(&store, &org, &email, &password, &role, now()).await?;
            println!("{} can now sign in to {org} as {}", user.email, user.role);
            Ok(())
        }
    }
}
