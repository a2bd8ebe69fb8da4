//! Tracing a run: what every task did, and the process's resources over time, written
//! to a trace file as the run goes.
//!
//! ```no_run
//! use std::path::Path;
//! use std::sync::Arc;
//! use taskscope_core::recorder::{TraceOptions, run_traced};
//! use taskscope_core::{Layer, NoObserver, Program, TaskDef, Threads, Value};
//!
//! let task = |key: &str, inputs: &[&str]| TaskDef {
//!     key: key.into(),
//!     group: key.into(),
//!     op: key.into(),
//!     inputs: inputs.iter().map(|k| k.to_string()).collect(),
//!     meta: Default::default(),
//!     func: Arc::new(|inputs: &[&Value]| Ok(Value::new(inputs.len() as u64))),
//! };
//! let layer = Layer { name: "demo".into(), tasks: vec![task("load", &[]), task("sum", &["load"])], deps: vec![] };
//! let program = Program::from_layers(&[Arc::new(layer)]).unwrap();
//! let targets = [program.graph().id_of("sum").unwrap()];
//! let (outputs, report) = run_traced(
//!     &Threads::new(2), &program, &targets, Path::new("demo.trace.jsonl"),
//!     &TraceOptions::named("demo"), &NoObserver,
//! ).unwrap();
//! println!("{} tasks in {} ns", report.events, report.wall_ns);
//! ```

use std::cell::Cell;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Condvar, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use thiserror::Error;

use crate::alloc::{self, AllocMark};
use crate::atomic_write::WriteError;
use crate::clock::Clock;
use crate::executor::{ExecuteError, Executor, Observer, Outputs, TaskOutcome, Tee};
use crate::graph::TaskId;
use crate::program::Program;
use crate::resources::{cpu_ns, rss_bytes};
use crate::trace::{
    EventExtra, Header, Host, RunEnd, RunInfo, RunStatus, Sample, TaskEvent, TaskStatus,
    TraceWriter,
};

thread_local! {
    /// Start (a clock stamp) and allocation mark of the task running on this thread.
    static STARTED: Cell<(u64, Option<AllocMark>)> = const { Cell::new((0, None)) };
}

/// What one worker recorded; aligned so that workers never share a cache line.
#[repr(align(128))]
struct WorkerLog {
    events: Mutex<Vec<TaskEvent>>,
    /// Bytes of outputs this worker made minus those it dropped (may go negative: a
    /// worker drops outputs that others made).
    held: AtomicI64,
}

/// An [`Observer`] that records one [`TaskEvent`] per task and the bytes of outputs
/// held, cheaply: two clock stamps and one uncontended lock per task, nothing shared
/// between workers. Events hold stamps until [`drain`](Self::drain) reads them as ns.
pub struct Recorder {
    clock: Clock,
    logs: Vec<WorkerLog>,
}

impl Recorder {
    /// A recorder for up to `workers` workers; its clock starts now.
    pub fn new(workers: usize) -> Self {
        Recorder {
            clock: Clock::new(),
            logs: (0..workers.max(1))
                .map(|_| WorkerLog {
                    events: Mutex::new(Vec::with_capacity(4096)),
                    held: AtomicI64::new(0),
                })
                .collect(),
        }
    }

    /// ns since the recorder was made.
    pub fn now(&self) -> u64 {
        self.clock.now_ns()
    }

    /// Bytes of outputs held now.
    pub fn held(&self) -> u64 {
        let sum: i64 = self
            .logs
            .iter()
            .map(|l| l.held.load(Ordering::Relaxed))
            .sum();
        sum.max(0) as u64
    }

    fn log(&self, worker: usize) -> &WorkerLog {
        &self.logs[worker % self.logs.len()]
    }

    /// Takes the events recorded since the last call, ordered by end time.
    pub fn drain(&self) -> Vec<TaskEvent> {
        let mut out = Vec::new();
        for log in &self.logs {
            let mut events = log.events.lock().unwrap_or_else(|p| p.into_inner());
            if out.is_empty() {
                // Hand the buffer over rather than copying it.
                let capacity = events.capacity();
                out = std::mem::replace(&mut *events, Vec::with_capacity(capacity));
            } else {
                out.append(&mut events);
            }
        }
        // Stamps keep the order of times: sorted, then read as ns.
        out.sort_unstable_by_key(|e| (e.end, e.task));
        self.clock.measure();
        for e in &mut out {
            e.start = self.clock.ns(e.start);
            e.end = self.clock.ns(e.end).max(e.start);
        }
        out
    }
}

impl Observer for Recorder {
    fn task_started(&self, _task: TaskId, _worker: usize) {
        let mark = alloc::mark();
        STARTED.set((self.clock.stamp(), mark));
    }

    fn task_finished(&self, task: TaskId, worker: usize, outcome: TaskOutcome<'_>) {
        let end = self.clock.stamp();
        let (start, mark) = STARTED.get();
        let (alloc, peak) = match mark {
            Some(m) => {
                let (a, p) = alloc::since(m);
                (Some(a), Some(p))
            }
            None => (None, None),
        };
        let log = self.log(worker);
        let (status, bytes, message) = match outcome {
            TaskOutcome::Done { nbytes } => {
                log.held.fetch_add(nbytes as i64, Ordering::Relaxed);
                (TaskStatus::Done, nbytes, None)
            }
            TaskOutcome::Failed { message } => (TaskStatus::Failed, 0, Some(message.to_string())),
        };
        let event = TaskEvent {
            task,
            worker: worker as u32,
            start,
            end,
            status,
            bytes,
            // Most events have nothing more (no counting allocator, no failure): no
            // extra to make and compare with the empty one.
            extra: if alloc.is_none() && message.is_none() {
                None
            } else {
                EventExtra {
                    alloc,
                    peak,
                    message,
                    ..EventExtra::default()
                }
                .boxed()
            },
        };
        log.events
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(event);
    }

    fn value_released(&self, _task: TaskId, nbytes: u64, worker: usize) {
        self.log(worker)
            .held
            .fetch_sub(nbytes as i64, Ordering::Relaxed);
    }
}

/// How to trace a run.
#[derive(Clone, Debug)]
pub struct TraceOptions {
    /// Name in the header (`norm`), for titles.
    pub name: Option<String>,
    /// How often to sample RSS, CPU and held bytes, and to flush events to the file.
    pub sample_period: Duration,
}

impl Default for TraceOptions {
    fn default() -> Self {
        TraceOptions {
            name: None,
            sample_period: Duration::from_millis(10),
        }
    }
}

impl TraceOptions {
    /// The default options, with `name` in the header.
    pub fn named(name: &str) -> Self {
        TraceOptions {
            name: Some(name.to_string()),
            ..TraceOptions::default()
        }
    }
}

/// Figures of a finished traced run.
#[derive(Clone, Debug, PartialEq)]
pub struct RunReport {
    /// How the run ended.
    pub status: RunStatus,
    /// Wall time of the run, ns.
    pub wall_ns: u64,
    /// Events written (one per task that ran).
    pub events: u64,
    /// Most bytes of outputs held among the samples (`taskscope stats` computes the
    /// exact peak from the events).
    pub peak_held: u64,
    /// Highest resident set size among the samples, bytes, where the OS tells it.
    pub peak_rss: Option<u64>,
}

/// Why a traced run did not produce its outputs.
#[derive(Debug, Error)]
pub enum TracedRunError {
    /// The trace could not be written (the run may have completed).
    #[error(transparent)]
    Write(#[from] WriteError),
    /// The run failed or was cancelled; the trace up to that point, with the failed
    /// task's event and the error in its end record, is in `path`.
    #[error("{error} (trace written to {})", path.display())]
    Execute {
        /// Why the run stopped.
        error: ExecuteError,
        /// The trace file written.
        path: PathBuf,
        /// Figures of the run up to where it stopped.
        report: Box<RunReport>,
    },
}

/// Runs `program` on `executor` for `targets`, writing a trace to `path` as it goes:
/// header and tasks first, then events and samples every `sample_period` (flushed, so
/// a crash leaves a readable trace), then the end record. The sampler stops as soon
/// as the run ends: tracing adds no wait at the end.
pub fn run_traced(
    executor: &dyn Executor,
    program: &Program,
    targets: &[TaskId],
    path: &Path,
    options: &TraceOptions,
    observer: &dyn Observer,
) -> Result<(Outputs, RunReport), TracedRunError> {
    let started_unix_ns = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .ok();
    let header = Header {
        run: Some(RunInfo {
            executor: executor.name().to_string(),
            workers: executor.workers() as u32,
            host: Some(Host::current()),
            started_unix_ns,
            sample_period_ns: Some(options.sample_period.as_nanos() as u64),
        }),
        ..Header::new(options.name.as_deref())
    };
    let mut writer = TraceWriter::create(path, &header)?;
    let cpu0 = cpu_ns();
    let recorder = Recorder::new(executor.workers());
    let sample = |recorder: &Recorder| Sample {
        t: recorder.now(),
        rss: rss_bytes(),
        cpu: cpu0.zip(cpu_ns()).map(|(a, b)| b.saturating_sub(a)),
        held: recorder.held(),
    };
    let first = sample(&recorder);
    let mut peak_rss = first.rss;
    let mut peak_held = first.held;

    let stop = (Mutex::new(false), Condvar::new());
    let (result, wall_ns, written) = std::thread::scope(|s| {
        let flusher = s.spawn(|| -> Result<_, WriteError> {
            // The graph is written here, beside the run, not before it.
            writer.tasks(program.graph())?;
            writer.sample(&first)?;
            writer.flush()?;
            loop {
                let stopped = {
                    let guard = stop.0.lock().unwrap_or_else(|p| p.into_inner());
                    let (guard, _) = stop
                        .1
                        .wait_timeout_while(guard, options.sample_period, |stopped| !*stopped)
                        .unwrap_or_else(|p| p.into_inner());
                    *guard
                };
                let now = sample(&recorder);
                peak_rss = peak_rss.max(now.rss);
                peak_held = peak_held.max(now.held);
                writer.events(&recorder.drain())?;
                writer.sample(&now)?;
                writer.flush()?;
                if stopped {
                    return Ok(writer);
                }
            }
        });
        let result = executor.execute(program, targets, &Tee(&recorder, observer));
        let wall_ns = recorder.now();
        *stop.0.lock().unwrap_or_else(|p| p.into_inner()) = true;
        stop.1.notify_all();
        let written = flusher.join().expect("the trace flusher does not panic");
        (result, wall_ns, written)
    });
    let writer = written?;
    let status = match &result {
        Ok(_) => RunStatus::Ok,
        Err(ExecuteError::Cancelled) => RunStatus::Cancelled,
        Err(_) => RunStatus::Failed,
    };
    let events = writer.events_written();
    // Flushed to the OS, which keeps it if we crash; not synced to disk, which would
    // make every run wait for the disk.
    writer.finish(&RunEnd {
        status,
        wall: wall_ns,
        error: result.as_ref().err().map(|e| e.to_string()),
    })?;
    let report = RunReport {
        status,
        wall_ns,
        events,
        peak_held,
        peak_rss,
    };
    match result {
        Ok(outputs) => Ok((outputs, report)),
        Err(error) => Err(TracedRunError::Execute {
            error,
            path: path.to_path_buf(),
            report: Box::new(report),
        }),
    }
}
