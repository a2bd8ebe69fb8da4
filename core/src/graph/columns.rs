//! The tasks of a graph in columns: no allocation per task.
//!
//! Keys are slices of one text arena, groups and ops ids into one table of names,
//! metadata is kept only for the tasks that have some, and dependencies are stored
//! in compressed rows. A task costs its key's bytes plus 16 bytes here (and
//! 4 per dependency), where a struct of owned strings cost some 270 bytes.

use std::hash::BuildHasher;

use hashbrown::{DefaultHashBuilder, HashTable};

use super::{Meta, TaskId};

/// Bits of a key offset kept in `Columns::key_start` (fewer in tests, to wrap with
/// small keys).
const OFFSET_BITS: u32 = if cfg!(test) { 6 } else { 32 };

/// Metadata of the tasks that have none.
static EMPTY: Meta = Meta::new();

/// Every task's key, group, op, metadata and dependencies, indexed by task id.
#[derive(Clone, Default)]
pub(super) struct Columns {
    /// The text of every key, back to back; key `i` is
    /// `keys[key_offset(i)..key_offset(i + 1)]`.
    keys: String,
    /// `len + 1` offsets into `keys` (empty while there is no task), their low
    /// [`OFFSET_BITS`] bits: 4 bytes a task, where whole offsets took 8.
    key_start: Vec<u32>,
    /// Where the offsets' high bits grow: each time they grow by one, the index of
    /// the first offset with the new value (ascending). Empty until the keys pass
    /// 4 GiB.
    key_wraps: Vec<u32>,
    /// Names of groups and ops, each once: a group and an op of the same text share
    /// an id.
    pub(super) names: Vec<Box<str>>,
    /// The name id of each task's group.
    pub(super) group: Vec<u32>,
    /// The name id of each task's op.
    pub(super) op: Vec<u32>,
    /// Metadata of the tasks that have some, by ascending id.
    meta: Vec<(TaskId, Meta)>,
    /// `len + 1` offsets into `deps` (empty while there is no task).
    pub(super) dep_start: Vec<u32>,
    /// Dependencies of every task, flat; task `i`'s are
    /// `deps[dep_start[i]..dep_start[i + 1]]`.
    pub(super) deps: Vec<TaskId>,
}

impl Columns {
    /// Room for `n` tasks.
    pub(super) fn with_capacity(n: usize) -> Self {
        Columns {
            key_start: Vec::with_capacity(n + 1),
            group: Vec::with_capacity(n),
            op: Vec::with_capacity(n),
            dep_start: Vec::with_capacity(n + 1),
            ..Columns::default()
        }
    }

    /// Number of tasks.
    pub(super) fn len(&self) -> usize {
        self.group.len()
    }

    /// Appends a task (its dependencies go to `deps` first, see [`Columns::end_row`]).
    pub(super) fn push(&mut self, key: &str, group: u32, op: u32, meta: Meta) -> TaskId {
        let id = TaskId(u32::try_from(self.len()).expect("fewer than 2^32 tasks"));
        if self.key_start.is_empty() {
            self.key_start.push(0);
            self.dep_start.push(0);
        }
        self.keys.push_str(key);
        self.push_key_end(self.keys.len());
        self.group.push(group);
        self.op.push(op);
        if !meta.is_empty() {
            self.meta.push((id, meta));
        }
        let end = u32::try_from(self.deps.len()).expect("fewer than 2^32 dependencies");
        self.dep_start.push(end);
        id
    }

    /// Appends tasks in one piece (see [`TaskRows`]).
    pub(super) fn push_rows(&mut self, rows: super::TaskRows<'_>) {
        if self.key_start.is_empty() {
            self.key_start.push(0);
            self.dep_start.push(0);
        }
        let first = self.len();
        let (k0, d0) = (self.keys.len(), self.deps.len());
        self.keys.push_str(rows.keys);
        for &e in rows.key_ends {
            self.push_key_end(k0 + e);
        }
        self.group.extend_from_slice(rows.group);
        self.op.extend_from_slice(rows.op);
        self.deps.extend_from_slice(rows.deps);
        let row_end = |&e: &usize| u32::try_from(d0 + e).expect("fewer than 2^32 dependencies");
        self.dep_start.extend(rows.dep_ends.iter().map(row_end));
        u32::try_from(self.len()).expect("fewer than 2^32 tasks");
        for (j, meta) in rows.metas {
            self.meta.push((TaskId((first + j) as u32), meta));
        }
    }

    /// Records where the last key ends (`keys.len()` after it).
    fn push_key_end(&mut self, end: usize) {
        let at = u32::try_from(self.key_start.len()).expect("fewer than 2^32 tasks");
        let high = (end as u64 >> OFFSET_BITS) as usize;
        while self.key_wraps.len() < high {
            self.key_wraps.push(at);
        }
        self.key_start
            .push((end as u64 & ((1u64 << OFFSET_BITS) - 1)) as u32);
    }

    /// Offset `i` into `keys`.
    fn key_offset(&self, i: usize) -> usize {
        let low = self.key_start[i] as usize;
        if self.key_wraps.is_empty() {
            return low;
        }
        let high = self.key_wraps.partition_point(|&w| w as usize <= i);
        low + (high << OFFSET_BITS)
    }

    /// The key of task `i`.
    pub(super) fn key(&self, i: usize) -> &str {
        &self.keys[self.key_offset(i)..self.key_offset(i + 1)]
    }

    /// Whether some task has metadata.
    pub(super) fn has_meta(&self) -> bool {
        !self.meta.is_empty()
    }

    /// The metadata of task `i`, empty for most tasks.
    pub(super) fn meta(&self, i: usize) -> &Meta {
        match self.meta.binary_search_by_key(&i, |(id, _)| id.index()) {
            Ok(at) => &self.meta[at].1,
            Err(_) => &EMPTY,
        }
    }

    /// The dependencies of task `i`.
    pub(super) fn deps(&self, i: usize) -> &[TaskId] {
        &self.deps[self.dep_start[i] as usize..self.dep_start[i + 1] as usize]
    }

    /// Frees the room kept for tasks that never came.
    pub(super) fn shrink_to_fit(&mut self) {
        self.keys.shrink_to_fit();
        self.key_start.shrink_to_fit();
        self.key_wraps.shrink_to_fit();
        self.names.shrink_to_fit();
        self.group.shrink_to_fit();
        self.op.shrink_to_fit();
        self.meta.shrink_to_fit();
        self.dep_start.shrink_to_fit();
        self.deps.shrink_to_fit();
    }
}

/// Finds the id of a group or op name while building, allocating only new names.
#[derive(Default)]
pub(super) struct NameIndex {
    table: HashTable<u32>,
    hasher: DefaultHashBuilder,
    /// The last two names found (ids + 1; 0: none): tasks come in runs of one group
    /// and op, and comparing a short name is cheaper than hashing it.
    recent: [u32; 2],
}

impl NameIndex {
    /// The id of `name` in `names`, added if it is new.
    pub(super) fn intern(&mut self, names: &mut Vec<Box<str>>, name: &str) -> u32 {
        for r in self.recent {
            if r != 0 && *names[r as usize - 1] == *name {
                return r - 1;
            }
        }
        let id = self.find_or_add(names, name);
        self.recent = [id + 1, self.recent[0]];
        id
    }

    fn find_or_add(&mut self, names: &mut Vec<Box<str>>, name: &str) -> u32 {
        let hasher = &self.hasher;
        let hash = hasher.hash_one(name);
        let entry = self.table.entry(
            hash,
            |&id| &*names[id as usize] == name,
            |&id| hasher.hash_one(&*names[id as usize]),
        );
        match entry {
            hashbrown::hash_table::Entry::Occupied(e) => *e.get(),
            hashbrown::hash_table::Entry::Vacant(slot) => {
                let id = u32::try_from(names.len()).expect("fewer than 2^32 names");
                names.push(name.into());
                slot.insert(id);
                id
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_read_back_across_offset_wraps() {
        // In tests an offset keeps 6 bits: keys wrap every 64 bytes, and a long key
        // wraps several times at once.
        let keys: Vec<String> = (0..300)
            .map(|i| match i % 7 {
                0 => "x".repeat(150 + i),
                1 => String::new(),
                _ => format!("('task', {i})"),
            })
            .collect();
        let mut c = Columns::default();
        for k in &keys[..100] {
            c.push(k, 0, 0, Meta::new());
        }
        let rest = keys[100..].concat();
        let mut ends = Vec::new();
        let mut end = 0;
        for k in &keys[100..] {
            end += k.len();
            ends.push(end);
        }
        let n = keys.len() - 100;
        c.push_rows(crate::graph::TaskRows {
            keys: &rest,
            key_ends: &ends,
            group: &vec![0; n],
            op: &vec![0; n],
            deps: &[],
            dep_ends: &vec![0; n],
            metas: Vec::new(),
        });
        assert!(c.key_wraps.len() > 100, "{}", c.key_wraps.len());
        for (i, k) in keys.iter().enumerate() {
            assert_eq!(c.key(i), k, "task {i}");
        }
    }
}
