//! Cost per span of the taskscope layer, next to a registry alone (no layer) and
//! `tracing-chrome`, in one run:
//!
//! ```text
//! cargo run --release -p taskscope-tracing --example overhead -- [SPANS] [RUNS] [VARIANT]
//! ```
//!
//! VARIANT (`registry`, `taskscope`, `taskscope-jsonl`, `chrome`, or several joined by
//! commas) runs those alone: one for a profiler, `registry,taskscope` for the layer's
//! cost. `taskscope` writes the compact format (`spans.taskscope`), `taskscope-jsonl`
//! JSON Lines.
//!
//! Each run makes SPANS spans (default 10^6) on one thread, each made, entered,
//! exited and closed, with one field (`i`) as most instrumented code has: first all
//! at the top level (every label is new there, so taskscope's count of each root
//! label, which keeps keys unique, holds 10^6 of them), then 1000 under each of
//! SPANS/1000 parents; the time counts until the writer's guard is dropped, so the
//! file is complete (tracing-chrome and taskscope write on a thread of their own).
//! Each run is a process of its own. Prints the median ns per span of RUNS runs
//! (default 5), the variants alternating: a table on stderr,
//! and one JSON line on stdout with the top-level shape's figures
//! (`registry_ns_per_span`, `layer_ns_per_span`, `layer_added_ns_per_span`,
//! `chrome_ns_per_span`, …) and the nested shape's under `nested`.

use std::time::Instant;

use tracing_subscriber::prelude::*;

/// `n` spans at the top level, or (nested) under a parent span per 1000.
fn spans(n: u64, nested: bool) {
    if nested {
        for batch in 0..n.div_ceil(1000) {
            let _parent = tracing::info_span!("batch", batch).entered();
            for i in 0..1000.min(n - batch * 1000) {
                let _span = tracing::info_span!("work", i).entered();
            }
        }
    } else {
        for i in 0..n {
            let _span = tracing::info_span!("work", i).entered();
        }
    }
}

/// ns per span of one run of `variant`.
fn run(variant: &str, n: u64, nested: bool, dir: &std::path::Path) -> f64 {
    let start = Instant::now();
    match variant {
        "registry only" | "registry" => {
            tracing::subscriber::with_default(tracing_subscriber::registry(), || spans(n, nested));
        }
        "taskscope" | "taskscope-jsonl" => {
            // The compact format by default; JSON Lines for comparison.
            let file = match variant {
                "taskscope" => "spans.taskscope",
                _ => "spans.trace.jsonl",
            };
            let (layer, guard) = taskscope_tracing::layer(dir.join(file)).unwrap();
            tracing::subscriber::with_default(tracing_subscriber::registry().with(layer), || {
                spans(n, nested)
            });
            guard.finish().unwrap();
        }
        "tracing-chrome" => {
            let (layer, guard) = tracing_chrome::ChromeLayerBuilder::new()
                .file(dir.join("spans.json"))
                .include_args(true)
                .build();
            tracing::subscriber::with_default(tracing_subscriber::registry().with(layer), || {
                spans(n, nested)
            });
            drop(guard);
        }
        _ => unreachable!(),
    }
    let ns = start.elapsed().as_nanos() as f64 / n as f64;
    // Keep the size, drop the file: its dirty pages are then never written back, a
    // kernel thread that would otherwise take a core from the next run (300 MB of
    // tracing-chrome's JSON slowed the registry after it by 2.5 times).
    for file in FILES.map(|(f, _)| dir.join(f)) {
        if let Ok(meta) = std::fs::metadata(&file) {
            let _ = std::fs::write(size_file(&file), meta.len().to_string());
            let _ = std::fs::remove_file(&file);
        }
    }
    ns
}

fn size_file(file: &std::path::Path) -> std::path::PathBuf {
    let mut name = file.as_os_str().to_owned();
    name.push(".size");
    name.into()
}

/// One run of `variant` in a process of its own (started from this program): a
/// run's heap, threads and files then never slow the next one.
fn run_apart(variant: &str, n: u64, nested: bool, dir: &std::path::Path) -> f64 {
    let exe = std::env::current_exe().expect("this program's path");
    let out = std::process::Command::new(exe)
        .env(CHILD, format!("{variant}|{n}|{nested}|{}", dir.display()))
        .output()
        .expect("a run in its own process");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "run {variant}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    text.trim().parse().expect("ns per span")
}

/// Set in the process of one run: `VARIANT|SPANS|NESTED|DIR`.
const CHILD: &str = "TASKSCOPE_OVERHEAD_RUN";

/// The variants' files, and the JSON fields of their sizes.
const FILES: [(&str, &str); 3] = [
    ("spans.taskscope", "layer_file_bytes"),
    ("spans.trace.jsonl", "layer_jsonl_file_bytes"),
    ("spans.json", "chrome_file_bytes"),
];

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// The variants' medians for one shape, the table on stderr; its JSON fields.
fn measure(
    variants: &[&str],
    n: u64,
    runs: usize,
    (nested, shape): (bool, &str),
    dir: &std::path::Path,
) -> serde_json::Map<String, serde_json::Value> {
    let mut times = vec![Vec::new(); variants.len()];
    for r in 0..runs {
        // Rotate the order so that no variant always runs first.
        for k in 0..variants.len() {
            let v = (r + k) % variants.len();
            times[v].push(run_apart(variants[v], n, nested, dir));
        }
    }
    eprintln!("{n} {shape}, median of {runs} runs:");
    let mut json = serde_json::Map::new();
    json.insert("shape".into(), shape.into());
    let medians: Vec<f64> = times.into_iter().map(median).collect();
    let registry = variants.iter().position(|v| *v == "registry only");
    for (name, m) in variants.iter().zip(&medians) {
        let over = registry.map(|r| m - medians[r]);
        match over {
            Some(o) => eprintln!("  {name:<15} {m:>7.0} ns/span  (+{o:.0} ns over the registry)"),
            None => eprintln!("  {name:<15} {m:>7.0} ns/span"),
        }
        let field = match *name {
            "registry only" => "registry",
            "taskscope" => "layer",
            "taskscope-jsonl" => "layer_jsonl",
            _ => "chrome",
        };
        json.insert(format!("{field}_ns_per_span"), m.round().into());
        if let (Some(o), true) = (over, field != "registry") {
            json.insert(format!("{field}_added_ns_per_span"), o.round().into());
        }
    }
    for (f, field) in FILES {
        let size = std::fs::read_to_string(size_file(&dir.join(f)));
        if let Ok(bytes) = size.map(|s| s.parse::<u64>().unwrap_or(0)) {
            eprintln!("  {f}: {:.1} MB", bytes as f64 / 1e6);
            json.insert(field.into(), bytes.into());
        }
    }
    json
}

fn main() {
    if let Ok(child) = std::env::var(CHILD) {
        let parts: Vec<&str> = child.split('|').collect();
        let (n, nested) = (parts[1].parse().unwrap(), parts[2] == "true");
        println!(
            "{}",
            run(parts[0], n, nested, std::path::Path::new(parts[3]))
        );
        return;
    }
    let mut args = std::env::args().skip(1);
    let n: u64 = args.next().map_or(1_000_000, |a| a.parse().expect("SPANS"));
    let runs: usize = args.next().map_or(5, |a| a.parse().expect("RUNS"));
    let only = args.next();
    let dir = std::env::temp_dir().join(format!("taskscope-overhead-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let variants: Vec<&str> = [
        "registry only",
        "taskscope",
        "taskscope-jsonl",
        "tracing-chrome",
    ]
    .into_iter()
    .filter(|v| {
        // `registry` and `chrome` name the variants they start or end.
        only.as_deref().is_none_or(|o| {
            o.split(',').any(|o| {
                *v == o || v.starts_with(&format!("{o} ")) || v.ends_with(&format!("-{o}"))
            })
        })
    })
    .collect();
    let top = measure(&variants, n, runs, (false, "top-level"), &dir);
    let nested = measure(&variants, n, runs, (true, "1000 per parent"), &dir);
    let _ = std::fs::remove_dir_all(&dir);
    // One line on stdout: the top-level shape's figures, and the nested shape's.
    let mut json = serde_json::Map::new();
    json.insert("spans".into(), n.into());
    json.insert("runs".into(), runs.into());
    json.extend(top);
    json.insert("nested".into(), nested.into());
    println!("{}", serde_json::Value::Object(json));
}
