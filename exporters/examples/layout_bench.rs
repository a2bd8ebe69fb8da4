//! Times the layered layout on the tutorial's graphs and on synthetic ones.
//!
//! ```text
//! cargo run --release -p taskscope-exporters --example layout_bench
//! cargo run --release -p taskscope-exporters --example layout_bench -- tutorial 10000
//! cargo run --release -p taskscope-exporters --example layout_bench -- random 100000 --svg out.svg
//! ```
//!
//! Graphs: `tutorial N` is the normalization of an N x N array in 100 x 100 chunks
//! (590 tasks at 1000, 9,160 at 4000, 57,100 at 10000); `chain|fanin|tree|layered|random
//! N` are synthetic graphs of N tasks. Every box is 90 x 36. With `--svg FILE` the layout
//! is also written as a bare SVG (boxes and edges) to look at; with `--dot FILE` the graph
//! is written as DOT, for Graphviz to lay out the same graph; `--sweeps N` sets the
//! crossing-reduction sweeps (default 8) and `--rankdir TB|BT|LR|RL` the direction.

use std::io::Write;
use std::time::Instant;

use taskscope_collections::array::tutorial_normalization;
use taskscope_collections::synth::{Shape, program};
use taskscope_core::TaskGraph;
use taskscope_exporters::layout::{Direction, Layout, LayoutInput, layout};
use taskscope_exporters::{DotOptions, RankDir, write_dot};

fn input_of(graph: &TaskGraph) -> LayoutInput {
    let mut edges = Vec::with_capacity(graph.edge_count());
    for (id, task) in graph.tasks() {
        edges.extend(task.deps().iter().map(|d| (d.index(), id.index())));
    }
    LayoutInput {
        sizes: vec![(90.0, 36.0); graph.len()],
        edges,
        ..LayoutInput::default()
    }
}

fn graph(kind: &str, n: usize) -> TaskGraph {
    let shape = match kind {
        "tutorial" => {
            let (_, y) = tutorial_normalization(&[n, n], &[100, 100], 0).expect("tutorial graph");
            return y.program().expect("tutorial program").graph().clone();
        }
        "chain" => Shape::Chain,
        "fanin" => Shape::FanIn,
        "tree" => Shape::Tree,
        "layered" => Shape::Layered,
        "random" => Shape::Random,
        other => panic!("unknown graph {other:?}"),
    };
    program(shape, n, 0)
        .expect("synthetic graph")
        .graph()
        .clone()
}

fn write_svg(path: &str, input: &LayoutInput, out: &Layout) -> std::io::Result<()> {
    let mut f = std::io::BufWriter::new(std::fs::File::create(path)?);
    writeln!(
        f,
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="-10 -10 {} {}" width="{}" height="{}">"#,
        out.width + 20.0,
        out.height + 20.0,
        out.width + 20.0,
        out.height + 20.0
    )?;
    for line in &out.edges {
        let points: Vec<String> = line
            .iter()
            .map(|p| format!("{:.1},{:.1}", p.0, p.1))
            .collect();
        writeln!(
            f,
            r#"<polyline points="{}" fill="none" stroke="black"/>"#,
            points.join(" ")
        )?;
    }
    for (c, s) in out.centers.iter().zip(&input.sizes) {
        writeln!(
            f,
            r##"<rect x="{:.1}" y="{:.1}" width="{}" height="{}" fill="#8dd3c7" stroke="black"/>"##,
            c.0 - s.0 / 2.0,
            c.1 - s.1 / 2.0,
            s.0,
            s.1
        )?;
    }
    writeln!(f, "</svg>")
}

/// What to run and how.
struct Options<'a> {
    sweeps: usize,
    direction: Direction,
    svg: Option<&'a str>,
    dot: Option<&'a str>,
}

fn run(kind: &str, n: usize, options: &Options) {
    let graph = graph(kind, n);
    if let Some(path) = options.dot {
        let mut f = std::io::BufWriter::new(std::fs::File::create(path).expect("create dot"));
        write_dot(&mut f, &graph, &DotOptions::default()).expect("write dot");
    }
    let input = LayoutInput {
        sweeps: options.sweeps,
        direction: options.direction,
        ..input_of(&graph)
    };
    // Small graphs: best of several runs; large ones: one run.
    let runs = if input.sizes.len() < 20_000 { 5 } else { 1 };
    let mut best = f64::INFINITY;
    let mut out = Layout::default();
    for _ in 0..runs {
        let t = Instant::now();
        out = layout(&input);
        best = best.min(t.elapsed().as_secs_f64());
    }
    println!(
        "{kind:>8} {n:>7}: {:>7} tasks {:>7} edges  {:>9.1} ms  {:>8} crossings  {:>5} layers  {:.0} x {:.0}",
        input.sizes.len(),
        input.edges.len(),
        best * 1e3,
        out.crossings,
        out.layers,
        out.width,
        out.height
    );
    if let Some(path) = options.svg {
        write_svg(path, &input, &out).expect("write svg");
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let option = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .map(String::as_str)
    };
    let direction = match option("--rankdir").unwrap_or("TB") {
        "TB" => RankDir::TB,
        "BT" => RankDir::BT,
        "LR" => RankDir::LR,
        "RL" => RankDir::RL,
        other => panic!("unknown rankdir {other:?}"),
    };
    let options = Options {
        sweeps: option("--sweeps").map_or(8, |s| s.parse().expect("a number of sweeps")),
        direction: direction.into(),
        svg: option("--svg"),
        dot: option("--dot"),
    };
    match args.first().map(String::as_str) {
        Some(kind) if !kind.starts_with("--") => {
            let n = args.get(1).and_then(|s| s.parse().ok()).expect("a size");
            run(kind, n, &options);
        }
        _ => {
            for n in [1000, 4000, 10000] {
                run("tutorial", n, &options);
            }
            for kind in ["chain", "fanin", "tree", "layered", "random"] {
                run(kind, 100_000, &options);
            }
        }
    }
}
