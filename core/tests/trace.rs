//! The v1 file format: round trips, the committed fixture, and errors that name the
//! file, line and field.

use std::io::Cursor;
use std::path::PathBuf;

use taskscope_analysis::stats::GraphStats;
use taskscope_collections::array::tutorial_normalization;
use taskscope_core::trace::{self, ReadErrorKind};
use taskscope_core::{GraphError, TaskId};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/fixtures/v1")
        .join(name)
}

fn parse(text: &str) -> Result<trace::Trace, trace::ReadError> {
    trace::parse(Cursor::new(text.as_bytes()), "t.jsonl")
}

const HEADER: &str =
    r#"{"type":"header","format":"taskscope","version":1,"tool":"test","clock":"ns"}"#;

fn file(lines: &[&str]) -> String {
    let mut s = String::from(HEADER);
    s.push('\n');
    for l in lines {
        s.push_str(l);
        s.push('\n');
    }
    s
}

#[test]
fn the_v1_fixture_stays_readable() {
    let t = trace::read(&fixture("pipeline.trace.jsonl")).unwrap();
    assert_eq!(t.header.version, 1);
    assert_eq!(t.header.name.as_deref(), Some("pipeline"));
    assert!(!t.truncated);
    let g = &t.graph;
    assert_eq!(
        (g.len(), g.edge_count(), g.depth(), g.width()),
        (6, 5, 4, 2)
    );
    // A missing group falls back to key_split, a missing op to the group.
    assert_eq!(g.task(TaskId(2)).group(), "clean");
    assert_eq!(g.task(TaskId(4)).op(), "concat");
    assert_eq!(g.task(TaskId(0)).meta()["rows"], 1000);
    assert_eq!(g.task(TaskId(5)).deps(), &[TaskId(4)]);
    let stats = GraphStats::of(g);
    assert_eq!(stats.groups["load"], 2);
    assert_eq!(stats.critical_path_tasks, 4);
}

#[test]
fn graphs_round_trip_byte_for_byte() {
    let (_, y) = tutorial_normalization(&[400, 400], &[100, 100], 3).unwrap();
    let program = y.program().unwrap();
    let mut first = Vec::new();
    trace::write_graph(&mut first, program.graph(), Some("norm")).unwrap();
    let read = trace::parse(Cursor::new(&first), "mem").unwrap();
    assert!(!read.truncated);
    assert_eq!(GraphStats::of(&read.graph), GraphStats::of(program.graph()));
    for (id, task) in program.graph().tasks() {
        let other = read.graph.task(id);
        assert_eq!(
            (task.key(), task.group(), task.op(), task.deps()),
            (other.key(), other.group(), other.op(), other.deps())
        );
    }
    let mut second = Vec::new();
    trace::write_graph(&mut second, &read.graph, Some("norm")).unwrap();
    assert_eq!(first, second);
    let text = String::from_utf8(first).unwrap();
    assert!(
        text.starts_with(r#"{"type":"header","format":"taskscope","version":1,"tool":"taskscope "#),
        "{text}"
    );
    assert!(
        text.ends_with("{\"type\":\"end\",\"tasks\":92,\"edges\":132}\n"),
        "{}",
        &text[text.len() - 80..]
    );
}

#[test]
fn a_cut_off_last_line_is_truncation_not_an_error() {
    let full = std::fs::read_to_string(fixture("pipeline.trace.jsonl")).unwrap();
    let cut = &full[..full.find(r#"{"type":"task","id":5"#).unwrap() + 20];
    let t = parse(cut).unwrap();
    assert!(t.truncated);
    assert_eq!(t.graph.len(), 5);
    // Cut at a line boundary: no end record, also truncated.
    let lines: Vec<&str> = full.lines().take(4).collect();
    let t = parse(&(lines.join("\n") + "\n")).unwrap();
    assert!(t.truncated);
    assert_eq!(t.graph.len(), 3);
}

#[test]
fn unknown_records_and_fields_are_skipped() {
    let t = parse(&file(&[
        r#"{"type":"task","id":0,"key":"a","future_field":[1,2]}"#,
        r#"{"type":"hologram","data":42}"#,
        r#"{"type":"end","tasks":1,"edges":0}"#,
    ]))
    .unwrap();
    assert_eq!(t.unknown_records, 1);
    assert_eq!(t.graph.len(), 1);
}

fn error(text: &str) -> trace::ReadError {
    parse(text).unwrap_err()
}

#[test]
fn errors_name_the_file_line_and_field() {
    let e = error(&file(&[r#"{"type":"task","id":0}"#]));
    assert_eq!(
        (e.kind, e.line, e.field.as_deref()),
        (ReadErrorKind::Field, Some(2), Some("key"))
    );
    assert_eq!(e.to_string(), "t.jsonl:2: field `key`: is missing");

    let e = error(&file(&[r#"{"type":"task","id":0,"key":"a","deps":["b"]}"#]));
    assert_eq!(
        e.to_string(),
        "t.jsonl:2: field `deps`: must be a list of task ids, not [\"b\"]"
    );

    let e = error(&file(&[r#"{"type":"task","id":-1,"key":"a"}"#]));
    assert_eq!(e.field.as_deref(), Some("id"));

    let e = error(&file(&[
        r#"{"type":"task","id":0,"key":"a"}"#,
        r#"{"type":"task","id":2,"key":"b"}"#,
    ]));
    assert_eq!((e.line, e.field.as_deref()), (Some(3), Some("id")));
    assert!(e.to_string().contains("is 2, expected 1"), "{e}");

    let e = error(&file(&[r#"{"type":"task","id":0,"key":""}"#]));
    assert_eq!(e.to_string(), "t.jsonl:2: field `key`: is empty");

    let e = error(&file(&[r#"{"id":0,"key":"a"}"#]));
    assert_eq!(e.to_string(), "t.jsonl:2: field `type`: is missing");

    let e = error(&file(&[
        "{\"type\":\"task\",\"id\":0,\"key\":\"a\"",
        r#"{"type":"end","tasks":1,"edges":0}"#,
    ]));
    assert_eq!((e.kind, e.line), (ReadErrorKind::Syntax, Some(2)));
    assert!(
        e.to_string().starts_with("t.jsonl:2: not valid JSON"),
        "{e}"
    );

    let e = error(&file(&[
        r#"{"type":"task","id":0,"key":"a"}"#,
        r#"{"type":"end","tasks":2,"edges":0}"#,
    ]));
    assert_eq!(
        e.to_string(),
        "t.jsonl:3: field `tasks`: says 2, but the file has 1"
    );

    let e = error(&file(&[
        r#"{"type":"end","tasks":0,"edges":0}"#,
        r#"{"type":"task","id":0,"key":"a"}"#,
    ]));
    assert!(e.to_string().contains("after the end record"), "{e}");

    let e = error(&file(&[HEADER]));
    assert!(e.to_string().contains("a second header"), "{e}");
}

#[test]
fn the_header_is_checked() {
    let e = error("hello world\n");
    assert_eq!((e.kind, e.line), (ReadErrorKind::Syntax, Some(1)));
    assert!(e.to_string().contains("not a taskscope file"), "{e}");

    let e = error("{\"type\":\"task\",\"id\":0,\"key\":\"a\"}\n");
    assert_eq!(e.kind, ReadErrorKind::Format);
    assert!(
        e.to_string().contains("the first record must be a header"),
        "{e}"
    );

    let e = error(&HEADER.replace("\"version\":1", "\"version\":2"));
    assert_eq!((e.line, e.field.as_deref()), (Some(1), Some("version")));
    assert!(
        e.to_string()
            .contains("version 2 is not one this taskscope reads"),
        "{e}"
    );

    let e = error(&HEADER.replace("\"format\":\"taskscope\"", "\"format\":\"perfetto\""));
    assert_eq!(e.field.as_deref(), Some("format"));

    let e = error("");
    assert_eq!(e.kind, ReadErrorKind::Format);
    assert!(e.to_string().contains("empty"), "{e}");

    let e = trace::read(&fixture("does-not-exist.jsonl")).unwrap_err();
    assert_eq!(e.kind, ReadErrorKind::Io);
    assert!(e.to_string().contains("does-not-exist.jsonl"), "{e}");
}

#[test]
fn graph_errors_name_keys_and_lines() {
    let e = error(&file(&[
        r#"{"type":"task","id":0,"key":"a"}"#,
        r#"{"type":"task","id":1,"key":"a"}"#,
    ]));
    assert_eq!(e.kind, ReadErrorKind::Graph);
    assert_eq!(
        e.to_string(),
        "t.jsonl:3: field `key`: duplicate task key \"a\" (first on line 2)"
    );

    let e = error(&file(&[
        r#"{"type":"task","id":0,"key":"a","deps":[7]}"#,
        r#"{"type":"end","tasks":1,"edges":0}"#,
    ]));
    assert_eq!(
        e.to_string(),
        "t.jsonl:2: field `deps`: task \"a\" depends on task id 7, which is not in the file (1 tasks)"
    );
    assert!(matches!(
        e.graph,
        Some(GraphError::MissingDependency { .. })
    ));

    let e = error(&file(&[
        r#"{"type":"task","id":0,"key":"a","deps":[2]}"#,
        r#"{"type":"task","id":1,"key":"b","deps":[0]}"#,
        r#"{"type":"task","id":2,"key":"c","deps":[1]}"#,
    ]));
    assert_eq!(
        e.to_string(),
        "t.jsonl:2: field `deps`: cycle: a -> b -> c -> a"
    );
    assert_eq!(
        e.graph,
        Some(GraphError::Cycle {
            keys: vec!["a".into(), "b".into(), "c".into(), "a".into()]
        })
    );
}

#[test]
fn the_v1_run_fixture_stays_readable() {
    use taskscope_analysis::stats::RunStats;
    use taskscope_core::trace::{RunStatus, TaskStatus};
    let t = trace::read(&fixture("run.trace.jsonl")).unwrap();
    assert!(!t.truncated);
    let run = t.header.run.as_ref().unwrap();
    assert_eq!((run.executor.as_str(), run.workers), ("threads", 2));
    assert_eq!(run.host.as_ref().unwrap().hostname, "fixture");
    assert_eq!(t.events.len(), 4);
    assert_eq!(t.samples.len(), 3);
    assert_eq!(t.events[0].alloc(), Some(8192));
    let failed = &t.events[3];
    assert_eq!(failed.status, TaskStatus::Failed);
    assert_eq!(
        failed.message(),
        Some("ValueError: row 17 has 3 columns, expected 4")
    );
    let end = t.end.as_ref().unwrap();
    assert_eq!((end.status, end.wall), (RunStatus::Failed, 64_000));
    let stats = RunStats::of(&t).unwrap();
    assert_eq!(stats.wall_ns, 64_000);
    assert_eq!(stats.busy_ns, 40_000 + 60_000 + 10_000 + 1_000);
    assert_eq!(stats.failed, 1);
    assert_eq!(stats.workers.len(), 2);
    assert_eq!(stats.workers[1].busy_ns, 61_000);
    // Held outputs: load 0 (4000 B) from 41000 until clean 0 ends at 52000; clean 0
    // (3000 B) from 52000 on, as concat never ran; load 1 (5000 B) from 61200 on, as
    // its dependent failed. Peak: 3000 + 5000.
    assert_eq!(stats.peak_held_bytes, 8_000);
    assert_eq!(stats.critical_path.tasks, 2);
    assert_eq!(stats.critical_path.duration_ns, 60_000 + 1_000);
    assert_eq!(stats.peak_rss_bytes, Some(12_582_912));
    assert_eq!(stats.group_runs["load"].bytes, 9_000);
}

#[test]
fn event_errors_name_the_line_and_field() {
    let base = [r#"{"type":"task","id":0,"key":"a"}"#];
    let with = |event: &str| {
        let mut lines = base.to_vec();
        lines.push(event);
        file(&lines)
    };
    let e = error(&with(
        r#"{"type":"event","task":5,"worker":0,"start":1,"end":2,"status":"done"}"#,
    ));
    assert_eq!(
        e.to_string(),
        "t.jsonl:3: field `task`: task id 5 is not in the file (1 tasks)"
    );
    let e = error(&with(
        r#"{"type":"event","task":0,"worker":0,"start":9,"end":2,"status":"done"}"#,
    ));
    assert_eq!(
        e.to_string(),
        "t.jsonl:3: field `end`: is 2, before the task's start 9"
    );
    let e = error(&with(
        r#"{"type":"event","task":0,"worker":0,"start":1,"end":2,"status":"maybe"}"#,
    ));
    assert_eq!(
        e.to_string(),
        "t.jsonl:3: field `status`: must be \"done\", \"failed\" or \"unfinished\", not \"maybe\""
    );
    let e = error(&with(r#"{"type":"sample","t":-4}"#));
    assert_eq!(e.field.as_deref(), Some("t"));
}

/// Found by the fuzzer: a file may hold any numbers, and `stats` added them with `+`,
/// which overflowed (a panic in debug builds, wrong figures in release).
#[test]
fn huge_numbers_give_saturated_figures_not_an_overflow() {
    let max = u64::MAX;
    let text = file(&[
        r#"{"type":"task","id":0,"key":"a"}"#,
        r#"{"type":"task","id":1,"key":"a-2","deps":[0]}"#,
        &format!(
            r#"{{"type":"event","task":0,"worker":0,"start":0,"end":{max},"status":"done","bytes":{max}}}"#
        ),
        &format!(
            r#"{{"type":"event","task":1,"worker":0,"start":0,"end":{max},"status":"done","bytes":9223372036854775808}}"#
        ),
    ]);
    let trace = parse(&text).unwrap();
    let stats = taskscope_analysis::stats::Stats::of(&trace);
    let run = stats.run.as_ref().expect("a run");
    assert_eq!(run.busy_ns, max);
    assert_eq!(run.group_runs["a"].bytes, max);
    assert_eq!(run.critical_path.duration_ns, max);
    stats.to_json_value();
}

/// Found by the fuzzer: messages quoted the input whole (a serde error quoting a value,
/// a format name, a key), however long: a megabyte line made a megabyte message.
#[test]
fn errors_quote_the_input_cut_short() {
    let long = "x".repeat(1 << 20);
    for text in [
        file(&[
            r#"{"type":"task","id":0,"key":"a"}"#,
            &format!(
                r#"{{"type":"event","task":0,"worker":0,"start":0,"end":1,"status":"{long}"}}"#
            ),
        ]),
        file(&[&format!(r#"{{"type":{long}}}"#)]),
        format!(
            r#"{{"type":"header","format":"taskscope{long}","version":1,"tool":"t","clock":"ns"}}"#
        ),
        file(&[
            &format!(r#"{{"type":"task","id":0,"key":"{long}"}}"#),
            &format!(r#"{{"type":"task","id":1,"key":"{long}"}}"#),
        ]),
    ] {
        let e = parse(&text).unwrap_err();
        assert!(e.to_string().len() < 4000, "{}", &e.to_string()[..200]);
    }
}
