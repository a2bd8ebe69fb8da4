//! Executable task graphs: a [`TaskGraph`] plus the code of every task.
//!
//! Builders (chunked arrays, `delayed`) produce [`Layer`]s: named groups of
//! [`TaskDef`]s that may depend on other layers, like Dask's `HighLevelGraph`. A
//! [`Program`] flattens the layers a result needs into one validated graph that an
//! [`Executor`](crate::Executor) can run.
//!
//! ```
//! use std::sync::Arc;
//! use taskscope_core::{Layer, Program, TaskDef, Value};
//!
//! let load = TaskDef {
//!     key: "load-1".into(),
//!     group: "load".into(),
//!     op: "read_csv".into(),
//!     inputs: vec![],
//!     meta: Default::default(),
//!     func: Arc::new(|_: &[&Value]| Ok(Value::new(vec![1u64, 2, 3]))),
//! };
//! let layer = Arc::new(Layer { name: "load".into(), tasks: vec![load], deps: vec![] });
//! let program = Program::from_layers(&[layer]).unwrap();
//! assert_eq!((program.graph().len(), program.layer_count()), (1, 1));
//! let id = program.graph().id_of("load-1").unwrap();
//! assert_eq!(program.run_task(id, &[]).unwrap().nbytes(), 24);
//! ```

use std::any::Any;
use std::collections::HashSet;
use std::fmt;
use std::sync::Arc;

use thiserror::Error;

use crate::graph::{GraphBuilder, GraphError, Meta, TaskGraph, TaskId, TaskSpec};

/// Size in bytes of a task's output, reported in traces (like `dask.sizeof`).
pub trait SizeOf {
    /// Bytes the value holds, its heap data included.
    fn size_of(&self) -> u64;
}

macro_rules! size_of_plain {
    ($($t:ty),*) => {$(
        impl SizeOf for $t {
            fn size_of(&self) -> u64 { std::mem::size_of::<$t>() as u64 }
        }
    )*};
}
size_of_plain!(
    bool,
    u8,
    u16,
    u32,
    u64,
    u128,
    usize,
    i8,
    i16,
    i32,
    i64,
    i128,
    isize,
    f32,
    f64,
    char,
    ()
);

impl SizeOf for String {
    fn size_of(&self) -> u64 {
        self.len() as u64
    }
}

impl<T: SizeOf> SizeOf for Vec<T> {
    fn size_of(&self) -> u64 {
        self.iter().map(SizeOf::size_of).sum()
    }
}

impl<T: SizeOf> SizeOf for Option<T> {
    fn size_of(&self) -> u64 {
        self.as_ref().map_or(0, SizeOf::size_of)
    }
}

impl<A: SizeOf, B: SizeOf> SizeOf for (A, B) {
    fn size_of(&self) -> u64 {
        self.0.size_of() + self.1.size_of()
    }
}

/// The output of a task: any `Send + Sync` value, shared cheaply, with its size.
#[derive(Clone)]
pub struct Value {
    data: Arc<dyn Any + Send + Sync>,
    nbytes: u64,
}

impl Value {
    /// `v` as a task's output, sized by its [`SizeOf`].
    pub fn new<T: SizeOf + Send + Sync + 'static>(v: T) -> Self {
        Value {
            nbytes: v.size_of(),
            data: Arc::new(v),
        }
    }

    /// A value whose size the caller measured: for types of other crates, which
    /// cannot implement [`SizeOf`] here (an `ndarray` block, say).
    pub fn with_nbytes<T: Send + Sync + 'static>(v: T, nbytes: u64) -> Self {
        Value {
            nbytes,
            data: Arc::new(v),
        }
    }

    /// Bytes of the value as its [`SizeOf`] reported them.
    pub fn nbytes(&self) -> u64 {
        self.nbytes
    }

    /// The value as a `T`, or `None` when it is of another type.
    pub fn downcast_ref<T: 'static>(&self) -> Option<&T> {
        self.data.downcast_ref()
    }

    /// The value as a `T`, or an error naming the type that was expected.
    pub fn get<T: 'static>(&self) -> Result<&T, TaskError> {
        self.downcast_ref()
            .ok_or_else(|| TaskError::new(format!("input is not a {}", std::any::type_name::<T>())))
    }
}

impl fmt::Debug for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Value({} bytes)", self.nbytes)
    }
}

/// Why a task failed; the executor adds the task's key.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{message}")]
pub struct TaskError {
    /// What went wrong, in words.
    pub message: String,
}

impl TaskError {
    /// A task error saying `message`.
    pub fn new(message: impl Into<String>) -> Self {
        TaskError {
            message: message.into(),
        }
    }
}

/// The code of a task: gets the values of its inputs, in order, and returns its output.
pub type TaskFn = Arc<dyn Fn(&[&Value]) -> Result<Value, TaskError> + Send + Sync>;

/// One task of a layer: its identity in the graph and its code.
#[derive(Clone)]
pub struct TaskDef {
    /// The task's key, unique in the program (`sum-3f2a…`).
    pub key: String,
    /// The group the task belongs to, as Dask's `key_split` names it (`sum`).
    pub group: String,
    /// The operation the task runs (`sum`, `read_csv`).
    pub op: String,
    /// Keys of the inputs, in the order `func` takes them; may repeat a key.
    pub inputs: Vec<String>,
    /// What else is known of the task (chunk shape, file name), shown in drawings.
    pub meta: Meta,
    /// The task's code.
    pub func: TaskFn,
}

/// A named set of tasks produced by one operation, and the layers it reads from.
///
/// Layers are shared between the collections built from them; their names carry a
/// token of what they compute, so the same name means the same tasks.
pub struct Layer {
    /// The layer's name: its operation and a token of what it computes.
    pub name: String,
    /// The tasks the layer adds.
    pub tasks: Vec<TaskDef>,
    /// The layers its tasks read from.
    pub deps: Vec<Arc<Layer>>,
}

impl Layer {
    /// All layers this one needs, itself included, each once, dependencies first.
    pub fn closure(self: &Arc<Self>) -> Vec<Arc<Layer>> {
        closure_of(std::slice::from_ref(self))
    }
}

/// All layers the given layers need, each once, dependencies first.
pub fn closure_of(roots: &[Arc<Layer>]) -> Vec<Arc<Layer>> {
    let mut seen: HashSet<String> = HashSet::new();
    let mut out = Vec::new();
    // Iterative post-order walk: deep graphs must not overflow the stack.
    let mut stack: Vec<(Arc<Layer>, usize)> = Vec::new();
    for root in roots.iter().rev() {
        stack.push((root.clone(), 0));
    }
    while let Some((layer, next)) = stack.pop() {
        if next == 0 && seen.contains(&layer.name) {
            continue;
        }
        if next < layer.deps.len() {
            let dep = layer.deps[next].clone();
            stack.push((layer, next + 1));
            if !seen.contains(&dep.name) {
                stack.push((dep, 0));
            }
        } else if seen.insert(layer.name.clone()) {
            out.push(layer);
        }
    }
    out
}

/// A validated task graph with the code of each task: what executors run.
///
/// Stored in columns: the inputs of every task in compressed rows, and the code as an
/// index into a table of the distinct functions (tasks added one after another with
/// the same function share one entry).
pub struct Program {
    graph: TaskGraph,
    /// Inputs of task i: `inputs[input_start[i]..input_start[i + 1]]`.
    input_start: Vec<u64>,
    inputs: Vec<TaskId>,
    func_of: Vec<u32>,
    funcs: Vec<TaskFn>,
    layers: usize,
}

impl Program {
    /// Flattens the layers the `roots` need into one graph, checking it.
    pub fn from_layers(roots: &[Arc<Layer>]) -> Result<Program, GraphError> {
        let layers = closure_of(roots);
        let n = layers.iter().map(|l| l.tasks.len()).sum();
        let mut builder = GraphBuilder::with_capacity(n);
        let mut code = Code::with_capacity(n);
        for layer in &layers {
            for def in &layer.tasks {
                // Repeated inputs become one dependency in the graph.
                builder.add(TaskSpec {
                    key: def.key.clone(),
                    group: def.group.clone(),
                    op: def.op.clone(),
                    deps: def.inputs.clone(),
                    meta: def.meta.clone(),
                });
                code.add_func(&def.func);
            }
        }
        let graph = builder.build()?;
        for layer in &layers {
            for def in &layer.tasks {
                code.inputs.extend(
                    def.inputs
                        .iter()
                        .map(|k| graph.id_of(k).expect("inputs were checked by build")),
                );
                code.input_start.push(code.inputs.len() as u64);
            }
        }
        Ok(code.program(graph, layers.len()))
    }

    /// The program's tasks and their dependencies.
    pub fn graph(&self) -> &TaskGraph {
        &self.graph
    }

    /// Number of layers the program was built from (Dask's "graph layers").
    pub fn layer_count(&self) -> usize {
        self.layers
    }

    /// The inputs of a task in the order its code takes them (may repeat).
    #[inline]
    pub fn inputs(&self, id: TaskId) -> &[TaskId] {
        let i = id.index();
        &self.inputs[self.input_start[i] as usize..self.input_start[i + 1] as usize]
    }

    /// Runs the code of one task on the values of its inputs.
    #[inline]
    pub fn run_task(&self, id: TaskId, inputs: &[&Value]) -> Result<Value, TaskError> {
        (self.funcs[self.func_of[id.index()] as usize])(inputs)
    }
}

/// The code side of a program being built: inputs in compressed rows, functions
/// shared by neighbours.
struct Code {
    input_start: Vec<u64>,
    inputs: Vec<TaskId>,
    func_of: Vec<u32>,
    funcs: Vec<TaskFn>,
}

impl Code {
    fn with_capacity(n: usize) -> Self {
        let mut input_start = Vec::with_capacity(n + 1);
        input_start.push(0);
        Code {
            input_start,
            inputs: Vec::with_capacity(n * 2),
            func_of: Vec::with_capacity(n),
            funcs: Vec::new(),
        }
    }

    /// Adds a task's function, sharing the entry of the task before when it is the same.
    fn add_func(&mut self, func: &TaskFn) {
        if !self.funcs.last().is_some_and(|f| Arc::ptr_eq(f, func)) {
            self.funcs.push(func.clone());
        }
        self.func_of.push(self.funcs.len() as u32 - 1);
    }

    fn program(self, graph: TaskGraph, layers: usize) -> Program {
        Program {
            graph,
            input_start: self.input_start,
            inputs: self.inputs,
            func_of: self.func_of,
            funcs: self.funcs,
            layers,
        }
    }
}

/// Builds a [`Program`] task by task, inputs given by the ids of tasks added before:
/// for generators that number their own tasks (synthetic graphs of 10^7 tasks), with
/// no key kept per input and no key looked up per edge.
///
/// ```
/// use std::sync::Arc;
/// use taskscope_core::{ProgramBuilder, TaskFn, Value};
///
/// let one: TaskFn = Arc::new(|_| Ok(Value::new(1i64)));
/// let sum: TaskFn = Arc::new(|xs| Ok(Value::new(xs.len() as i64)));
/// let mut b = ProgramBuilder::new();
/// let a = b.add("a-1", "a", "one", &[], &one);
/// let c = b.add("a-2", "a", "one", &[], &one);
/// b.add("total", "total", "sum", &[a, c, c], &sum);
/// let p = b.build().unwrap();
/// assert_eq!((p.graph().len(), p.graph().edge_count()), (3, 2));
/// assert_eq!(p.inputs(taskscope_core::TaskId(2)).len(), 3);
/// ```
pub struct ProgramBuilder {
    graph: GraphBuilder,
    code: Code,
}

impl ProgramBuilder {
    /// An empty program.
    pub fn new() -> Self {
        ProgramBuilder {
            graph: GraphBuilder::new(),
            code: Code::with_capacity(0),
        }
    }

    /// Adds a task whose code takes the outputs of `inputs` (ids this builder gave,
    /// in the order the code takes them; repeats allowed) and returns its id.
    pub fn add(
        &mut self,
        key: &str,
        group: &str,
        op: &str,
        inputs: &[TaskId],
        func: &TaskFn,
    ) -> TaskId {
        // Repeated inputs become one dependency in the graph, in first-use order.
        let id = self.graph.add_parts(key, group, op, inputs, Meta::new());
        self.code.inputs.extend_from_slice(inputs);
        self.code.input_start.push(self.code.inputs.len() as u64);
        self.code.add_func(func);
        id
    }

    /// Checks the graph (keys unique, inputs that exist) and makes the program.
    pub fn build(self) -> Result<Program, GraphError> {
        let graph = self.graph.build()?;
        Ok(self.code.program(graph, 1))
    }
}

impl Default for ProgramBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for Program {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Program")
            .field("graph", &self.graph)
            .field("layers", &self.layers)
            .finish()
    }
}
