//! Order of the nodes within each layer: a depth-first initial order, then alternating
//! down and up barycenter sweeps, each followed by bounded passes of adjacent swaps
//! (Graphviz's "transpose"), keeping the order with the fewest crossings seen.

use super::layering::{Proper, Ranked};

/// Most passes of adjacent swaps after each sweep; each pass is linear in the edges.
const TRANSPOSE_PASSES: usize = 4;

/// Number of crossings between the edges joining two adjacent layers, each edge given
/// as (position in the upper layer, position in the lower layer). Edges that share an
/// end do not cross. O(E log V): edges sorted, then inversions counted with a Fenwick
/// tree (Barth, Jünger and Mutzel's accumulator tree).
///
/// ```
/// use taskscope_exporters::layout::count_crossings;
/// // An X, and a third edge that crosses one of its strokes.
/// assert_eq!(count_crossings(&[(0, 1), (1, 0)]), 1);
/// assert_eq!(count_crossings(&[(0, 1), (1, 0), (2, 0)]), 2);
/// assert_eq!(count_crossings(&[(0, 0), (0, 1), (1, 1)]), 0);
/// ```
pub fn count_crossings(edges: &[(usize, usize)]) -> usize {
    let mut sorted = edges.to_vec();
    sorted.sort_unstable();
    let seq: Vec<u32> = sorted.iter().map(|&(_, b)| b as u32).collect();
    let size = seq.iter().max().map_or(0, |&m| m as usize + 1);
    inversions(&seq, size, &mut Vec::new())
}

/// Pairs `i < j` with `seq[i] > seq[j]`, for values below `size`.
fn inversions(seq: &[u32], size: usize, tree: &mut Vec<u32>) -> usize {
    tree.clear();
    tree.resize(size + 1, 0);
    let mut count = 0;
    for (i, &x) in seq.iter().enumerate() {
        let mut j = x as usize + 1;
        let mut at_most_x = 0;
        while j > 0 {
            at_most_x += tree[j] as usize;
            j &= j - 1;
        }
        count += i - at_most_x;
        let mut j = x as usize + 1;
        while j <= size {
            tree[j] += 1;
            j += j & j.wrapping_neg();
        }
    }
    count
}

/// Buffers reused across layers and sweeps.
#[derive(Default)]
struct Scratch {
    keyed: Vec<(f64, u32, u32)>,
    seq: Vec<u32>,
    tree: Vec<u32>,
    left: Vec<u32>,
    right: Vec<u32>,
}

/// Orders the layers of `g` with `sweeps` barycenter sweeps; returns the nodes of each
/// layer from left to right and the number of crossings of that order.
pub(super) fn order(g: &Proper, sweeps: usize) -> (Vec<Vec<u32>>, usize) {
    let g = &Ranked::new(g, &initial(g));
    let mut layers: Vec<Vec<u32>> = (0..g.layer_count()).map(|l| g.layer(l).collect()).collect();
    let mut pos = vec![0u32; g.len()];
    for layer in &layers {
        for (i, &v) in layer.iter().enumerate() {
            pos[v as usize] = i as u32;
        }
    }
    let mut sc = Scratch::default();
    let mut best_crossings = total_crossings(g, &layers, &pos, &mut sc);
    let mut best = layers.clone();
    for s in 0..sweeps {
        if best_crossings == 0 {
            break;
        }
        sweep(g, &mut layers, &mut pos, s % 2 == 0, &mut sc);
        transpose(g, &mut layers, &mut pos, &mut sc);
        let c = total_crossings(g, &layers, &pos, &mut sc);
        if c < best_crossings {
            best_crossings = c;
            best.clone_from(&layers);
        }
    }
    for layer in &mut best {
        for v in layer.iter_mut() {
            *v = g.old[*v as usize];
        }
    }
    (best, best_crossings)
}

/// Depth-first order from the sources in index order: nodes reached from the same
/// source start out next to each other.
fn initial(g: &Proper) -> Vec<Vec<u32>> {
    let mut layers = vec![Vec::new(); g.layer_count];
    let mut seen = vec![false; g.len()];
    let mut stack = Vec::new();
    for root in 0..g.real as u32 {
        if seen[root as usize] || !g.up(root).is_empty() {
            continue;
        }
        seen[root as usize] = true;
        stack.push(root);
        while let Some(v) = stack.pop() {
            layers[g.layer[v as usize] as usize].push(v);
            for &w in g.down(v).iter().rev() {
                if !seen[w as usize] {
                    seen[w as usize] = true;
                    stack.push(w);
                }
            }
        }
    }
    layers
}

/// Crossings between all pairs of adjacent layers.
fn total_crossings(g: &Ranked, layers: &[Vec<u32>], pos: &[u32], sc: &mut Scratch) -> usize {
    let mut total = 0;
    for pair in layers.windows(2) {
        sc.seq.clear();
        for &v in &pair[0] {
            let start = sc.seq.len();
            sc.seq.extend(g.down(v).iter().map(|&w| pos[w as usize]));
            sc.seq[start..].sort_unstable();
        }
        total += inversions(&sc.seq, pair[1].len(), &mut sc.tree);
    }
    total
}

/// One barycenter sweep, downward (each layer ordered by its neighbors above) or upward.
fn sweep(g: &Ranked, layers: &mut [Vec<u32>], pos: &mut [u32], downward: bool, sc: &mut Scratch) {
    let count = layers.len();
    for k in 1..count {
        let l = if downward { k } else { count - 1 - k };
        let nbrs = |v: u32| if downward { g.up(v) } else { g.down(v) };
        let layer = &mut layers[l];
        sc.keyed.clear();
        for (i, &v) in layer.iter().enumerate() {
            let n = nbrs(v);
            if !n.is_empty() {
                let sum: u64 = n.iter().map(|&w| u64::from(pos[w as usize])).sum();
                sc.keyed.push((sum as f64 / n.len() as f64, i as u32, v));
            }
        }
        sc.keyed
            .sort_unstable_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        // Nodes without neighbors on that side keep their places.
        let mut next = sc.keyed.iter();
        for slot in layer.iter_mut() {
            if !nbrs(*slot).is_empty() {
                *slot = next.next().expect("one key per node with neighbors").2;
            }
        }
        for (i, &v) in layer.iter().enumerate() {
            pos[v as usize] = i as u32;
        }
    }
}

/// Swaps neighbors in a layer while that removes crossings, a few passes at most.
fn transpose(g: &Ranked, layers: &mut [Vec<u32>], pos: &mut [u32], sc: &mut Scratch) {
    for _ in 0..TRANSPOSE_PASSES {
        let mut improved = false;
        for layer in layers.iter_mut() {
            for i in 1..layer.len() {
                let (v, w) = (layer[i - 1], layer[i]);
                let (kept, swapped) = pair_crossings(g, v, w, pos, sc);
                if swapped < kept {
                    layer.swap(i - 1, i);
                    pos[v as usize] = i as u32;
                    pos[w as usize] = (i - 1) as u32;
                    improved = true;
                }
            }
        }
        if !improved {
            break;
        }
    }
}

/// Crossings among the edges of `v` and `w` with `v` left of `w`, and swapped.
fn pair_crossings(g: &Ranked, v: u32, w: u32, pos: &[u32], sc: &mut Scratch) -> (usize, usize) {
    let mut kept = 0;
    let mut swapped = 0;
    for side in [Ranked::up as fn(&Ranked, u32) -> &[u32], Ranked::down] {
        let (nv, nw) = (side(g, v), side(g, w));
        match (nv, nw) {
            ([], _) | (_, []) => continue,
            // Most pairs are dummies with one neighbor each.
            (&[a], &[b]) => {
                let (a, b) = (pos[a as usize], pos[b as usize]);
                kept += usize::from(a > b);
                swapped += usize::from(b > a);
                continue;
            }
            _ => {}
        }
        sorted_positions(nv, pos, &mut sc.left);
        sorted_positions(nw, pos, &mut sc.right);
        kept += pairs_above(&sc.left, &sc.right);
        swapped += pairs_above(&sc.right, &sc.left);
    }
    (kept, swapped)
}

fn sorted_positions(nodes: &[u32], pos: &[u32], out: &mut Vec<u32>) {
    out.clear();
    out.extend(nodes.iter().map(|&n| pos[n as usize]));
    out.sort_unstable();
}

/// Pairs `(x, y)`, `x` from `a` and `y` from `b` (both sorted), with `x > y`.
fn pairs_above(a: &[u32], b: &[u32]) -> usize {
    let mut j = 0;
    let mut count = 0;
    for &x in a {
        while j < b.len() && b[j] < x {
            j += 1;
        }
        count += j;
    }
    count
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn brute_force(edges: &[(usize, usize)]) -> usize {
        let mut count = 0;
        for (i, &(a, b)) in edges.iter().enumerate() {
            for &(c, d) in &edges[i + 1..] {
                if (a < c && b > d) || (a > c && b < d) {
                    count += 1;
                }
            }
        }
        count
    }

    proptest! {
        #[test]
        fn fenwick_count_matches_brute_force(
            edges in prop::collection::vec((0usize..12, 0usize..12), 0..60)
        ) {
            prop_assert_eq!(count_crossings(&edges), brute_force(&edges));
        }
    }

    #[test]
    fn sweeps_remove_the_crossing_of_the_depth_first_order() {
        // 0 -> 3, 1 -> 4, 2 -> 3: depth-first puts 2 right of 1, crossing 1 -> 4.
        let p = Proper::new(vec![0, 0, 0, 1, 1], &[(0, 3), (1, 4), (2, 3)]);
        let start = initial(&p);
        assert_eq!(start, vec![vec![0, 1, 2], vec![3, 4]]);
        // Renumbered in that order, ids and positions coincide.
        let r = Ranked::new(&p, &start);
        let pos = [0, 1, 2, 0, 1];
        let crossings = total_crossings(&r, &start, &pos, &mut Scratch::default());
        assert_eq!(crossings, 1);
        let (layers, crossings) = order(&p, 8);
        assert_eq!(crossings, 0);
        assert_eq!(layers, vec![vec![0, 2, 1], vec![3, 4]]);
    }

    #[test]
    fn pairs_above_counts_inversions_between_lists() {
        assert_eq!(pairs_above(&[1, 3], &[0, 2]), 3);
        assert_eq!(pairs_above(&[0], &[0]), 0);
    }
}
