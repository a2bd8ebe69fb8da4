//! taskscope-viewer: the desktop app that replays runs of task graphs.
//!
//! The app draws the answers of the replay model ([`taskscope_analysis::replay`]),
//! which has no UI in it and is tested without a window. The CLI's `taskscope view`
//! starts it with [`run`].

mod app;

pub use app::{TimeSpec, ViewerError, ViewerOptions, run};

/// The app's state and views, for the viewer's own tests and benchmarks (egui_kittest
/// drives [`testing::ViewerApp::show`] without a window). Not a stable API.
#[doc(hidden)]
pub mod testing {
    pub use crate::app::{
        Document, GraphPicture, GraphView, Playback, Recent, Selection, Timeline, ViewerApp,
    };
}
