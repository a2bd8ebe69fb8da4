//! End-to-end tests of `taskscope render`: every input kind to every format, the
//! views, the timeline, a 57,100-task drawing, and bad usage.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn taskscope(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_taskscope"))
        .args(args)
        .env_remove("RUST_BACKTRACE")
        .output()
        .unwrap()
}

fn repo(path: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join(path)
        .to_str()
        .unwrap()
        .to_string()
}

fn render(input: &str, out: &Path, extra: &[&str]) -> Vec<u8> {
    let mut args = vec!["render", input, "-o", out.to_str().unwrap()];
    args.extend_from_slice(extra);
    let o = taskscope(&args);
    assert!(
        o.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    std::fs::read(out).unwrap()
}

#[test]
fn every_input_kind_renders_to_every_format() {
    let dir = tempfile::tempdir().unwrap();
    let inputs = [
        repo("samples/norm.trace.jsonl"),
        repo("tests/fixtures/dask/norm_dask.dot"),
        repo("tests/fixtures/dask/delayed_visualize.dot"),
        repo("tests/fixtures/chrome/viztracer.json"),
    ];
    for (i, input) in inputs.iter().enumerate() {
        let p = |ext: &str| dir.path().join(format!("{i}.{ext}"));
        let svg = String::from_utf8(render(input, &p("svg"), &[])).unwrap();
        assert!(svg.starts_with("<svg xmlns="), "{input}");
        assert!(svg.contains("<g class=\"task\""), "{input}");
        assert!(render(input, &p("png"), &[]).starts_with(b"\x89PNG\r\n\x1a\n"));
        assert!(render(input, &p("pdf"), &[]).starts_with(b"%PDF-"));
        let dot = String::from_utf8(render(input, &p("dot"), &[])).unwrap();
        assert!(dot.starts_with("digraph taskscope {"));
    }
}

#[test]
fn dasks_own_dot_becomes_its_590_tasks_or_its_raw_nodes() {
    let dir = tempfile::tempdir().unwrap();
    let input = repo("tests/fixtures/dask/norm_dask.dot");
    let svg = String::from_utf8(render(
        &input,
        &dir.path().join("a.svg"),
        &["--view", "tasks"],
    ))
    .unwrap();
    assert_eq!(svg.matches("<g class=\"task\"").count(), 590);
    assert_eq!(svg.matches("<g class=\"edge\"").count(), 870);
    let raw = String::from_utf8(render(
        &input,
        &dir.path().join("b.svg"),
        &["--raw", "--view", "tasks"],
    ))
    .unwrap();
    assert_eq!(raw.matches("<g class=\"task\"").count(), 1180);
}

#[test]
fn views_and_the_timeline() {
    let dir = tempfile::tempdir().unwrap();
    let input = repo("samples/norm.trace.jsonl");
    let groups = String::from_utf8(render(
        &input,
        &dir.path().join("g.svg"),
        &["--view", "groups", "--color", "duration"],
    ))
    .unwrap();
    assert_eq!(groups.matches("<g class=\"task\"").count(), 10);
    let timeline =
        String::from_utf8(render(&input, &dir.path().join("t.svg"), &["--timeline"])).unwrap();
    assert_eq!(timeline.matches("<g class=\"task\"").count(), 590);
    assert!(timeline.contains("critical path: 6 tasks"));
    let o = taskscope(&[
        "render",
        &repo("tests/fixtures/v1/pipeline.trace.jsonl"),
        "--timeline",
        "-o",
        dir.path().join("x.svg").to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("needs a trace of a run"));
}

#[test]
fn a_57100_task_graph_renders_every_task() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    let o = taskscope(&[
        "demo",
        "--shape",
        "10000x10000",
        "--graph-only",
        "--out",
        d,
        "--quiet",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // The demo's PDF of so large a graph is the group view (auto above 10,000 tasks).
    assert!(
        std::fs::read(dir.path().join("norm_dask.pdf"))
            .unwrap()
            .starts_with(b"%PDF-")
    );
    let svg = render(
        dir.path().join("norm.trace.jsonl").to_str().unwrap(),
        &dir.path().join("big.svg"),
        &["--view", "tasks"],
    );
    let text = String::from_utf8(svg).unwrap();
    assert_eq!(text.matches("<g class=\"task\" data-key=").count(), 57_100);
    assert_eq!(text.matches("<g class=\"edge\">").count(), 86_900);
}

#[test]
fn bad_usage_is_exit_code_2_and_leaves_nothing_behind() {
    let dir = tempfile::tempdir().unwrap();
    let input = repo("samples/delayed.trace.jsonl");
    let out = dir.path().join("x.jpeg");
    let o = taskscope(&["render", &input, "-o", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("use .dot, .svg, .png or .pdf"));
    assert!(!out.exists());
    // A failed render keeps the good file that was there.
    let good = dir.path().join("good.svg");
    std::fs::write(&good, "<svg/>").unwrap();
    let o = taskscope(&[
        "render",
        &repo("tests/fixtures/v1/pipeline.trace.jsonl"),
        "--timeline",
        "-o",
        good.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(std::fs::read_to_string(&good).unwrap(), "<svg/>");
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}

#[test]
fn the_sample_dot_written_by_dask_renders() {
    let dir = tempfile::tempdir().unwrap();
    let pdf = render(
        &repo("samples/norm_dask.dot"),
        &dir.path().join("norm_dask.pdf"),
        &[],
    );
    assert!(pdf.starts_with(b"%PDF-"));
}
