//! taskscope-exporters: drawing task graphs and runs.
//!
//! A drawing is computed once as a neutral [`Scene`] (positioned boxes, edge
//! polylines, labels, colors) on our own layered [`layout`], then serialized: SVG
//! through `io::Write`, PNG (resvg) and PDF (svg2pdf) from that same SVG, with a font
//! bundled in the binary. DOT is written straight from the graph. Same input, same
//! bytes (DOT and SVG). [`write_report`] puts the figures, a comparison and both
//! drawings into one self-contained HTML file.
//!
//! ```
//! use taskscope_core::trace::Trace;
//! use taskscope_collections::delayed;
//! use taskscope_exporters::{Format, RenderOptions, render_graph};
//!
//! let total = delayed::tutorial();
//! let trace = Trace::of_graph(total.program().unwrap().graph().clone(), Some("delayed"));
//! let svg = render_graph(&trace, &RenderOptions::default(), Format::Svg).unwrap();
//! let text = String::from_utf8(svg).unwrap();
//! assert_eq!(text.matches("<g class=\"task\"").count(), 16);
//! assert_eq!(text.matches("<g class=\"edge\"").count(), 15);
//! ```

mod dot;
mod graph_scene;
pub mod layout;
pub mod palette;
mod raster;
mod report;
mod scene;
mod svg;
mod timeline;

use std::path::Path;

use taskscope_core::trace::Trace;
use thiserror::Error;

pub use dot::{DotOptions, write_dot};
pub use graph_scene::{AUTO_GROUPS_ABOVE, ColorBy, RenderOptions, View, graph_scene};
pub use layout::RankDir;
pub use palette::Palette;
pub use raster::{RasterError, rgba_to_png};
pub use report::{Report, write_report};
pub use scene::{EdgeShape, LegendEntry, Scene, Shape, TaskShape};
pub use svg::{write_svg, xml_escape};

/// An output format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Graphviz DOT text, written straight from the graph (no layout).
    Dot,
    /// An SVG document of the scene.
    Svg,
    /// A PNG image rendered from the SVG.
    Png,
    /// A one-page PDF converted from the SVG.
    Pdf,
}

impl Format {
    /// The format a file name asks for, by its extension (any case).
    ///
    /// ```
    /// use std::path::Path;
    /// use taskscope_exporters::Format;
    /// assert_eq!(Format::from_path(Path::new("norm_dask.PDF")), Some(Format::Pdf));
    /// assert_eq!(Format::from_path(Path::new("graph.gv")), Some(Format::Dot));
    /// assert_eq!(Format::from_path(Path::new("notes.txt")), None);
    /// ```
    pub fn from_path(path: &Path) -> Option<Format> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "dot" | "gv" => Some(Format::Dot),
            "svg" => Some(Format::Svg),
            "png" => Some(Format::Png),
            "pdf" => Some(Format::Pdf),
            _ => None,
        }
    }
}

/// Why a drawing could not be made.
#[derive(Debug, Error)]
pub enum RenderError {
    /// The SVG could not be turned into PNG or PDF.
    #[error(transparent)]
    Raster(#[from] RasterError),
    /// A timeline was asked of a file with no task events: a graph, not a run.
    #[error(
        "this file has no task events: a timeline needs a trace of a run (taskscope demo, \
         synth --run, or a trace from the Dask hook)"
    )]
    NoTaskEvents,
    /// A timeline was asked for as DOT, which only draws graphs.
    #[error("a timeline is drawn as SVG, PNG or PDF, not DOT")]
    TimelineAsDot,
}

fn scene_to(scene: &Scene, format: Format) -> Result<Vec<u8>, RenderError> {
    let mut svg = Vec::new();
    write_svg(&mut svg, scene).expect("writing to memory does not fail");
    Ok(match format {
        Format::Svg | Format::Dot => svg,
        Format::Png => raster::svg_to_png(&svg, 2.0)?,
        Format::Pdf => raster::svg_to_pdf(&svg)?,
    })
}

/// Draws the graph of `trace` (and its measurements, for a run) in `format`.
pub fn render_graph(
    trace: &Trace,
    options: &RenderOptions,
    format: Format,
) -> Result<Vec<u8>, RenderError> {
    if format == Format::Dot {
        let mut out = Vec::new();
        let dot = DotOptions {
            rankdir: options.rankdir,
            title: options.title.clone(),
        };
        write_dot(&mut out, &trace.graph, &dot).expect("writing to memory does not fail");
        return Ok(out);
    }
    scene_to(&graph_scene(trace, options), format)
}

/// Draws the timeline of a run in `format` (SVG, PNG or PDF).
pub fn render_timeline(
    trace: &Trace,
    title: Option<String>,
    format: Format,
) -> Result<Vec<u8>, RenderError> {
    if format == Format::Dot {
        return Err(RenderError::TimelineAsDot);
    }
    scene_to(&timeline::timeline_scene(trace, title)?, format)
}
