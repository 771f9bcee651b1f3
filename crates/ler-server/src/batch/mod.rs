//! Bulk issuance in the service: the one engine (`ler-batch`) behind `ler batch issue`, the
//! console's CSV upload and `POST /orgs/<slug>/batch`, with what the service adds once each
//! credential is stored: delivery into the recipient's wallet here (matched by DID) and CBO
//! program progress. (`record.issued` webhook events need nothing here: the engine queues
//! them in the transaction that stores their credentials.)
//!
//! [`issue`] runs the engine over any import's entries; `jobs` keeps the jobs started over
//! HTTP (previewed, then run in the background, their per-row results kept in memory for a
//! day: claim links are secrets and are never written to the database in the clear); `api`
//! serves them. A job lost to a restart is run again by posting the same file: nothing is
//! issued twice, and rows whose links were not handed out get new ones.

mod api;
mod jobs;

pub(crate) use api::routes;
pub use jobs::{Job, JobState, Jobs, Outcome, RowOutcome};
pub(crate) use jobs::{prepare, start};

use std::collections::HashMap;

use ler_batch::{BatchError, BatchOptions, Event, Issuer, Sink, Summary};
use ler_connect::import::{self, OneRosterOptions};
use ler_connect::{ConnectError, Entry, Mapping};
use ler_store::Holder;
use serde_json::Value;
use tokio::sync::mpsc;

use crate::{AppError, AppState};

/// Largest file a batch takes over HTTP, in bytes; bigger exports go through
/// `ler batch issue`, which streams them.
pub const MAX_BATCH_BODY: usize = 20 * 1024 * 1024;

/// An export held in memory, to be read (more than once: preview, then issue).
#[derive(Debug)]
pub enum Input {
    /// CSV with a mapping.
    Csv {
        /// The file.
        bytes: Vec<u8>,
        /// How its columns map.
        mapping: Box<Mapping>,
    },
    /// xAPI statements (a JSON array, a `StatementResult` or JSON Lines).
    Xapi {
        /// The file.
        bytes: Vec<u8>,
    },
    /// A OneRoster 1.2 results set.
    OneRoster {
        /// `results.csv`.
        results: Vec<u8>,
        /// `lineItems.csv`.
        line_items: Vec<u8>,
        /// `users.csv`.
        users: Vec<u8>,
        /// What is left out.
        options: OneRosterOptions,
    },
}

impl Input {
    /// The import's entries, read as they are needed.
    pub fn entries(&self) -> Result<Box<dyn Iterator<Item = Entry> + Send + '_>, ConnectError> {
        Ok(match self {
            Input::Csv { bytes, mapping } => Box::new(import::csv(bytes.as_slice(), mapping)?),
            Input::Xapi { bytes } => Box::new(import::xapi(bytes.as_slice())),
            Input::OneRoster {
                results,
                line_items,
                users,
                options,
            } => Box::new(import::oneroster(
                results.as_slice(),
                line_items.as_slice(),
                users.as_slice(),
                options.clone(),
            )?),
        })
    }

    /// Bytes held.
    pub fn len(&self) -> usize {
        match self {
            Input::Csv { bytes, .. } | Input::Xapi { bytes } => bytes.len(),
            Input::OneRoster {
                results,
                line_items,
                users,
                ..
            } => results.len() + line_items.len() + users.len(),
        }
    }

    /// Whether it holds nothing.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The mapping of the console's own columns — `recipient` (an email address or a DID),
/// `achievement` (its id in the catalog), and optionally `name`, `result`, `awarded`,
/// `expires` and `key` — for the CSV whose first line is `header`. A row's key is its `key`
/// column when there is one, else the recipient, the achievement and the awarded date: the
/// same person's same achievement is issued once per date, however often the file is sent.
pub fn columns_mapping(header: &str) -> Result<Mapping, ConnectError> {
    let line = header.trim_start_matches('\u{feff}');
    let line = line.lines().next().unwrap_or("");
    let names: Vec<String> = line
        .split(',')
        .map(|c| c.trim().trim_matches('"').trim().to_ascii_lowercase())
        .collect();
    let has = |c: &str| names.iter().any(|n| n == c);
    let key = if has("key") {
        "{key}"
    } else if has("awarded") {
        "{recipient}:{=achievement}:{awarded}"
    } else {
        "{recipient}:{=achievement}"
    };
    let mut toml = format!(
        "source_key = \"{key}\"\n[recipient]\nemail_or_did = \"{{recipient}}\"\n{}[achievement]\nid = \"{{achievement}}\"\n",
        if has("name") {
            "name = \"{name}\"\n"
        } else {
            ""
        }
    );
    if has("result") {
        toml.push_str("[result]\ngrade = \"{result}\"\n");
    }
    let awarded = has("awarded").then_some("awarded = \"{awarded}\"\n");
    let expires = has("expires").then_some("valid_until = \"{expires}\"\n");
    if awarded.is_some() || expires.is_some() {
        toml.push_str("[dates]\n");
        toml.push_str(awarded.unwrap_or(""));
        toml.push_str(expires.unwrap_or(""));
    }
    Mapping::from_toml(&toml)
}

/// A delivery into a wallet, after its credential was stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    /// The source row.
    pub row: u64,
    /// The credential.
    pub credential_id: String,
    /// The wallet's DID.
    pub wallet: String,
    /// `Ok(true)` when it is new in the wallet, `Ok(false)` when the wallet had it; `Err`
    /// says why it could not be delivered (its claim link, if any, still works).
    pub result: Result<bool, String>,
}

/// What a run did.
#[derive(Debug, Clone, Default)]
pub struct Issued {
    /// The engine's counts.
    pub summary: Summary,
    /// Deliveries into wallets, in the order they were made.
    pub deliveries: Vec<Delivery>,
}

/// The service's view of a batch failure.
pub(crate) fn batch_error(e: BatchError) -> AppError {
    match e {
        BatchError::NotFound(what) => AppError::NotFound(format!("{what} not found")),
        BatchError::Store(e) => e.into(),
        other => AppError::Internal(other.to_string()),
    }
}

/// Issues every entry for `issuer` with the engine, reporting each row to `sink`; then
/// delivers into wallets (with [`BatchOptions::deliver`]) and records CBO progress, while the
/// next batches are signed.
pub async fn issue(
    state: &AppState,
    issuer: &Issuer,
    entries: &mut (dyn Iterator<Item = Entry> + Send),
    options: &BatchOptions,
    sink: &mut (dyn Sink + Send),
) -> Result<Issued, AppError> {
    let (tx, rx) = mpsc::unbounded_channel();
    let after = tokio::spawn(after_issue(state.clone(), rx));
    let mut hooked = HookSink { inner: sink, tx };
    let run = ler_batch::run(
        &state.store,
        issuer,
        entries,
        options,
        state.now(),
        &mut hooked,
    )
    .await;
    drop(hooked);
    let deliveries = after
        .await
        .map_err(|e| AppError::Internal(format!("the delivery task failed: {e}")))?;
    state.webhooks.wake();
    let summary = run.map_err(batch_error)?;
    state
        .metrics
        .issued
        .fetch_add(summary.issued, std::sync::atomic::Ordering::Relaxed);
    tracing::info!(
        org = %issuer.org.slug,
        issued = summary.issued,
        already = summary.already_issued,
        errors = summary.errors,
        delivered = deliveries.iter().filter(|d| d.result.is_ok()).count(),
        "batch issued"
    );
    Ok(Issued {
        summary,
        deliveries,
    })
}

/// A stored credential that may need the service's attention.
struct After {
    row: u64,
    credential_id: String,
    /// Issued by this run (not a rerun's).
    fresh: bool,
    /// The achievements it awards (for program progress).
    achievements: Vec<String>,
    /// The credential, when it is to be delivered (otherwise read back only if needed).
    credential: Option<Value>,
    /// The issued-to text (DID, email), for CBO progress.
    recipient: String,
    wallet: Option<Holder>,
}

/// Passes events on to the caller's sink, and sends what needs delivering or counting to
/// [`after_issue`].
struct HookSink<'s> {
    inner: &'s mut (dyn Sink + Send),
    tx: mpsc::UnboundedSender<After>,
}

impl Sink for HookSink<'_> {
    fn event(&mut self, event: &Event<'_>) {
        self.inner.event(event);
        let after = match event {
            Event::Issued {
                row,
                credential_id,
                credential,
                wallet,
                ..
            } => After {
                row: row.row,
                credential_id: (*credential_id).to_owned(),
                fresh: true,
                achievements: crate::cbo::awarded(credential),
                // Cloned only to deliver: most rows need nothing more.
                credential: wallet.map(|_| (*credential).clone()),
                recipient: recipient_text(row),
                wallet: wallet.cloned(),
            },
            Event::AlreadyIssued {
                row,
                credential_id,
                wallet: Some(wallet),
                ..
            } => After {
                row: row.row,
                credential_id: (*credential_id).to_owned(),
                fresh: false,
                achievements: Vec::new(),
                credential: None,
                recipient: recipient_text(row),
                wallet: Some((*wallet).clone()),
            },
            _ => return,
        };
        // The receiver lives until the run ends.
        let _ = self.tx.send(after);
    }

    fn flush(&mut self) -> Result<(), String> {
        self.inner.flush()
    }

    fn progress(&mut self, summary: &Summary) {
        self.inner.progress(summary);
    }
}

fn recipient_text(row: &ler_connect::IssueRow) -> String {
    let r = &row.recipient;
    [r.did.as_deref(), r.email.as_deref()]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Delivers into wallets and records CBO progress for each credential sent, until the run
/// ends; returns the deliveries.
async fn after_issue(state: AppState, mut rx: mpsc::UnboundedReceiver<After>) -> Vec<Delivery> {
    // Whether an achievement is some program's milestone, asked once per achievement.
    let mut milestones: HashMap<String, bool> = HashMap::new();
    let mut deliveries = Vec::new();
    while let Some(a) = rx.recv().await {
        let mut counts = false;
        if a.fresh {
            for id in &a.achievements {
                let is = match milestones.get(id) {
                    Some(b) => *b,
                    None => {
                        let b = state
                            .store
                            .milestone_programs(id)
                            .await
                            .map(|p| !p.is_empty())
                            .unwrap_or(true);
                        milestones.insert(id.clone(), b);
                        b
                    }
                };
                counts |= is;
            }
        }
        if !counts && a.wallet.is_none() {
            continue;
        }
        let credential = match a.credential {
            Some(c) => Some(c),
            None => match state.store.credential(&a.credential_id).await {
                Ok(found) => found.map(|row| row.json),
                Err(e) => {
                    tracing::error!(error = %e, "a batch credential could not be read back");
                    None
                }
            },
        };
        let Some(credential) = credential else {
            if let Some(h) = &a.wallet {
                deliveries.push(Delivery {
                    row: a.row,
                    credential_id: a.credential_id,
                    wallet: h.did.clone(),
                    result: Err("the credential could not be read back".into()),
                });
            }
            continue;
        };
        if counts {
            crate::cbo::issued(&state, &credential, Some(&a.recipient)).await;
        }
        if let Some(holder) = a.wallet {
            let bytes = credential.to_string().into_bytes();
            let result = crate::wallet::receive::receive(&state, &holder, bytes)
                .await
                .map(|r| r.created)
                .map_err(|e| e.to_string());
            if let Err(e) = &result {
                tracing::warn!(credential = %a.credential_id, error = %e, "a batch credential was not delivered");
            }
            deliveries.push(Delivery {
                row: a.row,
                credential_id: a.credential_id,
                wallet: holder.did,
                result,
            });
        }
    }
    deliveries
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(csv: &str) -> Vec<String> {
        let mapping = columns_mapping(csv).expect("mapping");
        import::csv(csv.as_bytes(), &mapping)
            .expect("reader")
            .map(|e| match e {
                Entry::Issue(r) => r.source_key,
                other => panic!("{other:?}"),
            })
            .collect()
    }

    #[test]
    fn the_console_columns_name_each_row_by_key_or_by_person_achievement_and_date() {
        assert_eq!(
            keys("key,recipient,achievement\nk-1,ana@example.org,forklift\n"),
            ["k-1"]
        );
        assert_eq!(
            keys("\u{feff}Recipient,Achievement,Awarded\nana@example.org,forklift,2026-05-01\n"),
            ["ana@example.org:forklift:2026-05-01"]
        );
        assert_eq!(
            keys("\"recipient\",\"achievement\",\"name\"\nana@example.org,forklift,Ana\n"),
            ["ana@example.org:forklift"]
        );
        let mapping = columns_mapping("name,email\n").expect("mapping");
        let missing = import::csv("name,email\nAna,a@example.org\n".as_bytes(), &mapping);
        assert!(
            matches!(missing, Err(ConnectError::MissingColumn { ref column, .. }) if column == "recipient")
        );
    }
}
