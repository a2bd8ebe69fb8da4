//! Graphviz DOT output: one node per task, one edge per dependency, colored by group.

use std::io::{self, Write};

use taskscope_core::{TaskGraph, short_label};

use crate::layout::RankDir;
use crate::palette::Palette;

/// What to draw and how.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DotOptions {
    /// Where the first tasks go, written as the graph's `rankdir`.
    pub rankdir: RankDir,
    /// Shown above the drawing.
    pub title: Option<String>,
}

/// A string as a DOT double-quoted string: quotes and backslashes escaped, line
/// breaks written as `\n` so that every statement stays on one line.
fn quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Writes `graph` as a DOT digraph. Node ids are `t<task id>`; each node carries the
/// full key as its tooltip. Deterministic: tasks and edges in id order.
pub fn write_dot(w: &mut dyn Write, graph: &TaskGraph, options: &DotOptions) -> io::Result<()> {
    writeln!(w, "digraph taskscope {{")?;
    writeln!(w, "  graph [rankdir={}];", options.rankdir.as_str())?;
    if let Some(title) = &options.title {
        writeln!(w, "  graph [label={}, labelloc=t];", quoted(title))?;
    }
    writeln!(
        w,
        "  node [shape=box, style=\"rounded,filled\", fontname=\"Helvetica\", fontsize=10];"
    )?;
    let palette = Palette::for_groups(graph.tasks().map(|(_, t)| t.group()));
    for (id, task) in graph.tasks() {
        writeln!(
            w,
            "  t{} [label={}, tooltip={}, fillcolor=\"{}\"];",
            id.0,
            quoted(&short_label(task.key(), task.group())),
            quoted(task.key()),
            palette.color(task.group())
        )?;
    }
    for (id, task) in graph.tasks() {
        for dep in task.deps() {
            writeln!(w, "  t{} -> t{};", dep.0, id.0)?;
        }
    }
    writeln!(w, "}}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use taskscope_core::{GraphBuilder, TaskSpec};

    #[test]
    fn keys_are_escaped() {
        assert_eq!(quoted(r#"a"b\c"#), r#""a\"b\\c""#);
        assert_eq!(quoted("two\nlines"), r#""two\nlines""#);
    }

    #[test]
    fn every_task_and_edge_is_written_once() {
        let mut b = GraphBuilder::new();
        b.add(TaskSpec::new("load \"x\"", "load").group("load"));
        b.add(TaskSpec::new("('sum-1', 0)", "sum").dep("load \"x\""));
        let g = b.build().unwrap();
        let mut out = Vec::new();
        let options = DotOptions {
            rankdir: RankDir::LR,
            title: Some("demo".into()),
        };
        write_dot(&mut out, &g, &options).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains("rankdir=LR"));
        assert!(text.contains(r#"label="demo""#));
        assert!(
            text.contains(r#"t0 [label="load", tooltip="load \"x\"""#),
            "{text}"
        );
        assert!(
            text.contains(r#"t1 [label="sum\n(0)", tooltip="('sum-1', 0)""#),
            "{text}"
        );
        assert_eq!(text.matches(" -> ").count(), 1);
        assert!(text.contains("t0 -> t1;"));
    }
}
