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
    /// Seed a demo pilot (a college, a CBO, an employer, three participants with wallets) in a
    /// fresh data directory with a throwaway key-encryption key, and print where to click.
    #[arg(long, conflicts_with_all = ["database", "kek_file", "config"])]
    pub demo: bool,
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
    if args.demo {
        return run_demo(args);
    }
    let config = Config::resolve(&args.flags(), &|k| std::env::var(k).ok())?;
    ler_server::init_tracing(config.log_format);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("could not start the async runtime")?;
    runtime.block_on(ler_server::serve(config))?;
    Ok(())
}

/// A fresh directory for the demo's data: `--data` when it is empty or missing, else a new
/// directory under the system's temporary directory.
fn demo_dir(given: Option<&PathBuf>) -> anyhow::Result<PathBuf> {
    if let Some(dir) = given {
        let empty = match std::fs::read_dir(dir) {
            Ok(mut entries) => entries.next().is_none(),
            Err(_) => true,
        };
        anyhow::ensure!(
            empty,
            "--demo seeds a fresh data directory, and {} is not empty",
            dir.display()
        );
        return Ok(dir.clone());
    }
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis());
    Ok(std::env::temp_dir().join(format!("ler-demo-{}-{stamp}", std::process::id())))
}

/// Runs `ler serve --demo`: seeds the pilot, prints where to click, and serves it.
fn run_demo(args: ServeArgs) -> anyhow::Result<()> {
    let dir = demo_dir(args.data.as_ref())?;
    let mut flags = args.flags();
    flags.data = Some(dir.clone());
    flags.dev = true;
    // A throwaway key-encryption key, whatever the environment holds.
    let config = Config::resolve(&flags, &|k| {
        if k.starts_with("LER_KEK") {
            None
        } else {
            std::env::var(k).ok()
        }
    })?;
    ler_server::init_tracing(config.log_format);
    eprintln!("{}", ler_server::DEV_WARNING);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("could not start the async runtime")?;
    runtime.block_on(async move {
        let state = ler_server::open(&config).await?;
        let demo = ler_server::demo::seed(&state)
            .await
            .map_err(|e| anyhow::anyhow!("the demo could not be seeded: {e}"))?;
        let listener = tokio::net::TcpListener::bind(config.listen)
            .await
            .with_context(|| format!("could not listen on {}", config.listen))?;
        let base = config.public_url.base();
        let password = ler_server::demo::DEMO_PASSWORD;
        let mut text = format!(
            "\nThe ler demo pilot is running at {base}\n\n\
             1. Check a record (no sign-in):   {base}/verify\n\
             2. Staff console:                 {base}/console\n"
        );
        for (org, email) in &demo.staff {
            text.push_str(&format!("     {org:<32} {email}\n"));
        }
        text.push_str(&format!("3. Workers' wallets:             {base}/me\n"));
        for (name, email) in &demo.participants {
            text.push_str(&format!("     {name:<32} {email}\n"));
        }
        text.push_str(&format!("   Every login's password: {password}\n"));
        if let Some(link) = &demo.share_link {
            text.push_str(&format!(
                "4. A share link María gave Harbor Logistics (open it as the employer):\n     {link}\n"
            ));
        }
        text.push_str(&format!(
            "5. Community programs (coach@bridges.example): {base}/console/programs\n     \
             intake from a grant, a participant's plan, the dashboard, the outcome report\n"
        ));
        text.push_str(&format!(
            "\nData (throwaway): {}\nStop with Ctrl-C.\n",
            dir.display()
        ));
        println!("{text}");
        ler_server::serve_on(listener, state, ler_server::shutdown_signal()).await?;
        Ok(())
    })
}
