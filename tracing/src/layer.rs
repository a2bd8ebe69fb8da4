//! The [`Layer`]: span callbacks turned into tasks.

use std::cell::RefCell;
use std::sync::Arc;

use taskscope_core::TaskId;
use taskscope_core::trace::{LogLine, TaskEvent, TaskStatus};
use tracing_core::span::{Attributes, Id, Record};
use tracing_core::{Event, Subscriber};
use tracing_subscriber::layer::{Context, Layer};
use tracing_subscriber::registry::LookupSpan;

use crate::counts::LabelCounts;
use crate::fields::{Fields, LogVisitor, push_label};
use crate::sink::{Node, Shared, SpanTask};

/// A [`tracing_subscriber::Layer`] that writes every span as a task of a taskscope
/// trace. Make one with [`layer`](crate::layer) or [`Builder`](crate::Builder); keep
/// its [`FlushGuard`](crate::FlushGuard) alive while the program runs.
pub struct TaskscopeLayer {
    pub(crate) shared: Arc<Shared>,
    pub(crate) max_logs: usize,
}

/// What the layer keeps of an open span: one struct in the registry's extensions,
/// inserted when the span is made, so each callback looks it up once.
struct SpanData {
    /// Its key, fields, dependencies (its children and the spans it follows from)
    /// and node: made when a parent or a follower needs it (a root span nothing
    /// follows from has none).
    task: SpanTask,
    /// How many children of each label it made, for their keys.
    children: LabelCounts,
    created: u64,
    first_enter: Option<u64>,
    worker: u32,
    /// How many times it is entered now (a span may be entered again while entered).
    depth: u32,
    busy_since: u64,
    busy: u64,
    last_exit: u64,
    panicked: bool,
    logs: Vec<LogLine>,
    dropped_logs: u64,
}

fn with_data<S, R>(ctx: &Context<'_, S>, id: &Id, f: impl FnOnce(&mut SpanData) -> R) -> Option<R>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    let span = ctx.span(id)?;
    let mut ext = span.extensions_mut();
    ext.get_mut::<SpanData>().map(f)
}

thread_local! {
    /// Strings of keys written on this thread, for the keys of spans made next on it:
    /// a key is then no allocation and no free.
    static KEYS: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
}

/// How many strings [`KEYS`] keeps, and the longest (in bytes reserved) it keeps.
const KEPT_KEYS: usize = 64;
const KEPT_KEY_BYTES: usize = 256;

/// An empty string for a key: one a span written before left, or a new one.
fn reused_key() -> String {
    let mut key = KEYS
        .try_with(|keys| keys.borrow_mut().pop())
        .ok()
        .flatten()
        .unwrap_or_default();
    key.clear();
    key
}

fn recycle_key(key: String) {
    if key.capacity() == 0 || key.capacity() > KEPT_KEY_BYTES {
        return;
    }
    let _ = KEYS.try_with(|keys| {
        if let Ok(mut keys) = keys.try_borrow_mut()
            && keys.len() < KEPT_KEYS
        {
            keys.push(key);
        }
    });
}

/// Appends `#n` for the n-th repeat (n > 0) of a label.
fn number(key: &mut String, n: u32) {
    if n > 0 {
        key.push('#');
        key.push_str(itoa::Buffer::new().format(n));
    }
}

impl<S> Layer<S> for TaskscopeLayer
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(id) else { return };
        let created = self.shared.now();
        let mut fields = Fields::default();
        attrs.record(&mut fields);
        let name = attrs.metadata().name();
        let mut key = reused_key();
        let mut node = None;
        if let Some(parent) = span.parent() {
            let mut ext = parent.extensions_mut();
            if let Some(p) = ext.get_mut::<SpanData>() {
                key.reserve(p.task.key.len() + name.len() + 24);
                key.push_str(&p.task.key);
                key.push('/');
                let from = key.len();
                push_label(&mut key, name, &fields);
                let n = p.children.next(&key[from..]);
                number(&mut key, n);
                let child = Arc::new(Node::new());
                p.task.deps.push(child.clone());
                node = Some(child);
            }
        }
        if node.is_none() {
            key.reserve(name.len() + 24);
            push_label(&mut key, name, &fields);
            let n = self.shared.root_index(&key);
            number(&mut key, n);
        }
        span.extensions_mut().insert(SpanData {
            task: SpanTask {
                key,
                group: name,
                fields,
                deps: Vec::new(),
                node,
                event: TaskEvent::new(TaskId(0), 0, 0, 0, TaskStatus::Done),
            },
            children: LabelCounts::default(),
            created,
            first_enter: None,
            worker: 0,
            depth: 0,
            busy_since: 0,
            busy: 0,
            last_exit: 0,
            panicked: false,
            logs: Vec::new(),
            dropped_logs: 0,
        });
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, ctx: Context<'_, S>) {
        with_data(&ctx, id, |d| values.record(&mut d.task.fields));
    }

    fn on_follows_from(&self, id: &Id, follows: &Id, ctx: Context<'_, S>) {
        if id == follows {
            return;
        }
        let Some(source) = ctx.span(follows) else {
            return;
        };
        let Some(node) = source.extensions_mut().get_mut::<SpanData>().map(|d| {
            d.task
                .node
                .get_or_insert_with(|| Arc::new(Node::new()))
                .clone()
        }) else {
            return;
        };
        with_data(&ctx, id, |d| d.task.deps.push(node));
    }

    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        let Some(span) = ctx.event_span(event) else {
            return;
        };
        let mut ext = span.extensions_mut();
        let Some(d) = ext.get_mut::<SpanData>() else {
            return;
        };
        if d.logs.len() >= self.max_logs {
            d.dropped_logs += 1;
            return;
        }
        let mut visitor = LogVisitor::default();
        event.record(&mut visitor);
        d.logs.push(LogLine {
            t: self.shared.now(),
            level: event.metadata().level().as_str().to_string(),
            message: visitor.line(),
        });
    }

    fn on_enter(&self, id: &Id, ctx: Context<'_, S>) {
        let now = self.shared.now();
        with_data(&ctx, id, |d| {
            if d.first_enter.is_none() {
                d.first_enter = Some(now);
                d.worker = self.shared.worker();
            }
            if d.depth == 0 {
                d.busy_since = now;
            }
            d.depth += 1;
        });
    }

    fn on_exit(&self, id: &Id, ctx: Context<'_, S>) {
        let now = self.shared.now();
        with_data(&ctx, id, |d| {
            if d.depth > 0 {
                d.depth -= 1;
                if d.depth == 0 {
                    d.busy += now.saturating_sub(d.busy_since);
                    d.last_exit = now;
                }
            }
            // Left while unwinding: the panic went through this span.
            d.panicked |= std::thread::panicking();
        });
    }

    fn on_close(&self, id: Id, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(&id) else { return };
        let mut ext = span.extensions_mut();
        let Some(d) = ext.get_mut::<SpanData>() else {
            return;
        };
        // A span ends when it was last exited, not when its last handle goes: a handle
        // kept for `follows_from`, or children spawned off (the registry closes a
        // parent after its children), would stretch it. Never entered (only made to be
        // a parent or a source): from its creation to its close.
        let end = match (d.depth, d.first_enter) {
            (0, Some(_)) => d.last_exit,
            (0, None) => self.shared.now(),
            _ => {
                let closed = self.shared.now();
                d.busy += closed.saturating_sub(d.busy_since);
                closed
            }
        };
        let start = d.first_enter.unwrap_or(d.created);
        let worker = match d.first_enter {
            Some(_) => d.worker,
            None => self.shared.worker(),
        };
        let panicked = d.panicked || std::thread::panicking();
        let event = &mut d.task.event;
        event.worker = worker;
        event.start = start;
        event.end = end.max(start);
        let busy = d.busy.min(event.duration());
        if panicked {
            event.status = TaskStatus::Failed;
        }
        let extra = event.extra_mut();
        extra.busy = Some(busy);
        if panicked {
            extra.message = Some("panicked while the span was entered".to_string());
        }
        extra.logs = std::mem::take(&mut d.logs);
        if d.dropped_logs > 0 {
            extra.logs.push(LogLine {
                t: end,
                level: "WARN".to_string(),
                message: format!("taskscope: {} more log lines not kept", d.dropped_logs),
            });
        }
        self.shared.close(&mut d.task);
        // Written (or moved to wait, leaving an empty string): the key's string serves
        // a span made next on this thread.
        recycle_key(std::mem::take(&mut d.task.key));
    }
}
