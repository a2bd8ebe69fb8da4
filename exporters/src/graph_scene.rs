//! Drawing a graph: every task, or tasks collapsed by group, laid out by our layered
//! layout and colored by group, by measured duration or by memory.

use taskscope_core::trace::{TaskStatus, Trace};
use taskscope_core::units::format_bytes;
use taskscope_core::units::format_ns;
use taskscope_core::{TaskGraph, TaskId, short_label};

use crate::layout::{LayoutInput, RankDir, layout};
use crate::palette::{CRITICAL_PATH, Palette};
use crate::scene::{EdgeShape, LegendEntry, Scene, TaskShape, text_width};
use crate::svg::{FONT, TITLE_HEIGHT, legend_layout};

/// Above this many tasks, `View::Auto` draws groups instead of tasks. Graphviz is
/// unreadable (and slow) long before; Dask's dashboard stops drawing at 5,000.
pub const AUTO_GROUPS_ABOVE: usize = 10_000;

/// What each box stands for.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum View {
    /// One box per task.
    Tasks,
    /// One box per group, with its task count (and time and bytes from a trace), like
    /// Dask's high-level graph.
    Groups,
    /// Tasks up to [`AUTO_GROUPS_ABOVE`] tasks, groups above.
    #[default]
    Auto,
}

impl View {
    /// Whether a graph of `tasks` tasks is drawn one box per group.
    ///
    /// ```
    /// use taskscope_exporters::View;
    /// assert!(View::Auto.draws_groups(20_000) && !View::Auto.draws_groups(590));
    /// ```
    pub fn draws_groups(self, tasks: usize) -> bool {
        match self {
            View::Groups => true,
            View::Tasks => false,
            View::Auto => tasks > AUTO_GROUPS_ABOVE,
        }
    }
}

/// What the fill color tells.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ColorBy {
    /// The task's group, one color per group.
    #[default]
    Group,
    /// Measured duration (traces), on a log scale.
    Duration,
    /// Bytes of output (traces), on a log scale.
    Memory,
}

/// How to draw a graph.
#[derive(Clone, Debug, Default)]
pub struct RenderOptions {
    /// What each box stands for: a task or a group.
    pub view: View,
    /// What the fill color tells.
    pub color: ColorBy,
    /// Where the first tasks go.
    pub rankdir: RankDir,
    /// The title line; by default the file's name and the graph's size.
    pub title: Option<String>,
}

const MARGIN: f64 = 16.0;

/// What a trace measured for each task.
struct Measured {
    duration: Vec<Option<u64>>,
    bytes: Vec<Option<u64>>,
    failed: Vec<bool>,
    critical: Vec<bool>,
}

impl Measured {
    fn of(trace: &Trace) -> Measured {
        let n = trace.graph.len();
        let mut m = Measured {
            duration: vec![None; n],
            bytes: vec![None; n],
            failed: vec![false; n],
            critical: vec![false; n],
        };
        for e in &trace.events {
            let i = e.task.index();
            m.duration[i] = Some(e.duration());
            m.bytes[i] = Some(e.bytes);
            m.failed[i] = e.status == TaskStatus::Failed;
        }
        if trace.is_run() {
            // The measured critical path of `stats` (the same weights: each task's
            // last event), without the run's other figures.
            let weight = |id: TaskId| m.duration[id.index()].unwrap_or(0) as f64;
            for id in trace.graph.critical_path(weight).tasks {
                m.critical[id.index()] = true;
            }
        }
        m
    }
}

/// A log-scale color ramp (viridis) over positive values.
struct Ramp {
    lo: f64,
    hi: f64,
}

impl Ramp {
    fn over(values: impl Iterator<Item = u64>) -> Option<Ramp> {
        let (mut lo, mut hi) = (f64::INFINITY, 0.0f64);
        for v in values.filter(|&v| v > 0) {
            lo = lo.min(v as f64);
            hi = hi.max(v as f64);
        }
        (hi > 0.0).then_some(Ramp {
            lo: lo.ln(),
            hi: hi.ln(),
        })
    }

    fn color(&self, v: u64) -> String {
        let t = if self.hi > self.lo {
            ((v.max(1) as f64).ln() - self.lo) / (self.hi - self.lo)
        } else {
            1.0
        };
        viridis(t.clamp(0.0, 1.0))
    }

    /// Five legend entries from low to high.
    fn legend(&self, fmt: fn(u64) -> String) -> Vec<LegendEntry> {
        (0..5)
            .map(|i| {
                let t = i as f64 / 4.0;
                let v = (self.lo + t * (self.hi - self.lo)).exp().round() as u64;
                LegendEntry {
                    fill: viridis(t),
                    label: fmt(v),
                }
            })
            .collect()
    }
}

fn viridis(t: f64) -> String {
    const STOPS: [(f64, f64, f64); 5] = [
        (68.0, 1.0, 84.0),
        (59.0, 82.0, 139.0),
        (33.0, 145.0, 140.0),
        (94.0, 201.0, 98.0),
        (253.0, 231.0, 37.0),
    ];
    let x = t * 4.0;
    let i = (x.floor() as usize).min(3);
    let f = x - i as f64;
    let (a, b) = (STOPS[i], STOPS[i + 1]);
    let mix = |p: f64, q: f64| (p + (q - p) * f).round() as u8;
    format!(
        "#{:02x}{:02x}{:02x}",
        mix(a.0, b.0),
        mix(a.1, b.1),
        mix(a.2, b.2)
    )
}

/// One box to lay out and draw.
struct Node {
    key: String,
    label: Vec<String>,
    tooltip: String,
    fill: String,
    critical: bool,
}

fn box_size(label: &[String]) -> (f64, f64) {
    let w = label
        .iter()
        .map(|l| text_width(l, FONT))
        .fold(0.0, f64::max)
        + 16.0;
    (w.max(48.0), 12.0 + label.len() as f64 * (FONT + 1.0))
}

/// The scene of `trace`'s graph (and its measurements, if it is a run).
pub fn graph_scene(trace: &Trace, options: &RenderOptions) -> Scene {
    let g = &trace.graph;
    let groups = options.view.draws_groups(g.len());
    let (nodes, edges, legend) = if groups {
        group_nodes(trace, options.color)
    } else {
        task_nodes(g, &Measured::of(trace), options.color)
    };
    let name = trace.header.name.as_deref().unwrap_or("graph");
    let title = options.title.clone().unwrap_or_else(|| {
        format!(
            "{name}: {} tasks, {} edges{}",
            g.len(),
            g.edge_count(),
            if groups { " (one box per group)" } else { "" }
        )
    });
    place(nodes, &edges, legend, title, options.rankdir)
}

fn task_nodes(
    g: &TaskGraph,
    m: &Measured,
    color: ColorBy,
) -> (Vec<Node>, Vec<(usize, usize)>, Vec<LegendEntry>) {
    let ramp = match color {
        ColorBy::Group => None,
        ColorBy::Duration => Ramp::over(m.duration.iter().flatten().copied()),
        ColorBy::Memory => Ramp::over(m.bytes.iter().flatten().copied()),
    };
    let palette = Palette::for_groups(g.tasks().map(|(_, t)| t.group()));
    let mut nodes = Vec::with_capacity(g.len());
    let mut edges = Vec::with_capacity(g.edge_count());
    for (id, t) in g.tasks() {
        let i = id.index();
        let value = match color {
            ColorBy::Group => None,
            ColorBy::Duration => m.duration[i],
            ColorBy::Memory => m.bytes[i],
        };
        let fill = match (&ramp, value) {
            (Some(r), Some(v)) => r.color(v),
            (None, _) if color == ColorBy::Group => palette.color(t.group()).to_string(),
            _ => "#eeeeee".to_string(),
        };
        let mut tooltip = format!("{}\ngroup: {}\nop: {}", t.key(), t.group(), t.op());
        if let Some(d) = m.duration[i] {
            tooltip.push_str(&format!("\nduration: {}", format_ns(d)));
        }
        if let Some(b) = m.bytes[i] {
            tooltip.push_str(&format!("\nbytes: {}", format_bytes(b)));
        }
        if m.failed[i] {
            tooltip.push_str("\nFAILED");
        }
        nodes.push(Node {
            key: t.key().to_string(),
            label: short_label(t.key(), t.group())
                .lines()
                .map(str::to_string)
                .collect(),
            tooltip,
            fill,
            critical: m.critical[i],
        });
        for d in t.deps() {
            edges.push((d.index(), i));
        }
    }
    let legend = match (&ramp, color) {
        (Some(r), ColorBy::Duration) => r.legend(format_ns),
        (Some(r), ColorBy::Memory) => r.legend(format_bytes),
        _ => group_legend(g.group_counts().into_iter().collect(), &palette),
    };
    (nodes, edges, legend)
}

/// Groups by size, largest first; at most 16 entries.
pub(crate) fn group_legend(
    mut counts: Vec<(String, usize)>,
    palette: &Palette,
) -> Vec<LegendEntry> {
    counts.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let more = counts.len().saturating_sub(16);
    let mut legend: Vec<LegendEntry> = counts
        .into_iter()
        .take(16)
        .map(|(group, n)| LegendEntry {
            fill: palette.color(&group).to_string(),
            label: format!("{group} ({n})"),
        })
        .collect();
    if more > 0 {
        legend.push(LegendEntry {
            fill: "#ffffff".to_string(),
            label: format!("and {more} more groups"),
        });
    }
    legend
}

/// Each task's group, numbered in order of the group's first task: so the drawing
/// follows the graph. Found through the group's name id, without a list a task long.
struct GroupOrder<'a> {
    names: Vec<&'a str>,
    /// The group number of each name id (`u32::MAX`: not a group's name).
    of_name: Vec<u32>,
}

impl<'a> GroupOrder<'a> {
    fn of(g: &'a TaskGraph) -> GroupOrder<'a> {
        let mut order = GroupOrder {
            names: Vec::new(),
            of_name: Vec::new(),
        };
        for (id, t) in g.tasks() {
            let name = g.group_id(id) as usize;
            if order.of_name.len() <= name {
                order.of_name.resize(name + 1, u32::MAX);
            }
            if order.of_name[name] == u32::MAX {
                order.of_name[name] = order.names.len() as u32;
                order.names.push(t.group());
            }
        }
        order
    }

    fn of_task(&self, g: &TaskGraph, id: TaskId) -> usize {
        self.of_name[g.group_id(id) as usize] as usize
    }
}

/// One box per group, with the time and bytes of its tasks (each task's last event)
/// and whether one is on the critical path; edges between groups. Memory: a few
/// numbers per group, and a duration per task for the critical path (a list of
/// measures per task cost 34 bytes a task, 340 MB at 10^7 tasks).
fn group_nodes(
    trace: &Trace,
    color: ColorBy,
) -> (Vec<Node>, Vec<(usize, usize)>, Vec<LegendEntry>) {
    let g = &trace.graph;
    let groups = GroupOrder::of(g);
    let order = &groups.names;
    let mut count = vec![0usize; order.len()];
    for (id, _) in g.tasks() {
        count[groups.of_task(g, id)] += 1;
    }
    let mut time = vec![None::<u64>; order.len()];
    let mut bytes = vec![None::<u64>; order.len()];
    // Each task's last event counts: the events from the last, the first seen of each
    // task.
    let mut seen = vec![false; if trace.events.is_empty() { 0 } else { g.len() }];
    for e in trace.events.iter().rev() {
        if !std::mem::replace(&mut seen[e.task.index()], true) {
            let gi = groups.of_task(g, e.task);
            *time[gi].get_or_insert(0) += e.duration();
            *bytes[gi].get_or_insert(0) += e.bytes;
        }
    }
    drop(seen);
    let mut critical = vec![false; order.len()];
    if trace.is_run() {
        // The measured critical path of `stats` (the same weights: each task's last
        // event), without the run's other figures.
        let mut duration = vec![0u64; g.len()];
        for e in &trace.events {
            duration[e.task.index()] = e.duration();
        }
        for id in g.critical_path(|id| duration[id.index()] as f64).tasks {
            critical[groups.of_task(g, id)] = true;
        }
    }
    let mut pairs: std::collections::BTreeSet<(usize, usize)> = Default::default();
    for (id, t) in g.tasks() {
        let to = groups.of_task(g, id);
        for &d in t.deps() {
            let from = groups.of_task(g, d);
            if from != to {
                pairs.insert((from, to));
            }
        }
    }
    let pairs: Vec<(usize, usize)> = pairs.into_iter().collect();
    let palette = Palette::for_groups(order.iter().copied());
    let ramp = match color {
        ColorBy::Group => None,
        ColorBy::Duration => Ramp::over(time.iter().flatten().copied()),
        ColorBy::Memory => Ramp::over(bytes.iter().flatten().copied()),
    };
    let nodes = order
        .iter()
        .enumerate()
        .map(|(gi, name)| {
            let mut label = vec![name.to_string(), format!("{} tasks", count[gi])];
            let mut tooltip = format!("{name}\n{} tasks", count[gi]);
            if let (Some(t), Some(b)) = (time[gi], bytes[gi]) {
                label.push(format!("{} · {}", format_ns(t), format_bytes(b)));
                tooltip.push_str(&format!(
                    "\ntime: {}\nbytes: {}",
                    format_ns(t),
                    format_bytes(b)
                ));
            }
            let value = match color {
                ColorBy::Group => None,
                ColorBy::Duration => time[gi],
                ColorBy::Memory => bytes[gi],
            };
            let fill = match (&ramp, value) {
                (Some(r), Some(v)) => r.color(v),
                _ => palette.color(name).to_string(),
            };
            Node {
                key: name.to_string(),
                label,
                tooltip,
                fill,
                critical: critical[gi],
            }
        })
        .collect();
    let legend = match (&ramp, color) {
        (Some(r), ColorBy::Duration) => r.legend(format_ns),
        (Some(r), ColorBy::Memory) => r.legend(format_bytes),
        _ => Vec::new(),
    };
    (nodes, pairs, legend)
}

/// Lays the boxes out and makes the scene: title on top, drawing, legend below.
fn place(
    nodes: Vec<Node>,
    edges: &[(usize, usize)],
    legend: Vec<LegendEntry>,
    title: String,
    rankdir: RankDir,
) -> Scene {
    let sizes: Vec<(f64, f64)> = nodes.iter().map(|n| box_size(&n.label)).collect();
    let laid = layout(&LayoutInput {
        sizes: sizes.clone(),
        edges: edges.to_vec(),
        direction: rankdir.into(),
        ..LayoutInput::default()
    });
    let (dx, dy) = (MARGIN, TITLE_HEIGHT + MARGIN);
    let width = (laid.width + 2.0 * MARGIN).max(text_width(&title, 14.0) + 20.0);
    let labels: Vec<&str> = legend.iter().map(|l| l.label.as_str()).collect();
    let (_, legend_h) = legend_layout(&labels, width);
    let height = laid.height + TITLE_HEIGHT + 2.0 * MARGIN + legend_h;
    let tasks = nodes
        .into_iter()
        .zip(&laid.centers)
        .zip(&sizes)
        .map(|((n, &(cx, cy)), &(w, h))| TaskShape {
            key: n.key,
            x: cx - w / 2.0 + dx,
            y: cy - h / 2.0 + dy,
            w,
            h,
            fill: n.fill,
            label: n.label,
            tooltip: n.tooltip,
            highlight: n.critical.then(|| CRITICAL_PATH.to_string()),
        })
        .collect::<Vec<_>>();
    let edges = laid
        .edges
        .iter()
        .zip(edges)
        .map(|(points, &(a, b))| EdgeShape {
            points: points.iter().map(|&(x, y)| (x + dx, y + dy)).collect(),
            highlight: tasks[a].highlight.is_some() && tasks[b].highlight.is_some(),
        })
        .collect();
    Scene {
        width,
        height,
        title,
        background: Vec::new(),
        edges,
        tasks,
        legend,
        foreground: Vec::new(),
        crossings: Some(laid.crossings),
    }
}
