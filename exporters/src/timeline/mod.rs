//! The timeline (Gantt chart) of a run: one lane per worker, tasks colored by group,
//! a time axis, the memory curves below, the measured critical path outlined.

mod boxes;

use std::collections::BTreeMap;

use taskscope_analysis::stats::RunStats;
use taskscope_core::trace::Trace;
use taskscope_core::units::format_bytes;
use taskscope_core::units::{self, format_ns};

use crate::RenderError;
use crate::graph_scene::group_legend;
use crate::palette::{CRITICAL_PATH, Palette};
use crate::scene::{LegendEntry, Scene, Shape};
use crate::svg::{TITLE_HEIGHT, legend_layout};

const LEFT: f64 = 90.0;
const PLOT_WIDTH: f64 = 1400.0;
const LANE: f64 = 22.0;
const LANE_GAP: f64 = 4.0;
const AXIS: f64 = 28.0;
const MEMORY: f64 = 130.0;
const RSS: &str = "#1f77b4";
const HELD: &str = "#ff7f0e";

/// A round step for about `target` ticks over `span` ns: 1, 2 or 5 times a power of 10.
fn tick_step(span: u64, target: u64) -> u64 {
    units::tick_step((span / target.max(1)) as f64) as u64
}

/// How to draw a timeline.
#[derive(Clone, Debug, Default)]
pub(crate) struct TimelineOptions {
    /// The title line; by default the run's name, size, wall time and utilization.
    pub(crate) title: Option<String>,
    /// Runs of consecutive tasks on a lane narrower than this many px are drawn as one
    /// box whose tooltip sums them up (0: a box per task). Keeps the drawing of a run
    /// of 10^4 or more tasks small; tasks on the critical path and failed tasks keep
    /// boxes of their own.
    pub(crate) merge_below_px: f64,
}

/// Above this many events a timeline draws runs of tasks narrower than [`MERGE_PX`]
/// as one box: a box per task of a 10^6-task run is an SVG of hundreds of MB (283 MiB
/// measured) that no reader opens, and PNG and PDF are made from that SVG.
pub(crate) const MERGE_ABOVE: usize = 2_000;

/// See [`MERGE_ABOVE`].
pub(crate) const MERGE_PX: f64 = 2.0;

impl TimelineOptions {
    /// The options for `trace`: a box per task, or runs of small tasks merged in a
    /// run of more than [`MERGE_ABOVE`] tasks.
    pub(crate) fn for_run(trace: &Trace, title: Option<String>) -> TimelineOptions {
        TimelineOptions {
            title,
            merge_below_px: match trace.events.len() > MERGE_ABOVE {
                true => MERGE_PX,
                false => 0.0,
            },
        }
    }
}

/// The timeline of `trace`; [`RenderError::NoTaskEvents`] if it has no events to draw.
pub(crate) fn timeline_scene(trace: &Trace, title: Option<String>) -> Result<Scene, RenderError> {
    timeline_scene_with(trace, &TimelineOptions::for_run(trace, title))
}

/// [`timeline_scene`] with options: lanes and their task boxes, the time axis, the
/// memory plot below, the legend and the title.
pub(crate) fn timeline_scene_with(
    trace: &Trace,
    options: &TimelineOptions,
) -> Result<Scene, RenderError> {
    let (stats, held) = RunStats::with_held_curve(trace).ok_or(RenderError::NoTaskEvents)?;
    timeline_scene_of(trace, options, &stats, &held)
}

/// [`timeline_scene_with`] of a run whose figures (`RunStats::of(trace)`) and held
/// memory (`RunStats::with_held_curve(trace)`) are known.
pub(crate) fn timeline_scene_of(
    trace: &Trace,
    options: &TimelineOptions,
    stats: &RunStats,
    held: &[(u64, u64)],
) -> Result<Scene, RenderError> {
    if stats.events == 0 {
        return Err(RenderError::NoTaskEvents);
    }
    let frame = Frame::of(trace, stats);
    let palette = Palette::for_groups(stats.group_runs.keys().map(String::as_str));
    let boxes = boxes::Boxes {
        trace,
        frame: &frame,
        palette: &palette,
        critical: (stats.critical_path.steps.iter())
            .filter_map(|s| trace.graph.id_of(&s.key))
            .collect(),
    };
    let mut background = frame.lanes();
    background.extend(frame.axis());
    let tasks = boxes.all(options.merge_below_px);
    // Merged timelines are for large runs: their memory curves get the same treatment.
    let column = if options.merge_below_px > 0.0 {
        0.5
    } else {
        0.0
    };
    let (memory_frame, foreground) = frame.memory_plot(trace, held, column);
    background.extend(memory_frame);
    let legend = legend(stats, &palette);
    let labels: Vec<&str> = legend.iter().map(|l| l.label.as_str()).collect();
    let (_, legend_h) = legend_layout(&labels, frame.width);
    Ok(Scene {
        width: frame.width,
        height: frame.mem_top + MEMORY + 14.0 + legend_h,
        title: title(trace, stats, &frame, options),
        background,
        edges: Vec::new(),
        tasks,
        legend,
        foreground,
        crossings: None,
    })
}

/// Where things go: the time scale across, and down the page the lanes, the axis
/// and the memory plot.
struct Frame {
    /// The run's wall time in ns, at least the end of its last event.
    wall: u64,
    /// px per ns.
    scale: f64,
    /// The workers, one lane each, in order.
    workers: Vec<u32>,
    lane_of: BTreeMap<u32, usize>,
    /// The top of the first lane.
    top: f64,
    axis_y: f64,
    mem_top: f64,
    width: f64,
}

impl Frame {
    fn of(trace: &Trace, stats: &RunStats) -> Frame {
        let wall = stats
            .wall_ns
            .max(trace.events.iter().map(|e| e.end).max().unwrap_or(0))
            .max(1);
        let mut workers: Vec<u32> = trace.events.iter().map(|e| e.worker).collect();
        workers.sort_unstable();
        workers.dedup();
        let lane_of = workers.iter().enumerate().map(|(i, &w)| (w, i)).collect();
        let top = TITLE_HEIGHT + 10.0;
        let lanes_h = workers.len() as f64 * (LANE + LANE_GAP);
        let axis_y = top + lanes_h + 4.0;
        Frame {
            wall,
            scale: PLOT_WIDTH / wall as f64,
            workers,
            lane_of,
            top,
            axis_y,
            mem_top: axis_y + AXIS + 10.0,
            width: LEFT + PLOT_WIDTH + 30.0,
        }
    }

    /// The top of `worker`'s lane.
    fn lane_y(&self, worker: u32) -> f64 {
        self.top + self.lane_of[&worker] as f64 * (LANE + LANE_GAP)
    }

    /// One grey band per worker, named on its left.
    fn lanes(&self) -> Vec<Shape> {
        let mut shapes = Vec::with_capacity(2 * self.workers.len());
        for (i, w) in self.workers.iter().enumerate() {
            let y = self.top + i as f64 * (LANE + LANE_GAP);
            shapes.push(Shape::Rect {
                x: LEFT,
                y,
                w: PLOT_WIDTH,
                h: LANE,
                fill: "#f4f4f4".into(),
                stroke: None,
            });
            shapes.push(Shape::Text {
                x: LEFT - 8.0,
                y: y + LANE * 0.68,
                text: format!("worker {w}"),
                size: 11.0,
                anchor: "end",
                fill: "#333333".into(),
            });
        }
        shapes
    }

    /// The time axis with round ticks, and grid lines through the lanes.
    fn axis(&self) -> Vec<Shape> {
        let mut shapes = Vec::new();
        let step = tick_step(self.wall, 10);
        let mut t = 0u64;
        while t <= self.wall {
            let x = LEFT + t as f64 * self.scale;
            shapes.push(Shape::Line {
                points: vec![(x, self.top), (x, self.axis_y + 4.0)],
                stroke: "#dddddd".into(),
                width: 0.6,
            });
            shapes.push(Shape::Text {
                x,
                y: self.axis_y + 16.0,
                text: format_ns(t),
                size: 10.0,
                anchor: "middle",
                fill: "#333333".into(),
            });
            t += step;
        }
        shapes.push(Shape::Line {
            points: vec![(LEFT, self.axis_y), (LEFT + PLOT_WIDTH, self.axis_y)],
            stroke: "#666666".into(),
            width: 0.8,
        });
        shapes
    }

    /// Memory below the lanes, as steps: bytes of task outputs held (exact, from the
    /// events) and the process's resident memory (as sampled; held until the next
    /// sample), their points thinned to `column` px. Returns the plot's frame (drawn
    /// behind the tasks) and its curves (drawn over everything).
    fn memory_plot(
        &self,
        trace: &Trace,
        held: &[(u64, u64)],
        column: f64,
    ) -> (Vec<Shape>, Vec<Shape>) {
        let rss: Vec<(u64, u64)> = trace
            .samples
            .iter()
            .filter_map(|s| s.rss.map(|r| (s.t, r)))
            .collect();
        let peak = held
            .iter()
            .chain(&rss)
            .map(|p| p.1)
            .max()
            .unwrap_or(0)
            .max(1);
        let frame = vec![
            Shape::Rect {
                x: LEFT,
                y: self.mem_top,
                w: PLOT_WIDTH,
                h: MEMORY,
                fill: "#fafafa".into(),
                stroke: Some("#cccccc".into()),
            },
            Shape::Text {
                x: LEFT - 8.0,
                y: self.mem_top + 10.0,
                text: format_bytes(peak),
                size: 10.0,
                anchor: "end",
                fill: "#333333".into(),
            },
            Shape::Text {
                x: LEFT - 8.0,
                y: self.mem_top + MEMORY,
                text: "0 B".into(),
                size: 10.0,
                anchor: "end",
                fill: "#333333".into(),
            },
        ];
        let y_of = |v: u64| self.mem_top + MEMORY - v as f64 / peak as f64 * MEMORY;
        let x_of = |t: u64| LEFT + t.min(self.wall) as f64 * self.scale;
        let steps = |points: &[(u64, u64)]| -> Vec<(f64, f64)> {
            let mut out = Vec::with_capacity(points.len() * 2 + 2);
            let mut level = 0u64;
            out.push((x_of(0), y_of(0)));
            for &(t, v) in points {
                out.push((x_of(t), y_of(level)));
                out.push((x_of(t), y_of(v)));
                level = v;
            }
            out.push((x_of(self.wall), y_of(level)));
            thin(out, column)
        };
        let mut curves = Vec::with_capacity(2);
        if !rss.is_empty() {
            curves.push(Shape::Line {
                points: steps(&rss),
                stroke: RSS.into(),
                width: 1.5,
            });
        }
        curves.push(Shape::Line {
            points: steps(held),
            stroke: HELD.into(),
            width: 1.5,
        });
        (frame, curves)
    }
}

/// The groups by size, then what the outline and the two memory curves mean.
fn legend(stats: &RunStats, palette: &Palette) -> Vec<LegendEntry> {
    let mut legend = group_legend(
        stats
            .group_runs
            .iter()
            .map(|(g, r)| (g.clone(), r.tasks))
            .collect(),
        palette,
    );
    legend.push(LegendEntry {
        fill: CRITICAL_PATH.into(),
        label: format!(
            "critical path: {} tasks, {}",
            stats.critical_path.tasks,
            format_ns(stats.critical_path.duration_ns)
        ),
    });
    legend.push(LegendEntry {
        fill: RSS.into(),
        label: "resident memory (RSS)".into(),
    });
    legend.push(LegendEntry {
        fill: HELD.into(),
        label: "task outputs held".into(),
    });
    legend
}

/// The title line: the one asked for, or the run's name, size, wall time and
/// utilization.
fn title(trace: &Trace, stats: &RunStats, frame: &Frame, options: &TimelineOptions) -> String {
    let name = trace.header.name.as_deref().unwrap_or("run");
    options.title.clone().unwrap_or_else(|| {
        format!(
            "{name}: {} tasks on {} workers in {}, {:.0}% busy",
            stats.events,
            frame.workers.len(),
            format_ns(stats.wall_ns),
            stats.utilization * 100.0
        )
    })
}

/// A polyline's points kept at `column` px resolution (0: all): per column the first
/// and last point and the lowest and highest between, so the drawn envelope stays.
fn thin(points: Vec<(f64, f64)>, column: f64) -> Vec<(f64, f64)> {
    if column <= 0.0 {
        return points;
    }
    let mut out = Vec::new();
    let mut i = 0;
    while i < points.len() {
        let col = (points[i].0 / column).floor();
        let mut j = i;
        while j + 1 < points.len() && (points[j + 1].0 / column).floor() == col {
            j += 1;
        }
        let group = &points[i..=j];
        out.push(group[0]);
        if group.len() > 2 {
            let by_y = |a: &&(f64, f64), b: &&(f64, f64)| a.1.total_cmp(&b.1);
            let inner = &group[1..group.len() - 1];
            let lo = inner.iter().enumerate().min_by(|a, b| by_y(&a.1, &b.1));
            let hi = inner.iter().enumerate().max_by(|a, b| by_y(&a.1, &b.1));
            if let (Some(lo), Some(hi)) = (lo, hi) {
                let (a, b) = if lo.0 <= hi.0 { (lo, hi) } else { (hi, lo) };
                out.push(*a.1);
                if a.0 != b.0 {
                    out.push(*b.1);
                }
            }
        }
        if group.len() > 1 {
            out.push(group[group.len() - 1]);
        }
        i = j + 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use taskscope_core::trace::{TaskEvent, TaskStatus};
    use taskscope_core::{GraphBuilder, TaskId, TaskSpec};

    #[test]
    fn ticks_are_round() {
        assert_eq!(tick_step(1_000_000, 10), 100_000);
        assert_eq!(tick_step(16_700_000, 10), 2_000_000);
        assert_eq!(tick_step(7, 10), 1);
        assert_eq!(tick_step(40_000, 10), 5_000);
    }

    #[test]
    fn thinned_curves_keep_their_envelope() {
        let points = vec![
            (0.0, 5.0),
            (0.1, 9.0),
            (0.2, 1.0),
            (0.3, 4.0),
            (0.4, 3.0),
            (1.0, 2.0),
        ];
        assert_eq!(
            thin(points.clone(), 0.5),
            [(0.0, 5.0), (0.1, 9.0), (0.2, 1.0), (0.4, 3.0), (1.0, 2.0)]
        );
        assert_eq!(thin(points.clone(), 0.0), points);
    }

    /// 5,000 independent 10 ns tasks of two groups, alternating on two workers, then
    /// one long task: at 1,400 px for 26 us, each small task is about 0.5 px.
    fn many_small_tasks() -> Trace {
        let mut b = GraphBuilder::new();
        for i in 0..5_000 {
            b.add(TaskSpec::new(
                format!("('{}', {i})", ["a", "b"][i % 2]),
                "op",
            ));
        }
        b.add(TaskSpec::new("long", "op").dep("('a', 0)"));
        let mut t = Trace::of_graph(b.build().unwrap(), Some("many"));
        let event = |i: usize, worker: u32, start: u64, end: u64| TaskEvent {
            bytes: 8,
            ..TaskEvent::new(TaskId(i as u32), worker, start, end, TaskStatus::Done)
        };
        for i in 0..5_000 {
            let start = (i / 2) as u64 * 10;
            t.events.push(event(i, (i % 2) as u32, start, start + 10));
        }
        t.events.push(event(5_000, 0, 25_000, 26_000));
        t
    }

    #[test]
    fn runs_of_sub_pixel_tasks_merge_into_boxes_that_count_them() {
        let t = many_small_tasks();
        let every = TimelineOptions {
            title: None,
            merge_below_px: 0.0,
        };
        let all = timeline_scene_with(&t, &every).unwrap();
        assert_eq!(all.tasks.len(), 5_001);
        // More than MERGE_ABOVE events: the default merges.
        let merged = timeline_scene(&t, None).unwrap();
        // Three tasks (1.6 px) to a box.
        assert!(merged.tasks.len() < 2_000, "{} boxes", merged.tasks.len());
        // Every task is counted once: in a merged box's tooltip or as its own box.
        let counted: usize = merged
            .tasks
            .iter()
            .map(|b| match b.tooltip.split_once(" tasks on worker ") {
                Some((n, _)) => n.parse::<usize>().unwrap(),
                None => 1,
            })
            .sum();
        assert_eq!(counted, 5_001);
        // The long task is on the critical path: it keeps its own box and outline.
        let long = merged.tasks.iter().find(|b| b.key == "long").unwrap();
        assert!(long.highlight.is_some());
        // ('a', 0), before it on the critical path, is outlined within its merged box.
        let start = merged
            .tasks
            .iter()
            .find(|b| b.key.ends_with("tasks from ('a', 0)"))
            .unwrap();
        assert!(start.highlight.is_some());
        let first = merged
            .tasks
            .iter()
            .find(|b| b.tooltip.starts_with("3 tasks on worker 0"))
            .unwrap();
        assert!(first.tooltip.contains("\na: "), "{}", first.tooltip);
        assert!(first.w <= 2.0 + 1e-9, "{}", first.w);
    }
}
