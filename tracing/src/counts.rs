//! How many spans of each label a parent (or the top level) made, for their keys.
//!
//! Every span looks its label up here when it is made, and at the top level of a
//! long program most labels are new (`chunk[i=0]`, `chunk[i=1]`, …): 10^6 of them
//! make a table of many MB where each look-up misses the cache. So labels are kept
//! by a 64-bit hash of them, not the text, in an open-addressed table of hashes alone
//! (8 bytes a label: a new label costs one cache line), and the counts of labels
//! seen more than once in a small map beside it. Two labels with one hash (about
//! once in 10^12 pairs) share a count, which only numbers the second `#1`: keys stay
//! unique, since the labels differ.

use std::hash::{BuildHasher, BuildHasherDefault, Hasher};
use std::sync::OnceLock;

use hashbrown::HashMap;

/// Counts of labels, by their hash.
#[derive(Default)]
pub(crate) struct LabelCounts {
    /// The hashes seen, 0 for a free slot (a hash of 0 is kept as 1); a power of two
    /// long, at most half full; probed linearly.
    seen: Vec<u64>,
    len: usize,
    /// How many times each hash seen more than once was seen, minus one.
    repeats: HashMap<u64, u32, BuildHasherDefault<Prehashed>>,
}

impl LabelCounts {
    /// How many times `label` was counted before: 0 for the first. Counts this one.
    pub(crate) fn next(&mut self, label: &str) -> u32 {
        static HASHER: OnceLock<hashbrown::DefaultHashBuilder> = OnceLock::new();
        let hash = HASHER.get_or_init(Default::default).hash_one(label).max(1);
        if self.insert(hash) {
            return 0;
        }
        let n = self.repeats.entry(hash).or_insert(0);
        *n += 1;
        *n
    }

    /// Adds `hash` to the hashes seen; false when it was there already.
    fn insert(&mut self, hash: u64) -> bool {
        if 2 * (self.len + 1) > self.seen.len() {
            self.grow();
        }
        let mask = self.seen.len() - 1;
        let mut i = hash as usize & mask;
        loop {
            match self.seen[i] {
                0 => {
                    self.seen[i] = hash;
                    self.len += 1;
                    return true;
                }
                h if h == hash => return false,
                _ => i = (i + 1) & mask,
            }
        }
    }

    fn grow(&mut self) {
        let size = (2 * self.seen.len()).max(8);
        let old = std::mem::replace(&mut self.seen, vec![0; size]);
        self.len = 0;
        for hash in old.into_iter().filter(|&h| h != 0) {
            self.insert(hash);
        }
    }
}

/// The hasher of the repeats: their keys are hashes already, used as they are.
#[derive(Default)]
struct Prehashed(u64);

impl Hasher for Prehashed {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_label_is_counted_apart_through_the_table_growing() {
        let mut counts = LabelCounts::default();
        assert_eq!(counts.next("step"), 0);
        assert_eq!(counts.next("step"), 1);
        for i in 0..10_000 {
            assert_eq!(counts.next(&format!("chunk[i={i}]")), 0);
        }
        assert_eq!(counts.next("step"), 2);
        assert_eq!(counts.next("chunk[i=9999]"), 1);
        assert_eq!(counts.next("chunk[i=0]"), 1);
        assert_eq!(counts.next("chunk[i=0]"), 2);
        assert_eq!(counts.len, 10_001);
        assert!(counts.seen.len() >= 2 * counts.len);
    }
}
