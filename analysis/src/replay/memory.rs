//! Memory over a run as step curves, computed once and asked in O(log n).

use taskscope_core::trace::Sample;

/// Bytes of outputs held over time: an output is held from its task's end until its
/// last dependent ends (forever when that never happens): the steps of
/// [`held_over_time`](crate::held::held_over_time), asked in O(log n).
#[derive(Default)]
pub(super) struct HeldCurve {
    /// `(time, bytes held from then on)`, times strictly increasing.
    steps: Vec<(u64, u64)>,
}

impl HeldCurve {
    /// From steps already made by [`held_over_time`](crate::held::held_over_time).
    pub(super) fn from_steps(steps: Vec<(u64, u64)>) -> Self {
        HeldCurve { steps }
    }

    pub(super) fn at(&self, t: u64) -> u64 {
        step_at(&self.steps, t).unwrap_or(0)
    }

    pub(super) fn steps(&self) -> &[(u64, u64)] {
        &self.steps
    }
}

/// Resident memory of the process from its samples.
#[derive(Default)]
pub(super) struct RssCurve {
    /// `(time, rss)` of the samples that have an RSS, in time order.
    points: Vec<(u64, u64)>,
}

impl RssCurve {
    pub(super) fn new(samples: &[Sample]) -> Self {
        let mut points: Vec<(u64, u64)> = samples
            .iter()
            .filter_map(|s| s.rss.map(|rss| (s.t, rss)))
            .collect();
        // Stable: of two samples at the same time, the later in the file wins.
        points.sort_by_key(|p| p.0);
        RssCurve { points }
    }

    pub(super) fn at(&self, t: u64) -> Option<u64> {
        step_at(&self.points, t)
    }

    pub(super) fn points(&self) -> &[(u64, u64)] {
        &self.points
    }
}

/// The value of the last step at or before `t` in steps sorted by time.
fn step_at(steps: &[(u64, u64)], t: u64) -> Option<u64> {
    let after = steps.partition_point(|s| s.0 <= t);
    after.checked_sub(1).map(|i| steps[i].1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::held::held_steps;

    #[test]
    fn held_steps_add_and_release() {
        // a: held 10..30, b: held 20..forever, c: released as it ends.
        let curve = HeldCurve::from_steps(held_steps([
            (10, Some(30), 5),
            (20, None, 7),
            (25, Some(25), 100),
        ]));
        assert_eq!(curve.steps(), &[(10, 5), (20, 12), (30, 7)]);
        assert_eq!(curve.at(9), 0);
        assert_eq!(curve.at(10), 5);
        assert_eq!(curve.at(29), 12);
        assert_eq!(curve.at(30), 7);
        assert_eq!(curve.at(u64::MAX), 7);
    }

    #[test]
    fn rss_is_the_last_sample_at_or_before() {
        let sample = |t, rss| Sample {
            t,
            rss,
            cpu: None,
            held: 0,
        };
        let curve = RssCurve::new(&[
            sample(10, Some(100)),
            sample(20, None),
            sample(30, Some(300)),
        ]);
        assert_eq!(curve.at(9), None);
        assert_eq!(curve.at(10), Some(100));
        // A sample without RSS keeps the last known one.
        assert_eq!(curve.at(25), Some(100));
        assert_eq!(curve.at(30), Some(300));
    }
}
