//! taskscope-viewer: replaying executions of task graphs.
//!
//! The [`replay`] model answers "what was the state of the run at time t" with no UI in
//! it, so it is tested without a window; the desktop [`app`] draws its answers.

pub mod app;
pub mod replay;

pub use app::{ViewerApp, ViewerOptions, run};
pub use replay::{
    Column, GroupId, GroupProgress, Lanes, Replay, ReplayError, TaskSpan, TaskState, column_bounds,
};
