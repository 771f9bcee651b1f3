//! A fixed pool of threads for CPU-bound work — verifying and signing — which may block on the
//! store. Unlike `spawn_blocking`, its threads live as long as the server, so a busy server does
//! not create and tear down threads (measured: thread start-up and page clearing took a fifth
//! of a loaded core).

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::mpsc::{Sender, channel};
use std::sync::{Arc, Mutex};

use crate::error::AppError;

type Job = Box<dyn FnOnce() + Send>;

/// The worker threads and the queue that feeds them.
pub(crate) struct Pool {
    queue: Sender<Job>,
}

impl Pool {
    /// One worker per core the process may run on (at least one, at most 16).
    pub(crate) fn new() -> Pool {
        let threads = std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .clamp(1, 16);
        let (queue, jobs) = channel::<Job>();
        let jobs = Arc::new(Mutex::new(jobs));
        for i in 0..threads {
            let jobs = Arc::clone(&jobs);
            let spawned = std::thread::Builder::new()
                .name(format!("ler-work-{i}"))
                .spawn(move || {
                    loop {
                        let job = match jobs.lock() {
                            Ok(rx) => rx.recv(),
                            Err(_) => return,
                        };
                        match job {
                            // A panicking job drops its answer channel; the request gets a 500.
                            Ok(job) => drop(catch_unwind(AssertUnwindSafe(job))),
                            Err(_) => return,
                        }
                    }
                });
            if let Err(e) = spawned {
                tracing::error!("cannot start worker thread {i}: {e}");
            }
        }
        Pool { queue }
    }

    /// Runs `work` on a worker thread and awaits its result.
    pub(crate) async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, AppError> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        self.queue
            .send(Box::new(move || {
                let _ = tx.send(work());
            }))
            .map_err(|_| AppError::Internal("the worker pool has stopped".into()))?;
        rx.await
            .map_err(|_| AppError::Internal("a worker task failed".into()))
    }
}
