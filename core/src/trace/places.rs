//! Where each task or event of a file was read, for errors that name it.

/// Where each task (or event) of a file was read, its line or block, kept as runs:
/// items on consecutive lines (JSONL) or in one block (compact) are one run, so 10^7
/// tasks take a few hundred bytes here, not 80 MB.
#[derive(Default)]
pub(super) struct Places {
    /// (first item, its place, step to the next item's place: 0, 1 or `ONE_ITEM`).
    runs: Vec<(usize, usize, usize)>,
    len: usize,
}

/// The step of a run that holds one item so far.
const ONE_ITEM: usize = usize::MAX;

impl Places {
    /// Adds the next item's place.
    pub(super) fn push(&mut self, place: usize) {
        let item = self.len;
        self.len += 1;
        if let Some((first, at, step)) = self.runs.last_mut() {
            let n = item - *first;
            if *step == ONE_ITEM && (place == *at || place == *at + 1) {
                *step = place - *at;
                return;
            }
            if *step != ONE_ITEM && Some(place) == step.checked_mul(n).map(|d| *at + d) {
                return;
            }
        }
        self.runs.push((item, place, ONE_ITEM));
    }

    /// The place of item `i` (pushed before).
    pub(super) fn get(&self, i: usize) -> usize {
        let r = self
            .runs
            .partition_point(|run| run.0 <= i)
            .saturating_sub(1);
        match self.runs.get(r) {
            Some(&(first, at, step)) if step != ONE_ITEM => at + step * (i - first),
            Some(&(_, at, _)) => at,
            None => 0,
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn places_keep_every_items_line_or_block() {
        let lines: Vec<usize> = [1, 2, 3, 4, 9, 10, 11, 7, 7, 7, 7, 8, 20, 20, 21]
            .into_iter()
            .chain(30..1000)
            .chain(std::iter::repeat_n(5000, 1000))
            .collect();
        let mut places = super::Places::default();
        for &l in &lines {
            places.push(l);
        }
        for (i, &l) in lines.iter().enumerate() {
            assert_eq!(places.get(i), l, "item {i}");
        }
        assert!(places.runs.len() <= 9, "{} runs", places.runs.len());
    }
}
