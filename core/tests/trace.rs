//! The v1 file format: round trips, the committed fixture, and errors that name the
//! file, line and field.

use std::io::Cursor;
use std::path::PathBuf;

use taskscope_core::array::tutorial_normalization;
use taskscope_core::stats::GraphStats;
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
    assert_eq!(g.task(TaskId(2)).group, "clean");
    assert_eq!(g.task(TaskId(4)).op, "concat");
    assert_eq!(g.task(TaskId(0)).meta["rows"], 1000);
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
            (&task.key, &task.group, &task.op, task.deps()),
            (&other.key, &other.group, &other.op, other.deps())
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
