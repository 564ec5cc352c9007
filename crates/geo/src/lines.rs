//! Line-by-line reading of upstream text files, plain or gzip-compressed
//! (recognised by content), with errors that name the file and line.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use crate::ParseError;

/// Calls `row` with each line's number (from 1) and text, without the line
/// ending. A `row` error becomes a [`ParseError::Line`] at that line.
pub(crate) fn for_each_line(
    path: &Path,
    mut row: impl FnMut(u64, &str) -> Result<(), String>,
) -> Result<(), ParseError> {
    let io = |source| ParseError::Io {
        path: path.to_owned(),
        source,
    };
    let mut file = BufReader::new(File::open(path).map_err(io)?);
    let gzip = file.fill_buf().map_err(io)?.starts_with(&[0x1f, 0x8b]);
    let mut reader: Box<dyn BufRead> = if gzip {
        Box::new(BufReader::new(flate2::bufread::MultiGzDecoder::new(file)))
    } else {
        Box::new(file)
    };
    read_lines(&mut reader, path, &mut row)
}

/// Where a reader's lines come from: a file (plain or gzip), or text
/// already in memory with the name its errors show.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Input<'a> {
    File(&'a Path),
    Text { text: &'a str, name: &'a Path },
}

impl<'a> Input<'a> {
    /// The name errors show.
    pub(crate) fn path(self) -> &'a Path {
        match self {
            Input::File(path) | Input::Text { name: path, .. } => path,
        }
    }

    /// [`for_each_line`] over the file or the text.
    pub(crate) fn for_each_line(
        self,
        mut row: impl FnMut(u64, &str) -> Result<(), String>,
    ) -> Result<(), ParseError> {
        match self {
            Input::File(path) => for_each_line(path, row),
            Input::Text { text, name } => read_lines(&mut text.as_bytes(), name, &mut row),
        }
    }
}

/// The same over any reader, for tests and in-memory files.
pub(crate) fn read_lines(
    reader: &mut dyn BufRead,
    path: &Path,
    row: &mut dyn FnMut(u64, &str) -> Result<(), String>,
) -> Result<(), ParseError> {
    let mut buf = Vec::new();
    let mut line = 0u64;
    loop {
        buf.clear();
        let n = Read::take(&mut *reader, 1 << 20)
            .read_until(b'\n', &mut buf)
            .map_err(|source| ParseError::Io {
                path: path.to_owned(),
                source,
            })?;
        if n == 0 {
            return Ok(());
        }
        line += 1;
        let at = |reason: String| ParseError::Line {
            path: path.to_owned(),
            line,
            reason,
        };
        if n == 1 << 20 && buf.last() != Some(&b'\n') {
            return Err(at("line longer than 1 MiB".into()));
        }
        let text = std::str::from_utf8(&buf).map_err(|e| at(format!("not UTF-8: {e}")))?;
        let text = text.strip_suffix('\n').unwrap_or(text);
        let text = text.strip_suffix('\r').unwrap_or(text);
        row(line, text).map_err(at)?;
    }
}
