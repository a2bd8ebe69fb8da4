//! `taskscope demo`: the Dask tutorial, end to end, traced.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use anyhow::{Context, anyhow};
use clap::{Args, ValueEnum};
use ndarray::Axis;
use taskscope_collections::array::{Array, tutorial_normalization};
use taskscope_collections::delayed;
use taskscope_core::recorder::{RunReport, TraceOptions, TracedRunError, run_traced};
use taskscope_core::units::format_ns;
use taskscope_core::{
    ExecuteError, Executor, NoObserver, Observer, Outputs, Program, Sequential, TaskId, Threads,
};

use taskscope_exporters::{Format, RenderOptions, render_graph, render_timeline};

use crate::Failure;
use crate::input::TraceFileFormat;
use crate::progress::Progress;

/// Run the Dask tutorial's examples end to end, traced, and write their traces.
///
/// 1. Chunked arrays: a random 1000x1000 array in 100x100 chunks, normalized by
///    row: (x - x.mean(axis=1, keepdims=True)) / x.std(axis=1, keepdims=True).
///    590 tasks and 870 edges, the same graph Dask builds.
/// 2. delayed: inc, double and add over [1, 2, 3, 4, 5], then sum: 16 tasks, 50.
///
/// Prints the lazy arrays like Dask's repr, runs both on the threaded executor
/// with tracing (progress bars on a terminal), checks the results (row means 0,
/// row standard deviations 1, total 50; exit code 1 if not) and writes
/// DIR/norm.trace.jsonl and DIR/delayed.trace.jsonl (the graph, one event per
/// task with worker, start, end and bytes, and resource samples; DIR/norm.taskscope
/// and DIR/delayed.taskscope with --trace-format compact), and the
/// drawings DIR/norm_dask.pdf and DIR/delayed.pdf (the graphs, like the
/// tutorial's res.visualize('norm_dask.pdf')) and DIR/norm_timeline.svg. Ctrl-C stops the run
/// cleanly, keeps the trace so far and exits with code 130.
///
/// Examples:
///   taskscope demo
///   taskscope demo --out /tmp/demo && taskscope stats /tmp/demo/norm.trace.jsonl
///   taskscope demo --shape 4000x4000 --out big     # 9,160 tasks
///   taskscope demo --executor sequential --quiet
///   taskscope demo --trace-format compact --out c && taskscope view c/norm.taskscope
#[derive(Args)]
#[command(verbatim_doc_comment)]
pub(crate) struct DemoArgs {
    /// Folder for the trace files; created if missing.
    #[arg(long, value_name = "DIR", default_value = ".")]
    out: PathBuf,
    /// Shape of the random array, as ROWSxCOLS.
    #[arg(long, value_parser = parse_dims, default_value = "1000x1000")]
    shape: Dims,
    /// Chunk shape, as ROWSxCOLS; edge chunks may be smaller.
    #[arg(long, value_parser = parse_dims, default_value = "100x100")]
    chunks: Dims,
    /// Seed of the random array.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Which executor runs the graphs.
    #[arg(long, value_enum, default_value_t = ExecutorKind::Threads)]
    executor: ExecutorKind,
    /// Worker threads of the threaded executor [default: one per core].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    workers: Option<u16>,
    /// How often to sample memory and CPU, in milliseconds.
    #[arg(long, value_name = "MS", default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..))]
    sample_ms: u64,
    /// No progress bars.
    #[arg(long, short)]
    quiet: bool,
    /// The traces' format: JSON Lines (DIR/*.trace.jsonl) or the compact binary
    /// format (DIR/*.taskscope). Every command reads both.
    #[arg(long, value_enum, default_value_t = TraceFileFormat::Jsonl)]
    trace_format: TraceFileFormat,
    /// Only build the normalization's graph and write it to DIR/norm.trace.jsonl and
    /// DIR/norm_dask.pdf: no computing, for shapes too large to hold in memory
    /// (10000x10000 is 57,100 tasks and 800 MB of data).
    #[arg(long)]
    graph_only: bool,
}

#[derive(Clone, Copy, ValueEnum)]
enum ExecutorKind {
    /// N worker threads, ready tasks in an order that frees memory early.
    Threads,
    /// One task at a time on the calling thread.
    Sequential,
}

/// Two sizes, rows and columns.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Dims([usize; 2]);

/// Parses `1000x1000` (also `1000,1000`).
fn parse_dims(s: &str) -> Result<Dims, String> {
    let dims: Result<Vec<usize>, _> = s
        .split(['x', 'X', ','])
        .map(|p| p.trim().parse::<usize>())
        .collect();
    match dims.as_deref() {
        Ok(&[r, c]) if r > 0 && c > 0 => Ok(Dims([r, c])),
        _ => Err(format!(
            "expected two positive sizes like 1000x1000, got {s:?}"
        )),
    }
}

/// Runs the demo: the arrays, then `delayed`, then the drawings; exit code 1 when a
/// result fails its check.
pub(crate) fn run(args: DemoArgs) -> Result<(), Failure> {
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("cannot create the output folder {}", args.out.display()))?;
    let executor = executor(&args, cancel_on_ctrl_c());
    let traced = Traced {
        executor: executor.as_ref(),
        sample_period: Duration::from_millis(args.sample_ms),
        quiet: args.quiet,
    };
    let y = arrays(&args)?;
    let program = y.program()?;
    let norm_path = args.out.join(args.trace_format.file_name("norm"));
    if args.graph_only {
        taskscope_core::trace::save_graph(&norm_path, program.graph(), Some("norm"))?;
        crate::outln!(
            "   wrote the graph to {} (not computed: --graph-only)",
            norm_path.display()
        );
        return draw(&norm_path, &args.out.join("norm_dask.pdf"), false);
    }
    let arrays_ok = normalize(&traced, &y, &program, &norm_path)?;
    let delayed_path = args.out.join(args.trace_format.file_name("delayed"));
    let delayed_ok = delayed_sum(&traced, &delayed_path)?;
    drawings(&args.out, &norm_path, &delayed_path)?;
    crate::outln!("next: taskscope stats {}", norm_path.display());

    if arrays_ok && delayed_ok {
        Ok(())
    } else {
        Err(Failure {
            code: 1,
            error: anyhow!("the demo's results failed their checks (see above)"),
        })
    }
}

/// A flag the first Ctrl-C sets (stop starting tasks, keep the trace); a second
/// Ctrl-C leaves at once with code 130.
fn cancel_on_ctrl_c() -> Arc<AtomicBool> {
    let cancel = Arc::new(AtomicBool::new(false));
    let flag = cancel.clone();
    let _ = ctrlc::set_handler(move || {
        if flag.swap(true, Ordering::SeqCst) {
            std::process::exit(130);
        }
    });
    cancel
}

/// The executor `--executor` and `--workers` ask for; the threaded one stops when
/// `cancel` is set.
fn executor(args: &DemoArgs, cancel: Arc<AtomicBool>) -> Box<dyn Executor> {
    match args.executor {
        ExecutorKind::Threads => {
            let threads = match args.workers {
                Some(n) => Threads::new(n as usize),
                None => Threads::default(),
            };
            Box::new(threads.with_cancel(cancel))
        }
        ExecutorKind::Sequential => Box::new(Sequential),
    }
}

/// Step 1's lazy arrays, printed like Dask's repr: returns the normalized array.
fn arrays(args: &DemoArgs) -> Result<Array, Failure> {
    let Dims([rows, cols]) = args.shape;
    let Dims([crows, ccols]) = args.chunks;
    crate::outln!("1. Chunked arrays: normalize a random {rows}x{cols} array by row");
    crate::outln!("   x = random(({rows}, {cols}), chunks=({crows}, {ccols}))");
    crate::outln!("   y = (x - x.mean(axis=1, keepdims=True)) / x.std(axis=1, keepdims=True)");
    let (x, y) = tutorial_normalization(&args.shape.0, &args.chunks.0, args.seed)?;
    crate::outln!();
    crate::outln!("x = {x}");
    crate::outln!("{y:#}");
    crate::outln!();
    Ok(y)
}

/// Computes `y` traced into `path` and checks every row has mean 0 and standard
/// deviation 1; whether it does.
fn normalize(traced: &Traced, y: &Array, program: &Program, path: &Path) -> Result<bool, Failure> {
    let outputs = traced.run(program, &y.targets(program), path, "norm")?;
    let values = y.assemble(program, &outputs)?;
    let max_mean = values
        .mean_axis(Axis(1))
        .expect("rows are not empty")
        .iter()
        .fold(0.0f64, |m, v| m.max(v.abs()));
    let max_std_err = values
        .std_axis(Axis(1), 0.0)
        .iter()
        .fold(0.0f64, |m, v| m.max((v - 1.0).abs()));
    let ok = max_mean < 1e-9 && max_std_err < 1e-9;
    crate::outln!(
        "   check: largest |row mean| = {max_mean:.1e} (want ~0), largest |row std - 1| = {max_std_err:.1e} (want ~0): {}",
        verdict(ok)
    );
    crate::outln!();
    Ok(ok)
}

/// Step 2: the tutorial's `delayed` sum, computed traced into `path`; whether it is 50.
fn delayed_sum(traced: &Traced, path: &Path) -> Result<bool, Failure> {
    crate::outln!("2. delayed: inc, double and add over [1, 2, 3, 4, 5], then sum");
    let total = delayed::tutorial();
    let program = total.program()?;
    crate::outln!(
        "   total = {total}   ({} tasks, {} edges)",
        program.graph().len(),
        program.graph().edge_count()
    );
    let target = program
        .graph()
        .id_of(total.key())
        .expect("the sum is in its program");
    let outputs = traced.run(&program, &[target], path, "delayed")?;
    let sum = *outputs
        .get(target)
        .and_then(|v| v.downcast_ref::<i64>())
        .ok_or_else(|| anyhow!("the delayed sum returned no number"))?;
    let ok = sum == 50;
    crate::outln!(
        "   check: total.compute() = {sum} (want 50): {}",
        verdict(ok)
    );
    crate::outln!();
    Ok(ok)
}

/// Step 3: both graphs as PDF and the normalization's timeline as SVG, in `out`.
fn drawings(out: &Path, norm_path: &Path, delayed_path: &Path) -> Result<(), Failure> {
    crate::outln!("3. Drawings, like res.visualize('norm_dask.pdf'), without Graphviz");
    let drawings = [
        (norm_path, out.join("norm_dask.pdf"), false),
        (delayed_path, out.join("delayed.pdf"), false),
        (norm_path, out.join("norm_timeline.svg"), true),
    ];
    for (trace_path, file, timeline) in drawings {
        draw(trace_path, &file, timeline)?;
    }
    crate::outln!();
    Ok(())
}

/// Runs programs traced, with progress bars, reporting as the demo does.
struct Traced<'a> {
    executor: &'a dyn Executor,
    sample_period: Duration,
    quiet: bool,
}

impl Traced<'_> {
    fn run(
        &self,
        program: &Program,
        targets: &[TaskId],
        path: &Path,
        name: &str,
    ) -> Result<Outputs, Failure> {
        let progress = Progress::on_terminal(self.quiet);
        let observer: &dyn Observer = match &progress {
            Some(p) => p,
            None => &NoObserver,
        };
        let options = TraceOptions {
            name: Some(name.to_string()),
            sample_period: self.sample_period,
        };
        let result = run_traced(self.executor, program, targets, path, &options, observer);
        if let Some(p) = &progress {
            p.finish();
        }
        match result {
            Ok((outputs, report)) => {
                self.report(&report, path);
                Ok(outputs)
            }
            Err(TracedRunError::Execute {
                error: ExecuteError::Cancelled,
                path,
                report,
            }) => Err(Failure {
                code: 130,
                error: anyhow!(
                    "interrupted after {} of {} tasks; the trace so far is in {}",
                    report.events,
                    program.graph().len(),
                    path.display()
                ),
            }),
            Err(TracedRunError::Execute { error, path, .. }) => Err(Failure {
                code: 1,
                error: anyhow!(
                    "{error}; the trace with the failure is in {}",
                    path.display()
                ),
            }),
            Err(e @ TracedRunError::Write(_)) => Err(e.into()),
        }
    }

    fn report(&self, r: &RunReport, path: &Path) {
        crate::outln!(
            "   ran {} tasks on {} ({} worker{}) in {}; held outputs peaked near {}",
            r.events,
            self.executor.name(),
            self.executor.workers(),
            if self.executor.workers() == 1 {
                ""
            } else {
                "s"
            },
            format_ns(r.wall_ns),
            taskscope_core::units::format_bytes(r.peak_held),
        );
        crate::outln!("   wrote {} ({} events)", path.display(), r.events);
    }
}

/// Draws a trace the demo wrote: its graph (PDF, by the extension) or its timeline.
fn draw(trace_path: &Path, out: &Path, timeline: bool) -> Result<(), Failure> {
    let start = std::time::Instant::now();
    let trace = taskscope_core::trace::read(trace_path)?;
    let format = Format::from_path(out).expect("the demo's file names have known extensions");
    let bytes = if timeline {
        render_timeline(&trace, None, format)
    } else {
        render_graph(&trace, &RenderOptions::default(), format)
    }
    .map_err(|e| anyhow!("{}: {e}", trace_path.display()))?;
    taskscope_core::write_atomically(out, |w| w.write_all(&bytes))?;
    crate::outln!(
        "   wrote {} ({}) in {}",
        out.display(),
        taskscope_core::units::format_bytes(bytes.len() as u64),
        format_ns(start.elapsed().as_nanos() as u64)
    );
    Ok(())
}

/// `ok` or `FAILED`, for a check's line.
fn verdict(ok: bool) -> &'static str {
    if ok { "ok" } else { "FAILED" }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dims_parse_and_reject_clearly() {
        assert_eq!(parse_dims("1000x1000"), Ok(Dims([1000, 1000])));
        assert_eq!(parse_dims("300,200"), Ok(Dims([300, 200])));
        for bad in ["1000", "0x10", "axb", "1x2x3", ""] {
            let e = parse_dims(bad).unwrap_err();
            assert!(e.contains("like 1000x1000"), "{bad}: {e}");
        }
    }
}
