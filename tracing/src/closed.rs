//! What a span hands to the writer: a [`Closed`] record made on its thread when it
//! closes, and the [`Node`] through which other spans refer to it.
//!
//! The span's thread only measures and gathers; everything that needs the whole run
//! (keys kept unique, task ids, the file) is done by the writer, one record at a time
//! under the sink's lock, off the span's thread.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use taskscope_core::TaskId;
use taskscope_core::trace::LogLine;

use crate::counts::LabelCounts;
use crate::fields::{Fields, Label};

/// A span other spans refer to: as their parent (for their keys) or as their
/// dependency (a parent lists its children; `follows_from` lists its source).
pub(crate) struct Node {
    /// The task id it got when written; [`UNWRITTEN`] before.
    id: AtomicU32,
    state: Mutex<NodeState>,
}

const UNWRITTEN: u32 = u32::MAX;

#[derive(Default)]
pub(crate) struct NodeState {
    /// Set when its first child is made: what its children's keys start with.
    pub(crate) parent_part: Option<Box<ParentPart>>,
    /// Records waiting for this span to be written (they depend on it).
    pub(crate) waiters: Vec<Pending>,
}

/// What a parent span's key is made of, for its children's keys; read and written by
/// the writer only, after the span's thread set it up.
pub(crate) struct ParentPart {
    pub(crate) label: Label,
    /// The node of its own parent, `None` at the top level.
    pub(crate) parent: Option<Arc<Node>>,
    /// Its key, once the writer fixed it (when its first child was written).
    pub(crate) key: Option<Box<str>>,
    /// How many children of each label were written, for their `#n`.
    pub(crate) children: LabelCounts,
}

impl Node {
    pub(crate) fn new() -> Arc<Node> {
        Arc::new(Node {
            id: AtomicU32::new(UNWRITTEN),
            state: Mutex::new(NodeState::default()),
        })
    }

    /// The id it was written as; set and read under the sink's lock.
    pub(crate) fn id(&self) -> Option<TaskId> {
        match self.id.load(Ordering::Acquire) {
            UNWRITTEN => None,
            id => Some(TaskId(id)),
        }
    }

    pub(crate) fn set_id(&self, id: TaskId) {
        self.id.store(id.0, Ordering::Release);
    }

    pub(crate) fn state(&self) -> MutexGuard<'_, NodeState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Makes this the node of a parent: called by the span's thread when its first
    /// child is made, before that child's record can reach the writer.
    pub(crate) fn become_parent(&self, label: &Label, parent: Option<Arc<Node>>) {
        self.state().parent_part = Some(Box::new(ParentPart {
            label: label.clone(),
            parent,
            key: None,
            children: LabelCounts::default(),
        }));
    }
}

/// A closed span, as its thread hands it to the writer.
pub(crate) struct Closed {
    pub(crate) label: Label,
    /// Its name: the task's group and op.
    pub(crate) name: &'static str,
    pub(crate) fields: Fields,
    /// The node of its parent, `None` at the top level.
    pub(crate) parent: Option<Arc<Node>>,
    /// Its own node, when another span refers to it.
    pub(crate) node: Option<Arc<Node>>,
    /// Its children and the spans it follows from.
    pub(crate) deps: Vec<Arc<Node>>,
    pub(crate) worker: u32,
    pub(crate) start: u64,
    pub(crate) end: u64,
    pub(crate) busy: u64,
    pub(crate) panicked: bool,
    pub(crate) logs: Vec<LogLine>,
    pub(crate) dropped_logs: u64,
}

/// A record the writer has taken: in the order taken (`seq`), and how many of its
/// dependencies it found written (they stay written).
pub(crate) struct Pending {
    pub(crate) seq: u64,
    pub(crate) checked: usize,
    pub(crate) span: Closed,
}

impl Pending {
    /// The first dependency not written yet, after those checked before.
    pub(crate) fn unwritten_dep(&mut self) -> Option<&Arc<Node>> {
        let deps = &self.span.deps;
        while self.checked < deps.len() && deps[self.checked].id().is_some() {
            self.checked += 1;
        }
        deps.get(self.checked)
    }
}
