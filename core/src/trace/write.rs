//! Writing files: whole graphs and traces at once, or a run as it goes.
//!
//! ```
//! use taskscope_core::trace::{parse, write_graph};
//! use taskscope_core::{GraphBuilder, TaskSpec};
//!
//! let mut b = GraphBuilder::new();
//! b.add(TaskSpec::new("load-1", "read_csv"));
//! let graph = b.build().unwrap();
//! let mut file = Vec::new();
//! write_graph(&mut file, &graph, Some("demo")).unwrap();
//! assert!(file.starts_with(br#"{"type":"header","format":"taskscope","version":1,"#));
//! assert_eq!(parse(&file[..], "demo").unwrap().graph.len(), 1);
//! ```

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use super::compact::Encoder;
use super::records::{EndRecord, Record};
use super::{Header, RunEnd, Sample, TaskEvent, Trace, TraceFormat};
use crate::atomic_write::{WriteError, write_atomically};
use crate::graph::{Meta, TaskGraph, TaskId};

fn line(w: &mut dyn Write, r: &Record) -> io::Result<()> {
    serde_json::to_writer(&mut *w, r)?;
    w.write_all(b"\n")
}

/// Appends `,"name":` and an unsigned number.
fn field_u64(buf: &mut Vec<u8>, name: &str, v: u64) {
    buf.extend_from_slice(b",\"");
    buf.extend_from_slice(name.as_bytes());
    buf.extend_from_slice(b"\":");
    buf.extend_from_slice(itoa::Buffer::new().format(v).as_bytes());
}

/// Appends `,"name":"text"`, escaped exactly as serde_json escapes strings.
fn field_str(buf: &mut Vec<u8>, name: &str, v: &str) {
    buf.extend_from_slice(b",\"");
    buf.extend_from_slice(name.as_bytes());
    buf.extend_from_slice(b"\":");
    json_string(buf, v);
}

fn json_string(buf: &mut Vec<u8>, v: &str) {
    buf.push(b'"');
    let bytes = v.as_bytes();
    let mut from = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let escape: &[u8] = match b {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0x08 => b"\\b",
            0x0c => b"\\f",
            0..=0x1f => b"",
            _ => continue,
        };
        buf.extend_from_slice(&bytes[from..i]);
        if escape.is_empty() {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            buf.extend_from_slice(b"\\u00");
            buf.push(HEX[(b >> 4) as usize]);
            buf.push(HEX[(b & 0xf) as usize]);
        } else {
            buf.extend_from_slice(escape);
        }
        from = i + 1;
    }
    buf.extend_from_slice(&bytes[from..]);
    buf.push(b'"');
}

// Task and event records are written by hand into a reused buffer: they are most of a
// trace. The bytes are exactly what serde_json writes for the records in
// `records.rs` (the tests below compare both).

fn write_task(buf: &mut Vec<u8>, id: TaskId, t: crate::Task<'_>) {
    write_task_parts(buf, id, t.key(), t.group(), t.op(), t.deps(), t.meta());
}

fn write_task_parts(
    buf: &mut Vec<u8>,
    id: TaskId,
    key: &str,
    group: &str,
    op: &str,
    deps: &[TaskId],
    meta: &Meta,
) {
    buf.extend_from_slice(b"{\"type\":\"task\"");
    field_u64(buf, "id", id.0 as u64);
    field_str(buf, "key", key);
    field_str(buf, "group", group);
    field_str(buf, "op", op);
    if !deps.is_empty() {
        buf.extend_from_slice(b",\"deps\":[");
        let mut num = itoa::Buffer::new();
        for (i, d) in deps.iter().enumerate() {
            if i > 0 {
                buf.push(b',');
            }
            buf.extend_from_slice(num.format(d.0).as_bytes());
        }
        buf.push(b']');
    }
    if !meta.is_empty() {
        buf.extend_from_slice(b",\"meta\":");
        serde_json::to_writer(&mut *buf, meta).expect("JSON values serialize");
    }
    buf.extend_from_slice(b"}\n");
}

fn write_tasks(w: &mut dyn Write, graph: &TaskGraph) -> io::Result<()> {
    let mut buf = Vec::with_capacity(1 << 16);
    for (id, t) in graph.tasks() {
        write_task(&mut buf, id, t);
        if buf.len() > 60_000 {
            w.write_all(&buf)?;
            buf.clear();
        }
    }
    w.write_all(&buf)
}

fn write_event(buf: &mut Vec<u8>, e: &TaskEvent) {
    buf.extend_from_slice(b"{\"type\":\"event\"");
    field_u64(buf, "task", e.task.0 as u64);
    field_u64(buf, "worker", e.worker as u64);
    field_u64(buf, "start", e.start);
    field_u64(buf, "end", e.end);
    buf.extend_from_slice(match e.status {
        super::TaskStatus::Done => b",\"status\":\"done\"".as_slice(),
        super::TaskStatus::Failed => b",\"status\":\"failed\"".as_slice(),
        super::TaskStatus::Unfinished => b",\"status\":\"unfinished\"".as_slice(),
    });
    field_u64(buf, "bytes", e.bytes);
    if let Some(a) = e.alloc() {
        field_u64(buf, "alloc", a);
    }
    if let Some(p) = e.peak() {
        field_u64(buf, "peak", p);
    }
    if let Some(m) = &e.message() {
        field_str(buf, "message", m);
    }
    if let Some(b) = e.busy() {
        field_u64(buf, "busy", b);
    }
    if !e.logs().is_empty() {
        buf.extend_from_slice(b",\"logs\":");
        serde_json::to_writer(&mut *buf, &e.logs()).expect("log lines serialize");
    }
    buf.extend_from_slice(b"}\n");
}

fn write_events(w: &mut dyn Write, events: &[TaskEvent]) -> io::Result<()> {
    let mut buf = Vec::with_capacity(1 << 16);
    for e in events {
        write_event(&mut buf, e);
        if buf.len() > 60_000 {
            w.write_all(&buf)?;
            buf.clear();
        }
    }
    w.write_all(&buf)
}

fn end_record(graph: &TaskGraph, events: Option<u64>, end: Option<&RunEnd>) -> EndRecord {
    EndRecord {
        tasks: graph.len() as u64,
        edges: graph.edge_count() as u64,
        events,
        status: end.map(|e| e.status),
        wall: end.map(|e| e.wall),
        error: end.and_then(|e| e.error.clone()),
    }
}

/// Writes `graph` as a v1 JSONL file: header, one task record per task, end record.
/// Deterministic: the same graph gives the same bytes.
pub fn write_graph(w: &mut dyn Write, graph: &TaskGraph, name: Option<&str>) -> io::Result<()> {
    write_graph_as(w, graph, name, TraceFormat::Jsonl)
}

/// Writes `graph` in `format`. Deterministic: the same graph gives the same bytes.
pub fn write_graph_as(
    w: &mut dyn Write,
    graph: &TaskGraph,
    name: Option<&str>,
    format: TraceFormat,
) -> io::Result<()> {
    let header = Header::new(name);
    match format {
        TraceFormat::Jsonl => {
            line(w, &Record::Header(header))?;
            write_tasks(w, graph)?;
            line(w, &Record::End(end_record(graph, None, None)))
        }
        TraceFormat::Compact => {
            write_compact(w, &header, graph, &[], &[], &end_record(graph, None, None))
        }
    }
}

/// Writes `graph` to `path` atomically (see [`write_atomically`]), in the format its
/// name asks for ([`TraceFormat::for_path`]).
pub fn save_graph(path: &Path, graph: &TaskGraph, name: Option<&str>) -> Result<(), WriteError> {
    let format = TraceFormat::for_path(path);
    write_atomically(path, |w| write_graph_as(w, graph, name, format))
}

/// Writes a whole trace as JSONL: header, tasks, events, samples, end.
pub fn write_trace(w: &mut dyn Write, trace: &Trace) -> io::Result<()> {
    write_trace_as(w, trace, TraceFormat::Jsonl)
}

/// Writes a whole trace in `format`. Deterministic: the same trace gives the same bytes.
pub fn write_trace_as(w: &mut dyn Write, trace: &Trace, format: TraceFormat) -> io::Result<()> {
    let events = trace.is_run().then_some(trace.events.len() as u64);
    let end = end_record(&trace.graph, events, trace.end.as_ref());
    match format {
        TraceFormat::Jsonl => {
            line(w, &Record::Header(trace.header.clone()))?;
            write_tasks(w, &trace.graph)?;
            write_events(w, &trace.events)?;
            for s in &trace.samples {
                line(w, &Record::Sample(s.clone()))?;
            }
            line(w, &Record::End(end))
        }
        TraceFormat::Compact => write_compact(
            w,
            &trace.header,
            &trace.graph,
            &trace.events,
            &trace.samples,
            &end,
        ),
    }
}

/// Writes a whole trace to `path` atomically, in the format its name asks for.
pub fn save_trace(path: &Path, trace: &Trace) -> Result<(), WriteError> {
    let format = TraceFormat::for_path(path);
    write_atomically(path, |w| write_trace_as(w, trace, format))
}

fn write_compact(
    w: &mut dyn Write,
    header: &Header,
    graph: &TaskGraph,
    events: &[TaskEvent],
    samples: &[Sample],
    end: &EndRecord,
) -> io::Result<()> {
    let mut enc = Encoder::start(w, header)?;
    enc.graph(w, graph)?;
    enc.events(w, events)?;
    for s in samples {
        enc.sample(s);
    }
    enc.finish(w, end)
}

/// Writes a run as it happens: the header, then the graph's tasks, then events and
/// samples as they come, then the end record, in JSONL or the compact format. Each
/// [`flush`](Self::flush) hands what was written to the OS (the compact format's
/// records gathered so far as complete blocks), so a crash leaves a trace that readers
/// read up to that point.
pub struct TraceWriter<W: Write = BufWriter<File>> {
    out: W,
    path: PathBuf,
    tasks: u64,
    edges: u64,
    events: u64,
    /// Reused by [`task`](Self::task).
    scratch: Vec<u8>,
    /// The compact format's state; `None` for JSONL.
    compact: Option<Box<Encoder>>,
}

impl TraceWriter<BufWriter<File>> {
    /// Creates (or replaces) the file at `path` and writes the header, in the format
    /// its name asks for ([`TraceFormat::for_path`]: compact for `*.taskscope`). The
    /// file is written in place, not renamed at the end, so that a crashed run leaves
    /// its trace where the user expects it.
    pub fn create(path: &Path, header: &Header) -> Result<Self, WriteError> {
        let file = File::create(path).map_err(|error| WriteError {
            path: path.to_path_buf(),
            error,
        })?;
        let out = BufWriter::with_capacity(1 << 16, file);
        Self::with_format(out, path, header, TraceFormat::for_path(path))
    }
}

impl<W: Write> TraceWriter<W> {
    /// Starts a trace on any writer with its header, in the format `path`'s name asks
    /// for; `path` names it in errors.
    pub fn new(out: W, path: &Path, header: &Header) -> Result<Self, WriteError> {
        Self::with_format(out, path, header, TraceFormat::for_path(path))
    }

    /// Starts a trace in `format` on any writer with its header.
    pub fn with_format(
        mut out: W,
        path: &Path,
        header: &Header,
        format: TraceFormat,
    ) -> Result<Self, WriteError> {
        let err = |error| WriteError {
            path: path.to_path_buf(),
            error,
        };
        let compact = match format {
            TraceFormat::Jsonl => {
                line(&mut out, &Record::Header(header.clone())).map_err(err)?;
                None
            }
            TraceFormat::Compact => Some(Box::new(Encoder::start(&mut out, header).map_err(err)?)),
        };
        out.flush().map_err(err)?;
        Ok(TraceWriter {
            out,
            path: path.to_path_buf(),
            tasks: 0,
            edges: 0,
            events: 0,
            scratch: Vec::new(),
            compact,
        })
    }

    fn err(&self, error: io::Error) -> WriteError {
        WriteError {
            path: self.path.clone(),
            error,
        }
    }

    /// Writes the compact format's records gathered so far as blocks when a buffer is
    /// full enough.
    fn spill(&mut self) -> Result<(), WriteError> {
        let Some(enc) = &mut self.compact else {
            return Ok(());
        };
        let written = enc.spill(&mut self.out);
        written.map_err(|e| self.err(e))
    }

    /// One JSONL record, encoded by `encode` into the reused buffer, then written.
    fn write_line(&mut self, encode: impl FnOnce(&mut Vec<u8>)) -> Result<(), WriteError> {
        let mut buf = std::mem::take(&mut self.scratch);
        buf.clear();
        encode(&mut buf);
        let written = self.out.write_all(&buf);
        self.scratch = buf;
        written.map_err(|e| self.err(e))
    }

    /// Writes the task records of `graph` (once, before any event).
    pub fn tasks(&mut self, graph: &TaskGraph) -> Result<(), WriteError> {
        self.tasks = graph.len() as u64;
        self.edges = graph.edge_count() as u64;
        let written = match &mut self.compact {
            Some(enc) => enc.graph(&mut self.out, graph),
            None => write_tasks(&mut self.out, graph),
        };
        written.map_err(|e| self.err(e))
    }

    /// Writes one more task record, for writers that learn the graph as the run goes
    /// (a `tracing` span is known when it closes), and returns its id: the number of
    /// tasks written before it. `deps` must name tasks already written, so every
    /// prefix of the file is a valid graph that a reader (or a viewer following the
    /// file) reads; a repeated dependency is written once.
    pub fn task(
        &mut self,
        key: &str,
        group: &str,
        op: &str,
        deps: &[TaskId],
        meta: &Meta,
    ) -> Result<TaskId, WriteError> {
        let id = TaskId(self.tasks as u32);
        if let Some(d) = deps.iter().find(|d| d.0 >= id.0) {
            let message = format!("task {key:?} depends on task {d}, not written before it");
            return Err(self.err(io::Error::new(io::ErrorKind::InvalidInput, message)));
        }
        let mut unique: Vec<TaskId> = Vec::with_capacity(deps.len());
        if deps.len() <= 16 {
            for &d in deps {
                if !unique.contains(&d) {
                    unique.push(d);
                }
            }
        } else {
            // A parent span may have many children: look them up in a set.
            let mut seen = std::collections::HashSet::with_capacity(deps.len());
            unique.extend(deps.iter().filter(|d| seen.insert(**d)));
        }
        if let Some(enc) = &mut self.compact {
            enc.task(id, key, group, op, &unique, meta);
            self.spill()?;
        } else {
            self.write_line(|buf| write_task_parts(buf, id, key, group, op, &unique, meta))?;
        }
        self.tasks += 1;
        self.edges += unique.len() as u64;
        Ok(id)
    }

    /// Number of task records written so far.
    pub fn tasks_written(&self) -> u64 {
        self.tasks
    }

    /// Number of events written so far.
    pub fn events_written(&self) -> u64 {
        self.events
    }

    /// Writes one event: for writers that write each event as it comes.
    pub fn event(&mut self, event: &TaskEvent) -> Result<(), WriteError> {
        if let Some(enc) = &mut self.compact {
            enc.event(event);
            self.spill()?;
        } else {
            self.write_line(|buf| write_event(buf, event))?;
        }
        self.events += 1;
        Ok(())
    }

    /// Writes events (in the order given).
    pub fn events(&mut self, events: &[TaskEvent]) -> Result<(), WriteError> {
        self.events += events.len() as u64;
        let written = match &mut self.compact {
            Some(enc) => enc.events(&mut self.out, events),
            None => write_events(&mut self.out, events),
        };
        written.map_err(|e| self.err(e))
    }

    /// Writes a resource sample.
    pub fn sample(&mut self, s: &Sample) -> Result<(), WriteError> {
        if let Some(enc) = &mut self.compact {
            enc.sample(s);
            return self.spill();
        }
        line(&mut self.out, &Record::Sample(s.clone())).map_err(|s| self.err(s))
    }

    /// Hands what was written to the OS: readable by others, and kept if we crash.
    pub fn flush(&mut self) -> Result<(), WriteError> {
        if let Some(enc) = &mut self.compact {
            let written = enc.write_blocks(&mut self.out);
            written.map_err(|e| self.err(e))?;
        }
        self.out.flush().map_err(|s| self.err(s))
    }

    /// Writes the end record and flushes; returns the writer's output.
    pub fn finish(mut self, end: &RunEnd) -> Result<W, WriteError> {
        let record = EndRecord {
            tasks: self.tasks,
            edges: self.edges,
            events: Some(self.events),
            status: Some(end.status),
            wall: Some(end.wall),
            error: end.error.clone(),
        };
        let written = match &mut self.compact {
            Some(enc) => enc.finish(&mut self.out, &record),
            None => line(&mut self.out, &Record::End(record)),
        };
        written.map_err(|s| self.err(s))?;
        self.out.flush().map_err(|s| self.err(s))?;
        Ok(self.out)
    }
}

#[cfg(test)]
#[path = "write_tests.rs"]
mod tests;
