//! The taskscope file format, version 1: JSON Lines, one record per line.
//!
//! ```text
//! {"type":"header","format":"taskscope","version":1,"tool":"taskscope 0.1.0","clock":"ns","name":"delayed"}
//! {"type":"task","id":0,"key":"inc-1f…","group":"inc","op":"inc"}
//! {"type":"task","id":1,"key":"add-9c…","group":"add","op":"add","deps":[0]}
//! {"type":"event","task":0,"worker":0,"start":2100,"end":2450,"status":"done","bytes":8}
//! {"type":"sample","t":10000000,"rss":20971520,"cpu":9000000,"held":8}
//! {"type":"end","tasks":2,"edges":1}
//! ```
//!
//! A graph is a trace without events. `docs/trace-format.md` documents every record and
//! field. Readers accept any v1 file: unknown record types and fields are skipped, a
//! file without its `end` record (a crashed writer) is read up to its last complete line
//! and marked truncated, and every error names the file, the line and the field.

mod compact;
mod diagnose;
mod error;
mod places; // lines or blocks of records, for errors
mod read;
mod records;
mod write;

use serde::{Deserialize, Serialize};

use crate::graph::{TaskGraph, TaskId};

pub use error::{ReadError, ReadErrorDetail, ReadErrorKind};
pub use read::{parse, read};
pub use write::{
    TraceWriter, save_graph, save_trace, write_graph, write_graph_as, write_trace, write_trace_as,
};

/// The `format` field of every header.
pub const FORMAT: &str = "taskscope";
/// The newest format version this build writes and reads.
pub const VERSION: u32 = 1;

/// taskscope's two encodings of one model. Readers tell them apart by content; writers
/// choose by the output's name ([`TraceFormat::for_path`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum TraceFormat {
    /// JSON Lines: the readable interchange format (`docs/trace-format.md`).
    #[default]
    Jsonl,
    /// The compact binary format of `*.taskscope` files (`docs/compact-format.md`):
    /// interned strings, delta times, compressed checksummed blocks.
    Compact,
}

impl TraceFormat {
    /// [`Compact`](Self::Compact) for a name ending in `.taskscope`, else JSONL.
    ///
    /// ```
    /// use std::path::Path;
    /// use taskscope_core::trace::TraceFormat;
    ///
    /// assert_eq!(TraceFormat::for_path(Path::new("big.taskscope")), TraceFormat::Compact);
    /// assert_eq!(TraceFormat::for_path(Path::new("run.trace.jsonl")), TraceFormat::Jsonl);
    /// ```
    pub fn for_path(path: &std::path::Path) -> TraceFormat {
        match path.extension() {
            Some(ext) if ext.eq_ignore_ascii_case("taskscope") => TraceFormat::Compact,
            _ => TraceFormat::Jsonl,
        }
    }

    /// Whether `head`, the first bytes of a file, are those of a compact file.
    pub fn is_compact(head: &[u8]) -> bool {
        compact::is_compact(head)
    }
}

/// The first line of a file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Header {
    /// Always [`FORMAT`]: says the file is a taskscope file.
    pub format: String,
    /// The format version the file was written in (1 to [`VERSION`]).
    pub version: u32,
    /// Program and version that wrote the file (`taskscope 0.1.0`, `taskscope_dask 0.1.0`).
    pub tool: String,
    /// Unit of every time in the file: `ns`.
    pub clock: String,
    /// What the file shows (`norm`, `delayed`), for titles.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// How the run was made; absent in graph files.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run: Option<RunInfo>,
}

impl Header {
    /// The file's name quoted with a leading space for titles (` "norm"`), or nothing.
    pub fn quoted_name(&self) -> String {
        self.name
            .as_deref()
            .map(|n| format!(" \"{n}\""))
            .unwrap_or_default()
    }

    /// A header for a file written by this build of taskscope.
    pub fn new(name: Option<&str>) -> Self {
        Header {
            format: FORMAT.to_string(),
            version: VERSION,
            tool: format!("taskscope {}", crate::VERSION),
            clock: "ns".to_string(),
            name: name.map(str::to_string),
            run: None,
        }
    }
}

/// Where and how a run was made.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RunInfo {
    /// `threads`, `sequential`, `dask-threads`, …
    pub executor: String,
    /// Number of workers the executor had.
    pub workers: u32,
    /// The machine the run was made on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<Host>,
    /// Wall-clock time of the run's start, ns since the Unix epoch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_unix_ns: Option<u64>,
    /// Period of the resource samples, ns.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sample_period_ns: Option<u64>,
}

/// The machine a run was made on.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Host {
    /// The machine's name on the network.
    pub hostname: String,
    /// Its operating system (`linux`, `macos`), as Rust names it.
    pub os: String,
    /// Its processor architecture (`x86_64`, `aarch64`), as Rust names it.
    pub arch: String,
    /// How many CPUs the run could use.
    pub cpus: u32,
}

impl Host {
    /// This machine.
    pub fn current() -> Self {
        let hostname = std::fs::read_to_string("/proc/sys/kernel/hostname")
            .map(|s| s.trim().to_string())
            .or_else(|_| std::env::var("HOSTNAME"))
            .unwrap_or_default();
        Host {
            hostname,
            os: std::env::consts::OS.to_string(),
            arch: std::env::consts::ARCH.to_string(),
            cpus: std::thread::available_parallelism().map_or(1, |n| n.get() as u32),
        }
    }
}

/// How a task ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TaskStatus {
    /// The task returned its output.
    Done,
    /// The task returned an error or panicked.
    Failed,
    /// Started but not finished when the trace ends (a crash, or a `B` without its
    /// `E` in a Chrome trace).
    Unfinished,
}

/// What one task did: where and when it ran and what it produced. Times are ns since
/// the start of the run, taken on the worker thread.
///
/// 48 bytes: what every event has is inline, what few have ([`EventExtra`]: allocation
/// counts, a failure's message, busy time, log lines) is boxed beside it, so that 10^7
/// events take 0.5 GB, not 1.4.
#[derive(Clone, Debug)]
pub struct TaskEvent {
    /// The task that ran.
    pub task: TaskId,
    /// The worker (thread) that ran the task, numbered from 0.
    pub worker: u32,
    /// When the task started, ns since the start of the run.
    pub start: u64,
    /// When the task ended, ns since the start of the run.
    pub end: u64,
    /// Bytes of the task's output (as `SizeOf` reports them); 0 when it failed.
    pub bytes: u64,
    /// How the task ended.
    pub status: TaskStatus,
    /// The fields few events have; `None` when the event has none of them.
    pub extra: Option<Box<EventExtra>>,
}

/// The fields of a [`TaskEvent`] that few events have.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct EventExtra {
    /// Bytes the worker thread allocated while the task ran (counting allocator only).
    pub alloc: Option<u64>,
    /// Highest net bytes the worker thread held, above its level at the task's start,
    /// while the task ran (counting allocator only).
    pub peak: Option<u64>,
    /// Why the task failed.
    pub message: Option<String>,
    /// Time the task's code actually ran between `start` and `end`, when the writer
    /// knows it (a `tracing` span entered and exited many times, an async task); the
    /// rest of `end - start` it waited.
    pub busy: Option<u64>,
    /// What the task logged while it ran (a `tracing` span's events).
    pub logs: Vec<LogLine>,
}

impl EventExtra {
    /// `Some(self)` boxed, or `None` when every field is empty.
    pub fn boxed(self) -> Option<Box<EventExtra>> {
        (self != EventExtra::default()).then(|| Box::new(self))
    }
}

impl PartialEq for TaskEvent {
    /// Events are equal when every field is, an empty [`EventExtra`] being no extra.
    fn eq(&self, other: &Self) -> bool {
        let empty = EventExtra::default();
        let extra = |e: &'_ TaskEvent| e.extra.as_deref().unwrap_or(&empty) == &empty;
        let same_extra = match (&self.extra, &other.extra) {
            (Some(a), Some(b)) => a == b,
            _ => extra(self) && extra(other),
        };
        (
            self.task,
            self.worker,
            self.start,
            self.end,
            self.bytes,
            self.status,
        ) == (
            other.task,
            other.worker,
            other.start,
            other.end,
            other.bytes,
            other.status,
        ) && same_extra
    }
}

/// One line a task logged: when, how loud, and what.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LogLine {
    /// ns since the start of the run.
    pub t: u64,
    /// `ERROR`, `WARN`, `INFO`, `DEBUG` or `TRACE`.
    pub level: String,
    /// The message, then the event's other fields as `name=value`.
    pub message: String,
}

impl TaskEvent {
    /// The task's wall time, ns: `end - start`.
    pub fn duration(&self) -> u64 {
        self.end.saturating_sub(self.start)
    }

    /// An event with the given times and status, and nothing else known.
    pub fn new(task: TaskId, worker: u32, start: u64, end: u64, status: TaskStatus) -> Self {
        TaskEvent {
            task,
            worker,
            start,
            end,
            bytes: 0,
            status,
            extra: None,
        }
    }

    /// Bytes the worker allocated while the task ran, when counted.
    pub fn alloc(&self) -> Option<u64> {
        self.extra.as_ref().and_then(|x| x.alloc)
    }

    /// Peak net bytes the worker held while the task ran, when counted.
    pub fn peak(&self) -> Option<u64> {
        self.extra.as_ref().and_then(|x| x.peak)
    }

    /// Why the task failed, when it says.
    pub fn message(&self) -> Option<&str> {
        self.extra.as_ref().and_then(|x| x.message.as_deref())
    }

    /// Time the task's code ran between start and end, when the writer knows it.
    pub fn busy(&self) -> Option<u64> {
        self.extra.as_ref().and_then(|x| x.busy)
    }

    /// What the task logged while it ran.
    pub fn logs(&self) -> &[LogLine] {
        self.extra.as_ref().map_or(&[], |x| &x.logs)
    }

    /// The event's extra fields, to set one (made empty when it has none).
    pub fn extra_mut(&mut self) -> &mut EventExtra {
        self.extra.get_or_insert_with(Default::default)
    }
}

/// Process resources at one moment of a run.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Sample {
    /// ns since the start of the run.
    pub t: u64,
    /// Resident set size of the process, bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rss: Option<u64>,
    /// CPU time the process has used since the run started (user + system), ns.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu: Option<u64>,
    /// Bytes of task outputs held at that moment.
    #[serde(default)]
    pub held: u64,
}

/// How a run ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RunStatus {
    /// Every target was computed.
    Ok,
    /// A task failed or panicked.
    Failed,
    /// The run was stopped from outside (Ctrl-C).
    Cancelled,
}

/// The summary in a run's end record.
#[derive(Clone, Debug, PartialEq)]
pub struct RunEnd {
    /// How the run ended.
    pub status: RunStatus,
    /// Wall time of the run, ns.
    pub wall: u64,
    /// What went wrong, when the run failed or was cancelled.
    pub error: Option<String>,
}

/// A file as read: its header, its graph, and, for runs, what happened.
#[derive(Debug)]
pub struct Trace {
    /// The file's header: format, version, tool and how the run was made.
    pub header: Header,
    /// The tasks and their dependencies.
    pub graph: TaskGraph,
    /// One event per task that ran, in file order.
    pub events: Vec<TaskEvent>,
    /// The process's resources over the run, in time order.
    pub samples: Vec<Sample>,
    /// The run's end, when the file records a run and was finished.
    pub end: Option<RunEnd>,
    /// The file has no `end` record, or its last line is cut off: the writer stopped
    /// before finishing. Everything complete before that point was read.
    pub truncated: bool,
    /// Lines with a record type this version does not know; they were skipped.
    pub unknown_records: usize,
}

impl Trace {
    /// A trace of a graph alone.
    pub fn of_graph(graph: TaskGraph, name: Option<&str>) -> Trace {
        Trace {
            header: Header::new(name),
            graph,
            events: Vec::new(),
            samples: Vec::new(),
            end: None,
            truncated: false,
            unknown_records: 0,
        }
    }

    /// Whether the file records a run (has events or run information).
    pub fn is_run(&self) -> bool {
        !self.events.is_empty() || self.header.run.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_event_is_48_bytes_and_an_empty_extra_is_no_extra() {
        assert_eq!(std::mem::size_of::<TaskEvent>(), 48);
        let plain = TaskEvent::new(TaskId(1), 0, 2, 5, TaskStatus::Done);
        let mut empty = plain.clone();
        empty.extra_mut();
        assert_eq!(plain, empty);
        let mut busy = plain.clone();
        busy.extra_mut().busy = Some(2);
        assert_ne!(plain, busy);
        assert_eq!(
            (busy.busy(), plain.busy(), plain.logs().len()),
            (Some(2), None, 0)
        );
        assert_eq!(EventExtra::default().boxed(), None);
    }
}
