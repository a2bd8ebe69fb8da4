//! The [`Layer`]: span callbacks turned into tasks.

use std::cell::RefCell;
use std::sync::Arc;

use taskscope_core::trace::LogLine;
use tracing_core::span::{Attributes, Id, Record};
use tracing_core::{Event, Subscriber};
use tracing_subscriber::layer::{Context, Layer};
use tracing_subscriber::registry::LookupSpan;

use crate::closed::{Closed, Node};
use crate::fields::{Label, LogVisitor, push_label};
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
/// and gathers only (labels, keys and ids are the writer's work), into the record it
/// hands to the writer when it closes.
struct SpanData {
    record: Closed,
    created: u64,
    /// When it was first entered, `None` before.
    first_enter: Option<u64>,
    last_exit: u64,
}

/// A span entered on this thread and not left yet: entering a span costs no look-up
/// of its data; its time goes there when it is left (exited as often as entered).
struct Entered {
    /// The layer instance and the span.
    instance: usize,
    id: u64,
    since: u64,
    worker: u32,
    /// How many times it is entered now (a span may be entered again while entered).
    depth: u32,
    /// Left while unwinding once: the panic went through it.
    panicked: bool,
}

thread_local! {
    static ENTERED: RefCell<Vec<Entered>> = const { RefCell::new(Vec::new()) };
}

/// This thread's entry of span `id` of layer `instance`, given to `f`.
fn with_entered<R>(
    instance: usize,
    id: &Id,
    f: impl FnOnce(&mut Vec<Entered>, Option<usize>) -> R,
) -> Option<R> {
    let id = id.into_u64();
    ENTERED
        .try_with(|entered| {
            let mut entered = entered.try_borrow_mut().ok()?;
            let at = entered
                .iter()
                .rposition(|e| e.id == id && e.instance == instance);
            Some(f(&mut entered, at))
        })
        .ok()
        .flatten()
}

impl SpanData {
    /// Adds a stay in the span, from `since` to `until`.
    fn add_stay(&mut self, e: &Entered, until: u64) {
        if self.first_enter.is_none_or(|first| e.since < first) {
            self.first_enter = Some(e.since);
            self.record.worker = e.worker;
        }
        self.record.busy += until.saturating_sub(e.since);
        self.last_exit = self.last_exit.max(until);
        self.record.panicked |= e.panicked;
    }
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
        let created = self.shared.stamp();
        let mut record = Closed {
            name: attrs.metadata().name(),
            ..Closed::default()
        };
        attrs.record(&mut record.fields);
        if let Some(parent) = span.parent() {
            let mut ext = parent.extensions_mut();
            if let Some(p) = ext.get_mut::<SpanData>() {
                let p = &mut p.record;
                let serial = match p.serial {
                    Some(serial) => serial,
                    None => {
                        let mut label = Label::default();
                        push_label(&mut label, p.name, p.label_fields());
                        *p.serial.insert(self.shared.parents.add(label, p.parent))
                    }
                };
                p.children += 1;
                record.parent = Some(serial);
            }
        }
        span.extensions_mut().insert(SpanData {
            record,
            created,
            first_enter: None,
            last_exit: 0,
        });
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, ctx: Context<'_, S>) {
        with_data(&ctx, id, |d| {
            let record = &mut d.record;
            if record
                .rare
                .as_ref()
                .is_none_or(|r| r.first_fields.is_none())
            {
                let first = record.fields.clone();
                record.rare().first_fields = Some(first);
            }
            values.record(&mut record.fields);
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
            .map(|d| d.record.rare().node.get_or_insert_with(Node::new).clone())
        else {
            return;
        };
        with_data(&ctx, id, |d| d.record.rare().follows.push(node));
    }

    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        let Some(span) = ctx.event_span(event) else {
            return;
        };
        let mut ext = span.extensions_mut();
        let Some(d) = ext.get_mut::<SpanData>() else {
            return;
        };
        let rare = d.record.rare();
        if rare.logs.len() >= self.max_logs {
            rare.dropped_logs += 1;
            return;
        }
        let mut visitor = LogVisitor::default();
        event.record(&mut visitor);
        rare.logs.push(LogLine {
            t: self.shared.stamp(),
            level: event.metadata().level().as_str().to_string(),
            message: visitor.line(),
        });
    }

    fn on_enter(&self, id: &Id, _ctx: Context<'_, S>) {
        let now = self.shared.stamp();
        let instance = self.shared.instance();
        with_entered(instance, id, |entered, at| match at {
            Some(i) => entered[i].depth += 1,
            None => entered.push(Entered {
                instance,
                id: id.into_u64(),
                since: now,
                worker: self.shared.worker(),
                depth: 1,
                panicked: false,
            }),
        });
    }

    fn on_exit(&self, id: &Id, ctx: Context<'_, S>) {
        let now = self.shared.stamp();
        let left = with_entered(self.shared.instance(), id, |entered, at| {
            let at = at?;
            let e = &mut entered[at];
            // Left while unwinding: the panic went through this span.
            e.panicked |= std::thread::panicking();
            e.depth -= 1;
            (e.depth == 0).then(|| entered.remove(at))
        });
        if let Some(Some(e)) = left {
            with_data(&ctx, id, |d| d.add_stay(&e, now));
        }
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
        // a parent or a source): from its creation to its close. Closed while entered
        // on this thread: its stay ends now.
        let entered = with_entered(self.shared.instance(), &id, |entered, at| {
            at.map(|i| entered.remove(i))
        });
        let end = match (entered.flatten(), d.first_enter) {
            (Some(e), _) => {
                let now = self.shared.stamp();
                d.add_stay(&e, now);
                now
            }
            (None, Some(_)) => d.last_exit,
            (None, None) => self.shared.stamp(),
        };
        let r = &mut d.record;
        r.start = d.first_enter.unwrap_or(d.created);
        if d.first_enter.is_none() {
            r.worker = self.shared.worker();
        }
        r.panicked |= std::thread::panicking();
        r.end = end.max(r.start);
        r.busy = r.busy.min(r.end - r.start);
        self.shared.send(r);
    }
}
