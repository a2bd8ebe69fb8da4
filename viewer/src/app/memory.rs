//! The memory plot: held bytes and RSS over the run, with the replay cursor; a click
//! moves the cursor.

use egui::{Color32, Ui};
use egui_plot::{Legend, Line, Plot, PlotPoint, PlotPoints, VLine};
use taskscope_analysis::replay::Replay;
use taskscope_core::units::{format_bytes, format_ns};

use super::document::Document;
use super::panels::Actions;
use super::playback::Playback;

/// The plot's curves, in ms and MiB: the whole run, made once per file (a 10^7-task
/// run has 10^7 steps of held memory; going over them each frame cost 40 ms).
pub(crate) struct MemoryCurves {
    held: Vec<PlotPoint>,
    rss: Vec<PlotPoint>,
}

impl MemoryCurves {
    pub(crate) fn of(replay: &Replay) -> MemoryCurves {
        let to_points = |v: &[(u64, u64)]| -> Vec<PlotPoint> {
            v.iter()
                .map(|&(t, b)| PlotPoint::new(t as f64 / 1e6, b as f64 / (1 << 20) as f64))
                .collect()
        };
        MemoryCurves {
            held: to_points(&step_points(&downsample(replay.held_steps(), 2000))),
            rss: to_points(&downsample(replay.rss_samples(), 2000)),
        }
    }
}

/// Held bytes (exact, from the events) and RSS (sampled) over the run, with the cursor.
pub(crate) fn memory_plot(ui: &mut Ui, doc: &Document, playback: &Playback, actions: &mut Actions) {
    let MemoryCurves { held, rss } = &doc.memory;
    let response = Plot::new("memory")
        .legend(Legend::default())
        .allow_scroll(false)
        .allow_drag(false)
        .allow_zoom(false)
        .allow_boxed_zoom(false)
        .include_y(0.0)
        .x_axis_formatter(|m, _| {
            if m.value < 0.0 {
                String::new()
            } else {
                format_ns((m.value * 1e6).round() as u64)
            }
        })
        .y_axis_formatter(|m, _| {
            if m.value < 0.0 {
                String::new()
            } else {
                format_bytes((m.value * (1u64 << 20) as f64).round() as u64)
            }
        })
        .show(ui, |plot| {
            if !held.is_empty() {
                plot.line(
                    // The exported timeline's colors: held orange, RSS blue; the
                    // cursor alone is red, as in the timeline above.
                    Line::new("held bytes", PlotPoints::Borrowed(held))
                        .color(Color32::from_rgb(255, 127, 14)),
                );
            }
            if !rss.is_empty() {
                plot.line(
                    Line::new("RSS", PlotPoints::Borrowed(rss))
                        .color(Color32::from_rgb(31, 119, 180)),
                );
            }
            plot.vline(
                VLine::new("now", playback.t as f64 / 1e6).color(Color32::from_rgb(220, 40, 40)),
            );
        });
    if response.response.clicked()
        && let Some(pos) = response.response.interact_pointer_pos()
    {
        let p = response.transform.value_from_position(pos);
        actions.seek = Some((p.x.max(0.0) * 1e6) as u64);
    }
}

/// A step curve as points: each value holds until the next time.
fn step_points(steps: &[(u64, u64)]) -> Vec<(u64, u64)> {
    let mut v = Vec::with_capacity(steps.len() * 2);
    for (i, &(t, b)) in steps.iter().enumerate() {
        if i > 0 {
            v.push((t, steps[i - 1].1));
        }
        v.push((t, b));
    }
    v
}

/// At most about `n` points: in each time bucket, the first point and the largest.
fn downsample(points: &[(u64, u64)], n: usize) -> Vec<(u64, u64)> {
    if points.len() <= n {
        return points.to_vec();
    }
    let (t0, t1) = (points[0].0, points[points.len() - 1].0);
    let width = ((t1 - t0) / (n as u64 / 2).max(1)).max(1);
    let mut out: Vec<(u64, u64)> = Vec::with_capacity(n + 2);
    for bucket in points.chunk_by(|a, b| (a.0 - t0) / width == (b.0 - t0) / width) {
        out.push(bucket[0]);
        if let Some(&max) = bucket[1..].iter().max_by_key(|p| p.1) {
            out.push(max);
        }
    }
    if out.last() != points.last() {
        out.push(points[points.len() - 1]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn downsampling_keeps_peaks_and_ends() {
        let points: Vec<(u64, u64)> = (0..100_000u64).map(|t| (t, t % 977)).collect();
        let d = downsample(&points, 1000);
        assert!(d.len() <= 1100, "{}", d.len());
        assert_eq!(d.first(), points.first());
        assert_eq!(d.last(), points.last());
        assert_eq!(d.iter().map(|p| p.1).max(), Some(976));
        assert!(d.windows(2).all(|w| w[0].0 <= w[1].0));
    }
}
