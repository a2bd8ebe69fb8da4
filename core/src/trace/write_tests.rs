//! Tests of the writers: hand-written records equal serde's, tasks written among events.

use super::*;
use crate::trace::LogLine;
use crate::trace::TaskStatus;
use crate::trace::records::{EventRecord, TaskRecord};
use crate::{GraphBuilder, TaskSpec};

fn serde_line(r: &Record) -> Vec<u8> {
    let mut v = Vec::new();
    line(&mut v, r).unwrap();
    v
}

#[test]
fn tasks_written_one_by_one_among_events_read_back() {
    use crate::trace::RunStatus;
    let header = Header::new(Some("live"));
    let mut w = TraceWriter::new(Vec::new(), Path::new("live"), &header).unwrap();
    let none = Meta::new();
    let a = w.task("a", "load", "load", &[], &none).unwrap();
    w.event(&TaskEvent::new(a, 0, 1, 2, TaskStatus::Done))
        .unwrap();
    let b = w.task("b", "sum", "sum", &[a, a], &none).unwrap();
    let mut e = TaskEvent::new(b, 1, 3, 9, TaskStatus::Done);
    e.extra_mut().busy = Some(4);
    e.extra_mut().logs.push(LogLine {
        t: 5,
        level: "WARN".into(),
        message: "slow".into(),
    });
    w.event(&e).unwrap();
    // A dependency not written yet would make a prefix of the file invalid.
    assert!(w.task("c", "c", "c", &[TaskId(2)], &none).is_err());
    assert_eq!((w.tasks_written(), w.events_written()), (2, 2));
    let end = RunEnd {
        status: RunStatus::Ok,
        wall: 10,
        error: None,
    };
    let bytes = w.finish(&end).unwrap();
    let t = crate::trace::parse(&bytes[..], "live").unwrap();
    assert!(!t.truncated);
    assert_eq!((t.graph.len(), t.graph.edge_count()), (2, 1));
    assert_eq!(t.graph.task(b).deps(), &[a]);
    assert_eq!(t.events[1], e);
}

#[test]
fn hand_written_records_equal_what_serde_writes() {
    let mut b = GraphBuilder::new();
    b.add(TaskSpec::new("a \"quoted\" \\ key\n\t\u{1}\u{7f}\u{202e}", "load").group("load"));
    let mut spec =
        TaskSpec::new("('sum-1', 0)", "sum").dep("a \"quoted\" \\ key\n\t\u{1}\u{7f}\u{202e}");
    spec.meta.insert("rows".into(), serde_json::json!([1, 2]));
    b.add(spec);
    let g = b.build().unwrap();
    for (id, t) in g.tasks() {
        let mut ours = Vec::new();
        write_task(&mut ours, id, t);
        let theirs = serde_line(&Record::Task(TaskRecord {
            id: id.0,
            key: t.key().to_string(),
            group: Some(t.group().to_string()),
            op: Some(t.op().to_string()),
            deps: t.deps().iter().map(|d| d.0).collect(),
            meta: t.meta().clone(),
        }));
        assert_eq!(
            String::from_utf8(ours).unwrap(),
            String::from_utf8(theirs).unwrap()
        );
    }
    let logs = vec![LogLine {
        t: 7,
        level: "INFO".into(),
        message: "read \"x\" rows=3".into(),
    }];
    for (status, alloc, message, busy, logs) in [
        (TaskStatus::Done, Some(10), None, None, Vec::new()),
        (
            TaskStatus::Failed,
            None,
            Some("bad \"row\"".to_string()),
            Some(3),
            logs,
        ),
        (TaskStatus::Unfinished, None, None, Some(0), Vec::new()),
    ] {
        let e = TaskEvent {
            task: TaskId(3),
            worker: 1,
            start: 5,
            end: u64::MAX,
            status,
            bytes: 80_000,
            extra: crate::trace::EventExtra {
                alloc,
                peak: alloc.map(|a| a / 2),
                message: message.clone(),
                busy,
                logs: logs.clone(),
            }
            .boxed(),
        };
        let mut ours = Vec::new();
        write_event(&mut ours, &e);
        let theirs = serde_line(&Record::Event(EventRecord {
            task: 3,
            worker: 1,
            start: 5,
            end: u64::MAX,
            status,
            bytes: 80_000,
            alloc,
            peak: alloc.map(|a| a / 2),
            message,
            busy,
            logs,
        }));
        assert_eq!(
            String::from_utf8(ours).unwrap(),
            String::from_utf8(theirs).unwrap()
        );
    }
}
