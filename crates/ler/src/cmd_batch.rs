//! `ler batch`: bulk issuance from learning-system exports (`issue`), the achievements it
//! awards (`add-achievement`), and a learner's CLR transcript (`ler clr`, in [`clr`]).

use std::fs::File;
use std::io::{BufReader, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use ler_batch::{BatchOptions, ClrOptions, Event, Issuer, Sink, Summary};
use ler_connect::import::{self, Format, OneRosterOptions};
use ler_connect::{Entry, Mapping, preview};
use ler_server::{Config, Flags};
use serde_json::{Value, json};

use crate::cmd_admin::{KekArgs, StoreArgs};

/// Bulk issuance commands.
#[derive(Debug, clap::Subcommand)]
pub enum BatchCommand {
    /// Issue a credential per row of an LMS export (CSV with a mapping, xAPI statements, or a
    /// OneRoster results set), idempotently: a rerun issues only the rows not issued yet.
    Issue(IssueArgs),
    /// Add (or replace) an achievement in an organization's catalog, from an OB 3.0
    /// Achievement JSON file.
    AddAchievement {
        #[command(flatten)]
        store: StoreArgs,
        /// The organization's slug.
        #[arg(long)]
        org: String,
        /// Its id in the catalog: 1 to 100 letters, digits, `-`, `_`, `.`.
        #[arg(long)]
        id: String,
        /// The Achievement JSON (its `id` is set to the catalog URL).
        file: PathBuf,
        /// The URL the service is reached at (env LER_PUBLIC_URL).
        #[arg(long, value_name = "URL")]
        public_url: Option<String>,
    },
}

/// `ler batch issue`.
#[derive(Debug, clap::Args)]
pub struct IssueArgs {
    #[command(flatten)]
    store: StoreArgs,
    #[command(flatten)]
    kek: KekArgs,
    /// The issuing organization's slug.
    #[arg(long)]
    org: String,
    /// Input format: csv (needs --mapping), xapi (a JSON array, an LRS StatementResult or
    /// JSON Lines), oneroster (a folder, or its results.csv, beside lineItems.csv and users.csv).
    #[arg(long, default_value = "csv")]
    format: String,
    /// The CSV mapping (TOML or JSON), possibly starting from a preset: canvas-gradebook,
    /// moodle-grades, moodle-completion.
    #[arg(long, value_name = "FILE")]
    mapping: Option<PathBuf>,
    /// OneRoster: results scoring below this percent of the line item's maximum are skipped.
    #[arg(long, value_name = "PERCENT")]
    pass_percent: Option<f64>,
    /// Write a one-time claim link per credential to this CSV file (appended on reruns).
    #[arg(long, value_name = "FILE")]
    claim_links: Option<PathBuf>,
    /// Days a claim link stays valid.
    #[arg(long, default_value_t = 30)]
    claim_days: i64,
    /// Give each credential a suspension entry too (its credentialStatus is then an array,
    /// which the 1EdTech OB 3.0 JSON Schema does not accept).
    #[arg(long)]
    suspendable: bool,
    /// Put each credential straight into the recipient's wallet on this service when the row
    /// gives a DID that a wallet here holds (no claim link for those rows). Emails are not
    /// matched: a wallet's email address is not verified.
    #[arg(long)]
    deliver: bool,
    /// Only preview: count what would be issued and list the errors.
    #[arg(long)]
    preview: bool,
    /// Rows per transaction.
    #[arg(long, default_value_t = 500)]
    batch_size: usize,
    /// Signing threads (default: one per core).
    #[arg(long)]
    threads: Option<usize>,
    /// The URL the service is reached at (status lists and claim links are made from it;
    /// env LER_PUBLIC_URL).
    #[arg(long, value_name = "URL")]
    public_url: Option<String>,
    /// The export to read.
    input: PathBuf,
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

async fn open(flags: &Flags) -> anyhow::Result<ler_store::Store> {
    let location = Config::location(flags, &env)?;
    ler_store::Store::open(&location)
        .await
        .context("could not open the store")
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("could not start the async runtime")
}

/// Runs a `ler batch` subcommand; the exit code is 1 when rows were in error.
pub fn run(cmd: BatchCommand) -> anyhow::Result<std::process::ExitCode> {
    match cmd {
        BatchCommand::Issue(args) => issue(args),
        BatchCommand::AddAchievement {
            store,
            org,
            id,
            file,
            public_url,
        } => {
            let ok = !id.is_empty()
                && id.len() <= 100
                && id
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
                && id != "."
                && id != "..";
            if !ok {
                bail!(
                    "the achievement id {id:?} must be 1 to 100 letters, digits, '-', '_' or '.'"
                );
            }
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("could not read {}", file.display()))?;
            let mut achievement: serde_json::Map<String, Value> = serde_json::from_str(&text)
                .with_context(|| format!("{} is not a JSON object", file.display()))?;
            let flags = flags(&store, None, public_url.as_ref());
            let base = Config::public_url(&flags, &env)?.base();
            runtime()?.block_on(async {
                let store = open(&flags).await?;
                let org = store
                    .org_by_slug(&org)
                    .await?
                    .with_context(|| format!("organization {org} not found"))?;
                let url = format!("{base}/orgs/{}/achievements/{id}", org.slug);
                achievement.insert("id".into(), url.clone().into());
                if !achievement.contains_key("type") {
                    achievement.insert("type".into(), json!(["Achievement"]));
                }
                let achievement = Value::Object(achievement);
                let probe = json!({
                    "@context": ["https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"],
                    "id": "urn:uuid:00000000-0000-4000-8000-000000000000",
                    "type": ["VerifiableCredential", "OpenBadgeCredential"],
                    "issuer": {"id": org.did, "type": ["Profile"], "name": org.name},
                    "validFrom": "2024-01-01T00:00:00Z",
                    "name": "probe",
                    "credentialSubject": {"type": ["AchievementSubject"], "id": "did:example:x", "achievement": achievement},
                });
                let problems: Vec<String> = ler_model::validate(&probe)
                    .into_iter()
                    .filter(|v| v.path.starts_with("$.credentialSubject.achievement"))
                    .map(|v| v.to_string())
                    .collect();
                if !problems.is_empty() {
                    bail!("the achievement is not valid: {}", problems.join("; "));
                }
                let created = store
                    .put_achievement(org.id, &id, &achievement, crate::clock::now())
                    .await?;
                println!(
                    "{} {url}",
                    if created { "added" } else { "replaced" }
                );
                Ok(std::process::ExitCode::SUCCESS)
            })
        }
    }
}

/// Counts the bytes read through it, for the progress line.
struct Counting<R> {
    inner: R,
    read: Arc<AtomicU64>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// The entries of the input, and its size in bytes (for the progress line).
fn entries(
    args: &IssueArgs,
    read: &Arc<AtomicU64>,
) -> anyhow::Result<(Box<dyn Iterator<Item = Entry> + Send>, u64)> {
    let format = Format::parse(&args.format).with_context(|| {
        format!(
            "unknown format {:?}: use csv, xapi or oneroster",
            args.format
        )
    })?;
    let open = |p: &Path| -> anyhow::Result<File> {
        File::open(p).with_context(|| format!("could not open {}", p.display()))
    };
    let counted = |p: &Path| -> anyhow::Result<(Counting<File>, u64)> {
        let f = open(p)?;
        let size = f.metadata().map(|m| m.len()).unwrap_or(0);
        Ok((
            Counting {
                inner: f,
                read: Arc::clone(read),
            },
            size,
        ))
    };
    Ok(match format {
        Format::Csv => {
            let path = args
                .mapping
                .as_ref()
                .context("a CSV import needs --mapping FILE (TOML or JSON)")?;
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("could not read {}", path.display()))?;
            let mapping = Mapping::parse(&text).with_context(|| path.display().to_string())?;
            let (r, size) = counted(&args.input)?;
            let rows = import::csv(BufReader::with_capacity(1 << 16, r), &mapping)
                .with_context(|| args.input.display().to_string())?;
            (Box::new(rows), size)
        }
        Format::Xapi => {
            let (r, size) = counted(&args.input)?;
            (
                Box::new(import::xapi(BufReader::with_capacity(1 << 16, r))),
                size,
            )
        }
        Format::OneRoster => {
            let dir = if args.input.is_dir() {
                args.input.clone()
            } else {
                args.input
                    .parent()
                    .map(Path::to_path_buf)
                    .unwrap_or_default()
            };
            let results = if args.input.is_dir() {
                dir.join("results.csv")
            } else {
                args.input.clone()
            };
            let (r, size) = counted(&results)?;
            let rows = import::oneroster(
                BufReader::with_capacity(1 << 16, r),
                BufReader::new(open(&dir.join("lineItems.csv"))?),
                BufReader::new(open(&dir.join("users.csv"))?),
                OneRosterOptions {
                    pass_percent: args.pass_percent,
                },
            )
            .context("the OneRoster set")?;
            (Box::new(rows), size)
        }
    })
}

fn issue(args: IssueArgs) -> anyhow::Result<std::process::ExitCode> {
    // The service's own state: the same engine, and what the service does after each
    // credential is stored (wallet delivery, program progress; webhook events are queued by
    // the engine and sent by `ler serve`).
    let flags = flags(&args.store, Some(&args.kek), args.public_url.as_ref());
    let config = Config::resolve(&flags, &env)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("could not start the async runtime")?;
    let (state, issuer) = runtime.block_on(async {
        let state = ler_server::open(&config)
            .await?
            .with_clock(ler_server::Clock::from_fn(crate::clock::now));
        let issuer = Issuer::load(
            &state.store,
            &state.kek,
            &args.org,
            &state.public_url.base(),
        )
        .await?;
        anyhow::Ok((state, issuer))
    })?;

    // Preview first: every row is read once and its errors listed (achievements missing from
    // the catalog included, as the engine will find them) before anything is signed.
    let unused = Arc::new(AtomicU64::new(0));
    let (rows, _) = entries(&args, &unused)?;
    let p = preview(rows.map(|e| issuer.check(e)), 10);
    eprintln!(
        "preview: {} to issue, {} skipped, {} in error",
        p.to_issue, p.skipped, p.errors
    );
    for (reason, n) in &p.skip_reasons {
        eprintln!("  skipped {n}: {reason}");
    }
    for e in &p.first_errors {
        eprintln!("  {e}");
    }
    if p.errors > p.first_errors.len() as u64 {
        eprintln!(
            "  … and {} more errors",
            p.errors - p.first_errors.len() as u64
        );
    }
    if args.preview {
        return Ok(if p.errors > 0 {
            std::process::ExitCode::from(1)
        } else {
            std::process::ExitCode::SUCCESS
        });
    }

    let options = BatchOptions {
        batch_size: args.batch_size,
        threads: args
            .threads
            .unwrap_or_else(|| BatchOptions::default().threads),
        claim_seconds: args.claim_links.as_ref().map(|_| args.claim_days * 86_400),
        suspendable: args.suspendable,
        deliver: args.deliver,
    };
    let links = match &args.claim_links {
        None => None,
        Some(path) => {
            let new = std::fs::metadata(path)
                .map(|m| m.len() == 0)
                .unwrap_or(true);
            let file = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .with_context(|| format!("could not open {}", path.display()))?;
            let mut w = csv::Writer::from_writer(file);
            if new {
                w.write_record([
                    "source_key",
                    "recipient",
                    "name",
                    "credential_id",
                    "claim_url",
                    "expires",
                    "wallet",
                ])?;
            }
            Some(w)
        }
    };
    let read = Arc::new(AtomicU64::new(0));
    let (mut rows, size) = entries(&args, &read)?;
    let mut sink = CliSink {
        links,
        progress: Progress::new(size, read, std::io::stderr().is_terminal()),
    };
    let issued = runtime.block_on(async {
        let issued =
            ler_server::batch::issue(&state, &issuer, &mut *rows, &options, &mut sink).await?;
        anyhow::Ok(issued)
    })?;
    let summary = issued.summary;
    sink.progress.finish(&summary);
    if args.deliver {
        let failed: Vec<_> = issued
            .deliveries
            .iter()
            .filter_map(|d| d.result.as_ref().err().map(|e| (d, e)))
            .collect();
        eprintln!(
            "delivered into wallets: {} ({} new), {} failed",
            issued.deliveries.len() - failed.len(),
            issued
                .deliveries
                .iter()
                .filter(|d| d.result == Ok(true))
                .count(),
            failed.len()
        );
        for (d, e) in failed {
            eprintln!(
                "  row {}: {} not delivered to {}: {e}",
                d.row, d.credential_id, d.wallet
            );
        }
    }
    Ok(if summary.errors > 0 {
        std::process::ExitCode::from(1)
    } else {
        std::process::ExitCode::SUCCESS
    })
}

/// Prints errors, writes claim links, draws the progress line.
struct CliSink {
    links: Option<csv::Writer<File>>,
    progress: Progress,
}

impl CliSink {
    fn link(
        &mut self,
        row: &ler_connect::IssueRow,
        id: &str,
        claim: Option<&ler_batch::ClaimLink>,
        wallet: Option<&ler_store::Holder>,
    ) {
        let Some(w) = self.links.as_mut() else {
            return;
        };
        if claim.is_none() && wallet.is_none() {
            return;
        }
        let r = &row.recipient;
        // A write error here surfaces at the flush that follows every batch.
        let _ = w.write_record([
            row.source_key.as_str(),
            r.display().unwrap_or(""),
            r.name.as_deref().unwrap_or(""),
            id,
            claim.map_or("", |c| c.url.as_str()),
            &claim
                .map(|c| ler_model::datetime::format_datetime(c.expires_at))
                .unwrap_or_default(),
            wallet.map_or("", |h| h.did.as_str()),
        ]);
    }
}

impl Sink for CliSink {
    fn event(&mut self, event: &Event<'_>) {
        match event {
            Event::Issued {
                row,
                credential_id,
                claim,
                wallet,
                ..
            }
            | Event::AlreadyIssued {
                row,
                credential_id,
                claim,
                wallet,
            } => self.link(row, credential_id, *claim, *wallet),
            Event::Skipped(_) => {}
            Event::Error(e) => {
                self.progress.clear();
                eprintln!("{e}");
            }
        }
    }

    fn flush(&mut self) -> Result<(), String> {
        if let Some(w) = self.links.as_mut() {
            w.flush().map_err(|e| e.to_string())?;
            w.get_ref().sync_data().map_err(|e| e.to_string())?;
        }
        Ok(())
    }

    fn progress(&mut self, summary: &Summary) {
        self.progress.update(summary);
    }
}

/// The progress line: drawn only on a terminal, at most four times a second.
struct Progress {
    size: u64,
    read: Arc<AtomicU64>,
    tty: bool,
    start: Instant,
    last: Option<Instant>,
    drawn: bool,
}

impl Progress {
    fn new(size: u64, read: Arc<AtomicU64>, tty: bool) -> Progress {
        Progress {
            size,
            read,
            tty,
            start: Instant::now(),
            last: None,
            drawn: false,
        }
    }

    fn update(&mut self, s: &Summary) {
        if !self.tty
            || self
                .last
                .is_some_and(|t| t.elapsed() < Duration::from_millis(250))
        {
            return;
        }
        self.last = Some(Instant::now());
        let secs = self.start.elapsed().as_secs_f64().max(1e-3);
        let rate = s.rows as f64 / secs;
        let done = self.read.load(Ordering::Relaxed).min(self.size);
        let share = if self.size > 0 {
            done as f64 / self.size as f64
        } else {
            0.0
        };
        let eta = if share > 0.0 {
            secs * (1.0 - share) / share
        } else {
            0.0
        };
        let mut err = std::io::stderr().lock();
        let _ = write!(
            err,
            "\r\x1b[2K{:>3.0}%  {} rows, {} issued, {} errors  {:.0} rows/s  ETA {}",
            share * 100.0,
            s.rows,
            s.issued,
            s.errors,
            rate,
            clock(eta)
        );
        let _ = err.flush();
        self.drawn = true;
    }

    fn clear(&mut self) {
        if self.drawn {
            eprint!("\r\x1b[2K");
            self.drawn = false;
            self.last = None;
        }
    }

    fn finish(&mut self, s: &Summary) {
        self.clear();
        let secs = self.start.elapsed().as_secs_f64();
        eprintln!(
            "{} rows in {}: {} issued, {} issued before, {} skipped, {} in error ({:.0} rows/s)",
            s.rows,
            clock(secs),
            s.issued,
            s.already_issued,
            s.skipped,
            s.errors,
            s.rows as f64 / secs.max(1e-3)
        );
    }
}

fn clock(secs: f64) -> String {
    let s = secs.round() as u64;
    format!("{}:{:02}", s / 60, s % 60)
}

/// `ler clr`.
#[derive(Debug, clap::Args)]
pub struct ClrArgs {
    #[command(flatten)]
    store: StoreArgs,
    #[command(flatten)]
    kek: KekArgs,
    /// The issuing organization's slug.
    #[arg(long)]
    org: String,
    /// The learner, as their credentials name them: an email or a DID.
    #[arg(long)]
    recipient: String,
    /// A catalog achievement (id or name) every achievement is part of.
    #[arg(long)]
    program: Option<String>,
    /// The transcript's name.
    #[arg(long)]
    name: Option<String>,
    /// The URL the service is reached at (env LER_PUBLIC_URL).
    #[arg(long, value_name = "URL")]
    public_url: Option<String>,
}

/// `ler clr`: signs, stores and prints a learner's CLR 2.0 transcript.
pub fn clr(args: ClrArgs) -> anyhow::Result<()> {
    let flags = flags(&args.store, Some(&args.kek), args.public_url.as_ref());
    let kek = Config::kek(&flags, &env)?;
    let base = Config::public_url(&flags, &env)?.base();
    let recipient = if args.recipient.contains('@') {
        args.recipient.trim().to_lowercase()
    } else {
        args.recipient.trim().to_owned()
    };
    let clr = runtime()?.block_on(async {
        let store = open(&flags).await?;
        let issuer = Issuer::load(&store, &kek, &args.org, &base).await?;
        let options = ClrOptions {
            program: args.program.clone(),
            name: args.name.clone(),
        };
        anyhow::Ok(
            ler_batch::transcript(&store, &issuer, &recipient, &options, crate::clock::now())
                .await?,
        )
    })?;
    println!("{}", serde_json::to_string_pretty(&clr)?);
    Ok(())
}
