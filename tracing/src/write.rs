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
//! A parent span is written after all its children (it counts them as they are made),
//! a span that follows from another after that one.
//!
//! Keys are made here, as spans are written: a span's key is its parent's key, `/`,
//! its label, and `#n` for the n-th span of that label written under that parent. A
//! parent's key is fixed when its first child is written.

use std::sync::Arc;

use hashbrown::HashMap;
use taskscope_core::trace::{LogLine, Sample, TaskEvent, TaskStatus, TraceWriter};
use taskscope_core::{Meta, TaskId, WriteError};

use crate::closed::{Closed, NewParents, Node, Parent, Pending, Serial};
use crate::counts::LabelCounts;
use crate::fields::{Label, push_label};
use taskscope_core::clock::Clock;

pub(crate) struct Sink {
    /// `None` once finished: spans closing after that are not written.
    pub(crate) writer: Option<TraceWriter>,
    /// Spans that made children and are not written yet, by serial.
    parents: HashMap<Serial, Parent>,
    new_parents: Arc<NewParents>,
    /// Reads the records' time stamps as ns.
    clock: Arc<Clock>,
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
    /// The labels of the records being taken.
    labels: Vec<Label>,
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
    pub(crate) fn new(
        writer: TraceWriter,
        new_parents: Arc<NewParents>,
        clock: Arc<Clock>,
    ) -> Sink {
        Sink {
            writer: Some(writer),
            parents: HashMap::new(),
            new_parents,
            clock,
            waited_on: Vec::new(),
            prune_at: 1024,
            next_seq: 0,
            roots: LabelCounts::default(),
            dirty: false,
            meta: Meta::new(),
            labels: Vec::new(),
            key: String::new(),
            deps: Vec::new(),
            event: TaskEvent::new(TaskId(0), 0, 0, 0, TaskStatus::Done),
            ready: Vec::new(),
            failed: None,
            error: None,
        }
    }

    /// Adopts the parents added since: call it after taking records from the
    /// outboxes, before writing them.
    pub(crate) fn adopt_parents(&mut self) {
        self.new_parents.adopt(&mut self.parents);
    }

    /// Takes closed spans, in the order they closed.
    pub(crate) fn take_all(&mut self, spans: &mut [Closed]) {
        self.clock.measure();
        let mut labels = std::mem::take(&mut self.labels);
        for group in spans.chunks_mut(32) {
            labels.clear();
            labels.extend(group.iter().map(|span| {
                let mut label = Label::default();
                push_label(&mut label, span.name, span.label_fields());
                label
            }));
            let top = group.iter().zip(&labels);
            let top = top.filter(|(s, _)| s.parent.is_none() && s.serial.is_none());
            self.roots.warm(top.map(|(_, label)| label.as_str()));
            for (span, label) in group.iter_mut().zip(&labels) {
                self.take(span, Some(label));
            }
        }
        self.labels = labels;
    }

    /// Takes a closed span (its label when made already): writes it now if what it
    /// depends on is written, else when that is. Most spans wait for nothing (no
    /// children, no `follows_from`): they are written from where they are, not moved.
    pub(crate) fn take(&mut self, span: &mut Closed, label: Option<&Label>) {
        if self.writer.is_none() {
            return;
        }
        let seq = self.next_seq;
        self.next_seq += 1;
        let mut ready = std::mem::take(&mut self.ready);
        if span.serial.is_none() && span.follows().is_empty() {
            self.write_and_release(span, label, &mut ready);
        } else {
            ready.push(Pending {
                seq,
                checked: 0,
                span: std::mem::take(span),
            });
        }
        self.write_ready(&mut ready);
        self.ready = ready;
    }

    /// Writes the records in `ready`, and those that waited for them and are ready
    /// now; parks those that still wait.
    fn write_ready(&mut self, ready: &mut Vec<Pending>) {
        while let Some(mut p) = ready.pop() {
            if let Some(source) = p.unwritten_source().cloned() {
                self.park(&source, p);
                continue;
            }
            if let Some(serial) = p.span.serial
                && let Some(entry) = self.parents.get_mut(&serial)
                && entry.written.len() < p.span.children as usize
            {
                entry.waiting = Some(p);
                continue;
            }
            self.write_and_release(&mut p.span, None, ready);
        }
    }

    /// Writes `span`, and adds the records that waited for it and are ready to `ready`.
    fn write_and_release(
        &mut self,
        span: &mut Closed,
        label: Option<&Label>,
        ready: &mut Vec<Pending>,
    ) {
        let Some(id) = self.write(span, label) else {
            return;
        };
        if let Some(node) = span.node() {
            node.set_id(id);
            let mut waiters = std::mem::take(&mut *node.waiters());
            // The earliest taken is written first (popped last in).
            waiters.sort_unstable_by_key(|w| std::cmp::Reverse(w.seq));
            ready.append(&mut waiters);
        }
        if let Some(serial) = span.parent
            && let Some(entry) = self.parents.get_mut(&serial)
        {
            entry.written.push(id);
            let all = |w: &mut Pending| w.span.children as usize <= entry.written.len();
            if let Some(w) = entry.waiting.take_if(all) {
                ready.push(w);
            }
        }
    }

    fn park(&mut self, source: &Arc<Node>, pending: Pending) {
        let mut waiters = source.waiters();
        if waiters.is_empty() {
            if self.waited_on.len() >= self.prune_at {
                self.waited_on.retain(|n| n.id().is_none());
                self.prune_at = (2 * self.waited_on.len()).max(1024);
            }
            self.waited_on.push(source.clone());
        }
        waiters.push(pending);
    }

    /// At the end of the run: writes every record still waiting, without the
    /// dependencies that were never written (spans still open, a `follows_from`
    /// cycle): the earliest taken first, then what that made ready, and so on.
    pub(crate) fn write_waiting(&mut self) {
        self.clock.measure();
        loop {
            let mut waiting: Vec<Pending> = self
                .waited_on
                .drain(..)
                .flat_map(|n| std::mem::take(&mut *n.waiters()))
                .collect();
            let parents = self.parents.values_mut().filter_map(|p| p.waiting.take());
            waiting.extend(parents.collect::<Vec<_>>());
            if waiting.is_empty() {
                return;
            }
            waiting.sort_unstable_by_key(|p| p.seq);
            let mut first = waiting.remove(0);
            if let Some(id) = self.write(&mut first.span, None)
                && let Some(node) = first.span.node()
            {
                node.set_id(id);
            }
            let mut ready = std::mem::take(&mut self.ready);
            ready.extend(waiting.into_iter().rev());
            self.write_ready(&mut ready);
            self.ready = ready;
        }
    }

    /// Appends the key of `span` to `key`, its label being `label`.
    fn key_of(
        parents: &mut HashMap<Serial, Parent>,
        roots: &mut LabelCounts,
        span: &Closed,
        label: &str,
        key: &mut String,
    ) {
        if let Some(fixed) = span
            .serial
            .and_then(|s| parents.get(&s))
            .and_then(|p| p.key.as_deref())
        {
            key.push_str(fixed);
            return;
        }
        push_key(parents, roots, span.parent, label, key);
    }

    /// Writes a span's task and event, without its dependencies not written; its id.
    fn write(&mut self, span: &mut Closed, label: Option<&Label>) -> Option<TaskId> {
        if self.error.is_some() || self.writer.is_none() {
            return None;
        }
        let made;
        let label = match label {
            Some(label) => label.as_str(),
            None => {
                let mut label = Label::default();
                push_label(&mut label, span.name, span.label_fields());
                made = label;
                made.as_str()
            }
        };
        let mut key = std::mem::take(&mut self.key);
        key.clear();
        self.deps.clear();
        if span.parent.is_none() && span.serial.is_none() {
            key.push_str(label);
            number(&mut key, self.roots.next(label));
        } else {
            Self::key_of(&mut self.parents, &mut self.roots, span, label, &mut key);
            if let Some(entry) = span.serial.and_then(|s| self.parents.remove(&s)) {
                self.deps.extend(entry.written);
            }
        }
        self.deps
            .extend(span.follows().iter().filter_map(|d| d.id()));
        span.fields.fill(&mut self.meta);
        let event = &mut self.event;
        event.worker = span.worker;
        event.start = self.clock.ns(span.start);
        event.end = self.clock.ns(span.end).max(event.start);
        event.status = match span.panicked {
            true => TaskStatus::Failed,
            false => TaskStatus::Done,
        };
        let (end, duration) = (event.end, event.end - event.start);
        let extra = event.extra_mut();
        extra.busy = Some(self.clock.ns(span.busy).min(duration));
        extra.message = span
            .panicked
            .then(|| "panicked while the span was entered".to_string());
        if let Some(rare) = span.rare.as_deref_mut() {
            extra.logs = std::mem::take(&mut rare.logs);
            for line in &mut extra.logs {
                line.t = self.clock.ns(line.t);
            }
            if rare.dropped_logs > 0 {
                extra.logs.push(LogLine {
                    t: end,
                    level: "WARN".to_string(),
                    message: format!("taskscope: {} more log lines not kept", rare.dropped_logs),
                });
            }
        }
        let writer = self.writer.as_mut()?;
        let written = writer
            .task(&key, span.name, span.name, &self.deps, &self.meta)
            .and_then(|id| {
                event.task = id;
                writer.event(event)?;
                Ok(id)
            });
        let id = match written {
            Ok(id) => {
                self.dirty = true;
                if span.panicked && self.failed.is_none() {
                    let why = event.message().unwrap_or("failed");
                    self.failed = Some(format!("span {key:?}: {why}"));
                }
                Some(id)
            }
            Err(e) => {
                self.error = Some(e);
                None
            }
        };
        event.extra_mut().logs.clear();
        self.key = key;
        id
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

/// Appends the key of a span of `label` under the parent `parent`, counting it there.
fn push_key(
    parents: &mut HashMap<Serial, Parent>,
    roots: &mut LabelCounts,
    parent: Option<Serial>,
    label: &str,
    key: &mut String,
) {
    let parent = parent.filter(|p| push_parent_key(parents, roots, *p, key));
    if parent.is_some() {
        key.push('/');
    }
    key.push_str(label);
    let n = match parent.and_then(|p| parents.get_mut(&p)) {
        None => roots.next(label),
        Some(p) => p.counts.next(label),
    };
    number(key, n);
}

/// Appends the key of the parent span `serial`, fixing it the first time; false
/// when that span is written already (only a span forced out at the end meets that).
fn push_parent_key(
    parents: &mut HashMap<Serial, Parent>,
    roots: &mut LabelCounts,
    serial: Serial,
    key: &mut String,
) -> bool {
    let Some(entry) = parents.get(&serial) else {
        return false;
    };
    if let Some(fixed) = &entry.key {
        key.push_str(fixed);
        return true;
    }
    let (label, grandparent) = (entry.label.clone(), entry.parent);
    let from = key.len();
    push_key(parents, roots, grandparent, label.as_str(), key);
    if let Some(entry) = parents.get_mut(&serial) {
        entry.key = Some(key[from..].into());
    }
    true
}
