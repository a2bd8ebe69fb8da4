//! `taskscope stats`: size and shape of a graph or trace.

use std::path::PathBuf;

use clap::{Args, ValueEnum};
use taskscope_core::stats::GraphStats;

use crate::Failure;

/// Print the size and shape of a graph or trace: tasks, edges, depth, width,
/// critical path and tasks per group.
///
/// Examples:
///   taskscope stats norm.trace.jsonl
///   taskscope stats norm.trace.jsonl --format json | jq .groups
///
/// The JSON object has sorted keys and a `schema` number that changes only when a
/// field changes meaning: tasks, edges, depth (number of layers), width (tasks in
/// the largest layer), critical_path_tasks, groups (group -> tasks), truncated.
#[derive(Args)]
#[command(verbatim_doc_comment)]
pub struct StatsArgs {
    /// A taskscope graph or trace file (.jsonl).
    file: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Text,
    Json,
}

pub fn run(args: StatsArgs) -> Result<(), Failure> {
    let trace = crate::input::load(&args.file)?;
    let mut stats = GraphStats::of(&trace.graph);
    stats.truncated = trace.truncated;
    match args.format {
        Format::Json => crate::outln!("{}", stats.to_json()),
        Format::Text => {
            let name = trace
                .header
                .name
                .as_deref()
                .map(|n| format!(" \"{n}\""))
                .unwrap_or_default();
            let title = format!(
                "{}: graph{name} (taskscope format v{}, written by {})",
                args.file.display(),
                trace.header.version,
                trace.header.tool
            );
            crate::out!("{}", stats.to_text(&title));
        }
    }
    if trace.truncated {
        eprintln!(
            "warning: {} is truncated: its writer stopped before the end; the figures cover what it holds",
            args.file.display()
        );
    }
    Ok(())
}
