//! Building a [`TaskGraph`]: tasks named by key, checked once.

use std::collections::VecDeque;

use thiserror::Error;

use super::columns::{Columns, NameIndex};
use super::keys::KeyIndex;
use super::{Meta, TaskGraph, TaskId};
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

/// Tasks to add in one piece ([`GraphBuilder::add_rows`]): keys back to back (task
/// `j`'s ends at `key_ends[j]`), group and op name ids, dependencies by id (task
/// `j`'s end at `dep_ends[j]`) and the metadata of the tasks that have some, by
/// position.
pub(crate) struct TaskRows<'a> {
    pub(crate) keys: &'a str,
    pub(crate) key_ends: &'a [usize],
    pub(crate) group: &'a [u32],
    pub(crate) op: &'a [u32],
    pub(crate) deps: &'a [TaskId],
    pub(crate) dep_ends: &'a [usize],
    pub(crate) metas: Vec<(usize, Meta)>,
}

/// Collects tasks, then checks them and builds a [`TaskGraph`].
///
/// Tasks go into the graph's columns as they are added: each key into one text arena,
/// each group and op name once, so a builder keeps no string per task. Dependencies
/// named by a key that no task has yet are kept by key until the build resolves them:
/// a task may depend on one added after it.
#[derive(Default)]
pub struct GraphBuilder {
    columns: Columns,
    names: NameIndex,
    by_key: KeyIndex,
    /// Dependencies named by a key that no task had when they were added: their place
    /// in `columns.deps` (which holds a placeholder) and the key, in adding order.
    pending: Vec<(usize, String)>,
    /// The first key given twice: the task that has it, and the one that gave it again.
    duplicate: Option<(TaskId, TaskId)>,
}

impl GraphBuilder {
    /// A builder with no task yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// A builder with room for `n` tasks, for readers that know the count.
    pub fn with_capacity(n: usize) -> Self {
        GraphBuilder {
            columns: Columns::with_capacity(n),
            by_key: KeyIndex::with_capacity(n),
            ..GraphBuilder::default()
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
        let TaskSpec {
            key,
            group,
            op,
            deps: named,
            meta,
        } = spec;
        self.columns.deps.reserve(named.len() + deps.len());
        for d in named {
            self.push_named_dep(d);
        }
        self.columns.deps.extend(deps);
        self.push(&key, &group, &op, meta)
    }

    /// Adds a task from borrowed parts, its dependencies given by id (ids of tasks
    /// added before or after it; repeats count once, an id that no task gets is an
    /// error of [`GraphBuilder::build`]). The fast path for readers: no [`TaskSpec`]
    /// to fill, the key copied once into the graph, and a group or op name allocated
    /// only the first time it is seen.
    ///
    /// ```
    /// use taskscope_core::{GraphBuilder, Meta, TaskId};
    ///
    /// let mut b = GraphBuilder::new();
    /// let load = b.add_parts("load-1", "load", "read_csv", &[], Meta::new());
    /// b.add_parts("sum", "sum", "sum", &[load, load], Meta::new());
    /// let g = b.build().unwrap();
    /// assert_eq!((g.task(load).op(), g.task(TaskId(1)).deps()), ("read_csv", &[load][..]));
    /// ```
    pub fn add_parts(
        &mut self,
        key: &str,
        group: &str,
        op: &str,
        deps: &[TaskId],
        meta: Meta,
    ) -> TaskId {
        self.columns.deps.extend_from_slice(deps);
        self.push(key, group, op, meta)
    }

    /// The id of a group or op name, added if new: readers with names of their own
    /// by number look each one up once.
    pub(crate) fn name_id(&mut self, name: &str) -> u32 {
        self.names.intern(&mut self.columns.names, name)
    }

    /// Adds tasks in one piece, their names by [`GraphBuilder::name_id`] and their
    /// dependencies by id.
    pub(crate) fn add_rows(&mut self, rows: TaskRows<'_>) {
        self.columns.push_rows(rows);
    }

    /// Number of tasks added so far.
    pub fn len(&self) -> usize {
        self.columns.len()
    }

    /// Whether no task was added yet.
    pub fn is_empty(&self) -> bool {
        self.columns.len() == 0
    }

    /// The key of a task added so far.
    pub(crate) fn key(&self, id: TaskId) -> &str {
        self.columns.key(id.index())
    }

    /// The first dependency given by id that names no task (an id of `len()` or
    /// more), with the task that gives it: readers name it in their own words.
    pub(crate) fn first_unknown_dep(&self) -> Option<(TaskId, TaskId)> {
        let n = self.len();
        let mut pending = self.pending.iter().map(|(at, _)| *at).peekable();
        let (at, &dep) = self.columns.deps.iter().enumerate().find(|&(at, d)| {
            // Placeholders of dependencies by key are not ids.
            if pending.next_if(|&p| p <= at) == Some(at) {
                return false;
            }
            d.index() >= n
        })?;
        let task = self
            .columns
            .dep_start
            .partition_point(|&s| s as usize <= at)
            - 1;
        Some((TaskId(task as u32), dep))
    }

    /// Appends the row ended by `columns.deps` to a new task.
    fn push(&mut self, key: &str, group: &str, op: &str, meta: Meta) -> TaskId {
        let group = self.names.intern(&mut self.columns.names, group);
        let op = self.names.intern(&mut self.columns.names, op);
        self.columns.push(key, group, op, meta)
    }

    /// Brings the key index up to every task added so far.
    fn index_keys(&mut self) {
        let columns = &self.columns;
        if let Some(pair) = self
            .by_key
            .extend_to(columns.len(), |t| columns.key(t.index()))
        {
            self.duplicate.get_or_insert(pair);
        }
    }

    /// Adds a dependency by key to the row being filled: its id if a task has the key
    /// already, otherwise a placeholder that the build resolves.
    fn push_named_dep(&mut self, key: String) {
        if self.by_key.indexed() < self.len() {
            self.index_keys();
        }
        let columns = &self.columns;
        match self.by_key.get(&key, |t| columns.key(t.index())) {
            Some(id) => self.columns.deps.push(id),
            None => {
                self.pending.push((self.columns.deps.len(), key));
                self.columns.deps.push(TaskId(u32::MAX));
            }
        }
    }

    /// Checks keys, dependencies and acyclicity, and builds the graph.
    pub fn build(self) -> Result<TaskGraph, GraphError> {
        self.build_located().map_err(|(e, _)| e)
    }

    /// [`GraphBuilder::build`], with the ids of the tasks an error is about (both
    /// tasks of a duplicate key, the task missing a dependency, the tasks around a
    /// cycle), so that readers can name lines.
    pub(crate) fn build_located(mut self) -> Result<TaskGraph, (GraphError, Vec<TaskId>)> {
        if !self.pending.is_empty() {
            self.index_keys();
        }
        self.check_keys()?;
        if let Err(missing) = self.resolve_deps() {
            // A key given twice is the first error to name, before a missing dependency.
            self.index_keys();
            self.check_keys()?;
            return Err(missing);
        }
        self.columns.shrink_to_fit();
        // Every dependency is an id now: the key index (lookups by key, and the check
        // that keys are unique) fills beside the graph's order and levels.
        let columns = &self.columns;
        let by_key = &mut self.by_key;
        let (duplicate, (dependents, dependent_start, order)) = crate::parallel::join(
            columns.len(),
            || by_key.extend_to(columns.len(), |t| columns.key(t.index())),
            || {
                let (dependents, start) = dependents_of(columns);
                let order = kahn_order(columns, &dependents, &start)
                    .map(|topo| (levels_of(columns, &topo), topo));
                (dependents, start, order)
            },
        );
        if let Some(pair) = duplicate {
            self.duplicate.get_or_insert(pair);
        }
        self.check_keys()?;
        let mut g = TaskGraph {
            columns: self.columns,
            by_key: self.by_key.into(),
            levels: Vec::new(),
            topo: Vec::new(),
            dependents,
            dependent_start,
        };
        (g.levels, g.topo) = order.map_err(|()| {
            let keys = g.find_cycle();
            let ids = keys.iter().filter_map(|k| g.id_of(k)).collect();
            (GraphError::Cycle { keys }, ids)
        })?;
        Ok(g)
    }

    /// The error of the first key given twice, if any.
    fn check_keys(&self) -> Result<(), (GraphError, Vec<TaskId>)> {
        match self.duplicate {
            Some((first, id)) => {
                let key = self.key(id).to_string();
                Err((GraphError::DuplicateKey { key }, vec![first, id]))
            }
            None => Ok(()),
        }
    }

    /// Resolves the dependencies still named by key and drops repeats, in place: each
    /// task's row keeps its first mention of each dependency, in declaration order (by
    /// key first, then by id). The first task naming a key or id that no task has is
    /// an error.
    fn resolve_deps(&mut self) -> Result<(), (GraphError, Vec<TaskId>)> {
        let n = self.len();
        let mut pending = std::mem::take(&mut self.pending).into_iter().peekable();
        // mark[d] == i: task i already lists d (repeats count once, in O(1)).
        let mut mark = vec![u32::MAX; n];
        let (mut read, mut write) = (0, 0);
        for i in 0..n {
            let end = self.columns.dep_start[i + 1] as usize;
            while let Some((at, key)) = pending.next_if(|(at, _)| *at < end) {
                let columns = &self.columns;
                match self.by_key.get(&key, |t| columns.key(t.index())) {
                    Some(id) => self.columns.deps[at] = id,
                    None => return Err(self.missing(i, key)),
                }
            }
            let deps = &mut self.columns.deps;
            if let Some(bad) = deps[read..end].iter().find(|d| d.index() >= n) {
                let what = format!("#{}", bad.0);
                return Err(self.missing(i, what));
            }
            self.columns.dep_start[i] = write as u32;
            for r in read..end {
                let d = deps[r];
                if mark[d.index()] != i as u32 {
                    mark[d.index()] = i as u32;
                    deps[write] = d;
                    write += 1;
                }
            }
            read = end;
        }
        if n > 0 {
            self.columns.dep_start[n] = write as u32;
        }
        self.columns.deps.truncate(write);
        Ok(())
    }

    /// The error for task `i` depending on `what`, which no task is.
    fn missing(&self, i: usize, what: String) -> (GraphError, Vec<TaskId>) {
        let e = GraphError::MissingDependency {
            task: self.columns.key(i).to_string(),
            missing: what,
        };
        (e, vec![TaskId(i as u32)])
    }
}

/// Dependents of every task in compressed rows (see `TaskGraph::dependents`).
fn dependents_of(columns: &Columns) -> (Vec<TaskId>, Vec<u32>) {
    let n = columns.len();
    let mut start = vec![0u32; n + 1];
    for d in &columns.deps {
        start[d.index() + 1] += 1;
    }
    for i in 0..n {
        start[i + 1] += start[i];
    }
    let mut fill = start.clone();
    let mut flat = vec![TaskId(0); start[n] as usize];
    // Visiting tasks in id order fills each row in ascending order.
    for i in 0..n {
        for d in columns.deps(i) {
            flat[fill[d.index()] as usize] = TaskId(i as u32);
            fill[d.index()] += 1;
        }
    }
    (flat, start)
}

/// Kahn's algorithm over the graph's rows and its dependents (`dependents_of`), taking
/// ready tasks in id order for a deterministic result; `Err` when a cycle leaves tasks
/// that never become ready.
fn kahn_order(
    columns: &Columns,
    dependents: &[TaskId],
    dependent_start: &[u32],
) -> Result<Vec<TaskId>, ()> {
    let n = columns.len();
    let starts = &columns.dep_start;
    let mut missing: Vec<u32> = starts.windows(2).map(|w| w[1] - w[0]).collect();
    let mut queue: VecDeque<TaskId> = (0..n)
        .filter(|&i| missing[i] == 0)
        .map(|i| TaskId(i as u32))
        .collect();
    let mut order = Vec::with_capacity(n);
    while let Some(id) = queue.pop_front() {
        order.push(id);
        let row = dependent_start[id.index()] as usize..dependent_start[id.index() + 1] as usize;
        for &next in &dependents[row] {
            missing[next.index()] -= 1;
            if missing[next.index()] == 0 {
                queue.push_back(next);
            }
        }
    }
    if order.len() == n { Ok(order) } else { Err(()) }
}

/// Each task's level (longest chain of dependencies below it), over `topo`.
fn levels_of(columns: &Columns, topo: &[TaskId]) -> Vec<u32> {
    let mut levels = vec![0u32; columns.len()];
    for &id in topo {
        levels[id.index()] = (columns.deps(id.index()).iter())
            .map(|d| levels[d.index()] + 1)
            .max()
            .unwrap_or(0);
    }
    levels
}
