//! Reading files: any v1 file, with errors that name the file, line and field.

use std::fmt;
use std::io::{self, BufRead, BufReader};
use std::path::Path;

use serde_json::Value as Json;

use super::records::{EndRecord, EventRecord, Record, TaskRecord};
use super::{FORMAT, Header, RunEnd, Sample, TaskEvent, Trace, VERSION};
use crate::graph::{GraphBuilder, GraphError, TaskGraph, TaskId, TaskSpec};
use crate::key::key_split;
use crate::units::cut_after;

/// What kind of problem a [`ReadError`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReadErrorKind {
    /// The file could not be opened or read.
    Io,
    /// Not a taskscope file, or a version this build cannot read.
    Format,
    /// A line is not valid JSON.
    Syntax,
    /// A record lacks a field or has one of the wrong type or value.
    Field,
    /// The tasks do not form a valid graph (duplicate key, missing dependency, cycle).
    Graph,
}

/// Why a file could not be read, naming the file, line and field. Boxed, so results
/// stay small; its fields are those of [`ReadErrorDetail`].
#[derive(Debug)]
pub struct ReadError(Box<ReadErrorDetail>);

impl std::ops::Deref for ReadError {
    type Target = ReadErrorDetail;
    fn deref(&self) -> &ReadErrorDetail {
        &self.0
    }
}

impl std::ops::DerefMut for ReadError {
    fn deref_mut(&mut self) -> &mut ReadErrorDetail {
        &mut self.0
    }
}

/// The parts of a [`ReadError`].
#[derive(Debug)]
pub struct ReadErrorDetail {
    pub kind: ReadErrorKind,
    pub path: String,
    /// 1-based line number.
    pub line: Option<usize>,
    /// 1-based column, in characters, when the reader knows it (DOT).
    pub column: Option<usize>,
    pub field: Option<String>,
    pub message: String,
    /// The graph error behind a [`ReadErrorKind::Graph`] error.
    pub graph: Option<GraphError>,
}

impl fmt::Display for ReadErrorDetail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.path)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(column) = self.column {
                write!(f, ":{column}")?;
            }
        }
        if let Some(field) = &self.field {
            write!(f, ": field `{field}`")?;
        }
        write!(f, ": {}", self.message)
    }
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for ReadError {}

impl ReadError {
    fn new(
        kind: ReadErrorKind,
        path: &str,
        line: Option<usize>,
        field: Option<&str>,
        message: String,
    ) -> Self {
        ReadError(Box::new(ReadErrorDetail {
            kind,
            path: path.to_string(),
            line,
            column: None,
            field: field.map(|f| cut(f.to_string())),
            message: cut(message),
            graph: None,
        }))
    }

    /// A [`ReadError`] for readers of other formats (Chrome JSON, DOT), so that every
    /// reader's errors name file, line and field the same way.
    pub fn other_format(
        kind: ReadErrorKind,
        path: &str,
        line: Option<usize>,
        field: Option<&str>,
        message: String,
    ) -> Self {
        Self::new(kind, path, line, field, message)
    }

    /// A [`ReadError`] at a line and column, for readers of text formats (DOT).
    pub fn at_column(
        kind: ReadErrorKind,
        path: &str,
        line: usize,
        column: usize,
        message: String,
    ) -> Self {
        let mut e = Self::new(kind, path, Some(line), None, message);
        e.column = Some(column);
        e
    }
}

/// How many characters of a message an error keeps: messages quote the input (keys,
/// values, a parser's view of a line), which may be a megabyte long.
const MAX_MESSAGE: usize = 1000;

/// `text` cut to [`MAX_MESSAGE`] characters, with `…` when cut.
fn cut(text: String) -> String {
    cut_after(text, MAX_MESSAGE)
}

/// Makes a [`ReadError`] for a line of the file being read.
type LineError<'a> = dyn Fn(ReadErrorKind, usize, Option<&str>, String) -> ReadError + 'a;

/// Reads a taskscope file from disk.
pub fn read(path: &Path) -> Result<Trace, ReadError> {
    let shown = path.display().to_string();
    let file = std::fs::File::open(path)
        .map_err(|e| ReadError::new(ReadErrorKind::Io, &shown, None, None, e.to_string()))?;
    parse(BufReader::new(file), &shown)
}

/// Reads a taskscope file from any reader; `source` names it in errors.
pub fn parse(mut input: impl BufRead, source: &str) -> Result<Trace, ReadError> {
    let err = |kind, line: usize, field: Option<&str>, message: String| {
        ReadError::new(kind, source, Some(line), field, message)
    };
    let mut header: Option<Header> = None;
    let mut tasks: Vec<(usize, TaskRecord)> = Vec::new();
    let mut events: Vec<(usize, EventRecord)> = Vec::new();
    let mut samples: Vec<Sample> = Vec::new();
    let mut end: Option<(usize, EndRecord)> = None;
    let mut truncated = false;
    let mut unknown_records = 0;
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
            err(kind, lineno + 1, None, e.to_string())
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
            Err(_) if !complete && header.is_some() => {
                truncated = true;
                break;
            }
            Err(e) => {
                let (field, message) = diagnose(text, &e, header.is_none());
                let kind = if e.is_syntax() || e.is_eof() {
                    ReadErrorKind::Syntax
                } else if header.is_none() {
                    ReadErrorKind::Format
                } else {
                    ReadErrorKind::Field
                };
                return Err(err(kind, lineno, field.as_deref(), message));
            }
        };
        match (record, &header) {
            (Record::Header(h), None) => {
                if h.format != FORMAT {
                    return Err(err(
                        ReadErrorKind::Format,
                        lineno,
                        Some("format"),
                        format!("is {:?}, expected {FORMAT:?}", h.format),
                    ));
                }
                if h.version == 0 || h.version > VERSION {
                    return Err(err(
                        ReadErrorKind::Format,
                        lineno,
                        Some("version"),
                        format!(
                            "version {} is not one this taskscope reads (1 to {VERSION}); a newer taskscope may read it",
                            h.version
                        ),
                    ));
                }
                header = Some(h);
            }
            (_, None) => {
                return Err(err(
                    ReadErrorKind::Format,
                    lineno,
                    None,
                    "not a taskscope file: the first record must be a header \
                     ({\"type\":\"header\",\"format\":\"taskscope\",\"version\":1,...})"
                        .to_string(),
                ));
            }
            (Record::Header(_), Some(_)) => {
                return Err(err(
                    ReadErrorKind::Field,
                    lineno,
                    Some("type"),
                    "a second header; a file has one header, on its first line".to_string(),
                ));
            }
            (_, Some(_)) if end.is_some() => {
                return Err(err(
                    ReadErrorKind::Field,
                    lineno,
                    Some("type"),
                    "a record after the end record".to_string(),
                ));
            }
            (Record::Task(t), Some(_)) => {
                if t.id as usize != tasks.len() {
                    return Err(err(
                        ReadErrorKind::Field,
                        lineno,
                        Some("id"),
                        format!(
                            "is {}, expected {} (tasks are numbered 0, 1, 2, ... in file order)",
                            t.id,
                            tasks.len()
                        ),
                    ));
                }
                if t.key.is_empty() {
                    return Err(err(
                        ReadErrorKind::Field,
                        lineno,
                        Some("key"),
                        "is empty".to_string(),
                    ));
                }
                tasks.push((lineno, t));
            }
            (Record::Event(e), Some(_)) => events.push((lineno, e)),
            (Record::Sample(s), Some(_)) => samples.push(s),
            (Record::End(e), Some(_)) => end = Some((lineno, e)),
            (Record::Unknown, Some(_)) => unknown_records += 1,
        }
    }
    let Some(header) = header else {
        return Err(ReadError::new(
            ReadErrorKind::Format,
            source,
            None,
            None,
            "the file is empty; a taskscope file starts with a header line".to_string(),
        ));
    };
    if end.is_none() {
        truncated = true;
    }
    let graph = build_graph(tasks, truncated, &err)?;
    let events = check_events(&graph, events, &err)?;
    let mut run_end = None;
    if let Some((line, e)) = end {
        let found = [
            (graph.len() as u64, e.tasks, "tasks"),
            (graph.edge_count() as u64, e.edges, "edges"),
            (
                events.len() as u64,
                e.events.unwrap_or(events.len() as u64),
                "events",
            ),
        ];
        for (have, said, field) in found {
            if have != said {
                return Err(err(
                    ReadErrorKind::Field,
                    line,
                    Some(field),
                    format!("says {said}, but the file has {have}"),
                ));
            }
        }
        run_end = e.status.map(|status| RunEnd {
            status,
            wall: e.wall.unwrap_or(0),
            error: e.error,
        });
    }
    Ok(Trace {
        header,
        graph,
        events,
        samples,
        end: run_end,
        truncated,
        unknown_records,
    })
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

/// Checks that events name tasks of the graph and end after they start.
fn check_events(
    graph: &TaskGraph,
    records: Vec<(usize, EventRecord)>,
    err: &LineError<'_>,
) -> Result<Vec<TaskEvent>, ReadError> {
    let mut events = Vec::with_capacity(records.len());
    for (line, e) in records {
        if e.task as usize >= graph.len() {
            return Err(err(
                ReadErrorKind::Field,
                line,
                Some("task"),
                format!(
                    "task id {} is not in the file ({} tasks)",
                    e.task,
                    graph.len()
                ),
            ));
        }
        if e.busy.is_some_and(|b| b > e.end.saturating_sub(e.start)) {
            return Err(err(
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
            return Err(err(
                ReadErrorKind::Field,
                line,
                Some("end"),
                format!("is {}, before the task's start {}", e.end, e.start),
            ));
        }
        events.push(TaskEvent {
            task: TaskId(e.task),
            worker: e.worker,
            start: e.start,
            end: e.end,
            status: e.status,
            bytes: e.bytes,
            alloc: e.alloc,
            peak: e.peak,
            message: e.message,
            busy: e.busy,
            logs: e.logs,
        });
    }
    Ok(events)
}

fn build_graph(
    tasks: Vec<(usize, TaskRecord)>,
    truncated: bool,
    err: &LineError<'_>,
) -> Result<TaskGraph, ReadError> {
    let n = tasks.len();
    // The line of each task, for errors; duplicate keys are found by the builder.
    let lines: Vec<usize> = tasks.iter().map(|(line, _)| *line).collect();
    let mut builder = GraphBuilder::with_capacity(n);
    for (line, t) in tasks {
        let mut deps = Vec::with_capacity(t.deps.len());
        for &d in &t.deps {
            match (d as usize) < n {
                true => deps.push(TaskId(d)),
                false => {
                    let why = if truncated {
                        " (the file is truncated: it has no end record)"
                    } else {
                        ""
                    };
                    let mut e = err(
                        ReadErrorKind::Graph,
                        line,
                        Some("deps"),
                        format!(
                            "task {:?} depends on task id {d}, which is not in the file ({} tasks){why}",
                            t.key, n
                        ),
                    );
                    e.graph = Some(GraphError::MissingDependency {
                        task: t.key.clone(),
                        missing: format!("#{d}"),
                    });
                    return Err(e);
                }
            }
        }
        let group = t.group.unwrap_or_else(|| key_split(&t.key));
        let spec = TaskSpec {
            op: t.op.unwrap_or_else(|| group.clone()),
            key: t.key,
            group,
            deps: Vec::new(),
            meta: t.meta,
        };
        builder.add_with_ids(spec, deps);
    }
    builder.build_located().map_err(|(g, ids)| {
        let line_of = |id: &TaskId| lines[id.index()];
        if let (GraphError::DuplicateKey { key }, [first, second]) = (&g, &ids[..]) {
            let mut e = err(
                ReadErrorKind::Graph,
                line_of(second),
                Some("key"),
                format!(
                    "duplicate task key {key:?} (first on line {})",
                    line_of(first)
                ),
            );
            e.graph = Some(g);
            return e;
        }
        let line = ids.first().map(line_of);
        let mut e = err(
            ReadErrorKind::Graph,
            line.unwrap_or(0),
            Some("deps"),
            g.to_string(),
        );
        e.line = line;
        e.graph = Some(g);
        e
    })
}

/// Finds which field of a record is wrong, for an error message that names it.
fn diagnose(text: &str, e: &serde_json::Error, first: bool) -> (Option<String>, String) {
    let Ok(json) = serde_json::from_str::<Json>(text) else {
        let what = if first {
            "not a taskscope file: the first line is not JSON"
        } else {
            "not valid JSON"
        };
        return (None, format!("{what} ({e})"));
    };
    let Some(obj) = json.as_object() else {
        return (None, "a record must be a JSON object".to_string());
    };
    let Some(kind) = obj.get("type") else {
        return (Some("type".into()), "is missing".to_string());
    };
    let Some(kind) = kind.as_str() else {
        return (Some("type".into()), format!("must be a string, not {kind}"));
    };
    type Check = (&'static str, bool, fn(&Json) -> bool, &'static str);
    let id = |v: &Json| v.as_u64().is_some_and(|n| n <= u32::MAX as u64);
    let string = |v: &Json| v.is_string();
    let count = |v: &Json| v.is_u64();
    let opt_count = |v: &Json| v.is_u64() || v.is_null();
    let opt_string = |v: &Json| v.is_string() || v.is_null();
    let checks: &[Check] = match kind {
        "header" => &[
            ("format", true, string, "a string"),
            ("version", true, id, "a positive integer"),
            ("tool", true, string, "a string"),
            ("clock", true, string, "a string"),
            ("name", false, opt_string, "a string"),
        ],
        "task" => &[
            ("id", true, id, "an integer from 0 to 4294967295"),
            ("key", true, string, "a string"),
            ("group", false, opt_string, "a string"),
            ("op", false, opt_string, "a string"),
            (
                "deps",
                false,
                |v| {
                    v.as_array().is_some_and(|a| {
                        a.iter()
                            .all(|d| d.as_u64().is_some_and(|n| n <= u32::MAX as u64))
                    })
                },
                "a list of task ids",
            ),
            ("meta", false, Json::is_object, "an object"),
        ],
        "event" => &[
            ("task", true, id, "a task id"),
            ("worker", true, id, "a worker number"),
            ("start", true, count, "a time in ns"),
            ("end", true, count, "a time in ns"),
            (
                "status",
                true,
                |v| matches!(v.as_str(), Some("done" | "failed" | "unfinished")),
                "\"done\", \"failed\" or \"unfinished\"",
            ),
            ("bytes", false, count, "a count of bytes"),
            ("alloc", false, opt_count, "a count of bytes"),
            ("peak", false, opt_count, "a count of bytes"),
            ("message", false, opt_string, "a string"),
            ("busy", false, opt_count, "a time in ns"),
            (
                "logs",
                false,
                |v| {
                    v.as_array().is_some_and(|a| {
                        a.iter().all(|l| {
                            l.get("t").is_some_and(Json::is_u64)
                                && l.get("level").is_some_and(Json::is_string)
                                && l.get("message").is_some_and(Json::is_string)
                        })
                    })
                },
                "a list of {\"t\",\"level\",\"message\"} objects",
            ),
        ],
        "sample" => &[
            ("t", true, count, "a time in ns"),
            ("rss", false, opt_count, "a count of bytes"),
            ("cpu", false, opt_count, "a time in ns"),
            ("held", false, count, "a count of bytes"),
        ],
        "end" => &[
            ("tasks", true, count, "a count"),
            ("edges", true, count, "a count"),
            ("events", false, count, "a count"),
            (
                "status",
                false,
                |v| matches!(v.as_str(), Some("ok" | "failed" | "cancelled")),
                "\"ok\", \"failed\" or \"cancelled\"",
            ),
            ("wall", false, count, "a time in ns"),
            ("error", false, opt_string, "a string"),
        ],
        _ => &[],
    };
    for (name, required, ok, expected) in checks {
        match obj.get(*name) {
            None if *required => return (Some(name.to_string()), "is missing".to_string()),
            Some(v) if !ok(v) => {
                let mut shown = v.to_string();
                if shown.len() > 60 {
                    let cut = (0..=60)
                        .rev()
                        .find(|&i| shown.is_char_boundary(i))
                        .unwrap_or(0);
                    shown.truncate(cut);
                    shown.push('…');
                }
                return (
                    Some(name.to_string()),
                    format!("must be {expected}, not {shown}"),
                );
            }
            _ => {}
        }
    }
    (None, e.to_string())
}
