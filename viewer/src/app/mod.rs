//! The desktop app: open a trace, see its graph and timeline together, replay the run.
//!
//! [`ViewerApp::show`] draws everything into a `Ui`, so the app runs in an eframe
//! window ([`run`]) and in egui_kittest tests alike.

mod document;
mod glyphs;
mod graph_view;
mod panels;
mod playback;
mod recent;
mod screenshot;
mod timeline;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use egui::{Color32, Key, RichText, Ui};
use taskscope_core::TaskId;
use taskscope_core::units::format_bytes;
use taskscope_core::units::format_ns;

pub use document::{Document, FileStamp, GraphPicture, Loading, NodeKind, SLOWEST};
pub use graph_view::GraphView;
pub use playback::{Playback, Speed, TimeSpec};
pub use recent::Recent;
pub use screenshot::run;
pub use timeline::Timeline;

use taskscope_analysis::replay::TaskState;

/// The outline color of the critical path.
pub const HIGHLIGHT: Color32 = Color32::from_rgb(255, 140, 0);

/// How often a trace that is still being written is checked for growth.
const LIVE_POLL: Duration = Duration::from_millis(500);

/// What is selected: a task, or a group when the graph is drawn by group.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Selection {
    Task(TaskId),
    /// An index into the replay's group names.
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
    loading: Option<Loading>,
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
    pub frame_ms: Option<f32>,
    /// Frames drawn since the open document arrived.
    frames_since_load: u32,
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
        }
    }

    /// The open document, if any.
    pub fn document(&self) -> Option<&Document> {
        self.doc.as_ref()
    }

    pub fn selection(&self) -> Option<Selection> {
        self.selection
    }

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

    pub fn timeline(&self) -> &Timeline {
        &self.timeline
    }

    /// The timeline's view, to zoom it from scripts and benchmarks.
    pub fn timeline_mut(&mut self) -> &mut Timeline {
        &mut self.timeline
    }

    pub fn graph_view(&self) -> &GraphView {
        &self.graph
    }

    /// Whether a file is being read.
    pub fn is_loading(&self) -> bool {
        self.loading.is_some()
    }

    /// Starts reading `path` in the background.
    pub fn open(&mut self, ctx: &egui::Context, path: PathBuf) {
        self.loading = Some(Loading::start(path, None, false, ctx));
    }

    /// Waits for the file being read and shows it (tests and screenshots).
    pub fn finish_loading(&mut self) {
        if let Some(loading) = self.loading.take() {
            let reload = loading.reload;
            let path = loading.path.clone();
            let result = loading.wait();
            self.arrive(result, reload, &path);
        }
    }

    fn arrive(&mut self, result: Result<Document, String>, reload: bool, path: &std::path::Path) {
        match result {
            Ok(doc) if reload => self.replace(doc),
            Ok(doc) => self.show_new(doc),
            Err(e) if reload => {
                // A live file caught mid-line reads again at the next poll.
                let _ = e;
            }
            Err(e) => {
                self.error = Some(e);
                self.recent.files.retain(|p| p != path);
            }
        }
    }

    fn show_new(&mut self, doc: Document) {
        self.recent.add(&doc.path);
        self.error = None;
        self.selection = None;
        self.timeline = Timeline::default();
        self.graph = GraphView::default();
        self.graph.color_by_group = !doc.trace.is_run();
        let end = doc.end();
        self.playback = Playback::default();
        self.playback.follow_live = doc.is_open_run();
        let play = std::mem::take(&mut self.options.play);
        self.playback.t = match self.options.at.take() {
            Some(at) => {
                self.playback.follow_live = false;
                at.resolve(end)
            }
            None if play => 0,
            None => end,
        };
        if play {
            self.playback.playing = true;
            self.playback.follow_live = false;
        }
        let select = self
            .options
            .select
            .take()
            .and_then(|k| doc.trace.graph.id_of(&k));
        self.doc = Some(doc);
        if let Some(id) = select {
            self.select(Selection::Task(id));
        }
        self.last_poll = Instant::now();
        self.frames_since_load = 0;
    }

    /// A live file grew: keep the view, the selection (by key) and the cursor.
    fn replace(&mut self, doc: Document) {
        let old = self.doc.take();
        if let (Some(old), Some(Selection::Task(id))) = (&old, self.selection) {
            let key = &old.trace.graph.task(id).key;
            self.selection = doc.trace.graph.id_of(key).map(Selection::Task);
        }
        if self.playback.follow_live {
            self.playback.t = doc.end();
            self.timeline.fit(doc.end());
        }
        let same_picture = old
            .as_ref()
            .is_some_and(|o| std::sync::Arc::ptr_eq(&o.picture, &doc.picture));
        if !same_picture {
            self.graph.by_group = None;
        }
        if !same_picture {
            self.graph.refit();
        }
        self.doc = Some(doc);
    }

    /// Draws the whole app into `ui`.
    pub fn show(&mut self, ui: &mut Ui) {
        let ctx = ui.ctx().clone();
        glyphs::install(&ctx);
        if let Some(path) = self.options.file.take() {
            self.open(&ctx, path);
        }
        self.poll_background(&ctx);
        self.handle_drop(&ctx);
        self.handle_keys(&ctx);
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
        ctx.send_viewport_cmd(egui::ViewportCommand::Title(title));

        egui::Panel::top("menu").show(ui, |ui| self.menu_bar(ui));
        if self.doc.is_some() {
            egui::Panel::top("controls").show(ui, |ui| self.controls(ui));
        }
        egui::Panel::bottom("status").show(ui, |ui| self.status_bar(ui));
        let Some(doc) = &self.doc else {
            egui::CentralPanel::default().show(ui, |ui| self.welcome(ui));
            return;
        };
        let mut actions = panels::Actions::default();
        let t = self.playback.t;
        egui::Panel::bottom("timeline")
            .resizable(true)
            .default_size(300.0)
            .min_size(120.0)
            .show(ui, |ui| {
                if doc.trace.events.is_empty() {
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
                panels::memory_plot(ui, doc, &self.playback, &mut actions);
            });
        egui::Panel::left("analysis")
            .resizable(true)
            .default_size(290.0)
            .max_size(480.0)
            .show(ui, |ui| {
                egui::ScrollArea::vertical().show(ui, |ui| {
                    panels::search(ui, doc, &mut self.search, &mut actions);
                    ui.separator();
                    egui::CollapsingHeader::new("Progress")
                        .default_open(true)
                        .show(ui, |ui| panels::progress(ui, doc, t, &mut actions));
                    if doc.trace.is_run() {
                        ui.separator();
                        panels::slowest(ui, doc, &mut actions);
                    }
                });
            });
        egui::Panel::right("details")
            .resizable(true)
            .default_size(320.0)
            .max_size(560.0)
            .show(ui, |ui| {
                egui::ScrollArea::vertical().show(ui, |ui| match self.selection {
                    Some(s) => panels::details(ui, doc, s, t, &mut actions),
                    None => {
                        ui.heading("Details");
                        ui.label(
                            RichText::new(
                                "Click a task in the graph or the timeline, or search for one.",
                            )
                            .weak(),
                        );
                    }
                });
            });
        egui::CentralPanel::default().show(ui, |ui| {
            self.graph
                .ui(ui, doc, t, &mut self.selection, self.show_critical);
        });
        if let Some(s) = actions.select {
            self.select(s);
        }
        if let Some(t) = actions.seek {
            self.playback.seek(t);
        }
        if self.show_help {
            help_window(&ctx, &mut self.show_help);
        }
        self.frames_since_load += 1;
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

    fn poll_background(&mut self, ctx: &egui::Context) {
        if let Some(loading) = &self.loading {
            match loading.poll() {
                Some(result) => {
                    let reload = loading.reload;
                    let path = loading.path.clone();
                    self.loading = None;
                    self.arrive(result, reload, &path);
                }
                // A few frames a second for the elapsed time; an animated spinner would
                // redraw without pause and take CPU from the reading thread.
                None => ctx.request_repaint_after(Duration::from_millis(200)),
            }
        }
        if let Some(dialog) = &self.dialog
            && let Ok(picked) = dialog.try_recv()
        {
            self.dialog = None;
            if let Some(path) = picked {
                self.open(ctx, path);
            }
        }
        // Follow a file that is still being written.
        if let Some(doc) = &self.doc
            && doc.is_open_run()
            && self.loading.is_none()
            && self.last_poll.elapsed() >= LIVE_POLL.max(doc.load_time * 2)
        {
            self.last_poll = Instant::now();
            if FileStamp::of(&doc.path).is_some_and(|s| s != doc.seen) {
                let previous = Some(doc.pictures());
                self.loading = Some(Loading::start(doc.path.clone(), previous, true, ctx));
            }
        }
    }

    fn handle_drop(&mut self, ctx: &egui::Context) {
        let dropped = ctx.input(|i| i.raw.dropped_files.first().map(|f| f.path().to_path_buf()));
        if let Some(path) = dropped {
            self.open(ctx, path);
        }
        if ctx.input(|i| !i.raw.hovered_files.is_empty()) {
            let painter = ctx.layer_painter(egui::LayerId::new(
                egui::Order::Foreground,
                egui::Id::unique("drop"),
            ));
            let rect = ctx.content_rect();
            painter.rect_filled(rect, 0.0, Color32::from_black_alpha(160));
            painter.text(
                rect.center(),
                egui::Align2::CENTER_CENTER,
                "Drop the file to open it",
                egui::FontId::proportional(24.0),
                Color32::WHITE,
            );
        }
    }

    fn handle_keys(&mut self, ctx: &egui::Context) {
        if ctx.egui_wants_keyboard_input() {
            return;
        }
        let keys: Vec<(Key, egui::Modifiers)> = ctx.input(|i| {
            i.events
                .iter()
                .filter_map(|e| match e {
                    egui::Event::Key {
                        key,
                        physical_key,
                        pressed: true,
                        modifiers,
                        ..
                    } => Some((physical_key.unwrap_or(*key), *modifiers)),
                    _ => None,
                })
                .collect()
        });
        for (key, modifiers) in keys {
            if modifiers.command && key == Key::O {
                self.open_dialog();
                continue;
            }
            if matches!(key, Key::F1) || (key == Key::Slash && modifiers.shift) {
                self.show_help = !self.show_help;
                continue;
            }
            let Some(doc) = &self.doc else { continue };
            let end = doc.end();
            let big = if modifiers.shift { 0.1 } else { 0.01 };
            let center = (self.timeline.t0 + self.timeline.t1) / 2.0;
            match key {
                Key::Space => self.playback.toggle(end),
                Key::ArrowLeft => self.playback.step(-big, end),
                Key::ArrowRight => self.playback.step(big, end),
                Key::Home => self.playback.seek(0),
                Key::End => self.playback.seek(end),
                Key::Escape => self.selection = None,
                Key::C => self.show_critical = !self.show_critical,
                Key::G if doc.group_picture.is_some() => {
                    let grouped = self.graph.grouped(doc);
                    self.graph.set_by_group(!grouped);
                }
                Key::W => self.timeline.zoom(1.25, center),
                Key::S => self.timeline.zoom(0.8, center),
                Key::A => self.timeline.pan(-0.1),
                Key::D => self.timeline.pan(0.1),
                Key::F => match self.selection.and_then(|s| match s {
                    Selection::Task(t) => doc.replay.span(t).copied(),
                    Selection::Group(_) => None,
                }) {
                    Some(span) => self.timeline.zoom_to(span.start, span.end),
                    None => {
                        self.timeline.fit(end);
                        self.graph.refit();
                    }
                },
                _ => {}
            }
        }
    }

    fn open_dialog(&mut self) {
        if self.dialog.is_some() {
            return;
        }
        let (sender, receiver) = std::sync::mpsc::channel();
        let spawned = std::thread::Builder::new()
            .name("taskscope-open".into())
            .spawn(move || {
                let picked = rfd::FileDialog::new()
                    .set_title("Open a trace or graph")
                    .add_filter(
                        "taskscope, Chrome trace, DOT",
                        &["jsonl", "json", "dot", "gv"],
                    )
                    .add_filter("All files", &["*"])
                    .pick_file();
                let _ = sender.send(picked);
            });
        if spawned.is_ok() {
            self.dialog = Some(receiver);
        }
    }

    fn menu_bar(&mut self, ui: &mut Ui) {
        let ctx = ui.ctx().clone();
        egui::MenuBar::new().ui(ui, |ui| {
            ui.menu_button("File", |ui| {
                if ui.button("Open…  (Ctrl+O)").clicked() {
                    self.open_dialog();
                    ui.close();
                }
                ui.horizontal(|ui| {
                    ui.label("Path:");
                    let edit = ui.text_edit_singleline(&mut self.typed_path);
                    let go = ui.button("Open").clicked()
                        || (edit.lost_focus() && ui.input(|i| i.key_pressed(Key::Enter)));
                    if go && !self.typed_path.trim().is_empty() {
                        self.open(&ctx, PathBuf::from(self.typed_path.trim()));
                        ui.close();
                    }
                });
                ui.menu_button("Open recent", |ui| {
                    if self.recent.files.is_empty() {
                        ui.label(RichText::new("No recent files").weak());
                    }
                    for path in self.recent.files.clone() {
                        if ui.button(path.display().to_string()).clicked() {
                            self.open(&ctx, path);
                            ui.close();
                        }
                    }
                });
                if let Some(doc) = &self.doc
                    && ui.button("Reload").clicked()
                {
                    let path = doc.path.clone();
                    self.open(&ctx, path);
                    ui.close();
                }
                ui.separator();
                if ui.button("Quit").clicked() {
                    ctx.send_viewport_cmd(egui::ViewportCommand::Close);
                }
            });
            ui.menu_button("View", |ui| {
                ui.checkbox(&mut self.show_critical, "Critical path  (C)");
                ui.checkbox(&mut self.graph.color_by_group, "Color the graph by group");
                if let Some(doc) = &self.doc
                    && doc.group_picture.is_some()
                {
                    let mut by_group = self.graph.grouped(doc);
                    if ui
                        .checkbox(&mut by_group, "One box per group  (G)")
                        .changed()
                    {
                        self.graph.set_by_group(by_group);
                    }
                }
                if ui.button("Fit  (F)").clicked() {
                    if let Some(doc) = &self.doc {
                        self.timeline.fit(doc.end());
                    }
                    self.graph.refit();
                    ui.close();
                }
            });
            ui.menu_button("Help", |ui| {
                if ui.button("Keys and mouse  (F1)").clicked() {
                    self.show_help = true;
                    ui.close();
                }
            });
        });
    }

    fn controls(&mut self, ui: &mut Ui) {
        let Some(doc) = &self.doc else { return };
        let end = doc.end();
        ui.horizontal(|ui| {
            if ui
                .button("Start")
                .on_hover_text("To the start (Home)")
                .clicked()
            {
                self.playback.seek(0);
            }
            let label = if self.playback.playing {
                "Pause"
            } else {
                "Play"
            };
            if ui
                .button(label)
                .on_hover_text("Play or pause the replay (Space)")
                .clicked()
            {
                self.playback.toggle(end);
            }
            if ui.button("End").on_hover_text("To the end (End)").clicked() {
                self.playback.seek(end);
            }
            egui::ComboBox::from_id_salt("speed")
                .selected_text(self.playback.speed.label())
                .show_ui(ui, |ui| {
                    for s in Speed::CHOICES {
                        ui.selectable_value(&mut self.playback.speed, s, s.label());
                    }
                });
            ui.checkbox(&mut self.playback.looping, "Loop");
            if doc.is_open_run() {
                ui.checkbox(&mut self.playback.follow_live, "Follow live")
                    .on_hover_text("The file is still being written: keep the cursor at its end");
            }
            ui.checkbox(&mut self.show_critical, "Critical path");
            let position = self.playback.position(end);
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                ui.label(RichText::new(position).monospace());
                let mut t = self.playback.t as f64;
                ui.spacing_mut().slider_width = ui.available_width().max(60.0) - 8.0;
                let slider = egui::Slider::new(&mut t, 0.0..=end as f64)
                    .show_value(false)
                    .text("");
                if ui.add(slider).on_hover_text("Replay time").changed() {
                    self.playback.seek(t as u64);
                }
            });
        });
    }

    fn status_bar(&self, ui: &mut Ui) {
        ui.horizontal(|ui| {
            if let Some(loading) = &self.loading {
                ui.label(format!(
                    "Reading {} … {:.1} s",
                    loading.path.display(),
                    loading.started.elapsed().as_secs_f32()
                ));
            }
            if let Some(doc) = &self.doc {
                let g = &doc.trace.graph;
                ui.label(format!(
                    "{}: {} tasks, {} edges, {} groups",
                    doc.name(),
                    g.len(),
                    g.edge_count(),
                    doc.replay.group_names().len()
                ));
                if doc.trace.is_run() {
                    ui.separator();
                    ui.label(format!(
                        "{} events on {} workers, {}",
                        doc.trace.events.len(),
                        doc.replay.lanes().len(),
                        format_ns(doc.replay.end())
                    ));
                    if let Some(s) = &doc.stats {
                        ui.label(format!("peak held {}", format_bytes(s.peak_held_bytes)));
                    }
                }
                if self.graph.grouped(doc) {
                    ui.separator();
                    ui.label("graph drawn by group");
                }
                if doc.is_open_run() {
                    ui.separator();
                    ui.label(
                        RichText::new("LIVE: the file has no end record yet")
                            .color(Color32::from_rgb(44, 160, 44)),
                    )
                    .on_hover_text(
                        "A run still being written, or one that stopped early: taskscope shows what the file holds and follows it as it grows",
                    );
                }
                ui.separator();
                ui.label(format!("read in {:.0} ms", doc.load_time.as_secs_f64() * 1e3));
            }
            if let Some(ms) = self.frame_ms {
                ui.separator();
                ui.label(format!("frame {ms:.1} ms"));
            }
        });
    }

    fn welcome(&mut self, ui: &mut Ui) {
        let ctx = ui.ctx().clone();
        ui.vertical_centered(|ui| {
            ui.add_space(ui.available_height() * 0.2);
            ui.heading("taskscope");
            if let Some(e) = &self.error {
                ui.add_space(12.0);
                egui::Frame::group(ui.style()).show(ui, |ui| {
                    ui.label(RichText::new("The file could not be opened").strong());
                    ui.label(RichText::new(e).monospace().color(Color32::from_rgb(214, 39, 40)));
                });
            }
            if let Some(loading) = &self.loading {
                ui.label(format!(
                    "Reading {} … {:.1} s",
                    loading.path.display(),
                    loading.started.elapsed().as_secs_f32()
                ));
                return;
            }
            ui.add_space(12.0);
            ui.label("Open a trace or a graph: File > Open (Ctrl+O), or drop a file here.");
            ui.label(
                RichText::new(
                    "taskscope traces and graphs, Chrome trace-event JSON, Graphviz DOT (Dask's too)",
                )
                .weak(),
            );
            if !self.recent.files.is_empty() {
                ui.add_space(12.0);
                ui.label(RichText::new("Recent files").strong());
                for path in self.recent.files.clone() {
                    if ui.link(path.display().to_string()).clicked() {
                        self.open(&ctx, path);
                    }
                }
            }
        });
    }
}

impl eframe::App for ViewerApp {
    fn ui(&mut self, ui: &mut Ui, frame: &mut eframe::Frame) {
        self.frame_ms = frame.info().cpu_usage.map(|s| s * 1e3);
        self.show(ui);
    }
}

fn help_window(ctx: &egui::Context, open: &mut bool) {
    egui::Window::new("Keys and mouse")
        .open(open)
        .resizable(false)
        .show(ctx, |ui| {
            egui::Grid::new("keys").striped(true).show(ui, |ui| {
                for (k, what) in [
                    ("Space", "play / pause"),
                    ("Left / Right", "step 1% of the run (Shift: 10%)"),
                    ("Home / End", "start / end of the run"),
                    ("W / S", "zoom the timeline in / out"),
                    ("A / D", "pan the timeline"),
                    ("wheel", "zoom around the pointer (timeline and graph)"),
                    ("drag", "pan (timeline and graph)"),
                    ("click", "select a task; the ruler sets the time"),
                    ("double-click", "fit to the window"),
                    ("F", "zoom to the selection, or fit"),
                    ("C", "show the critical path"),
                    ("G", "one box per task or per group"),
                    ("Esc", "clear the selection"),
                    ("Ctrl+O", "open a file"),
                ] {
                    ui.label(RichText::new(k).monospace());
                    ui.label(what);
                    ui.end_row();
                }
            });
        });
}

/// The color of a task's state, as in Dask's dashboard: gray waiting, green running,
/// red in memory, blue released, black failed.
pub fn state_color(s: TaskState) -> Color32 {
    match s {
        TaskState::Waiting => Color32::from_rgb(200, 200, 200),
        TaskState::Ready => Color32::from_rgb(240, 210, 120),
        TaskState::Running => Color32::from_rgb(44, 160, 44),
        TaskState::Done => Color32::from_rgb(214, 39, 40),
        TaskState::Released => Color32::from_rgb(31, 119, 180),
        TaskState::Failed => Color32::from_rgb(25, 25, 25),
    }
}

pub fn state_name(s: TaskState) -> &'static str {
    match s {
        TaskState::Waiting => "waiting",
        TaskState::Ready => "ready",
        TaskState::Running => "running",
        TaskState::Done => "in memory",
        TaskState::Released => "released",
        TaskState::Failed => "failed",
    }
}

fn task_tooltip(ui: &mut Ui, doc: &Document, task: TaskId, t: u64) {
    let info = doc.trace.graph.task(task);
    ui.label(RichText::new(&info.key).monospace().strong());
    ui.label(format!("group {}", info.group));
    ui.label(format!(
        "{} at {}",
        state_name(doc.replay.state_at(task, t)),
        format_ns(t)
    ));
    if let Some(e) = doc.event(task) {
        ui.label(format!(
            "worker {}: {} (from {} to {})",
            e.worker,
            format_ns(e.duration()),
            format_ns(e.start),
            format_ns(e.end)
        ));
        ui.label(format!("output {}", format_bytes(e.bytes)));
    }
}

fn group_tooltip(ui: &mut Ui, doc: &Document, g: u32, t: u64) {
    let name = &doc.replay.group_names()[g as usize];
    let p = doc
        .replay
        .progress_of(taskscope_analysis::replay::GroupId(g), t);
    ui.label(RichText::new(name).monospace().strong());
    ui.label(format!(
        "{} tasks: {} done, {} running at {}",
        p.total,
        p.done,
        p.running,
        format_ns(t)
    ));
}

#[cfg(test)]
mod tests;
