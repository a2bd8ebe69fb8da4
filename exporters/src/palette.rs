//! Colors for groups: the same group gets the same color in every file and every run,
//! so two drawings of related graphs can be compared by eye.

use taskscope_core::token;

/// A qualitative palette of 12 light colors that keep black text readable
/// (ColorBrewer Set3).
const PALETTE: [&str; 12] = [
    "#8dd3c7", "#ffffb3", "#bebada", "#fb8072", "#80b1d3", "#fdb462", "#b3de69", "#fccde5",
    "#d9d9d9", "#bc80bd", "#ccebc5", "#ffed6f",
];

/// The fill color of a group, chosen by a stable hash of its name.
///
/// ```
/// use taskscope_exporters::group_color;
/// assert_eq!(group_color("mean_chunk"), group_color("mean_chunk"));
/// assert!(group_color("sub").starts_with('#'));
/// ```
pub fn group_color(group: &str) -> &'static str {
    let hash = token([group]);
    let n = u64::from_str_radix(&hash[..16], 16).expect("tokens are hex");
    PALETTE[(n % PALETTE.len() as u64) as usize]
}
