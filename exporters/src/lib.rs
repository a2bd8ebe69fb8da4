//! taskscope-exporters: drawing task graphs.
//!
//! So far: Graphviz DOT, a pure function of the graph and its options written to any
//! `io::Write`, deterministic byte for byte. The large-graph layout and the SVG, PNG
//! and PDF writers build on the same options.
//!
//! ```
//! use taskscope_core::delayed;
//! use taskscope_exporters::{DotOptions, write_dot};
//!
//! let total = delayed::tutorial();
//! let program = total.program().unwrap();
//! let mut dot = Vec::new();
//! write_dot(&mut dot, program.graph(), &DotOptions::default()).unwrap();
//! let text = String::from_utf8(dot).unwrap();
//! assert!(text.starts_with("digraph taskscope {"));
//! assert_eq!(text.matches(" -> ").count(), 15);
//! ```

mod dot;
mod palette;

pub use dot::{DotOptions, RankDir, write_dot};
pub use palette::group_color;
