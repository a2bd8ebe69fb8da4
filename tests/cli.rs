//! End-to-end tests of the `taskscope` binary: the demo, stats, and how bad input and
//! bad usage are reported (exit code 2, a message naming the file, line and field).

use std::path::{Path, PathBuf};

mod common;
use common::{taskscope, text};

fn samples() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("samples")
}

fn stats_json(path: &Path) -> serde_json::Value {
    let out = taskscope(&["stats", path.to_str().unwrap(), "--format", "json"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("stats --format json prints JSON")
}

#[test]
fn demo_writes_the_tutorial_graphs_and_stats_reads_them() {
    let dir = tempfile::tempdir().unwrap();
    let out = taskscope(&["demo", "--out", dir.path().to_str().unwrap()]);
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", text(&out.stderr));
    assert!(
        stdout.contains("shape=(1000, 1000), dtype=float64, chunksize=(100, 100)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("100 chunks in 10 graph layers (590 tasks)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("total.compute() = 50 (want 50): ok"),
        "{stdout}"
    );
    assert!(!stdout.contains("FAILED"), "{stdout}");

    let norm = stats_json(&dir.path().join("norm.trace.jsonl"));
    assert_eq!(norm["tasks"], 590);
    assert_eq!(norm["edges"], 870);
    assert_eq!(norm["depth"], 6);
    assert_eq!(norm["width"], 200);
    assert_eq!(norm["critical_path_tasks"], 6);
    let groups = serde_json::json!({
        "random_sample": 100, "mean_chunk": 100, "mean_combine-partial": 30,
        "mean_agg-aggregate": 10, "var": 100, "var-partial": 30, "var-aggregate": 10,
        "sqrt": 10, "sub": 100, "truediv": 100
    });
    assert_eq!(norm["groups"], groups);

    let delayed = stats_json(&dir.path().join("delayed.trace.jsonl"));
    assert_eq!(
        (delayed["tasks"].as_u64(), delayed["edges"].as_u64()),
        (Some(16), Some(15))
    );
}

#[test]
fn stats_json_has_sorted_keys() {
    let out = taskscope(&[
        "stats",
        samples().join("delayed.trace.jsonl").to_str().unwrap(),
        "--format",
        "json",
    ]);
    let json = text(&out.stdout);
    let keys: Vec<&str> = json
        .lines()
        .filter(|l| l.starts_with("  \""))
        .map(|l| l.trim().split('"').nth(1).unwrap())
        .collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted);
    assert!(
        keys.contains(&"critical_path_tasks") && keys.contains(&"groups"),
        "{json}"
    );
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(value["schema"], "taskscope-stats");
    assert_eq!(value["version"], 1);
}

#[test]
fn stats_markdown_works_for_every_input_kind() {
    let fixture = |p: &str| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(p);
    let cases = [
        (samples().join("norm.trace.jsonl"), "| tasks | 590 |", true),
        (samples().join("norm_dask.dot"), "| edges | 870 |", false),
        (
            fixture("tests/fixtures/chrome/tracing_chrome.json"),
            "(run)",
            true,
        ),
    ];
    for (path, want, run) in cases {
        let out = taskscope(&["stats", path.to_str().unwrap(), "--format", "markdown"]);
        let md = text(&out.stdout);
        assert!(out.status.success(), "{}", text(&out.stderr));
        assert!(md.starts_with("### taskscope stats: "), "{md}");
        assert!(md.contains(want), "{path:?}: want {want:?} in {md}");
        assert_eq!(md.contains("| wall |"), run, "{md}");
    }
}

/// The task records of a file: the graph, which is deterministic (events and samples
/// are measurements and differ from run to run).
fn graph_lines(bytes: &[u8]) -> Vec<String> {
    text(bytes)
        .lines()
        .filter(|l| l.starts_with("{\"type\":\"task\""))
        .map(str::to_string)
        .collect()
}

/// The graphs in the committed samples are what `taskscope demo --out samples` writes,
/// byte for byte. After an intended change, bless them with
/// `cargo run --release -- demo --out samples --quiet` and review the diff.
#[test]
fn demo_graphs_are_deterministic_and_match_the_samples() {
    let dir = tempfile::tempdir().unwrap();
    assert!(
        taskscope(&["demo", "--out", dir.path().to_str().unwrap()])
            .status
            .success()
    );
    for name in ["norm.trace.jsonl", "delayed.trace.jsonl"] {
        let fresh = graph_lines(&std::fs::read(dir.path().join(name)).unwrap());
        let golden = graph_lines(&std::fs::read(samples().join(name)).unwrap());
        assert!(!fresh.is_empty());
        assert!(
            fresh == golden,
            "the graph in {name} differs from samples/{name}; if the change is intended, bless with \
             `cargo run --release -- demo --out samples --quiet` and review the diff"
        );
    }
}

#[test]
fn demo_traces_have_one_consistent_event_per_task() {
    let dir = tempfile::tempdir().unwrap();
    let out = taskscope(&[
        "demo",
        "--out",
        dir.path().to_str().unwrap(),
        "--workers",
        "2",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let json = stats_json(&dir.path().join("norm.trace.jsonl"));
    assert_eq!(json["kind"], "run");
    assert_eq!(json["events"], 590);
    assert_eq!(json["failed"], 0);
    assert_eq!(json["status"], "ok");
    assert!(json["wall_ns"].as_u64().unwrap() > 0);
    assert_eq!(json["workers"].as_array().unwrap().len(), 2);
    assert_eq!(json["critical_path"]["tasks"], 6);
    let steps = json["critical_path"]["steps"].as_array().unwrap();
    let total: u64 = steps
        .iter()
        .map(|s| s["duration_ns"].as_u64().unwrap())
        .sum();
    assert_eq!(
        json["critical_path"]["duration_ns"].as_u64().unwrap(),
        total
    );
    assert_eq!(json["group_runs"]["truediv"]["bytes"], 100 * 80_000);
    let text_out = text(
        &taskscope(&[
            "stats",
            dir.path().join("norm.trace.jsonl").to_str().unwrap(),
        ])
        .stdout,
    );
    assert!(
        text_out.contains("critical path, measured: 6 tasks"),
        "{text_out}"
    );
    assert!(text_out.contains("utilization"), "{text_out}");
}

#[test]
fn stats_text_lists_totals_and_groups() {
    let out = taskscope(&[
        "stats",
        samples().join("norm.trace.jsonl").to_str().unwrap(),
    ]);
    let stdout = text(&out.stdout);
    assert!(out.status.success());
    assert!(
        stdout.contains("graph \"norm\" (taskscope format v1"),
        "{stdout}"
    );
    let row = |name: &str| -> u64 {
        let line = stdout
            .lines()
            .find(|l| l.trim_start().starts_with(name))
            .unwrap();
        line.split_whitespace().last().unwrap().parse().unwrap()
    };
    assert_eq!(row("tasks"), 590);
    assert_eq!(row("edges"), 870);
    assert_eq!(row("mean_combine-partial"), 30);
}

fn write(dir: &Path, name: &str, body: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, body).unwrap();
    p
}

const HEADER: &str =
    r#"{"type":"header","format":"taskscope","version":1,"tool":"test","clock":"ns"}"#;

fn assert_bad_input(args: &[&str], expected: &[&str]) {
    let out = taskscope(args);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    for e in expected {
        assert!(stderr.contains(e), "{args:?}: expected {e:?} in {stderr:?}");
    }
}

#[test]
fn a_cycle_is_exit_code_2_naming_the_keys_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let body = format!(
        "{HEADER}\n{}\n{}\n{}\n",
        r#"{"type":"task","id":0,"key":"load","deps":[1]}"#,
        r#"{"type":"task","id":1,"key":"clean","deps":[0]}"#,
        r#"{"type":"end","tasks":2,"edges":2}"#
    );
    let p = write(dir.path(), "cycle.trace.jsonl", &body);
    assert_bad_input(
        &["stats", p.to_str().unwrap()],
        &["cycle.trace.jsonl:2: field `deps`: cycle: load -> clean -> load"],
    );
}

#[test]
fn a_missing_dependency_is_exit_code_2_naming_the_task() {
    let dir = tempfile::tempdir().unwrap();
    let body = format!(
        "{HEADER}\n{}\n",
        r#"{"type":"task","id":0,"key":"sum","deps":[3]}"#
    );
    let p = write(dir.path(), "missing.trace.jsonl", &body);
    assert_bad_input(
        &["stats", p.to_str().unwrap(), "--format", "json"],
        &["missing.trace.jsonl:2: field `deps`: task \"sum\" depends on task id 3"],
    );
}

#[test]
fn bad_files_are_exit_code_2() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let wrong_type = write(
        d,
        "t.jsonl",
        &format!("{HEADER}\n{{\"type\":\"task\",\"id\":\"zero\",\"key\":\"a\"}}\n"),
    );
    assert_bad_input(
        &["stats", wrong_type.to_str().unwrap()],
        &["t.jsonl:2: field `id`: must be an integer"],
    );
    // DOT is read whatever the file's name; bad DOT names the line and column.
    let dask_dot =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/dask/norm_dask.dot");
    let stats = stats_json(&dask_dot);
    assert_eq!(
        (stats["tasks"].as_u64(), stats["edges"].as_u64()),
        (Some(590), Some(870))
    );
    let dot = write(d, "g.trace.jsonl", "digraph G {\n  a -> }\n");
    assert_bad_input(
        &["stats", dot.to_str().unwrap()],
        &["g.trace.jsonl:2:8: expected a node or a subgraph after the edge, found `}`"],
    );
    let empty = write(d, "empty.jsonl", "");
    assert_bad_input(
        &["stats", empty.to_str().unwrap()],
        &["empty.jsonl: the file is empty"],
    );
    let junk = write(d, "junk.jsonl", "\u{0}\u{1}binary");
    assert_bad_input(
        &["stats", junk.to_str().unwrap()],
        &["junk.jsonl:1", "not a taskscope file"],
    );
    assert_bad_input(
        &["stats", d.join("nope.jsonl").to_str().unwrap()],
        &["nope.jsonl", "No such file"],
    );
    assert_bad_input(&["stats", d.to_str().unwrap()], &["cannot read"]);
    // JSON that is none of the formats taskscope reads says so, and what it reads.
    let other = write(d, "package.json", "{\"name\": \"x\", \"items\": [1, 2]}\n");
    assert_bad_input(
        &["stats", other.to_str().unwrap()],
        &[
            "package.json:1: not a trace taskscope reads",
            "fields items, name but no `type`",
            "Chrome trace-event JSON",
        ],
    );
    // -o naming a folder says so, with a file name to give instead.
    let dot = write(d, "ok.dot", "digraph G { a -> b }\n");
    assert_bad_input(
        &["render", dot.to_str().unwrap(), "-o", d.to_str().unwrap()],
        &["-o names a folder; give a file name in it, such as"],
    );
}

#[test]
fn a_truncated_trace_is_read_with_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let full = std::fs::read_to_string(samples().join("delayed.trace.jsonl")).unwrap();
    // Cut inside the fifth event: the graph and four events stay.
    let at = full.match_indices("{\"type\":\"event\"").nth(4).unwrap().0 + 20;
    let cut = &full[..at];
    let p = write(dir.path(), "cut.trace.jsonl", cut);
    let out = taskscope(&["stats", p.to_str().unwrap(), "--format", "json"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["truncated"], true);
    assert_eq!(json["tasks"], 16);
    assert_eq!(json["events"], 4);
    assert!(text(&out.stderr).contains("cut.trace.jsonl is truncated"));
}

#[test]
fn bad_usage_is_exit_code_2() {
    assert_bad_input(&["stats"], &["FILE"]);
    assert_bad_input(&["stats", "x.jsonl", "--format", "yaml"], &["yaml"]);
    assert_bad_input(&["demo", "--shape", "1000"], &["like 1000x1000"]);
    assert_bad_input(&["frobnicate"], &["unrecognized subcommand"]);
}

#[test]
fn help_teaches_with_examples() {
    let out = taskscope(&["stats", "--help"]);
    assert!(out.status.success());
    assert!(text(&out.stdout).contains("taskscope stats norm.trace.jsonl --format json"));
    let out = taskscope(&["demo", "--help"]);
    assert!(text(&out.stdout).contains("590 tasks and 870 edges"));
}

#[test]
fn demo_accepts_other_shapes_and_ragged_chunks() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    let out = taskscope(&[
        "demo",
        "--out",
        d,
        "--shape",
        "1000x1000",
        "--chunks",
        "300x300",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let norm = stats_json(&dir.path().join("norm.trace.jsonl"));
    // 4x4 blocks: no partial level (4 blocks fit one aggregate).
    assert_eq!(norm["groups"]["random_sample"], 16);
    assert_eq!(norm["groups"].get("mean_combine-partial"), None);
    assert_eq!(norm["groups"]["mean_agg-aggregate"], 4);
}
