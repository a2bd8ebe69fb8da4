//! The figures of a file by name: what `taskscope diff` compares and what budgets cap.
//!
//! ```
//! use taskscope_analysis::stats::{Figure, GroupFigure, Unit};
//!
//! assert_eq!(Figure::parse("wall"), Some(Figure::Wall));
//! assert_eq!(
//!     Figure::parse("group:mean_chunk.time"),
//!     Some(Figure::Group("mean_chunk".into(), GroupFigure::Time))
//! );
//! assert_eq!(Figure::PeakRss.unit(), Unit::Bytes);
//! assert_eq!(Figure::Group("sum".into(), GroupFigure::Tasks).to_string(), "group:sum");
//! ```

use std::fmt;

use serde::Serialize;

use super::{GraphStats, RunStats};
use taskscope_core::trace::Trace;
use taskscope_core::units::{format_bytes, format_ns, thousands};

/// What a figure measures: it decides the units of a budget and how values print.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Unit {
    /// A number of things (tasks, edges, layers).
    Count,
    /// A duration in nanoseconds.
    Time,
    /// An amount of memory or data in bytes.
    Bytes,
    /// A fraction (utilization: 0.86 is 86%).
    Ratio,
}

impl Unit {
    /// Units a budget on a figure of this unit accepts, for messages.
    pub fn budget_units(self) -> &'static str {
        match self {
            Unit::Count | Unit::Ratio => "%, or a plain number",
            Unit::Time => "%, or ns, us, ms, s",
            Unit::Bytes => "%, or B, KB, MB, GB, KiB, MiB, GiB",
        }
    }

    /// What a figure of this unit is, for messages: `a count`, `a time`.
    pub fn noun(self) -> &'static str {
        match self {
            Unit::Count => "a count",
            Unit::Time => "a time",
            Unit::Bytes => "a number of bytes",
            Unit::Ratio => "a ratio",
        }
    }

    /// A value for people: `9,160`, `1.20 ms`, `7.63 MiB`, `86.2%`.
    pub fn format(self, v: f64) -> String {
        match self {
            Unit::Count => thousands(v.round() as i128),
            Unit::Time => format_ns(v.round().max(0.0) as u64),
            Unit::Bytes => format_bytes(v.round().max(0.0) as u64),
            Unit::Ratio => format!("{:.1}%", v * 100.0),
        }
    }

    /// A change for people, always signed: `+8,570`, `-1.20 ms`, `+0 B`, `+2.5 pp`.
    pub fn format_change(self, d: f64) -> String {
        let sign = if d < 0.0 { "-" } else { "+" };
        match self {
            Unit::Ratio => format!("{sign}{:.1} pp", d.abs() * 100.0),
            _ => format!("{sign}{}", self.format(d.abs())),
        }
    }

    /// A value in JSON: whole for counts, ns and bytes, a fraction with four decimals
    /// for ratios.
    pub(crate) fn json(self, v: f64) -> serde_json::Value {
        match self {
            Unit::Ratio => serde_json::json!((v * 1e4).round() / 1e4),
            _ => serde_json::json!(v.round() as i64),
        }
    }
}

/// The statistics of one file: its graph, and the run for a trace of one.
#[derive(Clone, Debug, PartialEq)]
pub struct Stats {
    /// Size and shape of the file's graph.
    pub graph: GraphStats,
    /// What the run measured; `None` for a graph without events.
    pub run: Option<RunStats>,
}

impl Stats {
    /// The figures of everything `trace` holds.
    pub fn of(trace: &Trace) -> Stats {
        Self::with_run(trace, RunStats::of)
    }

    /// [`Stats::of`] and the run's held-memory curve (empty for a graph without
    /// events), for callers that draw the curve too (the report's memory plot).
    pub fn with_held_curve(trace: &Trace) -> (Stats, Vec<(u64, u64)>) {
        let mut curve = Vec::new();
        let stats = Self::with_run(trace, |t| {
            RunStats::with_held_curve(t).map(|(run, held)| {
                curve = held;
                run
            })
        });
        (stats, curve)
    }

    fn with_run(trace: &Trace, run: impl FnOnce(&Trace) -> Option<RunStats> + Send) -> Stats {
        // Each takes seconds at 10^7 tasks, and neither needs the other.
        let (mut graph, run) = taskscope_core::parallel::join(
            trace.graph.len(),
            || GraphStats::of(&trace.graph),
            || run(trace),
        );
        graph.truncated = trace.truncated;
        if run.is_some() {
            graph.kind = "run";
        }
        Stats { graph, run }
    }

    /// One JSON object: the graph's fields and, for a run, the run's (`wall_ns`,
    /// `critical_path`, …) beside them, keys sorted. `docs/stats-json.md` documents it.
    pub fn to_json_value(&self) -> serde_json::Value {
        let to_map = |v: serde_json::Value| match v {
            serde_json::Value::Object(m) => m,
            _ => unreachable!("stats serialize to objects"),
        };
        let mut all: Vec<(String, serde_json::Value)> =
            to_map(serde_json::to_value(&self.graph).expect("stats serialize to JSON"))
                .into_iter()
                .chain(self.run.as_ref().map_or_else(Default::default, |r| {
                    to_map(serde_json::to_value(r).expect("stats serialize to JSON"))
                }))
                .collect();
        // Sorted whatever map type serde_json was built with.
        all.sort_by(|a, b| a.0.cmp(&b.0));
        serde_json::Value::Object(all.into_iter().collect())
    }
}

/// One figure of a group of tasks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum GroupFigure {
    /// Its tasks in the graph (a count).
    Tasks,
    /// The sum of its tasks' measured durations, in ns (runs).
    Time,
    /// The bytes of its tasks' outputs (runs).
    Bytes,
}

/// A figure of a graph or run, named as on the command line (`tasks`, `wall`,
/// `group:mean_chunk.time`). Its value ([`Figure::of`]) is in its [`Unit`]'s base:
/// a count, ns, bytes or a fraction.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Figure {
    /// `tasks`: tasks in the graph (a count).
    Tasks,
    /// `edges`: dependencies between tasks, one per input a task needs (a count).
    Edges,
    /// `depth`: layers of the graph, each task one layer below its deepest dependency
    /// (a count).
    Depth,
    /// `width`: tasks in the largest layer (a count).
    Width,
    /// `critical_path_tasks`: tasks on the longest chain of dependencies (a count).
    CriticalPathTasks,
    /// `wall`: how long the run took from start to end, in ns.
    Wall,
    /// `busy`: the time all workers spent running tasks, the sum of task durations,
    /// in ns.
    Busy,
    /// `utilization`: the share of the workers' time spent running tasks,
    /// `busy / (wall * workers)` (a fraction: 0.86 is 86%). Compared, but budgets do
    /// not take it (higher is better, unlike every other figure).
    Utilization,
    /// `critical_path`: the measured duration of the chain of dependent tasks that
    /// took longest, in ns; no number of workers makes the run shorter.
    CriticalPath,
    /// `peak_rss`: the highest resident memory of the process among the run's
    /// samples, in bytes.
    PeakRss,
    /// `peak_held`: the most bytes of task outputs held at once, waiting for their
    /// dependents.
    PeakHeld,
    /// `failed`: tasks that failed (a count).
    Failed,
    /// `group:NAME`, `group:NAME.time`, `group:NAME.bytes`: a figure of one group.
    Group(String, GroupFigure),
}

impl Figure {
    /// The figures of a whole file, in the order they are shown.
    pub const TOTALS: [Figure; 12] = [
        Figure::Tasks,
        Figure::Edges,
        Figure::Depth,
        Figure::Width,
        Figure::CriticalPathTasks,
        Figure::Wall,
        Figure::Busy,
        Figure::Utilization,
        Figure::CriticalPath,
        Figure::PeakRss,
        Figure::PeakHeld,
        Figure::Failed,
    ];

    /// The figure called `name`; `None` for an unknown name. A group's figure is
    /// `group:NAME` (its tasks), `group:NAME.time`, `group:NAME.bytes` or
    /// `group:NAME.tasks`.
    pub fn parse(name: &str) -> Option<Figure> {
        if let Some(group) = name.strip_prefix("group:") {
            let (group, figure) = match group.rsplit_once('.') {
                Some((g, "tasks")) => (g, GroupFigure::Tasks),
                Some((g, "time")) => (g, GroupFigure::Time),
                Some((g, "bytes")) => (g, GroupFigure::Bytes),
                _ => (group, GroupFigure::Tasks),
            };
            return (!group.is_empty()).then(|| Figure::Group(group.to_string(), figure));
        }
        Figure::TOTALS.into_iter().find(|f| f.to_string() == name)
    }

    /// What it measures.
    pub fn unit(&self) -> Unit {
        match self {
            Figure::Tasks
            | Figure::Edges
            | Figure::Depth
            | Figure::Width
            | Figure::CriticalPathTasks
            | Figure::Failed
            | Figure::Group(_, GroupFigure::Tasks) => Unit::Count,
            Figure::Wall
            | Figure::Busy
            | Figure::CriticalPath
            | Figure::Group(_, GroupFigure::Time) => Unit::Time,
            Figure::PeakRss | Figure::PeakHeld | Figure::Group(_, GroupFigure::Bytes) => {
                Unit::Bytes
            }
            Figure::Utilization => Unit::Ratio,
        }
    }

    /// Its value in `stats`, in the unit's base (ns, bytes); `None` when the file does
    /// not hold it (a run's figure of a graph, RSS of a trace without samples). A group
    /// the file lacks has 0 tasks, time and bytes.
    pub fn of(&self, stats: &Stats) -> Option<f64> {
        let g = &stats.graph;
        let run = stats.run.as_ref();
        let v = match self {
            Figure::Tasks => g.tasks as f64,
            Figure::Edges => g.edges as f64,
            Figure::Depth => g.depth as f64,
            Figure::Width => g.width as f64,
            Figure::CriticalPathTasks => g.critical_path_tasks as f64,
            Figure::Wall => run?.wall_ns as f64,
            Figure::Busy => run?.busy_ns as f64,
            Figure::Utilization => run?.utilization,
            Figure::CriticalPath => run?.critical_path.duration_ns as f64,
            Figure::PeakRss => run?.peak_rss_bytes? as f64,
            Figure::PeakHeld => run?.peak_held_bytes as f64,
            Figure::Failed => run?.failed as f64,
            Figure::Group(name, GroupFigure::Tasks) => {
                g.groups.get(name).copied().unwrap_or(0) as f64
            }
            Figure::Group(name, GroupFigure::Time) => {
                run?.group_runs.get(name).map_or(0, |r| r.time_ns) as f64
            }
            Figure::Group(name, GroupFigure::Bytes) => {
                run?.group_runs.get(name).map_or(0, |r| r.bytes) as f64
            }
        };
        Some(v)
    }

    /// Why `stats` lacks this figure, for messages.
    pub fn why_missing(&self, stats: &Stats) -> &'static str {
        match (self, &stats.run) {
            (Figure::PeakRss, Some(_)) => "its run has no memory samples",
            _ => "it holds a graph, not a trace of a run",
        }
    }
}

impl fmt::Display for Figure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self {
            Figure::Tasks => "tasks",
            Figure::Edges => "edges",
            Figure::Depth => "depth",
            Figure::Width => "width",
            Figure::CriticalPathTasks => "critical_path_tasks",
            Figure::Wall => "wall",
            Figure::Busy => "busy",
            Figure::Utilization => "utilization",
            Figure::CriticalPath => "critical_path",
            Figure::PeakRss => "peak_rss",
            Figure::PeakHeld => "peak_held",
            Figure::Failed => "failed",
            Figure::Group(g, GroupFigure::Tasks) => return write!(f, "group:{g}"),
            Figure::Group(g, GroupFigure::Time) => return write!(f, "group:{g}.time"),
            Figure::Group(g, GroupFigure::Bytes) => return write!(f, "group:{g}.bytes"),
        };
        f.write_str(name)
    }
}

impl Serialize for Figure {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for f in Figure::TOTALS {
            assert_eq!(Figure::parse(&f.to_string()), Some(f));
        }
        for name in ["group:a.b", "group:a.time", "group:a.bytes", "group:x:y"] {
            assert_eq!(Figure::parse(name).unwrap().to_string(), name);
        }
        assert_eq!(
            Figure::parse("group:a.tasks"),
            Some(Figure::Group("a".into(), GroupFigure::Tasks))
        );
        assert_eq!(Figure::parse("group:"), None);
        assert_eq!(Figure::parse("walltime"), None);
    }

    #[test]
    fn values_print_for_people() {
        assert_eq!(thousands(9160), "9,160");
        assert_eq!(thousands(-1_234_567), "-1,234,567");
        assert_eq!(thousands(590), "590");
        assert_eq!(Unit::Count.format_change(8570.0), "+8,570");
        assert_eq!(Unit::Count.format_change(-3.0), "-3");
        assert_eq!(Unit::Time.format_change(-1_200_000.0), "-1.20 ms");
        assert_eq!(Unit::Bytes.format_change(0.0), "+0 B");
        assert_eq!(Unit::Ratio.format(0.862), "86.2%");
        assert_eq!(Unit::Ratio.format_change(-0.025), "-2.5 pp");
    }
}
