//! petgraph's visit traits on [`TaskGraph`], petgraph's own idiom for custom graphs:
//! its algorithms run on the graph as it is, with no second copy of it.
//!
//! Edges point from a dependency to its dependent (the direction data flows):
//! outgoing neighbors are dependents, incoming ones dependencies.
//!
//! ```
//! use petgraph::visit::{Dfs, Walker};
//! use taskscope_core::{GraphBuilder, TaskId, TaskSpec};
//!
//! let mut b = GraphBuilder::new();
//! b.add(TaskSpec::new("load", "load"));
//! b.add(TaskSpec::new("clean", "clean").dep("load"));
//! b.add(TaskSpec::new("other", "other"));
//! let g = b.build().unwrap();
//! let reached: Vec<TaskId> = Dfs::new(&g, TaskId(0)).iter(&g).collect();
//! assert_eq!(reached, [TaskId(0), TaskId(1)]);
//! assert_eq!(petgraph::algo::toposort(&g, None).unwrap().len(), 3);
//! ```

use std::collections::HashSet;
use std::iter::Copied;
use std::ops::Range;
use std::slice::Iter;

use petgraph::visit::{
    GraphBase, GraphProp, IntoNeighbors, IntoNeighborsDirected, IntoNodeIdentifiers,
    NodeCompactIndexable, NodeCount, NodeIndexable, Visitable,
};
use petgraph::{Directed, Direction};

use super::{TaskGraph, TaskId};

impl GraphBase for TaskGraph {
    /// An edge is named by its ends: (dependency, dependent).
    type EdgeId = (TaskId, TaskId);
    type NodeId = TaskId;
}

impl GraphProp for TaskGraph {
    type EdgeType = Directed;
}

impl<'a> IntoNeighbors for &'a TaskGraph {
    type Neighbors = Copied<Iter<'a, TaskId>>;

    /// The dependents of `a`.
    fn neighbors(self, a: TaskId) -> Self::Neighbors {
        self.dependents(a).iter().copied()
    }
}

impl<'a> IntoNeighborsDirected for &'a TaskGraph {
    type NeighborsDirected = Copied<Iter<'a, TaskId>>;

    fn neighbors_directed(self, a: TaskId, d: Direction) -> Self::NeighborsDirected {
        match d {
            Direction::Outgoing => self.dependents(a).iter().copied(),
            Direction::Incoming => self.task(a).deps().iter().copied(),
        }
    }
}

/// Every task id of a graph, in order.
#[derive(Clone, Debug)]
pub struct TaskIds(Range<u32>);

impl Iterator for TaskIds {
    type Item = TaskId;

    fn next(&mut self) -> Option<TaskId> {
        self.0.next().map(TaskId)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.0.size_hint()
    }
}

impl IntoNodeIdentifiers for &TaskGraph {
    type NodeIdentifiers = TaskIds;

    fn node_identifiers(self) -> TaskIds {
        TaskIds(0..self.len() as u32)
    }
}

// petgraph implements these for `&TaskGraph` from the impls on `TaskGraph`.
impl NodeIndexable for TaskGraph {
    fn node_bound(&self) -> usize {
        self.len()
    }
    fn to_index(&self, a: TaskId) -> usize {
        a.index()
    }
    fn from_index(&self, i: usize) -> TaskId {
        TaskId(i as u32)
    }
}

impl NodeCount for TaskGraph {
    fn node_count(&self) -> usize {
        self.len()
    }
}

impl NodeCompactIndexable for TaskGraph {}

impl Visitable for TaskGraph {
    type Map = HashSet<TaskId>;

    fn visit_map(&self) -> HashSet<TaskId> {
        HashSet::new()
    }

    fn reset_map(&self, map: &mut HashSet<TaskId>) {
        map.clear();
    }
}
