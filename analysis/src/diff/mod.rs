//! Comparing the figures of two files: a graph or run against another, whatever their
//! input kinds (a DOT file against a trace compares what both have).
//!
//! ```
//! use taskscope_analysis::diff::Diff;
//! use taskscope_analysis::stats::{Figure, Stats};
//! use taskscope_core::trace::Trace;
//! use taskscope_collections::delayed;
//!
//! let graph = delayed::tutorial().program().unwrap().graph().clone();
//! let stats = Stats::of(&Trace::of_graph(graph, Some("delayed")));
//! let diff = Diff::new("a", &stats, "b", &stats);
//! let tasks = diff.figures.iter().find(|c| c.figure == Figure::Tasks).unwrap();
//! assert_eq!((tasks.base, tasks.new, tasks.change()), (16.0, 16.0, 0.0));
//! assert!(diff.groups_added().is_empty());
//! ```

use std::collections::BTreeSet;

use serde::Serialize;
use serde::ser::SerializeStruct;

use crate::budget::BudgetCheck;
use crate::stats::{Figure, GroupFigure, Stats, Unit};

mod tables;

/// Name of the JSON object a [`Diff`] serializes to, in its `schema` field.
pub const DIFF_SCHEMA: &str = "taskscope-diff";
/// Version of that object; raised when a field changes meaning or is removed.
pub const DIFF_VERSION: u32 = 1;

/// One figure in both files.
#[derive(Clone, Debug, PartialEq)]
pub struct Change {
    /// Which figure.
    pub figure: Figure,
    /// Its value in the base file, in the figure's [`Unit`] (ns, bytes, a count).
    pub base: f64,
    /// Its value in the new file, in the same unit.
    pub new: f64,
}

impl Change {
    /// What the figure measures, which decides how its values print.
    pub fn unit(&self) -> Unit {
        self.figure.unit()
    }

    /// `new - base`.
    pub fn change(&self) -> f64 {
        self.new - self.base
    }

    /// `(new - base) / base`; `None` when base is 0 and new is not (no finite ratio).
    pub fn relative(&self) -> Option<f64> {
        if self.base == 0.0 {
            (self.new == 0.0).then_some(0.0)
        } else {
            Some((self.new - self.base) / self.base)
        }
    }

    /// The relative change for people: `+1452.5%`, `-3.0%`, `new` (from 0).
    pub fn relative_text(&self) -> String {
        match self.relative() {
            Some(r) => format!("{:+.1}%", r * 100.0),
            None => "new".to_string(),
        }
    }
}

impl Serialize for Change {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let unit = self.unit();
        let mut st = s.serialize_struct("Change", 6)?;
        st.serialize_field("base", &unit.json(self.base))?;
        st.serialize_field("change", &unit.json(self.change()))?;
        st.serialize_field(
            "change_pct",
            &self.relative().map(|r| (r * 1e4).round() / 100.0),
        )?;
        st.serialize_field("figure", &self.figure)?;
        st.serialize_field("new", &unit.json(self.new))?;
        st.serialize_field("unit", &unit)?;
        st.end()
    }
}

/// How a group differs between the files.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum GroupStatus {
    /// Only in the new file.
    Added,
    /// Only in the base file.
    Removed,
    /// In both, with a different number of tasks, or its time or bytes moved by
    /// [`GROUP_CHANGE`] or more.
    Changed,
    /// In both, with as many tasks, and its time and bytes within [`GROUP_CHANGE`].
    Same,
}

/// How far a group's time or bytes may move (relative to the base) and the group
/// still be the same: measured times always differ a little between runs.
pub const GROUP_CHANGE: f64 = 0.10;

/// Whether a figure moved by [`GROUP_CHANGE`] or more.
fn moved(change: &Option<Change>) -> bool {
    change.as_ref().is_some_and(|c| {
        let delta = (c.new - c.base).abs();
        delta > 0.0 && (c.base == 0.0 || delta >= GROUP_CHANGE * c.base.abs())
    })
}

/// One group in either file: its tasks and, when both files are runs, its time and
/// bytes.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct GroupChange {
    /// The bytes of the group's outputs in each run; `None` unless both files are runs.
    pub bytes: Option<Change>,
    /// The group's name.
    pub group: String,
    /// Whether it was added, removed, changed its number of tasks, or stayed the same.
    pub status: GroupStatus,
    /// The group's tasks in each file (0 in a file without the group).
    pub tasks: Change,
    /// The sum of the group's task durations in each run; `None` unless both files are
    /// runs.
    pub time: Option<Change>,
}

/// What one file is, for the heading of a diff.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Side {
    /// The file as the user named it.
    pub file: String,
    /// `graph` or `run`.
    pub kind: &'static str,
    /// Tasks in its graph.
    pub tasks: usize,
    /// The file ended before its end record; its figures cover what it holds.
    pub truncated: bool,
}

/// A figure only one file has.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct NotCompared {
    /// The figure, which the other file does not hold (a run's wall time against a
    /// graph, RSS against a run without memory samples).
    pub figure: Figure,
    /// `base` or `new`: the file that has it.
    pub only_in: &'static str,
}

/// Two files' figures side by side. Fields in alphabetical order (sorted JSON keys).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Diff {
    /// The file compared against.
    pub base: Side,
    /// Budgets checked against this diff, in the order given.
    pub budgets: Vec<BudgetCheck>,
    /// The totals both files have, in [`Figure::TOTALS`] order.
    pub figures: Vec<Change>,
    /// Every group of either file, by name.
    pub groups: Vec<GroupChange>,
    /// The file compared.
    pub new: Side,
    /// Totals only one of the files has, which are therefore not compared.
    pub not_compared: Vec<NotCompared>,
    /// [`DIFF_SCHEMA`].
    pub schema: &'static str,
    /// [`DIFF_VERSION`].
    pub version: u32,
}

impl Diff {
    /// Compares `new` against `base`; the names label the files in headings.
    pub fn new(base_file: &str, base: &Stats, new_file: &str, new: &Stats) -> Diff {
        let side = |file: &str, s: &Stats| Side {
            file: file.to_string(),
            kind: s.graph.kind,
            tasks: s.graph.tasks,
            truncated: s.graph.truncated,
        };
        let mut figures = Vec::new();
        let mut not_compared = Vec::new();
        for figure in Figure::TOTALS {
            match (figure.of(base), figure.of(new)) {
                (Some(b), Some(n)) => figures.push(Change {
                    figure,
                    base: b,
                    new: n,
                }),
                (Some(_), None) => not_compared.push(NotCompared {
                    figure,
                    only_in: "base",
                }),
                (None, Some(_)) => not_compared.push(NotCompared {
                    figure,
                    only_in: "new",
                }),
                (None, None) => {}
            }
        }
        let names: BTreeSet<&String> = base
            .graph
            .groups
            .keys()
            .chain(new.graph.groups.keys())
            .collect();
        let groups = names
            .into_iter()
            .map(|name| {
                let change = |what: GroupFigure| {
                    let figure = Figure::Group(name.clone(), what);
                    Some(Change {
                        base: figure.of(base)?,
                        new: figure.of(new)?,
                        figure,
                    })
                };
                let (bytes, time) = (change(GroupFigure::Bytes), change(GroupFigure::Time));
                let status = match (base.graph.groups.get(name), new.graph.groups.get(name)) {
                    (None, _) => GroupStatus::Added,
                    (_, None) => GroupStatus::Removed,
                    (Some(b), Some(n)) if b != n => GroupStatus::Changed,
                    _ if moved(&time) || moved(&bytes) => GroupStatus::Changed,
                    _ => GroupStatus::Same,
                };
                GroupChange {
                    bytes,
                    group: name.clone(),
                    status,
                    tasks: change(GroupFigure::Tasks).expect("every file has its groups' tasks"),
                    time,
                }
            })
            .collect();
        Diff {
            base: side(base_file, base),
            budgets: Vec::new(),
            figures,
            groups,
            new: side(new_file, new),
            not_compared,
            schema: DIFF_SCHEMA,
            version: DIFF_VERSION,
        }
    }

    /// The change of `figure`, if both files have it.
    pub fn figure(&self, figure: &Figure) -> Option<&Change> {
        self.figures.iter().find(|c| &c.figure == figure)
    }

    fn groups_with(&self, status: GroupStatus) -> Vec<&str> {
        self.groups
            .iter()
            .filter(|g| g.status == status)
            .map(|g| g.group.as_str())
            .collect()
    }

    /// Groups only the new file has.
    pub fn groups_added(&self) -> Vec<&str> {
        self.groups_with(GroupStatus::Added)
    }

    /// Groups only the base file has.
    pub fn groups_removed(&self) -> Vec<&str> {
        self.groups_with(GroupStatus::Removed)
    }

    /// Groups in both with a different number of tasks.
    pub fn groups_changed(&self) -> Vec<&str> {
        self.groups_with(GroupStatus::Changed)
    }

    /// Budgets exceeded.
    pub fn exceeded(&self) -> impl Iterator<Item = &BudgetCheck> {
        self.budgets.iter().filter(|b| b.exceeded)
    }

    /// One JSON object, keys sorted, no trailing newline.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a diff serializes to JSON")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::tests::{stats, stats_graph};
    use taskscope_core::trace::Trace;

    #[test]
    fn known_graphs_give_exact_changes() {
        let diff = Diff::new("base", &stats(4, 0), "new", &stats(10, 3));
        let tasks = diff.figure(&Figure::Tasks).unwrap();
        assert_eq!((tasks.base, tasks.new, tasks.change()), (8.0, 23.0, 15.0));
        assert_eq!(tasks.relative(), Some(15.0 / 8.0));
        assert_eq!(tasks.relative_text(), "+187.5%");
        let edges = diff.figure(&Figure::Edges).unwrap();
        assert_eq!((edges.base, edges.new), (4.0, 10.0));
        let width = diff.figure(&Figure::Width).unwrap();
        assert_eq!((width.base, width.new), (4.0, 13.0));
        assert_eq!(diff.groups_added(), ["c"]);
        assert_eq!(diff.groups_changed(), ["a", "b"]);
        assert!(diff.groups_removed().is_empty());
        let c = &diff.groups[2];
        assert_eq!((c.tasks.base, c.tasks.new), (0.0, 3.0));
        assert_eq!(c.tasks.relative_text(), "new");
        assert_eq!(c.time, None, "graphs have no time");
        // Graphs have no run figures: none compared, none listed as one-sided.
        assert!(diff.figure(&Figure::Wall).is_none());
        assert!(diff.not_compared.is_empty());

        let back = Diff::new("new", &stats(10, 3), "base", &stats(4, 0));
        assert_eq!(back.groups_removed(), ["c"]);
        assert_eq!(back.figure(&Figure::Tasks).unwrap().change(), -15.0);
    }

    /// A run of `stats(2, 0)`'s graph: each `a` task takes `a_ns`, each `b` `b_ns`.
    fn run(a_ns: u64, b_ns: u64) -> Stats {
        use taskscope_core::trace::{TaskEvent, TaskStatus};
        let mut trace = Trace::of_graph(stats_graph(2, 0), None);
        let mut t = 0;
        for (id, task) in trace.graph.tasks() {
            let d = if task.group() == "a" { a_ns } else { b_ns };
            trace
                .events
                .push(TaskEvent::new(id, 0, t, t + d, TaskStatus::Done));
            t += d;
        }
        Stats::of(&trace)
    }

    #[test]
    fn a_group_whose_time_moved_is_changed_even_with_as_many_tasks() {
        // `b` takes 88% longer, `a` 5% longer: only `b` changed.
        let diff = Diff::new("base", &run(1000, 1000), "new", &run(1050, 1880));
        assert_eq!(diff.groups_changed(), ["b"]);
        let b = diff.groups.iter().find(|g| g.group == "b").unwrap();
        let time = b.time.as_ref().unwrap();
        assert_eq!((time.base, time.new), (2000.0, 3760.0));
        assert_eq!(
            diff.groups.iter().find(|g| g.group == "a").unwrap().status,
            GroupStatus::Same
        );
        // Faster counts too.
        let back = Diff::new("new", &run(1050, 1880), "base", &run(1000, 1000));
        assert_eq!(back.groups_changed(), ["b"]);
    }

    #[test]
    fn json_has_sorted_keys_whole_numbers_and_a_schema() {
        let diff = Diff::new("base", &stats(4, 0), "new", &stats(4, 1));
        let json: serde_json::Value = serde_json::from_str(&diff.to_json()).unwrap();
        assert_eq!(json["schema"], "taskscope-diff");
        assert_eq!(json["version"], 1);
        let tasks = &json["figures"][0];
        assert_eq!(
            tasks,
            &serde_json::json!({"base": 8, "change": 1, "change_pct": 12.5,
                "figure": "tasks", "new": 9, "unit": "count"})
        );
        assert_eq!(json["groups"][2]["status"], "added");
        assert_eq!(
            json["groups"][2]["tasks"]["change_pct"],
            serde_json::Value::Null
        );
        let text = diff.to_json();
        let top: Vec<&str> = text
            .lines()
            .filter(|l| l.starts_with("  \""))
            .map(|l| l.trim().split('"').nth(1).unwrap())
            .collect();
        let mut sorted = top.clone();
        sorted.sort();
        assert_eq!(top, sorted);
    }
}
