//! The threaded executor: N worker threads sharing one ready queue.
//!
//! Each task waits for a count of unfinished dependencies; when it reaches zero the
//! task joins the ready queue, ordered by [`run_order`] so that branches finish before
//! new ones start (like `dask.order`). A worker that finishes a task takes the next one
//! in the same lock hold, so a chain runs without hand-offs between threads. Outputs are
//! dropped as soon as their last dependent has run.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::Duration;

use crate::executor::{ExecuteError, Executor, Observer, Outputs, Plan, release_all, run_observed};
use crate::graph::TaskId;
use crate::program::{Program, Value};

/// Runs tasks on `workers` threads. Also stops early when its cancel flag is set
/// (Ctrl-C): running tasks finish, no new task starts, and the run returns
/// [`ExecuteError::Cancelled`].
#[derive(Clone, Debug)]
pub struct Threads {
    workers: usize,
    cancel: Option<Arc<AtomicBool>>,
}

impl Default for Threads {
    /// One worker per available core.
    fn default() -> Self {
        Threads::new(std::thread::available_parallelism().map_or(1, |n| n.get()))
    }
}

impl Threads {
    /// `workers` threads (at least 1).
    pub fn new(workers: usize) -> Self {
        Threads {
            workers: workers.max(1),
            cancel: None,
        }
    }

    /// Stops the run when `flag` becomes true.
    pub fn with_cancel(mut self, flag: Arc<AtomicBool>) -> Self {
        self.cancel = Some(flag);
        self
    }
}

struct State {
    /// (priority, task): the lowest priority runs first.
    ready: BinaryHeap<Reverse<(u32, u32)>>,
    /// Dependencies not yet finished, per task.
    missing: Vec<u32>,
    /// Dependents not yet finished, per task.
    waiting: Vec<u32>,
    held: Vec<Option<Value>>,
    remaining: usize,
    running: usize,
    idle: usize,
    error: Option<ExecuteError>,
}

struct Shared<'a> {
    program: &'a Program,
    observer: &'a dyn Observer,
    priority: Vec<u32>,
    is_target: Vec<bool>,
    state: Mutex<State>,
    wake: Condvar,
    cancel: Option<&'a AtomicBool>,
}

impl Executor for Threads {
    fn name(&self) -> &str {
        "threads"
    }

    fn workers(&self) -> usize {
        self.workers
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
            waiting,
        } = Plan::new(graph, targets)?;
        let n = graph.len();
        let mut priority = vec![u32::MAX; n];
        for (pos, id) in order.iter().enumerate() {
            priority[id.index()] = pos as u32;
        }
        let mut missing = vec![0u32; n];
        let mut ready = BinaryHeap::new();
        for &id in &order {
            let deps = graph.task(id).deps();
            missing[id.index()] = deps.len() as u32;
            if deps.is_empty() {
                ready.push(Reverse((priority[id.index()], id.0)));
            }
        }
        let shared = Shared {
            program,
            observer,
            priority,
            is_target,
            state: Mutex::new(State {
                ready,
                missing,
                waiting,
                held: vec![None; n],
                remaining: order.len(),
                running: 0,
                idle: 0,
                error: None,
            }),
            wake: Condvar::new(),
            cancel: self.cancel.as_deref(),
        };
        let workers = self.workers.min(order.len().max(1));
        observer.run_started(program, order.len(), workers);
        std::thread::scope(|s| {
            for w in 1..workers {
                let shared = &shared;
                s.spawn(move || shared.work(w));
            }
            shared.work(0);
        });
        let mut state = shared.state.into_inner().unwrap_or_else(|p| p.into_inner());
        if state.error.is_some() {
            release_all(&mut state.held, observer, 0);
        }
        observer.run_finished(state.error.is_none());
        if let Some(e) = state.error.take() {
            return Err(e);
        }
        let values = targets
            .iter()
            .map(|t| (*t, state.held[t.index()].clone().expect("targets ran")))
            .collect();
        Ok(Outputs { values })
    }
}

impl Shared<'_> {
    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic inside a task is caught before it can poison the lock; a poisoned
        // lock would mean a bug here, and the state is still consistent enough to stop.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn cancelled(&self) -> bool {
        self.cancel.is_some_and(|c| c.load(Ordering::Relaxed))
    }

    /// Worker `worker`'s loop: take the next ready task, run it outside the lock,
    /// then record its output and queue the tasks it unblocks, until the run is done,
    /// has failed or is cancelled.
    fn work(&self, worker: usize) {
        let mut state = self.lock();
        loop {
            let id;
            (state, id) = match self.next_task(state) {
                Some(next) => next,
                None => return,
            };
            let inputs = self.inputs(&state, id);
            drop(state);
            let refs: Vec<&Value> = inputs.iter().collect();
            let result = run_observed(self.program, id, &refs, self.observer, worker);
            drop(refs);
            drop(inputs);
            state = self.lock();
            state.running -= 1;
            match result {
                Ok(value) => state = self.finish(state, id, value, worker),
                Err(e) => self.fail(&mut state, e),
            }
        }
    }

    /// Waits for a ready task and marks it running; `None` once the run is done, has
    /// failed or is cancelled.
    fn next_task<'s>(
        &'s self,
        mut state: MutexGuard<'s, State>,
    ) -> Option<(MutexGuard<'s, State>, TaskId)> {
        loop {
            if state.error.is_none() && self.cancelled() {
                state.error = Some(ExecuteError::Cancelled);
                self.wake.notify_all();
            }
            if state.error.is_some() || state.remaining == 0 {
                return None;
            }
            let Some(Reverse((_, raw))) = state.ready.pop() else {
                assert!(
                    state.running > 0,
                    "no task ready, none running, {} left",
                    state.remaining
                );
                state.idle += 1;
                state = if self.cancel.is_some() {
                    // Wake now and then to notice a cancel request.
                    self.wake
                        .wait_timeout(state, Duration::from_millis(20))
                        .unwrap_or_else(|p| p.into_inner())
                        .0
                } else {
                    self.wake.wait(state).unwrap_or_else(|p| p.into_inner())
                };
                state.idle -= 1;
                continue;
            };
            state.running += 1;
            if state.idle > 0 && !state.ready.is_empty() {
                self.wake.notify_one();
            }
            return Some((state, TaskId(raw)));
        }
    }

    /// The outputs of `id`'s inputs, all finished before it was queued.
    fn inputs(&self, state: &State, id: TaskId) -> Vec<Value> {
        self.program
            .inputs(id)
            .iter()
            .map(|i| {
                state.held[i.index()]
                    .clone()
                    .expect("inputs finished first")
            })
            .collect()
    }

    /// Holds `id`'s output, queues the dependents it was the last input of and drops
    /// the inputs no other task waits for (outside the lock: they may be large).
    fn finish<'s>(
        &'s self,
        mut state: MutexGuard<'s, State>,
        id: TaskId,
        value: Value,
        worker: usize,
    ) -> MutexGuard<'s, State> {
        state.held[id.index()] = Some(value);
        state.remaining -= 1;
        self.queue_dependents(&mut state, id);
        let released = self.release_inputs(&mut state, id);
        if state.remaining == 0 {
            self.wake.notify_all();
        }
        if released.is_empty() {
            return state;
        }
        drop(state);
        for (d, v) in released {
            let nbytes = v.nbytes();
            drop(v);
            self.observer.value_released(d, nbytes, worker);
        }
        self.lock()
    }

    /// Queues the dependents of `id` that were waiting for it alone.
    fn queue_dependents(&self, state: &mut State, id: TaskId) {
        for &next in self.program.graph().dependents(id) {
            let m = &mut state.missing[next.index()];
            // Tasks outside this run have priority MAX and are never queued.
            if self.priority[next.index()] != u32::MAX {
                *m -= 1;
                if *m == 0 {
                    let p = self.priority[next.index()];
                    state.ready.push(Reverse((p, next.0)));
                }
            }
        }
    }

    /// Takes the outputs of `id`'s inputs that no task waits for any more and that
    /// are not targets of the run.
    fn release_inputs(&self, state: &mut State, id: TaskId) -> Vec<(TaskId, Value)> {
        let mut released = Vec::new();
        for &d in self.program.graph().task(id).deps() {
            state.waiting[d.index()] -= 1;
            if state.waiting[d.index()] == 0
                && !self.is_target[d.index()]
                && let Some(v) = state.held[d.index()].take()
            {
                released.push((d, v));
            }
        }
        released
    }

    fn fail(&self, state: &mut State, error: ExecuteError) {
        if state.error.is_none() {
            state.error = Some(error);
        }
        self.wake.notify_all();
    }
}
