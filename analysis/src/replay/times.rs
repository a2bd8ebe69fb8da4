//! Sorted times in about half the memory, counted by binary search.

/// Times per block.
const BLOCK: usize = 64;
/// In `SortedTimes::at`, a block kept in full.
const WIDE: u32 = 1 << 31;

/// Sorted times in blocks of [`BLOCK`]: each block's first time in full, and its
/// times as 4-byte offsets from it (4.2 bytes a time instead of 8); a block that spans
/// more than 2^32 ns (4.3 s) keeps its times in full. The replay keeps two of these
/// per group (starts and ends), 16 bytes a task as plain lists.
#[derive(Default)]
pub(super) struct SortedTimes {
    len: usize,
    /// The first time of each block.
    firsts: Vec<u64>,
    /// Where each block's times are: in `narrow` from this index, or, with [`WIDE`]
    /// set, in `wide`.
    at: Vec<u32>,
    narrow: Vec<u32>,
    wide: Vec<u64>,
}

impl SortedTimes {
    /// Of `sorted`, which is in ascending order.
    pub(super) fn new(sorted: &[u64]) -> SortedTimes {
        debug_assert!(sorted.is_sorted());
        let mut times = SortedTimes {
            len: sorted.len(),
            ..SortedTimes::default()
        };
        for block in sorted.chunks(BLOCK) {
            let first = block[0];
            times.firsts.push(first);
            if block[block.len() - 1] - first <= u64::from(u32::MAX) {
                times.at.push(times.narrow.len() as u32);
                times
                    .narrow
                    .extend(block.iter().map(|&t| (t - first) as u32));
            } else {
                times.at.push(WIDE | times.wide.len() as u32);
                times.wide.extend_from_slice(block);
            }
        }
        times.narrow.shrink_to_fit();
        times.wide.shrink_to_fit();
        times
    }

    /// How many times are at or before `t`. O(log n).
    pub(super) fn count_at_or_before(&self, t: u64) -> usize {
        let b = self.firsts.partition_point(|&f| f <= t);
        if b == 0 {
            return 0;
        }
        let b = b - 1;
        let n = BLOCK.min(self.len - b * BLOCK);
        let at = self.at[b];
        let within = if at & WIDE != 0 {
            let at = (at & !WIDE) as usize;
            self.wide[at..at + n].partition_point(|&x| x <= t)
        } else {
            let at = at as usize;
            let offset = t - self.firsts[b];
            let block = &self.narrow[at..at + n];
            if offset >= u64::from(u32::MAX) {
                n
            } else {
                block.partition_point(|&x| u64::from(x) <= offset)
            }
        };
        b * BLOCK + within
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_agree_with_a_plain_sorted_list() {
        let mut state = 7u64;
        let mut next = |n: u64| {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 33) % n
        };
        for case in 0..40 {
            let len = next(600) as usize;
            let mut t = 0u64;
            let sorted: Vec<u64> = (0..len)
                .map(|_| {
                    // Mostly small steps, sometimes repeats, sometimes jumps past 2^32.
                    t += match next(10) {
                        0 => 0,
                        1 => u64::from(u32::MAX) + next(1000),
                        _ => next(1_000_000),
                    };
                    t
                })
                .collect();
            let times = SortedTimes::new(&sorted);
            let mut probes: Vec<u64> = sorted
                .iter()
                .flat_map(|&x| [x.saturating_sub(1), x, x + 1])
                .collect();
            probes.extend([0, u64::MAX, t / 2]);
            for p in probes {
                assert_eq!(
                    times.count_at_or_before(p),
                    sorted.partition_point(|&x| x <= p),
                    "case {case}, t = {p}"
                );
            }
        }
    }
}
