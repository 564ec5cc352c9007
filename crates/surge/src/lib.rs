//! Surge detection: which series are far above their own normal, and the
//! alerts that says so.

mod alert;

pub use alert::*;
