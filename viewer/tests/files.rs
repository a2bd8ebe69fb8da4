//! Opening files in the viewer, through its accessibility tree with no display and no
//! GPU (egui_kittest): a sample, a bad file, a graph without a run, a file that grows
//! (JSONL and compact), a dropped file, and task keys that are hostile text.

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};

use common::{norm, open, open_file, sample, write_trace};
use egui_kittest::kittest::Queryable;
use taskscope_viewer::ViewerOptions;
use taskscope_viewer::testing::{Selection, ViewerApp};

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
fn a_bad_file_shows_an_error_in_the_window() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("broken.trace.jsonl");
    write_trace(&path, &[r#"{"type":"task","id":0}"#]);
    let harness = open_file(path.clone());
    assert!(harness.state().document().is_none());
    harness.get_by_label("The file could not be opened");
    let error = harness.state().error().unwrap().to_string();
    assert!(error.contains("broken.trace.jsonl:2"), "{error}");
    harness.get_by_label(&error);
}

#[test]
fn a_graph_without_a_run_opens_colored_by_group() {
    let harness = open_file(sample("norm_dask.dot"));
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
    let mut harness = open_growing(path.clone(), 100);
    harness.get_by_label("Follow live");
    harness.get_by_label_contains("LIVE: the file has no end record");
    let picture = harness.state().document().unwrap().picture().clone();
    for l in &lines[cut..] {
        writeln!(file, "{l}").unwrap();
    }
    file.flush().unwrap();
    wait_for_events(&mut harness, 590);
    let app = harness.state();
    let doc = app.document().unwrap();
    assert!(!doc.is_open_run(), "the end record arrived");
    assert_eq!(app.playback().t, doc.end(), "the cursor followed");
    assert!(
        std::sync::Arc::ptr_eq(&picture, doc.picture()),
        "the same graph is not laid out again"
    );
}

/// A compact trace being written by the streaming writer: its first blocks, then the
/// rest arrives and is followed.
#[test]
fn a_growing_compact_trace_is_followed_live() {
    use taskscope_core::trace::{self, TraceWriter};
    let t = trace::read(&sample("norm.trace.jsonl")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("live.taskscope");
    let mut w = TraceWriter::create(&path, &t.header).unwrap();
    w.tasks(&t.graph).unwrap();
    w.events(&t.events[..100]).unwrap();
    w.flush().unwrap();
    let mut harness = open_growing(path.clone(), 100);
    w.events(&t.events[100..]).unwrap();
    for s in &t.samples {
        w.sample(s).unwrap();
    }
    w.finish(t.end.as_ref().unwrap()).unwrap();
    wait_for_events(&mut harness, 590);
    let app = harness.state();
    let doc = app.document().unwrap();
    assert!(!doc.is_open_run(), "the end block arrived");
    assert_eq!(doc.trace().events, t.events);
    assert_eq!(app.playback().t, doc.end(), "the cursor followed");
}

/// Opens a file still being written, which holds `events` events so far: the app
/// shows it as an open run and follows it, the cursor at its end.
fn open_growing(path: PathBuf, events: usize) -> egui_kittest::Harness<'static, ViewerApp> {
    let harness = open_file(path);
    let app = harness.state();
    let doc = app.document().unwrap();
    assert!(doc.is_open_run());
    assert_eq!(doc.trace().events.len(), events);
    assert!(app.playback().follow_live);
    assert_eq!(app.playback().t, doc.end());
    harness
}

/// Steps the app until its document holds `n` events, failing after 20 s.
fn wait_for_events(harness: &mut egui_kittest::Harness<'static, ViewerApp>, n: usize) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while harness.state().document().unwrap().trace().events.len() < n {
        assert!(
            std::time::Instant::now() < deadline,
            "the growth was not noticed"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
        harness.step();
        harness.state_mut().finish_loading();
    }
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
    let mut harness = open_file(path);
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
