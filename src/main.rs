//! The `taskscope` command line: see `taskscope --help`.

mod bench;
mod convert;
mod demo;
mod diff;
mod input;
mod out;
mod progress;
mod render;
mod report;
mod stats;
mod synth;
mod view;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// See task graphs, watch them run, know where time and memory went.
///
/// taskscope builds and imports task graphs (like Dask's), runs them, and
/// summarizes them. Start with `taskscope demo`, which runs the Dask tutorial's
/// examples end to end and writes their graphs, then `taskscope stats` on them.
///
/// Exit codes: 0 success, 1 a check or a task failed or a budget was exceeded
/// (diff, report), 2 bad usage or bad input,
/// 130 interrupted (Ctrl-C).
#[derive(Parser)]
#[command(
    name = "taskscope",
    version,
    propagate_version = true,
    max_term_width = 100
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    Demo(demo::DemoArgs),
    Bench(bench::BenchArgs),
    Convert(convert::ConvertArgs),
    Stats(stats::StatsArgs),
    Diff(diff::DiffArgs),
    Report(report::ReportArgs),
    Render(render::RenderArgs),
    Synth(synth::SynthArgs),
    View(view::ViewArgs),
}

/// An error that decides the exit code: 1 for a failed check, 2 for everything else.
pub(crate) struct Failure {
    /// The process's exit code.
    pub(crate) code: u8,
    /// What went wrong, printed on stderr after `error: `.
    pub(crate) error: anyhow::Error,
}

impl<E: Into<anyhow::Error>> From<E> for Failure {
    fn from(e: E) -> Self {
        Failure {
            code: 2,
            error: e.into(),
        }
    }
}

#[cfg(feature = "count-alloc")]
#[global_allocator]
static ALLOC: taskscope_core::alloc::CountingAlloc = taskscope_core::alloc::CountingAlloc;

fn main() -> ExitCode {
    #[cfg(feature = "count-alloc")]
    taskscope_core::alloc::CountingAlloc::activate();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Demo(args) => demo::run(args),
        Command::Bench(args) => bench::run(args),
        Command::Convert(args) => convert::run(args),
        Command::Stats(args) => stats::run(args),
        Command::Diff(args) => diff::run(args),
        Command::Report(args) => report::run(args),
        Command::Render(args) => render::run(args),
        Command::Synth(args) => synth::run(args),
        Command::View(args) => view::run(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => {
            eprintln!("error: {:#}", f.error);
            ExitCode::from(f.code)
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_command_line_definition_is_consistent() {
        use clap::CommandFactory;
        super::Cli::command().debug_assert();
    }
}
