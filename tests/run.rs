//! End-to-end tests of traced runs from the command line: Ctrl-C keeps the trace,
//! progress stays off the pipe, bench and synth produce what they promise.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn taskscope() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_taskscope"));
    c.env_remove("RUST_BACKTRACE");
    c
}

fn stats(path: &Path) -> serde_json::Value {
    let out = taskscope()
        .args(["stats", path.to_str().unwrap(), "--format", "json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn ctrl_c_stops_the_demo_cleanly_and_keeps_the_trace() {
    let dir = tempfile::tempdir().unwrap();
    let trace = dir.path().join("norm.trace.jsonl");
    // 40,000 blocks on one worker: long enough to interrupt in the middle.
    let child = taskscope()
        .args([
            "demo",
            "--out",
            dir.path().to_str().unwrap(),
            "--shape",
            "4000x4000",
            "--chunks",
            "20x20",
        ])
        .args(["--workers", "1", "--sample-ms", "5", "--quiet"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Wait until events are being written, then press Ctrl-C.
    let start = Instant::now();
    loop {
        let text = std::fs::read_to_string(&trace).unwrap_or_default();
        if text.contains("\"type\":\"event\"") {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "no events were written"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    // SAFETY: kill has no memory effects; the pid is our child's.
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{stderr}");
    assert!(stderr.contains("interrupted after"), "{stderr}");
    assert!(stderr.contains("norm.trace.jsonl"), "{stderr}");
    let json = stats(&trace);
    assert_eq!(json["status"], "cancelled");
    assert_eq!(json["truncated"], false);
    let events = json["events"].as_u64().unwrap();
    assert!(
        events > 0 && events < json["tasks"].as_u64().unwrap(),
        "{events}"
    );
}

#[test]
fn progress_is_silent_when_stderr_is_not_a_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let out = taskscope()
        .args(["demo", "--out", dir.path().to_str().unwrap()])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
}

#[test]
fn bench_json_has_every_configuration() {
    let out = taskscope()
        .args([
            "bench", "--tasks", "2000", "--repeat", "1", "--format", "json",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(rows.len(), 12);
    for shape in ["chain", "fanin", "tutorial"] {
        for (executor, threads) in [("sequential", 1), ("threads", 2)] {
            for traced in [false, true] {
                let row = rows
                    .iter()
                    .find(|r| {
                        r["shape"] == shape && r["executor"] == executor && r["traced"] == traced
                    })
                    .unwrap_or_else(|| panic!("{shape} {executor} {traced}"));
                assert_eq!(row["threads"], threads);
                let tasks = row["tasks"].as_u64().unwrap();
                assert_eq!(tasks, if shape == "tutorial" { 590 } else { 2000 });
                let wall = row["wall_ns"].as_f64().unwrap();
                assert!(wall > 0.0);
                assert!((row["per_task_ns"].as_f64().unwrap() - wall / tasks as f64).abs() < 1.0);
            }
        }
    }
}

#[test]
fn synth_writes_graphs_and_traces_of_runs() {
    let dir = tempfile::tempdir().unwrap();
    let graph = dir.path().join("tree.trace.jsonl");
    let out = taskscope()
        .args([
            "synth",
            "--shape",
            "tree",
            "--tasks",
            "4096",
            "-o",
            graph.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json = stats(&graph);
    assert_eq!(
        (
            json["tasks"].as_u64(),
            json["depth"].as_u64(),
            json["kind"].as_str()
        ),
        (Some(4095), Some(12), Some("graph"))
    );

    let run = dir.path().join("layered.trace.jsonl");
    let out = taskscope()
        .args([
            "synth",
            "--shape",
            "layered",
            "--tasks",
            "10000",
            "-o",
            run.to_str().unwrap(),
            "--run",
            "--workers",
            "2",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("bytes per task"));
    let json = stats(&run);
    assert_eq!(json["events"], 10_000);
    assert_eq!(json["status"], "ok");
    // The measured critical path is the chain with the most recorded time: a chain
    // through some of the 100 layers.
    let on_path = json["critical_path"]["tasks"].as_u64().unwrap();
    assert!((1..=100).contains(&on_path), "{on_path}");
    assert_eq!(
        json["critical_path"]["steps"].as_array().unwrap().len() as u64,
        on_path
    );
}
