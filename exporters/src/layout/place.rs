//! Coordinates along the layers: the least-squares fit of every layer's positions to
//! the mean position of each node's neighbors, under the order and minimum gaps,
//! solved exactly by pool-adjacent-violators in linear time; rounds alternate down
//! and up.

use super::Slot;
use super::order::Adjacency;

/// Positions `x` of a row minimizing sum (x_i - want_i)^2 with x_{i+1} - x_i >= sep_i.
fn fit_row(want: &[f64], sep: &[f64]) -> Vec<f64> {
    let n = want.len();
    // Shift away the separations: y_i = x_i - c_i must then be non-decreasing.
    let mut c = vec![0.0; n];
    for i in 1..n {
        c[i] = c[i - 1] + sep[i - 1];
    }
    // Blocks of equal y: (sum of targets, count).
    let mut blocks: Vec<(f64, usize)> = Vec::with_capacity(n);
    for i in 0..n {
        blocks.push((want[i] - c[i], 1));
        while blocks.len() > 1 {
            let (s2, n2) = blocks[blocks.len() - 1];
            let (s1, n1) = blocks[blocks.len() - 2];
            if s1 / n1 as f64 > s2 / n2 as f64 {
                blocks.pop();
                let last = blocks.len() - 1;
                blocks[last] = (s1 + s2, n1 + n2);
            } else {
                break;
            }
        }
    }
    let mut x = Vec::with_capacity(n);
    for (sum, count) in blocks {
        let y = sum / count as f64;
        for _ in 0..count {
            let i = x.len();
            x.push(y + c[i]);
        }
    }
    x
}

/// The x coordinate of every slot's center.
pub(crate) fn place(
    slots: &[Slot],
    edges: &[(usize, usize)],
    rows: &[Vec<usize>],
    gap: f64,
) -> Vec<f64> {
    let n = slots.len();
    let down = Adjacency::new(n, edges.iter().copied());
    let up = Adjacency::new(n, edges.iter().map(|&(a, b)| (b, a)));
    let is_dummy = |v: usize| v >= n || slots[v].breadth <= 4.0;
    let seps: Vec<Vec<f64>> = rows
        .iter()
        .map(|row| {
            row.windows(2)
                .map(|w| {
                    let g = if is_dummy(w[0]) || is_dummy(w[1]) {
                        gap / 2.0
                    } else {
                        gap
                    };
                    (slots[w[0]].breadth + slots[w[1]].breadth) / 2.0 + g
                })
                .collect()
        })
        .collect();
    // Start packed and centered on 0.
    let mut x = vec![0.0; n];
    for (row, sep) in rows.iter().zip(&seps) {
        let total: f64 = sep.iter().sum();
        let mut at = -total / 2.0;
        for (i, &v) in row.iter().enumerate() {
            x[v] = at;
            if i < sep.len() {
                at += sep[i];
            }
        }
    }
    let layers = rows.len();
    let mut want = Vec::new();
    for round in 0..6 {
        let down_pass = round % 2 == 0;
        let order: Vec<usize> = if down_pass {
            (1..layers).collect()
        } else {
            (0..layers.saturating_sub(1)).rev().collect()
        };
        for l in order {
            want.clear();
            for &v in &rows[l] {
                let ns = if down_pass { up.of(v) } else { down.of(v) };
                want.push(if ns.is_empty() {
                    x[v]
                } else {
                    ns.iter().map(|&u| x[u]).sum::<f64>() / ns.len() as f64
                });
            }
            let fitted = fit_row(&want, &seps[l]);
            for (&v, xv) in rows[l].iter().zip(fitted) {
                x[v] = xv;
            }
        }
    }
    x
}

#[cfg(test)]
mod tests {
    use super::fit_row;

    #[test]
    fn rows_fit_their_targets_under_the_gaps() {
        assert_eq!(fit_row(&[0.0, 100.0], &[10.0]), vec![0.0, 100.0]);
        // Both want 5: they split the difference around it.
        assert_eq!(fit_row(&[5.0, 5.0], &[10.0]), vec![0.0, 10.0]);
        let x = fit_row(&[3.0, 1.0, 2.0], &[1.0, 1.0]);
        assert!(x.windows(2).all(|w| w[1] - w[0] >= 1.0 - 1e-9));
    }
}
