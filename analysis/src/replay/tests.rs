use super::*;
use crate::held::held_over_time;
use taskscope_collections::delayed;
use taskscope_core::trace::parse;

/// Runs the tutorial's delayed graph on a fake clock: task i runs on worker i % 2
/// from 10 * position to 10 * position + 5, in topological order.
fn tutorial_replay(graph: &TaskGraph) -> Vec<TaskSpan> {
    graph
        .topological_order()
        .iter()
        .enumerate()
        .map(|(pos, &task)| TaskSpan {
            task,
            worker: (pos % 2) as u32,
            start: 10 * pos as u64,
            end: 10 * pos as u64 + 5,
            nbytes: 8,
            failed: false,
        })
        .collect()
}

#[test]
fn states_follow_the_run() {
    let total = delayed::tutorial();
    let program = total.program().unwrap();
    let g = program.graph();
    let replay = Replay::new(g, tutorial_replay(g)).unwrap();
    assert_eq!(replay.end(), 155);
    let states = replay.states_at(0);
    // At t=0 the first task runs, every other source is ready, the rest wait.
    assert_eq!(
        states.iter().filter(|&&s| s == TaskState::Running).count(),
        1
    );
    assert_eq!(states.iter().filter(|&&s| s == TaskState::Ready).count(), 9);
    assert_eq!(
        states.iter().filter(|&&s| s == TaskState::Waiting).count(),
        6
    );
    let end = replay.states_at(replay.end());
    let sum = g.id_of(total.key()).unwrap();
    // At the end everything ran; only the result is still held.
    assert_eq!(end[sum.index()], TaskState::Done);
    assert_eq!(
        end.iter().filter(|&&s| s == TaskState::Released).count(),
        15
    );
    assert_eq!(replay.held_bytes_at(replay.end()), 8);
    let progress = replay.group_progress_at(replay.end());
    assert_eq!(
        progress["add"],
        GroupProgress {
            total: 5,
            running: 0,
            done: 5,
            failed: 0
        }
    );
}

#[test]
fn held_bytes_rise_and_fall() {
    let total = delayed::tutorial();
    let program = total.program().unwrap();
    let g = program.graph();
    let replay = Replay::new(g, tutorial_replay(g)).unwrap();
    let curve: Vec<u64> = (0..=replay.end())
        .step_by(5)
        .map(|t| replay.held_bytes_at(t))
        .collect();
    let peak = *curve.iter().max().unwrap();
    // Kahn's order runs all 10 sources before any add: 10 outputs held at once.
    assert_eq!(peak, 80);
    assert_eq!(curve[0], 0);
    assert_eq!(*curve.last().unwrap(), 8);
}

#[test]
fn a_failed_task_blocks_its_dependents() {
    let total = delayed::tutorial();
    let program = total.program().unwrap();
    let g = program.graph();
    let mut spans = tutorial_replay(g);
    let failing = spans
        .iter()
        .position(|s| g.task(s.task).group() == "add")
        .unwrap();
    spans[failing].failed = true;
    let failed_id = spans[failing].task;
    spans.retain(|s| s.task != g.id_of(total.key()).unwrap());
    let replay = Replay::new(g, spans).unwrap();
    let t = replay.end() + 100;
    assert_eq!(replay.state_at(failed_id, t), TaskState::Failed);
    assert_eq!(
        replay.state_at(g.id_of(total.key()).unwrap(), t),
        TaskState::Waiting
    );
    assert_eq!(replay.group_progress_at(t)["add"].failed, 1);
}

/// Progress and held bytes counted the slow way, from every task's state.
fn progress_by_scan(replay: &Replay, g: &TaskGraph, t: u64) -> BTreeMap<String, GroupProgress> {
    let mut out: BTreeMap<String, GroupProgress> = BTreeMap::new();
    for (id, task) in g.tasks() {
        let p = out.entry(task.group().to_string()).or_default();
        p.total += 1;
        match replay.state_at(id, t) {
            TaskState::Running => p.running += 1,
            TaskState::Done | TaskState::Released => p.done += 1,
            TaskState::Failed => p.failed += 1,
            TaskState::Waiting | TaskState::Ready => {}
        }
    }
    out
}

fn held_by_scan(replay: &Replay, g: &TaskGraph, t: u64) -> u64 {
    g.tasks()
        .filter(|(id, _)| replay.state_at(*id, t) == TaskState::Done)
        .map(|(id, _)| replay.span(id).map_or(0, |s| s.nbytes))
        .sum()
}

#[test]
fn precomputed_curves_match_a_scan_of_every_task() {
    let total = delayed::tutorial();
    let program = total.program().unwrap();
    let g = program.graph();
    let mut spans = tutorial_replay(g);
    spans[3].failed = true;
    spans[7].nbytes = 1000;
    let replay = Replay::new(g, spans).unwrap();
    for t in 0..=replay.end() + 1 {
        let fast: BTreeMap<String, GroupProgress> = replay
            .group_progress_at(t)
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect();
        assert_eq!(fast, progress_by_scan(&replay, g, t), "t = {t}");
        assert_eq!(
            replay.held_bytes_at(t),
            held_by_scan(&replay, g, t),
            "t = {t}"
        );
    }
}

fn fixture(name: &str) -> String {
    let path = format!("{}/../tests/fixtures/v1/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(path).unwrap()
}

#[test]
fn the_fixture_trace_replays() {
    let trace = parse(fixture("run.trace.jsonl").as_bytes(), "run.trace.jsonl").unwrap();
    let replay = Replay::from_trace(trace).unwrap();
    let trace = replay.trace();
    let g = &trace.graph;
    let id = |key: &str| g.id_of(key).unwrap();
    let (clean1, concat) = (id("('clean-1a2b3c', 1)"), id("concat-5e6f7a"));
    assert_eq!(replay.end(), 64_000);
    assert_eq!(replay.state_at(clean1, 61_999), TaskState::Ready);
    assert_eq!(replay.state_at(clean1, 62_500), TaskState::Running);
    assert_eq!(replay.state_at(clean1, 63_000), TaskState::Failed);
    assert_eq!(replay.state_at(concat, 64_000), TaskState::Waiting);
    let at_end = replay.group_progress_at(64_000);
    assert_eq!(
        at_end["clean"],
        GroupProgress {
            total: 2,
            running: 0,
            done: 1,
            failed: 1
        }
    );
    assert_eq!(
        at_end["concat"],
        GroupProgress {
            total: 1,
            ..Default::default()
        }
    );
    assert_eq!(replay.group_progress_at(62_500)["clean"].running, 1);
    // Held bytes follow the exact curve of `taskscope stats`.
    for (t, held) in held_over_time(trace) {
        assert_eq!(replay.held_bytes_at(t), held, "t = {t}");
        assert_eq!(replay.held_bytes_at(t - 1), held_by_scan(&replay, g, t - 1));
    }
    assert_eq!(replay.held_steps(), held_over_time(trace).as_slice());
    assert_eq!(replay.held_bytes_at(64_000), 5000 + 3000);
    assert_eq!(replay.rss_at(0), Some(10_485_760));
    assert_eq!(replay.rss_at(54_999), Some(10_485_760));
    assert_eq!(replay.rss_at(55_000), Some(12_582_912));
    // Two workers, two lanes; the failed task is drawn where it ran.
    assert_eq!(replay.lanes().len(), 2);
    assert_eq!(replay.task_at(1, 62_000), Some(clean1));
    assert_eq!(replay.task_at(1, 63_000), None);
    let columns = replay.lane_columns(1, 60_000, 64_000, 4);
    assert_eq!(
        columns[0],
        Column::Task {
            task: id("('load-7b3f0c', 1)"),
            starts_inside: false,
            ends_inside: false
        }
    );
    assert_eq!(
        columns[1],
        Column::Task {
            task: id("('load-7b3f0c', 1)"),
            starts_inside: false,
            ends_inside: true
        }
    );
    assert_eq!(
        columns[2],
        Column::Task {
            task: clean1,
            starts_inside: true,
            ends_inside: true
        }
    );
    assert_eq!(columns[3], Column::Empty);
    assert!(matches!(
        replay.lane_columns(1, 61_000, 63_000, 1)[0],
        Column::Merged {
            count: 2,
            busy_ns: 1200,
            ..
        }
    ));
    assert_eq!(replay.group_name(GroupId(0)), "clean");
}

#[test]
fn an_unfinished_task_runs_until_the_trace_ends() {
    let text = fixture("run.trace.jsonl")
        .lines()
        .filter(|l| !l.contains(r#""type":"end""#))
        .map(|l| {
            l.replace(
                r#""start":62000,"end":63000,"status":"failed","bytes":0"#,
                r#""start":62000,"end":62000,"status":"unfinished","bytes":500"#,
            ) + "\n"
        })
        .collect::<String>();
    let trace = parse(text.as_bytes(), "cut").unwrap();
    assert!(trace.truncated);
    let replay = Replay::from_trace(trace).unwrap();
    let trace = replay.trace();
    let clean1 = trace.graph.id_of("('clean-1a2b3c', 1)").unwrap();
    // The last sample, at 64,000 ns, is the end of what the trace shows.
    assert_eq!(replay.span(clean1).unwrap().end, 64_000);
    assert_eq!(replay.state_at(clean1, 64_000), TaskState::Running);
    assert_eq!(replay.state_at(clean1, 1_000_000), TaskState::Running);
    assert_eq!(replay.group_progress_at(1_000_000)["clean"].running, 1);
    assert_eq!(replay.task_at(1, 63_999), Some(clean1));
    let concat = trace.graph.id_of("concat-5e6f7a").unwrap();
    assert_eq!(replay.state_at(concat, 1_000_000), TaskState::Waiting);
    // A task still running has no output: held memory counts only finished tasks.
    for t in [61_999, 62_000, 64_000, 1_000_000] {
        let scan = held_by_scan(&replay, &trace.graph, t);
        assert_eq!(replay.held_bytes_at(t), scan, "t = {t}");
    }
}

#[test]
fn bad_spans_are_errors() {
    let total = delayed::tutorial();
    let program = total.program().unwrap();
    let g = program.graph();
    let span = |task, start, end| TaskSpan {
        task,
        worker: 0,
        start,
        end,
        nbytes: 0,
        failed: false,
    };
    assert_eq!(
        Replay::new(g, [span(TaskId(99), 0, 1)]).err(),
        Some(ReplayError::UnknownTask(TaskId(99)))
    );
    assert!(matches!(
        Replay::new(g, [span(TaskId(0), 0, 1), span(TaskId(0), 2, 3)]).err(),
        Some(ReplayError::DuplicateSpan { .. })
    ));
    assert!(matches!(
        Replay::new(g, [span(TaskId(0), 5, 1)]).err(),
        Some(ReplayError::EndsBeforeStart {
            start: 5,
            end: 1,
            ..
        })
    ));
}
