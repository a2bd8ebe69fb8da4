//! taskscope-collections: the Dask tutorial's builders in Rust.
//!
//! Programs built here have the same task graphs as Dask builds for the same code (the
//! same keys, groups and edges), so graphs from both compare side by side:
//!
//! - [`array`](mod@array): chunked arrays over `ndarray` blocks, like `dask.array`: an
//!   [`Array`](array::Array) of [`Block`](array::Block)s with arithmetic and
//!   [`Reduction`](array::Reduction)s, [`normalize_chunks`](array::normalize_chunks),
//!   the tutorial's [`tutorial_normalization`](array::tutorial_normalization); what
//!   cannot be built is an [`ArrayError`](array::ArrayError);
//! - [`delayed`]: lazy function calls, like `dask.delayed`: a
//!   [`Delayed`](delayed::Delayed) value from [`call`](delayed::call),
//!   [`call1`](delayed::call1), [`try_call1`](delayed::try_call1),
//!   [`call2`](delayed::call2) or [`call_all`](delayed::call_all); the tutorial's
//!   [`tutorial`](delayed::tutorial);
//! - [`synth`]: synthetic graphs of any size and [`Shape`](synth::Shape), for
//!   benchmarks: [`program`](synth::program), its [`sinks`](synth::sinks), and
//!   [`check`](synth::check) of what they compute.
//!
//! ```
//! use taskscope_collections::array::Array;
//!
//! let x = Array::random(&[400, 400], &[100, 100], 1).unwrap();
//! let y = (&x - &x.mean(Some(1), true)) / x.std(Some(1), true);
//! let values = y.compute().unwrap();
//! assert_eq!(values.shape(), &[400, 400]);
//! ```

pub mod array;
pub mod delayed;
pub mod synth;
