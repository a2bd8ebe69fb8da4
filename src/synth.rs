//! `taskscope synth`: large synthetic graphs and traces, for testing and benchmarks.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context;
use clap::{Args, ValueEnum};
use taskscope_collections::synth::{self, Shape};
use taskscope_core::recorder::{TraceOptions, TracedRunError, run_traced};
use taskscope_core::units::format_ns;
use taskscope_core::{NoObserver, Observer, Threads, trace};

use crate::Failure;
use crate::progress::Progress;

/// Make a synthetic task graph of any size and write it, or run it (trivial tasks)
/// and write the trace of the run.
///
/// Shapes: chain (each task depends on the previous one), fanin (N-1 independent
/// tasks summed by one), tree (binary reduction), layered (layers of about sqrt(N)
/// tasks, each reading 1 to 3 tasks of the layer above), random (each task reads 0
/// to 3 earlier tasks). Deterministic for a given --seed.
///
/// Examples:
///   taskscope synth --shape layered --tasks 100000 -o layered.trace.jsonl
///   taskscope synth --shape random --tasks 1000000 -o big.trace.jsonl --run
///   taskscope synth --shape layered --tasks 10000000 --run -o big.taskscope  # compact
#[derive(Args)]
#[command(verbatim_doc_comment)]
pub(crate) struct SynthArgs {
    /// Form of the graph.
    #[arg(long, value_enum)]
    shape: ShapeArg,
    /// Number of tasks (a tree rounds to a full binary tree).
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=100_000_000))]
    tasks: u64,
    /// Output file: the graph, or with --run the trace of running it; JSON Lines, or
    /// the compact binary format when the name ends in .taskscope (docs/compact-format.md).
    #[arg(short, long)]
    output: PathBuf,
    /// Run the graph on the threaded executor and write its trace.
    #[arg(long)]
    run: bool,
    /// Worker threads for --run [default: one per core].
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..))]
    workers: Option<u16>,
    /// Seed of the random shapes.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// No progress bars.
    #[arg(long, short)]
    quiet: bool,
}

#[derive(Clone, Copy, ValueEnum)]
enum ShapeArg {
    Chain,
    Fanin,
    Tree,
    Layered,
    Random,
}

impl From<ShapeArg> for Shape {
    fn from(s: ShapeArg) -> Shape {
        match s {
            ShapeArg::Chain => Shape::Chain,
            ShapeArg::Fanin => Shape::FanIn,
            ShapeArg::Tree => Shape::Tree,
            ShapeArg::Layered => Shape::Layered,
            ShapeArg::Random => Shape::Random,
        }
    }
}

pub(crate) fn run(args: SynthArgs) -> Result<(), Failure> {
    let shape: Shape = args.shape.into();
    let start = Instant::now();
    let program = synth::program(shape, args.tasks as usize, args.seed)?;
    let graph = program.graph();
    crate::outln!(
        "built a {} graph: {} tasks, {} edges, depth {}, width {} in {}",
        shape.name(),
        graph.len(),
        graph.edge_count(),
        graph.depth(),
        graph.width(),
        format_ns(start.elapsed().as_nanos() as u64)
    );
    let start = Instant::now();
    if args.run {
        let executor = match args.workers {
            Some(n) => Threads::new(n as usize),
            None => Threads::default(),
        };
        let progress = Progress::on_terminal(args.quiet);
        let observer: &dyn Observer = match &progress {
            Some(p) => p,
            None => &NoObserver,
        };
        let targets = synth::sinks(&program);
        let options = TraceOptions::named(shape.name());
        let result = run_traced(
            &executor,
            &program,
            &targets,
            &args.output,
            &options,
            observer,
        );
        if let Some(p) = &progress {
            p.finish();
        }
        let report = match result {
            Ok((_, report)) => report,
            Err(TracedRunError::Execute { error, .. }) => return Err(anyhow::anyhow!(error).into()),
            Err(e) => return Err(e.into()),
        };
        crate::outln!(
            "ran it on {} workers in {} (tasks alone), {} with the trace written",
            executor_workers(&executor),
            format_ns(report.wall_ns),
            format_ns(start.elapsed().as_nanos() as u64)
        );
    } else {
        trace::save_graph(&args.output, graph, Some(shape.name()))?;
        crate::outln!(
            "wrote the graph in {}",
            format_ns(start.elapsed().as_nanos() as u64)
        );
    }
    let bytes = std::fs::metadata(&args.output)
        .with_context(|| format!("cannot read back {}", args.output.display()))?
        .len();
    crate::outln!(
        "{}: {} ({:.0} bytes per task)",
        args.output.display(),
        taskscope_core::units::format_bytes(bytes),
        bytes as f64 / graph.len() as f64
    );
    Ok(())
}

fn executor_workers(t: &Threads) -> usize {
    use taskscope_core::Executor;
    t.workers()
}
