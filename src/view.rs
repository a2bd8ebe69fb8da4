//! `taskscope view`: the desktop viewer.

use std::path::PathBuf;

use anyhow::anyhow;
use clap::Args;
use taskscope_viewer::{TimeSpec, ViewerOptions};

use crate::Failure;

/// Open a trace or graph in the desktop viewer: the graph colored by each task's
/// state at the replay time, one timeline lane per worker, memory over time,
/// progress by group, the selected task's details, the slowest tasks and groups,
/// and the critical path on demand.
///
/// Any input taskscope reads opens: its traces and graphs, Chrome trace-event JSON,
/// Graphviz DOT (Dask's drawings too). A trace still being written (a running
/// `taskscope demo`, a Dask computation under the hook) is followed as it grows.
/// Without FILE, the window opens empty: use File > Open, a recent file, or drop a
/// file on it.
///
/// Keys: Space play/pause, ←/→ step (Shift: 10%), Home/End, W/S zoom and A/D pan
/// the timeline, F fit (or zoom to the selection), C critical path, Esc clear,
/// F1 help. Wheel zooms around the pointer, drag pans, double-click fits.
///
/// Examples:
///   taskscope view samples/norm.trace.jsonl
///   taskscope view norm.trace.jsonl --at 40% --play
///   xvfb-run -a taskscope view samples/norm.trace.jsonl --at 50% --screenshot view.png
#[derive(Args)]
#[command(verbatim_doc_comment)]
pub(crate) struct ViewArgs {
    /// A trace or graph to open (.jsonl, Chrome .json, .dot).
    file: Option<PathBuf>,
    /// Where the replay cursor starts: a share of the run (40%), start, end, or a time
    /// (250us, 1.5ms, 2s). Default: the end of a finished run, "now" for a live one.
    #[arg(long, value_name = "TIME")]
    at: Option<TimeSpec>,
    /// Start playing the replay (from --at, or from the start).
    #[arg(long)]
    play: bool,
    /// Select the task with this key once the file is open.
    #[arg(long, value_name = "KEY")]
    select: Option<String>,
    /// Save a PNG of the window once the file is shown, then exit (for CI and docs;
    /// needs a display: use xvfb-run on a headless machine).
    #[arg(long, value_name = "OUT.png", requires = "file")]
    screenshot: Option<PathBuf>,
}

pub(crate) fn run(args: ViewArgs) -> Result<(), Failure> {
    if let Some(file) = &args.file {
        // Refuse a missing file here, with exit code 2, before opening a window.
        std::fs::metadata(file).map_err(|e| anyhow!("cannot read {}: {e}", file.display()))?;
    }
    let options = ViewerOptions {
        file: args.file,
        at: args.at,
        play: args.play,
        screenshot: args.screenshot,
        select: args.select,
    };
    taskscope_viewer::run(options).map_err(|e| Failure::from(anyhow!(e)))
}
