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

use crate::closed::{Closed, NewParents};
use crate::write::Sink;
use taskscope_core::clock::Clock;

/// How often the flusher takes the outboxes' records while spans close. It looks
/// by itself rather than being woken: a wake-up costs the span's thread a system
/// call, and the scheduler tends to put the woken thread on the waker's core.
const POLL_BUSY: Duration = Duration::from_millis(1);
/// Records an outbox holds when it wakes the flusher all the same (a burst).
const BATCH: usize = 16 * 1024;
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
    /// Boxed: the writer changes it at every record, and a field of it on a cache line
    /// with a field the spans' threads read (the clock, this instance) would send
    /// that line to the writer's core and back at every span.
    sink: Mutex<Box<Sink>>,
    /// Spans that made their first child, for the writer.
    pub(crate) parents: Arc<NewParents>,
    outboxes: Mutex<Vec<Arc<Outbox>>>,
    finished: AtomicBool,
    /// Records an outbox holds at most ([`LIMIT`]).
    limit: usize,
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
            sink: Mutex::new(Box::new(Sink::new(writer, parents.clone(), clock))),
            parents,
            outboxes: Mutex::new(Vec::new()),
            finished: AtomicBool::new(false),
            limit: LIMIT,
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

    /// Tells this layer apart from another one in the same process.
    pub(crate) fn instance(&self) -> usize {
        self.instance
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
            Ok(Some(n)) if n >= self.limit => self.write_now(None),
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
    fn take_outboxes(&self, sink: &mut Sink, spares: &mut Vec<Vec<Closed>>) -> usize {
        let outboxes = lock(&self.outboxes).clone();
        spares.resize_with(spares.len().max(outboxes.len()), Vec::new);
        let (mut gone, mut taken) = (false, 0);
        for (outbox, spare) in outboxes.iter().zip(spares.iter_mut()) {
            std::mem::swap(&mut *lock(&outbox.spans), spare);
            gone |= outbox.thread_gone.load(Ordering::Acquire);
        }
        // After the records: the parent of any of them was added before it.
        sink.adopt_parents();
        for spare in spares.iter_mut() {
            taken += spare.len();
            sink.take_all(spare);
            spare.clear();
        }
        if gone {
            lock(&self.outboxes)
                .retain(|o| !o.thread_gone.load(Ordering::Acquire) || !lock(&o.spans).is_empty());
        }
        taken
    }

    fn sample(&self) -> Sample {
        Sample {
            t: self.clock.now_ns(),
            rss: rss_bytes(),
            cpu: self.cpu0.zip(cpu_ns()).map(|(a, b)| b.saturating_sub(a)),
            held: 0,
        }
    }

    /// Writes the outboxes' records every millisecond while spans close, and samples resources and
    /// flushes the file every `period`, until stopped.
    pub(crate) fn flush_every(&self, period: Duration) {
        let mut spares = Vec::new();
        let mut next_tick = Instant::now() + period;
        let mut poll = POLL_BUSY;
        loop {
            {
                let wake = lock(&self.wake.0);
                let timeout = poll.min(next_tick.saturating_duration_since(Instant::now()));
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
            let taken = self.take_outboxes(&mut sink, &mut spares);
            // Look again soon while spans keep closing, less often while none do.
            poll = match taken {
                0 => (2 * poll).min(period),
                _ => POLL_BUSY,
            };
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

#[cfg(test)]
mod tests {
    use super::*;
    use taskscope_core::trace::read;

    #[test]
    fn a_thread_past_its_outbox_limit_writes_the_records_itself() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("limit.taskscope");
        let mut shared = Shared::create(&path, &Header::new(Some("limit"))).unwrap();
        shared.limit = 8;
        // No flusher runs: only the limit moves records to the file.
        for i in 0..100 {
            let mut span = Closed {
                name: "step",
                start: 10 * i,
                end: 10 * i + 5,
                ..Closed::default()
            };
            shared.send(&mut span);
        }
        let written = lock(&shared.sink)
            .writer
            .as_ref()
            .map(|w| w.tasks_written());
        assert_eq!(written, Some(96));
        let held: usize = lock(&shared.outboxes)
            .iter()
            .map(|o| lock(&o.spans).len())
            .sum();
        assert_eq!(held, 4);
        assert_eq!(shared.finish().unwrap().spans, 100);
        let trace = read(&path).unwrap();
        let keys: Vec<&str> = trace.graph.tasks().map(|(_, t)| t.key()).collect();
        assert_eq!(&keys[..3], ["step", "step#1", "step#2"]);
        assert_eq!(keys[99], "step#99");
    }
}
