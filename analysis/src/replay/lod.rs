//! Level of detail for the timeline: for each pixel column of a lane, what to draw.
//!
//! A lane holds one worker's spans sorted by start, with prefix sums of busy time and a
//! segment tree of per-block votes for the dominant group. A column's count and busy time
//! take two binary searches; its dominant group is summed exactly when the column holds
//! few spans, else voted over O(log n) blocks. A query costs O(columns × log n),
//! whatever the number of spans in view (Perfetto's slice mipmap and Tracy's folded
//! zones answer the same question, see `/work/shared/VIEWER-NOTES.md` §2).
//!
//! ```
//! use taskscope_core::TaskId;
//! use taskscope_analysis::replay::{Column, GroupId, Lanes, TaskSpan};
//!
//! let span = |task, start, end| TaskSpan { task: TaskId(task), worker: 0, start, end, nbytes: 0, failed: false };
//! let lanes = Lanes::new(&[span(0, 0, 10), span(1, 12, 14), span(2, 16, 18)], |_| GroupId(0));
//! let columns = lanes.columns(0, 0, 20, 2);
//! assert_eq!(columns[0], Column::Task { task: TaskId(0), starts_inside: true, ends_inside: true });
//! assert!(matches!(columns[1], Column::Merged { count: 2, busy_ns: 4, .. }));
//! ```

use std::collections::BTreeMap;

use taskscope_core::TaskId;

use super::TaskSpan;

/// A task group, as an index into [`super::Replay::group_names`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct GroupId(pub u32);

/// What one pixel column of a lane shows.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Column {
    /// No task runs in the column.
    Empty,
    /// Exactly one task runs in the column (alone, or its part of a longer box).
    Task {
        /// The task.
        task: TaskId,
        /// The task starts within the column (draw its left edge here).
        starts_inside: bool,
        /// The task ends within the column (draw its right edge here).
        ends_inside: bool,
    },
    /// Several tasks touch the column: draw one summary.
    Merged {
        /// Tasks that overlap the column, even partly.
        count: u32,
        /// Time of the column spent in tasks.
        busy_ns: u64,
        /// `busy_ns` over the column's width, in `0..=1`.
        busy: f32,
        /// The group with the most busy time in the column: exact when the column
        /// holds at most 32 tasks or one group has more than half its busy time,
        /// otherwise one of its largest groups.
        group: GroupId,
    },
}

/// The time range `[start, end)` of column `c` when `[t0, t1)` is cut into `columns`
/// columns of (nearly) equal width. A column narrower than 1 ns is empty.
pub fn column_bounds(t0: u64, t1: u64, columns: usize, c: usize) -> (u64, u64) {
    let width = u128::from(t1.saturating_sub(t0));
    let at = |c: usize| t0 + (width * c as u128 / columns.max(1) as u128) as u64;
    (at(c), at(c + 1))
}

/// Columns with at most this many tasks get their dominant group summed exactly.
const EXACT_UP_TO: usize = 32;
/// Spans per leaf of the vote tree.
const BLOCK: usize = 16;
const NO_GROUP: u32 = u32::MAX;

/// A weighted Boyer-Moore vote: merged in any order, it ends on the group that has
/// more than half the weight, when one has.
#[derive(Clone, Copy, Debug)]
struct Vote {
    group: u32,
    weight: u64,
}

impl Vote {
    const NONE: Vote = Vote {
        group: NO_GROUP,
        weight: 0,
    };

    fn merge(self, other: Vote) -> Vote {
        if other.group == NO_GROUP {
            self
        } else if self.group == NO_GROUP {
            other
        } else if self.group == other.group {
            Vote {
                group: self.group,
                weight: self.weight + other.weight,
            }
        } else if self.weight >= other.weight {
            Vote {
                group: self.group,
                weight: self.weight - other.weight,
            }
        } else {
            Vote {
                group: other.group,
                weight: other.weight - self.weight,
            }
        }
    }
}

/// `v.partition_point(pred)`, searched from the front with doubling steps: O(log k)
/// reads near the front for an answer k. Successive columns start where the last one
/// stopped, so a full-width query reads memory close by instead of jumping across
/// the lane (2.5x faster than a binary search per column at full zoom-out).
fn gallop(v: &[u64], pred: impl Fn(u64) -> bool) -> usize {
    let mut end = 1;
    while end <= v.len() && pred(v[end - 1]) {
        end *= 2;
    }
    let known = end / 2;
    known + v[known..end.min(v.len())].partition_point(|&x| pred(x))
}

/// One worker's spans, sorted by start. A worker runs one task at a time; overlapping
/// spans are drawn but their busy time may count twice (clamped to the column).
struct Lane {
    worker: u32,
    start: Vec<u64>,
    end: Vec<u64>,
    /// Highest visible end among spans `0..=i` (a 0 ns span shows as 1 ns): sorted,
    /// so a binary search finds the first span that may reach past a time.
    reach: Vec<u64>,
    task: Vec<TaskId>,
    group: Vec<u32>,
    /// `busy[i]`: total duration of spans `0..i`.
    busy: Vec<u64>,
    /// Segment tree over blocks of `BLOCK` spans; leaf `b` is at `blocks + b`.
    tree: Vec<Vote>,
    blocks: usize,
}

impl Lane {
    fn new(worker: u32, spans: &[(u64, u64, TaskId, u32)]) -> Lane {
        let start: Vec<u64> = spans.iter().map(|s| s.0).collect();
        let end: Vec<u64> = spans.iter().map(|s| s.1).collect();
        let mut top = 0;
        let reach = spans
            .iter()
            .map(|s| {
                top = top.max(s.1.max(s.0.saturating_add(1)));
                top
            })
            .collect();
        let mut busy = Vec::with_capacity(spans.len() + 1);
        busy.push(0);
        let mut sum = 0;
        for s in spans {
            sum += s.1 - s.0;
            busy.push(sum);
        }
        let blocks = spans.len().div_ceil(BLOCK);
        let mut tree = vec![Vote::NONE; 2 * blocks];
        for (b, chunk) in spans.chunks(BLOCK).enumerate() {
            tree[blocks + b] = chunk.iter().fold(Vote::NONE, |v, s| {
                v.merge(Vote {
                    group: s.3,
                    weight: s.1 - s.0,
                })
            });
        }
        for i in (1..blocks).rev() {
            tree[i] = tree[2 * i].merge(tree[2 * i + 1]);
        }
        Lane {
            worker,
            start,
            end,
            reach,
            task: spans.iter().map(|s| s.2).collect(),
            group: spans.iter().map(|s| s.3).collect(),
            busy,
            tree,
            blocks,
        }
    }

    /// Duration of span `i` inside `[a, b)`.
    fn clipped(&self, i: usize, a: u64, b: u64) -> u64 {
        self.end[i].min(b).saturating_sub(self.start[i].max(a))
    }

    /// Spans `lo..hi` that overlap `[a, b)`, searching forward from `from`.
    fn overlapping(&self, from: usize, a: u64, b: u64) -> (usize, usize) {
        let lo = from + gallop(&self.reach[from..], |r| r <= a);
        let hi = lo + gallop(&self.start[lo..], |s| s < b);
        (lo, hi)
    }

    fn busy_in(&self, lo: usize, hi: usize, a: u64, b: u64) -> u64 {
        match hi - lo {
            0 => 0,
            1 => self.clipped(lo, a, b),
            _ => {
                let cut_left = self.end[lo].min(a).saturating_sub(self.start[lo]);
                let cut_right = self.end[hi - 1].saturating_sub(self.start[hi - 1].max(b));
                (self.busy[hi] - self.busy[lo]).saturating_sub(cut_left + cut_right)
            }
        }
    }

    fn column(&self, lo: usize, hi: usize, a: u64, b: u64) -> Column {
        match hi - lo {
            0 => Column::Empty,
            1 => Column::Task {
                task: self.task[lo],
                starts_inside: self.start[lo] >= a,
                ends_inside: self.end[lo] <= b,
            },
            count => {
                let busy_ns = self.busy_in(lo, hi, a, b).min(b - a);
                Column::Merged {
                    count: count as u32,
                    busy_ns,
                    busy: (busy_ns as f64 / (b - a) as f64) as f32,
                    group: GroupId(self.dominant_group(lo, hi, a, b)),
                }
            }
        }
    }

    fn dominant_group(&self, lo: usize, hi: usize, a: u64, b: u64) -> u32 {
        if hi - lo <= EXACT_UP_TO {
            let mut time: Vec<(u32, u64)> = Vec::with_capacity(hi - lo);
            for i in lo..hi {
                let d = self.clipped(i, a, b);
                match time.iter_mut().find(|g| g.0 == self.group[i]) {
                    Some(g) => g.1 += d,
                    None => time.push((self.group[i], d)),
                }
            }
            // Most time first, then the lowest group: deterministic.
            time.sort_by(|x, y| y.1.cmp(&x.1).then(x.0.cmp(&y.0)));
            return time[0].0;
        }
        let leaf = |i: usize, weight: u64| Vote {
            group: self.group[i],
            weight,
        };
        let first = leaf(lo, self.clipped(lo, a, b));
        let last = leaf(hi - 1, self.clipped(hi - 1, a, b));
        first.merge(self.vote(lo + 1, hi - 1)).merge(last).group
    }

    /// The vote of whole spans `l..r`: partial blocks span by span, whole blocks
    /// from the tree.
    fn vote(&self, l: usize, r: usize) -> Vote {
        let spans = |range: std::ops::Range<usize>| {
            range.fold(Vote::NONE, |v, i| {
                v.merge(Vote {
                    group: self.group[i],
                    weight: self.end[i] - self.start[i],
                })
            })
        };
        let (bl, br) = (l.div_ceil(BLOCK), r / BLOCK);
        if bl >= br {
            return spans(l..r);
        }
        let mut acc = spans(l..bl * BLOCK);
        let (mut x, mut y) = (bl + self.blocks, br + self.blocks);
        let mut right = Vote::NONE;
        while x < y {
            if x & 1 == 1 {
                acc = acc.merge(self.tree[x]);
                x += 1;
            }
            if y & 1 == 1 {
                y -= 1;
                right = self.tree[y].merge(right);
            }
            x >>= 1;
            y >>= 1;
        }
        acc.merge(right).merge(spans(br * BLOCK..r))
    }
}

/// The timeline's lanes: one per worker, in worker order.
pub struct Lanes {
    lanes: Vec<Lane>,
}

impl Lanes {
    /// Lanes of `spans`; `group_of` names each task's group.
    pub fn new<'a>(
        spans: impl IntoIterator<Item = &'a TaskSpan>,
        group_of: impl Fn(TaskId) -> GroupId,
    ) -> Lanes {
        // Spans by worker, then each lane in (start, end, task) order; a lane usually
        // comes in that order already (a worker runs one task after another), and a
        // stable sort of sorted runs is a pass over them (one sort of every span by
        // worker first was a large part of a 10^6-task replay's making).
        let mut by_worker: BTreeMap<u32, Vec<(u64, u64, TaskId, u32)>> = BTreeMap::new();
        for s in spans {
            let span = (s.start, s.end, s.task, group_of(s.task).0);
            by_worker.entry(s.worker).or_default().push(span);
        }
        let lanes = by_worker
            .into_iter()
            .map(|(worker, mut spans)| {
                if !spans.is_sorted() {
                    spans.sort();
                }
                Lane::new(worker, &spans)
            })
            .collect();
        Lanes { lanes }
    }

    /// Number of lanes.
    pub fn len(&self) -> usize {
        self.lanes.len()
    }

    /// No lanes: no task ran.
    pub fn is_empty(&self) -> bool {
        self.lanes.is_empty()
    }

    /// The worker shown in `lane`.
    pub fn worker(&self, lane: usize) -> u32 {
        self.lanes[lane].worker
    }

    /// Number of tasks in `lane`.
    pub fn task_count(&self, lane: usize) -> usize {
        self.lanes[lane].task.len()
    }

    /// Time `lane` spent in tasks within `[t0, t1)`, in O(log n).
    pub fn busy_ns(&self, lane: usize, t0: u64, t1: u64) -> u64 {
        let l = &self.lanes[lane];
        if t0 >= t1 {
            return 0;
        }
        let (lo, hi) = l.overlapping(0, t0, t1);
        l.busy_in(lo, hi, t0, t1)
    }

    /// What to draw in each of `columns` pixel columns of `lane` over `[t0, t1)` (see
    /// [`column_bounds`]). Costs O(columns × log n) however many tasks are in view.
    pub fn columns(&self, lane: usize, t0: u64, t1: u64, columns: usize) -> Vec<Column> {
        let l = &self.lanes[lane];
        let mut from = 0;
        (0..columns)
            .map(|c| {
                let (a, b) = column_bounds(t0, t1, columns, c);
                if a >= b {
                    return Column::Empty;
                }
                let (lo, hi) = l.overlapping(from, a, b);
                from = lo;
                l.column(lo, hi, a, b)
            })
            .collect()
    }

    /// The task running on `lane` at `t` (a 0 ns task counts at its start).
    pub fn task_at(&self, lane: usize, t: u64) -> Option<TaskId> {
        let l = self.lanes.get(lane)?;
        let (lo, hi) = l.overlapping(0, t, t.saturating_add(1));
        (lo < hi).then(|| l.task[lo])
    }
}

#[cfg(test)]
#[path = "lod_tests.rs"]
mod tests;
