//! Writing files: whole graphs and traces at once, or a run as it goes.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use super::records::{EndRecord, EventRecord, Record, TaskRecord};
use super::{Header, RunEnd, Sample, TaskEvent, Trace};
use crate::graph::TaskGraph;
use crate::write::{WriteError, write_atomically};

fn line(w: &mut dyn Write, r: &Record) -> io::Result<()> {
    serde_json::to_writer(&mut *w, r)?;
    w.write_all(b"\n")
}

fn write_tasks(w: &mut dyn Write, graph: &TaskGraph) -> io::Result<()> {
    for (id, t) in graph.tasks() {
        line(
            w,
            &Record::Task(TaskRecord {
                id: id.0,
                key: t.key.clone(),
                group: Some(t.group.clone()),
                op: Some(t.op.clone()),
                deps: t.deps().iter().map(|d| d.0).collect(),
                meta: t.meta.clone(),
            }),
        )?;
    }
    Ok(())
}

fn event_record(e: &TaskEvent) -> Record {
    Record::Event(EventRecord {
        task: e.task.0,
        worker: e.worker,
        start: e.start,
        end: e.end,
        status: e.status,
        bytes: e.bytes,
        alloc: e.alloc,
        peak: e.peak,
        message: e.message.clone(),
    })
}

fn end_record(graph: &TaskGraph, events: Option<u64>, end: Option<&RunEnd>) -> Record {
    Record::End(EndRecord {
        tasks: graph.len() as u64,
        edges: graph.edge_count() as u64,
        events,
        status: end.map(|e| e.status),
        wall: end.map(|e| e.wall),
        error: end.and_then(|e| e.error.clone()),
    })
}

/// Writes `graph` as a v1 file: header, one task record per task, end record.
/// Deterministic: the same graph gives the same bytes.
pub fn write_graph(w: &mut dyn Write, graph: &TaskGraph, name: Option<&str>) -> io::Result<()> {
    line(w, &Record::Header(Header::new(name)))?;
    write_tasks(w, graph)?;
    line(w, &end_record(graph, None, None))
}

/// Writes `graph` to `path` atomically (see [`write_atomically`]).
pub fn save_graph(path: &Path, graph: &TaskGraph, name: Option<&str>) -> Result<(), WriteError> {
    write_atomically(path, |w| write_graph(w, graph, name))
}

/// Writes a whole trace: header, tasks, events, samples, end.
pub fn write_trace(w: &mut dyn Write, trace: &Trace) -> io::Result<()> {
    line(w, &Record::Header(trace.header.clone()))?;
    write_tasks(w, &trace.graph)?;
    for e in &trace.events {
        line(w, &event_record(e))?;
    }
    for s in &trace.samples {
        line(w, &Record::Sample(s.clone()))?;
    }
    let events = trace.is_run().then_some(trace.events.len() as u64);
    line(w, &end_record(&trace.graph, events, trace.end.as_ref()))
}

/// Writes a run as it happens: the header and the graph first, then events and samples
/// as they come, then the end record. Each [`flush`](Self::flush) makes what was written
/// so far readable, so a crash leaves a trace that readers read up to that point.
pub struct TraceWriter<W: Write = BufWriter<File>> {
    out: W,
    path: PathBuf,
    tasks: u64,
    edges: u64,
    events: u64,
}

impl TraceWriter<BufWriter<File>> {
    /// Creates (or replaces) the file at `path` and writes the header and the tasks.
    /// The file is written in place, not renamed at the end, so that a crashed run
    /// leaves its trace where the user expects it.
    pub fn create(path: &Path, graph: &TaskGraph, header: &Header) -> Result<Self, WriteError> {
        let file = File::create(path).map_err(|source| WriteError {
            path: path.to_path_buf(),
            source,
        })?;
        Self::new(BufWriter::with_capacity(1 << 16, file), path, graph, header)
    }
}

impl<W: Write> TraceWriter<W> {
    /// Starts a trace on any writer; `path` names it in errors.
    pub fn new(
        mut out: W,
        path: &Path,
        graph: &TaskGraph,
        header: &Header,
    ) -> Result<Self, WriteError> {
        let err = |source| WriteError {
            path: path.to_path_buf(),
            source,
        };
        line(&mut out, &Record::Header(header.clone())).map_err(err)?;
        write_tasks(&mut out, graph).map_err(err)?;
        out.flush().map_err(err)?;
        Ok(TraceWriter {
            out,
            path: path.to_path_buf(),
            tasks: graph.len() as u64,
            edges: graph.edge_count() as u64,
            events: 0,
        })
    }

    fn err(&self, source: io::Error) -> WriteError {
        WriteError {
            path: self.path.clone(),
            source,
        }
    }

    /// Number of events written so far.
    pub fn events_written(&self) -> u64 {
        self.events
    }

    pub fn event(&mut self, e: &TaskEvent) -> Result<(), WriteError> {
        self.events += 1;
        line(&mut self.out, &event_record(e)).map_err(|s| self.err(s))
    }

    pub fn sample(&mut self, s: &Sample) -> Result<(), WriteError> {
        line(&mut self.out, &Record::Sample(s.clone())).map_err(|s| self.err(s))
    }

    /// Hands what was written to the OS: readable by others, and kept if we crash.
    pub fn flush(&mut self) -> Result<(), WriteError> {
        self.out.flush().map_err(|s| self.err(s))
    }

    /// Writes the end record and flushes; returns the writer's output.
    pub fn finish(mut self, end: &RunEnd) -> Result<W, WriteError> {
        let record = Record::End(EndRecord {
            tasks: self.tasks,
            edges: self.edges,
            events: Some(self.events),
            status: Some(end.status),
            wall: Some(end.wall),
            error: end.error.clone(),
        });
        line(&mut self.out, &record).map_err(|s| self.err(s))?;
        self.out.flush().map_err(|s| self.err(s))?;
        Ok(self.out)
    }
}

impl TraceWriter<BufWriter<File>> {
    /// [`finish`](TraceWriter::finish), then ask the OS to put the file on disk.
    pub fn finish_file(self, end: &RunEnd) -> Result<(), WriteError> {
        let path = self.path.clone();
        let out = self.finish(end)?;
        out.get_ref()
            .sync_data()
            .map_err(|source| WriteError { path, source })
    }
}
