//! Traced runs: one consistent event per task, samples, the end record, failures kept,
//! and files that stay readable when cut short.

use std::io::Cursor;
use std::sync::Arc;
use std::time::{Duration, Instant};

use taskscope_collections::array::tutorial_normalization;
use taskscope_core::recorder::{TraceOptions, TracedRunError, run_traced};
use taskscope_core::trace::{self, RunStatus, TaskStatus};
use taskscope_core::{
    Layer, NoObserver, Program, Sequential, TaskDef, TaskError, TaskFn, TaskId, Threads, Value,
};

fn norm_run(
    dir: &std::path::Path,
    options: &TraceOptions,
) -> (std::path::PathBuf, taskscope_core::recorder::RunReport) {
    let (_, y) = tutorial_normalization(&[1000, 1000], &[100, 100], 0).unwrap();
    let program = y.program().unwrap();
    let targets: Vec<TaskId> = y
        .keys()
        .iter()
        .map(|k| program.graph().id_of(k).unwrap())
        .collect();
    let path = dir.join("norm.trace.jsonl");
    let (_, report) = run_traced(
        &Threads::new(2),
        &program,
        &targets,
        &path,
        options,
        &NoObserver,
    )
    .unwrap();
    (path, report)
}

#[test]
fn a_traced_run_has_one_consistent_event_per_task() {
    let dir = tempfile::tempdir().unwrap();
    let (path, report) = norm_run(dir.path(), &TraceOptions::named("norm"));
    assert_eq!(report.status, RunStatus::Ok);
    assert_eq!(report.events, 590);
    let t = trace::read(&path).unwrap();
    assert!(!t.truncated);
    assert_eq!(t.header.name.as_deref(), Some("norm"));
    let run = t.header.run.as_ref().unwrap();
    assert_eq!((run.executor.as_str(), run.workers), ("threads", 2));
    assert_eq!(t.events.len(), 590);
    let mut seen = vec![false; t.graph.len()];
    let mut end_of = vec![0u64; t.graph.len()];
    for e in &t.events {
        assert!(!seen[e.task.index()], "one event per task");
        seen[e.task.index()] = true;
        assert!(e.start <= e.end);
        assert!(e.worker < 2);
        assert_eq!(e.status, TaskStatus::Done);
        end_of[e.task.index()] = e.end;
    }
    for e in &t.events {
        for d in t.graph.task(e.task).deps() {
            assert!(
                end_of[d.index()] <= e.start,
                "a task starts after its dependencies end"
            );
        }
    }
    // A 100x100 block of f64 is 80,000 bytes.
    let first = t.graph.id_of(&y_key(&t.graph, "truediv")).unwrap();
    assert_eq!(
        t.events.iter().find(|e| e.task == first).unwrap().bytes,
        80_000
    );
    let end = t.end.as_ref().unwrap();
    assert_eq!(end.status, RunStatus::Ok);
    assert_eq!(end.wall, report.wall_ns);
    assert!(t.events.iter().all(|e| e.end <= end.wall));
    assert!(
        t.samples.len() >= 2,
        "a sample at the start and one at the end"
    );
    assert!(t.samples.iter().all(|s| s.rss.is_some_and(|r| r > 0)));
    // Results stay held at the end: 100 blocks of 80,000 bytes.
    assert_eq!(t.samples.last().unwrap().held, 100 * 80_000);
    assert!(report.peak_held >= 100 * 80_000);
}

fn y_key(g: &taskscope_core::TaskGraph, group: &str) -> String {
    g.tasks()
        .find(|(_, t)| t.group() == group)
        .unwrap()
        .1
        .key()
        .to_string()
}

#[test]
fn the_sampler_adds_no_wait_at_the_end() {
    let dir = tempfile::tempdir().unwrap();
    let options = TraceOptions {
        name: None,
        sample_period: Duration::from_secs(60),
    };
    let start = Instant::now();
    let (_, report) = norm_run(dir.path(), &options);
    assert!(
        start.elapsed() < Duration::from_secs(30),
        "a 60 s period did not delay the end"
    );
    assert_eq!(report.events, 590);
}

#[test]
fn a_failed_run_keeps_its_trace_with_the_failure() {
    let ok: TaskFn = Arc::new(|_| Ok(Value::new(1i64)));
    let bad: TaskFn = Arc::new(|_| Err(TaskError::new("disk on fire")));
    let def = |key: &str, inputs: &[&str], func: &TaskFn| TaskDef {
        key: key.into(),
        group: key.into(),
        op: key.into(),
        inputs: inputs.iter().map(|s| s.to_string()).collect(),
        meta: Default::default(),
        func: func.clone(),
    };
    let layer = Layer {
        name: "l".into(),
        tasks: vec![
            def("load", &[], &ok),
            def("parse", &["load"], &bad),
            def("report", &["parse"], &ok),
        ],
        deps: vec![],
    };
    let program = Program::from_layers(&[Arc::new(layer)]).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("fail.trace.jsonl");
    let target = program.graph().id_of("report").unwrap();
    for exec in [
        &Threads::new(2) as &dyn taskscope_core::Executor,
        &Sequential,
    ] {
        let err = run_traced(
            exec,
            &program,
            &[target],
            &path,
            &TraceOptions::default(),
            &NoObserver,
        )
        .unwrap_err();
        match &err {
            TracedRunError::Execute { report, .. } => assert_eq!(report.status, RunStatus::Failed),
            other => panic!("{other}"),
        }
        assert!(
            err.to_string().contains("\"parse\" failed: disk on fire"),
            "{err}"
        );
        let t = trace::read(&path).unwrap();
        assert_eq!(t.events.len(), 2);
        let failed = t
            .events
            .iter()
            .find(|e| e.status == TaskStatus::Failed)
            .unwrap();
        assert_eq!(t.graph.task(failed.task).key(), "parse");
        assert_eq!(failed.message(), Some("disk on fire"));
        let end = t.end.unwrap();
        assert_eq!(end.status, RunStatus::Failed);
        assert!(end.error.unwrap().contains("parse"));
    }
}

#[test]
fn a_trace_cut_in_the_middle_is_still_read() {
    let dir = tempfile::tempdir().unwrap();
    let (path, _) = norm_run(dir.path(), &TraceOptions::default());
    let bytes = std::fs::read(&path).unwrap();
    let text = String::from_utf8(bytes.clone()).unwrap();
    // Cut inside the 300th event line.
    let at = text
        .match_indices("{\"type\":\"event\"")
        .nth(300)
        .unwrap()
        .0
        + 25;
    let t = trace::parse(Cursor::new(&bytes[..at]), "cut").unwrap();
    assert!(t.truncated);
    assert_eq!(t.graph.len(), 590);
    assert_eq!(t.events.len(), 300);
    assert!(t.end.is_none());
}

#[test]
fn a_panicking_task_is_in_the_trace_with_its_message() {
    let ok: TaskFn = Arc::new(|_| Ok(Value::new(1i64)));
    let boom: TaskFn = Arc::new(|_| panic!("index 7 out of range"));
    let layer = Layer {
        name: "l".into(),
        tasks: vec![
            TaskDef {
                key: "a".into(),
                group: "a".into(),
                op: "a".into(),
                inputs: vec![],
                meta: Default::default(),
                func: ok,
            },
            TaskDef {
                key: "b".into(),
                group: "b".into(),
                op: "b".into(),
                inputs: vec!["a".into()],
                meta: Default::default(),
                func: boom,
            },
        ],
        deps: vec![],
    };
    let program = Program::from_layers(&[Arc::new(layer)]).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("panic.trace.jsonl");
    let b = program.graph().id_of("b").unwrap();
    let err = run_traced(
        &Threads::new(2),
        &program,
        &[b],
        &path,
        &TraceOptions::default(),
        &NoObserver,
    )
    .unwrap_err();
    assert!(
        err.to_string()
            .contains("task \"b\" panicked: index 7 out of range"),
        "{err}"
    );
    let t = trace::read(&path).unwrap();
    let e = t.events.iter().find(|e| e.task == b).unwrap();
    assert_eq!(
        (e.status, e.message()),
        (TaskStatus::Failed, Some("index 7 out of range"))
    );
    assert_eq!(t.end.unwrap().status, RunStatus::Failed);
}
