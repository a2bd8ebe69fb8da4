//! `taskscope-fuzz TARGET [COUNT]`: fuzzes a reader (or `all`) on COUNT mutated inputs.
//!
//! ```text
//! cargo run --profile fuzz -p taskscope-fuzz -- all 1000000
//! cargo run --profile fuzz -p taskscope-fuzz -- dot 1000000 --seed 7
//! cargo run --profile fuzz -p taskscope-fuzz -- dot --replay fuzz/artifacts/dot/crash-…
//! ```

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use taskscope_fuzz::runner::{peak_bytes, read_corpus};
use taskscope_fuzz::{CountingAlloc, Limits, Report, Target, run};

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

const USAGE: &str = "usage: taskscope-fuzz (all|input|trace|compact|dot|chrome|budget) [COUNT] [--seed N] \
                     [--slow-ms MS] [--replay FILE...]";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(which) = args.first() else {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    };
    let targets: Vec<Target> = match which.as_str() {
        "all" => Target::ALL.to_vec(),
        name => match Target::from_name(name) {
            Some(t) => vec![t],
            None => {
                eprintln!("unknown target {name:?}\n{USAGE}");
                return ExitCode::from(2);
            }
        },
    };
    if let Some(i) = args.iter().position(|a| a == "--replay") {
        for file in &args[i + 1..] {
            let data = std::fs::read(file).unwrap_or_else(|e| panic!("cannot read {file}: {e}"));
            for t in &targets {
                let (outcome, peak) = peak_bytes(|| t.run(&data));
                println!(
                    "{file}: {}: {outcome} ({} KiB at the peak)",
                    t.name(),
                    peak >> 10
                );
            }
        }
        return ExitCode::SUCCESS;
    }
    let count: u64 = match args.get(1).filter(|a| !a.starts_with("--")) {
        Some(n) => match n.replace('_', "").parse() {
            Ok(n) => n,
            Err(_) => {
                eprintln!("COUNT must be a number, not {n:?}\n{USAGE}");
                return ExitCode::from(2);
            }
        },
        None => 1_000_000,
    };
    let seed = args
        .iter()
        .position(|a| a == "--seed")
        .and_then(|i| args.get(i + 1))
        .and_then(|s| s.parse().ok())
        .unwrap_or(1);
    let mut limits = Limits::default();
    if let Some(ms) = args
        .iter()
        .position(|a| a == "--slow-ms")
        .and_then(|i| args.get(i + 1))
        .and_then(|s| s.parse().ok())
    {
        limits.slow = std::time::Duration::from_millis(ms);
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut clean = true;
    for target in targets {
        let corpus_dir = root.join("corpus").join(target.name());
        let seeds = match read_corpus(&corpus_dir) {
            Ok(s) => s,
            Err(e) => {
                eprintln!("cannot read the corpus {}: {e}", corpus_dir.display());
                return ExitCode::from(2);
            }
        };
        let artifacts: PathBuf = root.join("artifacts").join(target.name());
        eprintln!(
            "{}: {} seeds, {count} inputs, seed {seed}",
            target.name(),
            seeds.len()
        );
        let report = run(target, seeds, count, seed, limits, &artifacts, |r| {
            eprint!(
                "\r{}: {} inputs, {:.0?}  ",
                target.name(),
                r.inputs,
                r.elapsed
            )
        });
        eprintln!();
        print_report(target, &report);
        clean &= report.clean();
    }
    if clean {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn print_report(target: Target, r: &Report) {
    println!(
        "{}: {} inputs in {:.1} s ({} ok, {} errors, {} distinct outcomes, corpus {}); \
         largest input {} B; slowest {:.1?}; most memory {} KiB (input of {} B); \
         longest message {} B; \
         {} crashes, {} over memory, {} slow",
        target.name(),
        r.inputs,
        r.elapsed.as_secs_f64(),
        r.ok,
        r.errors,
        r.outcomes,
        r.corpus,
        r.largest_input,
        r.slowest,
        r.peak.0 >> 10,
        r.peak.1,
        r.longest_message,
        r.crashes.len(),
        r.memory.len(),
        r.slow.len(),
    );
    for (path, message) in &r.crashes {
        println!("  crash {}: {message}", path.display());
    }
    for (path, bytes) in &r.memory {
        println!("  memory {}: {} KiB", path.display(), bytes >> 10);
    }
    for (path, took) in &r.slow {
        println!("  slow {}: {took:.1?}", path.display());
    }
}
