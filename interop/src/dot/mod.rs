//! Reading Graphviz DOT (<https://graphviz.org/doc/info/lang.html>) as a task graph,
//! Dask's own drawings included.
//!
//! Any valid DOT graph reads: each node is a task whose key is the node ID and whose
//! group is the node's `label` (or the ID's Dask-style [`key_split`] when it has none);
//! each edge `a -> b` makes `a` a dependency of `b` (undirected `a -- b` too, in the
//! written direction). A repeated edge counts once, and a cycle is an error naming the
//! keys around it.
//!
//! A graph that `dask.dot.to_graphviz` drew (what `visualize(filename='x.dot')` and
//! `to_graphviz(...).source` give) is recognized and read as Dask's tasks: Dask draws a
//! key as a box and the task computing it as a circle, so a box and its circle become
//! one task (see [`DotReadOptions::raw`] to read every node as it is).
//!
//! ```
//! use taskscope_interop::dot::{DotReadOptions, parse_dot};
//!
//! let dot = br#"digraph pipeline { load -> clean -> "train model"; load -> stats }"#;
//! let trace = parse_dot(dot, "pipeline.dot", &DotReadOptions::default()).unwrap();
//! assert_eq!((trace.graph.len(), trace.graph.edge_count()), (4, 3));
//! assert_eq!(trace.header.name.as_deref(), Some("pipeline"));
//! ```

mod dask;
mod lex;
mod parse;
#[cfg(test)]
mod tests;

use std::path::Path;

use serde_json::Value as Json;

use parse::{DotGraph, DotNode, ParseError};
use taskscope_core::key_split;
use taskscope_core::trace::{ReadError, ReadErrorKind, Trace};
use taskscope_core::{GraphBuilder, GraphError, Meta, TaskSpec};

/// The `tool` of the header of a trace read from DOT.
pub const TOOL: &str = "graphviz dot";
/// The `tool` of the header of a trace read from a DOT file that Dask drew.
pub const DASK_TOOL: &str = "dask (DOT)";

/// How to read a DOT file.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DotReadOptions {
    /// Read every DOT node as a task (key = node ID, group = label or ID, op = shape),
    /// even in a drawing by Dask, whose box and circle per task are merged otherwise.
    pub raw: bool,
}

/// Reads a DOT file from disk (all of it: memory grows with the file's size).
pub fn read_dot(path: &Path, options: &DotReadOptions) -> Result<Trace, ReadError> {
    let (bytes, shown) = crate::input::read_whole(path)?;
    parse_dot(&bytes, &shown, options)
}

/// Reads DOT text as a task graph; `source` names it in errors, which give the line
/// and column and say what was expected.
pub fn parse_dot(bytes: &[u8], source: &str, options: &DotReadOptions) -> Result<Trace, ReadError> {
    let graph = parse::parse(bytes).map_err(|e| located(bytes, source, e))?;
    let tasks = tasks_of(&graph, options);
    let tool = tasks.tool;
    let mut builder = GraphBuilder::with_capacity(tasks.specs.len());
    for spec in tasks.specs {
        builder.add(spec);
    }
    let built = builder.build().map_err(|g| {
        let key = match &g {
            GraphError::Cycle { keys } => keys.first(),
            GraphError::DuplicateKey { key } => Some(key),
            GraphError::MissingDependency { task, .. } => Some(task),
        };
        // Errors are rare: find the task's DOT node by making the tasks again.
        let again = tasks_of(&graph, options);
        let node = key
            .and_then(|k| again.specs.iter().position(|s| s.key == *k))
            .map_or(0, |i| again.nodes[i]);
        let error = ParseError {
            kind: ReadErrorKind::Graph,
            at: graph
                .nodes
                .get(node as usize)
                .map_or_else(Default::default, |n| n.at),
            message: g.to_string(),
        };
        let mut e = located(bytes, source, error);
        e.graph = Some(g);
        e
    })?;
    let mut trace = Trace::of_graph(built, graph.name.as_deref());
    trace.header.tool = tool.to_string();
    Ok(trace)
}

fn located(bytes: &[u8], source: &str, e: ParseError) -> ReadError {
    let line = e.at.line.max(1);
    ReadError::at_column(e.kind, source, line, e.at.column(bytes), e.message)
}

/// The tasks read from a DOT graph, the DOT node that places each in the file, and the
/// tool that wrote the graph.
struct DotTasks {
    specs: Vec<TaskSpec>,
    nodes: Vec<u32>,
    tool: &'static str,
}

fn tasks_of(graph: &DotGraph, options: &DotReadOptions) -> DotTasks {
    if options.raw {
        raw_tasks(graph)
    } else {
        dask::tasks(graph).unwrap_or_else(|| plain_tasks(graph))
    }
}

/// Makes task `dep` a dependency of task `dependent`.
fn link(specs: &mut [TaskSpec], dep: usize, dependent: usize) {
    let key = specs[dep].key.clone();
    specs[dependent].deps.push(key);
}

/// A node's label as Graphviz shows it: `\N` is the node's ID and `\G` the graph's
/// name. HTML labels are kept out (they are markup, not names).
fn shown_label(node: &DotNode, graph: &DotGraph) -> Option<String> {
    let label = node.label.as_ref().filter(|l| !l.html)?;
    if !label.value.contains('\\') {
        return Some(label.value.to_string());
    }
    Some(
        label
            .value
            .replace("\\N", &node.id)
            .replace("\\G", graph.name.as_deref().unwrap_or("")),
    )
}

/// A task's metadata: the node's `shape`, and its `label` as written when that is not
/// the task's group already (an HTML label, `\N`, an empty label).
fn node_meta(node: &DotNode, group: &str) -> Meta {
    let mut meta = Meta::new();
    if let Some(l) = node.label.as_ref().filter(|l| &*l.value != group) {
        meta.insert("label".into(), Json::String(l.value.to_string()));
    }
    if let Some(s) = node.shape.as_ref().filter(|s| !s.value.is_empty()) {
        meta.insert("shape".into(), Json::String(s.value.to_string()));
    }
    meta
}

/// One task per node; `group` and `op` make a task's group and op from its node.
fn node_tasks(
    graph: &DotGraph,
    group: impl Fn(&DotNode) -> String,
    op: impl Fn(&DotNode, &str) -> String,
) -> DotTasks {
    let mut specs: Vec<TaskSpec> = graph
        .nodes
        .iter()
        .map(|node| {
            let group = group(node);
            TaskSpec {
                key: node.id.clone(),
                op: op(node, &group),
                meta: node_meta(node, &group),
                group,
                deps: Vec::new(),
            }
        })
        .collect();
    for &(tail, head) in &graph.edges {
        link(&mut specs, tail as usize, head as usize);
    }
    DotTasks {
        specs,
        nodes: (0..graph.nodes.len() as u32).collect(),
        tool: TOOL,
    }
}

/// Any DOT: one task per node, key = ID, group = op = label (else the ID's key_split).
fn plain_tasks(graph: &DotGraph) -> DotTasks {
    node_tasks(
        graph,
        |node| {
            shown_label(node, graph)
                .filter(|l| !l.is_empty())
                .unwrap_or_else(|| key_split(&node.id))
        },
        |_, group| group.to_string(),
    )
}

/// `raw`: one task per node, key = ID, group = label or ID, op = shape.
fn raw_tasks(graph: &DotGraph) -> DotTasks {
    node_tasks(
        graph,
        |node| {
            shown_label(node, graph)
                .filter(|l| !l.is_empty())
                .unwrap_or_else(|| node.id.clone())
        },
        |node, _| {
            node.shape
                .as_ref()
                .filter(|s| !s.value.is_empty())
                // Graphviz draws a node without a shape as an ellipse.
                .map_or_else(|| "ellipse".to_string(), |s| s.value.to_string())
        },
    )
}
