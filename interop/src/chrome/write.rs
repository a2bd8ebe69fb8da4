//! Writing a trace as Chrome trace-event JSON.

use std::collections::BTreeMap;
use std::io::{self, Write};

use serde::Serialize;
use thiserror::Error;

use super::{BYTES_ARG, CPU, EXTRA_KEY, ExtraEnd, HELD, NS_ARG, PID, RSS};
use taskscope_core::trace::{LogLine, TaskStatus, Trace};
use taskscope_core::{Meta, TaskId};

/// The args of a task's `X` event: everything its event and task record say.
#[derive(Serialize)]
struct TaskArgs<'a> {
    task: u32,
    key: &'a str,
    group: &'a str,
    op: &'a str,
    status: TaskStatus,
    bytes: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    alloc: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    peak: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    busy: Option<u64>,
    #[serde(skip_serializing_if = "<[LogLine]>::is_empty")]
    logs: &'a [LogLine],
    deps: &'a [TaskId],
}

/// A task in the `"taskscope"` key, like a taskscope `task` record.
#[derive(Serialize)]
struct TaskRef<'a> {
    id: u32,
    key: &'a str,
    group: &'a str,
    op: &'a str,
    #[serde(skip_serializing_if = "<[TaskId]>::is_empty")]
    deps: &'a [TaskId],
    #[serde(skip_serializing_if = "Meta::is_empty")]
    meta: &'a Meta,
}

/// The most tracks of idle workers a file gets (workers that ran nothing still show).
const MAX_IDLE_TRACKS: u32 = 1024;

/// Why [`write_chrome`] refused a trace: an event names a task that is not in the
/// graph (a trace from the readers never has one). It comes as the source of an
/// [`io::ErrorKind::InvalidInput`] error.
#[derive(Debug, Error)]
#[error("an event names task {task}, but the graph has {tasks} tasks")]
pub struct UnknownTask {
    /// The task the event names.
    pub task: TaskId,
    /// How many tasks the graph has.
    pub tasks: usize,
}

/// Writes `trace` as Chrome trace-event JSON (the object form, one event per line):
/// `M` events naming the process and one thread per worker, one `X` event per task
/// event, `C` events for the samples, and the `"taskscope"` key with the header, the
/// task list and the end record. Times are µs with exactly three decimals, so every
/// ns survives. [`parse_chrome`](super::parse_chrome) reads it back to an equal trace.
///
/// Fails with [`io::ErrorKind::InvalidInput`] (an [`UnknownTask`]) on an event whose
/// task is not in the graph.
pub fn write_chrome(w: &mut dyn Write, trace: &Trace) -> io::Result<()> {
    let tasks = trace.graph.len();
    if let Some(e) = trace.events.iter().find(|e| e.task.index() >= tasks) {
        let error = UnknownTask {
            task: e.task,
            tasks,
        };
        return Err(io::Error::new(io::ErrorKind::InvalidInput, error));
    }
    w.write_all(b"{\"traceEvents\":[\n")?;
    let mut sep = Separator(false);
    tracks(w, &mut sep, trace)?;
    task_slices(w, &mut sep, trace)?;
    counters(w, &mut sep, trace)?;
    extra(w, trace)
}

/// The tracks: the process, then one thread per worker (idle workers too).
fn tracks(w: &mut dyn Write, sep: &mut Separator, trace: &Trace) -> io::Result<()> {
    let title = match &trace.header.name {
        Some(name) => format!("taskscope: {name}"),
        None => "taskscope".to_string(),
    };
    sep.next(w)?;
    metadata(w, 0, "process_name", "name", &title)?;
    let mut workers: BTreeMap<u32, Option<&str>> = BTreeMap::new();
    // Idle workers get a track each, up to a bound: a header may declare any number.
    let declared = trace.header.run.as_ref().map_or(0, |r| r.workers);
    workers.extend((0..declared.min(MAX_IDLE_TRACKS)).map(|w| (w, None)));
    for e in &trace.events {
        let thread = trace
            .graph
            .task(e.task)
            .meta()
            .get("thread")
            .and_then(|t| t.as_str());
        let name = workers.entry(e.worker).or_insert(thread);
        if name.is_none() {
            *name = thread;
        }
    }
    for (&worker, thread) in &workers {
        let name = match thread {
            Some(t) => format!("worker {worker} ({t})"),
            None => format!("worker {worker}"),
        };
        sep.next(w)?;
        metadata(w, worker, "thread_name", "name", &name)?;
        sep.next(w)?;
        write!(
            w,
            "{{\"ph\":\"M\",\"pid\":{PID},\"tid\":{worker},\"name\":\"thread_sort_index\",\
             \"args\":{{\"sort_index\":{worker}}}}}"
        )?;
    }
    Ok(())
}

/// One `X` event per task event, on its worker's track.
fn task_slices(w: &mut dyn Write, sep: &mut Separator, trace: &Trace) -> io::Result<()> {
    for e in &trace.events {
        let task = trace.graph.task(e.task);
        let name = if task.group().is_empty() {
            task.key()
        } else {
            task.group()
        };
        sep.next(w)?;
        write!(
            w,
            "{{\"ph\":\"X\",\"pid\":{PID},\"tid\":{},\"ts\":",
            e.worker
        )?;
        micros(w, e.start)?;
        w.write_all(b",\"dur\":")?;
        micros(w, e.duration())?;
        w.write_all(b",\"name\":")?;
        serde_json::to_writer(&mut *w, name)?;
        w.write_all(b",\"cat\":")?;
        serde_json::to_writer(&mut *w, task.group())?;
        w.write_all(b",\"args\":")?;
        let args = TaskArgs {
            task: e.task.0,
            key: task.key(),
            group: task.group(),
            op: task.op(),
            status: e.status,
            bytes: e.bytes,
            alloc: e.alloc(),
            peak: e.peak(),
            message: e.message(),
            busy: e.busy(),
            logs: e.logs(),
            deps: task.deps(),
        };
        serde_json::to_writer(&mut *w, &args)?;
        w.write_all(b"}")?;
    }
    Ok(())
}

/// The samples as `C` events: held first (it starts a sample for the reader), then
/// rss and cpu.
fn counters(w: &mut dyn Write, sep: &mut Separator, trace: &Trace) -> io::Result<()> {
    for s in &trace.samples {
        let values = [
            (HELD, BYTES_ARG, Some(s.held)),
            (RSS, BYTES_ARG, s.rss),
            (CPU, NS_ARG, s.cpu),
        ];
        for (name, arg, value) in values {
            if let Some(v) = value {
                sep.next(w)?;
                write!(w, "{{\"ph\":\"C\",\"pid\":{PID},\"ts\":")?;
                micros(w, s.t)?;
                write!(w, ",\"name\":\"{name}\",\"args\":{{\"{arg}\":{v}}}}}")?;
            }
        }
    }
    Ok(())
}

/// The end of the event list and the `"taskscope"` key: the header, the counts, the
/// end record and the task list.
fn extra(w: &mut dyn Write, trace: &Trace) -> io::Result<()> {
    write!(w, "\n],\n\"{EXTRA_KEY}\":{{\"header\":")?;
    serde_json::to_writer(&mut *w, &trace.header)?;
    write!(
        w,
        ",\"events\":{},\"samples\":{}",
        trace.events.len(),
        trace.samples.len()
    )?;
    if let Some(end) = &trace.end {
        w.write_all(b",\"end\":")?;
        let end = ExtraEnd {
            status: end.status,
            wall: end.wall,
            error: end.error.clone(),
        };
        serde_json::to_writer(&mut *w, &end)?;
    }
    if trace.truncated {
        w.write_all(b",\"truncated\":true")?;
    }
    w.write_all(b",\"tasks\":[\n")?;
    let mut sep = Separator(false);
    for (id, t) in trace.graph.tasks() {
        sep.next(w)?;
        let task = TaskRef {
            id: id.0,
            key: t.key(),
            group: t.group(),
            op: t.op(),
            deps: t.deps(),
            meta: t.meta(),
        };
        serde_json::to_writer(&mut *w, &task)?;
    }
    w.write_all(b"\n]}}\n")
}

/// Writes `,\n` before every item but the first.
struct Separator(bool);

impl Separator {
    fn next(&mut self, w: &mut dyn Write) -> io::Result<()> {
        if std::mem::replace(&mut self.0, true) {
            w.write_all(b",\n")?;
        }
        Ok(())
    }
}

/// An `M` event naming the process (tid 0) or a thread.
fn metadata(w: &mut dyn Write, tid: u32, what: &str, arg: &str, value: &str) -> io::Result<()> {
    write!(
        w,
        "{{\"ph\":\"M\",\"pid\":{PID},\"tid\":{tid},\"name\":\"{what}\",\"args\":{{\"{arg}\":"
    )?;
    serde_json::to_writer(&mut *w, value)?;
    w.write_all(b"}}")
}

/// Writes a time in ns as µs with three decimals: exact, and a plain JSON number.
fn micros(w: &mut dyn Write, ns: u64) -> io::Result<()> {
    write!(w, "{}.{:03}", ns / 1000, ns % 1000)
}
