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
///
/// The index holds the tasks `0..indexed()`; [`KeyIndex::extend_to`] adds the rest in
/// one pass when a lookup or the build needs them, so that builders given dependencies
/// by id (the compact reader, `synth`) fill it once, in the table's own order.
#[derive(Clone, Default)]
pub(super) struct KeyIndex {
    table: HashTable<(TaskId, u32)>,
    hasher: DefaultHashBuilder,
    indexed: usize,
}

/// Below this many new tasks, [`KeyIndex::extend_to`] adds them one by one.
const SMALL_BATCH: usize = 4096;

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
            indexed: 0,
        }
    }

    /// Tasks `0..indexed()` are in the index.
    pub(super) fn indexed(&self) -> usize {
        self.indexed
    }

    /// Adds tasks `indexed()..n`, whose keys `key_of` gives. Returns the first key
    /// given twice, as (the task that has it, the lowest later task that gives it
    /// again); the later task is left out of the index.
    ///
    /// A large batch is hashed first, then the table grown once, then the entries
    /// added in the order of the table's buckets (a counting sort on the top bits of
    /// the bucket index, ids ascending within each range): adding walks memory
    /// forward. Adding 10^7 keys one by one as tasks came cost a cache miss per key
    /// plus the table's rehashing as it grew, a fifth of `stats`' time.
    pub(super) fn extend_to<'a>(
        &mut self,
        n: usize,
        key_of: impl Fn(TaskId) -> &'a str,
    ) -> Option<(TaskId, TaskId)> {
        let first_new = self.indexed;
        self.indexed = n.max(first_new);
        let mut duplicate: Option<(TaskId, TaskId)> = None;
        let mut add = |table: &mut HashTable<(TaskId, u32)>, id: TaskId, fp: u32| {
            // The key is read only when a fingerprint matches (rarely but for a repeat).
            let entry = table.entry(
                spread(fp),
                |&(other, f)| f == fp && key_of(other) == key_of(id),
                |&(_, f)| spread(f),
            );
            match entry {
                hashbrown::hash_table::Entry::Occupied(first) => {
                    let first = first.get().0;
                    if duplicate.is_none_or(|(_, again)| id < again) {
                        duplicate = Some((first, id));
                    }
                }
                hashbrown::hash_table::Entry::Vacant(slot) => {
                    slot.insert((id, fp));
                }
            }
        };
        let ids = first_new..self.indexed;
        if ids.len() < SMALL_BATCH {
            for i in ids {
                let id = TaskId(i as u32);
                let fp = self.fingerprint(key_of(id));
                add(&mut self.table, id, fp);
            }
            return duplicate;
        }
        let fps: Vec<u32> = ids
            .clone()
            .map(|i| self.fingerprint(key_of(TaskId(i as u32))))
            .collect();
        self.table.reserve(fps.len(), |&(_, f)| spread(f));
        // hashbrown places an entry from `hash & (buckets - 1)`; buckets are a power
        // of two with room for 8/7 of the capacity.
        let buckets = (self.table.capacity().max(8) * 8 / 7).next_power_of_two();
        let bits = buckets.trailing_zeros();
        let shift = bits.saturating_sub(16);
        let range = |fp: u32| ((spread(fp) & (buckets as u64 - 1)) >> shift) as usize;
        let mut starts = vec![0usize; (buckets >> shift) + 1];
        for &fp in &fps {
            starts[range(fp) + 1] += 1;
        }
        for r in 1..starts.len() {
            starts[r] += starts[r - 1];
        }
        // (id, fingerprint) in bucket order: adding reads it front to back.
        let mut order = vec![(TaskId(0), 0u32); fps.len()];
        for (i, &fp) in fps.iter().enumerate() {
            let slot = &mut starts[range(fp)];
            order[*slot] = (TaskId((first_new + i) as u32), fp);
            *slot += 1;
        }
        drop(fps);
        for (id, fp) in order {
            add(&mut self.table, id, fp);
        }
        duplicate
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
