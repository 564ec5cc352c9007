//! The collector: the HTTPS service sensors upload segments to, the ingest
//! path that verifies, archives and rolls them up into the store, and the
//! first web page.
//!
//! - [`tls`]: the collector's self-made certificate, pinned by sensors.
//! - [`collector`]: the ingest path shared by uploads and `hirundo import`.
//! - [`api`]: the `/api/v1` routes and the upload protocol.
//! - [`registry`]: registering sensors and their tokens.
//! - [`server`]: TLS and HTTP/1.1 over a TCP listener.
//! - `page`: the overview page.

pub mod api;
pub mod collector;
mod page;
pub mod registry;
pub mod server;
pub mod tls;

pub use api::router;
pub use collector::{Accepted, Collector, ImportError, SegmentError};
pub use server::serve_tls;
pub use tls::Identity;
