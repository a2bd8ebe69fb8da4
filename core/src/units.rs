//! Units for people: bytes, durations, counts, cut strings and round tick steps.
//!
//! Every crate formats through these functions, so a figure reads the same in the
//! terminal, in a drawing, in the report and in the viewer.
//!
//! ```
//! use taskscope_core::units::{elide, format_bytes, format_ns, thousands, tick_step};
//!
//! assert_eq!(format_bytes(8_000_000), "7.63 MiB");
//! assert_eq!(format_ns(3_210_000), "3.21 ms");
//! assert_eq!(thousands(1_234_567), "1,234,567");
//! assert_eq!(elide("mean_chunk", 6), "mean_…");
//! assert_eq!(tick_step(1_600_000.0), 2_000_000.0);
//! ```

/// Bytes as Dask's `format_bytes` writes them: `7.63 MiB`, `78.12 kiB`, `800 B`.
pub fn format_bytes(n: u64) -> String {
    const UNITS: [(&str, u64); 5] = [
        ("Pi", 1 << 50),
        ("Ti", 1 << 40),
        ("Gi", 1 << 30),
        ("Mi", 1 << 20),
        ("ki", 1 << 10),
    ];
    for (prefix, k) in UNITS {
        if n as f64 >= k as f64 * 0.9 {
            return format!("{:.2} {prefix}B", n as f64 / k as f64);
        }
    }
    format!("{n} B")
}

/// A duration: `850 ns`, `12.5 us`, `3.21 ms`, `1.50 s`.
pub fn format_ns(ns: u64) -> String {
    let f = ns as f64;
    if ns < 1_000 {
        format!("{ns} ns")
    } else if ns < 1_000_000 {
        format!("{:.1} us", f / 1e3)
    } else if ns < 1_000_000_000 {
        format!("{:.2} ms", f / 1e6)
    } else {
        format!("{:.2} s", f / 1e9)
    }
}

/// `1234567` as `1,234,567`.
pub fn thousands(n: i128) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The first `n` characters of `s` (all of `s` when it is shorter), without a copy.
pub fn first_chars(s: &str, n: usize) -> &str {
    match s.char_indices().nth(n) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

/// `s` in at most `width` characters: cut, with `…` as the last one, when longer.
pub fn elide(s: &str, width: usize) -> String {
    if s.chars().nth(width).is_none() {
        s.to_string()
    } else {
        format!("{}…", first_chars(s, width.saturating_sub(1)))
    }
}

/// `text`'s first `keep` characters, followed by `…` when there were more. Messages
/// quote their input this way, so a megabyte-long key makes a short message.
pub fn cut_after(mut text: String, keep: usize) -> String {
    let kept = first_chars(&text, keep).len();
    if kept < text.len() {
        text.truncate(kept);
        text.push('…');
    }
    text
}

/// The smallest round step at least `min` long: 1, 2 or 5 times a power of ten (and
/// at least 1). Axes of drawings and of the viewer put their ticks this far apart.
pub fn tick_step(min: f64) -> f64 {
    let min = min.max(1.0);
    let p = 10f64.powf(min.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * p)
        .find(|&s| s >= min)
        .unwrap_or(10.0 * p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_use_dasks_binary_prefixes() {
        assert_eq!(format_bytes(800), "800 B");
        assert_eq!(format_bytes(80_000), "78.12 kiB");
        assert_eq!(format_bytes(1 << 30), "1.00 GiB");
    }

    #[test]
    fn durations_pick_their_unit() {
        assert_eq!(format_ns(850), "850 ns");
        assert_eq!(format_ns(12_500), "12.5 us");
        assert_eq!(format_ns(1_500_000_000), "1.50 s");
    }

    #[test]
    fn thousands_group_digits_and_keep_the_sign() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(-1_000), "-1,000");
    }

    #[test]
    fn elide_counts_characters_not_bytes() {
        assert_eq!(elide("añb", 3), "añb");
        assert_eq!(elide("añbc", 3), "añ…");
        assert_eq!(elide("abc", 0), "…");
        assert_eq!(cut_after("ééé".to_string(), 2), "éé…");
        assert_eq!(cut_after("éé".to_string(), 2), "éé");
        assert_eq!(first_chars("añb", 2), "añ");
        assert_eq!(first_chars("añ", 5), "añ");
    }

    #[test]
    fn ticks_are_round() {
        assert_eq!(tick_step(100_000.0), 100_000.0);
        assert_eq!(tick_step(1_670_000.0), 2_000_000.0);
        assert_eq!(tick_step(0.7), 1.0);
        assert_eq!(tick_step(4_000.0), 5_000.0);
        assert_eq!(tick_step(6_000.0), 10_000.0);
    }
}
