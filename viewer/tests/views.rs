//! The viewer's views (egui_kittest, no display): the wheel zooms the timeline and the
//! graph, many lanes scroll, and the graph switches between boxes per task and per
//! group.

mod common;

use common::{HEADER, norm, open, open_file, scroll_at};
use egui_kittest::kittest::Queryable;
use taskscope_viewer::testing::Selection;

#[test]
fn the_wheel_zooms_the_timeline_and_the_graph_around_the_pointer() {
    let mut harness = open(norm());
    let timeline = harness.get_by_label("Timeline").rect();
    let (t0, t1) = (harness.state().timeline().t0, harness.state().timeline().t1);
    scroll_at(&harness, timeline.center(), egui::vec2(0.0, 120.0));
    harness.run_steps(12);
    let view = harness.state().timeline();
    assert!(
        view.t1 - view.t0 < (t1 - t0) * 0.8,
        "zoomed in: {t0}..{t1} to {}..{}",
        view.t0,
        view.t1
    );
    assert!(
        view.t0 > t0 && view.t1 < t1,
        "around the pointer, in the middle"
    );

    let graph = harness.get_by_label("Task graph").rect();
    let scale = harness.state().graph_view().scale;
    scroll_at(&harness, graph.center(), egui::vec2(0.0, -120.0));
    harness.run_steps(12);
    assert!(
        harness.state().graph_view().scale < scale * 0.9,
        "zoomed out"
    );
}

/// A run with more workers than lanes fit: the wheel over the lane names scrolls them,
/// and selecting a task on a hidden lane brings its lane into view.
#[test]
fn many_lanes_scroll() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("wide.trace.jsonl");
    let mut text = String::from(HEADER);
    text.push('\n');
    let workers = 120;
    for i in 0..workers {
        text.push_str(&format!(
            "{{\"type\":\"task\",\"id\":{i},\"key\":\"t-{i}\",\"group\":\"t\"}}\n"
        ));
    }
    for i in 0..workers {
        text.push_str(&format!(
            "{{\"type\":\"event\",\"task\":{i},\"worker\":{i},\"start\":{},\"end\":{},\"status\":\"done\",\"bytes\":8}}\n",
            i * 10,
            i * 10 + 500
        ));
    }
    text.push_str(&format!(
        "{{\"type\":\"end\",\"tasks\":{workers},\"edges\":0,\"status\":\"ok\",\"wall\":2000}}\n"
    ));
    std::fs::write(&path, text).unwrap();
    let mut harness = open_file(path);
    assert_eq!(harness.state().timeline().first_lane, 0);
    let last = harness
        .state()
        .document()
        .unwrap()
        .trace()
        .graph
        .id_of("t-119")
        .unwrap();
    {
        let app = harness.state();
        let pos = app.timeline().screen_pos_of(app.document().unwrap(), last);
        assert_eq!(pos, None, "120 lanes do not fit: the last is hidden");
    }
    let timeline = harness.get_by_label("Timeline").rect();
    scroll_at(
        &harness,
        timeline.left_center() + egui::vec2(20.0, 0.0),
        egui::vec2(0.0, -200.0),
    );
    harness.run_steps(12);
    let first = harness.state().timeline().first_lane;
    assert!(first > 0, "scrolled down");
    harness.state_mut().select(Selection::Task(last));
    harness.run_steps(3);
    let app = harness.state();
    let pos = app.timeline().screen_pos_of(app.document().unwrap(), last);
    assert!(
        pos.is_some_and(|p| timeline.contains(p)),
        "the last lane is in view: {pos:?}"
    );
}

/// A graph too wide to read box by box (a Dask run's `finalize` over many chunks)
/// opens drawn by group; G switches to tasks and back.
#[test]
fn a_very_wide_graph_starts_by_group_and_g_switches() {
    let mut b = taskscope_core::GraphBuilder::new();
    let mut sink = taskscope_core::TaskSpec::new("finalize-1", "finalize");
    for i in 0..3000 {
        let key = format!("('chunk-1', {i})");
        b.add(taskscope_core::TaskSpec::new(key.clone(), "chunk"));
        sink = sink.dep(key);
    }
    b.add(sink);
    let graph = b.build().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("wide.jsonl");
    taskscope_core::trace::save_graph(&path, &graph, Some("wide")).unwrap();
    let mut harness = open_file(path);
    {
        let app = harness.state();
        let doc = app.document().unwrap();
        assert!(
            !doc.picture().is_grouped(),
            "3,001 tasks are laid out one by one"
        );
        assert!(app.graph_view().grouped(doc), "but shown by group at first");
        assert_eq!(app.graph_view().picture(doc).box_count(), 2);
    }
    harness.key_press(egui::Key::G);
    harness.run_steps(3);
    let app = harness.state();
    let doc = app.document().unwrap();
    assert!(!app.graph_view().grouped(doc));
    assert_eq!(app.graph_view().picture(doc).box_count(), 3001);
}

/// One group per task: the group view has as many boxes as the task view, and each
/// still stands for its group.
#[test]
fn a_graph_of_one_task_per_group_switches_to_groups() {
    let mut b = taskscope_core::GraphBuilder::new();
    b.add(taskscope_core::TaskSpec::new("load", "load").group("load"));
    b.add(
        taskscope_core::TaskSpec::new("clean", "clean")
            .group("clean")
            .dep("load"),
    );
    let graph = b.build().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("two.jsonl");
    taskscope_core::trace::save_graph(&path, &graph, Some("two")).unwrap();
    let mut harness = open_file(path);
    assert!(
        !harness
            .state()
            .graph_view()
            .grouped(harness.state().document().unwrap())
    );
    harness.key_press(egui::Key::G);
    harness.run_steps(3);
    let app = harness.state();
    let doc = app.document().unwrap();
    let picture = app.graph_view().picture(doc);
    assert!(picture.is_grouped());
    assert_eq!(picture.box_count(), 2, "both groups have a box");
}
