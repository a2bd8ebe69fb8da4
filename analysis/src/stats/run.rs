//! Figures of a recorded run: wall and busy time, utilization, time and bytes per
//! group, peaks of memory, and the measured critical path.

use std::collections::BTreeMap;
use std::fmt::Write;

use serde::Serialize;

use taskscope_core::TaskId;
use taskscope_core::trace::{RunStatus, TaskStatus, Trace};
use taskscope_core::units::{elide, format_bytes, format_ns};

use crate::held::held_over_time;

/// What one worker did.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct WorkerRun {
    /// Time it spent running tasks: the sum of their durations, in ns (a task nested
    /// in another counts once).
    pub busy_ns: u64,
    /// Tasks it ran.
    pub tasks: usize,
    /// Share of the run's wall time it was busy, `busy_ns / wall_ns` (0.5 is half).
    pub utilization: f64,
    /// The worker's number, as in the trace.
    pub worker: u32,
}

/// Time and bytes of one group's tasks.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct GroupRun {
    /// Bytes of the outputs of its tasks.
    pub bytes: u64,
    /// Duration of its longest task, in ns.
    pub max_ns: u64,
    /// Mean duration of its tasks that ran, in ns (rounded down).
    pub mean_ns: u64,
    /// Tasks of the group that ran.
    pub tasks: usize,
    /// Sum of their durations, in ns.
    pub time_ns: u64,
}

/// The chain of dependent tasks with the longest total measured duration.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MeasuredPath {
    /// Sum of the durations of its tasks, in ns: the run cannot be shorter than this
    /// however many workers it has.
    pub duration_ns: u64,
    /// Its tasks, first to last, with their durations.
    pub steps: Vec<PathStep>,
    /// Number of tasks on it.
    pub tasks: usize,
}

/// One task of the measured critical path.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PathStep {
    /// How long the task ran, in ns.
    pub duration_ns: u64,
    /// The task's key.
    pub key: String,
    /// The task, in the graph the figures were made from (not in the JSON: ids are
    /// the file's own).
    #[serde(skip)]
    pub task: TaskId,
}

/// Figures of a run. Fields in alphabetical order (sorted JSON keys).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RunStats {
    /// Time all workers spent running tasks: the sum of their busy times, in ns.
    pub busy_ns: u64,
    /// The chain of dependent tasks that took longest, as measured.
    pub critical_path: MeasuredPath,
    /// Task executions recorded (one per task that started).
    pub events: usize,
    /// Tasks that failed.
    pub failed: usize,
    /// Time and bytes of each group's tasks, by group name.
    pub group_runs: BTreeMap<String, GroupRun>,
    /// Most bytes of task outputs held at once: an output is held from its task's end
    /// until its last dependent ends (exact, from the events).
    pub peak_held_bytes: u64,
    /// Highest resident memory of the process among the samples, in bytes; `None`
    /// when the run has no memory samples.
    pub peak_rss_bytes: Option<u64>,
    /// `ok`, `failed` or `cancelled`; `None` when the run has no end record.
    pub status: Option<RunStatus>,
    /// Share of the workers' time spent running tasks, `busy_ns / (wall_ns * workers)`
    /// (0.86 is 86%).
    pub utilization: f64,
    /// The run's wall time in ns: from the end record, else the last event's end.
    pub wall_ns: u64,
    /// What each worker did, by worker number.
    pub workers: Vec<WorkerRun>,
}

/// Workers numbered below this are counted in a vector.
const DENSE_WORKERS: u32 = 1 << 16;

impl RunStats {
    /// Figures of the run in `trace`; `None` for a graph without events.
    pub fn of(trace: &Trace) -> Option<RunStats> {
        Self::with_held_curve(trace).map(|(stats, _)| stats)
    }

    /// [`RunStats::of`] and the held-memory curve its `peak_held_bytes` comes from
    /// (`held_over_time`), for callers that draw the curve too. The sweep is the
    /// longest figure of a large run: it runs beside the others.
    pub fn with_held_curve(trace: &Trace) -> Option<(RunStats, Vec<(u64, u64)>)> {
        if !trace.is_run() {
            return None;
        }
        let (held, mut stats) = taskscope_core::parallel::join(
            trace.events.len(),
            || held_over_time(trace),
            || Self::without_held(trace),
        );
        stats.peak_held_bytes = held.iter().map(|s| s.1).max().unwrap_or(0);
        Some((stats, held))
    }

    /// Every figure of a run but `peak_held_bytes` (left 0), for callers that sweep
    /// the held memory anyway (the viewer's replay keeps the whole curve): the sweep
    /// is the costliest figure of a large run. `None` for a graph without events.
    pub fn of_without_held(trace: &Trace) -> Option<RunStats> {
        trace.is_run().then(|| Self::without_held(trace))
    }

    fn without_held(trace: &Trace) -> RunStats {
        let g = &trace.graph;
        let wall_ns = trace
            .end
            .as_ref()
            .map(|e| e.wall)
            .filter(|&w| w > 0)
            .unwrap_or_else(|| trace.events.iter().map(|e| e.end).max().unwrap_or(0));
        let Tally {
            duration,
            workers,
            mut group_runs,
            failed,
        } = Tally::of(trace);
        for gr in group_runs.values_mut() {
            gr.mean_ns = gr.time_ns / gr.tasks.max(1) as u64;
        }
        // Sums saturate: a file may hold any numbers, and its figures must still print.
        let busy_ns = workers.values().fold(0u64, |s, w| s.saturating_add(w.1));
        let share = |busy: u64, lanes: u64| {
            if wall_ns == 0 {
                0.0
            } else {
                busy as f64 / (wall_ns as f64 * lanes as f64)
            }
        };
        let lanes = trace
            .header
            .run
            .as_ref()
            .map_or(0, |r| r.workers as usize)
            .max(workers.len())
            .max(1);
        let path = g.critical_path(|id| duration[id.index()] as f64);
        let steps: Vec<PathStep> = path
            .tasks
            .iter()
            .map(|&id| PathStep {
                duration_ns: duration[id.index()],
                key: g.task(id).key().to_string(),
                task: id,
            })
            .collect();
        RunStats {
            busy_ns,
            critical_path: MeasuredPath {
                duration_ns: steps
                    .iter()
                    .fold(0u64, |s, p| s.saturating_add(p.duration_ns)),
                tasks: steps.len(),
                steps,
            },
            events: trace.events.len(),
            failed,
            group_runs,
            peak_held_bytes: 0,
            peak_rss_bytes: trace.samples.iter().filter_map(|s| s.rss).max(),
            status: trace.end.as_ref().map(|e| e.status),
            utilization: share(busy_ns, lanes as u64),
            wall_ns,
            workers: workers
                .into_iter()
                .map(|(worker, (tasks, busy))| WorkerRun {
                    busy_ns: busy,
                    tasks,
                    utilization: share(busy, 1),
                    worker,
                })
                .collect(),
        }
    }

    /// The run section of `taskscope stats` for people.
    pub fn to_text(&self) -> String {
        let mut s = String::new();
        let status = match self.status {
            Some(RunStatus::Ok) => "ok",
            Some(RunStatus::Failed) => "FAILED",
            Some(RunStatus::Cancelled) => "cancelled",
            None => "no end record",
        };
        let _ = writeln!(
            s,
            "  run: {status}, {} events, {} failed",
            self.events, self.failed
        );
        let _ = writeln!(s, "  {:<22} {:>9}", "wall", format_ns(self.wall_ns));
        let _ = writeln!(
            s,
            "  {:<22} {:>9}   utilization {:.0}%",
            "busy (all workers)",
            format_ns(self.busy_ns),
            self.utilization * 100.0
        );
        if self.utilization > 1.0 {
            // Only overlapping tasks on one worker do this: nested `tracing` spans.
            let _ = writeln!(
                s,
                "  {:<22} tasks overlap on a worker (nested spans: a parent's time holds \
                 its children's), so busy time counts that time more than once",
                ""
            );
        }
        for w in &self.workers {
            let _ = writeln!(
                s,
                "    worker {:<13} {:>9}   {} tasks, {:.0}% busy",
                w.worker,
                format_ns(w.busy_ns),
                w.tasks,
                w.utilization * 100.0
            );
        }
        if let Some(rss) = self.peak_rss_bytes {
            let _ = writeln!(s, "  {:<22} {:>9}", "peak RSS", format_bytes(rss));
        }
        let _ = writeln!(
            s,
            "  {:<22} {:>9}",
            "peak held outputs",
            format_bytes(self.peak_held_bytes)
        );
        let cp = &self.critical_path;
        let _ = writeln!(
            s,
            "  critical path, measured: {} tasks, {}",
            cp.tasks,
            format_ns(cp.duration_ns)
        );
        for step in &cp.steps {
            let _ = writeln!(s, "    {:>9}  {}", format_ns(step.duration_ns), step.key);
        }
        let mut groups: Vec<(&String, &GroupRun)> = self.group_runs.iter().collect();
        groups.sort_by(|a, b| b.1.time_ns.cmp(&a.1.time_ns).then(a.0.cmp(b.0)));
        let width = super::name_column_width(groups.iter().map(|(n, _)| *n));
        let _ = writeln!(
            s,
            "  {:<w$} {:>6} {:>9} {:>9} {:>10}",
            "groups by time",
            "tasks",
            "time",
            "mean",
            "bytes",
            w = width + 2
        );
        for (name, gr) in groups {
            let _ = writeln!(
                s,
                "    {:<width$} {:>6} {:>9} {:>9} {:>10}",
                elide(name, width),
                gr.tasks,
                format_ns(gr.time_ns),
                format_ns(gr.mean_ns),
                format_bytes(gr.bytes)
            );
        }
        s
    }
}

/// What the events say per task, worker and group, in one pass over them.
struct Tally {
    /// Each task's last event's duration, by task id.
    duration: Vec<u64>,
    /// (tasks, busy ns) by worker.
    workers: BTreeMap<u32, (usize, u64)>,
    group_runs: BTreeMap<String, GroupRun>,
    failed: usize,
}

impl Tally {
    fn of(trace: &Trace) -> Tally {
        let g = &trace.graph;
        let mut duration = vec![0u64; g.len()];
        // Tasks and busy time by worker: in a vector for the usual small worker
        // numbers (a map's search per event was a tenth of this loop at 10^7 events).
        let mut dense: Vec<(usize, u64)> = Vec::new();
        let mut workers: BTreeMap<u32, (usize, u64)> = BTreeMap::new();
        // By the graph's group name id: no string per event.
        let mut by_group: Vec<Option<GroupRun>> = Vec::new();
        let mut failed = 0;
        for e in &trace.events {
            let d = e.duration();
            duration[e.task.index()] = d;
            if e.status == TaskStatus::Failed {
                failed += 1;
            }
            let w = if e.worker < DENSE_WORKERS {
                let i = e.worker as usize;
                if dense.len() <= i {
                    dense.resize(i + 1, (0, 0));
                }
                &mut dense[i]
            } else {
                workers.entry(e.worker).or_default()
            };
            w.0 += 1;
            // A slice nested in another (call stacks from profilers) is already
            // inside its parent's time: count a worker's busy time once.
            if !g.task(e.task).meta().contains_key("parent") {
                w.1 = w.1.saturating_add(d);
            }
            let group = g.group_id(e.task) as usize;
            if by_group.len() <= group {
                by_group.resize_with(group + 1, || None);
            }
            let gr = by_group[group].get_or_insert_with(GroupRun::default);
            gr.tasks += 1;
            gr.time_ns = gr.time_ns.saturating_add(d);
            gr.max_ns = gr.max_ns.max(d);
            gr.bytes = gr.bytes.saturating_add(e.bytes);
        }
        for (worker, w) in dense.into_iter().enumerate() {
            if w.0 > 0 {
                workers.insert(worker as u32, w);
            }
        }
        let named = by_group.into_iter().enumerate();
        let group_runs: BTreeMap<String, GroupRun> = named
            .filter_map(|(i, gr)| Some((g.group_name(i as u32).to_string(), gr?)))
            .collect();
        Tally {
            duration,
            workers,
            group_runs,
            failed,
        }
    }
}
