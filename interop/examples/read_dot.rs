//! Times the DOT reader on a file: the median and fastest of several reads (the file is
//! read from disk once; each run parses it and builds the graph).
//!
//! ```text
//! cargo run --release -p taskscope-core --example read_dot -- norm_dask.dot [RUNS] [--raw]
//! ```

use std::time::{Duration, Instant};

use taskscope_interop::dot::{DotReadOptions, parse_dot};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let raw = args.iter().any(|a| a == "--raw");
    let mut rest = args.iter().filter(|a| *a != "--raw");
    let Some(path) = rest.next() else {
        eprintln!("usage: read_dot FILE [RUNS] [--raw]");
        std::process::exit(2);
    };
    let runs: usize = rest.next().and_then(|r| r.parse().ok()).unwrap_or(5).max(1);
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("{path}: {e}");
            std::process::exit(2);
        }
    };
    let options = DotReadOptions { raw };
    let mut times: Vec<Duration> = Vec::with_capacity(runs);
    let mut last = None;
    for _ in 0..runs {
        let start = Instant::now();
        let trace = match parse_dot(&bytes, path, &options) {
            Ok(t) => t,
            Err(e) => {
                eprintln!("{e}");
                std::process::exit(2);
            }
        };
        times.push(start.elapsed());
        last = Some(trace);
    }
    times.sort();
    let trace = last.expect("at least one run");
    println!(
        "{path}: {} bytes, {} tasks, {} edges, tool {:?}; parse_dot median {:.2} ms, min {:.2} ms ({runs} runs)",
        bytes.len(),
        trace.graph.len(),
        trace.graph.edge_count(),
        trace.header.tool,
        times[runs / 2].as_secs_f64() * 1e3,
        times[0].as_secs_f64() * 1e3,
    );
}
