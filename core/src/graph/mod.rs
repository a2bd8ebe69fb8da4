//! The task-graph IR: tasks with keys, groups and ops, and the dependencies between them.
//!
//! A [`TaskGraph`] is immutable once built and always valid: keys are unique, every
//! dependency exists and there is no cycle. Build one with [`GraphBuilder`]:
//!
//! ```
//! use taskscope_core::{GraphBuilder, TaskSpec};
//!
//! let mut b = GraphBuilder::new();
//! b.add(TaskSpec::new("load-1", "load"));
//! b.add(TaskSpec::new("clean-1", "clean").dep("load-1"));
//! let g = b.build().unwrap();
//! assert_eq!((g.len(), g.edge_count(), g.depth()), (2, 1, 2));
//! ```

mod build;
mod columns;
mod keys;
mod visit;

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::fmt;

use serde::{Deserialize, Serialize};

pub(crate) use build::TaskRows;
pub use build::{GraphBuilder, GraphError, TaskSpec};
pub use visit::TaskIds;

use columns::Columns;
use keys::KeyIndex;

/// Small, ordered task metadata (chunk shape, block index, anything a builder knows).
pub type Meta = BTreeMap<String, serde_json::Value>;

/// Identifies a task within one [`TaskGraph`]: tasks are numbered `0..len` in the order
/// they were added. Stable, and the number that trace files use.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct TaskId(pub u32);

impl TaskId {
    /// The position of the task in its graph, as a `usize` for indexing.
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

impl fmt::Display for TaskId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.0)
    }
}

/// One task of a graph: a view of the graph's columns, cheap to copy.
#[derive(Clone, Copy)]
pub struct Task<'a> {
    graph: &'a TaskGraph,
    id: TaskId,
}

impl<'a> Task<'a> {
    /// The task's id in its graph.
    pub fn id(&self) -> TaskId {
        self.id
    }

    /// Unique key, for example `('mean_chunk-1f2e…', 3, 4)` or `inc-8a0c…`.
    pub fn key(&self) -> &'a str {
        self.graph.columns.key(self.id.index())
    }

    /// The group the task belongs to, usually the key prefix (`mean_chunk`).
    pub fn group(&self) -> &'a str {
        self.graph.group_name(self.graph.group_id(self.id))
    }

    /// Name of the operation the task runs (`mean_chunk`, `inc`, …).
    pub fn op(&self) -> &'a str {
        let columns = &self.graph.columns;
        &columns.names[columns.op[self.id.index()] as usize]
    }

    /// Free-form metadata, serialized with the task (empty for most tasks).
    pub fn meta(&self) -> &'a Meta {
        self.graph.columns.meta(self.id.index())
    }

    /// The tasks this one depends on, without repeats, in declaration order.
    pub fn deps(&self) -> &'a [TaskId] {
        self.graph.columns.deps(self.id.index())
    }
}

impl fmt::Debug for Task<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Task")
            .field("key", &self.key())
            .field("group", &self.group())
            .field("op", &self.op())
            .field("meta", self.meta())
            .field("deps", &self.deps())
            .finish()
    }
}

/// Tasks are equal when their keys, groups, ops, metadata and dependencies are, in
/// the same graph or in two.
impl PartialEq for Task<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.key() == other.key()
            && self.group() == other.group()
            && self.op() == other.op()
            && self.deps() == other.deps()
            && self.meta() == other.meta()
    }
}

/// A valid task graph: unique keys, existing dependencies, no cycles.
///
/// Stored in columns (see [`Task`]): keys in one text arena, group and op names
/// interned, metadata only for the tasks that have some, dependencies and dependents
/// in compressed rows. petgraph's algorithms run on it directly through its visit traits
/// (see the `visit` module), with edges from a dependency to its dependent (the
/// direction data flows).
#[derive(Clone)]
pub struct TaskGraph {
    columns: Columns,
    /// Lookups by key; made again when asked after [`TaskGraph::drop_key_index`].
    by_key: std::sync::OnceLock<KeyIndex>,
    /// Longest path (in tasks) from any source to each task, 0 for sources.
    levels: Vec<u32>,
    topo: Vec<TaskId>,
    /// Dependents of every task, flat, in ascending id order per task; those of task i
    /// are `dependents[dependent_start[i]..dependent_start[i + 1]]`.
    dependents: Vec<TaskId>,
    dependent_start: Vec<u32>,
}

impl fmt::Debug for TaskGraph {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TaskGraph")
            .field("tasks", &self.len())
            .field("edges", &self.edge_count())
            .finish()
    }
}

/// The longest chain of tasks through a graph.
#[derive(Clone, Debug, PartialEq)]
pub struct CriticalPath {
    /// Tasks from the first to run to the last.
    pub tasks: Vec<TaskId>,
    /// Sum of the weights of `tasks` (the task count when unweighted).
    pub length: f64,
}

impl TaskGraph {
    /// An empty graph.
    pub fn empty() -> Self {
        GraphBuilder::new()
            .build()
            .expect("an empty graph is always valid")
    }

    /// Number of tasks.
    pub fn len(&self) -> usize {
        self.columns.len()
    }

    /// Whether any task has metadata ([`Task::meta`]): when none has, asking each
    /// task for it can be skipped.
    pub fn has_meta(&self) -> bool {
        self.columns.has_meta()
    }

    /// Whether the graph has no task.
    pub fn is_empty(&self) -> bool {
        self.columns.len() == 0
    }

    /// Number of dependency edges (repeated dependencies count once).
    pub fn edge_count(&self) -> usize {
        self.dependents.len()
    }

    /// The task with id `id`; panics if the id is not of this graph.
    pub fn task(&self, id: TaskId) -> Task<'_> {
        assert!(id.index() < self.len(), "task {id} is not in this graph");
        Task { graph: self, id }
    }

    /// Every task with its id, in id order.
    pub fn tasks(&self) -> impl ExactSizeIterator<Item = (TaskId, Task<'_>)> {
        (0..self.len() as u32).map(|i| {
            let id = TaskId(i);
            (id, Task { graph: self, id })
        })
    }

    /// The id of the task whose key is `key`.
    pub fn id_of(&self, key: &str) -> Option<TaskId> {
        let columns = &self.columns;
        let index = self.by_key.get_or_init(|| {
            let mut index = KeyIndex::with_capacity(columns.len());
            index.extend_to(columns.len(), |t| columns.key(t.index()));
            index
        });
        index.get(key, |id| columns.key(id.index()))
    }

    /// Frees the index of keys (about 16 bytes a task, 150 MB at 10^7 tasks) for a
    /// program that has the ids it needs; the next [`id_of`](Self::id_of) makes it
    /// again, in one pass over the keys.
    pub fn drop_key_index(&mut self) {
        self.by_key = std::sync::OnceLock::new();
    }

    /// The id of task `id`'s group among the graph's names (see
    /// [`group_name`](Self::group_name)): tasks of one group share it, so per-group
    /// tables can be indexed without hashing names.
    pub fn group_id(&self, id: TaskId) -> u32 {
        self.columns.group[id.index()]
    }

    /// The group or op name with id `name` (a [`group_id`](Self::group_id)).
    pub fn group_name(&self, name: u32) -> &str {
        &self.columns.names[name as usize]
    }

    /// Tasks that depend on `id`, in ascending id order.
    pub fn dependents(&self, id: TaskId) -> &[TaskId] {
        let i = id.index();
        &self.dependents[self.dependent_start[i] as usize..self.dependent_start[i + 1] as usize]
    }

    /// Number of tasks that depend on each task, indexed by id.
    pub fn dependent_counts(&self) -> Vec<u32> {
        self.dependent_start
            .windows(2)
            .map(|w| w[1] - w[0])
            .collect()
    }

    /// A topological order (every task after its dependencies), deterministic.
    pub fn topological_order(&self) -> &[TaskId] {
        &self.topo
    }

    /// The layer of each task: 0 for tasks without dependencies, otherwise one more than
    /// the deepest dependency.
    pub fn levels(&self) -> &[u32] {
        &self.levels
    }

    /// Number of layers: the most tasks on any chain of dependencies.
    pub fn depth(&self) -> usize {
        self.levels.iter().max().map_or(0, |&l| l as usize + 1)
    }

    /// Number of tasks in each layer (see [`levels`](Self::levels)).
    pub fn layer_sizes(&self) -> Vec<usize> {
        let mut sizes = vec![0usize; self.depth()];
        for &l in &self.levels {
            sizes[l as usize] += 1;
        }
        sizes
    }

    /// Size of the largest layer.
    pub fn width(&self) -> usize {
        self.layer_sizes().into_iter().max().unwrap_or(0)
    }

    /// Number of tasks per group, sorted by group name.
    pub fn group_counts(&self) -> BTreeMap<String, usize> {
        let mut by_name = vec![0usize; self.columns.names.len()];
        for &g in &self.columns.group {
            by_name[g as usize] += 1;
        }
        let named = by_name.into_iter().enumerate().filter(|&(_, n)| n > 0);
        named
            .map(|(g, n)| (self.group_name(g as u32).to_string(), n))
            .collect()
    }

    /// The chain of tasks with the largest total weight. With `weight = |_| 1.0` this is
    /// the longest chain, `depth()` tasks long. Ties go to the lower task id.
    pub fn critical_path(&self, weight: impl Fn(TaskId) -> f64) -> CriticalPath {
        if self.is_empty() {
            return CriticalPath {
                tasks: Vec::new(),
                length: 0.0,
            };
        }
        let n = self.len();
        let mut best = vec![0.0f64; n];
        let mut prev: Vec<Option<TaskId>> = vec![None; n];
        for &id in &self.topo {
            let mut pick: Option<TaskId> = None;
            for &d in self.columns.deps(id.index()) {
                let better = match pick {
                    None => true,
                    Some(p) => {
                        best[d.index()] > best[p.index()]
                            || (best[d.index()] == best[p.index()] && d < p)
                    }
                };
                if better {
                    pick = Some(d);
                }
            }
            best[id.index()] = pick.map_or(0.0, |p| best[p.index()]) + weight(id);
            prev[id.index()] = pick;
        }
        let mut end = TaskId(0);
        for i in 1..n {
            if best[i] > best[end.index()] {
                end = TaskId(i as u32);
            }
        }
        let length = best[end.index()];
        let mut tasks = vec![end];
        while let Some(p) = prev[tasks[tasks.len() - 1].index()] {
            tasks.push(p);
        }
        tasks.reverse();
        CriticalPath { tasks, length }
    }

    /// One cycle of a graph that has one, as keys in data-flow order with the first key
    /// repeated at the end. Deterministic: starts from the lowest id on any cycle.
    fn find_cycle(&self) -> Vec<String> {
        let sccs = petgraph::algo::tarjan_scc(self);
        let on_cycle = |scc: &Vec<TaskId>| {
            scc.len() > 1 || self.columns.deps(scc[0].index()).contains(&scc[0])
        };
        let Some(scc) = sccs
            .iter()
            .filter(|s| on_cycle(s))
            .min_by_key(|s| s.iter().min().copied())
        else {
            return Vec::new();
        };
        let members: HashSet<TaskId> = scc.iter().copied().collect();
        let start = *scc.iter().min().expect("non-empty scc");
        // Shortest way from `start` back to itself, staying inside the component.
        let mut parent: HashMap<TaskId, TaskId> = HashMap::new();
        let mut queue = VecDeque::from([start]);
        let mut last = start;
        'bfs: while let Some(u) = queue.pop_front() {
            // Dependents come in ascending id order.
            for &v in self.dependents(u).iter().filter(|v| members.contains(v)) {
                if v == start {
                    last = u;
                    break 'bfs;
                }
                if let std::collections::hash_map::Entry::Vacant(e) = parent.entry(v) {
                    e.insert(u);
                    queue.push_back(v);
                }
            }
        }
        let mut path = vec![last];
        while path[path.len() - 1] != start {
            path.push(parent[&path[path.len() - 1]]);
        }
        path.reverse();
        path.push(start);
        path.iter()
            .map(|&t| self.task(t).key().to_string())
            .collect()
    }
}
