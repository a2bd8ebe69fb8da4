//! Keys: play and step the replay, zoom and pan the timeline, select, open; and the
//! help window that lists them.

use egui::{Key, RichText};

use super::{Selection, ViewerApp};

impl ViewerApp {
    pub(super) fn handle_keys(&mut self, ctx: &egui::Context) {
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
                    Selection::Task(t) => doc.replay.span(t),
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
}

pub(super) fn help_window(ctx: &egui::Context, open: &mut bool) {
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
