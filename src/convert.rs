//! `taskscope convert`: between taskscope traces and Chrome trace-event JSON.

use std::path::{Path, PathBuf};

use anyhow::anyhow;
use clap::{Args, ValueEnum};
use taskscope_core::trace::{Trace, TraceFormat};
use taskscope_core::{trace, write_atomically};
use taskscope_interop::chrome;

use crate::Failure;

/// Convert a trace between taskscope's formats (.jsonl, .taskscope) and Chrome trace-event JSON (.json).
///
/// The input's format is told from its content: a taskscope graph or trace, or
/// Chrome trace-event JSON, written by taskscope or by another tool (Node.js
/// --trace-events-enabled, viztracer, PyTorch's profiler, ...). The output's format
/// comes from its extension, .json for Chrome, .jsonl for taskscope's JSON Lines and
/// .taskscope for its compact binary format (about a tenth of the size, for large
/// runs), unless --format names it. JSONL and .taskscope hold the same content: a
/// trace converted from one to the other and back is the same file, byte for byte.
/// The output is written atomically: all of it or nothing.
///
/// Chrome JSON opens in Perfetto (ui.perfetto.dev) and chrome://tracing, with one
/// track per worker and one slice per task. It also keeps what taskscope needs to
/// read it back without losing a task, a time or a byte count. A trace from another
/// tool becomes one task per slice, one worker per thread (pid, tid). Nested slices
/// record their enclosing slice in meta.parent and meta.depth. docs/chrome-trace.md
/// has the details.
///
/// Examples:
///   taskscope convert run.trace.jsonl -o run.json     # then open run.json in Perfetto
///   taskscope convert run.json -o run.trace.jsonl     # and back, losing nothing
///   taskscope convert big.trace.jsonl -o big.taskscope  # compact: ~20 bytes a task
///   taskscope convert node_trace.1.log -o node.trace.jsonl && taskscope stats node.trace.jsonl
///   taskscope convert profile.json -o profile.out --format taskscope
#[derive(Args)]
#[command(verbatim_doc_comment)]
pub(crate) struct ConvertArgs {
    /// Input file: a taskscope graph or trace, or a Chrome trace-event JSON file.
    input: PathBuf,
    /// Output file; its extension chooses the format (.json: Chrome, .jsonl: taskscope,
    /// .taskscope: taskscope's compact format).
    #[arg(short, long, value_name = "OUTPUT")]
    output: PathBuf,
    /// Output format, whatever the output's extension.
    #[arg(long, value_enum)]
    format: Option<Format>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Format {
    /// taskscope's JSON Lines format (docs/trace-format.md).
    Taskscope,
    /// taskscope's compact binary format (docs/compact-format.md).
    Compact,
    /// Chrome trace-event JSON, for Perfetto and chrome://tracing.
    Chrome,
}

/// The output format: `--format`, else the output's extension.
fn output_format(output: &Path, format: Option<Format>) -> anyhow::Result<Format> {
    if let Some(f) = format {
        return Ok(f);
    }
    let ext = output
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase());
    match ext.as_deref() {
        Some("json") => Ok(Format::Chrome),
        Some("jsonl") => Ok(Format::Taskscope),
        Some("taskscope") => Ok(Format::Compact),
        _ => Err(anyhow!(
            "{}: cannot tell the output format from the file name; name it .json (Chrome \
             trace-event JSON), .jsonl (taskscope) or .taskscope (taskscope, compact), or \
             pass --format chrome|taskscope|compact",
            output.display()
        )),
    }
}

pub(crate) fn run(args: ConvertArgs) -> Result<(), Failure> {
    let format = output_format(&args.output, args.format)?;
    let trace = crate::input::load(&args.input)?;
    let written = match format {
        Format::Chrome => write_atomically(&args.output, |w| chrome::write_chrome(w, &trace)),
        Format::Taskscope | Format::Compact => {
            let encoding = match format {
                Format::Compact => TraceFormat::Compact,
                _ => TraceFormat::Jsonl,
            };
            write_atomically(&args.output, |w| trace::write_trace_as(w, &trace, encoding))
        }
    };
    written?;
    let what = match format {
        Format::Chrome => "Chrome trace-event JSON",
        Format::Taskscope => "taskscope trace",
        Format::Compact => "compact taskscope trace",
    };
    crate::outln!(
        "{} -> {} ({what}): {}",
        args.input.display(),
        args.output.display(),
        summary(&trace)
    );
    crate::input::warn_about(&args.input, &trace);
    Ok(())
}

fn summary(trace: &Trace) -> String {
    let workers = trace
        .events
        .iter()
        .map(|e| e.worker)
        .max()
        .map_or(0, |w| w + 1);
    let workers = trace
        .header
        .run
        .as_ref()
        .map_or(workers, |r| r.workers.max(workers));
    format!(
        "{} tasks, {} edges, {} events on {} workers, {} samples",
        trace.graph.len(),
        trace.graph.edge_count(),
        trace.events.len(),
        workers,
        trace.samples.len()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_output_format_comes_from_the_extension_unless_given() {
        let f = |name: &str, given| output_format(Path::new(name), given).ok();
        assert_eq!(f("run.json", None), Some(Format::Chrome));
        assert_eq!(f("RUN.JSON", None), Some(Format::Chrome));
        assert_eq!(f("run.trace.jsonl", None), Some(Format::Taskscope));
        assert_eq!(
            f("run.json", Some(Format::Taskscope)),
            Some(Format::Taskscope)
        );
        assert_eq!(f("run.txt", Some(Format::Chrome)), Some(Format::Chrome));
        assert_eq!(f("run.txt", None), None);
        assert_eq!(f("run", None), None);
    }
}
