//! `taskscope convert`: between taskscope traces and Chrome trace-event JSON.

use std::path::PathBuf;

use clap::Args;

use crate::Failure;

/// Convert a trace between taskscope's format (.jsonl) and Chrome trace-event JSON (.json).
#[derive(Args)]
pub struct ConvertArgs {
    /// Input file: a taskscope graph or trace, or a Chrome trace-event JSON file.
    input: PathBuf,
    /// Output file; its extension chooses the format.
    #[arg(short, long)]
    output: PathBuf,
}

pub fn run(args: ConvertArgs) -> Result<(), Failure> {
    Err(anyhow::anyhow!(
        "convert {} -> {}: not built yet",
        args.input.display(),
        args.output.display()
    )
    .into())
}
