//! Task ids by key, without a second copy of the keys.

use std::hash::BuildHasher;

use hashbrown::{DefaultHashBuilder, HashTable};

use super::TaskId;

/// A hash table of task ids that hashes and compares the tasks' own keys, so a graph
/// keeps each key once (a `HashMap<String, TaskId>` kept a copy of every key: about
/// 100 bytes a task). Key lookups are the hot part of building large graphs:
/// hashbrown's default hasher (foldhash, seeded per process) is several times faster
/// than SipHash.
///
/// Each entry keeps 32 bits of its key's hash beside the id: growing the table rehashes
/// from those bits without reading a key, and a lookup reads a key only when they match
/// (at 10^7 tasks, reading keys back from the arena was a seventh of `stats`' time).
#[derive(Clone, Default)]
pub(super) struct KeyIndex {
    table: HashTable<(TaskId, u32)>,
    hasher: DefaultHashBuilder,
}

/// The table's hash of an entry, from the 32 bits it keeps, spread over 64 bits.
#[inline]
fn spread(fingerprint: u32) -> u64 {
    u64::from(fingerprint).wrapping_mul(0x9e37_79b9_7f4a_7c15)
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
        let fp = self.fingerprint(key);
        let entry = self.table.entry(
            spread(fp),
            |&(other, f)| f == fp && key_of(other) == key,
            |&(_, f)| spread(f),
        );
        match entry {
            hashbrown::hash_table::Entry::Occupied(first) => Err(first.get().0),
            hashbrown::hash_table::Entry::Vacant(slot) => {
                slot.insert((id, fp));
                Ok(())
            }
        }
    }

    /// The 32 bits of `key`'s hash an entry keeps.
    #[inline]
    fn fingerprint(&self, key: &str) -> u32 {
        (self.hasher.hash_one(key) >> 32) as u32
    }

    /// The id of the task whose key is `key`.
    pub(super) fn get<'a>(&self, key: &str, key_of: impl Fn(TaskId) -> &'a str) -> Option<TaskId> {
        let fp = self.fingerprint(key);
        self.table
            .find(spread(fp), |&(id, f)| f == fp && key_of(id) == key)
            .map(|&(id, _)| id)
    }
}
