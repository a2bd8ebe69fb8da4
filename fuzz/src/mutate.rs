//! Making new inputs from old ones: the mutations of a byte-level fuzzer, plus the
//! hostile shapes that matter to readers (huge numbers, deep nesting, long names).

/// A small, seeded random number generator (SplitMix64): runs repeat exactly.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    /// A generator starting from `seed`: the same seed gives the same numbers.
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    /// The next number, any 64 bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number below `n` (0 when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next_u64() % n as u64) as usize
        }
    }

    /// A small number, most often 1 or 2: how many bytes or edits.
    fn small(&mut self) -> usize {
        let bits = self.below(6);
        1 + self.below(1 << bits)
    }

    /// One of `items`, each as likely (panics when there are none).
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// How big a mutated input may grow, except for the deliberately huge shapes.
pub const MAX_LEN: usize = 1 << 16;

/// Bytes that are often interesting on their own.
const BYTES: &[u8] = b"\x00\xff\x7f\x80\"\\{}[]<>&;,:=-+.#/*\n\r\t 09aeE";

/// Numbers at the edges of the integer and float types.
const NUMBERS: &[&[u8]] = &[
    b"0",
    b"-1",
    b"1000000000",
    b"4294967296",
    b"9223372036854775808",
    b"18446744073709551615",
    b"18446744073709551616",
    b"340282366920938463463374607431768211456",
    b"1e308",
    b"1e309",
    b"-1e309",
    b"4.9e-324",
    b"0.000000000000000000000000000001",
];

/// Makes one new input from `base`, with a few mutations; `others` are inputs to
/// splice from and `words` the target's dictionary.
pub fn mutate(base: &[u8], others: &[Vec<u8>], words: &[&[u8]], rng: &mut Rng) -> Vec<u8> {
    let mut data = base.to_vec();
    let edits = rng.small().min(8);
    for _ in 0..edits {
        edit(&mut data, others, words, rng);
        if data.len() > MAX_LEN * 4 {
            break;
        }
    }
    data
}

fn edit(data: &mut Vec<u8>, others: &[Vec<u8>], words: &[&[u8]], rng: &mut Rng) {
    let len = data.len();
    let at = rng.below(len + 1);
    match rng.below(16) {
        // Flip a bit.
        0 if len > 0 => {
            let i = rng.below(len);
            data[i] ^= 1 << rng.below(8);
        }
        // Set a byte to an interesting one, or any.
        1 if len > 0 => {
            let i = rng.below(len);
            data[i] = if rng.below(2) == 0 {
                *rng.pick(BYTES)
            } else {
                rng.next_u64() as u8
            };
        }
        // Insert random bytes.
        2 => {
            let n = rng.small();
            let bytes: Vec<u8> = (0..n).map(|_| rng.next_u64() as u8).collect();
            data.splice(at..at, bytes);
        }
        // Delete a range.
        3 if len > 0 => {
            let n = rng.small().min(len - at.min(len));
            data.drain(at.min(len)..at.min(len) + n);
        }
        // Truncate: what a crashed writer leaves.
        4 => data.truncate(at),
        // Duplicate a range in place.
        5 if len > 0 => {
            let from = rng.below(len);
            let n = rng.small().min(len - from);
            let copy = data[from..from + n].to_vec();
            data.splice(at..at, copy);
        }
        // Splice in part of another input.
        6 if !others.is_empty() => {
            let other = rng.pick(others);
            if !other.is_empty() {
                let from = rng.below(other.len());
                let n = (rng.small() * 16).min(other.len() - from);
                data.splice(at..at, other[from..from + n].iter().copied());
            }
        }
        // Insert a dictionary word.
        7 | 8 if !words.is_empty() => {
            let word = rng.pick(words);
            data.splice(at..at, word.iter().copied());
        }
        // Replace a number with an edge value.
        9 => replace_number(data, rng),
        // Lines: repeat, drop or swap one.
        10 => edit_lines(data, rng),
        // Deep nesting: many opening brackets.
        11 => {
            let open = *rng.pick(b"[{(<");
            let n = *rng.pick(&[64, 127, 128, 129, 200, 1000, 100_000]);
            data.splice(at..at, std::iter::repeat_n(open, n));
        }
        // A long name or string: a megabyte now and then.
        12 => {
            let n = if rng.below(64) == 0 {
                1 << 20
            } else {
                rng.below(4096)
            };
            let c = *rng.pick(b"a\"\\9 \xc3-");
            data.splice(at..at, std::iter::repeat_n(c, n));
        }
        // Text that is user data: markup, quotes, RTL marks, bad UTF-8.
        13 => {
            let hostile: &[&[u8]] = &[
                b"</script>",
                b"<&'\">",
                "\u{202e}\u{200f}".as_bytes(),
                b"\xed\xa0\x80",
                b"\xc3",
                b"\\n",
                b"\\u202e",
            ];
            data.splice(at..at, rng.pick(hostile).iter().copied());
        }
        // Cross over: the head of this input, the tail of another.
        14 if !others.is_empty() => {
            let other = rng.pick(others);
            let from = rng.below(other.len() + 1);
            data.truncate(at);
            data.extend_from_slice(&other[from..]);
        }
        _ => {
            let word = rng.pick(NUMBERS);
            data.splice(at..at, word.iter().copied());
        }
    }
}

/// Replaces a run of digits (picked at random) with an edge value.
fn replace_number(data: &mut Vec<u8>, rng: &mut Rng) {
    let starts: Vec<usize> = (0..data.len())
        .filter(|&i| data[i].is_ascii_digit() && (i == 0 || !data[i - 1].is_ascii_digit()))
        .collect();
    if starts.is_empty() {
        return;
    }
    let start = *rng.pick(&starts);
    let end = start
        + data[start..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count();
    data.splice(start..end, rng.pick(NUMBERS).iter().copied());
}

fn edit_lines(data: &mut Vec<u8>, rng: &mut Rng) {
    let mut lines: Vec<Vec<u8>> = data
        .split_inclusive(|&b| b == b'\n')
        .map(<[u8]>::to_vec)
        .collect();
    if lines.is_empty() {
        return;
    }
    let i = rng.below(lines.len());
    match rng.below(3) {
        0 => {
            let line = lines[i].clone();
            let times = rng.small();
            for _ in 0..times {
                lines.insert(i, line.clone());
            }
        }
        1 => {
            lines.remove(i);
        }
        _ => {
            let j = rng.below(lines.len());
            lines.swap(i, j);
        }
    }
    *data = lines.concat();
}

/// `data` with the checksum of every complete block of a compact file made right
/// (docs/compact-format.md: kind, codec, two varint lengths, CRC-32, payload), so that
/// a mutated file gets past the checksum to the decoders; other inputs unchanged.
pub fn fix_checksums(data: &[u8]) -> Vec<u8> {
    let mut out = data.to_vec();
    if !out.starts_with(b"\x89TSCOPE\n") {
        return out;
    }
    let varint = |out: &[u8], at: &mut usize| -> Option<u64> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let b = *out.get(*at)?;
            *at += 1;
            v |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Some(v);
            }
        }
        None
    };
    let mut at = 9;
    while at + 2 <= out.len() {
        let mut p = at + 2;
        let (Some(_raw), Some(stored)) = (varint(&out, &mut p), varint(&out, &mut p)) else {
            break;
        };
        let Some(end) = (p + 4)
            .checked_add(stored as usize)
            .filter(|&e| e <= out.len())
        else {
            break;
        };
        let mut crc = crc32fast::Hasher::new();
        crc.update(&out[at..p]);
        crc.update(&out[p + 4..end]);
        out[p..p + 4].copy_from_slice(&crc.finalize().to_le_bytes());
        at = end;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mutations_repeat_with_the_seed_and_change_the_input() {
        let words: &[&[u8]] = &[b"digraph"];
        let base = b"digraph { a -> b }".to_vec();
        let run = |seed| {
            let mut rng = Rng::new(seed);
            (0..100)
                .map(|_| mutate(&base, std::slice::from_ref(&base), words, &mut rng))
                .collect::<Vec<_>>()
        };
        assert_eq!(run(7), run(7));
        assert!(run(7).iter().any(|m| *m != base));
    }
}
