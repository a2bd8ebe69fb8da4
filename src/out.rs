//! Printing results to stdout. A reader that goes away (`taskscope stats f | head`) ends
//! the program quietly instead of with a panic.

use std::fmt;
use std::io::{self, Write};

/// Writes formatted text to stdout; see [`outln!`](crate::outln).
pub(crate) fn write(args: fmt::Arguments<'_>) {
    let mut stdout = io::stdout().lock();
    if let Err(e) = stdout.write_fmt(args) {
        if e.kind() == io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        eprintln!("error: cannot write to stdout: {e}");
        std::process::exit(2);
    }
}

/// `println!` that survives a closed pipe.
#[macro_export]
macro_rules! outln {
    () => { $crate::out::write(format_args!("\n")) };
    ($($arg:tt)*) => { $crate::out::write(format_args!("{}\n", format_args!($($arg)*))) };
}

/// `print!` that survives a closed pipe.
#[macro_export]
macro_rules! out {
    ($($arg:tt)*) => { $crate::out::write(format_args!($($arg)*)) };
}

/// How a command prints its results.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Format {
    /// Aligned text for people.
    Text,
    /// One JSON object with sorted keys (schema in docs/stats-json.md).
    Json,
    /// GitHub-flavored Markdown tables, for pull-request comments.
    Markdown,
}
