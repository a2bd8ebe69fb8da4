//! `taskscope bench`: the cost of scheduling and tracing, per task.

use std::time::Instant;

use anyhow::{Context, anyhow};
use clap::{Args, ValueEnum};
use serde::Serialize;
use taskscope_collections::array::tutorial_normalization;
use taskscope_collections::synth::{self, Shape};
use taskscope_core::recorder::{TraceOptions, run_traced};
use taskscope_core::units::format_ns;
use taskscope_core::{Executor, NoObserver, Program, Sequential, TaskId, Threads};

use crate::Failure;
use crate::input::TraceFileFormat;

/// Measure scheduling overhead: trivial tasks in a chain and in a fan-in (N
/// independent tasks summed by one), on the sequential executor and on threads,
/// with tracing off and on (tracing on writes a real trace file to a temporary
/// folder, in the compact format unless --trace-format jsonl). Also times the
/// tutorial's normalization (590 real tasks).
///
/// Each configuration runs --repeat times; the median is reported. Graph building
/// is not timed; the executor's own set-up is.
///
/// Examples:
///   taskscope bench
///   taskscope bench --tasks 1000000 --format json > bench.json
///   taskscope bench --trace-format jsonl      # the cost of writing JSON Lines instead
///
/// JSON: an array of objects with shape, executor, threads, traced, tasks,
/// trace_format, wall_ns (median), min_wall_ns, per_task_ns (median wall / tasks),
/// repeat.
#[derive(Args)]
#[command(verbatim_doc_comment)]
pub(crate) struct BenchArgs {
    /// Tasks in the chain and in the fan-in.
    #[arg(long, default_value_t = 100_000, value_parser = clap::value_parser!(u64).range(2..=50_000_000))]
    tasks: u64,
    /// Worker threads of the threaded executor.
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u16).range(1..))]
    threads: u16,
    /// Runs of each configuration.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u16).range(1..))]
    repeat: u16,
    /// The format of the trace files that runs with tracing on write.
    #[arg(long, value_enum, default_value_t = TraceFileFormat::Compact)]
    trace_format: TraceFileFormat,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Text,
    Json,
}

/// One measured configuration. Fields in alphabetical order (sorted JSON keys).
#[derive(Serialize)]
struct Row {
    executor: String,
    min_wall_ns: u64,
    per_task_ns: f64,
    repeat: u16,
    shape: &'static str,
    tasks: usize,
    threads: usize,
    trace_format: TraceFileFormat,
    traced: bool,
    wall_ns: u64,
}

pub(crate) fn run(args: BenchArgs) -> Result<(), Failure> {
    let scratch = tempfile::tempdir().context("cannot create a temporary folder for traces")?;
    let trace_path = scratch.path().join(args.trace_format.file_name("bench"));
    let threads = Threads::new(args.threads as usize);
    let executors: [&dyn Executor; 2] = [&Sequential, &threads];
    let mut rows = Vec::new();

    let mut workloads: Vec<(&'static str, Program, Vec<TaskId>)> = Vec::new();
    for shape in [Shape::Chain, Shape::FanIn] {
        let program = synth::program(shape, args.tasks as usize, 0)?;
        let targets = synth::sinks(&program);
        workloads.push((shape.name(), program, targets));
    }
    let (_, y) = tutorial_normalization(&[1000, 1000], &[100, 100], 0)?;
    let program = y.program()?;
    let targets = y.targets(&program);
    workloads.push(("tutorial", program, targets));

    if matches!(args.format, Format::Text) {
        crate::outln!(
            "{:<9} {:<10} {:>7}  {:<7} {:>9}  {:>10}  {:>9}  {}",
            "workload",
            "executor",
            "threads",
            "tracing",
            "tasks",
            "wall",
            "per task",
            "tracing adds"
        );
    }
    for (shape, program, targets) in &workloads {
        for exec in executors {
            for traced in [false, true] {
                let mut walls = Vec::with_capacity(args.repeat as usize);
                for _ in 0..args.repeat {
                    let start = Instant::now();
                    if traced {
                        run_traced(
                            exec,
                            program,
                            targets,
                            &trace_path,
                            &TraceOptions::default(),
                            &NoObserver,
                        )?;
                    } else {
                        exec.execute(program, targets, &NoObserver)?;
                    }
                    walls.push(start.elapsed().as_nanos() as u64);
                }
                walls.sort_unstable();
                let wall_ns = walls[walls.len() / 2];
                let tasks = program.graph().len();
                rows.push(Row {
                    executor: exec.name().to_string(),
                    min_wall_ns: walls[0],
                    per_task_ns: wall_ns as f64 / tasks as f64,
                    repeat: args.repeat,
                    shape,
                    tasks,
                    threads: exec.workers(),
                    trace_format: args.trace_format,
                    traced,
                    wall_ns,
                });
                if matches!(args.format, Format::Text) {
                    print_row(&rows);
                }
            }
        }
    }
    if matches!(args.format, Format::Json) {
        crate::outln!(
            "{}",
            serde_json::to_string_pretty(&rows).map_err(|e| anyhow!(e))?
        );
    }
    Ok(())
}

/// Prints the last row measured, and after a traced row what tracing added per task
/// (its median against the untraced median just before it).
fn print_row(rows: &[Row]) {
    let Some(r) = rows.last() else { return };
    let added = match rows.len().checked_sub(2).map(|i| &rows[i]) {
        Some(off) if r.traced && !off.traced && off.shape == r.shape => {
            let ns = r.per_task_ns - off.per_task_ns;
            let sign = if ns < 0.0 { "-" } else { "+" };
            format!("{sign}{} a task", format_ns(ns.abs().round() as u64))
        }
        _ => String::new(),
    };
    let line = format!(
        "{:<9} {:<10} {:>7}  {:<7} {:>9}  {:>10}  {:>9}  {}",
        r.shape,
        r.executor,
        r.threads,
        if r.traced { "on" } else { "off" },
        r.tasks,
        format_ns(r.wall_ns),
        format_ns(r.per_task_ns.round() as u64),
        added
    );
    crate::outln!("{}", line.trim_end());
}
