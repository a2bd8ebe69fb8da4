//! How long the viewer takes to open a file, step by step; how long one frame's
//! level-of-detail queries take at full zoom-out and zoomed in; and the CPU time of
//! whole frames of the app (egui's pass and tessellation, no GPU) in both views.
//!
//!   cargo run --release -p taskscope-viewer --example open_bench -- big.trace.jsonl

use std::time::Instant;

use taskscope_analysis::replay::Replay;
use taskscope_analysis::stats::RunStats;
use taskscope_viewer::testing::{Document, Recent, ViewerApp};
use taskscope_viewer::{TimeSpec, ViewerOptions};

fn main() {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: open_bench FILE");
        std::process::exit(2);
    };
    let path = std::path::PathBuf::from(path);
    let t = Instant::now();
    let trace = taskscope_interop::input::load(&path).unwrap_or_else(|e| {
        eprintln!("error: {e}");
        std::process::exit(2);
    });
    println!("read          {:>8.0} ms", t.elapsed().as_secs_f64() * 1e3);
    let t = Instant::now();
    let replay = Replay::from_trace(trace).expect("replay");
    println!("replay        {:>8.0} ms", t.elapsed().as_secs_f64() * 1e3);
    let trace = replay.into_trace();
    let t = Instant::now();
    let _ = RunStats::of(&trace);
    println!("run stats     {:>8.0} ms", t.elapsed().as_secs_f64() * 1e3);
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
    let lanes = doc.replay().lanes().len();
    for (name, t0, t1) in [
        ("zoomed out", 0, doc.end()),
        ("zoomed in", doc.end() / 2, doc.end() / 2 + doc.end() / 1000),
    ] {
        let t = Instant::now();
        let reps = 20;
        for _ in 0..reps {
            for lane in 0..lanes {
                std::hint::black_box(doc.replay().lane_columns(lane, t0, t1, 1500));
            }
            std::hint::black_box(doc.replay().group_progress_at(t1));
        }
        println!(
            "frame queries {:>8.2} ms ({name}: {lanes} lanes x 1500 columns, progress)",
            t.elapsed().as_secs_f64() * 1e3 / reps as f64
        );
    }

    drop(doc);
    app_frames(&path);
}

/// Median CPU time of a whole frame of the app, zoomed out and zoomed in.
fn app_frames(path: &std::path::Path) {
    let options = ViewerOptions {
        file: Some(path.to_path_buf()),
        at: Some(TimeSpec::Fraction(0.5)),
        ..ViewerOptions::default()
    };
    let app = ViewerApp::with_recent(options, Recent::in_memory());
    let mut harness = egui_kittest::Harness::builder()
        .with_size(egui::vec2(1600.0, 1000.0))
        .build_ui_state(|ui, app: &mut ViewerApp| app.show(ui), app);
    harness.step();
    harness.state_mut().finish_loading();
    harness.run_steps(3);
    let end = harness.state().document().map_or(1, |d| d.end());
    for (name, zoom) in [("zoomed out", 1.0), ("zoomed in", 0.001)] {
        let view = harness.state_mut().timeline_mut();
        let mid = end as f64 / 2.0;
        view.t0 = mid - end as f64 * zoom / 2.0;
        view.t1 = mid + end as f64 * zoom / 2.0;
        let mut times = Vec::new();
        for _ in 0..15 {
            let t = Instant::now();
            harness.step();
            let shapes = harness.output().shapes.clone();
            std::hint::black_box(harness.ctx.tessellate(shapes, 1.0));
            times.push(t.elapsed().as_secs_f64() * 1e3);
        }
        times.sort_by(f64::total_cmp);
        println!(
            "app frame     {:>8.2} ms median, {:.2} to {:.2} ({name}, 1600x1000)",
            times[times.len() / 2],
            times[0],
            times[times.len() - 1]
        );
    }
}
