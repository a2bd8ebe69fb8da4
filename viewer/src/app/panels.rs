//! The analysis panel: search, progress by group, the slowest tasks and groups; and
//! what the panels ask the app to do after a click.

use egui::{Color32, RichText, Ui};
use taskscope_analysis::replay::{GroupId, GroupProgress};
use taskscope_core::units::{elide, format_ns};

use super::Selection;
use super::colors::progress_bands;
use super::document::{Document, SearchHits};

/// What the panels ask the app to do after a click.
#[derive(Default)]
pub(crate) struct Actions {
    /// Select this (and bring it into view in the graph and the timeline).
    pub(crate) select: Option<Selection>,
    /// Move the replay cursor to this time, ns.
    pub(crate) seek: Option<u64>,
}

/// The analysis panel: search, then progress by group, then (for a run) the slowest
/// tasks and groups.
pub(crate) fn analysis(
    ui: &mut Ui,
    doc: &Document,
    query: &mut String,
    t: u64,
    actions: &mut Actions,
) {
    egui::ScrollArea::vertical().show(ui, |ui| {
        search(ui, doc, query, actions);
        ui.separator();
        egui::CollapsingHeader::new("Progress")
            .default_open(true)
            .show(ui, |ui| progress(ui, doc, t, actions));
        if doc.trace().is_run() {
            ui.separator();
            slowest(ui, doc, actions);
        }
    });
}

/// Search by key or group: the hits, as links.
fn search(ui: &mut Ui, doc: &Document, query: &mut String, actions: &mut Actions) {
    let heading = ui.heading("Search");
    let edit = ui
        .add(
            egui::TextEdit::singleline(query)
                .hint_text("key or group")
                .desired_width(f32::INFINITY),
        )
        .labelled_by(heading.id);
    let q = query.trim().to_lowercase();
    if q.is_empty() {
        return;
    }
    let SearchHits {
        groups,
        tasks: hits,
        total,
        ..
    } = &*doc.search(&q);
    let total = *total;
    if edit.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter)) {
        actions.select = hits
            .first()
            .map(|&t| Selection::Task(t))
            .or(groups.first().map(|&g| Selection::Group(g)));
    }
    ui.label(RichText::new(format!("{} groups, {total} tasks", groups.len())).weak());
    egui::ScrollArea::vertical()
        .id_salt("search-hits")
        .max_height(220.0)
        .show(ui, |ui| {
            for &g in groups {
                let name = &doc.replay.group_names()[g as usize];
                if ui.link(format!("group {name}")).clicked() {
                    actions.select = Some(Selection::Group(g));
                }
            }
            for &id in hits {
                let key = doc.trace().graph.task(id).key();
                if ui.link(RichText::new(key).monospace()).clicked() {
                    actions.select = Some(Selection::Task(id));
                }
            }
            if total > hits.len() {
                ui.label(RichText::new(format!("and {} more", total - hits.len())).weak());
            }
        });
}

/// Per-group progress at the replay time, like Dask's progress bar.
fn progress(ui: &mut Ui, doc: &Document, t: u64, actions: &mut Actions) {
    let names = doc.replay.group_names();
    let progress: Vec<GroupProgress> = (0..names.len())
        .map(|g| doc.replay.progress_of(GroupId(g as u32), t))
        .collect();
    let mut all = GroupProgress::default();
    for p in &progress {
        all.total += p.total;
        all.done += p.done;
        all.running += p.running;
        all.failed += p.failed;
    }
    progress_row(ui, "all tasks", all, ui.visuals().selection.bg_fill);
    for (g, (name, &p)) in names.iter().zip(&progress).enumerate() {
        if progress_row(ui, name, p, doc.group_colors[g]).clicked() {
            actions.select = Some(Selection::Group(g as u32));
        }
    }
}

/// One group's line: its name and counts over a thin bar of done (its color),
/// running (green) and failed (black) tasks.
fn progress_row(ui: &mut Ui, name: &str, p: GroupProgress, color: Color32) -> egui::Response {
    let width = ui.available_width();
    let (rect, response) = ui.allocate_exact_size(egui::vec2(width, 22.0), egui::Sense::click());
    let label = format!("{name}: {} / {}", p.done, p.total);
    response.widget_info(|| egui::WidgetInfo::labeled(egui::Role::ProgressIndicator, true, &label));
    let painter = ui.painter_at(rect);
    let visuals = ui.style().interact(&response);
    let counts = format!("{} / {}", p.done, p.total);
    // Long names (profilers' "function (file:line)") are cut to leave room for counts.
    let room = ((rect.width() - counts.len() as f32 * 7.0 - 12.0) / 6.0).max(4.0) as usize;
    painter.text(
        rect.left_top() + egui::vec2(2.0, 1.0),
        egui::Align2::LEFT_TOP,
        elide(name, room),
        egui::FontId::proportional(12.0),
        visuals.text_color(),
    );
    painter.text(
        rect.right_top() + egui::vec2(-2.0, 1.0),
        egui::Align2::RIGHT_TOP,
        counts,
        egui::FontId::monospace(11.0),
        visuals.text_color(),
    );
    let bar = egui::Rect::from_min_max(
        rect.left_bottom() + egui::vec2(0.0, -6.0),
        rect.right_bottom() + egui::vec2(0.0, -1.0),
    );
    painter.rect_filled(bar, 1.0, ui.visuals().faint_bg_color.gamma_multiply(2.0));
    for (band, c) in progress_bands(bar, p, color) {
        painter.rect_filled(band, 0.0, c);
    }
    response.on_hover_text(format!(
        "{label}, {} running{}",
        p.running,
        if p.failed > 0 {
            format!(", {} failed", p.failed)
        } else {
            String::new()
        }
    ))
}

/// The slowest tasks and the groups that took the most time.
fn slowest(ui: &mut Ui, doc: &Document, actions: &mut Actions) {
    egui::CollapsingHeader::new("Slowest tasks")
        .default_open(true)
        .show(ui, |ui| {
            egui::Grid::new("slowest-tasks")
                .striped(true)
                .show(ui, |ui| {
                    for &task in doc.slowest.iter().take(15) {
                        let d = doc.event(task).map_or(0, |e| e.duration());
                        ui.label(format_ns(d));
                        let key = doc.trace().graph.task(task).key();
                        let text = elide(&doc.short_name(task), 36);
                        if ui
                            .link(RichText::new(text).monospace())
                            .on_hover_text(key)
                            .clicked()
                        {
                            actions.select = Some(Selection::Task(task));
                        }
                        ui.end_row();
                    }
                });
        });
    let Some(stats) = &doc.stats else { return };
    egui::CollapsingHeader::new("Groups by time")
        .default_open(true)
        .show(ui, |ui| {
            let mut groups: Vec<_> = stats.group_runs.iter().collect();
            groups.sort_by_key(|(name, g)| (std::cmp::Reverse(g.time_ns), *name));
            egui::Grid::new("slowest-groups")
                .striped(true)
                .show(ui, |ui| {
                    for (name, g) in groups.into_iter().take(15) {
                        ui.label(format_ns(g.time_ns));
                        ui.label(format!("{}×", g.tasks));
                        let index = doc.replay.group_names().binary_search(name).ok();
                        let shown = elide(name, 40);
                        if ui.link(shown).on_hover_text(name.as_str()).clicked() {
                            actions.select = index.map(|i| Selection::Group(i as u32));
                        }
                        ui.end_row();
                    }
                });
        });
}
