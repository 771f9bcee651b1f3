//! `ler serve`: runs the issuing and verifying service (`ler-server`) until SIGINT or SIGTERM.

use std::path::PathBuf;

use anyhow::Context;
use ler_server::{Config, Flags};

/// Run the service.
#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// Directory of the embedded SQLite database (default ./ler-data; env LER_DATA).
    #[arg(long, value_name = "DIR", conflicts_with = "database")]
    pub data: Option<PathBuf>,
    /// A postgres:// URL instead of SQLite (env LER_DATABASE_URL).
    #[arg(long, value_name = "URL")]
    pub database: Option<String>,
    /// Address to listen on (default 127.0.0.1:8080; env LER_LISTEN).
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<String>,
    /// The URL the world uses to reach the service; organization DIDs are made from it
    /// (default http://<listen>, with loopback written as localhost; env LER_PUBLIC_URL).
    #[arg(long, value_name = "URL")]
    pub public_url: Option<String>,
    /// A TOML configuration file (flags and environment take precedence over it).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// File holding the key-encryption key (else env LER_KEK, then LER_KEK_FILE).
    #[arg(long, value_name = "FILE")]
    pub kek_file: Option<PathBuf>,
    /// Development mode: a throwaway key-encryption key when none is configured (loud warning).
    #[arg(long)]
    pub dev: bool,
    /// Log format: text or json (env LER_LOG_FORMAT).
    #[arg(long, value_name = "FORMAT")]
    pub log_format: Option<String>,
}

impl ServeArgs {
    /// The flags as the server's configuration reads them.
    pub fn flags(&self) -> Flags {
        Flags {
            data: self.data.clone(),
            database: self.database.clone(),
            listen: self.listen.clone(),
            public_url: self.public_url.clone(),
            config: self.config.clone(),
            kek_file: self.kek_file.clone(),
            dev: self.dev,
            log_format: self.log_format.clone(),
        }
    }
}

/// Runs `ler serve`.
pub fn run(args: ServeArgs) -> anyhow::Result<()> {
    let config = Config::resolve(&args.flags(), &|k| std::env::var(k).ok())?;
    ler_server::init_tracing(config.log_format);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("could not start the async runtime")?;
    runtime.block_on(ler_server::serve(config))?;
    Ok(())
}
