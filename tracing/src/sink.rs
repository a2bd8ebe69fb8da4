//! Where closed spans go: from each thread's outbox to the writer, on the flusher
//! thread.
//!
//! A span's thread puts its closed record in an outbox of its own (an uncontended
//! lock and a push); the flusher thread takes the outboxes' records in batches and
//! writes them ([`Sink`]), so the keys, the encoding and the file are off the
//! program's threads. It wakes when an outbox holds a batch, and every sample period
//! to sample memory and CPU and flush the file. A thread whose outbox grows past a
//! bound (the writer is behind) writes the records itself, so memory stays bounded.
//! Records of one thread are written in the order they closed: outboxes are emptied
//! under the sink's lock.

use hashbrown::HashMap;
use std::cell::RefCell;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::ThreadId;
use std::time::{Duration, Instant};

use taskscope_core::WriteError;
use taskscope_core::resources::{cpu_ns, rss_bytes};
use taskscope_core::trace::{Header, RunEnd, RunStatus, Sample, TraceWriter};

use crate::clock::Clock;
use crate::closed::{Closed, NewParents};
use crate::write::Sink;

/// Records an outbox holds when it wakes the flusher.
const BATCH: usize = 1024;
/// Records an outbox holds at most: past that its thread writes them itself.
const LIMIT: usize = 64 * 1024;

/// The closed spans of one thread, not yet taken by the writer.
#[derive(Default)]
struct Outbox {
    spans: Mutex<Vec<Closed>>,
    /// Its thread has ended: once empty, the outbox is dropped.
    thread_gone: AtomicBool,
}

/// This thread's outbox, for the layer that made it.
struct ThreadOutbox {
    instance: usize,
    outbox: Arc<Outbox>,
}

impl Drop for ThreadOutbox {
    fn drop(&mut self) {
        self.outbox.thread_gone.store(true, Ordering::Release);
    }
}

thread_local! {
    /// (layer instance, worker number) of this thread, for the last layer that asked.
    static WORKER: std::cell::Cell<(usize, u32)> = const { std::cell::Cell::new((usize::MAX, 0)) };
    static OUTBOX: RefCell<Option<ThreadOutbox>> = const { RefCell::new(None) };
}

/// What wakes the flusher.
#[derive(Default)]
struct Wake {
    stop: bool,
    work: bool,
}

/// What the layer and its guard share.
pub(crate) struct Shared {
    /// Stamps of spans, read as ns by the writer.
    clock: Arc<Clock>,
    /// Tells this layer's threads apart from another layer's in the same process.
    instance: usize,
    sink: Mutex<Sink>,
    /// Spans that made their first child, for the writer.
    pub(crate) parents: Arc<NewParents>,
    outboxes: Mutex<Vec<Arc<Outbox>>>,
    finished: AtomicBool,
    /// Worker numbers of threads, in the order they were first seen.
    workers: Mutex<HashMap<ThreadId, u32>>,
    wake: (Mutex<Wake>, Condvar),
    cpu0: Option<u64>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Shared {
    pub(crate) fn create(path: &Path, header: &Header) -> Result<Self, WriteError> {
        static INSTANCES: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let writer = TraceWriter::create(path, header)?;
        let clock = Arc::new(Clock::new());
        let parents = Arc::new(NewParents::default());
        Ok(Shared {
            clock: clock.clone(),
            instance: INSTANCES.fetch_add(1, Ordering::Relaxed),
            sink: Mutex::new(Sink::new(writer, parents.clone(), clock)),
            parents,
            outboxes: Mutex::new(Vec::new()),
            finished: AtomicBool::new(false),
            workers: Mutex::new(HashMap::new()),
            wake: (Mutex::new(Wake::default()), Condvar::new()),
            cpu0: cpu_ns(),
        })
    }

    /// A time stamp of now, for the writer to read as ns since the layer was made.
    #[inline]
    pub(crate) fn stamp(&self) -> u64 {
        self.clock.stamp()
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

    /// Hands a closed span to the writer, leaving an empty record.
    pub(crate) fn send(&self, span: &mut Closed) {
        if self.finished.load(Ordering::Relaxed) {
            return;
        }
        let held = OUTBOX.try_with(|slot| {
            let mut slot = slot.try_borrow_mut().ok()?;
            if slot.as_ref().is_none_or(|o| o.instance != self.instance) {
                let outbox = Arc::new(Outbox::default());
                lock(&self.outboxes).push(outbox.clone());
                *slot = Some(ThreadOutbox {
                    instance: self.instance,
                    outbox,
                });
            }
            let mut spans = lock(&slot.as_ref()?.outbox.spans);
            spans.push(std::mem::take(span));
            Some(spans.len())
        });
        match held {
            Ok(Some(BATCH)) => {
                lock(&self.wake.0).work = true;
                self.wake.1.notify_one();
            }
            Ok(Some(n)) if n >= LIMIT => self.write_now(None),
            Ok(Some(_)) => {}
            // This thread's storage is going (it is ending): written here.
            _ => self.write_now(Some(std::mem::take(span))),
        }
    }

    /// Writes what the outboxes hold, then `last`, on this thread.
    fn write_now(&self, last: Option<Closed>) {
        let mut sink = lock(&self.sink);
        self.take_outboxes(&mut sink, &mut Vec::new());
        if let Some(mut span) = last {
            sink.take(&mut span, None);
        }
    }

    /// Hands every outbox's records to the sink. `spares` are empty vectors swapped in
    /// (so outboxes keep their capacity), left empty.
    fn take_outboxes(&self, sink: &mut Sink, spares: &mut Vec<Vec<Closed>>) {
        let outboxes = lock(&self.outboxes).clone();
        spares.resize_with(spares.len().max(outboxes.len()), Vec::new);
        let mut gone = false;
        for (outbox, spare) in outboxes.iter().zip(spares.iter_mut()) {
            std::mem::swap(&mut *lock(&outbox.spans), spare);
            gone |= outbox.thread_gone.load(Ordering::Acquire);
        }
        // After the records: the parent of any of them was added before it.
        sink.adopt_parents();
        for spare in spares.iter_mut() {
            sink.take_all(spare);
            spare.clear();
        }
        if gone {
            lock(&self.outboxes)
                .retain(|o| !o.thread_gone.load(Ordering::Acquire) || !lock(&o.spans).is_empty());
        }
    }

    fn sample(&self) -> Sample {
        Sample {
            t: self.clock.now_ns(),
            rss: rss_bytes(),
            cpu: self.cpu0.zip(cpu_ns()).map(|(a, b)| b.saturating_sub(a)),
            held: 0,
        }
    }

    /// Writes the outboxes' records as batches fill, and samples resources and
    /// flushes the file every `period`, until stopped.
    pub(crate) fn flush_every(&self, period: Duration) {
        let mut spares = Vec::new();
        let mut next_tick = Instant::now() + period;
        loop {
            {
                let wake = lock(&self.wake.0);
                let timeout = next_tick.saturating_duration_since(Instant::now());
                let (mut wake, _) = self
                    .wake
                    .1
                    .wait_timeout_while(wake, timeout, |w| !w.stop && !w.work)
                    .unwrap_or_else(|p| p.into_inner());
                if wake.stop {
                    return;
                }
                wake.work = false;
            }
            let tick = Instant::now() >= next_tick;
            let sample = tick.then(|| self.sample());
            let mut sink = lock(&self.sink);
            self.take_outboxes(&mut sink, &mut spares);
            if let Some(sample) = sample {
                sink.sample(&sample);
                sink.flush();
                next_tick = Instant::now() + period;
            }
        }
    }

    /// Stops the flusher (its thread returns soon after).
    pub(crate) fn stop(&self) {
        lock(&self.wake.0).stop = true;
        self.wake.1.notify_all();
    }

    /// Writes every span closed so far and every span still waiting (without the
    /// dependencies that were never written: spans still open, or a `follows_from`
    /// cycle), a last sample and the end record. Spans that close later are not
    /// written.
    pub(crate) fn finish(&self) -> Result<Summary, WriteError> {
        let sample = self.sample();
        let mut sink = lock(&self.sink);
        self.take_outboxes(&mut sink, &mut Vec::new());
        self.finished.store(true, Ordering::Relaxed);
        sink.write_waiting();
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
