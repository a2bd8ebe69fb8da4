//! The graphs taskscope builds are the graphs Dask builds: compared edge by edge with
//! graphs that real Dask wrote (tests/fixtures/dask, made by make_fixtures.py there).

use std::collections::BTreeSet;
use std::path::PathBuf;

use taskscope_collections::array::tutorial_normalization;
use taskscope_collections::delayed;
use taskscope_core::{TaskGraph, trace};

fn dask_graph(name: &str) -> TaskGraph {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/fixtures/dask")
        .join(name);
    let t = trace::read(&path).unwrap_or_else(|e| panic!("{e}"));
    assert!(!t.truncated);
    t.graph
}

/// A key without its token: `('mean_chunk-1f2e…', 3, 4)` becomes `mean_chunk (3, 4)`.
fn tokenless(graph: &TaskGraph, id: taskscope_core::TaskId) -> String {
    let task = graph.task(id);
    match task.key().find("', ") {
        Some(i) => format!("{} ({}", task.group(), &task.key()[i + 3..]),
        None => task.group().to_string(),
    }
}

fn edges(graph: &TaskGraph) -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    for (id, task) in graph.tasks() {
        for &d in task.deps() {
            assert!(
                out.insert((tokenless(graph, d), tokenless(graph, id))),
                "edge names are unique"
            );
        }
    }
    out
}

fn assert_same_array_graph(dask: &str, n: usize) {
    let theirs = dask_graph(dask);
    let (_, y) = tutorial_normalization(&[n, n], &[100, 100], 0).unwrap();
    let program = y.program().unwrap();
    let ours = program.graph();
    assert_eq!(ours.len(), theirs.len());
    assert_eq!(ours.edge_count(), theirs.edge_count());
    assert_eq!(ours.group_counts(), theirs.group_counts());
    let tasks = |g: &TaskGraph| {
        g.tasks()
            .map(|(id, _)| tokenless(g, id))
            .collect::<BTreeSet<_>>()
    };
    assert_eq!(tasks(ours), tasks(&theirs));
    assert_eq!(edges(ours), edges(&theirs));
}

#[test]
fn the_1000x1000_normalization_is_dasks_graph_edge_for_edge() {
    assert_same_array_graph("norm_1000.trace.jsonl", 1000);
}

#[test]
fn the_4000x4000_normalization_is_dasks_graph_edge_for_edge() {
    // 40 chunks per row: two levels of partial reductions (40 -> 10 -> 3 -> 1).
    assert_same_array_graph("norm_4000.trace.jsonl", 4000);
    let (_, y) = tutorial_normalization(&[4000, 4000], &[100, 100], 0).unwrap();
    assert_eq!(y.graph_size(), (9160, 12));
}

#[test]
fn the_delayed_example_has_dasks_shape() {
    let theirs = dask_graph("delayed.trace.jsonl");
    let total = delayed::tutorial();
    let program = total.program().unwrap();
    let ours = program.graph();
    assert_eq!(ours.group_counts(), theirs.group_counts());
    assert_eq!(ours.edge_count(), theirs.edge_count());
    let group_edges = |g: &TaskGraph| {
        let mut v: Vec<(String, String)> = g
            .tasks()
            .flat_map(|(_, t)| {
                t.deps()
                    .iter()
                    .map(|&d| (g.task(d).group().to_string(), t.group().to_string()))
                    .collect::<Vec<_>>()
            })
            .collect();
        v.sort();
        v
    };
    assert_eq!(group_edges(ours), group_edges(&theirs));
}
