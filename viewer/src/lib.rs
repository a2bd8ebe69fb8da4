//! taskscope-viewer: the desktop app that replays runs of task graphs.
//!
//! The app draws the answers of the replay model ([`taskscope_analysis::replay`]),
//! which has no UI in it and is tested without a window.

pub mod app;

pub use app::{ViewerApp, ViewerOptions, run};
