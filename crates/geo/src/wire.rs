//! Byte-level pieces of the dataset format: little-endian integers,
//! LEB128 varints and length-prefixed strings, written to a `Vec` and read
//! back through a cursor that reports where it ran out.

use crate::FormatError;

pub(crate) fn put_varint(out: &mut Vec<u8>, mut v: u128) {
    loop {
        let byte = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

pub(crate) fn put_str(out: &mut Vec<u8>, s: &str) {
    put_varint(out, s.len() as u128);
    out.extend_from_slice(s.as_bytes());
}

/// A read position in a byte slice. `part` names what is being read (the
/// header, the body) for error messages; offsets count from the start of
/// that part.
pub(crate) struct Cursor<'a> {
    buf: &'a [u8],
    pos: usize,
    part: &'static str,
}

impl<'a> Cursor<'a> {
    pub(crate) fn new(buf: &'a [u8], part: &'static str) -> Cursor<'a> {
        Cursor { buf, pos: 0, part }
    }

    pub(crate) fn offset(&self) -> usize {
        self.pos
    }

    pub(crate) fn remaining(&self) -> usize {
        self.buf.len() - self.pos
    }

    pub(crate) fn truncated(&self, what: &'static str) -> FormatError {
        FormatError::Truncated {
            part: self.part,
            what,
            offset: self.pos,
        }
    }

    pub(crate) fn invalid(&self, what: &'static str, at: usize) -> FormatError {
        FormatError::Invalid {
            part: self.part,
            what,
            offset: at,
        }
    }

    pub(crate) fn bytes(&mut self, n: usize, what: &'static str) -> Result<&'a [u8], FormatError> {
        if n > self.remaining() {
            return Err(self.truncated(what));
        }
        let out = &self.buf[self.pos..self.pos + n];
        self.pos += n;
        Ok(out)
    }

    pub(crate) fn u8(&mut self, what: &'static str) -> Result<u8, FormatError> {
        Ok(self.bytes(1, what)?[0])
    }

    pub(crate) fn u16_le(&mut self, what: &'static str) -> Result<u16, FormatError> {
        let b = self.bytes(2, what)?;
        Ok(u16::from_le_bytes([b[0], b[1]]))
    }

    pub(crate) fn u32_le(&mut self, what: &'static str) -> Result<u32, FormatError> {
        let b = self.bytes(4, what)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    /// A LEB128 varint of at most 128 bits.
    pub(crate) fn varint(&mut self, what: &'static str) -> Result<u128, FormatError> {
        let start = self.pos;
        let mut v: u128 = 0;
        let mut shift = 0u32;
        loop {
            let byte = self.u8(what)?;
            let bits = u128::from(byte & 0x7f);
            if shift >= 128 || (shift > 0 && bits >> (128 - shift) != 0) {
                return Err(self.invalid(what, start));
            }
            v |= bits << shift;
            if byte & 0x80 == 0 {
                return Ok(v);
            }
            shift += 7;
        }
    }

    /// A varint that must fit a `usize` and be at most `max`.
    pub(crate) fn count(&mut self, max: usize, what: &'static str) -> Result<usize, FormatError> {
        let start = self.pos;
        let v = self.varint(what)?;
        match usize::try_from(v) {
            Ok(n) if n <= max => Ok(n),
            _ => Err(self.invalid(what, start)),
        }
    }

    /// A varint length, then that many bytes of UTF-8.
    pub(crate) fn str(&mut self, what: &'static str) -> Result<&'a str, FormatError> {
        let n = self.count(self.remaining(), what)?;
        self.str_of_len(n, what)
    }

    /// `n` bytes of UTF-8.
    pub(crate) fn str_of_len(
        &mut self,
        n: usize,
        what: &'static str,
    ) -> Result<&'a str, FormatError> {
        let start = self.pos;
        let bytes = self.bytes(n, what)?;
        std::str::from_utf8(bytes).map_err(|_| self.invalid(what, start))
    }

    /// Fails unless every byte was read.
    pub(crate) fn finish(&self) -> Result<(), FormatError> {
        if self.remaining() == 0 {
            Ok(())
        } else {
            Err(FormatError::TrailingBytes {
                part: self.part,
                extra: self.remaining(),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varints_round_trip_at_their_edges() {
        for v in [
            0u128,
            1,
            127,
            128,
            300,
            u32::MAX as u128,
            u64::MAX as u128,
            u128::MAX,
        ] {
            let mut out = Vec::new();
            put_varint(&mut out, v);
            let mut c = Cursor::new(&out, "test");
            assert_eq!(c.varint("v").unwrap(), v);
            c.finish().unwrap();
        }
    }

    #[test]
    fn varint_past_128_bits_is_invalid_not_a_panic() {
        let too_long = [0xffu8; 20];
        assert!(matches!(
            Cursor::new(&too_long, "test").varint("v"),
            Err(FormatError::Invalid { offset: 0, .. })
        ));
        // 19 bytes whose last carries bits above 2^128.
        let mut over = vec![0xffu8; 18];
        over.push(0x7f);
        assert!(Cursor::new(&over, "test").varint("v").is_err());
        assert!(matches!(
            Cursor::new(&[0x80], "test").varint("v"),
            Err(FormatError::Truncated { offset: 1, .. })
        ));
    }
}
