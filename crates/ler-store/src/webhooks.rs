//! Organizations' webhooks: subscriptions, the outbox of deliveries (`webhook_deliveries`) and
//! the log of every attempt (`webhook_attempts`).
//!
//! An event is written to the outbox ([`Store::enqueue_webhook_event`]: one delivery per
//! subscription that wants it) by the request that caused it; a worker takes due deliveries
//! with [`Store::claim_webhook_deliveries`], which leases them (moves `next_attempt_at` past
//! the attempt's time limit, so a crashed worker's deliveries become due again and another
//! instance does not take them meanwhile), and records each attempt and its outcome with
//! [`Store::finish_webhook_attempt`]. The outbox is in the database, so deliveries survive
//! restarts.

use crate::{Backend, Result, Store, StoreError};

/// A subscription of an organization to events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Webhook {
    /// Random id (`wh_…`).
    pub id: String,
    /// The subscribing organization.
    pub org_id: i64,
    /// Where deliveries are POSTed (https).
    pub url: String,
    /// The event types it wants.
    pub events: Vec<String>,
    /// The signing secret, encrypted under the KEK (the caller seals and opens it).
    pub secret: Vec<u8>,
    /// Seconds since the epoch.
    pub created_at: i64,
}

/// What became of a delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryStatus {
    /// Waiting for its next attempt.
    Pending,
    /// The receiver answered 2xx.
    Delivered,
    /// Every attempt failed; no more are made.
    Failed,
}

impl DeliveryStatus {
    /// The `status` column's value.
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryStatus::Pending => "pending",
            DeliveryStatus::Delivered => "delivered",
            DeliveryStatus::Failed => "failed",
        }
    }

    pub(crate) fn parse(s: &str) -> Result<DeliveryStatus> {
        match s {
            "pending" => Ok(DeliveryStatus::Pending),
            "delivered" => Ok(DeliveryStatus::Delivered),
            "failed" => Ok(DeliveryStatus::Failed),
            other => Err(StoreError::Database(format!(
                "unknown delivery status {other:?}"
            ))),
        }
    }
}

/// One event on its way to one subscription.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookDelivery {
    /// `<event id>.<webhook id>`.
    pub id: String,
    /// The subscription.
    pub webhook_id: String,
    /// The event's id (the same for every subscription it goes to).
    pub event_id: String,
    /// The event's type.
    pub event_type: String,
    /// The JSON body POSTed.
    pub payload: String,
    /// Pending, delivered or failed.
    pub status: DeliveryStatus,
    /// Attempts made.
    pub attempts: i64,
    /// Seconds since the epoch: when it is due (or, while leased, when the lease ends).
    pub next_attempt_at: i64,
    /// The HTTP status of the last attempt, if it got one.
    pub last_status: Option<i64>,
    /// Why the last attempt failed, if it did.
    pub last_error: Option<String>,
    /// Seconds since the epoch.
    pub created_at: i64,
    /// When it was delivered or given up.
    pub finished_at: Option<i64>,
}

/// One attempt at a delivery, as logged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookAttempt {
    /// The delivery.
    pub delivery_id: String,
    /// 1 for the first attempt.
    pub attempt: i64,
    /// Seconds since the epoch.
    pub attempted_at: i64,
    /// The receiver's HTTP status, when it answered.
    pub status: Option<i64>,
    /// Why it failed, when it did (no answer, a refused address, a non-2xx status).
    pub error: Option<String>,
    /// How long it took, in milliseconds.
    pub duration_ms: i64,
}

/// What an attempt leads to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttemptOutcome {
    /// Delivered; done.
    Delivered,
    /// Failed; try again at this time (seconds since the epoch).
    RetryAt(i64),
    /// Failed for the last time.
    GiveUp,
}

impl Store {
    /// Stores a subscription; `Conflict` if its id is taken.
    pub async fn create_webhook(&self, hook: &Webhook) -> Result<()> {
        dispatch!(self.create_webhook(hook))
    }
    /// An organization's subscriptions, oldest first.
    pub async fn webhooks(&self, org_id: i64) -> Result<Vec<Webhook>> {
        dispatch!(self.webhooks(org_id))
    }
    /// One subscription of an organization.
    pub async fn webhook(&self, org_id: i64, id: &str) -> Result<Option<Webhook>> {
        dispatch!(self.webhook(org_id, id))
    }
    /// Deletes a subscription with its deliveries and their log; false when it did not exist.
    pub async fn delete_webhook(&self, org_id: i64, id: &str) -> Result<bool> {
        dispatch!(self.delete_webhook(org_id, id))
    }

    /// Writes an event to the outbox: one pending delivery, due at `now`, for every
    /// subscription of `org_id` that wants `event_type`. Returns how many.
    pub async fn enqueue_webhook_event(
        &self,
        org_id: i64,
        event_type: &str,
        event_id: &str,
        payload: &str,
        now: i64,
    ) -> Result<usize> {
        dispatch!(self.enqueue_webhook_event(org_id, event_type, event_id, payload, now))
    }
    /// Takes up to `limit` pending deliveries due at `now`, oldest due first, with their
    /// subscriptions, and leases them until `lease_until` (they are not due again before).
    pub async fn claim_webhook_deliveries(
        &self,
        now: i64,
        lease_until: i64,
        limit: usize,
    ) -> Result<Vec<(WebhookDelivery, Webhook)>> {
        dispatch!(self.claim_webhook_deliveries(now, lease_until, limit))
    }
    /// Logs an attempt and applies its outcome to the delivery, in one transaction. False
    /// when the delivery is gone (its subscription was deleted meanwhile): nothing is logged.
    pub async fn finish_webhook_attempt(
        &self,
        attempt: &WebhookAttempt,
        outcome: AttemptOutcome,
    ) -> Result<bool> {
        dispatch!(self.finish_webhook_attempt(attempt, outcome))
    }
    /// A subscription's most recent deliveries (newest first, at most `limit`), each with its
    /// attempts in order.
    pub async fn webhook_deliveries(
        &self,
        webhook_id: &str,
        limit: usize,
    ) -> Result<Vec<(WebhookDelivery, Vec<WebhookAttempt>)>> {
        dispatch!(self.webhook_deliveries(webhook_id, limit))
    }
}

/// The `events` column: event types separated by spaces.
pub(crate) fn events_text(events: &[String]) -> String {
    events.join(" ")
}

/// Parses the `events` column.
pub(crate) fn events_of(text: &str) -> Vec<String> {
    text.split_whitespace().map(str::to_owned).collect()
}

/// A delivery's id: unique per event and subscription.
pub(crate) fn delivery_id(event_id: &str, webhook_id: &str) -> String {
    format!("{event_id}.{webhook_id}")
}

/// The delivery's columns after an attempt: (status, next_attempt_at, finished_at).
pub(crate) fn after_attempt(
    outcome: AttemptOutcome,
    at: i64,
) -> (DeliveryStatus, i64, Option<i64>) {
    match outcome {
        AttemptOutcome::Delivered => (DeliveryStatus::Delivered, at, Some(at)),
        AttemptOutcome::RetryAt(next) => (DeliveryStatus::Pending, next, None),
        AttemptOutcome::GiveUp => (DeliveryStatus::Failed, at, Some(at)),
    }
}

/// Most deliveries one claim takes.
pub(crate) fn claim_limit(limit: usize) -> i64 {
    i64::try_from(limit.clamp(1, 1000)).unwrap_or(1000)
}
