//! The viewer through its accessibility tree, with no display and no GPU (egui_kittest):
//! open a sample, play, select tasks in the graph, the timeline and the search, follow
//! a file that grows, and show errors for bad files.

use std::io::Write;
use std::path::{Path, PathBuf};

use egui::{Event, Modifiers, PointerButton, Pos2};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use taskscope_viewer::testing::{Recent, Selection, ViewerApp};
use taskscope_viewer::{TimeSpec, ViewerOptions};

fn sample(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../samples")
        .join(name)
}

/// A harness showing the app with `options`, the file read to the end.
fn open(options: ViewerOptions) -> Harness<'static, ViewerApp> {
    let app = ViewerApp::with_recent(options, Recent::in_memory());
    let mut harness = Harness::builder()
        .with_size(egui::vec2(1600.0, 1000.0))
        .build_ui_state(|ui, app: &mut ViewerApp| app.show(ui), app);
    harness.step();
    harness.state_mut().finish_loading();
    harness.run_steps(3);
    harness
}

fn click_at(harness: &Harness<'_, ViewerApp>, pos: Pos2) {
    harness.event(Event::PointerMoved(pos));
    for pressed in [true, false] {
        harness.event(Event::PointerButton {
            pos,
            button: PointerButton::Primary,
            pressed,
            modifiers: Modifiers::default(),
        });
    }
}

fn norm() -> ViewerOptions {
    ViewerOptions {
        file: Some(sample("norm.trace.jsonl")),
        ..ViewerOptions::default()
    }
}

#[test]
fn a_sample_opens_with_its_sizes_in_the_status_bar() {
    let harness = open(norm());
    harness.get_by_label_contains("590 tasks, 870 edges, 10 groups");
    harness.get_by_label_contains("590 events on 2 workers");
    harness.get_by_label("Task graph");
    harness.get_by_label("Timeline");
    let doc = harness.state().document().expect("the sample is open");
    assert_eq!(doc.trace().graph.len(), 590);
    assert!(
        !doc.picture().is_grouped(),
        "590 tasks are drawn one by one"
    );
    assert_eq!(doc.picture().box_count(), 590);
    // A finished run opens at its end: every task has run.
    assert_eq!(harness.state().playback().t, doc.end());
    harness.get_by_label("all tasks: 590 / 590");
}

#[test]
fn play_moves_the_replay_and_pause_stops_it() {
    let mut harness = open(ViewerOptions {
        at: Some(TimeSpec::Fraction(0.0)),
        ..norm()
    });
    assert_eq!(harness.state().playback().t, 0);
    harness.get_by_label("all tasks: 0 / 590");
    harness.get_by_label("Play").click();
    harness.run_steps(10);
    let t = harness.state().playback().t;
    assert!(harness.state().playback().playing);
    assert!(t > 0, "the cursor moved");
    harness.get_by_label("Pause").click();
    harness.run_steps(3);
    let paused = harness.state().playback().t;
    harness.run_steps(5);
    assert_eq!(harness.state().playback().t, paused, "paused means still");
    assert!(!harness.state().playback().playing);
    harness.get_by_label("Play");
}

#[test]
fn keys_move_the_replay() {
    let mut harness = open(norm());
    let end = harness.state().document().unwrap().end();
    harness.key_press(egui::Key::Home);
    harness.run_steps(2);
    assert_eq!(harness.state().playback().t, 0);
    harness.key_press(egui::Key::ArrowRight);
    harness.run_steps(2);
    assert_eq!(harness.state().playback().t, end / 100);
    harness.key_press(egui::Key::End);
    harness.run_steps(2);
    assert_eq!(harness.state().playback().t, end);
    harness.key_press(egui::Key::Space);
    harness.run_steps(2);
    assert!(harness.state().playback().playing, "space plays");
}

#[test]
fn clicking_a_task_in_the_graph_shows_its_key_and_marks_it_in_the_timeline() {
    let mut harness = open(norm());
    let (task, key, pos) = {
        let app = harness.state();
        let doc = app.document().unwrap();
        let (task, _) = doc
            .trace()
            .graph
            .tasks()
            .find(|(_, t)| t.group == "mean_chunk")
            .unwrap();
        let key = doc.trace().graph.task(task).key.clone();
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
        .key
        .clone();
    harness.get_by_label(&key);
}

#[test]
fn search_finds_a_task_and_its_link_selects_it() {
    let mut harness = open(norm());
    let (key, id) = {
        let doc = harness.state().document().unwrap();
        let (id, t) = doc
            .trace()
            .graph
            .tasks()
            .find(|(_, t)| t.group == "var-aggregate")
            .unwrap();
        (t.key.clone(), id)
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
fn a_dependency_link_moves_the_selection() {
    let mut harness = open(norm());
    let (task, dep, dep_key) = {
        let doc = harness.state().document().unwrap();
        let (id, t) = doc
            .trace()
            .graph
            .tasks()
            .find(|(_, t)| t.group == "truediv")
            .unwrap();
        let dep = t.deps()[0];
        (id, dep, doc.trace().graph.task(dep).key.clone())
    };
    harness.state_mut().select(Selection::Task(task));
    harness.run_steps(3);
    harness.get_by_label(&dep_key).click();
    harness.run_steps(3);
    assert_eq!(harness.state().selection(), Some(Selection::Task(dep)));
}

#[test]
fn a_bad_file_shows_an_error_in_the_window() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("broken.trace.jsonl");
    std::fs::write(
        &path,
        concat!(
            r#"{"type":"header","format":"taskscope","version":1,"tool":"t","clock":"ns"}"#,
            "\n",
            r#"{"type":"task","id":0}"#,
            "\n"
        ),
    )
    .unwrap();
    let harness = open(ViewerOptions {
        file: Some(path.clone()),
        ..ViewerOptions::default()
    });
    assert!(harness.state().document().is_none());
    harness.get_by_label("The file could not be opened");
    let error = harness.state().error().unwrap().to_string();
    assert!(error.contains("broken.trace.jsonl:2"), "{error}");
    harness.get_by_label(&error);
}

#[test]
fn a_graph_without_a_run_opens_colored_by_group() {
    let harness = open(ViewerOptions {
        file: Some(sample("norm_dask.dot")),
        ..ViewerOptions::default()
    });
    let doc = harness.state().document().expect("Dask's DOT opens");
    assert_eq!(doc.trace().graph.len(), 590);
    assert!(harness.state().graph_view().color_by_group);
    harness.get_by_label_contains("graph without a run");
}

/// A trace being written: the first part, then the rest arrives and is followed.
#[test]
fn a_growing_trace_is_followed_live() {
    let full = std::fs::read_to_string(sample("norm.trace.jsonl")).unwrap();
    let lines: Vec<&str> = full.lines().collect();
    let first_event = lines
        .iter()
        .position(|l| l.contains("\"type\":\"event\""))
        .unwrap();
    let cut = first_event + 100;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("live.trace.jsonl");
    let mut file = std::fs::File::create(&path).unwrap();
    for l in &lines[..cut] {
        writeln!(file, "{l}").unwrap();
    }
    file.flush().unwrap();
    let mut harness = open(ViewerOptions {
        file: Some(path.clone()),
        ..ViewerOptions::default()
    });
    {
        let app = harness.state();
        let doc = app.document().unwrap();
        assert!(doc.is_open_run());
        assert_eq!(doc.trace().events.len(), 100);
        assert!(app.playback().follow_live);
        assert_eq!(app.playback().t, doc.end());
    }
    harness.get_by_label("Follow live");
    harness.get_by_label_contains("LIVE: the file has no end record");
    let picture = harness.state().document().unwrap().picture().clone();
    for l in &lines[cut..] {
        writeln!(file, "{l}").unwrap();
    }
    file.flush().unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while harness.state().document().unwrap().trace().events.len() < 590 {
        assert!(
            std::time::Instant::now() < deadline,
            "the growth was not noticed"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
        harness.step();
        harness.state_mut().finish_loading();
    }
    let app = harness.state();
    let doc = app.document().unwrap();
    assert!(!doc.is_open_run(), "the end record arrived");
    assert_eq!(app.playback().t, doc.end(), "the cursor followed");
    assert!(
        std::sync::Arc::ptr_eq(&picture, doc.picture()),
        "the same graph is not laid out again"
    );
}

#[test]
fn the_select_option_selects_a_task_and_zooms_the_timeline_to_it() {
    let trace = taskscope_interop::input::load(&sample("norm.trace.jsonl")).unwrap();
    let event = trace.events.iter().find(|e| e.worker == 1).unwrap();
    let key = trace.graph.task(event.task).key.clone();
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

fn scroll_at(harness: &Harness<'_, ViewerApp>, pos: Pos2, delta: egui::Vec2) {
    harness.event(Event::PointerMoved(pos));
    harness.event(Event::MouseWheel {
        unit: egui::MouseWheelUnit::Point,
        delta,
        phase: egui::TouchPhase::Move,
        modifiers: Modifiers::default(),
        source: egui::MouseWheelSource::Wheel,
    });
}

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
    let mut text = String::from(
        r#"{"type":"header","format":"taskscope","version":1,"tool":"t","clock":"ns"}"#,
    );
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
    let mut harness = open(ViewerOptions {
        file: Some(path),
        ..ViewerOptions::default()
    });
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

#[test]
fn play_with_a_start_time_plays_from_there() {
    let harness = open(ViewerOptions {
        at: Some(TimeSpec::Fraction(0.3)),
        play: true,
        ..norm()
    });
    let app = harness.state();
    let end = app.document().unwrap().end();
    assert!(app.playback().playing);
    assert!(
        app.playback().t >= end * 3 / 10,
        "{} of {end}",
        app.playback().t
    );
    harness.get_by_label("Pause");
}

#[derive(Debug)]
struct Dropped(PathBuf);

impl egui::DroppedFile for Dropped {
    fn path(&self) -> &Path {
        &self.0
    }

    fn bytes(&self) -> Result<Vec<u8>, String> {
        std::fs::read(&self.0).map_err(|e| e.to_string())
    }
}

#[test]
fn a_dropped_file_opens_and_joins_the_recent_files() {
    let mut harness = open(ViewerOptions::default());
    assert!(harness.state().document().is_none());
    harness.get_by_label_contains("drop a file here");
    harness
        .input_mut()
        .dropped_files
        .push(std::sync::Arc::new(Dropped(sample("delayed.trace.jsonl"))));
    harness.step();
    harness.state_mut().finish_loading();
    harness.run_steps(3);
    let doc = harness
        .state()
        .document()
        .expect("the dropped file is open");
    assert_eq!(doc.trace().graph.len(), 16);
    harness.get_by_label_contains("16 tasks, 15 edges");
    let recent = &harness.state().recent().files;
    assert_eq!(recent.len(), 1);
    assert!(recent[0].ends_with("delayed.trace.jsonl"), "{recent:?}");
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
    let mut harness = open(ViewerOptions {
        file: Some(path),
        ..ViewerOptions::default()
    });
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

/// Spans from the `tracing` hook carry busy time and log lines: the details show them.
#[test]
fn busy_time_and_log_lines_show_in_the_details() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("spans.trace.jsonl");
    std::fs::write(
        &path,
        concat!(
            r#"{"type":"header","format":"taskscope","version":1,"tool":"t","clock":"ns"}"#,
            "\n",
            r#"{"type":"task","id":0,"key":"main/fetch","group":"fetch"}"#,
            "\n",
            r#"{"type":"event","task":0,"worker":0,"start":1000,"end":9000,"status":"done","bytes":0,"busy":3000,"logs":[{"t":2000,"level":"INFO","message":"fetched rows=10"}]}"#,
            "\n",
            r#"{"type":"end","tasks":1,"edges":0,"status":"ok","wall":10000}"#,
            "\n"
        ),
    )
    .unwrap();
    let harness = open(ViewerOptions {
        file: Some(path),
        select: Some("main/fetch".into()),
        ..ViewerOptions::default()
    });
    harness.get_by_label("3.0 us / 5.0 us");
    harness.get_by_label_contains("fetched rows=10");
    harness.get_by_label("Log (1)");
}

const HOSTILE_KEYS: &[&str] = &[
    "</script><script>alert(1)</script>",
    "<b>bold</b> & 'quoted' \"double\"",
    "\u{202e}evil\u{200f} right-to-left \u{2067}isolate\u{2069}",
    "two\nlines and a\ttab",
    "control \u{1} \u{7f} \u{fffe} \u{feff} bytes",
    "\u{10ffff} \u{e000} private and last",
];

/// A JSON string.
fn json_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn write_hostile_trace(path: &Path) {
    let mut text = String::from(
        "{\"type\":\"header\",\"format\":\"taskscope\",\"version\":1,\"tool\":\"\\u202e<b>\",\"clock\":\"ns\",\"name\":\"\\u202e</title>\"}\n",
    );
    for (i, key) in HOSTILE_KEYS.iter().enumerate() {
        let deps = if i == 0 {
            String::new()
        } else {
            format!("{}", i - 1)
        };
        text.push_str(&format!(
            "{{\"type\":\"task\",\"id\":{i},\"key\":{},\"group\":{},\"deps\":[{deps}]}}\n",
            json_string(key),
            json_string(&format!("{key} group"))
        ));
    }
    for i in 0..HOSTILE_KEYS.len() {
        let (start, end) = (i * 1000, i * 1000 + 900);
        text.push_str(&format!(
            "{{\"type\":\"event\",\"task\":{i},\"worker\":0,\"start\":{start},\"end\":{end},\"status\":\"done\"}}\n"
        ));
    }
    std::fs::write(path, text).unwrap();
}

/// Task keys and group names are user data: markup, `</script>`, line breaks, control
/// characters and right-to-left marks show as text, and drawing them never fails
/// (the bundled fonts have no glyph for some of them).
#[test]
fn hostile_keys_show_as_text_and_draw_without_failing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hostile.trace.jsonl");
    write_hostile_trace(&path);
    let mut harness = open(ViewerOptions {
        file: Some(path),
        ..ViewerOptions::default()
    });
    let error = harness.state().error().map(|e| e.to_string());
    let doc = harness
        .state()
        .document()
        .unwrap_or_else(|| panic!("{error:?}"));
    assert_eq!(doc.trace().graph.len(), HOSTILE_KEYS.len());
    for (i, key) in HOSTILE_KEYS.iter().enumerate() {
        harness
            .state_mut()
            .select(Selection::Task(taskscope_core::TaskId(i as u32)));
        harness.run_steps(3);
        assert!(
            harness.get_all_by_label(key).count() >= 1,
            "{key:?} is shown as text"
        );
    }
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
    let mut harness = open(ViewerOptions {
        file: Some(path),
        ..ViewerOptions::default()
    });
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
