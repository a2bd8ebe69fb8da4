//! Cost per span of the taskscope layer, next to a registry alone (no layer) and
//! `tracing-chrome`, in one run:
//!
//! ```text
//! cargo run --release -p taskscope-tracing --example overhead -- [SPANS] [RUNS] [VARIANT]
//! ```
//!
//! VARIANT (`registry`, `taskscope`, `chrome`) runs that one alone, for a profiler.
//!
//! Each run makes SPANS spans (default 10^6) on one thread, each made, entered,
//! exited and closed, with one field (`i`) as most instrumented code has; the time
//! counts until the writer's guard is dropped, so the file is complete (tracing-chrome
//! writes on a thread of its own, taskscope on the closing thread). Prints the median
//! ns per span of RUNS runs (default 5), the variants alternating.

use std::time::Instant;

use tracing_subscriber::prelude::*;

fn spans(n: u64) {
    for i in 0..n {
        let _span = tracing::info_span!("work", i).entered();
    }
}

/// ns per span of one run of `variant`.
fn run(variant: &str, n: u64, dir: &std::path::Path) -> f64 {
    let start = Instant::now();
    match variant {
        "registry only" => {
            tracing::subscriber::with_default(tracing_subscriber::registry(), || spans(n));
        }
        "taskscope" => {
            let (layer, guard) = taskscope_tracing::layer(dir.join("spans.trace.jsonl")).unwrap();
            tracing::subscriber::with_default(tracing_subscriber::registry().with(layer), || {
                spans(n)
            });
            guard.finish().unwrap();
        }
        "tracing-chrome" => {
            let (layer, guard) = tracing_chrome::ChromeLayerBuilder::new()
                .file(dir.join("spans.json"))
                .include_args(true)
                .build();
            tracing::subscriber::with_default(tracing_subscriber::registry().with(layer), || {
                spans(n)
            });
            drop(guard);
        }
        _ => unreachable!(),
    }
    start.elapsed().as_nanos() as f64 / n as f64
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let mut args = std::env::args().skip(1);
    let n: u64 = args.next().map_or(1_000_000, |a| a.parse().expect("SPANS"));
    let runs: usize = args.next().map_or(5, |a| a.parse().expect("RUNS"));
    let dir = std::env::temp_dir().join(format!("taskscope-overhead-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let only = args.next();
    let variants: Vec<&str> = ["registry only", "taskscope", "tracing-chrome"]
        .into_iter()
        .filter(|v| only.as_deref().is_none_or(|o| v.contains(o)))
        .collect();
    let mut times = vec![Vec::new(); variants.len()];
    for r in 0..runs {
        // Rotate the order so that no variant always runs first.
        for k in 0..variants.len() {
            let v = (r + k) % variants.len();
            times[v].push(run(variants[v], n, &dir));
        }
    }
    println!("{n} spans, median of {runs} runs:");
    let base = match variants[0] {
        "registry only" => median(times[0].clone()),
        _ => 0.0,
    };
    for (name, t) in variants.iter().zip(times) {
        let m = median(t);
        println!(
            "  {name:<15} {m:>7.0} ns/span  (+{:.0} ns over the registry)",
            m - base
        );
    }
    for f in ["spans.trace.jsonl", "spans.json"] {
        if let Ok(meta) = std::fs::metadata(dir.join(f)) {
            println!("  {f}: {:.1} MB", meta.len() as f64 / 1e6);
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}
