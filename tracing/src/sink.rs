//! Where closed spans go: the trace file, written in an order every reader accepts.
//!
//! A span is known when it closes, so its task record and its event are written
//! then, one after the other. A task's dependencies must be written before it, so
//! every prefix of the file is a valid graph (a crash keeps it, a viewer follows it).
//! A parent closes after its children (the registry keeps it open while they are), so
//! child -> parent edges always point back. A span that `follows_from` a span still
//! open waits, unwritten, until that one is written.

use hashbrown::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::ThreadId;
use std::time::{Duration, Instant};

use taskscope_core::resources::{cpu_ns, rss_bytes};
use taskscope_core::trace::{
    Header, RunEnd, RunStatus, Sample, TaskEvent, TaskStatus, TraceWriter,
};
use taskscope_core::{Meta, TaskId, WriteError};

use crate::counts::LabelCounts;
use crate::fields::Fields;

/// A span's place in the file: the task id it got when written.
#[derive(Debug)]
pub(crate) struct Node(AtomicU32);

const UNWRITTEN: u32 = u32::MAX;

impl Node {
    pub(crate) fn new() -> Self {
        Node(AtomicU32::new(UNWRITTEN))
    }
    /// Read and set under the sink's lock only.
    fn id(&self) -> Option<TaskId> {
        match self.0.load(Ordering::Relaxed) {
            UNWRITTEN => None,
            id => Some(TaskId(id)),
        }
    }
}

/// What a span is written as: made with the span, its event filled in when it
/// closes; written then from where the span keeps it, or moved to wait for a
/// dependency to be written.
pub(crate) struct SpanTask {
    pub(crate) key: String,
    pub(crate) group: &'static str,
    pub(crate) fields: Fields,
    pub(crate) deps: Vec<Arc<Node>>,
    /// `None` when no span depends on it (no parent, nothing follows from it).
    pub(crate) node: Option<Arc<Node>>,
    /// Its event; `task` is set when written.
    pub(crate) event: TaskEvent,
}

impl SpanTask {
    /// Moves the span out, to wait, leaving an empty one.
    fn take(&mut self) -> SpanTask {
        let empty = TaskEvent::new(TaskId(0), 0, 0, 0, TaskStatus::Done);
        SpanTask {
            key: std::mem::take(&mut self.key),
            group: self.group,
            fields: std::mem::take(&mut self.fields),
            deps: std::mem::take(&mut self.deps),
            node: self.node.take(),
            event: std::mem::replace(&mut self.event, empty),
        }
    }
}

struct Sink {
    /// `None` once finished: spans closing after that are not written.
    writer: Option<TraceWriter>,
    /// Closed spans waiting for a dependency to be written, in close order.
    waiting: Vec<SpanTask>,
    /// Something was written since the last flush.
    dirty: bool,
    /// The metadata of the span being written, its entries reused from span to span.
    meta: Meta,
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
    sink: Mutex<Sink>,
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

impl Shared {
    pub(crate) fn create(path: &Path, header: &Header) -> Result<Self, WriteError> {
        static INSTANCES: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let writer = TraceWriter::create(path, header)?;
        Ok(Shared {
            origin: Instant::now(),
            instance: INSTANCES.fetch_add(1, Ordering::Relaxed),
            sink: Mutex::new(Sink {
                writer: Some(writer),
                waiting: Vec::new(),
                dirty: false,
                meta: Meta::new(),
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
    pub(crate) fn now(&self) -> u64 {
        self.origin.elapsed().as_nanos() as u64
    }

    /// This thread's worker number: threads are numbered 0, 1, … as first seen.
    pub(crate) fn worker(&self) -> u32 {
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
    pub(crate) fn root_index(&self, label: &str) -> u32 {
        lock(&self.roots).next(label)
    }

    /// Writes a closed span now if its dependencies are written, else later.
    pub(crate) fn close(&self, span: &mut SpanTask) {
        let mut sink = lock(&self.sink);
        if sink.writer.is_none() {
            return;
        }
        if span.deps.iter().all(|d| d.id().is_some()) {
            sink.write(span);
            if !sink.waiting.is_empty() {
                sink.write_ready();
            }
        } else {
            sink.waiting.push(span.take());
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

    /// Samples resources and flushes the file every `period` until stopped.
    pub(crate) fn flush_every(&self, period: Duration) {
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
            let sample = self.sample();
            let mut sink = lock(&self.sink);
            sink.sample(&sample);
            sink.flush();
        }
    }

    /// Stops the flusher (its thread returns soon after).
    pub(crate) fn stop(&self) {
        *lock(&self.stop.0) = true;
        self.stop.1.notify_all();
    }

    /// Writes every span still waiting (without the dependencies that were never
    /// written: spans still open, or a `follows_from` cycle), a last sample and the
    /// end record. Spans that close later are not written.
    pub(crate) fn finish(&self) -> Result<Summary, WriteError> {
        let sample = self.sample();
        let mut sink = lock(&self.sink);
        while !sink.waiting.is_empty() {
            sink.write_ready();
            if !sink.waiting.is_empty() {
                let mut span = sink.waiting.remove(0);
                sink.write(&mut span);
            }
        }
        sink.sample(&sample);
        if let Some(e) = sink.error.take() {
            sink.writer = None;
            return Err(e);
        }
        let Some(writer) = sink.writer.take() else {
            return Ok(Summary::default());
        };
        let summary = Summary {
            spans: writer.tasks_written(),
            failed: sink.failed.clone(),
        };
        let end = RunEnd {
            status: match sink.failed {
                Some(_) => RunStatus::Failed,
                None => RunStatus::Ok,
            },
            wall: sample.t,
            error: sink.failed.take(),
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

impl Sink {
    fn write(&mut self, span: &mut SpanTask) {
        let Some(writer) = self.writer.as_mut() else {
            return;
        };
        if self.error.is_some() {
            return;
        }
        let deps: Vec<TaskId> = span.deps.iter().filter_map(|d| d.id()).collect();
        span.fields.fill(&mut self.meta);
        let written = writer
            .task(&span.key, span.group, span.group, &deps, &self.meta)
            .and_then(|id| {
                span.event.task = id;
                writer.event(&span.event)?;
                Ok(id)
            });
        match written {
            Ok(id) => {
                if let Some(node) = &span.node {
                    node.0.store(id.0, Ordering::Relaxed);
                }
                self.dirty = true;
                if span.event.status == TaskStatus::Failed && self.failed.is_none() {
                    let why = span.event.message().unwrap_or("failed");
                    self.failed = Some(format!("span {:?}: {why}", span.key));
                }
            }
            Err(e) => self.error = Some(e),
        }
    }

    /// Writes the waiting spans whose dependencies are all written, until none is.
    fn write_ready(&mut self) {
        while let Some(i) = self
            .waiting
            .iter()
            .position(|s| s.deps.iter().all(|d| d.id().is_some()))
        {
            let mut span = self.waiting.remove(i);
            self.write(&mut span);
        }
    }

    fn sample(&mut self, s: &Sample) {
        if let (Some(w), None) = (self.writer.as_mut(), &self.error) {
            if let Err(e) = w.sample(s) {
                self.error = Some(e);
            }
            self.dirty = true;
        }
    }

    fn flush(&mut self) {
        if !self.dirty || self.error.is_some() {
            return;
        }
        if let Some(w) = self.writer.as_mut()
            && let Err(e) = w.flush()
        {
            self.error = Some(e);
        }
        self.dirty = false;
    }
}
