//! Task keys the way Dask writes them, so graphs from taskscope and from Dask compare
//! side by side: `('mean_chunk-<token>', 3, 4)` for chunks of arrays, `inc-<token>` for
//! delayed calls, and the group of a key found by [`key_split`].

/// The group of a key, exactly as `dask.utils.key_split` computes it.
///
/// ```
/// use taskscope_core::key_split;
/// assert_eq!(key_split("('mean_combine-partial-5f1b7c2a9e0d4c3b8a6f1e2d3c4b5a69', 3, 0)"), "mean_combine-partial");
/// assert_eq!(key_split("inc-4a1b2c3d"), "inc");
/// assert_eq!(key_split("x"), "x");
/// ```
pub fn key_split(key: &str) -> String {
    // A tuple key is split on its first element, which Dask prints quoted.
    let words: Vec<&str> = key.split('-').collect();
    let first = words[0];
    let mut result = match first.chars().next() {
        None => return "Other".to_string(),
        Some(c) if !c.is_alphabetic() => first
            .split(',')
            .next()
            .unwrap_or("")
            .trim_matches(|c| matches!(c, '_' | '\'' | '(' | ')' | '"'))
            .to_string(),
        Some(_) => first.to_string(),
    };
    for word in &words[1..] {
        let alpha = !word.is_empty() && word.chars().all(char::is_alphabetic);
        if alpha && !(word.len() == 8 && is_hex(word)) {
            result.push('-');
            result.push_str(word);
        } else {
            break;
        }
    }
    if result.len() == 32 && is_hex(&result) {
        return "data".to_string();
    }
    if result.starts_with('<') {
        let inner = result.trim_matches(|c| c == '<' || c == '>');
        let name = inner.split_whitespace().next().unwrap_or("");
        return name.rsplit('.').next().unwrap_or("").to_string();
    }
    if result.is_empty() {
        return "Other".to_string();
    }
    result
}

fn is_hex(s: &str) -> bool {
    s.bytes()
        .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// The short label of a task: its group, and on a second line the block index of a
/// tuple key (`sub` and `(0, 3)` for `('sub-1a2b…', 0, 3)`); the group alone for any
/// other key. Drawings label their boxes with it.
///
/// ```
/// use taskscope_core::short_label;
/// assert_eq!(short_label("('sub-1a2b', 0, 3)", "sub"), "sub\n(0, 3)");
/// assert_eq!(short_label("inc-1a2b", "inc"), "inc");
/// ```
pub fn short_label(key: &str, group: &str) -> String {
    match key.find("', ") {
        Some(i) if key.starts_with("('") && key.ends_with(')') => {
            format!("{group}\n({}", &key[i + 3..])
        }
        _ => group.to_string(),
    }
}

/// A 32-hex-digit token (FNV-1a, 128 bits) of the given parts, stable across platforms,
/// runs and Rust versions, like the tokens in Dask's keys.
pub fn token<'a>(parts: impl IntoIterator<Item = &'a str>) -> String {
    const OFFSET: u128 = 0x6c62272e07bb014262b821756295c58d;
    const PRIME: u128 = 0x0000000001000000000000000000013B;
    let mut h = OFFSET;
    for part in parts {
        for &b in part.as_bytes() {
            h ^= b as u128;
            h = h.wrapping_mul(PRIME);
        }
        // Separator, so ("ab", "c") and ("a", "bc") differ.
        h ^= 0xff;
        h = h.wrapping_mul(PRIME);
    }
    format!("{h:032x}")
}

/// The key of one block of an array layer, printed like Python prints Dask's tuple
/// keys: `('name', 0, 3)`, and `('name',)` for a 0-d array.
pub fn block_key(name: &str, index: &[usize]) -> String {
    let mut s = String::with_capacity(name.len() + 4 + index.len() * 5);
    push_block_key(&mut s, name, index);
    s
}

/// Appends [`block_key`]`(name, index)` to `out`: for builders that make millions of
/// keys in one reused buffer.
///
/// ```
/// let mut key = String::new();
/// taskscope_core::push_block_key(&mut key, "layer", &[3, 14]);
/// assert_eq!(key, "('layer', 3, 14)");
/// ```
pub fn push_block_key(out: &mut String, name: &str, index: &[usize]) {
    push_tuple_key(out, name, index);
}

/// [`push_block_key`] for indices of any integer type (the compact format reads them
/// as `u64`).
pub(crate) fn push_tuple_key<I: itoa::Integer + Copy>(out: &mut String, name: &str, index: &[I]) {
    out.push_str("('");
    out.push_str(name);
    out.push('\'');
    if index.is_empty() {
        out.push(',');
    }
    let mut digits = itoa::Buffer::new();
    for &i in index {
        out.push_str(", ");
        out.push_str(digits.format(i));
    }
    out.push(')');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_split_matches_dask() {
        // Expected values from dask.utils.key_split's docstring and behaviour.
        assert_eq!(key_split("x"), "x");
        assert_eq!(key_split("x-1"), "x");
        assert_eq!(key_split("('x-2', 1)"), "x");
        assert_eq!(key_split("('x-2', 1)"), "x");
        assert_eq!(key_split("hello-world-1"), "hello-world");
        assert_eq!(key_split("ae05086432ca935f6eba409a8ecd4896"), "data");
        assert_eq!(
            key_split("<module.submodule.myclass object at 0xdaf372>"),
            "myclass"
        );
        assert_eq!(key_split("x-abcdefab"), "x");
        assert_eq!(
            key_split("('mean_agg-aggregate-0f6a9b2b3c4d5e6f7a8b9c0d1e2f3a4b', 9, 0)"),
            "mean_agg-aggregate"
        );
        assert_eq!(key_split(""), "Other");
    }

    #[test]
    fn tokens_are_stable_and_separate_parts() {
        assert_eq!(token(["a", "b"]), token(["a", "b"]));
        assert_ne!(token(["ab", "c"]), token(["a", "bc"]));
        assert_eq!(token(["a"]).len(), 32);
        // Pinned: changing the hash changes every key in every file written.
        assert_eq!(token([""]), "d228cb68f51a8caf78912b704e49f346");
        assert_eq!(token(["inc", "1"]), "4b2b5a96b03c64bf6ef58b3e05d74084");
    }

    #[test]
    fn block_keys_print_like_python_tuples() {
        assert_eq!(block_key("x-1", &[0, 3]), "('x-1', 0, 3)");
        assert_eq!(block_key("x-1", &[]), "('x-1',)");
    }
}
