//! Executors: same results on one or many threads, failures that name their task,
//! outputs dropped when no longer needed, cancellation, no hangs.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use taskscope_collections::array::tutorial_normalization;
use taskscope_collections::delayed;
use taskscope_core::{
    ExecuteError, Executor, NoObserver, Observer, Sequential, TaskError, TaskFn, TaskId,
    TaskOutcome, Threads, Value,
};

mod common;
use common::{constant, program, sum, within};

/// Counts what an executor reports.
#[derive(Default)]
struct Counts {
    started: AtomicUsize,
    done: AtomicUsize,
    failed: AtomicUsize,
    released: AtomicUsize,
    workers: Mutex<Vec<usize>>,
}

impl Observer for Counts {
    fn task_started(&self, _: TaskId, worker: usize) {
        self.started.fetch_add(1, Ordering::SeqCst);
        self.workers.lock().unwrap().push(worker);
    }
    fn task_finished(&self, _: TaskId, _: usize, outcome: TaskOutcome<'_>) {
        match outcome {
            TaskOutcome::Done { .. } => self.done.fetch_add(1, Ordering::SeqCst),
            TaskOutcome::Failed { .. } => self.failed.fetch_add(1, Ordering::SeqCst),
        };
    }
    fn value_released(&self, _: TaskId, _: u64, _: usize) {
        self.released.fetch_add(1, Ordering::SeqCst);
    }
}

#[test]
fn threads_compute_what_the_sequential_executor_computes() {
    let (_, y) = tutorial_normalization(&[500, 500], &[100, 100], 4).unwrap();
    let one = y.compute_with(&Sequential, &NoObserver).unwrap();
    for n in [1, 2, 4] {
        let counts = Counts::default();
        let many = y.compute_with(&Threads::new(n), &counts).unwrap();
        assert_eq!(one, many, "{n} threads");
        let tasks = y.program().unwrap().graph().len();
        assert_eq!(counts.done.load(Ordering::SeqCst), tasks);
        // Every output but the 25 result blocks is dropped once its dependents ran.
        assert_eq!(counts.released.load(Ordering::SeqCst), tasks - 25);
        assert!(counts.workers.lock().unwrap().iter().all(|&w| w < n));
    }
    assert_eq!(
        delayed::tutorial()
            .compute_with(&Threads::new(2), &NoObserver)
            .unwrap(),
        50
    );
}

#[test]
fn a_failing_task_stops_the_run_and_its_dependents_never_run() {
    // 50 independent chains of 20 tasks; chain 7 fails at step 3.
    let mut tasks = Vec::new();
    for c in 0..50 {
        for s in 0..20 {
            let key = format!("c{c}-s{s}");
            let inputs = if s == 0 {
                vec![]
            } else {
                vec![format!("c{c}-s{}", s - 1)]
            };
            let func: TaskFn = if c == 7 && s == 3 {
                Arc::new(|_| Err(TaskError::new("bad row")))
            } else if s == 0 {
                constant(1)
            } else {
                sum()
            };
            tasks.push((key, inputs, func));
        }
    }
    let p = Arc::new(program(tasks).unwrap());
    let targets: Vec<TaskId> = (0..50)
        .map(|c| p.graph().id_of(&format!("c{c}-s19")).unwrap())
        .collect();
    for workers in [1, 2, 3] {
        let (p, targets) = (p.clone(), targets.clone());
        let (result, counts) = within(20, move || {
            let counts = Counts::default();
            let r = Threads::new(workers).execute(&p, &targets, &counts);
            (r, counts)
        });
        assert_eq!(
            result.unwrap_err(),
            ExecuteError::TaskFailed {
                key: "c7-s3".into(),
                message: "bad row".into()
            }
        );
        assert_eq!(counts.failed.load(Ordering::SeqCst), 1);
        // Every started task finished (none was abandoned), and c7-s4.. never started.
        let started = counts.started.load(Ordering::SeqCst);
        assert_eq!(started, counts.done.load(Ordering::SeqCst) + 1);
        assert!(started <= 50 * 20 - 16, "{started}");
    }
}

#[test]
fn a_panicking_task_is_an_error_not_a_crash() {
    let p = program(vec![
        ("a".into(), vec![], constant(1)),
        (
            "boom".into(),
            vec!["a".into()],
            Arc::new(|_| panic!("index out of bounds")),
        ),
        ("c".into(), vec!["boom".into()], sum()),
    ])
    .unwrap();
    let c = p.graph().id_of("c").unwrap();
    for exec in [&Threads::new(2) as &dyn Executor, &Sequential] {
        let e = exec.execute(&p, &[c], &NoObserver).unwrap_err();
        assert_eq!(
            e,
            ExecuteError::TaskPanicked {
                key: "boom".into(),
                message: "index out of bounds".into()
            }
        );
    }
}

#[test]
fn cancelling_stops_the_run() {
    let flag = Arc::new(AtomicBool::new(false));
    let mut tasks = vec![];
    for i in 0..1000 {
        let flag = flag.clone();
        let func: TaskFn = Arc::new(move |_| {
            if i == 10 {
                flag.store(true, Ordering::SeqCst);
            }
            std::thread::sleep(Duration::from_micros(200));
            Ok(Value::new(i as i64))
        });
        tasks.push((format!("t{i}"), vec![], func));
    }
    let p = program(tasks).unwrap();
    let targets: Vec<TaskId> = (0..1000).map(|i| TaskId(i as u32)).collect();
    let counts = Counts::default();
    let e = Threads::new(2)
        .with_cancel(flag)
        .execute(&p, &targets, &counts)
        .unwrap_err();
    assert_eq!(e, ExecuteError::Cancelled);
    assert!(counts.started.load(Ordering::SeqCst) < 100);
}

#[test]
fn large_chains_and_fan_ins_finish_on_two_threads() {
    let n = 100_000;
    let mut chain = vec![("t0".to_string(), vec![], constant(1))];
    for i in 1..n {
        chain.push((format!("t{i}"), vec![format!("t{}", i - 1)], sum()));
    }
    let p = Arc::new(program(chain).unwrap());
    let last = TaskId(n as u32 - 1);
    let out = within(60, {
        let p = p.clone();
        move || {
            Threads::new(2)
                .execute(&p, &[last], &NoObserver)
                .unwrap()
                .get(last)
                .unwrap()
                .get::<i64>()
                .copied()
                .unwrap()
        }
    });
    assert_eq!(out, 1);

    let mut fan: Vec<(String, Vec<String>, TaskFn)> = (0..n)
        .map(|i| (format!("x{i}"), vec![], constant(i as i64)))
        .collect();
    fan.push((
        "total".into(),
        (0..n).map(|i| format!("x{i}")).collect(),
        sum(),
    ));
    let p = Arc::new(program(fan).unwrap());
    let total = p.graph().id_of("total").unwrap();
    let counts = Arc::new(Counts::default());
    let out = within(60, {
        let (p, counts) = (p.clone(), counts.clone());
        move || {
            Threads::new(2)
                .execute(&p, &[total], &*counts)
                .unwrap()
                .get(total)
                .unwrap()
                .get::<i64>()
                .copied()
                .unwrap()
        }
    });
    assert_eq!(out, (n as i64 - 1) * n as i64 / 2);
    assert_eq!(counts.released.load(Ordering::SeqCst), n);
}

#[test]
fn a_target_in_the_middle_keeps_its_value() {
    let p = program(vec![
        ("a".into(), vec![], constant(2)),
        ("b".into(), vec!["a".into()], sum()),
        ("c".into(), vec!["b".into(), "a".into()], sum()),
    ])
    .unwrap();
    let [a, c] = [p.graph().id_of("a").unwrap(), p.graph().id_of("c").unwrap()];
    for exec in [&Threads::new(2) as &dyn Executor, &Sequential] {
        let out = exec.execute(&p, &[c, a], &NoObserver).unwrap();
        assert_eq!(out.get(a).unwrap().get::<i64>().unwrap(), &2);
        assert_eq!(out.get(c).unwrap().get::<i64>().unwrap(), &4);
    }
}
