//! `taskscope diff`: two graphs or runs side by side, with budgets for CI.

use std::path::{Path, PathBuf};

use anyhow::anyhow;
use clap::Args;
use taskscope_analysis::budget::Budget;
use taskscope_analysis::diff::Diff;
use taskscope_analysis::stats::Stats;
use taskscope_core::trace::Trace;

use crate::Failure;
use crate::out::Format;

/// Compare two graphs or runs: every figure of `taskscope stats` side by side with
/// its absolute and relative change, and the groups added, removed and changed.
/// Files of different kinds compare what both have: a DOT file against a trace
/// compares the graphs; a run's figures (wall, busy, ...) need two traces of runs.
///
/// Budgets make it a CI check: --budget FIGURE=CHANGE caps how much a figure may
/// grow from BASE to NEW. Exit code 1 (after printing the comparison) when any
/// budget is exceeded, naming each and by how much; 0 when all are met; 2 for bad
/// input or a malformed budget.
///
/// FIGURE: tasks, edges, depth, width, critical_path_tasks, and for runs wall,
/// busy, critical_path (measured time), peak_rss, peak_held, failed; per group
/// group:NAME (its tasks), group:NAME.time and group:NAME.bytes.
/// CHANGE: + (may grow by at most) or - (must shrink by at least), then a number
/// and a unit: % of BASE's value; a plain number for counts; ns, us, ms, s for
/// times; B, KB, MB, GB (powers of 1000), KiB, MiB, GiB for bytes.
///
/// Examples:
///   taskscope diff main.trace.jsonl pr.trace.jsonl
///   taskscope diff norm_1000.trace.jsonl norm_4000.trace.jsonl --budget tasks=+10%
///   taskscope diff base.jsonl new.jsonl --budget edges=+0 --budget wall=+20% \
///       --budget group:mean_chunk=+0 --budget peak_rss=+50MB
///   taskscope diff norm_dask.dot norm.trace.jsonl --format json | jq .figures
///   taskscope diff base.jsonl new.jsonl --format markdown > diff.md
#[derive(Args)]
#[command(verbatim_doc_comment)]
pub(crate) struct DiffArgs {
    /// The file to compare against (a taskscope graph or trace, DOT, or Chrome JSON).
    base: PathBuf,
    /// The file compared.
    new: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// A limit on a figure's change, FIGURE=CHANGE (repeatable), like tasks=+10%.
    #[arg(long = "budget", value_name = "FIGURE=CHANGE")]
    budgets: Vec<String>,
}

/// Budgets as written on the command line; a malformed one is an error (exit 2).
pub(crate) fn parse_budgets(texts: &[String]) -> Result<Vec<Budget>, Failure> {
    Ok(texts
        .iter()
        .map(|t| t.parse::<Budget>())
        .collect::<Result<_, _>>()?)
}

/// Loads both files and compares them, checking `budgets`; returns the new file's
/// trace too (the report draws it).
pub(crate) fn compare(
    base: &Path,
    new: &Path,
    budgets: &[Budget],
) -> Result<(Diff, Trace), Failure> {
    let base_trace = crate::input::load(base)?;
    let new_trace = crate::input::load(new)?;
    crate::input::warn_about(base, &base_trace);
    crate::input::warn_about(new, &new_trace);
    let (base_stats, new_stats) = (Stats::of(&base_trace), Stats::of(&new_trace));
    let mut diff = Diff::new(
        &base.display().to_string(),
        &base_stats,
        &new.display().to_string(),
        &new_stats,
    );
    diff.check(budgets, &base_stats, &new_stats)?;
    Ok((diff, new_trace))
}

/// Exit code 1 naming every exceeded budget, if any.
pub(crate) fn verdict(diff: &Diff) -> Result<(), Failure> {
    let over: Vec<String> = diff.exceeded().map(|b| b.describe()).collect();
    if over.is_empty() {
        return Ok(());
    }
    Err(Failure {
        code: 1,
        error: anyhow!(
            "{} of {} budgets exceeded:\n  {}",
            over.len(),
            diff.budgets.len(),
            over.join("\n  ")
        ),
    })
}

pub(crate) fn run(args: DiffArgs) -> Result<(), Failure> {
    let budgets = parse_budgets(&args.budgets)?;
    let (diff, _) = compare(&args.base, &args.new, &budgets)?;
    match args.format {
        Format::Text => crate::out!("{}", diff.to_text()),
        Format::Json => crate::outln!("{}", diff.to_json()),
        Format::Markdown => crate::out!("{}", diff.to_markdown()),
    }
    verdict(&diff)
}
