//! Selecting tasks in the viewer (egui_kittest, no display): by a click in the graph or
//! the timeline, by search, by a dependency link, by `--select`; and what the details
//! then show.

mod common;

use common::{click_at, first_of_group, norm, open, sample, write_trace};
use egui_kittest::kittest::Queryable;
use taskscope_viewer::ViewerOptions;
use taskscope_viewer::testing::Selection;

#[test]
fn clicking_a_task_in_the_graph_shows_its_key_and_marks_it_in_the_timeline() {
    let mut harness = open(norm());
    let (task, key, pos) = {
        let app = harness.state();
        let doc = app.document().unwrap();
        let task = first_of_group(doc, "mean_chunk");
        let key = doc.trace().graph.task(task).key().to_string();
        let pos = app.graph_view().screen_pos_of(doc, task).unwrap();
        (task, key, pos)
    };
    click_at(&harness, pos);
    harness.run_steps(3);
    assert_eq!(harness.state().selection(), Some(Selection::Task(task)));
    harness.get_by_label(&key);
    assert!(
        harness.get_all_by_label("mean_chunk").count() >= 1,
        "the group is shown"
    );
    harness.get_by_label_contains("Dependents (");
}

#[test]
fn clicking_a_task_in_the_timeline_selects_it() {
    let mut harness = open(norm());
    let (task, pos) = {
        let app = harness.state();
        let doc = app.document().unwrap();
        // The slowest task is wide enough to hit at full zoom-out.
        let task = doc.slowest()[0];
        (task, app.timeline().screen_pos_of(doc, task).unwrap())
    };
    click_at(&harness, pos);
    harness.run_steps(3);
    assert_eq!(harness.state().selection(), Some(Selection::Task(task)));
    let key = harness
        .state()
        .document()
        .unwrap()
        .trace()
        .graph
        .task(task)
        .key()
        .to_string();
    harness.get_by_label(&key);
}

#[test]
fn search_finds_a_task_and_its_link_selects_it() {
    let mut harness = open(norm());
    let (key, id) = {
        let doc = harness.state().document().unwrap();
        let id = first_of_group(doc, "var-aggregate");
        (doc.trace().graph.task(id).key().to_string(), id)
    };
    harness.get_by_label("Search").click();
    harness.run_steps(2);
    harness.get_by_label("Search").type_text("var-aggregate");
    harness.run_steps(3);
    harness.get_by_label_contains("1 groups, 10 tasks");
    harness.get_by_label(&key).click();
    harness.run_steps(3);
    assert_eq!(harness.state().selection(), Some(Selection::Task(id)));
    harness.get_by_label("Task");
}

#[test]
fn search_ignores_case_and_follows_the_text() {
    let mut harness = open(norm());
    harness.get_by_label("Search").click();
    harness.run_steps(2);
    harness.get_by_label("Search").type_text("VAR-Aggregate");
    harness.run_steps(3);
    harness.get_by_label_contains("1 groups, 10 tasks");
    // More text, fewer hits: the hits kept for the old text are not shown again.
    harness.get_by_label("Search").type_text("-no-such-key");
    harness.run_steps(3);
    harness.get_by_label_contains("0 groups, 0 tasks");
}

#[test]
fn a_dependency_link_moves_the_selection() {
    let mut harness = open(norm());
    let (task, dep, dep_key) = {
        let doc = harness.state().document().unwrap();
        let id = first_of_group(doc, "truediv");
        let dep = doc.trace().graph.task(id).deps()[0];
        (id, dep, doc.trace().graph.task(dep).key().to_string())
    };
    harness.state_mut().select(Selection::Task(task));
    harness.run_steps(3);
    harness.get_by_label(&dep_key).click();
    harness.run_steps(3);
    assert_eq!(harness.state().selection(), Some(Selection::Task(dep)));
}

#[test]
fn the_select_option_selects_a_task_and_zooms_the_timeline_to_it() {
    let trace = taskscope_interop::input::load(&sample("norm.trace.jsonl")).unwrap();
    let event = trace.events.iter().find(|e| e.worker == 1).unwrap();
    let key = trace.graph.task(event.task).key().to_string();
    let harness = open(ViewerOptions {
        select: Some(key.clone()),
        ..norm()
    });
    let app = harness.state();
    assert_eq!(app.selection(), Some(Selection::Task(event.task)));
    let view = app.timeline();
    assert!(view.t0 <= event.start as f64 && event.end as f64 <= view.t1);
    assert!(
        view.t1 - view.t0 < app.document().unwrap().end() as f64 / 10.0,
        "zoomed in"
    );
    harness.get_by_label(&key);

    let nobody = open(ViewerOptions {
        select: Some("no such key".into()),
        ..norm()
    });
    assert_eq!(nobody.state().selection(), None);
}

/// Spans from the `tracing` hook carry busy time and log lines: the details show them.
#[test]
fn busy_time_and_log_lines_show_in_the_details() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("spans.trace.jsonl");
    write_trace(
        &path,
        &[
            r#"{"type":"task","id":0,"key":"main/fetch","group":"fetch"}"#,
            r#"{"type":"event","task":0,"worker":0,"start":1000,"end":9000,"status":"done","bytes":0,"busy":3000,"logs":[{"t":2000,"level":"INFO","message":"fetched rows=10"}]}"#,
            r#"{"type":"end","tasks":1,"edges":0,"status":"ok","wall":10000}"#,
        ],
    );
    let harness = open(ViewerOptions {
        file: Some(path),
        select: Some("main/fetch".into()),
        ..ViewerOptions::default()
    });
    harness.get_by_label("3.0 us / 5.0 us");
    harness.get_by_label_contains("fetched rows=10");
    harness.get_by_label("Log (1)");
}
