//! Text the viewer shows is user data (task keys, group names): it may hold characters
//! no bundled font has, such as right-to-left marks, private-use or unassigned code
//! points, or a script without a bundled font. They are drawn as a hollow box by a
//! fallback rasterizer of our own, the same in the app and in tests, so that no text
//! can fail to draw (egui's tests stop on a glyph no font has).

use egui::epaint::text::{GlyphBitmap, GlyphRasterizer, RasterizedGlyph};
use egui::{Color32, ColorImage};

/// Installs the fallback; adding it again is a no-op, so it may run every frame.
pub(super) fn install(ctx: &egui::Context) {
    ctx.add_glyph_rasterizer(GlyphRasterizer::new(
        "taskscope_viewer::missing_glyph",
        |request| Some(hollow_box(request.font_size_px)),
    ));
}

/// A hollow box standing on the baseline, the size of a typical glyph.
fn hollow_box(font_size_px: f32) -> RasterizedGlyph {
    let width = (0.5 * font_size_px).round().max(2.0) as usize;
    let height = (0.7 * font_size_px).round().max(2.0) as usize;
    let stroke = (font_size_px / 14.0).round().max(1.0) as usize;
    let side_bearing = (0.1 * font_size_px).round();
    let mut image = ColorImage::filled([width, height], Color32::TRANSPARENT);
    for y in 0..height {
        for x in 0..width {
            if x < stroke || width - stroke <= x || y < stroke || height - stroke <= y {
                image[(x, y)] = Color32::WHITE;
            }
        }
    }
    RasterizedGlyph {
        bitmap: GlyphBitmap {
            image,
            offset_px: egui::vec2(side_bearing, -(height as f32)),
            is_color: false,
        },
        advance_px: width as f32 + 2.0 * side_bearing,
    }
}
