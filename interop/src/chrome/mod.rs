//! Chrome trace-event JSON: the format of `chrome://tracing`, Perfetto and many
//! profilers (Node.js, viztracer, PyTorch).
//!
//! [`write_chrome`] writes a [`Trace`](taskscope_core::trace::Trace) as one track per worker with
//! one complete (`X`) slice per task event and counter (`C`) events for the resource
//! samples; everything else a lossless round trip needs (the whole task list with
//! dependencies and metadata, the header, the end record) goes under a top-level
//! `"taskscope"` key, which Chrome and Perfetto ignore. [`parse_chrome`] reads that back
//! exactly, and also reads Chrome traces written by other tools: each slice (`X`, or a
//! `B`/`E` pair) becomes a task, each (pid, tid) lane a worker, and nesting is kept in
//! the task metadata (`parent`, `depth`). `docs/chrome-trace.md` documents the mapping.
//!
//! ```
//! use taskscope_interop::chrome::{parse_chrome, write_chrome};
//!
//! let foreign = br#"[{"ph":"X","pid":1,"tid":7,"ts":10,"dur":5,"name":"load"},
//!                   {"ph":"B","pid":1,"tid":7,"ts":11,"name":"parse"},
//!                   {"ph":"E","pid":1,"tid":7,"ts":13}"#; // the closing ] may be missing
//! let trace = parse_chrome(foreign, "profile.json").unwrap();
//! assert_eq!(trace.graph.len(), 2);
//! assert_eq!(trace.events[1].start, 1_000); // ns since the earliest event
//!
//! let mut out = Vec::new();
//! write_chrome(&mut out, &trace).unwrap();
//! let back = parse_chrome(&out, "again.json").unwrap();
//! assert_eq!(back.events, trace.events);
//! ```

mod de;
mod events;
mod read;
mod write;

#[cfg(test)]
mod tests;

use serde::{Deserialize, Serialize};

use taskscope_core::Meta;
use taskscope_core::trace::{Header, RunStatus};

pub use read::{parse_chrome, read_chrome};
pub use write::{UnknownTask, write_chrome};

/// The top-level key that holds what Chrome's format has no place for.
const EXTRA_KEY: &str = "taskscope";
/// The `pid` of every event taskscope writes: one process, one thread per worker.
const PID: u32 = 1;
/// Names of the counters a sample becomes, and the arg each value is under.
const HELD: &str = "held";
const RSS: &str = "rss";
const CPU: &str = "cpu";
const BYTES_ARG: &str = "bytes";
const NS_ARG: &str = "ns";

/// The value of the `"taskscope"` key, as read.
#[derive(Deserialize)]
struct Extra {
    header: Header,
    /// Number of task events (`X` events with a `task` arg) the file holds.
    events: u64,
    /// Number of samples the counter events make.
    samples: u64,
    #[serde(default)]
    end: Option<ExtraEnd>,
    #[serde(default)]
    truncated: bool,
    tasks: Vec<ExtraTask>,
}

/// A run's end record.
#[derive(Serialize, Deserialize)]
struct ExtraEnd {
    status: RunStatus,
    wall: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

/// One task, as in a taskscope `task` record.
#[derive(Deserialize)]
struct ExtraTask {
    id: u32,
    key: String,
    group: String,
    op: String,
    #[serde(default)]
    deps: Vec<u32>,
    #[serde(default)]
    meta: Meta,
}
