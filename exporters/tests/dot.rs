//! DOT output of the tutorial's graphs: complete, deterministic, and readable by the
//! DOT grammar's basic rules.

use taskscope_collections::array::tutorial_normalization;
use taskscope_exporters::{DotOptions, write_dot};

#[test]
fn the_normalization_graph_as_dot() {
    let (_, y) = tutorial_normalization(&[1000, 1000], &[100, 100], 0).unwrap();
    let program = y.program().unwrap();
    let write = || {
        let mut out = Vec::new();
        write_dot(&mut out, program.graph(), &DotOptions::default()).unwrap();
        String::from_utf8(out).unwrap()
    };
    let text = write();
    assert_eq!(text, write(), "same graph, same bytes");
    let nodes = text
        .lines()
        .filter(|l| l.trim_start().starts_with('t') && l.contains("[label="))
        .count();
    let edges = text.lines().filter(|l| l.contains(" -> ")).count();
    assert_eq!((nodes, edges), (590, 870));
    // Balanced braces and quotes on every line: each statement is self-contained.
    for line in text.lines() {
        let unescaped_quotes = line
            .replace("\\\\", "")
            .replace("\\\"", "")
            .matches('"')
            .count();
        assert_eq!(unescaped_quotes % 2, 0, "{line}");
    }
    assert!(text.trim_end().ends_with('}'));
}
