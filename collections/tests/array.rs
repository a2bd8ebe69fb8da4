//! Chunked arrays: the tutorial's graph matches Dask's, results match ndarray.

use std::collections::BTreeMap;

use ndarray::{ArrayD, Axis, IxDyn};
use proptest::prelude::*;
use taskscope_collections::array::{
    Array, ArrayError, Reduction, normalize_chunks, tutorial_normalization,
};
use taskscope_core::units::format_bytes;

/// Norm-wise relative error: max |a - b| / max |b|.
fn rel_err(a: &ArrayD<f64>, b: &ArrayD<f64>) -> f64 {
    assert_eq!(a.shape(), b.shape());
    let scale = b
        .iter()
        .fold(0.0f64, |m, v| m.max(v.abs()))
        .max(f64::MIN_POSITIVE);
    let diff = a
        .iter()
        .zip(b)
        .fold(0.0f64, |m, (x, y)| m.max((x - y).abs()));
    diff / scale
}

fn reference(x: &ArrayD<f64>, kind: Reduction, axis: Option<usize>, keepdims: bool) -> ArrayD<f64> {
    let axes: Vec<usize> = match axis {
        Some(a) => vec![a],
        None => (0..x.ndim()).collect(),
    };
    // Flatten the reduced axes to the back and reduce the last axis.
    let kept: Vec<usize> = (0..x.ndim()).filter(|a| !axes.contains(a)).collect();
    let perm: Vec<usize> = kept.iter().chain(&axes).copied().collect();
    let moved = x.view().permuted_axes(IxDyn(&perm)).to_owned();
    let kept_shape: Vec<usize> = kept.iter().map(|&a| x.shape()[a]).collect();
    let n: usize = axes.iter().map(|&a| x.shape()[a]).product();
    let mut flat_shape = kept_shape.clone();
    flat_shape.push(n);
    let flat = moved
        .as_standard_layout()
        .into_owned()
        .into_shape_with_order(IxDyn(&flat_shape))
        .unwrap();
    let last = Axis(kept_shape.len());
    let mut out = match kind {
        Reduction::Sum => flat.sum_axis(last),
        Reduction::Mean => flat.mean_axis(last).unwrap(),
        Reduction::Var { ddof } => flat.var_axis(last, ddof as f64),
        Reduction::Std { ddof } => flat.std_axis(last, ddof as f64),
        Reduction::Min => flat.fold_axis(last, f64::INFINITY, |m, v| m.min(*v)),
        Reduction::Max => flat.fold_axis(last, f64::NEG_INFINITY, |m, v| m.max(*v)),
    };
    if keepdims {
        for &a in &axes {
            out = out.insert_axis(Axis(a));
        }
    }
    out
}

#[test]
fn the_tutorial_normalization_builds_dasks_graph() {
    let (_, y) = tutorial_normalization(&[1000, 1000], &[100, 100], 0).unwrap();
    let p = y.program().unwrap();
    let g = p.graph();
    assert_eq!(g.len(), 590);
    assert_eq!(g.edge_count(), 870);
    assert_eq!(p.layer_count(), 10);
    let expected: BTreeMap<String, usize> = [
        ("random_sample", 100),
        ("mean_chunk", 100),
        ("mean_combine-partial", 30),
        ("mean_agg-aggregate", 10),
        ("var", 100),
        ("var-partial", 30),
        ("var-aggregate", 10),
        ("sqrt", 10),
        ("sub", 100),
        ("truediv", 100),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    assert_eq!(g.group_counts(), expected);
    assert_eq!(g.depth(), 6);
    assert_eq!(g.width(), 200);
    // Keys print like Dask's tuple keys.
    let key = g.task(g.topological_order()[0]).key();
    assert!(
        key.starts_with("('random_sample-") && key.ends_with(", 0, 0)"),
        "{key}"
    );
}

#[test]
fn the_normalization_has_row_mean_zero_and_row_std_one() {
    let (x, y) = tutorial_normalization(&[300, 200], &[100, 50], 7).unwrap();
    let xv = x.compute().unwrap();
    let yv = y.compute().unwrap();
    let mean = xv.mean_axis(Axis(1)).unwrap().insert_axis(Axis(1));
    let std = xv.std_axis(Axis(1), 0.0).insert_axis(Axis(1));
    let direct = (&xv - &mean) / &std;
    assert!(rel_err(&yv, &direct) <= 1e-12);
    for row in yv.rows() {
        assert!(row.mean().unwrap().abs() < 1e-12);
        assert!((row.std(0.0) - 1.0).abs() < 1e-12);
    }
}

#[test]
fn ragged_chunks_work() {
    assert_eq!(
        normalize_chunks(&[1000], &[300]).unwrap(),
        vec![vec![300, 300, 300, 100]]
    );
    let x = Array::random(&[1000, 1000], &[300, 300], 3).unwrap();
    assert_eq!(x.numblocks(), vec![4, 4]);
    let m = x.mean(Some(1), true);
    assert_eq!(m.shape(), &[1000, 1]);
    assert_eq!(m.chunks(), &[vec![300, 300, 300, 100], vec![1]]);
    let xv = x.compute().unwrap();
    assert!(
        rel_err(
            &m.compute().unwrap(),
            &reference(&xv, Reduction::Mean, Some(1), true)
        ) <= 1e-12
    );
    let total = x.sum(None, false).compute().unwrap();
    assert_eq!(total.shape(), &[] as &[usize]);
    assert!(rel_err(&total, &reference(&xv, Reduction::Sum, None, false)) <= 1e-12);
}

#[test]
fn tree_reductions_use_fan_in_four_along_one_axis_and_two_per_axis_for_all() {
    let x = Array::random(&[100, 1700], &[10, 100], 1).unwrap(); // 10 x 17 blocks
    // Along axis 1: 17 -> 5 -> 2 -> 1, that is two partial levels and an aggregate.
    let g = x.sum(Some(1), false).program().unwrap();
    let groups = g.graph().group_counts();
    assert_eq!(groups["sum"], 170);
    assert_eq!(groups["sum-partial"], 10 * 5 + 10 * 2);
    assert_eq!(groups["sum-aggregate"], 10);
    // All axes: 2 per axis: (10, 17) -> (5, 9) -> (3, 5) -> (2, 3) -> (1, 2) -> (1, 1).
    let g = x.sum(None, false).program().unwrap();
    let groups = g.graph().group_counts();
    assert_eq!(groups["sum-partial"], 45 + 15 + 6 + 2);
    assert_eq!(groups["sum-aggregate"], 1);
}

#[test]
fn broadcasting_a_reduction_without_keepdims() {
    let x = Array::random(&[60, 40], &[20, 10], 5).unwrap();
    let col_mean = x.mean(Some(0), false); // shape (40,), broadcasts as (1, 40)
    let y = &x - &col_mean;
    assert_eq!(y.shape(), &[60, 40]);
    let xv = x.compute().unwrap();
    let direct = &xv - &xv.mean_axis(Axis(0)).unwrap();
    assert!(rel_err(&y.compute().unwrap(), &direct) <= 1e-12);
}

#[test]
fn scalars_on_either_side() {
    let x = Array::random(&[30, 30], &[10, 10], 9).unwrap();
    let y = (2.0 * &x + 1.0) / 4.0 - 0.5;
    let z = 1.0 - &x;
    let xv = x.compute().unwrap();
    assert!(
        rel_err(
            &y.compute().unwrap(),
            &xv.mapv(|v| (2.0 * v + 1.0) / 4.0 - 0.5)
        ) <= 1e-15
    );
    assert!(rel_err(&z.compute().unwrap(), &xv.mapv(|v| 1.0 - v)) <= 1e-15);
    let groups = z.program().unwrap().graph().group_counts();
    assert_eq!(groups["sub"], 9);
}

#[test]
fn the_same_operand_twice_is_one_dependency() {
    let x = Array::random(&[20, 20], &[10, 10], 2).unwrap();
    let y = &x * &x;
    let g = y.program().unwrap();
    assert_eq!(g.graph().len(), 8);
    assert_eq!(g.graph().edge_count(), 4);
    let xv = x.compute().unwrap();
    assert!(rel_err(&y.compute().unwrap(), &(&xv * &xv)) <= 1e-15);
}

#[test]
fn random_is_deterministic_in_unit_interval_and_seed_dependent() {
    let a = Array::random(&[50, 50], &[20, 20], 11)
        .unwrap()
        .compute()
        .unwrap();
    let b = Array::random(&[50, 50], &[20, 20], 11)
        .unwrap()
        .compute()
        .unwrap();
    let c = Array::random(&[50, 50], &[20, 20], 12)
        .unwrap()
        .compute()
        .unwrap();
    assert_eq!(a, b);
    assert_ne!(a, c);
    assert!(a.iter().all(|v| (0.0..1.0).contains(v)));
    let mean = a.mean().unwrap();
    assert!((mean - 0.5).abs() < 0.05, "mean {mean}");
}

#[test]
fn from_ndarray_round_trips() {
    let data = ArrayD::from_shape_fn(IxDyn(&[7, 5]), |i| (i[0] * 10 + i[1]) as f64);
    let x = Array::from_ndarray(&data, &[3, 2]).unwrap();
    assert_eq!(x.compute().unwrap(), data);
    assert_eq!(x.max(None, false).compute().unwrap()[[]], 64.0);
    assert_eq!(
        x.min(Some(0), false)
            .compute()
            .unwrap()
            .iter()
            .copied()
            .collect::<Vec<_>>(),
        vec![0.0, 1.0, 2.0, 3.0, 4.0]
    );
}

#[test]
fn errors_are_typed() {
    assert_eq!(
        Array::random(&[10, 10], &[5], 0).unwrap_err(),
        ArrayError::RankMismatch {
            shape: 2,
            chunks: 1
        }
    );
    assert_eq!(
        Array::random(&[10, 0], &[5, 5], 0).unwrap_err(),
        ArrayError::EmptyAxis { axis: 1 }
    );
    assert_eq!(
        Array::random(&[10, 10], &[5, 0], 0).unwrap_err(),
        ArrayError::ZeroChunk { axis: 1 }
    );
    let x = Array::random(&[10, 10], &[5, 5], 0).unwrap();
    assert_eq!(
        x.reduce(Reduction::Sum, Some(2), false).unwrap_err(),
        ArrayError::AxisOutOfRange { axis: 2, ndim: 2 }
    );
    let y = Array::random(&[10, 10], &[10, 5], 0).unwrap();
    assert!(matches!(
        x.try_add(&y),
        Err(ArrayError::ChunksDiffer { axis: 0, .. })
    ));
    let z = Array::random(&[10, 3], &[5, 3], 0).unwrap();
    assert!(matches!(
        x.try_add(&z),
        Err(ArrayError::ShapeMismatch { .. })
    ));
}

#[test]
fn the_repr_shows_shape_chunks_bytes_tasks_and_layers() {
    let (_, y) = tutorial_normalization(&[1000, 1000], &[100, 100], 0).unwrap();
    assert_eq!(
        y.to_string(),
        "taskscope.array<truediv, shape=(1000, 1000), dtype=float64, chunksize=(100, 100), chunktype=ndarray>"
    );
    let table = format!("{y:#}");
    assert!(table.contains("7.63 MiB"), "{table}");
    assert!(table.contains("78.12 kiB"), "{table}");
    assert!(table.contains("(1000, 1000)"), "{table}");
    assert!(
        table.contains("100 chunks in 10 graph layers (590 tasks)"),
        "{table}"
    );
    assert!(table.contains("float64"), "{table}");
    let r = Array::random(&[1000], &[300], 0).unwrap();
    assert!(
        r.to_string()
            .contains("shape=(1000,), dtype=float64, chunksize=(300,)"),
        "{r}"
    );
}

#[test]
fn bytes_format_like_dask() {
    assert_eq!(format_bytes(8_000_000), "7.63 MiB");
    assert_eq!(format_bytes(80_000), "78.12 kiB");
    assert_eq!(format_bytes(800), "800 B");
    assert_eq!(format_bytes(1000), "0.98 kiB");
}

fn kinds() -> impl Strategy<Value = Reduction> {
    prop_oneof![
        Just(Reduction::Sum),
        Just(Reduction::Mean),
        (0u32..2).prop_map(|ddof| Reduction::Var { ddof }),
        (0u32..2).prop_map(|ddof| Reduction::Std { ddof }),
        Just(Reduction::Min),
        Just(Reduction::Max),
    ]
}

/// A 1-d or 2-d shape with a chunking for it.
fn shapes() -> impl Strategy<Value = (Vec<usize>, Vec<usize>)> {
    prop::collection::vec(2usize..60, 1..=2).prop_flat_map(|shape| {
        let chunks: Vec<_> = shape.iter().map(|&n| 1..=n).collect();
        (Just(shape), chunks)
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn reductions_match_ndarray(
        (shape, chunks) in shapes(),
        kind in kinds(),
        axis_pick in 0usize..3,
        keepdims: bool,
        seed: u64,
    ) {
        let x = Array::random(&shape, &chunks, seed).unwrap();
        let axis = if axis_pick < shape.len() { Some(axis_pick) } else { None };
        let lazy = x.reduce(kind, axis, keepdims).unwrap();
        let got = lazy.compute().unwrap();
        prop_assert_eq!(got.shape(), lazy.shape());
        let want = reference(&x.compute().unwrap(), kind, axis, keepdims);
        prop_assert!(rel_err(&got, &want) <= 1e-12, "{:?} axis {:?}: {}", kind, axis, rel_err(&got, &want));
    }

    #[test]
    fn normalization_matches_ndarray((shape, chunks) in shapes(), seed: u64) {
        let (x, y) = tutorial_normalization(&shape, &chunks, seed).unwrap();
        let xv = x.compute().unwrap();
        let axis = if shape.len() > 1 { 1 } else { 0 };
        let mean = xv.mean_axis(Axis(axis)).unwrap().insert_axis(Axis(axis));
        let std = xv.std_axis(Axis(axis), 0.0).insert_axis(Axis(axis));
        let direct = (&xv - &mean) / &std;
        prop_assert!(rel_err(&y.compute().unwrap(), &direct) <= 1e-12);
    }
}
