//! The state of a run at any time t, from a graph and the time span of each task.
//!
//! ```
//! use taskscope_core::{GraphBuilder, TaskId, TaskSpec};
//! use taskscope_viewer::{Replay, TaskSpan, TaskState};
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

use std::collections::BTreeMap;

use taskscope_core::{TaskGraph, TaskId};
use thiserror::Error;

/// When and where one task ran. Times are ns since the start of the run; `end` is
/// exclusive.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TaskSpan {
    pub task: TaskId,
    pub worker: u32,
    pub start: u64,
    pub end: u64,
    /// Bytes of the task's output, held until its last dependent has run.
    pub nbytes: u64,
    pub failed: bool,
}

/// The state of a task at one moment of a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TaskState {
    /// Some dependency has not finished.
    Waiting,
    /// Every dependency has finished; the task has not started.
    Ready,
    Running,
    /// Finished; its output is held for dependents that have not all run.
    Done,
    Failed,
    /// Finished, and every dependent has run: its output was dropped.
    Released,
}

/// Progress of one group at one moment.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct GroupProgress {
    pub total: usize,
    pub running: usize,
    /// Finished successfully (held or released).
    pub done: usize,
    pub failed: usize,
}

/// Spans that do not fit the graph.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ReplayError {
    #[error("span for task {0}, which is not in the graph")]
    UnknownTask(TaskId),
    #[error("task {key:?} has two spans")]
    DuplicateSpan { key: String },
    #[error("task {key:?} ends at {end} ns, before it starts at {start} ns")]
    EndsBeforeStart { key: String, start: u64, end: u64 },
}

/// A run, ready to be asked about any moment.
pub struct Replay<'g> {
    graph: &'g TaskGraph,
    spans: Vec<Option<TaskSpan>>,
    /// When all dependencies had finished (None: never).
    ready_at: Vec<Option<u64>>,
    /// When the last dependent finished (None: never, or the task is a result).
    released_at: Vec<Option<u64>>,
    end: u64,
}

impl<'g> Replay<'g> {
    pub fn new(
        graph: &'g TaskGraph,
        spans: impl IntoIterator<Item = TaskSpan>,
    ) -> Result<Self, ReplayError> {
        let n = graph.len();
        let mut by_task: Vec<Option<TaskSpan>> = vec![None; n];
        for s in spans {
            let slot = by_task
                .get_mut(s.task.index())
                .ok_or(ReplayError::UnknownTask(s.task))?;
            let key = || graph.task(s.task).key.clone();
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
        let finished = |id: TaskId| by_task[id.index()].filter(|s| !s.failed).map(|s| s.end);
        let latest = |ids: &[TaskId]| -> Option<u64> {
            ids.iter()
                .try_fold(0u64, |acc, &d| finished(d).map(|e| acc.max(e)))
        };
        let ready_at = (0..n)
            .map(|i| latest(graph.task(TaskId(i as u32)).deps()))
            .collect();
        let released_at = (0..n)
            .map(|i| {
                let dependents = graph.dependents(TaskId(i as u32));
                if dependents.is_empty() {
                    None
                } else {
                    latest(dependents)
                }
            })
            .collect();
        let end = by_task.iter().flatten().map(|s| s.end).max().unwrap_or(0);
        Ok(Replay {
            graph,
            spans: by_task,
            ready_at,
            released_at,
            end,
        })
    }

    /// When the last task ended.
    pub fn end(&self) -> u64 {
        self.end
    }

    pub fn span(&self, task: TaskId) -> Option<&TaskSpan> {
        self.spans[task.index()].as_ref()
    }

    pub fn state_at(&self, task: TaskId, t: u64) -> TaskState {
        let i = task.index();
        match &self.spans[i] {
            Some(s) if t >= s.end => {
                if s.failed {
                    TaskState::Failed
                } else if self.released_at[i].is_some_and(|r| r <= t) {
                    TaskState::Released
                } else {
                    TaskState::Done
                }
            }
            Some(s) if t >= s.start => TaskState::Running,
            _ if self.ready_at[i].is_some_and(|r| r <= t) => TaskState::Ready,
            _ => TaskState::Waiting,
        }
    }

    /// The state of every task at `t`, indexed by task id.
    pub fn states_at(&self, t: u64) -> Vec<TaskState> {
        (0..self.graph.len())
            .map(|i| self.state_at(TaskId(i as u32), t))
            .collect()
    }

    /// Bytes of outputs held at `t`: finished tasks whose dependents have not all run.
    pub fn held_bytes_at(&self, t: u64) -> u64 {
        self.spans
            .iter()
            .flatten()
            .filter(|s| self.state_at(s.task, t) == TaskState::Done)
            .map(|s| s.nbytes)
            .sum()
    }

    /// Progress of every group at `t`, by group name.
    pub fn group_progress_at(&self, t: u64) -> BTreeMap<&'g str, GroupProgress> {
        let mut out: BTreeMap<&'g str, GroupProgress> = BTreeMap::new();
        for (id, task) in self.graph.tasks() {
            let p = out.entry(task.group.as_str()).or_default();
            p.total += 1;
            match self.state_at(id, t) {
                TaskState::Running => p.running += 1,
                TaskState::Done | TaskState::Released => p.done += 1,
                TaskState::Failed => p.failed += 1,
                TaskState::Waiting | TaskState::Ready => {}
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use taskscope_core::delayed;

    /// Runs the tutorial's delayed graph on a fake clock: task i runs on worker i % 2
    /// from 10 * position to 10 * position + 5, in topological order.
    fn tutorial_replay(graph: &TaskGraph) -> Vec<TaskSpan> {
        graph
            .topological_order()
            .iter()
            .enumerate()
            .map(|(pos, &task)| TaskSpan {
                task,
                worker: (pos % 2) as u32,
                start: 10 * pos as u64,
                end: 10 * pos as u64 + 5,
                nbytes: 8,
                failed: false,
            })
            .collect()
    }

    #[test]
    fn states_follow_the_run() {
        let total = delayed::tutorial();
        let program = total.program().unwrap();
        let g = program.graph();
        let replay = Replay::new(g, tutorial_replay(g)).unwrap();
        assert_eq!(replay.end(), 155);
        let states = replay.states_at(0);
        // At t=0 the first task runs, every other source is ready, the rest wait.
        assert_eq!(
            states.iter().filter(|&&s| s == TaskState::Running).count(),
            1
        );
        assert_eq!(states.iter().filter(|&&s| s == TaskState::Ready).count(), 9);
        assert_eq!(
            states.iter().filter(|&&s| s == TaskState::Waiting).count(),
            6
        );
        let end = replay.states_at(replay.end());
        let sum = g.id_of(total.key()).unwrap();
        // At the end everything ran; only the result is still held.
        assert_eq!(end[sum.index()], TaskState::Done);
        assert_eq!(
            end.iter().filter(|&&s| s == TaskState::Released).count(),
            15
        );
        assert_eq!(replay.held_bytes_at(replay.end()), 8);
        let progress = replay.group_progress_at(replay.end());
        assert_eq!(
            progress["add"],
            GroupProgress {
                total: 5,
                running: 0,
                done: 5,
                failed: 0
            }
        );
    }

    #[test]
    fn held_bytes_rise_and_fall() {
        let total = delayed::tutorial();
        let program = total.program().unwrap();
        let g = program.graph();
        let replay = Replay::new(g, tutorial_replay(g)).unwrap();
        let curve: Vec<u64> = (0..=replay.end())
            .step_by(5)
            .map(|t| replay.held_bytes_at(t))
            .collect();
        let peak = *curve.iter().max().unwrap();
        // Kahn's order runs all 10 sources before any add: 10 outputs held at once.
        assert_eq!(peak, 80);
        assert_eq!(curve[0], 0);
        assert_eq!(*curve.last().unwrap(), 8);
    }

    #[test]
    fn a_failed_task_blocks_its_dependents() {
        let total = delayed::tutorial();
        let program = total.program().unwrap();
        let g = program.graph();
        let mut spans = tutorial_replay(g);
        let failing = spans
            .iter()
            .position(|s| g.task(s.task).group == "add")
            .unwrap();
        spans[failing].failed = true;
        let failed_id = spans[failing].task;
        spans.retain(|s| s.task != g.id_of(total.key()).unwrap());
        let replay = Replay::new(g, spans).unwrap();
        let t = replay.end() + 100;
        assert_eq!(replay.state_at(failed_id, t), TaskState::Failed);
        assert_eq!(
            replay.state_at(g.id_of(total.key()).unwrap(), t),
            TaskState::Waiting
        );
        assert_eq!(replay.group_progress_at(t)["add"].failed, 1);
    }

    #[test]
    fn bad_spans_are_errors() {
        let total = delayed::tutorial();
        let program = total.program().unwrap();
        let g = program.graph();
        let span = |task, start, end| TaskSpan {
            task,
            worker: 0,
            start,
            end,
            nbytes: 0,
            failed: false,
        };
        assert_eq!(
            Replay::new(g, [span(TaskId(99), 0, 1)]).err(),
            Some(ReplayError::UnknownTask(TaskId(99)))
        );
        assert!(matches!(
            Replay::new(g, [span(TaskId(0), 0, 1), span(TaskId(0), 2, 3)]).err(),
            Some(ReplayError::DuplicateSpan { .. })
        ));
        assert!(matches!(
            Replay::new(g, [span(TaskId(0), 5, 1)]).err(),
            Some(ReplayError::EndsBeforeStart {
                start: 5,
                end: 1,
                ..
            })
        ));
    }
}
