//! The compact trace format, version 1: `*.taskscope` files, for runs too large for
//! JSON Lines. It holds exactly what a JSONL trace holds (`convert` goes both ways
//! without loss) in about a tenth of the bytes, and streams like it: a run is written
//! as it goes, in self-delimiting, checksummed blocks, so a killed writer leaves a
//! file readable up to its last complete block.
//!
//! ```text
//! file   = signature block*
//! signature = 89 54 53 43 4F 50 45 0A ("\x89TSCOPE\n") then the layout version, 01
//! block  = kind:u8 codec:u8 raw_len:varint stored_len:varint crc32:u32le payload
//! ```
//!
//! `crc32` covers the block's header bytes before it and its stored payload; `codec`
//! is 0 (stored as is) or 1 (LZ4 block). Kinds: 1 header (the JSONL header record's
//! JSON), 2 strings (new entries of the file's string table), 3 tasks, 4 events,
//! 5 samples, 6 end (the JSONL end record's JSON); other kinds are skipped. Keys are a
//! name from the string table and indices; groups, ops and log levels are string ids;
//! dependencies are task ids relative to the task; times are deltas. Numbers are
//! LEB128 varints, signed ones zigzag-coded. `docs/compact-format.md` has every field.
//!
//! ```
//! use taskscope_core::trace::{TraceFormat, parse, write_graph_as};
//! use taskscope_core::{GraphBuilder, TaskSpec};
//!
//! let mut b = GraphBuilder::new();
//! b.add(TaskSpec::new("('load', 0)", "load"));
//! b.add(TaskSpec::new("('load', 1)", "load"));
//! let graph = b.build().unwrap();
//! let mut file = Vec::new();
//! write_graph_as(&mut file, &graph, Some("demo"), TraceFormat::Compact).unwrap();
//! assert!(file.starts_with(b"\x89TSCOPE\n\x01"));
//! assert_eq!(parse(&file[..], "demo.taskscope").unwrap().graph.len(), 2);
//! ```

mod codec;
mod decoding; // task blocks decoded on a second thread
mod keys;
mod read;
mod write;

pub(crate) use read::parse;
pub(crate) use write::Encoder;

/// The first bytes of every compact file: a signature, then the layout version.
pub(crate) const MAGIC: &[u8; 9] = b"\x89TSCOPE\n\x01";

/// Whether `head`, the first bytes of a file, start like a compact file (or are a
/// prefix of its signature).
pub(crate) fn is_compact(head: &[u8]) -> bool {
    let n = head.len().min(8);
    n > 0 && head[..n] == MAGIC[..n]
}

/// Records gather in a buffer until it holds this many bytes, then go out as a block.
const TARGET_BLOCK: usize = 1 << 20;
/// The most bytes a block may hold, stored or decompressed: a reader allocates no
/// more than this for a block, whatever its header claims.
const MAX_BLOCK: u64 = 64 << 20;

/// Codecs of block payloads.
const RAW: u8 = 0;
const LZ4: u8 = 1;

/// What a block holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
enum BlockKind {
    Header = 1,
    Strings = 2,
    Tasks = 3,
    Events = 4,
    Samples = 5,
    End = 6,
}

impl BlockKind {
    fn of(byte: u8) -> Option<BlockKind> {
        Some(match byte {
            1 => BlockKind::Header,
            2 => BlockKind::Strings,
            3 => BlockKind::Tasks,
            4 => BlockKind::Events,
            5 => BlockKind::Samples,
            6 => BlockKind::End,
            _ => return None,
        })
    }
}
