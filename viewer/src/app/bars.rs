//! The bars around the panels: the menu bar, the replay controls and the status bar.

use std::path::PathBuf;

use egui::{Color32, Key, RichText, Ui};
use taskscope_core::units::{format_bytes, format_ns};

use super::ViewerApp;
use super::playback::Speed;

impl ViewerApp {
    pub(super) fn menu_bar(&mut self, ui: &mut Ui) {
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

    pub(super) fn controls(&mut self, ui: &mut Ui) {
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
            egui::ComboBox::from_label("speed")
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

    pub(super) fn status_bar(&self, ui: &mut Ui) {
        ui.horizontal(|ui| {
            if let Some(loading) = &self.loading {
                ui.label(loading.status());
            }
            if let Some(doc) = &self.doc {
                let g = &doc.trace().graph;
                ui.label(format!(
                    "{}: {} tasks, {} edges, {} groups",
                    doc.name(),
                    g.len(),
                    g.edge_count(),
                    doc.replay.group_names().len()
                ));
                if doc.trace().is_run() {
                    ui.separator();
                    ui.label(format!(
                        "{} events on {} workers, {}",
                        doc.trace().events.len(),
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
}
