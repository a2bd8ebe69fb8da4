//! The tasks' boxes on their lanes: one per task, or, in the timeline of a large
//! run, runs of consecutive small tasks merged into one box whose tooltip counts them.

use std::collections::{BTreeMap, HashSet};

use taskscope_core::TaskId;
use taskscope_core::trace::{TaskEvent, TaskStatus, Trace};
use taskscope_core::units::{format_bytes, format_ns};

use super::{Frame, LANE, LEFT};
use crate::palette::{CRITICAL_PATH, Palette};
use crate::scene::TaskShape;

/// The boxes of the tasks on their lanes, colored by group, the critical path
/// outlined.
pub(super) struct Boxes<'a> {
    pub(super) trace: &'a Trace,
    pub(super) frame: &'a Frame,
    pub(super) palette: &'a Palette,
    /// The tasks on the measured critical path.
    pub(super) critical: HashSet<TaskId>,
}

impl Boxes<'_> {
    /// Every task's box, or with `merge_below_px > 0` runs of small tasks merged.
    pub(super) fn all(&self, merge_below_px: f64) -> Vec<TaskShape> {
        if merge_below_px > 0.0 {
            self.merged_lanes(merge_below_px)
        } else {
            self.trace.events.iter().map(|e| self.one(e)).collect()
        }
    }

    fn on_path(&self, e: &TaskEvent) -> bool {
        self.critical.contains(&e.task)
    }

    /// The box of one task, its tooltip the task's key, group, worker, times and bytes.
    fn one(&self, e: &TaskEvent) -> TaskShape {
        let task = self.trace.graph.task(e.task);
        let mut tooltip = format!(
            "{}\ngroup: {}\nworker: {}\nstart: {}\nduration: {}\nbytes: {}",
            task.key(),
            task.group(),
            e.worker,
            format_ns(e.start),
            format_ns(e.duration()),
            format_bytes(e.bytes)
        );
        if e.status == TaskStatus::Failed {
            tooltip.push_str(&format!("\nFAILED: {}", e.message().unwrap_or("")));
        }
        TaskShape {
            key: task.key().to_string(),
            x: LEFT + e.start as f64 * self.frame.scale,
            y: self.frame.lane_y(e.worker),
            w: (e.duration() as f64 * self.frame.scale).max(0.6),
            h: LANE,
            fill: if e.status == TaskStatus::Failed {
                "#000000".into()
            } else {
                self.palette.color(task.group()).to_string()
            },
            label: Vec::new(),
            tooltip,
            highlight: self.on_path(e).then(|| CRITICAL_PATH.to_string()),
        }
    }

    /// Lane by lane, consecutive tasks narrower than `merge_below_px` (and together no
    /// wider) as one box; failed tasks and wider ones as boxes of their own.
    fn merged_lanes(&self, merge_below_px: f64) -> Vec<TaskShape> {
        let scale = self.frame.scale;
        let mergeable = |e: &TaskEvent| {
            (e.duration() as f64 * scale) < merge_below_px && e.status != TaskStatus::Failed
        };
        let mut lanes: Vec<Vec<&TaskEvent>> = vec![Vec::new(); self.frame.workers.len()];
        for e in &self.trace.events {
            lanes[self.frame.lane_of[&e.worker]].push(e);
        }
        let mut tasks = Vec::new();
        for mut lane in lanes {
            lane.sort_by_key(|e| (e.start, e.end));
            let mut run: Vec<&TaskEvent> = Vec::new();
            for e in lane {
                let fits = run.first().is_some_and(|first| {
                    (e.end.saturating_sub(first.start) as f64 * scale) <= merge_below_px
                });
                if mergeable(e) && (run.is_empty() || fits) {
                    run.push(e);
                    continue;
                }
                tasks.extend(self.merged(&run));
                run.clear();
                if mergeable(e) {
                    run.push(e);
                } else {
                    tasks.push(self.one(e));
                }
            }
            tasks.extend(self.merged(&run));
        }
        tasks
    }

    /// One box for a run of consecutive small tasks on a lane (or the task's own box
    /// when the run is one task): colored by the group that took most of its time, its
    /// tooltip the count, span, busy time and the groups.
    fn merged(&self, run: &[&TaskEvent]) -> Option<TaskShape> {
        let (first, rest) = run.split_first()?;
        if rest.is_empty() {
            return Some(self.one(first));
        }
        let graph = &self.trace.graph;
        let end = run.iter().map(|e| e.end).max().unwrap_or(first.end);
        let mut groups: BTreeMap<&str, (usize, u64)> = BTreeMap::new();
        for e in run {
            let entry = groups.entry(graph.task(e.task).group()).or_default();
            entry.0 += 1;
            entry.1 += e.duration();
        }
        let mut by_time: Vec<(&str, (usize, u64))> = groups.into_iter().collect();
        by_time.sort_by(|a, b| b.1.1.cmp(&a.1.1).then(a.0.cmp(b.0)));
        let busy: u64 = by_time.iter().map(|g| g.1.1).sum();
        let mut tooltip = format!(
            "{} tasks on worker {} from {} to {}, busy {}",
            run.len(),
            first.worker,
            format_ns(first.start),
            format_ns(end),
            format_ns(busy)
        );
        const SHOWN: usize = 6;
        for (group, (n, time)) in by_time.iter().take(SHOWN) {
            tooltip.push_str(&format!("\n{group}: {n} tasks, {}", format_ns(*time)));
        }
        if by_time.len() > SHOWN {
            tooltip.push_str(&format!("\nand {} more groups", by_time.len() - SHOWN));
        }
        let scale = self.frame.scale;
        Some(TaskShape {
            key: format!("{} tasks from {}", run.len(), graph.task(first.task).key()),
            x: LEFT + first.start as f64 * scale,
            y: self.frame.lane_y(first.worker),
            w: ((end - first.start) as f64 * scale).max(0.6),
            h: LANE,
            fill: self.palette.color(by_time[0].0).to_string(),
            label: Vec::new(),
            tooltip,
            highlight: run
                .iter()
                .any(|e| self.on_path(e))
                .then(|| CRITICAL_PATH.to_string()),
        })
    }
}
