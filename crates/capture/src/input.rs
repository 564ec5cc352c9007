//! Where bytes come from: content-based decompression in front, and
//! [`ChunkedInput`], the one reusable buffer every format reader parses in
//! place.

use std::io::{self, Read};

use crate::{Compression, ReadError, ReadErrorKind};

/// Bytes asked of the source per read. Large reads keep the cost of the
/// boxed reader's virtual call and of the leftover copy far below a
/// nanosecond per record.
pub const CHUNK_LEN: usize = 1 << 20;

/// The largest record or block the reader will hold in memory. Anything
/// larger is reported as corrupt rather than allocated, which bounds the
/// reader's memory at this plus the decompressor's own buffers.
pub const MAX_RECORD_LEN: usize = 64 << 20;

/// A growable window over a byte stream, filled in [`CHUNK_LEN`] reads.
///
/// `buf[pos..end]` holds bytes read but not consumed. When a parser needs more
/// than that, the unconsumed tail (less than one record) moves to the front
/// and the rest of the buffer is refilled; the buffer grows only for a record
/// longer than itself, up to [`MAX_RECORD_LEN`].
pub(crate) struct ChunkedInput {
    src: Box<dyn Read + Send>,
    buf: Vec<u8>,
    pos: usize,
    end: usize,
    /// Stream offset of `buf[0]`.
    base: u64,
    eof: bool,
}

impl ChunkedInput {
    pub(crate) fn new(src: Box<dyn Read + Send>) -> Self {
        ChunkedInput {
            src,
            buf: vec![0; CHUNK_LEN],
            pos: 0,
            end: 0,
            base: 0,
            eof: false,
        }
    }

    /// Stream offset of the first unconsumed byte.
    #[inline]
    pub(crate) fn offset(&self) -> u64 {
        self.base + self.pos as u64
    }

    /// The unconsumed bytes in memory.
    #[inline]
    pub(crate) fn window(&self) -> &[u8] {
        &self.buf[self.pos..self.end]
    }

    /// Makes at least `n` bytes available and returns how many are; fewer than
    /// `n` only at the end of the stream. `n` must not exceed
    /// [`MAX_RECORD_LEN`]: parsers check lengths against it first.
    #[inline]
    pub(crate) fn ensure(&mut self, n: usize) -> io::Result<usize> {
        let available = self.end - self.pos;
        if available >= n {
            Ok(available)
        } else {
            self.refill(n)
        }
    }

    #[cold]
    #[inline(never)]
    fn refill(&mut self, n: usize) -> io::Result<usize> {
        debug_assert!(n <= MAX_RECORD_LEN, "parsers check lengths before asking");
        let n = n.min(MAX_RECORD_LEN);
        if self.pos > 0 {
            self.buf.copy_within(self.pos..self.end, 0);
            self.base += self.pos as u64;
            self.end -= self.pos;
            self.pos = 0;
        }
        if n > self.buf.len() {
            let mut grown = vec![0; n.next_power_of_two().min(MAX_RECORD_LEN)];
            grown[..self.end].copy_from_slice(&self.buf[..self.end]);
            self.buf = grown;
        }
        while self.end < n && !self.eof {
            match self.src.read(&mut self.buf[self.end..]) {
                Ok(0) => self.eof = true,
                Ok(got) => self.end += got,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(self.end)
    }

    /// Consumes `n` available bytes and returns them, borrowed until the next
    /// call that may refill.
    #[inline]
    pub(crate) fn take(&mut self, n: usize) -> &[u8] {
        let start = self.pos;
        self.pos += n;
        &self.buf[start..self.pos]
    }

    /// Consumes `n` available bytes.
    #[inline]
    pub(crate) fn skip(&mut self, n: usize) {
        debug_assert!(self.pos + n <= self.end);
        self.pos += n;
    }

    #[cfg(test)]
    pub(crate) fn capacity(&self) -> usize {
        self.buf.len()
    }
}

/// Looks at the first bytes of `raw` and puts a decompressor in front when
/// they are a gzip or zstd magic number. The file name plays no part: spools
/// and pipes carry no reliable one.
pub(crate) fn decompressed(
    mut raw: Box<dyn Read + Send>,
) -> Result<(Box<dyn Read + Send>, Compression), ReadError> {
    let mut head = [0u8; 6];
    let mut len = 0;
    while len < head.len() {
        match raw.read(&mut head[len..]) {
            Ok(0) => break,
            Ok(got) => len += got,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(ReadError::io(0, e)),
        }
    }
    let head = &head[..len];
    let whole: Box<dyn Read + Send> = Box::new(io::Cursor::new(head.to_vec()).chain(raw));
    let unsupported = |what| Err(ReadError::new(0, ReadErrorKind::Unsupported { what }));
    match Compression::of(head) {
        Compression::Gzip => {
            // Multi-member: `cat a.gz b.gz` and pigz output are one stream.
            let gz = flate2::read::MultiGzDecoder::new(whole);
            Ok((
                Box::new(Labelled {
                    inner: gz,
                    what: "gzip",
                }),
                Compression::Gzip,
            ))
        }
        Compression::Zstd => {
            let zst = zstd::Decoder::new(whole).map_err(|e| ReadError::io(0, e))?;
            Ok((
                Box::new(Labelled {
                    inner: zst,
                    what: "zstd",
                }),
                Compression::Zstd,
            ))
        }
        Compression::None if head.starts_with(b"BZh") => {
            unsupported("bzip2-compressed (decompress it first, or recompress with gzip or zstd)")
        }
        Compression::None if head.starts_with(&[0xfd, b'7', b'z', b'X', b'Z', 0]) => {
            unsupported("xz-compressed (decompress it first, or recompress with gzip or zstd)")
        }
        Compression::None if head.starts_with(&[0x04, 0x22, 0x4d, 0x18]) => {
            unsupported("lz4-compressed (decompress it first, or recompress with gzip or zstd)")
        }
        Compression::None => Ok((whole, Compression::None)),
    }
}

/// Says which decompressor failed: its own messages ("invalid gzip header")
/// do not name the format, and the reader's error names only an offset.
struct Labelled<R> {
    inner: R,
    what: &'static str,
}

impl<R: Read> Read for Labelled<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.inner.read(buf).map_err(|e| match e.kind() {
            io::ErrorKind::Interrupted | io::ErrorKind::WouldBlock => e,
            kind => io::Error::new(
                kind,
                format!("corrupt or truncated {} stream: {e}", self.what),
            ),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Returns at most `step` bytes per read, like a pipe or a decompressor.
    struct Trickle {
        data: Vec<u8>,
        at: usize,
        step: usize,
    }

    impl Read for Trickle {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = buf.len().min(self.step).min(self.data.len() - self.at);
            buf[..n].copy_from_slice(&self.data[self.at..self.at + n]);
            self.at += n;
            Ok(n)
        }
    }

    fn trickle(data: Vec<u8>, step: usize) -> ChunkedInput {
        ChunkedInput::new(Box::new(Trickle { data, at: 0, step }))
    }

    #[test]
    fn ensure_gathers_small_reads_and_keeps_offsets() {
        let data: Vec<u8> = (0..=255).collect();
        let mut input = trickle(data, 3);
        assert_eq!(input.ensure(10).unwrap(), 12, "four reads of 3 bytes");
        assert_eq!(input.take(10), &(0..10).collect::<Vec<u8>>()[..]);
        assert_eq!(input.offset(), 10);
        assert!(input.ensure(5).unwrap() >= 5);
        assert_eq!(input.window()[0], 10);
        assert!(input.ensure(240).unwrap() >= 240);
        input.skip(240);
        assert_eq!(input.offset(), 250);
        assert_eq!(input.ensure(10).unwrap(), 6, "only 6 bytes remain");
        assert_eq!(input.window(), &[250, 251, 252, 253, 254, 255]);
        input.skip(6);
        assert_eq!(input.ensure(1).unwrap(), 0);
        assert_eq!(input.offset(), 256);
    }

    #[test]
    fn buffer_grows_only_for_a_record_larger_than_itself() {
        let total = 3 * CHUNK_LEN + 5;
        let data: Vec<u8> = (0..total).map(|i| (i % 251) as u8).collect();
        let mut input = trickle(data, 1 << 16);
        let mut offset = 0;
        while offset + 1000 <= total {
            input.ensure(1000).unwrap();
            assert_eq!(input.window()[0], (offset % 251) as u8);
            input.skip(1000);
            offset += 1000;
        }
        assert_eq!(
            input.capacity(),
            CHUNK_LEN,
            "small records never grow the buffer"
        );

        let data = vec![7u8; 2 * CHUNK_LEN + 100];
        let mut input = trickle(data, 1 << 20);
        input.ensure(10).unwrap();
        input.skip(10);
        // one more 1 MiB read after moving the leftover to the front
        assert_eq!(input.ensure(CHUNK_LEN + 1).unwrap(), 2 * CHUNK_LEN - 10);
        assert_eq!(input.capacity(), 2 * CHUNK_LEN);
        assert_eq!(input.offset(), 10);
    }

    #[test]
    fn compression_is_recognised_by_content() {
        use std::io::Write;
        let plain = b"\xd4\xc3\xb2\xa1 and the rest of a capture".to_vec();
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(&plain).unwrap();
        let gz = gz.finish().unwrap();
        let zst = zstd::encode_all(&plain[..], 3).unwrap();
        for (bytes, expect) in [
            (plain.clone(), Compression::None),
            (gz, Compression::Gzip),
            (zst, Compression::Zstd),
        ] {
            let (mut rd, found) = decompressed(Box::new(io::Cursor::new(bytes))).unwrap();
            assert_eq!(found, expect);
            let mut out = Vec::new();
            rd.read_to_end(&mut out).unwrap();
            assert_eq!(out, plain, "{expect:?}");
        }
        let xz = decompressed(Box::new(io::Cursor::new(b"\xfd7zXZ\0\0\0".to_vec())))
            .err()
            .unwrap();
        assert!(matches!(xz.kind, ReadErrorKind::Unsupported { .. }), "{xz}");
        let (mut two, _) = decompressed(Box::new(io::Cursor::new(vec![1, 2]))).unwrap();
        let mut out = Vec::new();
        two.read_to_end(&mut out).unwrap();
        assert_eq!(
            out,
            [1, 2],
            "a stream shorter than the sniffed prefix survives"
        );
    }

    #[test]
    fn corrupt_gzip_names_the_format() {
        let bytes = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03garbage that is not deflate".to_vec();
        let (mut rd, _) = decompressed(Box::new(io::Cursor::new(bytes))).unwrap();
        let mut out = Vec::new();
        let err = rd.read_to_end(&mut out).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("corrupt or truncated gzip stream: "),
            "{err}"
        );
    }
}
