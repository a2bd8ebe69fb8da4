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

/// One worker's spans, sorted by start: 20 bytes a span (start, end, task), with
/// prefix sums kept per block of [`BLOCK`] spans and summed within a block when asked.
/// A worker runs one task at a time; overlapping spans are drawn but their busy time
/// may count twice (clamped to the column).
struct Lane {
    worker: u32,
    start: Vec<u64>,
    end: Vec<u64>,
    task: Vec<TaskId>,
    /// `reach[b]`: the highest visible end (a 0 ns span shows as 1 ns) among the
    /// spans of blocks `0..=b`: sorted, so a binary search finds the first block that
    /// may reach past a time.
    reach: Vec<u64>,
    /// `busy[b]`: total duration of the spans before block `b` (`blocks + 1` sums).
    busy: Vec<u64>,
    /// Segment tree over blocks of `BLOCK` spans; leaf `b` is at `blocks + b`.
    tree: Vec<Vote>,
    blocks: usize,
}

/// A lane's spans as they come, in columns.
#[derive(Default)]
struct Spans {
    start: Vec<u64>,
    end: Vec<u64>,
    task: Vec<TaskId>,
}

impl Spans {
    /// Sorted by (start, end, task). A worker runs one task after another: spans
    /// usually come sorted, and are then kept as they are.
    fn sorted(mut self) -> Spans {
        let key = |i: usize| (self.start[i], self.end[i], self.task[i]);
        if (1..self.start.len()).all(|i| key(i - 1) <= key(i)) {
            self.start.shrink_to_fit();
            self.end.shrink_to_fit();
            self.task.shrink_to_fit();
            return self;
        }
        let mut order: Vec<u32> = (0..self.start.len() as u32).collect();
        order.sort_by_key(|&i| key(i as usize));
        let pick = |v: &[u64]| order.iter().map(|&i| v[i as usize]).collect();
        Spans {
            start: pick(&self.start),
            end: pick(&self.end),
            task: order.iter().map(|&i| self.task[i as usize]).collect(),
        }
    }
}

impl Lane {
    /// The lane of `spans`, sorted; `groups` gives each task's group.
    fn new(worker: u32, spans: Spans, groups: &[u32]) -> Lane {
        let Spans { start, end, task } = spans;
        let blocks = start.len().div_ceil(BLOCK);
        let mut reach = Vec::with_capacity(blocks);
        let mut busy = Vec::with_capacity(blocks + 1);
        let mut tree = vec![Vote::NONE; 2 * blocks];
        let (mut top, mut sum) = (0u64, 0u64);
        busy.push(0);
        for b in 0..blocks {
            let mut vote = Vote::NONE;
            for i in b * BLOCK..((b + 1) * BLOCK).min(start.len()) {
                let (s, e) = (start[i], end[i]);
                top = top.max(e.max(s.saturating_add(1)));
                sum += e - s;
                vote = vote.merge(Vote {
                    group: groups[task[i].index()],
                    weight: e - s,
                });
            }
            reach.push(top);
            busy.push(sum);
            tree[blocks + b] = vote;
        }
        for i in (1..blocks).rev() {
            tree[i] = tree[2 * i].merge(tree[2 * i + 1]);
        }
        Lane {
            worker,
            start,
            end,
            task,
            reach,
            busy,
            tree,
            blocks,
        }
    }

    /// Duration of span `i` inside `[a, b)`.
    fn clipped(&self, i: usize, a: u64, b: u64) -> u64 {
        self.end[i].min(b).saturating_sub(self.start[i].max(a))
    }

    /// Total duration of spans `0..i`.
    fn busy_before(&self, i: usize) -> u64 {
        let b = i / BLOCK;
        let within: u64 = (b * BLOCK..i).map(|j| self.end[j] - self.start[j]).sum();
        self.busy[b] + within
    }

    /// The first span at or after `from` whose visible end is past `a`; spans before
    /// `from` are known to end at or before `a`.
    fn first_past(&self, from: usize, a: u64) -> usize {
        let first = from / BLOCK;
        let b = first + gallop(&self.reach[first..], |r| r <= a);
        if b >= self.blocks {
            return self.start.len();
        }
        // Every span before block `b`, and before `from`, ends at or before `a`: the
        // first one after them that ends past `a` is the answer (block `b` has one).
        let visible_end = |i: usize| self.end[i].max(self.start[i].saturating_add(1));
        let lo = from.max(b * BLOCK);
        let hi = ((b + 1) * BLOCK).min(self.start.len());
        (lo..hi).find(|&i| visible_end(i) > a).unwrap_or(hi)
    }

    /// Spans `lo..hi` that overlap `[a, b)`, searching forward from `from`.
    fn overlapping(&self, from: usize, a: u64, b: u64) -> (usize, usize) {
        let lo = self.first_past(from, a);
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
                (self.busy_before(hi) - self.busy_before(lo)).saturating_sub(cut_left + cut_right)
            }
        }
    }

    fn column(&self, lo: usize, hi: usize, a: u64, b: u64, groups: &[u32]) -> Column {
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
                    group: GroupId(self.dominant_group(lo, hi, a, b, groups)),
                }
            }
        }
    }

    fn dominant_group(&self, lo: usize, hi: usize, a: u64, b: u64, groups: &[u32]) -> u32 {
        let group = |i: usize| groups[self.task[i].index()];
        if hi - lo <= EXACT_UP_TO {
            let mut time: Vec<(u32, u64)> = Vec::with_capacity(hi - lo);
            for i in lo..hi {
                let d = self.clipped(i, a, b);
                match time.iter_mut().find(|g| g.0 == group(i)) {
                    Some(g) => g.1 += d,
                    None => time.push((group(i), d)),
                }
            }
            // Most time first, then the lowest group: deterministic.
            time.sort_by(|x, y| y.1.cmp(&x.1).then(x.0.cmp(&y.0)));
            return time[0].0;
        }
        let leaf = |i: usize, weight: u64| Vote {
            group: group(i),
            weight,
        };
        let first = leaf(lo, self.clipped(lo, a, b));
        let last = leaf(hi - 1, self.clipped(hi - 1, a, b));
        first
            .merge(self.vote(lo + 1, hi - 1, groups))
            .merge(last)
            .group
    }

    /// The vote of whole spans `l..r`: partial blocks span by span, whole blocks
    /// from the tree.
    fn vote(&self, l: usize, r: usize, groups: &[u32]) -> Vote {
        let spans = |range: std::ops::Range<usize>| {
            range.fold(Vote::NONE, |v, i| {
                v.merge(Vote {
                    group: groups[self.task[i].index()],
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

/// The timeline's lanes: one per worker, in worker order, and each task's group.
pub struct Lanes {
    lanes: Vec<Lane>,
    /// Each task's group, by task id.
    groups: Vec<u32>,
}

impl Lanes {
    /// Lanes of `spans`; `group_of` names each task's group.
    pub fn new<'a>(
        spans: impl IntoIterator<Item = &'a TaskSpan>,
        group_of: impl Fn(TaskId) -> GroupId,
    ) -> Lanes {
        let spans: Vec<&TaskSpan> = spans.into_iter().collect();
        let tasks = spans.iter().map(|s| s.task.index() + 1).max().unwrap_or(0);
        let groups = (0..tasks).map(|i| group_of(TaskId(i as u32)).0).collect();
        Lanes::of_spans(
            spans.iter().map(|s| (s.worker, s.start, s.end, s.task)),
            groups,
        )
    }

    /// Lanes of spans `(worker, start, end, task)`; `groups` gives each task's group
    /// by task id.
    pub(super) fn of_spans(
        spans: impl Iterator<Item = (u32, u64, u64, TaskId)>,
        groups: Vec<u32>,
    ) -> Lanes {
        // Spans by worker, in columns from the start (a lane's own, not a copy), then
        // each lane in (start, end, task) order, which it usually has already. One sort
        // of every span by worker first was a large part of a 10^6-task replay's
        // making, and a list of tuples beside the columns 24 bytes a span more.
        let mut by_worker: BTreeMap<u32, Spans> = BTreeMap::new();
        let mut last: Option<(u32, &mut Spans)> = None;
        for (worker, start, end, task) in spans {
            let lane = match last.take() {
                Some((w, lane)) if w == worker => lane,
                _ => by_worker.entry(worker).or_default(),
            };
            lane.start.push(start);
            lane.end.push(end);
            lane.task.push(task);
            last = Some((worker, lane));
        }
        let lanes = by_worker
            .into_iter()
            .map(|(worker, spans)| Lane::new(worker, spans.sorted(), &groups))
            .collect();
        Lanes { lanes, groups }
    }

    /// The group of `task`.
    pub fn group_of(&self, task: TaskId) -> GroupId {
        GroupId(self.groups[task.index()])
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
                l.column(lo, hi, a, b, &self.groups)
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
