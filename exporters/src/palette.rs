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

/// WCAG's relative luminance of an sRGB color.
fn luminance([r, g, b]: [u8; 3]) -> f64 {
    let channel = |c: u8| {
        let c = f64::from(c) / 255.0;
        if c <= 0.039_28 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)
}

/// WCAG's contrast ratio of two colors, from 1 to 21.
pub fn contrast_ratio(a: [u8; 3], b: [u8; 3]) -> f64 {
    let (la, lb) = (luminance(a), luminance(b));
    (la.max(lb) + 0.05) / (la.min(lb) + 0.05)
}

/// The color of text drawn on `fill`: black or white, whichever contrasts more. Every
/// fill then gets at least 4.58:1, past WCAG's 4.5:1 for text (black and white
/// contrast equally, 4.58:1, on a fill of luminance 0.18).
///
/// ```
/// use taskscope_exporters::palette::{contrast_ratio, text_on};
/// assert_eq!(text_on([0x44, 0x01, 0x54]), [255, 255, 255]); // viridis' dark purple
/// assert_eq!(text_on([0xfd, 0xe7, 0x25]), [0, 0, 0]); // its yellow
/// for v in 0..=255 {
///     let fill = [v, v / 2, 255 - v];
///     assert!(contrast_ratio(fill, text_on(fill)) >= 4.5);
/// }
/// ```
pub fn text_on(fill: [u8; 3]) -> [u8; 3] {
    let (black, white) = ([0, 0, 0], [255, 255, 255]);
    if contrast_ratio(fill, black) >= contrast_ratio(fill, white) {
        black
    } else {
        white
    }
}

/// `#rrggbb` as bytes; `None` for anything else.
pub fn parse_hex(hex: &str) -> Option<[u8; 3]> {
    let h = hex.strip_prefix('#')?;
    if h.len() != 6 {
        return None;
    }
    let byte = |i: usize| u8::from_str_radix(h.get(i..i + 2)?, 16).ok();
    Some([byte(0)?, byte(2)?, byte(4)?])
}

/// The text color (`#000000` or `#ffffff`) for a `#rrggbb` fill; black for anything
/// else.
pub fn text_on_hex(fill: &str) -> &'static str {
    match parse_hex(fill).map(text_on) {
        Some([255, 255, 255]) => "#ffffff",
        _ => "#000000",
    }
}

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
