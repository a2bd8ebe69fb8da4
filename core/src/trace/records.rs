//! The records of a file as serde sees them: one line, one record.

use serde::{Deserialize, Serialize};

use super::{Header, LogLine, RunStatus, Sample, TaskStatus};
use crate::graph::Meta;

#[derive(Serialize, Deserialize)]
pub(super) struct TaskRecord {
    pub id: u32,
    pub key: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub op: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub deps: Vec<u32>,
    #[serde(default, skip_serializing_if = "Meta::is_empty")]
    pub meta: Meta,
}

/// A task record whose text is borrowed: what the readers hand to `Reader::task`
/// (the compact reader without allocating its group and op).
pub(super) struct TaskParts<'a> {
    pub id: u32,
    pub key: &'a str,
    pub group: Option<&'a str>,
    pub op: Option<&'a str>,
    pub deps: &'a [u32],
    pub meta: Meta,
}

impl TaskRecord {
    /// The record's parts, borrowed (but for the metadata, which moves).
    pub(super) fn parts(&mut self) -> TaskParts<'_> {
        TaskParts {
            id: self.id,
            key: &self.key,
            group: self.group.as_deref(),
            op: self.op.as_deref(),
            deps: &self.deps,
            meta: std::mem::take(&mut self.meta),
        }
    }
}

#[derive(Serialize, Deserialize)]
pub(super) struct EventRecord {
    pub task: u32,
    pub worker: u32,
    pub start: u64,
    pub end: u64,
    pub status: TaskStatus,
    #[serde(default)]
    pub bytes: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alloc: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peak: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub busy: Option<u64>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub logs: Vec<LogLine>,
}

#[derive(Serialize, Deserialize)]
pub(super) struct EndRecord {
    pub tasks: u64,
    pub edges: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub events: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<RunStatus>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wall: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

#[derive(Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub(super) enum Record {
    Header(Header),
    Task(TaskRecord),
    Event(EventRecord),
    Sample(Sample),
    End(EndRecord),
    #[serde(other)]
    Unknown,
}
