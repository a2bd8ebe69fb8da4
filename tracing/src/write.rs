//! The writer's side: closed spans in, task and event records out, in an order every
//! reader accepts.
//!
//! A task's dependencies must be written before it, so every prefix of the file is a
//! valid graph (a crash keeps it, a viewer follows it). A parent closes after its
//! children (the registry keeps it open while they are), but their records may
//! reach the writer in another order when they closed on other threads; a record
//! whose dependency is not written yet waits on that dependency's node, and is written
//! as soon as it is.
//!
//! Keys are made here, as spans are written: a span's key is its parent's key, `/`,
//! its label, and `#n` for the n-th span of that label written under that parent. A
//! parent's key is fixed when its first child is written.

use std::sync::Arc;

use taskscope_core::trace::{LogLine, Sample, TaskEvent, TaskStatus, TraceWriter};
use taskscope_core::{Meta, TaskId, WriteError};

use crate::closed::{Closed, Node, Pending};
use crate::counts::LabelCounts;

pub(crate) struct Sink {
    /// `None` once finished: spans closing after that are not written.
    pub(crate) writer: Option<TraceWriter>,
    /// Nodes that records wait on (some may be written since).
    waited_on: Vec<Arc<Node>>,
    /// When to drop the written nodes from `waited_on`.
    prune_at: usize,
    /// The number of the next record taken.
    next_seq: u64,
    /// How many top-level spans of each label were written, for their keys.
    roots: LabelCounts,
    /// Something was written since the last flush.
    dirty: bool,
    /// Reused from span to span: its metadata, key, dependencies and event.
    meta: Meta,
    key: String,
    deps: Vec<TaskId>,
    event: TaskEvent,
    /// Records ready to be written, reused.
    ready: Vec<Pending>,
    /// The first span that failed, for the end record.
    pub(crate) failed: Option<String>,
    /// The first write error; writing stops there, the guard reports it.
    pub(crate) error: Option<WriteError>,
}

/// Appends `#n` for the n-th repeat (n > 0) of a label.
fn number(key: &mut String, n: u32) {
    if n > 0 {
        key.push('#');
        key.push_str(itoa::Buffer::new().format(n));
    }
}

impl Sink {
    pub(crate) fn new(writer: TraceWriter) -> Sink {
        Sink {
            writer: Some(writer),
            waited_on: Vec::new(),
            prune_at: 1024,
            next_seq: 0,
            roots: LabelCounts::default(),
            dirty: false,
            meta: Meta::new(),
            key: String::new(),
            deps: Vec::new(),
            event: TaskEvent::new(TaskId(0), 0, 0, 0, TaskStatus::Done),
            ready: Vec::new(),
            failed: None,
            error: None,
        }
    }

    /// Takes a closed span: writes it now if what it depends on is written, else when
    /// that is.
    pub(crate) fn take(&mut self, span: Closed) {
        if self.writer.is_none() {
            return;
        }
        let seq = self.next_seq;
        self.next_seq += 1;
        self.submit(Pending {
            seq,
            checked: 0,
            span,
        });
    }

    /// Writes `pending` if it is ready, and then the records that waited for it and
    /// are ready now; parks it on its first unwritten dependency if not.
    fn submit(&mut self, pending: Pending) {
        let mut ready = std::mem::take(&mut self.ready);
        ready.push(pending);
        while let Some(mut p) = ready.pop() {
            if let Some(dep) = p.unwritten_dep().cloned() {
                self.park(&dep, p);
                continue;
            }
            self.write(&mut p.span);
            if let Some(node) = &p.span.node {
                let mut waiters = std::mem::take(&mut node.state().waiters);
                // The earliest taken is written first (popped last in).
                waiters.sort_unstable_by_key(|w| std::cmp::Reverse(w.seq));
                ready.append(&mut waiters);
            }
        }
        self.ready = ready;
    }

    fn park(&mut self, dep: &Arc<Node>, pending: Pending) {
        let mut state = dep.state();
        if state.waiters.is_empty() {
            if self.waited_on.len() >= self.prune_at {
                self.waited_on.retain(|n| n.id().is_none());
                self.prune_at = (2 * self.waited_on.len()).max(1024);
            }
            self.waited_on.push(dep.clone());
        }
        state.waiters.push(pending);
    }

    /// At the end of the run: writes every record still waiting, without the
    /// dependencies that were never written (spans still open, a `follows_from`
    /// cycle): the earliest taken first, then what that made ready, and so on.
    pub(crate) fn write_waiting(&mut self) {
        loop {
            let mut waiting: Vec<Pending> = self
                .waited_on
                .drain(..)
                .flat_map(|n| std::mem::take(&mut n.state().waiters))
                .collect();
            if waiting.is_empty() {
                return;
            }
            waiting.sort_unstable_by_key(|p| p.seq);
            let mut first = waiting.remove(0);
            self.write(&mut first.span);
            for p in waiting {
                self.submit(p);
            }
        }
    }

    /// Appends the key of `span` to `key`.
    fn key_of(&mut self, span: &Closed, key: &mut String) {
        if let Some(node) = &span.node
            && let Some(fixed) = node
                .state()
                .parent_part
                .as_ref()
                .and_then(|p| p.key.as_deref())
        {
            key.push_str(fixed);
            return;
        }
        self.push_key(span.parent.as_ref(), span.label.as_str(), key);
    }

    /// Appends the key of a span of `label` under `parent`, counting it there.
    fn push_key(&mut self, parent: Option<&Arc<Node>>, label: &str, key: &mut String) {
        if let Some(p) = parent {
            self.push_parent_key(p, key);
            key.push('/');
        }
        key.push_str(label);
        let n = match parent {
            None => self.roots.next(label),
            Some(p) => p
                .state()
                .parent_part
                .as_mut()
                .map_or(0, |part| part.children.next(label)),
        };
        number(key, n);
    }

    /// Appends the key of the parent span of `node`, fixing it the first time.
    fn push_parent_key(&mut self, node: &Arc<Node>, key: &mut String) {
        let (label, grandparent) = {
            let state = node.state();
            let Some(part) = state.parent_part.as_ref() else {
                return;
            };
            if let Some(fixed) = &part.key {
                key.push_str(fixed);
                return;
            }
            (part.label.clone(), part.parent.clone())
        };
        let from = key.len();
        self.push_key(grandparent.as_ref(), label.as_str(), key);
        if let Some(part) = node.state().parent_part.as_mut() {
            part.key = Some(key[from..].into());
        }
    }

    /// Writes a span's task and event, without its dependencies not written.
    fn write(&mut self, span: &mut Closed) {
        if self.error.is_some() || self.writer.is_none() {
            return;
        }
        let mut key = std::mem::take(&mut self.key);
        key.clear();
        self.key_of(span, &mut key);
        self.deps.clear();
        self.deps.extend(span.deps.iter().filter_map(|d| d.id()));
        span.fields.fill(&mut self.meta);
        let event = &mut self.event;
        event.worker = span.worker;
        event.start = span.start;
        event.end = span.end;
        event.status = match span.panicked {
            true => TaskStatus::Failed,
            false => TaskStatus::Done,
        };
        let extra = event.extra_mut();
        extra.busy = Some(span.busy);
        extra.message = span
            .panicked
            .then(|| "panicked while the span was entered".to_string());
        extra.logs = std::mem::take(&mut span.logs);
        if span.dropped_logs > 0 {
            extra.logs.push(LogLine {
                t: span.end,
                level: "WARN".to_string(),
                message: format!("taskscope: {} more log lines not kept", span.dropped_logs),
            });
        }
        let Some(writer) = self.writer.as_mut() else {
            return;
        };
        let written = writer
            .task(&key, span.name, span.name, &self.deps, &self.meta)
            .and_then(|id| {
                event.task = id;
                writer.event(event)?;
                Ok(id)
            });
        match written {
            Ok(id) => {
                if let Some(node) = &span.node {
                    node.set_id(id);
                }
                self.dirty = true;
                if span.panicked && self.failed.is_none() {
                    let why = event.message().unwrap_or("failed");
                    self.failed = Some(format!("span {key:?}: {why}"));
                }
            }
            Err(e) => self.error = Some(e),
        }
        event.extra_mut().logs.clear();
        self.key = key;
    }

    pub(crate) fn sample(&mut self, s: &Sample) {
        if let (Some(w), None) = (self.writer.as_mut(), &self.error) {
            if let Err(e) = w.sample(s) {
                self.error = Some(e);
            }
            self.dirty = true;
        }
    }

    pub(crate) fn flush(&mut self) {
        if !self.dirty || self.error.is_some() {
            return;
        }
        if let Some(w) = self.writer.as_mut()
            && let Err(e) = w.flush()
        {
            self.error = Some(e);
        }
        self.dirty = false;
    }
}
