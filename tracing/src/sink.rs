//! Where closed spans go: the trace file, written in an order every reader accepts.
//!
//! A span is known when it closes, so its task record and its event are written
//! then, one after the other. A task's dependencies must be written before it, so
//! every prefix of the file is a valid graph (a crash keeps it, a viewer follows it).
//! A parent closes after its children (the registry keeps it open while they are), so
//! child -> parent edges always point back. A span that `follows_from` a span still
//! open waits until that one is numbered.
//!
//! The closing thread only numbers the span and queues it (one short lock); the
//! flusher thread writes the queue every sample period, in number order, so task ids
//! are positions in the file as the format requires.

use std::path::Path;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::ThreadId;
use std::time::{Duration, Instant};

use hashbrown::HashMap;
use taskscope_core::resources::{cpu_ns, rss_bytes};
use taskscope_core::trace::{
    Header, RunEnd, RunStatus, Sample, TaskEvent, TaskStatus, TraceWriter,
};
use taskscope_core::{Meta, TaskId, WriteError};

/// A span's place in the file: the task id it got when numbered.
#[derive(Debug)]
pub(crate) struct Node(AtomicU32);

const UNNUMBERED: u32 = u32::MAX;

impl Node {
    pub fn new() -> Self {
        Node(AtomicU32::new(UNNUMBERED))
    }
    /// Read and set under the queue's lock only.
    fn id(&self) -> Option<TaskId> {
        match self.0.load(Ordering::Relaxed) {
            UNNUMBERED => None,
            id => Some(TaskId(id)),
        }
    }
}

/// A closed span, queued once its dependencies are numbered.
pub(crate) struct Closed {
    pub key: String,
    pub group: &'static str,
    pub meta: Meta,
    pub deps: Vec<Arc<Node>>,
    pub node: Arc<Node>,
    /// Its event; `task` is set when numbered.
    pub event: TaskEvent,
}

/// A span numbered and ready to write.
struct Numbered {
    key: String,
    group: &'static str,
    meta: Meta,
    deps: Vec<TaskId>,
    event: TaskEvent,
}

/// Spans between closing and the file.
struct Queue {
    /// Ids given so far; the next span gets this one.
    next: u32,
    /// Numbered spans not yet written, in id order.
    ready: Vec<Numbered>,
    /// Closed spans waiting for a dependency to be numbered, in close order.
    waiting: Vec<Closed>,
    /// Set when the trace is finished: spans closing after that are dropped.
    finished: bool,
}

/// The file and how writing it went.
struct Output {
    writer: Option<TraceWriter>,
    /// The first span that failed, for the end record.
    failed: Option<String>,
    /// The first write error; writing stops there, the guard reports it.
    error: Option<WriteError>,
}

/// What the layer and its guard share.
pub(crate) struct Shared {
    origin: Instant,
    /// Tells this layer's thread numbers apart from another layer's in the same process.
    instance: usize,
    queue: Mutex<Queue>,
    out: Mutex<Output>,
    /// How many root spans of each label were made, for their keys.
    roots: Mutex<LabelCounts>,
    /// Worker numbers of threads, in the order they were first seen.
    workers: Mutex<HashMap<ThreadId, u32>>,
    stop: (Mutex<bool>, Condvar),
    cpu0: Option<u64>,
}

thread_local! {
    /// (layer instance, worker number) of this thread, for the last layer that asked.
    static WORKER: std::cell::Cell<(usize, u32)> = const { std::cell::Cell::new((usize::MAX, 0)) };
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Counts labels by a 64-bit hash of them, not the text: 12 bytes a label, no copy.
/// Two labels with one hash (about once in 10^12 pairs) share a count, which only
/// numbers the second `#1`: keys stay unique, since the labels differ.
#[derive(Default)]
pub(crate) struct LabelCounts(HashMap<u64, u32>);

/// How many times `label` was counted in `counts` before; counts this one.
pub(crate) fn next_index(counts: &mut LabelCounts, label: &str) -> u32 {
    use std::hash::BuildHasher;
    static HASHER: std::sync::OnceLock<hashbrown::DefaultHashBuilder> =
        std::sync::OnceLock::new();
    let hash = HASHER.get_or_init(Default::default).hash_one(label);
    let n = counts.0.entry(hash).or_insert(0);
    *n += 1;
    *n - 1
}

impl Shared {
    pub fn create(path: &Path, header: &Header) -> Result<Self, WriteError> {
        static INSTANCES: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let writer = TraceWriter::create(path, header)?;
        Ok(Shared {
            origin: Instant::now(),
            instance: INSTANCES.fetch_add(1, Ordering::Relaxed),
            queue: Mutex::new(Queue {
                next: 0,
                ready: Vec::new(),
                waiting: Vec::new(),
                finished: false,
            }),
            out: Mutex::new(Output {
                writer: Some(writer),
                failed: None,
                error: None,
            }),
            roots: Mutex::new(LabelCounts::default()),
            workers: Mutex::new(HashMap::new()),
            stop: (Mutex::new(false), Condvar::new()),
            cpu0: cpu_ns(),
        })
    }

    /// ns since the layer was made.
    pub fn now(&self) -> u64 {
        self.origin.elapsed().as_nanos() as u64
    }

    /// This thread's worker number: threads are numbered 0, 1, … as first seen.
    pub fn worker(&self) -> u32 {
        let (instance, worker) = WORKER.get();
        if instance == self.instance {
            return worker;
        }
        let mut workers = lock(&self.workers);
        let next = workers.len() as u32;
        let worker = *workers.entry(std::thread::current().id()).or_insert(next);
        WORKER.set((self.instance, worker));
        worker
    }

    /// How many root spans with this label came before: 0 for the first.
    pub fn root_index(&self, label: &str) -> u32 {
        next_index(&mut lock(&self.roots), label)
    }

    /// Numbers a closed span now if its dependencies are numbered, else later.
    pub fn close(&self, span: Closed) {
        let mut queue = lock(&self.queue);
        if queue.finished {
            return;
        }
        if span.deps.iter().all(|d| d.id().is_some()) {
            queue.number(span);
            if !queue.waiting.is_empty() {
                queue.number_ready();
            }
        } else {
            queue.waiting.push(span);
        }
    }

    fn sample(&self) -> Sample {
        Sample {
            t: self.now(),
            rss: rss_bytes(),
            cpu: self.cpu0.zip(cpu_ns()).map(|(a, b)| b.saturating_sub(a)),
            held: 0,
        }
    }

    /// Writes the queued spans and a sample, and flushes, every `period` until stopped.
    pub fn flush_every(&self, period: Duration) {
        loop {
            let stopped = {
                let guard = lock(&self.stop.0);
                let (guard, _) = self
                    .stop
                    .1
                    .wait_timeout_while(guard, period, |stopped| !*stopped)
                    .unwrap_or_else(|p| p.into_inner());
                *guard
            };
            if stopped {
                return;
            }
            let batch = std::mem::take(&mut lock(&self.queue).ready);
            let sample = self.sample();
            let mut out = lock(&self.out);
            out.write(batch);
            out.sample(&sample);
            out.flush();
        }
    }

    /// Stops the flusher (its thread returns soon after).
    pub fn stop(&self) {
        *lock(&self.stop.0) = true;
        self.stop.1.notify_all();
    }

    /// Writes every span queued or still waiting (without the dependencies that were
    /// never numbered: spans still open, or a `follows_from` cycle), a last sample and
    /// the end record. Spans that close later are not written.
    pub fn finish(&self) -> Result<Summary, WriteError> {
        let sample = self.sample();
        let batch = {
            let mut queue = lock(&self.queue);
            queue.finished = true;
            while !queue.waiting.is_empty() {
                queue.number_ready();
                if !queue.waiting.is_empty() {
                    let span = queue.waiting.remove(0);
                    queue.number(span);
                }
            }
            std::mem::take(&mut queue.ready)
        };
        let mut out = lock(&self.out);
        out.write(batch);
        out.sample(&sample);
        if let Some(e) = out.error.take() {
            out.writer = None;
            return Err(e);
        }
        let Some(writer) = out.writer.take() else {
            return Ok(Summary::default());
        };
        let summary = Summary {
            spans: writer.tasks_written(),
            failed: out.failed.clone(),
        };
        let end = RunEnd {
            status: match out.failed {
                Some(_) => RunStatus::Failed,
                None => RunStatus::Ok,
            },
            wall: sample.t,
            error: out.failed.take(),
        };
        writer.finish(&end)?;
        Ok(summary)
    }
}

/// What a finished trace holds.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Summary {
    /// Spans written, one task each.
    pub spans: u64,
    /// The first span that failed (panicked while entered), when one did.
    pub failed: Option<String>,
}

impl Queue {
    /// Gives `span` the next id and queues it; dependencies not numbered are dropped
    /// (only [`Shared::finish`] numbers a span before its dependencies).
    fn number(&mut self, span: Closed) {
        let id = TaskId(self.next);
        self.next += 1;
        span.node.0.store(id.0, Ordering::Relaxed);
        let mut event = span.event;
        event.task = id;
        self.ready.push(Numbered {
            key: span.key,
            group: span.group,
            meta: span.meta,
            deps: span.deps.iter().filter_map(|d| d.id()).collect(),
            event,
        });
    }

    /// Numbers the waiting spans whose dependencies are all numbered, until none is.
    fn number_ready(&mut self) {
        while let Some(i) = self
            .waiting
            .iter()
            .position(|s| s.deps.iter().all(|d| d.id().is_some()))
        {
            let span = self.waiting.remove(i);
            self.number(span);
        }
    }
}

impl Output {
    /// Writes numbered spans, in id order: the task record, then the event.
    fn write(&mut self, batch: Vec<Numbered>) {
        let Some(writer) = self.writer.as_mut() else {
            return;
        };
        for span in batch {
            if self.error.is_some() {
                return;
            }
            let written = writer
                .task(span.key.as_str(), span.group, span.group, &span.deps, &span.meta)
                .and_then(|id| {
                    debug_assert_eq!(id, span.event.task, "spans are written in id order");
                    writer.event(&span.event)
                });
            if let Err(e) = written {
                self.error = Some(e);
            } else if span.event.status == TaskStatus::Failed && self.failed.is_none() {
                let why = span.event.message.as_deref().unwrap_or("failed");
                self.failed = Some(format!("span {:?}: {why}", span.key));
            }
        }
    }

    fn sample(&mut self, s: &Sample) {
        if let (Some(w), None) = (self.writer.as_mut(), &self.error)
            && let Err(e) = w.sample(s)
        {
            self.error = Some(e);
        }
    }

    fn flush(&mut self) {
        if let (Some(w), None) = (self.writer.as_mut(), &self.error)
            && let Err(e) = w.flush()
        {
            self.error = Some(e);
        }
    }
}
