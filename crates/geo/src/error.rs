use std::path::PathBuf;

/// Why bytes are not a dataset file (`.hgeo`) this version reads.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FormatError {
    /// The file does not start with the dataset magic bytes: it is some
    /// other file, or was mangled by a text-mode transfer.
    #[error("not a hirundo geo dataset (bad magic bytes)")]
    BadMagic,
    /// Written by a newer (or unknown) version of the format.
    #[error("dataset format version {found}; this build reads version {supported}")]
    UnsupportedVersion { found: u16, supported: u16 },
    /// The data ends before `what` is complete.
    #[error("{part} truncated at byte {offset} while reading {what}")]
    Truncated {
        part: &'static str,
        what: &'static str,
        offset: usize,
    },
    /// `what` at `offset` holds a value that cannot be right: a varint too
    /// long, a count larger than the data, a string that is not UTF-8, a
    /// country code that is not two capitals, a range that does not follow
    /// the one before, an index past the end of its table.
    #[error("{part} byte {offset}: invalid {what}")]
    Invalid {
        part: &'static str,
        what: &'static str,
        offset: usize,
    },
    /// Bytes remain after the last table.
    #[error("{extra} unexpected bytes after the end of the {part}")]
    TrailingBytes { part: &'static str, extra: usize },
    /// The body's declared size is over the limit this reader accepts.
    #[error("body of {len} bytes declared, over the {max}-byte limit")]
    BodyTooLarge { len: u64, max: u64 },
    /// The compressed body does not decompress to its declared size.
    #[error("compressed body: {0}")]
    Decompress(String),
}

/// Why an upstream file (CSV, tor geoip, RIR delegated stats) cannot be
/// read: which file, which line, and what is wrong there.
#[derive(Debug, thiserror::Error)]
pub enum ParseError {
    /// The file cannot be opened or read (or its gzip stream is broken).
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A line that is not a row of the expected form.
    #[error("{}: line {line}: {reason}", path.display())]
    Line {
        path: PathBuf,
        line: u64,
        reason: String,
    },
    /// The file holds no data row at all, which for a source means the
    /// wrong file was given.
    #[error("{}: no {expected} rows in the file", path.display())]
    Empty {
        path: PathBuf,
        expected: &'static str,
    },
}

/// Why a configured source cannot be loaded. Every variant names the file.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The configuration itself is wrong; the message says how to fix it.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The shipped dataset does not decode. Only a corrupted build can do
    /// this; the tests decode it on every run.
    #[error("the built-in dataset: {0}")]
    Builtin(FormatError),
    /// A dataset file (`dataset:PATH`) does not decode.
    #[error("{}: {source}", path.display())]
    Dataset {
        path: PathBuf,
        #[source]
        source: FormatError,
    },
    /// A file cannot be opened or read.
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A MaxMind-format file is not valid, or a record in it is not of the
    /// shape a country or ASN database has.
    #[error("{}: {reason}", path.display())]
    Mmdb { path: PathBuf, reason: String },
    /// A text source (RIR delegated stats) has a bad line.
    #[error(transparent)]
    Parse(#[from] ParseError),
    /// A dataset file listed under `country` holds no country source, or
    /// one listed under `asn` no ASN source.
    #[error("{}: the dataset holds no {} source", path.display(), match kind { crate::SourceKind::Country => "country", crate::SourceKind::Asn => "ASN" })]
    WrongKind {
        path: PathBuf,
        kind: crate::SourceKind,
    },
    /// This build has no built-in dataset (built without the `builtin`
    /// feature), yet the configuration names it.
    #[error("this build of hirundo has no built-in geo dataset; configure mmdb: or rir: sources")]
    NoBuiltin,
}

/// A geo configuration that cannot work, in a sentence that says what to
/// change.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("geo.{field}: {message}")]
pub struct ConfigError {
    /// `country` or `asn`.
    pub field: &'static str,
    pub message: String,
}
