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
mod times;

use std::collections::BTreeMap;

use taskscope_core::trace::{TaskEvent, TaskStatus, Trace};
use taskscope_core::{TaskGraph, TaskId};
use thiserror::Error;

pub use lod::{Column, GroupId, Lanes, column_bounds};
use memory::{HeldCurve, RssCurve};
use times::SortedTimes;

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
    starts: SortedTimes,
    /// Ends of tasks that finished successfully.
    done_ends: SortedTimes,
    failed_ends: SortedTimes,
}

/// In [`Replay`]'s `event_of`, a task without an event.
const NO_EVENT: u32 = u32::MAX;

/// Each task's event in `trace.events` ([`NO_EVENT`]: none; 4 bytes a task); an error
/// for an event of a task not in the graph, a second event of a task, or an event
/// that ends before it starts (an unfinished one has no end yet).
fn events_by_task(trace: &Trace) -> Result<Vec<u32>, ReplayError> {
    let graph = &trace.graph;
    let mut event_of = vec![NO_EVENT; graph.len()];
    for (i, e) in trace.events.iter().enumerate() {
        let slot = event_of
            .get_mut(e.task.index())
            .ok_or(ReplayError::UnknownTask(e.task))?;
        let key = || graph.task(e.task).key().to_string();
        if *slot != NO_EVENT {
            return Err(ReplayError::DuplicateSpan { key: key() });
        }
        if e.end < e.start && e.status != TaskStatus::Unfinished {
            return Err(ReplayError::EndsBeforeStart {
                key: key(),
                start: e.start,
                end: e.end,
            });
        }
        *slot = i as u32;
    }
    Ok(event_of)
}

/// The group names, sorted, and each task's group as an index into them.
fn group_names(graph: &TaskGraph) -> (Vec<String>, Vec<u32>) {
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
    let group_of = (graph.tasks())
        .map(|(id, _)| rank[graph.group_id(id) as usize])
        .collect();
    (names.keys().map(|g| g.to_string()).collect(), group_of)
}

/// Each group's sorted start and end times, from the spans of `trace`'s events.
fn group_times(trace: &Trace, groups: usize, group_of: &[u32]) -> Vec<GroupTimes> {
    let mut times: Vec<GroupTimes> = (0..groups).map(|_| GroupTimes::default()).collect();
    for &g in group_of {
        times[g as usize].total += 1;
    }
    // One kind of time at a time, each group's list sorted and packed before the next
    // kind is gathered: at most 8 bytes a task in plain lists at once.
    type Kind = (
        fn(&TaskEvent) -> Option<u64>,
        fn(&mut GroupTimes) -> &mut SortedTimes,
    );
    let kinds: [Kind; 3] = [
        (|e| Some(e.start), |g| &mut g.starts),
        (
            |e| (e.status == TaskStatus::Done).then_some(e.end),
            |g| &mut g.done_ends,
        ),
        (
            |e| (e.status == TaskStatus::Failed).then_some(e.end),
            |g| &mut g.failed_ends,
        ),
    ];
    for (time_of, field) in kinds {
        let mut lists: Vec<Vec<u64>> = vec![Vec::new(); groups];
        for e in &trace.events {
            if let Some(t) = time_of(e) {
                lists[group_of[e.task.index()] as usize].push(t);
            }
        }
        for (g, mut list) in lists.into_iter().enumerate() {
            // Events come about in time order: most lists are sorted already.
            if !list.is_sorted() {
                list.sort_unstable();
            }
            *field(&mut times[g]) = SortedTimes::new(&list);
        }
    }
    times
}

/// When an event's span ends: an unfinished task runs until the trace stops.
fn span_end(e: &TaskEvent, trace_end: u64) -> u64 {
    match e.status {
        TaskStatus::Unfinished => trace_end.max(e.start),
        _ => e.end,
    }
}

/// A run, ready to be asked about any moment. It keeps the trace it was made from
/// and reads each task's span from its event: besides the trace, it costs some 60
/// bytes a task (the timeline's lanes, each group's sorted times, the held-memory
/// curve), where a copy of every span cost 40 more. When a task became ready and
/// when its output was released are found from its neighbours' events when asked.
pub struct Replay {
    trace: Trace,
    /// Each task's event, as an index into `trace.events` ([`NO_EVENT`]: none).
    event_of: Vec<u32>,
    /// Where the trace stops, the end of the run: the end record, the last event's
    /// end or start, or the last sample. A task still running then runs until it.
    trace_end: u64,
    /// Group names, sorted; a task's group is an index into it.
    group_names: Vec<String>,
    groups: Vec<GroupTimes>,
    held: HeldCurve,
    rss: RssCurve,
    lanes: Lanes,
}

impl Replay {
    /// The replay of `spans`, at most one per task of `graph` (which it copies).
    pub fn new(
        graph: &TaskGraph,
        spans: impl IntoIterator<Item = TaskSpan>,
    ) -> Result<Self, ReplayError> {
        let mut trace = Trace::of_graph(graph.clone(), None);
        trace.events = spans
            .into_iter()
            .map(|s| TaskEvent {
                task: s.task,
                worker: s.worker,
                start: s.start,
                end: s.end,
                bytes: s.nbytes,
                status: if s.failed {
                    TaskStatus::Failed
                } else {
                    TaskStatus::Done
                },
                extra: None,
            })
            .collect();
        Self::from_trace(trace)
    }

    /// The replay of a run read from a file, which it keeps ([`Replay::trace`]): one
    /// span per event. A failed event is a failed span; an unfinished one runs until
    /// the trace's end and never finishes. Resource samples give [`Replay::rss_at`].
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
    /// let replay = Replay::from_trace(trace).unwrap();
    /// assert_eq!(replay.lanes().task_at(0, 15), Some(taskscope_core::TaskId(0)));
    /// assert_eq!(replay.held_bytes_at(30), 8);
    /// assert_eq!(replay.rss_at(25), Some(4096));
    /// ```
    pub fn from_trace(trace: Trace) -> Result<Self, ReplayError> {
        let event_of = events_by_task(&trace)?;
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
        let (group_names, group_of) = group_names(&trace.graph);
        let (groups, held, lanes) = std::thread::scope(|s| {
            let held = s.spawn(|| {
                HeldCurve::from_steps(crate::held::held_over_time_indexed(&trace, &event_of))
            });
            let groups = group_times(&trace, group_names.len(), &group_of);
            // Slices nested in another (call stacks from profilers) are inside their
            // parent's time: a lane shows only the outermost ones.
            let graph = &trace.graph;
            let nested = |e: &&TaskEvent| {
                graph.has_meta() && graph.task(e.task).meta().contains_key("parent")
            };
            let spans = trace.events.iter().filter(|e| !nested(e));
            let spans = spans.map(|e| (e.worker, e.start, span_end(e, trace_end), e.task));
            let lanes = Lanes::of_spans(spans, group_of);
            let held = held.join().unwrap_or_else(|p| std::panic::resume_unwind(p));
            (groups, held, lanes)
        });
        Ok(Replay {
            rss: RssCurve::new(&trace.samples),
            trace,
            event_of,
            trace_end,
            group_names,
            groups,
            held,
            lanes,
        })
    }

    /// The trace replayed.
    pub fn trace(&self) -> &Trace {
        &self.trace
    }

    /// The trace replayed, given back.
    pub fn into_trace(self) -> Trace {
        self.trace
    }

    /// When the last task ended (for a trace: when the trace ends).
    pub fn end(&self) -> u64 {
        self.trace_end
    }

    /// What `task` did in the run, if it ran.
    pub fn event(&self, task: TaskId) -> Option<&TaskEvent> {
        match self.event_of[task.index()] {
            NO_EVENT => None,
            i => Some(&self.trace.events[i as usize]),
        }
    }

    /// When and where `task` ran; `None` for a task that never started.
    pub fn span(&self, task: TaskId) -> Option<TaskSpan> {
        let e = self.event(task)?;
        Some(TaskSpan {
            task,
            worker: e.worker,
            start: e.start,
            end: span_end(e, self.trace_end),
            nbytes: match e.status {
                TaskStatus::Unfinished => 0,
                _ => e.bytes,
            },
            failed: e.status == TaskStatus::Failed,
        })
    }

    /// When `task` finished successfully, if it did.
    fn finished(&self, task: TaskId) -> Option<u64> {
        self.event(task)
            .filter(|e| e.status == TaskStatus::Done)
            .map(|e| e.end)
    }

    /// The last end of `tasks`, if all finished (0 for none).
    fn all_finished(&self, tasks: &[TaskId]) -> Option<u64> {
        tasks
            .iter()
            .try_fold(0u64, |acc, &d| self.finished(d).map(|e| acc.max(e)))
    }

    /// When every dependency of `task` had finished; `None`: never. O(dependencies).
    pub fn ready_at(&self, task: TaskId) -> Option<u64> {
        self.all_finished(self.trace.graph.task(task).deps())
    }

    /// When the last dependent of `task` finished, so that its output was released;
    /// `None`: never, or `task` is a result. O(dependents).
    pub fn released_at(&self, task: TaskId) -> Option<u64> {
        let dependents = self.trace.graph.dependents(task);
        if dependents.is_empty() {
            return None;
        }
        self.all_finished(dependents)
    }

    /// The state of `task` at time `t` (ns since the start of the run). O(1) for a task
    /// that ran at `t`; else O(its dependencies or dependents).
    pub fn state_at(&self, task: TaskId, t: u64) -> TaskState {
        match self.event(task) {
            Some(e) if t >= e.start => match e.status {
                // Still running when the trace stops: running from then on.
                TaskStatus::Unfinished => TaskState::Running,
                _ if t < e.end => TaskState::Running,
                TaskStatus::Failed => TaskState::Failed,
                TaskStatus::Done if self.released_at(task).is_some_and(|r| r <= t) => {
                    TaskState::Released
                }
                TaskStatus::Done => TaskState::Done,
            },
            _ => self.waiting_or_ready(task, t),
        }
    }

    fn waiting_or_ready(&self, task: TaskId, t: u64) -> TaskState {
        match self.ready_at(task) {
            Some(r) if r <= t => TaskState::Ready,
            _ => TaskState::Waiting,
        }
    }

    /// The state of every task at `t`, indexed by task id. O(tasks + edges).
    pub fn states_at(&self, t: u64) -> Vec<TaskState> {
        (0..self.event_of.len())
            .map(|i| self.state_at(TaskId(i as u32), t))
            .collect()
    }

    /// The group of `task`, an index into [`Replay::group_names`].
    pub fn group_of(&self, task: TaskId) -> GroupId {
        self.lanes.group_of(task)
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
        let done = g.done_ends.count_at_or_before(t);
        let failed = g.failed_ends.count_at_or_before(t);
        let started = g.starts.count_at_or_before(t);
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
