//! End-to-end tests of Chrome trace-event JSON: `taskscope convert` both ways on a real
//! run, `taskscope stats` and `convert` on traces that other tools wrote (see
//! tests/fixtures/chrome/README.md), bad files, and a 10^5-event trace for scale.

use std::path::{Path, PathBuf};
use std::time::Instant;

use taskscope_core::TaskId;
use taskscope_core::trace::{self, TaskStatus, Trace};
use taskscope_interop::chrome::read_chrome;

mod common;
use common::{taskscope, text};

fn ok(args: &[&str]) -> String {
    let out = taskscope(args);
    assert!(out.status.success(), "{args:?}: {}", text(&out.stderr));
    text(&out.stdout)
}

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/chrome")
        .join(name)
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn stats_json(path: &Path) -> serde_json::Value {
    serde_json::from_str(&ok(&["stats", s(path), "--format", "json"])).unwrap()
}

fn assert_same(a: &Trace, b: &Trace) {
    assert_eq!(a.header, b.header);
    let tasks_a: Vec<_> = a.graph.tasks().collect();
    let tasks_b: Vec<_> = b.graph.tasks().collect();
    assert_eq!(tasks_a, tasks_b);
    assert_eq!(a.events, b.events);
    assert_eq!(a.samples, b.samples);
    assert_eq!(a.end, b.end);
}

#[test]
fn a_real_run_converts_to_chrome_json_and_back_without_loss() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    ok(&["demo", "--out", s(d)]);
    let original = d.join("norm.trace.jsonl");
    let json = d.join("norm.json");
    let back = d.join("back.trace.jsonl");
    let said = ok(&["convert", s(&original), "-o", s(&json)]);
    assert!(
        said.contains("(Chrome trace-event JSON): 590 tasks, 870 edges"),
        "{said}"
    );
    ok(&["convert", s(&json), "-o", s(&back)]);
    let (a, b) = (trace::read(&original).unwrap(), trace::read(&back).unwrap());
    assert_same(&a, &b);
    assert_eq!(a.graph.len(), 590);

    // What Perfetto reads: one X per event, M names per worker, all in microseconds.
    let chrome: serde_json::Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    let events = chrome["traceEvents"].as_array().unwrap();
    let count = |ph: &str| events.iter().filter(|e| e["ph"] == ph).count();
    assert_eq!(count("X"), a.events.len());
    let counters: usize = a
        .samples
        .iter()
        .map(|s| 1 + usize::from(s.rss.is_some()) + usize::from(s.cpu.is_some()))
        .sum();
    assert_eq!(count("C"), counters);
    let x = events.iter().find(|e| e["ph"] == "X").unwrap();
    let first = &a.events[0];
    assert_eq!(x["ts"].as_f64().unwrap(), first.start as f64 / 1000.0);
    assert_eq!(x["args"]["key"], a.graph.task(first.task).key());
    assert_eq!(stats_json(&json)["tasks"], 590);

    // --format overrides the extension; the delayed graph goes the same way.
    let odd = d.join("delayed.out");
    ok(&[
        "convert",
        s(&d.join("delayed.trace.jsonl")),
        "-o",
        s(&odd),
        "--format",
        "chrome",
    ]);
    let delayed = read_chrome(&odd).unwrap();
    assert_same(
        &trace::read(&d.join("delayed.trace.jsonl")).unwrap(),
        &delayed,
    );
}

/// Checks that every nested slice lies inside its parent, on the same worker.
fn check_nesting(t: &Trace) -> usize {
    let event_of = |id: u64| t.events.iter().find(|e| e.task.0 as u64 == id).unwrap();
    let mut deepest = 0;
    for e in &t.events {
        let meta = t.graph.task(e.task).meta();
        let depth = meta["depth"].as_u64().unwrap();
        deepest = deepest.max(depth);
        match meta.get("parent") {
            None => assert_eq!(depth, 0),
            Some(p) => {
                let p = event_of(p.as_u64().unwrap());
                assert!(p.start <= e.start && e.end <= p.end && p.worker == e.worker);
                let pd = t.graph.task(p.task).meta()["depth"].as_u64().unwrap();
                assert_eq!(pd + 1, depth);
            }
        }
    }
    deepest as usize
}

#[test]
fn stats_and_convert_read_traces_from_other_tools() {
    let dir = tempfile::tempdir().unwrap();
    // viztracer: nested X events, callees before callers, on two threads.
    let viz = fixture("viztracer.json");
    assert_eq!(stats_json(&viz)["tasks"], 233);
    let t = read_chrome(&viz).unwrap();
    assert_eq!(t.header.run.as_ref().unwrap().workers, 2);
    assert!(check_nesting(&t) >= 5, "fib recursion nests deeply");
    let threads: Vec<&str> = (0..2)
        .map(|w| {
            let e = t.events.iter().find(|e| e.worker == w).unwrap();
            t.graph.task(e.task).meta()["thread"].as_str().unwrap()
        })
        .collect();
    assert_eq!(threads, ["MainThread", "Thread-1 (work)"]);
    assert!(t.graph.group_counts()["fib (/tmp/fx2/viztracer_script.py:5)"] > 100);
    assert_eq!(t.events[0].start, 0, "times start at the earliest event");
    assert_eq!(t.unknown_records, 0);

    // Node.js: X and B/E slices, async b/e and instant events skipped and counted.
    let node = fixture("node_trace.json");
    let t = read_chrome(&node).unwrap();
    assert_eq!((t.graph.len(), t.unknown_records), (25, 40));
    assert_eq!(
        t.header.run.as_ref().unwrap().workers,
        1,
        "5 threads have no slice"
    );
    let lstat = t.graph.id_of("fs.sync.lstat#0").unwrap();
    assert_eq!(
        t.graph.task(lstat).meta()["cat"],
        "node,node.fs,node.fs.sync"
    );
    assert_eq!(t.graph.task(lstat).meta()["thread"], "JavaScriptMainThread");
    assert_eq!(t.graph.task(lstat).meta()["process"], "node");
    check_nesting(&t);
    let out = dir.path().join("node.trace.jsonl");
    let said = taskscope(&["convert", s(&node), "-o", s(&out)]);
    assert!(
        text(&said.stderr).contains("skipped 40"),
        "{}",
        text(&said.stderr)
    );
    assert_eq!(stats_json(&out)["tasks"], 25);

    // tracing-chrome: a bare array of B/E pairs with args.
    let tc = fixture("tracing_chrome.json");
    let t = read_chrome(&tc).unwrap();
    assert_eq!(
        (t.graph.len(), t.unknown_records, t.truncated),
        (26, 0, false)
    );
    assert!(t.events.iter().all(|e| e.status == TaskStatus::Done));
    assert!(check_nesting(&t) >= 4);
    let fib = t.graph.task(t.graph.id_of("fib#0").unwrap());
    assert_eq!(fib.group(), "fib");
    assert_eq!(fib.meta()["args"]["n"], "4");
    assert_eq!(
        fib.meta()["parent"],
        t.graph.id_of("main_work#0").unwrap().0
    );

    // The same, cut inside an event: complete events kept, open B unfinished.
    let cut = fixture("tracing_chrome_cut.json");
    let t = read_chrome(&cut).unwrap();
    assert!(t.truncated);
    let unfinished = t
        .events
        .iter()
        .filter(|e| e.status == TaskStatus::Unfinished);
    let last = t.events.iter().map(|e| e.end).max().unwrap();
    assert!(unfinished.clone().count() >= 2);
    assert!(unfinished.clone().all(|e| e.end == last));
    let out = taskscope(&["stats", s(&cut)]);
    assert!(out.status.success());
    assert!(text(&out.stderr).contains("tracing_chrome_cut.json is truncated"));

    // Every foreign trace goes to Chrome JSON and back unchanged.
    for name in ["viztracer.json", "node_trace.json", "tracing_chrome.json"] {
        let json = dir.path().join(format!("again-{name}"));
        ok(&["convert", s(&fixture(name)), "-o", s(&json)]);
        assert_same(
            &read_chrome(&fixture(name)).unwrap(),
            &read_chrome(&json).unwrap(),
        );
    }
}

fn assert_bad(args: &[&str], expected: &[&str]) {
    let out = taskscope(args);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    for e in expected {
        assert!(stderr.contains(e), "{args:?}: expected {e:?} in {stderr:?}");
    }
}

#[test]
fn bad_chrome_files_are_exit_code_2_naming_the_file_and_field() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let cases = [
        (
            "broken.json",
            "[{\"ph\":\"X\",\"ts\":1,\"dur\":1},\n{\"ph\" \"X\"}]",
            "broken.json:2: field `[1]`: not valid JSON: expected `:`",
        ),
        (
            "noph.json",
            "{\"traceEvents\":[\n{\"ts\":1,\"dur\":1,\"name\":\"a\"}\n]}",
            "noph.json:2: field `traceEvents[0].ph`: is missing",
        ),
        (
            "ts.json",
            "[{\"ph\":\"B\",\"ts\":\"noon\"}]",
            "ts.json:1: field `[0].ts`: must be a number of microseconds, not \"noon\"",
        ),
        (
            "events.json",
            "{\"traceEvents\":5}",
            "events.json:1: invalid type: integer `5`, expected a list of trace events",
        ),
        (
            "cut.json",
            "{\"traceEvents\":[{\"ph\":\"X\",",
            "cut.json:1: the file ends in the middle of the JSON",
        ),
    ];
    for (name, body, expected) in cases {
        let p = d.join(name);
        std::fs::write(&p, body).unwrap();
        assert_bad(&["stats", s(&p)], &[expected]);
        let out = d.join(format!("{name}.trace.jsonl"));
        assert_bad(&["convert", s(&p), "-o", s(&out)], &[expected]);
        assert!(!out.exists(), "nothing is written for a bad input");
    }
    let good = fixture("tracing_chrome.json");
    assert_bad(
        &["convert", s(&good), "-o", s(&d.join("out.txt"))],
        &["out.txt: cannot tell the output format", "--format"],
    );
    assert_bad(
        &["convert", s(&good), "-o", s(&d.join("no/such/dir/x.json"))],
        &["no/such/dir/x.json"],
    );
    assert_bad(
        &[
            "convert",
            s(&d.join("missing.json")),
            "-o",
            s(&d.join("x.json")),
        ],
        &["missing.json"],
    );
    assert_bad(&["convert", s(&good)], &["--output"]);
}

#[test]
fn help_shows_examples() {
    let help = ok(&["convert", "--help"]);
    assert!(
        help.contains("taskscope convert run.trace.jsonl -o run.json"),
        "{help}"
    );
    assert!(help.contains("--format"), "{help}");
}

/// A Chrome trace of 100,000 events: 8 thread names, then 19,998 blocks of 5 events
/// on 8 threads (a B/E pair around calls nested three deep, written as X events
/// callees first, like viztracer), then 2 counter events.
fn synthetic() -> String {
    let mut out = String::from("{\"traceEvents\":[\n");
    for tid in 0..8 {
        out.push_str(&format!(
            "{{\"ph\":\"M\",\"pid\":1,\"tid\":{tid},\"name\":\"thread_name\",\"args\":{{\"name\":\"t{tid}\"}}}},\n"
        ));
    }
    for block in 0..19_998u64 {
        let tid = block % 8;
        let base = block / 8 * 100 + tid;
        out.push_str(&format!(
            "{{\"ph\":\"B\",\"pid\":1,\"tid\":{tid},\"ts\":{base}.5,\"name\":\"group\",\"cat\":\"g\"}},\n\
             {{\"ph\":\"X\",\"pid\":1,\"tid\":{tid},\"ts\":{},\"dur\":10.25,\"name\":\"leaf\",\"cat\":\"f\",\"args\":{{\"i\":{block}}}}},\n\
             {{\"ph\":\"X\",\"pid\":1,\"tid\":{tid},\"ts\":{},\"dur\":30,\"name\":\"mid\",\"cat\":\"f\"}},\n\
             {{\"ph\":\"X\",\"pid\":1,\"tid\":{tid},\"ts\":{},\"dur\":50,\"name\":\"top\",\"cat\":\"f\"}},\n\
             {{\"ph\":\"E\",\"pid\":1,\"tid\":{tid},\"ts\":{}}},\n",
            base + 20,
            base + 10,
            base + 1,
            base + 90
        ));
    }
    out.push_str("{\"ph\":\"C\",\"pid\":1,\"ts\":0,\"name\":\"mem\",\"args\":{\"v\":1}},\n");
    out.push_str("{\"ph\":\"C\",\"pid\":1,\"ts\":1,\"name\":\"mem\",\"args\":{\"v\":2}}\n]}\n");
    assert_eq!(out.lines().count(), 100_002);
    out
}

#[test]
fn a_trace_of_100000_events_is_read_quickly() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.json");
    std::fs::write(&path, synthetic()).unwrap();
    let started = Instant::now();
    let t = read_chrome(&path).unwrap();
    let took = started.elapsed();
    let mib = std::fs::metadata(&path).unwrap().len() as f64 / (1 << 20) as f64;
    println!("read_chrome: 100000 events ({mib:.1} MiB) in {took:?}");
    assert_eq!((t.graph.len(), t.unknown_records), (79_992, 2));
    assert_eq!(t.header.run.as_ref().unwrap().workers, 8);
    let group = t.graph.task(TaskId(0));
    assert_eq!(
        (group.key(), &group.meta()["depth"]),
        ("group#0", &serde_json::json!(0))
    );
    let leaf = t.graph.task(t.graph.id_of("leaf#0").unwrap());
    assert_eq!(leaf.meta()["depth"], 3);
    // Well under a second in a release build; debug builds are several times slower.
    let limit = if cfg!(debug_assertions) { 20.0 } else { 1.0 };
    assert!(took.as_secs_f64() < limit, "{took:?}");
    let stats = stats_json(&path);
    assert_eq!(stats["tasks"], 79_992);
}
