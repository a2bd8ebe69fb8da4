//! A parallel word count (rayon), instrumented only with `tracing` spans, written as
//! a taskscope trace by the `taskscope-tracing` layer:
//!
//! ```text
//! cargo run --release --example tracing_pipeline -- --trace out.trace.jsonl
//! taskscope stats out.trace.jsonl
//! taskscope render out.trace.jsonl -o pipeline.pdf
//! taskscope view out.trace.jsonl
//! ```
//!
//! Text is generated in chunks; each chunk is generated, tokenized and counted on a
//! rayon worker (span `chunk` with children `generate`, `tokenize`, `count`), then the
//! counts are merged in a tree with fan-in 4 (spans `merge`, each following from the
//! spans it merges) and the most frequent words picked (`top`). Every span becomes a
//! task; children are dependencies of their parent, and `follows_from` adds the
//! merge tree's edges.

use std::collections::HashMap;

use clap::Parser;
use rayon::prelude::*;
use tracing::{Span, info, info_span};

/// A parallel word count, traced with taskscope-tracing.
#[derive(Parser)]
struct Args {
    /// Where to write the trace.
    #[arg(long, default_value = "tracing_pipeline.trace.jsonl")]
    trace: std::path::PathBuf,
    /// Chunks of text.
    #[arg(long, default_value_t = 32)]
    chunks: u64,
    /// Words per chunk.
    #[arg(long, default_value_t = 200_000)]
    words: usize,
}

type Counts = HashMap<String, u64>;

/// A vocabulary of made-up words, the same on every run.
fn vocabulary() -> Vec<String> {
    const SYLLABLES: [&str; 16] = [
        "ka", "lo", "mi", "nu", "pe", "ra", "so", "ti", "an", "el", "or", "us", "be", "da", "fi",
        "go",
    ];
    (0..2000usize)
        .map(|i| {
            let n = 1 + i % 3;
            (0..=n)
                .map(|k| SYLLABLES[((i >> (4 * k)) % 16) ^ k])
                .collect()
        })
        .collect()
}

/// `words` words of chunk `chunk`: a skewed draw from the vocabulary (xorshift), so
/// that a few words are frequent, like in real text.
fn generate(vocabulary: &[String], chunk: u64, words: usize) -> String {
    let mut state = 0x9e37_79b9_7f4a_7c15u64 ^ (chunk + 1).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let n = vocabulary.len() as u64;
    let mut text = String::with_capacity(words * 7);
    for _ in 0..words {
        let skewed = (next() % n) * (next() % n) / n;
        text.push_str(&vocabulary[skewed as usize]);
        text.push(' ');
    }
    text
}

fn count(tokens: &[&str]) -> Counts {
    let mut counts: HashMap<&str, u64> = HashMap::new();
    for t in tokens {
        *counts.entry(t).or_default() += 1;
    }
    counts
        .into_iter()
        .map(|(w, c)| (w.to_string(), c))
        .collect()
}

fn merge(parts: impl Iterator<Item = Counts>) -> Counts {
    let mut total = Counts::new();
    for part in parts {
        for (w, c) in part {
            *total.entry(w).or_default() += c;
        }
    }
    total
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let _trace = taskscope_tracing::install(&args.trace)?;

    let root = info_span!("pipeline");
    let _entered = root.enter();
    info!(chunks = args.chunks, words = args.words, "start");
    let vocabulary = info_span!("vocabulary").in_scope(vocabulary);

    // One span per chunk, made on the rayon worker that runs it. Rayon does not carry
    // the current span across threads, so the parent is given.
    let mut parts: Vec<(Span, Counts)> = (0..args.chunks)
        .into_par_iter()
        .map(|i| {
            let span = info_span!(parent: &root, "chunk", i);
            let counts = span.in_scope(|| {
                let text = info_span!("generate").in_scope(|| generate(&vocabulary, i, args.words));
                let tokens: Vec<&str> =
                    info_span!("tokenize").in_scope(|| text.split_whitespace().collect());
                let counts = info_span!("count").in_scope(|| count(&tokens));
                info!(distinct = counts.len(), "counted");
                counts
            });
            (span, counts)
        })
        .collect();

    // Merge in a tree, four parts at a time; a merge follows from what it merges.
    let mut level = 1u32;
    while parts.len() > 1 {
        parts = parts
            .into_par_iter()
            .chunks(4)
            .enumerate()
            .map(|(i, group)| {
                let span = info_span!(parent: &root, "merge", level, i);
                for (from, _) in &group {
                    span.follows_from(from);
                }
                let merged = span.in_scope(|| merge(group.into_iter().map(|(_, c)| c)));
                (span, merged)
            })
            .collect();
        level += 1;
    }
    let (last, total) = parts.pop().expect("at least one chunk");
    let top = info_span!("top");
    top.follows_from(&last);
    drop(last);
    let best = top.in_scope(|| {
        let mut words: Vec<(&String, &u64)> = total.iter().collect();
        words.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        words.truncate(10);
        info!(distinct = total.len(), "sorted");
        words
    });
    for (word, n) in best {
        println!("{n:>9}  {word}");
    }
    println!("trace written to {}", args.trace.display());
    Ok(())
}
