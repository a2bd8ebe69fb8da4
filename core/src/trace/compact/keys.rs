//! Keys as the compact format stores them. Most keys are a name and a tuple of
//! indices, Dask's `('mean_chunk-1f2e', 3, 4)`, or a name and a number (`inc-12`): the
//! name is stored once in the string table and each key as its id and numbers.
//! Anything else is stored as it is. Only keys that print back byte for byte are
//! split, so every key reads back exactly as it was written.

/// How a key is stored.
#[derive(Debug, PartialEq)]
pub(super) enum KeyParts<'a> {
    /// `('name', i, j, ...)` exactly as [`crate::block_key`] prints it.
    Tuple(&'a str, Vec<u64>),
    /// A name followed by a decimal number without leading zeros: `inc-12`.
    Numbered(&'a str, u64),
    /// Any other key, stored whole.
    Whole,
}

/// Tags of the key kinds in task records.
pub(super) const WHOLE: u8 = 0;
pub(super) const TUPLE: u8 = 1;
pub(super) const NUMBERED: u8 = 2;

/// A canonical decimal number: digits, no leading zero (but `0`), fits in a `u64`.
fn canonical_number(s: &str) -> Option<u64> {
    if s.is_empty() || s.len() > 20 || (s.len() > 1 && s.starts_with('0')) {
        return None;
    }
    if !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// Splits `key` into the parts it is stored as.
pub(super) fn split(key: &str) -> KeyParts<'_> {
    if let Some(inner) = key.strip_prefix("('").and_then(|k| k.strip_suffix(')'))
        && let Some(end) = inner.find('\'')
    {
        let (name, rest) = (&inner[..end], &inner[end + 1..]);
        if rest == "," {
            return KeyParts::Tuple(name, Vec::new());
        }
        let mut indices = Vec::new();
        let mut ok = !rest.is_empty();
        for part in rest.split(", ").skip(1) {
            match canonical_number(part) {
                Some(i) => indices.push(i),
                None => ok = false,
            }
        }
        if ok && rest.starts_with(", ") && !indices.is_empty() {
            return KeyParts::Tuple(name, indices);
        }
    }
    let digits = key.len() - key.bytes().rev().take_while(u8::is_ascii_digit).count();
    if digits > 0
        && digits < key.len()
        && let Some(n) = canonical_number(&key[digits..])
    {
        return KeyParts::Numbered(&key[..digits], n);
    }
    KeyParts::Whole
}

/// The key of a tuple: `('name', 1, 2)`, `('name',)` when it has no index.
pub(super) fn tuple_key(name: &str, indices: &[u64]) -> String {
    use std::fmt::Write;
    let mut s = String::with_capacity(name.len() + 4 + indices.len() * 6);
    s.push_str("('");
    s.push_str(name);
    s.push('\'');
    if indices.is_empty() {
        s.push(',');
    }
    for i in indices {
        let _ = write!(s, ", {i}");
    }
    s.push(')');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn joined(parts: &KeyParts<'_>, key: &str) -> String {
        match parts {
            KeyParts::Tuple(name, idx) => tuple_key(name, idx),
            KeyParts::Numbered(name, n) => format!("{name}{n}"),
            KeyParts::Whole => key.to_string(),
        }
    }

    #[test]
    fn keys_split_and_print_back_exactly() {
        let cases = [
            (
                "('mean_chunk-1f2e', 3, 4)",
                KeyParts::Tuple("mean_chunk-1f2e", vec![3, 4]),
            ),
            ("('x',)", KeyParts::Tuple("x", vec![])),
            (
                "('layer', 0, 18446744073709551615)",
                KeyParts::Tuple("layer", vec![0, u64::MAX]),
            ),
            ("inc-12", KeyParts::Numbered("inc-", 12)),
            ("task0", KeyParts::Numbered("task", 0)),
            ("inc-012", KeyParts::Whole),
            ("('a', 01)", KeyParts::Whole),
            ("('a',  1)", KeyParts::Whole),
            ("('a', 1,)", KeyParts::Whole),
            ("('a', -1)", KeyParts::Whole),
            ("('a', 'b')", KeyParts::Whole),
            ("('a', 18446744073709551616)", KeyParts::Whole),
            ("12", KeyParts::Whole),
            ("", KeyParts::Whole),
            ("inc-1f2e", KeyParts::Whole),
        ];
        for (key, want) in cases {
            let got = split(key);
            assert_eq!(got, want, "{key}");
            assert_eq!(joined(&got, key), key);
        }
    }

    proptest::proptest! {
        #[test]
        fn any_key_prints_back(key in "\\PC{0,12}|\\('[a-z\\-]{0,5}'(, [0-9]{1,3}){0,3}\\)|[a-z]{1,3}[0-9]{0,4}") {
            let parts = split(&key);
            proptest::prop_assert_eq!(joined(&parts, &key), key);
        }
    }
}
