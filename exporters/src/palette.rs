//! Colors for groups. A group's color comes from a stable hash of its name, so the
//! same group looks the same across drawings; within one drawing, groups whose hashes
//! collide move to the next free color, so no two groups share one while there are
//! enough colors.

use std::collections::{BTreeSet, HashMap};

use taskscope_core::token;

/// 20 light, mutually distinct colors that keep black text readable (ColorBrewer
/// Set3 and Set2 hues).
const PALETTE: [&str; 20] = [
    "#8dd3c7", "#ffffb3", "#bebada", "#fb8072", "#80b1d3", "#fdb462", "#b3de69", "#fccde5",
    "#d9d9d9", "#bc80bd", "#ccebc5", "#ffed6f", "#a6cee3", "#e5c494", "#66c2a5", "#fc8d62",
    "#e78ac3", "#a6d854", "#ffd92f", "#8da0cb",
];

/// The color of the critical path: the outline of its boxes, its edges and its
/// legend entry.
pub(crate) const CRITICAL_PATH: &str = "#d62728";

fn slot(group: &str) -> usize {
    let hash = token([group]);
    let n = u64::from_str_radix(&hash[..16], 16).expect("tokens are hex");
    (n % PALETTE.len() as u64) as usize
}

/// The preferred color of a group, by a stable hash of its name.
fn group_color(group: &str) -> &'static str {
    PALETTE[slot(group)]
}

/// The colors of the groups of one drawing.
///
/// ```
/// use taskscope_exporters::Palette;
/// let palette = Palette::for_groups(["sub", "mean_chunk", "sqrt"]);
/// assert_ne!(palette.color("sub"), palette.color("mean_chunk"));
/// assert!(palette.color("sub").starts_with('#'));
/// // A group the palette was not made for gets its preferred color.
/// assert_eq!(palette.color("var"), Palette::for_groups(["var"]).color("var"));
/// ```
pub struct Palette {
    colors: HashMap<String, &'static str>,
}

impl Palette {
    /// Gives each group its preferred color, or the next free one when another group
    /// (earlier by name) took it. Deterministic for a set of groups.
    pub fn for_groups<'a>(groups: impl IntoIterator<Item = &'a str>) -> Palette {
        let names: BTreeSet<&str> = groups.into_iter().collect();
        let mut taken = [false; PALETTE.len()];
        let mut colors = HashMap::with_capacity(names.len());
        for name in names {
            let want = slot(name);
            let free = (0..PALETTE.len())
                .map(|i| (want + i) % PALETTE.len())
                .find(|&s| !taken[s]);
            let s = free.unwrap_or(want);
            taken[s] = true;
            colors.insert(name.to_string(), PALETTE[s]);
        }
        Palette { colors }
    }

    /// The color of `group` (`#rrggbb`); its preferred color if the palette was not
    /// made for it.
    pub fn color(&self, group: &str) -> &'static str {
        self.colors
            .get(group)
            .copied()
            .unwrap_or_else(|| group_color(group))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_of_one_drawing_get_different_colors() {
        let groups = [
            "random_sample",
            "mean_chunk",
            "mean_combine-partial",
            "mean_agg-aggregate",
            "var",
            "var-partial",
            "var-aggregate",
            "sqrt",
            "sub",
            "truediv",
        ];
        let p = Palette::for_groups(groups);
        let colors: BTreeSet<&str> = groups.iter().map(|g| p.color(g)).collect();
        assert_eq!(colors.len(), groups.len());
        // Order of arrival does not matter.
        let q = Palette::for_groups(groups.iter().rev().copied());
        assert!(groups.iter().all(|g| p.color(g) == q.color(g)));
    }
}
