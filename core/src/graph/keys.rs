//! Task ids by key, without a second copy of the keys.

use std::hash::BuildHasher;

use hashbrown::{DefaultHashBuilder, HashTable};

use super::TaskId;

/// A hash table of task ids that hashes and compares the tasks' own keys, so a graph
/// keeps each key once (a `HashMap<String, TaskId>` kept a copy of every key: about
/// 100 bytes a task). Key lookups are the hot part of building large graphs:
/// hashbrown's default hasher (foldhash, seeded per process) is several times faster
/// than SipHash.
#[derive(Clone, Default)]
pub(super) struct KeyIndex {
    table: HashTable<TaskId>,
    hasher: DefaultHashBuilder,
}

impl KeyIndex {
    pub(super) fn with_capacity(n: usize) -> Self {
        KeyIndex {
            table: HashTable::with_capacity(n),
            hasher: DefaultHashBuilder::default(),
        }
    }

    /// Adds `id` under `key` (`key_of(id) == key`), or returns the id that has it.
    pub(super) fn insert<'a>(
        &mut self,
        id: TaskId,
        key: &str,
        key_of: impl Fn(TaskId) -> &'a str,
    ) -> Result<(), TaskId> {
        let hasher = &self.hasher;
        let entry = self.table.entry(
            hasher.hash_one(key),
            |&other| key_of(other) == key,
            |&other| hasher.hash_one(key_of(other)),
        );
        match entry {
            hashbrown::hash_table::Entry::Occupied(first) => Err(*first.get()),
            hashbrown::hash_table::Entry::Vacant(slot) => {
                slot.insert(id);
                Ok(())
            }
        }
    }

    /// The id of the task whose key is `key`.
    pub(super) fn get<'a>(&self, key: &str, key_of: impl Fn(TaskId) -> &'a str) -> Option<TaskId> {
        self.table
            .find(self.hasher.hash_one(key), |&id| key_of(id) == key)
            .copied()
    }
}
