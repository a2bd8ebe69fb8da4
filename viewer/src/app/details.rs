//! The details panel: the selected task (its facts, log lines, dependencies and
//! dependents) or group; and the tooltips that show a task or group under the pointer.

use egui::{Color32, RichText, Ui};
use taskscope_analysis::replay::GroupId;
use taskscope_core::TaskId;
use taskscope_core::trace::TaskEvent;
use taskscope_core::units::{format_bytes, format_ns};

use super::Selection;
use super::colors::{state_color, state_name};
use super::document::Document;
use super::panels::Actions;

/// Most neighbours listed in the details before "and N more".
const NEIGHBOURS: usize = 40;

/// The details panel: the selection's details, or how to select something.
pub(crate) fn panel(
    ui: &mut Ui,
    doc: &Document,
    selection: Option<Selection>,
    t: u64,
    actions: &mut Actions,
) {
    egui::ScrollArea::vertical().show(ui, |ui| match selection {
        Some(s) => details(ui, doc, s, t, actions),
        None => {
            ui.heading("Details");
            ui.label(
                RichText::new("Click a task in the graph or the timeline, or search for one.")
                    .weak(),
            );
        }
    });
}

/// The selected task or group.
fn details(ui: &mut Ui, doc: &Document, selection: Selection, t: u64, actions: &mut Actions) {
    match selection {
        Selection::Task(task) => task_details(ui, doc, task, t, actions),
        Selection::Group(g) => group_details(ui, doc, g, t, actions),
    }
}

/// One row of a two-column grid: a name, weakly, then its value.
fn row(ui: &mut Ui, name: &str, value: impl Into<egui::WidgetText>) {
    ui.label(RichText::new(name).weak());
    ui.label(value);
    ui.end_row();
}

/// A task's details: its key, its facts, buttons to its start and end, its log lines,
/// and its neighbours as links.
fn task_details(ui: &mut Ui, doc: &Document, task: TaskId, t: u64, actions: &mut Actions) {
    let graph = &doc.trace().graph;
    let info = graph.task(task);
    ui.heading("Task");
    ui.add(egui::Label::new(RichText::new(info.key()).monospace()).selectable(true))
        .on_hover_text("The task's key");
    ui.separator();
    egui::Grid::new("task-details")
        .num_columns(2)
        .striped(true)
        .show(ui, |ui| task_facts(ui, doc, task, t));
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
        && !e.logs().is_empty()
    {
        task_log(ui, e);
    }
    neighbours(ui, doc, "Dependencies", info.deps(), actions);
    neighbours(ui, doc, "Dependents", graph.dependents(task), actions);
}

/// The rows of a task's facts: group, operation, state at `t`, what its run measured,
/// whether it is on the critical path, its metadata.
fn task_facts(ui: &mut Ui, doc: &Document, task: TaskId, t: u64) {
    let info = doc.trace().graph.task(task);
    row(ui, "Group", info.group());
    if !info.op().is_empty() {
        row(ui, "Operation", info.op());
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
        run_facts(ui, e);
    } else if doc.trace().is_run() {
        row(ui, "Ran", "not in this trace");
    }
    if doc.on_critical_path(task) {
        row(ui, "Critical path", "yes");
    }
    for (k, v) in info.meta().iter().take(20) {
        row(ui, k, v.to_string());
    }
}

/// The rows of what a task's run measured: worker, times, bytes, status.
fn run_facts(ui: &mut Ui, e: &TaskEvent) {
    row(ui, "Worker", e.worker.to_string());
    row(ui, "Start", format_ns(e.start));
    row(ui, "End", format_ns(e.end));
    row(ui, "Duration", format_ns(e.duration()));
    if let Some(busy) = e.busy() {
        // Spans of async tasks: entered part of the time, waiting the rest.
        let idle = e.duration().saturating_sub(busy);
        row(
            ui,
            "Busy / idle",
            format!("{} / {}", format_ns(busy), format_ns(idle)),
        );
    }
    row(ui, "Bytes", format_bytes(e.bytes));
    if let Some(a) = e.alloc() {
        row(ui, "Allocated", format_bytes(a));
    }
    if let Some(p) = e.peak() {
        row(ui, "Peak", format_bytes(p));
    }
    row(ui, "Status", format!("{:?}", e.status).to_lowercase());
    if let Some(m) = e.message() {
        row(
            ui,
            "Error",
            RichText::new(m).color(Color32::from_rgb(214, 39, 40)),
        );
    }
}

/// The log lines a task wrote while it ran (the first 200).
fn task_log(ui: &mut Ui, e: &TaskEvent) {
    egui::CollapsingHeader::new(format!("Log ({})", e.logs().len()))
        .default_open(true)
        .show(ui, |ui| {
            for line in e.logs().iter().take(200) {
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

fn neighbours(ui: &mut Ui, doc: &Document, title: &str, ids: &[TaskId], actions: &mut Actions) {
    egui::CollapsingHeader::new(format!("{title} ({})", ids.len()))
        .default_open(ids.len() <= 12)
        .show(ui, |ui| {
            for &id in ids.iter().take(NEIGHBOURS) {
                let key = doc.trace().graph.task(id).key();
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
    let members: Vec<TaskId> = (0..doc.trace().graph.len() as u32)
        .map(TaskId)
        .filter(|&t| doc.replay.group_of(t).0 == g)
        .take(NEIGHBOURS + 1)
        .collect();
    neighbours(ui, doc, "Tasks", &members, actions);
}

/// What the tooltip of a task says: its key, group, state and run.
pub(crate) fn task_tooltip(ui: &mut Ui, doc: &Document, task: TaskId, t: u64) {
    let info = doc.trace().graph.task(task);
    ui.label(RichText::new(info.key()).monospace().strong());
    ui.label(format!("group {}", info.group()));
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

/// What the tooltip of a group says: its progress at the replay time.
pub(crate) fn group_tooltip(ui: &mut Ui, doc: &Document, g: u32, t: u64) {
    let name = &doc.replay.group_names()[g as usize];
    let p = doc.replay.progress_of(GroupId(g), t);
    ui.label(RichText::new(name).monospace().strong());
    ui.label(format!(
        "{} tasks: {} done, {} running at {}",
        p.total,
        p.done,
        p.running,
        format_ns(t)
    ));
}
