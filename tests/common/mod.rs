//! What the end-to-end tests share: running the built `taskscope` binary.

// Each test file uses part of this.
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::{Command, Output};

/// Runs the built binary with `args` (no backtraces in its messages).
pub(crate) fn taskscope(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_taskscope"))
        .args(args)
        .env_remove("RUST_BACKTRACE")
        .output()
        .expect("the taskscope binary runs")
}

/// Output bytes as text.
pub(crate) fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A path in the repository, as a string for the command line.
pub(crate) fn repo(path: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join(path)
        .to_string_lossy()
        .into_owned()
}
