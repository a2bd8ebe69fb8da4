//! The timeline: one lane per worker, drawn from the replay's level-of-detail columns so
//! that a million tasks cost what the window's width costs.

use std::ops::Range;

use egui::epaint::Mesh;
use egui::{
    Align2, Color32, FontId, Painter, Rect, Response, Sense, Shape, Stroke, StrokeKind, Ui, pos2,
    vec2,
};
use taskscope_core::TaskId;
use taskscope_core::units::{elide, format_ns, tick_step};

use super::Selection;
use super::colors::HIGHLIGHT;
use super::details::task_tooltip;
use super::document::Document;
use super::playback::Playback;
use taskscope_analysis::replay::Column;

const GUTTER: f32 = 84.0;
const RULER: f32 = 22.0;
const MAX_LANE: f32 = 36.0;
const MIN_LANE: f32 = 4.0;
/// The height a lane's name needs; thinner lanes name every few lanes.
const NAME_HEIGHT: f32 = 10.0;

/// The visible time range, in ns (fractional, so deep zooms stay smooth).
#[derive(Clone, Debug)]
pub struct Timeline {
    /// The time at the left edge, ns (negative when the view starts before the run).
    pub t0: f64,
    /// The time at the right edge, ns.
    pub t1: f64,
    /// Whether the view was set up for the open file.
    fitted: bool,
    /// The lanes' area and lane height at the last frame.
    last: Option<(Rect, f32)>,
    /// The first lane shown, when there are more lanes than fit.
    pub first_lane: usize,
    /// How many lanes fit at the last frame.
    fit: usize,
}

impl Default for Timeline {
    fn default() -> Self {
        Timeline {
            t0: 0.0,
            t1: 1.0,
            fitted: false,
            last: None,
            first_lane: 0,
            fit: usize::MAX,
        }
    }
}

/// A box of a lane: consecutive columns showing the same thing.
enum Run {
    Task {
        task: TaskId,
        x0: f32,
        x1: f32,
    },
    Merged {
        x0: f32,
        x1: f32,
        busy: f32,
        color: Color32,
    },
}

impl Timeline {
    /// Shows the whole run.
    pub fn fit(&mut self, end: u64) {
        let pad = end as f64 * 0.01;
        self.t0 = -pad;
        self.t1 = end as f64 + pad;
        self.fitted = true;
    }

    /// Centers on `[start, end)` with some room around it.
    pub fn zoom_to(&mut self, start: u64, end: u64) {
        let len = ((end - start) as f64).max(1000.0);
        self.t0 = start as f64 - len * 0.5;
        self.t1 = end as f64 + len * 0.5;
        self.fitted = true;
    }

    /// Scrolls the lanes, when they do not all fit, so that `lane` shows.
    pub(crate) fn show_lane(&mut self, lane: usize) {
        if lane < self.first_lane || lane >= self.first_lane.saturating_add(self.fit) {
            self.first_lane = lane.saturating_sub(self.fit.min(1000) / 2);
        }
    }

    /// Where the middle of `task`'s box is on screen (for tests and scripted clicks).
    pub fn screen_pos_of(&self, doc: &Document, task: TaskId) -> Option<egui::Pos2> {
        let (plot, lane_h) = self.last?;
        let span = doc.replay.span(task)?;
        let lane = doc
            .lane_of_worker
            .get(&span.worker)?
            .checked_sub(self.first_lane)?;
        if lane >= self.fit {
            return None;
        }
        let mid = (span.start + span.end) as f64 / 2.0;
        let x = plot.left() + ((mid - self.t0) / (self.t1 - self.t0)) as f32 * plot.width();
        Some(pos2(x, plot.top() + RULER + (lane as f32 + 0.5) * lane_h))
    }

    /// Zooms by `factor` (> 1 zooms in) around time `at`.
    pub fn zoom(&mut self, factor: f64, at: f64) {
        let factor = factor.clamp(0.01, 100.0);
        let span = ((self.t1 - self.t0) / factor).max(10.0);
        let f = ((at - self.t0) / (self.t1 - self.t0)).clamp(0.0, 1.0);
        self.t0 = at - f * span;
        self.t1 = self.t0 + span;
    }

    /// Moves the view by a fraction of its width.
    pub fn pan(&mut self, fraction: f64) {
        let d = (self.t1 - self.t0) * fraction;
        self.t0 += d;
        self.t1 += d;
    }

    /// Draws the timeline in all of `ui`'s space.
    pub(crate) fn ui(
        &mut self,
        ui: &mut Ui,
        doc: &Document,
        playback: &mut Playback,
        selection: &mut Option<Selection>,
        show_critical: bool,
    ) {
        if !self.fitted {
            self.fit(doc.end());
        }
        let size = ui.available_size().max(vec2(200.0, RULER + MIN_LANE));
        let (response, painter) = ui.allocate_painter(size, Sense::click_and_drag());
        response.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Canvas, true, "Timeline"));
        let rect = response.rect;
        let n_lanes = doc.replay.lanes().len().max(1);
        let lane_h = self.scroll_lanes(ui, &response, n_lanes);
        let plot = Rect::from_min_max(pos2(rect.left() + GUTTER, rect.top()), rect.max);
        self.navigate(ui, &response, plot);
        let g = Geometry {
            plot,
            lane_h,
            first: self.first_lane,
            fit: self.fit,
            t0: self.t0,
            ns_per_px: (self.t1 - self.t0) / plot.width().max(1.0) as f64,
        };
        self.last = Some((plot, lane_h));

        self.ruler(ui, &painter, response.id, &g, doc.end(), playback);
        self.lanes(&painter, doc, &g, rect.left(), ui.visuals());
        let strong = ui.visuals().strong_text_color();
        outlines(&painter, doc, &g, *selection, show_critical, strong);
        cursor(&painter, &g, playback.t);
        let hovered = hovered_task(&response, doc, &g);
        if g.fit < n_lanes {
            lanes_note(&painter, rect, &g, n_lanes, ui.visuals());
        }
        if response.clicked() {
            *selection = hovered.map(Selection::Task);
        }
        if response.double_clicked() {
            self.fit(doc.end());
        }
        if let Some(task) = hovered
            && !response.dragged()
        {
            response.on_hover_ui_at_pointer(|ui| task_tooltip(ui, doc, task, playback.t));
        }
    }

    /// Sizes the lanes to the room there is; when more lanes than fit, the wheel over
    /// the lane names scrolls them. Returns the lanes' height.
    fn scroll_lanes(&mut self, ui: &Ui, response: &Response, n_lanes: usize) -> f32 {
        let rect = response.rect;
        let room = rect.height() - RULER - 4.0;
        let lane_h = (room / n_lanes as f32).clamp(MIN_LANE, MAX_LANE);
        let fit = ((room / lane_h).floor() as usize).clamp(1, n_lanes);
        let gutter = Rect::from_min_max(rect.min, pos2(rect.left() + GUTTER, rect.bottom()));
        if let Some(p) = response.hover_pos()
            && gutter.contains(p)
        {
            let dy = ui.input(|i| i.smooth_scroll_delta.y);
            let step = (-dy / lane_h).round() as isize;
            self.first_lane = self.first_lane.saturating_add_signed(step);
        }
        self.first_lane = self.first_lane.min(n_lanes - fit);
        self.fit = fit;
        lane_h
    }

    /// Wheel zooms around the pointer, sideways wheel or drag pans, W/S/A/D too.
    fn navigate(&mut self, ui: &Ui, response: &Response, plot: Rect) {
        let width = (self.t1 - self.t0).max(1.0);
        let t0 = self.t0;
        let t_of = |x: f32| t0 + (x - plot.left()) as f64 * width / plot.width().max(1.0) as f64;
        if response.dragged_by(egui::PointerButton::Primary)
            || response.dragged_by(egui::PointerButton::Middle)
        {
            let dx = response.drag_delta().x as f64;
            let d = -dx * width / plot.width().max(1.0) as f64;
            self.t0 += d;
            self.t1 += d;
        }
        if let Some(p) = response.hover_pos() {
            let (scroll, zoom) = ui.input(|i| (i.smooth_scroll_delta, i.zoom_delta()));
            let at = t_of(p.x);
            if zoom != 1.0 {
                self.zoom(zoom as f64, at);
            } else if scroll.y != 0.0 {
                self.zoom((scroll.y as f64 * 0.004).exp(), at);
            }
            if scroll.x != 0.0 {
                self.pan(-scroll.x as f64 / plot.width().max(1.0) as f64);
            }
        }
    }

    /// The ruler above the lanes, with its ticks; a click or drag in it sets the replay
    /// time.
    fn ruler(
        &self,
        ui: &Ui,
        painter: &Painter,
        id: egui::Id,
        g: &Geometry,
        end: u64,
        playback: &mut Playback,
    ) {
        let plot = g.plot;
        let ruler = Rect::from_min_max(plot.min, pos2(plot.right(), plot.top() + RULER));
        let ruler_response = ui.interact(ruler, id.with("ruler"), Sense::click_and_drag());
        if let Some(p) = ruler_response.interact_pointer_pos() {
            playback.seek(g.t_of(p.x).clamp(0.0, end as f64) as u64);
        }
        let visuals = ui.visuals();
        painter.rect_filled(ruler, 0.0, visuals.faint_bg_color);
        // The cursor's time is written at the top of the ruler: tick labels under it
        // are left out.
        let cursor_x = g.x_of(playback.t as f64);
        let cursor_w = format_ns(playback.t).chars().count() as f32 * 6.5 + 6.0;
        let cursor_label = cursor_x..=cursor_x + cursor_w;
        self.draw_ticks(painter, plot, ruler, g.ns_per_px, visuals, cursor_label);
    }

    fn draw_ticks(
        &self,
        painter: &Painter,
        plot: Rect,
        ruler: Rect,
        ns_per_px: f64,
        visuals: &egui::Visuals,
        cursor_label: std::ops::RangeInclusive<f32>,
    ) {
        let step = tick_step(ns_per_px * 110.0);
        let first = (self.t0 / step).ceil() as i64;
        let last = (self.t1 / step).floor() as i64;
        for k in first..=last {
            let t = k as f64 * step;
            let x = plot.left() + ((t - self.t0) / ns_per_px) as f32;
            painter.vline(
                x,
                ruler.bottom()..=plot.bottom(),
                Stroke::new(1.0, visuals.faint_bg_color),
            );
            painter.vline(
                x,
                ruler.bottom() - 5.0..=ruler.bottom(),
                Stroke::new(1.0, visuals.weak_text_color()),
            );
            let label = tick_label(t, step);
            let width = label.chars().count() as f32 * 6.0;
            let clear = x + 2.0 + width < *cursor_label.start() || x + 2.0 > *cursor_label.end();
            if t >= 0.0 && clear {
                painter.text(
                    pos2(x + 2.0, ruler.top() + 2.0),
                    Align2::LEFT_TOP,
                    label,
                    FontId::proportional(10.0),
                    visuals.weak_text_color(),
                );
            }
        }
    }

    /// The lanes shown: their boxes in one mesh, each worker's name at `names_x`, then
    /// the names of the tasks wide enough to read.
    fn lanes(
        &self,
        painter: &Painter,
        doc: &Document,
        g: &Geometry,
        names_x: f32,
        visuals: &egui::Visuals,
    ) {
        let lanes = doc.replay.lanes();
        let mut mesh = Mesh::default();
        let mut labels = Vec::new();
        // Thin lanes (hundreds of workers) name every few lanes, never overlapping.
        let name_every = (NAME_HEIGHT / g.lane_h).ceil().max(1.0) as usize;
        for lane in g.shown() {
            let top = g.lane_top(lane) + 1.0;
            let bottom = top + g.lane_h - 2.0;
            self.lane_boxes(doc, g, lane, (top, bottom), &mut mesh, &mut labels);
            // The last names give way to the note saying which lanes show.
            let under_note = g.fit < lanes.len() && bottom > g.plot.bottom() - 12.0;
            if lane % name_every != 0 || under_note {
                continue;
            }
            painter.text(
                pos2(names_x + 6.0, (top + bottom) / 2.0),
                Align2::LEFT_CENTER,
                format!("worker {}", lanes.worker(lane)),
                FontId::proportional((g.lane_h - 6.0).clamp(8.0, 12.0)),
                visuals.text_color(),
            );
        }
        let clip = painter.with_clip_rect(g.plot);
        clip.add(Shape::mesh(mesh));
        for (r, task) in labels {
            let text = elide(&doc.short_name(task), ((r.width() - 6.0) / 6.5) as usize);
            clip.with_clip_rect(r.intersect(g.plot)).text(
                r.left_center() + vec2(3.0, 0.0),
                Align2::LEFT_CENTER,
                text,
                FontId::monospace(10.0),
                Color32::BLACK,
            );
        }
    }

    /// One lane's boxes between `top` and `bottom`, from the replay's level-of-detail
    /// columns: a task in its group's color (exact edges where it starts or ends in
    /// view), merged columns as bars as tall as the lane is busy. Tasks wide enough for
    /// a name go to `labels`.
    fn lane_boxes(
        &self,
        doc: &Document,
        g: &Geometry,
        lane: usize,
        (top, bottom): (f32, f32),
        mesh: &mut Mesh,
        labels: &mut Vec<(Rect, TaskId)>,
    ) {
        let plot = g.plot;
        let columns = plot.width().max(1.0) as usize;
        let (q0, q1) = (self.t0.max(0.0) as u64, self.t1.max(0.0).ceil() as u64);
        if q1 <= q0 {
            return;
        }
        let col_w = plot.width() / columns as f32;
        let col_t0 = g.x_of(q0 as f64);
        let cols = doc.replay.lane_columns(lane, q0, q1, columns);
        let w = (g.x_of(q1 as f64) - col_t0) / columns as f32;
        for run in runs(&cols, col_t0, if w > 0.0 { w } else { col_w }, doc) {
            match run {
                Run::Task { task, x0, x1 } => {
                    let span = doc.replay.span(task);
                    let (a, b) = span.map_or((x0, x1), |s| {
                        (g.x_of(s.start as f64).max(x0), g.x_of(s.end as f64).min(x1))
                    });
                    let (a, b) = (a.max(plot.left()), b.max(a + 1.0).min(plot.right()));
                    let r = Rect::from_min_max(pos2(a, top), pos2(b, bottom));
                    mesh.add_colored_rect(r, doc.color_of(task));
                    if b - a > 48.0 && g.lane_h >= 12.0 {
                        labels.push((r, task));
                    }
                }
                Run::Merged {
                    x0,
                    x1,
                    busy,
                    color,
                } => {
                    let h = (bottom - top) * busy.clamp(0.15, 1.0);
                    let r = Rect::from_min_max(pos2(x0, bottom - h), pos2(x1, bottom));
                    mesh.add_colored_rect(r, color.gamma_multiply(0.85));
                }
            }
        }
    }
}

/// Where things are at this frame: the plot right of the lane names, the lanes shown
/// and their height, and the time scale.
struct Geometry {
    plot: Rect,
    lane_h: f32,
    /// The first lane shown.
    first: usize,
    /// How many lanes are shown.
    fit: usize,
    /// The time at the plot's left edge, ns.
    t0: f64,
    ns_per_px: f64,
}

impl Geometry {
    fn x_of(&self, t: f64) -> f32 {
        self.plot.left() + ((t - self.t0) / self.ns_per_px) as f32
    }

    fn t_of(&self, x: f32) -> f64 {
        self.t0 + (x - self.plot.left()) as f64 * self.ns_per_px
    }

    fn shown(&self) -> Range<usize> {
        self.first..self.first + self.fit
    }

    /// The top of a shown lane.
    fn lane_top(&self, lane: usize) -> f32 {
        self.plot.top() + RULER + (lane - self.first) as f32 * self.lane_h
    }
}

/// Outlines: the critical path on demand, then the selection.
fn outlines(
    painter: &Painter,
    doc: &Document,
    g: &Geometry,
    selection: Option<Selection>,
    show_critical: bool,
    strong: Color32,
) {
    let clip = painter.with_clip_rect(g.plot);
    let outline = |task: TaskId, stroke: Stroke| {
        let Some(s) = doc.replay.span(task) else {
            return;
        };
        let Some(&lane) = doc.lane_of_worker.get(&s.worker) else {
            return;
        };
        let (a, b) = (
            g.x_of(s.start as f64),
            g.x_of(s.end as f64).max(g.x_of(s.start as f64) + 2.0),
        );
        if b < g.plot.left() || a > g.plot.right() || !g.shown().contains(&lane) {
            return;
        }
        let top = g.lane_top(lane);
        let r = Rect::from_min_max(pos2(a, top), pos2(b, top + g.lane_h));
        clip.rect_stroke(r, 1.0, stroke, StrokeKind::Inside);
    };
    if show_critical {
        for &task in &doc.critical_path {
            outline(task, Stroke::new(2.0, HIGHLIGHT));
        }
    }
    if let Some(Selection::Task(task)) = selection {
        outline(task, Stroke::new(2.0, strong));
    }
}

/// The replay cursor: a red line with the time beside it.
fn cursor(painter: &Painter, g: &Geometry, t: u64) {
    let plot = g.plot;
    let x = g.x_of(t as f64);
    if x >= plot.left() && x <= plot.right() {
        painter.vline(
            x,
            plot.y_range(),
            Stroke::new(1.5, Color32::from_rgb(220, 40, 40)),
        );
        painter.text(
            pos2(x + 3.0, plot.top() + 2.0),
            Align2::LEFT_TOP,
            format_ns(t),
            FontId::proportional(11.0),
            Color32::from_rgb(220, 40, 40),
        );
    }
}

/// The task under the pointer; tasks narrower than a pixel are looked for a few pixels
/// around.
fn hovered_task(response: &Response, doc: &Document, g: &Geometry) -> Option<TaskId> {
    let p = response.hover_pos()?;
    let row = (p.y - g.plot.top() - RULER) / g.lane_h;
    if p.x < g.plot.left() || row < 0.0 {
        return None;
    }
    let lane = g.first + row as usize;
    if !g.shown().contains(&lane) {
        return None;
    }
    let t = g.t_of(p.x).max(0.0) as u64;
    let slack = (g.ns_per_px * 3.0) as u64;
    let at = |t| doc.replay.task_at(lane, t);
    at(t)
        .or_else(|| at(t.saturating_sub(slack)))
        .or_else(|| at(t + slack))
}

/// Which lanes show, when they do not all fit.
fn lanes_note(
    painter: &Painter,
    rect: Rect,
    g: &Geometry,
    n_lanes: usize,
    visuals: &egui::Visuals,
) {
    let shown = g.shown();
    painter.text(
        pos2(rect.left() + 4.0, rect.bottom() - 2.0),
        Align2::LEFT_BOTTOM,
        format!(
            "lanes {}-{} of {n_lanes} (wheel here)",
            shown.start + 1,
            shown.end
        ),
        FontId::proportional(9.0),
        visuals.weak_text_color(),
    );
}

/// Merges consecutive columns that show the same task into one box.
fn runs(cols: &[Column], x0: f32, w: f32, doc: &Document) -> Vec<Run> {
    let mut out: Vec<Run> = Vec::new();
    for (c, col) in cols.iter().enumerate() {
        let (a, b) = (x0 + c as f32 * w, x0 + (c + 1) as f32 * w);
        match *col {
            Column::Empty => {}
            Column::Task { task, .. } => match out.last_mut() {
                Some(Run::Task { task: t, x1, .. }) if *t == task && (*x1 - a).abs() < 0.01 => {
                    *x1 = b;
                }
                _ => out.push(Run::Task { task, x0: a, x1: b }),
            },
            Column::Merged { busy, group, .. } => out.push(Run::Merged {
                x0: a,
                x1: b,
                busy,
                color: doc.group_colors[group.0 as usize],
            }),
        }
    }
    out
}

/// A tick's time with as many decimals as the step between ticks needs, so that
/// neighbouring ticks read differently however far the view is zoomed in.
fn tick_label(t: f64, step: f64) -> String {
    let (unit, name) = match t.abs() {
        x if x >= 1e9 => (1e9, "s"),
        x if x >= 1e6 => (1e6, "ms"),
        x if x >= 1e3 => (1e3, "us"),
        _ => (1.0, "ns"),
    };
    let decimals = (unit / step.max(1.0)).log10().ceil().clamp(0.0, 9.0) as usize;
    format!("{:.*} {name}", decimals, t / unit)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tick_labels_tell_neighbouring_ticks_apart() {
        assert_eq!(tick_label(3_600_002.0, 2.0), "3.600002 ms");
        assert_eq!(tick_label(3_600_004.0, 2.0), "3.600004 ms");
        assert_eq!(tick_label(2_000_000.0, 500_000.0), "2.0 ms");
        assert_eq!(tick_label(1_500_000_000.0, 100_000_000.0), "1.5 s");
        assert_eq!(tick_label(0.0, 200.0), "0 ns");
    }

    #[test]
    fn zoom_keeps_the_time_under_the_pointer() {
        let mut t = Timeline {
            t0: 0.0,
            t1: 1000.0,
            ..Timeline::default()
        };
        t.zoom(2.0, 250.0);
        assert!((t.t1 - t.t0 - 500.0).abs() < 1e-9);
        assert!((t.t0 - 125.0).abs() < 1e-9, "{}", t.t0);
    }
}
