//! Keys as the compact format stores them. Most keys are a name and a tuple of
//! indices, Dask's `('mean_chunk-1f2e', 3, 4)`, or a name and a number (`inc-12`): the
//! name is stored once in the string table and each key as its id and numbers.
//! Anything else is stored as it is. Only keys that print back byte for byte are
//! split, so every key reads back exactly as it was written.

/// How a key is stored.
#[derive(Clone, Debug, PartialEq)]
pub(super) enum KeyParts<'a> {
    /// `('name', i, j, ...)` exactly as [`crate::block_key`] prints it; the indices
    /// are in the buffer given to [`split`].
    Tuple(&'a str),
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
fn canonical_number(s: &[u8]) -> Option<u64> {
    if s.is_empty() || s.len() > 20 || (s.len() > 1 && s[0] == b'0') {
        return None;
    }
    let mut v: u64 = 0;
    for &b in s {
        if !b.is_ascii_digit() {
            return None;
        }
        v = v.checked_mul(10)?.checked_add(u64::from(b - b'0'))?;
    }
    Some(v)
}

/// The indices of a tuple key's rest after its name (`, 3, 4`), into `indices`;
/// false unless it is exactly that form.
fn tuple_indices(rest: &[u8], indices: &mut Vec<u64>) -> bool {
    if rest == b"," {
        return true;
    }
    let mut at = 0;
    while at < rest.len() {
        if !rest[at..].starts_with(b", ") {
            return false;
        }
        let from = at + 2;
        let to = rest[from..]
            .iter()
            .position(|&b| b == b',')
            .map_or(rest.len(), |i| from + i);
        match canonical_number(&rest[from..to]) {
            Some(i) => indices.push(i),
            None => return false,
        }
        at = to;
    }
    !indices.is_empty()
}

/// Splits `key` into the parts it is stored as; a tuple's indices go to `indices`
/// (cleared first).
pub(super) fn split<'k>(key: &'k str, indices: &mut Vec<u64>) -> KeyParts<'k> {
    indices.clear();
    if let Some(inner) = key.strip_prefix("('").and_then(|k| k.strip_suffix(')'))
        && let Some(end) = inner.find('\'')
    {
        if tuple_indices(&inner.as_bytes()[end + 1..], indices) {
            return KeyParts::Tuple(&inner[..end]);
        }
        indices.clear();
    }
    let digits = key.len() - key.bytes().rev().take_while(u8::is_ascii_digit).count();
    if digits > 0
        && digits < key.len()
        && let Some(n) = canonical_number(&key.as_bytes()[digits..])
    {
        return KeyParts::Numbered(&key[..digits], n);
    }
    KeyParts::Whole
}

#[cfg(test)]
mod tests {
    use super::*;

    fn joined(parts: &KeyParts<'_>, idx: &[u64], key: &str) -> String {
        match parts {
            KeyParts::Tuple(name) => {
                let mut key = String::new();
                crate::key::push_tuple_key(&mut key, name, idx);
                key
            }
            KeyParts::Numbered(name, n) => format!("{name}{n}"),
            KeyParts::Whole => key.to_string(),
        }
    }

    #[test]
    fn keys_split_and_print_back_exactly() {
        let tuple = |name, idx: &[u64]| (KeyParts::Tuple(name), idx.to_vec());
        let whole = (KeyParts::Whole, vec![]);
        let cases = [
            (
                "('mean_chunk-1f2e', 3, 4)",
                tuple("mean_chunk-1f2e", &[3, 4]),
            ),
            ("('x',)", tuple("x", &[])),
            (
                "('layer', 0, 18446744073709551615)",
                tuple("layer", &[0, u64::MAX]),
            ),
            ("inc-12", (KeyParts::Numbered("inc-", 12), vec![])),
            ("task0", (KeyParts::Numbered("task", 0), vec![])),
            ("inc-012", whole.clone()),
            ("('a', 01)", whole.clone()),
            ("('a',  1)", whole.clone()),
            ("('a', 1,)", whole.clone()),
            ("('a', 1, )", whole.clone()),
            ("('a', -1)", whole.clone()),
            ("('a', 'b')", whole.clone()),
            ("('a', 18446744073709551616)", whole.clone()),
            ("('a'1)", whole.clone()),
            ("12", whole.clone()),
            ("", whole.clone()),
            ("inc-1f2e", whole.clone()),
        ];
        let mut idx = vec![99];
        for (key, want) in cases {
            let got = split(key, &mut idx);
            assert_eq!((&got, &idx), (&want.0, &want.1), "{key}");
            assert_eq!(joined(&got, &idx, key), key);
        }
    }

    proptest::proptest! {
        #[test]
        fn any_key_prints_back(key in "\\PC{0,12}|\\('[a-z\\-]{0,5}'(, [0-9]{1,3}){0,3}\\)|[a-z]{1,3}[0-9]{0,4}") {
            let mut idx = Vec::new();
            let parts = split(&key, &mut idx);
            proptest::prop_assert_eq!(joined(&parts, &idx, &key), key);
        }
    }
}
