//! Root, the Debian tools, and skipping loudly: shared with the other
//! tests that need root (`hirundo-testbed`).

pub use hirundo_testbed::{is_root, skip, Tools};
