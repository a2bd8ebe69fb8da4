//! Chunked arrays over ndarray blocks, building the same task graphs as `dask.array`.
//!
//! The tutorial's normalization, in Rust:
//!
//! ```
//! use taskscope_collections::array::Array;
//!
//! let x = Array::random(&[1000, 1000], &[100, 100], 42).unwrap();
//! let y = (&x - &x.mean(Some(1), true)) / x.std(Some(1), true);
//! let program = y.program().unwrap();
//! assert_eq!((program.graph().len(), program.graph().edge_count()), (590, 870));
//! println!("{y:#}"); // shape, dtype, chunks, bytes, tasks and layers, like Dask's repr
//! ```
//!
//! Every operation adds one layer of tasks, one task per output block, with keys like
//! Dask's (`('sub-<token>', i, j)`) and the same group names, so graphs built here and
//! by Dask compare side by side. Blocks are `ndarray::ArrayD<f64>`.

mod ops;
mod reduce;

use std::fmt;
use std::sync::Arc;

use ndarray::{ArrayD, IxDyn, SliceInfoElem};
use rand_core::{Rng, SeedableRng};
use taskscope_core::units::format_bytes;
use thiserror::Error;

use taskscope_core::Meta;
use taskscope_core::TaskId;
use taskscope_core::{
    ComputeError, ExecuteError, Executor, NoObserver, Observer, Outputs, Sequential,
};
use taskscope_core::{Layer, Program, TaskDef, TaskError, TaskFn, Value};
use taskscope_core::{block_key, token};

pub use reduce::Reduction;

/// A block of an array: what every array task returns.
pub type Block = ArrayD<f64>;

/// Why an array operation cannot be built.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ArrayError {
    /// The shape and the chunk sizes have different numbers of axes.
    #[error("shape has {shape} dimensions but chunks has {chunks}")]
    RankMismatch {
        /// Axes of the shape.
        shape: usize,
        /// Axes of the chunk sizes.
        chunks: usize,
    },
    /// An axis of the shape has length 0.
    #[error("axis {axis} has length 0; empty arrays are not supported")]
    EmptyAxis {
        /// The empty axis.
        axis: usize,
    },
    /// A chunk size is 0.
    #[error("chunk size of axis {axis} is 0; chunks must be at least 1")]
    ZeroChunk {
        /// The axis chunked by 0.
        axis: usize,
    },
    /// A reduction names an axis the array does not have.
    #[error("axis {axis} is out of range for an array of {ndim} dimensions")]
    AxisOutOfRange {
        /// The axis asked for.
        axis: usize,
        /// How many axes the array has.
        ndim: usize,
    },
    /// Two arrays' shapes do not broadcast against each other (NumPy's rules).
    #[error("shapes {left:?} and {right:?} cannot be broadcast together")]
    ShapeMismatch {
        /// The left operand's shape.
        left: Vec<usize>,
        /// The right operand's shape.
        right: Vec<usize>,
    },
    /// Two arrays' shapes fit but their blocks do not line up along an axis.
    #[error(
        "axis {axis} is chunked differently: {left:?} and {right:?} (rechunking is not supported)"
    )]
    ChunksDiffer {
        /// The axis whose chunks differ.
        axis: usize,
        /// The left operand's chunk sizes along it.
        left: Vec<usize>,
        /// The right operand's chunk sizes along it.
        right: Vec<usize>,
    },
}

/// A lazy, chunked array of `f64`: a grid of blocks, each computed by one task.
#[derive(Clone)]
pub struct Array {
    name: String,
    op: String,
    shape: Vec<usize>,
    chunks: Vec<Vec<usize>>,
    layer: Arc<Layer>,
}

/// Splits each axis of `shape` into chunks of the given size, the last one ragged:
/// 1000 in chunks of 300 is `[300, 300, 300, 100]`.
pub fn normalize_chunks(shape: &[usize], chunks: &[usize]) -> Result<Vec<Vec<usize>>, ArrayError> {
    if shape.len() != chunks.len() {
        return Err(ArrayError::RankMismatch {
            shape: shape.len(),
            chunks: chunks.len(),
        });
    }
    let mut out = Vec::with_capacity(shape.len());
    for (axis, (&n, &c)) in shape.iter().zip(chunks).enumerate() {
        if n == 0 {
            return Err(ArrayError::EmptyAxis { axis });
        }
        if c == 0 {
            return Err(ArrayError::ZeroChunk { axis });
        }
        let mut sizes = vec![c; n / c];
        if n % c != 0 {
            sizes.push(n % c);
        }
        out.push(sizes);
    }
    Ok(out)
}

/// Every index of a grid with `dims` cells per axis, in row-major order.
pub(crate) fn grid(dims: &[usize]) -> Vec<Vec<usize>> {
    let total: usize = dims.iter().product();
    let mut out = Vec::with_capacity(total);
    if total == 0 {
        return out;
    }
    let mut idx = vec![0usize; dims.len()];
    for _ in 0..total {
        out.push(idx.clone());
        for a in (0..dims.len()).rev() {
            idx[a] += 1;
            if idx[a] < dims[a] {
                break;
            }
            idx[a] = 0;
        }
    }
    out
}

/// A Python tuple of sizes: `(1000, 1000)`, `(1000,)`, `()`.
fn py_tuple(xs: &[usize]) -> String {
    match xs {
        [x] => format!("({x},)"),
        _ => format!(
            "({})",
            xs.iter()
                .map(|x| x.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

impl Array {
    /// Uniform random numbers in `[0, 1)`, like `da.random.random(shape, chunks=chunks)`.
    /// Each block has its own generator (PCG-64, seeded from `seed` and the block's
    /// position), so values do not depend on the order blocks are computed in.
    pub fn random(shape: &[usize], chunks: &[usize], seed: u64) -> Result<Array, ArrayError> {
        let chunks = normalize_chunks(shape, chunks)?;
        let tok = token([
            "random_sample",
            &format!("{shape:?}"),
            &format!("{chunks:?}"),
            &seed.to_string(),
        ]);
        Ok(Array::source(
            "random_sample",
            &tok,
            shape.to_vec(),
            chunks,
            |linear, block_shape, _| {
                let block_shape = block_shape.to_vec();
                let block_seed = seed ^ (linear as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
                Arc::new(move |_| {
                    let mut rng = rand_pcg::Pcg64Mcg::seed_from_u64(block_seed);
                    let scale = 1.0 / (1u64 << 53) as f64;
                    let block = ArrayD::from_shape_simple_fn(IxDyn(&block_shape), || {
                        (rng.next_u64() >> 11) as f64 * scale
                    });
                    Ok(block_value(block))
                })
            },
        ))
    }

    /// A chunked array holding the values of `data` (one task per block).
    pub fn from_ndarray(data: &ArrayD<f64>, chunks: &[usize]) -> Result<Array, ArrayError> {
        let shape = data.shape().to_vec();
        let chunks = normalize_chunks(&shape, chunks)?;
        let mut text = String::new();
        for v in data.iter() {
            text.push_str(&v.to_bits().to_string());
            text.push(',');
        }
        let tok = token([
            "array",
            &format!("{shape:?}"),
            &format!("{chunks:?}"),
            &text,
        ]);
        let offsets = offsets(&chunks);
        let layout = chunks.clone();
        Ok(Array::source("array", &tok, shape, chunks, |_, _, idx| {
            let block = data
                .slice(block_slice(&layout, &offsets, idx).as_slice())
                .to_owned();
            Arc::new(move |_| Ok(block_value(block.clone())))
        }))
    }

    /// An array whose blocks have no inputs: `code(linear index, block shape, block
    /// index)` gives the code of each block's task. The layer is `op-token`.
    fn source(
        op: &str,
        tok: &str,
        shape: Vec<usize>,
        chunks: Vec<Vec<usize>>,
        mut code: impl FnMut(usize, &[usize], &[usize]) -> TaskFn,
    ) -> Array {
        let name = format!("{op}-{tok}");
        let numblocks: Vec<usize> = chunks.iter().map(Vec::len).collect();
        let tasks = grid(&numblocks)
            .into_iter()
            .enumerate()
            .map(|(linear, idx)| {
                let block_shape: Vec<usize> =
                    idx.iter().enumerate().map(|(a, &i)| chunks[a][i]).collect();
                TaskDef {
                    key: block_key(&name, &idx),
                    group: op.into(),
                    op: op.into(),
                    inputs: Vec::new(),
                    meta: Meta::new(),
                    func: code(linear, &block_shape, &idx),
                }
            })
            .collect();
        let layer = Layer {
            name,
            tasks,
            deps: Vec::new(),
        };
        Array::from_layer(layer, op, shape, chunks)
    }

    /// The array whose blocks `layer` computes; `op` names it in its repr.
    fn from_layer(layer: Layer, op: &str, shape: Vec<usize>, chunks: Vec<Vec<usize>>) -> Array {
        Array {
            name: layer.name.clone(),
            op: op.to_string(),
            shape,
            chunks,
            layer: Arc::new(layer),
        }
    }

    /// Name of the array's layer: its keys are `(name, i, j, …)`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Length of each axis.
    pub fn shape(&self) -> &[usize] {
        &self.shape
    }

    /// Number of axes.
    pub fn ndim(&self) -> usize {
        self.shape.len()
    }

    /// Sizes of the chunks along each axis.
    pub fn chunks(&self) -> &[Vec<usize>] {
        &self.chunks
    }

    /// Number of blocks along each axis.
    pub fn numblocks(&self) -> Vec<usize> {
        self.chunks.iter().map(Vec::len).collect()
    }

    /// The largest chunk along each axis (Dask's `chunksize`).
    pub fn chunksize(&self) -> Vec<usize> {
        self.chunks
            .iter()
            .map(|c| c.iter().copied().max().unwrap_or(0))
            .collect()
    }

    /// Bytes of the whole array.
    pub fn nbytes(&self) -> u64 {
        self.shape.iter().product::<usize>() as u64 * 8
    }

    /// The layer of tasks producing this array's blocks.
    pub fn layer(&self) -> &Arc<Layer> {
        &self.layer
    }

    /// Keys of the blocks, in row-major order.
    pub fn keys(&self) -> Vec<String> {
        grid(&self.numblocks())
            .iter()
            .map(|idx| block_key(&self.name, idx))
            .collect()
    }

    /// The checked graph and code of every task this array needs.
    pub fn program(&self) -> Result<Program, taskscope_core::GraphError> {
        Program::from_layers(std::slice::from_ref(&self.layer))
    }

    /// Number of tasks in the array's graph and number of layers.
    pub fn graph_size(&self) -> (usize, usize) {
        let layers = self.layer.closure();
        (layers.iter().map(|l| l.tasks.len()).sum(), layers.len())
    }

    /// Computes the array on the sequential executor.
    pub fn compute(&self) -> Result<ArrayD<f64>, ComputeError> {
        self.compute_with(&Sequential, &NoObserver)
    }

    /// Computes the array on `executor` and assembles its blocks.
    pub fn compute_with(
        &self,
        executor: &dyn Executor,
        observer: &dyn Observer,
    ) -> Result<ArrayD<f64>, ComputeError> {
        let program = self.program()?;
        let targets = self.targets(&program);
        let outputs = executor.execute(&program, &targets, observer)?;
        Ok(self.assemble(&program, &outputs)?)
    }

    /// The tasks of this array's blocks in `program` (one built by
    /// [`program`](Self::program)), in row-major order.
    pub fn targets(&self, program: &Program) -> Vec<TaskId> {
        grid(&self.numblocks())
            .iter()
            .map(|idx| {
                program
                    .graph()
                    .id_of(&block_key(&self.name, idx))
                    .expect("an array's blocks are in its own program")
            })
            .collect()
    }

    /// Puts the blocks computed for [`targets`](Self::targets) together.
    pub fn assemble(
        &self,
        program: &Program,
        outputs: &Outputs,
    ) -> Result<ArrayD<f64>, ExecuteError> {
        let offsets = offsets(&self.chunks);
        let mut out = ArrayD::<f64>::zeros(IxDyn(&self.shape));
        for (idx, id) in grid(&self.numblocks()).iter().zip(self.targets(program)) {
            let key = || program.graph().task(id).key().to_string();
            let block = outputs
                .get(id)
                .ok_or_else(|| ExecuteError::TaskFailed {
                    key: key(),
                    message: "the run returned no value for this block".into(),
                })?
                .get::<Block>()
                .map_err(|e| ExecuteError::TaskFailed {
                    key: key(),
                    message: e.message,
                })?;
            out.slice_mut(block_slice(&self.chunks, &offsets, idx).as_slice())
                .assign(block);
        }
        Ok(out)
    }
}

/// Start of each chunk along each axis.
fn offsets(chunks: &[Vec<usize>]) -> Vec<Vec<usize>> {
    chunks
        .iter()
        .map(|c| {
            let mut at = 0;
            c.iter()
                .map(|&n| {
                    let start = at;
                    at += n;
                    start
                })
                .collect()
        })
        .collect()
}

fn block_slice(chunks: &[Vec<usize>], offsets: &[Vec<usize>], idx: &[usize]) -> Vec<SliceInfoElem> {
    idx.iter()
        .enumerate()
        .map(|(a, &i)| {
            let start = offsets[a][i] as isize;
            SliceInfoElem::Slice {
                start,
                end: Some(start + chunks[a][i] as isize),
                step: 1,
            }
        })
        .collect()
}

/// `{}` prints Dask's one-line repr; `{:#}` prints the table of Dask's notebook repr.
impl fmt::Display for Array {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shape = py_tuple(&self.shape);
        let chunksize = py_tuple(&self.chunksize());
        if !f.alternate() {
            return write!(
                f,
                "taskscope.array<{}, shape={shape}, dtype=float64, chunksize={chunksize}, chunktype=ndarray>",
                self.op
            );
        }
        let (tasks, layers) = self.graph_size();
        let blocks: usize = self.numblocks().iter().product();
        let chunk_bytes = self.chunksize().iter().product::<usize>() as u64 * 8;
        writeln!(f, "taskscope.array<{}>", self.op)?;
        writeln!(f, "{}Array{}Chunk", " ".repeat(14), " ".repeat(12))?;
        writeln!(
            f,
            "  {:<11} {:<16} {}",
            "Bytes",
            format_bytes(self.nbytes()),
            format_bytes(chunk_bytes)
        )?;
        writeln!(f, "  {:<11} {:<16} {}", "Shape", shape, chunksize)?;
        writeln!(
            f,
            "  {:<11} {} chunks in {} graph layers ({} tasks)",
            "Graph", blocks, layers, tasks
        )?;
        write!(f, "  {:<11} float64 ndarray", "Data type")
    }
}

impl fmt::Debug for Array {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// Reads a block input of a task.
pub(crate) fn block(v: &Value) -> Result<&Block, TaskError> {
    v.get::<Block>()
}

/// Bytes of a block's values, as Dask's `sizeof` counts an ndarray.
pub(crate) fn block_nbytes(b: &Block) -> u64 {
    (b.len() * std::mem::size_of::<f64>()) as u64
}

/// A block as a task's output, with its size.
pub(crate) fn block_value(b: Block) -> Value {
    let nbytes = block_nbytes(&b);
    Value::with_nbytes(b, nbytes)
}

/// The tutorial's normalization, `(x - x.mean(axis=1, keepdims=True)) /
/// x.std(axis=1, keepdims=True)`, of a random array.
pub fn tutorial_normalization(
    shape: &[usize],
    chunks: &[usize],
    seed: u64,
) -> Result<(Array, Array), ArrayError> {
    let x = Array::random(shape, chunks, seed)?;
    let axis = if shape.len() > 1 { Some(1) } else { Some(0) };
    let mean = x.reduce(Reduction::Mean, axis, true)?;
    let std = x.reduce(Reduction::Std { ddof: 0 }, axis, true)?;
    let y = x.try_sub(&mean)?.try_div(&std)?;
    Ok((x, y))
}
