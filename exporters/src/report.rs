//! One self-contained HTML file about a graph or run, for CI artifacts: the figures,
//! the comparison with a base file, the graph and the timeline as inline SVG with
//! tooltips. No script, no network: styles are inline and every drawing is in the
//! page. All text from the input (task keys, group and file names) is escaped.
//!
//! ```
//! use taskscope_core::trace::Trace;
//! use taskscope_collections::delayed;
//! use taskscope_exporters::{Report, write_report};
//!
//! let graph = delayed::tutorial().program().unwrap().graph().clone();
//! let trace = Trace::of_graph(graph, Some("delayed"));
//! let mut html = Vec::new();
//! write_report(&mut html, &Report::new("delayed.trace.jsonl", &trace)).unwrap();
//! let html = String::from_utf8(html).unwrap();
//! assert!(html.starts_with("<!DOCTYPE html>"));
//! assert_eq!(html.matches("<g class=\"task\"").count(), 16);
//! assert!(!html.contains("<script"));
//! ```

use std::io::{self, Write};

use taskscope_analysis::diff::{Change, Diff};
use taskscope_analysis::stats::{Figure, Stats, Table, Unit};
use taskscope_core::trace::Trace;
use taskscope_core::units::thousands;

use crate::graph_scene::{RenderOptions, View, graph_scene};
use crate::scene::Scene;
use crate::svg::{write_svg, xml_escape};
use crate::timeline::{MERGE_ABOVE, MERGE_PX, TimelineOptions, timeline_scene_of};

/// Above this many tasks the report draws one box per group: a drawing of every task
/// of a 10,000-task graph is several MB, and unreadable at page size.
const REPORT_GROUPS_ABOVE: usize = 1_000;

/// What a report shows.
pub struct Report<'a> {
    /// The file as the user named it.
    pub file: &'a str,
    /// The graph or run the report is about.
    pub trace: &'a Trace,
    /// The comparison with a base file (and budgets checked), if any.
    pub diff: Option<&'a Diff>,
    /// The page's heading; by default the file's name.
    pub title: Option<String>,
}

impl<'a> Report<'a> {
    /// A report of one file, without a comparison.
    pub fn new(file: &'a str, trace: &'a Trace) -> Report<'a> {
        Report {
            file,
            trace,
            diff: None,
            title: None,
        }
    }
}

const STYLE: &str = "
body { font: 14px/1.45 -apple-system, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif;
  color: #222; margin: 0 auto; padding: 0 24px 40px; max-width: 1500px; }
header { border-bottom: 1px solid #ddd; margin-bottom: 8px; }
h1 { font-size: 22px; margin: 18px 0 2px; } h2 { font-size: 18px; margin: 26px 0 8px; }
.sub { color: #555; margin: 0 0 10px; }
nav a { margin-right: 14px; color: #0b63c5; text-decoration: none; }
.cards { display: flex; flex-wrap: wrap; gap: 10px; margin: 12px 0; }
.card { border: 1px solid #ddd; border-radius: 6px; padding: 8px 14px; min-width: 110px; }
.card .v { font-size: 20px; font-weight: 600; } .card .k { color: #666; font-size: 12px; }
.card .d { font-size: 12px; } .up { color: #b42318; } .down { color: #067647; }
table { border-collapse: collapse; margin: 6px 0 18px; font-size: 13px; }
caption { text-align: left; font-weight: 600; padding: 4px 0; }
th, td { border-bottom: 1px solid #eee; padding: 3px 10px; text-align: left; white-space: nowrap; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.flagged td { background: #fff1f0; }
.note { color: #555; font-size: 13px; }
.verdict { padding: 8px 12px; border-radius: 6px; font-weight: 600; display: inline-block; }
.verdict.fail { background: #fee4e2; color: #912018; }
.verdict.pass { background: #dcfae6; color: #085d3a; }
.figure { border: 1px solid #ddd; border-radius: 6px; overflow: auto; max-height: 90vh; }
.figure svg { display: block; max-width: 100%; height: auto; }
footer { margin-top: 30px; color: #777; font-size: 12px; }
";

/// The figures shown as cards at the top, when the file has them.
const CARDS: [Figure; 9] = [
    Figure::Tasks,
    Figure::Edges,
    Figure::Depth,
    Figure::Width,
    Figure::Wall,
    Figure::Utilization,
    Figure::CriticalPath,
    Figure::PeakRss,
    Figure::PeakHeld,
];

/// Writes the report as one HTML document: the page's head and navigation, the
/// figure cards, the comparison (if any), the graph, the timeline (of a run) and
/// every figure's table.
pub fn write_report(w: &mut dyn Write, report: &Report<'_>) -> io::Result<()> {
    let trace = report.trace;
    // The held memory gives a figure (its peak) and the timeline's plot: swept once.
    let (stats, held) = Stats::with_held_curve(trace);
    let timeline = timeline_of(trace, &stats, &held);
    write_head(w, report, &stats, timeline.is_some())?;
    write_cards(w, &stats, report.diff)?;
    if let Some(diff) = report.diff {
        write_comparison(w, diff)?;
    }
    write_graph(w, trace, &stats)?;
    if let Some(scene) = &timeline {
        write_timeline(w, trace, scene)?;
    }
    writeln!(w, "<section id=\"figures\">\n<h2>All figures</h2>")?;
    for t in stats.tables() {
        write_table(w, &t)?;
    }
    writeln!(
        w,
        "</section>\n<footer>Made by taskscope {} (taskscope stats, diff and report; figures documented in docs/stats-json.md).</footer>\n</body>\n</html>",
        taskscope_core::VERSION
    )
}

/// The timeline of a run with events, runs of small tasks merged in a large run.
fn timeline_of(trace: &Trace, stats: &Stats, held: &[(u64, u64)]) -> Option<Scene> {
    let run = stats.run.as_ref()?;
    let options = TimelineOptions::for_run(trace, None);
    timeline_scene_of(trace, &options, run, held).ok()
}

/// The document's head with the styles, the page's heading, what the file is, and a
/// link to each section.
fn write_head(
    w: &mut dyn Write,
    report: &Report<'_>,
    stats: &Stats,
    has_timeline: bool,
) -> io::Result<()> {
    let trace = report.trace;
    let title = report
        .title
        .clone()
        .unwrap_or_else(|| format!("taskscope report: {}", report.file));
    let name = trace.header.quoted_name();
    writeln!(
        w,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<header>\n<h1>{}</h1>",
        xml_escape(&title),
        xml_escape(&title)
    )?;
    writeln!(
        w,
        "<p class=\"sub\">{}: {}{} of {} tasks{}, written by {}</p>",
        xml_escape(report.file),
        stats.graph.kind,
        xml_escape(&name),
        thousands(stats.graph.tasks as i128),
        if stats.graph.truncated {
            " (truncated: the file ends early)"
        } else {
            ""
        },
        xml_escape(&trace.header.tool)
    )?;
    write!(w, "<nav>")?;
    let mut links = vec![("summary", "Summary")];
    if report.diff.is_some() {
        links.push(("diff", "Comparison"));
    }
    links.push(("graph", "Graph"));
    if has_timeline {
        links.push(("timeline", "Timeline"));
    }
    links.push(("figures", "All figures"));
    for (id, label) in links {
        write!(w, "<a href=\"#{id}\">{label}</a>")?;
    }
    writeln!(w, "</nav>\n</header>")
}

/// The summary: a card per figure the file has, with its change against the base.
fn write_cards(w: &mut dyn Write, stats: &Stats, diff: Option<&Diff>) -> io::Result<()> {
    writeln!(w, "<section id=\"summary\">\n<div class=\"cards\">")?;
    for figure in CARDS {
        let Some(v) = figure.of(stats) else { continue };
        let delta = diff
            .and_then(|d| d.figure(&figure))
            .map(card_change)
            .unwrap_or_default();
        writeln!(
            w,
            "<div class=\"card\"><div class=\"k\">{figure}</div><div class=\"v\">{}</div>{delta}</div>",
            xml_escape(&figure.unit().format(v))
        )?;
    }
    writeln!(w, "</div>\n</section>")
}

/// A card's change against the base, red when worse.
fn card_change(c: &Change) -> String {
    // Red for worse: more of anything, except utilization.
    let worse = match c.unit() {
        Unit::Ratio => -c.change(),
        _ => c.change(),
    };
    let class = match worse {
        d if d > 0.0 => "up",
        d if d < 0.0 => "down",
        _ => "",
    };
    format!(
        "<div class=\"d {class}\">{} ({}) vs BASE</div>",
        xml_escape(&c.unit().format_change(c.change())),
        xml_escape(&c.relative_text())
    )
}

/// The comparison with the base: its heading, the budgets' verdict, and its tables,
/// the budgets first.
fn write_comparison(w: &mut dyn Write, diff: &Diff) -> io::Result<()> {
    writeln!(w, "<section id=\"diff\">\n<h2>Comparison with BASE</h2>")?;
    for line in diff.heading() {
        writeln!(w, "<p class=\"note\">{}</p>", xml_escape(&line))?;
    }
    if !diff.budgets.is_empty() {
        let over = diff.exceeded().count();
        let (class, text) = if over > 0 {
            (
                "fail",
                format!("{over} of {} budgets exceeded", diff.budgets.len()),
            )
        } else {
            ("pass", format!("all {} budgets met", diff.budgets.len()))
        };
        writeln!(w, "<p class=\"verdict {class}\">{text}</p>")?;
    }
    let mut tables = diff.tables();
    // Budgets (last) first: they decide the verdict.
    tables.rotate_right(usize::from(!diff.budgets.is_empty()));
    for t in &tables {
        write_table(w, t)?;
    }
    writeln!(w, "</section>")
}

/// The graph, one box per task, or per group above [`REPORT_GROUPS_ABOVE`] tasks.
fn write_graph(w: &mut dyn Write, trace: &Trace, stats: &Stats) -> io::Result<()> {
    let groups = trace.graph.len() > REPORT_GROUPS_ABOVE;
    let options = RenderOptions {
        view: if groups { View::Groups } else { View::Tasks },
        ..RenderOptions::default()
    };
    writeln!(w, "<section id=\"graph\">\n<h2>Graph</h2>")?;
    writeln!(
        w,
        "<p class=\"note\">{} Hover over a box for its key, group{}.</p>",
        if groups {
            format!(
                "One box per group ({} tasks is more than {} to draw one by one), like Dask's high-level graph.",
                thousands(trace.graph.len() as i128),
                thousands(REPORT_GROUPS_ABOVE as i128)
            )
        } else {
            "One box per task, colored by group; the measured critical path (if any) is outlined in red.".into()
        },
        if stats.run.is_some() {
            ", duration and bytes"
        } else {
            ""
        }
    )?;
    write_figure(w, &graph_scene(trace, &options))?;
    writeln!(w, "</section>")
}

/// The timeline of the run, and what it shows.
fn write_timeline(w: &mut dyn Write, trace: &Trace, scene: &Scene) -> io::Result<()> {
    writeln!(w, "<section id=\"timeline\">\n<h2>Timeline</h2>")?;
    let merged = if trace.events.len() > MERGE_ABOVE {
        format!(
            " Runs of tasks narrower than {MERGE_PX} px are drawn as one box; its tooltip counts them by group."
        )
    } else {
        String::new()
    };
    writeln!(
        w,
        "<p class=\"note\">One lane per worker, tasks colored by group, the measured critical path outlined in red; task outputs held and resident memory below.{merged}</p>"
    )?;
    write_figure(w, scene)?;
    writeln!(w, "</section>")
}

fn write_figure(w: &mut dyn Write, scene: &Scene) -> io::Result<()> {
    writeln!(w, "<div class=\"figure\">")?;
    write_svg(w, scene)?;
    writeln!(w, "</div>")
}

/// A [`Table`] as HTML, every cell escaped.
fn write_table(w: &mut dyn Write, t: &Table) -> io::Result<()> {
    let class = |numeric: bool| if numeric { " class=\"num\"" } else { "" };
    writeln!(
        w,
        "<table>\n<caption>{}</caption>\n<thead><tr>",
        xml_escape(&t.title)
    )?;
    for (h, &n) in t.headers.iter().zip(&t.numeric) {
        write!(w, "<th{}>{}</th>", class(n), xml_escape(h))?;
    }
    writeln!(w, "</tr></thead>\n<tbody>")?;
    for (row, &flagged) in t.rows.iter().zip(&t.flagged) {
        write!(w, "<tr{}>", if flagged { " class=\"flagged\"" } else { "" })?;
        for (cell, &n) in row.iter().zip(&t.numeric) {
            write!(w, "<td{}>{}</td>", class(n), xml_escape(cell))?;
        }
        writeln!(w, "</tr>")?;
    }
    writeln!(w, "</tbody>\n</table>")?;
    if let Some(note) = &t.note {
        writeln!(w, "<p class=\"note\">{}</p>", xml_escape(note))?;
    }
    Ok(())
}
