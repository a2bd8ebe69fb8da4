//! Inputs that declare or imply huge counts get a clear error, or are read with memory
//! in proportion to the file: a 10^9-task end record, a task id of 10^9, a node ID of a
//! megabyte, JSON and subgraphs nested 10^5 deep, subgraph edges that multiply.
//!
//! One test in its own binary, with the counting allocator installed, so that the
//! memory it measures is the reader's alone.

use taskscope_fuzz::runner::peak_bytes;
use taskscope_fuzz::{CountingAlloc, Target};

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

const HEADER: &str = "{\"type\":\"header\",\"format\":\"taskscope\",\"version\":1,\"tool\":\"t\",\"clock\":\"ns\"}\n";

fn trace(lines: &[&str]) -> Vec<u8> {
    let mut s = HEADER.to_string();
    for l in lines {
        s.push_str(l);
        s.push('\n');
    }
    s.into_bytes()
}

/// A compact file: its signature, a header block, then `blocks` of (kind, payload),
/// stored uncompressed with right checksums; `claim` overrides a block's lengths.
fn compact(blocks: &[(u8, &[u8])], claim: Option<u64>) -> Vec<u8> {
    fn varint(out: &mut Vec<u8>, mut v: u64) {
        while v >= 0x80 {
            out.push(v as u8 | 0x80);
            v >>= 7;
        }
        out.push(v as u8);
    }
    let header = HEADER.trim_end().replace("\"type\":\"header\",", "");
    let mut out = b"\x89TSCOPE\n\x01".to_vec();
    for (i, (kind, payload)) in [(1, header.as_bytes())].iter().chain(blocks).enumerate() {
        let len = claim.filter(|_| i > 0).unwrap_or(payload.len() as u64);
        let mut head = vec![*kind, 0];
        varint(&mut head, len);
        varint(&mut head, len);
        let mut crc = crc32fast::Hasher::new();
        crc.update(&head);
        crc.update(payload);
        out.extend_from_slice(&head);
        out.extend_from_slice(&crc.finalize().to_le_bytes());
        out.extend_from_slice(payload);
    }
    out
}

fn repeat(parts: &[&str]) -> Vec<u8> {
    parts.concat().into_bytes()
}

/// Each input, the target, and a piece of the outcome expected (a data table).
fn cases() -> Vec<(&'static str, Target, Vec<u8>, &'static str)> {
    let deep = 100_000;
    let mega = "x".repeat(1 << 20);
    let wide: String = (0..2000).map(|i| format!("a{i} ")).collect();
    let wide_b: String = (0..2000).map(|i| format!("b{i} ")).collect();
    vec![
        (
            "an end record that says 10^9 tasks",
            Target::Trace,
            trace(&[
                r#"{"type":"task","id":0,"key":"a"}"#,
                r#"{"type":"end","tasks":1000000000,"edges":1000000000,"events":1000000000}"#,
            ]),
            "says 1000000000, but the file has 1",
        ),
        (
            "a task id of 10^9",
            Target::Trace,
            trace(&[r#"{"type":"task","id":1000000000,"key":"a"}"#]),
            "expected 0",
        ),
        (
            "a dependency on task 2^32 - 1",
            Target::Trace,
            trace(&[r#"{"type":"task","id":0,"key":"a","deps":[4294967295]}"#]),
            "not in the file",
        ),
        (
            "an event of task 2^32 - 1",
            Target::Trace,
            trace(&[
                r#"{"type":"task","id":0,"key":"a"}"#,
                r#"{"type":"event","task":4294967295,"worker":4294967295,"start":0,"end":1,"status":"done"}"#,
            ]),
            "not in the file",
        ),
        (
            "JSON nested 10^5 deep in a trace line",
            Target::Trace,
            trace(&[&format!(
                "{{\"type\":\"task\",\"id\":0,\"key\":\"a\",\"meta\":{}",
                "{\"a\":".repeat(deep)
            )]),
            "recursion limit",
        ),
        (
            "a key of 10 MB",
            Target::Trace,
            trace(&[&format!(
                r#"{{"type":"task","id":0,"key":"{}"}}"#,
                "k".repeat(10 << 20)
            )]),
            "ok",
        ),
        (
            "a compact block claiming 2^40 bytes",
            Target::Compact,
            compact(&[(3, b"x")], Some(1 << 40)),
            "says 1099511627776 bytes; a block holds at most",
        ),
        (
            "a compact task declaring 10^12 dependencies",
            Target::Compact,
            compact(
                &[
                    (2, b"\x01g"),
                    (
                        3,
                        b"\x00\x01k\x00\x00\x80\x80\x80\x80\x80\x80\x80\x80\x80\x01",
                    ),
                ],
                None,
            ),
            "field `deps`: says",
        ),
        (
            "a compact end block that says 10^12 tasks",
            Target::Compact,
            compact(&[(6, br#"{"tasks":1000000000000,"edges":0}"#)], None),
            "says 1000000000000, but the file has 0",
        ),
        (
            "a compact strings block of 10^6 empty strings",
            Target::Compact,
            compact(&[(2, &[0u8; 1 << 20])], None),
            "ok",
        ),
        (
            "a DOT node ID of a megabyte",
            Target::Dot,
            repeat(&["digraph { ", &mega, " -> b }"]),
            "ok",
        ),
        (
            "a quoted DOT node ID of a megabyte",
            Target::Dot,
            repeat(&["digraph { \"", &mega, "\" -> b }"]),
            "ok",
        ),
        (
            "DOT subgraphs nested 10^5 deep",
            Target::Dot,
            repeat(&["digraph { ", &"subgraph { ".repeat(deep)]),
            "nested more than",
        ),
        (
            "DOT braces nested 10^5 deep",
            Target::Dot,
            repeat(&["digraph { ", &"{".repeat(deep)]),
            "nested more than",
        ),
        (
            "DOT HTML strings nested 10^5 deep",
            Target::Dot,
            repeat(&[
                "digraph { a [label=",
                &"<".repeat(deep),
                &">".repeat(deep),
                "] }",
            ]),
            "ok",
        ),
        (
            // A million edges from 10 kB took 37 MB before the edge budget was cut
            // from a million plus one per byte to 65,536 plus four per byte.
            "DOT subgraph edges that multiply to a million",
            Target::Dot,
            repeat(&[
                "digraph { {",
                &wide[..4890],
                "} -> {",
                &wide_b[..4890],
                "} }",
            ]),
            "too many edges",
        ),
        (
            "DOT subgraph edges that multiply to 4 million",
            Target::Dot,
            repeat(&["digraph { {", &wide, "} -> {", &wide_b, "} }"]),
            "too many edges",
        ),
        (
            "Chrome JSON nested 10^5 deep",
            Target::Chrome,
            repeat(&["[", &"[".repeat(deep), &"]".repeat(deep), "]"]),
            "must be a JSON object",
        ),
        (
            // A cut-off array keeps the events before the cut: here, none.
            "Chrome JSON nested 10^5 deep and cut off",
            Target::Chrome,
            repeat(&["[", &"[".repeat(deep)]),
            "truncated=true",
        ),
        (
            "Chrome args nested 10^5 deep",
            Target::Chrome,
            repeat(&[
                r#"{"traceEvents":[{"ph":"X","name":"a","ts":0,"dur":1,"pid":1,"tid":1,"args":"#,
                &"{\"a\":".repeat(deep),
                "1",
                &"}".repeat(deep),
                "}]}",
            ]),
            "recursion limit",
        ),
        (
            "Chrome numbers past every integer type",
            Target::Chrome,
            repeat(&[
                r#"[{"ph":"X","name":"a","ts":1e308,"dur":1e308,"pid":18446744073709551616,"tid":-1e308},"#,
                r#"{"ph":"B","name":"b","ts":-1e308,"pid":1,"tid":1},"#,
                r#"{"ph":"E","ts":1e308,"pid":1,"tid":1}]"#,
            ]),
            "",
        ),
        (
            "10^5 Chrome slices begun and never ended",
            Target::Chrome,
            repeat(&[
                "[",
                &r#"{"ph":"B","name":"b","ts":1,"pid":1,"tid":1},"#.repeat(deep),
                "]",
            ]),
            "",
        ),
        (
            "a budget of a megabyte",
            Target::Budget,
            repeat(&["tasks=+", &"9".repeat(1 << 20), "%"]),
            "",
        ),
        (
            "the kind of a file of 10^5 comment openers",
            Target::Input,
            repeat(&[&"/*".repeat(deep), "digraph { a }"]),
            "",
        ),
    ]
}

#[test]
fn huge_counts_are_errors_or_read_in_proportion_to_the_file() {
    for (what, target, data, expected) in cases() {
        let (outcome, peak) = peak_bytes(|| target.run(&data));
        assert!(
            outcome.contains(expected),
            "{what}: expected {expected:?} in {outcome:?}"
        );
        let limit = 32 * data.len() + (16 << 20);
        assert!(
            peak <= limit,
            "{what}: {peak} bytes at the peak for an input of {} bytes",
            data.len()
        );
    }
}
