//! The shared state of the service, and the [`LocalFetcher`] that answers the URLs of the
//! organizations hosted here from the store.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use ler_jsonld::Documents;
use ler_store::Store;
use ler_verify::{FetchError, Fetcher};
use tokio::runtime::Handle;

use crate::metrics::Metrics;
use crate::proxy::TrustedProxies;
use crate::ratelimit::RateLimiter;
use crate::{AppError, Limits, PublicUrl};

/// How long the [`LocalFetcher`] reuses what it read about a hosted DID or status list. Changes
/// made through this instance are seen at once (they clear the cache); changes made through
/// another instance sharing the database, within this time.
pub const LOCAL_CACHE_TTL: Duration = Duration::from_secs(2);
/// Most answers the local fetcher keeps.
const LOCAL_CACHE_CAPACITY: usize = 1024;

/// Recent answers of the local fetcher, by path.
type LocalCache = Mutex<HashMap<String, (Instant, Arc<Vec<u8>>)>>;

/// The service's clock: seconds since the epoch (tests move it).
#[derive(Clone)]
pub struct Clock(Arc<dyn Fn() -> i64 + Send + Sync>);

impl Clock {
    /// The system clock.
    pub fn system() -> Clock {
        Clock(Arc::new(|| {
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        }))
    }

    /// A clock reading `f`.
    pub fn from_fn(f: impl Fn() -> i64 + Send + Sync + 'static) -> Clock {
        Clock(Arc::new(f))
    }

    /// Now.
    pub fn now(&self) -> i64 {
        (self.0)()
    }
}

/// A signed status list credential, kept per list until the list changes.
#[derive(Clone)]
pub(crate) struct SignedList {
    /// The list version it was signed at.
    pub version: i64,
    /// The key fragment it was signed with (a rotation re-signs).
    pub fragment: String,
    /// The JSON bytes served.
    pub body: Arc<Vec<u8>>,
    /// Its entity tag.
    pub etag: String,
}

/// Everything a handler needs; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    /// The store.
    pub store: Store,
    /// The contexts the service signs and verifies with.
    pub documents: &'static Documents,
    /// The key-encryption key for the organizations' signing keys.
    pub kek: Arc<ler_crypto::Kek>,
    /// The address the world sees.
    pub public_url: PublicUrl,
    /// Fetches everything that is not hosted here (guarded HTTPS in production).
    pub fetcher: Arc<dyn Fetcher>,
    /// Request and credential counters.
    pub metrics: Arc<Metrics>,
    /// The rate limits.
    pub limits: Limits,
    /// Login attempts per client.
    pub login_limiter: Arc<RateLimiter>,
    /// Verify requests per client.
    pub verify_limiter: Arc<RateLimiter>,
    /// The reverse proxies whose `X-Forwarded-For` names the client the limits apply to.
    pub trusted_proxies: Arc<TrustedProxies>,
    /// The clock.
    pub clock: Clock,
    pub(crate) signed_lists: Arc<Mutex<HashMap<i64, SignedList>>>,
    pub(crate) local_cache: Arc<LocalCache>,
    /// Status lists whose proofs were verified recently, shared by all verifications.
    pub(crate) status_cache: Arc<ler_verify::StatusListCache>,
    /// Threads for verifying and signing.
    pub(crate) pool: Arc<crate::pool::Pool>,
    /// Bulk-issue jobs started over HTTP (the API and the console), kept in memory.
    pub(crate) jobs: Arc<crate::batch::Jobs>,
    /// The secret erased holders' access-log entries are pseudonymized under: configured
    /// (`LER_PSEUDONYM_SECRET`), else derived from the KEK.
    pub pseudonym_secret: Arc<ler_crypto::Zeroizing<Vec<u8>>>,
    /// The wallets' in-memory state (status re-checks of records, 60 s).
    pub(crate) wallet: Arc<crate::wallet::WalletCache>,
    /// Webhook delivery: its settings, the guarded client, the worker's bell.
    pub(crate) webhooks: Arc<crate::webhooks::Outbox>,
    /// How community organizations' outcome reports are released (the suppression threshold).
    pub(crate) cbo: crate::cbo::Settings,
}

impl AppState {
    /// State over a store, with the system clock and embedded contexts.
    pub fn new(
        store: Store,
        kek: Arc<ler_crypto::Kek>,
        public_url: PublicUrl,
        fetcher: Arc<dyn Fetcher>,
        limits: Limits,
    ) -> AppState {
        let pseudonym_secret = Arc::new(crate::wallet::derived_pseudonym_secret(&kek));
        AppState {
            store,
            documents: Documents::embedded(),
            kek,
            public_url,
            fetcher,
            metrics: Arc::new(Metrics::default()),
            login_limiter: Arc::new(RateLimiter::new(
                limits.login_burst,
                limits.login_per_minute / 60.0,
            )),
            verify_limiter: Arc::new(RateLimiter::new(
                limits.verify_burst,
                limits.verify_per_second,
            )),
            limits,
            trusted_proxies: Arc::new(TrustedProxies::default()),
            clock: Clock::system(),
            signed_lists: Arc::new(Mutex::new(HashMap::new())),
            local_cache: Arc::new(Mutex::new(HashMap::new())),
            status_cache: Arc::new(ler_verify::StatusListCache::new()),
            pool: Arc::new(crate::pool::Pool::new()),
            jobs: Arc::new(crate::batch::Jobs::default()),
            pseudonym_secret,
            wallet: Arc::new(crate::wallet::WalletCache::default()),
            webhooks: Arc::new(crate::webhooks::Outbox::new(
                crate::webhooks::WebhookSettings::default(),
            )),
            cbo: crate::cbo::Settings::default(),
        }
    }

    /// Believes `X-Forwarded-For` from these reverse proxies (see [`TrustedProxies::client`]).
    pub fn with_trusted_proxies(mut self, proxies: TrustedProxies) -> AppState {
        self.trusted_proxies = Arc::new(proxies);
        self
    }

    /// Releases outcome reports with no figure resting on fewer than `k` people.
    pub fn with_cbo_min_cell(mut self, k: usize) -> AppState {
        self.cbo = crate::cbo::Settings { min_cell: k };
        self
    }

    /// Delivers webhooks with these settings (tests: loopback receivers, short backoff).
    pub fn with_webhooks(mut self, settings: crate::webhooks::WebhookSettings) -> AppState {
        self.webhooks = Arc::new(crate::webhooks::Outbox::new(settings));
        self
    }

    /// Uses a configured pseudonym secret (`None` keeps the one derived from the KEK).
    pub fn with_pseudonym_secret(
        mut self,
        secret: Option<Arc<ler_crypto::Zeroizing<Vec<u8>>>>,
    ) -> AppState {
        if let Some(secret) = secret {
            self.pseudonym_secret = secret;
        }
        self
    }

    /// Replaces the clock (tests).
    pub fn with_clock(mut self, clock: Clock) -> AppState {
        self.clock = clock;
        self
    }

    /// Now, in seconds since the epoch.
    pub fn now(&self) -> i64 {
        self.clock.now()
    }

    /// Forgets every cached local answer (after a status change).
    pub(crate) fn forget_local(&self) {
        if let Ok(mut c) = self.local_cache.lock() {
            c.clear();
        }
    }

    /// Forgets the cached answer at `path` unless it mentions `needle` (a DID document that
    /// does not list the key just used to sign).
    pub(crate) fn forget_local_unless(&self, path: &str, needle: &str) {
        if let Ok(mut c) = self.local_cache.lock() {
            let stale = c.get(path).is_some_and(|(_, body)| {
                !body.windows(needle.len()).any(|w| w == needle.as_bytes())
            });
            if stale {
                c.remove(path);
            }
        }
    }

    /// Runs blocking work (verification, which fetches synchronously) off the async threads,
    /// handing it a [`LocalFetcher`].
    pub(crate) async fn blocking<T: Send + 'static>(
        &self,
        work: impl FnOnce(&LocalFetcher) -> T + Send + 'static,
    ) -> Result<T, AppError> {
        let fetcher = LocalFetcher {
            state: self.clone(),
            handle: Handle::current(),
        };
        self.pool.run(move || work(&fetcher)).await
    }
}

/// A [`Fetcher`] that answers the URLs of this service — organization DID documents and status
/// lists — from the store, with no network round trip, and hands every other URL to the
/// state's fetcher. It blocks on the store, so it runs only on blocking threads (see
/// [`AppState`]'s verification tasks).
pub struct LocalFetcher {
    state: AppState,
    handle: Handle,
}

impl LocalFetcher {
    /// A local fetcher over `state`, blocking on `handle` for store calls. Call
    /// [`Fetcher::fetch`] only outside the runtime's async threads.
    pub fn new(state: AppState, handle: Handle) -> LocalFetcher {
        LocalFetcher { state, handle }
    }
}

impl Fetcher for LocalFetcher {
    fn fetch(&self, url: &str) -> Result<Vec<u8>, FetchError> {
        let Some(path) = self.state.public_url.local_path(url) else {
            return self.state.fetcher.fetch(url);
        };
        let failed = |reason: String| FetchError::Failed {
            url: url.into(),
            reason,
        };
        if let Ok(cache) = self.state.local_cache.lock()
            && let Some((at, body)) = cache.get(path)
            && at.elapsed() < LOCAL_CACHE_TTL
        {
            return Ok(body.as_ref().clone());
        }
        let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
        let answer = match segments.as_slice() {
            ["orgs", slug, "did.json"] => self
                .handle
                .block_on(crate::admin::did_document_of(&self.state.store, slug))
                .map(|doc| doc.to_string().into_bytes()),
            ["orgs", slug, "status", list_id] => self
                .handle
                .block_on(crate::status::signed_list(&self.state, slug, list_id))
                .map(|signed| signed.body.as_ref().clone()),
            _ => return Err(failed("this service serves no document there".into())),
        };
        if let Ok(body) = &answer
            && let Ok(mut cache) = self.state.local_cache.lock()
        {
            if cache.len() >= LOCAL_CACHE_CAPACITY {
                cache.clear();
            }
            cache.insert(path.to_string(), (Instant::now(), Arc::new(body.clone())));
        }
        answer.map_err(|e| match e {
            AppError::Internal(cause) => {
                tracing::error!(%cause, url, "local fetch failed");
                failed("the service could not read it".into())
            }
            other => failed(other.to_string()),
        })
    }
}
