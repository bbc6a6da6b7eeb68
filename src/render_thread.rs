//! The long tail's render thread: runs the jobs the update thread planned (reading and parsing
//! seeds, rendering the documents), caches the documents in the tail and answers the handlers
//! waiting for them. On its own thread, below the update thread's priority, so a seed change
//! is published within its usual latency however long a render takes.

use std::sync::Arc;
use std::sync::mpsc::{self, Receiver, Sender};
use std::thread::{self, JoinHandle};
use std::time::Instant;

use tracing::debug;

use crate::compressor::lower_priority_of_this_thread;
use crate::index::Job;
use crate::metrics::Metrics;
use crate::tail::{Reply, Tail, Waiter};

/// `nice` of the render thread (and the parse threads it starts): the update thread, at 0,
/// gets ~90% of a core they both want.
const RENDER_NICENESS: i32 = 10;

struct Work {
    job: Job,
    key: String,
    waiter: Waiter,
}

/// Hands jobs to the render thread. The jobs waiting are bounded by the tail's admissions
/// (each carries one); dropping the `RenderThread` ends the thread once it is done with them.
pub struct RenderThread {
    jobs: Sender<Work>,
}

impl RenderThread {
    pub fn start(
        tail: Arc<Tail>,
        metrics: Arc<Metrics>,
    ) -> std::io::Result<(RenderThread, JoinHandle<()>)> {
        let (jobs, receiver) = mpsc::channel();
        let thread = thread::Builder::new()
            .name("seedfeed-render".into())
            .spawn(move || run(&receiver, &tail, &metrics))?;
        Ok((RenderThread { jobs }, thread))
    }

    /// Renders `job` (the documents of the request for `key`), then answers `waiter` and
    /// whoever joined it. The tail must know the render is under way (`begin_render`).
    pub fn render(&self, job: Job, key: String, waiter: Waiter) {
        let work = Work { job, key, waiter };
        if let Err(mpsc::SendError(work)) = self.jobs.send(work) {
            // The thread ended (shutting down): the handler's 503 says so.
            work.waiter
                .answer(Reply::Unavailable("the server is stopping\n".into()));
        }
    }
}

fn run(jobs: &Receiver<Work>, tail: &Tail, metrics: &Metrics) {
    lower_priority_of_this_thread(RENDER_NICENESS);
    while let Ok(Work {
        job,
        key,
        mut waiter,
    }) = jobs.recv()
    {
        if waiter.is_gone() && tail.abandon_if_unwanted(&key) {
            continue;
        }
        let started = Instant::now();
        let (reply, joined) = match job.run(tail.view_bytes()) {
            Ok(answer) => {
                let (documents, joined) = tail.finish_render(&key, answer.pages, &mut waiter);
                let found = documents.into_iter().find(|(k, _)| *k == key);
                let reply = found.map_or(Reply::NotFound, |(_, d)| Reply::Found(d));
                (reply, joined)
            }
            Err(reply) => (reply, tail.abandon_render(&key)),
        };
        metrics.rendered(true, started.elapsed());
        debug!(%key, us = started.elapsed().as_micros() as u64, "rendered on request");
        for other in joined {
            other.answer(reply.clone());
        }
        waiter.answer(reply);
    }
}
