//! The desktop app: open a trace, see its graph and timeline together, replay the run.
//!
//! [`ViewerApp::show`] draws everything into a `Ui`, so the app runs in an eframe
//! window ([`run`]) and in egui_kittest tests alike. This file holds the app's state and
//! where its panels sit; each panel and bar has a file of its own.

mod bars;
mod colors;
mod details;
mod document;
mod files;
mod glyphs;
mod graph_view;
mod keys;
mod memory;
mod panels;
mod playback;
mod recent;
mod screenshot;
mod timeline;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use egui::Ui;
use taskscope_core::TaskId;

pub use document::{Document, GraphPicture};
pub use graph_view::GraphView;
pub use playback::{Playback, TimeSpec};
pub use recent::Recent;
pub use screenshot::{ViewerError, run};
pub use timeline::Timeline;

use panels::Actions;

/// How often a trace that is still being written is checked for growth.
const LIVE_POLL: Duration = Duration::from_millis(500);

/// What is selected: a task, or a group when the graph is drawn by group.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Selection {
    /// One task of the graph.
    Task(TaskId),
    /// A group, as an index into the replay's group names.
    Group(u32),
}

/// How the app starts.
#[derive(Clone, Debug, Default)]
pub struct ViewerOptions {
    /// A file to open at once.
    pub file: Option<PathBuf>,
    /// Where the replay cursor starts (default: the end of a finished run, "now" for
    /// a run still being written).
    pub at: Option<TimeSpec>,
    /// Start playing at once.
    pub play: bool,
    /// Save a screenshot of the window here once the file is shown, then exit.
    pub screenshot: Option<PathBuf>,
    /// Select this task (by key) once the file is open.
    pub select: Option<String>,
}

/// The app's state.
pub struct ViewerApp {
    doc: Option<Document>,
    loading: Option<document::Loading>,
    error: Option<String>,
    playback: Playback,
    timeline: Timeline,
    graph: GraphView,
    selection: Option<Selection>,
    show_critical: bool,
    search: String,
    recent: Recent,
    options: ViewerOptions,
    /// When the open file was last checked for growth.
    last_poll: Instant,
    show_help: bool,
    /// The File > Open path field (works where no native dialog is available).
    typed_path: String,
    dialog: Option<std::sync::mpsc::Receiver<Option<PathBuf>>>,
    /// CPU time of the last frame, ms (from eframe).
    frame_ms: Option<f32>,
    /// Frames drawn since the open document arrived.
    frames_since_load: u32,
    /// The window title last set: sent again only when it changes (each command
    /// makes the window system wake egui for one more frame).
    title: String,
}

impl ViewerApp {
    /// An app that remembers recent files in the user's config folder.
    pub fn new(options: ViewerOptions) -> ViewerApp {
        ViewerApp::with_recent(options, Recent::load())
    }

    /// An app with the given list of recent files (tests use [`Recent::in_memory`]).
    pub fn with_recent(options: ViewerOptions, recent: Recent) -> ViewerApp {
        ViewerApp {
            doc: None,
            loading: None,
            error: None,
            playback: Playback::default(),
            timeline: Timeline::default(),
            graph: GraphView::default(),
            selection: None,
            show_critical: false,
            search: String::new(),
            recent,
            options,
            last_poll: Instant::now(),
            show_help: false,
            typed_path: String::new(),
            dialog: None,
            frame_ms: None,
            frames_since_load: 0,
            title: String::new(),
        }
    }

    /// The open document, if any.
    pub fn document(&self) -> Option<&Document> {
        self.doc.as_ref()
    }

    /// The selected task or group, if any.
    pub fn selection(&self) -> Option<Selection> {
        self.selection
    }

    /// The replay cursor: where it is and whether it plays.
    pub fn playback(&self) -> &Playback {
        &self.playback
    }

    /// Recently opened files, newest first.
    pub fn recent(&self) -> &Recent {
        &self.recent
    }

    /// The error shown in the window, if any.
    pub fn error(&self) -> Option<&str> {
        self.error.as_deref()
    }

    /// The timeline's view: the visible time range and the lanes shown.
    pub fn timeline(&self) -> &Timeline {
        &self.timeline
    }

    /// The timeline's view, to zoom it from scripts and benchmarks.
    pub fn timeline_mut(&mut self) -> &mut Timeline {
        &mut self.timeline
    }

    /// The graph's view: its zoom, and whether it draws tasks or groups.
    pub fn graph_view(&self) -> &GraphView {
        &self.graph
    }

    /// Whether a file is being read.
    pub fn is_loading(&self) -> bool {
        self.loading.is_some()
    }

    /// Draws the whole app into `ui`.
    pub fn show(&mut self, ui: &mut Ui) {
        let ctx = ui.ctx().clone();
        self.begin_frame(&ctx);
        egui::Panel::top("menu").show(ui, |ui| self.menu_bar(ui));
        if self.doc.is_some() {
            egui::Panel::top("controls").show(ui, |ui| self.controls(ui));
        }
        egui::Panel::bottom("status").show(ui, |ui| self.status_bar(ui));
        if self.doc.is_none() {
            egui::CentralPanel::default().show(ui, |ui| self.welcome(ui));
            return;
        }
        let actions = self.document_panels(ui);
        if let Some(s) = actions.select {
            self.select(s);
        }
        if let Some(t) = actions.seek {
            self.playback.seek(t);
        }
        if self.show_help {
            keys::help_window(&ctx, &mut self.show_help);
        }
        self.frames_since_load += 1;
    }

    /// What comes before drawing: files to open or that arrived, a dropped file, keys,
    /// the replay moving on, the window's title.
    fn begin_frame(&mut self, ctx: &egui::Context) {
        glyphs::install(ctx);
        if let Some(path) = self.options.file.take() {
            self.open(ctx, path);
        }
        self.poll_background(ctx);
        self.handle_drop(ctx);
        self.handle_keys(ctx);
        let dt = ctx.input(|i| i.stable_dt) as f64;
        if let Some(doc) = &self.doc {
            if self.playback.advance(dt, doc.end()) {
                ctx.request_repaint();
            }
            if doc.is_open_run() {
                ctx.request_repaint_after(LIVE_POLL);
            }
        }
        let title = self.doc.as_ref().map_or_else(
            || "taskscope".to_string(),
            |d| format!("taskscope — {}", d.name()),
        );
        if title != self.title {
            self.title.clone_from(&title);
            ctx.send_viewport_cmd(egui::ViewportCommand::Title(title));
        }
    }

    /// The panels of an open document: the timeline and memory below, the analysis on
    /// the left, the details on the right, the graph in the middle. Returns what their
    /// clicks ask for.
    fn document_panels(&mut self, ui: &mut Ui) -> Actions {
        let mut actions = Actions::default();
        let Some(doc) = &self.doc else {
            return actions;
        };
        let t = self.playback.t;
        egui::Panel::bottom("timeline")
            .resizable(true)
            .default_size(300.0)
            .min_size(120.0)
            .show(ui, |ui| {
                if doc.trace().events.is_empty() {
                    ui.centered_and_justified(|ui| {
                        ui.label("This file holds a graph without a run: no timeline to show. Record one with `taskscope demo` or the Dask hook.");
                    });
                    return;
                }
                let plot_h = 110.0f32.min(ui.available_height() * 0.4);
                let timeline_h = ui.available_height() - plot_h - 6.0;
                ui.allocate_ui(egui::vec2(ui.available_width(), timeline_h), |ui| {
                    self.timeline.ui(
                        ui,
                        doc,
                        &mut self.playback,
                        &mut self.selection,
                        self.show_critical,
                    );
                });
                memory::memory_plot(ui, doc, &self.playback, &mut actions);
            });
        egui::Panel::left("analysis")
            .resizable(true)
            .default_size(290.0)
            .max_size(480.0)
            .show(ui, |ui| {
                panels::analysis(ui, doc, &mut self.search, t, &mut actions);
            });
        egui::Panel::right("details")
            .resizable(true)
            .default_size(320.0)
            .max_size(560.0)
            .show(ui, |ui| {
                details::panel(ui, doc, self.selection, t, &mut actions)
            });
        egui::CentralPanel::default().show(ui, |ui| {
            self.graph
                .ui(ui, doc, t, &mut self.selection, self.show_critical);
        });
        actions
    }

    /// Selects `s` and brings it into view in the graph and the timeline.
    pub fn select(&mut self, s: Selection) {
        self.selection = Some(s);
        let Some(doc) = &self.doc else { return };
        if let Selection::Task(task) = s {
            self.graph.focus_on(doc, task);
            if let Some(span) = doc.replay.span(task) {
                if let Some(&lane) = doc.lane_of_worker.get(&span.worker) {
                    self.timeline.show_lane(lane);
                }
                let visible =
                    self.timeline.t0 <= span.start as f64 && span.end as f64 <= self.timeline.t1;
                if !visible {
                    self.timeline.zoom_to(span.start, span.end);
                }
            }
        }
    }
}

impl eframe::App for ViewerApp {
    fn ui(&mut self, ui: &mut Ui, frame: &mut eframe::Frame) {
        self.frame_ms = frame.info().cpu_usage.map(|s| s * 1e3);
        self.show(ui);
    }
}
