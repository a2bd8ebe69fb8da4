//! Our layered (Sugiyama) layout, near-linear for 10^5 nodes.
//!
//! 1. Cycles are broken by reversing the back edges a depth-first search finds.
//! 2. Weakly connected components are laid out one by one and packed into rows of a
//!    near-square block (Dask's graphs have one component per row of chunks; side by
//!    side they would make a long strip).
//! 3. Layering by longest path; edges that span several layers get dummy nodes.
//! 4. Ordering: alternating barycenter sweeps down and up; crossings between adjacent
//!    layers are counted with a Fenwick tree, and the best order is kept.
//! 5. Coordinates: each layer's x positions are the least-squares fit to the mean x of
//!    the neighbors above (or below) under the order and the minimum gaps, solved
//!    exactly in linear time (pool adjacent violators); a few rounds down and up keep
//!    long edges (chains of dummies) straight and parents centered over children.
//! 6. Edges are routed through their dummies: vertical inside layer bands (where only
//!    their own dummy slot is), straight across the gaps between layers, so they never
//!    pass through a box.
//!
//! ```
//! use taskscope_exporters::layout::{LayoutInput, layout};
//!
//! let input = LayoutInput {
//!     sizes: vec![(60.0, 30.0); 3],
//!     edges: vec![(0, 2), (1, 2)],
//!     ..LayoutInput::default()
//! };
//! let l = layout(&input);
//! assert_eq!(l.layers, 2);
//! assert!(l.centers[2].1 > l.centers[0].1); // dependents below their dependencies
//! ```

mod order;
mod place;

use std::collections::VecDeque;

/// The flow direction of the drawing, like Graphviz's `rankdir`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Direction {
    /// Dependencies at the top (`TB`).
    #[default]
    TopToBottom,
    /// Dependencies at the bottom, like Dask's drawings (`BT`).
    BottomToTop,
    LeftToRight,
    RightToLeft,
}

/// What to lay out.
#[derive(Clone, Debug)]
pub struct LayoutInput {
    /// Width and height of each node's box, as drawn.
    pub sizes: Vec<(f64, f64)>,
    /// Edges `(from, to)`: `from` comes before `to` in the flow direction. Duplicates
    /// and self-loops are allowed (a self-loop gets an empty polyline).
    pub edges: Vec<(usize, usize)>,
    pub direction: Direction,
    /// Space between boxes within a layer.
    pub node_gap: f64,
    /// Space between layers.
    pub layer_gap: f64,
    /// Space between packed components.
    pub component_gap: f64,
    /// Crossing-reduction sweeps (each one down or up).
    pub sweeps: usize,
}

impl Default for LayoutInput {
    fn default() -> Self {
        LayoutInput {
            sizes: Vec::new(),
            edges: Vec::new(),
            direction: Direction::TopToBottom,
            node_gap: 20.0,
            layer_gap: 40.0,
            component_gap: 40.0,
            sweeps: 8,
        }
    }
}

/// Where everything goes.
#[derive(Clone, Debug, PartialEq)]
pub struct Layout {
    /// Center of each node; origin top left, y down, everything within
    /// `[0, width] x [0, height]`.
    pub centers: Vec<(f64, f64)>,
    /// One polyline per input edge, from the border of `from`'s box to the border of
    /// `to`'s box.
    pub edges: Vec<Vec<(f64, f64)>>,
    pub width: f64,
    pub height: f64,
    /// Edge crossings between adjacent layers, after ordering.
    pub crossings: usize,
    /// Layers of the deepest component.
    pub layers: usize,
}

/// A node of the layered graph: a real node or a dummy on a long edge.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Slot {
    pub layer: usize,
    /// Width along the layer (the box's extent across the flow).
    pub breadth: f64,
}

/// One component, laid out in top-to-bottom coordinates with its own origin.
struct Part {
    nodes: Vec<usize>,
    centers: Vec<(f64, f64)>,
    /// Polylines of the component's edges, by input edge index.
    routes: Vec<(usize, Vec<(f64, f64)>)>,
    width: f64,
    height: f64,
    crossings: usize,
    layers: usize,
}

/// Lays out a graph. Deterministic: the same input gives the same output.
pub fn layout(input: &LayoutInput) -> Layout {
    let n = input.sizes.len();
    let across = matches!(
        input.direction,
        Direction::LeftToRight | Direction::RightToLeft
    );
    // Work top to bottom: `breadth` along layers, `depth` across them.
    let dims: Vec<(f64, f64)> = input
        .sizes
        .iter()
        .map(|&(w, h)| if across { (h, w) } else { (w, h) })
        .collect();
    let edges: Vec<(usize, usize)> = input
        .edges
        .iter()
        .map(|&(a, b)| (a.min(n.saturating_sub(1)), b.min(n.saturating_sub(1))))
        .collect();
    let parts: Vec<Part> = components(n, &edges)
        .into_iter()
        .map(|nodes| layout_component(&nodes, &dims, &edges, input))
        .collect();
    let (mut centers, mut routes, width, height) =
        pack(parts.iter(), n, input.edges.len(), input.component_gap);
    let crossings = parts.iter().map(|p| p.crossings).sum();
    let layers = parts.iter().map(|p| p.layers).max().unwrap_or(0);
    // Map to the requested direction.
    let map = |(x, y): (f64, f64)| match input.direction {
        Direction::TopToBottom => (x, y),
        Direction::BottomToTop => (x, height - y),
        Direction::LeftToRight => (y, x),
        Direction::RightToLeft => (height - y, x),
    };
    for c in &mut centers {
        *c = map(*c);
    }
    for r in &mut routes {
        for p in r.iter_mut() {
            *p = map(*p);
        }
    }
    let (width, height) = if across {
        (height, width)
    } else {
        (width, height)
    };
    Layout {
        centers,
        edges: routes,
        width,
        height,
        crossings,
        layers,
    }
}

/// Weakly connected components, each as its nodes in ascending order; components in
/// order of their smallest node.
fn components(n: usize, edges: &[(usize, usize)]) -> Vec<Vec<usize>> {
    let mut parent: Vec<usize> = (0..n).collect();
    fn find(p: &mut [usize], mut x: usize) -> usize {
        while p[x] != x {
            p[x] = p[p[x]];
            x = p[x];
        }
        x
    }
    for &(a, b) in edges {
        let (ra, rb) = (find(&mut parent, a), find(&mut parent, b));
        if ra != rb {
            parent[ra.max(rb)] = ra.min(rb);
        }
    }
    let mut index = vec![usize::MAX; n];
    let mut out: Vec<Vec<usize>> = Vec::new();
    for v in 0..n {
        let r = find(&mut parent, v);
        if index[r] == usize::MAX {
            index[r] = out.len();
            out.push(Vec::new());
        }
        out[index[r]].push(v);
    }
    out
}

fn layout_component(
    nodes: &[usize],
    dims: &[(f64, f64)],
    all_edges: &[(usize, usize)],
    input: &LayoutInput,
) -> Part {
    let k = nodes.len();
    let mut local = std::collections::HashMap::with_capacity(k);
    for (i, &v) in nodes.iter().enumerate() {
        local.insert(v, i);
    }
    // Edges of this component, without self-loops and repeats, as local indices.
    let mut ids: Vec<(usize, usize, usize)> = Vec::new(); // (from, to, input index)
    for (e, &(a, b)) in all_edges.iter().enumerate() {
        if let (Some(&la), Some(&lb)) = (local.get(&a), local.get(&b))
            && la != lb
        {
            ids.push((la, lb, e));
        }
    }
    let mut unique: Vec<(usize, usize)> = ids.iter().map(|&(a, b, _)| (a, b)).collect();
    unique.sort_unstable();
    unique.dedup();
    let reversed = back_edges(k, &unique);
    let dag: Vec<(usize, usize)> = unique
        .iter()
        .map(|&(a, b)| {
            if reversed.binary_search(&(a, b)).is_ok() {
                (b, a)
            } else {
                (a, b)
            }
        })
        .collect();
    let layer = longest_path_layers(k, &dag);
    let layers = layer.iter().max().map_or(0, |m| m + 1);

    // Slots: the real nodes, then dummies along long edges; each layered edge joins
    // adjacent layers. `chains[i]` lists the slots edge `dag[i]` passes through.
    let dummy_breadth = 4.0;
    let mut slots: Vec<Slot> = (0..k)
        .map(|i| Slot {
            layer: layer[i],
            breadth: dims[nodes[i]].0,
        })
        .collect();
    let mut short: Vec<(usize, usize)> = Vec::with_capacity(dag.len());
    let mut chains: Vec<Vec<usize>> = Vec::with_capacity(dag.len());
    for &(a, b) in &dag {
        let mut chain = vec![a];
        for l in layer[a] + 1..layer[b] {
            slots.push(Slot {
                layer: l,
                breadth: dummy_breadth,
            });
            chain.push(slots.len() - 1);
        }
        chain.push(b);
        for w in chain.windows(2) {
            short.push((w[0], w[1]));
        }
        chains.push(chain);
    }
    let (rows, crossings) = order::order(&slots, &short, layers, input.sweeps);
    let x = place::place(&slots, &short, &rows, input.node_gap);

    // Layer bands: each as thick as its thickest box.
    let mut thick = vec![0.0f64; layers];
    for i in 0..k {
        thick[layer[i]] = thick[layer[i]].max(dims[nodes[i]].1);
    }
    let mut top = vec![0.0f64; layers];
    for l in 1..layers {
        top[l] = top[l - 1] + thick[l - 1] + input.layer_gap;
    }
    let height = if layers == 0 {
        0.0
    } else {
        top[layers - 1] + thick[layers - 1]
    };
    let (min_x, max_x) =
        (0..slots.len()).fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), s| {
            (
                lo.min(x[s] - slots[s].breadth / 2.0),
                hi.max(x[s] + slots[s].breadth / 2.0),
            )
        });
    let shift = if min_x.is_finite() { -min_x } else { 0.0 };
    let width = if max_x.is_finite() {
        max_x - min_x
    } else {
        0.0
    };
    let center_y = |l: usize| top[l] + thick[l] / 2.0;
    let centers: Vec<(f64, f64)> = (0..k).map(|i| (x[i] + shift, center_y(layer[i]))).collect();

    // Routes, by unique (from, to); then given to every input edge with those ends.
    let route_of = |i: usize| -> Vec<(f64, f64)> {
        let chain = &chains[i];
        let (a, b) = (chain[0], chain[chain.len() - 1]);
        let mut pts = Vec::with_capacity(chain.len() * 2 + 2);
        let bottom = |l: usize| top[l] + thick[l];
        pts.push((centers[a].0, centers[a].1 + dims[nodes[a]].1 / 2.0));
        pts.push((centers[a].0, bottom(layer[a])));
        for &d in &chain[1..chain.len() - 1] {
            let l = slots[d].layer;
            pts.push((x[d] + shift, top[l]));
            pts.push((x[d] + shift, bottom(l)));
        }
        pts.push((centers[b].0, top[layer[b]]));
        pts.push((centers[b].0, centers[b].1 - dims[nodes[b]].1 / 2.0));
        pts.dedup();
        pts
    };
    let index: std::collections::HashMap<(usize, usize), usize> =
        unique.iter().enumerate().map(|(i, &e)| (e, i)).collect();
    let routes = ids
        .iter()
        .map(|&(a, b, e)| {
            let flipped = reversed.binary_search(&(a, b)).is_ok();
            // `unique[i]` became `dag[i]` (reversed when it closed a cycle).
            let mut pts = route_of(index[&(a, b)]);
            if flipped {
                pts.reverse();
            }
            (e, pts)
        })
        .collect();
    Part {
        nodes: nodes.to_vec(),
        centers,
        routes,
        width,
        height,
        crossings,
        layers,
    }
}

/// Edges that close cycles, found by an iterative depth-first search in node order.
/// Sorted, for binary search.
fn back_edges(k: usize, edges: &[(usize, usize)]) -> Vec<(usize, usize)> {
    let mut out_adj = vec![Vec::new(); k];
    for &(a, b) in edges {
        out_adj[a].push(b);
    }
    let mut state = vec![0u8; k]; // 0 new, 1 on stack, 2 done
    let mut back = Vec::new();
    for s in 0..k {
        if state[s] != 0 {
            continue;
        }
        let mut stack = vec![(s, 0usize)];
        state[s] = 1;
        while let Some(&mut (v, ref mut next)) = stack.last_mut() {
            if let Some(&w) = out_adj[v].get(*next) {
                *next += 1;
                match state[w] {
                    0 => {
                        state[w] = 1;
                        stack.push((w, 0));
                    }
                    1 => back.push((v, w)),
                    _ => {}
                }
            } else {
                state[v] = 2;
                stack.pop();
            }
        }
    }
    back.sort_unstable();
    back
}

/// Longest path from the sources: every node one layer below its deepest predecessor.
fn longest_path_layers(k: usize, dag: &[(usize, usize)]) -> Vec<usize> {
    let mut indeg = vec![0usize; k];
    let mut out_adj = vec![Vec::new(); k];
    for &(a, b) in dag {
        indeg[b] += 1;
        out_adj[a].push(b);
    }
    let mut layer = vec![0usize; k];
    let mut queue: VecDeque<usize> = (0..k).filter(|&v| indeg[v] == 0).collect();
    while let Some(v) = queue.pop_front() {
        for &w in &out_adj[v] {
            layer[w] = layer[w].max(layer[v] + 1);
            indeg[w] -= 1;
            if indeg[w] == 0 {
                queue.push_back(w);
            }
        }
    }
    layer
}

/// Node centers and edge polylines by input index, and the total width and height.
type Packed = (Vec<(f64, f64)>, Vec<Vec<(f64, f64)>>, f64, f64);

/// Packs components into rows about as wide as the whole is tall: a near-square block.
fn pack<'a>(
    parts: impl Iterator<Item = &'a Part>,
    n: usize,
    edge_count: usize,
    gap: f64,
) -> Packed {
    let parts: Vec<&Part> = parts.collect();
    let area: f64 = parts
        .iter()
        .map(|p| (p.width + gap) * (p.height + gap))
        .sum();
    let widest = parts.iter().map(|p| p.width).fold(0.0, f64::max);
    let row_width = area.sqrt().max(widest);
    let mut centers = vec![(0.0, 0.0); n];
    let mut routes = vec![Vec::new(); edge_count];
    let (mut x, mut y, mut row_h, mut width) = (0.0f64, 0.0f64, 0.0f64, 0.0f64);
    for p in parts {
        if x > 0.0 && x + p.width > row_width {
            y += row_h + gap;
            x = 0.0;
            row_h = 0.0;
        }
        for (i, &v) in p.nodes.iter().enumerate() {
            centers[v] = (p.centers[i].0 + x, p.centers[i].1 + y);
        }
        for (e, pts) in &p.routes {
            routes[*e] = pts.iter().map(|&(px, py)| (px + x, py + y)).collect();
        }
        width = width.max(x + p.width);
        row_h = row_h.max(p.height);
        x += p.width + gap;
    }
    (centers, routes, width, y + row_h)
}
