//! Reading Chrome trace-event JSON: taskscope's own files exactly, other tools' files
//! as one task per slice.

use std::cmp::Reverse;
use std::collections::HashMap;
use std::path::Path;

use serde::Deserialize;
use serde::de::DeserializeSeed;
use serde_json::Value as Json;

use super::de::TopSeed;
use super::events::{Failure, Lane, LaneId, Parser, Phase, Raw, RawEvent, field, prepare};
use super::{BYTES_ARG, CPU, Extra, ExtraTask, HELD, NS_ARG, RSS};
use taskscope_core::trace::{
    EventExtra, FORMAT, Header, LogLine, ReadError, ReadErrorKind, RunEnd, RunInfo, Sample,
    TaskEvent, TaskStatus, Trace, VERSION,
};
use taskscope_core::{GraphBuilder, Meta, TaskGraph, TaskId, TaskSpec};

/// Reads a Chrome trace-event JSON file (all of it: memory grows with the file's size);
/// [`parse_chrome`] says how.
pub fn read_chrome(path: &Path) -> Result<Trace, ReadError> {
    let (bytes, shown) = crate::input::read_whole(path)?;
    parse_chrome(&bytes, &shown)
}

/// Reads Chrome trace-event JSON; `source` names it in errors.
///
/// A file that [`write_chrome`](super::write_chrome) wrote (it has a `"taskscope"` key)
/// is read back exactly. Any other is read as one task per slice: complete `X` events
/// and `B`/`E` pairs, with each (pid, tid) lane a worker, numbered in order of first
/// appearance; `docs/chrome-trace.md` has the details. Both the object form
/// (`{"traceEvents": [...]}`) and the array form (`[...]`, whose closing `]` may be
/// missing) are read, and trailing commas are forgiven. Errors name the file, the field
/// (`traceEvents[17].ts`) and, when the JSON parser knows it, the line and column.
pub fn parse_chrome(bytes: &[u8], source: &str) -> Result<Trace, ReadError> {
    let err = |kind, line, message: String| ReadError::new(kind, source, line, None, message);
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    let array = match bytes.iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b'[') => true,
        Some(b'{') => false,
        None => {
            return Err(err(
                ReadErrorKind::Format,
                None,
                "the file is empty; a Chrome trace is a JSON object with \"traceEvents\" \
                 or a JSON array of events"
                    .to_string(),
            ));
        }
        Some(_) => {
            return Err(err(
                ReadErrorKind::Format,
                None,
                "not a Chrome trace-event file: it must be a JSON object with \
                 \"traceEvents\" or a JSON array of events"
                    .to_string(),
            ));
        }
    };
    let (text, cut) = prepare(bytes, array);
    let mut parser = Parser::new(array);
    let mut de = serde_json::Deserializer::from_slice(&text);
    let parsed = TopSeed(&mut parser)
        .deserialize(&mut de)
        .and_then(|()| de.end());
    if let Err(e) = parsed {
        return Err(parser.json_error(e, source));
    }
    let mut trace = match parser.extra.take() {
        Some(extra) => own(parser.raw, extra, array, source)?,
        None => foreign(parser.raw, source).map_err(|(field, message)| {
            field_error(source, ReadErrorKind::Graph, &field, message)
        })?,
    };
    trace.truncated |= cut;
    Ok(trace)
}

/// Rebuilds a trace that [`write_chrome`](super::write_chrome) wrote.
fn own(raw: Raw, extra: Extra, array: bool, source: &str) -> Result<Trace, ReadError> {
    let bad = |kind, (field, message): Failure| field_error(source, kind, &field, message);
    let header = extra.header;
    check_header(&header).map_err(|f| bad(ReadErrorKind::Format, f))?;
    let graph = own_graph(extra.tasks, source)?;
    let mut records = OwnRecords {
        skipped: raw.skipped,
        ..OwnRecords::default()
    };
    for ev in &raw.events {
        records
            .read(ev, &graph, array)
            .map_err(|f| bad(ReadErrorKind::Field, f))?;
    }
    let (events, samples, skipped) = records.finish();
    let counts = [
        ("events", extra.events, events.len()),
        ("samples", extra.samples, samples.len()),
    ];
    for (name, said, have) in counts {
        if said != have as u64 {
            let why = format!("says {said}, but traceEvents has {have}");
            return Err(bad(
                ReadErrorKind::Field,
                (format!("taskscope.{name}"), why),
            ));
        }
    }
    let mut trace = Trace::of_graph(graph, None);
    trace.header = header;
    trace.events = events;
    trace.samples = samples;
    trace.end = extra.end.map(|e| RunEnd {
        status: e.status,
        wall: e.wall,
        error: e.error,
    });
    trace.truncated = extra.truncated;
    trace.unknown_records = skipped;
    Ok(trace)
}

/// An error in `field` of the file `source`.
fn field_error(source: &str, kind: ReadErrorKind, field: &str, message: String) -> ReadError {
    ReadError::new(kind, source, None, Some(field), message)
}

/// Refuses a header of another format, or of a version this taskscope does not read.
fn check_header(header: &Header) -> Result<(), Failure> {
    if header.format != FORMAT {
        let why = format!("is {:?}, expected {FORMAT:?}", header.format);
        return Err(("taskscope.header.format".to_string(), why));
    }
    if header.version == 0 || header.version > VERSION {
        let why = format!(
            "version {} is not one this taskscope reads (1 to {VERSION}); a newer taskscope may read it",
            header.version
        );
        return Err(("taskscope.header.version".to_string(), why));
    }
    Ok(())
}

/// The graph of the task list under the `"taskscope"` key: tasks numbered in order,
/// dependencies by number.
fn own_graph(tasks: Vec<ExtraTask>, source: &str) -> Result<TaskGraph, ReadError> {
    let bad = |kind, field: &str, message: String| field_error(source, kind, field, message);
    let n = tasks.len();
    let mut deps = Vec::with_capacity(n);
    for (i, t) in tasks.iter().enumerate() {
        let at = |name: &str| format!("taskscope.tasks[{i}].{name}");
        if t.id as usize != i {
            let why = format!(
                "is {}, expected {i} (tasks are numbered 0, 1, 2, ...)",
                t.id
            );
            return Err(bad(ReadErrorKind::Field, &at("id"), why));
        }
        if t.key.is_empty() {
            return Err(bad(ReadErrorKind::Field, &at("key"), "is empty".into()));
        }
        let keys: Option<Vec<String>> = t
            .deps
            .iter()
            .map(|&d| tasks.get(d as usize).map(|x| x.key.clone()))
            .collect();
        let Some(keys) = keys else {
            let why = format!(
                "task {:?} depends on a task id that is not in the file ({n} tasks)",
                t.key
            );
            return Err(bad(ReadErrorKind::Graph, &at("deps"), why));
        };
        deps.push(keys);
    }
    let mut builder = GraphBuilder::with_capacity(n);
    for (t, deps) in tasks.into_iter().zip(deps) {
        builder.add(spec(t.key, t.group, t.op, deps, t.meta));
    }
    builder.build().map_err(|g| {
        let mut e = bad(ReadErrorKind::Graph, "taskscope.tasks", g.to_string());
        e.graph = Some(g);
        e
    })
}

/// The task events and samples of a file taskscope wrote, read one event at a time.
#[derive(Default)]
struct OwnRecords {
    events: Vec<TaskEvent>,
    samples: Vec<Sample>,
    /// Events that are not taskscope's: counted, not read.
    skipped: usize,
    /// The sample being filled: its time and its held, rss and cpu values.
    current: Option<(u64, [Option<u64>; 3])>,
}

impl OwnRecords {
    /// Reads one event of a file whose tasks make `graph`.
    fn read(&mut self, ev: &RawEvent, graph: &TaskGraph, array: bool) -> Result<(), Failure> {
        let f = |name: &str| field(array, ev.index, name);
        match ev.phase {
            Phase::Complete => match task_event(ev, graph, &f)? {
                Some(e) => self.events.push(e),
                None => self.skipped += 1,
            },
            Phase::Counter => self.counter(ev, &f)?,
            Phase::Begin | Phase::End => self.skipped += 1,
        }
        Ok(())
    }

    /// A `C` event: one value of a sample. The held, rss and cpu values of one time
    /// make one sample.
    fn counter(&mut self, ev: &RawEvent, f: &dyn Fn(&str) -> String) -> Result<(), Failure> {
        let (slot, arg) = match ev.name.as_deref() {
            Some(HELD) => (0, BYTES_ARG),
            Some(RSS) => (1, BYTES_ARG),
            Some(CPU) => (2, NS_ARG),
            _ => {
                self.skipped += 1;
                return Ok(());
            }
        };
        let value = ev.args.as_ref().and_then(|a| a.get(arg));
        let Some(value) = value.and_then(Json::as_u64) else {
            let why = format!("must be a count, not {}", value.unwrap_or(&Json::Null));
            return Err((f(&format!("args.{arg}")), why));
        };
        let t = u64::try_from(ev.ts).map_err(|_| (f("ts"), "must not be negative".into()))?;
        match &mut self.current {
            Some((ct, values)) if *ct == t && values[slot].is_none() => values[slot] = Some(value),
            _ => {
                self.samples.extend(self.current.take().map(sample));
                let mut values = [None; 3];
                values[slot] = Some(value);
                self.current = Some((t, values));
            }
        }
        Ok(())
    }

    /// The task events, the samples and the number of events skipped.
    fn finish(mut self) -> (Vec<TaskEvent>, Vec<Sample>, usize) {
        self.samples.extend(self.current.take().map(sample));
        (self.events, self.samples, self.skipped)
    }
}

/// The task event an `X` event of taskscope's own records; None for an `X` event
/// without a `task` arg (not one of ours).
fn task_event(
    ev: &RawEvent,
    graph: &TaskGraph,
    f: &dyn Fn(&str) -> String,
) -> Result<Option<TaskEvent>, Failure> {
    let Some(args) = ev.args.as_ref().and_then(Json::as_object) else {
        return Ok(None);
    };
    let Some(task) = args.get("task") else {
        return Ok(None);
    };
    let Some(id) = task.as_u64().filter(|&t| t < graph.len() as u64) else {
        let why = format!("must be a task id below {}, not {task}", graph.len());
        return Err((f("args.task"), why));
    };
    let id = TaskId(id as u32);
    let key = graph.task(id).key();
    if let Some(k) = args.get("key").filter(|k| k.as_str() != Some(key)) {
        return Err((
            f("args.key"),
            format!("is {k}, but task {} is {key:?}", id.0),
        ));
    }
    let count = |name: &str| match args.get(name) {
        None | Some(Json::Null) => Ok(None),
        Some(v) => v.as_u64().map(Some).ok_or_else(|| {
            (
                f(&format!("args.{name}")),
                format!("must be a count, not {v}"),
            )
        }),
    };
    let worker = match &ev.lane.1 {
        LaneId::Num(n) => u32::try_from(*n).ok(),
        LaneId::Str(_) => None,
    };
    let worker = worker.ok_or_else(|| (f("tid"), "must be a worker number".to_string()))?;
    let start = u64::try_from(ev.ts).map_err(|_| (f("ts"), "must not be negative".to_string()))?;
    let status = match args.get("status").and_then(Json::as_str) {
        Some("done") => TaskStatus::Done,
        Some("failed") => TaskStatus::Failed,
        Some("unfinished") => TaskStatus::Unfinished,
        _ => {
            let why = "must be \"done\", \"failed\" or \"unfinished\"";
            return Err((f("args.status"), why.to_string()));
        }
    };
    let message = match args.get("message") {
        None | Some(Json::Null) => None,
        Some(Json::String(s)) => Some(s.clone()),
        Some(v) => return Err((f("args.message"), format!("must be a string, not {v}"))),
    };
    let logs = match args.get("logs") {
        None | Some(Json::Null) => Vec::new(),
        Some(v) => Vec::<LogLine>::deserialize(v).map_err(|e| {
            let why = format!("must be a list of {{\"t\",\"level\",\"message\"}} objects ({e})");
            (f("args.logs"), why)
        })?,
    };
    Ok(Some(TaskEvent {
        task: id,
        worker,
        start,
        end: start + ev.dur as u64,
        status,
        bytes: count("bytes")?.unwrap_or(0),
        extra: EventExtra {
            alloc: count("alloc")?,
            peak: count("peak")?,
            message,
            busy: count("busy")?,
            logs,
        }
        .boxed(),
    }))
}

/// A task spec, whatever fields `TaskSpec` gains.
#[allow(clippy::needless_update)]
fn spec(key: String, group: String, op: String, deps: Vec<String>, meta: Meta) -> TaskSpec {
    TaskSpec {
        key,
        group,
        op,
        deps,
        meta,
        ..TaskSpec::default()
    }
}

/// A sample from its time and its held, rss and cpu values.
#[allow(clippy::needless_update)]
fn sample((t, [held, rss, cpu]): (u64, [Option<u64>; 3])) -> Sample {
    Sample {
        t,
        rss,
        cpu,
        held: held.unwrap_or(0),
        ..Sample::default()
    }
}

/// A slice of a foreign trace: an `X` event or a `B`/`E` pair.
struct Slice {
    /// Index into `Raw::events` of the `X` or `B` event.
    src: usize,
    worker: u32,
    start: i64,
    end: i64,
    unfinished: bool,
    /// Args of the `E` event, merged into the `B`'s.
    end_args: Option<Json>,
}

/// Reads another tool's trace: one task per slice, one worker per lane.
fn foreign(mut raw: Raw, source: &str) -> Result<Trace, Failure> {
    let mut slices = Slices::of(&mut raw);
    let (graph, events) = slices.tasks(&mut raw)?;
    let mut trace = Trace::of_graph(graph, None);
    trace.header = foreign_header(source, slices.lanes.len() as u32);
    trace.events = events;
    trace.unknown_records = slices.skipped;
    Ok(trace)
}

/// The slices of a foreign trace and the lanes they are on.
struct Slices {
    slices: Vec<Slice>,
    /// Each worker's lane: workers are numbered in order of their lane's first slice.
    lanes: Vec<Lane>,
    worker_of: HashMap<Lane, u32>,
    /// Events that make no slice: counters, and `E` events that close no `B`.
    skipped: usize,
}

impl Slices {
    /// Every `X` event and every `B` event of `raw`, each `B` closed by its `E` (or
    /// unfinished at the last time of the file).
    fn of(raw: &mut Raw) -> Slices {
        let last = raw.last.unwrap_or(raw.first.unwrap_or(0));
        let mut found = Slices {
            slices: Vec::new(),
            lanes: Vec::new(),
            worker_of: HashMap::new(),
            skipped: raw.skipped,
        };
        let mut ends = Vec::new();
        for (src, ev) in raw.events.iter().enumerate() {
            match ev.phase {
                Phase::Complete | Phase::Begin => {
                    let worker = found.worker(&ev.lane);
                    found.slices.push(Slice {
                        src,
                        worker,
                        start: ev.ts,
                        end: if ev.phase == Phase::Complete {
                            ev.ts + ev.dur
                        } else {
                            last
                        },
                        unfinished: ev.phase == Phase::Begin,
                        end_args: None,
                    });
                }
                Phase::End => ends.push(src),
                Phase::Counter => found.skipped += 1,
            }
        }
        found.close(raw, &ends);
        found
    }

    /// The worker of `lane`: the next number for a lane not seen before.
    fn worker(&mut self, lane: &Lane) -> u32 {
        *self.worker_of.entry(lane.clone()).or_insert_with(|| {
            self.lanes.push(lane.clone());
            self.lanes.len() as u32 - 1
        })
    }

    /// Pairs each `E` event (`ends`) with the newest open `B` of its lane, in time
    /// order; an `E` with none is skipped.
    fn close(&mut self, raw: &mut Raw, ends: &[usize]) {
        let mut marks: Vec<(i64, usize, Option<usize>)> = self
            .slices
            .iter()
            .enumerate()
            .filter(|(_, s)| s.unfinished)
            .map(|(i, s)| (s.start, s.src, Some(i)))
            .chain(ends.iter().map(|&src| (raw.events[src].ts, src, None)))
            .collect();
        marks.sort_unstable_by_key(|&(t, src, _)| (t, src));
        let mut open: Vec<Vec<usize>> = vec![Vec::new(); self.lanes.len()];
        for (t, src, begin) in marks {
            let lane = self.worker_of.get(&raw.events[src].lane);
            match begin {
                Some(i) => open[self.slices[i].worker as usize].push(i),
                None => match lane.and_then(|&w| open[w as usize].pop()) {
                    Some(i) => {
                        let s = &mut self.slices[i];
                        (s.end, s.unfinished, s.end_args) = (t, false, raw.events[src].args.take());
                    }
                    None => self.skipped += 1,
                },
            }
        }
    }

    /// One task per slice, and its event: tasks in time order, enclosing slices before
    /// the slices they hold; keys `name#n`, the n-th slice of that name.
    fn tasks(&mut self, raw: &mut Raw) -> Result<(TaskGraph, Vec<TaskEvent>), Failure> {
        let base = raw.first.unwrap_or(0);
        let mut order: Vec<usize> = (0..self.slices.len()).collect();
        order.sort_unstable_by_key(|&i| {
            let s = &self.slices[i];
            (s.start, Reverse(s.end), s.worker, s.src)
        });
        let mut stacks: Vec<Vec<(i64, u32)>> = vec![Vec::new(); self.lanes.len()];
        let mut counts: HashMap<String, u32> = HashMap::new();
        let mut builder = GraphBuilder::with_capacity(self.slices.len());
        let mut events = Vec::with_capacity(self.slices.len());
        for (id, &i) in order.iter().enumerate() {
            let id = id as u32;
            let s = &mut self.slices[i];
            let mut meta = lane_meta(raw, &self.lanes[s.worker as usize]);
            nest(&mut stacks[s.worker as usize], s.end, id, &mut meta);
            let ev = &mut raw.events[s.src];
            event_meta(ev, s.end_args.take(), &mut meta);
            let name = ev.name.take().unwrap_or_else(|| "(unnamed)".to_string());
            let n = counts.entry(name.clone()).or_insert(0);
            let key = format!("{name}#{n}");
            *n += 1;
            builder.add(spec(key, name.clone(), name, Vec::new(), meta));
            let status = if s.unfinished {
                TaskStatus::Unfinished
            } else {
                TaskStatus::Done
            };
            let (start, end) = ((s.start - base) as u64, (s.end - base) as u64);
            events.push(TaskEvent::new(TaskId(id), s.worker, start, end, status));
        }
        let graph = builder
            .build()
            .map_err(|g| ("traceEvents".to_string(), g.to_string()))?;
        Ok((graph, events))
    }
}

/// A slice's lane as task metadata: pid, tid, and the names the file gives them.
fn lane_meta(raw: &Raw, lane: &Lane) -> Meta {
    let (pid, tid) = lane;
    let mut meta = Meta::new();
    meta.insert("pid".into(), pid.to_json());
    meta.insert("tid".into(), tid.to_json());
    if let Some(t) = raw.thread_names.get(lane) {
        meta.insert("thread".into(), t.as_str().into());
    }
    if let Some(p) = raw.process_names.get(pid) {
        meta.insert("process".into(), p.as_str().into());
    }
    meta
}

/// Where task `id`, a slice ending at `end`, nests in its lane's `stack` of open slices
/// (their ends and tasks): its `parent` and `depth`. It becomes the innermost one.
fn nest(stack: &mut Vec<(i64, u32)>, end: i64, id: u32, meta: &mut Meta) {
    while stack.last().is_some_and(|&(open_end, _)| open_end < end) {
        stack.pop();
    }
    if let Some(&(_, parent)) = stack.last() {
        meta.insert("parent".into(), parent.into());
    }
    meta.insert("depth".into(), stack.len().into());
    stack.push((end, id));
}

/// A slice's category and args (the `E` event's merged into the `B`'s) as task metadata.
fn event_meta(ev: &mut RawEvent, end_args: Option<Json>, meta: &mut Meta) {
    if let Some(cat) = ev.cat.take() {
        meta.insert("cat".into(), cat.into());
    }
    let args = match (ev.args.take(), end_args) {
        (Some(Json::Object(mut a)), Some(Json::Object(b))) => {
            a.extend(b);
            Some(Json::Object(a))
        }
        (a, b) => a.or(b),
    };
    if let Some(args) = args.filter(|a| a.as_object().is_none_or(|o| !o.is_empty())) {
        meta.insert("args".into(), args);
    }
}

/// The header of a trace read from another tool's file, `source`, run on `workers`.
fn foreign_header(source: &str, workers: u32) -> Header {
    let name = Path::new(source).file_stem().map(|s| s.to_string_lossy());
    let mut header = Header::new(name.as_deref());
    header.tool = format!(
        "Chrome trace-event JSON (read by taskscope {})",
        taskscope_core::VERSION
    );
    #[allow(clippy::needless_update)]
    let run = RunInfo {
        executor: "chrome-trace".into(),
        workers,
        ..RunInfo::default()
    };
    header.run = Some(run);
    header
}
