//! Reading the compact format: blocks checked one at a time (lengths within bounds,
//! checksum, decompression), their records decoded and handed to the same [`Reader`]
//! that reads JSONL, so both formats are checked by the same rules and their errors
//! name the file, the block and the field.

use std::io::{self, BufRead, Read};

use super::codec::{Bytes, FieldError};
use super::keys;
use super::write::{HAS_ALLOC, HAS_BUSY, HAS_CPU, HAS_LOGS, HAS_MESSAGE, HAS_PEAK, HAS_RSS};
use super::{BlockKind, LZ4, MAGIC, MAX_BLOCK, RAW};
use crate::graph::Meta;
use crate::trace::error::{ReadError, ReadErrorKind};
use crate::trace::read::{At, Places, Reader, Unit, check_event, io_error};
use crate::trace::records::{EventRecord, Record, TaskParts};
use crate::trace::{LogLine, Sample, TaskEvent, TaskStatus, Trace};

/// Reads a compact file from `input`; `source` names it in errors.
///
/// In a large file, event blocks are decoded and checked on a second thread while
/// this one reads the blocks and decodes the tasks (at 10^7 tasks, a quarter of
/// reading was the events). Errors are still the first in the file: of an error here
/// and one there, the one in the earlier block.
pub(crate) fn parse(input: impl BufRead, source: &str) -> Result<Trace, ReadError> {
    let mut reader = Reader::new(source, Unit::Block);
    let mut blocks = Blocks {
        input,
        number: 0,
        offset: 0,
        stored: Vec::new(),
        raw: Vec::new(),
    };
    blocks.signature(source)?;
    let at = reader.at;
    std::thread::scope(|scope| {
        let mut events = Events::Here(EventDecoder::new(at));
        let read = read_blocks(&mut reader, &mut blocks, &mut events, scope);
        let failed_at = blocks.number;
        let decoded = events.finish();
        match (read, decoded) {
            (Err(e), Err((block, first))) => Err(if block < failed_at { first } else { e }),
            (Err(e), Ok(_)) => Err(e),
            (Ok(()), Err((_, first))) => Err(first),
            (Ok(()), Ok(d)) => {
                reader.add_events(d.events, d.places);
                reader.finish()
            }
        }
    })
}

/// The blocks of a file, each decoded and handed to `reader` (the events to `events`).
fn read_blocks<'scope, 'env, R: BufRead>(
    reader: &mut Reader<'env>,
    blocks: &mut Blocks<R>,
    events: &mut Events<'scope, 'env>,
    scope: &'scope std::thread::Scope<'scope, 'env>,
) -> Result<(), ReadError> {
    let mut strings: Vec<Box<str>> = Vec::new();
    let mut scratch = TaskScratch::default();
    loop {
        let kind = match blocks.next(reader)? {
            Next::End => return Ok(()),
            Next::Cut => {
                reader.truncated = true;
                return Ok(());
            }
            Next::Block(kind) => kind,
        };
        let block = blocks.number;
        let at = reader.at;
        let located = |(field, message): FieldError| {
            at.error(ReadErrorKind::Field, block, Some(field), message)
        };
        let mut p = Bytes::new(&blocks.raw);
        match BlockKind::of(kind) {
            Some(BlockKind::Header) => {
                let h = serde_json::from_slice(&blocks.raw)
                    .map_err(|e| located(("header", format!("is not a header record: {e}"))))?;
                reader.record(Record::Header(h), block)?;
            }
            Some(BlockKind::End) => {
                let e = serde_json::from_slice(&blocks.raw)
                    .map_err(|e| located(("end", format!("is not an end record: {e}"))))?;
                reader.record(Record::End(e), block)?;
            }
            Some(BlockKind::Strings) => {
                reader.check_place(block)?;
                let first = strings.len();
                while !p.is_empty() {
                    strings.push(p.str("string").map_err(located)?.into());
                }
                events.strings(&strings[first..]);
            }
            Some(BlockKind::Tasks) => {
                reader.check_place(block)?;
                while !p.is_empty() {
                    let id = reader.tasks_read() as u64;
                    let t = task(&mut p, id, &strings, &mut scratch).map_err(located)?;
                    reader.task(t, block)?;
                }
            }
            Some(BlockKind::Events) => {
                reader.check_place(block)?;
                events.block(block, &mut blocks.raw, scope)?;
            }
            Some(BlockKind::Samples) => {
                let mut t = 0;
                while !p.is_empty() {
                    let s = sample(&mut p, t).map_err(located)?;
                    t = s.t;
                    reader.record(Record::Sample(s), block)?;
                }
            }
            None => reader.record(Record::Unknown, block)?,
        }
    }
}

/// Decodes event blocks and checks their events, as [`Reader::record`] does.
struct EventDecoder<'a> {
    at: At<'a>,
    /// The file's strings so far (events name log levels by string id).
    strings: Vec<Box<str>>,
    events: Vec<TaskEvent>,
    places: Places,
    /// Bytes of event blocks decoded on the reading thread.
    bytes: usize,
}

impl<'a> EventDecoder<'a> {
    fn new(at: At<'a>) -> Self {
        EventDecoder {
            at,
            strings: Vec::new(),
            events: Vec::new(),
            places: Places::default(),
            bytes: 0,
        }
    }

    fn block(&mut self, raw: &[u8], block: usize) -> Result<(), ReadError> {
        let at = self.at;
        let located = |(field, message): FieldError| {
            at.error(ReadErrorKind::Field, block, Some(field), message)
        };
        let mut p = Bytes::new(raw);
        let (mut task, mut start) = (0, 0);
        while !p.is_empty() {
            let e = event(&mut p, task, start, &self.strings).map_err(located)?;
            (task, start) = (e.task, e.start);
            self.events.push(check_event(e, block, &at)?);
            self.places.push(block);
        }
        Ok(())
    }
}

/// Event blocks after this many bytes of them go to a thread of their own: a small
/// file's events are decoded here, without a thread to start (the fuzzer reads
/// millions of files).
const THREAD_FROM_BYTES: usize = 4 << 20;

/// Work for the events thread.
enum Work {
    /// Strings of a strings block, in file order with the event blocks.
    Strings(Vec<Box<str>>),
    /// An event block's payload and number.
    Block(usize, Vec<u8>),
}

/// Where event blocks are decoded: here, or on a thread of their own.
enum Events<'scope, 'env> {
    Here(EventDecoder<'env>),
    Thread {
        work: std::sync::mpsc::SyncSender<Work>,
        done: std::thread::ScopedJoinHandle<'scope, Result<EventDecoder<'env>, (usize, ReadError)>>,
    },
    /// Between the two, for a moment.
    Moving,
}

impl<'scope, 'env> Events<'scope, 'env> {
    fn strings(&mut self, new: &[Box<str>]) {
        match self {
            Events::Here(d) => d.strings.extend_from_slice(new),
            Events::Thread { work, .. } => {
                // A thread that stopped has an error to tell; `finish` gets it.
                let _ = work.send(Work::Strings(new.to_vec()));
            }
            Events::Moving => {}
        }
    }

    fn block(
        &mut self,
        block: usize,
        raw: &mut Vec<u8>,
        scope: &'scope std::thread::Scope<'scope, 'env>,
    ) -> Result<(), ReadError> {
        if let Events::Here(d) = self {
            if d.bytes < THREAD_FROM_BYTES {
                d.bytes += raw.len();
                return d.block(raw, block);
            }
            let Events::Here(mut d) = std::mem::replace(self, Events::Moving) else {
                unreachable!("matched above");
            };
            // At most a few blocks wait for the thread: memory stays bounded.
            let (work, inbox) = std::sync::mpsc::sync_channel::<Work>(4);
            let done = scope.spawn(move || {
                let mut failed = None;
                for w in inbox {
                    match w {
                        _ if failed.is_some() => {}
                        Work::Strings(s) => d.strings.extend(s),
                        Work::Block(block, raw) => {
                            if let Err(e) = d.block(&raw, block) {
                                failed = Some((block, e));
                            }
                        }
                    }
                }
                failed.map_or(Ok(d), Err)
            });
            *self = Events::Thread { work, done };
        }
        if let Events::Thread { work, .. } = self {
            let _ = work.send(Work::Block(block, std::mem::take(raw)));
        }
        Ok(())
    }

    /// The decoded events, or the first error among them with its block.
    fn finish(self) -> Result<EventDecoder<'env>, (usize, ReadError)> {
        match self {
            Events::Here(d) => Ok(d),
            Events::Thread { work, done } => {
                drop(work);
                match done.join() {
                    Ok(result) => result,
                    Err(panic) => std::panic::resume_unwind(panic),
                }
            }
            Events::Moving => unreachable!("never left between the two"),
        }
    }
}

/// What the next block of a file is.
enum Next {
    /// A complete, checked block of this kind; its payload is in `Blocks::raw`.
    Block(u8),
    /// The file ends cleanly, between blocks.
    End,
    /// The file ends inside a block: a writer stopped (or is still writing).
    Cut,
}

/// The blocks of a file, read one at a time into buffers that are reused.
struct Blocks<R> {
    input: R,
    /// The block last read, numbered from 1.
    number: usize,
    /// Where in the file the next block starts.
    offset: u64,
    stored: Vec<u8>,
    raw: Vec<u8>,
}

impl<R: BufRead> Blocks<R> {
    /// Reads up to `n` bytes into `buf` (cleared first); whether all `n` were there.
    fn take_into(&mut self, n: u64, buf: &mut Vec<u8>) -> io::Result<bool> {
        buf.clear();
        (&mut self.input).take(n).read_to_end(buf)?;
        Ok(buf.len() as u64 == n)
    }

    /// Reads and checks the signature and the layout version.
    fn signature(&mut self, source: &str) -> Result<(), ReadError> {
        let mut sig = Vec::with_capacity(MAGIC.len());
        self.take_into(MAGIC.len() as u64, &mut sig)
            .map_err(|e| io_error(source, &e))?;
        let format = |message: String| {
            ReadError::new(
                ReadErrorKind::Format,
                source,
                None,
                Some("signature"),
                message,
            )
        };
        if sig.len() < MAGIC.len() {
            return Err(format(format!(
                "the file ends inside its {}-byte signature: it holds {} bytes",
                MAGIC.len(),
                sig.len()
            )));
        }
        if sig[..8] != MAGIC[..8] {
            return Err(format("not a compact taskscope file".to_string()));
        }
        if sig[8] != MAGIC[8] {
            return Err(format(format!(
                "layout version {} is not one this taskscope reads (1); a newer taskscope may read it",
                sig[8]
            )));
        }
        self.offset = MAGIC.len() as u64;
        Ok(())
    }

    /// One byte, or `None` at the end of the file.
    fn byte(&mut self) -> io::Result<Option<u8>> {
        let mut b = [0u8; 1];
        loop {
            match self.input.read(&mut b) {
                Ok(0) => return Ok(None),
                Ok(_) => return Ok(Some(b[0])),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        }
    }

    /// A varint of the block header, its bytes added to `head`; `None` when the file
    /// ends inside it.
    fn varint(&mut self, head: &mut Vec<u8>) -> io::Result<Option<u64>> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let Some(b) = self.byte()? else {
                return Ok(None);
            };
            head.push(b);
            v |= u64::from(b & 0x7f).checked_shl(shift).unwrap_or(0);
            if b & 0x80 == 0 {
                return Ok(Some(v));
            }
        }
        Ok(Some(u64::MAX))
    }

    /// Reads the next block into `raw`, checked.
    fn next(&mut self, reader: &Reader<'_>) -> Result<Next, ReadError> {
        let io = |e: io::Error| io_error(reader.at.source, &e);
        let mut head = Vec::with_capacity(24);
        let Some(kind) = self.byte().map_err(io)? else {
            return Ok(Next::End);
        };
        self.number += 1;
        head.push(kind);
        let Some(codec) = self.byte().map_err(io)? else {
            return Ok(Next::Cut);
        };
        head.push(codec);
        let Some(raw_len) = self.varint(&mut head).map_err(io)? else {
            return Ok(Next::Cut);
        };
        let Some(stored_len) = self.varint(&mut head).map_err(io)? else {
            return Ok(Next::Cut);
        };
        let (at, number) = (self.offset, self.number);
        let error = |field: &str, message: String| {
            reader.at.error(
                ReadErrorKind::Field,
                number,
                Some(field),
                format!("{message} (the block starts at byte {at})"),
            )
        };
        check_lengths(codec, raw_len, stored_len).map_err(|(f, m)| error(f, m))?;
        let mut crc = Vec::with_capacity(4);
        let mut stored = std::mem::take(&mut self.stored);
        let whole = self.take_into(4, &mut crc).map_err(io)?
            && self.take_into(stored_len, &mut stored).map_err(io)?;
        self.stored = stored;
        if !whole {
            return Ok(Next::Cut);
        }
        let mut sum = crc32fast::Hasher::new();
        sum.update(&head);
        sum.update(&self.stored);
        let want = u32::from_le_bytes([crc[0], crc[1], crc[2], crc[3]]);
        let have = sum.finalize();
        if want != have {
            return Err(error(
                "crc32",
                format!(
                    "the block's checksum is {want:08x} but its bytes give {have:08x}: the file is damaged"
                ),
            ));
        }
        self.raw.clear();
        if codec == RAW {
            std::mem::swap(&mut self.raw, &mut self.stored);
        } else {
            self.raw.resize(raw_len as usize, 0);
            match lz4_flex::block::decompress_into(&self.stored, &mut self.raw) {
                Ok(n) if n as u64 == raw_len => {}
                Ok(n) => {
                    return Err(error(
                        "raw_len",
                        format!("says {raw_len} bytes, but the block decompresses to {n}"),
                    ));
                }
                Err(e) => return Err(error("payload", format!("the LZ4 data is damaged: {e}"))),
            }
        }
        self.offset += (head.len() + 4) as u64 + stored_len;
        Ok(Next::Block(kind))
    }
}

/// Checks a block header's lengths before anything is allocated for them.
fn check_lengths(codec: u8, raw_len: u64, stored_len: u64) -> Result<(), FieldError> {
    for (field, len) in [("stored_len", stored_len), ("raw_len", raw_len)] {
        if len > MAX_BLOCK {
            return Err((
                field,
                format!("says {len} bytes; a block holds at most {MAX_BLOCK} bytes"),
            ));
        }
    }
    match codec {
        RAW if raw_len != stored_len => Err((
            "raw_len",
            format!(
                "is {raw_len}, but an uncompressed block's must equal its stored_len {stored_len}"
            ),
        )),
        // LZ4 expands at most about 255 times.
        LZ4 if raw_len > stored_len.saturating_mul(255) + 64 => Err((
            "raw_len",
            format!("says {raw_len} bytes from {stored_len} LZ4 bytes, more than LZ4 expands"),
        )),
        RAW | LZ4 => Ok(()),
        other => Err((
            "codec",
            format!("is {other}; this version knows 0 (none) and 1 (LZ4)"),
        )),
    }
}

/// A string of the file's string table, by its id in the payload.
fn string<'s>(
    p: &mut Bytes<'_>,
    strings: &'s [Box<str>],
    field: &'static str,
) -> Result<&'s str, FieldError> {
    let id = p.u64(field)?;
    strings.get(id as usize).map(|s| &**s).ok_or_else(|| {
        (
            field,
            format!(
                "string id {id} is not in the string table ({} strings so far)",
                strings.len()
            ),
        )
    })
}

/// The task id `from + delta`, checked.
fn relative(from: u64, delta: i64, field: &'static str) -> Result<u32, FieldError> {
    let id = (from as i64).checked_add(delta);
    id.and_then(|id| u32::try_from(id).ok()).ok_or_else(|| {
        (
            field,
            format!("task id {from} + {delta} is not a task id (0 to 4294967295)"),
        )
    })
}

/// Buffers that task decoding reuses from task to task: the key, a tuple key's
/// indices, the dependencies.
#[derive(Default)]
struct TaskScratch {
    key: String,
    indices: Vec<u64>,
    deps: Vec<u32>,
}

/// Decodes task `id`: its key and dependencies into `scratch`, its group and op from
/// the string table.
fn task<'a>(
    p: &mut Bytes<'_>,
    id: u64,
    strings: &'a [Box<str>],
    scratch: &'a mut TaskScratch,
) -> Result<TaskParts<'a>, FieldError> {
    let key = &mut scratch.key;
    key.clear();
    match p.u8("key")? {
        keys::WHOLE => key.push_str(p.str("key")?),
        keys::TUPLE => {
            let name = string(p, strings, "key")?;
            let n = p.count("key")?;
            scratch.indices.clear();
            for _ in 0..n {
                scratch.indices.push(p.u64("key")?);
            }
            crate::key::push_tuple_key(key, name, &scratch.indices);
        }
        keys::NUMBERED => {
            key.push_str(string(p, strings, "key")?);
            key.push_str(itoa::Buffer::new().format(p.u64("key")?));
        }
        other => return Err(("key", format!("kind {other} is not a key kind (0, 1 or 2)"))),
    }
    let group = string(p, strings, "group")?;
    let op = string(p, strings, "op")?;
    let n = p.count("deps")?;
    scratch.deps.clear();
    for _ in 0..n {
        // Written as the task's id minus the dependency's.
        let back = p.i64("deps")?;
        let dep = relative(id, back.checked_neg().unwrap_or(i64::MAX), "deps")?;
        scratch.deps.push(dep);
    }
    let meta = match p.bytes("meta")? {
        [] => Meta::new(),
        json => serde_json::from_slice(json)
            .map_err(|e| ("meta", format!("is not a JSON object: {e}")))?,
    };
    Ok(TaskParts {
        id: id as u32,
        key: &scratch.key,
        group: Some(group),
        op: Some(op),
        deps: &scratch.deps,
        meta,
    })
}

/// A field present when `flag` is set in `flags`.
fn flagged(
    p: &mut Bytes<'_>,
    flags: u8,
    flag: u8,
    field: &'static str,
) -> Result<Option<u64>, FieldError> {
    if flags & flag != 0 {
        p.u64(field).map(Some)
    } else {
        Ok(None)
    }
}

fn event(
    p: &mut Bytes<'_>,
    prev_task: u32,
    prev_start: u64,
    strings: &[Box<str>],
) -> Result<EventRecord, FieldError> {
    let flags = p.u8("status")?;
    let status = match flags & 3 {
        0 => TaskStatus::Done,
        1 => TaskStatus::Failed,
        2 => TaskStatus::Unfinished,
        _ => {
            return Err((
                "status",
                "is 3; this version knows 0 (done), 1 (failed) and 2 (unfinished)".to_string(),
            ));
        }
    };
    if flags & 0x80 != 0 {
        return Err((
            "status",
            format!("flags {flags:#04x} set a bit this version does not know"),
        ));
    }
    let task = relative(u64::from(prev_task), p.i64("task")?, "task")?;
    let worker = p.u32("worker")?;
    let start = prev_start.wrapping_add(p.i64("start")? as u64);
    let end = start.wrapping_add(p.u64("end")?);
    let bytes = p.u64("bytes")?;
    let alloc = flagged(p, flags, HAS_ALLOC, "alloc")?;
    let peak = flagged(p, flags, HAS_PEAK, "peak")?;
    let message = match flags & HAS_MESSAGE {
        0 => None,
        _ => Some(p.str("message")?.to_string()),
    };
    let busy = flagged(p, flags, HAS_BUSY, "busy")?;
    let mut logs = Vec::new();
    if flags & HAS_LOGS != 0 {
        let n = p.count("logs")?;
        logs.reserve(n);
        for _ in 0..n {
            let t = start.wrapping_add(p.i64("logs")? as u64);
            let level = string(p, strings, "logs")?.to_string();
            let message = p.str("logs")?.to_string();
            logs.push(LogLine { t, level, message });
        }
    }
    Ok(EventRecord {
        task,
        worker,
        start,
        end,
        status,
        bytes,
        alloc,
        peak,
        message,
        busy,
        logs,
    })
}

fn sample(p: &mut Bytes<'_>, prev_t: u64) -> Result<Sample, FieldError> {
    let flags = p.u8("sample")?;
    let t = prev_t.wrapping_add(p.i64("t")? as u64);
    let rss = flagged(p, flags, HAS_RSS, "rss")?;
    let cpu = flagged(p, flags, HAS_CPU, "cpu")?;
    let held = p.u64("held")?;
    Ok(Sample { t, rss, cpu, held })
}
