//! Task keys and group names are user data: markup, `</script>`, line breaks, control
//! characters and right-to-left marks show as text in the viewer, and drawing them
//! never fails (egui has no glyph for some of them).

use std::path::Path;

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use taskscope_core::TaskId;
use taskscope_viewer::app::{Recent, Selection};
use taskscope_viewer::{ViewerApp, ViewerOptions};

const KEYS: &[&str] = &[
    "</script><script>alert(1)</script>",
    "<b>bold</b> & 'quoted' \"double\"",
    "\u{202e}evil\u{200f} right-to-left \u{2067}isolate\u{2069}",
    "two\nlines and a\ttab",
    "control \u{1} \u{7f} \u{fffe} \u{feff} bytes",
    "\u{10ffff} \u{e000} private and last",
];

/// A JSON string.
fn json(s: &str) -> String {
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

fn write_trace(path: &Path) {
    let mut text = String::from(
        "{\"type\":\"header\",\"format\":\"taskscope\",\"version\":1,\"tool\":\"\\u202e<b>\",\"clock\":\"ns\",\"name\":\"\\u202e</title>\"}\n",
    );
    for (i, key) in KEYS.iter().enumerate() {
        let deps = if i == 0 {
            String::new()
        } else {
            format!("{}", i - 1)
        };
        text.push_str(&format!(
            "{{\"type\":\"task\",\"id\":{i},\"key\":{},\"group\":{},\"deps\":[{deps}]}}\n",
            json(key),
            json(&format!("{key} group"))
        ));
    }
    for i in 0..KEYS.len() {
        let (start, end) = (i * 1000, i * 1000 + 900);
        text.push_str(&format!(
            "{{\"type\":\"event\",\"task\":{i},\"worker\":0,\"start\":{start},\"end\":{end},\"status\":\"done\"}}\n"
        ));
    }
    std::fs::write(path, text).unwrap();
}

#[test]
fn hostile_keys_show_as_text_and_draw_without_failing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hostile.trace.jsonl");
    write_trace(&path);
    let options = ViewerOptions {
        file: Some(path),
        ..ViewerOptions::default()
    };
    let app = ViewerApp::with_recent(options, Recent::in_memory());
    let mut harness = Harness::builder()
        .with_size(egui::vec2(1600.0, 1000.0))
        .build_ui_state(|ui, app: &mut ViewerApp| app.show(ui), app);
    harness.step();
    harness.state_mut().finish_loading();
    harness.run_steps(3);
    let error = harness.state().error().map(|e| e.to_string());
    let doc = harness
        .state()
        .document()
        .unwrap_or_else(|| panic!("{error:?}"));
    assert_eq!(doc.trace.graph.len(), KEYS.len());
    for (i, key) in KEYS.iter().enumerate() {
        harness
            .state_mut()
            .select(Selection::Task(TaskId(i as u32)));
        harness.run_steps(3);
        assert!(
            harness.get_all_by_label(key).count() >= 1,
            "{key:?} is shown as text"
        );
    }
}
