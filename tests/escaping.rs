//! Task keys, group names and labels are user data: markup, quotes, `</script>`, line
//! breaks, right-to-left marks and, in DOT, bytes that are not UTF-8 must come out of
//! every format escaped, and every output must still parse: SVG as XML (with each
//! `data-key` reading back as its key), DOT by our own reader, the HTML report with no
//! script or markup taken from the data.

use std::path::Path;

use serde_json::json;
use taskscope_interop::dot::{DotReadOptions, parse_dot};

mod common;
use common::{taskscope, text};

/// Keys that have broken renderers and viewers elsewhere.
const KEYS: &[&str] = &[
    "<b>bold</b> & 'quoted' \"double\"",
    "</script><script>alert(1)</script>",
    "two\nlines\r\nand a tab\there",
    "\u{202e}evil\u{200f} right-to-left \u{2067}isolate\u{2069}",
    "back\\slash \\\" \\n escaped-looking",
    "{ } [ ] ; , : = -> -- # // /*",
    "control \u{1} \u{7f} \u{fffe} bytes",
    "&amp; &lt;already&gt; &#60;entities&#62;",
    "<!-- comment --> <![CDATA[ x ]]>",
];

/// A trace whose keys, groups, header name and tool are hostile, with a run.
fn hostile_trace(path: &Path) {
    let mut lines = vec![json!({
        "type": "header", "format": "taskscope", "version": 1,
        "tool": "</title><script>tool</script>", "clock": "ns",
        "name": "<name> & \"</h1>\"",
    })];
    for (i, key) in KEYS.iter().enumerate() {
        let deps: Vec<usize> = if i == 0 { vec![] } else { vec![i - 1] };
        lines.push(json!({
            "type": "task", "id": i, "key": key, "deps": deps,
            "group": format!("</script>group\n{}", i % 3),
        }));
    }
    for i in 0..KEYS.len() {
        lines.push(json!({
            "type": "event", "task": i, "worker": i % 2, "start": i * 1000,
            "end": i * 1000 + 900, "status": "done", "bytes": 100,
        }));
    }
    lines.push(json!({
        "type": "end", "tasks": KEYS.len(), "edges": KEYS.len() - 1,
        "events": KEYS.len(), "status": "ok", "wall": KEYS.len() * 1000,
    }));
    let text: String = lines.iter().map(|l| format!("{l}\n")).collect();
    std::fs::write(path, text).unwrap();
}

/// The text XML keeps of a key: controls XML forbids become U+FFFD.
fn as_xml_keeps(key: &str) -> String {
    key.chars()
        .map(|c| match c {
            '\t' | '\n' | '\r' => c,
            c if (c as u32) < 0x20 || c == '\u{fffe}' || c == '\u{ffff}' => '\u{fffd}',
            c => c,
        })
        .collect()
}

fn run(args: &[&str]) {
    let out = taskscope(args);
    assert!(out.status.success(), "{args:?}: {}", text(&out.stderr));
}

/// Parses an SVG document and returns its tasks' `data-key`s.
fn svg_keys(svg: &str) -> Vec<String> {
    let doc = roxmltree::Document::parse(svg).unwrap_or_else(|e| panic!("{e}:\n{svg}"));
    doc.descendants()
        .filter(|n| n.attribute("class") == Some("task"))
        .filter_map(|n| n.attribute("data-key").map(str::to_string))
        .collect()
}

fn assert_no_markup_from_data(html: &str) {
    let lower = html.to_ascii_lowercase();
    assert!(!lower.contains("<script"), "a script in the report");
    for raw in ["<b>", "</h1>\"", "<name>", "<!-- comment", "<![cdata["] {
        assert!(!lower.contains(raw), "unescaped {raw:?} in the report");
    }
}

#[test]
fn hostile_keys_are_escaped_in_dot_svg_and_the_report() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("hostile.trace.jsonl");
    hostile_trace(&input);
    let input = input.to_str().unwrap();
    let out = |name: &str| dir.path().join(name).to_str().unwrap().to_string();

    // SVG: well-formed XML, and every key reads back exactly.
    run(&["render", input, "-o", &out("g.svg")]);
    let svg = std::fs::read_to_string(out("g.svg")).unwrap();
    let mut keys = svg_keys(&svg);
    keys.sort();
    let mut want: Vec<String> = KEYS.iter().map(|k| as_xml_keeps(k)).collect();
    want.sort();
    assert_eq!(keys, want);
    assert!(!svg.contains("<script"));

    // The timeline is SVG too; PNG goes through a real SVG parser (usvg).
    run(&["render", input, "--timeline", "-o", &out("t.svg")]);
    roxmltree::Document::parse(&std::fs::read_to_string(out("t.svg")).unwrap()).unwrap();
    run(&["render", input, "-o", &out("g.png")]);

    // DOT: our own reader reads it back, with every task and edge.
    run(&["render", input, "-o", &out("g.dot")]);
    let dot = std::fs::read(out("g.dot")).unwrap();
    let back = parse_dot(&dot, "g.dot", &DotReadOptions { raw: true })
        .unwrap_or_else(|e| panic!("{e}:\n{}", text(&dot)));
    assert_eq!(back.graph.len(), KEYS.len());
    assert_eq!(back.graph.edge_count(), KEYS.len() - 1);
    assert_eq!(
        text(&dot)
            .lines()
            .filter(|l| l.contains("tooltip="))
            .count(),
        KEYS.len()
    );

    // The report: no script or markup from the data, and its drawings are XML.
    run(&["report", input, "-o", &out("r.html")]);
    let html = std::fs::read_to_string(out("r.html")).unwrap();
    assert_no_markup_from_data(&html);
    let mut rest = html.as_str();
    let mut drawings = 0;
    while let Some(start) = rest.find("<svg") {
        let end = rest[start..].find("</svg>").expect("a closed <svg>") + start + 6;
        svg_keys(&rest[start..end]);
        drawings += 1;
        rest = &rest[end..];
    }
    assert!(drawings >= 2, "the graph and the timeline");
}

#[test]
fn dot_with_bytes_that_are_not_utf8_renders_to_every_format() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("latin1.dot");
    let mut dot =
        b"digraph \"caf\xe9\" {\n  \"na\xefve\" -> \"</script>\" [label=\"\xff\"];\n".to_vec();
    dot.extend_from_slice(b"  \"</script>\" [label=\"<b>\\\"x\\\"</b>\xc3\"];\n");
    dot.extend_from_slice("  \"\u{202e}rtl\" -> \"na\u{ef}ve\";\n}\n".as_bytes());
    std::fs::write(&input, &dot).unwrap();
    let input = input.to_str().unwrap();
    let out = |name: &str| dir.path().join(name).to_str().unwrap().to_string();
    run(&["render", input, "-o", &out("g.svg")]);
    let keys = svg_keys(&std::fs::read_to_string(out("g.svg")).unwrap());
    assert!(keys.contains(&"na\u{fffd}ve".to_string()), "{keys:?}");
    assert!(keys.contains(&"</script>".to_string()), "{keys:?}");
    run(&["render", input, "-o", &out("g.dot")]);
    let back = std::fs::read(out("g.dot")).unwrap();
    let trace = parse_dot(&back, "g.dot", &DotReadOptions::default()).unwrap();
    assert_eq!(trace.graph.len(), 4);
    run(&["report", input, "-o", &out("r.html")]);
    assert_no_markup_from_data(&std::fs::read_to_string(out("r.html")).unwrap());
}
