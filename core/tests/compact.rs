//! The compact format (`*.taskscope`): it holds what a JSONL trace holds, byte for
//! byte back; a file cut anywhere reads as truncated with every complete block; damaged
//! and hostile files are clear errors with bounded memory.

use std::io::Cursor;
use std::path::{Path, PathBuf};

use taskscope_core::trace::{
    self, Header, LogLine, RunEnd, RunStatus, Sample, TaskEvent, TaskStatus, Trace, TraceFormat,
    TraceWriter,
};
use taskscope_core::{GraphBuilder, Meta, TaskId, TaskSpec};

fn repo(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(name)
}

fn bytes_as(t: &Trace, format: TraceFormat) -> Vec<u8> {
    let mut out = Vec::new();
    trace::write_trace_as(&mut out, t, format).unwrap();
    out
}

/// A trace with every optional field: meta, messages, busy, logs, alloc, samples
/// without rss or cpu, keys of every kind, a dependency on a later task.
fn everything() -> Trace {
    let mut b = GraphBuilder::new();
    let mut spec = TaskSpec::new("('mean_chunk-1f2e', 3, 4)", "mean_chunk").dep("inc-12");
    spec.meta
        .insert("shape".into(), serde_json::json!([100, 100]));
    b.add(spec);
    b.add(TaskSpec::new("inc-12", "inc"));
    b.add(TaskSpec::new("('x',)", "x").dep("inc-12"));
    b.add(TaskSpec::new("weird \"key\"\n\u{202e}", "odd").group("other"));
    // An empty group and op: the string table's empty string.
    b.add(TaskSpec::new("blank", "").group(""));
    let graph = b.build().unwrap();
    let mut events = Vec::new();
    for (i, status) in [
        TaskStatus::Done,
        TaskStatus::Failed,
        TaskStatus::Unfinished,
        TaskStatus::Done,
    ]
    .into_iter()
    .enumerate()
    {
        let mut e = TaskEvent::new(
            TaskId(3 - i as u32),
            i as u32 % 2,
            1000 - 10 * i as u64,
            5000,
            status,
        );
        e.bytes = 8 << i;
        if i == 1 {
            e.extra_mut().message = Some("ZeroDivisionError: division by zero".into());
            e.extra_mut().alloc = Some(123);
            e.extra_mut().peak = Some(u64::MAX);
        }
        if i == 3 {
            e.extra_mut().busy = Some(17);
            e.extra_mut().logs = vec![
                LogLine {
                    t: 900,
                    level: "WARN".into(),
                    message: "before the start".into(),
                },
                LogLine {
                    t: 4000,
                    level: "INFO".into(),
                    message: "rows=3".into(),
                },
            ];
        }
        events.push(e);
    }
    let mut header = Header::new(Some("everything"));
    header.run = Some(Default::default());
    Trace {
        header,
        graph,
        events,
        samples: vec![
            Sample {
                t: 10,
                rss: Some(1 << 30),
                cpu: None,
                held: 8,
            },
            Sample {
                t: 5,
                rss: None,
                cpu: Some(7),
                held: 0,
            },
        ],
        end: Some(RunEnd {
            status: RunStatus::Failed,
            wall: 6000,
            error: Some("a task failed".into()),
        }),
        truncated: false,
        unknown_records: 0,
    }
}

#[test]
fn every_field_goes_through_the_compact_format_and_back() {
    let files = [
        repo("tests/fixtures/v1/run.trace.jsonl"),
        repo("tests/fixtures/v1/pipeline.trace.jsonl"),
        repo("samples/norm.trace.jsonl"),
        repo("samples/delayed.trace.jsonl"),
    ];
    let mut traces: Vec<Trace> = files.iter().map(|f| trace::read(f).unwrap()).collect();
    traces.push(everything());
    for t in &traces {
        let jsonl = bytes_as(t, TraceFormat::Jsonl);
        let compact = bytes_as(t, TraceFormat::Compact);
        assert!(compact.starts_with(b"\x89TSCOPE\n\x01"));
        let back = trace::parse(Cursor::new(&compact), "c.taskscope").unwrap();
        assert!(!back.truncated);
        assert_eq!(back.header, t.header);
        assert_eq!(back.events, t.events);
        assert_eq!(back.samples, t.samples);
        assert_eq!(back.end, t.end);
        for ((_, a), (_, b)) in back.graph.tasks().zip(t.graph.tasks()) {
            assert_eq!(a, b);
        }
        // Byte for byte: the JSONL of what was read back is the JSONL of the original.
        assert_eq!(bytes_as(&back, TraceFormat::Jsonl), jsonl);
        // And the compact writer is deterministic.
        assert_eq!(bytes_as(&back, TraceFormat::Compact), compact);
    }
    let norm = &traces[2];
    let (j, c) = (
        bytes_as(norm, TraceFormat::Jsonl).len(),
        bytes_as(norm, TraceFormat::Compact).len(),
    );
    assert!(c * 5 < j, "compact {c} bytes, JSONL {j}");
}

/// A run written as it goes, flushed after every few events: many blocks.
fn streamed(path: &Path) -> (Vec<u8>, Trace) {
    let t = trace::read(&repo("samples/norm.trace.jsonl")).unwrap();
    let mut w = TraceWriter::new(Vec::new(), path, &t.header).unwrap();
    w.tasks(&t.graph).unwrap();
    for (i, e) in t.events.iter().enumerate() {
        w.event(e).unwrap();
        if i % 37 == 0 {
            w.sample(&Sample {
                t: e.end,
                rss: Some(i as u64),
                cpu: None,
                held: 0,
            })
            .unwrap();
            w.flush().unwrap();
        }
    }
    let end = t.end.clone().unwrap_or(RunEnd {
        status: RunStatus::Ok,
        wall: 1,
        error: None,
    });
    (w.finish(&end).unwrap(), t)
}

/// The offsets where the blocks of a compact file end, from its framing alone.
fn block_ends(file: &[u8]) -> Vec<usize> {
    fn varint(file: &[u8], at: &mut usize) -> Option<u64> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let b = *file.get(*at)?;
            *at += 1;
            v |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Some(v);
            }
        }
        None
    }
    let (mut at, mut ends) = (9, Vec::new());
    while at < file.len() {
        let mut p = at + 2;
        let Some(_raw) = varint(file, &mut p) else {
            break;
        };
        let Some(stored) = varint(file, &mut p) else {
            break;
        };
        let end = p + 4 + stored as usize;
        if end > file.len() {
            break;
        }
        ends.push(end);
        at = end;
    }
    ends
}

#[test]
fn a_file_cut_anywhere_reads_every_complete_block() {
    let (file, full) = streamed(Path::new("run.taskscope"));
    let ends = block_ends(&file);
    assert_eq!(*ends.last().unwrap(), file.len());
    assert!(ends.len() > 30, "{} blocks", ends.len());
    let mut last_events = 0;
    for cut in (9..file.len()).step_by(7).chain([file.len() - 1]) {
        let whole_blocks = ends.iter().rev().find(|&&e| e <= cut).copied();
        let read = trace::parse(Cursor::new(&file[..cut]), "cut.taskscope");
        let Some(whole) = whole_blocks else {
            // Inside the header block: not yet a file.
            let e = read.unwrap_err().to_string();
            assert!(
                e.starts_with("cut.taskscope: the file ends before its header block is complete"),
                "{e}"
            );
            continue;
        };
        let t = read.unwrap_or_else(|e| panic!("cut at {cut}: {e}"));
        assert!(t.truncated, "cut at {cut}");
        // Exactly what the complete blocks hold: the same as the file cut after them.
        let blocks = trace::parse(Cursor::new(&file[..whole]), "blocks").unwrap();
        assert_eq!(t.events, blocks.events, "cut at {cut}");
        assert_eq!(t.graph.len(), blocks.graph.len());
        assert_eq!(t.events[..], full.events[..t.events.len()]);
        assert!(t.events.len() >= last_events);
        last_events = t.events.len();
    }
    assert_eq!(last_events, full.events.len());
}

/// A block header with the given kind, codec and lengths, checksummed, then `payload`.
fn block(kind: u8, codec: u8, raw: u64, stored: u64, payload: &[u8]) -> Vec<u8> {
    let mut head = vec![kind, codec];
    for mut v in [raw, stored] {
        while v >= 0x80 {
            head.push(v as u8 | 0x80);
            v >>= 7;
        }
        head.push(v as u8);
    }
    let mut crc = crc32fast::Hasher::new();
    crc.update(&head);
    crc.update(payload);
    head.extend_from_slice(&crc.finalize().to_le_bytes());
    head.extend_from_slice(payload);
    head
}

fn header_file() -> Vec<u8> {
    let mut f = b"\x89TSCOPE\n\x01".to_vec();
    let h = serde_json::to_vec(&Header::new(Some("h"))).unwrap();
    f.extend(block(1, 0, h.len() as u64, h.len() as u64, &h));
    f
}

fn error_of(file: &[u8]) -> String {
    trace::parse(Cursor::new(file), "bad.taskscope")
        .unwrap_err()
        .to_string()
}

#[test]
fn hostile_and_damaged_files_are_clear_errors() {
    // A block claiming 2^40 bytes.
    let mut f = header_file();
    f.extend(block(3, 0, 1 << 40, 1 << 40, b"x"));
    let e = error_of(&f);
    assert!(
        e.starts_with("bad.taskscope: block 2: field `stored_len`: says 1099511627776 bytes"),
        "{e}"
    );
    // A task block declaring 10^12 dependencies.
    let mut payload = vec![0u8, 1, b'k', 0, 0];
    let mut n = 1_000_000_000_000u64;
    while n >= 0x80 {
        payload.push(n as u8 | 0x80);
        n >>= 7;
    }
    payload.push(n as u8);
    let mut f = header_file();
    f.extend(block(2, 0, 2, 2, &[1, b'g']));
    f.extend(block(
        3,
        0,
        payload.len() as u64,
        payload.len() as u64,
        &payload,
    ));
    let e = error_of(&f);
    assert!(
        e.contains("block 3: field `deps`: says 1000000000000 items"),
        "{e}"
    );
    // A string id that is not in the table.
    let mut f = header_file();
    f.extend(block(3, 0, 5, 5, &[1, 9, 0, 0, 0]));
    assert!(error_of(&f).contains("block 2: field `key`: string id 9 is not in the string table"));
    // A damaged byte.
    let mut f = header_file();
    f.extend(block(2, 0, 2, 2, &[1, b'g']));
    let n = f.len();
    f[n - 1] ^= 0x20;
    assert!(
        error_of(&f).contains("block 2: field `crc32`"),
        "{}",
        error_of(&f)
    );
    // LZ4 that decompresses to less than it says.
    let mut f = header_file();
    f.extend(block(2, 1, 100, 3, &[0x10, b'a', 0]));
    assert!(
        error_of(&f).contains("block 2: field `"),
        "{}",
        error_of(&f)
    );
    // No header first; a newer layout.
    let mut f = b"\x89TSCOPE\n\x01".to_vec();
    f.extend(block(2, 0, 2, 2, &[1, b'g']));
    assert!(error_of(&f).contains("block 1: the first block must be the header block"));
    assert!(error_of(b"\x89TSCOPE\n\x02").contains("layout version 2"));
    assert!(error_of(b"\x89TSC").contains("ends inside its 9-byte signature"));
}

#[test]
fn the_writer_follows_the_name() {
    let dir = tempfile::tempdir().unwrap();
    let g = everything().graph;
    for (name, compact) in [
        ("g.taskscope", true),
        ("g.TASKSCOPE", true),
        ("g.trace.jsonl", false),
        ("g", false),
    ] {
        let p = dir.path().join(name);
        trace::save_graph(&p, &g, None).unwrap();
        let bytes = std::fs::read(&p).unwrap();
        assert_eq!(TraceFormat::is_compact(&bytes), compact, "{name}");
        assert_eq!(trace::read(&p).unwrap().graph.len(), 5);
    }
    let meta = Meta::new();
    let mut w =
        TraceWriter::create(&dir.path().join("live.taskscope"), &Header::new(None)).unwrap();
    let a = w.task("a", "a", "a", &[], &meta).unwrap();
    w.task("b", "b", "b", &[a, a], &meta).unwrap();
    w.flush().unwrap();
    let t = trace::read(&dir.path().join("live.taskscope")).unwrap();
    assert!(t.truncated);
    assert_eq!((t.graph.len(), t.graph.edge_count()), (2, 1));
}

/// The v1 fixture: a file of this layout version stays readable, and the writer still
/// writes it byte for byte (re-make it, after a deliberate change of the layout, with
/// `taskscope convert tests/fixtures/v1/run.trace.jsonl -o tests/fixtures/v1/run.taskscope`).
#[test]
fn the_v1_fixture_reads_as_its_jsonl_and_is_written_the_same() {
    let jsonl = trace::read(&repo("tests/fixtures/v1/run.trace.jsonl")).unwrap();
    let fixture = std::fs::read(repo("tests/fixtures/v1/run.taskscope")).unwrap();
    let compact = trace::parse(Cursor::new(&fixture), "run.taskscope").unwrap();
    assert_eq!(
        bytes_as(&compact, TraceFormat::Jsonl),
        bytes_as(&jsonl, TraceFormat::Jsonl)
    );
    assert_eq!(bytes_as(&jsonl, TraceFormat::Compact), fixture);
}

/// A file of one task and `blocks` event blocks of `per_block` events each (events
/// 1 ns long, one after another), without an end record; `bad` blocks (numbered in
/// the file) hold an event with status 3.
fn many_events(blocks: usize, per_block: usize, bad: &[usize]) -> Vec<u8> {
    let mut f = header_file();
    f.extend(block(2, 0, 2, 2, &[1, b'g']));
    let task = [0, 1, b'k', 0, 0, 0, 0];
    f.extend(block(3, 0, 7, 7, &task));
    for b in 0..blocks {
        // flags, task delta, worker, start delta (+1, zigzag), duration, bytes
        let mut payload = [0u8, 0, 0, 2, 1, 0].repeat(per_block);
        if bad.contains(&(4 + b)) {
            payload[6 * (per_block / 2)] = 3;
        }
        let n = payload.len() as u64;
        f.extend(block(4, 0, n, n, &payload));
    }
    f
}

#[test]
fn a_large_files_events_read_as_a_small_files_do() {
    // 7 blocks of 1.2 MB: the first ones are decoded as they are read, the later
    // ones on the events thread.
    let (blocks, per_block) = (7, 200_000);
    let t = trace::parse(Cursor::new(many_events(blocks, per_block, &[])), "big").unwrap();
    assert!(t.truncated);
    assert_eq!(t.events.len(), blocks * per_block);
    for (i, e) in t.events.iter().enumerate() {
        let start = (i % per_block) as u64 + 1;
        assert_eq!(
            (e.task.0, e.start, e.end),
            (0, start, start + 1),
            "event {i}"
        );
    }
    // An error in a block decoded on the thread names its block, whether the reading
    // thread then finishes the file or stops at a later error of its own.
    let e = error_of(&many_events(blocks, per_block, &[9]));
    assert!(
        e.starts_with("bad.taskscope: block 9: field `status`: is 3"),
        "{e}"
    );
    let mut f = many_events(blocks, per_block, &[9]);
    f.extend(block(3, 0, 5, 5, &[1, 9, 0, 0, 0]));
    let e = error_of(&f);
    assert!(
        e.starts_with("bad.taskscope: block 9: field `status`"),
        "{e}"
    );
    // ...and an error in an early block, decoded as read, names that block.
    let e = error_of(&many_events(blocks, per_block, &[5]));
    assert!(
        e.starts_with("bad.taskscope: block 5: field `status`"),
        "{e}"
    );
    // A later block's error on the reading thread comes first when the events are
    // fine.
    let mut f = many_events(blocks, per_block, &[]);
    f.extend(block(3, 0, 5, 5, &[1, 9, 0, 0, 0]));
    let e = error_of(&f);
    assert!(e.contains("block 11: field `key`"), "{e}");
}

#[test]
fn a_large_files_tasks_read_as_a_small_files_do() {
    // Enough task blocks that the later ones are decoded on the decoding thread, with
    // keys of every kind, metadata, and dependencies backwards, forwards and across
    // blocks.
    let n = 400_000u32;
    let mut b = GraphBuilder::new();
    for i in 0..n {
        let key = match i % 3 {
            0 => format!("('chunk-{}', {i}, {})", i % 5, i % 7),
            1 => format!("inc-{i}"),
            _ => format!("task {i} of {n}"),
        };
        let mut deps = vec![TaskId(i / 2)];
        if i % 10 == 0 && i >= 10 && i + 3 < n {
            deps.push(TaskId(i + 3));
        }
        deps.retain(|d| d.0 != i);
        let mut meta = Meta::new();
        if i % 1000 == 0 {
            meta.insert("i".into(), serde_json::json!(i));
        }
        let group = format!("g{}", i % 11);
        b.add_parts(
            &key,
            &group,
            if i % 2 == 0 { "even" } else { "odd" },
            &deps,
            meta,
        );
    }
    let mut t = Trace::of_graph(b.build().unwrap(), Some("big"));
    t.truncated = false;
    let file = bytes_as(&t, TraceFormat::Compact);
    // More than the 4 MiB of task blocks read before the decoding thread starts.
    assert!(file.len() > 4 << 20, "{} bytes", file.len());
    let back = trace::parse(Cursor::new(&file), "big.taskscope").unwrap();
    assert_eq!(back.graph.len(), t.graph.len());
    for (id, task) in t.graph.tasks() {
        let other = back.graph.task(id);
        assert_eq!(
            (
                task.key(),
                task.group(),
                task.op(),
                task.deps(),
                task.meta()
            ),
            (
                other.key(),
                other.group(),
                other.op(),
                other.deps(),
                other.meta()
            ),
            "task {id:?}"
        );
    }
    // The same bytes back, as for any file.
    assert_eq!(bytes_as(&back, TraceFormat::Compact), file);
}

/// A file of `blocks` task blocks of `per_block` tasks (`k0`, `k1`, ...; each
/// depending on the one before), without an end; `bad` blocks (numbered in the file)
/// hold a task whose group is a string id not in the table.
fn many_tasks(blocks: usize, per_block: usize, bad: &[usize]) -> Vec<u8> {
    let mut f = header_file();
    f.extend(block(2, 0, 2, 2, &[1, b'g']));
    for b in 0..blocks {
        let mut payload = Vec::new();
        for j in 0..per_block {
            let key = format!("k{}", b * per_block + j);
            payload.extend([0, key.len() as u8]);
            payload.extend(key.as_bytes());
            let group = if bad.contains(&(3 + b)) && j == per_block / 2 {
                9
            } else {
                0
            };
            let first = b == 0 && j == 0;
            // group, op, deps (none for the first; else one, 1 back, zigzag 2), meta
            payload.extend([group, 0]);
            payload.extend(if first { vec![0] } else { vec![1, 2] });
            payload.push(0);
        }
        let n = payload.len() as u64;
        f.extend(block(3, 0, n, n, &payload));
    }
    f
}

#[test]
fn errors_in_task_blocks_decoded_apart_name_their_block() {
    let (blocks, per_block) = (7, 100_000);
    let t = trace::parse(Cursor::new(many_tasks(blocks, per_block, &[])), "big").unwrap();
    assert_eq!(t.graph.len(), blocks * per_block);
    assert_eq!(t.graph.depth(), blocks * per_block);
    let last = TaskId((blocks * per_block - 1) as u32);
    assert_eq!(t.graph.task(last).key(), format!("k{}", last.0));
    // A bad task in a late block (decoded on the thread), and the same with an error
    // after it that this thread finds first: the earlier block is named.
    let e = error_of(&many_tasks(blocks, per_block, &[8]));
    assert!(
        e.starts_with(
            "bad.taskscope: block 8: field `group`: string id 9 is not in the string table"
        ),
        "{e}"
    );
    let mut f = many_tasks(blocks, per_block, &[8]);
    f.extend(block(6, 0, 1, 1, b"{"));
    let e = error_of(&f);
    assert!(
        e.starts_with("bad.taskscope: block 8: field `group`"),
        "{e}"
    );
    // An early block, decoded as read.
    let e = error_of(&many_tasks(blocks, per_block, &[4]));
    assert!(
        e.starts_with("bad.taskscope: block 4: field `group`"),
        "{e}"
    );
}
