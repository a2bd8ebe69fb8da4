//! Span and event fields as taskscope sees them: task metadata, key labels, log lines.

use std::fmt::{self, Write};

use serde_json::Value;
use taskscope_core::Meta;
use taskscope_core::units::cut_after;
use tracing_core::field::{Field, Visit};

/// Records fields into a task's metadata, as JSON values.
pub(crate) struct MetaVisitor<'a>(pub &'a mut Meta);

impl Visit for MetaVisitor<'_> {
    fn record_f64(&mut self, field: &Field, value: f64) {
        self.0.insert(field.name().into(), Value::from(value));
    }
    fn record_i64(&mut self, field: &Field, value: i64) {
        self.0.insert(field.name().into(), value.into());
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        self.0.insert(field.name().into(), value.into());
    }
    fn record_bool(&mut self, field: &Field, value: bool) {
        self.0.insert(field.name().into(), value.into());
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().into(), value.into());
    }
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.0
            .insert(field.name().into(), format!("{value:?}").into());
    }
}

/// Longest field value, in characters, that goes into a key.
const LABEL_VALUE_CHARS: usize = 32;

/// A span's part of its key: its name, then its fields as given when it was made,
/// `chunk[i=3]`; the name alone when it has none. Values past 32 characters are cut.
pub(crate) fn label(name: &str, fields: &Meta) -> String {
    if fields.is_empty() {
        return name.to_string();
    }
    let mut s = String::with_capacity(name.len() + 16);
    s.push_str(name);
    s.push('[');
    for (i, (k, v)) in fields.iter().enumerate() {
        if i > 0 {
            s.push(',');
        }
        s.push_str(k);
        s.push('=');
        let value = match v {
            Value::String(text) => text.clone(),
            other => other.to_string(),
        };
        s.push_str(&cut_after(value, LABEL_VALUE_CHARS));
    }
    s.push(']');
    s
}

/// Formats an event as one log line: its message, then its other fields as
/// ` name=value`.
#[derive(Default)]
pub(crate) struct LogVisitor {
    pub(crate) message: String,
    rest: String,
}

impl LogVisitor {
    pub(crate) fn line(mut self) -> String {
        if self.message.is_empty() {
            self.rest.trim_start().to_string()
        } else {
            self.message.push_str(&self.rest);
            self.message
        }
    }
}

impl Visit for LogVisitor {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.message.push_str(value);
        } else {
            let _ = write!(self.rest, " {}={value}", field.name());
        }
    }
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        if field.name() == "message" {
            let _ = write!(self.message, "{value:?}");
        } else {
            let _ = write!(self.rest, " {}={value:?}", field.name());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_show_the_fields_sorted_and_cut_long_values() {
        let mut m = Meta::new();
        assert_eq!(label("load", &m), "load");
        m.insert("i".into(), 3.into());
        m.insert("file".into(), "a".repeat(40).into());
        let l = label("chunk", &m);
        assert_eq!(l, format!("chunk[file={}…,i=3]", "a".repeat(32)));
    }
}
