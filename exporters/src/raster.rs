//! PNG and PDF from the SVG, with a font bundled in the binary: the same output on a
//! machine without fonts (usvg silently drops text whose font it cannot find).

use std::sync::{Arc, OnceLock};

use thiserror::Error;
use usvg::fontdb;

/// The largest side of a PNG, in pixels. Larger drawings are scaled down to fit
/// (never clipped, unlike Graphviz's PNGs at 32,767 px).
pub(crate) const MAX_PNG_SIDE: u32 = 16_384;
/// The largest PNG, in pixels (about 256 MiB of RGBA); larger drawings are scaled
/// down to fit.
pub(crate) const MAX_PNG_PIXELS: u64 = 64 * 1024 * 1024;

/// Why an SVG could not be turned into PNG or PDF.
#[derive(Debug, Error)]
pub enum RasterError {
    /// The SVG could not be parsed back.
    #[error("the SVG could not be read back: {0}")]
    Svg(#[from] usvg::Error),
    /// No memory for the pixels of a PNG this size.
    #[error("PNG: cannot allocate {width}x{height} pixels")]
    Allocate {
        /// Width of the image, in pixels.
        width: u32,
        /// Height of the image, in pixels.
        height: u32,
    },
    /// A PNG cannot have this size (a side of 0 pixels, or too many pixels).
    #[error("PNG: cannot encode {width}x{height} pixels")]
    Size {
        /// Width of the image, in pixels.
        width: u32,
        /// Height of the image, in pixels.
        height: u32,
    },
    /// The pixel data does not hold `width` x `height` RGBA pixels.
    #[error("PNG: {bytes} bytes are not {width}x{height} RGBA pixels")]
    Pixels {
        /// Length of the pixel data, in bytes.
        bytes: usize,
        /// Width of the image, in pixels.
        width: u32,
        /// Height of the image, in pixels.
        height: u32,
    },
    /// The PNG encoder failed.
    #[error("PNG: {0}")]
    Encode(Box<dyn std::error::Error + Send + Sync>),
    /// The PDF converter failed.
    #[error("PDF: {0}")]
    Pdf(svg2pdf::ConversionError),
}

/// Fonts compiled into the binary: Ubuntu Light for text, Hack for monospace; every
/// generic family maps to them.
fn fonts() -> Arc<fontdb::Database> {
    static DB: OnceLock<Arc<fontdb::Database>> = OnceLock::new();
    DB.get_or_init(|| {
        let mut db = fontdb::Database::new();
        db.load_font_data(epaint_default_fonts::UBUNTU_LIGHT.to_vec());
        db.load_font_data(epaint_default_fonts::HACK_REGULAR.to_vec());
        db.set_sans_serif_family("Ubuntu");
        db.set_serif_family("Ubuntu");
        db.set_cursive_family("Ubuntu");
        db.set_fantasy_family("Ubuntu");
        db.set_monospace_family("Hack");
        Arc::new(db)
    })
    .clone()
}

fn parse(svg: &[u8]) -> Result<usvg::Tree, RasterError> {
    let options = usvg::Options {
        fontdb: fonts(),
        font_family: "Ubuntu".to_string(),
        ..usvg::Options::default()
    };
    Ok(usvg::Tree::from_data(svg, &options)?)
}

/// The scale a drawing of `w` x `h` px is rendered at: `preferred`, or less so that the
/// PNG fits [`MAX_PNG_SIDE`] and [`MAX_PNG_PIXELS`].
fn png_scale(w: f32, h: f32, preferred: f32) -> f32 {
    let side = MAX_PNG_SIDE as f32 / w.max(h).max(1.0);
    let area = ((MAX_PNG_PIXELS as f64) / (w as f64 * h as f64).max(1.0)).sqrt() as f32;
    preferred.min(side).min(area)
}

/// Renders SVG to PNG at `preferred` scale (2 for crisp text), scaled down to fit.
pub(crate) fn svg_to_png(svg: &[u8], preferred: f32) -> Result<Vec<u8>, RasterError> {
    let tree = parse(svg)?;
    let size = tree.size();
    let scale = png_scale(size.width(), size.height(), preferred);
    let w = (size.width() * scale).ceil().max(1.0) as u32;
    let h = (size.height() * scale).ceil().max(1.0) as u32;
    let mut pixmap = resvg::tiny_skia::Pixmap::new(w, h).ok_or(RasterError::Allocate {
        width: w,
        height: h,
    })?;
    pixmap.fill(resvg::tiny_skia::Color::WHITE);
    resvg::render(
        &tree,
        resvg::tiny_skia::Transform::from_scale(scale, scale),
        &mut pixmap.as_mut(),
    );
    pixmap
        .encode_png()
        .map_err(|e| RasterError::Encode(e.into()))
}

/// Encodes opaque RGBA pixels (a window's screenshot) as PNG.
///
/// ```
/// let png = taskscope_exporters::rgba_to_png(2, 1, &[255, 0, 0, 255, 0, 0, 255, 255]).unwrap();
/// assert_eq!(&png[1..4], b"PNG");
/// ```
pub fn rgba_to_png(width: u32, height: u32, rgba: &[u8]) -> Result<Vec<u8>, RasterError> {
    let size = resvg::tiny_skia::IntSize::from_wh(width, height)
        .ok_or(RasterError::Size { width, height })?;
    let pixmap =
        resvg::tiny_skia::Pixmap::from_vec(rgba.to_vec(), size).ok_or(RasterError::Pixels {
            bytes: rgba.len(),
            width,
            height,
        })?;
    pixmap
        .encode_png()
        .map_err(|e| RasterError::Encode(e.into()))
}

/// Converts SVG to a one-page PDF, with the used glyphs of the bundled font embedded.
pub(crate) fn svg_to_pdf(svg: &[u8]) -> Result<Vec<u8>, RasterError> {
    let tree = parse(svg)?;
    svg2pdf::to_pdf(
        &tree,
        svg2pdf::ConversionOptions::default(),
        svg2pdf::PageOptions::default(),
    )
    .map_err(RasterError::Pdf)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SVG: &[u8] = br##"<svg xmlns="http://www.w3.org/2000/svg" width="120" height="40" font-family="sans-serif"><rect width="100%" height="100%" fill="#fff"/><text x="10" y="25" font-size="14">taskscope</text></svg>"##;

    #[test]
    fn text_survives_without_system_fonts() {
        let tree = parse(SVG).unwrap();
        // Text becomes glyph paths only when its font was found.
        fn has_text(group: &usvg::Group) -> bool {
            group.children().iter().any(|n| match n {
                usvg::Node::Text(t) => !t.flattened().children().is_empty(),
                usvg::Node::Group(g) => has_text(g),
                _ => false,
            })
        }
        assert!(has_text(tree.root()));
    }

    #[test]
    fn png_and_pdf_are_what_they_say() {
        let png = svg_to_png(SVG, 2.0).unwrap();
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
        // Width and height from the IHDR chunk: twice the SVG's size.
        assert_eq!(u32::from_be_bytes(png[16..20].try_into().unwrap()), 240);
        assert_eq!(u32::from_be_bytes(png[20..24].try_into().unwrap()), 80);
        let pdf = svg_to_pdf(SVG).unwrap();
        assert!(pdf.starts_with(b"%PDF-"));
        assert!(
            pdf.windows(8).any(|w| w == b"FontFile"),
            "the font is embedded"
        );
    }

    #[test]
    fn huge_drawings_are_scaled_to_fit() {
        assert_eq!(png_scale(1000.0, 500.0, 2.0), 2.0);
        let s = png_scale(100_000.0, 400.0, 2.0);
        assert!((100_000.0 * s).round() as u32 <= MAX_PNG_SIDE);
        let s = png_scale(12_000.0, 12_000.0, 2.0);
        assert!(((12_000.0 * s) as u64).pow(2) <= MAX_PNG_PIXELS);
    }
}
