//! The [`Layer`]: span callbacks turned into tasks.

use std::fmt::Write;
use std::sync::Arc;

use taskscope_core::trace::{LogLine, TaskEvent, TaskStatus};
use taskscope_core::{Meta, TaskId};
use tracing_core::span::{Attributes, Id, Record};
use tracing_core::{Event, Subscriber};
use tracing_subscriber::layer::{Context, Layer};
use tracing_subscriber::registry::LookupSpan;

use crate::fields::{LogVisitor, MetaVisitor, label};
use crate::sink::{Closed, LabelCounts, Node, Shared, next_index};

/// A [`tracing_subscriber::Layer`] that writes every span as a task of a taskscope
/// trace. Make one with [`layer`](crate::layer) or [`Builder`](crate::Builder); keep
/// its [`FlushGuard`](crate::FlushGuard) alive while the program runs.
pub struct TaskscopeLayer {
    pub(crate) shared: Arc<Shared>,
    pub(crate) max_logs: usize,
}

/// What the layer keeps of an open span, in the registry's extensions.
struct SpanData {
    key: String,
    node: Arc<Node>,
    /// Its children and the spans it follows from.
    deps: Vec<Arc<Node>>,
    meta: Meta,
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

/// `key` with `#n` appended for the n-th repeat (n > 0) of a label.
fn numbered(mut key: String, n: u32) -> String {
    if n > 0 {
        let _ = write!(key, "#{n}");
    }
    key
}

impl<S> Layer<S> for TaskscopeLayer
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(id) else { return };
        let created = self.shared.now();
        let mut meta = Meta::new();
        attrs.record(&mut MetaVisitor(&mut meta));
        let label = label(attrs.metadata().name(), &meta);
        let node = Arc::new(Node::new());
        let in_parent = span.parent().and_then(|parent| {
            let mut ext = parent.extensions_mut();
            let p = ext.get_mut::<SpanData>()?;
            p.deps.push(node.clone());
            let n = next_index(&mut p.children, &label);
            Some(numbered(format!("{}/{label}", p.key), n))
        });
        let key = match in_parent {
            Some(key) => key,
            None => {
                let n = self.shared.root_index(&label);
                numbered(label, n)
            }
        };
        span.extensions_mut().insert(SpanData {
            key,
            node,
            deps: Vec::new(),
            meta,
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
        with_data(&ctx, id, |d| values.record(&mut MetaVisitor(&mut d.meta)));
    }

    fn on_follows_from(&self, id: &Id, follows: &Id, ctx: Context<'_, S>) {
        if id == follows {
            return;
        }
        let Some(source) = ctx.span(follows) else {
            return;
        };
        let Some(node) = source
            .extensions()
            .get::<SpanData>()
            .map(|d| d.node.clone())
        else {
            return;
        };
        with_data(&ctx, id, |d| d.deps.push(node));
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
        let Some(mut d) = span.extensions_mut().remove::<SpanData>() else {
            return;
        };
        let closed = match (d.depth, d.first_enter) {
            (0, Some(_)) => d.last_exit,
            _ => self.shared.now(),
        };
        // A span ends when it was last exited, not when its last handle goes: a handle
        // kept for `follows_from`, or children spawned off (the registry closes a
        // parent after its children), would stretch it. Never entered (only made to be
        // a parent or a source): from its creation to its close.
        let end = if d.depth > 0 {
            d.busy += closed.saturating_sub(d.busy_since);
            closed
        } else if d.first_enter.is_some() {
            d.last_exit
        } else {
            closed
        };
        let start = d.first_enter.unwrap_or(d.created);
        let worker = match d.first_enter {
            Some(_) => d.worker,
            None => self.shared.worker(),
        };
        let panicked = d.panicked || std::thread::panicking();
        let status = if panicked {
            TaskStatus::Failed
        } else {
            TaskStatus::Done
        };
        let mut event = TaskEvent::new(TaskId(0), worker, start, end.max(start), status);
        event.busy = Some(d.busy.min(event.duration()));
        if panicked {
            event.message = Some("panicked while the span was entered".to_string());
        }
        event.logs = d.logs;
        if d.dropped_logs > 0 {
            event.logs.push(LogLine {
                t: end,
                level: "WARN".to_string(),
                message: format!("taskscope: {} more log lines not kept", d.dropped_logs),
            });
        }
        self.shared.close(Closed {
            key: d.key,
            group: span.name(),
            meta: d.meta,
            deps: d.deps,
            node: d.node,
            event,
        });
    }
}
