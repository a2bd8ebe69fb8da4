//! Which field of a record is wrong: when serde rejects a line, [`diagnose`] reads it
//! again as plain JSON and names the first field that is missing or of the wrong type,
//! so that the error says `field `end`: must be a time in ns, not "soon"` rather than
//! serde's view of the line.

use serde_json::Value as Json;

use crate::units::cut_after;

/// How many characters of a wrong value an error quotes.
const SHOWN_VALUE: usize = 60;

/// Finds which field of a record is wrong, for an error message that names it.
/// `e` is serde's error for the line `text`; `first` says it is the file's first
/// record. Returns the field, when one is to blame, and the message.
pub(super) fn diagnose(text: &str, e: &serde_json::Error, first: bool) -> (Option<String>, String) {
    let Ok(json) = serde_json::from_str::<Json>(text) else {
        let what = if first {
            "not a taskscope file: the first line is not JSON"
        } else {
            "not valid JSON"
        };
        return (None, format!("{what} ({e})"));
    };
    let Some(obj) = json.as_object() else {
        return (None, "a record must be a JSON object".to_string());
    };
    let Some(kind) = obj.get("type") else {
        if first {
            // JSON, but none of the formats taskscope reads.
            let keys: Vec<&str> = obj.keys().map(String::as_str).take(4).collect();
            let keys = match keys.is_empty() {
                true => "no fields".to_string(),
                false => format!("fields {}", keys.join(", ")),
            };
            return (
                None,
                format!(
                    "not a trace taskscope reads: the first record is JSON with {keys} but \
                     no `type`; taskscope reads its own traces (JSON Lines or .taskscope), \
                     Chrome trace-event JSON (an array of events or {{\"traceEvents\": …}}) \
                     and Graphviz DOT"
                ),
            );
        }
        return (Some("type".into()), "is missing".to_string());
    };
    let Some(kind) = kind.as_str() else {
        return (Some("type".into()), format!("must be a string, not {kind}"));
    };
    for check in checks(kind) {
        match obj.get(check.field) {
            None if check.required => {
                return (Some(check.field.to_string()), "is missing".to_string());
            }
            Some(v) if !(check.valid)(v) => {
                let shown = cut_after(v.to_string(), SHOWN_VALUE);
                let message = format!("must be {}, not {shown}", check.expected);
                return (Some(check.field.to_string()), message);
            }
            _ => {}
        }
    }
    (None, e.to_string())
}

/// What one field of a record must hold.
struct Check {
    /// The field's name.
    field: &'static str,
    /// Whether a record without it is wrong.
    required: bool,
    /// Whether a value is one the field may hold.
    valid: fn(&Json) -> bool,
    /// What the field must be, in words: "a time in ns".
    expected: &'static str,
}

/// A field every record of its type has.
const fn required(field: &'static str, valid: fn(&Json) -> bool, expected: &'static str) -> Check {
    Check {
        field,
        required: true,
        valid,
        expected,
    }
}

/// A field a record may leave out.
const fn optional(field: &'static str, valid: fn(&Json) -> bool, expected: &'static str) -> Check {
    Check {
        field,
        required: false,
        valid,
        expected,
    }
}

/// The fields of a record of type `kind`, in the order they are checked; none for a
/// type this version does not know.
fn checks(kind: &str) -> &'static [Check] {
    match kind {
        "header" => HEADER,
        "task" => TASK,
        "event" => EVENT,
        "sample" => SAMPLE,
        "end" => END,
        _ => &[],
    }
}

const HEADER: &[Check] = &[
    required("format", string, "a string"),
    required("version", id, "a positive integer"),
    required("tool", string, "a string"),
    required("clock", string, "a string"),
    optional("name", opt_string, "a string"),
];

const TASK: &[Check] = &[
    required("id", id, "an integer from 0 to 4294967295"),
    required("key", string, "a string"),
    optional("group", opt_string, "a string"),
    optional("op", opt_string, "a string"),
    optional("deps", ids, "a list of task ids"),
    optional("meta", Json::is_object, "an object"),
];

const EVENT: &[Check] = &[
    required("task", id, "a task id"),
    required("worker", id, "a worker number"),
    required("start", count, "a time in ns"),
    required("end", count, "a time in ns"),
    required(
        "status",
        task_status,
        "\"done\", \"failed\" or \"unfinished\"",
    ),
    optional("bytes", count, "a count of bytes"),
    optional("alloc", opt_count, "a count of bytes"),
    optional("peak", opt_count, "a count of bytes"),
    optional("message", opt_string, "a string"),
    optional("busy", opt_count, "a time in ns"),
    optional(
        "logs",
        log_lines,
        "a list of {\"t\",\"level\",\"message\"} objects",
    ),
];

const SAMPLE: &[Check] = &[
    required("t", count, "a time in ns"),
    optional("rss", opt_count, "a count of bytes"),
    optional("cpu", opt_count, "a time in ns"),
    optional("held", count, "a count of bytes"),
];

const END: &[Check] = &[
    required("tasks", count, "a count"),
    required("edges", count, "a count"),
    optional("events", count, "a count"),
    optional("status", run_status, "\"ok\", \"failed\" or \"cancelled\""),
    optional("wall", count, "a time in ns"),
    optional("error", opt_string, "a string"),
];

/// A task id, worker number or version: an integer that fits in 32 bits.
fn id(v: &Json) -> bool {
    v.as_u64().is_some_and(|n| n <= u32::MAX as u64)
}

/// A list of task ids.
fn ids(v: &Json) -> bool {
    v.as_array().is_some_and(|a| a.iter().all(id))
}

fn string(v: &Json) -> bool {
    v.is_string()
}

fn opt_string(v: &Json) -> bool {
    v.is_string() || v.is_null()
}

/// A count of bytes or a time in ns.
fn count(v: &Json) -> bool {
    v.is_u64()
}

fn opt_count(v: &Json) -> bool {
    v.is_u64() || v.is_null()
}

fn task_status(v: &Json) -> bool {
    matches!(v.as_str(), Some("done" | "failed" | "unfinished"))
}

fn run_status(v: &Json) -> bool {
    matches!(v.as_str(), Some("ok" | "failed" | "cancelled"))
}

/// A task's log: `{"t","level","message"}` objects.
fn log_lines(v: &Json) -> bool {
    v.as_array().is_some_and(|a| {
        a.iter().all(|l| {
            l.get("t").is_some_and(Json::is_u64)
                && l.get("level").is_some_and(Json::is_string)
                && l.get("message").is_some_and(Json::is_string)
        })
    })
}
