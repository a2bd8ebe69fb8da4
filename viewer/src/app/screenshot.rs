//! Running the app in a window, and `--screenshot`: open, draw, save the window as PNG,
//! exit.

use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, channel};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::{ViewerApp, ViewerOptions};

/// Frames drawn after the file arrives before the screenshot, so that layouts and
/// fonts have settled.
const SETTLE_FRAMES: u32 = 4;
/// A screenshot run gives up after this long.
const SCREENSHOT_TIMEOUT: Duration = Duration::from_secs(120);

/// Why the viewer could not run, or could not take its screenshot.
#[derive(Debug, thiserror::Error)]
pub enum ViewerError {
    /// No window could be opened (no display, no OpenGL).
    #[error("cannot open a window: {0}")]
    Window(String),
    /// With `--screenshot`: the file could not be read or shown, or the picture not
    /// saved; the message names the file.
    #[error("{0}")]
    Screenshot(String),
}

/// Opens the viewer window and runs it until it is closed. With
/// [`ViewerOptions::screenshot`], saves the window once the file is shown and exits;
/// the error then says why no screenshot was written (unreadable file, no display).
pub fn run(options: ViewerOptions) -> Result<(), ViewerError> {
    let outcome: Arc<Mutex<Option<String>>> = Arc::default();
    let screenshot = options.screenshot.clone();
    let native = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title("taskscope")
            .with_inner_size([1600.0, 1000.0])
            .with_min_inner_size([640.0, 400.0])
            .with_drag_and_drop(true),
        ..eframe::NativeOptions::default()
    };
    let result = {
        let outcome = outcome.clone();
        eframe::run_native(
            "taskscope",
            native,
            Box::new(move |_cc| {
                let app = ViewerApp::new(options);
                Ok(match screenshot {
                    Some(path) => Box::new(Screenshotter::new(app, path, outcome)),
                    None => Box::new(app),
                })
            }),
        )
    };
    result.map_err(|e| ViewerError::Window(why_no_window(&e.to_string(), has_display())))?;
    match outcome.lock().map(|o| o.clone()) {
        Ok(Some(error)) => Err(ViewerError::Screenshot(error)),
        _ => Ok(()),
    }
}

/// The app, plus the steps of taking one screenshot.
struct Screenshotter {
    app: ViewerApp,
    path: PathBuf,
    started: Instant,
    pending: Option<Receiver<Arc<egui::ColorImage>>>,
    /// When the first frame showing the file was drawn, after the start.
    first_frame: Option<Duration>,
    outcome: Arc<Mutex<Option<String>>>,
}

impl Screenshotter {
    fn new(app: ViewerApp, path: PathBuf, outcome: Arc<Mutex<Option<String>>>) -> Self {
        Screenshotter {
            app,
            path,
            started: Instant::now(),
            pending: None,
            first_frame: None,
            outcome,
        }
    }

    fn finish(&mut self, ctx: &egui::Context, error: Option<String>) {
        if let Ok(mut o) = self.outcome.lock() {
            *o = error;
        }
        ctx.send_viewport_cmd(egui::ViewportCommand::Close);
    }
}

impl eframe::App for Screenshotter {
    fn ui(&mut self, ui: &mut egui::Ui, frame: &mut eframe::Frame) {
        self.app.ui(ui, frame);
        let ctx = ui.ctx().clone();
        // While the file is read the app redraws a few times a second and the reading
        // thread wakes it when done; redrawing every 30 ms then (software rendering
        // under Xvfb) took a core from reading a 10^7-task file.
        if !self.app.is_loading() {
            ctx.request_repaint_after(Duration::from_millis(30));
        }
        if let Some(error) = self.app.error() {
            let error = error.to_string();
            self.finish(&ctx, Some(error));
            return;
        }
        if self.started.elapsed() > SCREENSHOT_TIMEOUT {
            let msg = format!("no screenshot after {} s", SCREENSHOT_TIMEOUT.as_secs());
            self.finish(&ctx, Some(msg));
            return;
        }
        if let Some(pending) = &self.pending {
            if let Ok(image) = pending.try_recv() {
                self.pending = None;
                let result = save_png(&self.path, &image);
                if let (Ok(()), Some(doc)) = (&result, self.app.document()) {
                    println!(
                        "wrote {} ({}x{} px); {} read and prepared in {:.0} ms, first frame drawn {:.0} ms after start",
                        self.path.display(),
                        image.size[0],
                        image.size[1],
                        doc.name(),
                        doc.load_time.as_secs_f64() * 1e3,
                        self.first_frame.unwrap_or_default().as_secs_f64() * 1e3,
                    );
                }
                self.finish(&ctx, result.err());
            }
            return;
        }
        let ready = self.app.document().is_some() && !self.app.is_loading();
        if ready && self.first_frame.is_none() {
            self.first_frame = Some(self.started.elapsed());
        }
        if ready && self.app.frames_since_load >= SETTLE_FRAMES {
            let (sender, receiver) = channel();
            ctx.request_screenshot(move |image| {
                let _ = sender.send(image);
            });
            self.pending = Some(receiver);
        }
    }
}

/// Writes a screenshot as PNG, atomically.
pub(crate) fn save_png(path: &Path, image: &egui::ColorImage) -> Result<(), String> {
    let rgba: Vec<u8> = image.pixels.iter().flat_map(|c| c.to_array()).collect();
    let png = taskscope_exporters::rgba_to_png(image.size[0] as u32, image.size[1] as u32, &rgba)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    taskscope_core::write_atomically(path, |w| w.write_all(&png)).map_err(|e| e.to_string())
}

/// Whether the environment names a display (X11 or Wayland).
fn has_display() -> bool {
    ["DISPLAY", "WAYLAND_DISPLAY", "WAYLAND_SOCKET"]
        .iter()
        .any(|v| std::env::var_os(v).is_some_and(|v| !v.is_empty()))
}

/// Why no window opened, for people: no display is said as such, with what to do;
/// other errors keep their words but lose the library's source path (winit writes
/// `os error at /home/…/winit-0.30.13/src/…/mod.rs:765: …`).
fn why_no_window(error: &str, display: bool) -> String {
    if !display {
        return "no display (neither DISPLAY nor WAYLAND_DISPLAY is set); on a machine \
                without one, run it under `xvfb-run -a taskscope view …`, or draw \
                pictures with `taskscope render`"
            .to_string();
    }
    let cleaned = match (error.find(" at /"), error.find(".rs:")) {
        (Some(at), Some(rs)) if rs > at => {
            // Past `.rs:LINE:` (and a column, if any).
            let rest = &error[rs + 4..];
            let digits = rest.trim_start_matches(|c: char| c.is_ascii_digit() || c == ':');
            format!("{}: {}", &error[..at], digits.trim_start())
        }
        _ => error.to_string(),
    };
    format!("{cleaned} (is the display reachable? without one, use xvfb-run -a)")
}

#[cfg(test)]
mod tests {
    use super::why_no_window;

    #[test]
    fn window_errors_say_what_to_do_without_library_paths() {
        let winit = "winit EventLoopError: os error at /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/winit-0.30.13/src/platform_impl/linux/mod.rs:765: neither WAYLAND_DISPLAY nor WAYLAND_SOCKET nor DISPLAY is set.";
        let none = why_no_window(winit, false);
        assert!(none.starts_with("no display"), "{none}");
        assert!(none.contains("xvfb-run -a taskscope view"), "{none}");
        let some = why_no_window(winit, true);
        assert_eq!(
            some,
            "winit EventLoopError: os error: neither WAYLAND_DISPLAY nor WAYLAND_SOCKET nor \
             DISPLAY is set. (is the display reachable? without one, use xvfb-run -a)"
        );
        assert!(!some.contains(".cargo"));
        assert_eq!(
            why_no_window("no OpenGL", true),
            "no OpenGL (is the display reachable? without one, use xvfb-run -a)"
        );
    }
}
