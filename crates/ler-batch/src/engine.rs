//! The engine: rows in fixed-size batches; per batch one lookup of the keys already issued,
//! status indexes taken from a reserve allocated a few batches ahead (one transaction per
//! refill), signing on several threads, and one transaction storing the credentials, their
//! source keys and their claim tokens, while the next batch is being signed.
//!
//! Crash safety follows from the order: a batch's credentials and source keys commit together,
//! so after a crash every row is either issued (its key is stored) or not at all, and a rerun
//! issues exactly the missing ones. Status indexes allocated for a batch that never committed
//! (or reserved and not needed) stay unused, which is allowed (an index is never reused, not necessarily ever used). Claim
//! links are marked `linked` only after the sink has durably recorded them; a rerun hands out
//! a new link for an item a crash left `issued`.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ler_connect::{Entry, IssueRow, RowError, Skip};
use ler_proof::{Cryptosuite, Purpose as ProofPurpose, SignOptions};
use ler_store::{BatchInsert, BatchStatus, ClaimToken, CredentialRow, Holder, Purpose, Store};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::org::{Issuer, LIST_SIZE, claim_url};
use crate::{BatchError, Result, credential, hex, random, urn_uuid};

/// How a batch runs.
#[derive(Debug, Clone)]
pub struct BatchOptions {
    /// Rows per transaction.
    pub batch_size: usize,
    /// Signing threads.
    pub threads: usize,
    /// Make a one-time claim link per credential, valid this many seconds.
    pub claim_seconds: Option<i64>,
    /// Give each credential a suspension entry too. Its `credentialStatus` is then an array,
    /// which VC 2.0 allows but the 1EdTech OB 3.0 JSON Schema does not; without it, one
    /// revocation entry is written as an object.
    pub suspendable: bool,
    /// Look up each recipient's wallet on this service, by DID (a wallet's DID is bound to its
    /// key; its email is not verified, so email addresses get claim links): a row whose
    /// recipient has one gets no claim link and its event names the wallet, for the caller
    /// to deliver into. Reruns name it again (delivery is idempotent).
    pub deliver: bool,
}

impl Default for BatchOptions {
    fn default() -> BatchOptions {
        BatchOptions {
            batch_size: 500,
            threads: std::thread::available_parallelism().map_or(2, |n| n.get()),
            claim_seconds: None,
            suspendable: false,
            deliver: false,
        }
    }
}

/// A claim link handed out for a credential.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimLink {
    /// The URL the recipient opens.
    pub url: String,
    /// Seconds since the epoch; refused from then on.
    pub expires_at: i64,
}

/// What happened to a row.
#[derive(Debug)]
pub enum Event<'a> {
    /// Issued now.
    Issued {
        /// The row.
        row: &'a IssueRow,
        /// The new credential's id.
        credential_id: &'a str,
        /// The signed credential.
        credential: &'a Value,
        /// Its claim link, when asked for.
        claim: Option<&'a ClaimLink>,
        /// The recipient's wallet on this service, to deliver into ([`BatchOptions::deliver`]).
        wallet: Option<&'a Holder>,
    },
    /// Issued by an earlier run (nothing new), with a new claim link when the earlier run's
    /// link was never recorded.
    AlreadyIssued {
        /// The row.
        row: &'a IssueRow,
        /// The credential issued for it.
        credential_id: &'a str,
        /// A new claim link, when one was owed.
        claim: Option<&'a ClaimLink>,
        /// The recipient's wallet on this service, to deliver into again.
        wallet: Option<&'a Holder>,
    },
    /// Left out by the import.
    Skipped(&'a Skip),
    /// Wrong; the batch goes on.
    Error(&'a RowError),
}

/// Receives what happens, row by row.
pub trait Sink {
    /// One row's outcome.
    fn event(&mut self, event: &Event<'_>);
    /// Makes what was recorded so far durable (the claim links file synced to disk); called
    /// after every batch, before the batch's links are marked as handed out.
    fn flush(&mut self) -> std::result::Result<(), String>;
    /// Progress after each batch.
    fn progress(&mut self, summary: &Summary) {
        let _ = summary;
    }
}

/// Counts of a run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Summary {
    /// Rows read (of every kind).
    pub rows: u64,
    /// Credentials issued by this run.
    pub issued: u64,
    /// Rows an earlier run had issued.
    pub already_issued: u64,
    /// Rows the import left out.
    pub skipped: u64,
    /// Rows in error.
    pub errors: u64,
}

/// Issues every row of `entries` for `issuer`'s organization: skips and errors go to the sink
/// as they come; rows to issue are taken `batch_size` at a time. Returns the counts; `Err`
/// only when the store, the key or the sink fails (rows issued before that stay issued, and
/// a rerun continues where this run stopped).
pub async fn run(
    store: &Store,
    issuer: &Issuer,
    entries: &mut (dyn Iterator<Item = Entry> + Send),
    options: &BatchOptions,
    now: i64,
    sink: &mut (dyn Sink + Send),
) -> Result<Summary> {
    let mut summary = Summary::default();
    let size = options.batch_size.max(1);
    // While one batch is being stored (on the database's thread), the next is signed.
    let mut pending: Option<(Prepared, StoreTask)> = None;
    let mut reserved = Reserved::default();
    loop {
        let mut batch: Vec<IssueRow> = Vec::with_capacity(size);
        let mut ended = true;
        for entry in &mut *entries {
            summary.rows += 1;
            match entry {
                Entry::Issue(row) => {
                    batch.push(row);
                    if batch.len() == size {
                        ended = false;
                        break;
                    }
                }
                Entry::Skip(s) => {
                    summary.skipped += 1;
                    sink.event(&Event::Skipped(&s));
                }
                Entry::Error(e) => {
                    summary.errors += 1;
                    sink.event(&Event::Error(&e));
                }
            }
        }
        let prepared = if batch.is_empty() {
            None
        } else {
            Some(
                prepare(
                    store,
                    issuer,
                    &mut reserved,
                    batch,
                    options,
                    now,
                    sink,
                    &mut summary,
                )
                .await?,
            )
        };
        if let Some((done, task)) = pending.take() {
            finish(store, issuer, done, task, sink, &mut summary).await?;
            sink.progress(&summary);
        }
        if let Some(mut p) = prepared {
            let items = std::mem::take(&mut p.items);
            let (store2, org_id) = (store.clone(), issuer.org.id);
            let task = tokio::spawn(async move {
                let stored = store2.insert_batch(org_id, &items).await;
                (items, stored)
            });
            pending = Some((p, task));
        }
        if ended {
            if let Some((done, task)) = pending.take() {
                finish(store, issuer, done, task, sink, &mut summary).await?;
            }
            sink.progress(&summary);
            return Ok(summary);
        }
    }
}

/// Batches' worth of status indexes allocated at a time. Allocation takes the database's write
/// lock, which the batch being stored holds: reserving ahead lets most batches be signed while
/// the previous one is stored. Indexes reserved but never used (at most this many batches'
/// worth per run) stay unused, which the status list rules allow: an index is never handed out
/// twice, not necessarily ever used.
const RESERVE_BATCHES: usize = 4;

/// Status indexes allocated ahead, per purpose.
#[derive(Default)]
struct Reserved {
    revocation: std::collections::VecDeque<ler_store::Allocation>,
    suspension: std::collections::VecDeque<ler_store::Allocation>,
}

impl Reserved {
    /// `n` indexes for `purpose`, allocating `ahead` more (in one transaction) when short.
    async fn take(
        &mut self,
        store: &Store,
        org_id: i64,
        purpose: Purpose,
        n: usize,
        ahead: usize,
        now: i64,
    ) -> Result<Vec<ler_store::Allocation>> {
        let queue = match purpose {
            Purpose::Revocation => &mut self.revocation,
            Purpose::Suspension => &mut self.suspension,
        };
        if queue.len() < n {
            let want = ahead.max(n - queue.len());
            let list_ids = (0..want.div_ceil(LIST_SIZE as usize) + 1)
                .map(|_| Ok(hex(&random::<8>()?)))
                .collect::<Result<Vec<String>>>()?;
            let fresh = store
                .allocate_status_indexes(org_id, purpose, want, LIST_SIZE, &list_ids, now)
                .await?;
            queue.extend(fresh);
        }
        Ok(queue.drain(..n).collect())
    }
}

type StoreTask = tokio::task::JoinHandle<(Vec<BatchInsert>, ler_store::Result<Vec<bool>>)>;

/// A batch signed and ready to store.
struct Prepared {
    /// The batch's rows.
    rows: Vec<IssueRow>,
    /// What to store (taken by the store task).
    items: Vec<BatchInsert>,
    /// For each item: its row (index into `rows`) and its claim link.
    order: Vec<(usize, Option<ClaimLink>)>,
    /// Keys whose links this batch handed out again (already reported).
    linked_keys: Vec<String>,
    /// The recipients' wallets, by DID ([`BatchOptions::deliver`]).
    wallets: HashMap<String, Holder>,
}

/// Reports a stored batch, makes the sink durable, and marks the handed-out links.
async fn finish(
    store: &Store,
    issuer: &Issuer,
    p: Prepared,
    task: StoreTask,
    sink: &mut (dyn Sink + Send),
    summary: &mut Summary,
) -> Result<()> {
    let org_id = issuer.org.id;
    let (items, stored) = task
        .await
        .map_err(|e| BatchError::Credential(format!("the storing task failed: {e}")))?;
    let stored = stored?;
    let mut linked_keys = p.linked_keys;
    for ((item, (i, link)), stored) in items.iter().zip(&p.order).zip(stored) {
        let row = &p.rows[*i];
        let wallet = wallet_of(&p.wallets, row);
        if stored {
            summary.issued += 1;
            sink.event(&Event::Issued {
                row,
                credential_id: &item.credential.id,
                credential: &item.credential.json,
                claim: link.as_ref(),
                wallet,
            });
            if link.is_some() {
                linked_keys.push(row.source_key.clone());
            }
        } else {
            // Another run stored this key between the lookup and the insert.
            summary.already_issued += 1;
            let id = store
                .batch_items(org_id, std::slice::from_ref(&row.source_key))
                .await?
                .into_iter()
                .next()
                .map(|i| i.credential_id)
                .unwrap_or_default();
            sink.event(&Event::AlreadyIssued {
                row,
                credential_id: &id,
                claim: None,
                wallet,
            });
        }
    }
    sink.flush().map_err(BatchError::Sink)?;
    if !linked_keys.is_empty() {
        store
            .set_batch_status(org_id, &linked_keys, BatchStatus::Linked)
            .await?;
    }
    Ok(())
}

/// The wallet of `row`'s recipient, when [`BatchOptions::deliver`] found one.
fn wallet_of<'w>(wallets: &'w HashMap<String, Holder>, row: &IssueRow) -> Option<&'w Holder> {
    row.recipient.did.as_deref().and_then(|d| wallets.get(d))
}

/// A new claim token: (token, its stored form).
fn new_claim(
    issuer: &Issuer,
    credential_id: &str,
    expires_at: i64,
) -> Result<(ClaimLink, ClaimToken)> {
    let token = URL_SAFE_NO_PAD.encode(random::<32>()?);
    let hash = hex(&Sha256::digest(token.as_bytes()));
    Ok((
        ClaimLink {
            url: claim_url(issuer.public_base(), &token),
            expires_at,
        },
        ClaimToken {
            token_hash: hash,
            org_id: issuer.org.id,
            credential_id: credential_id.to_owned(),
            expires_at,
        },
    ))
}

/// Looks up the batch's keys, reports rows issued before (with new links where owed) and rows
/// in error, allocates status entries and signs the rest.
#[allow(clippy::too_many_arguments)]
async fn prepare(
    store: &Store,
    issuer: &Issuer,
    reserved: &mut Reserved,
    batch: Vec<IssueRow>,
    options: &BatchOptions,
    now: i64,
    sink: &mut (dyn Sink + Send),
    summary: &mut Summary,
) -> Result<Prepared> {
    let org_id = issuer.org.id;
    let claim_expiry = options.claim_seconds.map(|s| now + s);
    let keys: Vec<String> = batch.iter().map(|r| r.source_key.clone()).collect();
    let existing: std::collections::HashMap<String, ler_store::BatchItem> = store
        .batch_items(org_id, &keys)
        .await?
        .into_iter()
        .map(|i| (i.source_key.clone(), i))
        .collect();
    let mut wallets = HashMap::new();
    if options.deliver {
        for did in batch.iter().filter_map(|r| r.recipient.did.as_deref()) {
            if !wallets.contains_key(did)
                && let Some(h) = store.holder_by_did(did).await?
            {
                wallets.insert(did.to_owned(), h);
            }
        }
    }

    // Sort the rows: issued before (maybe owed a link), wrong, or to issue now.
    let mut seen = HashSet::new();
    let mut todo: Vec<(usize, &IssueRow, Arc<Value>)> = Vec::new();
    let mut relinks: Vec<(&IssueRow, String, ClaimLink, ClaimToken)> = Vec::new();
    for (index, row) in batch.iter().enumerate() {
        if !seen.insert(row.source_key.as_str()) {
            summary.errors += 1;
            let e = RowError::duplicate_key(row);
            sink.event(&Event::Error(&e));
            continue;
        }
        if let Some(item) = existing.get(&row.source_key) {
            summary.already_issued += 1;
            let wallet = wallet_of(&wallets, row);
            match claim_expiry {
                Some(exp) if item.status == BatchStatus::Issued && wallet.is_none() => {
                    let (link, token) = new_claim(issuer, &item.credential_id, exp)?;
                    relinks.push((row, item.credential_id.clone(), link, token));
                }
                _ => sink.event(&Event::AlreadyIssued {
                    row,
                    credential_id: &item.credential_id,
                    claim: None,
                    wallet,
                }),
            }
            continue;
        }
        match issuer.find(row) {
            Ok(a) => todo.push((index, row, a)),
            Err(e) => {
                summary.errors += 1;
                sink.event(&Event::Error(&e));
            }
        }
    }

    let mut linked_keys: Vec<String> = Vec::new();
    if !relinks.is_empty() {
        let tokens: Vec<ClaimToken> = relinks.iter().map(|r| r.3.clone()).collect();
        store.create_claim_tokens(&tokens).await?;
        for (row, id, link, _) in &relinks {
            sink.event(&Event::AlreadyIssued {
                row,
                credential_id: id,
                claim: Some(link),
                wallet: None,
            });
            linked_keys.push(row.source_key.clone());
        }
    }

    if !todo.is_empty() {
        let n = todo.len();
        let ahead = n.max(options.batch_size.max(1) * RESERVE_BATCHES);
        let revocations = reserved
            .take(store, org_id, Purpose::Revocation, n, ahead, now)
            .await?;
        let suspensions = if options.suspendable {
            reserved
                .take(store, org_id, Purpose::Suspension, n, ahead, now)
                .await?
        } else {
            Vec::new()
        };
        let created = ler_model::datetime::format_datetime(now);
        let mut unsigned = Vec::with_capacity(n);
        for (i, (_, row, achievement)) in todo.iter().enumerate() {
            let id = urn_uuid()?;
            let c = credential::build(
                issuer,
                row,
                achievement,
                &id,
                &revocations[i],
                suspensions.get(i),
                &created,
            )?;
            unsigned.push((id, c));
        }
        let signed = sign_all(issuer, unsigned, &created, options.threads).await?;
        let mut items = Vec::with_capacity(n);
        let mut order = Vec::with_capacity(n);
        for (i, ((index, row, achievement), (id, result))) in todo.iter().zip(signed).enumerate() {
            let json = match result {
                Ok(json) => json,
                Err(failure) => {
                    summary.errors += 1;
                    let e = RowError::new(row.row, None, failure.code, failure.message)
                        .arg("detail", failure.detail);
                    sink.event(&Event::Error(&e));
                    continue;
                }
            };
            let claim = match claim_expiry {
                Some(exp) if wallet_of(&wallets, row).is_none() => {
                    Some(new_claim(issuer, &id, exp)?)
                }
                _ => None,
            };
            let event = crate::webhook_event(
                &issuer.org,
                crate::RECORD_ISSUED,
                crate::issued_data(&json),
                now,
            )?;
            items.push(BatchInsert {
                source_key: row.source_key.clone(),
                credential: CredentialRow {
                    id: id.clone(),
                    org_id,
                    achievement_id: achievement
                        .get("id")
                        .and_then(Value::as_str)
                        .map(str::to_owned),
                    recipient: row.recipient.key().map(str::to_owned),
                    json,
                    revocation: Some((revocations[i].list, revocations[i].index)),
                    suspension: suspensions.get(i).map(|s| (s.list, s.index)),
                    revoked: false,
                    suspended: false,
                    issued_at: now,
                },
                claim: claim.as_ref().map(|c| c.1.clone()),
                event: Some(event),
            });
            order.push((*index, claim.map(|c| c.0)));
        }
        return Ok(Prepared {
            rows: batch,
            items,
            order,
            linked_keys,
            wallets,
        });
    }
    Ok(Prepared {
        rows: batch,
        items: Vec::new(),
        order: Vec::new(),
        linked_keys,
        wallets,
    })
}

type Signed = (String, std::result::Result<Value, SignFailure>);

/// Why one credential was not signed: a code of [`crate::ROW_ERROR_CODES`], what the validator
/// or the signer said, and the English message.
struct SignFailure {
    code: &'static str,
    detail: String,
    message: String,
}

/// Validates and signs every credential, on `threads` threads, keeping the order.
async fn sign_all(
    issuer: &Issuer,
    unsigned: Vec<(String, Value)>,
    created: &str,
    threads: usize,
) -> Result<Vec<Signed>> {
    let key = Arc::clone(&issuer.key);
    let opts = SignOptions {
        suite: Cryptosuite::EddsaRdfc2022,
        verification_method: issuer.verification_method.clone(),
        created: Some(created.to_owned()),
        purpose: ProofPurpose::Assertion,
        expires: None,
    };
    let threads = threads.clamp(1, 64);
    let work = move || {
        let documents = ler_jsonld::Documents::embedded();
        let sign_one = |(id, c): (String, Value)| -> Signed {
            let violations = ler_model::validate(&c);
            if !violations.is_empty() {
                let list: Vec<String> = violations
                    .iter()
                    .map(|v| format!("{}: {}", v.path, v.message))
                    .collect();
                let detail = list.join("; ");
                let message = format!("the credential is not valid: {detail}");
                return (
                    id,
                    Err(SignFailure {
                        code: "invalid_credential",
                        detail,
                        message,
                    }),
                );
            }
            let signed = ler_proof::sign(&c, &key, &opts, documents).map_err(|e| SignFailure {
                code: "unsignable_credential",
                detail: e.to_string(),
                message: format!("the credential cannot be signed: {e}"),
            });
            (id, signed)
        };
        let per = unsigned.len().div_ceil(threads).max(1);
        let mut chunks: Vec<Vec<(String, Value)>> = Vec::new();
        let mut rest = unsigned.into_iter();
        loop {
            let chunk: Vec<_> = rest.by_ref().take(per).collect();
            if chunk.is_empty() {
                break;
            }
            chunks.push(chunk);
        }
        std::thread::scope(|s| {
            let handles: Vec<_> = chunks
                .into_iter()
                .map(|chunk| s.spawn(|| chunk.into_iter().map(sign_one).collect::<Vec<_>>()))
                .collect();
            handles
                .into_iter()
                .flat_map(|h| match h.join() {
                    Ok(v) => v,
                    // A panic while signing is a bug: let it surface.
                    Err(p) => std::panic::resume_unwind(p),
                })
                .collect::<Vec<_>>()
        })
    };
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| BatchError::Credential(format!("the signing task failed: {e}")))
}
