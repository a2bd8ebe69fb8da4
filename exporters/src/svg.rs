//! SVG output of a [`Scene`]: deterministic, self-contained, and the source of PNG and
//! PDF output.
//!
//! Contract: each task is one `<g class="task" data-key="KEY">` holding a `<title>`
//! tooltip, its box and its label; each edge is one `<g class="edge">`; the legend is
//! `<g class="legend">`; the title line is `<text class="title">`. Styles are
//! presentation attributes (no CSS), so every SVG renderer draws the same.

use std::fmt::Write as _;
use std::io::{self, Write};

use crate::palette::{CRITICAL_PATH, text_on_hex};
use crate::scene::{EdgeShape, LegendEntry, Scene, Shape, TaskShape, text_width};

/// Height of the title line at the top of every drawing.
pub(crate) const TITLE_HEIGHT: f64 = 30.0;
const LEGEND_ROW: f64 = 18.0;
const LEGEND_SWATCH: f64 = 12.0;
/// The drawing's font size, in px: box labels and the legend; a label's lines are
/// `FONT + 1` apart.
pub(crate) const FONT: f64 = 11.0;

/// Text for XML: `& < > " '` escaped; characters XML 1.0 forbids (control characters
/// other than tab and line breaks) replaced by U+FFFD; `\r` as `&#13;`, which a parser
/// would otherwise turn into `\n`.
pub fn xml_escape(s: &str) -> String {
    escape(s, false)
}

/// [`xml_escape`] for an attribute value, whose tabs and line breaks a parser would
/// otherwise read back as spaces: they are written as character references, so that a
/// `data-key` reads back as the key it names.
pub(crate) fn xml_attr_escape(s: &str) -> String {
    escape(s, true)
}

fn escape(s: &str, attr: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\r' => out.push_str("&#13;"),
            '\n' if attr => out.push_str("&#10;"),
            '\t' if attr => out.push_str("&#9;"),
            '\t' | '\n' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{fffe}' || c == '\u{ffff}' => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

/// A number with at most one decimal, no trailing `.0`: the same everywhere.
fn num(v: f64) -> String {
    let r = (v * 10.0).round() / 10.0;
    if r == r.trunc() {
        format!("{}", r as i64)
    } else {
        format!("{r:.1}")
    }
}

fn points(ps: &[(f64, f64)]) -> String {
    let mut s = String::with_capacity(ps.len() * 12);
    for (i, (x, y)) in ps.iter().enumerate() {
        let _ = write!(
            s,
            "{}{},{}",
            if i == 0 { "M" } else { " L" },
            num(*x),
            num(*y)
        );
    }
    s
}

/// An open arrowhead at the end of `ps`, as two more strokes of the same path: no
/// marker elements to instantiate, so large drawings stay fast to convert.
fn arrowhead(ps: &[(f64, f64)]) -> String {
    let n = ps.len();
    if n < 2 {
        return String::new();
    }
    let (tip, from) = (ps[n - 1], ps[n - 2]);
    let (dx, dy) = (tip.0 - from.0, tip.1 - from.1);
    let len = (dx * dx + dy * dy).sqrt();
    if len < 1e-9 {
        return String::new();
    }
    let (ux, uy) = (dx / len, dy / len);
    let (back, side) = (7.0, 3.0);
    let left = (tip.0 - ux * back - uy * side, tip.1 - uy * back + ux * side);
    let right = (tip.0 - ux * back + uy * side, tip.1 - uy * back - ux * side);
    format!(
        " M{},{} L{},{} L{},{}",
        num(left.0),
        num(left.1),
        num(tip.0),
        num(tip.1),
        num(right.0),
        num(right.1)
    )
}

/// Where the legend's entries go: rows that wrap at `width`; returns the positions and
/// the total height.
pub(crate) fn legend_layout(labels: &[&str], width: f64) -> (Vec<(f64, f64)>, f64) {
    if labels.is_empty() {
        return (Vec::new(), 0.0);
    }
    let (mut x, mut row) = (10.0, 0);
    let mut at = Vec::with_capacity(labels.len());
    for label in labels {
        let w = LEGEND_SWATCH + 6.0 + text_width(label, FONT) + 18.0;
        if x + w > width - 10.0 && x > 10.0 {
            x = 10.0;
            row += 1;
        }
        at.push((x, row as f64 * LEGEND_ROW));
        x += w;
    }
    (at, (row + 1) as f64 * LEGEND_ROW + 10.0)
}

fn shape(w: &mut dyn Write, s: &Shape) -> io::Result<()> {
    match s {
        Shape::Rect {
            x,
            y,
            w: rw,
            h,
            fill,
            stroke,
        } => {
            let stroke = stroke
                .as_ref()
                .map(|c| format!(" stroke=\"{}\" stroke-width=\"0.8\"", xml_escape(c)))
                .unwrap_or_default();
            writeln!(
                w,
                "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\"{stroke}/>",
                num(*x),
                num(*y),
                num(*rw),
                num(*h),
                xml_escape(fill)
            )
        }
        Shape::Line {
            points: ps,
            stroke,
            width,
        } => writeln!(
            w,
            "<path d=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"{}\"/>",
            points(ps),
            xml_escape(stroke),
            num(*width)
        ),
        Shape::Text {
            x,
            y,
            text,
            size,
            anchor,
            fill,
        } => writeln!(
            w,
            "<text x=\"{}\" y=\"{}\" font-size=\"{}\" text-anchor=\"{anchor}\" fill=\"{}\">{}</text>",
            num(*x),
            num(*y),
            num(*size),
            xml_escape(fill),
            xml_escape(text)
        ),
    }
}

/// Writes `scene` as an SVG document: the page and its title, the background shapes,
/// the edges, the tasks, the legend, and the foreground shapes on top.
pub fn write_svg(w: &mut dyn Write, scene: &Scene) -> io::Result<()> {
    let (width, height) = (scene.width.ceil().max(1.0), scene.height.ceil().max(1.0));
    writeln!(
        w,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{}\" viewBox=\"0 0 {} {}\" font-family=\"sans-serif\" font-size=\"{}\">",
        num(width),
        num(height),
        num(width),
        num(height),
        num(FONT)
    )?;
    writeln!(w, "<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>")?;
    writeln!(
        w,
        "<text class=\"title\" x=\"10\" y=\"20\" font-size=\"14\" fill=\"#222222\">{}</text>",
        xml_escape(&scene.title)
    )?;
    for s in &scene.background {
        shape(w, s)?;
    }
    writeln!(w, "<g class=\"edges\">")?;
    for e in &scene.edges {
        edge(w, e)?;
    }
    writeln!(w, "</g>\n<g class=\"tasks\">")?;
    for t in &scene.tasks {
        task(w, t)?;
    }
    writeln!(w, "</g>")?;
    legend(w, &scene.legend, width, height)?;
    for s in &scene.foreground {
        shape(w, s)?;
    }
    writeln!(w, "</svg>")
}

/// One edge: its polyline and arrowhead as one path, red and thicker when highlighted.
fn edge(w: &mut dyn Write, e: &EdgeShape) -> io::Result<()> {
    let (stroke, width) = if e.highlight {
        (CRITICAL_PATH, "1.6")
    } else {
        ("#888888", "0.8")
    };
    writeln!(
        w,
        "<g class=\"edge\"><path d=\"{}{}\" fill=\"none\" stroke=\"{stroke}\" stroke-width=\"{width}\"/></g>",
        points(&e.points),
        arrowhead(&e.points)
    )
}

/// One task: its group with the key, the tooltip, the box and the label.
fn task(w: &mut dyn Write, t: &TaskShape) -> io::Result<()> {
    let (stroke, sw) = match &t.highlight {
        Some(c) => (xml_escape(c), "2"),
        None => ("#555555".to_string(), "0.6"),
    };
    write!(
        w,
        "<g class=\"task\" data-key=\"{}\"><title>{}</title><rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"4\" fill=\"{}\" stroke=\"{stroke}\" stroke-width=\"{sw}\"/>",
        xml_attr_escape(&t.key),
        xml_escape(&t.tooltip),
        num(t.x),
        num(t.y),
        num(t.w),
        num(t.h),
        xml_escape(&t.fill)
    )?;
    // One text element per box, a tspan per line: half the text runs to lay out.
    if !t.label.is_empty() {
        let n = t.label.len() as f64;
        let cx = num(t.x + t.w / 2.0);
        let y0 = t.y + t.h / 2.0 - (n - 1.0) / 2.0 * (FONT + 1.0) + FONT * 0.35;
        write!(
            w,
            "<text x=\"{cx}\" y=\"{}\" text-anchor=\"middle\" fill=\"{}\">",
            num(y0),
            text_on_hex(&t.fill)
        )?;
        for (i, line) in t.label.iter().enumerate() {
            if i == 0 {
                write!(w, "<tspan>{}</tspan>", xml_escape(line))?;
            } else {
                write!(
                    w,
                    "<tspan x=\"{cx}\" dy=\"{}\">{}</tspan>",
                    num(FONT + 1.0),
                    xml_escape(line)
                )?;
            }
        }
        write!(w, "</text>")?;
    }
    writeln!(w, "</g>")
}

/// The legend at the bottom of a `width` x `height` drawing: a swatch and a label per
/// entry, in rows (nothing when there are no entries).
fn legend(w: &mut dyn Write, entries: &[LegendEntry], width: f64, height: f64) -> io::Result<()> {
    if entries.is_empty() {
        return Ok(());
    }
    let labels: Vec<&str> = entries.iter().map(|l| l.label.as_str()).collect();
    let (at, h) = legend_layout(&labels, width);
    let top = height - h;
    writeln!(w, "<g class=\"legend\">")?;
    for (entry, (x, y)) in entries.iter().zip(at) {
        writeln!(
            w,
            "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\" stroke=\"#555555\" stroke-width=\"0.6\"/><text x=\"{}\" y=\"{}\" fill=\"#222222\">{}</text>",
            num(x),
            num(top + y),
            num(LEGEND_SWATCH),
            num(LEGEND_SWATCH),
            xml_escape(&entry.fill),
            num(x + LEGEND_SWATCH + 5.0),
            num(top + y + LEGEND_SWATCH - 2.0),
            xml_escape(&entry.label)
        )?;
    }
    writeln!(w, "</g>")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_text_is_escaped() {
        assert_eq!(
            xml_escape("<script>&\"'\u{1}\u{202e}"),
            "&lt;script&gt;&amp;&quot;&apos;\u{fffd}\u{202e}"
        );
    }

    #[test]
    fn numbers_are_short_and_stable() {
        assert_eq!(num(3.0), "3");
        assert_eq!(num(12.34), "12.3");
        assert_eq!(num(-0.04), "0");
        assert_eq!(num(1e6 + 0.25), "1000000.3");
    }
}
