//! The ler service (`ler serve`): issuing and verifying for many organizations over HTTP,
//! following W3C vcalm (formerly VC-API), with each organization's did:web document and status
//! lists hosted here.
//!
//! The principal type is [`AppState`]: the store, the contexts, the key-encryption key, the
//! public URL and the fetchers; [`router`] builds the axum `Router` over it and [`serve`] runs
//! it until SIGINT or SIGTERM. [`Config`] resolves flags, environment and a TOML file;
//! [`admin`] holds the operations `ler admin` runs (organizations, keys, API keys, staff).
//!
//! **API boundary:** this is the only crate that speaks HTTP. Request and response shapes are
//! its own small types and `serde_json` values; the domain crates stay sans-io.
//!
//! **Architecture invariant:** DIDs and status lists of the organizations hosted here are
//! resolved from the store by [`LocalFetcher`], never over the network; only other URLs go to
//! the outward-facing fetcher.

pub mod admin;
mod auth;
pub mod batch;
mod body;
mod catalog;
mod cbo;
mod config;
pub mod demo;
mod error;
mod ids;
mod metrics;
mod ob3;
mod ops;
mod pool;
mod proxy;
mod ratelimit;
mod routes;
mod state;
mod status;
mod vcalm;
mod verify;
mod wallet;
mod web;
mod webhooks;

pub use config::{Config, ConfigError, Flags, Limits, LogFormat, PublicUrl};
pub use error::AppError;
pub use metrics::Metrics;
pub use proxy::{IpNet, TrustedProxies};
pub use ratelimit::RateLimiter;
pub use routes::router;
pub use state::{AppState, Clock, LOCAL_CACHE_TTL, LocalFetcher};
pub use webhooks::{
    WebhookSettings, signature as webhook_signature, spawn_worker as spawn_webhook_worker,
};

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use ler_fetch::{HttpFetcher, Policy};
use ler_store::Store;
use tokio::net::TcpListener;

/// Why the service could not start or stopped with an error.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServeError {
    /// The configuration is incomplete or contradictory.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The store could not be opened or migrated.
    #[error("the store could not be opened: {0}")]
    Store(#[source] ler_store::StoreError),
    /// The listening socket could not be bound, or serving failed.
    #[error("could not serve on {addr}: {source}")]
    Io {
        /// The address.
        addr: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
}

/// The warning printed on every start in `--dev` mode.
pub const DEV_WARNING: &str = "\
**********************************************************************
* WARNING: ler serve is running in --dev mode with a THROWAWAY       *
* key-encryption key. Keys created now cannot be decrypted after a   *
* restart, and keys created before cannot be used. Never use --dev   *
* for credentials anyone relies on: set LER_KEK or --kek-file.       *
**********************************************************************";

/// Sets up tracing for the process: text or JSON lines on stderr, filtered by `RUST_LOG`
/// (default `info`). Calling it twice keeps the first setup.
pub fn init_tracing(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    // A second initialization (tests, embedding) is not an error worth stopping for.
    let _ = match format {
        LogFormat::Json => builder.json().try_init(),
        LogFormat::Text => builder.with_ansi(false).try_init(),
    };
}

/// Opens the store and builds the state a configuration describes, with the guarded HTTP
/// fetcher for everything the service does not host.
pub async fn open(config: &Config) -> Result<AppState, ServeError> {
    let store = Store::open(&config.location)
        .await
        .map_err(ServeError::Store)?;
    let fetcher = Arc::new(HttpFetcher::new(Policy::default()));
    Ok(AppState::new(
        store,
        config.kek.clone(),
        config.public_url.clone(),
        fetcher,
        config.limits.clone(),
    )
    .with_pseudonym_secret(config.pseudonym_secret.clone())
    .with_cbo_min_cell(config.cbo_min_cell)
    .with_trusted_proxies(config.trusted_proxies.clone()))
}

/// Runs the service a configuration describes until SIGINT or SIGTERM, then drains the
/// requests in flight.
pub async fn serve(config: Config) -> Result<(), ServeError> {
    if config.dev {
        eprintln!("{DEV_WARNING}");
        tracing::warn!("running in --dev mode with a throwaway key-encryption key");
    }
    let state = open(&config).await?;
    let listener = TcpListener::bind(config.listen)
        .await
        .map_err(|source| ServeError::Io {
            addr: config.listen.to_string(),
            source,
        })?;
    let bound = listener.local_addr().map_or(config.listen, |a| a);
    tracing::info!(
        listen = %bound,
        public_url = %config.public_url,
        backend = ?state.store.kind(),
        "ler serve is listening"
    );
    serve_on(listener, state, shutdown_signal()).await
}

/// Serves `state` on a bound listener until `shutdown` completes, then drains the requests in
/// flight (tests bind `127.0.0.1:0` and pass their own shutdown).
pub async fn serve_on(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServeError> {
    let addr = listener
        .local_addr()
        .map_or_else(|_| "(unknown)".to_string(), |a| a.to_string());
    let worker = webhooks::spawn_worker(state.clone());
    let app = router(state).into_make_service_with_connect_info::<SocketAddr>();
    let served = axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
        .map_err(|source| ServeError::Io { addr, source });
    // Deliveries in flight are attempted again by the next start (their lease runs out).
    worker.abort();
    served
}

/// Completes on SIGINT (Ctrl-C) or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutting down: draining requests in flight");
}
