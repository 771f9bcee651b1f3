//! Delivering webhooks: the worker that takes due deliveries from the outbox, signs and POSTs
//! them through the guarded fetcher ([`ler_fetch::HttpFetcher::post`]), and logs each attempt
//! with its outcome — delivered on a 2xx, else retried after `backoff_base · 2^(n-1)`
//! seconds (capped at `max_backoff`) until `max_attempts`.
//!
//! **Why ureq on blocking threads:** it is already in the tree, and `ler-fetch` wraps it with
//! the SSRF guard that resolves and checks the address of every connection; reusing that
//! guard is worth more than async I/O for a few requests a second, each bounded by the
//! fetcher's timeouts. A delivery runs on tokio's blocking pool (not the verification pool,
//! which must never wait on the network), at most [`CONCURRENT`] at a time.

use std::sync::Arc;
use std::time::{Duration, Instant};

use ler_crypto::EncryptedKey;
use ler_fetch::{FetchError, HttpFetcher, Policy};
use ler_store::{AttemptOutcome, Webhook, WebhookAttempt, WebhookDelivery};
use tokio::sync::{Notify, Semaphore};
use tokio::task::JoinHandle;

use crate::{AppState, ids};

/// Deliveries attempted at the same time, at most.
pub const CONCURRENT: usize = 4;
/// Deliveries one claim takes.
const CLAIM: usize = 16;

/// How webhooks are delivered.
#[derive(Debug, Clone)]
pub struct WebhookSettings {
    /// What the deliveries may connect to (the guarded fetcher's policy: HTTPS, public
    /// addresses; tests allow loopback over plain HTTP).
    pub policy: Policy,
    /// The first retry waits this many seconds; each next one twice as long.
    pub backoff_base: i64,
    /// No retry waits longer than this, in seconds.
    pub max_backoff: i64,
    /// Attempts before a delivery is given up.
    pub max_attempts: i64,
    /// How often the worker looks for due deliveries when nothing wakes it.
    pub poll: Duration,
    /// How long a taken delivery is kept from other workers, in seconds (longer than an
    /// attempt can take; a worker that dies mid-attempt leaves it due again after this).
    pub lease: i64,
}

impl Default for WebhookSettings {
    fn default() -> Self {
        WebhookSettings {
            policy: Policy::default(),
            backoff_base: 30,
            max_backoff: 3600,
            max_attempts: 10,
            poll: Duration::from_secs(2),
            lease: 120,
        }
    }
}

impl WebhookSettings {
    /// The wait after failed attempt `n` (1 for the first): `backoff_base · 2^(n-1)`, capped.
    pub fn backoff(&self, n: i64) -> i64 {
        let exp = u32::try_from((n - 1).clamp(0, 30)).unwrap_or(30);
        self.backoff_base
            .saturating_mul(1_i64 << exp)
            .min(self.max_backoff)
            .max(1)
    }
}

/// The delivery side of the service's state: settings, the guarded client, and the bell
/// that wakes the worker when an event is queued.
pub(crate) struct Outbox {
    settings: WebhookSettings,
    client: HttpFetcher,
    bell: Notify,
}

impl Outbox {
    /// An outbox delivering with these settings.
    pub fn new(settings: WebhookSettings) -> Outbox {
        Outbox {
            client: HttpFetcher::new(settings.policy.clone()),
            settings,
            bell: Notify::new(),
        }
    }

    /// Wakes the worker (an event was queued).
    pub fn wake(&self) {
        self.bell.notify_one();
    }

    /// Whether a subscription URL may be contacted (blocking: it resolves the host).
    pub fn check_target(&self, url: &str) -> Result<(), FetchError> {
        self.client.check_target(url)
    }
}

/// A subscription secret, encrypted under the KEK and bound to the subscription's id: the
/// 24-byte nonce, then the ciphertext.
pub(crate) fn seal_secret(state: &AppState, webhook_id: &str, secret: &str) -> Vec<u8> {
    let wrapped = state.kek.wrap(secret.as_bytes(), webhook_id.as_bytes());
    let mut out = wrapped.nonce.to_vec();
    out.extend_from_slice(&wrapped.ciphertext);
    out
}

fn open_secret(state: &AppState, hook: &Webhook) -> Option<ler_crypto::Zeroizing<Vec<u8>>> {
    if hook.secret.len() < 24 {
        return None;
    }
    let (nonce, ciphertext) = hook.secret.split_at(24);
    let wrapped = EncryptedKey {
        nonce: nonce.try_into().ok()?,
        ciphertext: ciphertext.to_vec(),
    };
    state.kek.unwrap(&wrapped, hook.id.as_bytes()).ok()
}

/// The `Ler-Signature` header value: `t=<unix time>,v1=<hex HMAC-SHA-256 of "<t>.<body>">`.
pub fn signature(secret: &[u8], timestamp: i64, body: &str) -> String {
    let mac = ler_wallet::hmac_sha256(secret, format!("{timestamp}.{body}").as_bytes());
    format!("t={timestamp},v1={}", ids::hex(&mac))
}

/// Starts the delivery worker on the current runtime; it runs until aborted. `ler serve`
/// starts one per instance (instances sharing a database share the outbox).
pub fn spawn_worker(state: AppState) -> JoinHandle<()> {
    tokio::spawn(async move {
        let permits = Arc::new(Semaphore::new(CONCURRENT));
        loop {
            let outbox = state.webhooks.clone();
            let now = state.now();
            let claimed = state
                .store
                .claim_webhook_deliveries(now, now + outbox.settings.lease, CLAIM)
                .await;
            let full = match claimed {
                Ok(batch) => {
                    let full = batch.len() == CLAIM;
                    let mut running = Vec::with_capacity(batch.len());
                    for (delivery, hook) in batch {
                        let Ok(permit) = permits.clone().acquire_owned().await else {
                            return;
                        };
                        let state = state.clone();
                        running.push(tokio::spawn(async move {
                            attempt(&state, delivery, hook).await;
                            drop(permit);
                        }));
                    }
                    for task in running {
                        let _ = task.await;
                    }
                    full
                }
                Err(e) => {
                    tracing::error!(error = %e, "webhook deliveries could not be read");
                    false
                }
            };
            if !full {
                tokio::select! {
                    () = outbox.bell.notified() => {}
                    () = tokio::time::sleep(outbox.settings.poll) => {}
                }
            }
        }
    })
}

/// One attempt at a delivery, logged with its outcome.
async fn attempt(state: &AppState, delivery: WebhookDelivery, hook: Webhook) {
    let outbox = state.webhooks.clone();
    let n = delivery.attempts + 1;
    let at = state.now();
    let started = Instant::now();
    let result = match open_secret(state, &hook) {
        None => Err("the subscription's secret cannot be decrypted with this KEK".to_owned()),
        Some(secret) => {
            let signed = signature(&secret, at, &delivery.payload);
            let (url, body) = (hook.url.clone(), delivery.payload.clone());
            let headers = [
                ("content-type".to_owned(), "application/json".to_owned()),
                ("ler-signature".to_owned(), signed),
                ("ler-webhook-id".to_owned(), hook.id.clone()),
                ("ler-event-id".to_owned(), delivery.event_id.clone()),
                ("ler-event-type".to_owned(), delivery.event_type.clone()),
                ("ler-delivery-attempt".to_owned(), n.to_string()),
            ];
            let outbox = outbox.clone();
            match tokio::task::spawn_blocking(move || {
                let pairs: Vec<(&str, &str)> = headers
                    .iter()
                    .map(|(k, v)| (k.as_str(), v.as_str()))
                    .collect();
                outbox.client.post(&url, &pairs, body.as_bytes())
            })
            .await
            {
                Ok(Ok(status)) => Ok(status),
                Ok(Err(e)) => Err(e.to_string()),
                Err(e) => Err(format!("the delivery task failed: {e}")),
            }
        }
    };
    let duration_ms = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
    let (status, error) = match &result {
        Ok(s) if (200..300).contains(s) => (Some(i64::from(*s)), None),
        Ok(s) => (
            Some(i64::from(*s)),
            Some(format!("the receiver answered {s}")),
        ),
        Err(e) => (None, Some(e.clone())),
    };
    let outcome = if error.is_none() {
        AttemptOutcome::Delivered
    } else if n >= outbox.settings.max_attempts {
        AttemptOutcome::GiveUp
    } else {
        AttemptOutcome::RetryAt(at + outbox.settings.backoff(n))
    };
    let log = WebhookAttempt {
        delivery_id: delivery.id.clone(),
        attempt: n,
        attempted_at: at,
        status,
        error: error.clone(),
        duration_ms,
    };
    match state.store.finish_webhook_attempt(&log, outcome).await {
        Ok(_) => {}
        Err(e) => {
            // The lease runs out and the delivery is attempted again.
            tracing::error!(delivery = %delivery.id, error = %e, "a webhook attempt could not be logged");
        }
    }
    match outcome {
        AttemptOutcome::Delivered => {
            tracing::info!(webhook = %hook.id, event = %delivery.event_id, attempt = n, "webhook delivered");
        }
        AttemptOutcome::RetryAt(next) => {
            tracing::warn!(webhook = %hook.id, event = %delivery.event_id, attempt = n, retry_at = next, error = ?error, "webhook delivery failed; will retry");
        }
        AttemptOutcome::GiveUp => {
            tracing::warn!(webhook = %hook.id, event = %delivery.event_id, attempt = n, error = ?error, "webhook delivery failed for the last time");
        }
    }
}
