//! Summary figures of a graph and of a run, for `taskscope stats`, and the tables
//! that show them to people.
//!
//! - [`GraphStats`]: size and shape of a graph (tasks, edges, depth, width, groups);
//! - [`RunStats`]: what a recorded run measured (wall and busy time, utilization,
//!   workers, groups, memory peaks, the measured critical path);
//! - [`Stats`]: both for one file, and [`Figure`]: one of its figures by the name the
//!   command line uses, with its [`Unit`];
//! - [`Table`]: figures as rows and columns, written as text or Markdown.
//!
//! [`crate::diff`] compares two files' figures and [`crate::budget`] caps their changes.

mod figures;
mod run;
mod table;

pub use figures::{Figure, GroupFigure, Stats, Unit};
pub use run::{GroupRun, MeasuredPath, PathStep, RunStats, WorkerRun};
pub use table::Table;
pub(crate) use table::md_escape;

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
    /// Dependencies between tasks: one per task a task needs.
    pub edges: usize,
    /// Tasks per group, by group name.
    pub groups: BTreeMap<String, usize>,
    /// What the figures describe: `graph`, or `run` for a trace with events.
    pub kind: &'static str,
    /// [`STATS_SCHEMA`].
    pub schema: &'static str,
    /// Tasks in the graph.
    pub tasks: usize,
    /// The file ended before its end record; the figures cover what it holds.
    pub truncated: bool,
    /// [`STATS_VERSION`].
    pub version: u32,
    /// Tasks in the largest layer.
    pub width: usize,
}

impl GraphStats {
    /// The figures of `graph`, with `kind` `graph` and `truncated` false (see
    /// [`Stats::of`] for a file's).
    pub fn of(graph: &TaskGraph) -> Self {
        // The longest chain of tasks is as long as the graph is deep.
        let depth = graph.depth();
        GraphStats {
            critical_path_tasks: depth,
            depth,
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
        let width = name_column_width(groups.iter().map(|(g, _)| *g));
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

/// Width of the group-name column of a text table: the longest name, at least 20
/// and at most 48 characters (longer names are elided).
fn name_column_width<'a>(names: impl Iterator<Item = &'a String>) -> usize {
    names
        .map(|n| n.chars().count())
        .max()
        .unwrap_or(0)
        .clamp(20, 48)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::Stats;
    use taskscope_core::trace::Trace;
    use taskscope_core::{GraphBuilder, TaskGraph, TaskSpec};

    /// A graph of `n` chains `a -> b`, plus `extra` lone tasks of group `c`.
    pub(crate) fn stats(n: usize, extra: usize) -> Stats {
        Stats::of(&Trace::of_graph(stats_graph(n, extra), None))
    }

    /// `n` tasks of group `a`, each with a `b` after it, and `extra` of group `c`.
    pub(crate) fn stats_graph(n: usize, extra: usize) -> TaskGraph {
        let mut b = GraphBuilder::new();
        for i in 0..n {
            b.add(TaskSpec::new(format!("('a', {i})"), "op"));
            b.add(TaskSpec::new(format!("('b', {i})"), "op").dep(format!("('a', {i})")));
        }
        for i in 0..extra {
            b.add(TaskSpec::new(format!("('c', {i})"), "op"));
        }
        b.build().unwrap()
    }
}
