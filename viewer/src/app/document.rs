//! An opened file, with everything the panels ask of it computed once: the replay,
//! the graph's layout, the critical path, the slowest tasks and groups.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc::{Receiver, channel};
use std::time::{Instant, SystemTime};

use egui::{Color32, Pos2, Rect, pos2, vec2};
use taskscope_analysis::stats::RunStats;
use taskscope_core::TaskId;
use taskscope_core::trace::Trace;
use taskscope_exporters::{ColorBy, Palette, RenderOptions, View, graph_scene};
use taskscope_interop::input;

use taskscope_analysis::replay::Replay;

use super::colors::parse_hex;
use super::memory::MemoryCurves;

/// What a box of the graph stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum NodeKind {
    /// A task, in a drawing by task.
    Task(TaskId),
    /// A group, as an index into [`Replay::group_names`].
    Group(u32),
}

/// One box of the graph, in layout coordinates.
#[derive(Clone, Debug)]
pub(crate) struct Node {
    pub(crate) kind: NodeKind,
    pub(crate) rect: Rect,
    pub(crate) label: String,
}

/// The graph laid out once by the exporters' layered layout: boxes and edge polylines.
pub struct GraphPicture {
    /// Boxes are groups (the graph is too large to draw task by task).
    pub(crate) grouped: bool,
    pub(crate) nodes: Vec<Node>,
    pub(crate) edges: Vec<Vec<Pos2>>,
    pub(crate) bounds: Rect,
    /// The box of each task, in a picture by task (empty in a grouped one).
    node_of_task: Vec<u32>,
    /// The box of each group (by [`Replay::group_names`] index), in a grouped
    /// picture (empty in one by task): no list a task long for 10^7 tasks.
    node_of_group: Vec<u32>,
    /// Tasks and edges it was made for: a reloaded file with the same graph keeps it.
    made_for: (usize, usize),
}

impl GraphPicture {
    /// Whether each box stands for a group of tasks rather than for one task.
    pub fn is_grouped(&self) -> bool {
        self.grouped
    }

    /// How many boxes the drawing has.
    pub fn box_count(&self) -> usize {
        self.nodes.len()
    }

    /// The box that shows `task` (in a grouped picture, its group's box).
    pub(crate) fn node_of(&self, replay: &Replay, task: TaskId) -> Option<u32> {
        let node = if self.grouped {
            self.node_of_group.get(replay.group_of(task).0 as usize)
        } else {
            self.node_of_task.get(task.index())
        };
        node.copied().filter(|&n| n != u32::MAX)
    }

    /// The drawings of `trace`'s graph: the default one and, when that draws tasks,
    /// the group view too, for graphs too wide to read.
    fn both(trace: &Trace) -> Pictures {
        // The group names, sorted: the replay's group order.
        let names: Vec<String> = trace.graph.group_counts().into_keys().collect();
        let index = |g: &str| {
            let found = names.binary_search_by(|n| n.as_str().cmp(g));
            found.ok().map(|i| i as u32)
        };
        let picture = |view| Arc::new(GraphPicture::of(trace, view, &index, names.len()));
        let main = picture(View::Auto);
        let groups = (!main.grouped && !trace.graph.is_empty()).then(|| picture(View::Groups));
        (main, groups)
    }

    fn of(
        trace: &Trace,
        view: View,
        group_index: &dyn Fn(&str) -> Option<u32>,
        groups: usize,
    ) -> GraphPicture {
        let options = RenderOptions {
            view,
            color: ColorBy::Group,
            title: Some(String::new()),
            ..RenderOptions::default()
        };
        let scene = graph_scene(trace, &options);
        let grouped = !trace.graph.is_empty() && view.draws_groups(trace.graph.len());
        let mut nodes = Vec::with_capacity(scene.tasks.len());
        let mut node_of_task = vec![u32::MAX; if grouped { 0 } else { trace.graph.len() }];
        let mut node_of_group = vec![u32::MAX; if grouped { groups } else { 0 }];
        for shape in &scene.tasks {
            let kind = if grouped {
                match group_index(&shape.key) {
                    Some(g) => NodeKind::Group(g),
                    None => continue,
                }
            } else {
                match trace.graph.id_of(&shape.key) {
                    Some(id) => NodeKind::Task(id),
                    None => continue,
                }
            };
            match kind {
                NodeKind::Task(id) => node_of_task[id.index()] = nodes.len() as u32,
                NodeKind::Group(g) => node_of_group[g as usize] = nodes.len() as u32,
            }
            let rect = Rect::from_min_size(
                pos2(shape.x as f32, shape.y as f32),
                vec2(shape.w as f32, shape.h as f32),
            );
            let label = shape.label.join("\n");
            nodes.push(Node { kind, rect, label });
        }
        let edges: Vec<Vec<Pos2>> = scene
            .edges
            .iter()
            .map(|e| {
                e.points
                    .iter()
                    .map(|&(x, y)| pos2(x as f32, y as f32))
                    .collect()
            })
            .collect();
        let bounds = nodes
            .iter()
            .map(|n| n.rect)
            .chain(
                edges
                    .iter()
                    .flatten()
                    .map(|&p| Rect::from_center_size(p, vec2(1.0, 1.0))),
            )
            .reduce(|a, b| a.union(b))
            .unwrap_or(Rect::from_min_size(Pos2::ZERO, vec2(100.0, 100.0)));
        GraphPicture {
            grouped,
            nodes,
            edges,
            bounds,
            node_of_task,
            node_of_group,
            made_for: (trace.graph.len(), trace.graph.edge_count()),
        }
    }
}

/// The longest tasks of `replay`, longest first (at most [`SLOWEST`]).
fn slowest_tasks(replay: &Replay) -> Vec<TaskId> {
    let events = &replay.trace().events;
    let mut slowest: Vec<(u64, TaskId)> = Vec::with_capacity(SLOWEST + 1);
    // A running selection: most events are shorter than the 50th longest so far
    // (ties are kept, and settled by task id when the list is cut).
    let mut shortest_kept = 0;
    for e in events {
        let d = e.duration();
        if d >= shortest_kept {
            slowest.push((d, e.task));
            if slowest.len() > 4 * SLOWEST {
                slowest.select_nth_unstable_by_key(SLOWEST, |&(d, t)| (std::cmp::Reverse(d), t));
                slowest.truncate(SLOWEST);
                shortest_kept = slowest.iter().map(|s| s.0).min().unwrap_or(0);
            }
        }
    }
    slowest.sort_by_key(|&(d, t)| (std::cmp::Reverse(d), t));
    slowest.truncate(SLOWEST);
    slowest.into_iter().map(|(_, t)| t).collect()
}

/// A graph's drawings: the default one, and the group view when the default draws
/// tasks.
pub(crate) type Pictures = (Arc<GraphPicture>, Option<Arc<GraphPicture>>);

/// An opened file.
pub struct Document {
    pub(crate) path: PathBuf,
    /// The replay, which keeps the trace as read.
    pub(crate) replay: Replay,
    pub(crate) picture: Arc<GraphPicture>,
    /// The graph by group, when `picture` draws it by task.
    pub(crate) group_picture: Option<Arc<GraphPicture>>,
    pub(crate) stats: Option<RunStats>,
    /// Each group's color.
    pub(crate) group_colors: Vec<Color32>,
    /// Tasks on the measured critical path, in order.
    pub(crate) critical_path: Vec<TaskId>,
    /// The same tasks by id, to ask whether a task is on it.
    critical_by_id: Vec<TaskId>,
    /// The longest tasks, longest first (at most `SLOWEST`).
    pub(crate) slowest: Vec<TaskId>,
    /// The memory plot's curves, made once.
    pub(crate) memory: MemoryCurves,
    /// The lane of each worker.
    pub(crate) lane_of_worker: std::collections::HashMap<u32, usize>,
    /// The last search, kept while its text stays the same (the panel asks each
    /// frame; a pass over 10^7 keys each frame would stop the window).
    search: std::sync::Mutex<Arc<SearchHits>>,
    /// File size and time when read, to notice that it grew.
    pub(crate) seen: FileStamp,
    pub(crate) load_time: std::time::Duration,
}

/// Most search hits listed.
const HITS: usize = 200;

/// What a search found: groups whose name has the text, and tasks whose key has it
/// (at most [`HITS`], of `total`), ignoring case.
#[derive(Default)]
pub(crate) struct SearchHits {
    query: String,
    pub(crate) groups: Vec<u32>,
    pub(crate) tasks: Vec<TaskId>,
    pub(crate) total: usize,
}

impl SearchHits {
    /// The hits of `query` (lower case) in `replay`: one pass over the keys, without
    /// copying them when the query is ASCII (10^7 keys in well under a second).
    fn of(replay: &Replay, query: &str) -> SearchHits {
        let groups = (replay.group_names().iter().enumerate())
            .filter(|(_, g)| g.to_lowercase().contains(query))
            .map(|(i, _)| i as u32)
            .collect();
        let q = query.as_bytes();
        let has = |key: &str| {
            if query.is_ascii() {
                q.is_empty()
                    || key
                        .as_bytes()
                        .windows(q.len())
                        .any(|w| w.eq_ignore_ascii_case(q))
            } else {
                key.to_lowercase().contains(query)
            }
        };
        let mut tasks = Vec::new();
        let mut total = 0;
        for (id, task) in replay.trace().graph.tasks() {
            if has(task.key()) {
                total += 1;
                if tasks.len() < HITS {
                    tasks.push(id);
                }
            }
        }
        SearchHits {
            query: query.to_string(),
            groups,
            tasks,
            total,
        }
    }
}

/// How many of the longest tasks the analysis table lists.
pub(crate) const SLOWEST: usize = 50;

/// The size and modification time of a file, to tell whether it changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub(crate) struct FileStamp {
    len: u64,
    modified: Option<SystemTime>,
}

impl FileStamp {
    /// The stamp of the file at `path` now (`None` when it cannot be read).
    pub(crate) fn of(path: &Path) -> Option<FileStamp> {
        let m = std::fs::metadata(path).ok()?;
        Some(FileStamp {
            len: m.len(),
            modified: m.modified().ok(),
        })
    }
}

impl Document {
    /// Reads `path` (any input taskscope knows) and prepares it for the panels.
    /// `previous` is the picture of the same file before it grew: kept when the graph
    /// did not change, so a live trace is not laid out again.
    pub(crate) fn load(path: &Path, previous: Option<Pictures>) -> Result<Document, String> {
        let started = Instant::now();
        let seen = FileStamp::of(path).unwrap_or_default();
        let trace = input::load(path).map_err(|e| e.to_string())?;
        let mut doc = Document::of_trace(path, trace, previous)?;
        doc.seen = seen;
        doc.load_time = started.elapsed();
        Ok(doc)
    }

    /// Prepares a trace already in memory.
    pub fn of_trace(
        path: &Path,
        mut trace: Trace,
        previous: Option<Pictures>,
    ) -> Result<Document, String> {
        let started = Instant::now();
        // The viewer finds tasks by id; the few lookups by key (search results kept
        // across a reload, a small graph's drawing) make the index again if they must.
        trace.graph.drop_key_index();
        // The replay, the statistics and the layout, one after the other: each uses
        // both cores where it can (the replay sweeps held memory beside its lanes),
        // and side by side they took no less time on two cores while their scratch
        // memory added up (0.7 GB more at the peak for 10^7 tasks).
        let reusable =
            previous.filter(|p| p.0.made_for == (trace.graph.len(), trace.graph.edge_count()));
        let (picture, group_picture) = match reusable {
            Some(pictures) => pictures,
            None => GraphPicture::both(&trace),
        };
        // The replay sweeps the held memory: the figures take their peak from it.
        let stats = RunStats::of_without_held(&trace);
        let replay = Replay::from_trace(trace)
            .map_err(|e| format!("{}: cannot replay this run: {e}", path.display()))?;
        let stats = stats.map(|mut s| {
            s.peak_held_bytes = replay.held_steps().iter().map(|h| h.1).max().unwrap_or(0);
            s
        });
        let names = replay.group_names();
        let palette = Palette::for_groups(names.iter().map(String::as_str));
        let group_colors = names.iter().map(|g| parse_hex(palette.color(g))).collect();
        let critical_path: Vec<TaskId> = stats
            .iter()
            .flat_map(|s| &s.critical_path.steps)
            .map(|step| step.task)
            .collect();
        let mut critical_by_id = critical_path.clone();
        critical_by_id.sort_unstable();
        let slowest = slowest_tasks(&replay);
        let lanes = replay.lanes();
        let lane_of_worker = (0..lanes.len()).map(|l| (lanes.worker(l), l)).collect();
        Ok(Document {
            path: path.to_path_buf(),
            memory: MemoryCurves::of(&replay),
            replay,
            picture,
            group_picture,
            stats,
            group_colors,
            critical_path,
            critical_by_id,
            slowest,
            lane_of_worker,
            search: Default::default(),
            seen: FileStamp::default(),
            load_time: started.elapsed(),
        })
    }

    /// The trace as read from the file.
    pub fn trace(&self) -> &Trace {
        self.replay.trace()
    }

    /// The replay model: what each task was doing at any time.
    pub fn replay(&self) -> &Replay {
        &self.replay
    }

    /// The graph's default drawing (by task, or by group when too large).
    pub fn picture(&self) -> &Arc<GraphPicture> {
        &self.picture
    }

    /// The longest tasks, longest first.
    pub fn slowest(&self) -> &[TaskId] {
        &self.slowest
    }

    /// The drawings, to keep when the file grows without changing its graph.
    pub(crate) fn pictures(&self) -> Pictures {
        (self.picture.clone(), self.group_picture.clone())
    }

    /// The file's name, for titles.
    pub fn name(&self) -> String {
        self.path.file_name().map_or_else(
            || self.path.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        )
    }

    /// What `task` did in the run, if it ran.
    pub(crate) fn event(&self, task: TaskId) -> Option<&taskscope_core::trace::TaskEvent> {
        self.replay.event(task)
    }

    /// What a search for `query` (lower case) finds, found again only when the text
    /// changed.
    pub(crate) fn search(&self, query: &str) -> Arc<SearchHits> {
        let mut last = self.search.lock().unwrap_or_else(|e| e.into_inner());
        if last.query != query {
            *last = Arc::new(SearchHits::of(&self.replay, query));
        }
        last.clone()
    }

    /// Whether `task` is on the measured critical path.
    pub(crate) fn on_critical_path(&self, task: TaskId) -> bool {
        self.critical_by_id.binary_search(&task).is_ok()
    }

    /// A task's short name: its group and block index (`sub (0, 3)`), the key itself
    /// when that says more.
    pub(crate) fn short_name(&self, task: TaskId) -> String {
        let t = self.trace().graph.task(task);
        let short = taskscope_core::short_label(t.key(), t.group()).replace('\n', " ");
        if short == t.group() && t.key() != t.group() {
            t.key().to_string()
        } else {
            short
        }
    }

    /// The color of `task`'s group.
    pub(crate) fn color_of(&self, task: TaskId) -> Color32 {
        self.group_colors[self.replay.group_of(task).0 as usize]
    }

    /// The run's whole time span, ns (at least 1, so scales never divide by zero).
    pub fn end(&self) -> u64 {
        self.replay.end().max(1)
    }

    /// Whether the file may still grow: a run whose writer has not finished it.
    pub fn is_open_run(&self) -> bool {
        self.trace().truncated
    }
}

/// A file being read on a background thread.
pub(crate) struct Loading {
    pub(crate) path: PathBuf,
    pub(crate) started: Instant,
    /// A reload of the open document (live following): errors are not shown over it.
    pub(crate) reload: bool,
    receiver: Receiver<Result<Document, String>>,
}

impl Loading {
    /// Starts reading `path`; `ctx` is asked to repaint when it is done.
    pub(crate) fn start(
        path: PathBuf,
        previous: Option<Pictures>,
        reload: bool,
        ctx: &egui::Context,
    ) -> Loading {
        let (sender, receiver) = channel();
        let ctx = ctx.clone();
        let p = path.clone();
        std::thread::Builder::new()
            .name("taskscope-load".into())
            .spawn(move || {
                let result = std::panic::catch_unwind(|| Document::load(&p, previous))
                    .unwrap_or_else(|_| {
                        Err(format!(
                            "{}: reading the file failed (internal error)",
                            p.display()
                        ))
                    });
                // Reading and preparing freed their scratch memory in many pieces
                // on several threads' heaps: give it back (tens of MB at 10^6 tasks).
                taskscope_core::resources::release_free_memory();
                let _ = sender.send(result);
                ctx.request_repaint();
            })
            .expect("spawning a thread");
        Loading {
            path,
            started: Instant::now(),
            reload,
            receiver,
        }
    }

    /// "Reading FILE … 1.2 s", for the status bar and the welcome page.
    pub(crate) fn status(&self) -> String {
        format!(
            "Reading {} … {:.1} s",
            self.path.display(),
            self.started.elapsed().as_secs_f32()
        )
    }

    /// The result, once the thread is done.
    pub(crate) fn poll(&self) -> Option<Result<Document, String>> {
        match self.receiver.try_recv() {
            Ok(r) => Some(r),
            Err(std::sync::mpsc::TryRecvError::Empty) => None,
            Err(std::sync::mpsc::TryRecvError::Disconnected) => Some(Err(format!(
                "{}: reading the file stopped unexpectedly",
                self.path.display()
            ))),
        }
    }

    /// Waits for the result (screenshots and tests).
    pub(crate) fn wait(self) -> Result<Document, String> {
        self.receiver
            .recv()
            .unwrap_or_else(|_| Err(format!("{}: reading stopped", self.path.display())))
    }
}
