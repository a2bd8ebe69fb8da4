//! The one rule for memory held by task outputs, used by `stats`, the timeline
//! drawing and the viewer's replay alike.
//!
//! An output is held from its task's end until the end of its last dependent; an
//! output whose dependents did not all finish (or that has none) stays held. An output
//! released at or before its own end (odd data) is never held. Only a task that
//! finished (an event `done`) has an output: a failed task has none, and neither has
//! one still running when the trace stops (`unfinished`). A task run more than once
//! (retried) has one output: its last `done` event's.
//!
//! ```
//! use taskscope_analysis::held::held_steps;
//!
//! // a: 5 bytes held 10..30; b: 7 bytes from 20 on; c: released as it ends.
//! let steps = held_steps([(10, Some(30), 5), (20, None, 7), (25, Some(25), 100)]);
//! assert_eq!(steps, vec![(10, 5), (20, 12), (30, 7)]);
//! ```

use taskscope_core::TaskId;
use taskscope_core::trace::{TaskStatus, Trace};

/// Bytes held over time from `(end, released, bytes)` of every output: steps
/// `(time, bytes held from then on)`, times strictly increasing. At equal times,
/// releases count before new outputs, so the inputs of a task that just ended and its
/// output are not counted together.
pub fn held_steps(outputs: impl IntoIterator<Item = (u64, Option<u64>, u64)>) -> Vec<(u64, u64)> {
    let outputs = outputs.into_iter();
    let about = outputs.size_hint().0;
    steps_of(outputs, about)
}

/// [`held_steps`] of about `n` outputs.
fn steps_of(outputs: impl Iterator<Item = (u64, Option<u64>, u64)>, n: usize) -> Vec<(u64, u64)> {
    // 16 bytes a change: two per output of a 10^7-task run. Releases go first, so
    // that a stable sort by time alone puts them before outputs at equal times; each
    // half comes nearly in time order (outputs as tasks end, releases soon after), the
    // runs a stable sort finds and merges (a full sort of both was half of `stats`'
    // time at 10^7 tasks).
    let mut changes: Vec<(u64, i64)> = Vec::with_capacity(2 * n);
    let mut outputs_made: Vec<(u64, i64)> = Vec::with_capacity(n);
    for (end, released, bytes) in outputs {
        let bytes = bytes.min(i64::MAX as u64) as i64;
        match released {
            Some(r) if r <= end => {}
            Some(r) => {
                outputs_made.push((end, bytes));
                changes.push((r, -bytes));
            }
            None => outputs_made.push((end, bytes)),
        }
    }
    changes.append(&mut outputs_made);
    drop(outputs_made);
    changes.sort_by_key(|c| c.0);
    accumulate(changes)
}

/// Steps `(time, bytes held from then on)` from changes `(time, bytes added or taken)`
/// in time order; at equal times only the sum counts. The steps take the changes'
/// memory (a running sum in place, then equal times merged in place): no second list.
fn accumulate(changes: Vec<(u64, i64)>) -> Vec<(u64, u64)> {
    let mut now = 0i64;
    let mut steps: Vec<(u64, u64)> = changes
        .into_iter()
        .map(|(t, d)| {
            now = now.saturating_add(d);
            (t, now.max(0) as u64)
        })
        .collect();
    // Of steps at one time, the last holds the sum.
    steps.dedup_by(|later, kept| {
        let same = later.0 == kept.0;
        if same {
            kept.1 = later.1;
        }
        same
    });
    steps.shrink_to_fit();
    steps
}

/// Bytes of task outputs held over time in a run, exactly, from its events (see the
/// module's rule). Steps `(time, bytes held from then on)`, in time order.
///
/// The same steps as [`held_steps`] of every output, without sorting the releases: an
/// output is released when its last dependent's event ends, so its bytes are taken off
/// at that event, and the run's changes are one per event, already in time order when
/// the events are (as taskscope writes them). At 10^7 tasks, sorting two changes per
/// output was half of this function's time.
pub fn held_over_time(trace: &Trace) -> Vec<(u64, u64)> {
    let g = &trace.graph;
    // Each task's last finished event, the one that counts (a retried task holds
    // one output), and its end; NONE if it has none.
    let mut end_of: Vec<u64> = vec![NONE; g.len()];
    let mut last_done: Vec<u32> = vec![u32::MAX; g.len()];
    for (i, e) in trace.events.iter().enumerate() {
        if e.status == TaskStatus::Done {
            end_of[e.task.index()] = e.end;
            last_done[e.task.index()] = i as u32;
        }
    }
    held_from(trace, &last_done, |t| end_of[t.index()])
}

/// [`held_over_time`] of a trace with at most one event per task, which `event_of`
/// indexes (`u32::MAX`: the task has none), as the viewer's replay has: no list a
/// task long of its own but the releases (120 MB less at 10^7 tasks).
pub fn held_over_time_indexed(trace: &Trace, event_of: &[u32]) -> Vec<(u64, u64)> {
    held_from(trace, event_of, |t| match event_of[t.index()] {
        u32::MAX => NONE,
        i => {
            let e = &trace.events[i as usize];
            if e.status == TaskStatus::Done {
                e.end
            } else {
                NONE
            }
        }
    })
}

/// In [`held_from`], the end of a task that did not finish.
const NONE: u64 = u64::MAX;

/// The held steps of `trace`, where `last[task]` is the event that counts for a task
/// when it is `done`, and `end_of` the end of each task's counted event (`NONE`:
/// none).
fn held_from(trace: &Trace, last: &[u32], end_of: impl Fn(TaskId) -> u64) -> Vec<(u64, u64)> {
    let g = &trace.graph;
    let counted_events = || {
        (trace.events.iter().enumerate())
            .filter(|&(i, e)| e.status == TaskStatus::Done && last[e.task.index()] == i as u32)
            .map(|(_, e)| e)
    };
    // The dependent whose end releases `task`'s output: the last to end, if all did.
    let releaser = |task: TaskId| {
        let dependents = g.dependents(task);
        let mut last: Option<(u64, TaskId)> = None;
        for &d in dependents {
            let end = end_of(d);
            if end == NONE {
                return None;
            }
            if last.is_none_or(|(t, _)| end > t) {
                last = Some((end, d));
            }
        }
        last
    };
    // Bytes released as each task's counted event ends; FREES_NONE: none are (an
    // output of 0 bytes is a change too: it makes a step, as in `held_steps`).
    const FREES_NONE: i64 = -1;
    let mut freed = vec![FREES_NONE; g.len()];
    // NOT_HELD: the event's own output is never held; the event may still release.
    const NOT_HELD: i64 = i64::MIN;
    let mut changes: Vec<(u64, i64)> = Vec::with_capacity(trace.events.len());
    for e in counted_events() {
        let bytes = e.bytes.min(i64::MAX as u64) as i64;
        let made = match releaser(e.task) {
            // Released at or before its own end (odd data): never held.
            Some((r, _)) if r <= e.end => NOT_HELD,
            Some((_, by)) => {
                let f = &mut freed[by.index()];
                *f = (*f).max(0).saturating_add(bytes);
                bytes
            }
            None => bytes,
        };
        changes.push((e.end, made));
    }
    let mut kept = 0;
    for (i, e) in counted_events().enumerate() {
        let (t, made) = changes[i];
        let frees = std::mem::replace(&mut freed[e.task.index()], FREES_NONE);
        if made == NOT_HELD && frees == FREES_NONE {
            continue;
        }
        let made = if made == NOT_HELD { 0 } else { made };
        changes[kept] = (t, made.saturating_sub(frees.max(0)));
        kept += 1;
    }
    changes.truncate(kept);
    drop(freed);
    if !changes.is_sorted_by_key(|c| c.0) {
        changes.sort_by_key(|c| c.0);
    }
    accumulate(changes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use taskscope_core::trace::TaskEvent;

    #[test]
    fn releases_count_before_outputs_at_equal_times() {
        // a is released at 20, exactly when b's output appears: never 5 + 7 at once.
        let steps = held_steps([(10, Some(20), 5), (20, None, 7)]);
        assert_eq!(steps, vec![(10, 5), (20, 7)]);
    }

    /// A trace of `n` tasks with random dependencies on earlier tasks and events with
    /// random times, statuses and repeats.
    fn random_run(seed: u64, n: usize) -> Trace {
        use taskscope_core::{GraphBuilder, Meta};
        let mut x = seed | 1;
        let mut next = move |m: u64| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x % m
        };
        let mut b = GraphBuilder::new();
        for i in 0..n {
            let deps: Vec<TaskId> = (0..next(3))
                .filter(|_| i > 0)
                .map(|_| TaskId(next(i as u64) as u32))
                .collect();
            b.add_parts(&format!("t-{i}"), "t", "f", &deps, Meta::new());
        }
        let mut events = Vec::new();
        for i in 0..n {
            for _ in 0..next(3) {
                let start = next(50);
                let status = match next(6) {
                    0 => TaskStatus::Failed,
                    1 => TaskStatus::Unfinished,
                    _ => TaskStatus::Done,
                };
                let mut e = TaskEvent::new(TaskId(i as u32), 0, start, start + next(20), status);
                e.bytes = next(4) * 10;
                events.push(e);
            }
        }
        if seed.is_multiple_of(2) {
            events.sort_by_key(|e| e.end);
        }
        let mut trace = Trace::of_graph(b.build().unwrap(), None);
        trace.events = events;
        trace
    }

    #[test]
    fn a_run_holds_what_the_rule_says() {
        for seed in 0..200 {
            let trace = random_run(seed, 1 + seed as usize % 40);
            let g = &trace.graph;
            // The rule, output by output, through `held_steps`.
            // A task's output is its last finished event's (end, bytes), once.
            let last = |t: TaskId| {
                (trace.events.iter().enumerate())
                    .filter(|(_, e)| e.task == t && e.status == TaskStatus::Done)
                    .map(|(i, e)| (i, e.end, e.bytes))
                    .next_back()
            };
            let last_end = |t: TaskId| last(t).map(|l| l.1);
            let outputs = trace.events.iter().enumerate().filter_map(|(i, e)| {
                let (last_i, end, bytes) = last(e.task)?;
                (last_i == i).then(|| {
                    let ends: Option<Vec<u64>> =
                        g.dependents(e.task).iter().map(|&d| last_end(d)).collect();
                    let released = ends.and_then(|v| v.into_iter().max());
                    (end, released, bytes)
                })
            });
            assert_eq!(held_over_time(&trace), held_steps(outputs), "seed {seed}");
        }
    }

    #[test]
    fn one_event_a_task_holds_the_same_through_its_index() {
        for seed in 0..100 {
            let mut trace = random_run(seed, 1 + seed as usize % 40);
            let mut seen = vec![false; trace.graph.len()];
            (trace.events).retain(|e| !std::mem::replace(&mut seen[e.task.index()], true));
            let mut event_of = vec![u32::MAX; trace.graph.len()];
            for (i, e) in trace.events.iter().enumerate() {
                event_of[e.task.index()] = i as u32;
            }
            let steps = held_over_time(&trace);
            assert_eq!(
                held_over_time_indexed(&trace, &event_of),
                steps,
                "seed {seed}"
            );
        }
    }

    #[test]
    fn odd_data_never_goes_negative() {
        let steps = held_steps([(30, Some(10), 5), (40, None, 1)]);
        assert_eq!(steps, vec![(40, 1)]);
    }
}
