//! The readers under test, one [`Target`] each, and what an input's outcome was.

use taskscope_analysis::budget::Budget;
use taskscope_analysis::stats::Stats;
use taskscope_core::trace::{ReadError, Trace};
use taskscope_interop::dot::{DotReadOptions, parse_dot};
use taskscope_interop::input::{self, LoadOptions};

/// One reader to fuzz.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    /// Kind detection by content and the reader it picks ([`input::parse`]).
    Input,
    /// The taskscope trace reader, every format version.
    Trace,
    /// The compact (`*.taskscope`) reader: each input read as it is, and again with
    /// its blocks' checksums made right, so that mutations reach the decoders behind
    /// the checksum.
    Compact,
    /// Graphviz DOT, plain and as Dask's drawings, and raw.
    Dot,
    /// Chrome / Perfetto trace-event JSON.
    Chrome,
    /// `--budget FIGURE=CHANGE` expressions.
    Budget,
}

impl Target {
    /// Every target, in the order `all` runs them.
    pub const ALL: [Target; 6] = [
        Target::Input,
        Target::Trace,
        Target::Compact,
        Target::Dot,
        Target::Chrome,
        Target::Budget,
    ];

    /// The name on the command line and of the corpus folder.
    pub fn name(self) -> &'static str {
        match self {
            Target::Input => "input",
            Target::Trace => "trace",
            Target::Compact => "compact",
            Target::Dot => "dot",
            Target::Chrome => "chrome",
            Target::Budget => "budget",
        }
    }

    /// The target called `name` on the command line, if any.
    pub fn from_name(name: &str) -> Option<Target> {
        Target::ALL.into_iter().find(|t| t.name() == name)
    }

    /// Runs the reader on `data` and says how it ended: `ok ...` with the sizes read, or
    /// the error's kind and message. Panics are the runner's to catch.
    pub fn run(self, data: &[u8]) -> String {
        match self {
            Target::Input => outcome(input::parse(data, "fuzz", LoadOptions::default())),
            Target::Trace => outcome(taskscope_core::trace::parse(data, "fuzz")),
            Target::Compact => {
                let as_is = outcome(taskscope_core::trace::parse(data, "fuzz"));
                let fixed = crate::mutate::fix_checksums(data);
                format!(
                    "{as_is} / {}",
                    outcome(taskscope_core::trace::parse(&fixed[..], "fuzz"))
                )
            }
            Target::Dot => {
                let plain = outcome(parse_dot(data, "fuzz", &DotReadOptions::default()));
                let raw = outcome(parse_dot(data, "fuzz", &DotReadOptions { raw: true }));
                format!("{plain} / {raw}")
            }
            Target::Chrome => outcome(taskscope_interop::chrome::parse_chrome(data, "fuzz")),
            Target::Budget => {
                let text = String::from_utf8_lossy(data);
                match text.parse::<Budget>() {
                    Ok(b) => {
                        for base in [0.0, 1.0, 590.0, -1.0, 1e300, f64::MAX] {
                            std::hint::black_box(b.limit(base));
                        }
                        format!("ok {:?}", b.figure)
                    }
                    Err(e) => e.to_string(),
                }
            }
        }
    }

    /// Tokens that mutations splice in: the words of the format (a data table).
    pub fn dictionary(self) -> Vec<&'static [u8]> {
        const JSON: &[&[u8]] = &[
            b"{",
            b"}",
            b"[",
            b"]",
            b"\"",
            b":",
            b",",
            b"null",
            b"true",
            b"-1",
            b"0",
            b"1e999",
            b"-0",
            b"18446744073709551615",
            b"18446744073709551616",
            b"9223372036854775807",
            b"4294967295",
            b"4294967296",
            b"\\u0000",
            b"\\ud800",
            b"\n",
            b"\r\n",
            b"\xef\xbb\xbf",
            b"\xff",
            b"\"\":",
        ];
        const TRACE: &[&[u8]] = &[
            b"{\"type\":\"header\",\"format\":\"taskscope\",\"version\":1}\n",
            b"{\"type\":\"task\",\"id\":0,\"key\":\"a\",\"deps\":[]}\n",
            b"{\"type\":\"task\",\"id\":1,\"key\":\"b\",\"deps\":[0,0]}\n",
            b"{\"type\":\"event\",\"task\":0,\"worker\":0,\"start\":0,\"end\":18446744073709551615,\"status\":\"done\"}\n",
            b"{\"type\":\"sample\",\"t\":18446744073709551615,\"rss\":1}\n",
            b"{\"type\":\"end\",\"tasks\":1000000000,\"edges\":1000000000}\n",
            b"\"deps\":[", b"\"key\":", b"\"group\":", b"\"status\":\"failed\"",
            b"\"version\":2", b"\"meta\":{", b"\"type\":\"unknown\"",
        ];
        const COMPACT: &[&[u8]] = &[
            b"\x89TSCOPE\n\x01",
            b"\x01\x00",
            b"\x02\x00",
            b"\x03\x00",
            b"\x04\x01",
            b"\x05\x00",
            b"\x06\x00",
            b"\x00",
            b"\x7f",
            b"\x80\x01",
            b"\xff\xff\xff\xff\x0f",
            b"\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01",
            b"\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x01",
            b"{\"format\":\"taskscope\",\"version\":1,\"tool\":\"t\",\"clock\":\"ns\"}",
            b"{\"tasks\":0,\"edges\":0}",
        ];
        const DOT: &[&[u8]] = &[
            b"digraph",
            b"graph",
            b"strict",
            b"subgraph",
            b"node",
            b"edge",
            b"{",
            b"}",
            b"[",
            b"]",
            b";",
            b",",
            b":",
            b"=",
            b"->",
            b"--",
            b"\"",
            b"\\\"",
            b"\\\n",
            b"<",
            b">",
            b"<<b>x</b>>",
            b"+",
            b"\"a\" + \"b\"",
            b"/*",
            b"*/",
            b"//",
            b"#",
            b"label=",
            b"shape=box",
            b"shape=circle",
            b"label=\"\\N\"",
            b"-.5",
            b"1.2.3",
            b"\xef\xbb\xbf",
            b"\xff\xfe",
            b"\n",
            b"{a b c} -> {d e f}",
            b"subgraph s {}",
            b"a:p:n",
            b"cluster_0",
        ];
        const CHROME: &[&[u8]] = &[
            b"{\"traceEvents\":[",
            b"]}",
            b"\"ph\":\"X\"",
            b"\"ph\":\"B\"",
            b"\"ph\":\"E\"",
            b"\"ph\":\"M\"",
            b"\"ph\":\"C\"",
            b"\"ts\":",
            b"\"dur\":",
            b"\"pid\":",
            b"\"tid\":",
            b"\"name\":",
            b"\"args\":{",
            b"\"cat\":",
            b"\"taskscope\":{",
            b"\"displayTimeUnit\":\"ns\"",
            b"1e308",
            b"-1e308",
            b"NaN",
            b"1.5",
        ];
        const BUDGET: &[&[u8]] = &[
            b"tasks",
            b"edges",
            b"wall",
            b"busy",
            b"peak_rss",
            b"group:",
            b".time",
            b".bytes",
            b"=",
            b"+",
            b"-",
            b"%",
            b"ns",
            b"us",
            b"ms",
            b"s",
            b"B",
            b"KB",
            b"MB",
            b"GB",
            b"KiB",
            b"MiB",
            b"GiB",
            b"1e999",
            b"..",
            b"0.",
            b"99999999999999999999",
            b"\xc3\xa9",
            b" ",
        ];
        let own: &[&[u8]] = match self {
            Target::Input => &[
                b"[".as_slice(),
                b"{\"format\":\"taskscope\"",
                b"{\"traceEvents\":",
                b"digraph",
                b"/*",
                b"*/",
                b"//",
                b"#",
                b"\n",
                b"\xef\xbb\xbf",
                b"strict graph",
            ],
            Target::Trace => TRACE,
            Target::Compact => COMPACT,
            Target::Dot => DOT,
            Target::Chrome => CHROME,
            Target::Budget => BUDGET,
        };
        own.iter()
            .chain(if matches!(self, Target::Trace | Target::Chrome) {
                JSON.iter()
            } else {
                [].iter()
            })
            .copied()
            .collect()
    }
}

fn outcome(result: Result<Trace, ReadError>) -> String {
    match result {
        Ok(trace) => {
            // What the CLI does next with a file it read must not break either.
            let stats = Stats::of(&trace);
            std::hint::black_box(stats.to_json_value());
            std::hint::black_box(trace.graph.critical_path(|_| 1.0));
            format!(
                "ok tasks={} edges={} events={} truncated={}",
                trace.graph.len().min(3),
                trace.graph.edge_count().min(3),
                trace.events.len().min(3),
                trace.truncated
            )
        }
        Err(e) => format!("{:?} {e}", e.kind),
    }
}

/// The shape of an outcome, which decides whether an input joins the corpus: without
/// digits and quoted parts (so that line numbers and names do not make every error
/// look new), cut to 60 characters.
pub fn shape(message: &str) -> String {
    let mut out = String::new();
    let mut quoted = false;
    for c in message.chars() {
        match c {
            '"' | '`' => {
                quoted = !quoted;
                out.push(c);
            }
            _ if quoted => {}
            c if c.is_ascii_digit() => {}
            c => out.push(c),
        }
        if out.len() >= 60 {
            break;
        }
    }
    out
}
