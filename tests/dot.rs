//! End-to-end: the `taskscope` binary reads Graphviz DOT, Dask's drawings included.

use std::path::{Path, PathBuf};

mod common;
use common::{taskscope, text};

fn fixture(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(path)
}

fn stats_json(path: &Path) -> serde_json::Value {
    let out = taskscope(&["stats", path.to_str().unwrap(), "--format", "json"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("stats --format json prints JSON")
}

#[test]
fn stats_of_dasks_drawing_of_the_tutorial_match_dasks_graph() {
    let dot = stats_json(&fixture("dask/norm_dask.dot"));
    assert_eq!(dot["tasks"], 590);
    assert_eq!(dot["edges"], 870);
    let groups = serde_json::json!({
        "random_sample": 100, "mean_chunk": 100, "mean_combine-partial": 30,
        "mean_agg-aggregate": 10, "var": 100, "var-partial": 30, "var-aggregate": 10,
        "sqrt": 10, "sub": 100, "truediv": 100
    });
    assert_eq!(dot["groups"], groups);
    // The same figures as the graph Dask itself wrote in taskscope's format.
    let dask = stats_json(&fixture("dask/norm_1000.trace.jsonl"));
    for field in [
        "tasks",
        "edges",
        "depth",
        "width",
        "critical_path_tasks",
        "groups",
    ] {
        assert_eq!(dot[field], dask[field], "{field}");
    }
}

#[test]
fn stats_text_names_dask_as_the_writer() {
    let path = fixture("dask/norm_dask.dot");
    let out = taskscope(&["stats", path.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("dask (DOT)"), "{stdout}");
    assert!(stdout.contains("590"), "{stdout}");
}

#[test]
fn dot_converts_to_a_taskscope_graph() {
    let dir = tempfile::tempdir().unwrap();
    let out_path = dir.path().join("pipeline.trace.jsonl");
    let input = fixture("dot/pipeline.dot");
    let out = taskscope(&[
        "convert",
        input.to_str().unwrap(),
        "-o",
        out_path.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let converted = stats_json(&out_path);
    let direct = stats_json(&input);
    assert_eq!(converted["tasks"], 7);
    assert_eq!(converted["groups"], direct["groups"]);
    assert_eq!(converted["edges"], direct["edges"]);
}

#[test]
fn a_cycle_in_dot_is_exit_code_2_naming_the_keys() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("loop.dot");
    std::fs::write(&path, "digraph {\n  a -> b\n  b -> a\n}\n").unwrap();
    let out = taskscope(&["stats", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("loop.dot:2:3: cycle: a -> b -> a"),
        "{stderr}"
    );
}
