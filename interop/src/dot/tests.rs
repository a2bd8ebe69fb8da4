//! The parser on tricky DOT, and how DOT maps to tasks.

use super::parse::{DotGraph, MAX_NESTING, parse};
use super::*;

fn dot(text: &str) -> DotGraph {
    parse(text.as_bytes()).unwrap_or_else(|e| panic!("{text:?}: {e:?}"))
}

/// Edges as `tail->head` by node ID, in order.
fn edges(g: &DotGraph) -> Vec<String> {
    g.edges
        .iter()
        .map(|&(t, h)| format!("{}->{}", g.nodes[t as usize].id, g.nodes[h as usize].id))
        .collect()
}

fn ids(g: &DotGraph) -> Vec<&str> {
    g.nodes.iter().map(|n| n.id.as_str()).collect()
}

fn attr(g: &DotGraph, id: &str, which: &str) -> Option<String> {
    let n = g.nodes.iter().find(|n| n.id == id).expect("the node");
    let a = if which == "label" { &n.label } else { &n.shape };
    a.as_ref().map(|a| a.value.to_string())
}

fn read(text: &str) -> Trace {
    parse_dot(text.as_bytes(), "t.dot", &DotReadOptions::default())
        .unwrap_or_else(|e| panic!("{text:?}: {e}"))
}

fn error(text: &str) -> ReadError {
    match parse_dot(text.as_bytes(), "t.dot", &DotReadOptions::default()) {
        Ok(_) => panic!("{text:?} was read"),
        Err(e) => e,
    }
}

#[test]
fn quoted_ids_with_escaped_quotes_and_concatenation() {
    let g = dot(r#"digraph { "say \"hi\"" -> "con" + "cat" ; "a\\" -> b }"#);
    assert_eq!(ids(&g), [r#"say "hi""#, "concat", r"a\\", "b"]);
    assert_eq!(edges(&g), [r#"say "hi"->concat"#, r"a\\->b"]);
}

#[test]
fn html_labels_comments_and_preprocessor_lines() {
    let g = dot("# 1 \"x.gv\"\n/* block\n comment */ digraph G { // line\n\
         a [label=<<table><tr><td>a &lt; b</td></tr></table>>] # shell\n}");
    assert_eq!(g.name.as_deref(), Some("G"));
    let n = &g.nodes[0];
    let label = n.label.as_ref().unwrap();
    assert!(label.html);
    assert_eq!(&*label.value, "<table><tr><td>a &lt; b</td></tr></table>");
    // An HTML label is markup: the group comes from the ID.
    let t = read(
        "digraph { inc-1 [label=<<b>x</b>>] }"
            .replace("inc-1", "\"inc-1\"")
            .as_str(),
    );
    assert_eq!(t.graph.task(taskscope_core::TaskId(0)).group(), "inc");
}

#[test]
fn subgraphs_as_edge_endpoints() {
    let g = dot("digraph { {a b} -> c; d -> {e f}; subgraph s {g {h}} -> subgraph {i j} }");
    assert_eq!(
        edges(&g),
        [
            "a->c", "b->c", "d->e", "d->f", "g->i", "g->j", "h->i", "h->j"
        ]
    );
    // A named subgraph used again is the same subgraph: it stands for all its nodes.
    let g = dot("digraph { subgraph s {a b}; subgraph s {c} -> d }");
    assert_eq!(edges(&g), ["a->d", "b->d", "c->d"]);
    // A repeated node in a subgraph counts once.
    let g = dot("digraph { {a a b} -> c }");
    assert_eq!(edges(&g), ["a->c", "b->c"]);
}

#[test]
fn chains_node_lists_and_ports() {
    let g = dot("digraph { a -> b -> c; x, y -> z; p:port:n -> q:s; r:\"p 1\" }");
    assert_eq!(edges(&g), ["a->b", "b->c", "x->z", "y->z", "p->q"]);
    assert_eq!(ids(&g), ["a", "b", "c", "x", "y", "z", "p", "q", "r"]);
}

#[test]
fn attribute_lists_and_defaults() {
    let g = dot(
        "digraph { a; node [shape=box]; b [label=x, shape=circle; color=red][label=y]
         subgraph { node [shape=egg label=\"in\"]; c } d; e -> f [label=\"edge\"];
         graph [rankdir=BT]; edge [color=blue]; rankdir = LR; g [label=z] }",
    );
    // Defaults apply to nodes made after them, inside their subgraph.
    assert_eq!(attr(&g, "a", "shape"), None);
    assert_eq!(attr(&g, "b", "shape").as_deref(), Some("circle"));
    assert_eq!(attr(&g, "b", "label").as_deref(), Some("y"));
    assert_eq!(attr(&g, "c", "shape").as_deref(), Some("egg"));
    assert_eq!(attr(&g, "c", "label").as_deref(), Some("in"));
    assert_eq!(attr(&g, "d", "shape").as_deref(), Some("box"));
    assert_eq!(attr(&g, "d", "label"), None);
    // Edge attributes are not node attributes.
    assert_eq!(attr(&g, "f", "label"), None);
    assert_eq!(attr(&g, "g", "label").as_deref(), Some("z"));
}

#[test]
fn ids_numerals_and_non_ascii_names() {
    let g = dot("digraph { -.5 -> 3.14 -> -5541416842166732346; größe -> 名前 }");
    assert_eq!(
        ids(&g),
        ["-.5", "3.14", "-5541416842166732346", "größe", "名前"]
    );
}

#[test]
fn undirected_graphs_keep_the_written_direction() {
    let t = read("strict graph { a -- b -- c; c -- d; a -- b }");
    assert_eq!((t.graph.len(), t.graph.edge_count()), (4, 3));
    let b = t.graph.id_of("b").unwrap();
    assert_eq!(t.graph.task(b).deps(), [t.graph.id_of("a").unwrap()]);
    let e = error("graph { a -> b }");
    assert_eq!((e.line, e.column), (Some(1), Some(11)));
    assert!(e.message.contains("`->` in an undirected `graph`"), "{e}");
    let e = error("digraph {\n  a -- b }");
    assert_eq!((e.line, e.column), (Some(2), Some(5)));
}

#[test]
fn plain_dot_maps_nodes_to_tasks() {
    let t = read(
        "digraph pipeline { node [label=\"\\N\"]; \"load-1\" -> clean [label=e];
         clean -> train; clean -> train; train [label=\"fit model\" shape=box];
         report [label=\"\"]; train -> report }",
    );
    assert_eq!(t.header.tool, TOOL);
    assert_eq!(t.header.name.as_deref(), Some("pipeline"));
    // Repeated edges count once; nodes met only in edges are tasks.
    assert_eq!((t.graph.len(), t.graph.edge_count()), (4, 3));
    let task = |k: &str| t.graph.task(t.graph.id_of(k).unwrap());
    assert_eq!(task("load-1").group(), "load-1"); // \N is the node's ID
    assert_eq!(task("train").group(), "fit model");
    assert_eq!(task("train").op(), "fit model");
    assert_eq!(task("train").meta()["shape"], "box");
    // The label is kept when it is not the group already.
    assert!(!task("train").meta().contains_key("label"));
    assert_eq!(task("load-1").meta()["label"], "\\N");
    assert_eq!(task("report").group(), "report"); // an empty label: key_split(ID)
    assert_eq!(task("report").meta()["label"], "");
}

#[test]
fn raw_reads_shapes_as_ops() {
    let t = parse_dot(
        b"digraph { a [shape=box]; a -> b }",
        "t.dot",
        &DotReadOptions { raw: true },
    )
    .unwrap();
    let ops: Vec<&str> = t.graph.tasks().map(|(_, t)| t.op()).collect();
    assert_eq!(ops, ["box", "ellipse"]);
}

#[test]
fn a_cycle_names_its_keys_and_where_it_starts() {
    let e = error("digraph {\n  x;\n  a -> b -> c\n  c -> a\n}");
    assert_eq!(e.kind, ReadErrorKind::Graph);
    assert_eq!(
        e.graph,
        Some(GraphError::Cycle {
            keys: vec!["a".into(), "b".into(), "c".into(), "a".into()]
        })
    );
    assert_eq!((e.line, e.column), (Some(3), Some(3)));
    assert_eq!(e.to_string(), "t.dot:3:3: cycle: a -> b -> c -> a");
    let e = error("digraph { a -> a }");
    assert_eq!(e.kind, ReadErrorKind::Graph);
}

/// Each text's error: its kind, line and column, and words the message holds; the
/// error's text starts with `t.dot:line:column: `.
fn assert_errors(cases: &[(&str, ReadErrorKind, (usize, usize), &str)]) {
    for (text, kind, (line, column), message) in cases {
        let e = error(text);
        assert_eq!(
            (e.kind, e.line, e.column),
            (*kind, Some(*line), Some(*column)),
            "{text:?}: {e}"
        );
        assert!(e.message.contains(message), "{text:?}: {e}");
        assert!(
            e.to_string()
                .starts_with(&format!("t.dot:{line}:{column}: ")),
            "{e}"
        );
    }
}

#[test]
fn what_is_not_dot_is_a_format_error() {
    assert_errors(&[
        (
            "",
            ReadErrorKind::Format,
            (1, 1),
            "not a Graphviz DOT graph: expected `digraph`, `graph` or `strict`, found the end of the file",
        ),
        ("{\"type\":1}", ReadErrorKind::Format, (1, 1), "found `{`"),
    ]);
}

#[test]
fn bad_tokens_say_where_they_start() {
    assert_errors(&[
        (
            "digraph {\n  \"open -> b }",
            ReadErrorKind::Syntax,
            (2, 3),
            "a quoted string is not closed",
        ),
        (
            "digraph { a [label=<b>] }\n/* open",
            ReadErrorKind::Syntax,
            (2, 1),
            "a `/*` comment is not closed",
        ),
        (
            "digraph { a @ b }",
            ReadErrorKind::Syntax,
            (1, 13),
            "unexpected character '@'",
        ),
        (
            "digraph { \"a\" + b }",
            ReadErrorKind::Syntax,
            (1, 15),
            "expected a quoted string after `+`",
        ),
    ]);
}

#[test]
fn bad_statements_say_what_was_expected() {
    assert_errors(&[
        (
            "digraph {\n  a -> ;\n}",
            ReadErrorKind::Syntax,
            (2, 8),
            "expected a node or a subgraph after the edge, found `;`",
        ),
        (
            "digraph { node a }",
            ReadErrorKind::Syntax,
            (1, 16),
            "expected `[` to start the `node` attributes, found the name `a`",
        ),
        (
            "digraph { a:; }",
            ReadErrorKind::Syntax,
            (1, 13),
            "expected a port name or compass point after `:`",
        ),
        (
            "digraph { ] }",
            ReadErrorKind::Syntax,
            (1, 11),
            "expected a statement",
        ),
        (
            "digraph { a = }",
            ReadErrorKind::Syntax,
            (1, 15),
            "expected a value for `a =`",
        ),
        // Columns count characters, not bytes.
        (
            "digraph { ü -> ; }",
            ReadErrorKind::Syntax,
            (1, 16),
            "found `;`",
        ),
    ]);
}

#[test]
fn bad_attribute_lists_say_what_was_expected() {
    assert_errors(&[
        (
            "digraph {\n a [label]\n}",
            ReadErrorKind::Syntax,
            (2, 10),
            "expected `=` after the attribute name `label`, found `]`",
        ),
        (
            "digraph { a [label=] }",
            ReadErrorKind::Syntax,
            (1, 20),
            "expected a value for `label`, found `]`",
        ),
    ]);
}

#[test]
fn a_file_holds_one_whole_graph() {
    assert_errors(&[
        (
            "digraph { a }\ndigraph { b }",
            ReadErrorKind::Syntax,
            (2, 1),
            "taskscope reads one graph per file",
        ),
        (
            "digraph {\n  subgraph s {\n a",
            ReadErrorKind::Syntax,
            (3, 3),
            "expected `}` to close the { opened on line 2",
        ),
    ]);
}

#[test]
fn deep_nesting_is_an_error_not_a_stack_overflow() {
    let nested = |depth: usize| {
        format!(
            "digraph {{ {} a {} }}",
            "{".repeat(depth),
            "}".repeat(depth)
        )
    };
    assert_eq!(read(&nested(MAX_NESTING)).graph.len(), 1);
    let e = error(&nested(MAX_NESTING + 1));
    assert!(e.message.contains("nested more than 100 deep"), "{e}");
    let e = error(&nested(1_000_000));
    assert_eq!(e.kind, ReadErrorKind::Syntax);
}

#[test]
fn subgraph_products_cannot_blow_up() {
    let side = |p: &str| {
        (0..1500)
            .map(|i| format!("{p}{i}"))
            .collect::<Vec<_>>()
            .join(" ")
    };
    // 1500 x 1500 edges from 20 kB of text: more than the file's edge budget.
    let text = format!("digraph {{ {{{}}} -> {{{}}} }}", side("a"), side("b"));
    let e = error(&text);
    assert!(e.message.contains("too many edges"), "{e}");
    // Products of a sensible size are fine.
    let text = format!("digraph {{ {{{}}} -> {{b c}} }}", side("a"));
    assert_eq!(read(&text).graph.edge_count(), 3000);
}

#[test]
fn empty_graphs_read_as_empty() {
    let t = read("strict digraph \"\" {}");
    assert!(t.graph.is_empty());
    assert_eq!(t.header.tool, TOOL);
}

/// A Dask-like drawing: `box` per key labelled with its chunk index (or "" for string
/// keys), `circle` per task labelled with its group.
fn dask_like(body: &str) -> String {
    format!("digraph {{\n graph [rankdir=BT]\n node [fontname=helvetica]\n{body}\n}}")
}

#[test]
fn dask_boxes_and_circles_become_one_task_per_key() {
    // Two `add` layers of one chunk each, a string-key `sum`, a data box, an alias.
    let t = read(&dask_like(
        "1 [label=\"(0, 0)\" shape=box]
         -2 [label=add shape=circle] -2 -> 3 1 -> -2 3 [label=\"(0, 0)\" shape=box]
         -4 [label=add shape=circle] -4 -> 5 3 -> -4 5 [label=\"(0, 0)\" shape=box]
         6 [label=sum shape=circle] 6 -> 7 5 -> 6 7 [label=\"\" shape=box]
         8 [label=\"\" shape=box] 7 -> 8",
    ));
    assert_eq!(t.header.tool, DASK_TOOL);
    let keys: Vec<(&str, &str, &str, Vec<&str>)> = t
        .graph
        .tasks()
        .map(|(_, task)| {
            let deps = task.deps().iter().map(|&d| t.graph.task(d).key()).collect();
            (task.key(), task.group(), task.op(), deps)
        })
        .collect();
    assert_eq!(
        keys,
        [
            ("('data', 0, 0)", "data", "data", vec![]),
            ("('add-1', 0, 0)", "add", "add", vec!["('data', 0, 0)"]),
            ("('add-2', 0, 0)", "add", "add", vec!["('add-1', 0, 0)"]),
            ("sum", "sum", "sum", vec!["('add-2', 0, 0)"]),
            ("alias", "alias", "alias", vec!["sum"]),
        ]
    );
    for (_, task) in t.graph.tasks() {
        assert_eq!(taskscope_core::key_split(task.key()), task.group());
    }
}

#[test]
fn dask_verbose_labels_and_collapsed_outputs() {
    // verbose=True: a string key's box shows the whole key.
    let t = read(&dask_like(
        "1 [label=\"inc-5f4c\" shape=box] 2 [label=inc shape=circle] 2 -> 1
         3 [label=\"(2, 1)\" shape=box] 4 [label=x shape=circle] 4 -> 3 1 -> 4
         5 [label=\"7\" shape=box] 6 [label=y shape=circle] 6 -> 5 3 -> 6",
    ));
    let keys: Vec<&str> = t.graph.tasks().map(|(_, t)| t.key()).collect();
    assert_eq!(keys, ["inc-5f4c", "('x', 2, 1)", "('y', 7)"]);
    // collapse_outputs=True: a task is its circle alone.
    let t = read(&dask_like(
        "1 [label=inc shape=circle] 2 [label=inc shape=circle] 1 -> 2",
    ));
    let keys: Vec<&str> = t.graph.tasks().map(|(_, t)| t.key()).collect();
    assert_eq!(keys, ["inc-1", "inc-2"]);
    assert_eq!(t.graph.edge_count(), 1);
}

#[test]
fn drawings_that_are_not_daskss_read_as_plain_dot() {
    for body in [
        // A circle with two output boxes.
        "1 [label=a shape=circle] 2 [label=x shape=box] 3 [label=y shape=box] 1 -> 2 1 -> 3",
        // A shape Dask does not draw.
        "1 [label=a shape=circle] 2 [label=x shape=ellipse] 1 -> 2",
        // IDs that are not hashes.
        "a [label=a shape=circle] b [label=x shape=box] a -> b",
        // A node without a label.
        "1 [shape=circle]",
    ] {
        let t = read(&dask_like(body));
        assert_eq!(t.header.tool, TOOL, "{body}");
    }
    // Undirected graphs are never Dask's.
    let t = read("graph { 1 [label=a shape=circle] 2 [label=\"\" shape=box] 1 -- 2 }");
    assert_eq!(t.header.tool, TOOL);
}

/// Found by the fuzzer: an error quoted an attribute name whole, however long (a
/// runaway HTML string made a message of a megabyte).
#[test]
fn errors_quote_long_names_cut_short() {
    let long = "n".repeat(1 << 20);
    for text in [
        format!("digraph {{ a [{long}] }}"),
        format!("digraph {{ a [{long} = ] }}"),
        format!("digraph {{ {long} = ; }}"),
    ] {
        let e = error(&text);
        assert!(e.message.len() < 200, "{}", &e.message[..200]);
        assert!(e.message.contains("nnnn…"), "{}", e.message);
    }
}
