//! Coordinates of ordered layers. Across the layers (`y`), each layer is a band as thick
//! as its tallest box. Along the layers (`x`), positions minimize the weighted sum of
//! squared horizontal edge lengths subject to the order and the gaps between boxes:
//! layer by layer, down then up, each layer's best positions given its neighbors are an
//! isotonic regression solved exactly by pool-adjacent-violators in linear time. Edges
//! between dummies weigh most, so long edges run straight; a node sits at the weighted
//! mean of its neighbors, so fans are balanced. Boxes never overlap by construction.

use std::ops::Range;

use super::layering::{Proper, Ranked};

/// Down-and-up passes over all layers; each pass is linear in nodes and edges.
const PASSES: usize = 8;

/// Weight of an edge segment by the kinds of its ends (Graphviz uses 1, 2 and 8 too).
fn weight(g: &Ranked, a: u32, b: u32) -> f64 {
    match (g.is_dummy(a), g.is_dummy(b)) {
        (false, false) => 1.0,
        (true, true) => 8.0,
        _ => 2.0,
    }
}

/// Extent of every node (dummies included) left and right of its center, and the gap
/// wanted between boxes; dummies keep half that from their neighbors.
pub(super) struct Extents<'a> {
    pub(super) left: &'a [f64],
    pub(super) right: &'a [f64],
    pub(super) gap: f64,
}

impl Extents<'_> {
    /// Smallest distance between the centers of neighbors `a` (left) and `b`.
    fn separation(&self, g: &Ranked, a: u32, b: u32) -> f64 {
        let gap = match (g.is_dummy(a), g.is_dummy(b)) {
            (false, false) => self.gap,
            (true, true) => self.gap / 4.0,
            _ => self.gap / 2.0,
        };
        self.right[a as usize] + gap + self.left[b as usize]
    }
}

/// Buffers reused across layers.
#[derive(Default)]
struct Scratch {
    /// Offset of each node from the layer's first when packed tight.
    offset: Vec<f64>,
    target: Vec<f64>,
    weight: Vec<f64>,
    /// Pools of pool-adjacent-violators: total weight, weighted sum, node count.
    pools: Vec<(f64, f64, usize)>,
}

/// The `x` of every node of `g`, with layers ordered as in `layers`.
pub(super) fn place_x(g: &Proper, layers: &[Vec<u32>], ext: &Extents) -> Vec<f64> {
    let r = Ranked::new(g, layers);
    let left: Vec<f64> = r.old.iter().map(|&v| ext.left[v as usize]).collect();
    let right: Vec<f64> = r.old.iter().map(|&v| ext.right[v as usize]).collect();
    let ext = Extents {
        left: &left,
        right: &right,
        gap: ext.gap,
    };
    let mut x = vec![0.0; r.len()];
    let mut sc = Scratch::default();
    for l in 0..r.layer_count() {
        let layer = r.layer(l);
        if layer.is_empty() {
            continue;
        }
        packed_offsets(&r, layer.clone(), &ext, &mut sc.offset);
        let (first, last) = (layer.start as usize, layer.end as usize - 1);
        let span = sc.offset[last - first] + right[last] + left[first];
        for (v, &o) in layer.zip(&sc.offset) {
            x[v as usize] = o - span / 2.0;
        }
    }
    let count = r.layer_count();
    for _ in 0..PASSES {
        for l in (0..count).chain((0..count).rev()) {
            balance(&r, r.layer(l), &ext, &mut x, &mut sc);
        }
    }
    let mut by_old = vec![0.0; r.len()];
    for (&v, &at) in r.old.iter().zip(&x) {
        by_old[v as usize] = at;
    }
    by_old
}

/// Offsets of the nodes of `layer` from the first one, packed as tight as the gaps allow.
fn packed_offsets(g: &Ranked, layer: Range<u32>, ext: &Extents, out: &mut Vec<f64>) {
    out.clear();
    let mut at = 0.0;
    for v in layer.clone() {
        if v > layer.start {
            at += ext.separation(g, v - 1, v);
        }
        out.push(at);
    }
}

/// Moves the nodes of `layer` to their best places given their neighbors' places.
fn balance(g: &Ranked, layer: Range<u32>, ext: &Extents, x: &mut [f64], sc: &mut Scratch) {
    packed_offsets(g, layer.clone(), ext, &mut sc.offset);
    sc.target.clear();
    sc.weight.clear();
    for v in layer.clone() {
        let (mut sum_w, mut sum_wx) = (0.0, 0.0);
        for &w in g.up(v).iter().chain(g.down(v)) {
            let k = weight(g, v, w);
            sum_w += k;
            sum_wx += k * x[w as usize];
        }
        if sum_w > 0.0 {
            sc.target.push(sum_wx / sum_w);
            sc.weight.push(sum_w);
        } else {
            // No neighbors: stay put, yielding to any node that has some.
            sc.target.push(x[v as usize]);
            sc.weight.push(1e-6);
        }
    }
    // With y_i = x_i - offset_i the gaps become y nondecreasing: isotonic regression.
    sc.pools.clear();
    for i in 0..layer.len() {
        let (w, t) = (sc.weight[i], sc.target[i] - sc.offset[i]);
        sc.pools.push((w, w * t, 1));
        while sc.pools.len() > 1 {
            let (w2, s2, n2) = sc.pools[sc.pools.len() - 1];
            let (w1, s1, n1) = sc.pools[sc.pools.len() - 2];
            if s1 / w1 <= s2 / w2 {
                break;
            }
            sc.pools.pop();
            *sc.pools.last_mut().expect("two pools") = (w1 + w2, s1 + s2, n1 + n2);
        }
    }
    let mut i = 0;
    for &(w, s, n) in &sc.pools {
        let y = s / w;
        for _ in 0..n {
            x[layer.start as usize + i] = y + sc.offset[i];
            i += 1;
        }
    }
}

/// The band `(top, bottom)` of every layer: as thick as its tallest real node,
/// `layer_gap` apart, the first starting at 0.
pub(super) fn bands(g: &Proper, height: &[f64], layer_gap: f64) -> Vec<(f64, f64)> {
    let mut thickness = vec![0.0f64; g.layer_count];
    for (&l, &h) in g.layer.iter().zip(&height[..g.real]) {
        thickness[l as usize] = thickness[l as usize].max(h);
    }
    let mut top = 0.0;
    thickness
        .iter()
        .map(|&t| {
            let band = (top, top + t);
            top += t + layer_gap;
            band
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_parent_centers_over_its_children_and_boxes_keep_apart() {
        // 0 over 1, 2, 3; boxes 10 wide, gap 5.
        let g = Proper::new(vec![0, 1, 1, 1], &[(0, 1), (0, 2), (0, 3)]);
        let half = [5.0; 4];
        let ext = Extents {
            left: &half,
            right: &half,
            gap: 5.0,
        };
        let x = place_x(&g, &[vec![0], vec![1, 2, 3]], &ext);
        assert!((x[2] - x[1] - 15.0).abs() < 1e-9 && (x[3] - x[2] - 15.0).abs() < 1e-9);
        assert!((x[0] - x[2]).abs() < 1e-9);
    }

    #[test]
    fn long_edges_run_straight() {
        // 0 -> 1 -> 2 -> 3 beside 0 -> 3: the long edge's two dummies line up.
        let g = Proper::new(vec![0, 1, 2, 3], &[(0, 1), (1, 2), (2, 3), (0, 3)]);
        let mut half = vec![5.0; 4];
        half.extend([0.0, 0.0]);
        let ext = Extents {
            left: &half,
            right: &half,
            gap: 10.0,
        };
        let x = place_x(&g, &[vec![0], vec![1, 4], vec![2, 5], vec![3]], &ext);
        assert!((x[4] - x[5]).abs() < 1e-4, "{x:?}");
        assert!(x[4] - x[1] >= 10.0 - 1e-9);
    }

    #[test]
    fn bands_follow_the_tallest_box() {
        let g = Proper::new(vec![0, 1, 1], &[(0, 1), (0, 2)]);
        assert_eq!(
            bands(&g, &[10.0, 20.0, 30.0], 5.0),
            vec![(0.0, 10.0), (15.0, 45.0)]
        );
    }
}
