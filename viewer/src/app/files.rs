//! Opening files: by path, from the File menu's dialog, by dropping one on the window,
//! and following one that is still being written; the welcome page when none is open.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use egui::{Color32, RichText, Ui};

use super::document::{Document, FileStamp, Loading};
use super::graph_view::GraphView;
use super::playback::Playback;
use super::timeline::Timeline;
use super::{LIVE_POLL, Selection, ViewerApp};

impl ViewerApp {
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

    fn arrive(&mut self, result: Result<Document, String>, reload: bool, path: &Path) {
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
        self.graph.color_by_group = !doc.trace().is_run();
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
        let select = self.options.select.take().and_then(|key| {
            let id = doc.trace().graph.id_of(&key);
            if id.is_none() {
                // Said where it was asked for: on the command line.
                eprintln!(
                    "warning: --select {key:?}: {} has no task with that key; nothing is selected",
                    doc.path.display()
                );
            }
            id
        });
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
            let key = old.trace().graph.task(id).key();
            self.selection = doc.trace().graph.id_of(key).map(Selection::Task);
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

    pub(super) fn poll_background(&mut self, ctx: &egui::Context) {
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

    pub(super) fn handle_drop(&mut self, ctx: &egui::Context) {
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

    pub(super) fn open_dialog(&mut self) {
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
                        &["jsonl", "taskscope", "json", "dot", "gv"],
                    )
                    .add_filter("All files", &["*"])
                    .pick_file();
                let _ = sender.send(picked);
            });
        if spawned.is_ok() {
            self.dialog = Some(receiver);
        }
    }

    pub(super) fn welcome(&mut self, ui: &mut Ui) {
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
                ui.label(loading.status());
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
