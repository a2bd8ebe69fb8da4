//! Building a [`TaskGraph`]: tasks named by key, checked once.

use thiserror::Error;

use super::keys::KeyIndex;
use super::{Meta, Task, TaskGraph, TaskId};
use crate::key::key_split;

/// A task to add to a [`GraphBuilder`]: dependencies are named by key.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TaskSpec {
    /// Unique key of the task.
    pub key: String,
    /// Its group (by default the key's `key_split`).
    pub group: String,
    /// Name of the operation it runs.
    pub op: String,
    /// Keys of the tasks it depends on, in any order; repeats count once.
    pub deps: Vec<String>,
    /// Free-form metadata, serialized with the task.
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
    /// Two tasks have the same key.
    #[error("duplicate task key {key:?}")]
    DuplicateKey {
        /// The key given twice.
        key: String,
    },
    /// A task depends on a key (or id) that no task has.
    #[error("task {task:?} depends on {missing:?}, which is not in the graph")]
    MissingDependency {
        /// Key of the task with the dangling dependency.
        task: String,
        /// The key it names, or `#id` for a dependency given by id.
        missing: String,
    },
    /// The dependencies form a cycle.
    #[error("cycle: {}", .keys.join(" -> "))]
    Cycle {
        /// The tasks around the cycle in data-flow order, the first key repeated at the
        /// end: in `a -> b -> a`, b depends on a and a depends on b.
        keys: Vec<String>,
    },
}

/// Collects tasks, then checks them and builds a [`TaskGraph`].
#[derive(Default)]
pub struct GraphBuilder {
    specs: Vec<TaskSpec>,
    /// Dependencies given by id ([`GraphBuilder::add_with_ids`]), after those by key.
    dep_ids: Vec<Vec<TaskId>>,
}

impl GraphBuilder {
    /// A builder with no task yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// A builder with room for `n` tasks, for readers that know the count.
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

    /// Number of tasks added so far.
    pub fn len(&self) -> usize {
        self.specs.len()
    }

    /// Whether no task was added yet.
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
    pub(crate) fn build_located(mut self) -> Result<TaskGraph, (GraphError, Vec<TaskId>)> {
        let by_key = self.index_keys()?;
        let deps = self.resolve_deps(&by_key)?;
        let tasks: Vec<Task> = self
            .specs
            .into_iter()
            .zip(deps)
            .map(|(spec, deps)| Task {
                key: spec.key,
                group: spec.group,
                op: spec.op,
                meta: spec.meta,
                deps,
            })
            .collect();
        let (dependents, dependent_start) = dependents_of(&tasks);
        let mut g = TaskGraph {
            tasks,
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
    /// Task ids by key; a key given twice is an error naming both tasks.
    fn index_keys(&self) -> Result<KeyIndex, (GraphError, Vec<TaskId>)> {
        let specs = &self.specs;
        let mut by_key = KeyIndex::with_capacity(specs.len());
        for (i, spec) in specs.iter().enumerate() {
            let id = TaskId(i as u32);
            if let Err(first) = by_key.insert(id, &spec.key, |t| &specs[t.index()].key) {
                let key = spec.key.clone();
                return Err((GraphError::DuplicateKey { key }, vec![first, id]));
            }
        }
        Ok(by_key)
    }

    /// The dependencies of every task as ids, by key first, then by id, each once.
    /// Takes the ids given by id, so a reader's lists become the graph's without a copy.
    fn resolve_deps(
        &mut self,
        by_key: &KeyIndex,
    ) -> Result<Vec<Vec<TaskId>>, (GraphError, Vec<TaskId>)> {
        let dep_ids = std::mem::take(&mut self.dep_ids);
        let specs = &self.specs;
        let n = specs.len();
        let missing = |i: usize, what: String| {
            let task = specs[i].key.clone();
            let e = GraphError::MissingDependency {
                task,
                missing: what,
            };
            (e, vec![TaskId(i as u32)])
        };
        // mark[d] == i: task i already lists d (repeats count once, in O(1)).
        let mut mark = vec![u32::MAX; n];
        let mut all = Vec::with_capacity(n);
        for (i, (spec, mut ids)) in specs.iter().zip(dep_ids).enumerate() {
            let mut deps = Vec::with_capacity(spec.deps.len());
            for d in &spec.deps {
                let id = by_key
                    .get(d, |t| &specs[t.index()].key)
                    .ok_or_else(|| missing(i, d.clone()))?;
                if mark[id.index()] != i as u32 {
                    mark[id.index()] = i as u32;
                    deps.push(id);
                }
            }
            if let Some(bad) = ids.iter().find(|id| id.index() >= n) {
                return Err(missing(i, format!("#{}", bad.0)));
            }
            ids.retain(|id| {
                let first = mark[id.index()] != i as u32;
                mark[id.index()] = i as u32;
                first
            });
            if deps.is_empty() {
                deps = ids;
            } else {
                deps.extend(ids);
            }
            all.push(deps);
        }
        Ok(all)
    }
}

/// Dependents of every task in compressed rows (see `TaskGraph::dependents`).
pub(super) fn dependents_of(tasks: &[Task]) -> (Vec<TaskId>, Vec<u32>) {
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
