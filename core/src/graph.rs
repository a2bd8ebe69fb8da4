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

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};

/// Key lookups are the hot part of building large graphs: hashbrown's default hasher
/// (foldhash, seeded per process) is several times faster than SipHash.
type KeyMap = hashbrown::HashMap<String, TaskId>;
use std::fmt;

use petgraph::Direction;
use petgraph::stable_graph::{NodeIndex, StableDiGraph};
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::key::key_split;

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

/// One task of a graph.
#[derive(Clone, Debug, PartialEq)]
pub struct Task {
    /// Unique key, for example `('mean_chunk-1f2e…', 3, 4)` or `inc-8a0c…`.
    pub key: String,
    /// The group the task belongs to, usually the key prefix (`mean_chunk`).
    pub group: String,
    /// Name of the operation the task runs (`mean_chunk`, `inc`, …).
    pub op: String,
    /// Free-form metadata, serialized with the task.
    pub meta: Meta,
    deps: Vec<TaskId>,
}

impl Task {
    /// The tasks this one depends on, without repeats, in declaration order.
    pub fn deps(&self) -> &[TaskId] {
        &self.deps
    }
}

/// A task to add to a [`GraphBuilder`]: dependencies are named by key.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TaskSpec {
    pub key: String,
    pub group: String,
    pub op: String,
    pub deps: Vec<String>,
    pub meta: Meta,
}

impl TaskSpec {
    /// A task with the given key and op; its group is derived from the key like Dask's
    /// `key_split` does.
    pub fn new(key: impl Into<String>, op: impl Into<String>) -> Self {
        let key = key.into();
        TaskSpec {
            group: key_split(&key),
            key,
            op: op.into(),
            ..TaskSpec::default()
        }
    }

    /// Adds a dependency by key.
    pub fn dep(mut self, key: impl Into<String>) -> Self {
        self.deps.push(key.into());
        self
    }

    /// Sets the group explicitly.
    pub fn group(mut self, group: impl Into<String>) -> Self {
        self.group = group.into();
        self
    }
}

/// Why a set of tasks does not form a valid graph.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum GraphError {
    #[error("duplicate task key {key:?}")]
    DuplicateKey { key: String },
    #[error("task {task:?} depends on {missing:?}, which is not in the graph")]
    MissingDependency { task: String, missing: String },
    /// `keys` lists the tasks around the cycle in data-flow order, the first key repeated
    /// at the end: in `a -> b -> a`, b depends on a and a depends on b.
    #[error("cycle: {}", .keys.join(" -> "))]
    Cycle { keys: Vec<String> },
}

/// Collects tasks, then checks them and builds a [`TaskGraph`].
#[derive(Default)]
pub struct GraphBuilder {
    specs: Vec<TaskSpec>,
    /// Dependencies given by id ([`GraphBuilder::add_with_ids`]), after those by key.
    dep_ids: Vec<Vec<TaskId>>,
}

impl GraphBuilder {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn with_capacity(n: usize) -> Self {
        GraphBuilder {
            specs: Vec::with_capacity(n),
            dep_ids: Vec::with_capacity(n),
        }
    }

    /// Adds a task; tasks get ids in the order they are added.
    pub fn add(&mut self, spec: TaskSpec) -> TaskId {
        self.add_with_ids(spec, Vec::new())
    }

    /// Adds a task whose dependencies (besides `spec.deps`, by key) are given by the
    /// ids they got or will get here: readers of files that number their tasks skip
    /// a key lookup per edge.
    ///
    /// ```
    /// use taskscope_core::{GraphBuilder, TaskId, TaskSpec};
    ///
    /// let mut b = GraphBuilder::new();
    /// b.add(TaskSpec::new("a", "load"));
    /// b.add_with_ids(TaskSpec::new("b", "sum"), vec![TaskId(0)]);
    /// let g = b.build().unwrap();
    /// assert_eq!(g.task(TaskId(1)).deps(), &[TaskId(0)]);
    /// ```
    pub fn add_with_ids(&mut self, spec: TaskSpec, deps: Vec<TaskId>) -> TaskId {
        self.specs.push(spec);
        self.dep_ids.push(deps);
        TaskId((self.specs.len() - 1) as u32)
    }

    pub fn len(&self) -> usize {
        self.specs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.specs.is_empty()
    }

    /// Checks keys, dependencies and acyclicity, and builds the graph.
    pub fn build(self) -> Result<TaskGraph, GraphError> {
        self.build_located().map_err(|(e, _)| e)
    }

    /// [`GraphBuilder::build`], with the ids of the tasks an error is about (both
    /// tasks of a duplicate key, the task missing a dependency, the tasks around a
    /// cycle), so that readers can name lines.
    pub(crate) fn build_located(self) -> Result<TaskGraph, (GraphError, Vec<TaskId>)> {
        let n = self.specs.len();
        let mut by_key = KeyMap::with_capacity(n);
        for (i, spec) in self.specs.iter().enumerate() {
            if let Some(first) = by_key.insert(spec.key.clone(), TaskId(i as u32)) {
                let key = spec.key.clone();
                return Err((
                    GraphError::DuplicateKey { key },
                    vec![first, TaskId(i as u32)],
                ));
            }
        }
        let mut graph = StableDiGraph::with_capacity(n, n * 2);
        let mut tasks = Vec::with_capacity(n);
        // mark[d] == i: task i already lists d (repeats count once, in O(1)).
        let mut mark = vec![u32::MAX; n];
        for (i, (spec, ids)) in self.specs.into_iter().zip(self.dep_ids).enumerate() {
            let mut deps = Vec::with_capacity(spec.deps.len() + ids.len());
            for d in &spec.deps {
                let id = *by_key.get(d).ok_or_else(|| {
                    let e = GraphError::MissingDependency {
                        task: spec.key.clone(),
                        missing: d.clone(),
                    };
                    (e, vec![TaskId(i as u32)])
                })?;
                if mark[id.index()] != i as u32 {
                    mark[id.index()] = i as u32;
                    deps.push(id);
                }
            }
            for id in ids {
                if id.index() >= n {
                    let e = GraphError::MissingDependency {
                        task: spec.key.clone(),
                        missing: format!("#{}", id.0),
                    };
                    return Err((e, vec![TaskId(i as u32)]));
                }
                if mark[id.index()] != i as u32 {
                    mark[id.index()] = i as u32;
                    deps.push(id);
                }
            }
            tasks.push(Task {
                key: spec.key,
                group: spec.group,
                op: spec.op,
                meta: spec.meta,
                deps,
            });
        }
        for i in 0..n {
            graph.add_node(TaskId(i as u32));
        }
        for (i, t) in tasks.iter().enumerate() {
            for d in &t.deps {
                graph.add_edge(NodeIndex::new(d.index()), NodeIndex::new(i), ());
            }
        }
        let (dependents, dependent_start) = dependents_of(&tasks);
        let mut g = TaskGraph {
            tasks,
            graph,
            by_key,
            levels: Vec::new(),
            topo: Vec::new(),
            dependents,
            dependent_start,
        };
        g.topo = g.kahn_order().map_err(|_| {
            let keys = g.find_cycle();
            let ids = keys.iter().filter_map(|k| g.id_of(k)).collect();
            (GraphError::Cycle { keys }, ids)
        })?;
        g.levels = g.compute_levels();
        Ok(g)
    }
}

/// Dependents of every task in compressed rows (see `TaskGraph::dependents`).
fn dependents_of(tasks: &[Task]) -> (Vec<TaskId>, Vec<u32>) {
    let mut start = vec![0u32; tasks.len() + 1];
    for t in tasks {
        for d in &t.deps {
            start[d.index() + 1] += 1;
        }
    }
    for i in 0..tasks.len() {
        start[i + 1] += start[i];
    }
    let mut fill = start.clone();
    let mut flat = vec![TaskId(0); start[tasks.len()] as usize];
    // Visiting tasks in id order fills each row in ascending order.
    for (i, t) in tasks.iter().enumerate() {
        for d in &t.deps {
            flat[fill[d.index()] as usize] = TaskId(i as u32);
            fill[d.index()] += 1;
        }
    }
    (flat, start)
}

/// A valid task graph: unique keys, existing dependencies, no cycles.
///
/// Wraps a petgraph `StableDiGraph` whose edges point from a dependency to its
/// dependent (the direction data flows).
#[derive(Clone)]
pub struct TaskGraph {
    tasks: Vec<Task>,
    graph: StableDiGraph<TaskId, ()>,
    by_key: KeyMap,
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

    pub fn len(&self) -> usize {
        self.tasks.len()
    }

    pub fn is_empty(&self) -> bool {
        self.tasks.is_empty()
    }

    /// Number of dependency edges (repeated dependencies count once).
    pub fn edge_count(&self) -> usize {
        self.graph.edge_count()
    }

    pub fn task(&self, id: TaskId) -> &Task {
        &self.tasks[id.index()]
    }

    pub fn tasks(&self) -> impl ExactSizeIterator<Item = (TaskId, &Task)> {
        self.tasks
            .iter()
            .enumerate()
            .map(|(i, t)| (TaskId(i as u32), t))
    }

    pub fn id_of(&self, key: &str) -> Option<TaskId> {
        self.by_key.get(key).copied()
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
        let mut counts = BTreeMap::new();
        for t in &self.tasks {
            *counts.entry(t.group.clone()).or_insert(0) += 1;
        }
        counts
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
            for &d in &self.tasks[id.index()].deps {
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

    /// Kahn's algorithm, taking ready tasks in id order for a deterministic result.
    fn kahn_order(&self) -> Result<Vec<TaskId>, ()> {
        let n = self.len();
        let mut missing: Vec<usize> = self.tasks.iter().map(|t| t.deps.len()).collect();
        let mut queue: VecDeque<TaskId> = (0..n)
            .filter(|&i| missing[i] == 0)
            .map(|i| TaskId(i as u32))
            .collect();
        let mut order = Vec::with_capacity(n);
        while let Some(id) = queue.pop_front() {
            order.push(id);
            for &next in self.dependents(id) {
                missing[next.index()] -= 1;
                if missing[next.index()] == 0 {
                    queue.push_back(next);
                }
            }
        }
        if order.len() == n { Ok(order) } else { Err(()) }
    }

    fn compute_levels(&self) -> Vec<u32> {
        let mut levels = vec![0u32; self.len()];
        for &id in &self.topo {
            levels[id.index()] = self.tasks[id.index()]
                .deps
                .iter()
                .map(|d| levels[d.index()] + 1)
                .max()
                .unwrap_or(0);
        }
        levels
    }

    /// One cycle of a graph that has one, as keys in data-flow order with the first key
    /// repeated at the end. Deterministic: starts from the lowest id on any cycle.
    fn find_cycle(&self) -> Vec<String> {
        let sccs = petgraph::algo::tarjan_scc(&self.graph);
        let on_cycle =
            |scc: &Vec<NodeIndex>| scc.len() > 1 || self.graph.contains_edge(scc[0], scc[0]);
        let Some(scc) = sccs
            .iter()
            .filter(|s| on_cycle(s))
            .min_by_key(|s| s.iter().map(|n| n.index()).min())
        else {
            return Vec::new();
        };
        let members: HashSet<NodeIndex> = scc.iter().copied().collect();
        let start = *scc.iter().min_by_key(|n| n.index()).expect("non-empty scc");
        // Shortest way from `start` back to itself, staying inside the component.
        let mut parent: HashMap<NodeIndex, NodeIndex> = HashMap::new();
        let mut queue = VecDeque::from([start]);
        let mut last = start;
        'bfs: while let Some(u) = queue.pop_front() {
            let mut next: Vec<NodeIndex> = self
                .graph
                .neighbors_directed(u, Direction::Outgoing)
                .filter(|v| members.contains(v))
                .collect();
            next.sort_unstable_by_key(|v| v.index());
            for v in next {
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
            .map(|n| self.tasks[n.index()].key.clone())
            .collect()
    }
}
