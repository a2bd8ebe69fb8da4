//! Recognizing a graph that Dask drew, and reading it as Dask's tasks.
//!
//! `dask.dot.to_graphviz` (Dask 2026.8, `dask/dot.py`) draws every key as a box
//! (`shape=box`, `label` = `box_label(key)`: the chunk index `(0, 3)` or `3` of a tuple
//! key, and `""` for a string key unless `verbose=True`, which shows the whole key),
//! and each key computed by a task also as a circle (`shape=circle`, `label` =
//! `key_split(key)`: the task's group, `mean_chunk`) with an edge circle -> box. A
//! dependency is an edge from the dependency's box to the dependent's circle; an alias
//! of another key is an edge box -> box. Node IDs are `str(hash(...))`: integers that
//! change from one Python process to the next. With `collapse_outputs=True` a task is
//! its circle alone.
//!
//! Read back, a box and its circle make one task: group and op = the circle's label;
//! key = `('<group>', <index>)` for a chunk index, the box's label when it is a whole
//! key, else the group. The token of Dask's real key is not in the drawing, so keys
//! that would repeat (two layers of one group) get `-1`, `-2`, … after the name
//! (`('add-2', 0, 0)`, `inc-3`), which `key_split` drops again. A box without a circle
//! is data (group `data`) or, with a box -> box edge into it, an alias (group `alias`).

use serde_json::Value as Json;

use super::parse::{DotGraph, DotNode};
use super::{DASK_TOOL, DotTasks, link};
use taskscope_core::key_split;
use taskscope_core::{Meta, TaskSpec};

#[derive(Clone, Copy, PartialEq, Eq)]
enum Shape {
    Box,
    Circle,
}

/// The tasks of a graph that Dask drew, or `None` when the graph is not one.
pub(super) fn tasks(graph: &DotGraph) -> Option<DotTasks> {
    if !graph.directed || graph.nodes.is_empty() {
        return None;
    }
    let shapes: Vec<Shape> = graph.nodes.iter().map(dask_shape).collect::<Option<_>>()?;
    let n = graph.nodes.len();
    // The circle that computes each box, and the box each circle computes.
    let mut producer: Vec<Option<u32>> = vec![None; n];
    let mut output: Vec<Option<u32>> = vec![None; n];
    for &(tail, head) in &graph.edges {
        let (t, h) = (tail as usize, head as usize);
        if shapes[t] == Shape::Circle && shapes[h] == Shape::Box {
            match (producer[h], output[t]) {
                (None, None) => {
                    producer[h] = Some(tail);
                    output[t] = Some(head);
                }
                // The same edge written twice.
                (Some(p), Some(o)) if p == tail && o == head => {}
                // A key computed twice, or a task with two outputs: not Dask's drawing.
                _ => return None,
            }
        }
    }
    // One task per box, and per circle without a box (collapse_outputs).
    let mut task_of: Vec<u32> = vec![u32::MAX; n];
    let mut members: Vec<(u32, Option<u32>)> = Vec::new(); // (box or lone circle, circle)
    for i in 0..n {
        let node = i as u32;
        match (shapes[i], output[i]) {
            (Shape::Box, _) => {
                task_of[i] = members.len() as u32;
                members.push((node, producer[i]));
            }
            (Shape::Circle, None) => {
                task_of[i] = members.len() as u32;
                members.push((node, Some(node)));
            }
            (Shape::Circle, Some(_)) => {}
        }
    }
    for i in 0..n {
        if let Some(o) = output[i] {
            task_of[i] = task_of[o as usize];
        }
    }
    // Box -> box edges mark aliases.
    let mut aliased = vec![false; members.len()];
    for &(tail, head) in &graph.edges {
        if shapes[tail as usize] == Shape::Box && shapes[head as usize] == Shape::Box {
            aliased[task_of[head as usize] as usize] = true;
        }
    }
    let named: Vec<Named> = members
        .iter()
        .zip(&aliased)
        .map(|(&(main, circle), &alias)| name(graph, main, circle, alias))
        .collect();
    let keys = unique_keys(&named);
    let mut specs: Vec<TaskSpec> = members
        .iter()
        .zip(named)
        .zip(keys)
        .map(|((&(main, circle), named), key)| {
            let mut meta = Meta::new();
            let id = graph.nodes[main as usize].id.clone();
            meta.insert("dot_node".into(), Json::String(id));
            if let Some(c) = circle.filter(|&c| c != main) {
                let id = graph.nodes[c as usize].id.clone();
                meta.insert("dot_function_node".into(), Json::String(id));
            }
            TaskSpec {
                key,
                group: named.group,
                op: named.op,
                deps: Vec::new(),
                meta,
            }
        })
        .collect();
    for &(tail, head) in &graph.edges {
        if output[tail as usize] == Some(head) {
            continue; // a circle -> its own box: the same task
        }
        let (dep, dependent) = (task_of[tail as usize], task_of[head as usize]);
        link(&mut specs, dep as usize, dependent as usize);
    }
    Some(DotTasks {
        specs,
        nodes: members.iter().map(|&(main, _)| main).collect(),
        tool: DASK_TOOL,
    })
}

/// A node's shape if it is one Dask draws with a label and a hash for an ID.
fn dask_shape(node: &DotNode) -> Option<Shape> {
    let label = node.label.as_ref()?;
    let shape = node.shape.as_ref()?;
    if label.html || shape.html || !is_integer(&node.id) {
        return None;
    }
    match &*shape.value {
        "box" => Some(Shape::Box),
        "circle" => Some(Shape::Circle),
        _ => None,
    }
}

fn is_integer(s: &str) -> bool {
    let digits = s.strip_prefix('-').unwrap_or(s);
    !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
}

/// What a task's key is built from.
struct Named {
    /// The key's name: the group, for keys rebuilt from a chunk index or a group.
    name: String,
    /// The chunk index as Dask prints it (`0, 3` of `(0, 3)`), if the box shows one.
    index: Option<String>,
    /// The whole key, when the box shows it (`verbose=True`).
    whole: Option<String>,
    group: String,
    op: String,
}

fn name(graph: &DotGraph, main: u32, circle: Option<u32>, alias: bool) -> Named {
    let label_of = |i: u32| {
        graph.nodes[i as usize]
            .label
            .as_ref()
            .map_or_else(String::new, |l| l.value.to_string())
    };
    let function = circle.map(label_of);
    let box_label = if circle == Some(main) {
        String::new()
    } else {
        label_of(main)
    };
    let index = chunk_index(&box_label);
    let whole = (index.is_none() && !box_label.is_empty()).then(|| box_label.clone());
    let fallback = if alias { "alias" } else { "data" };
    let group = match (&function, &whole) {
        (Some(f), _) if !f.is_empty() => f.clone(),
        (_, Some(w)) => key_split(w),
        _ => fallback.to_string(),
    };
    let op = function
        .filter(|f| !f.is_empty())
        .unwrap_or_else(|| fallback.to_string());
    Named {
        name: group.clone(),
        index,
        whole,
        group,
        op,
    }
}

/// The inside of a chunk index as `box_label` prints it: `(0, 3)` -> `0, 3`, `3` -> `3`.
fn chunk_index(label: &str) -> Option<String> {
    if is_integer(label) {
        return Some(label.to_string());
    }
    let inner = label.strip_prefix('(')?.strip_suffix(')')?;
    Some(inner.to_string())
}

/// The key of a task, with `-n` after the name when `n` is not `None`.
fn key(named: &Named, n: Option<usize>) -> String {
    if let (Some(whole), None) = (&named.whole, n) {
        return whole.clone();
    }
    let name = match n {
        Some(n) => format!("{}-{n}", named.whole.as_deref().unwrap_or(&named.name)),
        None => named.name.clone(),
    };
    match &named.index {
        Some(i) if i.is_empty() => format!("('{name}',)"),
        Some(i) => format!("('{name}', {i})"),
        None => name,
    }
}

/// Keys for every task, unique: a key that several tasks would have gets a number.
fn unique_keys(named: &[Named]) -> Vec<String> {
    let plain: Vec<String> = named.iter().map(|n| key(n, None)).collect();
    let mut count: hashbrown::HashMap<&str, usize> = hashbrown::HashMap::new();
    for k in &plain {
        *count.entry(k.as_str()).or_default() += 1;
    }
    let mut used: hashbrown::HashSet<String> = plain
        .iter()
        .filter(|k| count[k.as_str()] == 1)
        .cloned()
        .collect();
    let mut next: hashbrown::HashMap<&str, usize> = hashbrown::HashMap::new();
    let mut keys = Vec::with_capacity(named.len());
    for (n, k) in named.iter().zip(&plain) {
        if count[k.as_str()] == 1 {
            keys.push(k.clone());
            continue;
        }
        let counter = next.entry(k.as_str()).or_insert(0);
        let numbered = loop {
            *counter += 1;
            let candidate = key(n, Some(*counter));
            if !used.contains(&candidate) {
                break candidate;
            }
        };
        used.insert(numbered.clone());
        keys.push(numbered);
    }
    keys
}
