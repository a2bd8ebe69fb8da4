//! Replaying a run in the viewer (egui_kittest, no display): play, pause, keys, and a
//! start time given on the command line.

mod common;

use common::{norm, open};
use egui_kittest::kittest::Queryable;
use taskscope_viewer::{TimeSpec, ViewerOptions};

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
