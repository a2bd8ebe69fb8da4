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
//! use taskscope_core::dot::{DotReadOptions, parse_dot};
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

use crate::graph::{GraphBuilder, GraphError, Meta, TaskGraph, TaskSpec};
use crate::key::key_split;
use crate::trace::{ReadError, ReadErrorKind, Trace};
use parse::{DotGraph, DotNode, ParseError};

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
    let shown = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|e| {
        ReadError::other_format(ReadErrorKind::Io, &shown, None, None, e.to_string())
    })?;
    parse_dot(&bytes, &shown, options)
}

/// Reads DOT text as a task graph; `source` names it in errors, which give the line
/// and column and say what was expected.
pub fn parse_dot(bytes: &[u8], source: &str, options: &DotReadOptions) -> Result<Trace, ReadError> {
    let graph = parse::parse(bytes).map_err(|e| located(bytes, source, e))?;
    let (tasks, tool) = if options.raw {
        (raw_tasks(&graph), TOOL)
    } else if let Some(tasks) = dask::tasks(&graph) {
        (tasks, DASK_TOOL)
    } else {
        (plain_tasks(&graph), TOOL)
    };
    let graph_built = build(tasks).map_err(|(g, node)| {
        let at = graph.nodes[node as usize].at;
        let mut e = located(
            bytes,
            source,
            ParseError {
                kind: ReadErrorKind::Graph,
                at,
                message: g.to_string(),
            },
        );
        e.graph = Some(g);
        e
    })?;
    let mut trace = Trace::of_graph(graph_built, graph.name.as_deref());
    trace.header.tool = tool.to_string();
    Ok(trace)
}

fn located(bytes: &[u8], source: &str, e: ParseError) -> ReadError {
    ReadError::at_column(e.kind, source, e.at.line, e.at.column(bytes), e.message)
}

/// A task read from DOT: its spec, with dependencies as task indexes, and the DOT node
/// that places it in the file.
struct DotTask {
    key: String,
    group: String,
    op: String,
    deps: Vec<u32>,
    meta: Meta,
    node: u32,
}

/// Builds the graph; on failure, the error and the DOT node to point at.
fn build(tasks: Vec<DotTask>) -> Result<TaskGraph, (GraphError, u32)> {
    let keys: Vec<String> = tasks.iter().map(|t| t.key.clone()).collect();
    let nodes: Vec<u32> = tasks.iter().map(|t| t.node).collect();
    let mut builder = GraphBuilder::with_capacity(tasks.len());
    for t in tasks {
        builder.add(TaskSpec {
            deps: t.deps.iter().map(|&d| keys[d as usize].clone()).collect(),
            key: t.key,
            group: t.group,
            op: t.op,
            meta: t.meta,
        });
    }
    builder.build().map_err(|g| {
        let key = match &g {
            GraphError::Cycle { keys } => keys.first(),
            GraphError::DuplicateKey { key } => Some(key),
            GraphError::MissingDependency { task, .. } => Some(task),
        };
        let at = key.and_then(|k| keys.iter().position(|x| x == k));
        (g, at.map_or(0, |i| nodes[i]))
    })
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

/// `label` and `shape` as written, for a task's metadata.
fn node_meta(node: &DotNode) -> Meta {
    let mut meta = Meta::new();
    if let Some(l) = &node.label {
        meta.insert("label".into(), Json::String(l.value.to_string()));
    }
    if let Some(s) = node.shape.as_ref().filter(|s| !s.value.is_empty()) {
        meta.insert("shape".into(), Json::String(s.value.to_string()));
    }
    meta
}

/// Dependencies of each node: the tails of the edges into it.
fn deps_by_node(graph: &DotGraph) -> Vec<Vec<u32>> {
    let mut deps = vec![Vec::new(); graph.nodes.len()];
    for &(tail, head) in &graph.edges {
        deps[head as usize].push(tail);
    }
    deps
}

/// Any DOT: one task per node, key = ID, group = label (else the ID's key_split).
fn plain_tasks(graph: &DotGraph) -> Vec<DotTask> {
    let deps = deps_by_node(graph);
    graph
        .nodes
        .iter()
        .zip(deps)
        .enumerate()
        .map(|(i, (node, deps))| {
            let group = shown_label(node, graph)
                .filter(|l| !l.is_empty())
                .unwrap_or_else(|| key_split(&node.id));
            DotTask {
                key: node.id.clone(),
                op: group.clone(),
                group,
                deps,
                meta: node_meta(node),
                node: i as u32,
            }
        })
        .collect()
}

/// `raw`: one task per node, key = ID, group = label or ID, op = shape.
fn raw_tasks(graph: &DotGraph) -> Vec<DotTask> {
    let deps = deps_by_node(graph);
    graph
        .nodes
        .iter()
        .zip(deps)
        .enumerate()
        .map(|(i, (node, deps))| {
            let group = shown_label(node, graph)
                .filter(|l| !l.is_empty())
                .unwrap_or_else(|| node.id.clone());
            let op = node
                .shape
                .as_ref()
                .filter(|s| !s.value.is_empty())
                // Graphviz draws a node without a shape as an ellipse.
                .map_or_else(|| "ellipse".to_string(), |s| s.value.to_string());
            DotTask {
                key: node.id.clone(),
                group,
                op,
                deps,
                meta: node_meta(node),
                node: i as u32,
            }
        })
        .collect()
}
