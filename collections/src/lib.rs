//! taskscope-collections: the Dask tutorial's builders in Rust.
//!
//! Programs built here have the same task graphs as Dask builds for the same code (the
//! same keys, groups and edges), so graphs from both compare side by side:
//!
//! - [`array`]: chunked arrays over `ndarray` blocks, like `dask.array`;
//! - [`delayed`]: lazy function calls, like `dask.delayed`;
//! - [`synth`]: synthetic graphs of any size and shape, for benchmarks.
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
