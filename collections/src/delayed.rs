//! `delayed`: lazy function calls that form a task graph, like `dask.delayed`.
//!
//! The Dask tutorial's example, in Rust:
//!
//! ```
//! use taskscope_collections::delayed::{self, Delayed};
//!
//! fn inc(x: i64) -> i64 { x + 1 }
//! fn double(x: i64) -> i64 { x * 2 }
//! fn add(x: &i64, y: &i64) -> i64 { x + y }
//!
//! let mut output: Vec<Delayed<i64>> = Vec::new();
//! for x in [1, 2, 3, 4, 5] {
//!     let a = delayed::call("inc", move || inc(x));
//!     let b = delayed::call("double", move || double(x));
//!     output.push(delayed::call2("add", &a, &b, add));
//! }
//! let total = delayed::call_all("sum", &output, |xs: &[&i64]| xs.iter().copied().sum::<i64>());
//! let program = total.program().unwrap();
//! assert_eq!((program.graph().len(), program.graph().edge_count()), (16, 15));
//! assert_eq!(total.compute().unwrap(), 50);
//! ```
//!
//! Keys are `name-<token>` like Dask's; the token comes from the name, the input keys
//! and a per-process sequence number, so a program that builds its graph in the same
//! order gets the same keys in every run.

use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use taskscope_core::Meta;
use taskscope_core::{ComputeError, Executor, NoObserver, Observer, Sequential};
use taskscope_core::{Layer, Program, SizeOf, TaskDef, TaskError, TaskFn, Value};
use taskscope_core::{key_split, token};

static SEQUENCE: AtomicU64 = AtomicU64::new(0);

/// A lazy value of type `T`: the result of a task not yet run.
pub struct Delayed<T> {
    key: String,
    layer: Arc<Layer>,
    _type: PhantomData<fn() -> T>,
}

impl<T> Clone for Delayed<T> {
    fn clone(&self) -> Self {
        Delayed {
            key: self.key.clone(),
            layer: self.layer.clone(),
            _type: PhantomData,
        }
    }
}

impl<T> fmt::Debug for Delayed<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Delayed({:?})", self.key)
    }
}

/// Prints like Dask: `Delayed('sum-<token>')`.
impl<T> fmt::Display for Delayed<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Delayed('{}')", self.key)
    }
}

impl<T: Clone + 'static> Delayed<T> {
    /// The key of the task that produces this value.
    pub fn key(&self) -> &str {
        &self.key
    }

    /// The layer (one task) behind this value; combine layers with
    /// [`Program::from_layers`] to compute several values in one run.
    pub fn layer(&self) -> &Arc<Layer> {
        &self.layer
    }

    /// The checked task graph and code needed to compute this value.
    pub fn program(&self) -> Result<Program, taskscope_core::GraphError> {
        Program::from_layers(std::slice::from_ref(&self.layer))
    }

    /// Computes the value on the sequential executor.
    pub fn compute(&self) -> Result<T, ComputeError> {
        self.compute_with(&Sequential, &NoObserver)
    }

    /// Computes the value on `executor`, reporting to `observer`.
    pub fn compute_with(
        &self,
        executor: &dyn Executor,
        observer: &dyn Observer,
    ) -> Result<T, ComputeError> {
        let program = self.program()?;
        let id = program
            .graph()
            .id_of(&self.key)
            .expect("a delayed value's key is in its own program");
        let outputs = executor.execute(&program, &[id], observer)?;
        let value = outputs.get(id).expect("the executor returns every target");
        Ok(value
            .get::<T>()
            .expect("a delayed task returns its declared type")
            .clone())
    }
}

fn make<T>(name: &str, inputs: Vec<(String, Arc<Layer>)>, func: TaskFn) -> Delayed<T> {
    let seq = SEQUENCE.fetch_add(1, Ordering::Relaxed).to_string();
    let tok = token(
        std::iter::once(name)
            .chain(inputs.iter().map(|(k, _)| k.as_str()))
            .chain(std::iter::once(seq.as_str())),
    );
    let key = format!("{name}-{tok}");
    let def = TaskDef {
        group: key_split(&key),
        key: key.clone(),
        op: name.to_string(),
        inputs: inputs.iter().map(|(k, _)| k.clone()).collect(),
        meta: Meta::new(),
        func,
    };
    let layer = Arc::new(Layer {
        name: key.clone(),
        tasks: vec![def],
        deps: inputs.into_iter().map(|(_, l)| l).collect(),
    });
    Delayed {
        key,
        layer,
        _type: PhantomData,
    }
}

fn input<A>(d: &Delayed<A>) -> (String, Arc<Layer>) {
    (d.key.clone(), d.layer.clone())
}

/// A call with no lazy inputs (constants are captured by the closure).
pub fn call<T, F>(name: &str, f: F) -> Delayed<T>
where
    T: SizeOf + Send + Sync + 'static,
    F: Fn() -> T + Send + Sync + 'static,
{
    make(name, Vec::new(), Arc::new(move |_| Ok(Value::new(f()))))
}

/// A call on one lazy input.
pub fn call1<A, T, F>(name: &str, a: &Delayed<A>, f: F) -> Delayed<T>
where
    A: 'static,
    T: SizeOf + Send + Sync + 'static,
    F: Fn(&A) -> T + Send + Sync + 'static,
{
    make(
        name,
        vec![input(a)],
        Arc::new(move |xs| Ok(Value::new(f(xs[0].get::<A>()?)))),
    )
}

/// A call on one lazy input that may fail; the error ends the run, naming this task.
pub fn try_call1<A, T, E, F>(name: &str, a: &Delayed<A>, f: F) -> Delayed<T>
where
    A: 'static,
    T: SizeOf + Send + Sync + 'static,
    E: fmt::Display,
    F: Fn(&A) -> Result<T, E> + Send + Sync + 'static,
{
    make(
        name,
        vec![input(a)],
        Arc::new(move |xs| {
            f(xs[0].get::<A>()?)
                .map(Value::new)
                .map_err(|e| TaskError::new(e.to_string()))
        }),
    )
}

/// A call on two lazy inputs.
pub fn call2<A, B, T, F>(name: &str, a: &Delayed<A>, b: &Delayed<B>, f: F) -> Delayed<T>
where
    A: 'static,
    B: 'static,
    T: SizeOf + Send + Sync + 'static,
    F: Fn(&A, &B) -> T + Send + Sync + 'static,
{
    make(
        name,
        vec![input(a), input(b)],
        Arc::new(move |xs| Ok(Value::new(f(xs[0].get::<A>()?, xs[1].get::<B>()?)))),
    )
}

/// A call on a list of lazy inputs of one type (`sum`, `concat`, …).
pub fn call_all<A, T, F>(name: &str, xs: &[Delayed<A>], f: F) -> Delayed<T>
where
    A: 'static,
    T: SizeOf + Send + Sync + 'static,
    F: Fn(&[&A]) -> T + Send + Sync + 'static,
{
    make(
        name,
        xs.iter().map(input).collect(),
        Arc::new(move |vals| {
            let args = vals
                .iter()
                .map(|v| v.get::<A>())
                .collect::<Result<Vec<&A>, TaskError>>()?;
            Ok(Value::new(f(&args)))
        }),
    )
}

/// The tutorial's example: `inc`, `double` and `add` over `[1, 2, 3, 4, 5]`, then `sum`.
/// 16 tasks, 15 edges; computes to 50.
pub fn tutorial() -> Delayed<i64> {
    let output: Vec<Delayed<i64>> = [1i64, 2, 3, 4, 5]
        .into_iter()
        .map(|x| {
            let a = call("inc", move || x + 1);
            let b = call("double", move || x * 2);
            call2("add", &a, &b, |a: &i64, b: &i64| a + b)
        })
        .collect();
    call_all("sum", &output, |xs: &[&i64]| {
        xs.iter().copied().sum::<i64>()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use taskscope_core::ExecuteError;

    #[test]
    fn tutorial_graph_and_result() {
        let total = tutorial();
        let p = total.program().unwrap();
        let g = p.graph();
        assert_eq!(g.len(), 16);
        assert_eq!(g.edge_count(), 15);
        let groups = g.group_counts();
        assert_eq!(groups["inc"], 5);
        assert_eq!(groups["double"], 5);
        assert_eq!(groups["add"], 5);
        assert_eq!(groups["sum"], 1);
        assert_eq!(g.depth(), 3);
        assert_eq!(g.width(), 10);
        assert_eq!(total.compute().unwrap(), 50);
        assert!(total.to_string().starts_with("Delayed('sum-"));
    }

    #[test]
    fn shared_inputs_are_one_task() {
        let a = call("one", || 1i64);
        let b = call1("inc", &a, |x: &i64| x + 1);
        let c = call2("add", &a, &b, |x: &i64, y: &i64| x + y);
        let same = call2("add", &a, &a, |x: &i64, y: &i64| x + y);
        assert_eq!(c.program().unwrap().graph().len(), 3);
        assert_eq!(c.compute().unwrap(), 3);
        assert_eq!(same.program().unwrap().graph().edge_count(), 1);
        assert_eq!(same.compute().unwrap(), 2);
    }

    #[test]
    fn a_failing_task_names_its_key() {
        let a = call("one", || 1i64);
        let b = try_call1("check", &a, |x: &i64| {
            if *x > 0 {
                Err(format!("{x} is positive"))
            } else {
                Ok(*x)
            }
        });
        let c = call1("inc", &b, |x: &i64| x + 1);
        match c.compute() {
            Err(ComputeError::Execute(ExecuteError::TaskFailed { key, message })) => {
                assert_eq!(key, b.key());
                assert_eq!(message, "1 is positive");
            }
            other => panic!("expected a task failure, got {other:?}"),
        }
    }

    #[test]
    fn a_panicking_task_is_an_error() {
        let a = call("boom", || -> i64 { panic!("kaboom") });
        match a.compute() {
            Err(ComputeError::Execute(ExecuteError::TaskPanicked { key, message })) => {
                assert_eq!(key, a.key());
                assert_eq!(message, "kaboom");
            }
            other => panic!("expected a panic error, got {other:?}"),
        }
    }
}
