//! The graph, on the exporters' layout, colored by each task's state at the replay time
//! (or each group's progress when the graph is drawn by group).

use egui::epaint::Mesh;
use egui::{
    Align2, Color32, FontId, Painter, Pos2, Rect, Response, Sense, Shape, Stroke, StrokeKind, Ui,
    Vec2, pos2, vec2,
};
use taskscope_core::TaskId;
use taskscope_core::units::elide;

use super::Selection;
use super::colors::{HIGHLIGHT, STATES, contrast, progress_bands, state_color, state_name};
use super::details::{group_tooltip, task_tooltip};
use super::document::{Document, GraphPicture, NodeKind};
use taskscope_analysis::replay::{GroupId, GroupProgress, TaskState};

/// Pan and zoom of the graph; layout coordinates times `scale` plus `offset` give
/// screen coordinates relative to the view's top left.
#[derive(Clone, Debug)]
pub struct GraphView {
    /// Where the layout's origin is drawn, relative to the view's top left.
    pub(crate) offset: Vec2,
    /// Screen points per layout point: above 1 zoomed in, below 1 zoomed out.
    pub scale: f32,
    fitted: bool,
    /// Color boxes by group instead of by state.
    pub color_by_group: bool,
    /// Draw one box per group instead of per task; `None` decides at the first frame
    /// (by group when boxes of tasks would be too small to see).
    pub(crate) by_group: Option<bool>,
    /// A box to bring into view at the next frame (selected elsewhere).
    focus: Option<u32>,
    /// The view's rectangle at the last frame.
    last_rect: Rect,
}

impl Default for GraphView {
    fn default() -> Self {
        GraphView {
            offset: Vec2::ZERO,
            scale: 1.0,
            fitted: false,
            color_by_group: false,
            by_group: None,
            focus: None,
            last_rect: Rect::NOTHING,
        }
    }
}

impl GraphView {
    /// Fits the whole graph at the next frame.
    pub(crate) fn refit(&mut self) {
        self.fitted = false;
    }

    /// The drawing shown: by task or by group.
    pub fn picture<'d>(&self, doc: &'d Document) -> &'d GraphPicture {
        match (&doc.group_picture, self.by_group) {
            (Some(groups), Some(true)) => groups,
            _ => &doc.picture,
        }
    }

    /// Whether the graph is drawn one box per group.
    pub fn grouped(&self, doc: &Document) -> bool {
        self.picture(doc).grouped
    }

    /// Switches between boxes per task and per group, and fits the new drawing.
    pub(crate) fn set_by_group(&mut self, by_group: bool) {
        self.by_group = Some(by_group);
        self.fitted = false;
    }

    /// Brings `task`'s box into view at the next frame.
    pub(crate) fn focus_on(&mut self, doc: &Document, task: TaskId) {
        self.focus = self.picture(doc).node_of(&doc.replay, task);
    }

    /// Where the center of `task`'s box is on screen (for tests and scripted clicks).
    pub fn screen_pos_of(&self, doc: &Document, task: TaskId) -> Option<Pos2> {
        let picture = self.picture(doc);
        let node = picture
            .nodes
            .get(picture.node_of(&doc.replay, task)? as usize)?;
        Some(self.to_screen(node.rect.center()))
    }

    fn to_screen(&self, p: Pos2) -> Pos2 {
        self.last_rect.min + self.offset + p.to_vec2() * self.scale
    }

    fn screen_rect(&self, r: Rect) -> Rect {
        Rect::from_min_max(self.to_screen(r.min), self.to_screen(r.max))
    }

    fn to_layout(&self, p: Pos2) -> Pos2 {
        ((p - self.last_rect.min - self.offset) / self.scale).to_pos2()
    }

    fn fit(&mut self, rect: Rect, bounds: Rect) {
        // The legend sits at the top left: the graph is fitted beside it, not under it
        // (when the panel is wide enough to spare the room).
        let room = if rect.width() > 3.0 * LEGEND_ROOM {
            LEGEND_ROOM
        } else {
            0.0
        };
        let area = Rect::from_min_max(pos2(rect.left() + room, rect.top()), rect.max);
        let scale = fit_scale(area, bounds);
        self.scale = scale;
        let drawn = bounds.size() * scale;
        self.offset = vec2(room, 0.0) + (area.size() - drawn) / 2.0 - bounds.min.to_vec2() * scale;
        self.fitted = true;
    }

    /// Draws the graph in all of `ui`'s space, colored by the state at `t`; a click
    /// selects a box, and the critical path is outlined when `show_critical`.
    pub(crate) fn ui(
        &mut self,
        ui: &mut Ui,
        doc: &Document,
        t: u64,
        selection: &mut Option<Selection>,
        show_critical: bool,
    ) {
        let (response, painter) = ui.allocate_painter(ui.available_size(), Sense::click_and_drag());
        response.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Canvas, true, "Task graph"));
        let rect = response.rect;
        self.last_rect = rect;
        self.choose_drawing(doc, rect);
        let picture = self.picture(doc);
        self.place(rect, picture);
        self.navigate(ui, &response, picture);

        let visuals = ui.visuals();
        painter.rect_filled(rect, 0.0, visuals.extreme_bg_color);
        let view = Rect::from_min_max(self.to_layout(rect.min), self.to_layout(rect.max));
        self.edges(&painter, picture, view, visuals.weak_text_color());
        self.boxes(&painter, doc, picture, view, t);
        self.outlines(
            &painter,
            doc,
            picture,
            *selection,
            show_critical,
            visuals.strong_text_color(),
        );
        self.legend(
            &painter,
            rect,
            doc,
            visuals.text_color(),
            visuals.window_fill,
        );
        self.hover_and_click(response, doc, picture, selection, t);
    }

    /// At the first frame, draws by group when boxes of tasks would be too small to
    /// see.
    fn choose_drawing(&mut self, doc: &Document, rect: Rect) {
        if self.by_group.is_none() {
            // Boxes of tasks smaller than this (a wide graph fitted to the window) say
            // nothing: start with groups, which the View menu switches back.
            const MIN_BOX_PX: f32 = 4.0;
            let tasks = &doc.picture;
            let box_h = tasks.nodes.first().map_or(0.0, |n| n.rect.height());
            let scale = fit_scale(rect, tasks.bounds);
            self.by_group = Some(doc.group_picture.is_some() && box_h * scale < MIN_BOX_PX);
        }
    }

    /// Fits the drawing when it is new, and centers on a box selected elsewhere.
    fn place(&mut self, rect: Rect, picture: &GraphPicture) {
        if !self.fitted {
            self.fit(rect, picture.bounds);
        }
        if let Some(node) = self
            .focus
            .take()
            .and_then(|n| picture.nodes.get(n as usize))
        {
            let min_h = 22.0;
            if node.rect.height() * self.scale < min_h {
                self.scale = min_h / node.rect.height().max(1.0);
            }
            self.offset = rect.size() / 2.0 - node.rect.center().to_vec2() * self.scale;
        }
    }

    /// Pan by dragging, zoom with the wheel around the pointer, fit on a double click.
    fn navigate(&mut self, ui: &Ui, response: &Response, picture: &GraphPicture) {
        let rect = response.rect;
        if response.dragged() {
            self.offset += response.drag_delta();
        }
        if let Some(p) = response.hover_pos() {
            let (scroll, zoom) = ui.input(|i| (i.smooth_scroll_delta, i.zoom_delta()));
            let factor = if zoom != 1.0 {
                zoom
            } else {
                (scroll.y * 0.004).exp()
            };
            if factor != 1.0 {
                let at = self.to_layout(p);
                self.scale = (self.scale * factor).clamp(1e-4, 20.0);
                self.offset = p - rect.min - at.to_vec2() * self.scale;
            }
            if scroll.x != 0.0 {
                self.offset.x += scroll.x;
            }
        }
        if response.double_clicked() {
            self.fit(rect, picture.bounds);
        }
    }

    /// The edges in `view` (layout coordinates), culled by their bounding boxes, each
    /// with its arrowhead.
    fn edges(&self, painter: &Painter, picture: &GraphPicture, view: Rect, color: Color32) {
        let stroke = Stroke::new((1.0 * self.scale).clamp(0.5, 1.5), color);
        for points in &picture.edges {
            let Some(bbox) = bounding(points) else {
                continue;
            };
            if !bbox.intersects(view) {
                continue;
            }
            let screen: Vec<Pos2> = points.iter().map(|&p| self.to_screen(p)).collect();
            if let [.., a, b] = screen[..] {
                arrowhead(painter, a, b, (6.0 * self.scale).clamp(2.0, 8.0), color);
            }
            painter.add(Shape::line(screen, stroke));
        }
    }

    /// The boxes in `view` in one mesh, then their labels where they fit.
    fn boxes(&self, painter: &Painter, doc: &Document, picture: &GraphPicture, view: Rect, t: u64) {
        let mut mesh = Mesh::default();
        let mut labels = Vec::new();
        for node in &picture.nodes {
            if !node.rect.intersects(view) {
                continue;
            }
            let r = self.screen_rect(node.rect);
            match node.kind {
                NodeKind::Task(task) => {
                    let fill = if self.color_by_group {
                        doc.color_of(task)
                    } else {
                        state_color(doc.replay.state_at(task, t))
                    };
                    mesh.add_colored_rect(r, fill);
                }
                NodeKind::Group(g) => {
                    let p = doc.replay.progress_of(GroupId(g), t);
                    let color = doc.group_colors[g as usize];
                    group_box(&mut mesh, r, p, color, self.color_by_group);
                }
            }
            if r.height() >= 10.0 && r.width() >= 24.0 {
                labels.push((r, node));
            }
        }
        painter.add(Shape::mesh(mesh));
        for (r, node) in labels {
            let (text, size) = box_label(&node.label, r);
            let color = match node.kind {
                NodeKind::Task(task) if !self.color_by_group => {
                    contrast(state_color(doc.replay.state_at(task, t)))
                }
                _ => Color32::BLACK,
            };
            painter.with_clip_rect(r).text(
                r.center(),
                Align2::CENTER_CENTER,
                text,
                FontId::proportional(size),
                color,
            );
        }
    }

    /// Outlines: the critical path on demand, the selection's neighbours, the selection.
    fn outlines(
        &self,
        painter: &Painter,
        doc: &Document,
        picture: &GraphPicture,
        selection: Option<Selection>,
        show_critical: bool,
        strong: Color32,
    ) {
        let outline = |node: u32, stroke: Stroke| {
            if let Some(n) = picture.nodes.get(node as usize) {
                let r = self.screen_rect(n.rect);
                painter.rect_stroke(r.expand(1.0), 1.0, stroke, StrokeKind::Outside);
            }
        };
        let node_of = |task: TaskId| picture.node_of(&doc.replay, task).unwrap_or(u32::MAX);
        if show_critical && !picture.grouped {
            for &task in &doc.critical_path {
                outline(node_of(task), Stroke::new(2.5, HIGHLIGHT));
            }
        }
        match selection {
            Some(Selection::Task(task)) => {
                if !picture.grouped {
                    let graph = &doc.trace().graph;
                    let neighbour = Stroke::new(1.5, Color32::from_rgb(148, 103, 189));
                    for &n in graph.task(task).deps().iter().chain(graph.dependents(task)) {
                        outline(node_of(n), neighbour);
                    }
                }
                outline(node_of(task), Stroke::new(2.5, strong));
            }
            Some(Selection::Group(g)) => {
                if let Some(i) = picture
                    .nodes
                    .iter()
                    .position(|n| n.kind == NodeKind::Group(g))
                {
                    outline(i as u32, Stroke::new(2.5, strong));
                }
            }
            None => {}
        }
    }

    /// A click selects the box under the pointer (or nothing); hovering shows its
    /// tooltip.
    fn hover_and_click(
        &self,
        response: Response,
        doc: &Document,
        picture: &GraphPicture,
        selection: &mut Option<Selection>,
        t: u64,
    ) {
        let hovered = response.hover_pos().and_then(|p| {
            let at = self.to_layout(p);
            picture.nodes.iter().find(|n| n.rect.contains(at))
        });
        if response.clicked() {
            *selection = hovered.map(|n| match n.kind {
                NodeKind::Task(task) => Selection::Task(task),
                NodeKind::Group(g) => Selection::Group(g),
            });
        }
        if let Some(node) = hovered
            && !response.dragged()
        {
            response.on_hover_ui_at_pointer(|ui| match node.kind {
                NodeKind::Task(task) => task_tooltip(ui, doc, task, t),
                NodeKind::Group(g) => group_tooltip(ui, doc, g, t),
            });
        }
    }

    fn legend(
        &self,
        painter: &Painter,
        rect: Rect,
        doc: &Document,
        text: Color32,
        background: Color32,
    ) {
        let font = FontId::proportional(11.0);
        let mut y = rect.top() + 8.0;
        let x = rect.left() + 8.0;
        let entries: Vec<(Color32, String)> = if self.color_by_group {
            doc.replay
                .group_names()
                .iter()
                .zip(&doc.group_colors)
                .take(12)
                .map(|(g, &c)| (c, g.clone()))
                .collect()
        } else if self.grouped(doc) {
            vec![
                (state_color(TaskState::Waiting), "not done".to_string()),
                (state_color(TaskState::Running), "running".to_string()),
                (Color32::TRANSPARENT, "done: the group's color".to_string()),
                (state_color(TaskState::Failed), "failed".to_string()),
            ]
        } else {
            STATES
                .iter()
                .map(|&s| (state_color(s), state_name(s).to_string()))
                .collect()
        };
        let height = entries.len() as f32 * 15.0 + 6.0;
        let widest = entries
            .iter()
            .map(|(_, l)| l.chars().count())
            .max()
            .unwrap_or(0) as f32;
        let back = Rect::from_min_size(pos2(x - 4.0, y - 4.0), vec2(widest * 6.5 + 26.0, height));
        painter.rect_filled(back, 3.0, background.gamma_multiply(0.9));
        for (color, label) in entries {
            let swatch = Rect::from_min_size(pos2(x, y), vec2(10.0, 10.0));
            painter.rect_filled(swatch, 2.0, color);
            let edge = Stroke::new(1.0, text.gamma_multiply(0.5));
            painter.rect_stroke(swatch, 2.0, edge, StrokeKind::Inside);
            painter.text(
                pos2(x + 15.0, y + 5.0),
                Align2::LEFT_CENTER,
                label,
                font.clone(),
                text,
            );
            y += 15.0;
        }
    }
}

/// The scale at which `bounds` fills `rect`, with a margin.
/// The width the legend takes at the graph's top left, kept free when fitting.
const LEGEND_ROOM: f32 = 180.0;

fn fit_scale(rect: Rect, bounds: Rect) -> f32 {
    let pad = 16.0;
    ((rect.width() - 2.0 * pad) / bounds.width().max(1.0))
        .min((rect.height() - 2.0 * pad) / bounds.height().max(1.0))
        .clamp(1e-4, 2.0)
}

/// A group's box: its share of done (in the group's color), running and failed tasks
/// as bands over gray, like Dask's progress bars.
fn group_box(mesh: &mut Mesh, r: Rect, p: GroupProgress, color: Color32, by_group: bool) {
    if by_group {
        mesh.add_colored_rect(r, color);
        return;
    }
    mesh.add_colored_rect(r, state_color(TaskState::Waiting));
    for (band, color) in progress_bands(r, p, color) {
        mesh.add_colored_rect(band, color);
    }
}

fn bounding(points: &[Pos2]) -> Option<Rect> {
    let first = *points.first()?;
    Some(
        points
            .iter()
            .fold(Rect::from_min_max(first, first), |r, &p| {
                r.union(Rect::from_min_max(p, p))
            }),
    )
}

fn arrowhead(painter: &Painter, from: Pos2, to: Pos2, size: f32, color: Color32) {
    let dir = (to - from).normalized();
    if !dir.x.is_finite() {
        return;
    }
    let side = vec2(-dir.y, dir.x) * size * 0.45;
    let back = to - dir * size;
    painter.add(Shape::convex_polygon(
        vec![to, back + side, back - side],
        color,
        Stroke::NONE,
    ));
}

/// The text of a box's label and its font size: its lines (a group's name, its tasks,
/// its time) one under the other when the box is tall enough for them, else on one
/// line; each cut to the box's width.
fn box_label(label: &str, r: Rect) -> (String, f32) {
    let lines: Vec<&str> = label.lines().collect();
    let n = lines.len().max(1) as f32;
    let stacked = (r.height() / (n * 1.25)).min(13.0);
    let (lines, size) = if n > 1.0 && stacked >= 7.0 {
        (lines, stacked)
    } else {
        (vec![label], (r.height() * 0.45).clamp(7.0, 13.0))
    };
    let room = (r.width() / (size * 0.55)) as usize;
    let text: Vec<String> = lines
        .iter()
        .map(|l| elide(&l.replace('\n', " "), room))
        .collect();
    (text.join("\n"), size)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_group_box_shows_its_lines_when_tall_enough() {
        let label = "random_sample\n900 tasks\n46.49 ms · 68.66 MiB";
        let tall = Rect::from_min_size(pos2(0.0, 0.0), vec2(160.0, 50.0));
        let (text, size) = box_label(label, tall);
        assert_eq!(text, label);
        assert!((7.0..=13.0).contains(&size));
        // Too short for three lines: one line, cut to the width.
        let flat = Rect::from_min_size(pos2(0.0, 0.0), vec2(100.0, 12.0));
        let (text, _) = box_label(label, flat);
        assert!(!text.contains('\n') && text.ends_with('…'), "{text}");
        assert!(text.starts_with("random_sample 900"), "{text}");
    }

    #[test]
    fn fitting_puts_the_whole_graph_in_view() {
        let mut v = GraphView::default();
        let rect = Rect::from_min_size(pos2(100.0, 50.0), vec2(800.0, 600.0));
        v.last_rect = rect;
        let bounds = Rect::from_min_max(pos2(0.0, 0.0), pos2(4000.0, 1000.0));
        v.fit(rect, bounds);
        let a = v.to_screen(bounds.min);
        let b = v.to_screen(bounds.max);
        assert!(rect.contains(a) && rect.contains(b), "{a:?} {b:?}");
        assert!(a.x >= rect.left() + LEGEND_ROOM, "beside the legend: {a:?}");
        assert!((b.x - a.x) > 800.0 - LEGEND_ROOM - 40.0, "uses the width");
        let back = v.to_layout(v.to_screen(pos2(123.0, 456.0)));
        assert!((back - pos2(123.0, 456.0)).length() < 1e-2);
    }
}
