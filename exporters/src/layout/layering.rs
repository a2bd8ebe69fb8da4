//! From input edges to a proper layered graph: self-loops, repeats and bad indices set
//! aside, cycles broken by reversing DFS back edges, longest-path layers, and a chain
//! of dummy nodes on every edge that spans more than one layer.

/// What an input edge became.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum EdgeRole {
    /// An endpoint is not a node: routed as an empty polyline.
    Outside,
    /// `from == to`: drawn as a small loop beside the box.
    SelfLoop,
    /// Laid out as edge `index` of the acyclic edge list; `reversed` when that edge
    /// points the other way (a back edge of a cycle), so its polyline is turned round.
    Dag { index: u32, reversed: bool },
}

/// The input edges as an acyclic list without repeats, and the role of each input edge.
pub(super) struct Prepared {
    /// Acyclic edges `(from, to)`, sorted, without repeats or self-loops.
    pub(super) dag: Vec<(u32, u32)>,
    /// One entry per input edge.
    pub(super) roles: Vec<EdgeRole>,
}

/// Sorts and deduplicates `(from, to, tag)` triples; returns the unique pairs and, for
/// each tag, the index of its pair.
fn unique_pairs(mut keyed: Vec<(u32, u32, u32)>, tags: usize) -> (Vec<(u32, u32)>, Vec<u32>) {
    keyed.sort_unstable();
    let mut pairs: Vec<(u32, u32)> = Vec::with_capacity(keyed.len());
    let mut index_of = vec![u32::MAX; tags];
    for (a, b, tag) in keyed {
        if pairs.last() != Some(&(a, b)) {
            pairs.push((a, b));
        }
        index_of[tag as usize] = (pairs.len() - 1) as u32;
    }
    (pairs, index_of)
}

/// Compressed rows of a sorted edge list: the edges leaving `v` are
/// `start[v]..start[v + 1]`.
fn row_starts(n: usize, sorted: &[(u32, u32)]) -> Vec<u32> {
    let mut start = vec![0u32; n + 1];
    for &(a, _) in sorted {
        start[a as usize + 1] += 1;
    }
    for v in 0..n {
        start[v + 1] += start[v];
    }
    start
}

/// Marks the back edges of an iterative depth-first search that starts from nodes in
/// index order and follows edges in sorted order: reversing them leaves a DAG.
fn back_edges(n: usize, edges: &[(u32, u32)]) -> Vec<bool> {
    const NEW: u8 = 0;
    const OPEN: u8 = 1;
    const DONE: u8 = 2;
    let start = row_starts(n, edges);
    let mut state = vec![NEW; n];
    let mut back = vec![false; edges.len()];
    let mut stack: Vec<(u32, u32)> = Vec::new();
    for root in 0..n {
        if state[root] != NEW {
            continue;
        }
        state[root] = OPEN;
        stack.push((root as u32, start[root]));
        while let Some(top) = stack.last_mut() {
            let v = top.0 as usize;
            if top.1 < start[v + 1] {
                let e = top.1 as usize;
                top.1 += 1;
                let w = edges[e].1 as usize;
                match state[w] {
                    NEW => {
                        state[w] = OPEN;
                        stack.push((w as u32, start[w]));
                    }
                    OPEN => back[e] = true,
                    _ => {}
                }
            } else {
                state[v] = DONE;
                stack.pop();
            }
        }
    }
    back
}

/// Sets self-loops, repeats and edges to missing nodes aside and breaks cycles.
pub(super) fn prepare(n: usize, edges: &[(usize, usize)]) -> Prepared {
    let keyed: Vec<(u32, u32, u32)> = edges
        .iter()
        .enumerate()
        .filter(|&(_, &(a, b))| a < n && b < n && a != b)
        .map(|(i, &(a, b))| (a as u32, b as u32, i as u32))
        .collect();
    let (unique, unique_of) = unique_pairs(keyed, edges.len());
    let back = back_edges(n, &unique);
    // A reversed back edge may repeat an edge that already points that way.
    let oriented: Vec<(u32, u32, u32)> = unique
        .iter()
        .zip(&back)
        .enumerate()
        .map(|(k, (&(a, b), &rev))| {
            if rev {
                (b, a, k as u32)
            } else {
                (a, b, k as u32)
            }
        })
        .collect();
    let (dag, dag_of) = unique_pairs(oriented, unique.len());
    let roles = edges
        .iter()
        .enumerate()
        .map(|(i, &(a, b))| {
            if a >= n || b >= n {
                EdgeRole::Outside
            } else if a == b {
                EdgeRole::SelfLoop
            } else {
                let k = unique_of[i] as usize;
                EdgeRole::Dag {
                    index: dag_of[k],
                    reversed: back[k],
                }
            }
        })
        .collect();
    Prepared { dag, roles }
}

/// Layer of each of `n` nodes joined by acyclic `edges`: longest path from the sources,
/// then nodes with more edges out than in moved down next to their nearest dependent,
/// which shortens edges in total (a linear-time stand-in for network simplex).
pub(super) fn layers(n: usize, edges: &[(u32, u32)]) -> Vec<u32> {
    let mut out_start = vec![0u32; n + 1];
    let mut indegree = vec![0u32; n];
    for &(a, b) in edges {
        out_start[a as usize + 1] += 1;
        indegree[b as usize] += 1;
    }
    for v in 0..n {
        out_start[v + 1] += out_start[v];
    }
    let mut fill = out_start.clone();
    let mut out = vec![0u32; edges.len()];
    for &(a, b) in edges {
        out[fill[a as usize] as usize] = b;
        fill[a as usize] += 1;
    }
    let succ = |v: usize| &out[out_start[v] as usize..out_start[v + 1] as usize];

    // Kahn's order, ready nodes taken in index order.
    let mut missing = indegree.clone();
    let mut topo: Vec<u32> = (0..n as u32)
        .filter(|&v| missing[v as usize] == 0)
        .collect();
    let mut head = 0;
    while head < topo.len() {
        let v = topo[head] as usize;
        head += 1;
        for &w in succ(v) {
            missing[w as usize] -= 1;
            if missing[w as usize] == 0 {
                topo.push(w);
            }
        }
    }
    debug_assert_eq!(topo.len(), n, "edges must be acyclic");

    let mut layer = vec![0u32; n];
    for &v in &topo {
        let next = layer[v as usize] + 1;
        for &w in succ(v as usize) {
            layer[w as usize] = layer[w as usize].max(next);
        }
    }
    for &v in topo.iter().rev() {
        let v = v as usize;
        let s = succ(v);
        if s.len() > indegree[v] as usize {
            let lowest = s.iter().map(|&w| layer[w as usize]).min().unwrap_or(0);
            layer[v] = layer[v].max(lowest - 1);
        }
    }
    layer
}

/// A layered graph whose edges all join adjacent layers: real nodes `0..real`, then the
/// dummy nodes of long edges, each edge's dummies numbered consecutively.
pub(super) struct Proper {
    pub(super) real: usize,
    pub(super) layer: Vec<u32>,
    pub(super) layer_count: usize,
    /// Neighbors one layer down (`down`) and up (`up`).
    down: Rows,
    up: Rows,
    /// The dummies of edge `e` are `chain_start[e]..chain_start[e + 1]`.
    chain_start: Vec<u32>,
}

impl Proper {
    /// Splits every edge of `edges` (between nodes of `layer`) into unit-span segments.
    pub(super) fn new(mut layer: Vec<u32>, edges: &[(u32, u32)]) -> Proper {
        let real = layer.len();
        let layer_count = layer.iter().max().map_or(0, |&l| l as usize + 1);
        let mut chain_start = Vec::with_capacity(edges.len() + 1);
        let mut segments: Vec<(u32, u32)> = Vec::with_capacity(edges.len());
        for &(a, b) in edges {
            chain_start.push(layer.len() as u32);
            let (la, lb) = (layer[a as usize], layer[b as usize]);
            let mut prev = a;
            for l in la + 1..lb {
                let d = layer.len() as u32;
                layer.push(l);
                segments.push((prev, d));
                prev = d;
            }
            segments.push((prev, b));
        }
        chain_start.push(layer.len() as u32);
        let total = layer.len();
        let down = Rows::of_pairs(total, segments.iter().copied());
        let up = Rows::of_pairs(total, segments.iter().map(|&(a, b)| (b, a)));
        Proper {
            real,
            layer,
            layer_count,
            down,
            up,
            chain_start,
        }
    }

    /// Number of nodes, dummies included.
    pub(super) fn len(&self) -> usize {
        self.layer.len()
    }

    pub(super) fn is_dummy(&self, v: u32) -> bool {
        v as usize >= self.real
    }

    /// Neighbors one layer down, in the order their edges were given.
    #[inline]
    pub(super) fn down(&self, v: u32) -> &[u32] {
        self.down.of(v)
    }

    /// Neighbors one layer up.
    #[inline]
    pub(super) fn up(&self, v: u32) -> &[u32] {
        self.up.of(v)
    }

    /// The dummies of edge `e`, from its upper end to its lower end.
    pub(super) fn chain(&self, e: usize) -> std::ops::Range<u32> {
        self.chain_start[e]..self.chain_start[e + 1]
    }
}

/// The nodes of a [`Proper`] graph renumbered layer by layer in a given order, so that
/// each layer is a contiguous range of ids. The iterative steps (sweeps, placement) then
/// read their neighbors' data from the adjacent layers' ranges, not from all over memory:
/// on large graphs that makes them several times faster.
pub(super) struct Ranked {
    /// `Proper` id of every node.
    pub(super) old: Vec<u32>,
    real: usize,
    /// The nodes of layer `l` are `layer_start[l]..layer_start[l + 1]`.
    layer_start: Vec<u32>,
    down: Rows,
    up: Rows,
}

impl Ranked {
    /// Numbers the nodes of `g` in the order of `layers` (every node in one layer).
    pub(super) fn new(g: &Proper, layers: &[Vec<u32>]) -> Ranked {
        let n = g.len();
        let mut new_of = vec![0u32; n];
        let mut old = Vec::with_capacity(n);
        let mut layer_start = Vec::with_capacity(layers.len() + 1);
        for layer in layers {
            layer_start.push(old.len() as u32);
            for &v in layer {
                new_of[v as usize] = old.len() as u32;
                old.push(v);
            }
        }
        layer_start.push(old.len() as u32);
        let renumber = |side: fn(&Proper, u32) -> &[u32]| {
            let mut start = Vec::with_capacity(n + 1);
            let mut flat = Vec::with_capacity(g.down.flat.len());
            start.push(0);
            for &v in &old {
                flat.extend(side(g, v).iter().map(|&w| new_of[w as usize]));
                start.push(flat.len() as u32);
            }
            Rows { start, flat }
        };
        let down = renumber(Proper::down);
        let up = renumber(Proper::up);
        Ranked {
            old,
            real: g.real,
            layer_start,
            down,
            up,
        }
    }

    pub(super) fn len(&self) -> usize {
        self.old.len()
    }

    pub(super) fn layer_count(&self) -> usize {
        self.layer_start.len() - 1
    }

    /// The nodes of layer `l`, in order.
    pub(super) fn layer(&self, l: usize) -> std::ops::Range<u32> {
        self.layer_start[l]..self.layer_start[l + 1]
    }

    pub(super) fn is_dummy(&self, v: u32) -> bool {
        self.old[v as usize] as usize >= self.real
    }

    #[inline]
    pub(super) fn down(&self, v: u32) -> &[u32] {
        self.down.of(v)
    }

    #[inline]
    pub(super) fn up(&self, v: u32) -> &[u32] {
        self.up.of(v)
    }
}

/// Compressed rows of `pairs` grouped by their first element, in the given order.
/// Adjacency lists in compressed rows: the neighbors of `v` are
/// `flat[start[v]..start[v + 1]]`.
struct Rows {
    start: Vec<u32>,
    flat: Vec<u32>,
}

impl Rows {
    /// The rows of nodes `0..n` from `(node, neighbor)` pairs, each row in pair order.
    fn of_pairs(n: usize, pairs: impl Iterator<Item = (u32, u32)> + Clone) -> Rows {
        let mut start = vec![0u32; n + 1];
        for (a, _) in pairs.clone() {
            start[a as usize + 1] += 1;
        }
        for v in 0..n {
            start[v + 1] += start[v];
        }
        let mut fill = start.clone();
        let mut flat = vec![0u32; start[n] as usize];
        for (a, b) in pairs {
            flat[fill[a as usize] as usize] = b;
            fill[a as usize] += 1;
        }
        Rows { start, flat }
    }

    #[inline]
    fn of(&self, v: u32) -> &[u32] {
        let v = v as usize;
        &self.flat[self.start[v] as usize..self.start[v + 1] as usize]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cycles_are_broken_and_repeats_merged() {
        let p = prepare(3, &[(0, 1), (1, 2), (2, 0), (0, 1), (1, 1), (5, 0), (1, 0)]);
        assert_eq!(p.dag, vec![(0, 1), (0, 2), (1, 2)]);
        let dag = |index, reversed| EdgeRole::Dag { index, reversed };
        assert_eq!(
            p.roles,
            vec![
                dag(0, false),
                dag(2, false),
                dag(1, true),
                dag(0, false),
                EdgeRole::SelfLoop,
                EdgeRole::Outside,
                dag(0, true),
            ]
        );
    }

    #[test]
    fn longest_path_then_sources_move_down() {
        // 0 -> 1 -> 2 -> 3, and 4 -> 3: 4 moves down next to 3.
        let l = layers(5, &[(0, 1), (1, 2), (2, 3), (4, 3)]);
        assert_eq!(l, vec![0, 1, 2, 3, 2]);
        // A source stays when its nearest dependent is already right below it.
        let l = layers(4, &[(0, 1), (1, 2), (3, 2), (3, 1)]);
        assert_eq!(l, vec![0, 1, 2, 0]);
    }

    #[test]
    fn long_edges_get_dummy_chains() {
        let p = Proper::new(vec![0, 1, 3], &[(0, 1), (0, 2), (1, 2)]);
        assert_eq!((p.real, p.len(), p.layer_count), (3, 6, 4));
        assert_eq!(p.chain(0), 3..3);
        assert_eq!(p.chain(1), 3..5);
        assert_eq!(p.chain(2), 5..6);
        assert_eq!(p.down(0), &[1, 3]);
        assert_eq!(p.up(2), &[4, 5]);
        assert_eq!(&p.layer[3..], &[1, 2, 2]);
        assert!(p.is_dummy(3) && !p.is_dummy(2));
        let r = Ranked::new(&p, &[vec![0], vec![3, 1], vec![4, 5], vec![2]]);
        assert_eq!(r.old, vec![0, 3, 1, 4, 5, 2]);
        assert_eq!((r.layer_count(), r.layer(1), r.layer(3)), (4, 1..3, 5..6));
        assert_eq!(
            (r.down(0), r.up(5), r.up(4)),
            (&[2, 1][..], &[3, 4][..], &[2][..])
        );
        assert!(r.is_dummy(1) && !r.is_dummy(2));
    }
}
