//! The state of a run at any time t, from a graph and the time span of each task.
//!
//! ```
//! use taskscope_core::{GraphBuilder, TaskId, TaskSpec};
//! use taskscope_analysis::replay::{Replay, TaskSpan, TaskState};
//!
//! let mut b = GraphBuilder::new();
//! b.add(TaskSpec::new("load", "load"));
//! b.add(TaskSpec::new("sum", "sum").dep("load"));
//! let g = b.build().unwrap();
//! let spans = [
//!     TaskSpan { task: TaskId(0), worker: 0, start: 0, end: 10, nbytes: 800, failed: false },
//!     TaskSpan { task: TaskId(1), worker: 0, start: 12, end: 20, nbytes: 8, failed: false },
//! ];
//! let replay = Replay::new(&g, spans).unwrap();
//! assert_eq!(replay.state_at(TaskId(1), 11), TaskState::Ready);
//! assert_eq!(replay.state_at(TaskId(0), 15), TaskState::Done);
//! assert_eq!(replay.state_at(TaskId(0), 20), TaskState::Released);
//! assert_eq!(replay.held_bytes_at(15), 800);
//! ```

mod lod;
mod memory;

use std::collections::BTreeMap;

use taskscope_core::trace::{TaskStatus, Trace};
use taskscope_core::{TaskGraph, TaskId};
use thiserror::Error;

pub use lod::{Column, GroupId, Lanes, column_bounds};
use memory::{HeldCurve, RssCurve};

/// When and where one task ran. Times are ns since the start of the run; `end` is
/// exclusive.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TaskSpan {
    /// The task that ran.
    pub task: TaskId,
    /// The worker that ran it.
    pub worker: u32,
    /// When it started, in ns.
    pub start: u64,
    /// When it ended, in ns (exclusive).
    pub end: u64,
    /// Bytes of the task's output, held until its last dependent has run.
    pub nbytes: u64,
    /// The task failed: its dependents never run.
    pub failed: bool,
}

/// The state of a task at one moment of a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TaskState {
    /// Some dependency has not finished.
    Waiting,
    /// Every dependency has finished; the task has not started.
    Ready,
    /// Started and not finished.
    Running,
    /// Finished; its output is held for dependents that have not all run.
    Done,
    /// Finished with an error.
    Failed,
    /// Finished, and every dependent has run: its output was dropped.
    Released,
}

/// Progress of one group at one moment.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct GroupProgress {
    /// Tasks of the group in the graph.
    pub total: usize,
    /// Tasks running at that moment.
    pub running: usize,
    /// Finished successfully (held or released).
    pub done: usize,
    /// Finished with an error.
    pub failed: usize,
}

/// Spans that do not fit the graph.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ReplayError {
    /// A span names a task id the graph does not have.
    #[error("span for task {0}, which is not in the graph")]
    UnknownTask(TaskId),
    /// A task has more than one span.
    #[error("task {key:?} has two spans")]
    DuplicateSpan {
        /// The task's key.
        key: String,
    },
    /// A span ends before it starts.
    #[error("task {key:?} ends at {end} ns, before it starts at {start} ns")]
    EndsBeforeStart {
        /// The task's key.
        key: String,
        /// Its start, in ns.
        start: u64,
        /// Its end, in ns.
        end: u64,
    },
}

/// Sorted start and end times of one group's spans, for counting by binary search.
#[derive(Default)]
struct GroupTimes {
    total: usize,
    starts: Vec<u64>,
    /// Ends of tasks that finished successfully.
    done_ends: Vec<u64>,
    failed_ends: Vec<u64>,
}

/// How many of the sorted `times` are at or before `t`.
fn count_at_or_before(times: &[u64], t: u64) -> usize {
    times.partition_point(|&x| x <= t)
}

/// The span of each task, indexed by task id; an error for a span of a task not in
/// `graph`, a second span of a task, or a span that ends before it starts.
fn spans_by_task(
    graph: &TaskGraph,
    spans: impl IntoIterator<Item = TaskSpan>,
) -> Result<Vec<Option<TaskSpan>>, ReplayError> {
    let mut by_task: Vec<Option<TaskSpan>> = vec![None; graph.len()];
    for s in spans {
        let slot = by_task
            .get_mut(s.task.index())
            .ok_or(ReplayError::UnknownTask(s.task))?;
        let key = || graph.task(s.task).key().to_string();
        if slot.is_some() {
            return Err(ReplayError::DuplicateSpan { key: key() });
        }
        if s.end < s.start {
            return Err(ReplayError::EndsBeforeStart {
                key: key(),
                start: s.start,
                end: s.end,
            });
        }
        *slot = Some(s);
    }
    Ok(by_task)
}

/// The time of what never happens in [`Replay`]'s per-task times.
const NEVER: u64 = u64::MAX;

/// For each task, when it became ready (its last dependency finished) and when its
/// output was released (its last dependent finished); `None`: never, or, for the
/// release, the task is a result.
fn ready_and_released(
    graph: &TaskGraph,
    by_task: &[Option<TaskSpan>],
    unfinished: &[bool],
) -> (Vec<u64>, Vec<u64>) {
    let finished = |id: TaskId| {
        by_task[id.index()]
            .filter(|s| !s.failed && !unfinished[id.index()])
            .map(|s| s.end)
    };
    let latest = |ids: &[TaskId]| -> Option<u64> {
        ids.iter()
            .try_fold(0u64, |acc, &d| finished(d).map(|e| acc.max(e)))
    };
    let ready_at = (0..graph.len())
        .map(|i| latest(graph.task(TaskId(i as u32)).deps()).unwrap_or(NEVER))
        .collect();
    let released_at = (0..graph.len())
        .map(|i| {
            let dependents = graph.dependents(TaskId(i as u32));
            if dependents.is_empty() {
                NEVER
            } else {
                latest(dependents).unwrap_or(NEVER)
            }
        })
        .collect();
    (ready_at, released_at)
}

/// The group names, sorted; each task's group as an index into them; and each
/// group's sorted start and end times.
fn group_times(
    graph: &TaskGraph,
    by_task: &[Option<TaskSpan>],
    unfinished: &[bool],
) -> (Vec<String>, Vec<u32>, Vec<GroupTimes>) {
    // Each group's name id in the graph, by name; then each name id's place in that
    // order: one string comparison per group, not per task.
    let mut names: BTreeMap<&str, u32> = BTreeMap::new();
    let mut rank: Vec<u32> = Vec::new();
    for (id, _) in graph.tasks() {
        let name = graph.group_id(id) as usize;
        if rank.len() <= name {
            rank.resize(name + 1, u32::MAX);
        }
        if rank[name] == u32::MAX {
            rank[name] = 0;
            names.insert(graph.group_name(name as u32), name as u32);
        }
    }
    for (i, &name) in names.values().enumerate() {
        rank[name as usize] = i as u32;
    }
    let group_of: Vec<u32> = (graph.tasks())
        .map(|(id, _)| rank[graph.group_id(id) as usize])
        .collect();
    let group_names: Vec<String> = names.keys().map(|g| g.to_string()).collect();
    let mut groups: Vec<GroupTimes> = group_names.iter().map(|_| GroupTimes::default()).collect();
    for (i, &g) in group_of.iter().enumerate() {
        let times = &mut groups[g as usize];
        times.total += 1;
        if let Some(s) = &by_task[i] {
            times.starts.push(s.start);
            if s.failed {
                times.failed_ends.push(s.end);
            } else if !unfinished[i] {
                times.done_ends.push(s.end);
            }
        }
    }
    for times in &mut groups {
        times.starts.sort_unstable();
        times.done_ends.sort_unstable();
        times.failed_ends.sort_unstable();
    }
    (group_names, group_of, groups)
}

/// A run, ready to be asked about any moment.
pub struct Replay {
    spans: Vec<Option<TaskSpan>>,
    /// Tasks that started but never finished (the trace stops while they run).
    unfinished: Vec<bool>,
    /// When all dependencies had finished ([`NEVER`]: never). 8 bytes a task, where an
    /// `Option<u64>` takes 16.
    ready_at: Vec<u64>,
    /// When the last dependent finished ([`NEVER`]: never, or the task is a result).
    released_at: Vec<u64>,
    end: u64,
    /// Group names, sorted; a task's group is an index into it.
    group_names: Vec<String>,
    groups: Vec<GroupTimes>,
    held: HeldCurve,
    rss: RssCurve,
    lanes: Lanes,
}

impl Replay {
    /// The replay of `spans`, at most one per task of `graph`.
    pub fn new(
        graph: &TaskGraph,
        spans: impl IntoIterator<Item = TaskSpan>,
    ) -> Result<Self, ReplayError> {
        Self::build(graph, spans, &[], None)
    }

    /// The replay of a run read from a file: one span per event. A failed event is a
    /// failed span; an unfinished one runs until the trace's end and never finishes.
    /// Resource samples give [`Replay::rss_at`].
    ///
    /// ```
    /// use taskscope_core::trace::parse;
    /// use taskscope_analysis::replay::Replay;
    ///
    /// let file = r#"{"type":"header","format":"taskscope","version":1,"tool":"t","clock":"ns"}
    /// {"type":"task","id":0,"key":"a","group":"a","op":"a"}
    /// {"type":"event","task":0,"worker":0,"start":10,"end":30,"status":"done","bytes":8}
    /// {"type":"sample","t":20,"rss":4096,"held":0}
    /// {"type":"end","tasks":1,"edges":0}
    /// "#;
    /// let trace = parse(file.as_bytes(), "inline").unwrap();
    /// let replay = Replay::from_trace(&trace).unwrap();
    /// assert_eq!(replay.lanes().task_at(0, 15), Some(taskscope_core::TaskId(0)));
    /// assert_eq!(replay.held_bytes_at(30), 8);
    /// assert_eq!(replay.rss_at(25), Some(4096));
    /// ```
    pub fn from_trace(trace: &Trace) -> Result<Self, ReplayError> {
        let trace_end = trace
            .end
            .as_ref()
            .map_or(0, |e| e.wall)
            .max(
                trace
                    .events
                    .iter()
                    .map(|e| e.end.max(e.start))
                    .max()
                    .unwrap_or(0),
            )
            .max(trace.samples.iter().map(|s| s.t).max().unwrap_or(0));
        let mut unfinished = Vec::new();
        let spans: Vec<TaskSpan> = trace
            .events
            .iter()
            .map(|e| {
                let open = e.status == TaskStatus::Unfinished;
                if open {
                    unfinished.push(e.task);
                }
                TaskSpan {
                    task: e.task,
                    worker: e.worker,
                    start: e.start,
                    end: if open { trace_end.max(e.start) } else { e.end },
                    nbytes: if open { 0 } else { e.bytes },
                    failed: e.status == TaskStatus::Failed,
                }
            })
            .collect();
        // The held-memory curve straight from the events (the same rule as from the
        // spans, and no sort when the events come in time order, as written).
        let held = HeldCurve::from_steps(crate::held::held_over_time(trace));
        let mut replay = Self::build(&trace.graph, spans, &unfinished, Some(held))?;
        replay.end = replay.end.max(trace_end);
        replay.rss = RssCurve::new(&trace.samples);
        Ok(replay)
    }

    /// The replay of `spans`; `unfinished_tasks` started and never finished.
    fn build(
        graph: &TaskGraph,
        spans: impl IntoIterator<Item = TaskSpan>,
        unfinished_tasks: &[TaskId],
        held: Option<HeldCurve>,
    ) -> Result<Self, ReplayError> {
        let by_task = spans_by_task(graph, spans)?;
        let mut unfinished = vec![false; graph.len()];
        for t in unfinished_tasks {
            unfinished[t.index()] = true;
        }
        let (ready_at, released_at) = ready_and_released(graph, &by_task, &unfinished);
        let end = by_task.iter().flatten().map(|s| s.end).max().unwrap_or(0);
        let (group_names, group_of, groups) = group_times(graph, &by_task, &unfinished);
        let finished_spans = by_task
            .iter()
            .flatten()
            .filter(|s| !s.failed && !unfinished[s.task.index()]);
        let held = held.unwrap_or_else(|| {
            HeldCurve::new(finished_spans.map(|s| {
                let released = released_at[s.task.index()];
                (s.end, (released != NEVER).then_some(released), s.nbytes)
            }))
        });
        // Slices nested in another (call stacks from profilers) are inside their
        // parent's time: a lane shows only the outermost ones.
        let lanes = Lanes::new(
            by_task
                .iter()
                .flatten()
                .filter(|s| !graph.task(s.task).meta().contains_key("parent")),
            |task| GroupId(group_of[task.index()]),
        );
        Ok(Replay {
            spans: by_task,
            unfinished,
            ready_at,
            released_at,
            end,
            group_names,
            groups,
            held,
            rss: RssCurve::default(),
            lanes,
        })
    }

    /// When the last task ended (for a trace: when the trace ends).
    pub fn end(&self) -> u64 {
        self.end
    }

    /// When and where `task` ran; `None` for a task that never started.
    pub fn span(&self, task: TaskId) -> Option<&TaskSpan> {
        self.spans[task.index()].as_ref()
    }

    /// The state of `task` at time `t` (ns since the start of the run).
    pub fn state_at(&self, task: TaskId, t: u64) -> TaskState {
        let i = task.index();
        match &self.spans[i] {
            Some(s) if self.unfinished[i] && t >= s.start => TaskState::Running,
            Some(s) if t >= s.end => {
                if s.failed {
                    TaskState::Failed
                } else if self.released_at[i] != NEVER && self.released_at[i] <= t {
                    TaskState::Released
                } else {
                    TaskState::Done
                }
            }
            Some(s) if t >= s.start => TaskState::Running,
            _ if self.ready_at[i] != NEVER && self.ready_at[i] <= t => TaskState::Ready,
            _ => TaskState::Waiting,
        }
    }

    /// The state of every task at `t`, indexed by task id.
    pub fn states_at(&self, t: u64) -> Vec<TaskState> {
        (0..self.spans.len())
            .map(|i| self.state_at(TaskId(i as u32), t))
            .collect()
    }

    /// Bytes of outputs held at `t`: finished tasks whose dependents have not all run.
    /// O(log n): the step curve is computed once.
    pub fn held_bytes_at(&self, t: u64) -> u64 {
        self.held.at(t)
    }

    /// The steps of held bytes over the run, `(time, bytes held from then on)`, for a
    /// memory plot.
    pub fn held_steps(&self) -> &[(u64, u64)] {
        self.held.steps()
    }

    /// Resident memory of the process at `t`: the last sample with an RSS at or
    /// before `t`; `None` before the first (and for replays without samples).
    pub fn rss_at(&self, t: u64) -> Option<u64> {
        self.rss.at(t)
    }

    /// The samples' RSS over the run, `(time, bytes)`, in time order.
    pub fn rss_samples(&self) -> &[(u64, u64)] {
        self.rss.points()
    }

    /// Group names, sorted; [`GroupId`] indexes this list.
    pub fn group_names(&self) -> &[String] {
        &self.group_names
    }

    /// The name of a group, as found in [`Column::Merged`].
    pub fn group_name(&self, group: GroupId) -> &str {
        &self.group_names[group.0 as usize]
    }

    /// Progress of every group at `t`, by group name. O(groups × log n).
    pub fn group_progress_at(&self, t: u64) -> BTreeMap<&str, GroupProgress> {
        (0..self.groups.len())
            .map(|g| {
                let id = GroupId(g as u32);
                (self.group_name(id), self.progress_of(id, t))
            })
            .collect()
    }

    /// Progress of one group at `t`. O(log n).
    pub fn progress_of(&self, group: GroupId, t: u64) -> GroupProgress {
        let g = &self.groups[group.0 as usize];
        let done = count_at_or_before(&g.done_ends, t);
        let failed = count_at_or_before(&g.failed_ends, t);
        let started = count_at_or_before(&g.starts, t);
        GroupProgress {
            total: g.total,
            running: started - done - failed,
            done,
            failed,
        }
    }

    /// The timeline's lanes, one per worker, for level-of-detail queries.
    pub fn lanes(&self) -> &Lanes {
        &self.lanes
    }

    /// What to draw in each of `columns` pixel columns of `lane` over `[t0, t1)`.
    /// See [`Lanes::columns`].
    pub fn lane_columns(&self, lane: usize, t0: u64, t1: u64, columns: usize) -> Vec<Column> {
        self.lanes.columns(lane, t0, t1, columns)
    }

    /// The task running on `lane` at `t`, for hover and click.
    pub fn task_at(&self, lane: usize, t: u64) -> Option<TaskId> {
        self.lanes.task_at(lane, t)
    }
}

#[cfg(test)]
mod tests;
