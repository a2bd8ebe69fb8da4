//! Summary figures of a graph and of a run, for `taskscope stats` and for comparing
//! runs.

mod budget;
mod diff;
mod figures;
mod run;
pub mod table;

pub use budget::{Allowance, Budget, BudgetCheck, BudgetError};
pub use diff::{
    Change, DIFF_SCHEMA, DIFF_VERSION, Diff, GroupChange, GroupStatus, NotCompared, Side,
};
pub use figures::{Figure, GroupFigure, Stats, Unit};
pub use run::{GroupRun, MeasuredPath, PathStep, RunStats, WorkerRun};

use std::collections::BTreeMap;
use std::fmt::Write;

use serde::Serialize;

use taskscope_core::TaskGraph;
use taskscope_core::trace::Trace;

/// Name of the JSON object `taskscope stats --format json` prints, in its `schema`
/// field; `docs/stats-json.md` documents it.
pub const STATS_SCHEMA: &str = "taskscope-stats";
/// Version of that object, in its `version` field; raised when a field changes meaning
/// or is removed (adding fields keeps it).
pub const STATS_VERSION: u32 = 1;

/// Size and shape of a task graph. Fields are in alphabetical order, so the JSON has
/// sorted keys whatever serde_json features are on.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct GraphStats {
    /// Tasks on the longest chain of dependencies.
    pub critical_path_tasks: usize,
    /// Number of layers: tasks without dependencies are layer 0, every other task is one
    /// layer below its deepest dependency.
    pub depth: usize,
    pub edges: usize,
    /// Tasks per group, by group name.
    pub groups: BTreeMap<String, usize>,
    /// What the figures describe: `graph`, or `run` for a trace with events.
    pub kind: &'static str,
    /// [`STATS_SCHEMA`].
    pub schema: &'static str,
    pub tasks: usize,
    /// The file ended before its end record; the figures cover what it holds.
    pub truncated: bool,
    /// [`STATS_VERSION`].
    pub version: u32,
    /// Tasks in the largest layer.
    pub width: usize,
}

impl GraphStats {
    pub fn of(graph: &TaskGraph) -> Self {
        GraphStats {
            critical_path_tasks: graph.critical_path(|_| 1.0).tasks.len(),
            depth: graph.depth(),
            edges: graph.edge_count(),
            groups: graph.group_counts(),
            kind: "graph",
            schema: STATS_SCHEMA,
            tasks: graph.len(),
            truncated: false,
            version: STATS_VERSION,
            width: graph.width(),
        }
    }

    /// One JSON object, keys sorted, no trailing newline.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("stats serialize to JSON")
    }

    /// The figures of a file: its graph and, for a run, the run's figures as further
    /// top-level fields (`wall_ns`, `busy_ns`, `critical_path`, …). Keys sorted.
    pub fn of_trace_json(trace: &Trace) -> serde_json::Value {
        Stats::of(trace).to_json_value()
    }

    /// A table for people: totals, then groups from largest to smallest.
    pub fn to_text(&self, title: &str) -> String {
        let mut s = String::new();
        let _ = writeln!(
            s,
            "{title}{}",
            if self.truncated { " (truncated)" } else { "" }
        );
        let rows = [
            ("tasks", self.tasks),
            ("edges", self.edges),
            ("depth", self.depth),
            ("width", self.width),
            ("critical path (tasks)", self.critical_path_tasks),
        ];
        for (name, n) in rows {
            let _ = writeln!(s, "  {name:<22} {n:>9}");
        }
        let _ = writeln!(s, "  groups ({})", self.groups.len());
        let mut groups: Vec<(&String, &usize)> = self.groups.iter().collect();
        groups.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        let width = groups
            .iter()
            .map(|(g, _)| g.chars().count())
            .max()
            .unwrap_or(0)
            .clamp(20, 48);
        for (g, n) in groups {
            let _ = writeln!(
                s,
                "    {:<width$} {n:>9}",
                taskscope_core::units::elide(g, width)
            );
        }
        s
    }
}
