//! Reductions (`sum mean var std min max`) as tree reductions, like `dask.array`:
//! a chunk step per block, then partial steps that combine up to `split_every` blocks
//! along each reduced axis (4 for one axis, 2 per axis for all axes of a 2-d array),
//! then one aggregate step.

use std::sync::Arc;

use ndarray::{Axis, Zip};

use super::{Array, ArrayError, Block, block, block_nbytes, block_value, grid};
use taskscope_core::Meta;
use taskscope_core::{Layer, SizeOf, TaskDef, TaskError, TaskFn, Value};
use taskscope_core::{block_key, token};

/// What a reduction computes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reduction {
    /// Sum of the elements.
    Sum,
    /// Arithmetic mean of the elements.
    Mean,
    /// Variance with `ddof` delta degrees of freedom (0 like NumPy's default).
    Var {
        /// Delta degrees of freedom: the divisor is `n - ddof`.
        ddof: u32,
    },
    /// Standard deviation: `sqrt` of the variance, a separate layer like Dask's.
    Std {
        /// Delta degrees of freedom: the divisor is `n - ddof`.
        ddof: u32,
    },
    /// Smallest element (NaN if any element is NaN).
    Min,
    /// Largest element (NaN if any element is NaN).
    Max,
}

impl Reduction {
    /// Group names of the chunk, partial and aggregate layers, as Dask names them.
    fn groups(self) -> [&'static str; 3] {
        match self {
            Reduction::Sum => ["sum", "sum-partial", "sum-aggregate"],
            Reduction::Mean => ["mean_chunk", "mean_combine-partial", "mean_agg-aggregate"],
            Reduction::Var { .. } | Reduction::Std { .. } => {
                ["var", "var-partial", "var-aggregate"]
            }
            Reduction::Min => ["chunk_min", "chunk_min-partial", "min-aggregate"],
            Reduction::Max => ["chunk_max", "chunk_max-partial", "max-aggregate"],
        }
    }
}

/// Partial result of a mean or variance: counts, sums and (for variance) sums of
/// squared deviations from the block mean.
#[derive(Clone, Debug)]
struct Moments {
    n: Block,
    total: Block,
    m2: Option<Block>,
}

impl SizeOf for Moments {
    fn size_of(&self) -> u64 {
        block_nbytes(&self.n) + block_nbytes(&self.total) + self.m2.as_ref().map_or(0, block_nbytes)
    }
}

/// Reduces `x` along `axes`, keeping them with length 1.
fn reduce_keep(x: &Block, axes: &[usize], f: impl Fn(&Block, Axis) -> Block) -> Block {
    let mut cur: Option<Block> = None;
    for &a in axes {
        let src = cur.as_ref().unwrap_or(x);
        cur = Some(f(src, Axis(a)).insert_axis(Axis(a)));
    }
    cur.unwrap_or_else(|| x.clone())
}

fn nan_min(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        f64::NAN
    } else {
        a.min(b)
    }
}

fn nan_max(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        f64::NAN
    } else {
        a.max(b)
    }
}

fn sum_keep(x: &Block, axes: &[usize]) -> Block {
    reduce_keep(x, axes, |b, ax| b.sum_axis(ax))
}

fn chunk(kind: Reduction, x: &Block, axes: &[usize]) -> Value {
    match kind {
        Reduction::Sum => block_value(sum_keep(x, axes)),
        Reduction::Min => block_value(reduce_keep(x, axes, |b, ax| {
            b.fold_axis(ax, f64::INFINITY, |&m, &v| nan_min(m, v))
        })),
        Reduction::Max => block_value(reduce_keep(x, axes, |b, ax| {
            b.fold_axis(ax, f64::NEG_INFINITY, |&m, &v| nan_max(m, v))
        })),
        Reduction::Mean | Reduction::Var { .. } | Reduction::Std { .. } => {
            let total = sum_keep(x, axes);
            let count: usize = axes.iter().map(|&a| x.shape()[a]).product();
            let n = Block::from_elem(total.raw_dim(), count as f64);
            let m2 = (kind != Reduction::Mean).then(|| {
                let mean = &total / &n;
                let dev = (x - &mean).mapv(|d| d * d);
                sum_keep(&dev, axes)
            });
            Value::new(Moments { n, total, m2 })
        }
    }
}

/// Merges partial results of the same shape into one.
fn combine(kind: Reduction, parts: &[&Value]) -> Result<Value, TaskError> {
    match kind {
        Reduction::Sum | Reduction::Min | Reduction::Max => {
            let mut acc = block(parts[0])?.clone();
            for p in &parts[1..] {
                let b = block(p)?;
                match kind {
                    Reduction::Sum => acc += b,
                    Reduction::Min => acc.zip_mut_with(b, |a, &v| *a = nan_min(*a, v)),
                    _ => acc.zip_mut_with(b, |a, &v| *a = nan_max(*a, v)),
                }
            }
            Ok(block_value(acc))
        }
        Reduction::Mean | Reduction::Var { .. } | Reduction::Std { .. } => {
            let ms = parts
                .iter()
                .map(|p| p.get::<Moments>())
                .collect::<Result<Vec<_>, _>>()?;
            let mut n = ms[0].n.clone();
            let mut total = ms[0].total.clone();
            for m in &ms[1..] {
                n += &m.n;
                total += &m.total;
            }
            let m2 = if kind == Reduction::Mean {
                None
            } else {
                // Chan et al.: M2 = sum(M2_i + n_i * (mean_i - mean)^2).
                let mean = &total / &n;
                let mut m2 = Block::zeros(n.raw_dim());
                for m in &ms {
                    let part = m.m2.as_ref().ok_or_else(|| {
                        TaskError::new("variance input lacks its squared deviations")
                    })?;
                    Zip::from(&mut m2)
                        .and(part)
                        .and(&m.n)
                        .and(&m.total)
                        .and(&mean)
                        .for_each(|acc, &p, &ni, &ti, &mu| {
                            let d = ti / ni - mu;
                            *acc += p + if ni > 0.0 { ni * d * d } else { 0.0 };
                        });
                }
                Some(m2)
            };
            Ok(Value::new(Moments { n, total, m2 }))
        }
    }
}

/// Combines, computes the final statistic and drops the reduced axes unless `keepdims`.
fn aggregate(
    kind: Reduction,
    parts: &[&Value],
    axes: &[usize],
    keepdims: bool,
) -> Result<Value, TaskError> {
    let combined = combine(kind, parts)?;
    let mut out = match kind {
        Reduction::Sum | Reduction::Min | Reduction::Max => block(&combined)?.clone(),
        Reduction::Mean => {
            let m = combined.get::<Moments>()?;
            &m.total / &m.n
        }
        Reduction::Var { ddof } | Reduction::Std { ddof } => {
            let m = combined.get::<Moments>()?;
            let m2 = m.m2.as_ref().expect("combine keeps M2 for variances");
            let denom = m.n.mapv(|n| (n - ddof as f64).max(0.0));
            m2 / &denom
        }
    };
    if !keepdims {
        for &a in axes.iter().rev() {
            out = out.remove_axis(Axis(a));
        }
    }
    Ok(block_value(out))
}

/// One level of blocks between steps of a reduction.
struct Level {
    name: String,
    numblocks: Vec<usize>,
    layer: Arc<Layer>,
}

impl Array {
    /// Reduces over one axis, or over all axes with `axis = None`, as a tree reduction.
    /// `keepdims` keeps reduced axes with length 1, for broadcasting against the input.
    pub fn reduce(
        &self,
        kind: Reduction,
        axis: Option<usize>,
        keepdims: bool,
    ) -> Result<Array, ArrayError> {
        let axes = self.reduced_axes(axis)?;
        if let Reduction::Std { ddof } = kind {
            return Ok(self.reduce(Reduction::Var { ddof }, axis, keepdims)?.sqrt());
        }
        // Dask: split_every = max(int(4 ** (1 / len(axes))), 2) per reduced axis.
        let split = ((4f64.powf(1.0 / axes.len().max(1) as f64)) as usize).max(2);
        let [_, partial_group, agg_group] = kind.groups();
        let axes_text = format!("{axes:?}");
        let split_text = split.to_string();

        let mut level = self.chunk_level(kind, &axes, &axes_text);
        for step in 0..tree_depth(&level.numblocks, &axes, split) - 1 {
            let name = format!(
                "{partial_group}-{}",
                token([
                    partial_group,
                    &level.name,
                    &axes_text,
                    &split_text,
                    &step.to_string()
                ])
            );
            let f: TaskFn = Arc::new(move |xs| combine(kind, xs));
            level = partial_reduce(&level, &axes, split, &name, partial_group, true, f);
        }
        let name = format!(
            "{agg_group}-{}",
            token([
                agg_group,
                &level.name,
                &axes_text,
                &split_text,
                &keepdims.to_string()
            ])
        );
        let agg_axes = axes.clone();
        let f: TaskFn = Arc::new(move |xs| aggregate(kind, xs, &agg_axes, keepdims));
        let last = partial_reduce(&level, &axes, split, &name, agg_group, keepdims, f);
        let (shape, chunks) = self.reduced_shape(&axes, keepdims);
        Ok(Array {
            name: last.name,
            op: agg_group.to_string(),
            shape,
            chunks,
            layer: last.layer,
        })
    }

    /// The axes `axis` reduces: that one, or all of them for `None`.
    fn reduced_axes(&self, axis: Option<usize>) -> Result<Vec<usize>, ArrayError> {
        match axis {
            None => Ok((0..self.ndim()).collect()),
            Some(a) if a < self.ndim() => Ok(vec![a]),
            Some(a) => Err(ArrayError::AxisOutOfRange {
                axis: a,
                ndim: self.ndim(),
            }),
        }
    }

    /// The first step of a reduction: one chunk task per block, reducing it alone.
    fn chunk_level(&self, kind: Reduction, axes: &[usize], axes_text: &str) -> Level {
        let [chunk_group, ..] = kind.groups();
        let chunk_name = format!(
            "{chunk_group}-{}",
            token([chunk_group, &self.name, axes_text, &format!("{kind:?}")])
        );
        let numblocks = self.numblocks();
        let tasks = grid(&numblocks)
            .into_iter()
            .map(|idx| {
                let axes = axes.to_vec();
                let func: TaskFn = Arc::new(move |xs| Ok(chunk(kind, block(xs[0])?, &axes)));
                TaskDef {
                    key: block_key(&chunk_name, &idx),
                    group: chunk_group.into(),
                    op: chunk_group.into(),
                    inputs: vec![block_key(&self.name, &idx)],
                    meta: Meta::new(),
                    func,
                }
            })
            .collect();
        Level {
            name: chunk_name.clone(),
            numblocks,
            layer: Arc::new(Layer {
                name: chunk_name,
                tasks,
                deps: vec![self.layer.clone()],
            }),
        }
    }

    /// The shape and chunks of the result of reducing `axes`.
    fn reduced_shape(&self, axes: &[usize], keepdims: bool) -> (Vec<usize>, Vec<Vec<usize>>) {
        let mut shape = Vec::new();
        let mut chunks = Vec::new();
        for a in 0..self.ndim() {
            if !axes.contains(&a) {
                shape.push(self.shape[a]);
                chunks.push(self.chunks[a].clone());
            } else if keepdims {
                shape.push(1);
                chunks.push(vec![1]);
            }
        }
        (shape, chunks)
    }

    /// Sum over `axis` (all axes with `None`). Panics if `axis` is out of range; see
    /// [`reduce`](Self::reduce) for the checked form.
    pub fn sum(&self, axis: Option<usize>, keepdims: bool) -> Array {
        self.reduce_or_panic(Reduction::Sum, axis, keepdims)
    }

    /// Mean over `axis` (all axes with `None`); panics like [`sum`](Self::sum).
    pub fn mean(&self, axis: Option<usize>, keepdims: bool) -> Array {
        self.reduce_or_panic(Reduction::Mean, axis, keepdims)
    }

    /// Population variance (`ddof = 0`).
    pub fn var(&self, axis: Option<usize>, keepdims: bool) -> Array {
        self.reduce_or_panic(Reduction::Var { ddof: 0 }, axis, keepdims)
    }

    /// Population standard deviation (`ddof = 0`).
    pub fn std(&self, axis: Option<usize>, keepdims: bool) -> Array {
        self.reduce_or_panic(Reduction::Std { ddof: 0 }, axis, keepdims)
    }

    /// Smallest element over `axis` (all axes with `None`); panics like [`sum`](Self::sum).
    pub fn min(&self, axis: Option<usize>, keepdims: bool) -> Array {
        self.reduce_or_panic(Reduction::Min, axis, keepdims)
    }

    /// Largest element over `axis` (all axes with `None`); panics like [`sum`](Self::sum).
    pub fn max(&self, axis: Option<usize>, keepdims: bool) -> Array {
        self.reduce_or_panic(Reduction::Max, axis, keepdims)
    }

    fn reduce_or_panic(&self, kind: Reduction, axis: Option<usize>, keepdims: bool) -> Array {
        self.reduce(kind, axis, keepdims)
            .unwrap_or_else(|e| panic!("{kind:?}: {e}"))
    }
}

/// How many levels a tree reduction of `numblocks` blocks over `axes` has, combining
/// `split` blocks at a time: Python's `max(1, ceil(log(n, split)))` over the reduced
/// axes, in floats.
fn tree_depth(numblocks: &[usize], axes: &[usize], split: usize) -> usize {
    let mut depth = 1usize;
    for &a in axes {
        let levels = ((numblocks[a] as f64).ln() / (split as f64).ln()).ceil();
        depth = depth.max(levels as usize);
    }
    depth
}

/// Combines groups of up to `split` blocks along each reduced axis into one block, like
/// Dask's `partial_reduce`. With `keepdims` false the reduced axes leave the keys.
fn partial_reduce(
    input: &Level,
    axes: &[usize],
    split: usize,
    name: &str,
    group: &str,
    keepdims: bool,
    func: TaskFn,
) -> Level {
    let parts: Vec<Vec<Vec<usize>>> = input
        .numblocks
        .iter()
        .enumerate()
        .map(|(a, &n)| {
            let size = if axes.contains(&a) { split } else { 1 };
            (0..n)
                .collect::<Vec<_>>()
                .chunks(size)
                .map(<[usize]>::to_vec)
                .collect()
        })
        .collect();
    let numblocks: Vec<usize> = parts.iter().map(Vec::len).collect();
    let tasks = grid(&numblocks)
        .into_iter()
        .map(|out| {
            let members: Vec<usize> = out
                .iter()
                .enumerate()
                .map(|(a, &o)| parts[a][o].len())
                .collect();
            let inputs = grid(&members)
                .into_iter()
                .map(|m| {
                    let src: Vec<usize> = m
                        .iter()
                        .enumerate()
                        .map(|(a, &j)| parts[a][out[a]][j])
                        .collect();
                    block_key(&input.name, &src)
                })
                .collect();
            let key_index = if keepdims {
                out.clone()
            } else {
                kept_axes(&out, axes)
            };
            TaskDef {
                key: block_key(name, &key_index),
                group: group.into(),
                op: group.into(),
                inputs,
                meta: Meta::new(),
                func: func.clone(),
            }
        })
        .collect();
    let numblocks = if keepdims {
        numblocks
    } else {
        kept_axes(&numblocks, axes)
    };
    Level {
        name: name.to_string(),
        numblocks,
        layer: Arc::new(Layer {
            name: name.to_string(),
            tasks,
            deps: vec![input.layer.clone()],
        }),
    }
}

/// The values of `per_axis` for the axes that are not in `axes` (the reduced ones).
fn kept_axes(per_axis: &[usize], axes: &[usize]) -> Vec<usize> {
    per_axis
        .iter()
        .enumerate()
        .filter(|(a, _)| !axes.contains(a))
        .map(|(_, &n)| n)
        .collect()
}
