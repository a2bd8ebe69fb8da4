//! Ordering the nodes within layers to reduce crossings: an initial depth-first order,
//! then alternating barycenter sweeps, keeping the best order seen.

use super::Slot;

/// Adjacency in compressed rows.
pub(crate) struct Adjacency {
    start: Vec<usize>,
    list: Vec<usize>,
}

impl Adjacency {
    pub(crate) fn new(n: usize, pairs: impl Iterator<Item = (usize, usize)> + Clone) -> Adjacency {
        let mut start = vec![0usize; n + 1];
        for (a, _) in pairs.clone() {
            start[a + 1] += 1;
        }
        for i in 0..n {
            start[i + 1] += start[i];
        }
        let mut fill = start.clone();
        let mut list = vec![0usize; start[n]];
        for (a, b) in pairs {
            list[fill[a]] = b;
            fill[a] += 1;
        }
        Adjacency { start, list }
    }

    pub(crate) fn of(&self, v: usize) -> &[usize] {
        &self.list[self.start[v]..self.start[v + 1]]
    }
}

/// Crossings between two adjacent layers: edges sorted by their upper end, then
/// inversions among their lower ends, counted with a Fenwick tree.
fn crossings_between(upper: &[usize], down: &Adjacency, pos: &[usize], lower_len: usize) -> usize {
    let mut ends: Vec<usize> = Vec::new();
    for &u in upper {
        let start = ends.len();
        ends.extend(down.of(u).iter().map(|&v| pos[v]));
        ends[start..].sort_unstable();
    }
    let mut tree = vec![0usize; lower_len + 1];
    let mut crossings = 0usize;
    for (seen, &p) in ends.iter().enumerate() {
        // Edges seen so far whose lower end is right of p cross this one.
        let mut i = p + 1;
        let mut not_right = 0;
        while i > 0 {
            not_right += tree[i];
            i &= i - 1;
        }
        crossings += seen - not_right;
        let mut i = p + 1;
        while i <= lower_len {
            tree[i] += 1;
            i += i & i.wrapping_neg();
        }
    }
    crossings
}

/// Total crossings of an ordering.
pub(crate) fn count(rows: &[Vec<usize>], down: &Adjacency, pos: &[usize]) -> usize {
    rows.windows(2)
        .map(|w| crossings_between(&w[0], down, pos, w[1].len()))
        .sum()
}

/// Orders every layer; returns the rows (slots left to right) and their crossings.
pub(crate) fn order(
    slots: &[Slot],
    edges: &[(usize, usize)],
    layers: usize,
    sweeps: usize,
) -> (Vec<Vec<usize>>, usize) {
    let n = slots.len();
    let mut down = Adjacency::new(n, edges.iter().copied());
    let up = Adjacency::new(n, edges.iter().map(|&(a, b)| (b, a)));
    // Depth-first from the sources, in index order: related nodes start close.
    let mut rows: Vec<Vec<usize>> = vec![Vec::new(); layers];
    let mut seen = vec![false; n];
    for s in 0..n {
        if seen[s] || !up.of(s).is_empty() {
            continue;
        }
        let mut stack = vec![s];
        seen[s] = true;
        while let Some(v) = stack.pop() {
            rows[slots[v].layer].push(v);
            for &w in down.of(v).iter().rev() {
                if !seen[w] {
                    seen[w] = true;
                    stack.push(w);
                }
            }
        }
    }
    for v in 0..n {
        if !seen[v] {
            rows[slots[v].layer].push(v);
        }
    }
    let mut pos = vec![0usize; n];
    let index = |rows: &[Vec<usize>], pos: &mut [usize]| {
        for row in rows {
            for (i, &v) in row.iter().enumerate() {
                pos[v] = i;
            }
        }
    };
    index(&rows, &mut pos);
    // Keep the children of each node in their order, for the count.
    sort_adjacency(&mut down, &pos);
    let mut best = count(&rows, &down, &pos);
    let mut best_rows = rows.clone();
    let mut keys: Vec<(f64, usize, usize)> = Vec::new();
    for sweep in 0..sweeps {
        if best == 0 {
            break;
        }
        let going_down = sweep % 2 == 0;
        let layer_order: Vec<usize> = if going_down {
            (1..layers).collect()
        } else {
            (0..layers.saturating_sub(1)).rev().collect()
        };
        for l in layer_order {
            let adj = if going_down { &up } else { &down };
            keys.clear();
            for &v in &rows[l] {
                let ns = adj.of(v);
                let bary = if ns.is_empty() {
                    pos[v] as f64
                } else {
                    ns.iter().map(|&u| pos[u] as f64).sum::<f64>() / ns.len() as f64
                };
                keys.push((bary, pos[v], v));
            }
            keys.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            for (i, &(_, _, v)) in keys.iter().enumerate() {
                rows[l][i] = v;
                pos[v] = i;
            }
        }
        transpose(&mut rows, &mut pos, &up, &down);
        sort_adjacency(&mut down, &pos);
        let c = count(&rows, &down, &pos);
        if c < best {
            best = c;
            best_rows = rows.clone();
        }
    }
    (best_rows, best)
}

/// Crossings among the edges of `u` and of `v` (u left of v) to one neighbor layer.
fn pair_crossings(u: &[usize], v: &[usize], pos: &[usize]) -> usize {
    let mut c = 0;
    for &a in u {
        for &b in v {
            if pos[a] > pos[b] {
                c += 1;
            }
        }
    }
    c
}

/// Graphviz's `transpose`: swaps neighbors in a layer while that removes crossings
/// with the layers above and below. A few passes; pairs of very high degree skipped.
fn transpose(rows: &mut [Vec<usize>], pos: &mut [usize], up: &Adjacency, down: &Adjacency) {
    for _ in 0..4 {
        let mut improved = false;
        for row in rows.iter_mut() {
            for i in 0..row.len().saturating_sub(1) {
                let (u, v) = (row[i], row[i + 1]);
                let (uu, ud, vu, vd) = (up.of(u), down.of(u), up.of(v), down.of(v));
                if (uu.len() + ud.len()) * (vu.len() + vd.len()) > 4096 {
                    continue;
                }
                let now = pair_crossings(uu, vu, pos) + pair_crossings(ud, vd, pos);
                let swapped = pair_crossings(vu, uu, pos) + pair_crossings(vd, ud, pos);
                if swapped < now {
                    row.swap(i, i + 1);
                    pos[u] = i + 1;
                    pos[v] = i;
                    improved = true;
                }
            }
        }
        if !improved {
            break;
        }
    }
}

fn sort_adjacency(adj: &mut Adjacency, pos: &[usize]) {
    for v in 0..adj.start.len() - 1 {
        let (a, b) = (adj.start[v], adj.start[v + 1]);
        adj.list[a..b].sort_unstable_by_key(|&w| pos[w]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crossings_are_counted_exactly() {
        // Upper a b, lower c d; a-d and b-c cross once; a-c b-d do not cross.
        let down = Adjacency::new(4, [(0, 3), (1, 2)].into_iter());
        let pos = [0, 1, 0, 1];
        assert_eq!(crossings_between(&[0, 1], &down, &pos, 2), 1);
        let down = Adjacency::new(4, [(0, 2), (1, 3)].into_iter());
        assert_eq!(crossings_between(&[0, 1], &down, &pos, 2), 0);
        // K(2,2) complete: one crossing.
        let down = Adjacency::new(4, [(0, 2), (0, 3), (1, 2), (1, 3)].into_iter());
        assert_eq!(crossings_between(&[0, 1], &down, &pos, 2), 1);
    }

    #[test]
    fn sweeps_untangle_a_twisted_ladder() {
        // Layer 0: 0 1 2; layer 1: 3 4 5 with 0-5, 1-4, 2-3: three crossings.
        let slots: Vec<Slot> = (0..6)
            .map(|i| Slot {
                layer: i / 3,
                breadth: 10.0,
            })
            .collect();
        let (rows, crossings) = order(&slots, &[(0, 5), (1, 4), (2, 3)], 2, 8);
        assert_eq!(crossings, 0, "{rows:?}");
    }
}
