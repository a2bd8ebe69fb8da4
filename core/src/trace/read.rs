//! Reading files: any v1 file, with errors that name the file, line and field.
//!
//! A [`Reader`] takes the file's records one line at a time, with one method per
//! record kind, then checks what it has read as a whole (ids, dependencies, the end
//! record's counts) and makes the [`Trace`].
//!
//! ```
//! use taskscope_core::trace::parse;
//!
//! let file = concat!(
//!     r#"{"type":"header","format":"taskscope","version":1,"tool":"t","clock":"ns"}"#, "\n",
//!     r#"{"type":"task","id":0,"key":"load-1"}"#, "\n",
//!     r#"{"type":"end","tasks":1,"edges":0}"#, "\n",
//! );
//! let trace = parse(file.as_bytes(), "run.jsonl").unwrap();
//! assert_eq!(trace.graph.len(), 1);
//!
//! let wrong = file.replace(r#""id":0"#, r#""id":"zero""#);
//! let e = parse(wrong.as_bytes(), "run.jsonl").unwrap_err();
//! assert_eq!(e.to_string(), r#"run.jsonl:2: field `id`: must be an integer from 0 to 4294967295, not "zero""#);
//! ```

use std::io::{self, BufRead, BufReader};
use std::path::Path;

use super::diagnose::diagnose;
use super::error::{ReadError, ReadErrorKind};
pub(super) use super::places::Places;
use super::records::{EndRecord, EventRecord, Record, TaskParts};
use super::{EventExtra, FORMAT, Header, RunEnd, Sample, TaskEvent, Trace, VERSION};
pub(super) use crate::graph::TaskRows;
use crate::graph::{GraphBuilder, GraphError, TaskGraph, TaskId};
use crate::key::key_split;

/// Reads a taskscope file from disk.
pub fn read(path: &Path) -> Result<Trace, ReadError> {
    let shown = path.display().to_string();
    let file = std::fs::File::open(path).map_err(|e| io_error(&shown, &e))?;
    parse(BufReader::new(file), &shown)
}

/// The error for a file that could not be read at all.
pub(super) fn io_error(source: &str, e: &io::Error) -> ReadError {
    ReadError::new(ReadErrorKind::Io, source, None, None, e.to_string())
}

/// Reads a taskscope file from any reader, JSONL or compact (told apart by the first
/// bytes); `source` names it in errors.
pub fn parse(mut input: impl BufRead, source: &str) -> Result<Trace, ReadError> {
    let head = input.fill_buf().map_err(|e| io_error(source, &e))?;
    if super::compact::is_compact(head) {
        return super::compact::parse(input, source);
    }
    let mut reader = Reader::new(source, Unit::Line);
    let mut buf = String::new();
    let mut lineno = 0;
    loop {
        buf.clear();
        let n = input.read_line(&mut buf).map_err(|e| {
            let kind = if e.kind() == io::ErrorKind::InvalidData {
                ReadErrorKind::Syntax
            } else {
                ReadErrorKind::Io
            };
            reader.at.error(kind, lineno + 1, None, e.to_string())
        })?;
        if n == 0 {
            break;
        }
        lineno += 1;
        let complete = buf.ends_with('\n');
        let text = buf.trim();
        if text.is_empty() {
            continue;
        }
        let record = match parse_record(text) {
            Ok(r) => r,
            // A cut-off last line is what a crashed writer leaves behind.
            Err(_) if !complete && reader.header.is_some() => {
                reader.truncated = true;
                break;
            }
            Err(e) => return Err(reader.wrong_record(text, &e, lineno)),
        };
        reader.record(record, lineno)?;
    }
    reader.finish()
}

/// Parses one record. Lines as taskscope writes them (`{"type":"task",…`) go straight
/// to their record type, several times faster than serde's tagged-enum path, which
/// stays for every other layout.
fn parse_record(text: &str) -> serde_json::Result<Record> {
    if text.starts_with("{\"type\":\"event\",") {
        serde_json::from_str(text).map(Record::Event)
    } else if text.starts_with("{\"type\":\"task\",") {
        serde_json::from_str(text).map(Record::Task)
    } else {
        serde_json::from_str(text)
    }
}

/// The error for a file whose first record is not a header.
const NO_HEADER: &str = "not a taskscope file: the first record must be a header \
     ({\"type\":\"header\",\"format\":\"taskscope\",\"version\":1,...})";

/// What the numbers in a file's errors count: lines (JSONL) or blocks (compact).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Unit {
    Line,
    Block,
}

/// Makes the errors for lines (or blocks) of the file being read.
#[derive(Clone, Copy)]
pub(super) struct At<'a> {
    /// The file's name as errors show it.
    pub(super) source: &'a str,
    unit: Unit,
}

impl At<'_> {
    /// An error of `kind` at line (or block) `n`, naming `field` when one is to blame.
    pub(super) fn error(
        &self,
        kind: ReadErrorKind,
        n: usize,
        field: Option<&str>,
        message: String,
    ) -> ReadError {
        let mut e = ReadError::new(kind, self.source, None, field, message);
        self.locate(&mut e, Some(n));
        e
    }

    /// Sets the line (or block) of `e`.
    fn locate(&self, e: &mut ReadError, n: Option<usize>) {
        match self.unit {
            Unit::Line => e.line = n,
            Unit::Block => e.block = n,
        }
    }

    /// `line` or `block`, for messages that point at another place in the file.
    fn unit(&self) -> &'static str {
        match self.unit {
            Unit::Line => "line",
            Unit::Block => "block",
        }
    }
}

/// A file read so far: its records, each with its line, checked one at a time.
pub(super) struct Reader<'a> {
    pub(super) at: At<'a>,
    header: Option<Header>,
    /// The tasks read so far, straight into the graph's columns.
    tasks: GraphBuilder,
    /// The line (or block) of each task, for errors.
    task_lines: Places,
    /// A task's dependencies as ids, reused from task to task.
    deps: Vec<TaskId>,
    /// Events as read (each checked on its own when read), and the line of each, for
    /// the errors only the whole file can find (a task id past the last task).
    events: Vec<TaskEvent>,
    event_lines: Places,
    samples: Vec<Sample>,
    end: Option<(usize, EndRecord)>,
    /// The file stopped before its end: its last line is cut off.
    pub(super) truncated: bool,
    unknown_records: usize,
}

impl<'a> Reader<'a> {
    pub(super) fn new(source: &'a str, unit: Unit) -> Self {
        Reader {
            at: At { source, unit },
            header: None,
            tasks: GraphBuilder::new(),
            task_lines: Places::default(),
            deps: Vec::new(),
            events: Vec::new(),
            event_lines: Places::default(),
            samples: Vec::new(),
            end: None,
            truncated: false,
            unknown_records: 0,
        }
    }

    /// The error for a line serde could not read as a record, naming the field.
    fn wrong_record(&self, text: &str, e: &serde_json::Error, line: usize) -> ReadError {
        let (field, message) = diagnose(text, e, self.header.is_none());
        let kind = if e.is_syntax() || e.is_eof() {
            ReadErrorKind::Syntax
        } else if self.header.is_none() {
            ReadErrorKind::Format
        } else {
            ReadErrorKind::Field
        };
        self.at.error(kind, line, field.as_deref(), message)
    }

    /// Takes the events read and checked elsewhere (the compact reader decodes them
    /// apart from the other records), with their places.
    pub(super) fn add_events(&mut self, events: Vec<TaskEvent>, places: Places) {
        debug_assert!(self.events.is_empty(), "events come from one place");
        (self.events, self.event_lines) = (events, places);
    }

    /// The graph's id of a group or op name, added if new.
    pub(super) fn name_id(&mut self, name: &str) -> u32 {
        self.tasks.name_id(name)
    }

    /// Adds tasks decoded and checked elsewhere, all read from `block`.
    pub(super) fn task_rows(&mut self, rows: TaskRows<'_>, block: usize) {
        for _ in 0..rows.key_ends.len() {
            self.task_lines.push(block);
        }
        self.tasks.add_rows(rows);
    }

    /// Number of task records read so far.
    pub(super) fn tasks_read(&self) -> usize {
        self.tasks.len()
    }

    /// Takes the record on `line`, checking it belongs where it stands.
    pub(super) fn record(&mut self, record: Record, line: usize) -> Result<(), ReadError> {
        match record {
            Record::Header(h) if self.header.is_none() => return self.header(h, line),
            Record::Header(_) if self.end.is_none() => {
                return Err(self.at.error(
                    ReadErrorKind::Field,
                    line,
                    Some("type"),
                    "a second header; a file has one header, at its start".to_string(),
                ));
            }
            _ => self.check_place(line)?,
        }
        match record {
            Record::Header(_) => {}
            Record::Task(mut t) => return self.task(t.parts(), line),
            Record::Event(e) => {
                self.events.push(check_event(e, line, &self.at)?);
                self.event_lines.push(line);
            }
            Record::Sample(s) => self.samples.push(s),
            Record::End(e) => self.end = Some((line, e)),
            Record::Unknown => self.unknown_records += 1,
        }
        Ok(())
    }

    /// Checks that a record (other than the header) may stand on `line`: after the
    /// header and before the end record.
    pub(super) fn check_place(&self, line: usize) -> Result<(), ReadError> {
        if self.header.is_none() {
            let message = match self.at.unit {
                Unit::Line => NO_HEADER,
                Unit::Block => "the first block must be the header block (kind 1)",
            };
            return Err(self
                .at
                .error(ReadErrorKind::Format, line, None, message.to_string()));
        }
        if self.end.is_some() {
            return Err(self.at.error(
                ReadErrorKind::Field,
                line,
                Some("type"),
                "a record after the end record".to_string(),
            ));
        }
        Ok(())
    }

    /// The header: a taskscope file of a version this build reads.
    fn header(&mut self, h: Header, line: usize) -> Result<(), ReadError> {
        if h.format != FORMAT {
            return Err(self.at.error(
                ReadErrorKind::Format,
                line,
                Some("format"),
                format!("is {:?}, expected {FORMAT:?}", h.format),
            ));
        }
        if h.version == 0 || h.version > VERSION {
            return Err(self.at.error(
                ReadErrorKind::Format,
                line,
                Some("version"),
                format!(
                    "version {} is not one this taskscope reads (1 to {VERSION}); a newer taskscope may read it",
                    h.version
                ),
            ));
        }
        self.header = Some(h);
        Ok(())
    }

    /// A task: numbered in file order, with a key. Its place in the file is checked
    /// by [`Reader::record`], or by the caller.
    pub(super) fn task(&mut self, t: TaskParts<'_>, line: usize) -> Result<(), ReadError> {
        if t.id as usize != self.tasks.len() {
            return Err(self.at.error(
                ReadErrorKind::Field,
                line,
                Some("id"),
                format!(
                    "is {}, expected {} (tasks are numbered 0, 1, 2, ... in file order)",
                    t.id,
                    self.tasks.len()
                ),
            ));
        }
        if t.key.is_empty() {
            return Err(self.at.error(
                ReadErrorKind::Field,
                line,
                Some("key"),
                "is empty".to_string(),
            ));
        }
        let split;
        let group = match t.group {
            Some(group) => group,
            None => {
                split = key_split(t.key);
                split.as_str()
            }
        };
        let op = t.op.unwrap_or(group);
        self.deps.clear();
        self.deps.extend(t.deps.iter().map(|&d| TaskId(d)));
        self.tasks.add_parts(t.key, group, op, &self.deps, t.meta);
        self.task_lines.push(line);
        Ok(())
    }

    /// The trace, once every line is read: its graph, events and end checked whole.
    pub(super) fn finish(self) -> Result<Trace, ReadError> {
        let Some(header) = self.header else {
            return Err(ReadError::new(
                ReadErrorKind::Format,
                self.at.source,
                None,
                None,
                match self.at.unit {
                    Unit::Line => "the file is empty; a taskscope file starts with a header line",
                    Unit::Block => {
                        "the file ends before its header block is complete (a writer stopped at once, or is starting)"
                    }
                }
                .to_string(),
            ));
        };
        let truncated = self.truncated || self.end.is_none();
        let graph = build_graph(self.tasks, &self.task_lines, truncated, &self.at)?;
        check_tasks_of_events(&graph, &self.events, &self.event_lines, &self.at)?;
        let events = self.events;
        let end = match self.end {
            Some((line, e)) => check_end(&graph, events.len(), e, line, &self.at)?,
            None => None,
        };
        Ok(Trace {
            header,
            graph,
            events,
            samples: self.samples,
            end,
            truncated,
            unknown_records: self.unknown_records,
        })
    }
}

/// The graph of the file's tasks: every dependency names a task of the file, keys
/// are unique and there is no cycle.
fn build_graph(
    builder: GraphBuilder,
    lines: &Places,
    truncated: bool,
    at: &At<'_>,
) -> Result<TaskGraph, ReadError> {
    if let Some((task, d)) = builder.first_unknown_dep() {
        let why = if truncated {
            " (the file is truncated: it has no end record)"
        } else {
            ""
        };
        let key = builder.key(task);
        let mut e = at.error(
            ReadErrorKind::Graph,
            lines.get(task.index()),
            Some("deps"),
            format!(
                "task {key:?} depends on task id {}, which is not in the file ({} tasks){why}",
                d.0,
                builder.len()
            ),
        );
        e.graph = Some(GraphError::MissingDependency {
            task: key.to_string(),
            missing: format!("#{}", d.0),
        });
        return Err(e);
    }
    builder.build_located().map_err(|(g, ids)| {
        let line_of = |id: &TaskId| lines.get(id.index());
        if let (GraphError::DuplicateKey { key }, [first, second]) = (&g, &ids[..]) {
            let mut e = at.error(
                ReadErrorKind::Graph,
                line_of(second),
                Some("key"),
                format!(
                    "duplicate task key {key:?} (first on {} {})",
                    at.unit(),
                    line_of(first)
                ),
            );
            e.graph = Some(g);
            return e;
        }
        let line = ids.first().map(line_of);
        let mut e = at.error(
            ReadErrorKind::Graph,
            line.unwrap_or(0),
            Some("deps"),
            g.to_string(),
        );
        at.locate(&mut e, line);
        e.graph = Some(g);
        e
    })
}

/// Checks that an event ends after it starts and was busy no longer than it ran.
pub(super) fn check_event(
    e: EventRecord,
    line: usize,
    at: &At<'_>,
) -> Result<TaskEvent, ReadError> {
    if e.busy.is_some_and(|b| b > e.end.saturating_sub(e.start)) {
        return Err(at.error(
            ReadErrorKind::Field,
            line,
            Some("busy"),
            format!(
                "is {}, more than the task's wall time {}",
                e.busy.unwrap_or(0),
                e.end.saturating_sub(e.start)
            ),
        ));
    }
    if e.end < e.start {
        return Err(at.error(
            ReadErrorKind::Field,
            line,
            Some("end"),
            format!("is {}, before the task's start {}", e.end, e.start),
        ));
    }
    Ok(TaskEvent {
        task: TaskId(e.task),
        worker: e.worker,
        start: e.start,
        end: e.end,
        status: e.status,
        bytes: e.bytes,
        extra: EventExtra {
            alloc: e.alloc,
            peak: e.peak,
            message: e.message,
            busy: e.busy,
            logs: e.logs,
        }
        .boxed(),
    })
}

/// Checks that events name tasks of the graph.
fn check_tasks_of_events(
    graph: &TaskGraph,
    events: &[TaskEvent],
    lines: &Places,
    at: &At<'_>,
) -> Result<(), ReadError> {
    let n = graph.len();
    if let Some(i) = events.iter().position(|e| e.task.index() >= n) {
        return Err(at.error(
            ReadErrorKind::Field,
            lines.get(i),
            Some("task"),
            format!(
                "task id {} is not in the file ({n} tasks)",
                events[i].task.0
            ),
        ));
    }
    Ok(())
}

/// Checks the end record's counts against the file, and gives the run's end when the
/// record says how the run ended.
fn check_end(
    graph: &TaskGraph,
    events: usize,
    e: EndRecord,
    line: usize,
    at: &At<'_>,
) -> Result<Option<RunEnd>, ReadError> {
    let found = [
        (graph.len() as u64, e.tasks, "tasks"),
        (graph.edge_count() as u64, e.edges, "edges"),
        (events as u64, e.events.unwrap_or(events as u64), "events"),
    ];
    for (have, said, field) in found {
        if have != said {
            return Err(at.error(
                ReadErrorKind::Field,
                line,
                Some(field),
                format!("says {said}, but the file has {have}"),
            ));
        }
    }
    Ok(e.status.map(|status| RunEnd {
        status,
        wall: e.wall.unwrap_or(0),
        error: e.error,
    }))
}
