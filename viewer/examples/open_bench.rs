//! How long the viewer takes to open a file, step by step, and how long one frame's
//! level-of-detail queries take at full zoom-out and zoomed in.
//!
//!   cargo run --release -p taskscope-viewer --example open_bench -- big.trace.jsonl

use std::time::Instant;

use taskscope_core::stats::RunStats;
use taskscope_viewer::Replay;
use taskscope_viewer::app::Document;

fn main() {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: open_bench FILE");
        std::process::exit(2);
    };
    let path = std::path::PathBuf::from(path);
    let t = Instant::now();
    let trace = taskscope_core::input::load(&path).unwrap_or_else(|e| {
        eprintln!("error: {e}");
        std::process::exit(2);
    });
    println!("read          {:>8.0} ms", t.elapsed().as_secs_f64() * 1e3);
    let t = Instant::now();
    let replay = Replay::from_trace(&trace).expect("replay");
    println!("replay        {:>8.0} ms", t.elapsed().as_secs_f64() * 1e3);
    let t = Instant::now();
    let _ = RunStats::of(&trace);
    println!("run stats     {:>8.0} ms", t.elapsed().as_secs_f64() * 1e3);
    drop(replay);
    let t = Instant::now();
    let _ =
        taskscope_exporters::graph_scene(&trace, &taskscope_exporters::RenderOptions::default());
    println!("graph layout  {:>8.0} ms", t.elapsed().as_secs_f64() * 1e3);
    let t = Instant::now();
    let doc = Document::of_trace(&path, trace, None).expect("document");
    println!(
        "document      {:>8.0} ms (replay, stats, layout)",
        t.elapsed().as_secs_f64() * 1e3
    );
    let lanes = doc.replay.lanes().len();
    for (name, t0, t1) in [
        ("zoomed out", 0, doc.end()),
        ("zoomed in", doc.end() / 2, doc.end() / 2 + doc.end() / 1000),
    ] {
        let t = Instant::now();
        let reps = 20;
        for _ in 0..reps {
            for lane in 0..lanes {
                std::hint::black_box(doc.replay.lane_columns(lane, t0, t1, 1500));
            }
            std::hint::black_box(doc.replay.group_progress_at(t1));
        }
        println!(
            "frame queries {:>8.2} ms ({name}: {lanes} lanes x 1500 columns, progress)",
            t.elapsed().as_secs_f64() * 1e3 / reps as f64
        );
    }
}
