//! taskscope-core: the task-graph IR, the trace model and its file format, and the
//! traced executor. No drawing, no UI, no array library: every other crate builds on it.
//!
//! - [`TaskGraph`]: tasks (key, group, op, metadata) and their dependencies, always
//!   valid; queries for order, depth, width, groups and critical path.
//! - [`Program`] and [`Executor`]: run a graph; [`Sequential`] runs one task at a time,
//!   [`Threads`] on a pool; [`recorder::run_traced`] writes the run as a trace.
//! - [`trace`]: the trace model and its versioned JSON Lines format.
//! - [`units`]: bytes, durations, counts and cut strings as people read them.
//! - [`write_atomically`]: every file taskscope writes replaces the old one whole.
//!
//! ```
//! use taskscope_core::{GraphBuilder, TaskSpec};
//!
//! let mut b = GraphBuilder::new();
//! b.add(TaskSpec::new("load-1", "read_csv"));
//! b.add(TaskSpec::new("sum-1", "sum").dep("load-1"));
//! let graph = b.build().unwrap();
//! assert_eq!(graph.len(), 2);
//! assert_eq!(graph.depth(), 2);
//! ```

// What each module holds; the public ones are paths of the API, the others are
// re-exported below.
pub mod alloc; // the opt-in counting allocator
mod atomic_write; // write_atomically
pub mod clock; // cheap time stamps for tracing
mod executor; // Executor, Observer, Sequential
mod graph; // TaskGraph and its builder
mod key; // Dask-style task keys
pub mod parallel; // two pieces of work side by side
mod program; // Program: a graph plus the code of its tasks
pub mod recorder; // run_traced: a run written as a trace
pub mod resources; // the process's memory and CPU time
mod threads; // the Threads executor
pub mod trace; // the trace model and file format
pub mod units; // bytes, times and counts for people

// The task graph.
pub use graph::{
    CriticalPath, GraphBuilder, GraphError, Meta, Task, TaskGraph, TaskId, TaskIds, TaskSpec,
};
pub use key::{block_key, key_split, push_block_key, short_label, token};
// Programs and how they run.
pub use executor::{
    ComputeError, ExecuteError, Executor, NoObserver, Observer, Outputs, Sequential, TaskOutcome,
    Tee, panic_message, run_order,
};
pub use program::{
    Layer, Program, ProgramBuilder, SizeOf, TaskDef, TaskError, TaskFn, Value, closure_of,
};
pub use threads::Threads;
// Files.
pub use atomic_write::{WriteError, write_atomically};

/// Version of taskscope-core, written into the header of every file.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
