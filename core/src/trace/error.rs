//! Why a file could not be read: [`ReadError`], which names the file, line, column and
//! field, the same way for every reader (taskscope, Chrome JSON, DOT).
//!
//! ```
//! use taskscope_core::trace::{ReadError, ReadErrorKind};
//!
//! let e = ReadError::new(
//!     ReadErrorKind::Field,
//!     "run.json",
//!     Some(3),
//!     Some("ts"),
//!     "must be a number".to_string(),
//! );
//! assert_eq!(e.to_string(), "run.json:3: field `ts`: must be a number");
//! assert_eq!(e.kind, ReadErrorKind::Field);
//! ```

use std::fmt;

use crate::graph::GraphError;
use crate::units::cut_after;

/// What kind of problem a [`ReadError`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReadErrorKind {
    /// The file could not be opened or read.
    Io,
    /// Not a taskscope file, or a version this build cannot read.
    Format,
    /// A line is not valid JSON.
    Syntax,
    /// A record lacks a field or has one of the wrong type or value.
    Field,
    /// The tasks do not form a valid graph (duplicate key, missing dependency, cycle).
    Graph,
}

/// Why a file could not be read, naming the file, line and field. Boxed, so results
/// stay small; its fields are those of [`ReadErrorDetail`].
#[derive(Debug)]
pub struct ReadError(Box<ReadErrorDetail>);

impl std::ops::Deref for ReadError {
    type Target = ReadErrorDetail;
    fn deref(&self) -> &ReadErrorDetail {
        &self.0
    }
}

impl std::ops::DerefMut for ReadError {
    fn deref_mut(&mut self) -> &mut ReadErrorDetail {
        &mut self.0
    }
}

/// The parts of a [`ReadError`].
#[derive(Debug)]
pub struct ReadErrorDetail {
    /// What kind of problem it is.
    pub kind: ReadErrorKind,
    /// The file (or other source) being read, as the user named it.
    pub path: String,
    /// 1-based line number.
    pub line: Option<usize>,
    /// 1-based column, in characters, when the reader knows it (DOT).
    pub column: Option<usize>,
    /// 1-based block number, in a compact (`.taskscope`) file.
    pub block: Option<usize>,
    /// The record field that is wrong, when one is.
    pub field: Option<String>,
    /// What is wrong, in words, quoting the input where that helps.
    pub message: String,
    /// The graph error behind a [`ReadErrorKind::Graph`] error.
    pub graph: Option<GraphError>,
}

impl fmt::Display for ReadErrorDetail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.path)?;
        if let Some(block) = self.block {
            write!(f, ": block {block}")?;
        }
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(column) = self.column {
                write!(f, ":{column}")?;
            }
        }
        if let Some(field) = &self.field {
            write!(f, ": field `{field}`")?;
        }
        write!(f, ": {}", self.message)
    }
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for ReadError {}

impl ReadError {
    /// An error of `kind` in `path`, at `line` and `field` when known. Readers of
    /// other formats (Chrome JSON, DOT) make theirs here too, so that every reader's
    /// errors name file, line and field the same way.
    pub fn new(
        kind: ReadErrorKind,
        path: &str,
        line: Option<usize>,
        field: Option<&str>,
        message: String,
    ) -> Self {
        ReadError(Box::new(ReadErrorDetail {
            kind,
            path: path.to_string(),
            line,
            column: None,
            block: None,
            field: field.map(|f| cut(f.to_string())),
            message: cut(message),
            graph: None,
        }))
    }

    /// A [`ReadError`] at a line and column, for readers of text formats (DOT).
    pub fn at_column(
        kind: ReadErrorKind,
        path: &str,
        line: usize,
        column: usize,
        message: String,
    ) -> Self {
        let mut e = Self::new(kind, path, Some(line), None, message);
        e.column = Some(column);
        e
    }
}

/// How many characters of a message an error keeps: messages quote the input (keys,
/// values, a parser's view of a line), which may be a megabyte long.
const MAX_MESSAGE: usize = 1000;

/// `text` cut to [`MAX_MESSAGE`] characters, with `…` when cut.
fn cut(text: String) -> String {
    cut_after(text, MAX_MESSAGE)
}
