//! The webhook tables on PostgreSQL. Claiming leases due deliveries with `FOR UPDATE SKIP
//! LOCKED`, so several instances sharing the database take different deliveries.

use tokio_postgres::{GenericClient, Row};

use super::{Db, PgResult, get, pg};
use crate::Result;
use crate::webhooks::{
    AttemptOutcome, DeliveryStatus, Webhook, WebhookAttempt, WebhookDelivery, after_attempt,
    claim_limit, delivery_id, events_of, events_text,
};

const HOOK: &str = "id, org_id, url, events, secret, created_at";
const HOOK_W: &str = "w.id, w.org_id, w.url, w.events, w.secret, w.created_at";
const DELIVERY: &str = "id, webhook_id, event_id, event_type, payload, status, attempts, next_attempt_at, \
     last_status, last_error, created_at, finished_at";
const DELIVERY_D: &str = "d.id, d.webhook_id, d.event_id, d.event_type, d.payload, d.status, d.attempts, \
     d.next_attempt_at, d.last_status, d.last_error, d.created_at, d.finished_at";
const ATTEMPT: &str = "delivery_id, attempt, attempted_at, status, error, duration_ms";

impl Db {
    pub(crate) async fn create_webhook(&self, h: &Webhook) -> Result<()> {
        self.conn()
            .await?
            .execute(
                &format!("INSERT INTO webhooks ({HOOK}) VALUES ($1, $2, $3, $4, $5, $6)"),
                &[
                    &h.id,
                    &h.org_id,
                    &h.url,
                    &events_text(&h.events),
                    &h.secret,
                    &h.created_at,
                ],
            )
            .await
            .or_conflict(|| format!("webhook {}", h.id))
            .map(drop)
    }

    pub(crate) async fn webhooks(&self, org_id: i64) -> Result<Vec<Webhook>> {
        let conn = self.conn().await?;
        hooks_of(&*conn, org_id).await
    }

    pub(crate) async fn webhook(&self, org_id: i64, id: &str) -> Result<Option<Webhook>> {
        let row = self
            .conn()
            .await?
            .query_opt(
                &format!("SELECT {HOOK} FROM webhooks WHERE org_id = $1 AND id = $2"),
                &[&org_id, &id],
            )
            .await
            .map_err(pg)?;
        row.map(|r| hook(&r, 0)).transpose()
    }

    pub(crate) async fn delete_webhook(&self, org_id: i64, id: &str) -> Result<bool> {
        let mut conn = self.conn().await?;
        let tx = conn.transaction().await.map_err(pg)?;
        let exists = tx
            .query_opt(
                "SELECT 1 FROM webhooks WHERE org_id = $1 AND id = $2 FOR UPDATE",
                &[&org_id, &id],
            )
            .await
            .map_err(pg)?
            .is_some();
        if !exists {
            return Ok(false);
        }
        tx.execute(
            "DELETE FROM webhook_attempts WHERE delivery_id IN (SELECT id FROM webhook_deliveries WHERE webhook_id = $1)",
            &[&id],
        )
        .await
        .map_err(pg)?;
        tx.execute(
            "DELETE FROM webhook_deliveries WHERE webhook_id = $1",
            &[&id],
        )
        .await
        .map_err(pg)?;
        tx.execute("DELETE FROM webhooks WHERE id = $1", &[&id])
            .await
            .map_err(pg)?;
        tx.commit().await.map_err(pg)?;
        Ok(true)
    }

    pub(crate) async fn enqueue_webhook_event(
        &self,
        org_id: i64,
        event_type: &str,
        event_id: &str,
        payload: &str,
        now: i64,
    ) -> Result<usize> {
        let mut conn = self.conn().await?;
        // Most events interest nobody: no transaction unless some subscription wants it.
        let any = hooks_of(&*conn, org_id)
            .await?
            .iter()
            .any(|h| h.events.iter().any(|e| e == event_type));
        if !any {
            return Ok(0);
        }
        let tx = conn.transaction().await.map_err(pg)?;
        let hooks = hooks_of(&tx, org_id).await?;
        let count = fan_out(&tx, &hooks, event_type, event_id, payload, now).await?;
        tx.commit().await.map_err(pg)?;
        Ok(count)
    }

    pub(crate) async fn claim_webhook_deliveries(
        &self,
        now: i64,
        lease_until: i64,
        limit: usize,
    ) -> Result<Vec<(WebhookDelivery, Webhook)>> {
        let rows = self
            .conn()
            .await?
            .query(
                &format!(
                    "UPDATE webhook_deliveries d SET next_attempt_at = $2 FROM webhooks w \
                     WHERE w.id = d.webhook_id AND d.id IN ( \
                         SELECT id FROM webhook_deliveries WHERE status = 'pending' AND next_attempt_at <= $1 \
                         ORDER BY next_attempt_at, created_at, id LIMIT $3 FOR UPDATE SKIP LOCKED) \
                     RETURNING {DELIVERY_D}, {HOOK_W}"
                ),
                &[&now, &lease_until, &claim_limit(limit)],
            )
            .await
            .map_err(pg)?;
        let mut out = rows
            .iter()
            .map(|r| Ok((delivery(r)?, hook(r, 12)?)))
            .collect::<Result<Vec<_>>>()?;
        out.sort_by(|a, b| (a.0.created_at, &a.0.id).cmp(&(b.0.created_at, &b.0.id)));
        Ok(out)
    }

    pub(crate) async fn finish_webhook_attempt(
        &self,
        a: &WebhookAttempt,
        outcome: AttemptOutcome,
    ) -> Result<bool> {
        let (status, next, finished) = after_attempt(outcome, a.attempted_at);
        let mut conn = self.conn().await?;
        let tx = conn.transaction().await.map_err(pg)?;
        let changed = tx
            .execute(
                "UPDATE webhook_deliveries SET status = $1, attempts = $2, next_attempt_at = $3, \
                 last_status = $4, last_error = $5, finished_at = $6 WHERE id = $7",
                &[
                    &status.as_str(),
                    &a.attempt,
                    &next,
                    &a.status,
                    &a.error,
                    &finished,
                    &a.delivery_id,
                ],
            )
            .await
            .map_err(pg)?;
        if changed == 0 {
            return Ok(false);
        }
        tx.execute(
            &format!("INSERT INTO webhook_attempts ({ATTEMPT}) VALUES ($1, $2, $3, $4, $5, $6)"),
            &[
                &a.delivery_id,
                &a.attempt,
                &a.attempted_at,
                &a.status,
                &a.error,
                &a.duration_ms,
            ],
        )
        .await
        .or_conflict(|| format!("attempt {} of {}", a.attempt, a.delivery_id))?;
        tx.commit().await.map_err(pg)?;
        Ok(true)
    }

    pub(crate) async fn webhook_deliveries(
        &self,
        webhook_id: &str,
        limit: usize,
    ) -> Result<Vec<(WebhookDelivery, Vec<WebhookAttempt>)>> {
        let conn = self.conn().await?;
        let rows = conn
            .query(
                &format!(
                    "SELECT {DELIVERY} FROM webhook_deliveries WHERE webhook_id = $1 \
                     ORDER BY created_at DESC, id DESC LIMIT $2"
                ),
                &[&webhook_id, &claim_limit(limit)],
            )
            .await
            .map_err(pg)?;
        let deliveries = rows.iter().map(delivery).collect::<Result<Vec<_>>>()?;
        let ids: Vec<&str> = deliveries.iter().map(|d| d.id.as_str()).collect();
        let attempts = conn
            .query(
                &format!(
                    "SELECT {ATTEMPT} FROM webhook_attempts WHERE delivery_id = ANY($1) ORDER BY delivery_id, attempt"
                ),
                &[&ids],
            )
            .await
            .map_err(pg)?
            .iter()
            .map(attempt_row)
            .collect::<Result<Vec<_>>>()?;
        Ok(deliveries
            .into_iter()
            .map(|d| {
                let mine = attempts
                    .iter()
                    .filter(|a| a.delivery_id == d.id)
                    .cloned()
                    .collect();
                (d, mine)
            })
            .collect())
    }
}

/// Puts an event in the outbox once for each of `hooks` that wants its type; the number of
/// deliveries written.
pub(crate) async fn fan_out<C: GenericClient>(
    tx: &C,
    hooks: &[Webhook],
    event_type: &str,
    event_id: &str,
    payload: &str,
    now: i64,
) -> Result<usize> {
    let mut count = 0;
    for h in hooks
        .iter()
        .filter(|h| h.events.iter().any(|e| e == event_type))
    {
        tx.execute(
            &format!(
                "INSERT INTO webhook_deliveries ({DELIVERY}) \
                 VALUES ($1, $2, $3, $4, $5, 'pending', 0, $6, NULL, NULL, $6, NULL)"
            ),
            &[
                &delivery_id(event_id, &h.id),
                &h.id,
                &event_id,
                &event_type,
                &payload,
                &now,
            ],
        )
        .await
        .or_conflict(|| format!("delivery of event {event_id}"))?;
        count += 1;
    }
    Ok(count)
}

pub(crate) async fn hooks_of<C: GenericClient>(client: &C, org_id: i64) -> Result<Vec<Webhook>> {
    client
        .query(
            &format!("SELECT {HOOK} FROM webhooks WHERE org_id = $1 ORDER BY created_at, id"),
            &[&org_id],
        )
        .await
        .map_err(pg)?
        .iter()
        .map(|r| hook(r, 0))
        .collect()
}

/// A subscription from the columns starting at `at`.
fn hook(r: &Row, at: usize) -> Result<Webhook> {
    Ok(Webhook {
        id: get(r, at)?,
        org_id: get(r, at + 1)?,
        url: get(r, at + 2)?,
        events: events_of(&get::<String>(r, at + 3)?),
        secret: get(r, at + 4)?,
        created_at: get(r, at + 5)?,
    })
}

fn delivery(r: &Row) -> Result<WebhookDelivery> {
    Ok(WebhookDelivery {
        id: get(r, 0)?,
        webhook_id: get(r, 1)?,
        event_id: get(r, 2)?,
        event_type: get(r, 3)?,
        payload: get(r, 4)?,
        status: DeliveryStatus::parse(&get::<String>(r, 5)?)?,
        attempts: get(r, 6)?,
        next_attempt_at: get(r, 7)?,
        last_status: get(r, 8)?,
        last_error: get(r, 9)?,
        created_at: get(r, 10)?,
        finished_at: get(r, 11)?,
    })
}

fn attempt_row(r: &Row) -> Result<WebhookAttempt> {
    Ok(WebhookAttempt {
        delivery_id: get(r, 0)?,
        attempt: get(r, 1)?,
        attempted_at: get(r, 2)?,
        status: get(r, 3)?,
        error: get(r, 4)?,
        duration_ms: get(r, 5)?,
    })
}
