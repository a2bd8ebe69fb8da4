//! taskscope-interop: files other tools wrote, read as taskscope graphs and traces.
//!
//! - [`input`]: a file of any kind taskscope reads, recognized by its content:
//!   [`load`](input::load), [`load_with`](input::load_with) and
//!   [`parse`](input::parse) with [`LoadOptions`](input::LoadOptions);
//!   [`sniff`](input::sniff) tells the [`InputKind`](input::InputKind);
//! - [`dot`]: any Graphviz DOT graph, Dask's own drawings included:
//!   [`read_dot`](dot::read_dot) and [`parse_dot`](dot::parse_dot) with
//!   [`DotReadOptions`](dot::DotReadOptions); the header's tool is
//!   [`TOOL`](dot::TOOL) or [`DASK_TOOL`](dot::DASK_TOOL);
//! - [`chrome`]: Chrome trace-event JSON (Perfetto, `chrome://tracing`, profilers):
//!   [`read_chrome`](chrome::read_chrome) and [`parse_chrome`](chrome::parse_chrome)
//!   read it, [`write_chrome`](chrome::write_chrome) writes it (refusing an event of
//!   an [`UnknownTask`](chrome::UnknownTask)).
//!
//! Readers fail with [`ReadError`](taskscope_core::trace::ReadError), which names the
//! file, the line and column, and the field.
//!
//! ```
//! use taskscope_interop::input::{InputKind, sniff};
//!
//! assert_eq!(sniff(b"digraph G { a -> b }"), InputKind::Dot);
//! ```

pub mod chrome;
pub mod dot;
pub mod input;

/// How many characters of a name or value an error message quotes: a megabyte-long
/// key still makes a short message.
const QUOTED_CHARS: usize = 40;
