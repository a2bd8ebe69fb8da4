//! What a span hands to the writer: a [`Closed`] record made on its thread when it
//! closes; what a parent span leaves for its children's keys ([`Parents`]); and the
//! [`Node`] of a span others follow from.
//!
//! The span's thread only measures and gathers; everything that needs the whole run
//! (labels, keys kept unique, task ids, the file) is done by the writer, one record
//! at a time, off the span's thread. A child refers to its parent by a serial number,
//! not a shared pointer: a count shared by the span's thread and the writer's would
//! move between their caches at every child.

use std::num::NonZeroU64;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use hashbrown::HashMap;
use taskscope_core::TaskId;
use taskscope_core::trace::LogLine;

use crate::counts::LabelCounts;
use crate::fields::{Fields, Label};

/// A span others follow from (`follows_from`): the writer records its id here when
/// it writes it, and parks the records that wait for it.
pub(crate) struct Node {
    /// The task id it got when written; [`UNWRITTEN`] before.
    id: AtomicU32,
    waiters: Mutex<Vec<Pending>>,
}

const UNWRITTEN: u32 = u32::MAX;

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Node {
    pub(crate) fn new() -> Arc<Node> {
        Arc::new(Node {
            id: AtomicU32::new(UNWRITTEN),
            waiters: Mutex::new(Vec::new()),
        })
    }

    /// The id it was written as.
    pub(crate) fn id(&self) -> Option<TaskId> {
        match self.id.load(Ordering::Acquire) {
            UNWRITTEN => None,
            id => Some(TaskId(id)),
        }
    }

    pub(crate) fn set_id(&self, id: TaskId) {
        self.id.store(id.0, Ordering::Release);
    }

    pub(crate) fn waiters(&self) -> MutexGuard<'_, Vec<Pending>> {
        lock(&self.waiters)
    }
}

/// A closed span, as its thread hands it to the writer. Filled in while the span is
/// open (it lives in the span's data), moved once when it closes: what few spans
/// have is boxed, so that it stays small.
#[derive(Default)]
pub(crate) struct Closed {
    /// Its name: the task's group and op, and the start of its label.
    pub(crate) name: &'static str,
    /// Its fields as they are at its close: the task's metadata.
    pub(crate) fields: Fields,
    /// The serial of its parent span, `None` at the top level.
    pub(crate) parent: Option<Serial>,
    /// Its own serial, when it made children, and how many.
    pub(crate) serial: Option<Serial>,
    pub(crate) children: u32,
    pub(crate) worker: u32,
    pub(crate) panicked: bool,
    /// Time stamps ([`Clock`](taskscope_core::clock::Clock)): when it started and ended, and
    /// for how long it was entered.
    pub(crate) start: u64,
    pub(crate) end: u64,
    pub(crate) busy: u64,
    pub(crate) rare: Option<Box<Rare>>,
}

/// What few spans have.
#[derive(Default)]
pub(crate) struct Rare {
    /// Its fields as it was made with them, when some were recorded since: its label.
    pub(crate) first_fields: Option<Fields>,
    /// Its node, when a span follows from it.
    pub(crate) node: Option<Arc<Node>>,
    /// The nodes of the spans it follows from.
    pub(crate) follows: Vec<Arc<Node>>,
    /// Its log lines, their times as stamps.
    pub(crate) logs: Vec<LogLine>,
    /// Log lines past the limit, not kept.
    pub(crate) dropped_logs: u64,
}

/// The number of a span that made children.
pub(crate) type Serial = NonZeroU64;

impl Closed {
    /// The fields its label is made of.
    pub(crate) fn label_fields(&self) -> &Fields {
        match self.rare.as_deref() {
            Some(Rare {
                first_fields: Some(first),
                ..
            }) => first,
            _ => &self.fields,
        }
    }

    pub(crate) fn rare(&mut self) -> &mut Rare {
        self.rare.get_or_insert_with(Default::default)
    }

    pub(crate) fn node(&self) -> Option<&Arc<Node>> {
        self.rare.as_ref().and_then(|r| r.node.as_ref())
    }

    pub(crate) fn follows(&self) -> &[Arc<Node>] {
        self.rare.as_ref().map_or(&[], |r| &r.follows)
    }
}

/// A record the writer has taken: in the order taken (`seq`), and how many of the
/// spans it follows from it found written (they stay written).
pub(crate) struct Pending {
    pub(crate) seq: u64,
    pub(crate) checked: usize,
    pub(crate) span: Closed,
}

impl Pending {
    /// The first span it follows from that is not written yet.
    pub(crate) fn unwritten_source(&mut self) -> Option<&Arc<Node>> {
        let follows = self.span.follows();
        while self.checked < follows.len() && follows[self.checked].id().is_some() {
            self.checked += 1;
        }
        follows.get(self.checked)
    }
}

/// A span that made children, from its first child until it is written: the
/// writer's own.
pub(crate) struct Parent {
    /// Its label: its name and the fields it was made with.
    pub(crate) label: Label,
    /// The serial of its own parent.
    pub(crate) parent: Option<Serial>,
    /// Its key, once the writer fixed it (when its first child was written).
    pub(crate) key: Option<Box<str>>,
    /// How many children of each label were written, for their `#n`.
    pub(crate) counts: LabelCounts,
    /// The ids of its children written so far: its dependencies.
    pub(crate) written: Vec<TaskId>,
    /// Its own record, closed before all its children were written.
    pub(crate) waiting: Option<Pending>,
}

/// Spans that made their first child, on their way to the writer. A span's thread
/// adds one when the span makes its first child, before that child can close; the
/// writer adopts them after it took the records it is about to write, so it always
/// knows the parent of a record it writes, and keeps them without a lock.
#[derive(Default)]
pub(crate) struct NewParents {
    last: AtomicU64,
    added: Mutex<Vec<(Serial, Parent)>>,
}

impl NewParents {
    /// Adds a parent span and gives its serial.
    pub(crate) fn add(&self, label: Label, parent: Option<Serial>) -> Serial {
        let serial = Serial::MIN.saturating_add(self.last.fetch_add(1, Ordering::Relaxed));
        let entry = Parent {
            label,
            parent,
            key: None,
            counts: LabelCounts::default(),
            written: Vec::new(),
            waiting: None,
        };
        lock(&self.added).push((serial, entry));
        serial
    }

    /// Moves the parents added since the last call into `parents`.
    pub(crate) fn adopt(&self, parents: &mut HashMap<Serial, Parent>) {
        let mut added = lock(&self.added);
        if !added.is_empty() {
            parents.extend(added.drain(..));
        }
    }
}
