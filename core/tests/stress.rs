//! The executors under stress: graphs of 10^6 tasks (10^5 in debug builds, where the
//! same code runs ten times slower), tasks that panic or fail at random points, and
//! wide fan-outs, on 2 threads. Every run finishes or fails cleanly within a time-out
//! (no deadlock), and no result is leaked: the values alive and the bytes held return
//! to zero once the run is over and its outputs are dropped.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use taskscope_collections::synth::{self, Shape};
use taskscope_core::{
    ExecuteError, Executor, Observer, Program, Sequential, SizeOf, TaskError, TaskFn, TaskId,
    TaskOutcome, Threads, Value,
};

mod common;
use common::{program, within};

/// Tasks in the large graphs: 10^6 where it runs at full speed.
const LARGE: usize = if cfg!(debug_assertions) {
    100_000
} else {
    1_000_000
};

/// Counts the bytes of outputs held, as the recorder does.
#[derive(Default)]
struct Held(AtomicI64);

impl Observer for Held {
    fn task_finished(&self, _task: TaskId, _worker: usize, outcome: TaskOutcome<'_>) {
        if let TaskOutcome::Done { nbytes } = outcome {
            self.0.fetch_add(nbytes as i64, Ordering::Relaxed);
        }
    }

    fn value_released(&self, _task: TaskId, nbytes: u64, _worker: usize) {
        self.0.fetch_sub(nbytes as i64, Ordering::Relaxed);
    }
}

/// A value that counts how many of its kind are alive.
struct Counted {
    value: i64,
    alive: Arc<AtomicI64>,
}

impl Counted {
    fn value(value: i64, alive: &Arc<AtomicI64>) -> Value {
        alive.fetch_add(1, Ordering::Relaxed);
        Value::new(Counted {
            value,
            alive: alive.clone(),
        })
    }
}

impl SizeOf for Counted {
    fn size_of(&self) -> u64 {
        1024
    }
}

impl Drop for Counted {
    fn drop(&mut self) {
        self.alive.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Sums its inputs plus one; panics or fails when `fate` says so.
fn task(alive: &Arc<AtomicI64>, fate: Fate) -> TaskFn {
    let alive = alive.clone();
    Arc::new(move |xs| {
        let mut s = 1i64;
        for x in xs {
            s = s.wrapping_add(x.get::<Counted>()?.value);
        }
        match fate {
            Fate::Run => Ok(Counted::value(s, &alive)),
            Fate::Panic => panic!("task gave up at {s}"),
            Fate::PanicAny => std::panic::panic_any(s),
            Fate::Fail => Err(TaskError::new("task failed")),
        }
    })
}

#[derive(Clone, Copy, PartialEq)]
enum Fate {
    Run,
    Panic,
    PanicAny,
    Fail,
}

fn executors() -> [(&'static str, Box<dyn Executor + Send>); 2] {
    [
        ("threads", Box::new(Threads::new(2))),
        ("sequential", Box::new(Sequential)),
    ]
}

/// Runs `program` to its sinks on `executor` within a time-out; returns the outcome and
/// the bytes still held after the outputs are dropped.
fn run(
    program: Program,
    executor: Box<dyn Executor + Send>,
    secs: u64,
) -> (Result<Vec<i64>, ExecuteError>, i64) {
    within(secs, move || {
        let held = Held::default();
        let sinks = synth::sinks(&program);
        let result = executor.execute(&program, &sinks, &held).map(|outputs| {
            let values: Vec<i64> = sinks
                .iter()
                .map(|t| match outputs.get(*t) {
                    Some(v) => v.get::<Counted>().map_or(0, |c| c.value),
                    None => 0,
                })
                .collect();
            // The targets are held until the caller drops them.
            assert_eq!(held.0.load(Ordering::Relaxed), outputs.len() as i64 * 1024);
            values
        });
        let held = held.0.load(Ordering::Relaxed) - outputs_bytes(&result);
        (result, held)
    })
}

fn outputs_bytes(result: &Result<Vec<i64>, ExecuteError>) -> i64 {
    result.as_ref().map_or(0, |v| v.len() as i64 * 1024)
}

#[test]
fn graphs_of_a_million_tasks_finish_on_two_threads() {
    for shape in [
        Shape::Chain,
        Shape::FanIn,
        Shape::Tree,
        Shape::Layered,
        Shape::Random,
    ] {
        let program = synth::program(shape, LARGE, 7).unwrap();
        let n = program.graph().len();
        let sinks = synth::sinks(&program);
        let (values, held) = within(300, move || {
            let held = Held::default();
            let outputs = Threads::new(2).execute(&program, &sinks, &held).unwrap();
            for t in &sinks {
                synth::check(shape, n, outputs.get(*t).unwrap()).unwrap();
            }
            let bytes = held.0.load(Ordering::Relaxed);
            (outputs.len(), bytes)
        });
        assert_eq!(
            held,
            values as i64 * 8,
            "{shape:?}: only the outputs are held"
        );
    }
}

#[test]
fn a_wide_fan_out_and_in_finishes_and_frees_every_value() {
    let alive = Arc::new(AtomicI64::new(0));
    let width = LARGE / 4;
    let mut tasks = vec![("root".to_string(), vec![], task(&alive, Fate::Run))];
    let middles: Vec<String> = (0..width).map(|i| format!("mid-{i}")).collect();
    for m in &middles {
        tasks.push((m.clone(), vec!["root".to_string()], task(&alive, Fate::Run)));
    }
    tasks.push(("sum".to_string(), middles, task(&alive, Fate::Run)));
    let program = program(tasks).unwrap();
    let (result, held) = run(program, Box::new(Threads::new(2)), 300);
    // root = 1, each middle = 2, the sum = 1 + 2 * width.
    assert_eq!(result.unwrap(), vec![1 + 2 * width as i64]);
    assert_eq!(held, 0);
    assert_eq!(alive.load(Ordering::Relaxed), 0, "every value was dropped");
}

/// A random graph of `n` tasks in which the tasks `doomed` picks panic or fail.
fn doomed_program(n: usize, seed: u64, alive: &Arc<AtomicI64>) -> (Program, Vec<String>) {
    let mut rng = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    let mut next = move |k: usize| {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        (rng % k.max(1) as u64) as usize
    };
    let mut tasks = Vec::with_capacity(n);
    let mut doomed = Vec::new();
    for i in 0..n {
        let inputs = if i == 0 {
            vec![]
        } else {
            (0..next(4)).map(|_| format!("t-{}", next(i))).collect()
        };
        let fate = match next(n / 3) {
            0 => Fate::Panic,
            1 => Fate::PanicAny,
            2 => Fate::Fail,
            _ => Fate::Run,
        };
        let key = format!("t-{i}");
        if fate != Fate::Run {
            doomed.push(key.clone());
        }
        tasks.push((key, inputs, task(alive, fate)));
    }
    (program(tasks).unwrap(), doomed)
}

#[test]
fn tasks_that_panic_at_random_points_end_the_run_cleanly() {
    let n = LARGE / 20;
    for seed in 0..12 {
        for (name, executor) in executors() {
            let alive = Arc::new(AtomicI64::new(0));
            let (program, doomed) = doomed_program(n, seed, &alive);
            let (result, held) = run(program, executor, 120);
            let what = format!("{name}, seed {seed}, doomed {doomed:?}");
            match result {
                Err(
                    ExecuteError::TaskPanicked { key, .. } | ExecuteError::TaskFailed { key, .. },
                ) => {
                    assert!(doomed.contains(&key), "{what}: {key}")
                }
                Ok(_) => assert!(
                    doomed.is_empty(),
                    "{what}: a run with doomed tasks succeeded"
                ),
                Err(e) => panic!("{what}: {e}"),
            }
            assert_eq!(held, 0, "{what}: bytes still held");
            assert_eq!(alive.load(Ordering::Relaxed), 0, "{what}: values leaked");
        }
    }
}
