//! `taskscope report`: one self-contained HTML file for CI artifacts.

use std::path::PathBuf;

use anyhow::anyhow;
use clap::Args;
use taskscope_core::units::format_bytes;
use taskscope_core::write_atomically;
use taskscope_exporters::{Report, write_report};

use crate::Failure;

/// Write one self-contained HTML file about a graph or run: its figures, the
/// comparison with BASE when given, the graph (one box per group above 1,000 tasks)
/// and the run's timeline as inline SVG with tooltips (hover over a box). No
/// script and nothing fetched from the network: open it anywhere, keep it as a CI
/// artifact.
///
/// INPUT and BASE are any files taskscope reads (taskscope graph or trace, DOT,
/// Chrome trace-event JSON). With BASE, --budget checks budgets as `taskscope diff`
/// does (see its --help), shows them in the report and exits with code 1 when one
/// is exceeded (after writing the report).
///
/// Examples:
///   taskscope report norm.trace.jsonl -o report.html
///   taskscope report pr.trace.jsonl main.trace.jsonl -o report.html
///   taskscope report pr.trace.jsonl main.trace.jsonl -o report.html --budget tasks=+10%
#[derive(Args)]
#[command(verbatim_doc_comment)]
pub(crate) struct ReportArgs {
    /// The file to report on.
    input: PathBuf,
    /// A file to compare INPUT against (for example the main branch's trace).
    base: Option<PathBuf>,
    /// The HTML file to write.
    #[arg(short, long)]
    output: PathBuf,
    /// A limit on a figure's change from BASE, FIGURE=CHANGE (repeatable).
    #[arg(long = "budget", value_name = "FIGURE=CHANGE")]
    budgets: Vec<String>,
    /// The page's heading [default: the input's name].
    #[arg(long)]
    title: Option<String>,
}

pub(crate) fn run(args: ReportArgs) -> Result<(), Failure> {
    let budgets = crate::diff::parse_budgets(&args.budgets)?;
    if !budgets.is_empty() && args.base.is_none() {
        return Err(
            anyhow!("--budget needs BASE: budgets limit the change from BASE to INPUT").into(),
        );
    }
    let file = args.input.display().to_string();
    let (diff, trace) = match &args.base {
        Some(base) => {
            let (diff, trace) = crate::diff::compare(base, &args.input, &budgets)?;
            (Some(diff), trace)
        }
        None => {
            let trace = crate::input::load(&args.input)?;
            crate::input::warn_about(&args.input, &trace);
            (None, trace)
        }
    };
    let report = Report {
        file: &file,
        trace: &trace,
        diff: diff.as_ref(),
        title: args.title.clone(),
    };
    let mut html = Vec::new();
    write_report(&mut html, &report).expect("writing to memory does not fail");
    write_atomically(&args.output, |w| w.write_all(&html))?;
    crate::outln!(
        "wrote {} ({} tasks, {})",
        args.output.display(),
        trace.graph.len(),
        format_bytes(html.len() as u64)
    );
    match &diff {
        Some(diff) => crate::diff::verdict(diff),
        None => Ok(()),
    }
}
