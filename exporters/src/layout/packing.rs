//! Weakly connected components, laid out one by one, then packed on shelves into a
//! near-square drawing (Dask's array graphs have one component per row of chunks).

/// The weakly connected components of a graph, numbered by their smallest node.
pub(super) struct Components {
    node_start: Vec<u32>,
    nodes: Vec<u32>,
    edge_start: Vec<u32>,
    edges: Vec<u32>,
    /// Index of every node within its component's node list.
    pub(super) local: Vec<u32>,
}

impl Components {
    pub(super) fn len(&self) -> usize {
        self.node_start.len() - 1
    }

    /// Nodes of component `c`, ascending.
    pub(super) fn nodes(&self, c: usize) -> &[u32] {
        &self.nodes[self.node_start[c] as usize..self.node_start[c + 1] as usize]
    }

    /// Indices of the edges of component `c`, ascending.
    pub(super) fn edges(&self, c: usize) -> &[u32] {
        &self.edges[self.edge_start[c] as usize..self.edge_start[c + 1] as usize]
    }
}

fn find(parent: &mut [u32], mut v: u32) -> u32 {
    while parent[v as usize] != v {
        let up = parent[parent[v as usize] as usize];
        parent[v as usize] = up;
        v = up;
    }
    v
}

/// Groups the `n` nodes and the `edges` between them into weakly connected components.
pub(super) fn components(n: usize, edges: &[(u32, u32)]) -> Components {
    let mut parent: Vec<u32> = (0..n as u32).collect();
    for &(a, b) in edges {
        let (ra, rb) = (find(&mut parent, a), find(&mut parent, b));
        // The smaller root wins, so roots are the smallest nodes.
        parent[ra.max(rb) as usize] = ra.min(rb);
    }
    let mut id = vec![u32::MAX; n];
    let mut count = 0u32;
    let mut of_node = vec![0u32; n];
    for (v, of) in of_node.iter_mut().enumerate() {
        let r = find(&mut parent, v as u32) as usize;
        if id[r] == u32::MAX {
            id[r] = count;
            count += 1;
        }
        *of = id[r];
    }
    let (node_start, nodes) = group(count as usize, of_node.iter().copied());
    let (edge_start, edges) = group(
        count as usize,
        edges.iter().map(|&(a, _)| of_node[a as usize]),
    );
    let mut local = vec![0u32; n];
    for c in 0..count as usize {
        for (i, &v) in nodes[node_start[c] as usize..node_start[c + 1] as usize]
            .iter()
            .enumerate()
        {
            local[v as usize] = i as u32;
        }
    }
    Components {
        node_start,
        nodes,
        edge_start,
        edges,
        local,
    }
}

/// Indices `0..` grouped by their key (`keys` yields one key per index), ascending in
/// each group: a counting sort.
fn group(groups: usize, keys: impl Iterator<Item = u32> + Clone) -> (Vec<u32>, Vec<u32>) {
    let mut start = vec![0u32; groups + 1];
    for k in keys.clone() {
        start[k as usize + 1] += 1;
    }
    for c in 0..groups {
        start[c + 1] += start[c];
    }
    let mut fill = start.clone();
    let mut flat = vec![0u32; start[groups] as usize];
    for (i, k) in keys.enumerate() {
        flat[fill[k as usize] as usize] = i as u32;
        fill[k as usize] += 1;
    }
    (start, flat)
}

/// Shelf widths tried between the widest box and one row of everything.
const TRIES: usize = 32;

/// Places boxes of `sizes` (width, height) `gap` apart on shelves, tallest first (ties
/// in index order), choosing among several shelf widths the one whose drawing has the
/// shortest longer side: the squarest and smallest. Returns each box's top-left
/// corner and the size of the whole.
pub(super) fn pack(sizes: &[(f64, f64)], gap: f64) -> (Vec<(f64, f64)>, f64, f64) {
    let mut by_height: Vec<u32> = (0..sizes.len() as u32).collect();
    by_height.sort_by(|&a, &b| sizes[b as usize].1.total_cmp(&sizes[a as usize].1));
    let widest = sizes.iter().map(|s| s.0).fold(0.0, f64::max);
    let row = sizes.iter().map(|s| s.0 + gap).sum::<f64>() - gap;
    let mut best: Option<(f64, f64, f64)> = None;
    for k in 0..TRIES {
        // Geometric steps from the widest box to a single row.
        let limit =
            widest * (row.max(widest) / widest.max(1e-9)).powf(k as f64 / (TRIES - 1) as f64);
        let (w, h) = shelves(sizes, &by_height, gap, limit, None);
        let better = match best {
            None => true,
            Some((_, bw, bh)) => {
                w.max(h) < bw.max(bh) || (w.max(h) == bw.max(bh) && w * h < bw * bh)
            }
        };
        if better {
            best = Some((limit, w, h));
        }
    }
    let mut corners = vec![(0.0, 0.0); sizes.len()];
    let limit = best.map_or(0.0, |b| b.0);
    let (w, h) = shelves(sizes, &by_height, gap, limit, Some(&mut corners));
    (corners, w, h)
}

/// Fills shelves no wider than `limit` (unless one box is wider) in `order`; returns
/// the size of the result and, when asked, each box's top-left corner.
fn shelves(
    sizes: &[(f64, f64)],
    order: &[u32],
    gap: f64,
    limit: f64,
    mut corners: Option<&mut Vec<(f64, f64)>>,
) -> (f64, f64) {
    let (mut x, mut y, mut shelf, mut width) = (0.0f64, 0.0f64, 0.0f64, 0.0f64);
    for &i in order {
        let (w, h) = sizes[i as usize];
        if x > 0.0 && x + w > limit {
            y += shelf + gap;
            x = 0.0;
            shelf = 0.0;
        }
        if let Some(c) = corners.as_deref_mut() {
            c[i as usize] = (x, y);
        }
        width = width.max(x + w);
        shelf = shelf.max(h);
        x += w + gap;
    }
    (width, y + shelf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn components_are_numbered_by_smallest_node() {
        let c = components(6, &[(4, 1), (2, 5), (1, 3)]);
        assert_eq!(c.len(), 3);
        assert_eq!(
            (c.nodes(0), c.nodes(1), c.nodes(2)),
            (&[0][..], &[1, 3, 4][..], &[2, 5][..])
        );
        assert_eq!(
            (c.edges(0), c.edges(1), c.edges(2)),
            (&[][..], &[0, 2][..], &[1][..])
        );
        assert_eq!(c.local, vec![0, 0, 0, 1, 2, 1]);
    }

    #[test]
    fn strips_pack_into_a_square() {
        // Ten strips 1000 x 300: a single row would be 10 : 1.
        let (corners, w, h) = pack(&[(1000.0, 300.0); 10], 40.0);
        assert!(w / h < 3.0 && h / w < 3.0, "{w} x {h}");
        for (i, a) in corners.iter().enumerate() {
            for b in &corners[i + 1..] {
                assert!((a.0 - b.0).abs() >= 1040.0 || (a.1 - b.1).abs() >= 340.0);
            }
        }
        // Equal heights keep their order, left to right then top to bottom.
        assert_eq!(corners[0], (0.0, 0.0));
        assert!(corners[1].0 > 0.0 || corners[1].1 > 0.0);
    }
}
