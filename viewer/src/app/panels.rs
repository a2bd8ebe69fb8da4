//! The side panels: the selected task or group, search, progress by group, the slowest
//! tasks and groups, and the memory plot.

use egui::{Color32, RichText, Ui};
use egui_plot::{Legend, Line, Plot, PlotPoints, VLine};
use taskscope_core::TaskId;
use taskscope_core::units::format_bytes;
use taskscope_core::units::format_ns;

use super::document::Document;
use super::playback::Playback;
use super::{Selection, state_color, state_name};
use taskscope_analysis::replay::{GroupId, GroupProgress};

/// Most neighbours listed in the details before "and N more".
const NEIGHBOURS: usize = 40;
/// Most search hits listed.
const HITS: usize = 200;

/// What the panels ask the app to do after a click.
#[derive(Default)]
pub struct Actions {
    /// Select this (and bring it into view in the graph and the timeline).
    pub select: Option<Selection>,
    pub seek: Option<u64>,
}

/// The selected task or group.
pub fn details(ui: &mut Ui, doc: &Document, selection: Selection, t: u64, actions: &mut Actions) {
    match selection {
        Selection::Task(task) => task_details(ui, doc, task, t, actions),
        Selection::Group(g) => group_details(ui, doc, g, t, actions),
    }
}

fn row(ui: &mut Ui, name: &str, value: impl Into<egui::WidgetText>) {
    ui.label(RichText::new(name).weak());
    ui.label(value);
    ui.end_row();
}

fn task_details(ui: &mut Ui, doc: &Document, task: TaskId, t: u64, actions: &mut Actions) {
    let graph = &doc.trace.graph;
    let info = graph.task(task);
    ui.heading("Task");
    ui.add(egui::Label::new(RichText::new(&info.key).monospace()).selectable(true))
        .on_hover_text("The task's key");
    ui.separator();
    egui::Grid::new("task-details")
        .num_columns(2)
        .striped(true)
        .show(ui, |ui| {
            row(ui, "Group", info.group.as_str());
            if !info.op.is_empty() {
                row(ui, "Operation", info.op.as_str());
            }
            let state = doc.replay.state_at(task, t);
            ui.label(RichText::new("State").weak());
            ui.horizontal(|ui| {
                let (r, _) = ui.allocate_exact_size(egui::vec2(10.0, 10.0), egui::Sense::hover());
                ui.painter().rect_filled(r, 2.0, state_color(state));
                ui.label(format!("{} at {}", state_name(state), format_ns(t)));
            });
            ui.end_row();
            if let Some(e) = doc.event(task) {
                row(ui, "Worker", e.worker.to_string());
                row(ui, "Start", format_ns(e.start));
                row(ui, "End", format_ns(e.end));
                row(ui, "Duration", format_ns(e.duration()));
                if let Some(busy) = e.busy {
                    // Spans of async tasks: entered part of the time, waiting the rest.
                    let idle = e.duration().saturating_sub(busy);
                    row(
                        ui,
                        "Busy / idle",
                        format!("{} / {}", format_ns(busy), format_ns(idle)),
                    );
                }
                row(ui, "Bytes", format_bytes(e.bytes));
                if let Some(a) = e.alloc {
                    row(ui, "Allocated", format_bytes(a));
                }
                if let Some(p) = e.peak {
                    row(ui, "Peak", format_bytes(p));
                }
                row(ui, "Status", format!("{:?}", e.status).to_lowercase());
                if let Some(m) = &e.message {
                    row(
                        ui,
                        "Error",
                        RichText::new(m).color(Color32::from_rgb(214, 39, 40)),
                    );
                }
            } else if doc.trace.is_run() {
                row(ui, "Ran", "not in this trace");
            }
            if doc.on_critical_path[task.index()] {
                row(ui, "Critical path", "yes");
            }
            for (k, v) in info.meta.iter().take(20) {
                row(ui, k, v.to_string());
            }
        });
    if let Some(e) = doc.event(task) {
        ui.horizontal(|ui| {
            if ui.button("Go to start").clicked() {
                actions.seek = Some(e.start);
            }
            if ui.button("Go to end").clicked() {
                actions.seek = Some(e.end);
            }
        });
    }
    if let Some(e) = doc.event(task)
        && !e.logs.is_empty()
    {
        egui::CollapsingHeader::new(format!("Log ({})", e.logs.len()))
            .default_open(true)
            .show(ui, |ui| {
                for line in e.logs.iter().take(200) {
                    ui.label(
                        RichText::new(format!(
                            "{} {:<5} {}",
                            format_ns(line.t),
                            line.level,
                            line.message
                        ))
                        .monospace()
                        .size(11.0),
                    );
                }
            });
    }
    neighbours(ui, doc, "Dependencies", info.deps(), actions);
    neighbours(ui, doc, "Dependents", graph.dependents(task), actions);
}

fn neighbours(ui: &mut Ui, doc: &Document, title: &str, ids: &[TaskId], actions: &mut Actions) {
    egui::CollapsingHeader::new(format!("{title} ({})", ids.len()))
        .default_open(ids.len() <= 12)
        .show(ui, |ui| {
            for &id in ids.iter().take(NEIGHBOURS) {
                let key = &doc.trace.graph.task(id).key;
                if ui.link(RichText::new(key).monospace()).clicked() {
                    actions.select = Some(Selection::Task(id));
                }
            }
            if ids.len() > NEIGHBOURS {
                ui.label(RichText::new(format!("and {} more", ids.len() - NEIGHBOURS)).weak());
            }
        });
}

fn group_details(ui: &mut Ui, doc: &Document, g: u32, t: u64, actions: &mut Actions) {
    let name = &doc.replay.group_names()[g as usize];
    ui.heading("Group");
    ui.label(RichText::new(name).monospace());
    ui.separator();
    let p = doc.replay.progress_of(GroupId(g), t);
    egui::Grid::new("group-details")
        .num_columns(2)
        .striped(true)
        .show(ui, |ui| {
            row(ui, "Tasks", p.total.to_string());
            row(ui, "Done", format!("{} at {}", p.done, format_ns(t)));
            row(ui, "Running", p.running.to_string());
            if p.failed > 0 {
                row(ui, "Failed", p.failed.to_string());
            }
            if let Some(run) = doc
                .stats
                .as_ref()
                .and_then(|s| s.group_runs.get(name.as_str()))
            {
                row(ui, "Time", format_ns(run.time_ns));
                row(ui, "Mean", format_ns(run.mean_ns));
                row(ui, "Longest", format_ns(run.max_ns));
                row(ui, "Bytes", format_bytes(run.bytes));
            }
        });
    let members: Vec<TaskId> = doc
        .group_of
        .iter()
        .enumerate()
        .filter(|&(_, &x)| x == g)
        .map(|(i, _)| TaskId(i as u32))
        .take(NEIGHBOURS + 1)
        .collect();
    neighbours(ui, doc, "Tasks", &members, actions);
}

/// Search by key or group: the hits, as links.
pub fn search(ui: &mut Ui, doc: &Document, query: &mut String, actions: &mut Actions) {
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
    let groups: Vec<u32> = doc
        .replay
        .group_names()
        .iter()
        .enumerate()
        .filter(|(_, g)| g.to_lowercase().contains(&q))
        .map(|(i, _)| i as u32)
        .collect();
    let mut hits = Vec::new();
    let mut total = 0usize;
    for (id, task) in doc.trace.graph.tasks() {
        if task.key.to_lowercase().contains(&q) {
            total += 1;
            if hits.len() < HITS {
                hits.push(id);
            }
        }
    }
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
            for &g in &groups {
                let name = &doc.replay.group_names()[g as usize];
                if ui.link(format!("group {name}")).clicked() {
                    actions.select = Some(Selection::Group(g));
                }
            }
            for &id in &hits {
                let key = &doc.trace.graph.task(id).key;
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
pub fn progress(ui: &mut Ui, doc: &Document, t: u64, actions: &mut Actions) {
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
        super::timeline::elide(name, room),
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
    let total = p.total.max(1) as f32;
    let mut x = bar.left();
    for (n, c) in [
        (p.done, color),
        (
            p.running,
            state_color(taskscope_analysis::replay::TaskState::Running),
        ),
        (
            p.failed,
            state_color(taskscope_analysis::replay::TaskState::Failed),
        ),
    ] {
        let w = bar.width() * n as f32 / total;
        if w > 0.0 {
            painter.rect_filled(
                egui::Rect::from_min_max(egui::pos2(x, bar.top()), egui::pos2(x + w, bar.bottom())),
                0.0,
                c,
            );
            x += w;
        }
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
pub fn slowest(ui: &mut Ui, doc: &Document, actions: &mut Actions) {
    egui::CollapsingHeader::new("Slowest tasks")
        .default_open(true)
        .show(ui, |ui| {
            egui::Grid::new("slowest-tasks")
                .striped(true)
                .show(ui, |ui| {
                    for &task in doc.slowest.iter().take(15) {
                        let d = doc.event(task).map_or(0, |e| e.duration());
                        ui.label(format_ns(d));
                        let key = &doc.trace.graph.task(task).key;
                        let text = super::timeline::elide(&doc.short_name(task), 36);
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
                        let shown = super::timeline::elide(name, 40);
                        if ui.link(shown).on_hover_text(name.as_str()).clicked() {
                            actions.select = index.map(|i| Selection::Group(i as u32));
                        }
                        ui.end_row();
                    }
                });
        });
}

/// Held bytes (exact, from the events) and RSS (sampled) over the run, with the cursor.
pub fn memory_plot(ui: &mut Ui, doc: &Document, playback: &Playback, actions: &mut Actions) {
    let held = downsample(doc.replay.held_steps(), 2000);
    let rss = downsample(doc.replay.rss_samples(), 2000);
    let to_points = |v: &[(u64, u64)]| -> PlotPoints<'static> {
        v.iter()
            .map(|&(t, b)| [t as f64 / 1e6, b as f64 / (1 << 20) as f64])
            .collect::<Vec<[f64; 2]>>()
            .into()
    };
    let response = Plot::new("memory")
        .legend(Legend::default())
        .allow_scroll(false)
        .allow_drag(false)
        .allow_zoom(false)
        .allow_boxed_zoom(false)
        .include_y(0.0)
        .x_axis_formatter(|m, _| {
            if m.value < 0.0 {
                String::new()
            } else {
                format_ns((m.value * 1e6).round() as u64)
            }
        })
        .y_axis_formatter(|m, _| {
            if m.value < 0.0 {
                String::new()
            } else {
                format_bytes((m.value * (1u64 << 20) as f64).round() as u64)
            }
        })
        .show(ui, |plot| {
            if !held.is_empty() {
                plot.line(
                    Line::new("held bytes", to_points(&step_points(&held)))
                        .color(Color32::from_rgb(214, 39, 40)),
                );
            }
            if !rss.is_empty() {
                plot.line(Line::new("RSS", to_points(&rss)).color(Color32::from_rgb(31, 119, 180)));
            }
            plot.vline(
                VLine::new("now", playback.t as f64 / 1e6).color(Color32::from_rgb(220, 40, 40)),
            );
        });
    if response.response.clicked()
        && let Some(pos) = response.response.interact_pointer_pos()
    {
        let p = response.transform.value_from_position(pos);
        actions.seek = Some((p.x.max(0.0) * 1e6) as u64);
    }
}

/// A step curve as points: each value holds until the next time.
fn step_points(steps: &[(u64, u64)]) -> Vec<(u64, u64)> {
    let mut v = Vec::with_capacity(steps.len() * 2);
    for (i, &(t, b)) in steps.iter().enumerate() {
        if i > 0 {
            v.push((t, steps[i - 1].1));
        }
        v.push((t, b));
    }
    v
}

/// At most about `n` points: in each time bucket, the first point and the largest.
fn downsample(points: &[(u64, u64)], n: usize) -> Vec<(u64, u64)> {
    if points.len() <= n {
        return points.to_vec();
    }
    let (t0, t1) = (points[0].0, points[points.len() - 1].0);
    let width = ((t1 - t0) / (n as u64 / 2).max(1)).max(1);
    let mut out: Vec<(u64, u64)> = Vec::with_capacity(n + 2);
    for bucket in points.chunk_by(|a, b| (a.0 - t0) / width == (b.0 - t0) / width) {
        out.push(bucket[0]);
        if let Some(&max) = bucket[1..].iter().max_by_key(|p| p.1) {
            out.push(max);
        }
    }
    if out.last() != points.last() {
        out.push(points[points.len() - 1]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn downsampling_keeps_peaks_and_ends() {
        let points: Vec<(u64, u64)> = (0..100_000u64).map(|t| (t, t % 977)).collect();
        let d = downsample(&points, 1000);
        assert!(d.len() <= 1100, "{}", d.len());
        assert_eq!(d.first(), points.first());
        assert_eq!(d.last(), points.last());
        assert_eq!(d.iter().map(|p| p.1).max(), Some(976));
        assert!(d.windows(2).all(|w| w[0].0 <= w[1].0));
    }
}
