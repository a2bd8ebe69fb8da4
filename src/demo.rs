//! `taskscope demo`: the Dask tutorial, end to end.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, anyhow};
use clap::Args;
use ndarray::Axis;
use taskscope_core::array::tutorial_normalization;
use taskscope_core::{NoObserver, Sequential, TaskGraph, delayed, trace};

use crate::Failure;

/// Run the Dask tutorial's examples end to end and write their graphs.
///
/// 1. Chunked arrays: a random 1000x1000 array in 100x100 chunks, normalized by
///    row: (x - x.mean(axis=1, keepdims=True)) / x.std(axis=1, keepdims=True).
///    590 tasks and 870 edges, the same graph Dask builds.
/// 2. delayed: inc, double and add over [1, 2, 3, 4, 5], then sum: 16 tasks, 50.
///
/// Prints the lazy arrays like Dask's repr, computes both, checks the results
/// (row means 0, row standard deviations 1, total 50; exit code 1 if not) and
/// writes DIR/norm.trace.jsonl and DIR/delayed.trace.jsonl.
///
/// Examples:
///   taskscope demo
///   taskscope demo --out /tmp/demo && taskscope stats /tmp/demo/norm.trace.jsonl
///   taskscope demo --shape 4000x4000 --out big     # 9,160 tasks
#[derive(Args)]
#[command(verbatim_doc_comment)]
pub struct DemoArgs {
    /// Folder for the graph files; created if missing.
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

pub fn run(args: DemoArgs) -> Result<(), Failure> {
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("cannot create the output folder {}", args.out.display()))?;
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

    let program = y.program()?;
    let start = Instant::now();
    let values = y.compute_with(&Sequential, &NoObserver)?;
    let secs = start.elapsed().as_secs_f64();
    crate::outln!(
        "   computed {} tasks on the sequential executor in {secs:.3} s",
        program.graph().len()
    );
    let max_mean = values
        .mean_axis(Axis(1))
        .expect("rows are not empty")
        .iter()
        .fold(0.0f64, |m, v| m.max(v.abs()));
    let max_std_err = values
        .std_axis(Axis(1), 0.0)
        .iter()
        .fold(0.0f64, |m, v| m.max((v - 1.0).abs()));
    let arrays_ok = max_mean < 1e-9 && max_std_err < 1e-9;
    crate::outln!(
        "   check: largest |row mean| = {max_mean:.1e} (want ~0), largest |row std - 1| = {max_std_err:.1e} (want ~0): {}",
        verdict(arrays_ok)
    );
    crate::outln!();

    crate::outln!("2. delayed: inc, double and add over [1, 2, 3, 4, 5], then sum");
    let total = delayed::tutorial();
    let dprogram = total.program()?;
    crate::outln!(
        "   total = {total}   ({} tasks, {} edges)",
        dprogram.graph().len(),
        dprogram.graph().edge_count()
    );
    let sum = total.compute()?;
    let delayed_ok = sum == 50;
    crate::outln!(
        "   check: total.compute() = {sum} (want 50): {}",
        verdict(delayed_ok)
    );
    crate::outln!();

    let norm_path = args.out.join("norm.trace.jsonl");
    let delayed_path = args.out.join("delayed.trace.jsonl");
    save(&norm_path, program.graph(), "norm")?;
    save(&delayed_path, dprogram.graph(), "delayed")?;
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

fn verdict(ok: bool) -> &'static str {
    if ok { "ok" } else { "FAILED" }
}

fn save(path: &Path, graph: &TaskGraph, name: &str) -> anyhow::Result<()> {
    trace::save_graph(path, graph, Some(name))?;
    crate::outln!(
        "wrote {} ({} tasks, {} edges)",
        path.display(),
        graph.len(),
        graph.edge_count()
    );
    Ok(())
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
