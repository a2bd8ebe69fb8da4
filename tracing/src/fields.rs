//! Span and event fields as taskscope sees them: task metadata, key labels, log lines.

use std::fmt::{self, Write};

use serde_json::Value;
use smallvec::SmallVec;
use taskscope_core::Meta;
use taskscope_core::units::first_chars;
use tracing_core::field::{Field, Visit};

/// A span's fields, sorted by name, one value each (a field recorded again replaces
/// its value): its task's metadata, kept inline (no allocation for two fields or
/// fewer) until the span is written.
#[derive(Clone, Default)]
pub(crate) struct Fields(SmallVec<[(&'static str, Value); 2]>);

impl Fields {
    fn set(&mut self, name: &'static str, value: Value) {
        // Most spans record their fields once, in order.
        if self.0.last().is_none_or(|(last, _)| *last < name) {
            self.0.push((name, value));
            return;
        }
        match self.0.binary_search_by(|(n, _)| n.cmp(&name)) {
            Ok(i) => self.0[i].1 = value,
            Err(i) => self.0.insert(i, (name, value)),
        }
    }

    /// Makes `meta` these fields, reusing its entries when it has the same names (the
    /// same callsite as the last span written: no allocation). The fields are only
    /// read: a record the writer wrote to would have to come back from its core's
    /// cache before the span's thread fills that memory again.
    pub(crate) fn fill(&self, meta: &mut Meta) {
        let same_names =
            meta.len() == self.0.len() && meta.keys().zip(&self.0).all(|(k, (name, _))| k == name);
        if same_names {
            for (slot, (_, value)) in meta.values_mut().zip(&self.0) {
                slot.clone_from(value);
            }
        } else {
            meta.clear();
            meta.extend(self.0.iter().map(|(n, v)| (n.to_string(), v.clone())));
        }
    }
}

impl Visit for Fields {
    fn record_f64(&mut self, field: &Field, value: f64) {
        self.set(field.name(), Value::from(value));
    }
    fn record_i64(&mut self, field: &Field, value: i64) {
        self.set(field.name(), value.into());
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        self.set(field.name(), value.into());
    }
    fn record_bool(&mut self, field: &Field, value: bool) {
        self.set(field.name(), value.into());
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.set(field.name(), value.into());
    }
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.set(field.name(), format!("{value:?}").into());
    }
}

/// Longest field value, in characters, that goes into a key.
const LABEL_VALUE_CHARS: usize = 32;

/// A span's part of its key, `chunk[i=3]`: text kept inline when short (most labels
/// are), so making one is no allocation on the span's thread and no free on the
/// thread that writes it.
#[derive(Clone, Default)]
pub(crate) struct Label(SmallVec<[u8; 40]>);

impl Label {
    pub(crate) fn as_str(&self) -> &str {
        // Only text is pushed, and cut at character boundaries.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }
    fn push_str(&mut self, s: &str) {
        self.0.extend_from_slice(s.as_bytes());
    }
    fn push(&mut self, c: char) {
        self.push_str(c.encode_utf8(&mut [0; 4]));
    }
    fn len(&self) -> usize {
        self.0.len()
    }
    fn truncate(&mut self, len: usize) {
        self.0.truncate(len);
    }
}

impl Write for Label {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.push_str(s);
        Ok(())
    }
}

/// Appends a span's part of its key to `key`: its name, then its fields as given when
/// it was made, `chunk[i=3]`; the name alone when it has none. Values past 32
/// characters are cut.
pub(crate) fn push_label(key: &mut Label, name: &str, fields: &Fields) {
    key.push_str(name);
    if fields.0.is_empty() {
        return;
    }
    key.push('[');
    for (i, (k, v)) in fields.0.iter().enumerate() {
        if i > 0 {
            key.push(',');
        }
        key.push_str(k);
        key.push('=');
        let start = key.len();
        match v {
            Value::String(text) => key.push_str(text),
            // As `Display` writes them (with itoa), without the formatting machinery.
            Value::Number(n) if n.is_u64() || n.is_i64() => {
                let mut digits = itoa::Buffer::new();
                key.push_str(match (n.as_u64(), n.as_i64()) {
                    (Some(u), _) => digits.format(u),
                    (None, Some(i)) => digits.format(i),
                    (None, None) => unreachable!("an integer"),
                });
            }
            other => {
                let _ = write!(key, "{other}");
            }
        }
        // A value of at most 32 bytes has at most 32 characters: nothing to cut.
        if key.len() - start > LABEL_VALUE_CHARS {
            let kept = start + first_chars(&key.as_str()[start..], LABEL_VALUE_CHARS).len();
            if kept < key.len() {
                key.truncate(kept);
                key.push('…');
            }
        }
    }
    key.push(']');
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
        let label = |f: &Fields| {
            let mut key = Label::default();
            push_label(&mut key, if f.0.is_empty() { "load" } else { "chunk" }, f);
            key.as_str().to_string()
        };
        let mut f = Fields::default();
        assert_eq!(label(&f), "load");
        f.set("i", 3.into());
        f.set("file", "a".repeat(40).into());
        assert_eq!(label(&f), format!("chunk[file={}…,i=3]", "a".repeat(32)));
        f.set("i", (-7).into());
        assert_eq!(label(&f), format!("chunk[file={}…,i=-7]", "a".repeat(32)));
        f.set("i", u64::MAX.into());
        assert_eq!(
            label(&f),
            format!("chunk[file={}…,i={}]", "a".repeat(32), u64::MAX)
        );
        f.set("i", 4.5.into());
        f.set("e", "é".repeat(33).into());
        let l = label(&f);
        assert_eq!(
            l,
            format!(
                "chunk[e={}…,file={}…,i=4.5]",
                "é".repeat(32),
                "a".repeat(32)
            )
        );
    }

    #[test]
    fn fields_fill_metadata_reusing_its_entries_when_the_names_match() {
        let mut meta = Meta::new();
        let mut f = Fields::default();
        f.set("i", 1.into());
        f.fill(&mut meta);
        assert_eq!(serde_json::to_string(&meta).unwrap(), r#"{"i":1}"#);
        let mut f = Fields::default();
        f.set("i", 2.into());
        f.fill(&mut meta);
        assert_eq!(serde_json::to_string(&meta).unwrap(), r#"{"i":2}"#);
        let mut f = Fields::default();
        f.set("j", true.into());
        f.set("b", "x".into());
        f.set("j", false.into());
        f.fill(&mut meta);
        assert_eq!(
            serde_json::to_string(&meta).unwrap(),
            r#"{"b":"x","j":false}"#
        );
        Fields::default().fill(&mut meta);
        assert!(meta.is_empty());
    }
}
