//! taskscope-tracing: the spans of any Rust program, as a taskscope trace.
//!
//! A [`tracing_subscriber::Layer`] that writes every span as a task: it opens in
//! `taskscope view`, renders as a graph with `taskscope render`, and runs through
//! `taskscope stats` and `taskscope diff` like a traced Dask computation. Two lines:
//!
//! ```no_run
//! let _trace = taskscope_tracing::install("pipeline.trace.jsonl").unwrap();
//! let _main = tracing::info_span!("main").entered();
//! // ... spans made from here on are written when they close
//! ```
//!
//! A file named `*.taskscope` is written in the compact binary format (about 12 bytes a
//! span instead of 210, and cheaper to write); any other name in JSON Lines.
//!
//! Beside other layers (fmt, filters), take the layer and its guard:
//!
//! ```no_run
//! use tracing_subscriber::prelude::*;
//!
//! let (layer, _guard) = taskscope_tracing::layer("pipeline.trace.jsonl").unwrap();
//! tracing_subscriber::registry().with(layer).init();
//! ```
//!
//! # What a span becomes
//!
//! - **key**: the parent's key, `/`, the span's name with the fields it was made with,
//!   and `#n` for the n-th repeat of that name and fields under the same parent, in
//!   the order they are written (the order they close, on one thread):
//!   `pipeline/chunk[i=3]/tokenize`. Keys are stable across runs when siblings of one
//!   name differ by a field or close in a fixed order; siblings that close in a race
//!   on several threads, with equal fields, may swap their `#n`.
//! - **group** and **op**: the span's name. **meta**: its fields (also those
//!   recorded later with `Span::record`).
//! - **dependencies**: a parent span waits for its children, so each child is a
//!   dependency of its parent (edge child -> parent: data flows up, as in a
//!   reduction); `span.follows_from(a)` makes `a` a dependency of `span` (a -> span).
//! - **event**: worker = the thread that first entered it (threads numbered 0, 1, …
//!   as first seen); start = its first enter; end = its last exit; `busy` = the time
//!   it was entered, so an async task polled many times is one task, busy while polled
//!   and idle between polls (idle = end - start - busy). A span never entered runs from
//!   its creation to its close. Status `failed` when a panic unwound through it.
//!   Events (`info!`, …) inside it are its `logs` (100 at most by default).
//!
//! Times are ns since the layer was made. The end is the last exit rather than the
//! close because a span closes when its last handle goes: a handle kept to link a
//! `follows_from`, or children that outlive it (the registry closes a parent only
//! after its children), would stretch it past its work.
//!
//! # Writing
//!
//! A span's thread only measures and gathers: three time stamps (the CPU's counter
//! where the kernel keeps time with it), its fields, its parent; when the span
//! closes, its record goes to an outbox of the thread's own. A background thread
//! takes the outboxes' records every millisecond while spans close and writes them:
//! labels, keys, ids and the encoding are its work, through the same streaming
//! [`TraceWriter`](taskscope_core::trace::TraceWriter) as taskscope's executor. A
//! thread whose outbox fills past 64 Ki records (the writer is behind) writes them
//! itself, so memory stays bounded.
//!
//! Dependencies are always written first, so the file is a valid trace at every
//! record: a crash keeps what was flushed, and the viewer follows the file live. A
//! parent is written after all its children, a span that follows from a span still
//! open after that one. The background thread also samples memory and CPU and
//! flushes the file every 10 ms. Dropping the [`FlushGuard`] writes the spans closed
//! so far and the end record; spans still open then are not written.

mod closed;
mod counts;
mod fields;
mod layer;
mod sink;
mod write;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use taskscope_core::WriteError;
use taskscope_core::trace::{Header, Host, RunInfo};
use thiserror::Error;
use tracing_subscriber::prelude::*;
use tracing_subscriber::util::TryInitError;

pub use layer::TaskscopeLayer;
pub use sink::Summary;

use sink::Shared;

/// Why [`install`] failed.
#[derive(Debug, Error)]
pub enum InstallError {
    /// The trace file could not be created.
    #[error(transparent)]
    Write(#[from] WriteError),
    /// A global subscriber was already set.
    #[error("cannot install the taskscope layer: {0}")]
    Init(#[from] TryInitError),
}

/// Makes a subscriber of the registry and a [`TaskscopeLayer`] writing to `path`, and
/// sets it as the global default. Keep the guard until the end of `main`: dropping it
/// writes the end record.
///
/// ```no_run
/// let _trace = taskscope_tracing::install("out.trace.jsonl").unwrap();
/// tracing::info_span!("work").in_scope(|| { /* ... */ });
/// ```
pub fn install(path: impl AsRef<Path>) -> Result<FlushGuard, InstallError> {
    let (layer, guard) = layer(path)?;
    tracing_subscriber::registry().with(layer).try_init()?;
    Ok(guard)
}

/// A layer writing to `path` with the default options, and its guard.
pub fn layer(path: impl AsRef<Path>) -> Result<(TaskscopeLayer, FlushGuard), WriteError> {
    Builder::new(path).build()
}

/// Options of a [`TaskscopeLayer`].
#[derive(Clone, Debug)]
pub struct Builder {
    path: PathBuf,
    name: Option<String>,
    period: Duration,
    max_logs: usize,
}

impl Builder {
    /// A layer that will write to `path`.
    pub fn new(path: impl AsRef<Path>) -> Self {
        let name = std::env::current_exe()
            .ok()
            .and_then(|p| p.file_stem().map(|s| s.to_string_lossy().into_owned()));
        Builder {
            path: path.as_ref().to_path_buf(),
            name,
            period: Duration::from_millis(10),
            max_logs: 100,
        }
    }

    /// The name in the trace's header, for titles (default: the program's name).
    pub fn name(mut self, name: &str) -> Self {
        self.name = Some(name.to_string());
        self
    }

    /// How often to sample memory and CPU and flush the file (default 10 ms).
    pub fn sample_period(mut self, period: Duration) -> Self {
        self.period = period.max(Duration::from_millis(1));
        self
    }

    /// How many log lines to keep per span (default 100); a last line counts the rest.
    pub fn max_logs_per_span(mut self, n: usize) -> Self {
        self.max_logs = n;
        self
    }

    /// Creates the file, writes its header and starts the flusher thread.
    pub fn build(self) -> Result<(TaskscopeLayer, FlushGuard), WriteError> {
        let header = Header {
            tool: format!("taskscope-tracing {}", env!("CARGO_PKG_VERSION")),
            run: Some(RunInfo {
                executor: "tracing".to_string(),
                workers: std::thread::available_parallelism().map_or(1, |n| n.get() as u32),
                host: Some(Host::current()),
                started_unix_ns: SystemTime::now()
                    .duration_since(UNIX_EPOCH)
                    .map(|d| d.as_nanos() as u64)
                    .ok(),
                sample_period_ns: Some(self.period.as_nanos() as u64),
            }),
            ..Header::new(self.name.as_deref())
        };
        let shared = Arc::new(Shared::create(&self.path, &header)?);
        let flusher = {
            let shared = shared.clone();
            let period = self.period;
            std::thread::Builder::new()
                .name("taskscope-flush".to_string())
                .spawn(move || shared.flush_every(period))
                .map_err(|error| WriteError {
                    path: self.path.clone(),
                    error,
                })?
        };
        let layer = TaskscopeLayer {
            shared: shared.clone(),
            max_logs: self.max_logs,
        };
        let guard = FlushGuard {
            shared,
            flusher: Some(flusher),
        };
        Ok((layer, guard))
    }
}

/// Finishes the trace when dropped (or by [`finish`](Self::finish), which tells
/// what happened): writes the spans still waiting, a last sample and the end record.
#[must_use = "dropping the guard finishes the trace at once"]
pub struct FlushGuard {
    shared: Arc<Shared>,
    flusher: Option<JoinHandle<()>>,
}

impl FlushGuard {
    /// Finishes the trace and says how many spans it holds.
    pub fn finish(mut self) -> Result<Summary, WriteError> {
        self.finish_now()
    }

    fn finish_now(&mut self) -> Result<Summary, WriteError> {
        self.shared.stop();
        if let Some(flusher) = self.flusher.take() {
            let _ = flusher.join();
        }
        self.shared.finish()
    }
}

impl Drop for FlushGuard {
    fn drop(&mut self) {
        if self.flusher.is_some()
            && let Err(e) = self.finish_now()
        {
            eprintln!("taskscope-tracing: {e}");
        }
    }
}
