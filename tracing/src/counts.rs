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
//!
//! No set of the keys made is needed to keep them unique: a label's own spans get
//! `label`, `label#1`, `label#2`, …, and two labels make one key only when one of
//! them has a `#` (a span named `step#1` beside two named `step`). Labels with a `#`
//! are rare: for them (and for the numbered keys made after the first of them), the
//! key is checked against the keys made before and numbered on until it is new.

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
    /// The last number given to each label seen more than once (how many times it
    /// was seen, minus one, unless a key with a `#` took a number).
    repeats: HashMap<u64, u32, BuildHasherDefault<Prehashed>>,
    /// The hashes of the keys made of labels with a `#`.
    taken: hashbrown::HashSet<u64, BuildHasherDefault<Prehashed>>,
}

/// Slots from which the table may not fit in the caches (8 bytes a slot): 256 KiB.
const WARM_FROM: usize = 1 << 15;

fn hash(text: &str) -> u64 {
    static HASHER: OnceLock<hashbrown::DefaultHashBuilder> = OnceLock::new();
    HASHER.get_or_init(Default::default).hash_one(text).max(1)
}

impl LabelCounts {
    /// The number of the key of this span of `label`: 0 for the first (its key is the
    /// label), else `n` for the key `label#n`, new among the keys numbered here.
    pub(crate) fn next(&mut self, label: &str) -> u32 {
        let hash = hash(label);
        let fresh = self.insert(hash);
        let hashed = label.contains('#');
        if fresh && !hashed {
            return 0;
        }
        if !hashed && self.taken.is_empty() {
            let n = self.repeats.entry(hash).or_insert(0);
            *n += 1;
            return *n;
        }
        self.next_checked(label, hash, fresh, hashed)
    }

    /// [`next`](Self::next), checking the key against the keys made before.
    #[cold]
    fn next_checked(&mut self, label: &str, hash: u64, fresh: bool, hashed: bool) -> u32 {
        let mut n = match fresh {
            true => 0,
            false => self.repeats.get(&hash).map_or(1, |n| n + 1),
        };
        let mut key = String::with_capacity(label.len() + 4);
        loop {
            key.clear();
            key.push_str(label);
            if n > 0 {
                key.push('#');
                key.push_str(itoa::Buffer::new().format(n));
            }
            let clash =
                self.taken.contains(&self::hash(&key)) || (hashed && self.numbered_before(&key));
            if !clash {
                break;
            }
            n += 1;
        }
        if n > 0 {
            self.repeats.insert(hash, n);
        }
        if hashed {
            self.taken.insert(self::hash(&key));
        }
        n
    }

    /// Reads the table's slots of these labels, all before any is needed: in a table
    /// bigger than the caches each look-up alone waits for memory, where reads made
    /// together overlap. [`next`](Self::next) on them then finds their slots cached.
    pub(crate) fn warm<'a>(&self, labels: impl Iterator<Item = &'a str>) {
        if self.seen.len() < WARM_FROM {
            return;
        }
        let mask = self.seen.len() - 1;
        let mut any = 0;
        for label in labels {
            any ^= self.seen[hash(label) as usize & mask];
        }
        std::hint::black_box(any);
    }

    /// Whether `key` is `base#m` for a label `base` numbered up to `m` or past it here.
    fn numbered_before(&self, key: &str) -> bool {
        let Some((base, digits)) = key.rsplit_once('#') else {
            return false;
        };
        if digits.starts_with('0') || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return false;
        }
        let (Ok(m), base) = (digits.parse::<u32>(), hash(base)) else {
            return false;
        };
        self.contains(base) && self.repeats.get(&base).is_some_and(|&n| n >= m)
    }

    fn contains(&self, hash: u64) -> bool {
        if self.seen.is_empty() {
            return false;
        }
        let mask = self.seen.len() - 1;
        let mut i = hash as usize & mask;
        loop {
            match self.seen[i] {
                0 => return false,
                h if h == hash => return true,
                _ => i = (i + 1) & mask,
            }
        }
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
        // Zeros written, not a zeroed allocation: the kernel maps a zeroed allocation to
        // its one zero page, and the first write to each page after a read (as
        // `warm` reads) then costs a fault and a TLB flush on every core.
        #[expect(
            clippy::slow_vector_initialization,
            reason = "the pages must be written, not mapped zeroed"
        )]
        let mut table = Vec::with_capacity(size);
        table.resize(size, 0);
        let old = std::mem::replace(&mut self.seen, table);
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

    /// The keys of `labels`, made one after the other under one parent.
    fn keys(labels: &[&str]) -> Vec<String> {
        let mut counts = LabelCounts::default();
        let key = |label: &&str| match counts.next(label) {
            0 => label.to_string(),
            n => format!("{label}#{n}"),
        };
        labels.iter().map(key).collect()
    }

    #[test]
    fn a_label_with_a_hash_sign_never_makes_a_key_made_before_or_after() {
        assert_eq!(
            keys(&["step", "step", "step#1", "step", "step#1", "step#2"]),
            [
                "step", "step#1", "step#1#1", "step#2", "step#1#2", "step#2#1"
            ]
        );
        assert_eq!(
            keys(&["step#1", "step", "step", "step", "step#1", "step#01"]),
            ["step#1", "step", "step#2", "step#3", "step#1#1", "step#01"]
        );
        assert_eq!(keys(&["a#1", "a#1#1", "a#1"]), ["a#1", "a#1#1", "a#1#2"]);
        assert_eq!(keys(&["x", "x", "x"]), ["x", "x#1", "x#2"]);
    }
}
