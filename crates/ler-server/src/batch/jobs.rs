//! Batch jobs started over HTTP (the API and the console): a job is previewed when its file
//! arrives (every row read, its errors listed, nothing issued), started on request, and run in
//! the background while its per-row results are kept, in memory, for a day.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use ler_batch::{BatchOptions, ClaimLink, Event, Issuer, Sink, Summary};
use ler_connect::{Preview, RowError};
use ler_store::Org;

use super::{Input, batch_error, issue};
use crate::{AppError, AppState, ids};

/// How long a job is kept, in seconds.
const JOB_SECONDS: i64 = 24 * 3600;
/// Most jobs kept per organization (the oldest that are not running go first).
const MAX_JOBS: usize = 10;
/// Most previewed jobs waiting to start per organization, each holding its file (up to
/// [`super::MAX_BATCH_BODY`]); the oldest go first.
const MAX_READY: usize = 3;
/// Rows and errors a preview lists.
pub const PREVIEW_ROWS: usize = 100;

/// Where a job is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JobState {
    /// Previewed; waiting to be started.
    Ready,
    /// Issuing.
    Running,
    /// Done (rows in error are in the results).
    Finished,
    /// Stopped: the store, the key or the file failed. What was issued stays issued; posting
    /// the file again finishes the job.
    Failed(String),
}

impl JobState {
    /// `ready`, `running`, `finished` or `failed`.
    pub fn as_str(&self) -> &'static str {
        match self {
            JobState::Ready => "ready",
            JobState::Running => "running",
            JobState::Finished => "finished",
            JobState::Failed(_) => "failed",
        }
    }
}

/// What became of a row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Issued by this job.
    Issued,
    /// Issued before (by an earlier run with the same source key).
    AlreadyIssued,
    /// Left out on purpose (not completed, below the pass mark).
    Skipped(String),
    /// Wrong; the others went on.
    Error(RowError),
}

impl Outcome {
    /// `issued`, `already-issued`, `skipped` or `error`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Outcome::Issued => "issued",
            Outcome::AlreadyIssued => "already-issued",
            Outcome::Skipped(_) => "skipped",
            Outcome::Error(_) => "error",
        }
    }

    /// Why a row was left out or is wrong, in English (an error's column first).
    pub fn message(&self) -> Option<String> {
        match self {
            Outcome::Issued | Outcome::AlreadyIssued => None,
            Outcome::Skipped(m) => Some(m.clone()),
            Outcome::Error(e) => Some(match &e.column {
                Some(c) => format!("{c}: {}", e.message),
                None => e.message.clone(),
            }),
        }
    }
}

/// One row's result.
#[derive(Debug, Clone)]
pub struct RowOutcome {
    /// The row's position in the file.
    pub row: u64,
    /// Its source key (empty for skipped rows and rows in error).
    pub source_key: String,
    /// Email address or DID.
    pub recipient: String,
    /// Recipient's name.
    pub name: String,
    /// The achievement as the row named it.
    pub achievement: String,
    /// What became of it.
    pub outcome: Outcome,
    /// The credential issued for it.
    pub credential_id: Option<String>,
    /// Its claim link.
    pub claim: Option<ClaimLink>,
    /// The DID of the wallet it goes into.
    pub wallet: Option<String>,
    /// The delivery: `Ok(true)` new in the wallet, `Ok(false)` it had it, `Err` why not.
    pub delivery: Option<Result<bool, String>>,
}

/// A bulk-issue job.
#[derive(Debug)]
pub struct Job {
    /// Its id.
    pub id: String,
    /// The organization.
    pub org_id: i64,
    /// The organization's slug.
    pub slug: String,
    /// What was uploaded (`canvas-gradebook CSV, 1.2 MB`).
    pub label: String,
    /// Seconds since the epoch.
    pub created_at: i64,
    /// When it ended.
    pub finished_at: Option<i64>,
    /// How it issues.
    pub options: BatchOptions,
    /// What the file holds.
    pub preview: Preview,
    /// Where it is.
    pub state: JobState,
    /// Counts so far.
    pub summary: Summary,
    /// Every row's result, in the order they were reported.
    pub rows: Vec<RowOutcome>,
    by_row: HashMap<u64, usize>,
    input: Option<Arc<Input>>,
    started: Option<std::time::Instant>,
}

impl Job {
    /// Rows delivered into wallets, and deliveries that failed.
    pub fn deliveries(&self) -> (usize, usize) {
        let ok = self
            .rows
            .iter()
            .filter(|r| matches!(r.delivery, Some(Ok(_))))
            .count();
        let failed = self
            .rows
            .iter()
            .filter(|r| matches!(r.delivery, Some(Err(_))))
            .count();
        (ok, failed)
    }

    /// The counts as the API and the `batch.finished` event give them.
    pub fn summary_json(&self) -> serde_json::Value {
        let (delivered, failed) = self.deliveries();
        let s = &self.summary;
        serde_json::json!({
            "rows": s.rows,
            "issued": s.issued,
            "alreadyIssued": s.already_issued,
            "skipped": s.skipped,
            "errors": s.errors,
            "delivered": delivered,
            "deliveryFailures": failed,
        })
    }

    /// Rows read so far, out of the rows the file holds.
    pub fn progress(&self) -> (u64, u64) {
        let total = self.preview.to_issue + self.preview.skipped + self.preview.errors;
        (self.summary.rows.min(total), total)
    }

    /// While it runs: rows per second so far, and the seconds left at that rate (once a
    /// batch has been stored).
    pub fn rate(&self) -> Option<(f64, u64)> {
        let started = self.started?;
        let (done, total) = self.progress();
        let secs = started.elapsed().as_secs_f64();
        if done == 0 || secs <= 0.0 || self.state != JobState::Running {
            return None;
        }
        let rate = done as f64 / secs;
        Some((rate, ((total - done) as f64 / rate).ceil() as u64))
    }

    fn push(&mut self, r: RowOutcome) {
        self.by_row.insert(r.row, self.rows.len());
        self.rows.push(r);
    }
}

/// The jobs of every organization.
#[derive(Default)]
pub struct Jobs {
    jobs: Mutex<HashMap<String, Arc<Mutex<Job>>>>,
}

impl Jobs {
    fn add(&self, job: Job, now: i64) -> Arc<Mutex<Job>> {
        let id = job.id.clone();
        let org_id = job.org_id;
        let job = Arc::new(Mutex::new(job));
        if let Ok(mut jobs) = self.jobs.lock() {
            jobs.retain(|_, j| {
                j.lock()
                    .is_ok_and(|j| now - j.created_at < JOB_SECONDS || j.state == JobState::Running)
            });
            // Over the limit, the oldest job that is not running goes.
            let mut mine: Vec<(i64, String)> = jobs
                .iter()
                .filter_map(|(k, j)| {
                    let j = j.lock().ok()?;
                    (j.org_id == org_id && j.state != JobState::Running)
                        .then(|| (j.created_at, k.clone()))
                })
                .collect();
            mine.sort();
            while mine.len() >= MAX_JOBS {
                let (_, k) = mine.remove(0);
                jobs.remove(&k);
            }
            let mut ready: Vec<(i64, String)> = mine
                .into_iter()
                .filter(|(_, k)| {
                    jobs.get(k)
                        .and_then(|j| j.lock().ok().map(|j| j.state == JobState::Ready))
                        .unwrap_or(false)
                })
                .collect();
            while ready.len() >= MAX_READY {
                let (_, k) = ready.remove(0);
                jobs.remove(&k);
            }
            jobs.insert(id, Arc::clone(&job));
        }
        job
    }

    /// Job `id` of organization `org_id`.
    pub fn get(&self, org_id: i64, id: &str) -> Option<Arc<Mutex<Job>>> {
        let jobs = self.jobs.lock().ok()?;
        let job = jobs.get(id)?.clone();
        let mine = job.lock().is_ok_and(|j| j.org_id == org_id);
        mine.then_some(job)
    }

    /// The organization's jobs, newest first.
    pub fn of_org(&self, org_id: i64) -> Vec<Arc<Mutex<Job>>> {
        let Ok(jobs) = self.jobs.lock() else {
            return Vec::new();
        };
        let mut mine: Vec<(i64, String, Arc<Mutex<Job>>)> = jobs
            .iter()
            .filter_map(|(k, j)| {
                let at = j.lock().ok().filter(|g| g.org_id == org_id)?.created_at;
                Some((at, k.clone(), Arc::clone(j)))
            })
            .collect();
        mine.sort_by(|a, b| (b.0, &b.1).cmp(&(a.0, &a.1)));
        mine.into_iter().map(|(_, _, j)| j).collect()
    }
}

pub(crate) fn lock(job: &Mutex<Job>) -> Result<std::sync::MutexGuard<'_, Job>, AppError> {
    job.lock()
        .map_err(|_| AppError::Internal("a batch job's lock is poisoned".into()))
}

/// Reads `input` through `org`'s catalog into a job that is ready to start: the preview
/// counts every row and lists the first rows and errors (an achievement missing from the
/// catalog is an error already). A file that cannot be read at all is a 422.
pub(crate) async fn prepare(
    state: &AppState,
    org: &Org,
    input: Input,
    label: String,
    options: BatchOptions,
) -> Result<Arc<Mutex<Job>>, AppError> {
    let issuer = Issuer::load(
        &state.store,
        &state.kek,
        &org.slug,
        &state.public_url.base(),
    )
    .await
    .map_err(batch_error)?;
    let input = Arc::new(input);
    let read = Arc::clone(&input);
    let preview = state
        .pool
        .run(move || {
            let entries = read.entries()?;
            Ok::<_, ler_connect::ConnectError>(ler_connect::preview(
                entries.map(|e| issuer.check(e)),
                PREVIEW_ROWS,
            ))
        })
        .await?
        .map_err(|e| AppError::invalid("the file cannot be read", e.to_string()))?;
    let now = state.now();
    let job = Job {
        id: format!("b_{}", ids::token()?),
        org_id: org.id,
        slug: org.slug.clone(),
        label,
        created_at: now,
        finished_at: None,
        options,
        preview,
        state: JobState::Ready,
        summary: Summary::default(),
        rows: Vec::new(),
        by_row: HashMap::new(),
        input: Some(input),
        started: None,
    };
    Ok(state.jobs.add(job, now))
}

/// Starts a ready job in the background; `false` when it was started already.
pub(crate) fn start(state: &AppState, job: &Arc<Mutex<Job>>) -> Result<bool, AppError> {
    {
        let mut j = lock(job)?;
        if j.state != JobState::Ready {
            return Ok(false);
        }
        j.state = JobState::Running;
        j.started = Some(std::time::Instant::now());
    }
    tokio::spawn(run(state.clone(), Arc::clone(job)));
    Ok(true)
}

async fn run(state: AppState, job: Arc<Mutex<Job>>) {
    let (slug, input, options) = match job.lock() {
        Ok(j) => (j.slug.clone(), j.input.clone(), j.options.clone()),
        Err(_) => return,
    };
    let result = async {
        let input = input.ok_or_else(|| AppError::Internal("the job's file is gone".to_owned()))?;
        let issuer = Issuer::load(&state.store, &state.kek, &slug, &state.public_url.base())
            .await
            .map_err(batch_error)?;
        let mut entries = input
            .entries()
            .map_err(|e| AppError::invalid("the file cannot be read", e.to_string()))?;
        let mut sink = JobSink(Arc::clone(&job));
        issue(&state, &issuer, &mut *entries, &options, &mut sink).await
    }
    .await;
    // Final counts first, the `batch.finished` event next, and only then the state a poller
    // sees: whoever is told the job finished finds it finished.
    let (org_id, event) = {
        let Ok(mut j) = job.lock() else {
            return;
        };
        j.input = None;
        j.finished_at = Some(state.now());
        let outcome = match &result {
            Ok(issued) => {
                j.summary = issued.summary;
                for d in &issued.deliveries {
                    if let Some(&i) = j.by_row.get(&d.row) {
                        j.rows[i].delivery = Some(d.result.clone());
                    }
                }
                // Reported as they came (a batch's errors before its stored rows); kept in
                // file order once done.
                j.rows.sort_by_key(|r| r.row);
                let index = j.rows.iter().enumerate().map(|(i, r)| (r.row, i)).collect();
                j.by_row = index;
                JobState::Finished
            }
            Err(e) => {
                tracing::error!(org = %slug, job = %j.id, error = %e, "a batch job failed");
                JobState::Failed(e.to_string())
            }
        };
        let mut data = serde_json::json!({
            "jobId": j.id,
            "state": outcome.as_str(),
            "source": j.label,
            "summary": j.summary_json(),
            "results": format!("{}/orgs/{slug}/batch/{}", state.public_url.base(), j.id),
        });
        if let JobState::Failed(e) = &outcome {
            data["error"] = e.clone().into();
        }
        (j.org_id, (outcome, data))
    };
    let (outcome, data) = event;
    match state.store.org(org_id).await {
        Ok(Some(org)) => crate::webhooks::batch_finished(&state, &org, data).await,
        Ok(None) => {}
        Err(e) => tracing::error!(error = %e, "the batch.finished event could not be queued"),
    }
    if let Ok(mut j) = job.lock() {
        j.state = outcome;
    }
}

/// Keeps each row's result in the job.
struct JobSink(Arc<Mutex<Job>>);

impl Sink for JobSink {
    fn event(&mut self, event: &Event<'_>) {
        let Ok(mut job) = self.0.lock() else {
            return;
        };
        let outcome = match event {
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
            } => {
                let r = &row.recipient;
                RowOutcome {
                    row: row.row,
                    source_key: row.source_key.clone(),
                    recipient: r.display().unwrap_or_default().to_owned(),
                    name: r.name.clone().unwrap_or_default(),
                    achievement: row
                        .achievement_ref
                        .id
                        .clone()
                        .or_else(|| row.achievement_ref.name.clone())
                        .unwrap_or_default(),
                    outcome: if matches!(event, Event::Issued { .. }) {
                        Outcome::Issued
                    } else {
                        Outcome::AlreadyIssued
                    },
                    credential_id: Some((*credential_id).to_owned()),
                    claim: claim.cloned(),
                    wallet: wallet.map(|h| h.did.clone()),
                    delivery: None,
                }
            }
            Event::Skipped(s) => bare(s.row, Outcome::Skipped(s.reason.clone())),
            Event::Error(e) => bare(e.row, Outcome::Error((*e).clone())),
        };
        job.push(outcome);
    }

    fn flush(&mut self) -> Result<(), String> {
        // The results live in memory, with the job.
        Ok(())
    }

    fn progress(&mut self, summary: &Summary) {
        if let Ok(mut job) = self.0.lock() {
            job.summary = *summary;
        }
    }
}

fn bare(row: u64, outcome: Outcome) -> RowOutcome {
    RowOutcome {
        row,
        source_key: String::new(),
        recipient: String::new(),
        name: String::new(),
        achievement: String::new(),
        outcome,
        credential_id: None,
        claim: None,
        wallet: None,
        delivery: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(id: &str, org_id: i64, state: JobState, created_at: i64) -> Job {
        Job {
            id: id.into(),
            org_id,
            slug: format!("org{org_id}"),
            label: "CSV".into(),
            created_at,
            finished_at: None,
            options: BatchOptions::default(),
            preview: Preview::default(),
            state,
            summary: Summary::default(),
            rows: Vec::new(),
            by_row: HashMap::new(),
            input: None,
            started: None,
        }
    }

    fn ids(jobs: &Jobs, org_id: i64) -> Vec<String> {
        let mut v: Vec<String> = jobs
            .of_org(org_id)
            .iter()
            .map(|j| j.lock().unwrap().id.clone())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn a_running_job_knows_its_rate_and_time_left() {
        let mut j = job("r", 1, JobState::Ready, 0);
        j.preview.to_issue = 90;
        j.preview.errors = 10;
        assert_eq!(j.rate(), None, "not started");
        j.state = JobState::Running;
        j.started = Some(std::time::Instant::now() - std::time::Duration::from_secs(10));
        assert_eq!(j.rate(), None, "nothing read yet");
        j.summary.rows = 50;
        let (rate, left) = j.rate().expect("a rate");
        assert!((4.0..=5.1).contains(&rate), "{rate}");
        assert!((9..=13).contains(&left), "{left}");
        j.state = JobState::Finished;
        assert_eq!(j.rate(), None, "finished");
    }

    #[test]
    fn keeps_few_waiting_jobs_and_never_drops_a_running_one() {
        let jobs = Jobs::default();
        jobs.add(job("running", 1, JobState::Running, 0), 0);
        jobs.add(job("other", 2, JobState::Ready, 0), 0);
        for i in 0..4 {
            jobs.add(job(&format!("ready{i}"), 1, JobState::Ready, i), i);
        }
        // Three previews wait at most; the oldest went.
        assert_eq!(ids(&jobs, 1), ["ready1", "ready2", "ready3", "running"]);
        for i in 0..12 {
            jobs.add(
                job(&format!("f{i:02}"), 1, JobState::Finished, 10 + i),
                10 + i,
            );
        }
        let kept = ids(&jobs, 1);
        assert!(kept.contains(&"running".to_owned()), "{kept:?}");
        assert!(kept.len() <= MAX_JOBS + 1, "{kept:?}");
        assert!(kept.contains(&"f11".to_owned()) && !kept.contains(&"f00".to_owned()));
        assert_eq!(ids(&jobs, 2), ["other"]);
        // A day later, everything but the running job is gone (with the new one).
        jobs.add(
            job("late", 2, JobState::Ready, JOB_SECONDS + 30),
            JOB_SECONDS + 30,
        );
        assert_eq!(ids(&jobs, 1), ["running"]);
        assert_eq!(ids(&jobs, 2), ["late"]);
        assert!(jobs.get(2, "late").is_some());
        assert!(jobs.get(1, "late").is_none(), "another organization's job");
    }
}
