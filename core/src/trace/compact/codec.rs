//! The integers and strings inside blocks: LEB128 varints, zigzag for signed deltas,
//! strings as a length then UTF-8 bytes; and [`Bytes`], which reads them back and
//! says which field ran short or was wrong.

/// Appends `v` as an unsigned LEB128 varint (1 byte below 128, at most 10).
#[inline]
pub(super) fn put_u64(buf: &mut Vec<u8>, v: u64) {
    // Most numbers (ids, workers, deltas of times) take one or two bytes: those in
    // straight-line code, the rest out of line, so that callers stay small.
    if v < 0x80 {
        buf.push(v as u8);
    } else if v < 0x4000 {
        buf.extend_from_slice(&[(v as u8) | 0x80, (v >> 7) as u8]);
    } else {
        put_u64_long(buf, v);
    }
}

#[inline(never)]
fn put_u64_long(buf: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        buf.push((v as u8) | 0x80);
        v >>= 7;
    }
    buf.push(v as u8);
}

/// Appends a signed delta, zigzag-coded so small magnitudes take one byte.
#[inline]
pub(super) fn put_i64(buf: &mut Vec<u8>, v: i64) {
    put_u64(buf, ((v << 1) ^ (v >> 63)) as u64);
}

/// Appends a string: its length in bytes, then the bytes.
#[inline]
pub(super) fn put_str(buf: &mut Vec<u8>, s: &str) {
    put_u64(buf, s.len() as u64);
    buf.extend_from_slice(s.as_bytes());
}

/// A block's payload being read: every read names the field it is for, so that a
/// short or wrong payload is reported as that field.
pub(super) struct Bytes<'a> {
    data: &'a [u8],
    pos: usize,
}

/// Why a field could not be read: the field and what was wrong.
pub(super) type FieldError = (&'static str, String);

impl<'a> Bytes<'a> {
    pub(super) fn new(data: &'a [u8]) -> Self {
        Bytes { data, pos: 0 }
    }

    /// Whether the whole payload has been read.
    pub(super) fn is_empty(&self) -> bool {
        self.pos >= self.data.len()
    }

    /// Bytes not read yet: an upper bound for any count the payload declares.
    pub(super) fn remaining(&self) -> usize {
        self.data.len() - self.pos
    }

    pub(super) fn u8(&mut self, field: &'static str) -> Result<u8, FieldError> {
        let b = *self
            .data
            .get(self.pos)
            .ok_or_else(|| (field, "the block ends before it".to_string()))?;
        self.pos += 1;
        Ok(b)
    }

    /// An unsigned varint. One-byte numbers (most ids and deltas) take the first
    /// branch; longer ones are read from the slice without a bounds check per byte.
    #[inline]
    pub(super) fn u64(&mut self, field: &'static str) -> Result<u64, FieldError> {
        match self.data.get(self.pos) {
            Some(&b) if b < 0x80 => {
                self.pos += 1;
                Ok(u64::from(b))
            }
            _ => self.u64_long(field),
        }
    }

    fn u64_long(&mut self, field: &'static str) -> Result<u64, FieldError> {
        let rest = &self.data[self.pos.min(self.data.len())..];
        let mut v: u64 = 0;
        for (i, &b) in rest.iter().take(10).enumerate() {
            let bits = u64::from(b & 0x7f);
            if i == 9 && bits > 1 {
                break;
            }
            v |= bits << (7 * i);
            if b & 0x80 == 0 {
                self.pos += i + 1;
                return Ok(v);
            }
        }
        Err(long_number(field, rest.len() >= 10))
    }

    pub(super) fn i64(&mut self, field: &'static str) -> Result<i64, FieldError> {
        let z = self.u64(field)?;
        Ok(((z >> 1) as i64) ^ -((z & 1) as i64))
    }

    pub(super) fn u32(&mut self, field: &'static str) -> Result<u32, FieldError> {
        let v = self.u64(field)?;
        u32::try_from(v).map_err(|_| (field, format!("is {v}, more than 4294967295")))
    }

    /// A count of items still to come in this block, each at least one byte long:
    /// never more than the bytes left, so that no count makes memory grow beyond
    /// the input's size.
    pub(super) fn count(&mut self, field: &'static str) -> Result<usize, FieldError> {
        self.at_most_left(field, "items")
    }

    pub(super) fn bytes(&mut self, field: &'static str) -> Result<&'a [u8], FieldError> {
        let n = self.at_most_left(field, "bytes")?;
        let s = &self.data[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }

    /// A number of `what` that the rest of the block must hold (each at least a byte).
    fn at_most_left(&mut self, field: &'static str, what: &str) -> Result<usize, FieldError> {
        let n = self.u64(field)?;
        if n > self.remaining() as u64 {
            return Err((
                field,
                format!(
                    "says {n} {what}, but the block has {} bytes left",
                    self.remaining()
                ),
            ));
        }
        Ok(n as usize)
    }

    pub(super) fn str(&mut self, field: &'static str) -> Result<&'a str, FieldError> {
        let b = self.bytes(field)?;
        std::str::from_utf8(b).map_err(|e| (field, format!("is not UTF-8 text: {e}")))
    }
}

/// The error of a varint that ran past the block's end or past 64 bits.
#[cold]
fn long_number(field: &'static str, too_long: bool) -> FieldError {
    let message = if too_long {
        "the number is more than 64 bits"
    } else {
        "the block ends before it"
    };
    (field, message.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_strings_read_back() {
        let values = [0u64, 1, 127, 128, 300, u32::MAX as u64, u64::MAX];
        let deltas = [0i64, -1, 1, -64, 64, i64::MIN, i64::MAX];
        let mut buf = Vec::new();
        for &v in &values {
            put_u64(&mut buf, v);
        }
        for &d in &deltas {
            put_i64(&mut buf, d);
        }
        put_str(&mut buf, "('x', 1)");
        assert_eq!(buf[..3], [0, 1, 127]);
        let mut r = Bytes::new(&buf);
        for &v in &values {
            assert_eq!(r.u64("v").unwrap(), v);
        }
        for &d in &deltas {
            assert_eq!(r.i64("d").unwrap(), d);
        }
        assert_eq!(r.str("s").unwrap(), "('x', 1)");
        assert!(r.is_empty());
        assert_eq!(r.u8("next").unwrap_err().0, "next");
    }

    #[test]
    fn overlong_and_oversized_fields_are_errors() {
        let mut r = Bytes::new(&[0xff; 11]);
        assert!(r.u64("n").unwrap_err().1.contains("64 bits"));
        let mut buf = Vec::new();
        put_u64(&mut buf, 1 << 40);
        buf.push(b'x');
        assert!(
            Bytes::new(&buf)
                .count("deps")
                .unwrap_err()
                .1
                .contains("1099511627776 items")
        );
        assert!(
            Bytes::new(&buf)
                .str("key")
                .unwrap_err()
                .1
                .contains("bytes left")
        );
        let mut big = Vec::new();
        put_u64(&mut big, 1 << 33);
        assert!(Bytes::new(&big).u32("worker").is_err());
    }
}
