//! Golden files of every writer, made by the built `taskscope` binary so that they hold
//! the bytes users get: DOT (`render -o x.dot`), Chrome JSON and taskscope JSONL
//! (`convert`), `stats` and `diff` in text, Markdown and JSON. The inputs are committed
//! fixtures, named by paths relative to the repository, which is where the binary runs,
//! so no output names a machine's directory; no output needs normalizing. One thing in
//! them follows the crate's version: the JSONL converted from Chrome JSON names the
//! taskscope that read it in its header's `tool`, so a new version is blessed.
//!
//! The expected files are `tests/snapshots/golden__*.snap`. After an intended change,
//! bless them with `INSTA_UPDATE=always cargo test -p taskscope --test golden` (or
//! `cargo insta review`) and review the diff like code; README.md has the command that
//! blesses these and the exporters' golden SVG at once.

use std::process::{Command, Output};

/// Runs the built binary in the repository's root with `args` (no backtraces in its
/// messages), so that the paths it prints are the relative ones it was given.
fn taskscope_in_repo(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_taskscope"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(args)
        .env_remove("RUST_BACKTRACE")
        .output()
        .expect("the taskscope binary runs")
}

/// What `taskscope ARGS` prints on stdout, once it has exited with `code` (read as UTF-8
/// strictly, so that no byte is replaced on the way to the comparison).
fn printed(args: &[&str], code: i32) -> String {
    let out = taskscope_in_repo(args);
    assert_eq!(
        out.status.code(),
        Some(code),
        "taskscope {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("taskscope prints UTF-8")
}

/// The file `taskscope ARGS -o OUT` writes, OUT named `file_name` in a fresh directory.
fn written(args: &[&str], file_name: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join(file_name);
    let mut args = args.to_vec();
    args.extend(["-o", out.to_str().unwrap()]);
    printed(&args, 0);
    std::fs::read_to_string(&out).unwrap()
}

/// Compares `out` with the golden file `name`, every byte of it: insta compares all
/// but the trailing whitespace (and reads CRLF as LF), so those bytes are checked here:
/// `out` ends with `ending` after its last visible character and has no carriage return.
fn assert_golden(name: &str, out: &str, ending: &str) {
    insta::assert_snapshot!(name, out);
    let visible = out.trim_end().len();
    assert_eq!(
        &out[visible..],
        ending,
        "{name}: the bytes after the last line"
    );
    assert!(!out.contains('\r'), "{name}: a carriage return");
}

/// A trace of a run: 16 tasks of Dask's delayed tutorial on 2 workers.
const RUN: &str = "samples/delayed.trace.jsonl";
/// A graph Graphviz wrote, with quotes, backslashes and a label too long to print whole.
const DOT_GRAPH: &str = "tests/fixtures/dot/pipeline.dot";
/// A run with a failed task, on other groups than `RUN`'s.
const FAILED_RUN: &str = "tests/fixtures/v1/run.trace.jsonl";

#[test]
fn golden_dot_of_a_run() {
    assert_golden("dot_of_a_run", &written(&["render", RUN], "run.dot"), "\n");
}

#[test]
fn golden_dot_of_a_graphviz_graph_left_to_right() {
    let dot = written(&["render", DOT_GRAPH, "--rankdir", "LR"], "pipeline.dot");
    assert_golden("dot_of_a_graphviz_graph_left_to_right", &dot, "\n");
}

#[test]
fn golden_chrome_json_of_a_run() {
    let json = written(&["convert", RUN], "run.json");
    assert_golden("chrome_json_of_a_run", &json, "\n");
}

#[test]
fn golden_jsonl_of_a_chrome_trace_from_another_tool() {
    let chrome = "tests/fixtures/chrome/tracing_chrome.json";
    let jsonl = written(&["convert", chrome], "tracing_chrome.trace.jsonl");
    assert_golden("jsonl_of_a_chrome_trace_from_another_tool", &jsonl, "\n");
}

#[test]
fn golden_stats_text_of_a_run() {
    let stats = printed(&["stats", RUN], 0);
    assert_golden("stats_text_of_a_run", &stats, "\n");
}

#[test]
fn golden_stats_markdown_of_a_run() {
    let stats = printed(&["stats", RUN, "--format", "markdown"], 0);
    assert_golden("stats_markdown_of_a_run", &stats, "\n\n");
}

#[test]
fn golden_stats_json_of_a_run() {
    let stats = printed(&["stats", RUN, "--format", "json"], 0);
    assert_golden("stats_json_of_a_run", &stats, "\n");
}

#[test]
fn golden_stats_text_of_a_graph() {
    let stats = printed(&["stats", DOT_GRAPH], 0);
    assert_golden("stats_text_of_a_graph", &stats, "\n");
}

#[test]
fn golden_stats_markdown_of_a_graph() {
    let stats = printed(&["stats", DOT_GRAPH, "--format", "markdown"], 0);
    assert_golden("stats_markdown_of_a_graph", &stats, "\n\n");
}

#[test]
fn golden_stats_json_of_a_graph() {
    let stats = printed(&["stats", DOT_GRAPH, "--format", "json"], 0);
    assert_golden("stats_json_of_a_graph", &stats, "\n");
}

#[test]
fn golden_diff_text_of_two_runs() {
    let diff = printed(&["diff", FAILED_RUN, RUN], 0);
    assert_golden("diff_text_of_two_runs", &diff, "\n");
}

#[test]
fn golden_diff_markdown_of_two_runs() {
    let diff = printed(&["diff", FAILED_RUN, RUN, "--format", "markdown"], 0);
    assert_golden("diff_markdown_of_two_runs", &diff, "\n\n");
}

#[test]
fn golden_diff_json_of_two_runs() {
    let diff = printed(&["diff", FAILED_RUN, RUN, "--format", "json"], 0);
    assert_golden("diff_json_of_two_runs", &diff, "\n");
}

/// Two sizes of the tutorial's graph: every group changed, counts in the thousands, and
/// one budget met and one exceeded (exit code 1, after the comparison).
#[test]
fn golden_diff_markdown_of_two_graphs_with_budgets() {
    let args = [
        "diff",
        "tests/fixtures/dask/norm_1000.trace.jsonl",
        "tests/fixtures/dask/norm_4000.trace.jsonl",
        "--format",
        "markdown",
        "--budget",
        "tasks=+10%",
        "--budget",
        "depth=+1",
    ];
    let diff = printed(&args, 1);
    assert_golden("diff_markdown_of_two_graphs_with_budgets", &diff, "\n\n");
}
