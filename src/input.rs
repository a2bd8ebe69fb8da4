//! Notes on stderr about what the readers of `taskscope_interop::input` skipped.

use std::path::Path;

use taskscope_core::trace::Trace;

pub(crate) use taskscope_interop::input::{LoadOptions, load, load_with};

/// Tells on stderr what a reader skipped and whether the file was cut short; what
/// taskscope shows covers what the file holds.
pub(crate) fn warn_about(path: &Path, trace: &Trace) {
    if trace.unknown_records > 0 {
        eprintln!(
            "note: {} skipped {} records or events that taskscope does not use (unknown kinds; see docs/chrome-trace.md for Chrome traces)",
            path.display(),
            trace.unknown_records
        );
    }
    if trace.truncated {
        eprintln!(
            "warning: {} is truncated: its writer stopped before the end; what follows covers what it holds",
            path.display()
        );
    }
}

/// The trace format of files a command names itself (`demo`'s, `bench`'s).
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum TraceFileFormat {
    /// JSON Lines, `*.trace.jsonl`: readable, the interchange format.
    Jsonl,
    /// The compact binary format, `*.taskscope`: about a tenth of the size, and
    /// cheaper to write, for large runs.
    Compact,
}

impl TraceFileFormat {
    /// The file name of trace `stem` in this format.
    pub(crate) fn file_name(self, stem: &str) -> String {
        match self {
            TraceFileFormat::Jsonl => format!("{stem}.trace.jsonl"),
            TraceFileFormat::Compact => format!("{stem}.taskscope"),
        }
    }
}
