//! What the viewer's tests share: the samples, a harness with a file open, and
//! pointer events.

// Each test file uses a part of these.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use egui::{Event, Modifiers, PointerButton, Pos2};
use egui_kittest::Harness;
use taskscope_core::TaskId;
use taskscope_viewer::ViewerOptions;
use taskscope_viewer::testing::{Document, Recent, ViewerApp};

/// A file of the repository's `samples/` folder.
pub(crate) fn sample(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../samples")
        .join(name)
}

/// A harness showing the app with `options`, the file read to the end.
pub(crate) fn open(options: ViewerOptions) -> Harness<'static, ViewerApp> {
    let app = ViewerApp::with_recent(options, Recent::in_memory());
    let mut harness = Harness::builder()
        .with_size(egui::vec2(1600.0, 1000.0))
        .build_ui_state(|ui, app: &mut ViewerApp| app.show(ui), app);
    harness.step();
    harness.state_mut().finish_loading();
    harness.run_steps(3);
    harness
}

/// A primary click at `pos`.
pub(crate) fn click_at(harness: &Harness<'_, ViewerApp>, pos: Pos2) {
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

/// The wheel turned by `delta` with the pointer at `pos`.
pub(crate) fn scroll_at(harness: &Harness<'_, ViewerApp>, pos: Pos2, delta: egui::Vec2) {
    harness.event(Event::PointerMoved(pos));
    harness.event(Event::MouseWheel {
        unit: egui::MouseWheelUnit::Point,
        delta,
        phase: egui::TouchPhase::Move,
        modifiers: Modifiers::default(),
        source: egui::MouseWheelSource::Wheel,
    });
}

/// Options that open the sample run of the Dask tutorial's `norm` computation.
pub(crate) fn norm() -> ViewerOptions {
    ViewerOptions {
        file: Some(sample("norm.trace.jsonl")),
        ..ViewerOptions::default()
    }
}

/// The first line of a taskscope trace, for the traces the tests write.
pub(crate) const HEADER: &str =
    r#"{"type":"header","format":"taskscope","version":1,"tool":"t","clock":"ns"}"#;

/// Writes a trace of `records` (JSON lines) after [`HEADER`], each line ending in a
/// newline.
pub(crate) fn write_trace(path: &Path, records: &[&str]) {
    let mut text = format!("{HEADER}\n");
    for r in records {
        text.push_str(r);
        text.push('\n');
    }
    std::fs::write(path, text).unwrap();
}

/// A harness showing the app with `path` open.
pub(crate) fn open_file(path: PathBuf) -> Harness<'static, ViewerApp> {
    open(ViewerOptions {
        file: Some(path),
        ..ViewerOptions::default()
    })
}

/// The first task of `group` in `doc`.
pub(crate) fn first_of_group(doc: &Document, group: &str) -> TaskId {
    let (id, _) = doc
        .trace()
        .graph
        .tasks()
        .find(|(_, t)| t.group() == group)
        .unwrap_or_else(|| panic!("no task of group {group}"));
    id
}
