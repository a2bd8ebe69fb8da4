//! The layer end to end: spans in, a trace file out, read back with taskscope-core.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use taskscope_core::TaskId;
use taskscope_core::trace::{RunStatus, TaskEvent, TaskStatus, Trace};
use taskscope_interop::input;
use tracing::{Instrument, info, info_span};
use tracing_subscriber::prelude::*;

fn traced(dir: &tempfile::TempDir, name: &str, body: impl FnOnce()) -> (PathBuf, Trace) {
    let path = dir.path().join(format!("{name}.trace.jsonl"));
    let (layer, guard) = taskscope_tracing::Builder::new(&path)
        .name(name)
        .build()
        .unwrap();
    let subscriber = tracing_subscriber::registry().with(layer);
    tracing::subscriber::with_default(subscriber, body);
    guard.finish().unwrap();
    let trace = input::load(&path).unwrap();
    (path, trace)
}

fn id(trace: &Trace, key: &str) -> TaskId {
    trace
        .graph
        .id_of(key)
        .unwrap_or_else(|| panic!("no task {key:?} in {:?}", keys(trace)))
}

fn keys(trace: &Trace) -> Vec<&str> {
    trace.graph.tasks().map(|(_, t)| t.key()).collect()
}

fn event<'a>(trace: &'a Trace, key: &str) -> &'a TaskEvent {
    let id = id(trace, key);
    trace.events.iter().find(|e| e.task == id).unwrap()
}

fn spin(d: Duration) {
    let t = Instant::now();
    while t.elapsed() < d {
        std::hint::spin_loop();
    }
}

#[test]
fn nested_spans_become_tasks_with_child_to_parent_edges() {
    let dir = tempfile::tempdir().unwrap();
    let (_, trace) = traced(&dir, "nesting", || {
        let _main = info_span!("main", run = "a").entered();
        for i in 0..2 {
            let _c = info_span!("chunk", i).entered();
            info!(rows = 10 * i, "loaded");
            for _ in 0..2 {
                info_span!("step").in_scope(|| spin(Duration::from_micros(200)));
            }
        }
    });
    assert!(!trace.truncated);
    assert_eq!(trace.end.as_ref().unwrap().status, RunStatus::Ok);
    assert_eq!(
        keys(&trace),
        [
            "main[run=a]/chunk[i=0]/step",
            "main[run=a]/chunk[i=0]/step#1",
            "main[run=a]/chunk[i=0]",
            "main[run=a]/chunk[i=1]/step",
            "main[run=a]/chunk[i=1]/step#1",
            "main[run=a]/chunk[i=1]",
            "main[run=a]",
        ]
    );
    assert_eq!((trace.graph.len(), trace.graph.edge_count()), (7, 6));
    assert_eq!(trace.events.len(), 7);
    let main = id(&trace, "main[run=a]");
    let c0 = id(&trace, "main[run=a]/chunk[i=0]");
    let c1 = id(&trace, "main[run=a]/chunk[i=1]");
    assert_eq!(trace.graph.task(main).deps(), &[c0, c1]);
    assert_eq!(
        trace.graph.task(c0).deps(),
        &[
            id(&trace, "main[run=a]/chunk[i=0]/step"),
            id(&trace, "main[run=a]/chunk[i=0]/step#1")
        ]
    );
    let t = trace.graph.task(c1);
    assert_eq!((t.group(), t.op()), ("chunk", "chunk"));
    assert_eq!(t.meta()["i"], 1);
    // Children run inside their parent; busy is the time entered.
    let (m, c, s) = (
        event(&trace, "main[run=a]"),
        event(&trace, "main[run=a]/chunk[i=1]"),
        event(&trace, "main[run=a]/chunk[i=1]/step#1"),
    );
    assert!(m.start <= c.start && c.start <= s.start && s.end <= c.end && c.end <= m.end);
    assert!(s.duration() >= 200_000, "{s:?}");
    assert!(s.busy().unwrap() >= 200_000 && s.busy().unwrap() <= s.duration());
    assert!(
        trace
            .events
            .iter()
            .all(|e| e.worker == 0 && e.status == TaskStatus::Done)
    );
    assert_eq!(c.logs().len(), 1);
    assert_eq!(c.logs()[0].level, "INFO");
    assert_eq!(c.logs()[0].message, "loaded rows=10");
    assert!(c.start <= c.logs()[0].t && c.logs()[0].t <= c.end);
}

#[test]
fn follows_from_is_an_edge_even_to_a_span_still_open() {
    let dir = tempfile::tempdir().unwrap();
    let (_, trace) = traced(&dir, "follows", || {
        let load = info_span!("load");
        load.in_scope(|| spin(Duration::from_micros(50)));
        // `sum` follows from `load`, closed before it.
        let sum = info_span!("sum");
        sum.follows_from(&load);
        drop(load);
        // `report` closes first, but follows from `sum`, still open: it waits.
        let report = info_span!("report");
        report.follows_from(&sum);
        report.in_scope(|| {});
        drop(report);
        sum.in_scope(|| spin(Duration::from_micros(50)));
        drop(sum);
    });
    assert_eq!(keys(&trace), ["load", "sum", "report"]);
    let (load, sum, report) = (id(&trace, "load"), id(&trace, "sum"), id(&trace, "report"));
    assert_eq!(trace.graph.task(sum).deps(), &[load]);
    assert_eq!(trace.graph.task(report).deps(), &[sum]);
    // `report` ended before `sum` did, and was written after it.
    assert!(event(&trace, "report").end < event(&trace, "sum").end);
}

#[test]
fn an_async_task_polled_many_times_is_one_task_busy_less_than_its_wall_time() {
    let dir = tempfile::tempdir().unwrap();
    let (_, trace) = traced(&dir, "async", || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .unwrap();
        rt.block_on(
            async {
                for _ in 0..4 {
                    spin(Duration::from_millis(2));
                    tokio::time::sleep(Duration::from_millis(5)).await;
                }
                info!("done");
            }
            .instrument(info_span!("fetch", url = "a")),
        );
    });
    assert_eq!(keys(&trace), ["fetch[url=a]"]);
    let e = event(&trace, "fetch[url=a]");
    let busy = e.busy().unwrap();
    // Polled 5 times: busy about 8 ms (4 spins), idle about 20 ms (4 sleeps).
    assert!(busy >= 8_000_000, "busy {busy}");
    assert!(e.duration() >= 28_000_000, "wall {}", e.duration());
    assert!(
        e.duration() - busy >= 20_000_000,
        "idle {}",
        e.duration() - busy
    );
    assert_eq!(e.logs().len(), 1);
}

#[test]
fn a_panic_inside_a_span_marks_it_failed_and_the_trace_stays_readable() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("panic.trace.jsonl");
    let (layer, guard) = taskscope_tracing::layer(&path).unwrap();
    let dispatch = tracing::Dispatch::new(tracing_subscriber::registry().with(layer));
    let d = dispatch.clone();
    let joined = std::thread::spawn(move || {
        tracing::dispatcher::with_default(&d, || {
            let _job = info_span!("job").entered();
            info_span!("ok").in_scope(|| {});
            let _bad = info_span!("bad", row = 7).entered();
            panic!("row 7 is bad");
        })
    })
    .join();
    assert!(joined.is_err());
    // Another thread goes on after the panic.
    tracing::dispatcher::with_default(&dispatch, || info_span!("after").in_scope(|| {}));
    let summary = guard.finish().unwrap();
    assert_eq!(summary.spans, 4);
    let trace = input::load(&path).unwrap();
    assert!(!trace.truncated);
    assert_eq!(keys(&trace), ["job/ok", "job/bad[row=7]", "job", "after"]);
    let bad = event(&trace, "job/bad[row=7]");
    assert_eq!(bad.status, TaskStatus::Failed);
    assert!(bad.message().unwrap().contains("panicked"));
    assert_eq!(event(&trace, "job").status, TaskStatus::Failed);
    assert_eq!(event(&trace, "job/ok").status, TaskStatus::Done);
    assert_eq!(event(&trace, "after").status, TaskStatus::Done);
    assert_ne!(event(&trace, "after").worker, bad.worker);
    let end = trace.end.unwrap();
    assert_eq!(end.status, RunStatus::Failed);
    assert!(end.error.unwrap().contains("job/bad[row=7]"));
}

#[test]
fn works_beside_a_fmt_layer_and_threads_are_workers() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("fmt.trace.jsonl");
    let (layer, guard) = taskscope_tracing::layer(&path).unwrap();
    let dispatch = tracing::Dispatch::new(
        tracing_subscriber::registry()
            .with(tracing_subscriber::fmt::layer().with_writer(std::io::sink))
            .with(layer),
    );
    tracing::dispatcher::with_default(&dispatch, || {
        let root = info_span!("root");
        let _entered = root.enter();
        std::thread::scope(|s| {
            for part in 0..3 {
                let (root, dispatch) = (&root, &dispatch);
                s.spawn(move || {
                    tracing::dispatcher::with_default(dispatch, || {
                        let _p = info_span!(parent: root, "part", part).entered();
                        spin(Duration::from_micros(100));
                    })
                });
            }
        });
    });
    guard.finish().unwrap();
    let trace = input::load(&path).unwrap();
    assert_eq!(trace.graph.len(), 4);
    let root = id(&trace, "root");
    assert_eq!(trace.graph.task(root).deps().len(), 3);
    let mut workers: Vec<u32> = (0..3)
        .map(|p| event(&trace, &format!("root/part[part={p}]")).worker)
        .collect();
    workers.sort();
    assert_eq!(workers, [1, 2, 3], "the main thread saw the root first");
    assert_eq!(event(&trace, "root").worker, 0);
}

#[test]
fn the_file_is_a_readable_trace_while_the_program_runs() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("live.trace.jsonl");
    let (layer, guard) = taskscope_tracing::Builder::new(&path)
        .sample_period(Duration::from_millis(1))
        .build()
        .unwrap();
    tracing::subscriber::with_default(tracing_subscriber::registry().with(layer), || {
        let _main = info_span!("main").entered();
        info_span!("first").in_scope(|| {});
        info_span!("second").in_scope(|| {});
        // As a crash would leave it: no end record, what closed so far (flushed
        // within a sample period; a busy machine may take longer).
        let deadline = Instant::now() + Duration::from_secs(10);
        let live = loop {
            let live = input::load(&path).unwrap();
            if live.events.len() == 2 || Instant::now() > deadline {
                break live;
            }
            std::thread::sleep(Duration::from_millis(5));
        };
        assert!(live.truncated);
        assert_eq!(keys(&live), ["main/first", "main/second"]);
        assert_eq!(live.events.len(), 2);
        assert!(!live.samples.is_empty());
    });
    drop(guard);
    let trace = input::load(&path).unwrap();
    assert!(!trace.truncated);
    assert_eq!(trace.graph.len(), 3);
}

#[test]
fn a_follows_from_cycle_and_a_span_never_entered_are_still_written() {
    let dir = tempfile::tempdir().unwrap();
    let (_, trace) = traced(&dir, "cycle", || {
        let a = info_span!("a");
        let b = info_span!("b");
        // Each follows from the other: neither can be written first with both edges.
        a.follows_from(&b);
        b.follows_from(&a);
        a.in_scope(|| {});
        b.in_scope(|| {});
        drop((a, b));
        // Made and dropped without being entered: from its creation to its close.
        let idle = info_span!("idle");
        spin(Duration::from_micros(100));
        drop(idle);
    });
    assert_eq!(keys(&trace), ["idle", "a", "b"]);
    // Written at the end, the first waiting span without its unwritten dependency.
    assert_eq!(trace.graph.edge_count(), 1);
    assert_eq!(trace.graph.task(id(&trace, "b")).deps(), &[id(&trace, "a")]);
    let idle = event(&trace, "idle");
    assert!(
        idle.duration() >= 100_000 && idle.busy() == Some(0),
        "{idle:?}"
    );
}

#[test]
fn log_lines_past_the_limit_are_counted_not_kept() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("logs.trace.jsonl");
    let (layer, guard) = taskscope_tracing::Builder::new(&path)
        .max_logs_per_span(3)
        .build()
        .unwrap();
    tracing::subscriber::with_default(tracing_subscriber::registry().with(layer), || {
        info_span!("chatty").in_scope(|| {
            for i in 0..10 {
                tracing::warn!(i, "line");
            }
        });
        // Outside any span: not a task's log line.
        info!("nobody's");
    });
    guard.finish().unwrap();
    let trace = input::load(&path).unwrap();
    assert_eq!(trace.graph.len(), 1);
    let logs = &trace.events[0].logs();
    let lines: Vec<&str> = logs.iter().map(|l| l.message.as_str()).collect();
    assert_eq!(
        lines,
        [
            "line i=0",
            "line i=1",
            "line i=2",
            "taskscope: 7 more log lines not kept"
        ]
    );
    assert_eq!(logs[0].level, "WARN");
}

#[test]
fn a_span_named_like_a_numbered_key_gets_a_key_of_its_own() {
    let dir = tempfile::tempdir().unwrap();
    let (_, trace) = traced(&dir, "hash-sign", || {
        for _ in 0..2 {
            info_span!("step").in_scope(|| {});
        }
        info_span!("step#1").in_scope(|| {});
        let _main = info_span!("main").entered();
        info_span!("step#1").in_scope(|| {});
        for _ in 0..2 {
            info_span!("step").in_scope(|| {});
        }
    });
    // Read back: a key given twice would make the file unreadable.
    assert_eq!(
        keys(&trace),
        [
            "step",
            "step#1",
            "step#1#1",
            "main/step#1",
            "main/step",
            "main/step#2",
            "main"
        ]
    );
}

#[test]
fn children_closing_on_many_threads_are_all_written_before_their_parents() {
    // The children's records reach the writer from four outboxes, in whatever order
    // it takes them; each parent must still come after all of its children, each
    // key be unique, and a compact file read back whole.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("threads.taskscope");
    let (layer, guard) = taskscope_tracing::layer(&path).unwrap();
    let dispatch = tracing::Dispatch::new(tracing_subscriber::registry().with(layer));
    let (threads, batches, per_batch) = (4, 50, 40);
    tracing::dispatcher::with_default(&dispatch, || {
        let root = info_span!("root");
        std::thread::scope(|s| {
            for t in 0..threads {
                let (root, dispatch) = (&root, &dispatch);
                s.spawn(move || {
                    tracing::dispatcher::with_default(dispatch, || {
                        for b in 0..batches {
                            let batch = info_span!(parent: root, "batch", t, b).entered();
                            for _ in 0..per_batch {
                                // Same label under one parent: numbered #1, #2, …
                                info_span!(parent: &batch, "step").in_scope(|| {});
                            }
                        }
                    })
                });
            }
        });
    });
    let summary = guard.finish().unwrap();
    let trace = input::load(&path).unwrap();
    let batch_count = threads * batches;
    let total = 1 + batch_count + batch_count * per_batch;
    assert_eq!(summary.spans, total as u64);
    assert!(!trace.truncated);
    assert_eq!(trace.graph.len(), total);
    // Every dependency is written before its task (the reader checks it too).
    for (id, task) in trace.graph.tasks() {
        assert!(task.deps().iter().all(|d| d.0 < id.0), "{}", task.key());
    }
    let root = id(&trace, "root");
    assert_eq!(trace.graph.task(root).deps().len(), batch_count);
    let batch = id(&trace, "root/batch[b=7,t=2]");
    let steps = trace.graph.task(batch).deps();
    assert_eq!(steps.len(), per_batch);
    let mut keys: Vec<&str> = steps.iter().map(|s| trace.graph.task(*s).key()).collect();
    keys.sort_unstable();
    let mut expected: Vec<String> = (0..per_batch)
        .map(|n| match n {
            0 => "root/batch[b=7,t=2]/step".to_string(),
            n => format!("root/batch[b=7,t=2]/step#{n}"),
        })
        .collect();
    expected.sort_unstable();
    assert_eq!(keys, expected);
    // The children of a batch ran on the batch's thread.
    let worker = event(&trace, "root/batch[b=7,t=2]").worker;
    let worker_of = |task: TaskId| trace.events.iter().find(|e| e.task == task).unwrap().worker;
    assert!(steps.iter().all(|s| worker_of(*s) == worker));
}
