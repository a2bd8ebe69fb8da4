//! The [`Layer`]: span callbacks turned into tasks.

use std::sync::Arc;

use taskscope_core::trace::LogLine;
use tracing_core::span::{Attributes, Id, Record};
use tracing_core::{Event, Subscriber};
use tracing_subscriber::layer::{Context, Layer};
use tracing_subscriber::registry::LookupSpan;

use crate::closed::{Closed, Node};
use crate::fields::{Fields, Label, LogVisitor, push_label};
use crate::sink::Shared;

/// A [`tracing_subscriber::Layer`] that writes every span as a task of a taskscope
/// trace. Make one with [`layer`](crate::layer) or [`Builder`](crate::Builder); keep
/// its [`FlushGuard`](crate::FlushGuard) alive while the program runs.
pub struct TaskscopeLayer {
    pub(crate) shared: Arc<Shared>,
    pub(crate) max_logs: usize,
}

/// What the layer keeps of an open span: one struct in the registry's extensions,
/// inserted when the span is made, so each callback looks it up once. It measures
/// and gathers only; labels, keys and ids are the writer's work.
struct SpanData {
    name: &'static str,
    fields: Fields,
    /// The fields it was made with, kept when one is recorded later (its label is
    /// made of these).
    first_fields: Option<Box<Fields>>,
    /// The serial of its parent span, `None` at the top level.
    parent: Option<u64>,
    /// Its serial, from its first child on, and how many children it made.
    serial: Option<u64>,
    children: u32,
    /// Its node, when a span follows from it.
    node: Option<Arc<Node>>,
    /// The nodes of the spans it follows from.
    follows: Vec<Arc<Node>>,
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

impl<S> Layer<S> for TaskscopeLayer
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(id) else { return };
        let created = self.shared.now();
        let mut fields = Fields::default();
        attrs.record(&mut fields);
        let mut parent_serial = None;
        if let Some(parent) = span.parent() {
            let mut ext = parent.extensions_mut();
            if let Some(p) = ext.get_mut::<SpanData>() {
                let serial = *p.serial.get_or_insert_with(|| {
                    let mut label = Label::default();
                    let made_with = p.first_fields.as_deref().unwrap_or(&p.fields);
                    push_label(&mut label, p.name, made_with);
                    self.shared.parents.add(label, p.parent)
                });
                p.children += 1;
                parent_serial = Some(serial);
            }
        }
        span.extensions_mut().insert(SpanData {
            name: attrs.metadata().name(),
            fields,
            first_fields: None,
            parent: parent_serial,
            serial: None,
            children: 0,
            node: None,
            follows: Vec::new(),
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
        with_data(&ctx, id, |d| {
            if d.first_fields.is_none() {
                d.first_fields = Some(Box::new(d.fields.clone()));
            }
            values.record(&mut d.fields);
        });
    }

    fn on_follows_from(&self, id: &Id, follows: &Id, ctx: Context<'_, S>) {
        if id == follows {
            return;
        }
        let Some(source) = ctx.span(follows) else {
            return;
        };
        let Some(node) = source
            .extensions_mut()
            .get_mut::<SpanData>()
            .map(|d| d.node.get_or_insert_with(Node::new).clone())
        else {
            return;
        };
        with_data(&ctx, id, |d| d.follows.push(node));
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
        let end = end.max(start);
        self.shared.send(Closed {
            name: d.name,
            fields: std::mem::take(&mut d.fields),
            first_fields: d.first_fields.take(),
            parent: d.parent,
            serial: d.serial,
            children: d.children,
            node: d.node.take(),
            follows: std::mem::take(&mut d.follows),
            worker,
            start,
            end,
            busy: d.busy.min(end - start),
            panicked,
            logs: std::mem::take(&mut d.logs),
            dropped_logs: d.dropped_logs,
        });
    }
}
