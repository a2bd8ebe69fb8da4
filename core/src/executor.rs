//! Running programs: the [`Executor`] interface, the run order, and the sequential
//! executor.
//!
//! Every executor runs the tasks a set of targets needs (and only those), hands each
//! task the values of its inputs, drops an intermediate value as soon as its last
//! dependent has run, and reports what happens to an [`Observer`], which is where
//! tracing plugs in.
//!
//! ```
//! use std::sync::Arc;
//! use taskscope_core::{Executor, Layer, NoObserver, Program, Sequential, TaskDef, Threads, Value};
//!
//! // Each task gives 1 plus the sum of its inputs.
//! let def = |key: &str, inputs: &[&str]| TaskDef {
//!     key: key.into(),
//!     group: key.into(),
//!     op: "add_one".into(),
//!     inputs: inputs.iter().map(|k| k.to_string()).collect(),
//!     meta: Default::default(),
//!     func: Arc::new(|xs: &[&Value]| {
//!         let sum: u64 = xs.iter().map(|x| x.get::<u64>().copied()).sum::<Result<_, _>>()?;
//!         Ok(Value::new(sum + 1))
//!     }),
//! };
//! let tasks = vec![def("a", &[]), def("b", &["a", "a"])];
//! let layer = Layer { name: "demo".into(), tasks, deps: vec![] };
//! let program = Program::from_layers(&[Arc::new(layer)]).unwrap();
//! let b = program.graph().id_of("b").unwrap();
//! for executor in [&Sequential as &dyn Executor, &Threads::new(2)] {
//!     let outputs = executor.execute(&program, &[b], &NoObserver).unwrap();
//!     assert_eq!(outputs.get(b).unwrap().get::<u64>(), Ok(&3));
//! }
//! ```

use std::collections::HashMap;
use std::panic::{AssertUnwindSafe, catch_unwind};

use thiserror::Error;

use crate::graph::{TaskGraph, TaskId};
use crate::program::{Program, Value};

/// How a task ended, as told to an [`Observer`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum TaskOutcome<'a> {
    /// The task returned a value.
    Done {
        /// Bytes of the value, as its [`SizeOf`](crate::SizeOf) reports them.
        nbytes: u64,
    },
    /// The task returned an error or panicked.
    Failed {
        /// Why: the task's error or the panic's text.
        message: &'a str,
    },
}

/// Receives the events of a run, on the thread where they happen. All methods default
/// to doing nothing.
pub trait Observer: Sync {
    /// Before the first task; `tasks` is the number of tasks the run will execute.
    fn run_started(&self, _program: &Program, _tasks: usize, _workers: usize) {}
    /// `worker` starts running `task`.
    fn task_started(&self, _task: TaskId, _worker: usize) {}
    /// `worker` finished running `task`, with its `outcome`.
    fn task_finished(&self, _task: TaskId, _worker: usize, _outcome: TaskOutcome<'_>) {}
    /// The value of `task` was dropped by `worker`: no task needs it any more.
    fn value_released(&self, _task: TaskId, _nbytes: u64, _worker: usize) {}
    /// After the last task; `ok` says every target was computed.
    fn run_finished(&self, _ok: bool) {}
}

/// An [`Observer`] that ignores everything.
pub struct NoObserver;
impl Observer for NoObserver {}

/// Why a run did not produce its targets.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ExecuteError {
    /// A task returned an error.
    #[error("task {key:?} failed: {message}")]
    TaskFailed {
        /// The failed task's key.
        key: String,
        /// The task's error.
        message: String,
    },
    /// A task panicked; the panic was caught.
    #[error("task {key:?} panicked: {message}")]
    TaskPanicked {
        /// The key of the task that panicked.
        key: String,
        /// The panic's text.
        message: String,
    },
    /// A target asked for is not a task of the program.
    #[error("target {0} is not a task of the program")]
    UnknownTarget(TaskId),
    /// The run was stopped from outside (Ctrl-C) before it finished.
    #[error("the run was cancelled")]
    Cancelled,
}

/// The values of the targets of a run.
#[derive(Debug, Default)]
pub struct Outputs {
    pub(crate) values: HashMap<TaskId, Value>,
}

impl Outputs {
    /// The value of target `id`, if it was a target of the run.
    pub fn get(&self, id: TaskId) -> Option<&Value> {
        self.values.get(&id)
    }

    /// How many targets have a value.
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// Whether the run had no targets.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }
}

/// Runs a [`Program`]. Implementations differ in how many tasks run at once.
pub trait Executor {
    /// Short name for messages and traces (`sequential`, `threads`).
    fn name(&self) -> &str;

    /// Number of tasks that may run at once.
    fn workers(&self) -> usize;

    /// Runs every task the `targets` need and returns the targets' values.
    fn execute(
        &self,
        program: &Program,
        targets: &[TaskId],
        observer: &dyn Observer,
    ) -> Result<Outputs, ExecuteError>;
}

/// The tasks `targets` need, in the order to run them: depth first from each target in
/// turn, dependencies in the order the task takes them, each task after all its
/// dependencies. Like `dask.order`, this finishes one branch before starting the next,
/// so intermediate values are freed early. Deterministic.
pub fn run_order(graph: &TaskGraph, targets: &[TaskId]) -> Vec<TaskId> {
    let mut state = vec![0u8; graph.len()]; // 0 unseen, 1 on stack, 2 emitted
    let mut order = Vec::new();
    let mut stack: Vec<(TaskId, usize)> = Vec::new();
    for &t in targets {
        if state[t.index()] != 0 {
            continue;
        }
        state[t.index()] = 1;
        stack.push((t, 0));
        while let Some((id, next)) = stack.pop() {
            let deps = graph.task(id).deps();
            if next < deps.len() {
                stack.push((id, next + 1));
                let d = deps[next];
                if state[d.index()] == 0 {
                    state[d.index()] = 1;
                    stack.push((d, 0));
                }
            } else {
                state[id.index()] = 2;
                order.push(id);
            }
        }
    }
    order
}

/// What every executor works out before its first task.
pub(crate) struct Plan {
    /// The tasks to run, in [`run_order`].
    pub order: Vec<TaskId>,
    /// Which tasks are targets (their values are kept), by id.
    pub is_target: Vec<bool>,
    /// Dependents each task has among the tasks to run, by id.
    pub waiting: Vec<u32>,
}

impl Plan {
    pub(crate) fn new(graph: &TaskGraph, targets: &[TaskId]) -> Result<Plan, ExecuteError> {
        if let Some(&bad) = targets.iter().find(|t| t.index() >= graph.len()) {
            return Err(ExecuteError::UnknownTarget(bad));
        }
        let order = run_order(graph, targets);
        let mut is_target = vec![false; graph.len()];
        for &t in targets {
            is_target[t.index()] = true;
        }
        let mut waiting = vec![0u32; graph.len()];
        for &id in &order {
            for d in graph.task(id).deps() {
                waiting[d.index()] += 1;
            }
        }
        Ok(Plan {
            order,
            is_target,
            waiting,
        })
    }
}

/// Runs one task at a time on the calling thread, in [`run_order`].
#[derive(Debug, Default, Clone, Copy)]
pub struct Sequential;

impl Executor for Sequential {
    fn name(&self) -> &str {
        "sequential"
    }

    fn workers(&self) -> usize {
        1
    }

    fn execute(
        &self,
        program: &Program,
        targets: &[TaskId],
        observer: &dyn Observer,
    ) -> Result<Outputs, ExecuteError> {
        let graph = program.graph();
        let Plan {
            order,
            is_target,
            mut waiting,
        } = Plan::new(graph, targets)?;
        let mut held: Vec<Option<Value>> = vec![None; graph.len()];
        observer.run_started(program, order.len(), 1);
        for &id in &order {
            let inputs: Vec<&Value> = program
                .inputs(id)
                .iter()
                .map(|i| held[i.index()].as_ref().expect("inputs run first"))
                .collect();
            let value = match run_observed(program, id, &inputs, observer, 0) {
                Ok(v) => v,
                Err(e) => {
                    release_all(&mut held, observer, 0);
                    observer.run_finished(false);
                    return Err(e);
                }
            };
            held[id.index()] = Some(value);
            for d in graph.task(id).deps() {
                waiting[d.index()] -= 1;
                if waiting[d.index()] == 0
                    && !is_target[d.index()]
                    && let Some(v) = held[d.index()].take()
                {
                    observer.value_released(*d, v.nbytes(), 0);
                }
            }
        }
        observer.run_finished(true);
        let values = targets
            .iter()
            .map(|t| (*t, held[t.index()].clone().expect("targets ran")))
            .collect();
        Ok(Outputs { values })
    }
}

/// Drops every value still held after a run stopped early, telling `observer`, so
/// that the bytes it counts as held return to zero.
pub(crate) fn release_all(held: &mut [Option<Value>], observer: &dyn Observer, worker: usize) {
    for (i, slot) in held.iter_mut().enumerate() {
        if let Some(v) = slot.take() {
            let nbytes = v.nbytes();
            drop(v);
            observer.value_released(TaskId(i as u32), nbytes, worker);
        }
    }
}

/// Runs task `id` of `program` on `inputs` as `worker`, catching a panic, and tells
/// `observer` when it starts and how it ends: every executor runs its tasks through here.
#[inline] // on every task's path, in both executors
pub(crate) fn run_observed(
    program: &Program,
    id: TaskId,
    inputs: &[&Value],
    observer: &dyn Observer,
    worker: usize,
) -> Result<Value, ExecuteError> {
    observer.task_started(id, worker);
    let result = catch_unwind(AssertUnwindSafe(|| program.run_task(id, inputs)));
    let key = || program.graph().task(id).key().to_string();
    match result {
        Ok(Ok(v)) => {
            let outcome = TaskOutcome::Done { nbytes: v.nbytes() };
            observer.task_finished(id, worker, outcome);
            Ok(v)
        }
        Ok(Err(e)) => {
            let outcome = TaskOutcome::Failed {
                message: &e.message,
            };
            observer.task_finished(id, worker, outcome);
            Err(ExecuteError::TaskFailed {
                key: key(),
                message: e.message,
            })
        }
        Err(panic) => {
            let message = panic_message(panic.as_ref());
            observer.task_finished(id, worker, TaskOutcome::Failed { message: &message });
            Err(ExecuteError::TaskPanicked {
                key: key(),
                message,
            })
        }
    }
}

/// The text of a panic payload (`panic!("...")` gives a `&str` or a `String`).
pub fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "panic with a non-text payload".to_string()
    }
}

/// Why a lazy value could not be computed: its graph is invalid, or the run failed.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ComputeError {
    /// The tasks do not form a valid graph.
    #[error(transparent)]
    Graph(#[from] crate::graph::GraphError),
    /// The run failed or was cancelled.
    #[error(transparent)]
    Execute(#[from] ExecuteError),
}

/// Forwards every event to two observers, in order.
pub struct Tee<'a>(pub &'a dyn Observer, pub &'a dyn Observer);

impl Observer for Tee<'_> {
    fn run_started(&self, program: &Program, tasks: usize, workers: usize) {
        self.0.run_started(program, tasks, workers);
        self.1.run_started(program, tasks, workers);
    }
    fn task_started(&self, task: TaskId, worker: usize) {
        self.0.task_started(task, worker);
        self.1.task_started(task, worker);
    }
    fn task_finished(&self, task: TaskId, worker: usize, outcome: TaskOutcome<'_>) {
        self.0.task_finished(task, worker, outcome);
        self.1.task_finished(task, worker, outcome);
    }
    fn value_released(&self, task: TaskId, nbytes: u64, worker: usize) {
        self.0.value_released(task, nbytes, worker);
        self.1.value_released(task, nbytes, worker);
    }
    fn run_finished(&self, ok: bool) {
        self.0.run_finished(ok);
        self.1.run_finished(ok);
    }
}
