//! Reading the files a user hands to taskscope, recognized by their content.
//!
//! ```
//! use taskscope_interop::input::{InputKind, sniff};
//!
//! assert_eq!(sniff(b"digraph G { a -> b }"), InputKind::Dot);
//! assert_eq!(sniff(br#"{"traceEvents": []}"#), InputKind::ChromeTrace);
//! ```

use std::io::Read;
use std::path::Path;

use taskscope_core::trace::{self, ReadError, ReadErrorKind, Trace};

/// What a file holds, judged from its first bytes.
#[derive(Debug, PartialEq, Eq)]
pub enum InputKind {
    /// A taskscope graph or trace: JSONL whose first line is a header naming the
    /// format, or the compact format's signature.
    Taskscope,
    /// A Graphviz DOT graph, Dask's drawings included.
    Dot,
    /// Chrome trace-event JSON, the object form or the array form.
    ChromeTrace,
    /// None of these: read as a taskscope file, whose reader says what is wrong.
    Unknown,
}

/// Looks at the start of a file to tell what it is, whatever its extension.
pub fn sniff(head: &[u8]) -> InputKind {
    if trace::TraceFormat::is_compact(head) {
        return InputKind::Taskscope;
    }
    let text = String::from_utf8_lossy(head);
    let start = text.trim_start_matches('\u{feff}').trim_start();
    let first_line = start.lines().next().unwrap_or("");
    if start.starts_with('{')
        && first_line.contains("\"format\"")
        && first_line.contains("\"taskscope\"")
    {
        InputKind::Taskscope
    } else if start.starts_with('[')
        || (start.starts_with('{') && start.contains("\"traceEvents\""))
    {
        // Chrome's object form may be pretty-printed or put other keys first
        // (PyTorch's profiler writes "schemaVersion" before "traceEvents").
        InputKind::ChromeTrace
    } else {
        // Skip DOT's comments: `/* ... */` blocks, `//` and `#` lines.
        let mut rest = start;
        while let Some(after) = rest.strip_prefix("/*") {
            rest = after
                .find("*/")
                .map_or("", |i| &after[i + 2..])
                .trim_start();
        }
        let first_word = rest
            .lines()
            .find(|l| !l.trim_start().starts_with("//") && !l.trim_start().starts_with('#'))
            .unwrap_or("")
            .split(|c: char| !c.is_alphanumeric())
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        if matches!(first_word.as_str(), "digraph" | "graph" | "strict") {
            InputKind::Dot
        } else {
            InputKind::Unknown
        }
    }
}

/// How to read inputs.
#[derive(Clone, Copy, Debug, Default)]
pub struct LoadOptions {
    /// Read Dask's DOT drawings node by node (a circle and a box per task) instead of
    /// one task per key.
    pub raw_dot: bool,
}

/// Reads any input taskscope knows, recognized by its content: a taskscope graph or
/// trace, Graphviz DOT (Dask's drawings included), or Chrome trace-event JSON.
pub fn load(path: &Path) -> Result<Trace, ReadError> {
    load_with(path, LoadOptions::default())
}

/// [`load`] with options.
pub fn load_with(path: &Path, options: LoadOptions) -> Result<Trace, ReadError> {
    let mut head = vec![0u8; HEAD];
    let shown = path.display().to_string();
    let n = std::fs::File::open(path)
        .and_then(|mut f| f.read(&mut head))
        .map_err(|e| {
            ReadError::new(
                ReadErrorKind::Io,
                &shown,
                None,
                None,
                format!("cannot read: {e}"),
            )
        })?;
    head.truncate(n);
    dispatch(&head, &shown, |kind| match kind {
        InputKind::Taskscope | InputKind::Unknown => trace::read(path),
        InputKind::Dot => crate::dot::read_dot(path, &dot_options(options)),
        InputKind::ChromeTrace => crate::chrome::read_chrome(path),
    })
}

/// [`load_with`] on bytes already in memory; `source` names them in errors.
///
/// ```
/// use taskscope_interop::input::{LoadOptions, parse};
///
/// let trace = parse(b"digraph { a -> b }", "stdin", LoadOptions::default()).unwrap();
/// assert_eq!(trace.graph.len(), 2);
/// assert!(parse(b"", "stdin", LoadOptions::default()).is_err());
/// ```
pub fn parse(bytes: &[u8], source: &str, options: LoadOptions) -> Result<Trace, ReadError> {
    let head = &bytes[..bytes.len().min(HEAD)];
    dispatch(head, source, |kind| match kind {
        InputKind::Taskscope | InputKind::Unknown => trace::parse(bytes, source),
        InputKind::Dot => crate::dot::parse_dot(bytes, source, &dot_options(options)),
        InputKind::ChromeTrace => crate::chrome::parse_chrome(bytes, source),
    })
}

/// All of the file at `path`, and the path as errors show it.
pub(crate) fn read_whole(path: &Path) -> Result<(Vec<u8>, String), ReadError> {
    let shown = path.display().to_string();
    match std::fs::read(path) {
        Ok(bytes) => Ok((bytes, shown)),
        Err(e) => Err(ReadError::new(
            ReadErrorKind::Io,
            &shown,
            None,
            None,
            e.to_string(),
        )),
    }
}

/// How many bytes [`sniff`] looks at.
const HEAD: usize = 4096;

fn dot_options(options: LoadOptions) -> crate::dot::DotReadOptions {
    crate::dot::DotReadOptions {
        raw: options.raw_dot,
    }
}

/// Sniffs `head` and reads with `read` the kind found; an empty input is an error.
fn dispatch(
    head: &[u8],
    source: &str,
    read: impl FnOnce(InputKind) -> Result<Trace, ReadError>,
) -> Result<Trace, ReadError> {
    match sniff(head) {
        InputKind::Unknown if head.is_empty() => Err(ReadError::new(
            ReadErrorKind::Format,
            source,
            None,
            None,
            "the file is empty".to_string(),
        )),
        kind => read(kind),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_are_told_apart_by_content() {
        let header = br#"{"type":"header","format":"taskscope","version":1}"#;
        assert_eq!(sniff(header), InputKind::Taskscope);
        assert_eq!(
            sniff(b"\xef\xbb\xbf  digraph G {\n a -> b }"),
            InputKind::Dot
        );
        assert_eq!(
            sniff(b"// made by hand\nstrict digraph { }"),
            InputKind::Dot
        );
        assert_eq!(
            sniff(b"/* made\n by hand */ /* twice */\ndigraph { }"),
            InputKind::Dot
        );
        assert_eq!(sniff(br#"{"traceEvents":[]}"#), InputKind::ChromeTrace);
        assert_eq!(sniff(br#"[{"ph":"X"}]"#), InputKind::ChromeTrace);
        assert_eq!(
            sniff(b"{\n  \"traceEvents\": []\n}"),
            InputKind::ChromeTrace
        );
        assert_eq!(
            sniff(br#"{"schemaVersion":1,"traceEvents":[]}"#),
            InputKind::ChromeTrace
        );
        assert_eq!(sniff(b"hello"), InputKind::Unknown);
    }
}
