//! The one rule for memory held by task outputs, used by `stats`, the timeline
//! drawing and the viewer's replay alike.
//!
//! An output is held from its task's end until the end of its last dependent; an
//! output whose dependents did not all finish (or that has none) stays held. An output
//! released at or before its own end (odd data) is never held.
//!
//! ```
//! use taskscope_analysis::held::held_steps;
//!
//! // a: 5 bytes held 10..30; b: 7 bytes from 20 on; c: released as it ends.
//! let steps = held_steps([(10, Some(30), 5), (20, None, 7), (25, Some(25), 100)]);
//! assert_eq!(steps, vec![(10, 5), (20, 12), (30, 7)]);
//! ```

use taskscope_core::trace::{TaskStatus, Trace};

/// Bytes held over time from `(end, released, bytes)` of every output: steps
/// `(time, bytes held from then on)`, times strictly increasing. At equal times,
/// releases count before new outputs, so the inputs of a task that just ended and its
/// output are not counted together.
pub fn held_steps(outputs: impl IntoIterator<Item = (u64, Option<u64>, u64)>) -> Vec<(u64, u64)> {
    // 16 bytes a change: two per output of a 10^7-task run.
    let mut changes: Vec<(u64, i64)> = Vec::new();
    for (end, released, bytes) in outputs {
        let bytes = bytes.min(i64::MAX as u64) as i64;
        match released {
            Some(r) if r <= end => {}
            Some(r) => {
                changes.push((end, bytes));
                changes.push((r, -bytes));
            }
            None => changes.push((end, bytes)),
        }
    }
    changes.sort_unstable();
    let mut steps: Vec<(u64, u64)> = Vec::with_capacity(changes.len());
    let mut now = 0i64;
    for (t, d) in changes {
        now = now.saturating_add(d);
        let held = now.max(0) as u64;
        match steps.last_mut() {
            Some(last) if last.0 == t => last.1 = held,
            _ => steps.push((t, held)),
        }
    }
    steps
}

/// Bytes of task outputs held over time in a run, exactly, from its events (see the
/// module's rule). Steps `(time, bytes held from then on)`, in time order.
pub fn held_over_time(trace: &Trace) -> Vec<(u64, u64)> {
    let g = &trace.graph;
    let mut end_of: Vec<Option<u64>> = vec![None; g.len()];
    let mut bytes_of = vec![0u64; g.len()];
    for e in &trace.events {
        if e.status != TaskStatus::Failed {
            end_of[e.task.index()] = Some(e.end);
            bytes_of[e.task.index()] = e.bytes;
        }
    }
    let released = |task: taskscope_core::TaskId| {
        let dependents = g.dependents(task);
        if dependents.is_empty() {
            return None;
        }
        dependents
            .iter()
            .try_fold(0u64, |m, d| end_of[d.index()].map(|t| m.max(t)))
    };
    held_steps(trace.events.iter().filter_map(|e| {
        let i = e.task.index();
        let end = end_of[i]?;
        // A task with several events (retries) counts its output once.
        (end == e.end && e.status != TaskStatus::Failed)
            .then(|| (end, released(e.task), bytes_of[i]))
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn releases_count_before_outputs_at_equal_times() {
        // a is released at 20, exactly when b's output appears: never 5 + 7 at once.
        let steps = held_steps([(10, Some(20), 5), (20, None, 7)]);
        assert_eq!(steps, vec![(10, 5), (20, 7)]);
    }

    #[test]
    fn odd_data_never_goes_negative() {
        let steps = held_steps([(30, Some(10), 5), (40, None, 1)]);
        assert_eq!(steps, vec![(40, 1)]);
    }
}
