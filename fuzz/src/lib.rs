//! Fuzzing taskscope's readers on stable Rust.
//!
//! cargo-fuzz and libFuzzer need a nightly compiler; this crate does the same job on
//! stable: each [`Target`] is one reader, fed inputs made by mutating a seed corpus
//! (`fuzz/corpus/<target>/`) with byte flips, insertions, deletions, splices of lines
//! and of other inputs, dictionary tokens, huge numbers and deep nesting. An input
//! whose outcome (`Ok`, or the kind and shape of its error) was not seen before joins
//! the corpus, a cheap stand-in for coverage feedback. The runner ([`run`]) catches
//! panics, and a watchdog stops on an input that runs too long; the binary's counting
//! allocator ([`CountingAlloc`]) checks that no input allocates out of proportion to
//! its size. `docs/robustness.md` has the command and the figures.
//!
//! ```
//! use taskscope_fuzz::Target;
//!
//! // An outcome is `ok` with what was read, or the error's kind and message.
//! let outcome = Target::Trace.run(br#"{"type":"task","id":0,"key":"a"}"#);
//! assert!(outcome.starts_with("Format fuzz:1: not a taskscope file"), "{outcome}");
//! ```

pub mod mutate;
pub mod runner;
pub mod targets;

pub use mutate::Rng;
pub use runner::{CountingAlloc, Limits, Report, run};
pub use targets::Target;
