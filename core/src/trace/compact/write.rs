//! Writing the compact format: records gathered into blocks of one kind, each block
//! compressed and checksummed, strings interned across the file.

use std::io::{self, Write};

use super::codec::{put_i64, put_str, put_u64};
use super::keys::{self, KeyParts};
use super::{BlockKind, LZ4, MAGIC, RAW, TARGET_BLOCK};
use crate::graph::{Meta, TaskGraph, TaskId};
use crate::trace::records::EndRecord;
use crate::trace::{Header, Sample, TaskEvent, TaskStatus};

/// Event flags: the status in the low two bits, then which optional fields follow.
pub(super) const HAS_ALLOC: u8 = 1 << 2;
pub(super) const HAS_PEAK: u8 = 1 << 3;
pub(super) const HAS_MESSAGE: u8 = 1 << 4;
pub(super) const HAS_BUSY: u8 = 1 << 5;
pub(super) const HAS_LOGS: u8 = 1 << 6;
/// Sample flags.
pub(super) const HAS_RSS: u8 = 1;
pub(super) const HAS_CPU: u8 = 2;

/// The state of a compact file being written: the strings it has interned, and the
/// records not yet written, one buffer per block kind. Records reach the output when
/// a buffer fills or on [`write_blocks`](Self::write_blocks); blocks go out in the
/// order strings, tasks, events, samples, so every block refers only to what came
/// before it, and every prefix of the file is a valid file.
pub(crate) struct Encoder {
    strings: hashbrown::HashMap<Box<str>, u32>,
    new_strings: Vec<u8>,
    tasks: Vec<u8>,
    events: Vec<u8>,
    samples: Vec<u8>,
    /// Delta bases of the event and sample blocks being filled.
    prev_task: u32,
    prev_start: u64,
    prev_t: u64,
    /// Reused for compressed blocks and small encodings.
    scratch: Vec<u8>,
    /// Reused for the indices of tuple keys.
    indices: Vec<u64>,
    /// The strings interned last, with their ids: most tasks repeat the name, group
    /// and op of the task before, found here without hashing.
    recent: [Option<(Box<str>, u32)>; 4],
    next_recent: usize,
}

impl Encoder {
    /// Writes the file's signature and its header block.
    pub(crate) fn start(out: &mut dyn Write, header: &Header) -> io::Result<Encoder> {
        out.write_all(MAGIC)?;
        let json = serde_json::to_vec(header).map_err(io::Error::other)?;
        let mut e = Encoder {
            strings: hashbrown::HashMap::new(),
            new_strings: Vec::new(),
            tasks: Vec::with_capacity(TARGET_BLOCK + 4096),
            events: Vec::with_capacity(TARGET_BLOCK + 4096),
            samples: Vec::new(),
            prev_task: 0,
            prev_start: 0,
            prev_t: 0,
            scratch: Vec::new(),
            indices: Vec::new(),
            recent: Default::default(),
            next_recent: 0,
        };
        write_block(out, BlockKind::Header, &json, &mut e.scratch)?;
        Ok(e)
    }

    /// The id of `s` in the file's string table, adding it when new.
    #[inline]
    fn intern(&mut self, s: &str) -> u32 {
        if let Some((_, id)) = self.recent.iter().flatten().find(|(r, _)| **r == *s) {
            return *id;
        }
        let id = match self.strings.get(s) {
            Some(&id) => id,
            None => {
                let id = self.strings.len() as u32;
                self.strings.insert(s.into(), id);
                put_str(&mut self.new_strings, s);
                id
            }
        };
        self.recent[self.next_recent] = Some((s.into(), id));
        self.next_recent = (self.next_recent + 1) % self.recent.len();
        id
    }

    /// Adds a task record; `id` is its number in the file.
    pub(crate) fn task(
        &mut self,
        id: TaskId,
        key: &str,
        group: &str,
        op: &str,
        deps: &[TaskId],
        meta: &Meta,
    ) {
        let mut indices = std::mem::take(&mut self.indices);
        match keys::split(key, &mut indices) {
            KeyParts::Tuple(name) => {
                let name = self.intern(name);
                self.tasks.push(keys::TUPLE);
                put_u64(&mut self.tasks, name as u64);
                put_u64(&mut self.tasks, indices.len() as u64);
                for &i in &indices {
                    put_u64(&mut self.tasks, i);
                }
            }
            KeyParts::Numbered(name, n) => {
                let name = self.intern(name);
                self.tasks.push(keys::NUMBERED);
                put_u64(&mut self.tasks, name as u64);
                put_u64(&mut self.tasks, n);
            }
            KeyParts::Whole => {
                self.tasks.push(keys::WHOLE);
                put_str(&mut self.tasks, key);
            }
        }
        self.indices = indices;
        let group = self.intern(group);
        let op = self.intern(op);
        put_u64(&mut self.tasks, group as u64);
        put_u64(&mut self.tasks, op as u64);
        put_u64(&mut self.tasks, deps.len() as u64);
        for d in deps {
            put_i64(&mut self.tasks, i64::from(id.0) - i64::from(d.0));
        }
        if meta.is_empty() {
            put_u64(&mut self.tasks, 0);
        } else {
            self.scratch.clear();
            serde_json::to_writer(&mut self.scratch, meta).expect("JSON values serialize");
            put_u64(&mut self.tasks, self.scratch.len() as u64);
            self.tasks.extend_from_slice(&self.scratch);
        }
    }

    /// Adds an event record.
    pub(crate) fn event(&mut self, e: &TaskEvent) {
        let status = match e.status {
            TaskStatus::Done => 0,
            TaskStatus::Failed => 1,
            TaskStatus::Unfinished => 2,
        };
        let flags = status
            | if e.alloc().is_some() { HAS_ALLOC } else { 0 }
            | if e.peak().is_some() { HAS_PEAK } else { 0 }
            | if e.message().is_some() {
                HAS_MESSAGE
            } else {
                0
            }
            | if e.busy().is_some() { HAS_BUSY } else { 0 }
            | if e.logs().is_empty() { 0 } else { HAS_LOGS };
        let levels: Vec<u32> = match e.logs() {
            [] => Vec::new(),
            logs => logs.iter().map(|l| self.intern(&l.level)).collect(),
        };
        let b = &mut self.events;
        b.push(flags);
        put_i64(b, i64::from(e.task.0) - i64::from(self.prev_task));
        put_u64(b, e.worker as u64);
        put_i64(b, e.start.wrapping_sub(self.prev_start) as i64);
        put_u64(b, e.end.wrapping_sub(e.start));
        put_u64(b, e.bytes);
        if let Some(v) = e.alloc() {
            put_u64(b, v);
        }
        if let Some(v) = e.peak() {
            put_u64(b, v);
        }
        if let Some(m) = &e.message() {
            put_str(b, m);
        }
        if let Some(busy) = e.busy() {
            put_u64(b, busy);
        }
        if !e.logs().is_empty() {
            put_u64(b, e.logs().len() as u64);
            for (line, level) in e.logs().iter().zip(levels) {
                put_i64(b, line.t.wrapping_sub(e.start) as i64);
                put_u64(b, level as u64);
                put_str(b, &line.message);
            }
        }
        self.prev_task = e.task.0;
        self.prev_start = e.start;
    }

    /// Adds a resource sample.
    pub(crate) fn sample(&mut self, s: &Sample) {
        let flags =
            if s.rss.is_some() { HAS_RSS } else { 0 } | if s.cpu.is_some() { HAS_CPU } else { 0 };
        let b = &mut self.samples;
        b.push(flags);
        put_i64(b, s.t.wrapping_sub(self.prev_t) as i64);
        for v in [s.rss, s.cpu].into_iter().flatten() {
            put_u64(b, v);
        }
        put_u64(b, s.held);
        self.prev_t = s.t;
    }

    /// Adds the task records of a whole graph, writing blocks as buffers fill.
    pub(crate) fn graph(&mut self, out: &mut dyn Write, graph: &TaskGraph) -> io::Result<()> {
        for (id, t) in graph.tasks() {
            self.task(id, t.key(), t.group(), t.op(), t.deps(), t.meta());
            self.spill(out)?;
        }
        Ok(())
    }

    /// Adds event records, writing blocks as buffers fill.
    pub(crate) fn events(&mut self, out: &mut dyn Write, events: &[TaskEvent]) -> io::Result<()> {
        for e in events {
            self.event(e);
            self.spill(out)?;
        }
        Ok(())
    }

    /// Writes the records gathered as blocks when a buffer is full enough.
    #[inline]
    pub(crate) fn spill(&mut self, out: &mut dyn Write) -> io::Result<()> {
        let full = self.tasks.len() >= TARGET_BLOCK
            || self.events.len() >= TARGET_BLOCK
            || self.samples.len() >= TARGET_BLOCK;
        if full {
            self.write_blocks(out)?;
        }
        Ok(())
    }

    /// Writes every record gathered so far as blocks: new strings, then tasks, events
    /// and samples.
    pub(crate) fn write_blocks(&mut self, out: &mut dyn Write) -> io::Result<()> {
        for (kind, buf) in [
            (BlockKind::Strings, &mut self.new_strings),
            (BlockKind::Tasks, &mut self.tasks),
            (BlockKind::Events, &mut self.events),
            (BlockKind::Samples, &mut self.samples),
        ] {
            if !buf.is_empty() {
                write_block(out, kind, buf, &mut self.scratch)?;
                buf.clear();
            }
        }
        (self.prev_task, self.prev_start, self.prev_t) = (0, 0, 0);
        Ok(())
    }

    /// Writes what is left, then the end block.
    pub(crate) fn finish(&mut self, out: &mut dyn Write, end: &EndRecord) -> io::Result<()> {
        self.write_blocks(out)?;
        let json = serde_json::to_vec(end).map_err(io::Error::other)?;
        write_block(out, BlockKind::End, &json, &mut self.scratch)
    }
}

/// Writes one block: kind, codec, lengths, checksum, payload. The payload is LZ4
/// compressed when that makes it smaller.
fn write_block(
    out: &mut dyn Write,
    kind: BlockKind,
    raw: &[u8],
    scratch: &mut Vec<u8>,
) -> io::Result<()> {
    scratch.clear();
    scratch.resize(lz4_flex::block::get_maximum_output_size(raw.len()), 0);
    let compressed = match raw.len() {
        0..64 => None,
        _ => lz4_flex::block::compress_into(raw, scratch)
            .ok()
            .filter(|&n| n < raw.len()),
    };
    let (codec, payload) = match compressed {
        Some(n) => (LZ4, &scratch[..n]),
        None => (RAW, raw),
    };
    let mut head = Vec::with_capacity(24);
    head.push(kind as u8);
    head.push(codec);
    put_u64(&mut head, raw.len() as u64);
    put_u64(&mut head, payload.len() as u64);
    let mut crc = crc32fast::Hasher::new();
    crc.update(&head);
    crc.update(payload);
    head.extend_from_slice(&crc.finalize().to_le_bytes());
    out.write_all(&head)?;
    out.write_all(payload)
}
