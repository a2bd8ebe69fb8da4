use serde_json::{Value as Json, json};

use super::{UnknownTask, parse_chrome, write_chrome};
use taskscope_core::trace::{
    ReadError, ReadErrorKind, RunEnd, RunInfo, RunStatus, Sample, TaskEvent, TaskStatus, Trace,
};
use taskscope_core::{GraphBuilder, TaskId, TaskSpec};

fn event(task: u32, worker: u32, start: u64, end: u64) -> TaskEvent {
    TaskEvent {
        bytes: 8 * u64::from(task),
        ..TaskEvent::new(TaskId(task), worker, start, end, TaskStatus::Done)
    }
}

/// A run with every kind of thing a trace holds: deps, meta, a task that never ran,
/// a failed and an unfinished task, samples with and without rss and cpu, an end.
fn sample_run() -> Trace {
    let mut b = GraphBuilder::new();
    let mut load = TaskSpec::new("('load-1f2e', 0)", "load");
    load.meta.insert("chunk".into(), json!([100, 100]));
    b.add(load);
    b.add(TaskSpec::new("clean-9c", "clean").dep("('load-1f2e', 0)"));
    b.add(TaskSpec::new("boom-77", "boom").dep("clean-9c"));
    b.add(
        TaskSpec::new("sum-00", "sum")
            .dep("clean-9c")
            .dep("boom-77")
            .group(""),
    );
    b.add(TaskSpec::new("never-ran", "idle"));
    let mut trace = Trace::of_graph(b.build().unwrap(), Some("norm"));
    trace.header.run = Some(RunInfo {
        executor: "threads".into(),
        workers: 3,
        started_unix_ns: Some(1_760_000_000_123_456_789),
        sample_period_ns: Some(10_000_000),
        ..RunInfo::default()
    });
    let mut failed = event(2, 1, 3_600_000_000_123, 3_600_000_000_124);
    failed.status = TaskStatus::Failed;
    failed.bytes = 0;
    failed.extra_mut().message = Some("division by zero: \"x\"\n".into());
    let mut unfinished = event(3, 0, 5, 3_600_000_001_000);
    unfinished.status = TaskStatus::Unfinished;
    let mut first = event(0, 0, 1, 1_234);
    first.extra_mut().alloc = Some(4096);
    first.extra_mut().peak = Some(1 << 40);
    // A span recorded by taskscope-tracing: entered part of the time, with log lines.
    first.extra_mut().busy = Some(1_000);
    first.extra_mut().logs = vec![taskscope_core::trace::LogLine {
        t: 7,
        level: "INFO".into(),
        message: "read \"a.csv\" rows=3".into(),
    }];
    trace.events = vec![first, event(1, 1, 999, 1_000), failed, unfinished];
    trace.samples = vec![
        Sample {
            t: 0,
            rss: Some(20_971_520),
            cpu: Some(0),
            held: 0,
        },
        Sample {
            t: 10_000_001,
            rss: None,
            cpu: Some(9_000_000),
            held: 16,
        },
        Sample {
            t: 10_000_001,
            rss: Some(1),
            cpu: None,
            held: 0,
        },
    ];
    trace.end = Some(RunEnd {
        status: RunStatus::Failed,
        wall: 3_600_000_002_000,
        error: Some("task boom-77 failed".into()),
    });
    trace
}

fn to_chrome(trace: &Trace) -> String {
    let mut out = Vec::new();
    write_chrome(&mut out, trace).unwrap();
    String::from_utf8(out).unwrap()
}

fn assert_same(a: &Trace, b: &Trace) {
    assert_eq!(a.header, b.header);
    let tasks_a: Vec<_> = a.graph.tasks().collect();
    let tasks_b: Vec<_> = b.graph.tasks().collect();
    assert_eq!(tasks_a, tasks_b);
    assert_eq!(a.events, b.events);
    assert_eq!(a.samples, b.samples);
    assert_eq!(a.end, b.end);
    assert_eq!(a.truncated, b.truncated);
}

#[test]
fn a_trace_survives_the_round_trip_exactly() {
    let trace = sample_run();
    let text = to_chrome(&trace);
    let back = parse_chrome(text.as_bytes(), "run.json").unwrap();
    assert_same(&trace, &back);
    assert_eq!(back.unknown_records, 0);
    // And the second trip writes the same bytes.
    assert_eq!(to_chrome(&back), text);
    // A truncated trace stays truncated; a graph alone stays a graph.
    let mut cut = sample_run();
    cut.truncated = true;
    let back = parse_chrome(to_chrome(&cut).as_bytes(), "cut.json").unwrap();
    assert!(back.truncated);
    let graph = Trace::of_graph(sample_run().graph, None);
    let back = parse_chrome(to_chrome(&graph).as_bytes(), "g.json").unwrap();
    assert_same(&graph, &back);
    assert!(!back.is_run());
}

#[test]
fn what_is_written_is_what_chrome_and_perfetto_read() {
    let text = to_chrome(&sample_run());
    assert!(
        text.starts_with("{\"traceEvents\":[\n{\"ph\":\"M\""),
        "{text}"
    );
    let json: Json = serde_json::from_str(&text).unwrap();
    let events = json["traceEvents"].as_array().unwrap();
    let of = |ph: &str| events.iter().filter(|e| e["ph"] == ph).collect::<Vec<_>>();
    // Process name, and a name and sort index for each of the 3 workers.
    assert_eq!(of("M").len(), 7);
    assert!(
        of("M").iter().any(|e| e["name"] == "thread_name"
            && e["tid"] == 2
            && e["args"]["name"] == "worker 2")
    );
    let x = of("X");
    assert_eq!(x.len(), 4);
    assert_eq!(x[0]["name"], "load");
    assert_eq!(x[0]["cat"], "load");
    assert_eq!(
        (x[0]["pid"].as_u64(), x[0]["tid"].as_u64()),
        (Some(1), Some(0))
    );
    assert_eq!(x[0]["args"]["key"], "('load-1f2e', 0)");
    assert_eq!(x[0]["args"]["task"], 0);
    assert_eq!(x[2]["args"]["status"], "failed");
    assert_eq!(x[2]["args"]["deps"], json!([1]));
    assert_eq!(x[3]["name"], "sum-00", "no group: the key names the slice");
    // Exact ns as µs with three decimals.
    assert!(text.contains("\"ts\":0.001,\"dur\":1.233,"), "{text}");
    assert!(
        text.contains("\"ts\":3600000000.123,\"dur\":0.001,"),
        "{text}"
    );
    assert_eq!(of("C").len(), 7);
    assert!(
        text.contains(r#"{"ph":"C","pid":1,"ts":10000.001,"name":"cpu","args":{"ns":9000000}}"#)
    );
    assert_eq!(json["taskscope"]["tasks"].as_array().unwrap().len(), 5);
}

fn parse(text: &str) -> Trace {
    parse_chrome(text.as_bytes(), "t.json").unwrap_or_else(|e| panic!("{e}"))
}

fn meta(t: &Trace, id: u32) -> &taskscope_core::Meta {
    t.graph.task(TaskId(id)).meta()
}

#[test]
fn foreign_slices_become_tasks_with_their_nesting() {
    // As viztracer writes them: a call's X comes after the calls it made.
    let t = parse(
        r#"{"traceEvents": [
        {"ph":"M","pid":7,"tid":8,"name":"thread_name","args":{"name":"Worker"}},
        {"ph":"M","pid":7,"name":"process_name","args":{"name":"python"}},
        {"ph":"X","pid":7,"tid":8,"ts":1000.5,"dur":1,"name":"fib","cat":"fee"},
        {"ph":"X","pid":7,"tid":8,"ts":1002,"dur":2,"name":"fib","cat":"fee"},
        {"ph":"X","pid":7,"tid":8,"ts":1000,"dur":5,"name":"main","cat":"fee","args":{"n":3}},
        {"ph":"X","pid":7,"tid":"io","ts":1001,"dur":0.25,"name":"read"},
        {"ph":"i","pid":7,"tid":8,"ts":999,"name":"mark","s":"t"},
        {"ph":"C","pid":7,"ts":1010,"name":"mem","args":{"v":1}}
        ], "otherData": {"version": "x"}}"#,
    );
    let keys: Vec<&str> = t.graph.tasks().map(|(_, t)| t.key()).collect();
    assert_eq!(keys, ["main#0", "fib#0", "read#0", "fib#1"]);
    assert_eq!(t.graph.edge_count(), 0, "no dependencies are invented");
    let main = meta(&t, 0);
    assert_eq!(main["depth"], 0);
    assert!(main.get("parent").is_none());
    assert_eq!(main["args"], json!({"n": 3}));
    assert_eq!(main["cat"], "fee");
    assert_eq!((&main["pid"], &main["tid"]), (&json!(7), &json!(8)));
    assert_eq!(main["thread"], "Worker");
    assert_eq!(main["process"], "python");
    assert_eq!(
        (&meta(&t, 1)["parent"], &meta(&t, 1)["depth"]),
        (&json!(0), &json!(1))
    );
    assert_eq!(
        (&meta(&t, 3)["parent"], &meta(&t, 3)["depth"]),
        (&json!(0), &json!(1))
    );
    assert_eq!(meta(&t, 2)["tid"], "io");
    assert_eq!(t.graph.task(TaskId(1)).group(), "fib");
    assert_eq!(t.graph.task(TaskId(1)).op(), "fib");
    // Lanes are workers in order of first appearance; times are ns from the earliest
    // event (the instant at 999 µs).
    let spans: Vec<(u32, u64, u64)> = t
        .events
        .iter()
        .map(|e| (e.worker, e.start, e.end))
        .collect();
    assert_eq!(
        spans,
        [
            (0, 1_000, 6_000),
            (0, 1_500, 2_500),
            (1, 2_000, 2_250),
            (0, 3_000, 5_000)
        ]
    );
    assert_eq!(
        t.unknown_records, 2,
        "the i and C events are skipped and counted"
    );
    assert_eq!(t.header.run.as_ref().unwrap().workers, 2);
    assert_eq!(t.header.name.as_deref(), Some("t"));
}

#[test]
fn b_and_e_pairs_nest_and_unmatched_ends_are_handled() {
    // A bare array without its closing bracket, with a trailing comma.
    let t = parse(
        r#"[
        {"ph":"B","pid":1,"tid":1,"ts":10,"name":"outer","args":{"a":1}},
        {"ph":"E","pid":1,"tid":2,"ts":11},
        {"ph":"B","pid":1,"tid":1,"ts":12,"name":"inner"},
        {"ph":"E","pid":1,"tid":1,"ts":14,"args":{"b":2}},
        {"ph":"E","pid":1,"tid":1,"ts":20},
        {"ph":"E","pid":1,"tid":1,"ts":21},
        {"ph":"B","pid":1,"tid":1,"ts":30,"name":"crashed"},
        {"ph":"X","pid":1,"tid":1,"ts":31,"dur":4,"name":"late"},"#,
    );
    let keys: Vec<&str> = t.graph.tasks().map(|(_, t)| t.key()).collect();
    assert_eq!(keys, ["outer#0", "inner#0", "crashed#0", "late#0"]);
    let spans: Vec<(u64, u64, TaskStatus)> = t
        .events
        .iter()
        .map(|e| (e.start, e.end, e.status))
        .collect();
    assert_eq!(
        spans,
        [
            (0, 10_000, TaskStatus::Done),
            (2_000, 4_000, TaskStatus::Done),
            (20_000, 25_000, TaskStatus::Unfinished),
            (21_000, 25_000, TaskStatus::Done),
        ]
    );
    assert_eq!(meta(&t, 0)["args"], json!({"a": 1}));
    assert_eq!(meta(&t, 1)["args"], json!({"b": 2}), "E args are kept");
    assert_eq!(meta(&t, 1)["parent"], 0);
    assert_eq!(meta(&t, 3)["parent"], 2, "inside the unfinished slice");
    assert_eq!(t.unknown_records, 2, "the two E events without a B");
    assert!(!t.truncated, "a missing ] is allowed");
    // Converted to Chrome JSON and back, nothing changes.
    let back = parse(&to_chrome(&t));
    assert_same(&t, &back);
}

#[test]
fn an_array_cut_inside_an_event_keeps_the_events_before() {
    let t = parse(
        r#"[{"ph":"X","ts":1,"dur":1,"name":"a"},{"ph":"X","ts":2,"dur":1,"name":"b"},{"ph":"X","ts":3,"du"#,
    );
    assert_eq!(t.graph.len(), 2);
    assert!(t.truncated);
    let t = parse(r#"  [{"ph":"X","ts":1,"dur":1,"name":"a, [\"quoted\"]"#);
    assert_eq!(t.graph.len(), 0);
    assert!(t.truncated);
    // Trailing commas anywhere, and numeric strings for times.
    let t = parse(r#"{"traceEvents":[{"ph":"X","ts":"12.0015","dur":"1","name":"a",},],}"#);
    assert_eq!((t.events[0].start, t.events[0].end), (0, 1_000));
    let t = parse(r#"[{"ph":"X","ts":"1e3","dur":0.0004,"name":"a"}, {"ph":"X","ts":0,"dur":1}]"#);
    assert_eq!((t.events[1].start, t.events[1].end), (1_000_000, 1_000_000));
    assert_eq!(t.graph.task(TaskId(0)).key(), "(unnamed)#0");
}

fn error(text: &str) -> ReadError {
    match parse_chrome(text.as_bytes(), "bad.json") {
        Ok(_) => panic!("{text} was read"),
        Err(e) => e,
    }
}

#[test]
fn bad_files_give_errors_that_name_the_file_and_field() {
    let cases: &[(&str, ReadErrorKind, &str)] = &[
        ("", ReadErrorKind::Format, "bad.json: the file is empty"),
        (
            "hello",
            ReadErrorKind::Format,
            "bad.json: not a Chrome trace-event file",
        ),
        (
            "{\"traceEvents\":[\n{\"ph\":\"X\",\"ts\":1 \"dur\":2}]}",
            ReadErrorKind::Syntax,
            "bad.json:2: field `traceEvents[0]`: not valid JSON: expected `,` or `}` (column 18)",
        ),
        (
            "{\"traceEvents\":[{\"ph\":\"X\",\"ts\":1,\"dur\":2}",
            ReadErrorKind::Syntax,
            "bad.json:1: the file ends in the middle of the JSON",
        ),
        (
            "{\"traceEvents\":[\n{\"ph\":\"X\",\"ts\":1,\"dur\":2},\n{\"ts\":1}\n]}",
            ReadErrorKind::Field,
            "bad.json:3: field `traceEvents[1].ph`: is missing",
        ),
        (
            "[{\"ph\":\"X\",\"ts\":\"soon\",\"dur\":2}]",
            ReadErrorKind::Field,
            "bad.json:1: field `[0].ts`: must be a number of microseconds, not \"soon\"",
        ),
        (
            "[{\"ph\":\"B\",\"ts\":[1]}]",
            ReadErrorKind::Field,
            "field `[0].ts`: must be a number of microseconds, not a list",
        ),
        (
            "[{\"ph\":\"E\"}]",
            ReadErrorKind::Field,
            "field `[0].ts`: is missing",
        ),
        (
            "[{\"ph\":\"X\",\"ts\":1}]",
            ReadErrorKind::Field,
            "field `[0].dur`: is missing",
        ),
        (
            "[{\"ph\":\"X\",\"ts\":1,\"dur\":-2}]",
            ReadErrorKind::Field,
            "field `[0].dur`: must not be negative",
        ),
        (
            "[{\"ph\":7}]",
            ReadErrorKind::Field,
            "field `[0].ph`: must be a string such as \"X\", not 7",
        ),
        (
            "[{\"ph\":\"X\",\"ts\":1,\"dur\":1,\"tid\":{}}]",
            ReadErrorKind::Field,
            "field `[0].tid`: must be a number or a string, not an object",
        ),
        (
            "[[\"X\", 1]]",
            ReadErrorKind::Field,
            "field `[0]`: must be a JSON object (an event), not a list",
        ),
        (
            "[{\"ph\":\"X\",\"ts\":1e300,\"dur\":1}]",
            ReadErrorKind::Field,
            "field `[0].ts`: is too large",
        ),
        (
            "{\"displayTimeUnit\":\"ns\"}",
            ReadErrorKind::Field,
            "field `traceEvents`: is missing",
        ),
        (
            "{\"traceEvents\":{}}",
            ReadErrorKind::Field,
            "invalid type: map, expected a list of trace events",
        ),
        ("[] []", ReadErrorKind::Syntax, "trailing characters"),
        (
            "{\"traceEvents\":[],\"taskscope\":{\"header\":1}}",
            ReadErrorKind::Field,
            "field `taskscope`: invalid type",
        ),
    ];
    for (text, kind, expected) in cases {
        let e = error(text);
        assert!(e.to_string().contains(expected), "{text}: {e}");
        assert_eq!(e.kind, *kind, "{text}: {e}");
    }
}

#[test]
fn a_damaged_taskscope_file_is_an_error_not_a_different_trace() {
    let text = to_chrome(&sample_run());
    let edit = |from: &str, to: &str| {
        assert!(text.contains(from), "{from}");
        error(&text.replacen(from, to, 1)).to_string()
    };
    let e = edit(r#""task":1,"#, r#""task":99,"#);
    assert!(
        e.contains("field `traceEvents[8].args.task`: must be a task id below 5, not 99"),
        "{e}"
    );
    let e = edit(r#""status":"done""#, r#""status":"ok""#);
    assert!(e.contains("args.status`: must be"), "{e}");
    let e = edit(r#""key":"clean-9c","group""#, r#""key":"other","group""#);
    assert!(
        e.contains("args.key`: is \"other\", but task 1 is \"clean-9c\""),
        "{e}"
    );
    let e = edit(r#","events":4,"#, r#","events":5,"#);
    assert!(
        e.contains("field `taskscope.events`: says 5, but traceEvents has 4"),
        "{e}"
    );
    let e = edit(r#""version":1"#, r#""version":9"#);
    assert!(
        e.contains("field `taskscope.header.version`: version 9 is not one"),
        "{e}"
    );
    let e = edit(r#""op":"clean","deps":[0]"#, r#""op":"clean","deps":[3]"#);
    assert!(e.contains("field `taskscope.tasks`: cycle"), "{e}");
    let e = edit(r#""op":"clean","deps":[0]"#, r#""op":"clean","deps":[30]"#);
    assert!(e.contains("field `taskscope.tasks[1].deps`"), "{e}");
}

#[test]
fn times_convert_exactly() {
    use super::de::Scalar;
    use super::events::nanos;
    let s = |t: &str| nanos(&Scalar::Str(t.into()));
    assert_eq!(s("1700000000000000.123"), Ok(1_700_000_000_000_000_123));
    assert_eq!(s("-1.5"), Ok(-1_500));
    assert_eq!(s("0.0005"), Ok(1));
    assert_eq!(nanos(&Scalar::U(12)), Ok(12_000));
    assert_eq!(nanos(&Scalar::F(2.1)), Ok(2_100));
    assert_eq!(nanos(&Scalar::F(4_000_000_000.001)), Ok(4_000_000_000_001));
    assert!(nanos(&Scalar::U(u64::MAX)).is_err());
    assert!(
        s("NaN")
            .unwrap_err()
            .contains("must be a number of microseconds, not \"NaN\"")
    );
    assert!(nanos(&Scalar::Bool(true)).is_err());
}

/// A header may declare any number of workers: 4·10^9 idle tracks were written (and
/// held in memory) for a trace that said so.
#[test]
fn a_header_declaring_billions_of_workers_writes_a_bounded_file() {
    let mut trace = sample_run();
    if let Some(run) = trace.header.run.as_mut() {
        run.workers = u32::MAX;
    }
    let text = to_chrome(&trace);
    assert!(text.len() < 1 << 20, "{} bytes", text.len());
    parse(&text);
}

#[test]
fn an_event_of_a_task_not_in_the_graph_is_refused_by_name() {
    let mut trace = sample_run();
    let tasks = trace.graph.len();
    trace.events.push(event(tasks as u32, 0, 0, 1));
    let e = write_chrome(&mut Vec::new(), &trace).unwrap_err();
    assert_eq!(e.kind(), std::io::ErrorKind::InvalidInput);
    assert_eq!(
        e.to_string(),
        format!("an event names task #{tasks}, but the graph has {tasks} tasks")
    );
    let unknown = e.get_ref().and_then(|e| e.downcast_ref::<UnknownTask>());
    assert_eq!(
        unknown.map(|u| (u.task, u.tasks)),
        Some((TaskId(tasks as u32), tasks))
    );
}
