//! Reading Graphviz DOT: Dask's own drawings (from real Dask), DOT that Graphviz wrote,
//! and errors; arbitrary bytes never panic.

use std::collections::BTreeMap;
use std::path::PathBuf;

use proptest::prelude::*;
use taskscope_core::trace::{self, ReadErrorKind, Trace};
use taskscope_interop::dot::{DASK_TOOL, DotReadOptions, TOOL, parse_dot, read_dot};

fn fixture(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/fixtures")
        .join(path)
}

fn read(path: &str) -> Trace {
    read_dot(&fixture(path), &DotReadOptions::default()).unwrap()
}

fn groups(t: &Trace) -> BTreeMap<String, usize> {
    t.graph.group_counts()
}

#[test]
fn dasks_drawing_of_the_tutorial_is_its_590_tasks() {
    let dot = read("dask/norm_dask.dot");
    assert_eq!(dot.header.tool, DASK_TOOL);
    assert_eq!((dot.graph.len(), dot.graph.edge_count()), (590, 870));
    let dask = trace::read(&fixture("dask/norm_1000.trace.jsonl")).unwrap();
    assert_eq!(groups(&dot), groups(&dask));
    assert_eq!(dot.graph.depth(), dask.graph.depth());
    assert_eq!(dot.graph.width(), dask.graph.width());
    // Keys are rebuilt from the circle's group and the box's chunk index.
    let id = dot
        .graph
        .id_of("('mean_chunk', 3, 4)")
        .expect("a rebuilt key");
    let task = dot.graph.task(id);
    assert_eq!((task.group(), task.op()), ("mean_chunk", "mean_chunk"));
    assert_eq!(task.deps().len(), 1);
    assert_eq!(
        dot.graph.task(task.deps()[0]).key(),
        "('random_sample', 3, 4)"
    );
    assert!(task.meta().contains_key("dot_node"));
    assert!(task.meta().contains_key("dot_function_node"));
}

#[test]
fn raw_reads_every_dot_node() {
    let raw = read_dot(
        &fixture("dask/norm_dask.dot"),
        &DotReadOptions { raw: true },
    )
    .unwrap();
    assert_eq!(raw.header.tool, TOOL);
    // A box and a circle per task; each task adds its circle -> box edge.
    assert_eq!((raw.graph.len(), raw.graph.edge_count()), (1180, 870 + 590));
    let g = groups(&raw);
    assert_eq!(g["truediv"], 100);
    assert_eq!(g["(0, 0)"], 10);
    let ops: BTreeMap<&str, usize> = raw.graph.tasks().fold(BTreeMap::new(), |mut m, (_, t)| {
        *m.entry(t.op()).or_default() += 1;
        m
    });
    assert_eq!(ops, BTreeMap::from([("box", 590), ("circle", 590)]));
}

/// What `make_fixtures.py` recorded of each graph from Dask itself.
fn expected() -> serde_json::Value {
    let text = std::fs::read_to_string(fixture("dask/dot_expected.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

#[test]
fn dasks_drawings_of_a_bag_and_of_delayed_calls_are_their_graphs() {
    let expected = expected();
    for name in ["bag_dask.dot", "delayed_dask.dot", "delayed_visualize.dot"] {
        let t = read(&format!("dask/{name}"));
        let want = &expected[name];
        assert_eq!(t.header.tool, DASK_TOOL, "{name}");
        assert_eq!(
            t.graph.len() as u64,
            want["tasks"].as_u64().unwrap(),
            "{name}"
        );
        assert_eq!(
            t.graph.edge_count() as u64,
            want["edges"].as_u64().unwrap(),
            "{name}"
        );
        let want_groups: BTreeMap<String, usize> =
            serde_json::from_value(want["groups"].clone()).unwrap();
        assert_eq!(groups(&t), want_groups, "{name}");
    }
    // String keys of one group are numbered; the last fold of the bag keeps its name.
    let delayed = read("dask/delayed_dask.dot");
    for key in ["inc-1", "inc-5", "double-3", "add-2", "sum"] {
        assert!(delayed.graph.id_of(key).is_some(), "{key}");
    }
    let bag = read("dask/bag_dask.dot");
    for key in [
        "('data', 0)",
        "('lambda', 3)",
        "('reduce-aggregate', 1)",
        "reduce-aggregate",
    ] {
        assert!(bag.graph.id_of(key).is_some(), "{key}");
    }
}

#[test]
fn dot_that_graphviz_wrote_reads_like_its_source() {
    let source = read("dot/pipeline.gv");
    let laid_out = read("dot/pipeline.dot");
    for t in [&source, &laid_out] {
        assert_eq!(t.header.tool, TOOL);
        assert_eq!(t.header.name.as_deref(), Some("etl pipeline"));
        assert_eq!((t.graph.len(), t.graph.edge_count()), (7, 5));
    }
    let tasks = |t: &Trace| -> Vec<(String, String, Vec<String>)> {
        t.graph
            .tasks()
            .map(|(_, task)| {
                let mut deps: Vec<String> = task
                    .deps()
                    .iter()
                    .map(|&d| t.graph.task(d).key().to_string())
                    .collect();
                deps.sort();
                (task.key().to_string(), task.group().to_string(), deps)
            })
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect()
    };
    assert_eq!(tasks(&source), tasks(&laid_out));
    let g = &laid_out.graph;
    let join = g.task(g.id_of("join").unwrap());
    // Graphviz broke this label over two lines with a backslash-newline.
    assert!(
        join.group()
            .starts_with("join on \"customer id\": a long description")
    );
    assert!(
        join.group()
            .contains("with a backslash and a newline, which readers")
    );
    assert_eq!(g.task(g.id_of("read-csv-2").unwrap()).group(), "read_csv");
    // An HTML label is markup, so the group comes from the ID.
    assert_eq!(g.task(g.id_of("clean").unwrap()).group(), "clean");
    assert_eq!(
        g.task(g.id_of("report").unwrap()).group(),
        "report\\nfor etl pipeline"
    );
    assert_eq!(g.task(g.id_of("report").unwrap()).meta()["shape"], "note");
}

#[test]
fn errors_name_the_file_line_and_column() {
    let e = parse_dot(
        b"digraph {\n  a -> b [color=red\n}\n",
        "g.dot",
        &DotReadOptions::default(),
    )
    .unwrap_err();
    assert_eq!(e.kind, ReadErrorKind::Syntax);
    assert_eq!(
        e.to_string(),
        "g.dot:3:1: expected an attribute name or `]`, found `}`"
    );
    let missing = fixture("dot/missing.dot");
    let e = read_dot(&missing, &DotReadOptions::default()).unwrap_err();
    assert_eq!(e.kind, ReadErrorKind::Io);
    assert!(e.to_string().contains("missing.dot"), "{e}");
}

/// Fragments of DOT, to make inputs that get deep into the parser.
fn fragment() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec![
        "digraph",
        "graph",
        "strict",
        "subgraph",
        "node",
        "edge",
        "{",
        "}",
        "[",
        "]",
        ";",
        ",",
        ":",
        "=",
        "->",
        "--",
        "a",
        "b",
        "\"q\\\"\"",
        "\"x\" + \"y\"",
        "<<b>h</b>>",
        "-.5",
        "12",
        "label",
        "shape",
        "box",
        "circle",
        "\n",
        " ",
        "//c\n",
        "/*c*/",
        "#p\n",
        "\"",
        "<",
        "\\\n",
        "ü",
        "\u{0}",
    ])
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        for raw in [false, true] {
            let _ = parse_dot(&bytes, "fuzz.dot", &DotReadOptions { raw });
        }
    }

    #[test]
    fn dot_like_text_never_panics(parts in prop::collection::vec(fragment(), 0..60)) {
        let text = format!("digraph {{ {} }}", parts.join(" "));
        for raw in [false, true] {
            if let Err(e) = parse_dot(text.as_bytes(), "fuzz.dot", &DotReadOptions { raw }) {
                // Every error points into the file.
                prop_assert!(e.line.is_some_and(|l| l >= 1 && l <= text.lines().count().max(1) + 1));
            }
        }
        let glued = parts.concat();
        let _ = parse_dot(glued.as_bytes(), "fuzz.dot", &DotReadOptions::default());
    }
}
