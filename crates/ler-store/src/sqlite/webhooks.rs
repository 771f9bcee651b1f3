//! The webhook tables on SQLite. Claiming runs in an immediate transaction on the one writer
//! (which also serializes it against other processes sharing the file), so two workers never
//! take the same delivery.

use rusqlite::{Connection, OptionalExtension, Row, params};

use super::{Db, SqlResult};
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
    pub(crate) async fn create_webhook(&self, hook: &Webhook) -> Result<()> {
        let h = hook.clone();
        self.write(move |conn| {
            conn.execute(
                &format!("INSERT INTO webhooks ({HOOK}) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"),
                params![
                    h.id,
                    h.org_id,
                    h.url,
                    events_text(&h.events),
                    h.secret,
                    h.created_at
                ],
            )
            .or_conflict(|| format!("webhook {}", h.id))
            .map(drop)
        })
        .await
    }

    pub(crate) async fn webhooks(&self, org_id: i64) -> Result<Vec<Webhook>> {
        self.read(move |conn| hooks_of(conn, org_id)).await
    }

    pub(crate) async fn webhook(&self, org_id: i64, id: &str) -> Result<Option<Webhook>> {
        let id = id.to_owned();
        self.read(move |conn| {
            conn.query_row(
                &format!("SELECT {HOOK} FROM webhooks WHERE org_id = ?1 AND id = ?2"),
                params![org_id, id],
                |r| hook(r, 0),
            )
            .optional()
            .db()
        })
        .await
    }

    pub(crate) async fn delete_webhook(&self, org_id: i64, id: &str) -> Result<bool> {
        let id = id.to_owned();
        self.write_tx(move |tx| {
            let exists = tx
                .query_row(
                    "SELECT 1 FROM webhooks WHERE org_id = ?1 AND id = ?2",
                    params![org_id, id],
                    |_| Ok(()),
                )
                .optional()
                .db()?
                .is_some();
            if !exists {
                return Ok(false);
            }
            tx.execute(
                "DELETE FROM webhook_attempts WHERE delivery_id IN (SELECT id FROM webhook_deliveries WHERE webhook_id = ?1)",
                [&id],
            )
            .db()?;
            tx.execute("DELETE FROM webhook_deliveries WHERE webhook_id = ?1", [&id])
                .db()?;
            tx.execute("DELETE FROM webhooks WHERE id = ?1", [&id]).db()?;
            Ok(true)
        })
        .await
    }

    pub(crate) async fn enqueue_webhook_event(
        &self,
        org_id: i64,
        event_type: &str,
        event_id: &str,
        payload: &str,
        now: i64,
    ) -> Result<usize> {
        let (event_type, event_id, payload) = (
            event_type.to_owned(),
            event_id.to_owned(),
            payload.to_owned(),
        );
        // Most events interest nobody: find out on a reader, without the write lock and its
        // fsync, and write only when some subscription wants the event.
        let wanted = event_type.clone();
        let any = self
            .read(move |conn| {
                Ok(hooks_of(conn, org_id)?
                    .iter()
                    .any(|h| h.events.contains(&wanted)))
            })
            .await?;
        if !any {
            return Ok(0);
        }
        self.write_tx(move |tx| {
            let hooks = hooks_of(tx, org_id)?;
            fan_out(tx, &hooks, &event_type, &event_id, &payload, now)
        })
        .await
    }

    pub(crate) async fn claim_webhook_deliveries(
        &self,
        now: i64,
        lease_until: i64,
        limit: usize,
    ) -> Result<Vec<(WebhookDelivery, Webhook)>> {
        self.write_tx(move |tx| {
            let claimed = {
                let mut stmt = tx
                    .prepare(&format!(
                        "SELECT {DELIVERY_D}, {HOOK_W} FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id \
                         WHERE d.status = 'pending' AND d.next_attempt_at <= ?1 \
                         ORDER BY d.next_attempt_at, d.created_at, d.id LIMIT ?2"
                    ))
                    .db()?;
                stmt.query_map(params![now, claim_limit(limit)], |r| {
                    Ok((delivery_raw(r)?, hook(r, 12)?))
                })
                .db()?
                .collect::<rusqlite::Result<Vec<_>>>()
                .db()?
            };
            let mut out = Vec::with_capacity(claimed.len());
            for (raw, hook) in claimed {
                tx.execute(
                    "UPDATE webhook_deliveries SET next_attempt_at = ?1 WHERE id = ?2",
                    params![lease_until, raw.0.id],
                )
                .db()?;
                let mut delivery = raw.parse()?;
                delivery.next_attempt_at = lease_until;
                out.push((delivery, hook));
            }
            Ok(out)
        })
        .await
    }

    pub(crate) async fn finish_webhook_attempt(
        &self,
        attempt: &WebhookAttempt,
        outcome: AttemptOutcome,
    ) -> Result<bool> {
        let a = attempt.clone();
        self.write_tx(move |tx| {
            let (status, next, finished) = after_attempt(outcome, a.attempted_at);
            let changed = tx
                .execute(
                    "UPDATE webhook_deliveries SET status = ?1, attempts = ?2, next_attempt_at = ?3, \
                     last_status = ?4, last_error = ?5, finished_at = ?6 WHERE id = ?7",
                    params![status.as_str(), a.attempt, next, a.status, a.error, finished, a.delivery_id],
                )
                .db()?;
            if changed == 0 {
                return Ok(false);
            }
            tx.execute(
                &format!("INSERT INTO webhook_attempts ({ATTEMPT}) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"),
                params![a.delivery_id, a.attempt, a.attempted_at, a.status, a.error, a.duration_ms],
            )
            .or_conflict(|| format!("attempt {} of {}", a.attempt, a.delivery_id))?;
            Ok(true)
        })
        .await
    }

    pub(crate) async fn webhook_deliveries(
        &self,
        webhook_id: &str,
        limit: usize,
    ) -> Result<Vec<(WebhookDelivery, Vec<WebhookAttempt>)>> {
        let webhook_id = webhook_id.to_owned();
        self.read(move |conn| {
            let raws = {
                let mut stmt = conn
                    .prepare(&format!(
                        "SELECT {DELIVERY} FROM webhook_deliveries WHERE webhook_id = ?1 \
                         ORDER BY created_at DESC, id DESC LIMIT ?2"
                    ))
                    .db()?;
                stmt.query_map(params![webhook_id, claim_limit(limit)], delivery_raw)
                    .db()?
                    .collect::<rusqlite::Result<Vec<_>>>()
                    .db()?
            };
            let mut stmt = conn
                .prepare(&format!(
                    "SELECT {ATTEMPT} FROM webhook_attempts WHERE delivery_id = ?1 ORDER BY attempt"
                ))
                .db()?;
            let mut out = Vec::with_capacity(raws.len());
            for raw in raws {
                let attempts = stmt
                    .query_map([&raw.0.id], attempt_row)
                    .db()?
                    .collect::<rusqlite::Result<Vec<_>>>()
                    .db()?;
                out.push((raw.parse()?, attempts));
            }
            Ok(out)
        })
        .await
    }
}

/// Puts an event in the outbox once for each of `hooks` that wants its type; the number of
/// deliveries written.
pub(crate) fn fan_out(
    tx: &Connection,
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
                 VALUES (?1, ?2, ?3, ?4, ?5, 'pending', 0, ?6, NULL, NULL, ?6, NULL)"
            ),
            params![
                delivery_id(event_id, &h.id),
                h.id,
                event_id,
                event_type,
                payload,
                now
            ],
        )
        .or_conflict(|| format!("delivery of event {event_id}"))?;
        count += 1;
    }
    Ok(count)
}

pub(crate) fn hooks_of(conn: &Connection, org_id: i64) -> Result<Vec<Webhook>> {
    let mut stmt = conn
        .prepare(&format!(
            "SELECT {HOOK} FROM webhooks WHERE org_id = ?1 ORDER BY created_at, id"
        ))
        .db()?;
    stmt.query_map([org_id], |r| hook(r, 0))
        .db()?
        .collect::<rusqlite::Result<Vec<_>>>()
        .db()
}

/// A subscription from the columns starting at `at`.
fn hook(r: &Row<'_>, at: usize) -> rusqlite::Result<Webhook> {
    Ok(Webhook {
        id: r.get(at)?,
        org_id: r.get(at + 1)?,
        url: r.get(at + 2)?,
        events: events_of(&r.get::<_, String>(at + 3)?),
        secret: r.get(at + 4)?,
        created_at: r.get(at + 5)?,
    })
}

/// A delivery as read, with its status text not yet parsed.
struct DeliveryRaw(WebhookDelivery, String);

impl DeliveryRaw {
    fn parse(self) -> Result<WebhookDelivery> {
        Ok(WebhookDelivery {
            status: DeliveryStatus::parse(&self.1)?,
            ..self.0
        })
    }
}

fn delivery_raw(r: &Row<'_>) -> rusqlite::Result<DeliveryRaw> {
    Ok(DeliveryRaw(
        WebhookDelivery {
            id: r.get(0)?,
            webhook_id: r.get(1)?,
            event_id: r.get(2)?,
            event_type: r.get(3)?,
            payload: r.get(4)?,
            status: DeliveryStatus::Pending,
            attempts: r.get(6)?,
            next_attempt_at: r.get(7)?,
            last_status: r.get(8)?,
            last_error: r.get(9)?,
            created_at: r.get(10)?,
            finished_at: r.get(11)?,
        },
        r.get(5)?,
    ))
}

fn attempt_row(r: &Row<'_>) -> rusqlite::Result<WebhookAttempt> {
    Ok(WebhookAttempt {
        delivery_id: r.get(0)?,
        attempt: r.get(1)?,
        attempted_at: r.get(2)?,
        status: r.get(3)?,
        error: r.get(4)?,
        duration_ms: r.get(5)?,
    })
}
