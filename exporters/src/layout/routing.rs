//! Edge polylines in layer coordinates (layers top to bottom). An edge leaves the bottom
//! of its upper box and enters the top of its lower box, and turns only at the edges of
//! layer bands. Across a layer in between, it runs along the line through its dummy
//! node's neighbors, kept within the dummy's slot: the space between the dummy's
//! neighbors in the layer, shared fairly with them. So no edge enters another node's box,
//! edges cross only where the order says they do, and a long edge whose dummies line up
//! is one straight line.

use super::layering::Proper;

/// Where the nodes and layers of a component are.
pub(super) struct Geometry<'a> {
    /// Center `x` of every node, dummies included.
    pub(super) x: &'a [f64],
    /// `(top, bottom)` of every layer band.
    pub(super) bands: &'a [(f64, f64)],
    /// Half width and half height of every real node.
    pub(super) half: &'a [(f64, f64)],
    /// Where each dummy's edge may cross its layer (see [`slots`]).
    pub(super) slot: &'a [(f64, f64)],
}

impl Geometry<'_> {
    /// Center of real node `v`: boxes are centered in their band.
    pub(super) fn center(&self, g: &Proper, v: u32) -> (f64, f64) {
        let (top, bottom) = self.bands[g.layer[v as usize] as usize];
        (self.x[v as usize], (top + bottom) / 2.0)
    }
}

/// Share of the free space to each neighbor that a dummy's edge may use.
const SLOT_SHARE: f64 = 0.45;

/// For each node, the range of `x` its edge may use while crossing its layer, if it is a
/// dummy: a share of the space to each neighbor in the layer (unbounded on the outside).
pub(super) fn slots(
    g: &Proper,
    layers: &[Vec<u32>],
    x: &[f64],
    left: &[f64],
    right: &[f64],
) -> Vec<(f64, f64)> {
    let mut slot = vec![(0.0, 0.0); g.len()];
    for layer in layers {
        for (i, &d) in layer.iter().enumerate() {
            if !g.is_dummy(d) {
                continue;
            }
            let xd = x[d as usize];
            let lo = i.checked_sub(1).map_or(f64::NEG_INFINITY, |j| {
                let v = layer[j] as usize;
                xd - SLOT_SHARE * (xd - x[v] - right[v]).max(0.0)
            });
            let hi = layer.get(i + 1).map_or(f64::INFINITY, |&v| {
                let v = v as usize;
                xd + SLOT_SHARE * (x[v] - left[v] - xd).max(0.0)
            });
            slot[d as usize] = (lo, hi);
        }
    }
    slot
}

/// The `x` at height `y` of the line from `(x0, y0)` to `(x1, y1)`.
fn line_x((x0, y0): (f64, f64), (x1, y1): (f64, f64), y: f64) -> f64 {
    if y1 == y0 {
        x0
    } else {
        x0 + (x1 - x0) * (y - y0) / (y1 - y0)
    }
}

/// The `x` where the ray from a box's center `(cx, cy)` towards `(tx, ty)` meets the
/// box's top or bottom side, kept on that side.
fn side_x(center: (f64, f64), half: (f64, f64), toward: (f64, f64)) -> f64 {
    let (cx, cy) = center;
    let (hw, hh) = half;
    let dy = (toward.1 - cy).abs();
    let x = if dy > hh && dy > 0.0 {
        cx + (toward.0 - cx) * hh / dy
    } else {
        cx
    };
    x.clamp(cx - hw, cx + hw)
}

/// The polyline of edge `e` of `g` from upper node `a` to lower node `b`.
pub(super) fn route(g: &Proper, geo: &Geometry, e: usize, a: u32, b: u32) -> Vec<(f64, f64)> {
    let chain = g.chain(e);
    let mut points = Vec::with_capacity(4 + 2 * chain.len());
    let (la, lb) = (g.layer[a as usize] as usize, g.layer[b as usize] as usize);
    let (ca, cb) = (geo.center(g, a), geo.center(g, b));
    let (ha, hb) = (geo.half[a as usize], geo.half[b as usize]);

    // Centers of the nodes along the edge, the real ends included.
    let at = |v: u32| {
        let (top, bottom) = geo.bands[g.layer[v as usize] as usize];
        (geo.x[v as usize], (top + bottom) / 2.0)
    };
    let mut crossings: Vec<(f64, f64)> = Vec::with_capacity(2 * chain.len());
    let mut prev = ca;
    for (k, d) in chain.clone().enumerate() {
        let here = at(d);
        let next = if k + 1 < chain.len() { at(d + 1) } else { cb };
        let (top, bottom) = geo.bands[g.layer[d as usize] as usize];
        let (lo, hi) = geo.slot[d as usize];
        crossings.push((line_x(prev, here, top).clamp(lo, hi), top));
        if bottom > top {
            crossings.push((line_x(here, next, bottom).clamp(lo, hi), bottom));
        }
        prev = here;
    }

    let first_x = crossings.first().map_or(cb.0, |p| p.0);
    let exit = side_x(ca, ha, (first_x, geo.bands[la + 1].0));
    points.push((exit, ca.1 + ha.1));
    if ca.1 + ha.1 < geo.bands[la].1 {
        points.push((exit, geo.bands[la].1));
    }
    points.extend_from_slice(&crossings);
    let last_x = crossings.last().map_or(ca.0, |p| p.0);
    let entry = side_x(cb, hb, (last_x, geo.bands[lb - 1].1));
    if cb.1 - hb.1 > geo.bands[lb].0 {
        points.push((entry, geo.bands[lb].0));
    }
    points.push((entry, cb.1 - hb.1));
    points
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edges_bend_only_at_band_edges() {
        // 0 (layer 0) -> 1 (layer 2) through one dummy; node 1 is shorter than its band.
        let g = Proper::new(vec![0, 2, 2], &[(0, 1)]);
        let x = [0.0, 100.0, 300.0, 50.0];
        let bands = [(0.0, 20.0), (60.0, 60.0), (100.0, 140.0)];
        let half = [(10.0, 10.0), (10.0, 10.0), (10.0, 20.0)];
        let slot = slots(
            &g,
            &[vec![0], vec![3], vec![1, 2]],
            &x,
            &[10.0; 4],
            &[10.0; 4],
        );
        assert_eq!(slot[3], (f64::NEG_INFINITY, f64::INFINITY));
        let geo = Geometry {
            x: &x,
            bands: &bands,
            half: &half,
            slot: &slot,
        };
        let points = route(&g, &geo, 0, 0, 1);
        let entry = 100.0 - 10.0 * 50.0 / 60.0;
        assert_eq!(
            points,
            vec![(10.0, 20.0), (50.0, 60.0), (entry, 100.0), (entry, 110.0)]
        );
    }

    #[test]
    fn a_dummy_shares_the_space_to_its_neighbors() {
        // Real 1 (10 wide each side) at 100, dummies 3 and 4 at 150 and 170.
        let g = Proper::new(vec![0, 1, 2], &[(0, 2), (0, 2)]);
        let x = [0.0, 100.0, 0.0, 150.0, 170.0];
        let ext = [10.0, 10.0, 10.0, 0.0, 0.0];
        let slot = slots(&g, &[vec![0], vec![1, 3, 4], vec![2]], &x, &ext, &ext);
        assert_eq!(slot[3], (150.0 - 0.45 * 40.0, 150.0 + 0.45 * 20.0));
        assert_eq!(slot[4], (170.0 - 0.45 * 20.0, f64::INFINITY));
    }

    #[test]
    fn exits_stay_on_the_box() {
        assert_eq!(side_x((0.0, 0.0), (5.0, 5.0), (100.0, 10.0)), 5.0);
        assert_eq!(side_x((0.0, 0.0), (5.0, 5.0), (10.0, 50.0)), 1.0);
        assert_eq!(side_x((0.0, 0.0), (5.0, 5.0), (10.0, 2.0)), 0.0);
    }
}
