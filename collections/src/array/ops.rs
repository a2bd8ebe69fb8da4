//! Elementwise operations: `+ - * /` between arrays (with broadcasting) and scalars,
//! and unary functions such as `sqrt`.

use std::ops;
use std::sync::Arc;

use super::{Array, ArrayError, block, block_value, grid};
use taskscope_core::Meta;
use taskscope_core::{Layer, TaskDef, TaskFn};
use taskscope_core::{block_key, token};

/// A binary elementwise operation, named like Python's `operator` functions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
}

impl BinOp {
    /// The group name Dask gives the layer (`add`, `sub`, `mul`, `truediv`).
    fn name(self) -> &'static str {
        match self {
            BinOp::Add => "add",
            BinOp::Sub => "sub",
            BinOp::Mul => "mul",
            BinOp::Div => "truediv",
        }
    }

    fn apply(self, a: f64, b: f64) -> f64 {
        match self {
            BinOp::Add => a + b,
            BinOp::Sub => a - b,
            BinOp::Mul => a * b,
            BinOp::Div => a / b,
        }
    }

    fn blocks(self, a: &super::Block, b: &super::Block) -> super::Block {
        match self {
            BinOp::Add => a + b,
            BinOp::Sub => a - b,
            BinOp::Mul => a * b,
            BinOp::Div => a / b,
        }
    }
}

/// One side of a binary operation.
#[derive(Clone, Copy)]
enum Operand<'a> {
    Array(&'a Array),
    Scalar(f64),
}

impl Operand<'_> {
    fn token_part(&self) -> String {
        match self {
            Operand::Array(a) => a.name.clone(),
            Operand::Scalar(s) => format!("scalar:{}", s.to_bits()),
        }
    }
}

/// Output shape and chunks of broadcasting `a` against `b` (NumPy's rules; an axis of
/// length 1 stretches, other axes must be chunked alike).
fn broadcast(a: &Array, b: &Array) -> Result<(Vec<usize>, Vec<Vec<usize>>), ArrayError> {
    let ndim = a.ndim().max(b.ndim());
    let pad = |x: &Array| -> (Vec<usize>, Vec<Vec<usize>>) {
        let extra = ndim - x.ndim();
        let mut shape = vec![1; extra];
        shape.extend_from_slice(&x.shape);
        let mut chunks = vec![vec![1]; extra];
        chunks.extend_from_slice(&x.chunks);
        (shape, chunks)
    };
    let (sa, ca) = pad(a);
    let (sb, cb) = pad(b);
    let mut shape = Vec::with_capacity(ndim);
    let mut chunks = Vec::with_capacity(ndim);
    for axis in 0..ndim {
        if sa[axis] == sb[axis] {
            if ca[axis] != cb[axis] {
                return Err(ArrayError::ChunksDiffer {
                    axis,
                    left: ca[axis].clone(),
                    right: cb[axis].clone(),
                });
            }
            shape.push(sa[axis]);
            chunks.push(ca[axis].clone());
        } else if sa[axis] == 1 {
            shape.push(sb[axis]);
            chunks.push(cb[axis].clone());
        } else if sb[axis] == 1 {
            shape.push(sa[axis]);
            chunks.push(ca[axis].clone());
        } else {
            return Err(ArrayError::ShapeMismatch {
                left: a.shape.clone(),
                right: b.shape.clone(),
            });
        }
    }
    Ok((shape, chunks))
}

/// The block of `x` that output block `out` reads: stretched axes stay at block 0.
fn source_block(x: &Array, out_shape: &[usize], out: &[usize]) -> Vec<usize> {
    let extra = out.len() - x.ndim();
    (0..x.ndim())
        .map(|a| {
            if x.shape[a] == 1 && out_shape[a + extra] != 1 {
                0
            } else {
                out[a + extra]
            }
        })
        .collect()
}

fn elementwise(op: BinOp, lhs: Operand<'_>, rhs: Operand<'_>) -> Result<Array, ArrayError> {
    let (shape, chunks) = match (lhs, rhs) {
        (Operand::Array(a), Operand::Array(b)) => broadcast(a, b)?,
        (Operand::Array(a), Operand::Scalar(_)) | (Operand::Scalar(_), Operand::Array(a)) => {
            (a.shape.clone(), a.chunks.clone())
        }
        (Operand::Scalar(_), Operand::Scalar(_)) => unreachable!("one side is an array"),
    };
    let name = format!(
        "{}-{}",
        op.name(),
        token([op.name(), &lhs.token_part(), &rhs.token_part()])
    );
    let numblocks: Vec<usize> = chunks.iter().map(Vec::len).collect();
    let tasks = grid(&numblocks)
        .into_iter()
        .map(|idx| {
            let mut inputs = Vec::with_capacity(2);
            for side in [lhs, rhs] {
                if let Operand::Array(x) = side {
                    inputs.push(block_key(&x.name, &source_block(x, &shape, &idx)));
                }
            }
            let func: TaskFn = match (lhs, rhs) {
                (Operand::Array(_), Operand::Array(_)) => {
                    Arc::new(move |xs| Ok(block_value(op.blocks(block(xs[0])?, block(xs[1])?))))
                }
                (Operand::Array(_), Operand::Scalar(s)) => {
                    Arc::new(move |xs| Ok(block_value(block(xs[0])?.mapv(|v| op.apply(v, s)))))
                }
                (Operand::Scalar(s), _) => {
                    Arc::new(move |xs| Ok(block_value(block(xs[0])?.mapv(|v| op.apply(s, v)))))
                }
            };
            TaskDef {
                key: block_key(&name, &idx),
                group: op.name().into(),
                op: op.name().into(),
                inputs,
                meta: Meta::new(),
                func,
            }
        })
        .collect();
    let mut deps = Vec::new();
    for side in [lhs, rhs] {
        if let Operand::Array(x) = side {
            deps.push(x.layer.clone());
        }
    }
    Ok(Array::from_layer(
        Layer { name, tasks, deps },
        op.name(),
        shape,
        chunks,
    ))
}

impl Array {
    /// `self + other` with broadcasting; an error when shapes or chunks do not fit.
    pub fn try_add(&self, other: &Array) -> Result<Array, ArrayError> {
        elementwise(BinOp::Add, Operand::Array(self), Operand::Array(other))
    }

    /// `self - other` with broadcasting.
    pub fn try_sub(&self, other: &Array) -> Result<Array, ArrayError> {
        elementwise(BinOp::Sub, Operand::Array(self), Operand::Array(other))
    }

    /// `self * other` with broadcasting.
    pub fn try_mul(&self, other: &Array) -> Result<Array, ArrayError> {
        elementwise(BinOp::Mul, Operand::Array(self), Operand::Array(other))
    }

    /// `self / other` with broadcasting.
    pub fn try_div(&self, other: &Array) -> Result<Array, ArrayError> {
        elementwise(BinOp::Div, Operand::Array(self), Operand::Array(other))
    }

    /// `self op scalar`, for the operators.
    fn scalar_op(&self, op: BinOp, scalar: f64) -> Array {
        elementwise(op, Operand::Array(self), Operand::Scalar(scalar))
            .expect("an array with a scalar always fits")
    }

    /// `scalar op self`, for the operators.
    fn scalar_op_left(&self, op: BinOp, scalar: f64) -> Array {
        elementwise(op, Operand::Scalar(scalar), Operand::Array(self))
            .expect("a scalar with an array always fits")
    }

    /// Applies `f` to every element; the layer's group is `name` (`sqrt`, `exp`, …).
    pub fn map_elements(&self, name: &str, f: fn(f64) -> f64) -> Array {
        let layer_name = format!("{name}-{}", token([name, &self.name]));
        let tasks = grid(&self.numblocks())
            .into_iter()
            .map(|idx| TaskDef {
                key: block_key(&layer_name, &idx),
                group: name.into(),
                op: name.into(),
                inputs: vec![block_key(&self.name, &idx)],
                meta: Meta::new(),
                func: Arc::new(move |xs| Ok(block_value(block(xs[0])?.mapv(f)))),
            })
            .collect();
        Array::from_layer(
            Layer {
                name: layer_name,
                tasks,
                deps: vec![self.layer.clone()],
            },
            name,
            self.shape.clone(),
            self.chunks.clone(),
        )
    }

    /// Square root of every element (Dask's `sqrt` layer).
    pub fn sqrt(&self) -> Array {
        self.map_elements("sqrt", f64::sqrt)
    }

    /// Absolute value of every element (Dask's `absolute` layer).
    pub fn abs(&self) -> Array {
        self.map_elements("absolute", f64::abs)
    }

    /// `e` to the power of every element (Dask's `exp` layer).
    pub fn exp(&self) -> Array {
        self.map_elements("exp", f64::exp)
    }
}

macro_rules! binary_operators {
    ($($trait:ident $method:ident $variant:ident $checked:ident;)*) => {$(
        /// Panics when the shapes cannot be broadcast or the chunks differ, like
        /// ndarray's operators; use the `try_` method to get the error instead.
        impl ops::$trait<&Array> for &Array {
            type Output = Array;
            fn $method(self, rhs: &Array) -> Array {
                self.$checked(rhs).unwrap_or_else(|e| panic!("{}: {e}", stringify!($method)))
            }
        }
        impl ops::$trait<Array> for Array {
            type Output = Array;
            fn $method(self, rhs: Array) -> Array { ops::$trait::$method(&self, &rhs) }
        }
        impl ops::$trait<&Array> for Array {
            type Output = Array;
            fn $method(self, rhs: &Array) -> Array { ops::$trait::$method(&self, rhs) }
        }
        impl ops::$trait<Array> for &Array {
            type Output = Array;
            fn $method(self, rhs: Array) -> Array { ops::$trait::$method(self, &rhs) }
        }
        impl ops::$trait<f64> for &Array {
            type Output = Array;
            fn $method(self, rhs: f64) -> Array { self.scalar_op(BinOp::$variant, rhs) }
        }
        impl ops::$trait<f64> for Array {
            type Output = Array;
            fn $method(self, rhs: f64) -> Array { self.scalar_op(BinOp::$variant, rhs) }
        }
        impl ops::$trait<&Array> for f64 {
            type Output = Array;
            fn $method(self, rhs: &Array) -> Array { rhs.scalar_op_left(BinOp::$variant, self) }
        }
        impl ops::$trait<Array> for f64 {
            type Output = Array;
            fn $method(self, rhs: Array) -> Array { rhs.scalar_op_left(BinOp::$variant, self) }
        }
    )*};
}

binary_operators! {
    Add add Add try_add;
    Sub sub Sub try_sub;
    Mul mul Mul try_mul;
    Div div Div try_div;
}
