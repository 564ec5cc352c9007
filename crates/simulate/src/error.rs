use std::io;

/// Why a simulation could not run or could not be written.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    /// The [`SimConfig`](crate::SimConfig) cannot produce a capture; the
    /// message is a sentence the operator can act on.
    #[error("invalid simulation settings: {0}")]
    Config(String),
    /// Writing the capture failed (disk full, closed pipe, ...).
    #[error("cannot write the capture: {0}")]
    Io(#[from] io::Error),
}
