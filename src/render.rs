//! `taskscope render`: draw a graph or a run's timeline as DOT, SVG, PNG or PDF.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::anyhow;
use clap::{Args, ValueEnum};
use taskscope_core::units::format_ns;
use taskscope_core::write_atomically;
use taskscope_exporters::{
    ColorBy, Format, RankDir, RenderOptions, View, render_graph, render_timeline,
};

use crate::Failure;

/// Draw a graph (or, with --timeline, a run) as DOT, SVG, PNG or PDF, without
/// Graphviz: the format follows OUT's extension, like Dask's visualize(filename).
///
/// INPUT is any file taskscope reads, recognized by its content: a taskscope graph
/// or trace, a Graphviz DOT file (including the DOT Dask writes, read as one task per
/// key), or Chrome trace-event JSON.
///
/// Views: `tasks` draws one box per task, labeled with its group and index; `groups`
/// one box per group with its task count (and time and bytes from a trace), like
/// Dask's high-level graph; `auto` (the default) draws tasks up to 10,000 tasks and
/// groups above. In a trace of a run, the measured critical path is outlined in red.
///
/// Examples:
///   taskscope render norm.trace.jsonl -o norm_dask.pdf
///   taskscope render norm_dask.dot -o norm.svg --rankdir LR
///   taskscope render big.trace.jsonl -o big.svg --view groups --color duration
///   taskscope render norm.trace.jsonl --timeline -o norm_timeline.svg
#[derive(Args)]
#[command(verbatim_doc_comment)]
pub(crate) struct RenderArgs {
    /// Input file: taskscope graph or trace, Graphviz DOT, or Chrome trace-event JSON.
    input: PathBuf,
    /// Output file: .dot, .svg, .png or .pdf.
    #[arg(short, long)]
    output: PathBuf,
    /// Output format, overriding OUT's extension.
    #[arg(long, value_enum)]
    format: Option<FormatArg>,
    /// Draw every task, one box per group, or choose by size.
    #[arg(long, value_enum, default_value_t = ViewArg::Auto)]
    view: ViewArg,
    /// What the colors tell: group, measured duration or output bytes (traces).
    #[arg(long, value_enum, default_value_t = ColorArg::Group)]
    color: ColorArg,
    /// Where the first tasks are: TB top, BT bottom (Dask's default), LR left, RL right.
    #[arg(long, value_enum, default_value_t = RankArg::TB, ignore_case = true)]
    rankdir: RankArg,
    /// Title line [default: the graph's name and size].
    #[arg(long)]
    title: Option<String>,
    /// Draw the run's timeline (one lane per worker, memory below) instead of the graph.
    #[arg(long)]
    timeline: bool,
    /// Keep the raw nodes of a DOT drawing made by Dask (a circle for each task's
    /// function and a box for its output) instead of one task per key.
    #[arg(long)]
    raw: bool,
}

#[derive(Clone, Copy, ValueEnum)]
enum FormatArg {
    Dot,
    Svg,
    Png,
    Pdf,
}

#[derive(Clone, Copy, ValueEnum)]
enum ViewArg {
    Tasks,
    Groups,
    Auto,
}

#[derive(Clone, Copy, ValueEnum)]
enum ColorArg {
    Group,
    Duration,
    Memory,
}

#[derive(Clone, Copy, ValueEnum)]
#[allow(clippy::upper_case_acronyms)]
enum RankArg {
    TB,
    BT,
    LR,
    RL,
}

pub(crate) fn run(args: RenderArgs) -> Result<(), Failure> {
    let format = match args.format {
        Some(FormatArg::Dot) => Format::Dot,
        Some(FormatArg::Svg) => Format::Svg,
        Some(FormatArg::Png) => Format::Png,
        Some(FormatArg::Pdf) => Format::Pdf,
        None if args.output.is_dir() => {
            return Err(anyhow!(
                "{}: -o names a folder; give a file name in it, such as {}",
                args.output.display(),
                args.output.join("graph.svg").display()
            )
            .into());
        }
        None => Format::from_path(&args.output).ok_or_else(|| {
            anyhow!(
                "{}: cannot tell the format from the extension; use .dot, .svg, .png or .pdf, or --format",
                args.output.display()
            )
        })?,
    };
    let start = Instant::now();
    let trace =
        crate::input::load_with(&args.input, crate::input::LoadOptions { raw_dot: args.raw })?;
    let options = RenderOptions {
        view: match args.view {
            ViewArg::Tasks => View::Tasks,
            ViewArg::Groups => View::Groups,
            ViewArg::Auto => View::Auto,
        },
        color: match args.color {
            ColorArg::Group => ColorBy::Group,
            ColorArg::Duration => ColorBy::Duration,
            ColorArg::Memory => ColorBy::Memory,
        },
        rankdir: match args.rankdir {
            RankArg::TB => RankDir::TB,
            RankArg::BT => RankDir::BT,
            RankArg::LR => RankDir::LR,
            RankArg::RL => RankDir::RL,
        },
        title: args.title.clone(),
    };
    crate::input::warn_about(&args.input, &trace);
    if options.color != ColorBy::Group && trace.events.is_empty() {
        eprintln!(
            "note: {} has no measurements; --color {} needs a trace of a run, so tasks are grey",
            args.input.display(),
            if options.color == ColorBy::Duration {
                "duration"
            } else {
                "memory"
            }
        );
    }
    let bytes = if args.timeline {
        render_timeline(&trace, args.title.clone(), format)
            .map_err(|e| anyhow!("{}: {e}", args.input.display()))?
    } else {
        render_graph(&trace, &options, format)
            .map_err(|e| anyhow!("{}: {e}", args.input.display()))?
    };
    write_atomically(&args.output, |w| w.write_all(&bytes))?;
    let what = if args.timeline {
        format!("timeline of {} events", trace.events.len())
    } else {
        let groups = options.view.draws_groups(trace.graph.len());
        format!(
            "{} tasks{}",
            trace.graph.len(),
            if groups && format != Format::Dot {
                ", one box per group"
            } else {
                ""
            }
        )
    };
    crate::outln!(
        "wrote {} ({what}, {}) in {}",
        args.output.display(),
        taskscope_core::units::format_bytes(bytes.len() as u64),
        format_ns(start.elapsed().as_nanos() as u64)
    );
    Ok(())
}
