//! `taskscope stats`: size and shape of a graph or trace.

use std::path::PathBuf;

use clap::Args;
use taskscope_analysis::stats::Stats;

use crate::Failure;
use crate::out::Format;

/// Print the size and shape of a graph or trace: tasks, edges, depth, width,
/// critical path and tasks per group; for a trace of a run also wall and busy time,
/// utilization per worker, time and bytes per group, peak RSS, peak held outputs
/// and the measured critical path (the chain of tasks with the longest total
/// recorded duration).
///
/// FILE is any input taskscope reads, recognized by its content: a taskscope graph
/// or trace, Graphviz DOT (Dask's drawings included) or Chrome trace-event JSON.
///
/// Examples:
///   taskscope stats norm.trace.jsonl
///   taskscope stats norm.trace.jsonl --format json | jq .critical_path
///   taskscope stats norm_dask.dot --format markdown >> "$GITHUB_STEP_SUMMARY"
///
/// The JSON object has sorted keys, "schema": "taskscope-stats" and a "version"
/// (1) raised only when a field changes meaning; docs/stats-json.md documents
/// every field. Graph fields: tasks, edges, depth (number of layers), width (tasks
/// in the largest layer), critical_path_tasks, groups (group -> tasks), truncated,
/// kind ("graph" or "run"). Run fields: wall_ns, busy_ns, utilization, workers
/// [{worker, tasks, busy_ns, utilization}], group_runs {group: {tasks, time_ns,
/// mean_ns, max_ns, bytes}}, peak_rss_bytes, peak_held_bytes, critical_path
/// {tasks, duration_ns, steps [{key, duration_ns}]}, events, failed, status.
#[derive(Args)]
#[command(verbatim_doc_comment)]
pub(crate) struct StatsArgs {
    /// A taskscope graph or trace, a DOT file or a Chrome trace-event JSON file.
    file: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
}

pub(crate) fn run(args: StatsArgs) -> Result<(), Failure> {
    let trace = crate::input::load(&args.file)?;
    let stats = Stats::of(&trace);
    match args.format {
        Format::Json => {
            crate::outln!(
                "{}",
                serde_json::to_string_pretty(&stats.to_json_value()).expect("JSON values print")
            );
        }
        Format::Markdown => {
            crate::out!("{}", stats.to_markdown(&args.file.display().to_string()));
        }
        Format::Text => {
            let name = trace.header.quoted_name();
            let title = format!(
                "{}: graph{name} (taskscope format v{}, written by {})",
                args.file.display(),
                trace.header.version,
                trace.header.tool
            );
            crate::out!("{}", stats.graph.to_text(&title));
            if let Some(run) = &stats.run {
                crate::out!("{}", run.to_text());
            }
        }
    }
    crate::input::warn_about(&args.file, &trace);
    Ok(())
}
