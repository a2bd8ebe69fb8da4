//! taskscope-core: the task-graph IR, builders for Dask-style programs, executors and
//! the trace file format.
//!
//! - [`TaskGraph`]: tasks (key, group, op, metadata) and their dependencies, always
//!   valid; queries for order, depth, width, groups and critical path.
//! - Builders: [`delayed`] calls and chunked [arrays](mod@array) that build the same graphs as
//!   `dask.delayed` and `dask.array`.
//! - [`Program`] and [`Executor`]: run a graph; [`Sequential`] runs one task at a time.
//! - [`trace`]: the versioned JSON Lines format for graphs and runs.
//! - [`dot`]: Graphviz DOT read as a task graph, Dask's own drawings included.
//!
//! ```
//! use taskscope_core::array::Array;
//!
//! let x = Array::random(&[400, 400], &[100, 100], 1).unwrap();
//! let y = (&x - &x.mean(Some(1), true)) / x.std(Some(1), true);
//! let values = y.compute().unwrap();
//! assert_eq!(values.shape(), &[400, 400]);
//! ```

pub mod alloc;
pub mod array;
pub mod chrome;
pub mod delayed;
pub mod dot;
mod execute;
mod graph;
pub mod input;
mod key;
mod program;
pub mod record;
pub mod resources;
pub mod stats;
pub mod synth;
mod threads;
pub mod trace;
mod write;

pub use execute::{
    ComputeError, ExecuteError, Executor, NoObserver, Observer, Outputs, Sequential, TaskOutcome,
    Tee, panic_message, run_order,
};
pub use graph::{CriticalPath, GraphBuilder, GraphError, Meta, Task, TaskGraph, TaskId, TaskSpec};
pub use key::{block_key, key_split, token};
pub use program::{Layer, Program, SizeOf, TaskDef, TaskError, TaskFn, Value, closure_of};
pub use threads::Threads;
pub use write::{WriteError, write_atomically};

/// Version of taskscope-core, written into the header of every file.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
