//! taskscope-interop: files other tools wrote, read as taskscope graphs and traces.
//!
//! - [`dot`]: any Graphviz DOT graph, Dask's own drawings included;
//! - [`chrome`]: Chrome trace-event JSON (Perfetto, `chrome://tracing`, profilers),
//!   read and written;
//! - [`input`]: a file of any kind taskscope reads, recognized by its content.
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
